/* tests/test_analysis.c - the analysis against hand-made event sequences with
   exact timestamps (fed through ctrace_analysis_begin/_add/_end), so every
   figure has a hand-computed expectation; plus a real trace written with the
   public API, where only relations that must hold exactly are asserted. */
#include <stddef.h> /* size_t only; ctrace.h must come before POSIX headers */

/* Count the library's own allocations to show memory stays bounded. */
static void *test_alloc(size_t n);
static void *test_realloc(void *p, size_t n);
static void test_free(void *p);
#define CTRACE_MEM_ALLOC(n) test_alloc(n)
#define CTRACE_MEM_REALLOC(p, n) test_realloc((p), (n))
#define CTRACE_MEM_FREE(p) test_free(p)
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "../ctrace.h"
#include "harness.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define HDR 16 /* room for the size in front of each block, keeping alignment */

static long test_bytes_held; /* updated atomically: the tracer's threads allocate too */

static void *test_alloc(size_t n) {
  size_t *p = (size_t *)malloc(n + HDR);
  if (!p) return NULL;
  *p = n;
  __sync_fetch_and_add(&test_bytes_held, (long)n);
  return (char *)p + HDR;
}
static void test_free(void *q) {
  size_t *p;
  if (!q) return;
  p = (size_t *)(void *)((char *)q - HDR);
  __sync_fetch_and_sub(&test_bytes_held, (long)*p);
  free(p);
}
static void *test_realloc(void *q, size_t n) {
  size_t *p, old;
  if (!q) return test_alloc(n);
  p = (size_t *)(void *)((char *)q - HDR);
  old = *p;
  p = (size_t *)realloc(p, n + HDR);
  if (!p) return NULL;
  *p = n;
  __sync_fetch_and_add(&test_bytes_held, (long)n - (long)old);
  return (char *)p + HDR;
}

/* ---- building event sequences ------------------------------------------- */

static ctrace_analysis *A; /* the analysis being fed */

static ctrace_event ev_make(int kind, uint32_t thread, int64_t t) {
  ctrace_event e;
  memset(&e, 0, sizeof e);
  e.kind = kind;
  e.thread = thread;
  e.time_ns = t;
  e.name = "";
  e.message = "";
  e.file = "";
  return e;
}
static void feed(const ctrace_event *e) { ctrace_analysis_add(A, e); }
static void zb(uint32_t th, int64_t t, const char *name, const char *file, uint32_t line) {
  ctrace_event e = ev_make(CTRACE_EV_ZONE_BEGIN, th, t);
  e.name = name;
  e.file = file;
  e.line = line;
  feed(&e);
}
static void ze(uint32_t th, int64_t t) {
  ctrace_event e = ev_make(CTRACE_EV_ZONE_END, th, t);
  feed(&e);
}
static void al(uint32_t th, int64_t t, uint64_t ptr, uint64_t size, const char *file, uint32_t line) {
  ctrace_event e = ev_make(CTRACE_EV_ALLOC, th, t);
  e.ptr = ptr;
  e.size = size;
  e.file = file;
  e.line = line;
  feed(&e);
}
static void fr(uint32_t th, int64_t t, uint64_t ptr) {
  ctrace_event e = ev_make(CTRACE_EV_FREE, th, t);
  e.ptr = ptr; /* size stays 0: the analysis must know it from the ALLOC */
  feed(&e);
}
static void gcb(uint32_t th, int64_t t, const char *reason) {
  ctrace_event e = ev_make(CTRACE_EV_GC_BEGIN, th, t);
  e.name = reason;
  feed(&e);
}
static void gce(uint32_t th, int64_t t) {
  ctrace_event e = ev_make(CTRACE_EV_GC_END, th, t);
  feed(&e);
}
static void counter(uint32_t th, int64_t t, const char *name, int64_t v) {
  ctrace_event e = ev_make(CTRACE_EV_COUNTER, th, t);
  e.name = name;
  e.value = v;
  feed(&e);
}

static void start(const ctrace_analysis_config *cfg) {
  A = NULL;
  if (ctrace_analysis_begin(cfg, &A) != 0 || !A) {
    FAIL("ctrace_analysis_begin failed", "analysis begins");
    exit(harness_done());
  }
}
static void finish(int64_t duration) {
  ctrace_trace_info info;
  memset(&info, 0, sizeof info);
  info.duration_ns = duration;
  CHECK_EQ_INT(ctrace_analysis_end(A, &info), 0, "analysis ends without error");
}

static const ctrace_zone_stats *zone(const char *name) {
  return ctrace_analysis_find_zone(A, name, NULL, 0);
}

/* ---- output capture ---------------------------------------------------------- */

typedef struct buf {
  char *p;
  size_t n, cap;
  int ended;
} buf;

static int buf_write(void *user, const void *data, size_t size) {
  buf *b = (buf *)user;
  if (!size) {
    b->ended = 1;
    return 0;
  }
  if (b->n + size + 1 > b->cap) {
    size_t c = (b->n + size + 1) * 2;
    char *q = (char *)realloc(b->p, c);
    if (!q) return CTRACE_E_NOMEM;
    b->p = q;
    b->cap = c;
  }
  memcpy(b->p + b->n, data, size);
  b->n += size;
  b->p[b->n] = '\0';
  return 0;
}
static void buf_reset(buf *b) {
  free(b->p);
  memset(b, 0, sizeof *b);
}
static int failing_write(void *user, const void *data, size_t size) {
  (void)user;
  (void)data;
  (void)size;
  return CTRACE_E_WRITE;
}

/* ---- a strict little JSON checker (RFC 8259 grammar, UTF-8 validated) ---- */

typedef struct jp {
  const char *s;
  size_t i, n;
  int ok;
} jp;

static void jp_ws(jp *p) {
  while (p->i < p->n && strchr(" \t\r\n", p->s[p->i])) p->i++;
}
static int jp_value(jp *p, int depth);
static int jp_string(jp *p) {
  if (p->i >= p->n || p->s[p->i] != '"') return 0;
  p->i++;
  while (p->i < p->n) {
    unsigned char c = (unsigned char)p->s[p->i];
    if (c == '"') {
      p->i++;
      return 1;
    }
    if (c < 0x20) return 0;
    if (c == '\\') {
      char e = p->i + 1 < p->n ? p->s[p->i + 1] : 0;
      if (e == 'u') {
        int k;
        for (k = 2; k < 6; k++)
          if (p->i + k >= p->n || !strchr("0123456789abcdefABCDEF", p->s[p->i + k])) return 0;
        p->i += 6;
        continue;
      }
      if (!e || !strchr("\"\\/bfnrt", e)) return 0;
      p->i += 2;
      continue;
    }
    if (c >= 0x80) { /* lead byte, then the right number of continuation bytes */
      size_t k = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0, j;
      if (!k || p->i + k > p->n) return 0;
      for (j = 1; j < k; j++)
        if (((unsigned char)p->s[p->i + j] & 0xC0) != 0x80) return 0;
      p->i += k;
      continue;
    }
    p->i++;
  }
  return 0;
}
static int jp_number(jp *p) {
  size_t st = p->i;
  if (p->s[p->i] == '-') p->i++;
  if (p->i >= p->n || !(p->s[p->i] >= '0' && p->s[p->i] <= '9')) return 0;
  if (p->s[p->i] == '0') p->i++;
  else
    while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') p->i++;
  if (p->i < p->n && p->s[p->i] == '.') {
    p->i++;
    if (!(p->s[p->i] >= '0' && p->s[p->i] <= '9')) return 0;
    while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') p->i++;
  }
  if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
    p->i++;
    if (p->s[p->i] == '+' || p->s[p->i] == '-') p->i++;
    if (!(p->s[p->i] >= '0' && p->s[p->i] <= '9')) return 0;
    while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') p->i++;
  }
  return p->i > st;
}
static int jp_lit(jp *p, const char *w) {
  size_t k = strlen(w);
  if (p->n - p->i < k || memcmp(p->s + p->i, w, k)) return 0;
  p->i += k;
  return 1;
}
static int jp_value(jp *p, int depth) {
  jp_ws(p);
  if (p->i >= p->n || depth > 64) return 0;
  switch (p->s[p->i]) {
  case '{':
    p->i++;
    jp_ws(p);
    if (p->s[p->i] == '}') return ++p->i, 1;
    for (;;) {
      jp_ws(p);
      if (!jp_string(p)) return 0;
      jp_ws(p);
      if (p->s[p->i] != ':') return 0;
      p->i++;
      if (!jp_value(p, depth + 1)) return 0;
      jp_ws(p);
      if (p->s[p->i] == ',') p->i++;
      else if (p->s[p->i] == '}') return ++p->i, 1;
      else return 0;
    }
  case '[':
    p->i++;
    jp_ws(p);
    if (p->s[p->i] == ']') return ++p->i, 1;
    for (;;) {
      if (!jp_value(p, depth + 1)) return 0;
      jp_ws(p);
      if (p->s[p->i] == ',') p->i++;
      else if (p->s[p->i] == ']') return ++p->i, 1;
      else return 0;
    }
  case '"': return jp_string(p);
  case 't': return jp_lit(p, "true");
  case 'f': return jp_lit(p, "false");
  case 'n': return jp_lit(p, "null");
  default: return jp_number(p);
  }
}
static int json_valid(const char *s, size_t n) {
  jp p;
  p.s = s;
  p.i = 0;
  p.n = n;
  p.ok = 1;
  if (!jp_value(&p, 0)) return 0;
  jp_ws(&p);
  return p.i == n;
}

/* The integer after "key": in the first object of json that follows after. */
static long long json_int_after(const char *json, const char *after, const char *key) {
  const char *p = strstr(json, after);
  char pat[64];
  if (!p) return -999999;
  snprintf(pat, sizeof pat, "\"%s\":", key);
  p = strstr(p, pat);
  return p ? strtoll(p + strlen(pat), NULL, 10) : -999999;
}

/* ---- tests ------------------------------------------------------------------------ */

typedef struct span_log {
  ctrace_span s[16];
  char names[16][16];
  int n;
} span_log;
static void on_span(void *user, const ctrace_span *s) {
  span_log *l = (span_log *)user;
  if (l->n < 16) {
    l->s[l->n] = *s;
    snprintf(l->names[l->n], sizeof l->names[0], "%s", s->name);
    l->n++;
  }
}

static void test_self_time(void) {
  ctrace_analysis_config cfg;
  span_log log;
  const ctrace_zone_stats *a, *b, *c, *b2;
  const ctrace_flame_node *fl;
  uint32_t nf, i, na = 0, nb = 0;
  memset(&cfg, 0, sizeof cfg);
  memset(&log, 0, sizeof log);
  cfg.on_span = on_span;
  cfg.user = &log;
  start(&cfg);
  /* thread 1: A [0,100] holds B [10,30] and C [40,45]; thread 2 interleaves
     B at another site [20,70] */
  zb(1, 0, "A", "m.c", 1);
  zb(1, 10, "B", "m.c", 2);
  zb(2, 20, "B", "other.c", 9);
  ze(1, 30);
  zb(1, 40, "C", "m.c", 3);
  ze(1, 45);
  ze(2, 70);
  ze(1, 100);
  finish(0);
  a = zone("A");
  b = ctrace_analysis_find_zone(A, "B", "m.c", 2);
  b2 = ctrace_analysis_find_zone(A, "B", "other.c", 9);
  c = zone("C");
  if (!CHECK(a && b && b2 && c, "self: every zone found by name and site")) return;
  CHECK_EQ_INT(a->total_ns, 100, "self: A total");
  CHECK_EQ_INT(a->self_ns, 75, "self: A self = 100 - 20 - 5");
  CHECK_EQ_INT(b->self_ns, 20, "self: B self = its duration");
  CHECK_EQ_INT(b2->total_ns, 50, "self: same name at another site is its own zone");
  CHECK_EQ_INT(c->total_ns, 5, "self: C total");
  CHECK_EQ_INT(log.n, 4, "self: on_span called once per zone");
  CHECK(strcmp(log.names[0], "B") == 0 && log.s[0].depth == 1 && strcmp(log.names[3], "A") == 0 &&
            log.s[3].depth == 0 && log.s[3].self_ns == 75 && !log.s[3].unfinished,
        "self: spans come children first, with depth and self time");
  fl = ctrace_analysis_flame(A, &nf);
  if (!CHECK(fl && nf == 5, "flame: root + A, B, C under A, B of thread 2 (merged by name)")) return;
  CHECK_EQ_INT(fl[0].total_ns, 75 + 20 + 5 + 50, "flame: root total = sum of all self times");
  for (i = 1; i < nf; i++) {
    if (strcmp(fl[i].name, "A") == 0) na++;
    if (strcmp(fl[i].name, "B") == 0) nb++;
  }
  CHECK(na == 1 && nb == 2, "flame: B under A and B at top level are different nodes");
  {
    const ctrace_thread_stats *th;
    uint32_t nt;
    th = ctrace_analysis_threads(A, &nt);
    CHECK(nt == 2 && th[0].id == 1 && th[0].busy_ns == 100 && th[1].busy_ns == 50 &&
              th[0].max_depth == 2,
          "threads: sorted by id, busy time and depth");
  }
  ctrace_analysis_free(A);
}

/* Exact nearest-rank order statistic of sorted v. */
static int64_t exact_rank(const int64_t *v, uint32_t n, double q) {
  uint64_t r = (uint64_t)(q * n);
  if ((double)r < q * n) r++;
  if (r < 1) r = 1;
  return v[r - 1];
}
static int cmp_i64(const void *x, const void *y) {
  int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
  return a < b ? -1 : a > b;
}

static void test_percentiles(void) {
  enum { N = 5000 };
  static int64_t v[N];
  static const double qs[] = {0.01, 0.1, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999};
  uint64_t seed = 12345;
  int64_t t = 0, total = 0;
  uint32_t i, bad = 0, nb;
  const ctrace_zone_stats *z;
  ctrace_hist_bin bins[40];
  uint64_t binsum = 0;
  start(NULL);
  for (i = 0; i < N; i++) {
    /* xorshift64, the left shifts dropping by mask the bits they would push out */
    seed ^= (seed & (UINT64_MAX >> 13)) << 13;
    seed ^= seed >> 7;
    seed ^= (seed & (UINT64_MAX >> 17)) << 17;
    /* durations spread over 1 ns .. ~1 s, log-uniform-ish */
    v[i] = (int64_t)((seed >> 33) % 1000) + 1;
    v[i] <<= (seed >> 20) % 20;
    zb(1, t, "work", "p.c", 1);
    ze(1, t + v[i]);
    total += v[i];
    t += v[i] + 7;
  }
  finish(0);
  z = zone("work");
  qsort(v, N, sizeof v[0], cmp_i64);
  if (!CHECK(z != NULL, "percentiles: zone found")) return;
  CHECK(z->count == N && z->total_ns == total && z->min_ns == v[0] && z->max_ns == v[N - 1],
        "percentiles: count, total, min, max exact");
  for (i = 0; i < sizeof qs / sizeof qs[0]; i++) {
    int64_t want = exact_rank(v, N, qs[i]), got = ctrace_histogram_percentile(z->hist, qs[i]);
    int64_t err = got > want ? got - want : want - got;
    if (err * 64 > want) {
      bad++;
      harness_note("q=%g: got %lld, exact %lld", qs[i], (long long)got, (long long)want);
    }
  }
  CHECK_EQ_UINT(bad, 0, "percentiles: within 1/64 of the exact nearest-rank value");
  CHECK(z->p50_ns == ctrace_histogram_percentile(z->hist, 0.5) &&
            z->p95_ns == ctrace_histogram_percentile(z->hist, 0.95),
        "percentiles: p50/p95 fields agree with the function");
  nb = ctrace_histogram_bins(z->hist, bins, 40);
  for (i = 0; i < nb; i++) {
    binsum += bins[i].count;
    if (bins[i].hi_ns <= bins[i].lo_ns || (i && bins[i].lo_ns != bins[i - 1].hi_ns)) bad++;
  }
  CHECK(nb > 1 && nb <= 40 && binsum == N && bad == 0 && bins[0].lo_ns == v[0] &&
            bins[nb - 1].hi_ns == v[N - 1] + 1,
        "histogram bins: contiguous, cover [min, max], counts sum to count (%u bins)", nb);
  ctrace_analysis_free(A);

  /* small values are exact */
  start(NULL);
  for (i = 0; i < 31; i++) {
    zb(1, 1000 * i, "tiny", "", 0);
    ze(1, 1000 * i + i + 1);
  }
  finish(0);
  z = zone("tiny");
  CHECK(z && z->p50_ns == 16 && ctrace_histogram_percentile(z->hist, 0.1) == 4 && z->max_ns == 31,
        "percentiles: values under 32 ns are exact");
  ctrace_analysis_free(A);
}

static void test_heap_series(void) {
  ctrace_analysis_config cfg;
  const ctrace_series_point *pts;
  const ctrace_mem_summary *m;
  uint32_t n, i, bad = 0, found = 0, allocs;
  uint64_t live = 0, peak = 0, ptr = 0x1000;
  int64_t peak_t = 0, t;
  memset(&cfg, 0, sizeof cfg);
  cfg.max_series_points = 64;
  start(&cfg);
  /* a sawtooth over 10 s: grow by 1 KiB steps, free everything every 50
     steps; one odd spike at t = 7.3 s */
  for (t = 0, i = 0; t < 10000000000LL; t += 1000000, i++) {
    uint64_t size = 1024 + (t == 7300000000LL ? 5000000 : 0);
    al(1, t, ptr + 16 * (i % 50), size, "h.c", 10);
    live += size;
    if (live > peak) {
      peak = live;
      peak_t = t;
    }
    if (i % 50 == 49) {
      uint32_t k;
      for (k = 0; k < 50; k++) fr(1, t + 1, ptr + 16 * k);
      live = 0;
    }
  }
  allocs = i;
  finish(0);
  m = ctrace_analysis_memory(A);
  pts = ctrace_analysis_heap_series(A, &n);
  CHECK(m->peak_alloc == peak && m->peak_time_ns == peak_t,
        "heap: peak value and time exact (%llu at %lld)", (unsigned long long)m->peak_alloc,
        (long long)m->peak_time_ns);
  if (!CHECK(pts && n > 0 && n <= 64, "heap: series has at most max_series_points points (%u)", n))
    return;
  for (i = 0; i < n; i++) {
    if (!(pts[i].min <= pts[i].first && pts[i].first <= pts[i].max && pts[i].min <= pts[i].last &&
          pts[i].last <= pts[i].max && pts[i].t_ns < pts[i].t_end_ns))
      bad++;
    if (i && pts[i].t_ns < pts[i - 1].t_end_ns) bad++;
    if (pts[i].max > (double)peak) bad++;
    if (pts[i].max == (double)peak && pts[i].max_t_ns == peak_t) found++;
  }
  CHECK_EQ_UINT(bad, 0, "heap: points ordered, first/last within min..max, none above the peak");
  CHECK_EQ_UINT(found, 1, "heap: the bucket holding the peak keeps its exact value and time");
  CHECK(m->alloc == live && m->mallocs == allocs && m->frees == m->mallocs - m->live_blocks,
        "heap: alloc at the end, mallocs and frees add up");
  ctrace_analysis_free(A);
}

typedef struct gc_log {
  int n, unfinished;
} gc_log;
static void on_gc(void *user, const ctrace_span *s) {
  gc_log *g = (gc_log *)user;
  g->n++;
  g->unfinished += s->unfinished;
}

static void test_gc(void) {
  ctrace_analysis_config cfg;
  const ctrace_gc_stats *g;
  const ctrace_gc_span *sp;
  const ctrace_problem *pr;
  uint32_t n, np, i;
  int nested = 0, orphan = 0, unfin = 0;
  gc_log log = {0, 0};
  memset(&cfg, 0, sizeof cfg);
  cfg.max_gc_spans = 2;
  cfg.on_gc = on_gc;
  cfg.user = &log;
  start(&cfg);
  gce(1, 50);            /* end without begin */
  gcb(3, 100, "heap doubled");
  gcb(3, 120, "again"); /* nested: ignored */
  gce(3, 150);
  gcb(3, 300, "explicit");
  gce(2, 400); /* any thread may end it */
  gcb(3, 1000, "heap doubled");
  gce(3, 1010);
  gcb(3, 1900, "last"); /* runs to the end: 100 ns */
  finish(2000);
  g = ctrace_analysis_gc(A);
  CHECK(g->count == 4 && g->completed == 3 && g->unfinished == 1, "gc: counts");
  CHECK(g->pause_total_ns == 50 + 100 + 10 + 100 && g->pause_max_ns == 100 && g->pause_min_ns == 10 &&
            g->pause_mean_ns == 65,
        "gc: total, longest, shortest, mean");
  CHECK_EQ_DBL(g->share, 260.0 / 2000.0, "gc: share of time");
  sp = ctrace_analysis_gc_spans(A, &n);
  CHECK(n == 2 && g->spans_dropped == 2 && sp[0].start_ns == 100 && sp[0].end_ns == 150 &&
            strcmp(sp[0].reason, "heap doubled") == 0 && sp[1].thread == 3,
        "gc: the first max_gc_spans spans kept with reasons, the rest counted");
  CHECK(log.n == 4 && log.unfinished == 1, "gc: on_gc for every collection");
  CHECK_EQ_UINT(ctrace_analysis_memory(A)->num_gc, 3, "gc: NumGC counts completed collections");
  pr = ctrace_analysis_problems(A, &np);
  for (i = 0; i < np; i++) {
    if (pr[i].kind == CTRACE_PROB_GC_NESTED) nested = (int)pr[i].count;
    if (pr[i].kind == CTRACE_PROB_GC_END_WITHOUT_BEGIN) orphan = (int)pr[i].count;
    if (pr[i].kind == CTRACE_PROB_GC_UNFINISHED) unfin = (int)pr[i].count;
  }
  CHECK(nested == 1 && orphan == 1 && unfin == 1, "gc: nested, orphan end, unfinished counted");
  ctrace_analysis_free(A);
}

static uint64_t problem_count(int kind) {
  const ctrace_problem *pr;
  uint32_t np, i;
  uint64_t c = 0;
  pr = ctrace_analysis_problems(A, &np);
  for (i = 0; i < np; i++)
    if (pr[i].kind == kind) c += pr[i].count;
  return c;
}

static void test_leaks_and_problems(void) {
  const ctrace_mem_summary *m;
  const ctrace_alloc_site *lk, *by;
  uint32_t n, dropped;
  start(NULL);
  zb(1, 0, "load", "l.c", 1);
  al(1, 10, 0xA0, 100, "a.c", 10);
  al(1, 11, 0xA1, 100, "a.c", 10);
  al(1, 12, 0xA2, 100, "a.c", 10);
  ze(1, 20);
  al(2, 30, 0xB0, 1000, "b.c", 20);
  fr(1, 40, 0xA1);
  fr(1, 41, 0xA1);  /* double free */
  fr(1, 42, 0xDEAD); /* never allocated */
  fr(1, 43, 0);      /* free(NULL): nothing */
  ze(1, 50);         /* END with no zone open */
  al(1, 60, 0xA0, 7, "c.c", 30); /* over a live block */
  finish(0);
  m = ctrace_analysis_memory(A);
  CHECK(m->alloc == 1107 && m->live_blocks == 3 && m->total_alloc == 1307 && m->mallocs == 5 &&
            m->frees == 1,
        "leaks: live bytes and blocks at the end (alloc=%llu)", (unsigned long long)m->alloc);
  lk = ctrace_analysis_leaks(A, &n, &dropped);
  CHECK(n == 3 && dropped == 0 && strcmp(lk[0].file, "b.c") == 0 && lk[0].live_bytes == 1000 &&
            strcmp(lk[1].file, "a.c") == 0 && lk[1].live_blocks == 1 && lk[1].live_bytes == 100 &&
            lk[2].line == 30,
        "leaks: grouped by site, by live bytes");
  CHECK(strcmp(lk[1].zone, "load") == 0 && strcmp(lk[0].zone, "") == 0,
        "leaks: site remembers the zone of its first allocation");
  by = ctrace_analysis_alloc_sites(A, CTRACE_BY_COUNT, &n);
  CHECK(n == 3 && strcmp(by[0].file, "a.c") == 0 && by[0].allocs == 3, "sites: by count");
  CHECK(problem_count(CTRACE_PROB_DOUBLE_FREE) == 1 && problem_count(CTRACE_PROB_UNTRACKED_FREE) == 1 &&
            problem_count(CTRACE_PROB_END_WITHOUT_BEGIN) == 1 &&
            problem_count(CTRACE_PROB_ALLOC_LIVE) == 1,
        "problems: double free, untracked free, END without BEGIN, alloc over live block");
  CHECK(zone("load") && zone("load")->count == 1 && zone("load")->total_ns == 20 &&
            zone("load")->alloc_bytes == 300,
        "problems: a stray END leaves the zones intact");
  ctrace_analysis_free(A);

  /* temporary allocations */
  start(NULL);
  al(1, 0, 0x10, 8, "t.c", 1);
  fr(1, 10, 0x10); /* before thread 1's next allocation: temporary */
  al(1, 100, 0x20, 8, "t.c", 2);
  al(1, 5000000, 0x30, 8, "t.c", 3);
  fr(1, 10000000, 0x20); /* 10 ms and another allocation in between: not */
  al(1, 20000000, 0x40, 8, "t.c", 4);
  fr(2, 103000000, 0x40); /* 83 ms later, but thread 1 allocated nothing since: temporary */
  finish(0);
  m = ctrace_analysis_memory(A);
  CHECK(m->temporary_allocs == 2 && m->temporary_bytes == 16,
        "temporary: freed before the allocating thread allocated again (heaptrack's rule: counts, not time; "
        "%llu found)", (unsigned long long)m->temporary_allocs);
  ctrace_analysis_free(A);
}

static void test_unfinished_and_deep(void) {
  ctrace_analysis_config cfg;
  span_log log;
  const ctrace_zone_stats *a, *b;
  uint32_t i;
  memset(&cfg, 0, sizeof cfg);
  memset(&log, 0, sizeof log);
  cfg.on_span = on_span;
  cfg.user = &log;
  start(&cfg);
  zb(1, 10, "outer", "u.c", 1);
  zb(1, 20, "inner", "u.c", 2);
  finish(100);
  a = zone("outer");
  b = zone("inner");
  CHECK(a && b && a->total_ns == 90 && b->total_ns == 80 && a->self_ns == 10 && a->unfinished == 1 &&
            b->unfinished == 1,
        "unfinished: closed at the trace end, flagged");
  CHECK(log.n == 2 && strcmp(log.names[0], "inner") == 0 && log.s[0].unfinished && log.s[1].unfinished,
        "unfinished: reported innermost first with the flag");
  CHECK_EQ_UINT(problem_count(CTRACE_PROB_UNFINISHED_ZONE), 2, "unfinished: listed as problems");
  CHECK_EQ_INT(ctrace_analysis_summary(A)->duration_ns, 100, "unfinished: duration from the info");
  ctrace_analysis_free(A);

  memset(&cfg, 0, sizeof cfg);
  cfg.max_depth = 4;
  start(&cfg);
  for (i = 0; i < 10; i++) zb(1, i, "d", "d.c", i);
  for (i = 0; i < 10; i++) ze(1, 100 + i);
  finish(0);
  CHECK(ctrace_analysis_summary(A)->too_deep == 6 && problem_count(CTRACE_PROB_END_WITHOUT_BEGIN) == 0 &&
            problem_count(CTRACE_PROB_UNFINISHED_ZONE) == 0,
        "depth: zones past max_depth counted, their ENDs still matched");
  CHECK(ctrace_analysis_find_zone(A, "d", "d.c", 0)->total_ns == 109,
        "depth: the outermost zone is measured exactly");
  ctrace_analysis_free(A);
}

static void test_empty_and_one(void) {
  buf b;
  uint32_t n;
  memset(&b, 0, sizeof b);
  start(NULL);
  finish(0);
  CHECK(ctrace_analysis_summary(A)->events == 0 && ctrace_analysis_zones(A, &n) == NULL && n == 0 &&
            ctrace_analysis_heap_series(A, &n) == NULL && n == 0,
        "empty: no events, no zones, no series");
  CHECK(ctrace_stats_json(A, buf_write, &b) == 0 && b.ended && json_valid(b.p, b.n),
        "empty: stats JSON is valid JSON");
  buf_reset(&b);
  CHECK(ctrace_stats_text(A, buf_write, &b) == 0 && strstr(b.p, "duration") != NULL, "empty: text summary");
  buf_reset(&b);
  CHECK(ctrace_export_csv(A, buf_write, &b) == 0 && strcmp(b.p, "name,file,line,count,total_ns,self_ns,"
                                                                "mean_ns,min_ns,p50_ns,p95_ns,max_ns\r\n") == 0,
        "empty: CSV is the header alone");
  buf_reset(&b);
  CHECK(ctrace_export_folded(A, 0, buf_write, &b) == 0 && b.n == 0, "empty: folded output is empty");
  buf_reset(&b);
  ctrace_analysis_free(A);

  start(NULL);
  {
    ctrace_event e = ev_make(CTRACE_EV_INSTANT, 7, 42);
    e.name = "tick";
    feed(&e);
  }
  finish(0);
  CHECK(ctrace_analysis_summary(A)->events == 1 && ctrace_analysis_summary(A)->threads == 1 &&
            ctrace_analysis_summary(A)->duration_ns == 42 &&
            ctrace_analysis_summary(A)->events_by_kind[CTRACE_EV_INSTANT] == 1,
        "one event: counted, its thread seen, duration = its time");
  CHECK(ctrace_stats_json(A, buf_write, &b) == 0 && json_valid(b.p, b.n), "one event: valid JSON");
  buf_reset(&b);
  ctrace_analysis_free(A);
}

static const char *HOSTILE = "q\"b\\c\x01" "d\xff" "e\xc3\xa9,\n;x";

static void test_outputs(void) {
  buf b;
  const char *p;
  long long total;
  memset(&b, 0, sizeof b);
  start(NULL);
  zb(1, 0, HOSTILE, "dir,\"x\".c", 5);
  zb(1, 10, "child", "c.c", 6);
  al(1, 15, 0x100, 4096, "c.c", 7);
  ze(1, 30);
  al(1, 35, 0x200, 100, "c.c", 8);
  ze(1, 100);
  al(1, 120, 0x300, 1, "c.c", 9); /* outside any zone */
  counter(1, 5, "queue", 3);
  finish(0);

  CHECK(ctrace_stats_json(A, buf_write, &b) == 0 && json_valid(b.p, b.n), "json: valid JSON");
  p = strstr(b.p, "\"name\":\"q\\\"b\\\\c\\u0001d\xef\xbf\xbd" "e\xc3\xa9,\\n;x\"");
  CHECK(p != NULL, "json: quote, backslash, control char escaped, invalid UTF-8 -> U+FFFD");
  total = json_int_after(b.p, "\"zones\":[", "total_ns");
  CHECK_EQ_INT(total, 100, "json: zones sorted by total, first is the outer zone");
  CHECK_EQ_INT(json_int_after(b.p, "\"memory\":", "total_alloc"), 4197, "json: memory total_alloc");
  buf_reset(&b);

  CHECK(ctrace_export_csv(A, buf_write, &b) == 0, "csv: written");
  p = strstr(b.p, "\r\n");
  {
    const char *want = "\"q\"\"b\\c<U+0001>d\xef\xbf\xbd" "e\xc3\xa9,\n;x\",\"dir,\"\"x\"\".c\",5,1,100,80,100,100,";
    CHECK(p && strncmp(p + 2, want, strlen(want)) == 0,
          "csv: fields with commas, quotes, newlines quoted; quotes doubled; a control marked");
  }
  CHECK(strstr(b.p, "\r\nchild,c.c,6,1,20,20,20,20,20,20,20\r\n") != NULL, "csv: plain row exact");
  buf_reset(&b);

  CHECK(ctrace_export_folded(A, 0, buf_write, &b) == 0, "folded: time written");
  CHECK(strstr(b.p, "q\"b\\c d\xef\xbf\xbd" "e\xc3\xa9, :x 80\n") != NULL &&
            strstr(b.p, "q\"b\\c d\xef\xbf\xbd" "e\xc3\xa9, :x;child 20\n") != NULL,
        "folded: ';' and control chars replaced, self time weights");
  buf_reset(&b);
  CHECK(ctrace_export_folded(A, 1, buf_write, &b) == 0 && strstr(b.p, "(no zone) 1\n") &&
            strstr(b.p, ";child 4096\n") && strstr(b.p, ":x 100\n"),
        "folded: bytes by innermost zone, outside zones as (no zone)");
  buf_reset(&b);

  CHECK(ctrace_stats_text(A, buf_write, &b) == 0 && strstr(b.p, "TotalAlloc") && strstr(b.p, "child") &&
            !strchr(b.p, '\x01'),
        "text: summary names zones, Go's figures, no control bytes from the trace");
  buf_reset(&b);
  CHECK(ctrace_stats_json(A, failing_write, NULL) == CTRACE_E_WRITE &&
            ctrace_export_csv(A, failing_write, NULL) == CTRACE_E_WRITE &&
            ctrace_export_folded(A, 0, failing_write, NULL) == CTRACE_E_WRITE &&
            ctrace_stats_text(A, failing_write, NULL) == CTRACE_E_WRITE,
        "outputs: a failing writer's error comes back");
  CHECK(ctrace_stats_json(NULL, buf_write, &b) == CTRACE_E_INVALID, "outputs: NULL analysis refused");
  ctrace_analysis_free(A);
}

/* Sum the weights of folded output; -1 if a line does not parse. */
static long long folded_sum(const char *s, int *lines) {
  long long sum = 0;
  *lines = 0;
  while (*s) {
    const char *nl = strchr(s, '\n'), *sp;
    char *end;
    long long w;
    if (!nl) return -1;
    for (sp = nl; sp > s && sp[-1] != ' '; sp--) {
    }
    if (sp == s || sp == nl) return -1;
    w = strtoll(sp, &end, 10);
    if (end != nl || w <= 0) return -1;
    for (end = (char *)s; end < sp - 1; end++)
      if (*end == '\n' || *end == '\r') return -1;
    sum += w;
    (*lines)++;
    s = nl + 1;
  }
  return sum;
}

static void test_caps_and_folded_sums(void) {
  ctrace_analysis_config cfg;
  const ctrace_zone_stats *zs;
  const ctrace_flame_node *fl;
  uint32_t nz, nf, i, k;
  uint64_t spans = 0;
  int64_t self_sum = 0, t = 0;
  long long w;
  int lines;
  buf b;
  char name[32];
  memset(&b, 0, sizeof b);
  memset(&cfg, 0, sizeof cfg);
  cfg.max_zones = 5;
  cfg.max_flame_nodes = 8;
  start(&cfg);
  for (i = 0; i < 40; i++) {
    snprintf(name, sizeof name, "z%u", i % 12);
    zb(1 + i % 3, t, name, "f.c", i % 12);
    for (k = 0; k < i % 4; k++) {
      snprintf(name, sizeof name, "in%u", (i + k) % 7);
      zb(1 + i % 3, t + 1 + k, name, "g.c", 1);
      al(1 + i % 3, t + 1 + k, 0x1000 + i * 16 + k, 10 + k, "g.c", 2);
    }
    for (k = 0; k < i % 4; k++) ze(1 + i % 3, t + 10 + 3 * k);
    ze(1 + i % 3, t + 50 + i);
    t += 100;
  }
  finish(0);
  zs = ctrace_analysis_zones(A, &nz);
  for (i = 0; i < nz; i++) {
    spans += zs[i].count;
    self_sum += zs[i].self_ns;
  }
  CHECK(nz == 6 && strcmp(zs[5].name, "(other)") == 0 && ctrace_analysis_summary(A)->zones_folded > 0,
        "caps: zones beyond max_zones fold into (other)");
  CHECK_EQ_UINT(spans, 40 + 60, "caps: every span still counted once");
  fl = ctrace_analysis_flame(A, &nf);
  CHECK(nf <= 8 && ctrace_analysis_summary(A)->flame_folded > 0 && fl[0].total_ns == self_sum,
        "caps: flame tree capped at %u nodes, root total = every zone's self time", nf);
  for (i = 0, k = 0; i < nf; i++) {
    int64_t child = 0;
    uint32_t c;
    for (c = fl[i].first_child; c != CTRACE_NONE; c = fl[c].next_sibling) child += fl[c].total_ns;
    if (fl[i].total_ns != fl[i].self_ns + child) k++;
  }
  CHECK_EQ_UINT(k, 0, "flame: total = self + children's totals at every node");
  ctrace_export_folded(A, 0, buf_write, &b);
  w = folded_sum(b.p ? b.p : "", &lines);
  CHECK(w == self_sum && lines > 0, "folded: %d lines parse, time weights sum to %lld (want %lld)", lines, w,
        (long long)self_sum);
  buf_reset(&b);
  ctrace_export_folded(A, 1, buf_write, &b);
  w = folded_sum(b.p ? b.p : "", &lines);
  CHECK(w == (long long)ctrace_analysis_memory(A)->total_alloc,
        "folded: byte weights sum to total_alloc (%lld)", w);
  buf_reset(&b);
  ctrace_analysis_free(A);
}

static void test_counters_tasks_logs(void) {
  ctrace_analysis_config cfg;
  const ctrace_counter_stats *c;
  const ctrace_zone_stats *tk;
  const ctrace_log_entry *lg;
  uint32_t n, i, found = 0;
  ctrace_event e;
  memset(&cfg, 0, sizeof cfg);
  cfg.max_series_points = 16;
  cfg.max_logs = 2;
  cfg.max_log_bytes = 3;
  start(&cfg);
  for (i = 0; i < 1000; i++) counter(1, (int64_t)i * 1000, "load", i == 777 ? 5000 : (int64_t)(i % 10));
  counter(1, 10, "ctrace.rss", 4096);
  counter(1, 20, "ctrace.rss", 8192);
  counter(1, 30, "ctrace.rss", 1024);
  e = ev_make(CTRACE_EV_COUNTER_F, 1, 40);
  e.name = "bad";
  e.fvalue = strtod("nan", NULL);
  feed(&e);
  e = ev_make(CTRACE_EV_TASK_BEGIN, 1, 100);
  e.name = "request";
  e.id = 9;
  feed(&e);
  e = ev_make(CTRACE_EV_TASK_END, 2, 350); /* ends on another thread */
  e.id = 9;
  feed(&e);
  e = ev_make(CTRACE_EV_TASK_END, 2, 360);
  e.id = 10; /* never begun */
  feed(&e);
  e = ev_make(CTRACE_EV_TASK_BEGIN, 1, 400);
  e.name = "request";
  e.id = 11; /* never ends */
  feed(&e);
  for (i = 0; i < 3; i++) {
    e = ev_make(CTRACE_EV_LOG, 1, 500 + i);
    e.name = "net";
    e.message = "ab\xc3\xa9xyz"; /* a cut at 3 bytes would split the e-acute */
    e.message_len = 7;
    feed(&e);
  }
  finish(1000000);
  c = ctrace_analysis_find_counter(A, "load");
  if (!CHECK(c != NULL, "counters: found by name")) return;
  CHECK(c->count == 1000 && c->max == 5000 && c->max_t_ns == 777000 && c->min == 0 && c->last == 9,
        "counters: count, min, max (with time), last exact");
  for (i = 0; i < c->n_series; i++)
    if (c->series[i].max == 5000 && c->series[i].max_t_ns == 777000) found++;
  CHECK(c->n_series <= 16 && found == 1, "counters: the spike survives downsampling to %u points",
        c->n_series);
  CHECK(ctrace_analysis_memory(A)->has_rss && ctrace_analysis_memory(A)->rss_peak == 8192 &&
            ctrace_analysis_memory(A)->rss_last == 1024 && ctrace_analysis_memory(A)->rss_peak_time_ns == 20,
        "counters: ctrace.rss is resident memory (peak and last)");
  CHECK(ctrace_analysis_find_counter(A, "bad") == NULL && problem_count(CTRACE_PROB_BAD_VALUE) == 1,
        "counters: a NaN sample is skipped and counted");
  tk = ctrace_analysis_tasks(A, &n);
  CHECK(n == 1 && tk[0].count == 2 && tk[0].unfinished == 1 && tk[0].min_ns == 250 &&
            tk[0].max_ns == 1000000 - 400,
        "tasks: cross-thread task measured, open task closed at the end");
  CHECK(problem_count(CTRACE_PROB_TASK_END_UNKNOWN) == 1 && problem_count(CTRACE_PROB_TASK_UNFINISHED) == 1,
        "tasks: unknown end and unfinished task counted");
  lg = ctrace_analysis_logs(A, &n);
  CHECK(n == 2 && ctrace_analysis_summary(A)->logs == 3 && ctrace_analysis_summary(A)->logs_dropped == 1,
        "logs: first max_logs kept, the rest counted");
  CHECK(lg && strcmp(lg[0].message, "ab") == 0 && lg[0].truncated && lg[0].message_len == 2 &&
            strcmp(lg[0].category, "net") == 0,
        "logs: cut to max_log_bytes on a UTF-8 boundary");
  ctrace_analysis_free(A);
}

/* Memory held by the analysis after a pass must not grow with the number of
   events when what is live at once does not. */
static long bytes_after(uint32_t rounds) {
  long held;
  uint32_t i;
  start(NULL);
  for (i = 0; i < rounds; i++) {
    int64_t t = (int64_t)i * 1000;
    zb(1 + i % 4, t, i % 2 ? "even" : "odd", "b.c", 1);
    al(1 + i % 4, t + 1, 0x10000 + (i % 64) * 64, 32, "b.c", 2);
    counter(1, t + 2, "c", i);
    if (i % 2 == 0) { /* logs and collections reach their caps in both runs */
      ctrace_event e = ev_make(CTRACE_EV_LOG, 1, t + 3);
      e.message = "hello";
      e.message_len = 5;
      feed(&e);
    }
    if (i % 2 == 1) {
      gcb(5, t + 3, "gc");
      gce(5, t + 4);
    }
    if (i >= 64) fr(1, t + 5, 0x10000 + ((i + 1) % 64) * 64);
    ze(1 + i % 4, t + 6);
  }
  held = test_bytes_held;
  ctrace_analysis_end(A, NULL);
  ctrace_analysis_free(A);
  return held;
}

static void test_bounded_memory(void) {
  long small = bytes_after(20000), big = bytes_after(200000);
  CHECK(big <= small + small / 10, "memory: 10x the events, same memory (%ld vs %ld bytes)", big, small);
}

/* ---- a real trace ------------------------------------------------------------------- */

static void sleep_ns(long ns) {
  struct timespec ts;
  ts.tv_sec = ns / 1000000000L;
  ts.tv_nsec = ns % 1000000000L;
  while (nanosleep(&ts, &ts) != 0) {
  }
}

static void test_real_trace(void) {
  char path[256], bad[256], err[256];
  ctrace_analysis *a = NULL;
  const ctrace_zone_stats *outer, *inner;
  const ctrace_mem_summary *m;
  ctrace_memstats ms;
  void *keep;
  int rc, i;
  FILE *f;
  snprintf(path, sizeof path, "build/tmp/test_analysis_%d.ctrace", (int)getpid());
  snprintf(bad, sizeof bad, "build/tmp/test_analysis_%d_cut.ctrace", (int)getpid());
  if (!CHECK(ctrace_start(path) == 0, "real: trace starts at %s", path)) return;
  CTRACE_THREAD_NAME("main");
  for (i = 0; i < 3; i++) {
    CTRACE_ZONE("outer");
    sleep_ns(1000000);
    {
      CTRACE_ZONE("inner");
      void *p = ctrace_malloc(1000);
      sleep_ns(2000000);
      ctrace_free(p);
    }
  }
  keep = ctrace_malloc(123);
  ctrace_read_memstats(&ms);
  CHECK_EQ_INT(ctrace_stop(), 0, "real: trace stops cleanly");
  rc = ctrace_analyze(path, NULL, &a, err, sizeof err);
  if (!CHECK(rc == 0 && a, "real: analysed (%s)", err)) return;
  outer = ctrace_analysis_find_zone(a, "outer", NULL, 0);
  inner = ctrace_analysis_find_zone(a, "inner", NULL, 0);
  if (CHECK(outer && inner, "real: both zones found")) {
    CHECK(outer->count == 3 && inner->count == 3, "real: 3 spans each");
    CHECK(inner->min_ns >= 2000000 && outer->min_ns >= 3000000,
          "real: durations at least the sleeps (inner min %lld ns)", (long long)inner->min_ns);
    CHECK(outer->self_ns + inner->total_ns == outer->total_ns && outer->self_ns >= 3000000,
          "real: outer self = outer total - inner total, exactly");
    CHECK(inner->allocs == 3 && inner->alloc_bytes == 3000, "real: allocations attributed to inner");
  }
  m = ctrace_analysis_memory(a);
  CHECK(m->mallocs == ms.mallocs && m->total_alloc == ms.total_alloc && m->alloc == ms.alloc &&
            m->alloc == 123 && m->live_blocks == 1,
        "real: memory figures equal ctrace_read_memstats (alloc %llu, total %llu)",
        (unsigned long long)m->alloc, (unsigned long long)m->total_alloc);
  {
    const ctrace_thread_stats *th;
    uint32_t n;
    th = ctrace_analysis_threads(a, &n);
    CHECK(n >= 1 && strcmp(th[0].name, "main") == 0, "real: thread name from the trace");
  }
  ctrace_analysis_free(a);
  ctrace_free(keep);

  /* cut the file in half: recovered analysis or a clear error, never a crash */
  f = fopen(path, "rb");
  if (f) {
    static char data[1 << 20];
    size_t n = fread(data, 1, sizeof data, f);
    FILE *g = fopen(bad, "wb");
    fclose(f);
    if (g) {
      fwrite(data, 1, n / 2, g);
      fclose(g);
    }
  }
  a = NULL;
  rc = ctrace_analyze(bad, NULL, &a, err, sizeof err);
  CHECK((rc == 0 && a) || (rc < 0 && strstr(err, bad) != NULL),
        "real: a cut trace gives an analysis or an error naming the file (rc %d: %s)", rc, err);
  if (a && rc < 0) CHECK(ctrace_analysis_summary(a)->damaged, "real: damaged flag set when rc < 0");
  ctrace_analysis_free(a);
  a = NULL;
  rc = ctrace_analyze("build/tmp/no-such-file.ctrace", NULL, &a, err, sizeof err);
  CHECK(rc < 0 && a == NULL && strstr(err, "no-such-file") != NULL, "real: missing file -> error naming it");
  remove(path);
  remove(bad);
}

int main(void) {
  test_self_time();
  test_percentiles();
  test_heap_series();
  test_gc();
  test_leaks_and_problems();
  test_unfinished_and_deep();
  test_empty_and_one();
  test_outputs();
  test_caps_and_folded_sums();
  test_counters_tasks_logs();
  test_bounded_memory();
  test_real_trace();
  return harness_done();
}
