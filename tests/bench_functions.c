/* Benchmarks of tracing with no annotations (make bench): this file is
   built with -finstrument-functions (see the Makefile) and
   CTRACE_INSTRUMENT_FUNCTIONS. Median of 5 interleaved runs of each, per
   call of a tiny function (a multiply-add, noinline):
     plain        the function compiled without instrumentation
     off          instrumented, no trace running: the hooks' cost when idle
     traced       instrumented, tracing every call (function_min_ns NONE)
     filtered     instrumented, tracing with a minimum duration of 1 us
                  (every call here is shorter: each is erased)
     zone         the uninstrumented function with an explicit CTRACE_ZONE
                  inside, while tracing: what the traced call is held to
     size         bytes per event of the traced run's file
   BENCH_CALLS (default 10000000) sets the calls per run.
   Targets: traced <= 1.3x zone; off - plain <= 2 ns per call; <= 3 bytes
   per event.
   Then a Lua-like call-heavy case, as an interpreter makes calls: fib-like
   recursion (fib(25)), and table work (1000 keys into a hash table that
   grows by rehashing, 300 times), with a static inline hash function gcc
   inlines while still calling its hooks. Median of 5 interleaved runs of:
     off          instrumented, no trace running
     traced       tracing every call (function_min_ns NONE)
     default      tracing with function_min_ns 0 (the default minimum)
     min 1 us     tracing with function_min_ns 1000
   each as ns per call (the calls the functions count themselves), ns per
   call over off, bytes of trace per call and the trace's size. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#define CTRACE_IMPLEMENTATION
#define CTRACE_INSTRUMENT_FUNCTIONS
#include "../ctrace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUNS 5
#define NOINSTR __attribute__((no_instrument_function))
#define NOINLINE __attribute__((noinline))

static long calls;
volatile unsigned sink;

NOINLINE unsigned work_instr(unsigned x);
NOINLINE NOINSTR unsigned work_plain(unsigned x);
NOINLINE NOINSTR unsigned work_zone(unsigned x);
NOINLINE unsigned work_instr(unsigned x) { return x * 2654435761u + 1u; }
NOINLINE NOINSTR unsigned work_plain(unsigned x) { return x * 2654435761u + 1u; }
NOINLINE NOINSTR unsigned work_zone(unsigned x) {
  CTRACE_ZONE("work");
  return x * 2654435761u + 1u;
}

static NOINSTR double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static NOINSTR int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static NOINSTR double median(double *v) {
  qsort(v, RUNS, sizeof *v, cmp_double);
  return v[RUNS / 2];
}

enum { PLAIN, OFF, TRACED, FILTERED, ZONE, KINDS };
static const char *const names[KINDS] = {"plain", "off", "traced", "filtered", "zone"};

/* ns per call of one kind; for the traced kinds a session runs around it. */
static NOINSTR double run(int kind, double *bytes_per_event) {
  char path[512];
  ctrace_config cfg;
  ctrace_session_stats st;
  unsigned x = 1;
  long i;
  double t0, t1;
  if (kind >= TRACED) {
    memset(&cfg, 0, sizeof cfg);
    cfg.function_min_ns = kind == FILTERED ? 1000u : CTRACE_FUNCTION_MIN_NONE;
    snprintf(path, sizeof path, "%s/tmp/bench_functions_%d.ctrace", getenv("BUILD") ? getenv("BUILD") : "build", kind);
    if (ctrace_start_with(path, &cfg) != 0) {
      fprintf(stderr, "bench_functions: cannot start a trace in %s\n", path);
      exit(1);
    }
  }
  t0 = now_ns();
  switch (kind) {
  case PLAIN: for (i = 0; i < calls; i++) x = work_plain(x); break;
  case ZONE: for (i = 0; i < calls; i++) x = work_zone(x); break;
  default: for (i = 0; i < calls; i++) x = work_instr(x); break;
  }
  if (kind >= TRACED) ctrace_flush();
  t1 = now_ns();
  sink = x;
  if (kind >= TRACED) {
    ctrace_session_stats_get(&st);
    ctrace_stop();
    if (bytes_per_event) *bytes_per_event = (double)st.bytes_written / (2.0 * (double)calls);
    remove(path);
  }
  return (t1 - t0) / (double)calls;
}

/* ---- the Lua-like case ---- */

static unsigned long lua_calls; /* every instrumented call below counts itself */
typedef struct ltable {
  unsigned *keys, *vals, n, cap;
} ltable;

NOINLINE unsigned lfib(unsigned n);
NOINLINE unsigned lfib(unsigned n) {
  lua_calls++;
  return n < 2 ? n : lfib(n - 1) + lfib(n - 2);
}
static inline unsigned lhash(unsigned k) {
  lua_calls++;
  return (k * 2654435761u) >> 7;
}
static void tset_raw(ltable *t, unsigned k, unsigned v) {
  unsigned i = lhash(k) & (t->cap - 1);
  while (t->keys[i] && t->keys[i] != k) i = (i + 1) & (t->cap - 1);
  if (!t->keys[i]) t->n++;
  t->keys[i] = k;
  t->vals[i] = v;
}
NOINLINE void tresize(ltable *t);
NOINLINE void tresize(ltable *t) {
  ltable old = *t;
  unsigned i;
  lua_calls++;
  t->cap = t->cap ? t->cap * 2 : 4;
  t->n = 0;
  t->keys = (unsigned *)calloc(t->cap, sizeof *t->keys);
  t->vals = (unsigned *)calloc(t->cap, sizeof *t->vals);
  if (!t->keys || !t->vals) exit(1);
  for (i = 0; i < old.cap; i++)
    if (old.keys[i]) tset_raw(t, old.keys[i], old.vals[i]);
  free(old.keys);
  free(old.vals);
}
NOINLINE void tset(ltable *t, unsigned k, unsigned v);
NOINLINE void tset(ltable *t, unsigned k, unsigned v) {
  lua_calls++;
  if ((t->n + 1) * 2 > t->cap) tresize(t);
  tset_raw(t, k, v);
}
NOINLINE ltable *tnew(void);
NOINLINE ltable *tnew(void) {
  lua_calls++;
  return (ltable *)calloc(1, sizeof(ltable));
}
NOINLINE void tfree(ltable *t);
NOINLINE void tfree(ltable *t) {
  lua_calls++;
  free(t->keys);
  free(t->vals);
  free(t);
}

static NOINSTR void lua_like(void) {
  unsigned r, i;
  sink += lfib(25);
  for (r = 0; r < 300; r++) {
    ltable *t = tnew();
    if (!t) exit(1);
    for (i = 1; i <= 1000; i++) tset(t, i * 7919u, i);
    sink += t->n;
    tfree(t);
  }
}

enum { L_OFF, L_TRACED, L_DEFAULT, L_MIN1US, LKINDS };
static const char *const lnames[LKINDS] = {"off", "traced", "default", "min 1 us"};

/* One Lua-like run: ns per call, and the trace's bytes. */
static NOINSTR double lua_run(int kind, double *bytes) {
  char path[512];
  ctrace_config cfg;
  ctrace_session_stats st;
  double t0, t1;
  *bytes = 0;
  if (kind != L_OFF) {
    memset(&cfg, 0, sizeof cfg);
    cfg.function_min_ns = kind == L_TRACED ? CTRACE_FUNCTION_MIN_NONE : kind == L_MIN1US ? 1000u : 0u;
    snprintf(path, sizeof path, "%s/tmp/bench_functions_lua_%d.ctrace", getenv("BUILD") ? getenv("BUILD") : "build", kind);
    if (ctrace_start_with(path, &cfg) != 0) {
      fprintf(stderr, "bench_functions: cannot start a trace in %s\n", path);
      exit(1);
    }
  }
  lua_calls = 0;
  t0 = now_ns();
  lua_like();
  if (kind != L_OFF) ctrace_flush();
  t1 = now_ns();
  if (kind != L_OFF) {
    ctrace_stop();
    ctrace_session_stats_get(&st);
    *bytes = (double)st.bytes_written;
    remove(path);
  }
  return (t1 - t0) / (double)lua_calls;
}

static NOINSTR void lua_bench(void) {
  double v[LKINDS][RUNS], b[LKINDS][RUNS], m[LKINDS], mb[LKINDS];
  unsigned long n;
  int r, k;
  for (r = 0; r < RUNS; r++)
    for (k = 0; k < LKINDS; k++) v[k][r] = lua_run(k, &b[k][r]);
  n = lua_calls;
  for (k = 0; k < LKINDS; k++) {
    m[k] = median(v[k]);
    mb[k] = median(b[k]);
  }
  printf("Lua-like calls (fib(25) and 300 tables of 1000 keys), %lu calls per run, median of %d:\n", n, RUNS);
  for (k = 0; k < LKINDS; k++) {
    if (k == L_OFF) printf("  %-9s %7.2f ns per call\n", lnames[k], m[k]);
    else
      printf("  %-9s %7.2f ns per call (+%.2f over off), %5.2f bytes per call, trace %.1f KiB\n", lnames[k], m[k],
             m[k] - m[L_OFF], mb[k] / (double)n, mb[k] / 1024.0);
  }
}

int main(void) NOINSTR;
int main(void) {
  double v[KINDS][RUNS], m[KINDS], size[RUNS], bpe = 0, size_zone[RUNS], size_filtered[RUNS];
  int r, k;
  calls = getenv("BENCH_CALLS") ? atol(getenv("BENCH_CALLS")) : 10000000L;
  if (calls <= 0) calls = 10000000L;
  for (r = 0; r < RUNS; r++)
    for (k = 0; k < KINDS; k++) {
      double b = 0;
      v[k][r] = run(k, &b);
      if (k == TRACED) size[r] = b;
      if (k == ZONE) size_zone[r] = b;
      if (k == FILTERED) size_filtered[r] = b;
    }
  for (k = 0; k < KINDS; k++) m[k] = median(v[k]);
  bpe = median(size);
  printf("function calls, %ld per run, median of %d (ns per call):\n", calls, RUNS);
  for (k = 0; k < KINDS; k++) printf("  %-9s %7.2f ns\n", names[k], m[k]);
  printf("traced call vs CTRACE_ZONE pair: %.2fx  (target <= 1.3x)\n", m[TRACED] / m[ZONE]);
  printf("instrumented, not tracing: +%.2f ns per call over plain  (target <= 2 ns)\n", m[OFF] - m[PLAIN]);
  printf("filtered at 1 us (every call erased): %.2fx the traced call, %.2f bytes per call\n", m[FILTERED] / m[TRACED],
         median(size_filtered) * 2.0);
  printf("trace size, traced calls: %.2f bytes per event (zone: %.2f)  (target <= 3)\n", bpe, median(size_zone));
  lua_bench();
  return 0;
}
