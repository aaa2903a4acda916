/* Round trip of every event kind through the public writer and reader:
   exact names, values, messages, sites, ids; nesting; tasks crossing
   threads; thread names; dynamic names from a reused buffer. */
#ifndef CTRACE_TEST_SEPARATE_IMPL
/* The Makefile and test_sanitizers.sh link one shared implementation
   object instead. */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#endif
#include "../ctrace.h"
#include "harness.h"
#include "core_support.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <time.h>

/* ---- what the main thread is expected to record, in order ---------------- */
typedef struct want {
  int kind;
  const char *name;     /* NULL: not checked */
  const char *message;  /* NULL: not checked */
  int line;             /* 0: not checked; else file must be __FILE__ too */
  int check_value;
  int64_t value;
  int check_fvalue;
  double fvalue;
  int check_ptr;
  uint64_t ptr;
  int check_size;
  uint64_t size;
} want;

static want wants[256];
static int n_wants;
static char names_seen[64][64]; /* copies of dynamic names, for messages */

static want *expect(int kind, const char *name, int line) {
  want *w = &wants[n_wants++];
  memset(w, 0, sizeof *w);
  w->kind = kind;
  w->name = name;
  w->line = line;
  return w;
}

static void expect_counter(const char *name, int64_t v) {
  want *w = expect(CTRACE_EV_COUNTER, name, 0);
  w->check_value = 1;
  w->value = v;
}

static void expect_counter_f(const char *name, double v) {
  want *w = expect(CTRACE_EV_COUNTER_F, name, 0);
  w->check_fvalue = 1;
  w->fvalue = v;
}

static void expect_log(const char *category, const char *message) {
  want *w = expect(CTRACE_EV_LOG, category, 0);
  w->message = message;
}

static void expect_alloc(int kind, const void *p, uint64_t size, int line) {
  want *w = expect(kind, NULL, line);
  w->check_ptr = 1;
  w->ptr = (uint64_t)(uintptr_t)p;
  w->check_size = 1;
  w->size = size;
}

/* ---- recording --------------------------------------------------------- */
static uint64_t task_id, task2_id;
static char big_message[5001];

static void *worker_ending_task(void *arg) {
  char name[32];
  (void)arg;
  /* The name buffer is rewritten right after: the trace must keep the text. */
  snprintf(name, sizeof name, "worker-%d", 1);
  CTRACE_THREAD_NAME(name);
  memset(name, 'Z', sizeof name - 1);
  CTRACE_INSTANT("w.start");
  CTRACE_TASK_END(task_id);
  return NULL;
}

static void *worker_beginning_task(void *arg) {
  (void)arg;
  CTRACE_THREAD_NAME("worker-2");
  task2_id = CTRACE_TASK_BEGIN("job2");
  return NULL;
}

static void record_zones(void) {
  int line;
  line = __LINE__; CTRACE_ZONE_BEGIN("outer");
  expect(CTRACE_EV_ZONE_BEGIN, "outer", line);
  line = __LINE__; CTRACE_ZONE_BEGIN("inner");
  expect(CTRACE_EV_ZONE_BEGIN, "inner", line);
  line = __LINE__; CTRACE_INSTANT("tick");
  expect(CTRACE_EV_INSTANT, "tick", line);
  CTRACE_ZONE_END();
  expect(CTRACE_EV_ZONE_END, NULL, 0);
  CTRACE_ZONE_END();
  expect(CTRACE_EV_ZONE_END, NULL, 0);
}

static void record_counters(void) {
  CTRACE_COUNTER("c.min", INT64_MIN);
  expect_counter("c.min", INT64_MIN);
  CTRACE_COUNTER("c.max", INT64_MAX);
  expect_counter("c.max", INT64_MAX);
  CTRACE_COUNTER("c.zero", 0);
  expect_counter("c.zero", 0);
  CTRACE_COUNTER("c.neg", -1);
  expect_counter("c.neg", -1);
  CTRACE_COUNTER("c.big", (int64_t)1 << 40);
  expect_counter("c.big", (int64_t)1 << 40);
  CTRACE_COUNTER("c.min", INT64_MIN + 1);
  expect_counter("c.min", INT64_MIN + 1);
  CTRACE_COUNTER_F("f.nan", NAN);
  expect_counter_f("f.nan", NAN);
  CTRACE_COUNTER_F("f.inf", INFINITY);
  expect_counter_f("f.inf", INFINITY);
  CTRACE_COUNTER_F("f.ninf", -INFINITY);
  expect_counter_f("f.ninf", -INFINITY);
  CTRACE_COUNTER_F("f.pi", 3.141592653589793);
  expect_counter_f("f.pi", 3.141592653589793);
  CTRACE_COUNTER_F("f.negzero", -0.0);
  expect_counter_f("f.negzero", -0.0);
  CTRACE_COUNTER_F("f.tiny", DBL_MIN / 1024.0);
  expect_counter_f("f.tiny", DBL_MIN / 1024.0);
  CTRACE_COUNTER_F("f.max", DBL_MAX);
  expect_counter_f("f.max", DBL_MAX);
}

static void record_logs(void) {
  int i;
  for (i = 0; i < 5000; i++) big_message[i] = (char)('a' + i % 26);
  big_message[5000] = '\0';
  CTRACE_LOG("app", "value %d and %s %.2f", 42, "str", 1.5);
  expect_log("app", "value 42 and str 1.50");
  CTRACE_LOG("big", "%s", big_message);
  expect_log("big", big_message);
  CTRACE_LOG("empty", "%s", "");
  expect_log("empty", "");
  CTRACE_LOG("app", "%lld|%llu|%c|%%", (long long)INT64_MIN, (unsigned long long)UINT64_MAX, 'q');
  expect_log("app", "-9223372036854775808|18446744073709551615|q|%");
}

static void record_task_and_threads(void) {
  pthread_t th;
  task_id = CTRACE_TASK_BEGIN("job");
  expect(CTRACE_EV_TASK_BEGIN, "job", 0);
  pthread_create(&th, NULL, worker_ending_task, NULL);
  pthread_join(th, NULL);
  pthread_create(&th, NULL, worker_beginning_task, NULL);
  pthread_join(th, NULL);
  CTRACE_TASK_END(task2_id); /* begun on worker-2, ended here */
  expect(CTRACE_EV_TASK_END, NULL, 0);
}

static void record_gc_and_memory(void) {
  void *raw = (void *)(uintptr_t)0x10000;
  void *p;
  int line;
  CTRACE_GC_BEGIN("alloc pressure");
  expect(CTRACE_EV_GC_BEGIN, "alloc pressure", 0);
  CTRACE_GC_END();
  expect(CTRACE_EV_GC_END, NULL, 0);
  line = __LINE__; CTRACE_ALLOC(raw, 123);
  expect_alloc(CTRACE_EV_ALLOC, raw, 123, line);
  line = __LINE__; CTRACE_FREE(raw);
  expect_alloc(CTRACE_EV_FREE, raw, 123, line);
  line = __LINE__; p = ctrace_malloc(77);
  expect_alloc(CTRACE_EV_ALLOC, p, 77, line);
  line = __LINE__; ctrace_free(p);
  expect_alloc(CTRACE_EV_FREE, p, 77, line);
}

static const char *const table_names[3] = {"tab.alpha", "tab.beta", "tab.gamma"};

static void record_dynamic_names(void) {
  char buf[64];
  char *heap;
  int i, line;
  /* One buffer, new text each time: each must be its own name. */
  for (i = 0; i < 5; i++) {
    snprintf(buf, sizeof buf, "dyn-%d", i);
    snprintf(names_seen[i], sizeof names_seen[i], "dyn-%d", i);
    line = __LINE__; CTRACE_INSTANT(buf);
    expect(CTRACE_EV_INSTANT, names_seen[i], line);
  }
  for (i = 0; i < 3; i++) {
    snprintf(buf, sizeof buf, "cnt-%d", i);
    snprintf(names_seen[10 + i], sizeof names_seen[0], "cnt-%d", i);
    CTRACE_COUNTER(buf, i * 10);
    expect_counter(names_seen[10 + i], i * 10);
  }
  for (i = 0; i < 3; i++) {
    snprintf(buf, sizeof buf, "cat-%d", i);
    snprintf(names_seen[20 + i], sizeof names_seen[0], "cat-%d", i);
    CTRACE_LOG(buf, "m%d", i);
    snprintf(names_seen[30 + i], sizeof names_seen[0], "m%d", i);
    expect_log(names_seen[20 + i], names_seen[30 + i]);
  }
  for (i = 0; i < 3; i++) {
    CTRACE_COUNTER(table_names[i], i);
    expect_counter(table_names[i], i);
  }
  /* Freed (and scribbled over) right after the call. */
  heap = (char *)malloc(32);
  strcpy(heap, "heap-name");
  line = __LINE__; CTRACE_ZONE_BEGIN(heap);
  memset(heap, 'X', 31);
  free(heap);
  expect(CTRACE_EV_ZONE_BEGIN, "heap-name", line);
  CTRACE_ZONE_END();
  expect(CTRACE_EV_ZONE_END, NULL, 0);
}

static void record_odd_names(void) {
  static char long_name[301];
  int line;
  memset(long_name, 'n', 300);
  line = __LINE__; CTRACE_INSTANT("");
  expect(CTRACE_EV_INSTANT, "", line);
  line = __LINE__; CTRACE_INSTANT("tab\there \"quoted\" <script>alert(1)</script>\n");
  expect(CTRACE_EV_INSTANT, "tab\there \"quoted\" <script>alert(1)</script>\n", line);
  line = __LINE__; CTRACE_INSTANT("\xc3\xa9t\xc3\xa9 \xe2\x9c\x93");
  expect(CTRACE_EV_INSTANT, "\xc3\xa9t\xc3\xa9 \xe2\x9c\x93", line);
  line = __LINE__; CTRACE_INSTANT(long_name);
  expect(CTRACE_EV_INSTANT, long_name, line);
}

/* ---- checking ----------------------------------------------------------- */
static int event_matches(const ctrace_event *e, const want *w, char *why, size_t why_size) {
  if (e->kind != w->kind) {
    snprintf(why, why_size, "kind %s, expected %s", ctrace_event_kind_name(e->kind),
             ctrace_event_kind_name(w->kind));
    return 0;
  }
  if (w->name && strcmp(ct_str(e->name), w->name) != 0) {
    snprintf(why, why_size, "name \"%.80s\", expected \"%.80s\"", ct_str(e->name), w->name);
    return 0;
  }
  if (w->message && (strcmp(ct_str(e->message), w->message) != 0 ||
                     e->message_len != strlen(w->message))) {
    snprintf(why, why_size, "message \"%.60s\" (%u bytes), expected \"%.60s\" (%u bytes)",
             ct_str(e->message), (unsigned)e->message_len, w->message,
             (unsigned)strlen(w->message));
    return 0;
  }
  if (w->line && (e->line != (uint32_t)w->line || strcmp(ct_str(e->file), __FILE__) != 0)) {
    snprintf(why, why_size, "site %s:%u, expected %s:%d", ct_str(e->file), (unsigned)e->line,
             __FILE__, w->line);
    return 0;
  }
  if (w->check_value && e->value != w->value) {
    snprintf(why, why_size, "value %lld, expected %lld", (long long)e->value, (long long)w->value);
    return 0;
  }
  if (w->check_fvalue && !harness__same_double(e->fvalue, w->fvalue)) {
    snprintf(why, why_size, "fvalue %.17g, expected %.17g", e->fvalue, w->fvalue);
    return 0;
  }
  if (w->check_ptr && e->ptr != w->ptr) {
    snprintf(why, why_size, "ptr 0x%llx, expected 0x%llx", (unsigned long long)e->ptr,
             (unsigned long long)w->ptr);
    return 0;
  }
  if (w->check_size && e->size != w->size) {
    snprintf(why, why_size, "size %llu, expected %llu", (unsigned long long)e->size,
             (unsigned long long)w->size);
    return 0;
  }
  return 1;
}

static void check_main_thread(const ct_trace *t, uint32_t main_id) {
  size_t i;
  int k = 0, mismatches = 0;
  char why[256];
  for (i = 0; i < t->n; i++) {
    const ctrace_event *e = &t->ev[i];
    char label[64];
    if (e->thread != main_id) continue;
    if (k >= n_wants) {
      snprintf(why, sizeof why, "extra event %s \"%.60s\"", ctrace_event_kind_name(e->kind),
               ct_str(e->name));
      FAIL(why, "main thread: no events beyond the recorded ones");
      mismatches++;
      break;
    }
    snprintf(label, sizeof label, "event %d (%s %.30s)", k, ctrace_event_kind_name(wants[k].kind),
             wants[k].name ? wants[k].name : "");
    if (!event_matches(e, &wants[k], why, sizeof why)) {
      FAIL(why, "main thread %s", label);
      mismatches++;
    }
    k++;
  }
  CHECK_EQ_INT(k, n_wants, "main thread: every recorded event read back");
  CHECK_EQ_INT(mismatches, 0, "main thread: events equal what was recorded");
}

static void check_workers(const ct_trace *t, uint32_t main_id) {
  uint32_t w1 = ct_thread_named(t, "worker-1"), w2 = ct_thread_named(t, "worker-2");
  size_t begin = ct_find(t, 0, main_id, CTRACE_EV_TASK_BEGIN);
  size_t start = ct_find(t, 0, w1, CTRACE_EV_INSTANT);
  size_t end = ct_find(t, 0, w1, CTRACE_EV_TASK_END);
  size_t begin2 = ct_find(t, 0, w2, CTRACE_EV_TASK_BEGIN);
  size_t end2 = ct_find(t, 0, main_id, CTRACE_EV_TASK_END);
  size_t gc = ct_find(t, 0, main_id, CTRACE_EV_GC_BEGIN);
  CHECK(w1 != 0 && w2 != 0 && w1 != w2 && w1 != main_id,
        "thread names read back (dynamic buffer rewritten after the call)");
  if (!CHECK(begin < t->n && end < t->n && start < t->n, "task events present")) return;
  CHECK(t->ev[begin].id != 0, "task id is not 0");
  CHECK_EQ_UINT(t->ev[begin].id, task_id, "task begin carries the id TASK_BEGIN returned");
  CHECK_EQ_UINT(t->ev[end].id, task_id, "task ended on another thread carries the same id");
  CHECK_EQ_STR(t->ev[start].name, "w.start", "worker instant name");
  CHECK(begin < start && start < end && end < gc, "merged order follows causality across threads");
  if (CHECK(begin2 < t->n && end2 < t->n, "second task's begin (worker-2) and end (main)")) {
    CHECK_EQ_STR(t->ev[begin2].name, "job2", "second task name");
    CHECK(t->ev[begin2].id == task2_id && t->ev[end2].id == task2_id && task2_id != task_id,
          "second task id distinct and matched");
  }
}

static void check_info(const ct_trace *t, const char *path, uint64_t wall_before,
                       uint64_t wall_after) {
  const ctrace_trace_info *info = ctrace_reader_info(t->r);
  size_t size = 0;
  unsigned char *data = ct_slurp(path, &size);
  free(data);
  CHECK_EQ_INT(info->format_version, CTRACE_FORMAT_VERSION, "info: format version");
  CHECK(info->ticks_per_second > 0, "info: clock frequency recorded");
  CHECK_EQ_INT(info->ended, 1, "info: end marker found");
  CHECK_EQ_INT(info->truncated, 0, "info: not truncated");
  CHECK_EQ_INT(info->crashed, 0, "info: not crashed");
  CHECK_EQ_UINT(info->chunks_bad, 0, "info: no damaged chunks");
  CHECK(info->chunks_ok > 0, "info: chunks counted");
  CHECK_EQ_UINT(info->bytes_lost, 0, "info: no bytes lost");
  CHECK_EQ_UINT(info->events_lost, 0, "info: no events lost");
  CHECK_EQ_INT(info->first_damage_offset, -1, "info: no damage offset");
  /* and ctrace's writer thread when it recorded CPU samples (every 10 ms) */
  CHECK_EQ_INT(info->threads, ct_thread_named(t, "ctrace writer") ? 4 : 3, "info: three threads");
  CHECK_EQ_UINT(info->file_size, size, "info: file size");
  CHECK_EQ_INT(info->pid, getpid(), "info: pid");
  CHECK(strstr(info->program, "test_core_roundtrip") != NULL, "info: program name (%s)",
        info->program);
  CHECK(info->wall_start_ns + 1000000000ull >= wall_before &&
            info->wall_start_ns <= wall_after + 1000000000ull,
        "info: wall-clock start within the test's run");
  CHECK(t->n > 0 && info->duration_ns >= t->ev[t->n - 1].time_ns, "info: duration covers events");
  CHECK(t->n > 0 && t->ev[0].time_ns >= 0, "times count from the trace start");
}

static uint64_t wall_ns(void) { return (uint64_t)time(NULL) * 1000000000ull; }

int main(void) {
  char path[512];
  ct_trace t;
  uint32_t main_id;
  uint64_t wall_before, wall_after;
  ctrace_session_stats st;

  ct_tmp_path(path, sizeof path, "roundtrip");
  wall_before = wall_ns();
  if (!CHECK_EQ_INT(ctrace_start(path), 0, "ctrace_start")) return harness_done();
  CHECK_EQ_INT(ctrace_enabled(), 1, "enabled while running");
  CTRACE_THREAD_NAME("main");
  record_zones();
  record_counters();
  record_logs();
  record_task_and_threads();
  record_gc_and_memory();
  record_dynamic_names();
  record_odd_names();
  CHECK_EQ_INT(ctrace_flush(), 0, "ctrace_flush mid-session");
  ctrace_session_stats_get(&st);
  CHECK(st.bytes_written > 0 && st.error == 0 && st.events_lost == 0,
        "session stats after flush: bytes written, no error, nothing lost");
  CHECK(st.threads == 3 || st.threads == 4, /* 4 once ctrace's writer thread recorded CPU samples */
        "session stats: three threads recorded events (%u)", (unsigned)st.threads);
  CHECK_EQ_INT(ctrace_stop(), 0, "ctrace_stop");
  wall_after = wall_ns();
  CHECK_EQ_INT(ctrace_enabled(), 0, "disabled after stop");

  if (!CHECK_EQ_INT(ct_load(&t, path), 0, "reader opens the trace (%s)", t.err))
    return harness_done();
  CHECK_EQ_INT(t.next_rc, 0, "reader ends cleanly");
  main_id = ct_thread_named(&t, "main");
  CHECK(main_id != 0, "main thread found by its name");
  check_main_thread(&t, main_id);
  check_workers(&t, main_id);
  check_info(&t, path, wall_before, wall_after);
  CHECK_EQ_UINT(ct_time_inversions(&t), 0, "merged stream: times never decrease");
  ct_free(&t);
  remove(path);
  return harness_done();
}
