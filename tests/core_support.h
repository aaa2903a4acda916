/* tests/core_support.h - helpers shared by the core tests: temporary paths,
   the size knob, reading a whole trace into memory through the public
   reader. Include after ctrace.h and harness.h. */
#ifndef CTRACE_TEST_CORE_SUPPORT_H
#define CTRACE_TEST_CORE_SUPPORT_H

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* CTRACE_TEST_SCALE shrinks (or grows) the big tests; the sanitizer runs
   set it below 1 to stay within their time. */
static inline double ct_scale(void) {
  const char *s = getenv("CTRACE_TEST_SCALE");
  double v = s ? atof(s) : 1.0;
  return v > 0 ? v : 1.0;
}

static inline long ct_scaled(long n, long at_least) {
  long v = (long)((double)n * ct_scale());
  return v < at_least ? at_least : v;
}

/* build/tmp/<tag>_<pid>.ctrace (BUILD from the environment, default build). */
static inline const char *ct_tmp_path(char *buf, size_t size, const char *tag) {
  const char *build = getenv("BUILD");
  char dir[512];
  if (!build || !*build) build = "build";
  snprintf(dir, sizeof dir, "%.400s", build);
  mkdir(dir, 0777);
  snprintf(dir, sizeof dir, "%.400s/tmp", build);
  mkdir(dir, 0777);
  snprintf(buf, size, "%.420s/%.60s_%ld.ctrace", dir, tag, (long)getpid());
  return buf;
}

/* Whole file into a malloc'd buffer; NULL when it cannot be read. */
static inline unsigned char *ct_slurp(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  unsigned char *data = NULL;
  long n;
  *size = 0;
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
    data = (unsigned char *)malloc((size_t)n + 1);
    if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
      free(data);
      data = NULL;
    } else if (data) {
      *size = (size_t)n;
    }
  }
  fclose(f);
  return data;
}

/* Every event of a trace, with the reader kept open so the strings stay. */
typedef struct ct_trace {
  ctrace_reader *r;
  ctrace_event *ev;
  size_t n, cap;
  int open_rc;   /* ctrace_reader_open*'s result */
  int next_rc;   /* the last ctrace_reader_next result: 0 = clean end */
  char err[256];
} ct_trace;

static inline int ct_push(ct_trace *t, const ctrace_event *e) {
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 1024;
    ctrace_event *grown = (ctrace_event *)realloc(t->ev, cap * sizeof *grown);
    if (!grown) return 0;
    t->ev = grown;
    t->cap = cap;
  }
  t->ev[t->n] = *e;
  /* A log message lives only until the next ctrace_reader_next (ctrace.h):
     keep a copy, freed by ct_free. */
  if (e->message_len > 0) {
    char *copy = (char *)malloc((size_t)e->message_len + 1);
    if (!copy) return 0;
    memcpy(copy, e->message, (size_t)e->message_len + 1);
    t->ev[t->n].message = copy;
  } else {
    t->ev[t->n].message = "";
  }
  t->n++;
  return 1;
}

/* Reads events until the end, an error, or max_events (a guard against a
   reader that never ends). */
static inline void ct_drain(ct_trace *t, size_t max_events) {
  ctrace_event e;
  for (;;) {
    t->next_rc = ctrace_reader_next(t->r, &e);
    if (t->next_rc != 1) return;
    if (e.raw_kind == CTRACE_EV_THREAD_CPU) continue; /* CPU samples (also those set aside as unknown): ctrace's, not what a test recorded */
    if (t->n >= max_events || !ct_push(t, &e)) {
      t->next_rc = 2; /* more events than could exist */
      return;
    }
  }
}

static inline int ct_load_memory(ct_trace *t, const void *data, size_t size, size_t max_events) {
  memset(t, 0, sizeof *t);
  t->open_rc = ctrace_reader_open_memory(&t->r, data, size, t->err, sizeof t->err);
  if (t->open_rc == 0) ct_drain(t, max_events);
  return t->open_rc;
}

static inline int ct_load(ct_trace *t, const char *path) {
  memset(t, 0, sizeof *t);
  t->open_rc = ctrace_reader_open(&t->r, path, t->err, sizeof t->err);
  if (t->open_rc == 0) ct_drain(t, (size_t)-1);
  return t->open_rc;
}

static inline void ct_free(ct_trace *t) {
  size_t i;
  if (t->r) ctrace_reader_close(t->r);
  for (i = 0; i < t->n; i++)
    if (t->ev[i].message_len > 0) free((void *)t->ev[i].message);
  free(t->ev);
  memset(t, 0, sizeof *t);
}

/* 1 when ctrace's writer thread recorded events (its CPU samples of the
   other threads), which a count of the trace's threads then includes. */
#define CT_WRITER_THREADS(t) (ct_thread_named((t), "ctrace writer") ? 1 : 0)

/* The ctrace thread id whose name is name, or 0. */
static inline uint32_t ct_thread_named(const ct_trace *t, const char *name) {
  const uint32_t *ids = NULL;
  uint32_t n = ctrace_reader_threads(t->r, &ids), i;
  for (i = 0; i < n; i++)
    if (strcmp(ctrace_reader_thread_name(t->r, ids[i]), name) == 0) return ids[i];
  return 0;
}

/* Index of the first event at or after from on thread with kind; n if none. */
static inline size_t ct_find(const ct_trace *t, size_t from, uint32_t thread, int kind) {
  size_t i;
  for (i = from; i < t->n; i++)
    if (t->ev[i].thread == thread && t->ev[i].kind == kind) return i;
  return t->n;
}

/* Number of events whose time is earlier than the one before them. */
static inline size_t ct_time_inversions(const ct_trace *t) {
  size_t i, bad = 0;
  for (i = 1; i < t->n; i++)
    if (t->ev[i].time_ns < t->ev[i - 1].time_ns) bad++;
  return bad;
}

static inline const char *ct_str(const char *s) { return s ? s : "(null)"; }

/* ---- a small multi-thread trace with many chunks -------------------------
   The smallest buffers, so a few thousand events make dozens of chunks of
   every type (events, definitions from dynamic names, sync, end). */
typedef struct ct_small_args {
  int worker;
  int steps;
} ct_small_args;

static inline void *ct_small_worker(void *arg) {
  const ct_small_args *a = (const ct_small_args *)arg;
  char name[48];
  int i;
  snprintf(name, sizeof name, "small-%d", a->worker);
  CTRACE_THREAD_NAME(name);
  for (i = 0; i < a->steps; i++) {
    CTRACE_ZONE_BEGIN("work");
    if (i % 3 == 0) CTRACE_COUNTER("count", (int64_t)a->worker * 100000 + i);
    if (i % 10 == 0) {
      snprintf(name, sizeof name, "dyn-%d-%d", a->worker, i);
      CTRACE_INSTANT(name);
    }
    if (i % 25 == 0) CTRACE_LOG("log", "worker %d step %d", a->worker, i);
    if (i % 40 == 0) CTRACE_COUNTER_F("ratio", i / 7.0);
    CTRACE_ZONE_END();
  }
  return NULL;
}

/* Writes the trace; returns ctrace_stop's result (or start's failure). */
static inline int ct_make_small_trace(const char *path, int threads, int steps) {
  pthread_t th[16];
  ct_small_args args[16];
  ctrace_config cfg;
  int i, rc;
  if (threads > 16) threads = 16;
  memset(&cfg, 0, sizeof cfg);
  cfg.buffer_size = 1024;
  rc = ctrace_start_with(path, &cfg);
  if (rc != 0) return rc;
  CTRACE_THREAD_NAME("main");
  CTRACE_INSTANT("begin");
  for (i = 0; i < threads; i++) {
    args[i].worker = i;
    args[i].steps = steps;
    pthread_create(&th[i], NULL, ct_small_worker, &args[i]);
  }
  for (i = 0; i < threads; i++) pthread_join(th[i], NULL);
  CTRACE_COUNTER_F("done", 1.5);
  return ctrace_stop();
}

/* Same event, time and site aside: where a damaged definition or clock
   chunk may legitimately change the name, file, line or time. */
static inline int ct_same_payload(const ctrace_event *a, const ctrace_event *b) {
  return a->kind == b->kind && a->thread == b->thread && a->value == b->value &&
         memcmp(&a->fvalue, &b->fvalue, sizeof a->fvalue) == 0 && a->id == b->id &&
         a->ptr == b->ptr && a->size == b->size && a->message_len == b->message_len;
}

/* Same event and site: name, message, file and line too; times aside. */
static inline int ct_same_sited(const ctrace_event *a, const ctrace_event *b) {
  return ct_same_payload(a, b) && a->line == b->line && strcmp(a->name, b->name) == 0 &&
         strcmp(a->message, b->message) == 0 && strcmp(a->file, b->file) == 0;
}

/* Same event in every field the reader gives. */
static inline int ct_same_event(const ctrace_event *a, const ctrace_event *b) {
  return ct_same_sited(a, b) && a->time_ns == b->time_ns;
}

/* The writer's two ways of writing a full buffer (ctrace_config.write_mode):
   a test that calls this first thing in main runs once in each. Unless
   CTRACE_WRITE_MODE is set already (the test then runs that way only), the
   program runs itself twice, with CTRACE_WRITE_MODE=writer and then =thread,
   and ends when they have: both runs print their checks to the same output,
   and a run that dies or hangs (the program's own alarm) is a failure here.
   (execve with an environment of its own: setenv is not declared in strict
   C99 where ctrace.h is included without its implementation.) On Windows
   the test runs once, in the default mode. */
#if !defined(_WIN32)
#include <sys/wait.h>
#ifdef __cplusplus
extern "C" char **environ;
#else
extern char **environ;
#endif
#endif
static inline void ct_each_write_mode(char **argv) {
#if !defined(_WIN32)
  static char *mode_vars[2] = {(char *)"CTRACE_WRITE_MODE=writer", (char *)"CTRACE_WRITE_MODE=thread"};
  char **env;
  size_t n = 0, i;
  int m, bad = 0;
  if (getenv("CTRACE_WRITE_MODE")) {
    harness_note("write mode: %s (CTRACE_WRITE_MODE)", getenv("CTRACE_WRITE_MODE"));
    return;
  }
  while (environ && environ[n]) n++;
  env = (char **)calloc(n + 2, sizeof *env);
  if (!CHECK(env != NULL, "write modes: memory for the environment")) exit(harness_done());
  for (i = 0; i < n; i++) env[i] = environ[i];
  for (m = 0; m < 2; m++) {
    pid_t pid;
    int status = 0;
    fflush(stdout);
    fflush(stderr);
    env[n] = mode_vars[m];
    pid = fork();
    if (pid == 0) {
      execve(argv[0], argv, env);
      _exit(127);
    }
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    CHECK(pid > 0 && WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 1),
          "%s: the run ran to its end (status 0x%x)", mode_vars[m], (unsigned)status);
    if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) != 0) bad = 1; /* its FAIL lines are printed */
  }
  free(env);
  exit(harness_done() ? 1 : bad);
#else
  (void)argv;
#endif
}

#endif /* CTRACE_TEST_CORE_SUPPORT_H */
