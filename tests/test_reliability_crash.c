/* Traces that outlive their program: a child process traces zones on several
   threads and is then killed with SIGKILL, dies of a fatal signal (sent or a
   real fault), or leaves main without ctrace_stop. The parent reads what the
   child left and checks exactly which events survived. Last, fork() while
   tracing: the child must never write into the parent's trace. */
#ifndef CTRACE_TEST_SEPARATE_IMPL
/* The Makefile links one shared implementation object instead. */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#endif
#include "../ctrace.h"
#include "harness.h"
#include "core_support.h"
#include "reliability_support.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>

#define WORKERS 3

static long phase1_steps, phase2_steps, crash_steps;
static rl_gate gate;
static int child_pipe = -1;
static int busy_after_flush;

/* ---------------------------------------------------------------- SIGKILL */

/* Phase 1: N steps, arrive; phase 2: more steps (forever when busy), arrive,
   then wait for a phase that never comes. */
static void *kill_worker(void *arg) {
  char name[32];
  long i = 0;
  snprintf(name, sizeof name, "kill-w%d", (int)(intptr_t)arg);
  CTRACE_THREAD_NAME(name);
  for (; i < phase1_steps; i++) rl_step(i);
  rl_gate_arrive_wait(&gate, 1);
  if (busy_after_flush)
    for (;; i++) {
      rl_step(i);
      if (i % 200 == 0) rl_sleep_ms(1); /* a steady stream, not gigabytes */
    }
  for (; i < phase1_steps + phase2_steps; i++) rl_step(i);
  rl_gate_arrive_wait(&gate, 2);
  return NULL;
}

static void kill_child(void) {
  ctrace_config cfg;
  pthread_t th[WORKERS];
  char line[64];
  int i;
  memset(&cfg, 0, sizeof cfg);
  cfg.flush_period_ms = 20;
  rl_gate_init(&gate);
  if (ctrace_start_with(getenv("RL_TRACE"), &cfg) != 0) _exit(3);
  for (i = 0; i < WORKERS; i++) pthread_create(&th[i], NULL, kill_worker, (void *)(intptr_t)i);
  rl_gate_wait_arrivals(&gate, WORKERS);
  if (ctrace_flush() != 0) _exit(4);
  snprintf(line, sizeof line, "flushed %ld\n", phase1_steps);
  rl_write_line(child_pipe, line);
  rl_gate_open(&gate, 2);
  if (!busy_after_flush) {
    rl_gate_wait_arrivals(&gate, 2 * WORKERS);
    rl_write_line(child_pipe, "idle\n");
  }
  for (;;) pause();
}

/* Steps of each kill-w thread, the smallest and the largest; wrong = events
   out of pattern; found = named threads found. */
typedef struct kill_view {
  long min_steps, max_steps, wrong, min_events;
  int found;
  char why[200];
} kill_view;

static kill_view view_workers(const ct_trace *t) {
  kill_view v;
  int w;
  memset(&v, 0, sizeof v);
  v.min_steps = v.min_events = -1;
  for (w = 0; w < WORKERS; w++) {
    char name[32];
    uint32_t tid;
    rl_steps s;
    snprintf(name, sizeof name, "kill-w%d", w);
    tid = ct_thread_named(t, name);
    if (!tid) continue;
    v.found++;
    s = rl_count_steps(t, tid);
    if (v.min_steps < 0 || s.steps < v.min_steps) v.min_steps = s.steps;
    if (v.min_events < 0 || s.events < v.min_events) v.min_events = s.events;
    if (s.steps > v.max_steps) v.max_steps = s.steps;
    if (s.wrong && !v.wrong) snprintf(v.why, sizeof v.why, "%s: %s", name, s.first_wrong);
    v.wrong += s.wrong;
  }
  return v;
}

static pid_t spawn(void (*fn)(void), const char *trace, int *read_end) {
  int fds[2];
  pid_t pid;
  if (pipe(fds) != 0) return -1;
  setenv("RL_TRACE", trace, 1);
  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    struct rlimit no_core;
    no_core.rlim_cur = no_core.rlim_max = 0;
    setrlimit(RLIMIT_CORE, &no_core); /* the crashes below must not leave core files */
    close(fds[0]);
    child_pipe = fds[1];
    fn();
    _exit(0);
  }
  close(fds[1]);
  *read_end = fds[0];
  return pid;
}

/* Until the periodic flush has put every idle thread's events in the file. */
static int wait_until_written(const char *path, long steps, double seconds) {
  double end = rl_now() + seconds;
  for (;;) {
    ct_trace t;
    kill_view v;
    ct_load(&t, path);
    v = view_workers(&t);
    ct_free(&t);
    if (v.found == WORKERS && v.min_steps >= steps) return 1;
    if (rl_now() > end) return 0;
    rl_sleep_ms(10);
  }
}

static void check_tool_unfinished(const char *label, const char *path) {
  char out[4096];
  int rc = rl_tool_check(path, out, sizeof out);
  if (rc == -1) {
    harness_skip(label, "build/ctrace not built");
    return;
  }
  CHECK_EQ_INT(rc, 1, "%s: ctrace check exits 1 (partly recovered) for a trace with no end marker", label);
  CHECK(strstr(out, "end marker") != NULL || strstr(out, "end of trace") != NULL,
        "%s: ctrace check says the end marker is missing (%.300s)", label, out);
}

static void test_sigkill(int busy) {
  char path[600], line[64];
  const char *label = busy ? "SIGKILL while recording" : "SIGKILL while idle";
  int fd, status = 0;
  long flushed = 0, size_at_flush;
  pid_t pid;
  ct_trace t;
  kill_view v;
  const ctrace_trace_info *info;
  busy_after_flush = busy;
  ct_tmp_path(path, sizeof path, busy ? "rl_kill_busy" : "rl_kill_idle");
  pid = spawn(kill_child, path, &fd);
  if (!CHECK(pid > 0, "%s: fork", label)) return;
  if (!CHECK(rl_read_line(fd, line, sizeof line) && sscanf(line, "flushed %ld", &flushed) == 1,
             "%s: child reports the flush (%s)", label, line)) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    close(fd);
    return;
  }
  size_at_flush = rl_file_size(path);
  /* What ctrace_flush wrote is readable while the program still runs. */
  ct_load(&t, path);
  v = view_workers(&t);
  CHECK(t.open_rc == 0 && v.found == WORKERS && v.min_steps >= flushed,
        "%s: after ctrace_flush every thread's %ld steps are in the file (min %ld, %d threads, %s)", label,
        flushed, v.min_steps, v.found, t.err);
  ct_free(&t);
  if (busy) {
    /* Wait for the file to grow well past the flush, then kill mid-stream. */
    double end = rl_now() + 20;
    while (rl_file_size(path) < size_at_flush + 256 * 1024 && rl_now() < end) rl_sleep_ms(5);
    CHECK(rl_file_size(path) >= size_at_flush + 256 * 1024, "%s: the file grows while threads record", label);
  } else {
    CHECK(rl_read_line(fd, line, sizeof line) && strcmp(line, "idle") == 0, "%s: child reports idle", label);
    CHECK(wait_until_written(path, phase1_steps + phase2_steps, 20),
          "%s: the periodic flush writes idle threads' events without ctrace_flush", label);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  close(fd);
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "%s: child died of SIGKILL", label);

  if (!CHECK_EQ_INT(ct_load(&t, path), 0, "%s: reader opens the killed trace (%s)", label, t.err)) {
    ct_free(&t);
    return;
  }
  info = ctrace_reader_info(t.r);
  v = view_workers(&t);
  CHECK_EQ_INT(t.next_rc, 0, "%s: reader reaches the end without an error", label);
  CHECK_EQ_INT(v.found, WORKERS, "%s: every worker thread is named in the trace", label);
  CHECK(v.wrong == 0, "%s: each thread's events are in order with no gap (%s)", label, v.why);
  CHECK(v.min_steps >= flushed, "%s: at least the flushed %ld steps per thread (min %ld)", label, flushed,
        v.min_steps);
  if (busy)
    CHECK(v.max_steps > flushed, "%s: events recorded after the flush were kept too (max %ld)", label,
          v.max_steps);
  else
    CHECK(v.min_events == 3 * (phase1_steps + phase2_steps) && v.max_steps == phase1_steps + phase2_steps,
          "%s: exactly every event of the idle threads (%ld events, %ld..%ld steps)", label, v.min_events,
          v.min_steps, v.max_steps);
  CHECK_EQ_INT(info->ended, 0, "%s: info.ended == 0 (no end marker)", label);
  CHECK_EQ_INT(info->crashed, 0, "%s: info.crashed == 0", label);
  CHECK_EQ_UINT(info->chunks_bad, 0, "%s: no damaged chunk", label);
  harness_note("%s: %ld..%ld steps per thread, file %llu bytes, truncated=%d", label, v.min_steps, v.max_steps,
               (unsigned long long)info->file_size, info->truncated);
  ct_free(&t);
  check_tool_unfinished(label, path);
}

/* ---------------------------------------------------------- fatal signals */

enum crash_how {
  RAISE_SEGV,
  RAISE_BUS,
  RAISE_ILL,
  RAISE_FPE,
  ABORT,
  FAULT_SEGV,
  FAULT_BUS,
  FAULT_FPE,
  WORKER_FAULT_SEGV,
  ABORT_USER_HANDLER
};

static int crash_how_now;
static int *volatile null_pointer;
static volatile int zero_divisor;

static void user_abort_handler(int sig) {
  (void)sig;
  rl_write_line(child_pipe, "user handler\n");
  _exit(42);
}

/* The faults below are undefined behaviour on purpose, to get the real
   signal: the UBSan build (make test-ubsan) is told not to catch them first. */
#if defined(__clang__)
#define DELIBERATE_UB __attribute__((no_sanitize("undefined", "integer")))
#else
#define DELIBERATE_UB
#endif

static DELIBERATE_UB void fault_segv(void) { *null_pointer = 1; }

/* A read past the end of a file mapping: a real SIGBUS. */
static void fault_bus(void) {
  char path[600];
  int fd;
  volatile char *p;
  long page = sysconf(_SC_PAGESIZE);
  snprintf(path, sizeof path, "%s.bus", getenv("RL_TRACE"));
  fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || ftruncate(fd, page) != 0) _exit(5);
  p = (volatile char *)mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  unlink(path);
  if (p == (volatile char *)MAP_FAILED) _exit(5);
  p[page + 1] = 1;
}

static DELIBERATE_UB void fault_fpe(void) {
  volatile int a = 7;
  a = a / zero_divisor;
}

static void crash_now(void) {
  switch (crash_how_now) {
  case RAISE_SEGV: raise(SIGSEGV); break;
  case RAISE_BUS: raise(SIGBUS); break;
  case RAISE_ILL: raise(SIGILL); break;
  case RAISE_FPE: raise(SIGFPE); break;
  case ABORT:
  case ABORT_USER_HANDLER: abort();
  case FAULT_SEGV:
  case WORKER_FAULT_SEGV: fault_segv(); break;
  case FAULT_BUS: fault_bus(); break;
  case FAULT_FPE: fault_fpe(); break;
  default: break;
  }
  _exit(6); /* the crash did not happen */
}

static void *crash_worker(void *arg) {
  char name[32];
  long i;
  int w = (int)(intptr_t)arg;
  snprintf(name, sizeof name, "crash-w%d", w);
  CTRACE_THREAD_NAME(name);
  for (i = 0; i < crash_steps; i++) rl_step(i);
  if (w == 0 && crash_how_now == WORKER_FAULT_SEGV) {
    /* the other workers and main: every event is recorded before the fault */
    rl_gate_wait_arrivals(&gate, WORKERS);
    crash_now();
  }
  rl_gate_arrive_wait(&gate, 1);
  return NULL;
}

/* Main and the workers record crash_steps steps each; main also records
   names first used just before the crash; then the crash. */
static void crash_child(void) {
  ctrace_config cfg;
  pthread_t th[WORKERS];
  long i;
  int w;
  memset(&cfg, 0, sizeof cfg);
  cfg.flush_period_ms = 20;
  cfg.catch_fatal_signals = 1;
  rl_gate_init(&gate);
  if (crash_how_now == ABORT_USER_HANDLER) signal(SIGABRT, user_abort_handler);
  if (ctrace_start_with(getenv("RL_TRACE"), &cfg) != 0) _exit(3);
  CTRACE_THREAD_NAME("crash-main");
  for (w = 0; w < WORKERS; w++) pthread_create(&th[w], NULL, crash_worker, (void *)(intptr_t)w);
  for (i = 0; i < crash_steps; i++) rl_step(i);
  if (crash_how_now == WORKER_FAULT_SEGV) {
    rl_gate_arrive_wait(&gate, 1); /* the worker crashes the process */
    _exit(6);
  }
  rl_gate_wait_arrivals(&gate, WORKERS);
  CTRACE_INSTANT("last words"); /* a site never written before the crash */
  crash_now();
}

static const char *how_name(int how) {
  static const char *names[] = {"raise(SIGSEGV)", "raise(SIGBUS)", "raise(SIGILL)", "raise(SIGFPE)",
                                "abort()", "NULL write (SIGSEGV)", "mapping past EOF (SIGBUS)",
                                "divide by zero (SIGFPE)", "NULL write on a worker (SIGSEGV)",
                                "abort() with the program's own handler"};
  return names[how];
}

static void test_crash(int how, int sig) {
  char path[600], line[64], tag[32], why[200] = "";
  const char *label = how_name(how);
  int fd, status = 0, w, finished, off;
  pid_t pid;
  ct_trace t;
  const ctrace_trace_info *info;
  uint32_t tid;
  rl_steps s;
  crash_how_now = how;
  snprintf(tag, sizeof tag, "rl_crash%d", how);
  ct_tmp_path(path, sizeof path, tag);
  pid = spawn(crash_child, path, &fd);
  if (!CHECK(pid > 0, "%s: fork", label)) return;
  finished = rl_wait_child(pid, 30, &status);
  if (how == ABORT_USER_HANDLER) {
    CHECK(rl_read_line(fd, line, sizeof line) && strcmp(line, "user handler") == 0,
          "%s: the program's handler still runs after ctrace's", label);
    CHECK(finished && WIFEXITED(status) && WEXITSTATUS(status) == 42,
          "%s: the program's handler decides the exit (status 0x%x)", label, status);
  } else {
    CHECK(finished && WIFSIGNALED(status) && WTERMSIG(status) == sig,
          "%s: the process still dies of signal %d (status 0x%x)", label, sig, status);
  }
  close(fd);
  if (!CHECK_EQ_INT(ct_load(&t, path), 0, "%s: reader opens the crashed trace (%s)", label, t.err)) {
    ct_free(&t);
    return;
  }
  info = ctrace_reader_info(t.r);
  CHECK_EQ_INT(t.next_rc, 0, "%s: reader reaches the end without an error", label);
  CHECK(info->ended == 1 && info->crashed == 1, "%s: end marker says crashed (ended %d, crashed %d)", label,
        info->ended, info->crashed);
  CHECK_EQ_INT(info->crash_signal, sig, "%s: end marker names the signal", label);
  CHECK(info->chunks_bad == 0 && !info->truncated, "%s: no damage (bad %llu, truncated %d: %s)", label,
        (unsigned long long)info->chunks_bad, info->truncated, info->first_damage);
  {
    long want = (WORKERS + 1) * 3 * crash_steps + (how == WORKER_FAULT_SEGV ? 0 : 1);
    CHECK_EQ_INT((long)t.n, want, "%s: every event recorded before the crash is in the file (all threads)", label);
  }
  tid = ct_thread_named(&t, "crash-main");
  s = rl_count_steps(&t, tid);
  if (how == WORKER_FAULT_SEGV) {
    CHECK(tid && s.wrong == 0 && s.events == 3 * crash_steps,
          "%s: main thread: all %ld events (got %ld, %ld wrong %s)", label, 3 * crash_steps, s.events, s.wrong,
          s.first_wrong);
  } else {
    CHECK(tid && s.wrong == 1 && s.events == 3 * crash_steps + 1,
          "%s: crashing thread: every one of its %ld events, exactly (got %ld, %ld out of pattern)", label,
          3 * crash_steps + 1, s.events, s.wrong);
    CHECK_EQ_INT(rl_named_events(&t, "last words"), 1,
                 "%s: the event just before the crash, with a name first used there", label);
  }
  for (w = 0, off = 0; w < WORKERS; w++) {
    char name[32];
    snprintf(name, sizeof name, "crash-w%d", w);
    s = rl_count_steps(&t, ct_thread_named(&t, name));
    if (s.wrong || s.events != 3 * crash_steps) {
      if (!off) snprintf(why, sizeof why, "%s: %ld events, %ld wrong %.60s", name, s.events, s.wrong, s.first_wrong);
      off++;
    }
  }
  CHECK(off == 0, "%s: every worker thread: all %ld events, by its name (%d off; %s)", label, 3 * crash_steps, off,
        why);
  ct_free(&t);
  {
    char out[4096];
    int rc = rl_tool_check(path, out, sizeof out);
    if (rc == -1) harness_skip(label, "build/ctrace not built");
    else
      CHECK(rc == 0 && (strstr(out, "crash") || strstr(out, "signal")),
            "%s: ctrace check: intact, and says the program crashed (exit %d: %.200s)", label, rc, out);
  }
}

/* ---------------------------------------------------- exit without stop */

static void *exit_worker(void *arg) {
  char name[32];
  long i;
  int w = (int)(intptr_t)arg;
  snprintf(name, sizeof name, "exit-w%d", w);
  CTRACE_THREAD_NAME(name);
  for (i = 0; i < crash_steps; i++) rl_step(i);
  if (w > 0) rl_gate_arrive_wait(&gate, 1); /* still running at exit */
  return NULL;
}

static void exit_child(void) {
  pthread_t th[WORKERS];
  long i;
  int w;
  rl_gate_init(&gate);
  if (ctrace_start(getenv("RL_TRACE")) != 0) _exit(3);
  CTRACE_THREAD_NAME("exit-main");
  for (w = 0; w < WORKERS; w++) pthread_create(&th[w], NULL, exit_worker, (void *)(intptr_t)w);
  pthread_join(th[0], NULL);
  rl_gate_wait_arrivals(&gate, WORKERS - 1);
  for (i = 0; i < crash_steps; i++) rl_step(i);
  exit(0);
}

static void test_exit_without_stop(void) {
  char path[600];
  int fd, status = 0, w;
  pid_t pid;
  ct_trace t;
  const ctrace_trace_info *info;
  rl_steps s;
  ct_tmp_path(path, sizeof path, "rl_exit");
  pid = spawn(exit_child, path, &fd);
  if (!CHECK(pid > 0, "exit without stop: fork")) return;
  CHECK(rl_wait_child(pid, 30, &status) && WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "exit without stop: the program exits normally (status 0x%x)", status);
  close(fd);
  if (!CHECK_EQ_INT(ct_load(&t, path), 0, "exit without stop: reader opens (%s)", t.err)) {
    ct_free(&t);
    return;
  }
  info = ctrace_reader_info(t.r);
  CHECK(info->ended == 1 && info->exit_without_stop == 1 && info->crashed == 0,
        "exit without stop: end marker says exit without stop (ended %d, exit_without_stop %d, crashed %d)",
        info->ended, info->exit_without_stop, info->crashed);
  CHECK(info->chunks_bad == 0 && !info->truncated && info->events_lost == 0,
        "exit without stop: intact and nothing lost");
  s = rl_count_steps(&t, ct_thread_named(&t, "exit-main"));
  CHECK(s.wrong == 0 && s.events == 3 * crash_steps, "exit without stop: main: all %ld events (got %ld)",
        3 * crash_steps, s.events);
  for (w = 0; w < WORKERS; w++) {
    char name[32];
    snprintf(name, sizeof name, "exit-w%d", w);
    s = rl_count_steps(&t, ct_thread_named(&t, name));
    CHECK(s.wrong == 0 && s.events == 3 * crash_steps, "exit without stop: %s (%s at exit): all %ld events (got %ld)",
          name, w == 0 ? "exited" : "still running", 3 * crash_steps, s.events);
  }
  ct_free(&t);
  {
    char out[4096];
    int rc = rl_tool_check(path, out, sizeof out);
    if (rc == -1) harness_skip("exit without stop", "build/ctrace not built");
    else CHECK_EQ_INT(rc, 0, "exit without stop: ctrace check says intact (%.200s)", out);
  }
}

/* ------------------------------------------------------------------ fork */

static volatile int busy_stop;

/* Records steps and tracked allocations while the main thread forks. */
static void *fork_busy(void *arg) {
  long i = 0;
  (void)arg;
  CTRACE_THREAD_NAME("fork-busy");
  while (!__atomic_load_n(&busy_stop, __ATOMIC_ACQUIRE)) {
    void *p = ctrace_malloc(64 + (size_t)(i % 100));
    rl_step(i++);
    ctrace_free(p);
    if (i % 100 == 0) rl_sleep_ms(1);
  }
  return (void *)(intptr_t)i;
}

/* In the child: tracing is off; record (nothing must go anywhere), use the
   tracked allocator, optionally start a trace of its own. Exit status: 0 ok,
   otherwise which step failed. */
static void fork_child_body(const char *own_path) {
  long i;
  void *p;
  if (ctrace_enabled()) exit(10);
  CTRACE_THREAD_NAME("fork-child");
  for (i = 0; i < 1000; i++) {
    CTRACE_ZONE_BEGIN("child.orphan");
    CTRACE_COUNTER("child.counter", i);
    CTRACE_ZONE_END();
  }
  p = ctrace_malloc(1000);
  if (!p) exit(11);
  ctrace_free(p);
  if (own_path) {
    if (ctrace_start(own_path) != 0) exit(12);
    CTRACE_THREAD_NAME("fork-child-own");
    for (i = 0; i < 500; i++) {
      CTRACE_ZONE_BEGIN("child.own");
      CTRACE_COUNTER("child.own.seq", i);
      CTRACE_ZONE_END();
    }
    if (ctrace_stop() != 0) exit(13);
  }
  exit(0);
}

static long count_kind(const ct_trace *t, uint32_t tid, int kind) {
  size_t i;
  long n = 0;
  for (i = 0; i < t->n; i++)
    if (t->ev[i].thread == tid && t->ev[i].kind == kind) n++;
  return n;
}

static void test_fork(void) {
  char path[600], own[600], tag[64];
  ctrace_config cfg;
  pthread_t busy;
  void *busy_steps = NULL;
  int k, forks = 40, bad_exit = 0, hung = 0, rc;
  long i, parent_events = 0;
  ct_trace t;
  ct_tmp_path(path, sizeof path, "rl_fork_parent");
  ct_tmp_path(own, sizeof own, "rl_fork_child");
  memset(&cfg, 0, sizeof cfg);
  cfg.flush_period_ms = 20;
  if (!CHECK_EQ_INT(ctrace_start_with(path, &cfg), 0, "fork: parent starts tracing")) return;
  CTRACE_THREAD_NAME("fork-parent");
  busy_stop = 0;
  pthread_create(&busy, NULL, fork_busy, NULL);
  for (k = 0; k < forks; k++) {
    pid_t pid;
    int status = 0;
    for (i = 0; i < 100; i++, parent_events++) CTRACE_INSTANT("parent.before");
    fflush(stdout);
    pid = fork();
    if (pid == 0) fork_child_body(k % 2 ? own : NULL); /* the last one's file is checked */
    for (i = 0; i < 100; i++, parent_events++) CTRACE_INSTANT("parent.after");
    if (!rl_wait_child(pid, 10, &status)) hung++;
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      if (!bad_exit) harness_note("fork child %d: status 0x%x", k, status);
      bad_exit++;
    }
  }
  __atomic_store_n(&busy_stop, 1, __ATOMIC_RELEASE);
  pthread_join(busy, &busy_steps);
  CHECK_EQ_INT(hung, 0, "fork: no child hangs (forked while another thread traces and allocates)");
  CHECK_EQ_INT(bad_exit, 0, "fork: children see tracing off, allocate, and start their own trace");
  rc = ctrace_stop();
  CHECK_EQ_INT(rc, 0, "fork: parent's ctrace_stop");

  if (CHECK_EQ_INT(ct_load(&t, path), 0, "fork: parent's trace opens (%s)", t.err)) {
    const ctrace_trace_info *info = ctrace_reader_info(t.r);
    rl_steps s = rl_count_steps(&t, ct_thread_named(&t, "fork-busy"));
    CHECK(info->ended && !info->crashed && info->chunks_bad == 0 && !info->truncated,
          "fork: parent's trace is intact");
    CHECK_EQ_INT(rl_prefixed_events(&t, "child."), 0, "fork: no child event in the parent's trace");
    CHECK_EQ_INT(rl_named_events(&t, "parent.before") + rl_named_events(&t, "parent.after"), parent_events,
                 "fork: every parent event, exactly");
    CHECK(s.wrong == 0 && s.steps == (long)(intptr_t)busy_steps,
          "fork: the thread that traced during the forks: all %ld steps in order (got %ld, %s)",
          (long)(intptr_t)busy_steps, s.steps, s.first_wrong);
    CHECK_EQ_INT(count_kind(&t, ct_thread_named(&t, "fork-busy"), CTRACE_EV_ALLOC), (long)(intptr_t)busy_steps,
                 "fork: every allocation of that thread");
    CHECK_EQ_INT(ct_thread_named(&t, "fork-child") + ct_thread_named(&t, "fork-child-own"), 0,
                 "fork: no child thread name in the parent's trace");
  }
  ct_free(&t);
  {
    char out[4096];
    rc = rl_tool_check(path, out, sizeof out);
    if (rc == -1) harness_skip("fork", "build/ctrace not built");
    else CHECK_EQ_INT(rc, 0, "fork: ctrace check says the parent's trace is intact (%.200s)", out);
  }
  snprintf(tag, sizeof tag, "fork: the child's own trace");
  if (CHECK_EQ_INT(ct_load(&t, own), 0, "%s opens (%s)", tag, t.err)) {
    const ctrace_trace_info *info = ctrace_reader_info(t.r);
    CHECK(info->ended && info->chunks_bad == 0 && !info->truncated && info->pid != (uint32_t)getpid(),
          "%s is intact and carries the child's pid", tag);
    /* a zone end carries no name (it closes the innermost zone) */
    CHECK_EQ_INT(rl_named_events(&t, "child.own"), 500, "%s: all its zone begins", tag);
    CHECK_EQ_INT(rl_named_events(&t, "child.own.seq"), 500, "%s: all its counters", tag);
    CHECK_EQ_INT(rl_prefixed_events(&t, "parent.") + rl_named_events(&t, "child.orphan") +
                     rl_named_events(&t, "step"),
                 0, "%s: nothing from the parent or from before its start", tag);
    CHECK(ct_thread_named(&t, "fork-child-own") != 0, "%s: its thread name", tag);
  }
  ct_free(&t);
}

int main(int argc, char **argv) {
  (void)argc;
  ct_each_write_mode(argv);
  phase1_steps = ct_scaled(20000, 500);
  phase2_steps = ct_scaled(300, 10);
  crash_steps = ct_scaled(5000, 100);
  alarm(240); /* a hang ends as a failure, not forever */
  test_sigkill(0);
  test_sigkill(1);
  test_crash(RAISE_SEGV, SIGSEGV);
  test_crash(RAISE_BUS, SIGBUS);
  test_crash(RAISE_ILL, SIGILL);
  test_crash(RAISE_FPE, SIGFPE);
  test_crash(ABORT, SIGABRT);
  test_crash(FAULT_SEGV, SIGSEGV);
  test_crash(FAULT_BUS, SIGBUS);
#if defined(__x86_64__) || defined(__i386__)
  test_crash(FAULT_FPE, SIGFPE);
#endif
  test_crash(WORKER_FAULT_SEGV, SIGSEGV);
  test_crash(ABORT_USER_HANDLER, SIGABRT);
  test_exit_without_stop();
  test_fork();
  return harness_done();
}
