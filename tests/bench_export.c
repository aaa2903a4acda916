/* tests/bench_export.c - export speed: events per second for Chrome JSON,
   folded stacks and CSV on a 10-million-event trace (median of 3 runs).
   Target: at least 20 million events per second for each format.

   Output goes to /dev/null so the figure is the exporter's own cost, not the
   disk's. Folded and CSV include the analysis pass they are built from.
   Both wall-clock and CPU time (this process) are shown: on a loaded machine
   the CPU figure is the one that says what the code costs.
   Build and run: make bench  (or BENCH_EVENTS=N build/bench/bench_export) */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "../ctrace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Zones three deep with a handful of names, a counter and an allocation now
   and then: the shape of an instrumented program's hot loop. */
static int write_trace(const char *path, long events) {
  long made = 0, i = 0;
  int rc = ctrace_start(path);
  if (rc != 0) return rc;
  CTRACE_THREAD_NAME("bench");
  while (made < events) {
    CTRACE_ZONE_BEGIN("frame");
    CTRACE_ZONE_BEGIN("update");
    switch (i & 3) {
      case 0: CTRACE_ZONE_BEGIN("parse"); break;
      case 1: CTRACE_ZONE_BEGIN("hash"); break;
      case 2: CTRACE_ZONE_BEGIN("emit"); break;
      default: CTRACE_ZONE_BEGIN("sort"); break;
    }
    CTRACE_ZONE_END();
    CTRACE_ZONE_END();
    CTRACE_ZONE_END();
    made += 6;
    if ((i & 63) == 0) {
      void *p = ctrace_malloc(64 + (size_t)(i & 1023));
      CTRACE_COUNTER("items", i);
      ctrace_free(p);
      made += 3;
    }
    i++;
  }
  return ctrace_stop();
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int null_write(void *user, const void *data, size_t size) {
  (void)data;
  *(uint64_t *)user += size;
  return 0;
}

enum { FMT_CHROME, FMT_FOLDED, FMT_CSV };

/* One export; returns wall seconds (and CPU seconds in *cpu), or -1 on error. */
static double run_once(const char *trace, int fmt, double *cpu) {
  double t0 = now_s();
  clock_t c0 = clock();
  if (fmt == FMT_CHROME) {
    char err[256];
    int rc = ctrace_export_chrome(trace, "/dev/null", NULL, NULL, NULL, err, sizeof err);
    if (rc != 0) {
      fprintf(stderr, "bench_export: %s\n", err);
      return -1;
    }
  } else {
    ctrace_analysis *a = NULL;
    uint64_t bytes = 0;
    char err[256];
    int rc = ctrace_analyze(trace, NULL, &a, err, sizeof err);
    if (rc != 0 || !a) {
      fprintf(stderr, "bench_export: %s\n", err);
      if (a) ctrace_analysis_free(a);
      return -1;
    }
    rc = fmt == FMT_CSV ? ctrace_export_csv(a, null_write, &bytes)
                        : ctrace_export_folded(a, 0, null_write, &bytes);
    ctrace_analysis_free(a);
    if (rc != 0) return -1;
  }
  *cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
  return now_s() - t0;
}

static uint64_t count_events(const char *trace) {
  ctrace_reader *r = NULL;
  ctrace_event ev;
  uint64_t n = 0;
  if (ctrace_reader_open(&r, trace, NULL, 0) != 0) return 0;
  while (ctrace_reader_next(r, &ev) > 0) n++;
  ctrace_reader_close(r);
  return n;
}

int main(void) {
  static const char *const names[3] = {"chrome", "folded", "csv"};
  const char *build = getenv("BUILD");
  const char *env_n = getenv("BENCH_EVENTS");
  long want = env_n ? atol(env_n) : 10000000L;
  char path[512];
  uint64_t events;
  int fmt, status = 0;
  snprintf(path, sizeof path, "%s/tmp/bench_export_%ld.ctrace", build ? build : "build",
           (long)getpid());
  if (write_trace(path, want) != 0) {
    fprintf(stderr, "bench_export: cannot write %s\n", path);
    return 1;
  }
  events = count_events(path);
  printf("trace: %llu events (%s)\n", (unsigned long long)events, path);
  for (fmt = 0; fmt < 3; fmt++) {
    double t[3], c[3];
    int k;
    for (k = 0; k < 3; k++) {
      t[k] = run_once(path, fmt, &c[k]);
      if (t[k] < 0) status = 1;
    }
    qsort(t, 3, sizeof t[0], cmp_double);
    qsort(c, 3, sizeof c[0], cmp_double);
    printf("export %-6s  median wall %.3f s = %.1f M events/s; CPU %.3f s = %.1f M events/s"
           "  (target >= 20)%s\n",
           names[fmt], t[1], (double)events / t[1] / 1e6, c[1], (double)events / c[1] / 1e6,
           (double)events / c[1] >= 20e6 ? "" : "  BELOW TARGET");
  }
  remove(path);
  return status;
}
