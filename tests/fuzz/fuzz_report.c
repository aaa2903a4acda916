/* tests/fuzz/fuzz_report.c - libFuzzer harness for the HTML report.

   ctrace_report_html takes paths, so the input goes to a scratch file (see
   fuzz_scratch_path) and the report to another. Inputs of odd length are
   also their own baseline, which runs the comparison paths. When the report
   is written it is checked for what a trace must never do to its report:
   - outside the page's <script> blocks every '<' opens a tag of the page's
     own vocabulary (trace text is escaped, so it cannot open one);
   - inside a tag the double quotes pair up (no attribute broken out of);
   - no "<!--" and no second "<script" inside a script block (the data block
     cannot end early or start a new script);
   - the page is valid UTF-8.
   Run twice per input: as given and with checksums recomputed. */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "../../ctrace.h"
#include "fuzz_common.h"

#include <ctype.h>

/* Tags an HTML report with inline SVG may use. */
static const char *const fuzz_tags[] = {
    "a", "abbr", "aside", "b", "body", "br", "button", "canvas", "caption", "circle",
    "clippath", "code", "col", "colgroup", "dd", "defs", "details", "div", "dl", "dt",
    "ellipse", "em", "footer", "g", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header",
    "hr", "html", "i", "input", "kbd", "label", "li", "line", "lineargradient", "link",
    "main", "meta", "nav", "ol", "option", "p", "path", "pattern", "polygon", "polyline",
    "pre", "rect", "script", "section", "select", "small", "span", "stop", "strong",
    "style", "sub", "summary", "sup", "svg", "table", "tbody", "td", "text", "tfoot",
    "th", "thead", "title", "tr", "tspan", "u", "ul", "use", NULL};

static int known_tag(const char *name, size_t n) {
  int i;
  for (i = 0; fuzz_tags[i]; i++) {
    if (strlen(fuzz_tags[i]) == n && memcmp(fuzz_tags[i], name, n) == 0) return 1;
  }
  return 0;
}

static int starts_nocase(const char *p, const char *e, const char *word) {
  size_t n = strlen(word), i;
  if ((size_t)(e - p) < n) return 0;
  for (i = 0; i < n; i++) {
    if (tolower((unsigned char)p[i]) != word[i]) return 0;
  }
  return 1;
}

/* word starts with a character that has no case ('<' or '-'). */
static const char *find_nocase(const char *p, const char *e, const char *word) {
  while (p < e && (p = (const char *)memchr(p, word[0], (size_t)(e - p))) != NULL) {
    if (starts_nocase(p, e, word)) return p;
    p++;
  }
  return NULL;
}

/* Checks one tag starting at p ('<'); returns the position after its '>'. */
static const char *check_tag(const char *p, const char *e) {
  char name[32];
  size_t n = 0;
  const char *q = p + 1;
  int quotes = 0;
  if (q < e && *q == '/') q++;
  while (q < e && isalnum((unsigned char)*q) && n + 1 < sizeof name) {
    name[n++] = (char)tolower((unsigned char)*q);
    q++;
  }
  if (!known_tag(name, n)) fuzz_fail("a '<' outside a tag of the page: unescaped trace text?");
  for (; q < e && *q != '>'; q++) quotes += *q == '"';
  if (q >= e) fuzz_fail("a tag that never closes");
  if (quotes & 1) fuzz_fail("odd number of quotes in a tag: an attribute broken out of");
  return q + 1;
}

static void check_html(const char *s, size_t len) {
  const char *p = s, *e = s + len;
  if (!fuzz_utf8_ok((const uint8_t *)s, len)) fuzz_fail("report is not UTF-8");
  while ((p = (const char *)memchr(p, '<', (size_t)(e - p))) != NULL) {
    if (starts_nocase(p, e, "<!doctype")) {
      p += 9;
    } else if (starts_nocase(p, e, "<!--")) {
      const char *end = find_nocase(p + 4, e, "-->");
      if (!end) fuzz_fail("a comment that never closes");
      p = end + 3;
    } else if (starts_nocase(p, e, "<script")) {
      const char *body = check_tag(p, e), *close = find_nocase(body, e, "</script");
      if (!close) fuzz_fail("a script that never closes");
      if (find_nocase(body, close, "<!--")) fuzz_fail("\"<!--\" inside a script block");
      if (find_nocase(body, close, "<script")) fuzz_fail("\"<script\" inside a script block");
      p = close;
    } else {
      p = check_tag(p, e);
    }
  }
}

static void report(const char *trace, const char *html, int with_baseline) {
  static fuzz_buf page;
  ctrace_report_config cfg;
  char err[256];
  int rc;
  memset(&cfg, 0, sizeof cfg);
  cfg.max_spans = 64;
  cfg.max_messages = 8;
  cfg.max_table_rows = 8;
  cfg.error = err;
  cfg.error_size = sizeof err;
  if (with_baseline) cfg.baseline_path = trace;
  err[0] = '\0';
  remove(html);
  rc = ctrace_report_html(trace, html, &cfg);
  if (rc > 0) fuzz_fail("report returned a positive code");
  if (rc < 0) {
    if (!err[0]) fuzz_fail("report failed without a sentence");
    return;
  }
  if (fuzz_buf_load(&page, html) != 0) fuzz_fail("report returned 0 but wrote no file");
  if (page.len == 0) fuzz_fail("report returned 0 and the page is empty");
  check_html(page.data, page.len);
}

static void run(const uint8_t *data, size_t size) {
  char trace[512], html[512];
  fuzz_scratch_path(trace, sizeof trace, "report_in.ctrace");
  fuzz_scratch_path(html, sizeof html, "report_out.html");
  if (fuzz_write_file(trace, data, size) != 0) fuzz_fail("cannot write the scratch trace");
  report(trace, html, (int)(size & 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_run_twice(run, data, size);
  return 0;
}
