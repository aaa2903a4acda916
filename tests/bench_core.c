/* Core benchmarks (make bench). Median of 5 interleaved runs of each:
     floor      two raw __rdtsc() reads + two 8-byte stores into a
                thread-local buffer, per pair (what any tracer must pay)
     zone pair  CTRACE_ZONE_BEGIN + CTRACE_ZONE_END while tracing to a file,
                1 thread and 2 threads at once, and the ratio to the floor
     off        the same pair with tracing compiled in but not started
     size       bytes per event of the zone-heavy trace
     reader     events per second through ctrace_reader_next
   BENCH_PAIRS (default 10000000) sets the pairs per run.
   Targets: pair <= 1.15x floor; off < 1 ns; <= 3 bytes/event;
   reader >= 100 M events/s. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#define CTRACE_IMPLEMENTATION
#include "../ctrace.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define BENCH_TICKS() __rdtsc()
#else
static uint64_t bench_ticks_fallback(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#define BENCH_TICKS() bench_ticks_fallback()
#endif

#define RUNS 5
#define FLOOR_SLOTS 8192 /* 64 KiB, recycled like a trace buffer */

static long pairs;
static int run_index;
static double pair2_cpu[RUNS], writer_cpu[RUNS];
static __thread uint64_t floor_buf[FLOOR_SLOTS];
static __thread unsigned floor_pos;

static double clock_ns(clockid_t which) {
  struct timespec ts;
  clock_gettime(which, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double now_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

static void floor_loop(void) {
  long i;
  for (i = 0; i < pairs; i++) {
    floor_buf[floor_pos++ & (FLOOR_SLOTS - 1)] = BENCH_TICKS();
    floor_buf[floor_pos++ & (FLOOR_SLOTS - 1)] = BENCH_TICKS();
  }
}

static void zone_loop(void) {
  long i;
  for (i = 0; i < pairs; i++) {
    CTRACE_ZONE_BEGIN("bench.zone");
    CTRACE_ZONE_END();
  }
}

typedef void (*loop_fn)(void);

typedef struct timed_arg {
  loop_fn fn;
  double ns, cpu_ns;
} timed_arg;

static void *timed_thread(void *p) {
  timed_arg *a = (timed_arg *)p;
  double t0 = now_ns(), c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  a->fn();
  a->ns = now_ns() - t0;
  a->cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
  return NULL;
}

/* Where the time of the last time_loop went, per pair: the measuring
   threads' own CPU time, and the CPU time the rest of the process (the
   writer thread) took meanwhile. */
static double last_thread_cpu, last_other_cpu;

/* ns per pair: fn run on `threads` threads at once, mean of their times. */
static double time_loop(loop_fn fn, int threads) {
  pthread_t th[2];
  timed_arg a[2];
  int i;
  double sum = 0, cpu = 0, p0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID), p1;
  for (i = 0; i < threads; i++) {
    a[i].fn = fn;
    pthread_create(&th[i], NULL, timed_thread, &a[i]);
  }
  for (i = 0; i < threads; i++) {
    pthread_join(th[i], NULL);
    sum += a[i].ns;
    cpu += a[i].cpu_ns;
  }
  p1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
  last_thread_cpu = cpu / threads / (double)pairs;
  last_other_cpu = (p1 - p0 - cpu) / (double)pairs;
  return sum / threads / (double)pairs;
}

/* kept = the trace measured for size and read back; the others are removed
   right after their run. */
static const char *trace_path(char *buf, size_t size, int kept) {
  snprintf(buf, size, "%s/tmp/bench_core_%ld%s.ctrace", getenv("BUILD") ? getenv("BUILD") : "build",
           (long)getpid(), kept ? "_kept" : "");
  return buf;
}

/* One traced run; keeps the file when keep is set (for size and reader). */
static double traced_run(int threads, int keep, uint64_t *file_bytes, uint64_t *events) {
  char path[512];
  double ns;
  int rc;
  ctrace_session_stats st;
  trace_path(path, sizeof path, keep);
  if ((rc = ctrace_start(path)) != 0) {
    fprintf(stderr, "bench: ctrace_start(%s): %s\n", path, ctrace_strerror(rc));
    exit(1);
  }
  ns = time_loop(zone_loop, threads);
  if (threads == 2) {
    pair2_cpu[run_index] = last_thread_cpu;
    writer_cpu[run_index] = last_other_cpu / ns; /* cores busy beside the two threads */
  }
  ctrace_session_stats_get(&st);
  if ((rc = ctrace_stop()) != 0) fprintf(stderr, "bench: ctrace_stop: %s\n", ctrace_strerror(rc));
  if (st.events_lost) fprintf(stderr, "bench: %llu events lost\n", (unsigned long long)st.events_lost);
  if (file_bytes) {
    FILE *f = fopen(path, "rb");
    *file_bytes = 0;
    if (f && fseek(f, 0, SEEK_END) == 0) *file_bytes = (uint64_t)ftell(f);
    if (f) fclose(f);
    *events = (uint64_t)pairs * 2 * (uint64_t)threads;
  }
  if (!keep) remove(path);
  return ns;
}

/* Events per second reading the kept trace; 0 on error. */
static double read_rate(void) {
  char path[512], err[256];
  ctrace_reader *r;
  ctrace_event ev;
  uint64_t n = 0;
  double t0, t1;
  if (ctrace_reader_open(&r, trace_path(path, sizeof path, 1), err, sizeof err) != 0) {
    fprintf(stderr, "bench: %s\n", err);
    return 0;
  }
  t0 = now_ns();
  while (ctrace_reader_next(r, &ev) == 1) n++;
  t1 = now_ns();
  ctrace_reader_close(r);
  return (double)n / ((t1 - t0) / 1e9);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v) {
  qsort(v, RUNS, sizeof *v, cmp_double);
  return v[RUNS / 2];
}

static const char *verdict(int ok) { return ok ? "ok" : "MISSED"; }

int main(void) {
  double floor1[RUNS], floor2[RUNS], pair1[RUNS], pair2[RUNS], off[RUNS], reader[RUNS];
  double f1, f2, p1, p2, o, rd, bpe;
  uint64_t bytes = 0, events = 0;
  char path[512];
  int i;
  pairs = getenv("BENCH_PAIRS") ? atol(getenv("BENCH_PAIRS")) : 10000000L;
  if (pairs < 1000) pairs = 1000;
  printf("bench_core: %ld pairs per run, median of %d interleaved runs\n", pairs, RUNS);
  for (i = 0; i < RUNS; i++) {
    run_index = i;
    floor1[i] = time_loop(floor_loop, 1);
    pair1[i] = traced_run(1, i == RUNS - 1, &bytes, &events);
    off[i] = time_loop(zone_loop, 1);
    floor2[i] = time_loop(floor_loop, 2);
    pair2[i] = traced_run(2, 0, NULL, NULL);
  }
  for (i = 0; i < RUNS; i++) reader[i] = read_rate();
  remove(trace_path(path, sizeof path, 1));
  f1 = median(floor1);
  f2 = median(floor2);
  p1 = median(pair1);
  p2 = median(pair2);
  o = median(off);
  rd = median(reader);
  bpe = events ? (double)bytes / (double)events : 0;
  printf("%-44s %10s %14s\n", "measure", "result", "target");
  printf("%-44s %7.2f ns\n", "floor per pair, 1 thread", f1);
  printf("%-44s %7.2f ns %8.2fx      <= 1.15x  %s\n", "zone pair, 1 thread (ratio to floor)", p1,
         p1 / f1, verdict(p1 / f1 <= 1.15));
  printf("%-44s %7.2f ns\n", "floor per pair, 2 threads at once", f2);
  printf("%-44s %7.2f ns %8.2fx      <= 1.15x  %s\n", "zone pair, 2 threads at once (ratio)", p2,
         p2 / f2, verdict(p2 / f2 <= 1.15));
  printf("%-44s %7.2f ns %8.2fx      (the threads' own CPU time per pair)\n", "  the same, CPU time of each thread", median(pair2_cpu),
         median(pair2_cpu) / f2);
  printf("%-44s %7.2f core     (the writer: checksums, write(2) into the page cache)\n",
         "  CPU the rest of the process took meanwhile", median(writer_cpu));
  printf("%-44s %7.3f ns\n", "zone pair, compiled in, not started", o);
  printf("%-44s %7.3f ns %14s  %s\n", "  the same per event (begin or end)", o / 2, "< 1 ns",
         verdict(o / 2 < 1.0));
  printf("%-44s %7.3f B  %14s  %s\n", "bytes per event (zone-heavy, 1 thread)", bpe, "<= 3",
         verdict(bpe <= 3.0));
  printf("%-44s %7.1f M/s %13s  %s\n", "reader events per second", rd / 1e6, ">= 100 M/s",
         verdict(rd >= 100e6));
  return 0;
}
