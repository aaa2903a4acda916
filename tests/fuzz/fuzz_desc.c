/* tests/fuzz/fuzz_desc.c - the structure-aware harness: libFuzzer mutates a
   trace *description* (the text language of tests/trace_builder.h), not the
   trace's bytes, so every mutation changes meaning (a count, a time, a name,
   a sequence number, a kind) while the framing and CRCs stay right.

   The description is built leniently (unreadable lines are skipped; at most
   200,000 lines run and 1 MiB written), then the trace goes through
   - the public reader (from memory): every event, the info, thread names;
     events must come in time order, strings never NULL; a trace the reader
     calls intact must have no contradiction;
   - the analysis with small caps, every text output (UTF-8, JSON parses),
     the charts, and the Chrome export and the HTML report from a file.
   Seeds: tests/fuzz/corpus_desc/ (the crafted cases of tests/crafted/ at
   small sizes). */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "../../ctrace.h"
#include "fuzz_common.h"
#include "../trace_builder.h"

static void read_all(const uint8_t *data, size_t size) {
  ctrace_reader *r = NULL;
  ctrace_event ev;
  const ctrace_trace_info *in;
  const uint32_t *ids = NULL;
  uint32_t n, i;
  int64_t last = INT64_MIN;
  uint64_t events = 0;
  char err[256];
  int rc;
  if (ctrace_reader_open_memory(&r, data, size, err, sizeof err) != 0) return;
  while ((rc = ctrace_reader_next(r, &ev)) == 1) {
    if (!ev.name || !ev.file || !ev.message) fuzz_fail("event with a NULL string");
    if (ev.time_ns < last) fuzz_fail("events out of time order");
    last = ev.time_ns;
    if (++events > 100000000u) fuzz_fail("endless events");
  }
  if (rc != 0) fuzz_fail("reader_next failed");
  in = ctrace_reader_info(r);
  if (in->contradictions && in->first_damage_offset < 0) fuzz_fail("a contradiction that is not damage");
  if (in->first_damage_offset >= 0 && (uint64_t)in->first_damage_offset > size) fuzz_fail("damage past the end");
  n = ctrace_reader_threads(r, &ids);
  for (i = 0; i < n; i++) {
    if (!ctrace_reader_thread_name(r, ids[i])) fuzz_fail("NULL thread name");
    if (i && ids[i] <= ids[i - 1]) fuzz_fail("thread ids not sorted");
  }
  ctrace_reader_close(r);
}

static int out_stats_json(const ctrace_analysis *a, fuzz_buf *b) { return ctrace_stats_json(a, fuzz_buf_write, b); }
static int out_stats_text(const ctrace_analysis *a, fuzz_buf *b) { return ctrace_stats_text(a, fuzz_buf_write, b); }
static int out_csv(const ctrace_analysis *a, fuzz_buf *b) { return ctrace_export_csv(a, fuzz_buf_write, b); }
static int out_folded(const ctrace_analysis *a, fuzz_buf *b) { return ctrace_export_folded(a, 1, fuzz_buf_write, b); }

static void analyse(const uint8_t *data, size_t size) {
  static fuzz_buf out;
  int (*outs[4])(const ctrace_analysis *, fuzz_buf *) = {out_stats_json, out_stats_text, out_csv, out_folded};
  static unsigned char rgba[64 * 48 * 4];
  ctrace_reader *r = NULL;
  ctrace_analysis *a = NULL;
  ctrace_analysis_config cfg;
  ctrace_png_config pc;
  char err[256];
  int k;
  if (ctrace_reader_open_memory(&r, data, size, err, sizeof err) != 0) return;
  memset(&cfg, 0, sizeof cfg);
  cfg.max_zones = 6;
  cfg.max_tasks = 4;
  cfg.max_counters = 4;
  cfg.max_alloc_sites = 4;
  cfg.max_flame_nodes = 8;
  cfg.max_depth = 6;
  ctrace_analyze_reader(r, &cfg, &a, err, sizeof err);
  ctrace_reader_close(r);
  if (!a) return;
  for (k = 0; k < 4; k++) {
    out.len = 0;
    out.ends = 0;
    if (outs[k](a, &out) != 0) fuzz_fail("an output into memory failed");
    if (out.len && !fuzz_utf8_ok((const uint8_t *)out.data, out.len)) fuzz_fail("output is not UTF-8");
    if (k == 0 && !fuzz_json_ok(out.data ? out.data : "", out.len)) fuzz_fail("stats JSON does not parse");
  }
  for (k = CTRACE_CHART_HEAP; k <= CTRACE_CHART_FLAME; k++) {
    memset(&pc, 0, sizeof pc);
    pc.chart = k;
    pc.width = 64;
    pc.height = 48;
    if (ctrace_chart_rgba(a, &pc, rgba) != 0) fuzz_fail("chart_rgba failed on an analysis");
  }
  ctrace_analysis_free(a);
}

static void from_file(const uint8_t *data, size_t size) {
  static fuzz_buf out;
  char trace[512], err[256];
  fuzz_scratch_path(trace, sizeof trace, "desc.ctrace");
  if (fuzz_write_file(trace, data, size) != 0) fuzz_fail("cannot write the scratch trace");
  out.len = 0;
  out.ends = 0;
  if (ctrace_export_chrome_to_func(trace, fuzz_buf_write, &out, NULL, NULL, NULL, err, sizeof err) == 0 &&
      !fuzz_json_ok(out.data ? out.data : "", out.len))
    fuzz_fail("the Chrome export does not parse as JSON");
  out.len = 0;
  out.ends = 0;
  if (ctrace_report_html_to_func(trace, fuzz_buf_write, &out, NULL) == 0 && out.len &&
      !fuzz_utf8_ok((const uint8_t *)out.data, out.len))
    fuzz_fail("the report is not UTF-8");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tb b;
  tb_init(&b);
  b.lenient = 1;
  b.limit = 1u << 20;
  b.max_lines = 200000;
  tb_run(&b, (const char *)data, size);
  tb_finish(&b);
  if (b.len) {
    read_all(b.buf, b.len);
    analyse(b.buf, b.len);
    from_file(b.buf, b.len);
  }
  tb_free(&b);
  return 0;
}
