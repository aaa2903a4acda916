/* The flight recorder: ctrace_start_with(NULL, flight_bytes or flight_ms)
   keeps only the newest whole chunks in memory; ctrace_flight_dump writes
   them as a complete trace, any number of times. Workers record numbered
   steps in rounds of about a megabyte; between rounds (workers parked, so the
   newest events are known) the main thread records a marker and dumps. Each
   dump must be a valid trace of only the recent past: the marker is there,
   the oldest steps are gone, and its size is the window give or take a chunk
   or two. The window is the newest bytes of the whole process, not of each
   thread: a worker that finished its round early may be out of it entirely,
   but a worker that is in it has an unbroken run up to its newest step (its
   chunks leave the window oldest first). */
#ifndef CTRACE_TEST_SEPARATE_IMPL
/* The Makefile links one shared implementation object instead. */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#endif
#include "../ctrace.h"
#include "harness.h"
#include "core_support.h"
#include "reliability_support.h"

#define WORKERS 2
#define ROUNDS 8
#define WINDOW (256u * 1024u)
#define CHUNK (64u * 1024u + 32u) /* default buffer plus chunk header */

static long round_steps;
static rl_gate gate;

static void *worker(void *arg) {
  long i = 0;
  int r;
  char name[32];
  snprintf(name, sizeof name, "flight-w%d", (int)(intptr_t)arg);
  CTRACE_THREAD_NAME(name);
  for (r = 0; r < ROUNDS; r++) {
    long end = i + round_steps;
    for (; i < end; i++) rl_step(i);
    rl_gate_arrive_wait(&gate, r);
  }
  return NULL;
}

/* Lowest and highest step number of a thread, and whether every step in
   between is there once. */
typedef struct seq_span {
  long lo, hi, count, events;
  int unbroken;
} seq_span;

static seq_span span_of(const ct_trace *t, uint32_t tid) {
  seq_span s;
  size_t i;
  long expect = -1;
  memset(&s, 0, sizeof s);
  s.lo = -1;
  s.hi = -1;
  s.unbroken = 1;
  for (i = 0; i < t->n; i++) {
    const ctrace_event *e = &t->ev[i];
    if (e->thread != tid) continue;
    s.events++;
    if (e->kind != CTRACE_EV_COUNTER) continue;
    if (s.lo < 0) s.lo = e->value;
    else if (e->value != expect) s.unbroken = 0;
    expect = e->value + 1;
    s.hi = e->value;
    s.count++;
  }
  return s;
}

/* Checks a dump taken when every worker had recorded `recorded` steps. */
static void check_dump(const char *path, const char *label, const char *marker, long recorded,
                       long *oldest_out) {
  ct_trace t;
  const ctrace_trace_info *info;
  int w, present = 0;
  char out[2048];
  int rc;
  *oldest_out = -1;
  if (!CHECK_EQ_INT(ct_load(&t, path), 0, "%s: the reader opens the dump (%s)", label, t.err)) {
    ct_free(&t);
    return;
  }
  info = ctrace_reader_info(t.r);
  CHECK_EQ_INT(t.next_rc, 0, "%s: read to the end without an error", label);
  CHECK_EQ_INT(info->flight_window, 1, "%s: info.flight_window", label);
  CHECK(info->ended && !info->crashed && !info->truncated && info->chunks_bad == 0 && info->bytes_lost == 0 &&
            info->first_damage_offset == -1,
        "%s: a complete trace, no damage reported (%s)", label, info->first_damage);
  CHECK(info->file_size + 2 * CHUNK >= WINDOW && info->file_size <= WINDOW + 2 * CHUNK,
        "%s: size %llu is the %u-byte window within two chunks", label, (unsigned long long)info->file_size,
        WINDOW);
  for (w = 0; w < WORKERS; w++) {
    char name[32];
    uint32_t tid;
    seq_span s;
    snprintf(name, sizeof name, "flight-w%d", w);
    tid = ct_thread_named(&t, name);
    s = span_of(&t, tid);
    if (!tid || !s.count) continue;
    present++;
    CHECK_EQ_INT(s.hi, recorded - 1, "%s: %s: its newest step (recorded just before the dump) is there", label,
                 name);
    CHECK(s.lo > 0, "%s: %s: its first steps are gone (oldest kept: %ld)", label, name, s.lo);
    CHECK(s.unbroken && s.count == s.hi - s.lo + 1, "%s: %s: steps %ld..%ld, unbroken", label, name, s.lo, s.hi);
    if (*oldest_out < 0 || s.lo < *oldest_out) *oldest_out = s.lo;
  }
  CHECK(present > 0, "%s: the workers' newest steps are in the window", label);
  CHECK_EQ_INT(rl_named_events(&t, marker), 1, "%s: the event recorded just before the dump is there", label);
  CHECK(ct_thread_named(&t, "flight-main") != 0, "%s: the dumping thread's name is there", label);
  ct_free(&t);
  rc = rl_tool_check(path, out, sizeof out);
  if (rc == -1) harness_skip(label, "build/ctrace not built");
  else CHECK_EQ_INT(rc, 0, "%s: ctrace check says intact (%.200s)", label, out);
}

static void test_flight_bytes(void) {
  ctrace_config cfg;
  pthread_t th[WORKERS];
  char dump1[600], dump2[600];
  long oldest1 = -1, oldest2 = -1;
  int r, w;
  memset(&cfg, 0, sizeof cfg);
  cfg.flight_bytes = WINDOW;
  ct_tmp_path(dump1, sizeof dump1, "rl_flight1");
  ct_tmp_path(dump2, sizeof dump2, "rl_flight2");
  rl_gate_init(&gate);
  if (!CHECK_EQ_INT(ctrace_start_with(NULL, &cfg), 0, "flight_bytes: start with no path")) return;
  CHECK_EQ_INT(ctrace_start_with(NULL, &cfg), CTRACE_E_ALREADY_STARTED, "flight_bytes: a second start is refused");
  CTRACE_THREAD_NAME("flight-main");
  for (w = 0; w < WORKERS; w++) pthread_create(&th[w], NULL, worker, (void *)(intptr_t)w);
  for (r = 0; r < ROUNDS; r++) {
    rl_gate_wait_arrivals(&gate, WORKERS * (r + 1));
    if (r == 3) CTRACE_INSTANT("marker 1");
    if (r == ROUNDS - 1) CTRACE_INSTANT("marker 2");
    if (r == 3) CHECK_EQ_INT(ctrace_flight_dump(dump1), 0, "flight_bytes: first dump");
    if (r == 5)
      CHECK_EQ_INT(ctrace_flight_dump("build/tmp/no/such/dir/x.ctrace"), CTRACE_E_OPEN,
                   "flight_bytes: a dump to an unwritable path fails with CTRACE_E_OPEN");
    if (r == ROUNDS - 1) CHECK_EQ_INT(ctrace_flight_dump(dump2), 0, "flight_bytes: second dump, later");
    rl_gate_open(&gate, r + 1);
  }
  for (w = 0; w < WORKERS; w++) pthread_join(th[w], NULL);
  CHECK_EQ_INT(ctrace_stop(), 0, "flight_bytes: stop");
  CHECK_EQ_INT(ctrace_flight_dump(dump1), CTRACE_E_NOT_FLIGHT, "flight_bytes: no dump after stop");
  harness_note("flight: %ld steps per worker per round, %ld in all (about %.1f MB recorded)", round_steps,
               round_steps * ROUNDS, (double)round_steps * ROUNDS * WORKERS * 7.5 / 1e6);
  check_dump(dump1, "flight_bytes: dump 1", "marker 1", 4 * round_steps, &oldest1);
  check_dump(dump2, "flight_bytes: dump 2", "marker 2", ROUNDS * round_steps, &oldest2);
  CHECK(oldest2 > 4 * round_steps - 1, "flight_bytes: dump 2 holds nothing dump 1 held (oldest %ld)", oldest2);
  CHECK(oldest1 >= 0, "flight_bytes: dump 1 had steps");
}

/* flight_ms: events older than the window are dropped when newer chunks
   arrive; the sleep only makes the old events old enough. */
static void test_flight_ms(void) {
  ctrace_config cfg;
  char dump[600];
  ct_trace t;
  long i, old_steps = 5000, new_steps;
  memset(&cfg, 0, sizeof cfg);
  cfg.flight_ms = 200;
  cfg.buffer_size = 4096;
  cfg.flush_period_ms = 20;
  new_steps = ct_scaled(20000, 2000);
  ct_tmp_path(dump, sizeof dump, "rl_flight_ms");
  if (!CHECK_EQ_INT(ctrace_start_with(NULL, &cfg), 0, "flight_ms: start")) return;
  CTRACE_THREAD_NAME("flight-ms");
  for (i = 0; i < old_steps; i++) {
    CTRACE_ZONE_BEGIN("old");
    CTRACE_ZONE_END();
  }
  rl_sleep_ms(600);
  for (i = 0; i < new_steps; i++) rl_step(i);
  CHECK_EQ_INT(ctrace_flight_dump(dump), 0, "flight_ms: dump");
  CHECK_EQ_INT(ctrace_stop(), 0, "flight_ms: stop");
  if (CHECK_EQ_INT(ct_load(&t, dump), 0, "flight_ms: the dump opens (%s)", t.err)) {
    const ctrace_trace_info *info = ctrace_reader_info(t.r);
    seq_span s = span_of(&t, ct_thread_named(&t, "flight-ms"));
    CHECK(info->flight_window && info->ended && info->chunks_bad == 0 && !info->truncated,
          "flight_ms: a complete flight-window trace");
    CHECK_EQ_INT(rl_named_events(&t, "old"), 0, "flight_ms: events older than the window are gone");
    CHECK(s.hi == new_steps - 1 && s.unbroken && s.count == s.hi - s.lo + 1,
          "flight_ms: the newest steps are there, unbroken (%ld..%ld)", s.lo, s.hi);
  }
  ct_free(&t);
}

static void test_not_flight(void) {
  char path[600], dump[600];
  ct_tmp_path(path, sizeof path, "rl_not_flight");
  ct_tmp_path(dump, sizeof dump, "rl_not_flight_dump");
  if (CHECK_EQ_INT(ctrace_start(path), 0, "file session: start")) {
    CTRACE_INSTANT("x");
    CHECK_EQ_INT(ctrace_flight_dump(dump), CTRACE_E_NOT_FLIGHT,
                 "file session: ctrace_flight_dump returns CTRACE_E_NOT_FLIGHT");
    CHECK_EQ_INT(ctrace_stop(), 0, "file session: stop");
  }
  CHECK(access(dump, F_OK) != 0, "file session: the refused dump created no file");
}

int main(int argc, char **argv) {
  (void)argc;
  ct_each_write_mode(argv);
  round_steps = ct_scaled(70000, 12000);
  test_not_flight();
  test_flight_bytes();
  test_flight_ms();
  return harness_done();
}
