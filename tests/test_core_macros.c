/* Each instrumentation macro evaluates each argument exactly once, whether
   or not a trace runs, and records the values it evaluated. The one
   documented exception: CTRACE_LOG evaluates its format arguments only while
   a trace runs (its category always). */
#ifndef CTRACE_TEST_SEPARATE_IMPL
/* The Makefile and test_sanitizers.sh link one shared implementation
   object instead. */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#endif
#include "../ctrace.h"
#include "harness.h"
#include "core_support.h"

static int n_name, n_value;
static char scratch[64];

static const char *name_of(const char *s) {
  n_name++;
  return s;
}

static int64_t value_of(int64_t v) {
  n_value++;
  return v;
}

static void *ptr_of(void) {
  n_value++;
  return scratch;
}

#define RESET() (n_name = 0, n_value = 0)

static void expect_counts(const char *what, int names, int values, int on) {
  CHECK(n_name == names && n_value == values,
        "%s, tracing %s: name evaluated %d times (want %d), values %d times (want %d)", what,
        on ? "on" : "off", n_name, names, n_value, values);
  RESET();
}

static uint64_t record_all(int on) {
  uint64_t id;
  void *p;
  RESET();
  {
    CTRACE_ZONE(name_of("scoped"));
    expect_counts("CTRACE_ZONE", 1, 0, on);
  }
  CTRACE_ZONE_BEGIN(name_of("begin"));
  expect_counts("CTRACE_ZONE_BEGIN", 1, 0, on);
  CTRACE_ZONE_END();
  CTRACE_INSTANT(name_of("instant"));
  expect_counts("CTRACE_INSTANT", 1, 0, on);
  CTRACE_COUNTER(name_of("counter"), value_of(41));
  expect_counts("CTRACE_COUNTER", 1, 1, on);
  CTRACE_COUNTER_F(name_of("counter_f"), (double)value_of(2));
  expect_counts("CTRACE_COUNTER_F", 1, 1, on);
  CTRACE_LOG(name_of("log"), "v=%lld", (long long)value_of(5));
  expect_counts("CTRACE_LOG", 1, on, on);
  CTRACE_THREAD_NAME(name_of("macro-thread"));
  expect_counts("CTRACE_THREAD_NAME", 1, 0, on);
  id = CTRACE_TASK_BEGIN(name_of("task"));
  expect_counts("CTRACE_TASK_BEGIN", 1, 0, on);
  CTRACE_TASK_END((uint64_t)value_of((int64_t)id));
  expect_counts("CTRACE_TASK_END", 0, 1, on);
  CTRACE_GC_BEGIN(name_of("gc"));
  expect_counts("CTRACE_GC_BEGIN", 1, 0, on);
  CTRACE_GC_END();
  {
    CTRACE_WAIT(name_of("wait"));
    expect_counts("CTRACE_WAIT", 1, 0, on);
  }
  CTRACE_WAIT_BEGIN(name_of("wait pair"));
  expect_counts("CTRACE_WAIT_BEGIN", 1, 0, on);
  CTRACE_WAIT_END();
  CTRACE_ALLOC(ptr_of(), value_of(99));
  expect_counts("CTRACE_ALLOC", 0, 2, on);
  CTRACE_FREE(ptr_of());
  expect_counts("CTRACE_FREE", 0, 1, on);
  p = ctrace_malloc((size_t)value_of(16));
  expect_counts("ctrace_malloc", 0, 1, on);
  p = ctrace_realloc(p, (size_t)value_of(32));
  expect_counts("ctrace_realloc", 0, 1, on);
  ctrace_free(p);
  return id;
}

int main(void) {
  char path[512];
  ct_trace t;
  size_t i;
  int saw_counter = 0, saw_log = 0, saw_alloc = 0, saw_task_end = 0;
  uint64_t id;
  harness_note("tracing off");
  record_all(0);
  ct_tmp_path(path, sizeof path, "macros");
  if (!CHECK_EQ_INT(ctrace_start(path), 0, "ctrace_start")) return harness_done();
  harness_note("tracing on");
  id = record_all(1);
  ctrace_stop();
  if (!CHECK_EQ_INT(ct_load(&t, path), 0, "reader opens")) return harness_done();
  for (i = 0; i < t.n; i++) {
    const ctrace_event *e = &t.ev[i];
    if (e->kind == CTRACE_EV_COUNTER && strcmp(e->name, "counter") == 0 && e->value == 41)
      saw_counter++;
    if (e->kind == CTRACE_EV_LOG && strcmp(e->message, "v=5") == 0) saw_log++;
    if (e->kind == CTRACE_EV_ALLOC && e->size == 99 && e->ptr == (uint64_t)(uintptr_t)scratch)
      saw_alloc++;
    if (e->kind == CTRACE_EV_TASK_END && e->id == id) saw_task_end++;
  }
  CHECK(saw_counter == 1 && saw_log == 1 && saw_alloc == 1 && saw_task_end == 1,
        "recorded values are the evaluated ones, once each (%d %d %d %d)", saw_counter, saw_log,
        saw_alloc, saw_task_end);
  ct_free(&t);
  remove(path);
  return harness_done();
}
