/* Threads in every state a session can meet: created before ctrace_start,
   created after it, exited (joined or detached) before ctrace_stop, blocked in
   a condition variable through ctrace_stop, still recording while stop runs,
   and hundreds of short-lived ones. Every event recorded before stop must be
   in the trace, exactly; what a thread records after stop goes nowhere; the
   threads that survive the session trace into the next one under their
   names. */
#ifndef CTRACE_TEST_SEPARATE_IMPL
/* The Makefile links one shared implementation object instead. */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#endif
#include "../ctrace.h"
#include "harness.h"
#include "core_support.h"
#include "reliability_support.h"

#define GROUP 4

static long steps;
static rl_gate early_gate, blocked_gate;
static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static int detached_done;
static volatile int racing_stop;
static long racing_recorded;

static void name_self(const char *kind, int i) {
  char name[48];
  snprintf(name, sizeof name, "%s-%d", kind, i);
  CTRACE_THREAD_NAME(name);
}

/* Exists before start; named then; records once the session runs. */
static void *early_thread(void *arg) {
  long i;
  name_self("early", (int)(intptr_t)arg);
  rl_gate_arrive_wait(&early_gate, 0);
  for (i = 0; i < steps; i++) rl_step(i);
  return NULL;
}

static void *detached_thread(void *arg) {
  long i;
  name_self("detached", (int)(intptr_t)arg);
  for (i = 0; i < steps; i++) rl_step(i);
  pthread_mutex_lock(&done_lock);
  detached_done++;
  pthread_cond_broadcast(&done_cond);
  pthread_mutex_unlock(&done_lock);
  return NULL;
}

/* Records, blocks through stop (phase 0 -> 1), records again with no session
   (phase 1 -> 2), then, in the second session, records a last run of steps
   numbered on from where it was. */
static void *blocked_thread(void *arg) {
  long i;
  name_self("blocked", (int)(intptr_t)arg);
  for (i = 0; i < steps; i++) rl_step(i);
  rl_gate_arrive_wait(&blocked_gate, 0);
  for (i = 0; i < steps; i++) {
    CTRACE_ZONE_BEGIN("after stop");
    CTRACE_ZONE_END();
  }
  rl_gate_arrive_wait(&blocked_gate, 1);
  for (i = 0; i < steps; i++) rl_step(i);
  return NULL;
}

static void *racing_thread(void *arg) {
  long i = 0;
  (void)arg;
  CTRACE_THREAD_NAME("racing");
  while (!__atomic_load_n(&racing_stop, __ATOMIC_ACQUIRE)) {
    rl_step(i++);
    if (i % 100 == 0) rl_sleep_ms(1); /* keeps the trace small */
  }
  racing_recorded = i;
  return NULL;
}

static void *short_thread(void *arg) {
  long i;
  name_self("short", (int)(intptr_t)arg);
  for (i = 0; i < 10; i++) rl_step(i);
  return NULL;
}

/* Checks that every thread kind-0..kind-(n-1) has exactly want steps. */
static void check_group(const ct_trace *t, const char *kind, int n, long want, const char *session) {
  int i, missing = 0, off = 0;
  char detail[200] = "";
  uint32_t n_all;
  rl_steps *all = rl_count_steps_all(t, &n_all);
  for (i = 0; i < n; i++) {
    char name[48];
    uint32_t tid;
    rl_steps s;
    snprintf(name, sizeof name, "%s-%d", kind, i);
    tid = ct_thread_named(t, name);
    if (!tid || tid >= n_all) {
      missing++;
      continue;
    }
    s = all[tid];
    if (s.wrong || s.steps != want || s.events != 3 * want) {
      if (!off)
        snprintf(detail, sizeof detail, "%s: %ld steps, %ld events, %ld wrong %.80s", name, s.steps, s.events,
                 s.wrong, s.first_wrong);
      off++;
    }
  }
  free(all);
  CHECK(missing == 0 && off == 0, "%s: %d %s threads: exactly %ld steps each, in order (%d missing, %d off; %s)",
        session, n, kind, want, missing, off, detail);
}

int main(int argc, char **argv) {
  (void)argc;
  ct_each_write_mode(argv);
  char path[600], path2[600];
  pthread_t early[GROUP], detached[GROUP], blocked[GROUP], racing, shorts;
  int i, shorts_n = (int)ct_scaled(300, 20);
  ct_trace t;
  ctrace_session_stats st;
  const ctrace_trace_info *info;
  steps = ct_scaled(20000, 200);
  ct_tmp_path(path, sizeof path, "rl_threads");
  ct_tmp_path(path2, sizeof path2, "rl_threads2");
  rl_gate_init(&early_gate);
  rl_gate_init(&blocked_gate);

  for (i = 0; i < GROUP; i++) pthread_create(&early[i], NULL, early_thread, (void *)(intptr_t)i);
  rl_gate_wait_arrivals(&early_gate, GROUP);
  if (!CHECK_EQ_INT(ctrace_start(path), 0, "start")) return harness_done();
  CTRACE_THREAD_NAME("main");
  rl_gate_open(&early_gate, 1);
  for (i = 0; i < GROUP; i++) {
    pthread_t d;
    pthread_create(&d, NULL, detached_thread, (void *)(intptr_t)i);
    pthread_detach(d);
    pthread_create(&blocked[i], NULL, blocked_thread, (void *)(intptr_t)i);
  }
  pthread_create(&racing, NULL, racing_thread, NULL);
  for (i = 0; i < shorts_n; i++) {
    pthread_create(&shorts, NULL, short_thread, (void *)(intptr_t)i);
    pthread_join(shorts, NULL);
  }
  for (i = 0; i < GROUP; i++) pthread_join(early[i], NULL);
  pthread_mutex_lock(&done_lock);
  while (detached_done < GROUP) pthread_cond_wait(&done_cond, &done_lock);
  pthread_mutex_unlock(&done_lock);
  rl_gate_wait_arrivals(&blocked_gate, GROUP);
  (void)detached;

  CHECK_EQ_INT(ctrace_stop(), 0, "stop with blocked threads and one still recording");
  __atomic_store_n(&racing_stop, 1, __ATOMIC_RELEASE);
  pthread_join(racing, NULL);
  rl_gate_open(&blocked_gate, 1); /* they record with no session */
  rl_gate_wait_arrivals(&blocked_gate, 2 * GROUP);
  ctrace_session_stats_get(&st);

  if (CHECK_EQ_INT(ct_load(&t, path), 0, "reader opens (%s)", t.err)) {
    rl_steps s;
    info = ctrace_reader_info(t.r);
    CHECK(info->ended && !info->truncated && info->chunks_bad == 0 && info->events_lost == 0,
          "trace intact, nothing lost");
    check_group(&t, "early", GROUP, steps, "session 1");
    check_group(&t, "detached", GROUP, steps, "session 1");
    check_group(&t, "blocked", GROUP, steps, "session 1");
    check_group(&t, "short", shorts_n, 10, "session 1");
    s = rl_count_steps(&t, ct_thread_named(&t, "racing"));
    CHECK(s.wrong == 0 && s.steps > 0 && s.steps <= racing_recorded,
          "session 1: the thread recording during stop: an unbroken prefix of its steps (%ld of %ld, %s)",
          s.steps, racing_recorded, s.first_wrong);
    CHECK_EQ_INT(rl_named_events(&t, "after stop"), 0, "session 1: nothing recorded after stop");
    CHECK_EQ_INT(info->threads, 3 * GROUP + shorts_n + 1 + CT_WRITER_THREADS(&t),
                 "session 1: info counts every thread with events");
  }
  ct_free(&t);

  /* The blocked threads outlived the session: they trace into the next one
     under the names they set in the first. */
  if (CHECK_EQ_INT(ctrace_start(path2), 0, "second start in the same process")) {
    CTRACE_INSTANT("second session");
    rl_gate_open(&blocked_gate, 2);
    for (i = 0; i < GROUP; i++) pthread_join(blocked[i], NULL);
    CHECK_EQ_INT(ctrace_stop(), 0, "second stop");
    if (CHECK_EQ_INT(ct_load(&t, path2), 0, "second trace opens (%s)", t.err)) {
      info = ctrace_reader_info(t.r);
      CHECK(info->ended && !info->truncated && info->chunks_bad == 0, "second trace intact");
      check_group(&t, "blocked", GROUP, steps, "session 2");
      CHECK(ct_thread_named(&t, "main") != 0 && rl_named_events(&t, "second session") == 1,
            "session 2: main's name and event");
      CHECK_EQ_INT(rl_named_events(&t, "after stop"), 0, "session 2: nothing from between the sessions");
      CHECK_EQ_INT(ct_thread_named(&t, "early-0") + ct_thread_named(&t, "racing"), 0,
                   "session 2: no thread of the first session that did not record in it");
      CHECK_EQ_INT(info->threads, GROUP + 1 + CT_WRITER_THREADS(&t), "session 2: only the threads that recorded in it");
    }
    ct_free(&t);
  }
  return harness_done();
}
