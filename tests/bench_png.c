/* tests/bench_png.c - PNG render time of the default heap chart (1600x900)
   for a demo-like trace and a 10-million-event trace. Target: drawing plus
   encoding under 200 ms. The analysis pass is timed separately (it is the
   same pass the report and the exports make).

   Each figure is the median of 5 runs (analysis: of 3, or 1 for the big
   trace), wall clock and this process's CPU time; on a loaded machine the
   CPU figure says what the code costs. The PNG goes to /dev/null so the disk
   is not measured.
   Build and run: make bench  (or BENCH_EVENTS=N build/bench/bench_png) */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "../ctrace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct bp_time {
  double wall, cpu;
} bp_time;

static bp_time bp_now(void) {
  struct timespec w, c;
  bp_time t;
  clock_gettime(CLOCK_MONOTONIC, &w);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
  t.wall = (double)w.tv_sec + (double)w.tv_nsec * 1e-9;
  t.cpu = (double)c.tv_sec + (double)c.tv_nsec * 1e-9;
  return t;
}

static int bp_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double bp_median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, bp_cmp);
  return v[n / 2];
}

/* Like examples/gc_demo: a heap that climbs in steps and is collected now
   and then, a resident-memory counter, a few zones. About events_goal events. */
static int bp_write_demo(const char *path, long events_goal) {
  enum { LIVE = 256 };
  void *live[LIVE];
  long made = 0, i = 0;
  int rc = ctrace_start(path), k;
  if (rc != 0) return rc;
  memset(live, 0, sizeof live);
  CTRACE_THREAD_NAME("main");
  while (made < events_goal) {
    CTRACE_ZONE_BEGIN("step");
    k = (int)(i % LIVE);
    if (live[k]) ctrace_free(live[k]);
    live[k] = ctrace_malloc((size_t)(64 + (i * 7919) % 4096));
    made += 4;
    if (i % 2000 == 1999) {
      int j;
      CTRACE_GC_BEGIN("heap goal");
      for (j = 0; j < LIVE; j += 2) {
        ctrace_free(live[j]);
        live[j] = NULL;
      }
      CTRACE_GC_END();
      CTRACE_COUNTER("ctrace.rss", 1000000 + (i % 50000) * 40);
      made += 3 + LIVE / 2;
    }
    CTRACE_ZONE_END();
    i++;
  }
  for (k = 0; k < LIVE; ++k) ctrace_free(live[k]);
  return ctrace_stop();
}

static void bp_measure(const char *label, const char *trace, int analysis_runs) {
  enum { RUNS = 5 };
  double an_w[RUNS], an_c[RUNS], dr_w[RUNS], dr_c[RUNS], all_w[RUNS], all_c[RUNS];
  ctrace_analysis *a = NULL;
  ctrace_png_config cfg;
  unsigned char *px;
  const ctrace_summary *sm;
  int r, rc;
  for (r = 0; r < analysis_runs; ++r) {
    bp_time t0 = bp_now(), t1;
    if (a) ctrace_analysis_free(a);
    a = NULL;
    rc = ctrace_analyze(trace, NULL, &a, NULL, 0);
    t1 = bp_now();
    if (!a) {
      printf("%s: analysis failed: %s\n", label, ctrace_strerror(rc));
      return;
    }
    an_w[r] = t1.wall - t0.wall;
    an_c[r] = t1.cpu - t0.cpu;
  }
  sm = ctrace_analysis_summary(a);
  memset(&cfg, 0, sizeof cfg);
  px = (unsigned char *)malloc(1600u * 900u * 4u);
  if (!px) return;
  for (r = 0; r < RUNS; ++r) {
    bp_time t0 = bp_now(), t1, t2;
    ctrace_chart_rgba(a, &cfg, px);
    t1 = bp_now();
    rc = ctrace_png_from_analysis(a, "/dev/null", &cfg);
    t2 = bp_now();
    dr_w[r] = t1.wall - t0.wall;
    dr_c[r] = t1.cpu - t0.cpu;
    all_w[r] = t2.wall - t1.wall;
    all_c[r] = t2.cpu - t1.cpu;
  }
  printf("%s: %llu events\n", label, (unsigned long long)(sm ? sm->events : 0));
  printf("  analysis                  %8.1f ms wall %8.1f ms cpu (median of %d)\n",
         bp_median(an_w, analysis_runs) * 1e3, bp_median(an_c, analysis_runs) * 1e3, analysis_runs);
  printf("  layout + raster           %8.1f ms wall %8.1f ms cpu\n", bp_median(dr_w, RUNS) * 1e3,
         bp_median(dr_c, RUNS) * 1e3);
  printf("  layout + raster + encode  %8.1f ms wall %8.1f ms cpu  %s (target < 200 ms)%s\n",
         bp_median(all_w, RUNS) * 1e3, bp_median(all_c, RUNS) * 1e3,
         bp_median(all_c, RUNS) < 0.2 ? "ok" : "SLOW", rc ? " (PNG output failed)" : "");
  free(px);
  ctrace_analysis_free(a);
}

int main(void) {
  const char *build = getenv("BUILD"), *ev = getenv("BENCH_EVENTS");
  long big = ev ? atol(ev) : 10000000L;
  char dir[512], path[600];
  if (!build || !*build) build = "build";
  snprintf(dir, sizeof dir, "%s/tmp", build);
  mkdir(build, 0777);
  mkdir(dir, 0777);
#ifndef CTRACE_WITH_PNG
  printf("bench_png: built without CTRACE_WITH_PNG; the encode figures are for the drawing only\n");
#endif
  snprintf(path, sizeof path, "%s/bench_png_demo_%ld.ctrace", dir, (long)getpid());
  if (bp_write_demo(path, 200000) == 0) bp_measure("demo-like trace", path, 3);
  remove(path);
  snprintf(path, sizeof path, "%s/bench_png_big_%ld.ctrace", dir, (long)getpid());
  if (bp_write_demo(path, big) == 0) bp_measure("big trace", path, 1);
  remove(path);
  return 0;
}
