/* The compiled-out build: with CTRACE_DISABLE every instrumentation macro
   vanishes, evaluates none of its arguments, and needs none of the
   implementation's symbols (this program links without
   CTRACE_IMPLEMENTATION anywhere). */
#define CTRACE_DISABLE
#include "../ctrace.h"
#include "harness.h"

static int evaluations;

static const char *counted_name(void) {
  evaluations++;
  return "name";
}

static int64_t counted_value(void) {
  evaluations++;
  return 7;
}

int main(void) {
  uint64_t id;
  int reached = 0;
  CHECK_EQ_INT(CTRACE_ENABLED, 0, "CTRACE_DISABLE sets CTRACE_ENABLED to 0");
  /* Referenced once outside the macros so they are not unused. */
  CHECK(counted_name() != NULL && counted_value() == 7 && evaluations == 2, "helpers work");
  evaluations = 0;
  {
    CTRACE_ZONE(counted_name());
    CTRACE_ZONE_BEGIN(counted_name());
    CTRACE_ZONE_END();
    CTRACE_INSTANT(counted_name());
    CTRACE_COUNTER(counted_name(), counted_value());
    CTRACE_COUNTER_F(counted_name(), counted_value());
    CTRACE_LOG(counted_name(), "%d", (int)counted_value());
    CTRACE_THREAD_NAME(counted_name());
    id = CTRACE_TASK_BEGIN(counted_name());
    CTRACE_TASK_END((uint64_t)counted_value());
    CTRACE_GC_BEGIN(counted_name());
    CTRACE_GC_END();
    CTRACE_ALLOC(counted_name(), counted_value());
    CTRACE_FREE(counted_name());
    CTRACE_WAIT(counted_name());
    CTRACE_WAIT_BEGIN(counted_name());
    CTRACE_WAIT_END();
    reached = 1;
  }
  CHECK(reached, "every macro compiles as a statement");
  CHECK_EQ_INT(evaluations, 0, "no macro argument is evaluated");
  CHECK_EQ_UINT(id, 0, "CTRACE_TASK_BEGIN yields 0");
  /* Usable as the body of an if without braces. */
  if (reached) CTRACE_INSTANT(counted_name());
  else CTRACE_ZONE_END();
  CHECK_EQ_INT(evaluations, 0, "macros work as unbraced if/else bodies");
  return harness_done();
}
