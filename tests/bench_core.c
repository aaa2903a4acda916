/* Core benchmarks (make bench). Median of 5 interleaved runs of each:
     floor      two raw __rdtsc() reads + two 8-byte stores into a
                thread-local buffer, per pair (what any tracer must pay)
     zone pair  CTRACE_ZONE_BEGIN + CTRACE_ZONE_END while tracing to a file,
                1 thread and 2 threads at once, in each write mode (the
                writer thread writes the chunks; the recording threads do;
                AUTO, the default; and AUTO with the checksum's previous
                128-bit fold, beside the 256-bit one it now takes where the
                CPU has it): wall time from starting the threads to
                everything written (ctrace_flush), and the whole process's
                CPU time (recording threads and writer together), per pair,
                each against the floor's in the same round (the modes run in
                a rotating order after the round's floor); and the writer
                thread's own CPU time per chunk written
     per chunk  what a recording thread pays each time its buffer is full
                (handing it over or writing it, and getting room for more):
                the mean, from the session stats (full_buffer_ns /
                full_buffers); and in runs of their own that time every pair,
                the median and 99th percentile of the pairs that met a full
                buffer (the bench looks at the thread's buffer, inside the
                implementation, to tell which those are)
     checksum   us per 64 KiB chunk, each fold path the CPU has and the
                tables, interleaved, medians of 5 rounds of 200 chunks
     off        the same pair with tracing compiled in but not started
     size       bytes per event of the zone-heavy trace
     reader     events per second through ctrace_reader_next
   BENCH_PAIRS (default 5000000) sets the pairs per run; BENCH_DIR the
   directory of the traces (default $BUILD/tmp; the page cache's cost
   depends on the file system).
   Targets (the default mode): 2 threads wall <= 1.10x the floor, CPU <=
   1.05x at 1 and 2 threads, 1 thread wall <= 1.05x; off < 1 ns; <= 2.5
   bytes/event; reader >= 100 M events/s. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
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
#define MODES 4
#define DEFAULT_MODE 2

static const struct { const char *name; int mode, narrow_crc; } modes[MODES] = {
  {"writer", CTRACE_WRITE_WRITER, 0}, {"thread", CTRACE_WRITE_THREAD, 0}, {"auto", CTRACE_WRITE_AUTO, 0},
  {"auto, 128-bit CRC", CTRACE_WRITE_AUTO, 1}};

static long pairs;
#if CTRACE__CRC_FOLD
static int cpu_wide; /* the CPU has the 256-bit fold */
#endif
static __thread uint64_t floor_buf[FLOOR_SLOTS];
static __thread unsigned floor_pos;

static double clock_ns(clockid_t which) {
  struct timespec ts;
  clock_gettime(which, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double now_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

static void floor_loop(int slot) {
  long i;
  (void)slot;
  for (i = 0; i < pairs; i++) {
    floor_buf[floor_pos++ & (FLOOR_SLOTS - 1)] = BENCH_TICKS();
    floor_buf[floor_pos++ & (FLOOR_SLOTS - 1)] = BENCH_TICKS();
  }
}

/* Per-chunk latency: the time of each pair during which the thread's buffer
   was full (it then changed or started over), per thread slot, in ticks. */
#define LAT_MAX 8192
static uint64_t lat[2][LAT_MAX];
static size_t lat_n[2];

static void latency_loop(int slot) {
  long i;
  uint64_t t0, t1;
  ctrace__tstate *t;
  const void *buf;
  const uint8_t *pos;
  lat_n[slot] = 0;
  CTRACE_ZONE_BEGIN("bench.zone"); /* joins the session: the state exists */
  CTRACE_ZONE_END();
  t = ctrace__tls;
  buf = t->buf;
  pos = t->pos;
  for (i = 0; i < pairs; i++) {
    t0 = BENCH_TICKS();
    CTRACE_ZONE_BEGIN("bench.zone");
    CTRACE_ZONE_END();
    t1 = BENCH_TICKS();
    if ((const void *)t->buf != buf || t->pos < pos) {
      if (lat_n[slot] < LAT_MAX) lat[slot][lat_n[slot]++] = t1 - t0;
      buf = t->buf;
    }
    pos = t->pos;
  }
}

static void zone_loop(int slot) {
  long i;
  (void)slot;
  for (i = 0; i < pairs; i++) {
    CTRACE_ZONE_BEGIN("bench.zone");
    CTRACE_ZONE_END();
  }
}

typedef void (*loop_fn)(int slot);

typedef struct timed_arg {
  loop_fn fn;
  int slot;
} timed_arg;

static void *timed_thread(void *p) {
  timed_arg *a = (timed_arg *)p;
  a->fn(a->slot);
  return NULL;
}

/* ns per pair: wall time from starting `threads` threads running fn to all
   of them done (and, while tracing, everything written), and the whole
   process's CPU time divided by every thread's pairs. */
typedef struct measure {
  double wall, cpu, writer_us; /* writer_us: the writer thread's CPU per chunk written */
} measure;

static measure run_threads(loop_fn fn, int threads, int flush) {
  pthread_t th[2];
  timed_arg a[2];
  int i;
  measure m;
  double w0 = now_ns(), p0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
  for (i = 0; i < threads; i++) {
    a[i].fn = fn;
    a[i].slot = i;
    pthread_create(&th[i], NULL, timed_thread, &a[i]);
  }
  for (i = 0; i < threads; i++) pthread_join(th[i], NULL);
  if (flush) ctrace_flush();
  m.wall = (now_ns() - w0) / (double)pairs;
  m.cpu = (clock_ns(CLOCK_PROCESS_CPUTIME_ID) - p0) / (double)pairs / threads;
  m.writer_us = 0;
  return m;
}

/* kept = the trace measured for size and read back; the others are removed
   right after their run. */
static const char *trace_path(char *buf, size_t size, int kept) {
  if (getenv("BENCH_DIR"))
    snprintf(buf, size, "%s/bench_core_%ld%s.ctrace", getenv("BENCH_DIR"), (long)getpid(), kept ? "_kept" : "");
  else
    snprintf(buf, size, "%s/tmp/bench_core_%ld%s.ctrace", getenv("BUILD") ? getenv("BUILD") : "build",
             (long)getpid(), kept ? "_kept" : "");
  return buf;
}

/* One traced run of fn in modes[m_]; keeps the file when keep is set (for
   size and reader). */
static measure traced_run(loop_fn fn, int m_, int threads, int keep, ctrace_session_stats *st,
                          uint64_t *file_bytes) {
  char path[512];
  measure m;
  int rc;
  ctrace_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.write_mode = modes[m_].mode;
#if CTRACE__CRC_FOLD
  ctrace__crc_wide_ok = cpu_wide && !modes[m_].narrow_crc;
#endif
  trace_path(path, sizeof path, keep);
  if ((rc = ctrace_start_with(path, &cfg)) != 0) {
    fprintf(stderr, "bench: ctrace_start(%s): %s\n", path, ctrace_strerror(rc));
    exit(1);
  }
  m = run_threads(fn, threads, 1);
  ctrace_session_stats_get(st);
  {
    /* The writer thread's own CPU time (it runs from the start): what the
       write path costs, apart from the recording threads' noise. */
    clockid_t cid;
    if (pthread_getcpuclockid(ctrace__g.writer, &cid) == 0 && st->chunks_written)
      m.writer_us = clock_ns(cid) / 1e3 / (double)st->chunks_written;
  }
  if ((rc = ctrace_stop()) != 0) fprintf(stderr, "bench: ctrace_stop: %s\n", ctrace_strerror(rc));
  if (st->events_lost) fprintf(stderr, "bench: %llu events lost\n", (unsigned long long)st->events_lost);
  if (file_bytes) {
    FILE *f = fopen(path, "rb");
    *file_bytes = 0;
    if (f && fseek(f, 0, SEEK_END) == 0) *file_bytes = (uint64_t)ftell(f);
    if (f) fclose(f);
  }
  if (!keep) remove(path);
  return m;
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

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

static double ticks_per_ns(void) {
  double w0 = now_ns(), w1;
  uint64_t t0 = BENCH_TICKS();
  do w1 = now_ns(); while (w1 - w0 < 20e6);
  return (double)(BENCH_TICKS() - t0) / (w1 - w0);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(const double *v) {
  double c[RUNS];
  memcpy(c, v, sizeof c);
  qsort(c, RUNS, sizeof *c, cmp_double);
  return c[RUNS / 2];
}

static const char *verdict(int ok) { return ok ? "ok" : "MISSED"; }

#if CTRACE__CRC_FOLD
/* us per 64 KiB through ctrace__crc_update with path 2 (256-bit fold), 1
   (128-bit) or 0 (tables); -1 if the CPU lacks it. */
static double crc_us(int path) {
  static uint8_t chunk[65536];
  int wide = cpu_wide, fold = ctrace__crc_fold_ok, i;
  volatile uint32_t sink = 0;
  double t0;
  if ((path == 2 && !wide) || (path == 1 && !fold)) return -1;
  for (i = 0; i < (int)sizeof chunk; i++) chunk[i] = (uint8_t)(i * 131 + 7);
  ctrace__crc_wide_ok = path == 2;
  ctrace__crc_fold_ok = path >= 1;
  t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  for (i = 0; i < 200; i++) sink += ctrace__crc_update(0, chunk, sizeof chunk);
  t0 = (clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / 200 / 1e3;
  ctrace__crc_wide_ok = wide;
  ctrace__crc_fold_ok = fold;
  (void)sink;
  return t0;
}
#endif

static double pct(const uint64_t *v, size_t n, int p, double tpn) { return (double)v[n * p / 100] / tpn / 1e3; }

int main(void) {
  /* [mode][threads - 1][run] */
  double fw[2][RUNS], fc[2][RUNS], off[RUNS], reader[RUNS];
  double tw[MODES][2][RUNS], tc[MODES][2][RUNS], rw[MODES][2][RUNS], rc_[MODES][2][RUNS], by[MODES][2][RUNS];
  double chunk_us[MODES][2][RUNS], bpe_m[MODES][RUNS], wr_us[MODES][2][RUNS];
  static uint64_t lat_all[MODES][2][RUNS * 2 * LAT_MAX];
  size_t lat_total[MODES][2];
  double tpn = ticks_per_ns();
  double o, rd, bpe;
  uint64_t bytes = 0, fb;
  ctrace_session_stats st;
  char path[512];
  int i, m, k, th;
  memset(lat_total, 0, sizeof lat_total);
#if CTRACE__CRC_FOLD
  ctrace__crc_init();
  cpu_wide = ctrace__crc_wide_ok;
#endif
  pairs = getenv("BENCH_PAIRS") ? atol(getenv("BENCH_PAIRS")) : 5000000L;
  if (pairs < 1000) pairs = 1000;
  printf("bench_core: %ld pairs per thread and run, median of %d interleaved rounds, traces in %s\n", pairs, RUNS,
         getenv("BENCH_DIR") ? getenv("BENCH_DIR") : "$BUILD/tmp");
  for (i = 0; i < RUNS; i++) {
    for (th = 0; th < 2; th++) {
      measure f = run_threads(floor_loop, th + 1, 0);
      fw[th][i] = f.wall;
      fc[th][i] = f.cpu;
      for (k = 0; k < MODES; k++) {
        int keep;
        measure t;
        m = (k + i) % MODES; /* no mode always runs right after the floor */
        keep = i == RUNS - 1 && th == 0 && m == DEFAULT_MODE;
        t = traced_run(zone_loop, m, th + 1, keep, &st, &fb);
        if (keep) bytes = fb;
        if (th == 0) bpe_m[m][i] = (double)fb / ((double)pairs * 2);
        tw[m][th][i] = t.wall;
        tc[m][th][i] = t.cpu;
        wr_us[m][th][i] = t.writer_us;
        rw[m][th][i] = t.wall / f.wall;
        rc_[m][th][i] = t.cpu / f.cpu;
        by[m][th][i] = st.chunks_written ? (double)st.chunks_by_threads / (double)st.chunks_written : 0;
        chunk_us[m][th][i] = st.full_buffers ? (double)st.full_buffer_ns / (double)st.full_buffers / 1e3 : 0;
      }
      for (m = 0; m < MODES; m++) {
        int s;
        size_t n;
        traced_run(latency_loop, m, th + 1, 0, &st, NULL);
        for (s = 0; s <= th; s++)
          for (n = 0; n < lat_n[s]; n++) lat_all[m][th][lat_total[m][th]++] = lat[s][n];
      }
    }
    off[i] = run_threads(zone_loop, 1, 0).wall;
  }
  for (i = 0; i < RUNS; i++) reader[i] = read_rate();
#if CTRACE__CRC_FOLD
  {
    double cu[3][RUNS];
    for (i = 0; i < RUNS; i++)
      for (k = 2; k >= 0; k--) cu[k][i] = crc_us(k);
    printf("checksum of a 64 KiB chunk (thread CPU, us): 256-bit fold %.2f, 128-bit fold %.2f, tables %.2f"
           " (-1: not on this CPU)\n", median(cu[2]), median(cu[1]), median(cu[0]));
  }
#endif
  remove(trace_path(path, sizeof path, 1));
  o = median(off);
  rd = median(reader);
  bpe = (double)bytes / ((double)pairs * 2);
  printf("\n%-22s %8s %7s %8s %7s %9s %8s %8s %5s %6s %7s\n", "zone pair (ns/pair)", "wall", "x floor", "CPU",
         "x floor", "chunk avg", "p50", "p99", "B/ev", "thr-wr", "writer");
  for (th = 0; th < 2; th++) {
    printf("%-22s %8.2f %7s %8.2f\n", th ? "floor, 2 threads" : "floor, 1 thread", median(fw[th]), "", median(fc[th]));
    for (m = 0; m < MODES; m++) {
      char label[64];
      size_t n = lat_total[m][th];
      uint64_t *v = lat_all[m][th];
      qsort(v, n, sizeof *v, cmp_u64);
      snprintf(label, sizeof label, "  %s%s", modes[m].name, m == DEFAULT_MODE ? " (default)" : "");
      printf("%-22s %8.2f %7.3f %8.2f %7.3f %6.1f us %8.1f %8.1f %5.2f %5.0f%% %7.1f\n", label, median(tw[m][th]),
             median(rw[m][th]), median(tc[m][th]), median(rc_[m][th]), median(chunk_us[m][th]),
             n ? pct(v, n, 50, tpn) : 0.0, n ? pct(v, n, 99, tpn) : 0.0, th ? 0.0 : median(bpe_m[m]),
             100 * median(by[m][th]), median(wr_us[m][th]));
    }
  }
  printf("(ratios are medians of each round's ratio against its floor; CPU is the whole process's, recording\n"
         " threads and writer; chunk avg = the mean time a recording thread spent on a full buffer (session stats),\n"
         " p50/p99 = its percentiles in us over the latency runs' full buffers; B/ev = trace bytes per event,\n"
         " 1 thread; thr-wr = the share of chunks the recording threads wrote themselves; writer = the writer\n"
         " thread's CPU time per chunk written, us, whoever wrote the chunks)\n");
  printf("\n%-44s %10s %14s\n", "measure", "result", "target");
  printf("%-44s %7.3fx %16s  %s\n", "1 thread, default mode: wall x floor", median(rw[DEFAULT_MODE][0]), "<= 1.05x",
         verdict(median(rw[DEFAULT_MODE][0]) <= 1.05));
  printf("%-44s %7.3fx %16s  %s\n", "1 thread, default mode: process CPU x floor", median(rc_[DEFAULT_MODE][0]),
         "<= 1.05x", verdict(median(rc_[DEFAULT_MODE][0]) <= 1.05));
  printf("%-44s %7.3fx %16s  %s\n", "2 threads, default mode: wall x floor", median(rw[DEFAULT_MODE][1]), "<= 1.10x",
         verdict(median(rw[DEFAULT_MODE][1]) <= 1.10));
  printf("%-44s %7.3fx %16s  %s\n", "2 threads, default mode: process CPU x floor", median(rc_[DEFAULT_MODE][1]),
         "<= 1.05x", verdict(median(rc_[DEFAULT_MODE][1]) <= 1.05));
  printf("%-44s %7.3f ns\n", "zone pair, compiled in, not started", o);
  printf("%-44s %7.3f ns %14s  %s\n", "  the same per event (begin or end)", o / 2, "< 1 ns",
         verdict(o / 2 < 1.0));
  printf("%-44s %7.3f B  %14s  %s\n", "bytes per event (zone-heavy, 1 thread)", bpe, "<= 2.51 as before",
         verdict(bpe <= 2.51));
  printf("%-44s %7.1f M/s %13s  %s\n", "reader events per second", rd / 1e6, ">= 100 M/s",
         verdict(rd >= 100e6));
  return 0;
}
