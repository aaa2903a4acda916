/* bench_cpu.c - what the CPU samples (CTRACE_EV_THREAD_CPU) cost.

   1. One sample of one thread as the writer takes it: the thread's CPU clock
      (clock_gettime on pthread_getcpuclockid's clock) and, on Linux, its
      run-queue wait from /proc/self/task/TID/schedstat. Median of 11 runs of
      2,000 samples each, per sample, with the two parts apart, in the
      sampling thread's CPU time.
   2. A whole program: 4 threads recording zones while computing, traced with
      samples off, every 10 ms (the default) and every 1 ms; the process's CPU
      time (user + system) and the trace's size, medians of 7 interleaved
      rounds. Recording threads never run sampling code: what it costs is the
      writer thread's work plus its wake-ups.
   Numbers only: this never fails the build.

   Build:  cc -O2 -pthread tests/bench_cpu.c -o bench_cpu
   Run:    ./bench_cpu [trace-dir]   (default $BUILD/tmp or /tmp) */
#define CTRACE_IMPLEMENTATION
#include "../ctrace.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#define RUNS 11
#define SAMPLES 2000
#define ROUNDS 7
#define THREADS 4

/* The calling thread's CPU time: a preemption on this shared machine is
   not the sample's cost. */
static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}
static double process_cpu_ns(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return ((double)u.ru_utime.tv_sec + (double)u.ru_stime.tv_sec) * 1e9 +
         ((double)u.ru_utime.tv_usec + (double)u.ru_stime.tv_usec) * 1e3;
}
static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp);
  return v[n / 2];
}

static volatile double sink;
static void *work(void *arg) {
  double s = 0;
  long i, j;
  (void)arg;
  for (j = 0; j < 400; j++) {
    CTRACE_ZONE_BEGIN("step");
    for (i = 0; i < 100000; i++) s += (double)(i & 7);
    CTRACE_ZONE_END();
  }
  sink = s;
  return NULL;
}

/* One traced run: process CPU time and trace bytes. */
static void run(const char *path, uint32_t every, double *cpu, double *bytes) {
  ctrace_config cfg;
  pthread_t t[THREADS];
  struct stat st;
  double c0;
  int i;
  memset(&cfg, 0, sizeof cfg);
  cfg.cpu_sample_ms = every;
  c0 = process_cpu_ns();
  if (ctrace_start_with(path, &cfg) != 0) { fprintf(stderr, "bench_cpu: cannot start %s\n", path); exit(1); }
  for (i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, work, NULL);
  for (i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  ctrace_stop();
  *cpu = process_cpu_ns() - c0;
  *bytes = stat(path, &st) == 0 ? (double)st.st_size : 0;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : getenv("BUILD") ? getenv("BUILD") : "/tmp";
  char path[512];
  double clock_ns[RUNS], delay_ns[RUNS], cpu[3][ROUNDS], size[3][ROUNDS];
  uint32_t every[3] = {CTRACE_CPU_SAMPLE_OFF, 10, 1};
  const char *label[3] = {"samples off", "every 10 ms (default)", "every 1 ms"};
  ctrace__cpu_clock c;
  uint64_t v, tid = ctrace__os_thread_id();
  int r, i, k;
  ctrace__cpu_clock_self(&c);
  for (r = 0; r < RUNS; r++) {
    double t0 = now_ns();
    for (i = 0; i < SAMPLES; i++) ctrace__cpu_clock_read(&c, &v);
    clock_ns[r] = (now_ns() - t0) / SAMPLES;
    t0 = now_ns();
    for (i = 0; i < SAMPLES; i++) ctrace__run_delay(tid, &v);
    delay_ns[r] = (now_ns() - t0) / SAMPLES;
  }
  printf("bench_cpu: one sample of one thread: CPU clock %.0f ns, run-queue wait (schedstat) %.0f ns "
         "(medians of %d x %d)\n", median(clock_ns, RUNS), median(delay_ns, RUNS), RUNS, SAMPLES);
  snprintf(path, sizeof path, "%s/bench_cpu-%d.ctrace", dir, (int)getpid());
  for (r = 0; r < ROUNDS; r++)
    for (k = 0; k < 3; k++) run(path, every[k], &cpu[k][r], &size[k][r]);
  remove(path);
  for (k = 0; k < 3; k++) {
    double m = median(cpu[k], ROUNDS), s = median(size[k], ROUNDS);
    printf("bench_cpu: %d threads, 1,600 zones, %-22s process CPU %7.1f ms (x%.3f of samples off), trace %.0f bytes\n",
           THREADS, label[k], m / 1e6, m / median(cpu[0], ROUNDS), s);
  }
  return 0;
}
