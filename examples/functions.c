/* functions.c - a whole program traced with no CTRACE_ZONE at all: every
   function compiled with -finstrument-functions is a zone, named by the
   tool from the program's symbol table.

   Build and run (make builds it this way):
       cc -O2 -g -finstrument-functions -DCTRACE_INSTRUMENT_FUNCTIONS \
          examples/functions.c -o functions -pthread
       ./functions functions.ctrace      (or: CTRACE_FILE=f.ctrace ./functions)
       ctrace report functions.ctrace

   The implementation is compiled in this file under the same flag: ctrace's
   own functions carry no_instrument_function, so they never show up. */
#define CTRACE_IMPLEMENTATION
#define CTRACE_INSTRUMENT_FUNCTIONS
#include "ctrace.h"

#include <stdio.h>
#include <stdlib.h>

/* noinline: the optimiser would otherwise fold these into their callers
   (instrumentation still names inlined functions, but the example should
   show the shape of the source). */
#if defined(__GNUC__) || defined(__clang__)
#define EX_NOINLINE __attribute__((noinline))
#else
#define EX_NOINLINE
#endif

static EX_NOINLINE void merge(int *a, int *tmp, size_t lo, size_t mid, size_t hi) {
  size_t i = lo, j = mid, k = lo;
  while (i < mid && j < hi) tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
  while (i < mid) tmp[k++] = a[i++];
  while (j < hi) tmp[k++] = a[j++];
  for (k = lo; k < hi; k++) a[k] = tmp[k];
}

static EX_NOINLINE void merge_sort(int *a, int *tmp, size_t lo, size_t hi) {
  size_t mid;
  if (hi - lo < 2) return;
  mid = lo + (hi - lo) / 2;
  merge_sort(a, tmp, lo, mid);
  merge_sort(a, tmp, mid, hi);
  merge(a, tmp, lo, mid, hi);
}

static EX_NOINLINE int check_sorted(const int *a, size_t n) {
  size_t i;
  for (i = 1; i < n; i++)
    if (a[i - 1] > a[i]) return 0;
  return 1;
}

static EX_NOINLINE void fill(int *a, size_t n, unsigned seed) {
  size_t i;
  for (i = 0; i < n; i++) {
    seed = (unsigned)(seed * 1103515245ull + 12345u); /* 64-bit product: no wrap */
    a[i] = (int)(seed >> 8);
  }
}

int main(int argc, char **argv) {
  size_t n = 1u << 12;
  int *a = (int *)malloc(n * sizeof *a), *tmp = (int *)malloc(n * sizeof *tmp);
  int ok, started = 0;
  if (!a || !tmp) return 1;
  if (argc > 1) {
    int rc = ctrace_start(argv[1]);
    if (rc != 0 && rc != CTRACE_E_ALREADY_STARTED) {
      fprintf(stderr, "functions: %s: %s\n", argv[1], ctrace_strerror(rc));
      return 1;
    }
    started = rc == 0;
  }
  fill(a, n, 42u);
  merge_sort(a, tmp, 0, n);
  ok = check_sorted(a, n);
  if (started) ctrace_stop();
  printf("sorted %lu numbers: %s\n", (unsigned long)n, ok ? "ok" : "WRONG");
  free(a);
  free(tmp);
  return ok ? 0 : 1;
}
