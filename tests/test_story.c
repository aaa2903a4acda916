/* tests/test_story.c - the report's "What this run shows" panel, sentence by
   sentence, on hand-made event sequences whose figures are known; then the
   report's consistency fixes on a real trace: one unit style, Go's figures
   raw and readable, size bins as ranges, every peak marked (in the chart the
   PNG draws too), the tracer's thread apart, the temporary rule stated, the
   flame graph's counts explained, collection lengths named one way, and
   identical site tables folded. */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "../ctrace.h"
#include "harness.h"
#include "core_support.h"

#include <time.h>

#define MS 1000000LL

static ctrace_analysis *A;

static void put(int kind, uint32_t th, int64_t t, const char *name, uint64_t ptr, uint64_t size) {
  ctrace_event e;
  memset(&e, 0, sizeof e);
  e.kind = kind;
  e.thread = th;
  e.time_ns = t;
  e.name = name ? name : "";
  e.message = "";
  e.file = kind == CTRACE_EV_ALLOC || kind == CTRACE_EV_ZONE_BEGIN ? "x.c" : "";
  e.line = 7;
  e.ptr = ptr;
  e.size = size;
  e.value = (int64_t)size;
  ctrace_analysis_add(A, &e);
}
static void al(int64_t t, uint64_t ptr, uint64_t size) { put(CTRACE_EV_ALLOC, 1, t, NULL, ptr, size); }
static void fr(uint32_t th, int64_t t, uint64_t ptr) { put(CTRACE_EV_FREE, th, t, NULL, ptr, 0); }

static void begin(void) {
  A = NULL;
  ctrace_analysis_begin(NULL, &A);
}
static void end(int64_t duration) {
  ctrace_trace_info info;
  memset(&info, 0, sizeof info);
  info.duration_ns = duration;
  ctrace_analysis_end(A, &info);
}

/* The sentence of that kind, or "" when the panel has none. */
static ctrace__story S[CTRACE__STORY_MAX];
static uint32_t NS;
static const char *sentence(int kind) {
  uint32_t i;
  for (i = 0; i < NS; ++i)
    if (S[i].kind == kind) return S[i].text;
  return "";
}
static void story(void) { NS = ctrace__story_make(A, S); }

static int has(const char *s, const char *part) { return strstr(s, part) != NULL; }

/* ---- the heap's shape ---- */

static void test_shapes(void) {
  int c, i;
  const char *s;
  /* Four cycles of 20 small allocations, each freed at once by a collection. */
  begin();
  for (c = 0; c < 4; ++c) {
    int64_t t0 = c * 100 * MS;
    for (i = 0; i < 20; ++i) al(t0 + i * MS, (uint64_t)(0x1000 + c * 64 + i) * 16, 100);
    put(CTRACE_EV_GC_BEGIN, 2, t0 + 50 * MS, "goal", 0, 0);
    for (i = 0; i < 20; ++i) fr(2, t0 + 51 * MS, (uint64_t)(0x1000 + c * 64 + i) * 16);
    put(CTRACE_EV_GC_END, 2, t0 + 52 * MS, NULL, 0, 0);
  }
  end(400 * MS);
  story();
  s = sentence(CTRACE__ST_SHAPE);
  CHECK(has(s, "is a sawtooth") && has(s, "through 20 allocations") && has(s, "4 times (4 of those falls during"),
        "shape: sawtooth (%s)", s);
  CHECK(has(s, "until a collection frees it at once"), "shape: the falls came with collections, so it says so");
  ctrace_analysis_free(A);

  /* The same shape from plain frees, no collection: no collector explanation. */
  begin();
  for (c = 0; c < 4; ++c) {
    int64_t t0 = c * 100 * MS;
    for (i = 0; i < 20; ++i) al(t0 + i * MS, (uint64_t)(0x1000 + c * 64 + i) * 16, 100);
    for (i = 0; i < 20; ++i) fr(1, t0 + 51 * MS, (uint64_t)(0x1000 + c * 64 + i) * 16);
  }
  end(400 * MS);
  story();
  s = sentence(CTRACE__ST_SHAPE);
  CHECK(has(s, "is a sawtooth") && has(s, "(0 of those falls during a collection)") && !has(s, "until a collection"),
        "shape: a sawtooth without collections is not explained by one (%s)", s);
  ctrace_analysis_free(A);

  /* Big blocks, each a large share of the heap: steps. */
  begin();
  al(1 * MS, 0x100, 50000000);
  al(2 * MS, 0x200, 50000000);
  put(CTRACE_EV_GC_BEGIN, 2, 3 * MS, "goal", 0, 0);
  fr(2, 4 * MS, 0x100);
  put(CTRACE_EV_GC_END, 2, 5 * MS, NULL, 0, 0);
  end(10 * MS);
  story();
  s = sentence(CTRACE__ST_SHAPE);
  CHECK(has(s, "moves in large steps") && has(s, "its 2 allocations average 50 MB") && !has(s, "sawtooth") &&
            has(s, "fell 1 time, 1 of them during a collection"),
        "shape: steps, and the word sawtooth is not used (%s)", s);
  ctrace_analysis_free(A);

  /* Most of the heap at once, then small churn that never falls by a quarter. */
  begin();
  al(1 * MS, 0x100, 1000);
  for (i = 0; i < 50; ++i) {
    al((10 + 2 * i) * MS, 0x200, 10);
    fr(1, (11 + 2 * i) * MS, 0x200);
  }
  end(200 * MS);
  story();
  s = sentence(CTRACE__ST_SHAPE);
  CHECK(has(s, "is flat") && has(s, "first 20 %"), "shape: flat (%s)", s);
  ctrace_analysis_free(A);

  /* A block every 10 ms, none freed. */
  begin();
  for (i = 0; i < 10; ++i) al((1 + 10 * i) * MS, (uint64_t)(0x100 + 16 * i), 100);
  end(100 * MS);
  story();
  s = sentence(CTRACE__ST_SHAPE);
  CHECK(has(s, "grows steadily") && has(s, "ends at 1 kB, 100 % of its peak"), "shape: steady growth (%s)", s);
  ctrace_analysis_free(A);
}

/* ---- the peak ---- */

static void test_peak(void) {
  const char *s;
  uint32_t n = 0;
  const int64_t *pk;
  begin();
  al(1 * MS, 0x100, 200);
  al(2 * MS, 0x200, 100); /* 300: the peak */
  fr(1, 3 * MS, 0x200);
  al(4 * MS, 0x300, 100); /* 300 again */
  fr(1, 5 * MS, 0x300);
  al(6 * MS, 0x400, 50);
  al(7 * MS, 0x500, 50); /* 300 a third time */
  end(10 * MS);
  story();
  s = sentence(CTRACE__ST_PEAK);
  CHECK(has(s, "peaked at 300 B (300 bytes), first at 2 ms") && has(s, "that peak (within 0.5 %) 3 times"),
        "peak: first of 3 (%s)", s);
  pk = ctrace_analysis_peaks(A, &n);
  CHECK(n == 3 && pk && pk[0] == 2 * MS && pk[1] == 4 * MS && pk[2] == 7 * MS, "peak: the three times kept");
  {
    /* The heap chart (the report's SVG and the PNG draw the same canvas)
       marks each and says "first of 3". */
    ctrace__canvas c;
    uint32_t i, marks = 0, first = 0;
    ctrace__canvas_init(&c, 800, 400, 0xffffffffu);
    ctrace__chart_heap(&c, A, 800, 400);
    for (i = 0; i < c.n_shapes; ++i) {
      const char *t = c.shapes[i].title != CTRACE__NO_TEXT ? c.text + c.shapes[i].title : "";
      if (strncmp(t, "peak 300 B", 10) == 0) marks++;
      if (c.shapes[i].kind == CTRACE__SH_TEXT && has(c.text + c.shapes[i].text, "(first of 3, all marked)")) first++;
    }
    CHECK(marks == 3 && first == 1, "peak: the heap chart marks all 3 and labels the first (%u, %u)", marks, first);
    ctrace__canvas_free(&c);
  }
  ctrace_analysis_free(A);
  begin();
  al(1 * MS, 0x100, 200);
  end(10 * MS);
  story();
  CHECK(has(sentence(CTRACE__ST_PEAK), "at 1 ms, once"), "peak: reached once (%s)", sentence(CTRACE__ST_PEAK));
  ctrace_analysis_free(A);
}

/* ---- collections and the time they held the program up ---- */

static void test_collections(void) {
  const char *s;
  begin();
  put(CTRACE_EV_ZONE_BEGIN, 1, 0, "work", 0, 0);
  put(CTRACE_EV_COUNTER, 1, 0, "heap goal", 0, 1000);
  al(1 * MS, 0x100, 1500);
  put(CTRACE_EV_GC_BEGIN, 2, 2 * MS, "goal", 0, 0); /* frees nothing */
  put(CTRACE_EV_WAIT_BEGIN, 1, 2 * MS, "GC", 0, 0);
  put(CTRACE_EV_GC_END, 2, 3 * MS, NULL, 0, 0);
  put(CTRACE_EV_WAIT_END, 1, 3 * MS, NULL, 0, 0);
  al(4 * MS, 0x200, 500);
  put(CTRACE_EV_GC_BEGIN, 2, 5 * MS, "goal", 0, 0);
  fr(2, 5 * MS + 1, 0x100);
  put(CTRACE_EV_GC_END, 2, 6 * MS, NULL, 0, 0);
  put(CTRACE_EV_GC_BEGIN, 2, 8 * MS, "asked", 0, 0);
  fr(2, 8 * MS + 1, 0x200);
  put(CTRACE_EV_GC_END, 2, 9 * MS, NULL, 0, 0);
  put(CTRACE_EV_ZONE_END, 1, 20 * MS, NULL, 0, 0);
  end(20 * MS);
  story();
  s = sentence(CTRACE__ST_GC);
  CHECK(has(s, "3 collections ran, 3 ms in all") && has(s, "2 \"goal\", 1 \"asked\"") &&
            has(s, "2 of the 3 that began after a heap goal was recorded began with the heap at or above") &&
            has(s, "1 freed nothing; the first, collection 1, began with the heap at 1.5 kB against a goal of 1 kB"),
        "collections: count, reasons, goal, the one that freed nothing (%s)", s);
  s = sentence(CTRACE__ST_HELD);
  CHECK(has(s, "1 thread was held up by collections for 1 ms in all (the part of its 1 ms of waits that overlapped "
              "a collection") && has(s, "against the 3 ms") &&
            has(s, "worst 10 ms window the program ran 90 %"),
        "held: held time against the collections' length, and the MMU (%s)", s);
  ctrace_analysis_free(A);
  begin();
  put(CTRACE_EV_ZONE_BEGIN, 1, 0, "work", 0, 0);
  put(CTRACE_EV_GC_BEGIN, 2, 2 * MS, "goal", 0, 0);
  put(CTRACE_EV_GC_END, 2, 3 * MS, NULL, 0, 0);
  put(CTRACE_EV_ZONE_END, 1, 5 * MS, NULL, 0, 0);
  end(5 * MS);
  story();
  s = sentence(CTRACE__ST_HELD);
  CHECK(has(s, "lasted 1 ms in all") && has(s, "is not known"), "held: no waits, so not known (%s)", s);
  CHECK(!has(sentence(CTRACE__ST_GC), "goal was recorded") && !has(sentence(CTRACE__ST_GC), "freed nothing; the"),
        "collections: no goal sentence without a goal counter; freed-nothing only with a heap");
  ctrace_analysis_free(A);
}

/* ---- the hottest zone, leaks, temporaries ---- */

static void test_zone_leaks_temps(void) {
  const char *s;
  begin();
  put(CTRACE_EV_ZONE_BEGIN, 1, 0, "cold", 0, 0);
  put(CTRACE_EV_ZONE_END, 1, 2 * MS, NULL, 0, 0);
  put(CTRACE_EV_ZONE_BEGIN, 1, 2 * MS, "hot", 0, 0);
  al(3 * MS, 0x100, 8);
  fr(1, 3 * MS + MS / 2, 0x100); /* half a ms: temporary */
  al(4 * MS, 0x200, 8);
  al(5 * MS, 0x300, 100); /* never freed */
  put(CTRACE_EV_ZONE_END, 1, 8 * MS, NULL, 0, 0);
  fr(1, 87 * MS, 0x200); /* 83 ms, nothing allocated since: not temporary */
  end(100 * MS);
  story();
  s = sentence(CTRACE__ST_HOT);
  CHECK(has(s, "\"hot\" at x.c:7: 6 ms of the 8 ms") && has(s, "(75 %), over 1 call."), "hottest zone (%s)", s);
  s = sentence(CTRACE__ST_LEAKS);
  CHECK(has(s, "1 block (100 B) was never freed, from 1 site; the most, 100 B, at x.c:7"), "leaks (%s)", s);
  s = sentence(CTRACE__ST_TEMPS);
  CHECK(has(s, "1 of the 3 allocations (8 B) was temporary: freed before its thread allocated again"),
        "temporaries: heaptrack's rule; the block freed after its thread allocated again is not one (%s)", s);
  ctrace_analysis_free(A);
  begin();
  al(1 * MS, 0x100, 8);
  al(2 * MS, 0x200, 8);
  fr(1, 5 * MS, 0x100);
  fr(1, 5 * MS, 0x200); /* its thread allocated nothing after it: temporary */
  end(10 * MS);
  story();
  CHECK(has(sentence(CTRACE__ST_LEAKS), "Every one of the 2 allocations was freed: no leaks") &&
            has(sentence(CTRACE__ST_TEMPS), "1 of the 2 allocations (8 B) was temporary") &&
            !*sentence(CTRACE__ST_HOT) && !*sentence(CTRACE__ST_GC),
        "no leaks, no temporaries; no zone or collection sentence without zones or collections");
  ctrace_analysis_free(A);
}

/* ---- the report's consistency, on a real trace ---- */

static void leaf(void) { CTRACE_ZONE("leaf"); }

static char *report_of(const char *trace, const char *tag) {
  char html[512];
  size_t n;
  unsigned char *p;
  char *s;
  ct_tmp_path(html, sizeof html, tag);
  strcat(html, ".html");
  if (ctrace_report_html(trace, html, NULL) != 0) return NULL;
  p = ct_slurp(html, &n);
  remove(html);
  if (!p) return NULL;
  s = (char *)realloc(p, n + 1);
  if (!s) { free(p); return NULL; }
  s[n] = 0;
  return s;
}

static void test_report_consistency(void) {
  char path[512];
  ctrace_config cfg;
  char *h, *p;
  int digit_us = 0;
  memset(&cfg, 0, sizeof cfg);
  cfg.rss_sample_ms = 1; /* so the writer thread records events */
  ct_tmp_path(path, sizeof path, "story");
  if (!CHECK_EQ_INT(ctrace_start_with(path, &cfg), 0, "trace starts")) return;
  CTRACE_THREAD_NAME("main");
  {
    CTRACE_ZONE("a");
    leaf();
  }
  {
    CTRACE_ZONE("b");
    leaf();
  }
  CTRACE_ALLOC((void *)0x1000, 1500000); /* raw events: a big block, no memory */
  CTRACE_FREE((void *)0x1000);
  CTRACE_GC_BEGIN("test");
  CTRACE_GC_END();
  {
    /* Until the writer has sampled RSS (an event of its thread): a loaded
       machine may take a while. */
    struct timespec d = {0, 5 * 1000000L};
    ctrace_session_stats st;
    int k;
    for (k = 0; k < 400; ++k) {
      ctrace_session_stats_get(&st);
      if (st.threads >= 2) break;
      nanosleep(&d, NULL);
    }
  }
  ctrace_stop();
  h = report_of(path, "story");
  if (!CHECK(h != NULL, "report written")) return;
  for (p = h; (p = strstr(p, " us")) != NULL; ++p)
    if (p > h && p[-1] >= '0' && p[-1] <= '9' && !(p[3] >= 'a' && p[3] <= 'z')) digit_us++;
  CHECK(digit_us == 0, "units: no \"us\" after a number, the page says µs (%d found)", digit_us);
  CHECK(has(h, "1,500,000 B (1.5 MB)"), "TotalAlloc raw and readable side by side");
  CHECK(has(h, "1.05 MB-2.1 MB"), "size histogram bins labelled as ranges");
  if (!has(h, "1 of the program, + ctrace writer")) {
    const char *q = strstr(h, "<dt>threads</dt>");
    printf("  note: %.200s\n", q ? q : "(no threads row)");
  }
  CHECK(has(h, "1 of the program, + ctrace writer (ctrace's own)"),
        "the tracer's thread is named as such and not counted as the program's");
  CHECK(has(h, "<b>died young</b> when the first collection that began after it was made freed it"),
        "the short-lived rule under a collector is stated");
  CHECK(has(h, "A box counts the calls made on its stack only"), "the flame graph note explains its counts");
  CHECK(has(h, "longest collection") && !has(h, "longest pause") && has(h, "a little shorter"),
        "collection lengths named one way, the zone difference explained");
  CHECK(has(h, "by bytes and by count: the same order") && !has(h, "id=\"sites-count\""),
        "one site: the identical by-bytes and by-count tables are one");
  CHECK(has(h, "id=\"story\"") && has(h, "What this run shows"), "the panel opens the report");
  {
    ctrace_analysis *a = NULL;
    const ctrace_zone_stats *z;
    ctrace_analyze(path, NULL, &a, NULL, 0);
    z = a ? ctrace_analysis_find_zone(a, "leaf", NULL, 0) : NULL;
    CHECK(z && z->count == 2, "the zone table counts leaf twice (two stacks in the flame graph)");
    ctrace_analysis_free(a);
  }
  free(h);
  remove(path);
}

static void test_units(void) {
  ctrace__sink o;
  memset(&o, 0, sizeof o);
  ctrace__sink_html_units(&o, "1.5 us, status, 3 used, 20 us");
  ctrace__sink_bytes(&o, "", 1);
  CHECK(o.buf && strcmp(o.buf, "1.5 \xc2\xb5s, status, 3 used, 20 \xc2\xb5s") == 0,
        "units: \"us\" after a number becomes µs (%s)", o.buf ? o.buf : "");
  free(o.buf);
}

int main(void) {
  test_shapes();
  test_peak();
  test_collections();
  test_zone_leaks_temps();
  test_report_consistency();
  test_units();
  return harness_done();
}
