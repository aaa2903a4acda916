/* tests/reliability_support.h - helpers for the reliability and stress
   tests: a gate threads wait at, child processes with a deadline, the
   `ctrace check` tool, and the "step" pattern the workers record so a test
   can tell exactly which of a thread's events came back.
   Include after ctrace.h, harness.h and core_support.h. */
#ifndef CTRACE_TEST_RELIABILITY_SUPPORT_H
#define CTRACE_TEST_RELIABILITY_SUPPORT_H

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- a gate: threads arrive, then wait for the phase to move on ---------- */
typedef struct rl_gate {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int phase;
  int arrived;
} rl_gate;

static inline void rl_gate_init(rl_gate *g) {
  pthread_mutex_init(&g->lock, NULL);
  pthread_cond_init(&g->cond, NULL);
  g->phase = 0;
  g->arrived = 0;
}

/* Counts the caller as arrived, then waits until the phase is past `phase`. */
static inline void rl_gate_arrive_wait(rl_gate *g, int phase) {
  pthread_mutex_lock(&g->lock);
  g->arrived++;
  pthread_cond_broadcast(&g->cond);
  while (g->phase <= phase) pthread_cond_wait(&g->cond, &g->lock);
  pthread_mutex_unlock(&g->lock);
}

/* Waits until `n` threads have arrived in total. */
static inline void rl_gate_wait_arrivals(rl_gate *g, int n) {
  pthread_mutex_lock(&g->lock);
  while (g->arrived < n) pthread_cond_wait(&g->cond, &g->lock);
  pthread_mutex_unlock(&g->lock);
}

static inline void rl_gate_open(rl_gate *g, int phase) {
  pthread_mutex_lock(&g->lock);
  g->phase = phase;
  pthread_cond_broadcast(&g->cond);
  pthread_mutex_unlock(&g->lock);
}

/* ---- time and child processes -------------------------------------------- */
static inline double rl_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void rl_sleep_ms(int ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}

/* Waits for the child up to `seconds` (a guard against a hang, not a timed
   assertion). Returns 1 with *status set, or 0 after killing a child that
   did not finish. */
static inline int rl_wait_child(pid_t pid, double seconds, int *status) {
  double end = rl_now() + seconds;
  for (;;) {
    pid_t r = waitpid(pid, status, WNOHANG);
    if (r == pid) return 1;
    if (r < 0) return 0;
    if (rl_now() > end) {
      kill(pid, SIGKILL);
      waitpid(pid, status, 0);
      return 0;
    }
    rl_sleep_ms(5);
  }
}

/* Reads one line from fd (the child's pipe) into buf; 0 at end of file. */
static inline int rl_read_line(int fd, char *buf, size_t cap) {
  size_t n = 0;
  while (n + 1 < cap) {
    char c;
    ssize_t r = read(fd, &c, 1);
    if (r <= 0) break;
    if (c == '\n') {
      buf[n] = '\0';
      return 1;
    }
    buf[n++] = c;
  }
  buf[n] = '\0';
  return n > 0;
}

static inline void rl_write_line(int fd, const char *text) {
  size_t n = strlen(text), done = 0;
  while (done < n) {
    ssize_t w = write(fd, text + done, n - done);
    if (w <= 0) return;
    done += (size_t)w;
  }
}

static inline long rl_file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* ---- the ctrace tool ----------------------------------------------------- */
/* Runs `$BUILD/ctrace check path`; returns its exit status (0, 1, 2) with
   its output (stdout and stderr) in out, or -1 when the tool is missing. */
static inline int rl_tool_check(const char *path, char *out, size_t cap) {
  const char *build = getenv("BUILD");
  char tool[512], cmd[1400];
  FILE *p;
  size_t n = 0;
  int status;
  if (!build || !*build) build = "build";
  snprintf(tool, sizeof tool, "%.400s/ctrace", build);
  out[0] = '\0';
  if (access(tool, X_OK) != 0) return -1;
  snprintf(cmd, sizeof cmd, "'%s' check '%.800s' 2>&1", tool, path);
  fflush(stdout);
  p = popen(cmd, "r");
  if (!p) return -1;
  while (n + 1 < cap) {
    size_t r = fread(out + n, 1, cap - 1 - n, p);
    if (r == 0) break;
    n += r;
  }
  out[n] = '\0';
  while (fgetc(p) != EOF) {
  }
  status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Runs `$BUILD/ctrace ARGS` with its output thrown away; returns its exit
   status, -2 when it died of a signal, -1 when the tool is missing. */
static inline int rl_tool_run(const char *args) {
  const char *build = getenv("BUILD");
  char tool[512], cmd[2000];
  int status;
  if (!build || !*build) build = "build";
  snprintf(tool, sizeof tool, "%.400s/ctrace", build);
  if (access(tool, X_OK) != 0) return -1;
  snprintf(cmd, sizeof cmd, "'%s' %.1400s >/dev/null 2>&1", tool, args);
  fflush(stdout);
  status = system(cmd);
  if (status == -1) return -1;
  if (WIFSIGNALED(status)) return -2;
  if (WIFEXITED(status) && WEXITSTATUS(status) > 128) return -2; /* the shell reports a signal */
  return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
}

/* ---- the step pattern ----------------------------------------------------
   A worker's step i records ZONE_BEGIN "step", COUNTER "seq" = i, ZONE_END:
   three events. Reading a thread's events back tells how many steps arrived
   and whether any event is missing, repeated or out of order. Allocation
   events in between (a worker may use ctrace_malloc) are not counted. */
static inline void rl_step(long i) {
  CTRACE_ZONE_BEGIN("step");
  CTRACE_COUNTER("seq", (int64_t)i);
  CTRACE_ZONE_END();
}

typedef struct rl_steps {
  long events;   /* events of the thread, allocations aside */
  long steps;    /* counters read back, i.e. steps begun and numbered */
  long wrong;    /* events out of the pattern */
  int pos;       /* where the next event falls: 0 begin, 1 counter, 2 end */
  char first_wrong[128];
} rl_steps;

static inline void rl_steps_feed(rl_steps *s, const ctrace_event *e) {
  int ok;
  if (e->kind == CTRACE_EV_ALLOC || e->kind == CTRACE_EV_FREE) return;
  s->events++;
  if (s->pos == 0) ok = e->kind == CTRACE_EV_ZONE_BEGIN && strcmp(e->name, "step") == 0;
  else if (s->pos == 1) ok = e->kind == CTRACE_EV_COUNTER && strcmp(e->name, "seq") == 0 && e->value == s->steps;
  else ok = e->kind == CTRACE_EV_ZONE_END;
  if (!ok) {
    if (!s->wrong)
      snprintf(s->first_wrong, sizeof s->first_wrong, "event %ld: %s \"%.40s\" value %lld at step %ld pos %d",
               s->events, ctrace_event_kind_name(e->kind), e->name, (long long)e->value, s->steps, s->pos);
    s->wrong++;
    return;
  }
  if (s->pos == 1) s->steps++;
  s->pos = (s->pos + 1) % 3;
}

static inline rl_steps rl_count_steps(const ct_trace *t, uint32_t tid) {
  rl_steps s;
  size_t i;
  memset(&s, 0, sizeof s);
  for (i = 0; i < t->n; i++)
    if (t->ev[i].thread == tid) rl_steps_feed(&s, &t->ev[i]);
  return s;
}

/* rl_count_steps for every thread in one pass: a calloc'd array indexed by
   thread id, *n_out entries (free it). */
static inline rl_steps *rl_count_steps_all(const ct_trace *t, uint32_t *n_out) {
  uint32_t max_tid = 0;
  size_t i;
  rl_steps *all;
  for (i = 0; i < t->n; i++)
    if (t->ev[i].thread > max_tid) max_tid = t->ev[i].thread;
  all = (rl_steps *)calloc((size_t)max_tid + 1, sizeof *all);
  *n_out = all ? max_tid + 1 : 0;
  if (!all) return NULL;
  for (i = 0; i < t->n; i++) rl_steps_feed(&all[t->ev[i].thread], &t->ev[i]);
  return all;
}

/* Events of thread tid (any kind). */
static inline long rl_thread_events(const ct_trace *t, uint32_t tid) {
  size_t i;
  long n = 0;
  for (i = 0; i < t->n; i++)
    if (t->ev[i].thread == tid) n++;
  return n;
}

/* Events whose name is `name` (any thread, any kind). */
static inline long rl_named_events(const ct_trace *t, const char *name) {
  size_t i;
  long n = 0;
  for (i = 0; i < t->n; i++)
    if (strcmp(t->ev[i].name, name) == 0) n++;
  return n;
}

/* Events whose name starts with prefix. */
static inline long rl_prefixed_events(const ct_trace *t, const char *prefix) {
  size_t i, k = strlen(prefix);
  long n = 0;
  for (i = 0; i < t->n; i++)
    if (strncmp(t->ev[i].name, prefix, k) == 0) n++;
  return n;
}

#endif /* CTRACE_TEST_RELIABILITY_SUPPORT_H */
