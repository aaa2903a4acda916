/* Many threads at once: 16 threads x 200,000 zones (CTRACE_TEST_SCALE
   scales the count), with nested zones, instants and counters. Every event
   must come back, each thread's in its order and properly nested, and the
   merged stream must never go back in time. */
#ifndef CTRACE_TEST_SEPARATE_IMPL
/* The Makefile and test_sanitizers.sh link one shared implementation
   object instead. */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#endif
#include "../ctrace.h"
#include "harness.h"
#include "core_support.h"

#include <pthread.h>

#define N_THREADS 16

static long zones_per_thread;

/* Worker w's step i records, in order: BEGIN outer, [BEGIN inner, END] on
   even i, [INSTANT tick] when i % 8 == 0, [COUNTER progress] when
   i % 64 == 0, END. */
static void *worker(void *arg) {
  int w = (int)(intptr_t)arg;
  char name[16];
  long i;
  snprintf(name, sizeof name, "w%02d", w);
  CTRACE_THREAD_NAME(name);
  for (i = 0; i < zones_per_thread; i++) {
    CTRACE_ZONE_BEGIN("outer");
    if (i % 2 == 0) {
      CTRACE_ZONE_BEGIN("inner");
      CTRACE_ZONE_END();
    }
    if (i % 8 == 0) CTRACE_INSTANT("tick");
    if (i % 64 == 0) CTRACE_COUNTER("progress", (int64_t)w * 1000000000 + i);
    CTRACE_ZONE_END();
  }
  return NULL;
}

static long events_per_thread(long n) {
  return 2 * n + 2 * ((n + 1) / 2) + (n + 7) / 8 + (n + 63) / 64;
}

/* Where a thread is in its expected sequence. */
typedef struct cursor {
  long i;       /* step */
  int pos;      /* position inside step i */
  int depth;
  long seen;
  long wrong;   /* events that differ from the expectation */
  long bad_depth;
  int64_t last_time;
  long time_back;
  char first_wrong[160];
} cursor;

/* The event expected at (i, pos), or kind 0 when step i has no more. */
static int expected_at(int w, long i, int pos, const char **name, int64_t *value) {
  int k = 0;
  *value = 0;
  *name = "";
  if (pos == k++) { *name = "outer"; return CTRACE_EV_ZONE_BEGIN; }
  if (i % 2 == 0) {
    if (pos == k++) { *name = "inner"; return CTRACE_EV_ZONE_BEGIN; }
    if (pos == k++) { *name = ""; return CTRACE_EV_ZONE_END; }
  }
  if (i % 8 == 0 && pos == k++) { *name = "tick"; return CTRACE_EV_INSTANT; }
  if (i % 64 == 0 && pos == k++) {
    *name = "progress";
    *value = (int64_t)w * 1000000000 + i;
    return CTRACE_EV_COUNTER;
  }
  if (pos == k) { *name = ""; return CTRACE_EV_ZONE_END; }
  return 0;
}

static void advance(cursor *c, int w, const ctrace_event *e) {
  const char *name = "";
  int64_t value = 0;
  int kind = c->i < zones_per_thread ? expected_at(w, c->i, c->pos, &name, &value) : 0;
  c->seen++;
  if (e->kind != kind || (kind != CTRACE_EV_ZONE_END && strcmp(e->name, name) != 0) ||
      e->value != value) {
    if (!c->wrong)
      snprintf(c->first_wrong, sizeof c->first_wrong,
               "thread w%02d step %ld: got %s \"%.20s\" %lld, expected %s \"%s\" %lld", w, c->i,
               ctrace_event_kind_name(e->kind), e->name, (long long)e->value,
               ctrace_event_kind_name(kind), name, (long long)value);
    c->wrong++;
  }
  if (e->kind == CTRACE_EV_ZONE_BEGIN) c->depth++;
  if (e->kind == CTRACE_EV_ZONE_END && --c->depth < 0) c->bad_depth++;
  if (c->depth > 2) c->bad_depth++;
  if (e->time_ns < c->last_time) c->time_back++;
  c->last_time = e->time_ns;
  c->pos++;
  if (!expected_at(w, c->i, c->pos, &name, &value)) {
    c->i++;
    c->pos = 0;
  }
}

int main(int argc, char **argv) {
  (void)argc;
  ct_each_write_mode(argv);
  pthread_t th[N_THREADS];
  cursor cur[N_THREADS];
  uint32_t id_of[N_THREADS];
  char path[512], why[256];
  ct_trace t;
  ctrace_event e;
  ctrace_session_stats st;
  const ctrace_trace_info *info;
  long total = 0, wrong = 0, bad_depth = 0, time_back = 0, short_threads = 0, others = 0;
  int w, rc;
  size_t merged_back = 0;
  int64_t last = INT64_MIN;
  double bytes_per_event;

  zones_per_thread = ct_scaled(200000, 1000);
  ct_tmp_path(path, sizeof path, "threads");
  if (!CHECK_EQ_INT(ctrace_start(path), 0, "ctrace_start")) return harness_done();
  for (w = 0; w < N_THREADS; w++) pthread_create(&th[w], NULL, worker, (void *)(intptr_t)w);
  for (w = 0; w < N_THREADS; w++) pthread_join(th[w], NULL);
  ctrace_session_stats_get(&st);
  CHECK_EQ_INT(ctrace_stop(), 0, "ctrace_stop after %d threads", N_THREADS);
  CHECK_EQ_UINT(st.events_lost, 0, "writer lost no events");
  CHECK(st.threads == N_THREADS || st.threads == N_THREADS + 1, /* + ctrace's writer once it sampled CPU time */
        "session stats count the threads (%u)", (unsigned)st.threads);

  /* Stream the trace; keep only per-thread cursors (no event array). */
  memset(&t, 0, sizeof t);
  rc = ctrace_reader_open(&t.r, path, t.err, sizeof t.err);
  if (!CHECK_EQ_INT(rc, 0, "reader opens (%s)", t.err)) return harness_done();
  memset(cur, 0, sizeof cur);
  for (w = 0; w < N_THREADS; w++) {
    char name[16];
    snprintf(name, sizeof name, "w%02d", w);
    id_of[w] = ct_thread_named(&t, name);
    cur[w].last_time = INT64_MIN;
  }
  while ((rc = ctrace_reader_next(t.r, &e)) == 1) {
    if (e.raw_kind == CTRACE_EV_THREAD_CPU) continue; /* ctrace's CPU samples */
    total++;
    if (e.time_ns < last) merged_back++;
    last = e.time_ns;
    for (w = 0; w < N_THREADS && id_of[w] != e.thread; w++) {
    }
    if (w == N_THREADS) others++;
    else advance(&cur[w], w, &e);
  }
  CHECK_EQ_INT(rc, 0, "reader reaches the end without error");
  for (w = 0; w < N_THREADS; w++) {
    if (cur[w].seen != events_per_thread(zones_per_thread) || cur[w].depth != 0) short_threads++;
    if (cur[w].wrong && !wrong) snprintf(why, sizeof why, "%s", cur[w].first_wrong);
    wrong += cur[w].wrong;
    bad_depth += cur[w].bad_depth;
    time_back += cur[w].time_back;
  }
  for (w = 0; w < N_THREADS; w++)
    if (id_of[w] == 0) break;
  CHECK(w == N_THREADS, "every thread found by its name");
  CHECK_EQ_INT(total, N_THREADS * events_per_thread(zones_per_thread),
               "every event read back (%ld zones per thread)", zones_per_thread);
  CHECK_EQ_INT(others, 0, "no events from unknown threads");
  CHECK_EQ_INT(short_threads, 0, "each thread has all its events and closes all zones");
  if (wrong) FAIL(why, "per-thread order kept (%ld events differ)", wrong);
  else PASS("per-thread order kept");
  CHECK_EQ_INT(bad_depth, 0, "nesting kept (depth within 0..2)");
  CHECK_EQ_INT(time_back, 0, "per-thread times never decrease");
  CHECK_EQ_UINT(merged_back, 0, "merged stream times never decrease");
  info = ctrace_reader_info(t.r);
  CHECK(info->ended && !info->truncated && info->chunks_bad == 0 && info->events_lost == 0,
        "info: intact trace (ended, not truncated, no bad chunks, no loss)");
  CHECK_EQ_INT(info->threads, N_THREADS + CT_WRITER_THREADS(&t), "info: thread count");
  bytes_per_event = total ? (double)info->file_size / (double)total : 0;
  harness_note("%ld events, %llu bytes, %.2f bytes/event", total,
               (unsigned long long)info->file_size, bytes_per_event);
  ctrace_reader_close(t.r);
  remove(path);
  return harness_done();
}
