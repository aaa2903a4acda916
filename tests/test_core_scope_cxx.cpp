// CTRACE_ZONE in C++: the same cases as the C test, ended by RAII, plus a
// zone left by an exception.
#ifndef CTRACE_TEST_SEPARATE_IMPL
// The Makefile and test_sanitizers.sh link one shared implementation object instead.
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#endif
#include "../ctrace.h"
#include "harness.h"
#include "core_support.h"
#include "scope_cases.h"

static void throws_inside_zone() {
  CTRACE_ZONE("throws");
  throw 42;
}

int main() {
  char path[512];
  ct_trace t;
  size_t n;
  ct_tmp_path(path, sizeof path, "scope_cpp");
  scope_record_all(path);
  try {
    throws_inside_zone();
  } catch (int) {
    CTRACE_INSTANT("caught");
  }
  if (!CHECK_EQ_INT(ctrace_stop(), 0, "C++: trace started and stopped")) return harness_done();
  if (!CHECK_EQ_INT(ct_load(&t, path), 0, "C++: reader opens (%s)", t.err)) return harness_done();
  n = scope_check_sequence(&t, "C++");
  CHECK(t.n == n + 3 && t.ev[n].kind == CTRACE_EV_ZONE_BEGIN &&
            strcmp(t.ev[n].name, "throws") == 0 && t.ev[n + 1].kind == CTRACE_EV_ZONE_END &&
            t.ev[n + 2].kind == CTRACE_EV_INSTANT && strcmp(t.ev[n + 2].name, "caught") == 0,
        "C++: a zone left by an exception ends before the handler runs");
  ct_free(&t);
  remove(path);
  return harness_done();
}
