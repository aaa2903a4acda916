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
   per event. */
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
  return 0;
}
