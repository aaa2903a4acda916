/* Who writes a full buffer (ctrace_config.write_mode): the thread that
   filled it, the writer thread, or AUTO's choice between them. In every mode
   each thread's events must come back whole and in order, also while steals
   (a 1 ms flush period and ctrace_flush calls) cut the same buffers; the
   session stats say which threads wrote the chunks. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* setenv, also where ctrace.h's implementation is not included */
#endif
#ifndef CTRACE_TEST_SEPARATE_IMPL
/* The Makefile and test_sanitizers.sh link one shared implementation
   object instead. */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#endif
#include "../ctrace.h"
#include "harness.h"
#include "core_support.h"
#include "reliability_support.h"

#define MAX_WORKERS 8

static long steps;
static volatile int workers_done;

static void *worker(void *arg) {
  char name[32];
  long i;
  snprintf(name, sizeof name, "wm-%d", (int)(intptr_t)arg);
  CTRACE_THREAD_NAME(name);
  for (i = 0; i < steps; i++) rl_step(i);
  __atomic_add_fetch(&workers_done, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

/* Records `threads` workers' steps in one session with cfg, flushing from
   the main thread meanwhile; checks the trace; returns the session stats. */
static ctrace_session_stats run(const char *label, ctrace_config cfg, int threads) {
  char path[600], name[32];
  pthread_t th[MAX_WORKERS];
  ctrace_session_stats st;
  ct_trace t;
  int i, whole = 0, rc;
  memset(&st, 0, sizeof st);
  ct_tmp_path(path, sizeof path, "write_mode");
  workers_done = 0;
  if (!CHECK_EQ_INT(ctrace_start_with(path, &cfg), 0, "%s: start", label)) return st;
  for (i = 0; i < threads; i++) pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
  while (__atomic_load_n(&workers_done, __ATOMIC_SEQ_CST) < threads) {
    ctrace_flush(); /* steals from buffers the workers are filling */
    rl_sleep_ms(2);
  }
  for (i = 0; i < threads; i++) pthread_join(th[i], NULL);
  ctrace_session_stats_get(&st);
  rc = ctrace_stop();
  CHECK_EQ_INT(rc, 0, "%s: stop", label);
  if (CHECK_EQ_INT(ct_load(&t, path), 0, "%s: the trace opens (%s)", label, t.err)) {
    const ctrace_trace_info *info = ctrace_reader_info(t.r);
    CHECK(t.next_rc == 0 && info->ended && !info->truncated && info->chunks_bad == 0 && info->events_lost == 0,
          "%s: intact, nothing lost", label);
    for (i = 0; i < threads; i++) {
      rl_steps s;
      snprintf(name, sizeof name, "wm-%d", i);
      s = rl_count_steps(&t, ct_thread_named(&t, name));
      if (s.steps == steps && s.wrong == 0 && s.events == 3 * steps) whole++;
      else harness_note("%s: %s: %ld of %ld steps, %ld wrong %s", label, name, s.steps, steps, s.wrong,
                        s.first_wrong);
    }
    CHECK_EQ_INT(whole, threads, "%s: every thread's steps, all of them in order", label);
  }
  ct_free(&t);
  remove(path);
  return st;
}

static ctrace_config config(int mode) {
  ctrace_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.write_mode = mode;
  cfg.buffer_size = 4096;   /* many chunks */
  cfg.flush_period_ms = 1;  /* many steals by the writer thread */
  return cfg;
}

static void test_bad_mode(void) {
  char path[600];
  ctrace_config cfg = config(7);
  ct_tmp_path(path, sizeof path, "write_mode_bad");
  CHECK_EQ_INT(ctrace_start_with(path, &cfg), CTRACE_E_INVALID, "write_mode 7 is refused");
  cfg.write_mode = -1;
  CHECK_EQ_INT(ctrace_start_with(path, &cfg), CTRACE_E_INVALID, "write_mode -1 is refused");
  setenv("CTRACE_WRITE_MODE", "threads", 1);
  CHECK_EQ_INT(ctrace_start(path), CTRACE_E_INVALID, "CTRACE_WRITE_MODE=threads (a typo) is refused");
  CHECK_EQ_INT(ctrace_enabled(), 0, "no session after the refusals");
  unsetenv("CTRACE_WRITE_MODE");
  remove(path);
}

int main(void) {
  ctrace_session_stats st;
  ctrace_config cfg;
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  int busy;
  unsetenv("CTRACE_WRITE_MODE"); /* this test sets each mode itself */
  steps = ct_scaled(100000, 20000);
  if (ncpu < 1) ncpu = 1;
  test_bad_mode();

  st = run("thread mode, 2 threads", config(CTRACE_WRITE_THREAD), 2);
  CHECK(st.chunks_by_threads > 0 && st.chunks_by_threads < st.chunks_written,
        "thread mode: the recording threads wrote %llu of %llu chunks (the writer thread the steals)",
        (unsigned long long)st.chunks_by_threads, (unsigned long long)st.chunks_written);

  st = run("writer mode, 2 threads", config(CTRACE_WRITE_WRITER), 2);
  CHECK(st.chunks_by_threads == 0 && st.chunks_written >= 10,
        "writer mode: the writer thread wrote all %llu chunks", (unsigned long long)st.chunks_written);

  /* One recording thread leaves a core idle unless there is only one. */
  st = run("auto, 1 thread", config(CTRACE_WRITE_AUTO), 1);
  if (ncpu >= 2)
    CHECK_EQ_UINT(st.chunks_by_threads, 0, "auto, 1 thread on %ld cores: the writer thread writes", ncpu);
  else
    CHECK(st.chunks_by_threads > 0, "auto, 1 thread on 1 core: the thread writes its chunks");

  /* As many recording threads as cores: none left idle for the writer. */
  busy = ncpu > MAX_WORKERS ? 0 : (int)ncpu;
  if (busy) {
    st = run("auto, a thread per core", config(CTRACE_WRITE_AUTO), busy);
    CHECK(st.chunks_by_threads > 0, "auto, %d threads on %ld cores: the threads write (%llu of %llu chunks)", busy,
          ncpu, (unsigned long long)st.chunks_by_threads, (unsigned long long)st.chunks_written);
  } else {
    harness_skip("auto, a thread per core", "more cores than the test starts threads");
  }

  /* The config beats the environment. */
  setenv("CTRACE_WRITE_MODE", "writer", 1);
  st = run("thread mode over CTRACE_WRITE_MODE=writer", config(CTRACE_WRITE_THREAD), 1);
  CHECK(st.chunks_by_threads > 0, "write_mode in the config wins over the environment");
  setenv("CTRACE_WRITE_MODE", "thread", 1);
  st = run("CTRACE_WRITE_MODE=thread", config(CTRACE_WRITE_AUTO), 1);
  CHECK(st.chunks_by_threads > 0, "CTRACE_WRITE_MODE=thread chooses for an AUTO config");
  unsetenv("CTRACE_WRITE_MODE");

  /* A flight recorder keeps its window in memory: the writer thread does. */
  cfg = config(CTRACE_WRITE_THREAD);
  cfg.flight_bytes = 1u << 20;
  if (CHECK_EQ_INT(ctrace_start_with(NULL, &cfg), 0, "flight recorder in thread mode: start")) {
    long i;
    char dump[600];
    ct_trace t;
    CTRACE_THREAD_NAME("wm-main");
    for (i = 0; i < steps; i++) rl_step(i);
    ctrace_session_stats_get(&st);
    CHECK_EQ_UINT(st.chunks_by_threads, 0, "flight recorder: no thread writes a chunk");
    ct_tmp_path(dump, sizeof dump, "write_mode_flight");
    CHECK_EQ_INT(ctrace_flight_dump(dump), 0, "flight recorder: dump");
    CHECK_EQ_INT(ctrace_stop(), 0, "flight recorder: stop");
    if (CHECK_EQ_INT(ct_load(&t, dump), 0, "flight recorder: the dump opens (%s)", t.err))
      CHECK(t.next_rc == 0 && rl_thread_events(&t, ct_thread_named(&t, "wm-main")) > 0,
            "flight recorder: the dump holds the window's events");
    ct_free(&t);
    remove(dump);
  }
  return harness_done();
}
