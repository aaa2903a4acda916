/* Load: 8 long-lived threads, each over and over starting and joining a
   short-lived thread, all tracing zones, counters and tracked allocations,
   for about 3 s (CTRACE_TEST_SCALE scales it). Every thread counts what it
   recorded; the trace must hold exactly that (nothing lost), the long-lived
   threads' steps unbroken, memstats must agree with the allocations made,
   and the process's resident memory must not grow with the trace's length.
   tests/test_stress_tsan.sh runs this same program under ThreadSanitizer. */
#ifndef CTRACE_TEST_SEPARATE_IMPL
/* The Makefile links one shared implementation object instead. */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#endif
#include "../ctrace.h"
#include "harness.h"
#include "core_support.h"
#include "reliability_support.h"

#define LONG_LIVED 8
#define KEEP 16 /* blocks each thread keeps live in a ring */

/* What every thread recorded, added up as threads finish. */
static struct {
  long zone_begin, zone_end, counter, alloc, free, instants;
  long mallocs, frees; /* ctrace_malloc/ctrace_free calls that allocate/free */
  long short_threads;
} recorded;

static double deadline;
static long long_steps[LONG_LIVED];

/* Blocks still live when the run ends: held until memstats are read. */
static void *kept_at_end[LONG_LIVED];
#define KEPT_SIZE 777

typedef struct tally {
  long zone_begin, zone_end, counter, alloc, free, instants, mallocs, frees;
} tally;

static void tally_add(const tally *t) {
  __atomic_fetch_add(&recorded.zone_begin, t->zone_begin, __ATOMIC_RELAXED);
  __atomic_fetch_add(&recorded.zone_end, t->zone_end, __ATOMIC_RELAXED);
  __atomic_fetch_add(&recorded.counter, t->counter, __ATOMIC_RELAXED);
  __atomic_fetch_add(&recorded.alloc, t->alloc, __ATOMIC_RELAXED);
  __atomic_fetch_add(&recorded.free, t->free, __ATOMIC_RELAXED);
  __atomic_fetch_add(&recorded.instants, t->instants, __ATOMIC_RELAXED);
  __atomic_fetch_add(&recorded.mallocs, t->mallocs, __ATOMIC_RELAXED);
  __atomic_fetch_add(&recorded.frees, t->frees, __ATOMIC_RELAXED);
}

/* One step of allocation traffic: free the ring slot's block, allocate a new
   one (every tracked malloc and free is one event while tracing). */
static void churn(void **ring, long i, tally *t) {
  void **slot = &ring[i % KEEP];
  if (*slot) {
    ctrace_free(*slot);
    t->free++;
    t->frees++;
  }
  *slot = ctrace_malloc((size_t)(16 + i % 4000));
  if (*slot) {
    t->alloc++;
    t->mallocs++;
  }
}

static void drain_ring(void **ring, tally *t) {
  int k;
  for (k = 0; k < KEEP; k++)
    if (ring[k]) {
      ctrace_free(ring[k]);
      ring[k] = NULL;
      t->free++;
      t->frees++;
    }
}

static void *short_lived(void *arg) {
  void *ring[KEEP];
  tally t;
  long i, n = 60;
  (void)arg;
  memset(ring, 0, sizeof ring);
  memset(&t, 0, sizeof t);
  for (i = 0; i < n; i++) {
    CTRACE_ZONE_BEGIN("short");
    t.zone_begin++;
    if (i % 4 == 0) {
      CTRACE_COUNTER("short.i", i);
      t.counter++;
    }
    if (i % 2 == 0) churn(ring, i, &t);
    CTRACE_ZONE_END();
    t.zone_end++;
  }
  drain_ring(ring, &t);
  tally_add(&t);
  __atomic_fetch_add(&recorded.short_threads, 1, __ATOMIC_RELAXED);
  return NULL;
}

static void *long_lived(void *arg) {
  int w = (int)(intptr_t)arg;
  void *ring[KEEP];
  tally t;
  long i = 0;
  char name[32];
  memset(ring, 0, sizeof ring);
  memset(&t, 0, sizeof t);
  snprintf(name, sizeof name, "stress-%d", w);
  CTRACE_THREAD_NAME(name);
  while (rl_now() < deadline) {
    pthread_t th;
    int k;
    int started = pthread_create(&th, NULL, short_lived, NULL) == 0;
    for (k = 0; k < 30; k++, i++) {
      rl_step(i); /* zone begin, counter, zone end */
      t.zone_begin++;
      t.counter++;
      t.zone_end++;
      churn(ring, i, &t);
    }
    CTRACE_INSTANT("spawned");
    t.instants++;
    if (started) pthread_join(th, NULL);
  }
  drain_ring(ring, &t);
  kept_at_end[w] = ctrace_malloc(KEPT_SIZE);
  if (kept_at_end[w]) {
    t.alloc++;
    t.mallocs++;
  }
  long_steps[w] = i;
  tally_add(&t);
  return NULL;
}

/* Resident memory in bytes, from /proc/self/statm. */
static long rss_bytes(void) {
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return -1;
  if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
  fclose(f);
  return resident < 0 ? -1 : resident * sysconf(_SC_PAGESIZE);
}

/* Streams the trace (it is too big to hold) and counts by kind and thread. */
typedef struct read_counts {
  long by_kind[64];
  long other_kinds;
  rl_steps *per_thread; /* only the long-lived threads' steps */
  uint32_t n_threads;
  int next_rc, open_rc;
  ctrace_trace_info info;
  uint32_t long_tid[LONG_LIVED];
  char err[256];
} read_counts;

static void read_trace(const char *path, read_counts *rc) {
  ctrace_reader *r;
  ctrace_event e;
  int w;
  memset(rc, 0, sizeof *rc);
  rc->open_rc = ctrace_reader_open(&r, path, rc->err, sizeof rc->err);
  if (rc->open_rc != 0) return;
  rc->per_thread = (rl_steps *)calloc(LONG_LIVED, sizeof *rc->per_thread);
  /* Thread names come from definitions ahead of the events, but a thread is
     looked up by id as it appears. */
  while ((rc->next_rc = ctrace_reader_next(r, &e)) == 1) {
    if (e.raw_kind == CTRACE_EV_THREAD_CPU) continue; /* ctrace's CPU samples */
    if (e.kind > 0 && e.kind < 64) rc->by_kind[e.kind]++;
    else rc->other_kinds++;
    if (e.kind == CTRACE_EV_ALLOC || e.kind == CTRACE_EV_FREE || e.kind == CTRACE_EV_INSTANT) continue;
    for (w = 0; w < LONG_LIVED; w++) {
      if (!rc->long_tid[w]) {
        char name[32];
        snprintf(name, sizeof name, "stress-%d", w);
        if (strcmp(ctrace_reader_thread_name(r, e.thread), name) == 0) rc->long_tid[w] = e.thread;
      }
      if (rc->long_tid[w] == e.thread) {
        rl_steps_feed(&rc->per_thread[w], &e);
        break;
      }
    }
  }
  rc->info = *ctrace_reader_info(r);
  ctrace_reader_close(r);
}

int main(int argc, char **argv) {
  (void)argc;
  ct_each_write_mode(argv);
  char path[600];
  pthread_t th[LONG_LIVED];
  ctrace_memstats ms0, ms1;
  ctrace_session_stats st;
  read_counts got;
  double seconds = 3.0 * ct_scale(), start;
  long rss_early = -1, rss_end, trace_early = -1, trace_end;
  int w, stop_rc, broken = 0;
  long short_events;

  ct_tmp_path(path, sizeof path, "rl_stress");
  ctrace_read_memstats(&ms0);
  if (!CHECK_EQ_INT(ctrace_start(path), 0, "start")) return harness_done();
  start = rl_now();
  deadline = start + seconds;
  for (w = 0; w < LONG_LIVED; w++) pthread_create(&th[w], NULL, long_lived, (void *)(intptr_t)w);
  /* Resident memory after about a third of the run, and at its end. */
  while (rl_now() < start + seconds / 3) rl_sleep_ms(10);
  rss_early = rss_bytes();
  trace_early = rl_file_size(path);
  for (w = 0; w < LONG_LIVED; w++) pthread_join(th[w], NULL);
  rss_end = rss_bytes();
  ctrace_read_memstats(&ms1);
  ctrace_session_stats_get(&st);
  stop_rc = ctrace_stop();
  trace_end = rl_file_size(path);

  CHECK_EQ_INT(stop_rc, 0, "stop: nothing lost, no write error");
  CHECK_EQ_UINT(st.events_lost, 0, "session stats: no event lost");
  CHECK_EQ_UINT(ms1.mallocs - ms0.mallocs, recorded.mallocs, "memstats: mallocs = allocations made");
  CHECK_EQ_UINT(ms1.frees - ms0.frees, recorded.frees, "memstats: frees = frees made");
  CHECK_EQ_UINT((ms1.mallocs - ms1.frees) - (ms0.mallocs - ms0.frees), LONG_LIVED,
                "memstats: mallocs - frees = blocks still live (%d)", LONG_LIVED);
  CHECK_EQ_UINT(ms1.alloc - ms0.alloc, (uint64_t)LONG_LIVED * KEPT_SIZE, "memstats: live bytes = what is kept");
  CHECK(ms1.peak_alloc >= ms1.alloc && ms1.total_alloc > ms0.total_alloc, "memstats: peak and total consistent");
  harness_note("%.1f s: %ld short-lived threads, %ld mallocs; trace %.1f MB (%.1f MB after %.1f s)", rl_now() - start,
               recorded.short_threads, recorded.mallocs, trace_end / 1e6, trace_early / 1e6, seconds / 3);
  harness_note("resident memory: %.1f MB after %.1f s, %.1f MB at the end", rss_early / 1e6, seconds / 3,
               rss_end / 1e6);
  /* Bounded memory: the trace grows by many MB between the samples; the
     process may not (the writer holds at most max_buffers chunks). */
  CHECK(trace_end > 2 * trace_early, "the trace kept growing (%ld -> %ld bytes)", trace_early, trace_end);
  if (getenv("CTRACE_TEST_NO_RSS")) /* sanitizers keep memory of their own per thread */
    harness_skip("resident memory does not grow with the trace", "CTRACE_TEST_NO_RSS is set");
  else
    CHECK(rss_early > 0 && rss_end <= rss_early + 24L * 1024 * 1024,
          "resident memory does not grow with the trace (%.1f MB -> %.1f MB, trace +%.1f MB)", rss_early / 1e6,
          rss_end / 1e6, (trace_end - trace_early) / 1e6);

  read_trace(path, &got);
  if (!CHECK_EQ_INT(got.open_rc, 0, "reader opens (%s)", got.err)) return harness_done();
  CHECK_EQ_INT(got.next_rc, 0, "reader reaches the end without an error");
  CHECK(got.info.ended && !got.info.truncated && got.info.chunks_bad == 0, "trace intact");
  CHECK_EQ_UINT(got.info.events_lost, 0, "the trace reports no lost events");
  CHECK_EQ_INT(got.by_kind[CTRACE_EV_LOSS], 0, "no loss event");
  CHECK_EQ_INT(got.by_kind[CTRACE_EV_ZONE_BEGIN], recorded.zone_begin, "every zone begin, exactly");
  CHECK_EQ_INT(got.by_kind[CTRACE_EV_ZONE_END], recorded.zone_end, "every zone end, exactly");
  CHECK_EQ_INT(got.by_kind[CTRACE_EV_COUNTER], recorded.counter, "every counter, exactly");
  CHECK_EQ_INT(got.by_kind[CTRACE_EV_ALLOC], recorded.alloc, "every allocation, exactly");
  CHECK_EQ_INT(got.by_kind[CTRACE_EV_FREE], recorded.free, "every free, exactly");
  CHECK_EQ_INT(got.by_kind[CTRACE_EV_INSTANT], recorded.instants, "every instant, exactly");
  CHECK_EQ_INT(got.by_kind[CTRACE_EV_MEM_PROBLEM], 0, "no memory problem reported");
  CHECK(got.info.threads >= (uint32_t)(LONG_LIVED + recorded.short_threads),
        "every thread that recorded is in the trace (%u of %ld)", got.info.threads,
        LONG_LIVED + recorded.short_threads);
  for (w = 0; w < LONG_LIVED; w++) {
    rl_steps *s = &got.per_thread[w];
    if (!got.long_tid[w] || s->wrong || s->steps != long_steps[w]) {
      if (!broken)
        harness_note("stress-%d: %ld of %ld steps, %ld wrong %s", w, s->steps, long_steps[w], s->wrong,
                     s->first_wrong);
      broken++;
    }
  }
  CHECK_EQ_INT(broken, 0, "each long-lived thread: all its steps, unbroken and in order");
  short_events = recorded.zone_begin + recorded.zone_end + recorded.counter + recorded.alloc + recorded.free;
  harness_note("%ld events read back", short_events + recorded.instants);
  free(got.per_thread);
  for (w = 0; w < LONG_LIVED; w++) ctrace_free(kept_at_end[w]);
  remove(path);
  return harness_done();
}
