/* Bad conditions and extreme inputs for the writer: a full disk (/dev/full,
   and a file-size limit that cuts the trace mid-way), paths that cannot be
   written, a file deleted while tracing, misuse of the session calls; then
   names, counters, nesting, logs and misuse of the macros at their limits.
   Each must be recorded faithfully or cut predictably, and must never crash
   the program, the reader, or the tool that reads the trace. */
/* Uses ctrace.h's internal limits (CTRACE__MAX_FIXED_EVENT), so it always
   carries its own implementation. */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "../ctrace.h"
#include "harness.h"
#include "core_support.h"
#include "reliability_support.h"

#include <float.h>
#include <sys/resource.h>

static void record_steps(long n) {
  long i;
  for (i = 0; i < n; i++) rl_step(i);
}

/* ------------------------------------------------------- bad conditions */

static void test_dev_full(void) {
  int rc = ctrace_start("/dev/full");
  ctrace_session_stats st;
  if (rc == 0) {
    record_steps(200000); /* a few MB: through the writer thread */
    CTRACE_LOG("io", "still running");
    CHECK_EQ_INT(ctrace_flush(), CTRACE_E_WRITE, "/dev/full: ctrace_flush reports the write error");
    ctrace_session_stats_get(&st);
    CHECK_EQ_INT(st.error, CTRACE_E_WRITE, "/dev/full: session stats carry the first error");
    CHECK_EQ_INT(ctrace_stop(), CTRACE_E_WRITE, "/dev/full: ctrace_stop returns CTRACE_E_WRITE");
  } else {
    CHECK_EQ_INT(rc, CTRACE_E_WRITE, "/dev/full: ctrace_start fails with CTRACE_E_WRITE (header write)");
    CHECK_EQ_INT(ctrace_enabled(), 0, "/dev/full: no session after the failed start");
    record_steps(1000);
    CHECK_EQ_INT(ctrace_stop(), CTRACE_E_NOT_STARTED, "/dev/full: nothing to stop");
  }
  CHECK_EQ_INT(ctrace_enabled(), 0, "/dev/full: tracing is off afterwards and the program runs on");
}

/* A file-size limit: the disk "fills up" after 200 KiB, mid-trace. Runs in a
   child (the limit is per process). Child exit status: 0 = ctrace_stop gave
   CTRACE_E_WRITE and the program went on; else which step failed. */
static void fsize_child(const char *path) {
  struct rlimit lim;
  ctrace_config cfg;
  void *p;
  signal(SIGXFSZ, SIG_IGN); /* write() then fails with EFBIG instead of killing us */
  lim.rlim_cur = lim.rlim_max = 200 * 1024;
  if (setrlimit(RLIMIT_FSIZE, &lim) != 0) _exit(2);
  memset(&cfg, 0, sizeof cfg);
  cfg.flush_period_ms = 20;
  if (ctrace_start_with(path, &cfg) != 0) _exit(3);
  CTRACE_THREAD_NAME("fsize");
  record_steps(100000);
  if (ctrace_stop() != CTRACE_E_WRITE) _exit(4);
  p = ctrace_malloc(100); /* still alive and working */
  ctrace_free(p);
  _exit(0);
}

static void test_disk_fills_up(void) {
  char path[600];
  pid_t pid;
  int status = 0;
  ct_trace t;
  ct_tmp_path(path, sizeof path, "rl_fsize");
  fflush(stdout);
  pid = fork();
  if (pid == 0) fsize_child(path);
  CHECK(rl_wait_child(pid, 60, &status) && WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "disk fills up mid-trace: ctrace_stop returns CTRACE_E_WRITE, the program goes on (status 0x%x)", status);
  CHECK(rl_file_size(path) > 0 && rl_file_size(path) <= 200 * 1024, "disk fills up: the file stops at the limit (%ld)",
        rl_file_size(path));
  ct_load(&t, path);
  if (CHECK(t.open_rc == 0 || t.open_rc == CTRACE_E_TRUNCATED, "disk fills up: the reader opens what was written (%s)",
            t.err)) {
    const ctrace_trace_info *info = ctrace_reader_info(t.r);
    rl_steps s = rl_count_steps(&t, ct_thread_named(&t, "fsize"));
    CHECK(s.steps > 1000 && s.wrong == 0, "disk fills up: an unbroken first part of the events (%ld steps, %s)",
          s.steps, s.first_wrong);
    CHECK_EQ_INT(info->ended, 0, "disk fills up: no end marker (it did not fit)");
    harness_note("disk full at 200 KiB: %ld of 100000 steps kept, truncated=%d, chunks_bad=%llu", s.steps,
                 info->truncated, (unsigned long long)info->chunks_bad);
  }
  ct_free(&t);
  {
    char out[2048];
    int rc = rl_tool_check(path, out, sizeof out);
    if (rc == -1) harness_skip("disk fills up", "build/ctrace not built");
    else CHECK_EQ_INT(rc, 1, "disk fills up: ctrace check says damaged, partly recovered");
  }
}

static void test_bad_paths(void) {
  char dir[600];
  ct_tmp_path(dir, sizeof dir, "rl_dir");
  mkdir(dir, 0777);
  CHECK_EQ_INT(ctrace_start("/nonexistent/x.ctrace"), CTRACE_E_OPEN, "path in a missing directory: CTRACE_E_OPEN");
  CHECK_EQ_INT(ctrace_start(dir), CTRACE_E_OPEN, "path is a directory: CTRACE_E_OPEN");
  CHECK_EQ_INT(ctrace_start(""), CTRACE_E_INVALID, "empty path: CTRACE_E_INVALID");
  CHECK_EQ_INT(ctrace_enabled(), 0, "no session after the failed starts");
  record_steps(100); /* harmless with no session */
  CHECK_EQ_INT(ctrace_stop(), CTRACE_E_NOT_STARTED, "stop without start: CTRACE_E_NOT_STARTED");
  CHECK_EQ_INT(ctrace_flush(), CTRACE_E_NOT_STARTED, "flush without start: CTRACE_E_NOT_STARTED");
  rmdir(dir);
}

/* Deleting the file while tracing: POSIX keeps the open file alive, so the
   writes succeed and stop returns 0; the trace is gone with the file. */
static void test_unlinked(void) {
  char path[600];
  ct_tmp_path(path, sizeof path, "rl_unlinked");
  if (!CHECK_EQ_INT(ctrace_start(path), 0, "file removed while tracing: start")) return;
  CHECK_EQ_INT(unlink(path), 0, "file removed while tracing: unlink");
  record_steps(50000);
  CHECK_EQ_INT(ctrace_flush(), 0, "file removed while tracing: flush succeeds");
  CHECK_EQ_INT(ctrace_start(path), CTRACE_E_ALREADY_STARTED, "double start: CTRACE_E_ALREADY_STARTED");
  CHECK_EQ_INT(ctrace_stop(), 0, "file removed while tracing: stop returns 0 (nothing failed to write)");
  CHECK(access(path, F_OK) != 0, "file removed while tracing: no file reappears");
}

/* ------------------------------------------------------- extreme inputs */

typedef struct extreme_expect {
  char *long_name;       /* 2 MiB name; the trace keeps the first 1 MiB */
  char *long_msg;        /* 1 MiB message */
  char *thread_name;     /* 10 KB thread name */
  long dyn_names;
  int depth;
} extreme_expect;

static const int64_t int_values[] = {INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX - 1, INT64_MAX};

static uint64_t bits_of(double d) {
  uint64_t b;
  memcpy(&b, &d, sizeof b);
  return b;
}

static double from_bits(uint64_t b) {
  double d;
  memcpy(&d, &b, sizeof d);
  return d;
}

/* NaNs with payloads and both signs, infinities, denormals, signed zeros. */
static const uint64_t double_bits[] = {
    0x7ff8000000000000ull, 0xfff8000000000000ull, 0x7ff0000000000001ull, 0x7ff4000000abcdefull,
    0x7ff0000000000000ull, 0xfff0000000000000ull, 0x0000000000000001ull, 0x800fffffffffffffull,
    0x0008000000000000ull, 0x8000000000000000ull, 0x0000000000000000ull, 0x7fefffffffffffffull};
#define N_INTS (sizeof int_values / sizeof int_values[0])
#define N_DOUBLES (sizeof double_bits / sizeof double_bits[0])

static void record_extremes(const extreme_expect *x) {
  char name[64];
  const char *volatile no_format = NULL;
  const char *volatile no_name = NULL;
  long i;
  size_t k;
  CTRACE_THREAD_NAME(x->thread_name);
  CTRACE_INSTANT("begin extremes");
  CTRACE_ZONE_BEGIN(x->long_name);
  CTRACE_ZONE_END();
  for (i = 0; i < x->dyn_names; i++) {
    snprintf(name, sizeof name, "dyn-%ld", i);
    CTRACE_INSTANT(name);
  }
  for (k = 0; k < N_INTS; k++) CTRACE_COUNTER("int extremes", int_values[k]);
  for (k = 0; k < N_DOUBLES; k++) CTRACE_COUNTER_F("double extremes", from_bits(double_bits[k]));
  for (i = 0; i < x->depth; i++) {
    snprintf(name, sizeof name, "depth-%ld", i);
    CTRACE_ZONE_BEGIN(name);
  }
  for (i = 0; i < x->depth; i++) CTRACE_ZONE_END();
  CTRACE_ZONE_END(); /* an END with no BEGIN */
  CTRACE_ZONE_END();
  CTRACE_INSTANT("after unmatched ends");
  CTRACE_LOG("big", "%s", x->long_msg);
  {
    /* Through a pointer: the compiler would rightly refuse a NULL format in
       a direct call; a program can still pass one at run time. */
    static ctrace_site site = {__FILE__, __LINE__, 0};
    void (*log_fn)(ctrace_site *, const char *, int, const char *, ...) = ctrace_log;
    log_fn(&site, "null format", 1, no_format);
  }
  CTRACE_ZONE_BEGIN(no_name); /* a NULL name */
  CTRACE_ZONE_END();
  CTRACE_INSTANT("end extremes");
}

/* Walks the events in order and compares them with what was recorded. */
static void check_extremes(const ct_trace *t, const extreme_expect *x, size_t msg_cap, const char *label) {
  size_t i = 0, k;
  long n, bad;
  const ctrace_event *e;
  uint32_t me;
  while (i < t->n && strcmp(t->ev[i].name, "begin extremes") != 0) i++;
  if (!CHECK(i < t->n, "%s: the extremes are in the trace", label)) return;
  me = t->ev[i].thread;
  {
    const char *tn = ctrace_reader_thread_name(t->r, me);
    size_t len = strlen(tn);
    CHECK(len > 0 && len <= strlen(x->thread_name) && strncmp(tn, x->thread_name, len) == 0,
          "%s: a 10 KB thread name comes back as a prefix of itself (%lu bytes)", label, (unsigned long)len);
  }
  e = &t->ev[++i];
  CHECK(e->kind == CTRACE_EV_ZONE_BEGIN && strlen(e->name) == (1u << 20) &&
            memcmp(e->name, x->long_name, 1u << 20) == 0,
        "%s: a 2 MiB name is kept, cut at exactly 1 MiB (%lu bytes)", label, (unsigned long)strlen(e->name));
  i += 2;
  for (n = 0, bad = 0; n < x->dyn_names; n++, i++) {
    char want[64];
    snprintf(want, sizeof want, "dyn-%ld", n);
    if (i >= t->n || t->ev[i].kind != CTRACE_EV_INSTANT || strcmp(t->ev[i].name, want) != 0) bad++;
  }
  CHECK_EQ_INT(bad, 0, "%s: %ld distinct dynamic names, each read back as itself, in order", label, x->dyn_names);
  for (k = 0, bad = 0; k < N_INTS; k++, i++)
    if (i >= t->n || t->ev[i].kind != CTRACE_EV_COUNTER || t->ev[i].value != int_values[k]) bad++;
  CHECK_EQ_INT(bad, 0, "%s: counters at INT64_MIN, INT64_MAX and around round-trip exactly", label);
  for (k = 0, bad = 0; k < N_DOUBLES; k++, i++)
    if (i >= t->n || t->ev[i].kind != CTRACE_EV_COUNTER_F || bits_of(t->ev[i].fvalue) != double_bits[k]) bad++;
  CHECK_EQ_INT(bad, 0, "%s: NaNs (with payloads), infinities, denormals, -0.0: the same bits back", label);
  for (n = 0, bad = 0; n < x->depth; n++, i++) {
    char want[64];
    snprintf(want, sizeof want, "depth-%ld", n);
    if (i >= t->n || t->ev[i].kind != CTRACE_EV_ZONE_BEGIN || strcmp(t->ev[i].name, want) != 0) bad++;
  }
  for (n = 0; n < x->depth; n++, i++)
    if (i >= t->n || t->ev[i].kind != CTRACE_EV_ZONE_END) bad++;
  CHECK_EQ_INT(bad, 0, "%s: zones nested %d deep: every begin and end, in order", label, x->depth);
  CHECK(i + 2 < t->n && t->ev[i].kind == CTRACE_EV_ZONE_END && t->ev[i + 1].kind == CTRACE_EV_ZONE_END &&
            strcmp(t->ev[i + 2].name, "after unmatched ends") == 0,
        "%s: two ENDs with no BEGIN are recorded as they came", label);
  i += 3;
  if (CHECK(i < t->n && t->ev[i].kind == CTRACE_EV_LOG, "%s: the 1 MiB log message is recorded", label)) {
    /* Whole when it fits; else cut to what a buffer holds: the cap, or one
       byte less if the core keeps room for vsnprintf's NUL. */
    size_t full = strlen(x->long_msg);
    size_t lo = full < msg_cap ? full : msg_cap - 1, hi = full < msg_cap ? full : msg_cap;
    e = &t->ev[i];
    CHECK(e->message_len >= lo && e->message_len <= hi && strlen(e->message) == e->message_len &&
              memcmp(e->message, x->long_msg, e->message_len) == 0,
          "%s: the message is its first %lu bytes (got %lu)", label, (unsigned long)hi,
          (unsigned long)e->message_len);
    i++;
  }
  CHECK(i + 1 < t->n && t->ev[i].kind == CTRACE_EV_ZONE_BEGIN && strcmp(t->ev[i].name, "") == 0 &&
            t->ev[i + 1].kind == CTRACE_EV_ZONE_END,
        "%s: a log with a NULL format records nothing; a NULL name is an empty name", label);
  i += 2;
  CHECK(i < t->n && strcmp(t->ev[i].name, "end extremes") == 0 && t->ev[i].thread == me,
        "%s: nothing else in between", label);
}

static void check_tools_survive(const char *path, const char *label) {
  char args[1400];
  static const char *verbs[] = {"check", "stats", "dump", "export chrome", "export folded", "report"};
  size_t v;
  for (v = 0; v < sizeof verbs / sizeof verbs[0]; v++) {
    int rc;
    if (v < 3) snprintf(args, sizeof args, "%s '%.600s'", verbs[v], path);
    else snprintf(args, sizeof args, "%s '%.600s' -o '%.600s.out'", verbs[v], path, path);
    rc = rl_tool_run(args);
    if (rc == -1) {
      harness_skip(label, "build/ctrace not built");
      return;
    }
    CHECK(rc == 0 || rc == 1, "%s: ctrace %s runs on it (exit %d, no crash)", label, verbs[v], rc);
  }
}

static void test_extremes(uint32_t buffer_size, const char *tag, const char *label) {
  char path[600];
  extreme_expect x;
  ctrace_config cfg;
  ct_trace t;
  size_t msg_cap;
  memset(&x, 0, sizeof x);
  x.long_name = (char *)malloc(2u << 20 | 1u);
  x.long_msg = (char *)malloc((1u << 20) + 1);
  x.thread_name = (char *)malloc(10001);
  if (!x.long_name || !x.long_msg || !x.thread_name) {
    FAIL("out of memory", "%s: test buffers", label);
    return;
  }
  {
    size_t k;
    for (k = 0; k < (2u << 20); k++) x.long_name[k] = (char)('a' + k % 23 + (k >> 20)); /* differs past 1 MiB */
    x.long_name[2u << 20] = 0;
    for (k = 0; k < (1u << 20); k++) x.long_msg[k] = (char)('A' + (k * 7) % 26);
    x.long_msg[1u << 20] = 0;
    for (k = 0; k < 10000; k++) x.thread_name[k] = (char)('0' + k % 10);
    x.thread_name[10000] = 0;
  }
  x.dyn_names = ct_scaled(100000, 2000);
  x.depth = 10000;
  memset(&cfg, 0, sizeof cfg);
  cfg.buffer_size = buffer_size;
  ct_tmp_path(path, sizeof path, tag);
  if (CHECK_EQ_INT(ctrace_start_with(path, &cfg), 0, "%s: start", label)) {
    record_extremes(&x);
    CHECK_EQ_INT(ctrace_stop(), 0, "%s: stop", label);
    /* What the core keeps of a message: the thread buffer less the event's
       own fields (ctrace_log), i.e. all of it when the buffer is large. */
    msg_cap = (buffer_size ? buffer_size : 65536u) - CTRACE__MAX_FIXED_EVENT - 4; /* 0 = the default 64 KiB */
    if (CHECK_EQ_INT(ct_load(&t, path), 0, "%s: the reader opens (%s)", label, t.err)) {
      const ctrace_trace_info *info = ctrace_reader_info(t.r);
      CHECK(info->ended && info->chunks_bad == 0 && info->events_lost == 0, "%s: intact, nothing lost", label);
      check_extremes(&t, &x, msg_cap, label);
    }
    ct_free(&t);
    check_tools_survive(path, label);
  }
  free(x.long_name);
  free(x.long_msg);
  free(x.thread_name);
}

int main(int argc, char **argv) {
  (void)argc;
  ct_each_write_mode(argv);
  test_bad_paths();
  test_dev_full();
  test_disk_fills_up();
  test_unlinked();
  test_extremes(0, "rl_extreme", "extremes (64 KiB buffers)");
  test_extremes(4u << 20, "rl_extreme_big", "extremes (4 MiB buffers)");
  return harness_done();
}
