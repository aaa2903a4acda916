/* tests/test_png.c - the raster backend and PNG output.

   1. The rasteriser on hand-built canvases: exact rectangles, blending,
      clipping of hostile coordinates (guard bytes around the image), a
      concave polygon of thousands of points checked against a
      point-in-polygon test, strokes painted once at joints, text inside its
      box, every glyph present.
   2. Charts: pixels of the heap, timeline and flame charts compared with a
      reference evaluation of the same canvas (pixels well inside or outside
      every shape must have the colour the shape list gives them), plus the
      spot checks the issue names: axis, the heap peak's column, background.
   3. PNG files (with CTRACE_WITH_PNG): signature and IHDR, decoded pixels
      equal to the rendered ones, errors for bad sizes, missing traces,
      unwritable paths and a full disk; CTRACE_E_UNSUPPORTED without PNG. */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "../ctrace.h"
#include "harness.h"

#include <errno.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(CTRACE_WITH_PNG) && defined(__has_include)
#if __has_include(<stb/stb_image.h>)
/* The decoder is for this test only; the library never reads images.
   stb_image.h (Debian's 2022 copy), made static, declares functions it never
   defines (stbi_set_unpremultiply_on_load_thread; with STBI_ONLY_PNG also
   stbi_load_gif_from_memory), and gcc reports those at the end of the file,
   where a pushed-and-popped pragma no longer applies. So for gcc the
   warning stays off for the rest of this test file; clang does not warn. */
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_PNG
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#include <stb/stb_image.h>
#define PT_HAVE_DECODER 1
#endif
#endif

#define WHITE 0xffffffffu

/* ---- helpers ---------------------------------------------------------------- */

typedef struct pt_img {
  unsigned char *mem; /* guard + pixels + guard */
  unsigned char *px;
  int w, h;
} pt_img;

#define PT_GUARD 256

static int pt_img_new(pt_img *im, int w, int h) {
  size_t n = (size_t)w * (size_t)h * 4u;
  im->mem = (unsigned char *)malloc(n + 2 * PT_GUARD);
  if (!im->mem) return 0;
  memset(im->mem, 0xa5, n + 2 * PT_GUARD);
  im->px = im->mem + PT_GUARD;
  im->w = w;
  im->h = h;
  return 1;
}

static int pt_guards_intact(const pt_img *im) {
  size_t n = (size_t)im->w * (size_t)im->h * 4u, i;
  for (i = 0; i < PT_GUARD; ++i)
    if (im->mem[i] != 0xa5 || im->mem[PT_GUARD + n + i] != 0xa5) return 0;
  return 1;
}

static uint32_t pt_get(const pt_img *im, int x, int y) {
  const unsigned char *p = im->px + ((size_t)y * (size_t)im->w + (size_t)x) * 4u;
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static int pt_chan(uint32_t c, int i) { return (int)((c >> (24 - 8 * i)) & 255u); }

/* Largest per-channel difference of the colour parts. */
static int pt_diff(uint32_t a, uint32_t b) {
  int i, d = 0;
  for (i = 0; i < 3; ++i) {
    int e = abs(pt_chan(a, i) - pt_chan(b, i));
    if (e > d) d = e;
  }
  return d;
}

/* Colour c at alpha (0..1) over an opaque colour under. */
static uint32_t pt_over(uint32_t under, uint32_t c, double alpha) {
  uint32_t out = 0xffu;
  int i;
  for (i = 0; i < 3; ++i) {
    double v = pt_chan(c, i) * alpha + pt_chan(under, i) * (1 - alpha);
    out |= (uint32_t)(v + 0.5) << (24 - 8 * i);
  }
  return out;
}

static int pt_render(const ctrace__canvas *c, pt_img *im) {
  return ctrace__raster_canvas(c, im->px, im->w, im->h);
}

/* Pixels in [x0,x1) x [y0,y1) that differ from want. */
static long pt_count_not(const pt_img *im, int x0, int y0, int x1, int y1, uint32_t want) {
  long bad = 0;
  int x, y;
  for (y = y0; y < y1; ++y)
    for (x = x0; x < x1; ++x)
      if (pt_get(im, x, y) != want) ++bad;
  return bad;
}

/* Bounding box of the pixels that differ from bg; returns their count. */
static long pt_ink_box(const pt_img *im, uint32_t bg, int *x0, int *y0, int *x1, int *y1) {
  long n = 0;
  int x, y;
  *x0 = *y0 = 1 << 30;
  *x1 = *y1 = -1;
  for (y = 0; y < im->h; ++y)
    for (x = 0; x < im->w; ++x)
      if (pt_get(im, x, y) != bg) {
        ++n;
        if (x < *x0) *x0 = x;
        if (y < *y0) *y0 = y;
        if (x > *x1) *x1 = x;
        if (y > *y1) *y1 = y;
      }
  return n;
}

static char g_dir[512];

#ifdef CTRACE_WITH_PNG
static const char *pt_path(char *buf, size_t n, const char *name) {
  snprintf(buf, n, "%s/%s", g_dir, name);
  return buf;
}
#endif

static void pt_make_dir(void) {
  const char *build = getenv("BUILD");
  char tmp[512];
  if (!build || !*build) build = "build";
  snprintf(tmp, sizeof tmp, "%s", build);
  mkdir(tmp, 0777);
  snprintf(tmp, sizeof tmp, "%s/tmp", build);
  mkdir(tmp, 0777);
  snprintf(g_dir, sizeof g_dir, "%s/tmp/png_%ld", build, (long)getpid());
  mkdir(g_dir, 0777);
}

/* ---- 1. the rasteriser ---------------------------------------------------- */

static void test_rect_exact(void) {
  ctrace__canvas c;
  pt_img im;
  long outside, inside;
  if (!pt_img_new(&im, 64, 48)) return;
  ctrace__canvas_init(&c, 64, 48, WHITE);
  ctrace__canvas_rect(&c, 10, 5, 20, 7, 0xc02020ffu, 0, 0);
  pt_render(&c, &im);
  inside = pt_count_not(&im, 10, 5, 30, 12, 0xc02020ffu);
  outside = pt_count_not(&im, 0, 0, 64, 48, WHITE) - (20 * 7 - inside);
  CHECK(inside == 0, "a whole-pixel rect fills exactly its 20x7 pixels (%ld wrong)", inside);
  CHECK(outside == 0, "nothing outside the rect changes (%ld wrong)", outside);
  CHECK(pt_guards_intact(&im), "no write outside the image (rect)");
  ctrace__canvas_free(&c);

  /* Half-pixel edges: the two border columns are half covered. */
  ctrace__canvas_init(&c, 64, 48, WHITE);
  ctrace__canvas_rect(&c, 10.5f, 5, 3, 4, 0x000000ffu, 0, 0);
  pt_render(&c, &im);
  CHECK(pt_diff(pt_get(&im, 10, 6), 0x808080ffu) <= 1 && pt_diff(pt_get(&im, 13, 6), 0x808080ffu) <= 1 &&
            pt_get(&im, 11, 6) == 0x000000ffu && pt_get(&im, 9, 6) == WHITE && pt_get(&im, 14, 6) == WHITE,
        "a rect on half pixels covers its border pixels by half (got %08x %08x %08x)",
        (unsigned)pt_get(&im, 10, 6), (unsigned)pt_get(&im, 11, 6), (unsigned)pt_get(&im, 13, 6));
  ctrace__canvas_free(&c);

  /* Alpha: 0x80 blue over white. */
  ctrace__canvas_init(&c, 64, 48, WHITE);
  ctrace__canvas_rect(&c, 0, 0, 64, 48, 0x0000ff80u, 0, 0);
  pt_render(&c, &im);
  CHECK(pt_diff(pt_get(&im, 30, 30), pt_over(WHITE, 0x0000ffffu, 128 / 255.0)) <= 1,
        "alpha blending: half-transparent blue over white (got %08x)", (unsigned)pt_get(&im, 30, 30));
  ctrace__canvas_free(&c);

  /* A stroked rect: border pixels in the stroke colour, inside the fill. */
  ctrace__canvas_init(&c, 64, 48, WHITE);
  ctrace__canvas_rect(&c, 10.5f, 10.5f, 20, 10, 0x00ff00ffu, 0x000000ffu, 1);
  pt_render(&c, &im);
  CHECK(pt_get(&im, 10, 15) == 0x000000ffu && pt_get(&im, 30, 15) == 0x000000ffu &&
            pt_get(&im, 20, 10) == 0x000000ffu && pt_get(&im, 20, 20) == 0x000000ffu &&
            pt_get(&im, 20, 15) == 0x00ff00ffu && pt_get(&im, 9, 15) == WHITE && pt_get(&im, 31, 15) == WHITE,
        "a stroked rect: 1 px border on all four sides, fill inside, nothing beyond");
  ctrace__canvas_free(&c);
  free(im.mem);
}

static void test_lines(void) {
  ctrace__canvas c;
  pt_img im;
  int x, bad = 0;
  if (!pt_img_new(&im, 80, 60)) return;
  ctrace__canvas_init(&c, 80, 60, WHITE);
  ctrace__canvas_line(&c, 5, 20.5f, 75, 20.5f, 0x112233ffu, 1);
  ctrace__canvas_line(&c, 40.5f, 30, 40.5f, 50, 0x112233ffu, 3);
  ctrace__canvas_line(&c, 5, 55, 75, 35, 0xff0000ffu, 2);
  pt_render(&c, &im);
  for (x = 5; x < 75; ++x)
    if (pt_get(&im, x, 20) != 0x112233ffu || pt_get(&im, x, 19) != WHITE || pt_get(&im, x, 21) != WHITE) ++bad;
  CHECK(bad == 0, "a 1 px horizontal line on a pixel centre fills exactly one row (%d wrong)", bad);
  CHECK(pt_get(&im, 39, 40) == 0x112233ffu && pt_get(&im, 41, 40) == 0x112233ffu &&
            pt_get(&im, 40, 40) == 0x112233ffu && pt_get(&im, 38, 40) == WHITE && pt_get(&im, 42, 40) == WHITE,
        "a 3 px vertical line is three columns wide");
  /* On the slanted line (at x = 60.5, y = 39.1) and well away from it. */
  CHECK(pt_diff(pt_get(&im, 60, 39), 0xff0000ffu) <= 40 && pt_get(&im, 60, 43) == WHITE &&
            pt_get(&im, 60, 35) == WHITE,
        "a slanted 2 px line: drawn on its path, nothing 4 px away (got %08x)", (unsigned)pt_get(&im, 60, 39));
  CHECK(pt_guards_intact(&im), "no write outside the image (lines)");
  ctrace__canvas_free(&c);
  free(im.mem);
}

/* Even-odd crossing test at (x, y). */
static int pt_inside_poly(const float *xy, int n, double x, double y) {
  int i, j, in = 0;
  for (i = 0, j = n - 1; i < n; j = i++) {
    double xi = xy[2 * i], yi = xy[2 * i + 1], xj = xy[2 * j], yj = xy[2 * j + 1];
    if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) in = !in;
  }
  return in;
}

static double pt_seg_dist(double px, double py, double ax, double ay, double bx, double by) {
  double dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy, t = 0;
  if (l2 > 0) t = ((px - ax) * dx + (py - ay) * dy) / l2;
  if (t < 0) t = 0;
  if (t > 1) t = 1;
  dx = ax + t * dx - px;
  dy = ay + t * dy - py;
  return sqrt(dx * dx + dy * dy);
}

/* Distance from (x, y) to a polygon's outline, exact up to PT_NEAR; beyond
   that only "far" (1e30) is known, which is all the callers ask. */
#define PT_NEAR 8.0
static double pt_poly_dist(const float *xy, int n, int closed, double x, double y) {
  double best = 1e30;
  int i;
  for (i = 0; i + 1 < n + (closed ? 1 : 0); ++i) {
    int j = (i + 1) % n;
    double ax = xy[2 * i], ay = xy[2 * i + 1], bx = xy[2 * j], by = xy[2 * j + 1], d;
    if (x < fmin(ax, bx) - PT_NEAR || x > fmax(ax, bx) + PT_NEAR || y < fmin(ay, by) - PT_NEAR ||
        y > fmax(ay, by) + PT_NEAR)
      continue;
    d = pt_seg_dist(x, y, ax, ay, bx, by);
    if (d < best) best = d;
  }
  return best;
}

static void test_concave_polygon(void) {
  enum { N = 3000 };
  static float xy[2 * (N + 2)];
  ctrace__canvas c;
  pt_img im;
  int i, x, y, n = N + 2, checked = 0, bad = 0;
  uint32_t fill = 0x3366ccffu;
  if (!pt_img_new(&im, 400, 200)) return;
  /* An area chart: a jagged top edge of N points over a flat bottom; deep
     narrow notches make it strongly concave. */
  for (i = 0; i < N; ++i) {
    double t = (double)i / (N - 1);
    xy[2 * i] = (float)(10 + 380 * t);
    xy[2 * i + 1] = (float)(100 + 60 * sin(t * 37.0) * sin(t * 5.0) + ((i / 50) % 7 == 3 ? 80 : 0));
  }
  xy[2 * N] = 390; xy[2 * N + 1] = 190;
  xy[2 * N + 2] = 10; xy[2 * N + 3] = 190;
  ctrace__canvas_init(&c, 400, 200, WHITE);
  ctrace__canvas_poly(&c, xy, (uint32_t)n, fill, 0, 0);
  pt_render(&c, &im);
  for (y = 0; y < 200; ++y)
    for (x = 0; x < 400; ++x) {
      double cx = x + 0.5, cy = y + 0.5, d = 1e30;
      /* The top edge runs left to right: only its segments near x matter,
         with the three that close the shape. */
      int lo = (int)floor((cx - 10 - 2) / 380 * (N - 1)), hi = (int)ceil((cx - 10 + 2) / 380 * (N - 1)), e;
      if (lo < 0) lo = 0;
      if (hi > N - 1) hi = N - 1;
      for (e = lo; e < hi; ++e)
        d = fmin(d, pt_seg_dist(cx, cy, xy[2 * e], xy[2 * e + 1], xy[2 * e + 2], xy[2 * e + 3]));
      for (e = N - 1; e < n; ++e)
        d = fmin(d, pt_seg_dist(cx, cy, xy[2 * e], xy[2 * e + 1], xy[2 * ((e + 1) % n)], xy[2 * ((e + 1) % n) + 1]));
      if (d < 1.0) continue; /* anti-aliased edge */
      ++checked;
      if (pt_get(&im, x, y) != (pt_inside_poly(xy, n, cx, cy) ? fill : WHITE)) ++bad;
    }
  CHECK(checked > 60000 && bad == 0,
        "concave polygon of %d points: every pixel 1 px from an edge is filled iff inside (%d of %d wrong)", n,
        bad, checked);
  ctrace__canvas_free(&c);
  free(im.mem);
}

static void test_stroke_joints(void) {
  ctrace__canvas c;
  pt_img im;
  float zig[8] = {10, 40, 40, 10, 70, 40, 100, 10};
  uint32_t mid, joint;
  if (!pt_img_new(&im, 120, 60)) return;
  ctrace__canvas_init(&c, 120, 60, WHITE);
  ctrace__canvas_poly(&c, zig, 4, 0, 0x0000ff80u, 6);
  pt_render(&c, &im);
  mid = pt_get(&im, 25, 25);   /* middle of the first segment */
  joint = pt_get(&im, 40, 12); /* inside the joint at (40, 10) */
  CHECK(pt_diff(mid, pt_over(WHITE, 0x0000ffffu, 128 / 255.0)) <= 1 && pt_diff(joint, mid) <= 1,
        "a translucent polyline is painted once: the joint is no darker than a segment (%08x vs %08x)",
        (unsigned)joint, (unsigned)mid);
  CHECK(pt_get(&im, 40, 40) == WHITE && pt_get(&im, 55, 50) == WHITE,
        "an open polyline is not closed or filled");
  ctrace__canvas_free(&c);
  free(im.mem);
}

static void test_hostile_coordinates(void) {
  ctrace__canvas c;
  pt_img im;
  float nanv = (float)(0.0 * HUGE_VAL), inf = (float)HUGE_VAL;
  float tri[8] = {10, 10, 50, 10, 0, 0, 30, 40};
  float wild[12] = {-1e30f, -1e30f, 1e30f, -1e30f, 1e30f, 1e30f, -1e30f, 1e30f, 5, 5, 0, 0};
  int x0, y0, x1, y1;
  long ink;
  tri[4] = nanv;
  tri[5] = nanv;
  wild[10] = inf;
  wild[11] = -inf;
  if (!pt_img_new(&im, 50, 40)) return;
  /* Shapes with a NaN, inf or huge coordinate draw nothing, or only their
     finite part; nothing is written outside the image. */
  ctrace__canvas_init(&c, 50, 40, WHITE);
  ctrace__canvas_rect(&c, nanv, 5, 10, 10, 0xff0000ffu, 0, 0);
  ctrace__canvas_rect(&c, 5, 5, inf, 10, 0xff0000ffu, 0xff0000ffu, 2);
  ctrace__canvas_line(&c, nanv, 0, 40, 40, 0xff0000ffu, 3);
  ctrace__canvas_line(&c, 0, 0, 40, 40, 0xff0000ffu, nanv * 0 + inf);
  ctrace__canvas_text(&c, nanv, 20, 12, CTRACE__AN_START, 0xff0000ffu, "nan");
  ctrace__canvas_text(&c, -3e38f, 20, 12, CTRACE__AN_END, 0xff0000ffu, "far left");
  ctrace__canvas_text(&c, 3e38f, 20, 1000, CTRACE__AN_MIDDLE, 0xff0000ffu, "far right");
  pt_render(&c, &im);
  ink = pt_count_not(&im, 0, 0, 50, 40, WHITE);
  CHECK(pt_guards_intact(&im), "no write outside the image (NaN, inf, huge shapes)");
  /* The rect with an infinite width, and the line with an infinite stroke
     width, are the only shapes allowed to draw (clamped). */
  (void)ink;
  ctrace__canvas_free(&c);

  ctrace__canvas_init(&c, 50, 40, WHITE);
  ctrace__canvas_rect(&c, nanv, 5, 10, 10, 0xff0000ffu, 0, 0);
  ctrace__canvas_line(&c, nanv, 0, 40, 40, 0xff0000ffu, 3);
  ctrace__canvas_text(&c, nanv, 20, 12, CTRACE__AN_START, 0xff0000ffu, "nan");
  ctrace__canvas_rect(&c, 1, 1, 1e-30f, 5, 0xff0000ffu, 0, 0);
  pt_render(&c, &im);
  CHECK(pt_count_not(&im, 0, 0, 50, 40, WHITE) == 0, "shapes with NaN coordinates draw nothing");
  ctrace__canvas_free(&c);

  /* A polygon with a NaN point: the other three points still form a shape. */
  ctrace__canvas_init(&c, 50, 40, WHITE);
  ctrace__canvas_poly(&c, tri, 4, 0x00aa00ffu, 0, 0);
  pt_render(&c, &im);
  ink = pt_ink_box(&im, WHITE, &x0, &y0, &x1, &y1);
  CHECK(ink > 100 && x0 >= 9 && y0 >= 9 && x1 <= 50 && y1 <= 40 && pt_get(&im, 30, 15) == 0x00aa00ffu,
        "a NaN point in a polygon is skipped, the rest is filled (%ld px in %d,%d..%d,%d)", ink, x0, y0, x1, y1);
  ctrace__canvas_free(&c);

  /* Huge polygons and lines: clipped, the visible part right. */
  ctrace__canvas_init(&c, 50, 40, WHITE);
  ctrace__canvas_poly(&c, wild, 6, 0x0000ffffu, 0xff0000ffu, 4);
  ctrace__canvas_line(&c, -1e9f, -1e9f, 1e9f, 1e9f, 0x00ff00ffu, 2);
  ctrace__canvas_rect(&c, -1e30f, -1e30f, 3e30f, 3e30f, 0, 0x000000ffu, 2);
  pt_render(&c, &im);
  CHECK(pt_guards_intact(&im), "no write outside the image (huge polygon, line, rect)");
  CHECK(pt_get(&im, 5, 30) == 0x0000ffffu && pt_diff(pt_get(&im, 20, 20), 0x00ff00ffu) <= 2,
        "a polygon 1e30 wide fills the image; a line from -1e9 to 1e9 crosses it on the diagonal (%08x %08x)",
        (unsigned)pt_get(&im, 5, 30), (unsigned)pt_get(&im, 20, 20));
  ctrace__canvas_free(&c);

  /* Points past the end of the canvas's point array are not read. */
  ctrace__canvas_init(&c, 50, 40, WHITE);
  ctrace__canvas_poly(&c, tri, 3, 0x00aa00ffu, 0, 0);
  if (c.n_shapes == 1) c.shapes[0].n_points = 1000000u;
  ctrace__canvas_text(&c, 5, 20, 12, 0, 0x000000ffu, "x");
  if (c.n_shapes == 2) c.shapes[1].text = c.n_text + 5u;
  pt_render(&c, &im);
  CHECK(pt_count_not(&im, 0, 0, 50, 40, WHITE) == 0, "a shape pointing past the canvas's arrays draws nothing");
  ctrace__canvas_free(&c);
  free(im.mem);
}

static void test_text(void) {
  ctrace__canvas c;
  pt_img im;
  int x0, y0, x1, y1, i, missing = 0, anchors_ok = 1, a;
  long ink;
  char one[2];
  const char *msg = "Heap 12.5 MB";
  float wdt = ctrace__text_width(msg, 16);
  if (!pt_img_new(&im, 300, 80)) return;
  /* Text stays in the box the layout measured: [x, x + width] across,
     from about one em above the baseline to a third below it. */
  for (a = 0; a < 3; ++a) {
    float x = 150, left = a == 0 ? x : a == 1 ? x - wdt / 2 : x - wdt;
    ctrace__canvas_init(&c, 300, 80, WHITE);
    ctrace__canvas_text(&c, x, 40, 16, a, 0x000000ffu, msg);
    pt_render(&c, &im);
    ink = pt_ink_box(&im, WHITE, &x0, &y0, &x1, &y1);
    if (!(ink > 50 && x0 >= left - 1 && x1 <= left + wdt + 1 && y0 >= 40 - 16 && y1 <= 40 + 16 / 3 &&
          x1 - x0 > wdt * 0.8))
      anchors_ok = 0;
    harness_note("anchor %d: ink %ld px in x %d..%d (box %.1f..%.1f), y %d..%d", a, ink, x0, x1, left,
                 left + wdt, y0, y1);
    ctrace__canvas_free(&c);
  }
  CHECK(anchors_ok, "text ink lies inside the layout's text box and spans it, anchors start/middle/end");

  /* Every printable glyph has ink (space none); non-ASCII is a box. */
  one[1] = 0;
  for (i = 33; i < 127; ++i) {
    one[0] = (char)i;
    ctrace__canvas_init(&c, 300, 80, WHITE);
    ctrace__canvas_text(&c, 20, 40, 20, 0, 0x000000ffu, one);
    pt_render(&c, &im);
    if (pt_ink_box(&im, WHITE, &x0, &y0, &x1, &y1) < 4) ++missing;
    ctrace__canvas_free(&c);
  }
  CHECK(missing == 0, "every printable ASCII glyph draws something (%d blank)", missing);
  for (i = 0; i < 95; ++i) {
    int j;
    for (j = i + 1; j < 95; ++j)
      if (memcmp(ctrace__font[i], ctrace__font[j], CTRACE__GLYPH_ROWS) == 0) ++missing;
  }
  CHECK(missing == 0, "no two glyphs of the font are the same bitmap");

  ctrace__canvas_init(&c, 300, 80, WHITE);
  ctrace__canvas_text(&c, 20, 40, 20, 0, 0x000000ffu, " ");
  pt_render(&c, &im);
  CHECK(pt_count_not(&im, 0, 0, 300, 80, WHITE) == 0, "a space draws nothing");
  ctrace__canvas_free(&c);

  /* UTF-8: "é" is one placeholder; a cut sequence is one placeholder; the
     drawn width follows the layout's count of code points. */
  ctrace__canvas_init(&c, 300, 80, WHITE);
  ctrace__canvas_text(&c, 20, 40, 20, 0, 0x000000ffu, "\xc3\xa9\xe2\x82|\x80\xff");
  pt_render(&c, &im);
  ink = pt_ink_box(&im, WHITE, &x0, &y0, &x1, &y1);
  CHECK(ink > 20 && x0 >= 20 && x1 <= 20 + ctrace__text_width("\xc3\xa9\xe2\x82|\x80\xff", 20) + 1,
        "non-ASCII and broken UTF-8 draw placeholders within the measured width (x %d..%d)", x0, x1);
  ctrace__canvas_free(&c);

  /* Small text (8 px) stays in its box too. */
  ctrace__canvas_init(&c, 300, 80, WHITE);
  ctrace__canvas_text(&c, 10, 40, 8, 0, 0x000000ffu, "small label 123");
  pt_render(&c, &im);
  ink = pt_ink_box(&im, WHITE, &x0, &y0, &x1, &y1);
  CHECK(ink > 20 && x0 >= 10 && x1 <= 10 + ctrace__text_width("small label 123", 8) + 1 && y0 >= 40 - 8 &&
            y1 <= 40 + 3,
        "8 px text stays inside its box (x %d..%d, y %d..%d)", x0, x1, y0, y1);
  ctrace__canvas_free(&c);
  CHECK(pt_guards_intact(&im), "no write outside the image (text)");
  free(im.mem);
}

/* ---- 2. charts against a reference evaluation of their canvas ------------- */

enum { PT_OUT = 0, PT_IN = 1, PT_EDGE = 2 };

static int pt_band(double signed_dist_inside, double margin) {
  return signed_dist_inside > margin ? PT_IN : signed_dist_inside < -margin ? PT_OUT : PT_EDGE;
}

static double pt_half(const ctrace__shape *s) { return (s->stroke_w > 0 ? s->stroke_w : 1.0) / 2.0; }

/* Where (x, y) lies for a shape's fill and stroke: clearly in, clearly out,
   or too near an edge to say (anti-aliasing, joins, glyph shapes). */
static void pt_classify(const ctrace__canvas *c, const ctrace__shape *s, double x, double y, int *fill,
                        int *stroke) {
  const double m = 1.25;
  *fill = *stroke = PT_OUT;
  if (s->kind == CTRACE__SH_RECT) {
    double dx = fmin(x - s->x, s->x + s->w - x), dy = fmin(y - s->y, s->y + s->h - y);
    double inside = fmin(dx, dy); /* > 0 inside; distance to the border */
    double outside = dx >= 0 ? dy : dy >= 0 ? dx : -sqrt(dx * dx + dy * dy);
    double d = inside > 0 ? inside : outside;
    if (s->fill & 255u) *fill = pt_band(d, m);
    if (s->stroke & 255u) *stroke = pt_band(pt_half(s) - fabs(d), m);
  } else if (s->kind == CTRACE__SH_LINE) {
    double d = pt_seg_dist(x, y, s->x, s->y, s->x + s->w, s->y + s->h);
    *stroke = d > pt_half(s) + m ? PT_OUT : PT_EDGE;
  } else if (s->kind == CTRACE__SH_POLY) {
    const float *xy = c->points + 2u * s->first_point;
    int n = (int)s->n_points, closed = (s->fill & 255u) != 0;
    double d = pt_poly_dist(xy, n, closed, x, y);
    if (closed) *fill = d < m ? PT_EDGE : pt_inside_poly(xy, n, x, y) ? PT_IN : PT_OUT;
    if (s->stroke & 255u) *stroke = d > pt_half(s) + m ? PT_OUT : PT_EDGE;
  } else if (s->kind == CTRACE__SH_TEXT) {
    const char *t = c->text + s->text;
    double w = ctrace__text_width(t, s->font_px), fp = s->font_px;
    double left = s->x - (s->anchor == CTRACE__AN_MIDDLE ? w / 2 : s->anchor == CTRACE__AN_END ? w : 0);
    int near_box = x > left - m && x < left + w + m && y > s->y - fp - m && y < s->y + fp / 3 + m;
    *fill = near_box ? PT_EDGE : PT_OUT;
  }
}

/* Compares sampled pixels with the colour the shape list gives them where
   every shape's verdict is clear. Returns mismatches; *compared counts. */
static long pt_compare_canvas(const ctrace__canvas *c, const pt_img *im, long samples, long *compared,
                              char *why, size_t why_n) {
  long bad = 0, k;
  uint32_t seed = 12345u;
  *compared = 0;
  why[0] = 0;
  for (k = 0; k < samples; ++k) {
    int px, py, clear = 1;
    uint32_t i, want = c->background | 0xffu;
    double x, y;
    seed = (uint32_t)(seed * 1103515245ull + 12345u); /* 64-bit product: no wrap */
    px = (int)((seed >> 8) % (uint32_t)im->w);
    seed = (uint32_t)(seed * 1103515245ull + 12345u); /* 64-bit product: no wrap */
    py = (int)((seed >> 8) % (uint32_t)im->h);
    x = px + 0.5;
    y = py + 0.5;
    for (i = 0; i < c->n_shapes && clear; ++i) {
      const ctrace__shape *s = &c->shapes[i];
      int f, st;
      pt_classify(c, s, x, y, &f, &st);
      if (f == PT_EDGE || st == PT_EDGE) clear = 0;
      if (f == PT_IN) want = pt_over(want, s->fill, (s->fill & 255u) / 255.0);
      if (st == PT_IN) want = pt_over(want, s->stroke, (s->stroke & 255u) / 255.0);
    }
    if (!clear) continue;
    ++*compared;
    if (pt_diff(pt_get(im, px, py), want) > 2) {
      if (!bad) snprintf(why, why_n, "pixel %d,%d is %08x, the canvas says %08x", px, py,
                         (unsigned)pt_get(im, px, py), (unsigned)want);
      ++bad;
    }
  }
  return bad;
}

/* One hand-made event into the analysis. */
static void pt_add(ctrace_analysis *a, int kind, uint32_t thread, int64_t t, const char *name, uint64_t ptr,
                   uint64_t size) {
  ctrace_event ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = kind;
  ev.thread = thread;
  ev.time_ns = t;
  ev.name = name;
  ev.message = "";
  ev.file = kind == CTRACE_EV_ZONE_BEGIN ? "demo.c" : "";
  ev.line = kind == CTRACE_EV_ZONE_BEGIN ? 10u : 0u;
  ev.ptr = ptr;
  ev.size = size;
  ctrace_analysis_add(a, &ev);
}

/* A program whose heap climbs in a sawtooth to one clear peak, with
   collections and zones on two threads: fed to the analysis by hand so every
   time is exact. */
static ctrace_analysis *pt_hand_analysis(void) {
  ctrace_analysis *a = NULL;
  int64_t t = 1000;
  int i, j;
  if (ctrace_analysis_begin(NULL, &a) != 0 || !a) return NULL;
  ctrace_analysis_set_thread(a, 1, "main", 0);
  ctrace_analysis_set_thread(a, 2, "worker", 0);
  for (i = 0; i < 12; ++i) {
    uint32_t th = 1 + (uint32_t)(i % 2);
    pt_add(a, CTRACE_EV_ZONE_BEGIN, th, t, i % 3 ? "parse" : "render", 0, 0);
    /* The 8th cycle grows twice as high: the peak. */
    for (j = 0; j < 40; ++j)
      pt_add(a, CTRACE_EV_ALLOC, th, t += 5000, "", 0x10000u + (uint64_t)(i * 64 + j) * 16u,
             (uint64_t)(1000 + 50 * j) * (i == 7 ? 2u : 1u));
    pt_add(a, CTRACE_EV_GC_BEGIN, 1, t += 1000, "heap goal", 0, 0);
    for (j = 0; j < 40; ++j)
      pt_add(a, CTRACE_EV_FREE, 1, t += 100, "", 0x10000u + (uint64_t)(i * 64 + j) * 16u, 0);
    pt_add(a, CTRACE_EV_GC_END, 1, t += 1000, "", 0, 0);
    pt_add(a, CTRACE_EV_ZONE_END, th, t += 500, "", 0, 0);
  }
  if (ctrace_analysis_end(a, NULL) != 0) {
    ctrace_analysis_free(a);
    return NULL;
  }
  return a;
}

static int pt_layout(ctrace__canvas *c, const ctrace_analysis *a, int chart, int w, int h) {
  ctrace__canvas_init(c, (float)w, (float)h, WHITE);
  if (chart == CTRACE_CHART_TIMELINE) return ctrace__chart_timeline(c, a, NULL, (float)w, (float)h);
  if (chart == CTRACE_CHART_FLAME) return ctrace__chart_flame(c, a, (float)w, (float)h);
  return ctrace__chart_heap(c, a, (float)w, (float)h);
}

/* The time axis: the longest horizontal ink line. */
static const ctrace__shape *pt_find_axis(const ctrace__canvas *c) {
  const ctrace__shape *best = NULL;
  uint32_t i;
  for (i = 0; i < c->n_shapes; ++i) {
    const ctrace__shape *s = &c->shapes[i];
    if (s->kind == CTRACE__SH_LINE && s->h == 0 && s->stroke == CTRACE__INK && (!best || fabsf(s->w) > fabsf(best->w)))
      best = s;
  }
  return best;
}

/* The heap outline: the unfilled polyline in the heap colour. */
static const ctrace__shape *pt_find_heap_line(const ctrace__canvas *c) {
  uint32_t i;
  for (i = 0; i < c->n_shapes; ++i) {
    const ctrace__shape *s = &c->shapes[i];
    if (s->kind == CTRACE__SH_POLY && s->stroke == CTRACE__HEAP_FILL && !(s->fill & 255u)) return s;
  }
  return NULL;
}

static void test_heap_chart(const ctrace_analysis *a) {
  ctrace__canvas c;
  ctrace_png_config cfg;
  pt_img im;
  const ctrace__shape *axis, *line;
  char why[200];
  long compared, bad;
  int rc, k, axis_bad = 0;
  if (!pt_img_new(&im, 1600, 900)) return;
  memset(&cfg, 0, sizeof cfg);
  rc = ctrace_chart_rgba(a, &cfg, im.px);
  CHECK_EQ_INT(rc, 0, "heap chart draws at the default 1600x900");
  CHECK(pt_guards_intact(&im), "no write outside the image (heap chart)");
  rc = pt_layout(&c, a, CTRACE_CHART_HEAP, 1600, 900);
  CHECK(rc == 0 && c.n_shapes > 10, "heap chart layout (%u shapes)", c.n_shapes);

  bad = pt_compare_canvas(&c, &im, 8000, &compared, why, sizeof why);
  CHECK(compared > 3000 && bad == 0, "heap chart: %ld sampled pixels clear of edges match the layout (%ld wrong) %s",
        compared, bad, why);

  axis = pt_find_axis(&c);
  if (CHECK(axis != NULL, "heap chart has a time axis")) {
    /* The row nearest the axis is at least half axis colour all along it. */
    int yrow = (int)floor(axis->y), x0 = (int)ceil(fmin(axis->x, axis->x + axis->w));
    int x1 = (int)floor(fmax(axis->x, axis->x + axis->w));
    for (k = x0 + 1; k < x1 - 1; ++k) {
      uint32_t p = pt_get(&im, k, yrow);
      if (pt_diff(p, CTRACE__INK) > pt_diff(WHITE, CTRACE__INK) / 2) ++axis_bad;
    }
    CHECK(x1 - x0 > 1000 && axis_bad == 0, "axis pixels are the axis colour along its %d px (%d wrong)", x1 - x0,
          axis_bad);
  }

  line = pt_find_heap_line(&c);
  if (CHECK(line != NULL && line->n_points > 10, "heap chart has the heap outline")) {
    const float *xy = c.points + 2u * line->first_point;
    uint32_t i, top = 0;
    int col, y, first_ink = -1;
    for (i = 1; i < line->n_points; ++i)
      if (xy[2 * i + 1] < xy[2 * top + 1]) top = i;
    /* Walking down the peak's column from the top of the plot: the first
       strongly coloured pixel (grid lines and collection bands are faint) is
       at the peak (the line or the peak marker on it). */
    col = (int)floor(xy[2 * top]);
    for (y = 60; y < 880 && first_ink < 0; ++y)
      if (pt_diff(pt_get(&im, col, y), WHITE) > 60) first_ink = y;
    CHECK(first_ink >= 0 && fabs(first_ink - xy[2 * top + 1]) <= 6,
          "the heap peak's column is drawn from the peak's height down (first ink at y %d, peak at %.1f)",
          first_ink, (double)xy[2 * top + 1]);
    /* Under the peak marker, inside the area: the heap colour. */
    {
      int found = -1, dx;
      uint32_t area = pt_over(WHITE, CTRACE__HEAP_FILL, 0xb0 / 255.0);
      for (y = (int)xy[2 * top + 1]; y < (int)xy[2 * top + 1] + 30 && found < 0; ++y)
        for (dx = -1; dx <= 1; ++dx) {
          uint32_t p = pt_get(&im, col + dx, y);
          if (pt_diff(p, area) <= 12 || pt_diff(p, CTRACE__HEAP_FILL) <= 12) found = y;
        }
      CHECK(found >= 0, "the peak's column is heap colour just under the peak (from y %d)", found);
    }
  }
  CHECK(pt_get(&im, 1599, 0) == WHITE && pt_get(&im, 0, 899) == WHITE && pt_get(&im, 1599, 899) == WHITE &&
            pt_get(&im, 1595, 450) == WHITE,
        "background in the corners and the right margin");
  ctrace__canvas_free(&c);
  free(im.mem);
}

static void test_other_charts(const ctrace_analysis *a) {
  static const int charts[2] = {CTRACE_CHART_TIMELINE, CTRACE_CHART_FLAME};
  static const char *const names[2] = {"timeline", "flame"};
  int i;
  for (i = 0; i < 2; ++i) {
    ctrace__canvas c;
    ctrace_png_config cfg;
    pt_img im;
    char why[200];
    long compared, bad, ink;
    int x0, y0, x1, y1;
    if (!pt_img_new(&im, 900, 500)) return;
    memset(&cfg, 0, sizeof cfg);
    cfg.chart = charts[i];
    cfg.width = 900;
    cfg.height = 500;
    CHECK_EQ_INT(ctrace_chart_rgba(a, &cfg, im.px), 0, "%s chart draws at 900x500", names[i]);
    CHECK(pt_guards_intact(&im), "no write outside the image (%s chart)", names[i]);
    pt_layout(&c, a, charts[i], 900, 500);
    bad = pt_compare_canvas(&c, &im, 6000, &compared, why, sizeof why);
    CHECK(compared > 2000 && bad == 0, "%s chart: %ld sampled pixels clear of edges match the layout (%ld wrong) %s",
          names[i], compared, bad, why);
    ink = pt_ink_box(&im, WHITE, &x0, &y0, &x1, &y1);
    CHECK(ink > 2000, "%s chart is not blank (%ld px drawn)", names[i], ink);
    ctrace__canvas_free(&c);
    free(im.mem);
  }
}

/* ---- the timeline's running band ---- */

static void pt_cpu(ctrace_analysis *a, uint32_t thread, int64_t t, int64_t cpu_ns, int64_t ready_ns) {
  ctrace_event ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = CTRACE_EV_THREAD_CPU;
  ev.thread = thread;
  ev.time_ns = t;
  ev.name = ev.message = ev.file = "";
  ev.value = cpu_ns; /* cumulative, as the recorder writes them */
  ev.ptr = 1;
  ev.size = (uint64_t)ready_ns;
  ctrace_analysis_add(a, &ev);
}

/* Two threads sampled every millisecond for 10 ms: "spinner" on CPU all
   the time, "sleeper" 10 % on CPU and 20 % ready without a core. */
static ctrace_analysis *pt_cpu_analysis(void) {
  ctrace_analysis *a = NULL;
  ctrace_trace_info info;
  int64_t ms = 1000000, k;
  if (ctrace_analysis_begin(NULL, &a) != 0 || !a) return NULL;
  ctrace_analysis_set_thread(a, 1, "spinner", 0);
  ctrace_analysis_set_thread(a, 2, "sleeper", 0);
  pt_add(a, CTRACE_EV_ZONE_BEGIN, 1, 0, "spin", 0, 0);
  pt_add(a, CTRACE_EV_ZONE_BEGIN, 2, 0, "nap", 0, 0);
  for (k = 0; k <= 10; ++k) {
    pt_cpu(a, 1, k * ms, k * ms, 0);
    pt_cpu(a, 2, k * ms, k * ms / 10, k * ms / 5);
  }
  pt_add(a, CTRACE_EV_ZONE_END, 1, 10 * ms, "", 0, 0);
  pt_add(a, CTRACE_EV_ZONE_END, 2, 10 * ms, "", 0, 0);
  memset(&info, 0, sizeof info);
  info.duration_ns = 10 * ms;
  if (ctrace_analysis_end(a, &info) != 0) {
    ctrace_analysis_free(a);
    return NULL;
  }
  return a;
}

static uint32_t pt_count_text(const ctrace__canvas *c, const char *text) {
  uint32_t i, n = 0;
  for (i = 0; i < c->n_shapes; ++i)
    if (c->shapes[i].kind == CTRACE__SH_TEXT && c->shapes[i].text != CTRACE__NO_TEXT &&
        strcmp(c->text + c->shapes[i].text, text) == 0)
      ++n;
  return n;
}

/* The filled polygons of one colour, in drawing order (threads top down),
   as bounding boxes: up to 4. */
static uint32_t pt_polys(const ctrace__canvas *c, uint32_t fill, float box[4][4]) {
  uint32_t i, k, n = 0;
  for (i = 0; i < c->n_shapes; ++i) {
    const ctrace__shape *s = &c->shapes[i];
    const float *xy;
    if (s->kind != CTRACE__SH_POLY || s->fill != fill) continue;
    xy = c->points + 2u * s->first_point;
    if (n < 4) {
      box[n][0] = box[n][2] = xy[0];
      box[n][1] = box[n][3] = xy[1];
      for (k = 1; k < s->n_points; ++k) {
        box[n][0] = fminf(box[n][0], xy[2 * k]);
        box[n][2] = fmaxf(box[n][2], xy[2 * k]);
        box[n][1] = fminf(box[n][1], xy[2 * k + 1]);
        box[n][3] = fmaxf(box[n][3], xy[2 * k + 1]);
      }
    }
    ++n;
  }
  return n;
}

/* With CPU samples the static timeline draws each thread's running band
   (the interactive one's row) with its key, in proportion to the samples;
   without them (a, the hand-made analysis) it draws none and names none. */
static void test_running_band(const ctrace_analysis *a) {
  ctrace_analysis *b = pt_cpu_analysis();
  ctrace__canvas c;
  ctrace_png_config cfg;
  pt_img im;
  float run[4][4], rdy[4][4];
  uint32_t n_run, n_rdy;
  char why[200];
  long compared, bad;
  if (!CHECK(b != NULL, "an analysis with CPU samples")) return;
  pt_layout(&c, a, CTRACE_CHART_TIMELINE, 900, 500);
  CHECK(pt_polys(&c, CTRACE__RUN_FILL, run) == 0 && pt_polys(&c, CTRACE__READY_FILL, rdy) == 0 &&
            pt_count_text(&c, "running") == 0 && pt_count_text(&c, "on CPU") == 0,
        "no CPU samples: the timeline draws no running band and no key for one");
  ctrace__canvas_free(&c);

  pt_layout(&c, b, CTRACE_CHART_TIMELINE, 900, 500);
  n_run = pt_polys(&c, CTRACE__RUN_FILL, run);
  n_rdy = pt_polys(&c, CTRACE__READY_FILL, rdy);
  CHECK(n_run == 2 && n_rdy == 1 && pt_count_text(&c, "running") == 2,
        "CPU samples: a running band under each of the two threads (%u on-CPU areas, %u ready areas)", n_run, n_rdy);
  CHECK(pt_count_text(&c, "on CPU") == 1 && pt_count_text(&c, "ready, no core free") == 1 &&
            pt_count_text(&c, "in a recorded wait") == 0,
        "the key names on CPU and ready, and no wait (none drawn)");
  if (n_run == 2 && n_rdy == 1) {
    float full = run[0][3] - run[0][1], low = run[1][3] - run[1][1], mid = (run[0][0] + run[0][2]) / 2;
    CHECK(full >= 4 && fabsf(low - 0.1f * full) <= 0.05f * full + 0.5f,
          "the spinner's band is full (%.1f px), the sleeper's on-CPU part a tenth of it (%.1f px)", (double)full,
          (double)low);
    CHECK(fabsf(rdy[0][3] - run[1][1]) <= 0.5f && fabsf((rdy[0][3] - rdy[0][1]) - 0.2f * full) <= 0.05f * full + 0.5f,
          "the sleeper's ready part sits on its on-CPU part, a fifth of the band (%.1f px)",
          (double)(rdy[0][3] - rdy[0][1]));
    CHECK(fabsf(run[0][0] - CTRACE__TIME_LEFT) <= 1 && fabsf(run[0][2] - (900 - CTRACE__TIME_RIGHT)) <= 2 &&
              fabsf(run[0][0] - run[1][0]) < 1 && fabsf(run[0][2] - run[1][2]) < 1,
          "both bands span the sampled time, the whole time axis here (x %.0f to %.0f)", (double)run[0][0],
          (double)run[0][2]);
    if (pt_img_new(&im, 900, 500)) {
      memset(&cfg, 0, sizeof cfg);
      cfg.chart = CTRACE_CHART_TIMELINE;
      cfg.width = 900;
      cfg.height = 500;
      CHECK_EQ_INT(ctrace_chart_rgba(b, &cfg, im.px), 0, "the timeline with running bands draws");
      bad = pt_compare_canvas(&c, &im, 6000, &compared, why, sizeof why);
      CHECK(compared > 2000 && bad == 0, "running bands: %ld sampled pixels match the layout (%ld wrong) %s",
            compared, bad, why);
      CHECK(pt_diff(pt_get(&im, (int)mid, (int)((run[0][1] + run[0][3]) / 2)), CTRACE__RUN_FILL) <= 12 &&
                pt_diff(pt_get(&im, (int)mid, (int)(run[1][3] - 0.2f * full)), CTRACE__READY_FILL) <= 12 &&
                pt_diff(pt_get(&im, (int)mid, (int)(run[1][3] - 0.7f * full)), CTRACE__RUN_FILL) > 60 &&
                pt_diff(pt_get(&im, (int)mid, (int)(run[1][3] - 0.7f * full)), CTRACE__READY_FILL) > 60,
            "pixels: the spinner's band is on-CPU colour, the sleeper's ready colour low and neither high up");
      free(im.mem);
    }
  }
  ctrace__canvas_free(&c);
  ctrace_analysis_free(b);
}

static void test_config_errors(const ctrace_analysis *a) {
  ctrace_png_config cfg;
  unsigned char px[4];
  char err[200];
  memset(&cfg, 0, sizeof cfg);
  cfg.error = err;
  cfg.error_size = sizeof err;
  cfg.width = 15;
  err[0] = 0;
  CHECK_EQ_INT(ctrace_chart_rgba(a, &cfg, px), CTRACE_E_INVALID, "width 15 is refused");
  CHECK(strstr(err, "out of range") != NULL, "its error says why: %s", err);
  cfg.width = 8193;
  CHECK_EQ_INT(ctrace_chart_rgba(a, &cfg, px), CTRACE_E_INVALID, "width 8193 is refused");
  cfg.width = 100;
  cfg.height = -5;
  CHECK_EQ_INT(ctrace_chart_rgba(a, &cfg, px), CTRACE_E_INVALID, "a negative height is refused");
  cfg.height = 100;
  cfg.chart = 3;
  CHECK_EQ_INT(ctrace_chart_rgba(a, &cfg, px), CTRACE_E_INVALID, "an unknown chart is refused");
  CHECK_EQ_INT(ctrace_chart_rgba(NULL, NULL, px), CTRACE_E_INVALID, "no analysis is refused");
  CHECK_EQ_INT(ctrace_png(NULL, "x.png", NULL), CTRACE_E_INVALID, "no trace path is refused");
}

/* ---- 3. PNG files --------------------------------------------------------- */

#ifdef CTRACE_WITH_PNG
static unsigned char *pt_slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  unsigned char *d;
  long len;
  *n = 0;
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  len = ftell(f);
  fseek(f, 0, SEEK_SET);
  d = (unsigned char *)malloc(len > 0 ? (size_t)len : 1u);
  if (d && len > 0 && fread(d, 1, (size_t)len, f) == (size_t)len) *n = (size_t)len;
  fclose(f);
  return d;
}

static uint32_t pt_be32(const unsigned char *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Signature, IHDR first with the size, IEND last. */
static int pt_png_header(const unsigned char *d, size_t n, uint32_t w, uint32_t h) {
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  return n > 57 && memcmp(d, sig, 8) == 0 && pt_be32(d + 8) == 13 && memcmp(d + 12, "IHDR", 4) == 0 &&
         pt_be32(d + 16) == w && pt_be32(d + 20) == h && d[24] == 8 && (d[25] == 2 || d[25] == 6) &&
         memcmp(d + n - 8, "IEND", 4) == 0;
}

/* The file decodes to exactly the pixels given (when a decoder exists). */
static int pt_png_equals(const unsigned char *d, size_t n, const unsigned char *rgba, int w, int h) {
#ifdef PT_HAVE_DECODER
  int dw = 0, dh = 0, comp = 0, same;
  unsigned char *px = stbi_load_from_memory(d, (int)n, &dw, &dh, &comp, 4);
  same = px && dw == w && dh == h && memcmp(px, rgba, (size_t)w * (size_t)h * 4u) == 0;
  stbi_image_free(px);
  return same;
#else
  (void)d; (void)n; (void)rgba; (void)w; (void)h;
  return 1;
#endif
}

/* The encoder filters the pixels in place: encode a copy, so the test can
   compare the file with what it drew. */
static int pt_write_copy(const char *path, const unsigned char *px, int w, int h) {
  size_t n = (size_t)w * (size_t)h * 4u;
  unsigned char *copy = (unsigned char *)malloc(n);
  int rc;
  if (!copy) return -1;
  memcpy(copy, px, n);
  rc = ctrace__png_write(path, copy, w, h);
  free(copy);
  return rc;
}

static void test_png_files(const ctrace_analysis *a) {
  ctrace__canvas c;
  pt_img im;
  ctrace_png_config cfg;
  char path[600], err[300];
  unsigned char *d;
  size_t n;
  int rc;
#ifndef PT_HAVE_DECODER
  harness_skip("PNG decode", "stb/stb_image.h not found; only the PNG structure is checked");
#endif
  /* A hand-built canvas, through the encoder. */
  if (!pt_img_new(&im, 64, 40)) return;
  ctrace__canvas_init(&c, 64, 40, 0xf0f0f0ffu);
  ctrace__canvas_rect(&c, 3, 3, 30, 20, 0x4e79a7c0u, 0x000000ffu, 1);
  ctrace__canvas_text(&c, 5, 35, 12, 0, 0x222222ffu, "ctrace");
  pt_render(&c, &im);
  rc = pt_write_copy(pt_path(path, sizeof path, "hand.png"), im.px, 64, 40);
  d = pt_slurp(path, &n);
  CHECK(rc == 0 && d && pt_png_header(d, n, 64, 40), "hand canvas: a PNG file of 64x40 (rc %d, %lu bytes)", rc,
        (unsigned long)n);
  CHECK(d && pt_png_equals(d, n, im.px, 64, 40), "hand canvas: the PNG decodes to exactly the rendered pixels");
  free(d);
  ctrace__canvas_free(&c);

  /* Transparent background: stored with alpha, decodes exactly. */
  ctrace__canvas_init(&c, 64, 40, 0x00000000u);
  ctrace__canvas_rect(&c, 3.5f, 3, 30, 20, 0x4e79a7c0u, 0, 0);
  pt_render(&c, &im);
  rc = pt_write_copy(path, im.px, 64, 40);
  d = pt_slurp(path, &n);
  CHECK(rc == 0 && d && pt_png_header(d, n, 64, 40) && d[25] == 6 && pt_png_equals(d, n, im.px, 64, 40),
        "a transparent canvas is written as RGBA and decodes exactly");
  free(d);
  ctrace__canvas_free(&c);
  free(im.mem);

  /* The encoder's own deflate on data unlike a chart: noise (literals),
     short repeats at many distances, long runs, odd sizes. */
  {
    static const int sizes[3][2] = {{1, 1}, {333, 77}, {700, 400}};
    int t, ok = 1;
    for (t = 0; t < 3; ++t) {
      int w = sizes[t][0], h = sizes[t][1], x, y;
      uint32_t seed = 99u + (uint32_t)t;
      unsigned char *px = (unsigned char *)malloc((size_t)w * (size_t)h * 4u);
      if (!px) break;
      for (y = 0; y < h; ++y)
        for (x = 0; x < w; ++x) {
          unsigned char *q = px + ((size_t)y * (size_t)w + (size_t)x) * 4u;
          seed = (uint32_t)(seed * 1103515245ull + 12345u); /* 64-bit product: no wrap */
          if (y % 3 == 0) memset(q, (int)(seed >> 24), 3);            /* noise */
          else if (y % 3 == 1) memset(q, (x / (1 + y % 17)) & 0xff, 3); /* repeats */
          else memset(q, 0x40, 3);                                    /* a run */
          q[3] = (unsigned char)(t == 2 ? seed >> 16 : 255u);
        }
      rc = pt_write_copy(pt_path(path, sizeof path, "noise.png"), px, w, h);
      d = pt_slurp(path, &n);
      if (rc != 0 || !d || !pt_png_header(d, n, (uint32_t)w, (uint32_t)h) || !pt_png_equals(d, n, px, w, h)) ok = 0;
      free(d);
      free(px);
    }
    CHECK(ok, "noise, repeats and runs (1x1, 333x77, 700x400 with alpha) decode exactly");
  }

  /* A chart at a requested size through the public function. */
  memset(&cfg, 0, sizeof cfg);
  cfg.width = 1000;
  cfg.height = 600;
  cfg.chart = CTRACE_CHART_HEAP;
  cfg.error = err;
  cfg.error_size = sizeof err;
  rc = ctrace_png_from_analysis(a, pt_path(path, sizeof path, "heap.png"), &cfg);
  d = pt_slurp(path, &n);
  CHECK(rc == 0 && d && pt_png_header(d, n, 1000, 600), "ctrace_png_from_analysis writes a 1000x600 PNG (rc %d)",
        rc);
  if (d && pt_img_new(&im, 1000, 600)) {
    ctrace_chart_rgba(a, &cfg, im.px);
    CHECK(pt_png_equals(d, n, im.px, 1000, 600), "the chart PNG decodes to the pixels ctrace_chart_rgba draws");
    free(im.mem);
  }
  free(d);

  /* Errors. */
  err[0] = 0;
  snprintf(path, sizeof path, "%s/no/such/dir/x.png", g_dir);
  CHECK_EQ_INT(ctrace_png_from_analysis(a, path, &cfg), CTRACE_E_OPEN, "an unwritable path gives CTRACE_E_OPEN");
  CHECK(strstr(err, "no/such/dir/x.png") != NULL, "its message names the file: %s", err);
  if (access("/dev/full", W_OK) == 0) {
    CHECK_EQ_INT(ctrace_png_from_analysis(a, "/dev/full", &cfg), CTRACE_E_WRITE, "a full disk (/dev/full) gives CTRACE_E_WRITE");
  } else {
    harness_skip("full disk", "/dev/full is not writable here");
  }
  {
    /* A file size limit fails writes the way a full disk does, anywhere. */
    struct rlimit old, small;
    if (getrlimit(RLIMIT_FSIZE, &old) == 0) {
      void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
      small = old;
      small.rlim_cur = 1000;
      if (setrlimit(RLIMIT_FSIZE, &small) == 0) {
        rc = ctrace_png_from_analysis(a, pt_path(path, sizeof path, "limited.png"), &cfg);
        setrlimit(RLIMIT_FSIZE, &old);
        CHECK_EQ_INT(rc, CTRACE_E_WRITE, "a write cut off by a file size limit gives CTRACE_E_WRITE");
      }
      signal(SIGXFSZ, prev);
    }
  }
  cfg.width = 20000;
  CHECK_EQ_INT(ctrace_png_from_analysis(a, pt_path(path, sizeof path, "big.png"), &cfg), CTRACE_E_INVALID,
            "a 20000 px wide PNG is refused");
  CHECK(access(path, F_OK) != 0, "and no file is created for it");
}

/* End to end from a trace file written by the library itself. */
static void test_png_from_trace(void) {
  ctrace_png_config cfg;
  ctrace_analysis *a = NULL;
  char trace[600], out[600], err[300];
  unsigned char *d;
  size_t n;
  int i, rc;
  static const int charts[3] = {CTRACE_CHART_HEAP, CTRACE_CHART_TIMELINE, CTRACE_CHART_FLAME};
  pt_path(trace, sizeof trace, "run.ctrace");
  if (!CHECK_EQ_INT(ctrace_start(trace), 0, "a trace to draw is written")) return;
  CTRACE_THREAD_NAME("main");
  for (i = 0; i < 300; ++i) {
    void *p = ctrace_malloc((size_t)(100 + i * 37));
    CTRACE_ZONE_BEGIN("step");
    if (i % 50 == 49) {
      CTRACE_GC_BEGIN("test");
      CTRACE_GC_END();
    }
    CTRACE_ZONE_END();
    if (i % 3) ctrace_free(p);
  }
  ctrace_stop();

  memset(&cfg, 0, sizeof cfg);
  cfg.error = err;
  cfg.error_size = sizeof err;
  for (i = 0; i < 3; ++i) {
    char name[40];
    snprintf(name, sizeof name, "run_%d.png", i);
    cfg.chart = charts[i];
    err[0] = 0;
    rc = ctrace_png(trace, pt_path(out, sizeof out, name), &cfg);
    d = pt_slurp(out, &n);
    if (charts[i] == CTRACE_CHART_HEAP) {
      CHECK(rc == 0 && d && pt_png_header(d, n, 1600, 900), "ctrace_png chart %d: a 1600x900 PNG (rc %d %s)",
            charts[i], rc, err);
    } else {
      /* 900 is a maximum: one thread's timeline or a two-row flame graph
         is cut below its axis, with no blank canvas left under it */
      uint32_t ph = d && n > 24 ? pt_be32(d + 20) : 0;
      CHECK(rc == 0 && d && ph >= 60 && ph < 450 && pt_png_header(d, n, 1600, ph),
            "ctrace_png chart %d: 1600 wide, as tall as its content (%u rows; rc %d %s)", charts[i],
            (unsigned)ph, rc, err);
      if (charts[i] == CTRACE_CHART_FLAME && ph && ctrace_analyze(trace, NULL, &a, NULL, 0) == 0 && a) {
        pt_img im;
        if (pt_img_new(&im, 1600, 900)) {
          size_t x, y, below = 0, last = 0;
          cfg.chart = CTRACE_CHART_FLAME;
          ctrace_chart_rgba(a, &cfg, im.px);
          for (y = 0; y < 900; ++y)
            for (x = 0; x < 1600; ++x) {
              const unsigned char *q = im.px + (y * 1600 + x) * 4;
              if (q[0] != 255 || q[1] != 255 || q[2] != 255) {
                if (y >= ph) below++;
                else if (y + 20 >= ph) last++;
              }
            }
          CHECK(below == 0 && last > 0, "flame PNG: cut right under the ink (%lu px below, %lu in the last 20 rows)",
                (unsigned long)below, (unsigned long)last);
          free(im.mem);
        }
        ctrace_analysis_free(a);
        cfg.chart = charts[i];
      }
    }
    if (i == 0 && d && ctrace_analyze(trace, NULL, &a, NULL, 0) == 0 && a) {
      pt_img im;
      if (pt_img_new(&im, 1600, 900)) {
        cfg.chart = CTRACE_CHART_HEAP;
        ctrace_chart_rgba(a, &cfg, im.px);
        CHECK(pt_png_equals(d, n, im.px, 1600, 900), "the file's pixels are the analysis's heap chart");
        free(im.mem);
      }
      ctrace_analysis_free(a);
    }
    free(d);
  }
  cfg.chart = 0;
  err[0] = 0;
  rc = ctrace_png(pt_path(trace, sizeof trace, "missing.ctrace"), pt_path(out, sizeof out, "m.png"), &cfg);
  CHECK(rc < 0 && strstr(err, "missing.ctrace") != NULL, "a missing trace: error %d naming it: %s", rc, err);
  {
    FILE *f = fopen(pt_path(trace, sizeof trace, "empty.ctrace"), "wb");
    if (f) fclose(f);
  }
  err[0] = 0;
  rc = ctrace_png(trace, out, &cfg);
  CHECK(rc < 0 && err[0] != 0, "an empty trace: error %d with a message: %s", rc, err);
}
#endif

int main(void) {
  ctrace_analysis *a;
  pt_make_dir();
  test_rect_exact();
  test_lines();
  test_concave_polygon();
  test_stroke_joints();
  test_hostile_coordinates();
  test_text();
  a = pt_hand_analysis();
  if (CHECK(a != NULL, "a hand-made analysis for the charts")) {
    test_heap_chart(a);
    test_other_charts(a);
    test_running_band(a);
    test_config_errors(a);
#ifdef CTRACE_WITH_PNG
    test_png_files(a);
#else
    CHECK_EQ_INT(ctrace_png_from_analysis(a, "x.png", NULL), CTRACE_E_UNSUPPORTED,
              "without CTRACE_WITH_PNG, PNG output is unsupported");
#endif
    ctrace_analysis_free(a);
  }
#ifdef CTRACE_WITH_PNG
  test_png_from_trace();
#endif
  return harness_done();
}
