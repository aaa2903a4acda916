/* tests/test_report.c - the HTML report and the drawing model under it.

   Escaping (HTML text, attributes, JSON inside <script>), the canvas and its
   SVG backend, then whole reports: empty trace, one event, unfinished zones,
   a damaged trace, hostile names, level of detail, a baseline comparison,
   bad paths. Each report is checked for structure (it ends, tags balance, it
   is valid UTF-8) and for the one thing that must never happen: markup or
   script from the trace appearing unescaped.

   Extra modes used by tests/test_browser.sh and tests/bench_report.c:
     test_report --hostile-trace OUT.ctrace    write the hostile-names trace
     test_report --thin-callee-trace OUT.ctrace   a callee too thin to draw
                                                  until the flame graph zooms
     test_report --report TRACE OUT.html [BASELINE]                          */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "../ctrace.h"
#include "harness.h"
#include "core_support.h"

#include <ctype.h>

/* ---- helpers ---------------------------------------------------------------- */

static char *slurp_text(const char *path, size_t *n) {
  size_t size = 0;
  unsigned char *p = ct_slurp(path, &size);
  char *s;
  if (!p) return NULL;
  s = (char *)realloc(p, size + 1);
  if (!s) { free(p); return NULL; }
  s[size] = '\0';
  if (n) *n = size;
  return s;
}

static size_t count_ci(const char *hay, size_t n, const char *needle) {
  size_t k = strlen(needle), c = 0, i, j;
  for (i = 0; i + k <= n; ++i) {
    for (j = 0; j < k && tolower((unsigned char)hay[i + j]) == tolower((unsigned char)needle[j]); ++j) {}
    if (j == k) ++c;
  }
  return c;
}

/* Occurrences of the hostile name's "onerror=" that are not inside its
   escaped text: each must follow, within the name, an escaped "<img" (HTML
   or JSON escape). A label cut to fit its span may end right after
   "onerror=" (then comes an ellipsis, not a quote), so what follows it is
   not the test. */
static size_t unescaped_onerror(const char *hay, size_t n) {
  static const char *const opened[] = {"&lt;img src=x ", "\\u003cimg src=x "};
  const char *at = hay, *end = hay + n;
  size_t bad = 0, k;
  while ((at = strstr(at, "onerror=")) != NULL && at < end) {
    int inside = 0;
    for (k = 0; k < 2; ++k) {
      size_t len = strlen(opened[k]);
      if ((size_t)(at - hay) >= len && memcmp(at - len, opened[k], len) == 0) inside = 1;
    }
    bad += !inside;
    at++;
  }
  return bad;
}

static size_t count_of(const char *hay, size_t n, const char *needle) {
  size_t k = strlen(needle), c = 0, i;
  for (i = 0; i + k <= n; ++i)
    if (memcmp(hay + i, needle, k) == 0) ++c;
  return c;
}

static int valid_utf8(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *e = p + n;
  while (p < e) {
    uint32_t cp;
    int len = ctrace__utf8_decode(p, e, &cp);
    if (len == 0) return 0;
    p += len;
  }
  return 1;
}

/* Structure every report must have, whatever the trace held. */
static void check_structure(const char *html, size_t n, const char *what) {
  static const char *const pairs[][2] = {{"<svg", "</svg>"}, {"<table", "</table>"}, {"<section", "</section>"},
                                         {"<tr", "</tr>"}, {"<script", "</script>"}, {"<title>", "</title>"}};
  size_t i;
  int balanced = 1;
  CHECK(n > 1000 && strncmp(html, "<!DOCTYPE html>", 15) == 0, "%s: starts as an HTML document", what);
  CHECK(n > 9 && strcmp(html + n - 8, "</html>\n") == 0, "%s: ends with </html>", what);
  for (i = 0; i < sizeof pairs / sizeof pairs[0]; ++i) {
    size_t a = count_ci(html, n, pairs[i][0]), b = count_ci(html, n, pairs[i][1]);
    if (a != b) {
      balanced = 0;
      printf("  note: %s: %zu %s but %zu %s\n", what, a, pairs[i][0], b, pairs[i][1]);
    }
  }
  CHECK(balanced, "%s: tags balance (svg, table, section, tr, script, title)", what);
  CHECK(valid_utf8(html, n), "%s: the file is valid UTF-8", what);
  CHECK(count_ci(html, n, "<script") == 2, "%s: exactly two script elements (data island and the page script)", what);
  CHECK(strstr(html, "Content-Security-Policy") && strstr(html, "default-src 'none'"),
        "%s: has a Content-Security-Policy forbidding requests", what);
  CHECK(!strstr(html, "http://") || count_of(html, n, "http://") == count_of(html, n, "http://www.w3.org/2000/svg"),
        "%s: no http:// reference except the SVG namespace", what);
  CHECK(!strstr(html, "https://"), "%s: no https:// reference", what);
}

static int report(const char *trace, const char *html, const char *baseline, char *err, size_t err_n) {
  ctrace_report_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.baseline_path = baseline;
  cfg.error = err;
  cfg.error_size = err_n;
  err[0] = '\0';
  return ctrace_report_html(trace, html, &cfg);
}

static const char *html_path(char *buf, size_t n, const char *tag) {
  char t[600];
  size_t k;
  ct_tmp_path(t, sizeof t, tag);
  k = strlen(t);
  if (k > 7) t[k - 7] = '\0'; /* drop ".ctrace" */
  snprintf(buf, n, "%.580s.html", t);
  return buf;
}

/* ---- unit tests: sink escaping, canvas, SVG ------------------------------------ */

static void test_escaping(void) {
  ctrace__sink o;
  const char hostile[] = "<script>alert('x')</script> & \"q\" \xff\xfe ok \xe2\x80\xa8 \x01 </svg> ]]>";
  memset(&o, 0, sizeof o);
  ctrace__sink_html(&o, hostile);
  ctrace__sink_bytes(&o, "", 1);
  CHECK(o.err == 0 && o.buf != NULL, "html escape writes to memory");
  if (o.buf) {
    CHECK(!strchr(o.buf, '<') && !strchr(o.buf, '>') && !strchr(o.buf, '"') && !strchr(o.buf, '\''),
          "html escape leaves no < > \" '");
    CHECK(strstr(o.buf, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;") != NULL,
          "html escape uses entities: %s", o.buf);
    CHECK(strstr(o.buf, "\xef\xbf\xbd\xef\xbf\xbd ok") != NULL, "invalid UTF-8 becomes U+FFFD");
    CHECK(!strchr(o.buf, '\x01'), "control characters are replaced");
    CHECK(valid_utf8(o.buf, strlen(o.buf)), "escaped text is valid UTF-8");
  }
  free(o.buf);
  memset(&o, 0, sizeof o);
  ctrace__sink_json(&o, hostile);
  ctrace__sink_bytes(&o, "", 1);
  if (CHECK(o.buf != NULL, "json escape writes")) {
    CHECK(!strchr(o.buf + 1, '<') && !strchr(o.buf, '>') && !strchr(o.buf, '&'), "json escape leaves no < > &");
    CHECK(strstr(o.buf, "\\u003c/script\\u003e") != NULL, "json escapes </script> as \\u003c/script\\u003e");
    CHECK(strstr(o.buf, "\\u2028") != NULL && !strstr(o.buf, "\xe2\x80\xa8"), "json escapes U+2028");
    CHECK(strstr(o.buf, "\\ufffd\\ufffd ok") != NULL, "json replaces invalid UTF-8");
    CHECK(strstr(o.buf, "\\u0001") != NULL && strstr(o.buf, "\\\"q\\\"") != NULL, "json escapes controls and quotes");
    CHECK(o.buf[0] == '"' && o.buf[strlen(o.buf) - 1] == '"', "json string is quoted");
  }
  free(o.buf);
}

static void test_canvas_and_svg(void) {
  ctrace__canvas c;
  ctrace__sink o;
  float pts[6] = {0, 0, 10, 10, 20, 0};
  ctrace__canvas_init(&c, 300, 200, 0xffffffffu);
  ctrace__canvas_rect(&c, 10, 20, -5, 6, 0xff0000ffu, 0, 0);
  ctrace__canvas_title(&c, "</title><script>alert(1)</script>");
  ctrace__canvas_group(&c, 7);
  ctrace__canvas_line(&c, 1, 2, 3, 4, 0x000000ffu, 2);
  ctrace__canvas_poly(&c, pts, 3, 0x00ff0080u, 0, 0);
  ctrace__canvas_text(&c, 5, 6, 12, CTRACE__AN_END, 0x112233ffu, "</svg><script>x</script>\xc3\xa9");
  CHECK(c.n_shapes == 4 && !c.oom, "canvas holds four shapes");
  CHECK(c.shapes[0].x == 5 && c.shapes[0].w == 5, "a rect with negative width is normalised");
  CHECK(c.shapes[0].group == 7 && c.shapes[0].title != CTRACE__NO_TEXT, "title and group land on the last shape");
  CHECK(c.shapes[2].n_points == 3 && c.points[2 * c.shapes[2].first_point + 2] == 10, "polygon points stored");
  CHECK(strcmp(c.text + c.shapes[3].text, "</svg><script>x</script>\xc3\xa9") == 0, "text stored verbatim");
  CHECK(fabsf(ctrace__text_width("ab\xc3\xa9", 10) - 18.0f) < 1e-4f, "text width counts code points (3 x 0.6 x 10)");
  memset(&o, 0, sizeof o);
  CHECK(ctrace__canvas_to_svg(&c, &o, NULL) == 0, "SVG backend succeeds");
  ctrace__sink_bytes(&o, "", 1);
  if (o.buf) {
    CHECK(count_of(o.buf, strlen(o.buf), "<svg") == 1 && count_of(o.buf, strlen(o.buf), "</svg>") == 1,
          "SVG has one <svg> and one </svg> (the text's </svg> is escaped)");
    CHECK(!strstr(o.buf, "<script"), "no <script in the SVG");
    CHECK(strstr(o.buf, "data-g=\"7\"") != NULL && strstr(o.buf, "<title>&lt;/title&gt;") != NULL,
          "SVG carries the group and an escaped tooltip");
    CHECK(strstr(o.buf, "fill-opacity=\"0.50\"") != NULL, "alpha becomes an opacity");
    CHECK(strstr(o.buf, "text-anchor=\"end\"") != NULL, "text anchor kept");
  }
  free(o.buf);
  ctrace__canvas_free(&c);
}

/* ---- traces ------------------------------------------------------------------- */

static int make_empty(const char *path) {
  if (ctrace_start(path) != 0) return -1;
  return ctrace_stop();
}

static int make_one_event(const char *path) {
  if (ctrace_start(path) != 0) return -1;
  CTRACE_INSTANT("the only event");
  return ctrace_stop();
}

static int make_unfinished(const char *path) {
  if (ctrace_start(path) != 0) return -1;
  CTRACE_THREAD_NAME("main");
  CTRACE_ZONE_BEGIN("finished");
  CTRACE_ZONE_END();
  CTRACE_ZONE_BEGIN("never ends");
  CTRACE_ZONE_BEGIN("inner never ends");
  CTRACE_INSTANT("inside");
  return ctrace_stop();
}

/* Many zones on two levels; `scale` multiplies the work so that a baseline and
   a slower run differ measurably. */
static int make_work(const char *path, int n, int spin) {
  int i, k;
  volatile unsigned sink = 0;
  if (ctrace_start(path) != 0) return -1;
  CTRACE_THREAD_NAME("main");
  for (i = 0; i < n; ++i) {
    CTRACE_ZONE_BEGIN("outer");
    CTRACE_ZONE_BEGIN("work");
    for (k = 0; k < spin; ++k) sink += (unsigned)k;
    CTRACE_ZONE_END();
    CTRACE_ZONE_END();
    if (i % 1000 == 0) CTRACE_COUNTER("iteration", i);
  }
  (void)sink;
  return ctrace_stop();
}

/* Every kind of string a trace carries, made hostile. */
static int make_hostile(const char *path) {
  static const char *const names[] = {
      "<script>window.__pwned=1</script>",
      "\"><img src=x onerror=\"window.__pwned=2\">",
      "'onmouseover='window.__pwned=3'",
      "</svg><script>window.__pwned=4</script>",
      "]]><script>window.__pwned=5</script>",
      "</script><script>window.__pwned=6</script><!--",
      "\xff\xfe<script>window.__pwned=7</script>\xc0\xaf",
      "line\xe2\x80\xa8sep\xe2\x80\xa9para",
      "{{constructor.constructor('window.__pwned=8')()}}",
  };
  char big[10 * 1024 + 1];
  size_t i;
  void *blk;
  uint64_t task;
  for (i = 0; i < sizeof big - 1; ++i) big[i] = "<script>alert(9)</script>"[i % 25];
  big[sizeof big - 1] = '\0';
  if (ctrace_start(path) != 0) return -1;
  CTRACE_THREAD_NAME("<script>window.__pwned=10</script>");
  task = ctrace_task_begin("<b>task</b><script>window.__pwned=11</script>", "<i>file</i>.c", 1);
  for (i = 0; i < sizeof names / sizeof names[0]; ++i) {
    CTRACE_ZONE_BEGIN(names[i]);
    CTRACE_ZONE_BEGIN(big);
    CTRACE_INSTANT(names[i]);
    CTRACE_LOG(names[i], "message %s end", names[(i + 1) % (sizeof names / sizeof names[0])]);
    CTRACE_COUNTER(names[i], (int64_t)i * 100);
    blk = ctrace_malloc_at(64 + i, names[i], (int)i + 1);
    ctrace_free_at(blk, names[i], (int)i + 1);
    CTRACE_ZONE_END();
    CTRACE_ZONE_END();
  }
  CTRACE_LOG(big, "%s", big);
  CTRACE_GC_BEGIN("<script>window.__pwned=12</script>");
  blk = ctrace_malloc_at(1000, "<script>leak.c", 7); /* never freed: a leak with a hostile site */
  (void)blk;
  CTRACE_GC_END();
  ctrace_task_end(task);
  CTRACE_ZONE_BEGIN("<script>unfinished</script>");
  return ctrace_stop();
}

/* A copy of src cut to `keep` of its length with one byte flipped at `flip`
   of its length: damage the reader must survive. */
static int damage_copy(const char *src, const char *dst, double keep, double flip) {
  size_t n = 0, cut;
  unsigned char *p = ct_slurp(src, &n);
  FILE *f;
  if (!p || n < 64) { free(p); return -1; }
  cut = (size_t)((double)n * keep);
  p[(size_t)((double)n * flip)] ^= 0x5a;
  f = fopen(dst, "wb");
  if (!f) { free(p); return -1; }
  fwrite(p, 1, cut, f);
  fclose(f);
  free(p);
  return 0;
}

/* ---- whole reports -------------------------------------------------------------- */

static char *report_of(const char *trace, const char *tag, const char *baseline, size_t *n, int *rc) {
  char out[700], err[400];
  char *h;
  html_path(out, sizeof out, tag);
  *rc = report(trace, out, baseline, err, sizeof err);
  if (*rc != 0) printf("  note: %s: %s\n", tag, err);
  h = *rc == 0 ? slurp_text(out, n) : NULL;
  remove(out);
  return h;
}

/* Writes a trace with make(), reports it, checks the structure; returns the
   HTML (caller frees) or NULL after a FAIL line. */
static char *made_report(int (*make)(const char *), const char *tag, const char *what, size_t *n) {
  char t[600];
  int rc = -1;
  char *h = NULL;
  ct_tmp_path(t, sizeof t, tag);
  if (CHECK(make(t) == 0, "%s: trace written", what)) {
    h = report_of(t, tag, NULL, n, &rc);
    if (CHECK(rc == 0 && h, "%s: gives a report (rc %d)", what, rc)) check_structure(h, *n, what);
  }
  remove(t);
  return h;
}

static void test_small_reports(void) {
  size_t n = 0;
  char *h = made_report(make_empty, "rep_empty", "empty", &n);
  if (h) CHECK(strstr(h, "No zones were recorded") != NULL, "empty: says there are no zones");
  free(h);
  h = made_report(make_one_event, "rep_one", "one event", &n);
  if (h) CHECK(strstr(h, "the only event") != NULL, "one event: the instant is in the data");
  free(h);
  h = made_report(make_unfinished, "rep_unfinished", "unfinished", &n);
  if (h) {
    const char *box = strstr(h, "id=\"problems\"");
    CHECK(box && strstr(box, "unfinished zone <b>never ends</b>") && strstr(box, "unfinished zone <b>inner never ends</b>"),
          "unfinished: both open zones are listed in the trace problems box");
    CHECK(strstr(h, "never ends <span class=\"up\">(unfinished)</span>") != NULL,
          "unfinished: the zone table marks the zone");
    /* drawn to the end: the kept span carries the unfinished flag (negative zone index) */
    CHECK(strstr(h, "\"sp\":[") && strstr(strstr(h, "\"sp\":["), ",-") != NULL,
          "unfinished: spans are kept and flagged for the timeline");
  }
  free(h);
}

/* n tasks open at once (a pool of workers): every one gets a lane of its
   own up to the cap, and the ones beyond it are counted, never dropped
   silently. */
static int make_tasks(const char *path, int n) {
  uint64_t id[40];
  int i;
  if (ctrace_start(path) != 0) return -1;
  CTRACE_THREAD_NAME("main");
  CTRACE_ZONE_BEGIN("all tasks");
  for (i = 0; i < n; ++i) id[i] = CTRACE_TASK_BEGIN("pooled job");
  for (i = 0; i < n; ++i) CTRACE_TASK_END(id[i]);
  CTRACE_ZONE_END();
  return ctrace_stop();
}
static int make_tasks8(const char *path) { return make_tasks(path, 8); }
static int make_tasks20(const char *path) { return make_tasks(path, 20); }

static void test_task_lanes(void) {
  size_t n = 0;
  char *h = made_report(make_tasks8, "rep_tasks8", "8 tasks at once", &n);
  if (h) {
    CHECK(strstr(h, "\"tl\":8,\"tx\":0,") != NULL, "8 tasks at once: 8 lanes in the timeline data, none hidden");
    CHECK(count_of(h, n, "<title>task pooled job:") == 8, "8 tasks at once: all 8 drawn in the static timeline (%zu)",
          count_of(h, n, "<title>task pooled job:"));
    CHECK(strstr(h, ">tasks, ") == NULL, "8 tasks at once: nothing said to be hidden");
  }
  free(h);
  h = made_report(make_tasks20, "rep_tasks20", "20 tasks at once", &n);
  if (h) {
    CHECK(strstr(h, "\"tl\":12,\"tx\":8,") != NULL, "20 tasks at once: 12 lanes, 8 tasks counted as hidden");
    CHECK(count_of(h, n, "<title>task pooled job:") == 12, "20 tasks at once: 12 drawn (%zu)",
          count_of(h, n, "<title>task pooled job:"));
    CHECK(strstr(h, ">tasks, 8 hidden<") != NULL, "20 tasks at once: the static timeline says 8 are hidden");
  }
  free(h);
}

/* A callee far too thin to draw at full width: "big" takes about 99% of
   the time, "small" 1%, and "tiny callee" inside it 1% of that (0.01%, a
   tenth of a pixel). Zooming into "small" must show it. */
static void spin_ns(long ns) {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  do {
    clock_gettime(CLOCK_MONOTONIC, &b);
  } while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < ns);
}

static int make_thin_callee(const char *path) {
  if (ctrace_start(path) != 0) return -1;
  CTRACE_THREAD_NAME("main");
  CTRACE_ZONE_BEGIN("big");
  spin_ns(60000000L);
  CTRACE_ZONE_END();
  CTRACE_ZONE_BEGIN("small");
  spin_ns(300000L);
  CTRACE_ZONE_BEGIN("tiny callee");
  spin_ns(6000L);
  CTRACE_ZONE_END();
  spin_ns(300000L);
  CTRACE_ZONE_END();
  return ctrace_stop();
}

/* More flame nodes than the page keeps, most of them alike: 150 callers
   with the same 160 tiny callees each (24,000 leaves, 310 names). Each leaf
   spins 2 us, so it stays above the flame data's floor (a millionth of the
   root) even when a loaded machine stretches the root by a second. */
static int make_many_leaves(const char *path) {
  char name[32];
  int i, j;
  if (ctrace_start(path) != 0) return -1;
  CTRACE_THREAD_NAME("main");
  CTRACE_ZONE_BEGIN("outer");
  for (i = 0; i < 150; ++i) {
    snprintf(name, sizeof name, "caller %d", i);
    CTRACE_ZONE_BEGIN(name);
    for (j = 0; j < 160; ++j) {
      snprintf(name, sizeof name, "leaf %d", j);
      CTRACE_ZONE_BEGIN(name);
      spin_ns(2000L);
      CTRACE_ZONE_END();
    }
    CTRACE_ZONE_END();
  }
  CTRACE_ZONE_END();
  return ctrace_stop();
}

/* The "ft" entries (6 numbers each: index, parent, total, self, calls,
   name); *whole is 0 if a parent is missing or comes after its child. */
static long flame_entries(const char *h, int *whole) {
  const char *p = strstr(h, "\"ft\":["), *end;
  static unsigned char seen[1u << 20];
  long count = 0;
  memset(seen, 0, sizeof seen);
  seen[0] = 1; /* the root */
  *whole = 1;
  if (!p || !(end = strchr(p, ']'))) return -1;
  p += 6;
  while (p < end) {
    unsigned long v[6];
    int k;
    for (k = 0; k < 6 && p < end; ++k) {
      char *q;
      v[k] = strtoul(p, &q, 10);
      if (q == p) return -1;
      p = *q == ',' ? q + 1 : q;
    }
    if (k < 6 || v[0] >= sizeof seen || v[1] >= sizeof seen) return -1;
    if (!seen[v[1]]) *whole = 0;
    seen[v[0]] = 1;
    ++count;
  }
  return count;
}

static void test_flame_data(void) {
  size_t n = 0;
  char *h = made_report(make_thin_callee, "rep_thin", "thin callee", &n);
  if (h) {
    const char *ft = strstr(h, "\"ft\":["), *fm = strstr(h, "\"fm\":[");
    CHECK(strstr(h, "<title>tiny callee:") == NULL, "thin callee: too thin to draw at full width");
    CHECK(ft && fm && strstr(fm, "\"tiny callee\"") != NULL,
          "thin callee: in the flame tree the script zooms with");
    CHECK(strstr(h, "\"fg\":[30,") != NULL, "thin callee: the chart's rows are in the data");
  }
  free(h);
  h = made_report(make_many_leaves, "rep_leaves", "24,000 alike callees", &n);
  if (h) {
    int whole = 0;
    long got = flame_entries(h, &whole);
    CHECK(got == 20000, "24,000 alike callees: the flame data keeps the 20,000 largest nodes (%ld)", got);
    CHECK(whole, "24,000 alike callees: every node kept comes after its parent");
    CHECK(strstr(h, "\"outer\"") != NULL, "24,000 alike callees: their caller is kept");
  }
  free(h);
}

static void test_damaged(void) {
  char t[600], d[640];
  size_t n = 0;
  int rc;
  char *h;
  ct_tmp_path(t, sizeof t, "rep_dmg_src");
  snprintf(d, sizeof d, "%.600s.cut", t);
  if (!CHECK(make_work(t, 60000, 1) == 0, "trace to damage written")) return;
  if (!CHECK(damage_copy(t, d, 0.7, 0.4) == 0, "damaged copy made")) return;
  h = report_of(d, "rep_damaged", NULL, &n, &rc);
  if (CHECK(rc == 0 && h, "damaged trace still gives a report (rc %d)", rc)) {
    check_structure(h, n, "damaged");
    CHECK(strstr(h, "id=\"damage\"") && strstr(h, "data was lost or damaged"),
          "damaged: a visible warning says data was lost");
    CHECK(strstr(h, "outer") != NULL, "damaged: what was recovered is shown");
  }
  free(h);
  remove(t);
  remove(d);
}

static void test_hostile(void) {
  char t[600];
  size_t n = 0;
  int rc;
  char *h;
  ct_tmp_path(t, sizeof t, "rep_hostile");
  if (!CHECK(make_hostile(t) == 0, "hostile trace written")) return;
  h = report_of(t, "rep_hostile", NULL, &n, &rc);
  if (CHECK(rc == 0 && h, "hostile trace gives a report (rc %d)", rc)) {
    check_structure(h, n, "hostile");
    CHECK(!strstr(h, "window.__pwned=1</script>") && strstr(h, "&lt;script&gt;window.__pwned=1&lt;/script&gt;"),
          "hostile: zone name appears only escaped");
    CHECK(count_ci(h, n, "<img") == 0, "hostile: no <img from the trace");
    CHECK(count_ci(h, n, "onerror=") == count_of(h, n, "onerror=") && count_of(h, n, "onerror=") > 0 &&
              unescaped_onerror(h, n) == 0 && count_of(h, n, "onerror=\"") == 0,
          "hostile: attribute injection stays inside escaped text (%lu of %lu outside)",
          (unsigned long)unescaped_onerror(h, n), (unsigned long)count_of(h, n, "onerror="));
    CHECK(count_of(h, n, "]]><") == 0, "hostile: ]]> is escaped");
    CHECK(count_ci(h, n, "<!--") == 0, "hostile: no comment opener from the trace");
    {
      const char *isl = strstr(h, "id=\"ct-data\">"), *end = isl ? strstr(isl, "</script>") : NULL;
      int raw = 0;
      for (; isl && end && isl + 3 <= end; ++isl)
        if (memcmp(isl, "\xe2\x80\xa8", 3) == 0 || memcmp(isl, "\xe2\x80\xa9", 3) == 0) raw = 1;
      CHECK(end && !raw && strstr(h, "\\u2028"), "hostile: U+2028/9 escaped inside the data island");
    }
    CHECK(n < 2u * 1024u * 1024u, "hostile: 10 KB names are cut (report %zu bytes)", n);
    CHECK(strstr(h, "&lt;script&gt;leak.c:7") != NULL, "hostile: the leaking site is listed, escaped");
  }
  free(h);
  remove(t);
}

/* The worst a trace can do to the page's size: as many distinct names as the
   analysis keeps, each long and made only of characters that need escaping,
   in zones, logs, counters, instants, tasks and allocation sites. */
static int make_worst_names(const char *path) {
  char name[2100];
  int i;
  void *p;
  uint64_t task;
  if (ctrace_start(path) != 0) return -1;
  memset(name, '<', sizeof name - 1);
  name[sizeof name - 1] = '\0';
  for (i = 0; i < 18000; ++i) {
    snprintf(name, 12, "%010d", i);
    name[10] = '<';
    CTRACE_ZONE_BEGIN(name);
    CTRACE_INSTANT(name);
    CTRACE_LOG(name, "%s", name);
    if (i % 4 == 0) CTRACE_COUNTER(name, i);
    task = ctrace_task_begin(name, name, i);
    p = ctrace_malloc_at(16, name, i);
    ctrace_free_at(p, name, i);
    ctrace_task_end(task);
    if (i % 2 == 0) { CTRACE_GC_BEGIN(name); CTRACE_GC_END(); }
    CTRACE_ZONE_END();
  }
  return ctrace_stop();
}

static void test_worst_size(void) {
  size_t n = 0;
  char *h = made_report(make_worst_names, "rep_worst", "worst-case names", &n);
  if (h) {
    CHECK(n < 10u * 1000u * 1000u, "worst-case names: the report stays under 10 MB (%zu bytes)", n);
    CHECK(count_ci(h, n, "<script") == 2, "worst-case names: still exactly two script elements");
  }
  free(h);
}

static void test_level_of_detail(void) {
  char t[600], out[700], err[400];
  ctrace_report_config cfg;
  size_t n = 0, spans = 0;
  char *h, *p;
  unsigned row, depth, cnt;
  ct_tmp_path(t, sizeof t, "rep_lod");
  if (!CHECK(make_work(t, 20000, 0) == 0, "LOD trace written (40000 spans)")) return;
  html_path(out, sizeof out, "rep_lod");
  memset(&cfg, 0, sizeof cfg);
  cfg.max_spans = 1000;
  cfg.error = err;
  cfg.error_size = sizeof err;
  CHECK(ctrace_report_html(t, out, &cfg) == 0, "LOD report written");
  h = slurp_text(out, &n);
  if (CHECK(h != NULL, "LOD report read")) {
    p = strstr(h, "\"ln\":[");
    if (p) {
      p += 6;
      while (sscanf(p, "[%u,%u,%u]", &row, &depth, &cnt) == 3) {
        spans += cnt;
        p = strchr(p, ']') + 1;
        if (*p == ',') ++p;
      }
    }
    CHECK(spans == 1000, "LOD: exactly max_spans spans kept (%zu)", spans);
    CHECK(strstr(h, "longest of 40,000 zone spans") != NULL, "LOD: the report says how many were folded");
    CHECK(strstr(h, "data-v=\"20000\"") != NULL, "LOD: the zone table still counts every span");
  }
  free(h);
  remove(out);
  remove(t);
}

static void test_baseline(void) {
  char a[600], b[600];
  size_t n = 0;
  int rc;
  char *h;
  ctrace_analysis *aa = NULL, *bb = NULL;
  const ctrace_zone_stats *za, *zb;
  char want[96];
  ct_tmp_path(a, sizeof a, "rep_base_a");
  ct_tmp_path(b, sizeof b, "rep_base_b");
  if (!CHECK(make_work(a, 2000, 2000) == 0 && make_work(b, 1000, 200) == 0, "two runs written")) return;
  h = report_of(a, "rep_baseline", b, &n, &rc);
  ctrace_analyze(a, NULL, &aa, NULL, 0);
  ctrace_analyze(b, NULL, &bb, NULL, 0);
  if (CHECK(rc == 0 && h && aa && bb, "baseline report written (rc %d)", rc)) {
    check_structure(h, n, "baseline");
    CHECK(strstr(h, "Delta total") && strstr(h, "Total before"), "baseline: before/after/delta columns");
    za = ctrace_analysis_find_zone(aa, "work", NULL, 0);
    zb = ctrace_analysis_find_zone(bb, "work", NULL, 0);
    if (CHECK(za && zb, "both runs have the zone \"work\"")) {
      snprintf(want, sizeof want, "data-v=\"%lld\">+", (long long)(za->total_ns - zb->total_ns));
      CHECK(strstr(h, want) != NULL, "baseline: delta of total = after - before (%s)", want);
      snprintf(want, sizeof want, "data-v=\"%llu\">", (unsigned long long)zb->count);
      CHECK(strstr(h, want) != NULL, "baseline: the baseline's count is shown");
    }
    CHECK(strstr(h, "red = slower than the baseline") != NULL, "baseline: flame graph coloured by change");
    /* neither run allocated: no heap chart to compare (the page fits the program) */
    CHECK(strstr(h, "baseline heap") == NULL && strstr(h, "class=\"heap-chart\"") == NULL &&
              strstr(h, "id=\"memory\"") == NULL,
          "baseline: runs with no memory events get no heap chart and no memory section");
  }
  free(h);
  ctrace_analysis_free(aa);
  ctrace_analysis_free(bb);
  remove(a);
  remove(b);
}

static const char *self_path; /* argv[0], to run the --report mode */

/* "-" writes the report to stdout: run this program's --report mode into a
   file through the shell. */
static void test_stdout(void) {
  char t[600], out[700], cmd[2200];
  size_t n = 0;
  char *h;
  ct_tmp_path(t, sizeof t, "rep_stdout");
  html_path(out, sizeof out, "rep_stdout");
  if (!CHECK(make_one_event(t) == 0, "stdout: trace written")) return;
  snprintf(cmd, sizeof cmd, "'%s' --report '%s' - > '%s'", self_path, t, out);
  CHECK(system(cmd) == 0, "stdout: \"-\" as the output path succeeds");
  h = slurp_text(out, &n);
  CHECK(h && n > 1000 && strcmp(h + n - 8, "</html>\n") == 0, "stdout: the whole report came out on stdout");
  free(h);
  remove(out);
  remove(t);
}

static int progress_calls, progress_monotonic = 1;
static double progress_last = -1;
static void on_progress(void *user, double done, const char *stage) {
  (void)user;
  (void)stage;
  if (done < progress_last) progress_monotonic = 0;
  progress_last = done;
  ++progress_calls;
}

static void test_errors_and_progress(void) {
  char t[600], out[700], err[400];
  ctrace_report_config cfg;
  int rc;
  rc = report("build/tmp/does/not/exist.ctrace", "build/tmp/x.html", NULL, err, sizeof err);
  CHECK(rc < 0 && strstr(err, "does/not/exist.ctrace"), "missing trace: error naming the file (%d: %s)", rc, err);
  ct_tmp_path(t, sizeof t, "rep_err");
  if (!CHECK(make_one_event(t) == 0, "trace for error tests")) return;
  rc = report(t, "build/tmp/no/such/dir/out.html", NULL, err, sizeof err);
  CHECK(rc == CTRACE_E_OPEN && strstr(err, "no/such/dir/out.html"), "unwritable output: error naming it (%d: %s)", rc, err);
  rc = report(t, "build/tmp/x.html", "build/tmp/no_baseline.ctrace", err, sizeof err);
  CHECK(rc < 0 && strstr(err, "no_baseline"), "missing baseline: error naming it (%d)", rc);
  CHECK(ctrace_report_html(NULL, "x", NULL) == CTRACE_E_INVALID, "NULL trace path: CTRACE_E_INVALID");
  if (access("/dev/full", W_OK) == 0) {
    rc = report(t, "/dev/full", NULL, err, sizeof err);
    CHECK(rc == CTRACE_E_WRITE && strstr(err, "/dev/full"), "full disk: CTRACE_E_WRITE naming the output (%d)", rc);
    CHECK(access("/dev/full", F_OK) == 0, "full disk: a path that existed before is not removed");
  }
  html_path(out, sizeof out, "rep_progress");
  memset(&cfg, 0, sizeof cfg);
  cfg.progress = on_progress;
  CHECK(ctrace_report_html(t, out, &cfg) == 0, "report with progress callback");
  CHECK(progress_calls >= 2 && progress_last == 1.0 && progress_monotonic,
        "progress: %d calls, monotonic, ends at 1.0", progress_calls);
  remove(out);
  remove(t);
}

int main(int argc, char **argv) {
  self_path = argv[0];
  if (argc == 3 && strcmp(argv[1], "--hostile-trace") == 0) return make_hostile(argv[2]) != 0;
  if (argc == 3 && strcmp(argv[1], "--thin-callee-trace") == 0) return make_thin_callee(argv[2]) != 0;
  if ((argc == 4 || argc == 5) && strcmp(argv[1], "--report") == 0) {
    char err[400];
    int rc = report(argv[2], argv[3], argc == 5 ? argv[4] : NULL, err, sizeof err);
    if (rc) fprintf(stderr, "test_report: %s\n", err);
    return rc != 0;
  }
  test_escaping();
  test_canvas_and_svg();
  test_small_reports();
  test_task_lanes();
  test_flame_data();
  test_damaged();
  test_hostile();
  test_level_of_detail();
  test_worst_size();
  test_baseline();
  test_errors_and_progress();
  if (!strchr(argv[0], '\'') && strchr(argv[0], '/')) test_stdout();
  return harness_done();
}
