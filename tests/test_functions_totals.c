/* tests/test_functions_totals.c - a zone's total counts each moment once.
   Recursion (what function tracing records for every recursive function)
   nests instances of one zone; its total must be the time some instance
   was open on a thread (the outermost instances' durations), never the sum
   over levels, which can pass the run's length. Events with exact times go
   through ctrace_analysis_begin/_add/_end, so every figure is computed by
   hand; the second thread opens the zone while the first has it open, the
   case the analysis resolves from the thread's own stack. */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "../ctrace.h"
#include "harness.h"

static ctrace_analysis *A;

static void zone_event(int kind, uint32_t thread, int64_t t, const char *name) {
  ctrace_event e;
  memset(&e, 0, sizeof e);
  e.kind = kind;
  e.thread = thread;
  e.time_ns = t;
  e.name = name;
  e.message = "";
  e.file = "";
  ctrace_analysis_add(A, &e);
}
static void zb(uint32_t th, int64_t t, const char *name) { zone_event(CTRACE_EV_ZONE_BEGIN, th, t, name); }
static void ze(uint32_t th, int64_t t) { zone_event(CTRACE_EV_ZONE_END, th, t, ""); }

int main(void) {
  ctrace_trace_info info;
  const ctrace_zone_stats *r, *leaf;
  memset(&info, 0, sizeof info);
  info.duration_ns = 2000;
  if (!CHECK(ctrace_analysis_begin(NULL, &A) == 0 && A, "analysis begins")) return harness_done();
  /* thread 1: r [0,1000] { r [100,600] { r [200,300] { leaf [210,220] } } }, then r [1100,1200]
     thread 2: r [500,1150] { r [600,700] }: open across thread 1's close and reopen */
  zb(1, 0, "r");
  zb(1, 100, "r");
  zb(1, 200, "r");
  zb(1, 210, "leaf");
  ze(1, 220);
  ze(1, 300);
  zb(2, 500, "r");
  ze(1, 600);
  zb(2, 600, "r");
  ze(2, 700);
  ze(1, 1000);
  zb(1, 1100, "r");
  ze(2, 1150);
  ze(1, 1200);
  CHECK_EQ_INT(ctrace_analysis_end(A, &info), 0, "analysis ends without error");
  r = ctrace_analysis_find_zone(A, "r", NULL, 0);
  leaf = ctrace_analysis_find_zone(A, "leaf", NULL, 0);
  if (CHECK(r && leaf, "both zones found")) {
    CHECK_EQ_UINT(r->count, 6, "every instance counted");
    CHECK_EQ_INT(r->total_ns, 1000 + 100 + 650, "total = the outermost instances per thread (1000 + 100 + 650)");
    CHECK(r->total_ns <= 1200 + 650, "total within the threads' lengths");
    CHECK_EQ_INT(r->spans_ns, 1000 + 500 + 100 + 100 + 650 + 100, "spans_ns sums every instance");
    CHECK_EQ_INT(r->mean_ns, (2450 + 3) / 6, "mean is the mean span, not total / count");
    CHECK_EQ_INT(r->self_ns, 1000 - 500 + 500 - 100 + 100 - 10 + 100 + 650 - 100 + 100, "self time unchanged");
    CHECK_EQ_INT(r->max_ns, 1000, "max is the longest span");
    CHECK_EQ_INT(leaf->total_ns, 10, "a zone that never nests keeps its sum");
  }
  ctrace_analysis_free(A);

  /* The same zone nested 200 deep, 50 times: 50 outermost instances. */
  if (!CHECK(ctrace_analysis_begin(NULL, &A) == 0 && A, "analysis begins")) return harness_done();
  {
    int i, k;
    for (i = 0; i < 50; i++) {
      for (k = 0; k < 200; k++) zb(1, i * 1000 + k, "deep");
      for (k = 199; k >= 0; k--) ze(1, i * 1000 + 500 + (199 - k));
    }
  }
  info.duration_ns = 50000;
  CHECK_EQ_INT(ctrace_analysis_end(A, &info), 0, "analysis ends without error");
  r = ctrace_analysis_find_zone(A, "deep", NULL, 0);
  if (CHECK(r != NULL, "deep zone found")) {
    CHECK_EQ_UINT(r->count, 10000, "10000 instances");
    CHECK_EQ_INT(r->total_ns, 50 * 699, "total is the 50 outermost spans (699 ns each)");
  }
  ctrace_analysis_free(A);
  return harness_done();
}
