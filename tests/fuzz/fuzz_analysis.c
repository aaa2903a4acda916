/* tests/fuzz/fuzz_analysis.c - libFuzzer harness for the analysis and the
   outputs built on it, everything in memory.

   The input is opened with ctrace_reader_open_memory and analysed with
   ctrace_analyze_reader (small caps, so the fold-into-"(other)" paths run
   too); every span the analysis reports is checked for order; then every
   text output (stats text and JSON, CSV, folded stacks by time and by bytes)
   is written into a buffer and must be valid UTF-8, the JSON must parse, and
   each chart is drawn into a small RGBA image. Run twice per input: as given
   and with checksums recomputed (see fuzz_common.h). */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "../../ctrace.h"
#include "fuzz_common.h"

static void check_span(void *user, const ctrace_span *s) {
  (void)user;
  if (!s->name || !s->file) fuzz_fail("span with a NULL string");
  if (s->end_ns < s->start_ns) fuzz_fail("span ends before it starts");
}

static void check_event(void *user, const ctrace_event *ev) {
  (void)user;
  if (!ev->name || !ev->file || !ev->message) fuzz_fail("event with a NULL string");
}

typedef int (*fuzz_output_fn)(const ctrace_analysis *a, fuzz_buf *b);

static int out_stats_text(const ctrace_analysis *a, fuzz_buf *b) {
  return ctrace_stats_text(a, fuzz_buf_write, b);
}
static int out_stats_json(const ctrace_analysis *a, fuzz_buf *b) {
  return ctrace_stats_json(a, fuzz_buf_write, b);
}
static int out_csv(const ctrace_analysis *a, fuzz_buf *b) {
  return ctrace_export_csv(a, fuzz_buf_write, b);
}
static int out_folded_time(const ctrace_analysis *a, fuzz_buf *b) {
  return ctrace_export_folded(a, 0, fuzz_buf_write, b);
}
static int out_folded_bytes(const ctrace_analysis *a, fuzz_buf *b) {
  return ctrace_export_folded(a, 1, fuzz_buf_write, b);
}

static void check_output(const ctrace_analysis *a, fuzz_output_fn fn, int is_json, fuzz_buf *b) {
  int rc;
  b->len = 0;
  b->ends = 0;
  rc = fn(a, b);
  if (rc != 0) fuzz_fail("an output into memory failed");
  if (b->len && !fuzz_utf8_ok((const uint8_t *)b->data, b->len)) fuzz_fail("output is not UTF-8");
  if (is_json && !fuzz_json_ok(b->data ? b->data : "", b->len)) fuzz_fail("stats JSON does not parse");
}

static void check_tables(const ctrace_analysis *a) {
  uint32_t n = 0, i, idx[8];
  const ctrace_flame_node *flame = ctrace_analysis_flame(a, &n);
  for (i = 0; i < n; i++) {
    if (!flame[i].name) fuzz_fail("flame node without a name");
    if (i && flame[i].parent >= n) fuzz_fail("flame node's parent out of range");
  }
  ctrace_analysis_zone_order(a, CTRACE_ZONE_BY_SELF, idx, 8);
  if (!ctrace_analysis_summary(a) || !ctrace_analysis_memory(a) || !ctrace_analysis_gc(a))
    fuzz_fail("an accessor returned NULL");
}

static void draw_charts(const ctrace_analysis *a) {
  static unsigned char rgba[96 * 64 * 4];
  ctrace_png_config pc;
  int chart;
  for (chart = CTRACE_CHART_HEAP; chart <= CTRACE_CHART_FLAME; chart++) {
    memset(&pc, 0, sizeof pc);
    pc.chart = chart;
    pc.width = 96;
    pc.height = 64;
    if (ctrace_chart_rgba(a, &pc, rgba) != 0) fuzz_fail("chart_rgba failed on an analysis");
  }
}

static void analyse(const uint8_t *data, size_t size) {
  static fuzz_buf out;
  ctrace_reader *r = NULL;
  ctrace_analysis *a = NULL;
  ctrace_analysis_config cfg;
  char err[256];
  int rc;
  if (ctrace_reader_open_memory(&r, data, size, err, sizeof err) != 0) return;
  memset(&cfg, 0, sizeof cfg);
  cfg.on_span = check_span;
  cfg.on_task = check_span;
  cfg.on_gc = check_span;
  cfg.on_event = check_event;
  cfg.max_gc_spans = 4;
  cfg.max_logs = 4;
  cfg.max_log_bytes = 16;
  cfg.max_series_points = 8;
  cfg.max_flame_nodes = 8;
  cfg.max_zones = 6;
  cfg.max_tasks = 4;
  cfg.max_counters = 4;
  cfg.max_alloc_sites = 4;
  cfg.max_leak_sites = 2;
  cfg.max_depth = 6;
  rc = ctrace_analyze_reader(r, &cfg, &a, err, sizeof err);
  ctrace_reader_close(r);
  if (!a) {
    if (rc >= 0) fuzz_fail("no analysis and no error");
    return;
  }
  check_tables(a);
  check_output(a, out_stats_text, 0, &out);
  check_output(a, out_stats_json, 1, &out);
  check_output(a, out_csv, 0, &out);
  check_output(a, out_folded_time, 0, &out);
  check_output(a, out_folded_bytes, 0, &out);
  draw_charts(a);
  ctrace_analysis_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_run_twice(analyse, data, size);
  return 0;
}
