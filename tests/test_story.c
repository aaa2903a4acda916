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
  CHECK(has(s, "is a sawtooth") && has(s, "through 20 allocations") && has(s, "4 times, 4 of them during a collection"),
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
  CHECK(has(s, "is a sawtooth") && has(s, "4 times: the program freed its memory in bursts") && !has(s, "collection"),
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
  {
    ctrace__canvas c;
    uint32_t i, shown = 0;
    ctrace__canvas_init(&c, 900, 260, 0xffffffffu);
    ctrace__chart_mmu(&c, A, 900, 260);
    for (i = 0; i < c.n_shapes; ++i)
      shown += c.shapes[i].kind == CTRACE__SH_TEXT && strcmp(c.text + c.shapes[i].text, "10 ms: 90 %") == 0;
    CHECK(shown == 1, "held: the MMU chart marks the window the sentence quotes, with its figure");
    ctrace__canvas_free(&c);
  }
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


/* ---- every figure the page states comes from what its charts draw ---- */

static void gc_at(int64_t t, int64_t len, const char *why) {
  put(CTRACE_EV_GC_BEGIN, 2, t, why, 0, 0);
  put(CTRACE_EV_GC_END, 2, t + len, NULL, 0, 0);
}

/* Shapes of one colour (fill), optionally with a tooltip starting with title. */
static uint32_t shapes_of(const ctrace__canvas *c, uint32_t fill, const char *title) {
  uint32_t i, n = 0;
  for (i = 0; i < c->n_shapes; ++i) {
    const char *t = c->shapes[i].title != CTRACE__NO_TEXT ? c->text + c->shapes[i].title : "";
    if (c->shapes[i].kind == CTRACE__SH_RECT && c->shapes[i].fill == fill &&
        (!title || strncmp(t, title, strlen(title)) == 0))
      n++;
  }
  return n;
}

/* The old gc_demo's heap: a fall, then another collection's drop with no
   allocation between. Both are drawn; both are counted. */
static void test_falls_as_drawn(void) {
  const char *s;
  uint32_t n = 0, i, drops = 0;
  const ctrace_gc_span *sp;
  begin();
  al(1 * MS, 0x100, 50);
  al(4 * MS, 0x200, 50);
  put(CTRACE_EV_GC_BEGIN, 2, 5 * MS, "goal", 0, 0);
  fr(2, 5 * MS + 1, 0x100); /* 100 -> 50 */
  put(CTRACE_EV_GC_END, 2, 6 * MS, NULL, 0, 0);
  al(7 * MS, 0x300, 100);
  put(CTRACE_EV_GC_BEGIN, 2, 8 * MS, "goal", 0, 0);
  fr(2, 8 * MS + 1, 0x200); /* 150 -> 100 */
  put(CTRACE_EV_GC_END, 2, 9 * MS, NULL, 0, 0);
  al(10 * MS, 0x400, 100);
  put(CTRACE_EV_GC_BEGIN, 2, 11 * MS, "goal", 0, 0);
  fr(2, 11 * MS + 1, 0x300); /* 200 -> 100 */
  put(CTRACE_EV_GC_END, 2, 12 * MS, NULL, 0, 0);
  put(CTRACE_EV_GC_BEGIN, 2, 20 * MS, "asked", 0, 0);
  fr(2, 20 * MS + 1, 0x400); /* 100 -> 0, no allocation since the last fall */
  put(CTRACE_EV_GC_END, 2, 21 * MS, NULL, 0, 0);
  end(30 * MS);
  story();
  sp = ctrace_analysis_gc_spans(A, &n);
  for (i = 0; i < n; ++i) drops += 4 * sp[i].heap_after <= 3 * sp[i].heap_before; /* a quarter or more */
  s = sentence(CTRACE__ST_SHAPE);
  CHECK(drops == 4 && ctrace_analysis_memory(A)->heap_falls == drops && has(s, "fell 4 times, 4 of them during"),
        "falls: each collection's drop is a fall, as the chart draws it (%u drops; %s)", drops, s);
  ctrace_analysis_free(A);
  /* The program allocates while a collection sweeps: still one drop, one fall. */
  begin();
  al(1 * MS, 0x100, 100);
  al(2 * MS, 0x200, 100);
  al(3 * MS, 0x300, 100);
  put(CTRACE_EV_GC_BEGIN, 2, 4 * MS, "goal", 0, 0);
  fr(2, 4 * MS + 1, 0x100);
  fr(2, 4 * MS + 2, 0x200); /* 300 -> 100: a fall */
  al(4 * MS + 3, 0x400, 10);
  fr(2, 4 * MS + 4, 0x300); /* 110 -> 10, same collection */
  put(CTRACE_EV_GC_END, 2, 5 * MS, NULL, 0, 0);
  end(10 * MS);
  CHECK(ctrace_analysis_memory(A)->heap_falls == 1, "falls: one collection's drop is one fall, whatever is "
        "allocated while it sweeps (%llu)", (unsigned long long)ctrace_analysis_memory(A)->heap_falls);
  ctrace_analysis_free(A);
}

/* Seven teeth at 8.389-8.394 MB: the chart cannot tell them apart, and the
   page does not say "once". */
static void test_peaks_within_tolerance(void) {
  static const uint64_t top[5] = {8394320, 8389000, 5000000, 8391500, 8390000};
  const char *s;
  uint32_t i, n = 0;
  ctrace__canvas c;
  begin();
  for (i = 0; i < 5; ++i) {
    al((int64_t)(10 * i + 1) * MS, 0x100 + 16 * i, top[i]);
    gc_at((int64_t)(10 * i + 5) * MS, MS, "goal");
    fr(2, (int64_t)(10 * i + 5) * MS + 1, 0x100 + 16 * i);
  }
  end(60 * MS);
  story();
  s = sentence(CTRACE__ST_PEAK);
  ctrace_analysis_peaks(A, &n);
  CHECK(has(s, "peaked at 8.39 MB (8,394,320 bytes), first at 1 ms") && has(s, "(within 0.5 %) 4 times") && n == 4,
        "peak: rises within 0.5 %% of the peak count as reaching it (%u kept; %s)", n, s);
  ctrace__canvas_init(&c, 1200, 380, 0xffffffffu);
  ctrace__chart_heap(&c, A, 1200, 380);
  CHECK(shapes_of(&c, CTRACE__PEAK_MARK, NULL) == 4, "peak: the chart marks the 4 the sentence counts (%u)",
        shapes_of(&c, CTRACE__PEAK_MARK, NULL));
  ctrace__canvas_free(&c);
  ctrace_analysis_free(A);
}

/* Nine collections, one of 1 us at the start and two 10 us apart: nine
   bands, each at least a pixel wide; the goal in force at each is drawn. */
static void test_collections_drawn(void) {
  static const int64_t at[9] = {300000, 6 * MS, 12 * MS, 17 * MS, 30 * MS, 42 * MS, 54 * MS, 54 * MS + 10000,
                                80 * MS};
  uint32_t i, bands = 0, thin = 0, goals = 0, visible = 0;
  ctrace__canvas c;
  begin();
  put(CTRACE_EV_COUNTER, 1, 0, "heap goal", 0, 4194304);
  al(100000, 0x100, 50000000);
  for (i = 0; i < 9; ++i) {
    gc_at(at[i], i == 0 ? 1000 : 2000, "goal");
    put(CTRACE_EV_COUNTER, 2, at[i] + 2000, "heap goal", 0, 100000000);
  }
  end(83 * MS);
  story();
  ctrace__canvas_init(&c, 1200, 380, 0xffffffffu);
  ctrace__chart_heap(&c, A, 1200, 380);
  for (i = 0; i < c.n_shapes; ++i) {
    const ctrace__shape *sh = &c.shapes[i];
    if (sh->kind != CTRACE__SH_RECT) continue;
    if (sh->fill == CTRACE__GC_BAND) { bands++; thin += sh->w < 1; }
    if (sh->fill == CTRACE__GOAL_LINE) { goals++; visible += sh->w >= 3 && sh->h >= 2; }
  }
  CHECK(has(sentence(CTRACE__ST_GC), "9 collections ran") && bands == 9 && thin == 0,
        "collections: \"9 collections\" and 9 bands, none under a pixel (%u bands, %u thin)", bands, thin);
  CHECK(goals == 9 && visible == 9 && shapes_of(&c, CTRACE__GOAL_LINE, "collection 1 began with the heap at 50 MB, "
                                                                        "goal 4.19 MB") == 1,
        "goal: the goal in force at each collection is drawn on it, 4.19 MB at the first (%u, %u)", goals, visible);
  CHECK(shapes_of(&c, CTRACE__LIVE_DOT, "left after collection") == 9,
        "live: what each collection left is drawn (what a collector reports as live)");
  ctrace__canvas_free(&c);
  ctrace_analysis_free(A);
}

/* Text extents inside the canvas and clear of each other and of the peak
   markers: geometry, not pixels. */
static int text_box(const ctrace__canvas *c, const ctrace__shape *sh, float *x0, float *y0, float *x1, float *y1) {
  float w;
  if (sh->kind != CTRACE__SH_TEXT) return 0;
  w = ctrace__text_width(c->text + sh->text, sh->font_px);
  *x0 = sh->anchor == CTRACE__AN_END ? sh->x - w : sh->anchor == CTRACE__AN_MIDDLE ? sh->x - w / 2 : sh->x;
  *x1 = *x0 + w;
  *y0 = sh->y - (float)sh->font_px * 0.8f;
  *y1 = sh->y + (float)sh->font_px * 0.2f;
  return 1;
}

static uint32_t layout_faults(const ctrace__canvas *c, char *first, size_t size) {
  uint32_t i, j, faults = 0;
  float a0, b0, a1, b1, p0, q0, p1, q1;
  for (i = 0; i < c->n_shapes; ++i) {
    if (!text_box(c, &c->shapes[i], &a0, &b0, &a1, &b1)) continue;
    if (a0 < 0 || a1 > c->width) {
      if (!faults++) snprintf(first, size, "\"%s\" runs outside the chart", c->text + c->shapes[i].text);
    }
    for (j = 0; j < c->n_shapes; ++j) {
      const ctrace__shape *o = &c->shapes[j];
      int hit;
      if (j == i) continue;
      if (text_box(c, o, &p0, &q0, &p1, &q1)) {
        if (j < i) continue;
      } else if (o->kind == CTRACE__SH_RECT && o->fill == CTRACE__PEAK_MARK) {
        p0 = o->x; q0 = o->y; p1 = o->x + o->w; q1 = o->y + o->h;
      } else {
        continue;
      }
      hit = a0 < p1 && p0 < a1 && b0 < q1 && q0 < b1;
      if (hit && !faults++) snprintf(first, size, "\"%s\" overlaps shape %u", c->text + c->shapes[i].text, j);
    }
  }
  return faults;
}

static void test_layout(void) {
  int w;
  char why[200] = "";
  begin();
  put(CTRACE_EV_COUNTER, 1, 0, "heap goal", 0, 4194304);
  al(1 * MS, 0x100, 100000000);
  al(20 * MS, 0x200, 100000000); /* 200 MB at 20 ms, then 3 more times */
  gc_at(21 * MS, MS, "goal");
  fr(2, 21 * MS + 1, 0x100);
  al(30 * MS, 0x300, 100000000);
  gc_at(31 * MS, MS, "goal");
  fr(2, 31 * MS + 1, 0x200);
  al(41 * MS, 0x400, 100000000);
  gc_at(42 * MS, MS, "goal");
  fr(2, 42 * MS + 1, 0x300);
  al(53 * MS, 0x500, 100000000);
  gc_at(54 * MS, MS, "goal");
  fr(2, 54 * MS + 1, 0x400);
  gc_at(81 * MS, MS, "asked");
  fr(2, 81 * MS + 1, 0x500);
  put(CTRACE_EV_MEMSTATS, 1, 82 * MS + 900000, NULL, 0, 0); /* a read at the very end */
  end(82900000); /* "82.9 ms": the MMU's last label is long */
  for (w = 800; w <= 1200; w += 400) {
    ctrace__canvas c;
    uint32_t f;
    ctrace__canvas_init(&c, (float)w, 380, 0xffffffffu);
    ctrace__chart_heap(&c, A, (float)w, 380);
    f = layout_faults(&c, why, sizeof why);
    CHECK(f == 0, "layout: heap chart %d px wide: no label cut or overlapping (%u; %s)", w, f, why);
    {
      uint32_t i, mixed = 0, zero_ms = 0, zero_mb = 0;
      for (i = 0; i < c.n_shapes; ++i) {
        const char *t = c.shapes[i].kind == CTRACE__SH_TEXT ? c.text + c.shapes[i].text : "";
        mixed += strcmp(t, "0 ns") == 0 || strcmp(t, "0 B") == 0;
        zero_ms += strcmp(t, "0 ms") == 0;
        zero_mb += strcmp(t, "0 MB") == 0;
      }
      CHECK(!mixed && zero_ms == 1 && zero_mb == 1, "units: one unit per axis, \"0 ms\" and \"0 MB\", no \"0 ns\"");
    }
    ctrace__canvas_free(&c);
    ctrace__canvas_init(&c, (float)w, 260, 0xffffffffu);
    ctrace__chart_mmu(&c, A, (float)w, 260);
    f = layout_faults(&c, why, sizeof why);
    CHECK(f == 0, "layout: MMU chart %d px wide: no label cut or overlapping (%u; %s)", w, f, why);
    ctrace__canvas_free(&c);
  }
  ctrace_analysis_free(A);
}

/* The timeline draws 4 counters; the rest are said, inside the picture. */
static void test_counter_cap(void) {
  static const char *const names[6] = {"c1", "c2", "c3", "c4", "c5", "c6"};
  ctrace__canvas c;
  uint32_t i, said = 0;
  begin();
  put(CTRACE_EV_ZONE_BEGIN, 1, 0, "work", 0, 0);
  for (i = 0; i < 6; ++i) put(CTRACE_EV_COUNTER, 1, (int64_t)i * MS, names[i], 0, i + 1);
  put(CTRACE_EV_ZONE_END, 1, 10 * MS, NULL, 0, 0);
  end(10 * MS);
  ctrace__canvas_init(&c, 1200, 520, 0xffffffffu);
  ctrace__chart_timeline(&c, A, NULL, 1200, 520);
  for (i = 0; i < c.n_shapes; ++i)
    if (c.shapes[i].kind == CTRACE__SH_TEXT && strcmp(c.text + c.shapes[i].text, "2 more counters not shown") == 0 &&
        c.shapes[i].y <= c.height && c.shapes[i].y <= c.used_h)
      said++;
  CHECK(said == 1, "cap: the timeline says \"2 more counters not shown\", inside what the PNG keeps");
  ctrace__canvas_free(&c);
  ctrace_analysis_free(A);
}

/* The reads of the program's statistics come back with their figures. */
static void test_memstats_reads(void) {
  ctrace_event e;
  uint32_t n = 0;
  const ctrace_memstats_read *rd;
  begin();
  memset(&e, 0, sizeof e);
  e.kind = CTRACE_EV_MEMSTATS;
  e.thread = 1;
  e.time_ns = 5 * MS;
  e.name = e.message = e.file = "";
  e.size = 50000000;
  e.id = 150000000;
  e.value = 3;
  ctrace_analysis_add(A, &e);
  end(10 * MS);
  rd = ctrace_analysis_memstats_reads(A, &n);
  CHECK(n == 1 && rd[0].time_ns == 5 * MS && rd[0].alloc == 50000000 && rd[0].total_alloc == 150000000 &&
            rd[0].num_gc == 3 && ctrace_analysis_summary(A)->events_by_kind[15] == 0,
        "memstats: a read keeps its time and figures, and is not an unknown event");
  story();
  CHECK(has(sentence(CTRACE__ST_READS), "read its statistics 1 time (ctrace_read_memstats); Alloc: "
                                        "50,000,000 bytes; TotalAlloc at the last: 150,000,000 bytes."),
        "memstats: the panel says what the program read, no NumGC without collections (%s)",
        sentence(CTRACE__ST_READS));
  ctrace_analysis_free(A);
}

/* Under a collector "temporary" means nothing: the sentence says "died young",
   freed by the first collection after the block was made. */
static void test_died_young(void) {
  const char *s;
  begin();
  al(1 * MS, 0x100, 10);                    /* made before collection 1, */
  gc_at(2 * MS, MS, "goal");                /* which keeps it */
  al(4 * MS, 0x200, 10);                    /* made before collection 2 */
  put(CTRACE_EV_GC_BEGIN, 2, 5 * MS, "goal", 0, 0);
  fr(2, 5 * MS + 1, 0x100);                 /* survived one: not young */
  fr(2, 5 * MS + 2, 0x200);                 /* the first after it: young */
  put(CTRACE_EV_GC_END, 2, 6 * MS, NULL, 0, 0);
  end(10 * MS);
  story();
  s = sentence(CTRACE__ST_TEMPS);
  CHECK(has(s, "1 of the 2 allocations (10 B) died young: the first collection after each was made freed it") &&
            !has(s, "temporary"),
        "died young: counted by collections, not time (%s)", s);
  ctrace_analysis_free(A);
}

/* The page fits the program: each sentence on a collected program, a
   malloc program, a pipeline with waits and a function trace. */
static void test_fits_the_program(void) {
  const char *s;
  ctrace_trace_info info;
  int i;
  /* malloc program: no collection sentence, heap words in malloc terms */
  begin();
  for (i = 0; i < 4; ++i) {
    al((10 * i + 1) * MS, 0x100, 1000);
    fr(1, (10 * i + 5) * MS, 0x100);
  }
  end(50 * MS);
  story();
  CHECK(!*sentence(CTRACE__ST_GC) && !*sentence(CTRACE__ST_HELD) && !has(sentence(CTRACE__ST_SHAPE), "collect") &&
            has(sentence(CTRACE__ST_SHAPE), "allocated and not yet freed") &&
            has(sentence(CTRACE__ST_TEMPS), "temporary: freed before their thread allocated again"),
        "malloc program: no collections, heap and temporaries in malloc terms");
  ctrace_analysis_free(A);
  /* a pipeline with waits, two threads of zones: the zone time is summed */
  begin();
  put(CTRACE_EV_ZONE_BEGIN, 1, 0, "read", 0, 0);
  put(CTRACE_EV_ZONE_BEGIN, 3, 0, "compress", 0, 0);
  put(CTRACE_EV_WAIT_BEGIN, 1, 2 * MS, "queue full", 0, 0);
  put(CTRACE_EV_WAIT_END, 1, 8 * MS, NULL, 0, 0);
  put(CTRACE_EV_ZONE_END, 1, 10 * MS, NULL, 0, 0);
  put(CTRACE_EV_ZONE_END, 3, 10 * MS, NULL, 0, 0);
  end(10 * MS);
  story();
  s = sentence(CTRACE__ST_HOT);
  CHECK(has(s, "The zone with the most self time") && has(s, "of the 20 ms that zones spent in themselves, summed "
                                                              "over the 2 threads that ran zones, so more than the "
                                                              "run's 10 ms") &&
            !*sentence(CTRACE__ST_GC) && !*sentence(CTRACE__ST_SHAPE) && !*sentence(CTRACE__ST_TEMPS),
        "pipeline: zone time summed over threads is said; no heap or collection sentence (%s)", s);
  ctrace_analysis_free(A);
  /* a function trace (-finstrument-functions) */
  begin();
  put(CTRACE_EV_ZONE_BEGIN, 1, 0, "main", 0, 0);
  put(CTRACE_EV_ZONE_END, 1, 3 * MS, NULL, 0, 0);
  memset(&info, 0, sizeof info);
  info.duration_ns = 3 * MS;
  info.functions = 1;
  ctrace_analysis_end(A, &info);
  story();
  s = sentence(CTRACE__ST_HOT);
  CHECK(has(s, "The function with the most self time is \"main\"") && has(s, "that functions spent"),
        "function trace: function words (%s)", s);
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
  CHECK(has(h, "1 MiB-2 MiB") && !has(h, "1.05 MB-2.1 MB"), "size histogram bins: powers of two in binary units");
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

/* Each colour one meaning: no zone is drawn red (resident memory) or orange
   (a collection), whatever its name; peak markers are not red either. */
static void test_colours(void) {
  uint32_t i, clash = 0;
  char name[32];
  for (i = 0; i < 2000; ++i) {
    uint32_t c;
    double r, g, b, mx, mn, hue;
    snprintf(name, sizeof name, "zone %u", i);
    c = ctrace__name_colour(name);
    r = (double)(c >> 24) / 255.0; g = (double)((c >> 16) & 0xffu) / 255.0; b = (double)((c >> 8) & 0xffu) / 255.0;
    mx = r > g ? (r > b ? r : b) : (g > b ? g : b);
    mn = r < g ? (r < b ? r : b) : (g < b ? g : b);
    if (mx - mn < 1e-9) continue;
    hue = mx == r ? fmod((g - b) / (mx - mn), 6.0) : mx == g ? (b - r) / (mx - mn) + 2 : (r - g) / (mx - mn) + 4;
    hue *= 60;
    if (hue < 0) hue += 360;
    clash += hue < 45 || hue > 335;
  }
  CHECK(clash == 0 && CTRACE__PEAK_MARK != CTRACE__RSS_LINE,
        "colours: no zone in the red/orange of resident memory and collections (%u of 2000)", clash);
}

static void test_units(void) {
  ctrace__sink o;
  char b1[48], b2[48];
  ctrace__fmt_ns3(b1, sizeof b1, 17.0e6);
  ctrace__fmt_ns3(b2, sizeof b2, 17.1e6);
  CHECK(strcmp(b1, "17.0 ms") == 0 && strcmp(b2, "17.1 ms") == 0,
        "units: table times keep three digits (\"%s\" beside \"%s\")", b1, b2);
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
  test_falls_as_drawn();
  test_peaks_within_tolerance();
  test_collections_drawn();
  test_layout();
  test_memstats_reads();
  test_counter_cap();
  test_died_young();
  test_fits_the_program();
  test_report_consistency();
  test_colours();
  test_units();
  return harness_done();
}
