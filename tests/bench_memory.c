/* bench_memory.c - what the tracked allocator costs over plain malloc/free,
   shaped like a real program rather than a loop over one cached slot.

   Each run: THREADS threads share a live set of N slots. It grows (every
   slot gets a block), churns (CHURN x N times a random slot's block is
   freed and replaced by a new one) and shrinks (every block freed, in the
   order the slots come up at random). The slot is taken with an atomic
   exchange, so a block is usually freed by another thread than the one
   that allocated it. Sizes are mixed, about like an interpreter's heap:
   mostly 16-128 bytes, some up to 1 KiB, a few up to 16 KiB.

   Measured: the process CPU time of a run with ctrace_malloc/ctrace_free
   over the same run with malloc/free, as a ratio of two runs made one after
   the other (so a noisy moment on the shared machine hits both), the median
   of RUNS such pairs; at live sets of 1,000, 100,000 and 1,000,000 blocks;
   with no trace running (target: at most 1.3x) and with a trace recording
   every allocation and free (reported, no target: each call writes an
   event). Numbers only: this never fails the build.

   Build:  cc -O2 -pthread tests/bench_memory.c -o bench_memory
   Run:    ./bench_memory [trace-path] [runs]  (default $BUILD/tmp/bench_memory-PID.ctrace, 7) */
#define CTRACE_IMPLEMENTATION
#include "../ctrace.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define THREADS 3
#define CHURN 2      /* replacements per live block in the churn phase */
#define OPS_MIN 3000000u /* at least this many pairs per run: short runs are all noise */
#define MAX_RUNS 31

static void *volatile *slots;
static size_t n_slots;
static unsigned rounds; /* churn-and-shrink rounds per run (small live sets repeat) */

typedef struct { unsigned tid; int tracked; } job;

static uint32_t next_rand(uint32_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

/* Mostly small, like an interpreter's objects; some buffers; a few big ones. */
static size_t mixed_size(uint32_t r) {
  uint32_t pick = r & 255u, x = r >> 8;
  if (pick < 200) return 16 + x % 113;   /* 78 %: 16-128 bytes */
  if (pick < 250) return 129 + x % 896;  /* 20 %: up to 1 KiB */
  return 1025 + x % 15360;               /*  2 %: up to 16 KiB */
}

static void *take(size_t i, void *p) {
  return __atomic_exchange_n(&slots[i], p, __ATOMIC_ACQ_REL);
}

/* One thread's share: grow its third of the slots, churn all of them at
   random, then empty random slots until a pass finds all of its third empty. */
#define PHASES(ALLOC, FREE)                                                     \
  do {                                                                          \
    size_t lo = n_slots * j->tid / THREADS, hi = n_slots * (j->tid + 1) / THREADS, i, k; \
    uint32_t s = 2463534242u + j->tid * 7919u;                                  \
    unsigned round;                                                             \
    for (round = 0; round < rounds; round++) {                                  \
      for (i = lo; i < hi; i++) {                                               \
        void *old = take(i, ALLOC(mixed_size(next_rand(&s))));                  \
        if (old) FREE(old);                                                     \
      }                                                                         \
      for (k = 0; k < (hi - lo) * CHURN; k++) {                                 \
        void *old = take(next_rand(&s) % n_slots, ALLOC(mixed_size(next_rand(&s)))); \
        if (old) FREE(old);                                                     \
      }                                                                         \
      for (k = 0; k < hi - lo; k++) {                                           \
        void *old = take(next_rand(&s) % n_slots, NULL);                        \
        if (old) FREE(old);                                                     \
      }                                                                         \
      for (i = lo; i < hi; i++) {                                               \
        void *old = take(i, NULL);                                              \
        if (old) FREE(old);                                                     \
      }                                                                         \
    }                                                                           \
  } while (0)

static void *tracked_malloc(size_t n) { return ctrace_malloc(n); }
static void tracked_free(void *p) { ctrace_free(p); }

static void *worker(void *arg) {
  const job *j = (const job *)arg;
  if (j->tracked) PHASES(tracked_malloc, tracked_free);
  else PHASES(malloc, free);
  return NULL;
}

static double cpu_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Nanoseconds of process CPU per allocation+free pair. */
static double run(int tracked) {
  pthread_t th[THREADS];
  job jobs[THREADS];
  double t0 = cpu_ns();
  unsigned i;
  size_t k;
  for (i = 0; i < THREADS; i++) {
    jobs[i].tid = i;
    jobs[i].tracked = tracked;
    pthread_create(&th[i], NULL, worker, &jobs[i]);
  }
  for (i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
  /* a thread still churning may have refilled slots another had emptied */
  for (k = 0; k < n_slots; k++) {
    void *old = take(k, NULL);
    if (old && tracked) ctrace_free(old);
    else if (old) free(old);
  }
  return (cpu_ns() - t0) / ((double)n_slots * (2 + CHURN) * rounds);
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, by_value);
  return v[n / 2];
}

static void measure(size_t live, int runs, const char *label, int target) {
  double plain[MAX_RUNS], tracked[MAX_RUNS], ratio[MAX_RUNS], r;
  int i;
  n_slots = live;
  rounds = (unsigned)((OPS_MIN + live * (2 + CHURN) - 1) / (live * (2 + CHURN)));
  run(0); /* warm both: page faults, the allocator's arenas, ctrace's map */
  run(1);
  for (i = 0; i < runs; i++) {
    plain[i] = run(0);
    tracked[i] = run(1);
    ratio[i] = tracked[i] / plain[i];
  }
  printf("  %9lu live, %-10s ratio per run:", (unsigned long)live, label);
  for (i = 0; i < runs; i++) printf(" %.2f", ratio[i]);
  r = median(ratio, runs);
  printf("\n  %9s %-10s plain %6.1f ns, tracked %6.1f ns (medians), median ratio %.2fx%s\n", "", "",
         median(plain, runs), median(tracked, runs), r,
         !target ? " (no target: the events' cost)" : r <= 1.3 ? " (target <= 1.3x: met)" : " (target <= 1.3x: MISSED)");
  fflush(stdout);
}

int main(int argc, char **argv) {
  static const size_t sizes[] = {1000, 100000, 1000000};
  char path[512];
  ctrace_session_stats st;
  int rc, runs = argc > 2 ? atoi(argv[2]) : 7;
  size_t i;
  const char *build = getenv("BUILD");
  if (runs < 1 || runs > MAX_RUNS) runs = 7;
  if (argc > 1 && argv[1][0]) snprintf(path, sizeof path, "%s", argv[1]);
  else snprintf(path, sizeof path, "%s/tmp/bench_memory-%ld.ctrace",
                build && build[0] ? build : "build", (long)getpid());
  slots = (void *volatile *)calloc(sizes[2], sizeof(void *));
  if (!slots) return 1;

  printf("bench_memory: %d threads, live set grows, churns x%d, shrinks; mixed sizes 16 B-16 KiB;\n"
         "  process CPU per pair, median of %d interleaved runs\n", THREADS, CHURN, runs);
  printf(" no trace running:\n");
  for (i = 0; i < 3; i++) measure(sizes[i], runs, "no trace", 1);
  printf(" trace running:\n");
  for (i = 0; i < 3; i++) {
    rc = ctrace_start(path);
    if (rc != 0) {
      fprintf(stderr, "bench_memory: cannot trace to %s: %s\n", path, ctrace_strerror(rc));
      return 1;
    }
    measure(sizes[i], runs, "tracing", 0);
    ctrace_session_stats_get(&st);
    rc = ctrace_stop();
    printf("  %9s trace: %llu bytes written, %llu events lost, stop: %s\n", "",
           (unsigned long long)st.bytes_written, (unsigned long long)st.events_lost, ctrace_strerror(rc));
    if (argc <= 1 || !argv[1][0]) remove(path);
    if (rc != 0) return 1;
  }
  return 0;
}
