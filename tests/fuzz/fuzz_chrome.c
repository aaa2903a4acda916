/* tests/fuzz/fuzz_chrome.c - libFuzzer harness for the Chrome JSON export.

   ctrace_export_chrome takes paths: the input goes to a scratch file and the
   JSON to another. Whatever the trace holds, a successful export must be one
   valid JSON value in valid UTF-8 (names are escaped, invalid UTF-8 replaced,
   non-finite numbers skipped), and the counts must add up with what was read.
   Run twice per input: as given and with checksums recomputed. */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "../../ctrace.h"
#include "fuzz_common.h"

static void export_one(const char *trace, const char *json) {
  static fuzz_buf out;
  ctrace_export_counts counts;
  char err[256];
  int rc;
  err[0] = '\0';
  remove(json);
  memset(&counts, 0, sizeof counts);
  rc = ctrace_export_chrome(trace, json, NULL, NULL, &counts, err, sizeof err);
  if (rc > 0) fuzz_fail("export returned a positive code");
  if (rc < 0) {
    if (!err[0]) fuzz_fail("export failed without a sentence");
    return;
  }
  if (fuzz_buf_load(&out, json) != 0) fuzz_fail("export returned 0 but wrote no file");
  if (!fuzz_utf8_ok((const uint8_t *)out.data, out.len)) fuzz_fail("export is not UTF-8");
  if (!fuzz_json_ok(out.data ? out.data : "", out.len)) fuzz_fail("export does not parse as JSON");
  if (counts.spans_closed_at_end > counts.spans) fuzz_fail("more spans closed at the end than spans");
}

static void run(const uint8_t *data, size_t size) {
  char trace[512], json[512];
  fuzz_scratch_path(trace, sizeof trace, "chrome_in.ctrace");
  fuzz_scratch_path(json, sizeof json, "chrome_out.json");
  if (fuzz_write_file(trace, data, size) != 0) fuzz_fail("cannot write the scratch trace");
  export_one(trace, json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_run_twice(run, data, size);
  return 0;
}
