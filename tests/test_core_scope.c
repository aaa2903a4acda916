/* CTRACE_ZONE in C: the zone ends when its block is left by any path
   (fall through, return, break, continue), innermost first. */
#ifndef CTRACE_TEST_SEPARATE_IMPL
/* The Makefile and test_sanitizers.sh link one shared implementation
   object instead. */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#endif
#include "../ctrace.h"
#include "harness.h"
#include "core_support.h"
#include "scope_cases.h"

int main(void) {
  char path[512];
  ct_trace t;
  size_t n;
  ct_tmp_path(path, sizeof path, "scope_c");
  scope_record_all(path);
  if (!CHECK_EQ_INT(ctrace_stop(), 0, "C: trace started and stopped")) return harness_done();
  if (!CHECK_EQ_INT(ct_load(&t, path), 0, "C: reader opens (%s)", t.err)) return harness_done();
  n = scope_check_sequence(&t, "C");
  CHECK_EQ_INT(t.n, n, "C: no other events (no end for a zone begun before start)");
  ct_free(&t);
  remove(path);
  return harness_done();
}
