/* The writer behind: the smallest buffers and a queue of one, so recording
   threads wait for the writer all the time, while the writer records its own
   CPU and RSS samples every millisecond. The writer must never wait for a
   buffer only it can free (a CI run once hung here for 600 s), and no event
   may be lost. An alarm turns a hang into a failure. */
#ifndef CTRACE_TEST_SEPARATE_IMPL
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#endif
#include "../ctrace.h"
#include "harness.h"
#include "core_support.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#define N_THREADS 4

static long zones_per_thread;

static void *worker(void *arg) {
  long i;
  (void)arg;
  for (i = 0; i < zones_per_thread; i++) {
    CTRACE_ZONE_BEGIN("step");
    CTRACE_ZONE_END();
  }
  return NULL;
}

static void on_alarm(int sig) {
  static const char msg[] = "FAIL: the session did not end within 120 s: the writer waits for itself\n";
  (void)sig;
  if (write(1, msg, sizeof msg - 1) < 0) {}
  _exit(1);
}

int main(void) {
  pthread_t th[N_THREADS];
  ctrace_config cfg;
  ctrace_session_stats st;
  char path[512];
  ct_trace t;
  ctrace_event e;
  long zones = 0;
  int w, rc;

  zones_per_thread = ct_scaled(200000, 2000);
  signal(SIGALRM, on_alarm);
  alarm(120);
  memset(&cfg, 0, sizeof cfg);
  cfg.buffer_size = 1024;
  cfg.max_buffers = 1;
  cfg.cpu_sample_ms = 1;
  cfg.rss_sample_ms = 1;
  cfg.flush_period_ms = 1;
  ct_tmp_path(path, sizeof path, "backpressure");
  if (!CHECK_EQ_INT(ctrace_start_with(path, &cfg), 0, "start with 1 KiB buffers and a queue of 1"))
    return harness_done();
  for (w = 0; w < N_THREADS; w++) pthread_create(&th[w], NULL, worker, NULL);
  for (w = 0; w < N_THREADS; w++) pthread_join(th[w], NULL);
  ctrace_session_stats_get(&st);
  CHECK_EQ_INT(ctrace_stop(), 0, "the session ends");
  alarm(0);
  CHECK_EQ_UINT(st.events_lost, 0, "no event lost while threads waited for the writer");

  memset(&t, 0, sizeof t);
  rc = ctrace_reader_open(&t.r, path, t.err, sizeof t.err);
  if (!CHECK_EQ_INT(rc, 0, "reader opens (%s)", t.err)) return harness_done();
  while ((rc = ctrace_reader_next(t.r, &e)) == 1)
    if (e.kind == CTRACE_EV_ZONE_BEGIN) zones++;
  CHECK_EQ_INT(rc, 0, "reader reaches the end without error");
  CHECK_EQ_INT(zones, N_THREADS * zones_per_thread, "every zone read back");
  ctrace_reader_close(t.r);
  remove(path);
  return harness_done();
}
