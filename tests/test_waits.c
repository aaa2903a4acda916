/* tests/test_waits.c - waits and the time collections hold the program up.
   The analysis is fed hand-made events with exact times, so the held time and
   the minimum mutator utilization (MMU) have values worked out by hand below;
   then the recorder: CTRACE_WAIT, its begin/end form and the mutex wrapper
   (a wait only when the lock was taken), read back through the reader. */
#define CTRACE_IMPLEMENTATION
#include "../ctrace.h"
#include "harness.h"
#include "core_support.h"

#include <pthread.h>
#include <time.h>

#define MS 1000000LL

static ctrace_analysis *A;

static void put(int kind, uint32_t th, int64_t t, const char *name) {
  ctrace_event e;
  memset(&e, 0, sizeof e);
  e.kind = kind;
  e.thread = th;
  e.time_ns = t;
  e.name = name ? name : "";
  e.message = "";
  e.file = "";
  ctrace_analysis_add(A, &e);
}

static const ctrace_thread_stats *thread_of(uint32_t id) {
  uint32_t i, n;
  const ctrace_thread_stats *t = ctrace_analysis_threads(A, &n);
  for (i = 0; i < n; i++)
    if (t[i].id == id) return &t[i];
  return NULL;
}

typedef struct membuf {
  char *p;
  size_t n;
} membuf;
static int mem_write(void *user, const void *data, size_t size) {
  membuf *b = (membuf *)user;
  char *q = (char *)realloc(b->p, b->n + size + 1);
  if (!q) return CTRACE_E_NOMEM;
  if (size) memcpy(q + b->n, data, size); /* the last call is (NULL, 0) */
  b->n += size;
  q[b->n] = 0;
  b->p = q;
  return 0;
}

static int near(double x, double y) { return fabs(x - y) < 1e-9; }

/* Threads: 1 "main" and 4 "worker" (the program), 2 "GC" (only collects),
   3 "ctrace writer" (the tracer). The run lasts 10 ms.
     collections:  2-3 ms and 6-8 ms, on thread 2
     main waits:   2.5-3.2 ms (held 2.5-3.0) and 5.5-8.5 ms (held 6-8)
     worker waits: 7-9 ms (held 7-8)
   Held threads over time: 1 in [2.5,3), 1 in [6,7), 2 in [7,8), else 0.
   MMU(w) = 1 - (most held thread-time in any window of length w) / (2 w):
     w = 1 ms:  [7,8] holds 2 thread-ms          -> 1 - 2/2     = 0
     w = 2 ms:  [6,8] holds 1 + 2 = 3             -> 1 - 3/4     = 0.25
     w = 3 ms:  [5,8] (or [5.5,8.5]) holds 3      -> 1 - 3/6     = 0.5
     w = 4 ms:  [4,8] still 3 ([2.5,3] is too far) -> 1 - 3/8    = 0.625
     w = 6 ms:  [2.5,8.5] holds 0.5 + 3 = 3.5     -> 1 - 3.5/12  = 0.708333...
     w = 10 ms: the whole run, 3.5                -> 1 - 3.5/20  = 0.825 */
static void build_two_threads(void) {
  ctrace_trace_info info;
  memset(&info, 0, sizeof info);
  info.duration_ns = 10 * MS;
  A = NULL;
  ctrace_analysis_begin(NULL, &A);
  ctrace_analysis_set_thread(A, 1, "main", 0);
  ctrace_analysis_set_thread(A, 2, "GC", 0);
  ctrace_analysis_set_thread(A, 3, "ctrace writer", 0);
  ctrace_analysis_set_thread(A, 4, "worker", 0);
  put(CTRACE_EV_ZONE_BEGIN, 1, 0, "work");
  put(CTRACE_EV_ZONE_BEGIN, 4, 0, "work");
  put(CTRACE_EV_COUNTER, 3, 1 * MS, "ctrace.rss");
  put(CTRACE_EV_GC_BEGIN, 2, 2 * MS, "heap goal");
  put(CTRACE_EV_WAIT_BEGIN, 1, 2 * MS + MS / 2, "mutex");
  put(CTRACE_EV_GC_END, 2, 3 * MS, NULL);
  put(CTRACE_EV_WAIT_END, 1, 3 * MS + MS / 5, NULL);
  put(CTRACE_EV_WAIT_BEGIN, 1, 5 * MS + MS / 2, "GC");
  put(CTRACE_EV_GC_BEGIN, 2, 6 * MS, "heap goal");
  put(CTRACE_EV_WAIT_BEGIN, 4, 7 * MS, "mutex");
  put(CTRACE_EV_GC_END, 2, 8 * MS, NULL);
  put(CTRACE_EV_WAIT_END, 1, 8 * MS + MS / 2, NULL);
  put(CTRACE_EV_WAIT_END, 4, 9 * MS, NULL);
  put(CTRACE_EV_ZONE_END, 4, 10 * MS, NULL);
  put(CTRACE_EV_ZONE_END, 1, 10 * MS, NULL);
  CHECK_EQ_INT(ctrace_analysis_end(A, &info), 0, "hand-made trace analysed");
}

static void test_hand_made(void) {
  const ctrace_gc_stats *g;
  const ctrace_mmu_point *m;
  const ctrace_thread_stats *t1, *t2, *t3, *t4;
  uint32_t n, i, bad = 0;
  int64_t worst = -1;
  build_two_threads();
  t1 = thread_of(1);
  t2 = thread_of(2);
  t3 = thread_of(3);
  t4 = thread_of(4);
  if (!CHECK(t1 && t2 && t3 && t4, "four threads")) return;
  CHECK(t1->role == CTRACE_ROLE_PROGRAM && t4->role == CTRACE_ROLE_PROGRAM,
        "roles: main and worker are the program's");
  CHECK_EQ_INT(t2->role, CTRACE_ROLE_COLLECTOR, "roles: a thread that only collects is the collector");
  CHECK_EQ_INT(t3->role, CTRACE_ROLE_TRACER, "roles: \"ctrace writer\" is the tracer's");
  CHECK_EQ_UINT(ctrace_analysis_summary(A)->program_threads, 2, "two program threads");
  CHECK(t1->waits == 2 && t1->wait_ns == 7 * MS / 10 + 3 * MS, "main: 2 waits, 3.7 ms");
  CHECK_EQ_INT(t1->gc_held_ns, 5 * MS / 10 + 2 * MS, "main: held 2.5 ms (0.5 + 2)");
  CHECK_EQ_INT(t4->gc_held_ns, 1 * MS, "worker: held 1 ms (its wait's overlap with 6-8 ms)");
  CHECK_EQ_INT(t2->gc_held_ns, 0, "the collector's own collections hold nobody");
  g = ctrace_analysis_gc(A);
  CHECK(g->waits == 3 && g->wait_ns == 57 * MS / 10, "gc: 3 waits of the program, 5.7 ms");
  CHECK_EQ_INT(g->held_ns, 35 * MS / 10, "gc: held 3.5 thread-ms in total");
  CHECK_EQ_INT(g->held_wall_ns, 25 * MS / 10, "gc: someone held during 2.5 ms");
  CHECK_EQ_INT(g->pause_total_ns, 3 * MS, "gc: the collections last 3 ms");
  CHECK(near(ctrace_analysis_mmu_at(A, 1 * MS, &worst), 0.0) && worst == 7 * MS,
        "mmu 1 ms = 0, worst window at 7 ms (got start %lld)", (long long)worst);
  CHECK(near(ctrace_analysis_mmu_at(A, 2 * MS, &worst), 0.25) && worst == 6 * MS, "mmu 2 ms = 0.25 at 6 ms");
  CHECK(near(ctrace_analysis_mmu_at(A, 3 * MS, NULL), 0.5), "mmu 3 ms = 0.5");
  CHECK(near(ctrace_analysis_mmu_at(A, 4 * MS, NULL), 0.625), "mmu 4 ms = 0.625");
  CHECK(near(ctrace_analysis_mmu_at(A, 6 * MS, NULL), 1.0 - 3.5 / 12.0), "mmu 6 ms = 0.7083");
  CHECK(near(ctrace_analysis_mmu_at(A, 10 * MS, NULL), 0.825), "mmu 10 ms (the run) = 0.825");
  CHECK(near(ctrace_analysis_mmu_at(A, 50 * MS, NULL), 0.825), "a window longer than the run is the run");
  CHECK(near(ctrace_analysis_mmu_at(A, MS / 2, NULL), 0.0), "mmu 0.5 ms = 0");
  m = ctrace_analysis_mmu(A, &n);
  if (CHECK(m && n >= 3, "the curve has points (%u)", n)) {
    CHECK(m[0].window_ns == 1 * MS && near(m[0].utilization, 0.0), "curve starts at 1 ms with 0");
    CHECK(m[n - 1].window_ns == 10 * MS && near(m[n - 1].utilization, 0.825), "curve ends with the run, 0.825");
    for (i = 0; i + 1 < n; i++)
      if (m[i + 1].window_ns <= m[i].window_ns ||
          !near(m[i].utilization, ctrace_analysis_mmu_at(A, m[i].window_ns, NULL)))
        bad++;
    CHECK_EQ_UINT(bad, 0, "curve windows grow and agree with mmu_at");
  }
  {
    membuf b = {NULL, 0};
    ctrace_stats_json(A, mem_write, &b);
    CHECK(b.p && strstr(b.p, "\"program_threads\":2") && strstr(b.p, "\"held_ns\":3500000") &&
              strstr(b.p, "\"mmu\":[{\"window_ns\":1000000,\"utilization\":0,\"worst_start_ns\":7000000}") &&
              strstr(b.p, "\"window_ns\":10000000,\"utilization\":0.82499999999999996") &&
              strstr(b.p, "\"role\":\"tracer\""),
          "stats --json: program threads, held time, the MMU curve, roles");
    free(b.p);
    b.p = NULL;
    b.n = 0;
    ctrace_stats_text(A, mem_write, &b);
    CHECK(b.p && strstr(b.p, "held up 3.50 ms by collections") && strstr(b.p, "ctrace writer (ctrace's own)") &&
              strstr(b.p, "minimum mutator utilization"),
          "stats: held time, the tracer's thread named as such, the MMU");
    free(b.p);
  }
  ctrace_analysis_free(A);
}

/* One program thread that collects inline: its own collections hold it.
   Run 10 ms, collection 2-3 ms: MMU(1 ms) = 0, MMU(run) = 0.9. No waits, no
   collector thread. */
static void test_inline_collector(void) {
  ctrace_trace_info info;
  memset(&info, 0, sizeof info);
  info.duration_ns = 10 * MS;
  ctrace_analysis_begin(NULL, &A);
  put(CTRACE_EV_ZONE_BEGIN, 1, 0, "work");
  put(CTRACE_EV_GC_BEGIN, 1, 2 * MS, "alloc");
  put(CTRACE_EV_GC_END, 1, 3 * MS, NULL);
  put(CTRACE_EV_ZONE_END, 1, 10 * MS, NULL);
  ctrace_analysis_end(A, &info);
  CHECK(thread_of(1) && thread_of(1)->role == CTRACE_ROLE_PROGRAM && thread_of(1)->gc_held_ns == MS,
        "inline collector: the program thread is held by its own collection");
  CHECK(near(ctrace_analysis_mmu_at(A, MS, NULL), 0.0) && near(ctrace_analysis_mmu_at(A, 10 * MS, NULL), 0.9),
        "inline collector: mmu 1 ms = 0, run = 0.9");
  ctrace_analysis_free(A);
  /* A wait still open at the end counts to the end. */
  ctrace_analysis_begin(NULL, &A);
  put(CTRACE_EV_ZONE_BEGIN, 1, 0, "work");
  put(CTRACE_EV_GC_BEGIN, 2, 4 * MS, "goal");
  put(CTRACE_EV_WAIT_BEGIN, 1, 5 * MS, "GC");
  ctrace_analysis_end(A, &info);
  CHECK(thread_of(1) && thread_of(1)->wait_ns == 5 * MS && thread_of(1)->gc_held_ns == 5 * MS &&
            near(ctrace_analysis_mmu_at(A, 10 * MS, NULL), 0.5),
        "unfinished wait and collection closed at the end: held 5 of 10 ms");
  ctrace_analysis_free(A);
}

/* ---- the recorder ---------------------------------------------------------- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t step_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t step_cond = PTHREAD_COND_INITIALIZER;
static int step;

static void set_step(int s) {
  pthread_mutex_lock(&step_lock);
  step = s;
  pthread_cond_broadcast(&step_cond);
  pthread_mutex_unlock(&step_lock);
}
static void wait_step(int s) {
  pthread_mutex_lock(&step_lock);
  while (step < s) pthread_cond_wait(&step_cond, &step_lock);
  pthread_mutex_unlock(&step_lock);
}

/* Holds the lock until the main thread says it is about to take it, then a
   while longer, so main blocks (a scheduler would have to stall main for the
   whole 200 ms for it not to). */
static void *holder(void *unused) {
  struct timespec d = {0, 200 * 1000000L};
  (void)unused;
  pthread_mutex_lock(&lock);
  set_step(1);
  wait_step(2);
  nanosleep(&d, NULL);
  pthread_mutex_unlock(&lock);
  return NULL;
}

static void test_recorder(void) {
  char path[512];
  ct_trace t;
  pthread_t th;
  size_t i, begins = 0, ends = 0, mutex_waits = 0, named = 0;
  uint32_t me;
  ct_tmp_path(path, sizeof path, "waits");
  if (!CHECK_EQ_INT(ctrace_start(path), 0, "trace starts")) return;
  CTRACE_THREAD_NAME("main");
  {
    CTRACE_WAIT("scoped");
  }
  CTRACE_WAIT_BEGIN("pair");
  CTRACE_WAIT_END();
  CHECK_EQ_INT(ctrace_mutex_lock(&lock), 0, "uncontended ctrace_mutex_lock");
  pthread_mutex_unlock(&lock);
  pthread_create(&th, NULL, holder, NULL);
  wait_step(1);
  set_step(2);
  CHECK_EQ_INT(ctrace_mutex_lock(&lock), 0, "contended ctrace_mutex_lock");
  pthread_mutex_unlock(&lock);
  pthread_join(th, NULL);
  CTRACE_WAIT_BEGIN("never ends"); /* closed at the trace's end by the readers */
  CHECK_EQ_INT(ctrace_stop(), 0, "trace stops");
  ct_load(&t, path);
  me = ct_thread_named(&t, "main");
  for (i = 0; i < t.n; i++) {
    const ctrace_event *e = &t.ev[i];
    if (e->thread != me) continue;
    if (e->kind == CTRACE_EV_WAIT_BEGIN) {
      begins++;
      if (strcmp(e->name, "mutex") == 0) {
        mutex_waits++;
        if (strstr(e->file, "test_waits.c")) named++;
      }
    }
    if (e->kind == CTRACE_EV_WAIT_END) ends++;
  }
  CHECK(t.next_rc == 0 && ctrace_reader_info(t.r)->chunks_bad == 0, "trace reads back clean");
  CHECK(begins == 4 && ends == 3, "4 waits begin (scoped, pair, one mutex, one never ends), 3 end: %zu/%zu",
        begins, ends);
  CHECK_EQ_UINT(mutex_waits, 1, "only the contended lock records a wait");
  CHECK_EQ_UINT(named, 1, "the mutex wait carries the caller's file");
  ct_free(&t);
  {
    /* Chrome export: each wait an async span on the thread's "wait" track,
       the one left open closed at the end. */
    char json[560];
    size_t n = 0, nb = 0, ne = 0;
    unsigned char *j;
    snprintf(json, sizeof json, "%s.json", path);
    CHECK_EQ_INT(ctrace_export_chrome(path, json, NULL, NULL, NULL, NULL, 0), 0, "chrome export");
    j = ct_slurp(json, &n);
    if (j) {
      const char *p = (const char *)j, *end = p + n;
      j[n] = 0; /* ct_slurp leaves room for it */
      for (; p < end && (p = strstr(p, "\"cat\":\"wait\"")) != NULL; ++p) {
        const char *ph = p;
        while (ph > (const char *)j && strncmp(ph, "\"ph\":\"", 6) != 0) --ph;
        if (ph[6] == 'b') nb++;
        if (ph[6] == 'e') ne++;
      }
    }
    CHECK(nb == 4 && ne == 4, "chrome export: 4 wait spans begin and 4 end (%zu, %zu)", nb, ne);
    free(j);
    remove(json);
  }
  remove(path);
}

int main(void) {
  test_hand_made();
  test_inline_collector();
  test_recorder();
  return harness_done();
}
