/* Blocks freed by a thread other than the one that allocated them. Each
   thread keeps its live blocks in a table of its own, changed without locks;
   another thread's free searches the other tables while their owners keep
   allocating and freeing (which moves keys about). Checked here:
   - producers hand blocks to consumers that free them, while the producers
     churn blocks of their own: no block lost, none reported twice, memstats
     exact afterwards, no problem events in the trace;
   - a second free of a block another thread freed is a problem, not a crash;
   - an address freed remotely and handed out again is a fresh block;
   - blocks of a thread that has exited can still be freed, and the next
     thread's own blocks live beside them;
   - on one thread, an address recorded twice without a free in between is
     a problem and counts once, and an address freed and recorded again
     (its slot is a tombstone that remembers it) is a fresh block;
   - objects packed closer than the table's home-by-address spacing (an
     arena of 8-, 16- and 40-byte objects), or spaced a page apart, are
     tracked exactly; the table must switch to scattered homes rather than
     probe ever longer runs (which would make this part take minutes
     instead of milliseconds). */
#ifndef CTRACE_TEST_SEPARATE_IMPL
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#endif
#include "../ctrace.h"
#include "harness.h"
#include "core_support.h"

#include <pthread.h>
#include <stdlib.h>

#define PRODUCERS 2
#define CONSUMERS 2
#define RING 4096

typedef struct ring {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  void *item[RING];
  size_t size[RING];
  unsigned head, tail, producers_left;
} ring;

static ring q;
static long per_producer;
static volatile long consumed_bad; /* blocks whose bytes were not what the producer wrote */

static void ring_put(void *p, size_t n) {
  pthread_mutex_lock(&q.lock);
  while (q.head - q.tail == RING) pthread_cond_wait(&q.cond, &q.lock);
  q.item[q.head % RING] = p;
  q.size[q.head % RING] = n;
  q.head++;
  pthread_cond_broadcast(&q.cond);
  pthread_mutex_unlock(&q.lock);
}

/* 1 and a block, or 0 when every producer is done and the ring is empty. */
static int ring_get(void **p, size_t *n) {
  pthread_mutex_lock(&q.lock);
  while (q.head == q.tail && q.producers_left) pthread_cond_wait(&q.cond, &q.lock);
  if (q.head == q.tail) {
    pthread_mutex_unlock(&q.lock);
    return 0;
  }
  *p = q.item[q.tail % RING];
  *n = q.size[q.tail % RING];
  q.tail++;
  pthread_cond_broadcast(&q.cond);
  pthread_mutex_unlock(&q.lock);
  return 1;
}

static void *producer(void *arg) {
  enum { OWN = 64 };
  void *own[OWN] = {0};
  unsigned seed = (unsigned)(uintptr_t)arg * 7919u + 1;
  long i;
  for (i = 0; i < per_producer; i++) {
    size_t n = 16 + (seed = (unsigned)(seed * 1103515245ull + 12345u)) % 200;
    unsigned char *p = (unsigned char *)ctrace_malloc(n);
    int k = (int)((seed >> 8) % OWN);
    if (!p) continue;
    memset(p, (int)(n & 0xff), n);
    ring_put(p, n);
    /* blocks of its own, freed on this thread: keys move in its table
       while consumers search it */
    ctrace_free(own[k]);
    own[k] = ctrace_malloc(8 + (seed >> 12) % 100);
  }
  for (i = 0; i < OWN; i++) ctrace_free(own[i]);
  pthread_mutex_lock(&q.lock);
  q.producers_left--;
  pthread_cond_broadcast(&q.cond);
  pthread_mutex_unlock(&q.lock);
  return NULL;
}

static void *consumer(void *arg) {
  void *p;
  size_t n;
  (void)arg;
  while (ring_get(&p, &n)) {
    const unsigned char *b = (const unsigned char *)p;
    if (b[0] != (unsigned char)(n & 0xff) || b[n - 1] != (unsigned char)(n & 0xff))
      __atomic_add_fetch(&consumed_bad, 1, __ATOMIC_RELAXED);
    ctrace_free(p);
  }
  return NULL;
}

static void *alloc_and_exit(void *arg) {
  void **out = (void **)arg;
  int i;
  for (i = 0; i < 100; i++) out[i] = ctrace_malloc((size_t)(i + 1) * 8);
  return NULL;
}

#if defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define CT_HAS_SANITIZER 1
#endif
#endif
#ifndef CT_HAS_SANITIZER
#define CT_HAS_SANITIZER 0
#endif

/* A remote free, then the same block freed again at once on that thread,
   with the statistics read around the second. Nothing may allocate in
   between: once any allocator hands the memory out again, a double free
   can no longer be told from a free of another allocator's block (README,
   "Double frees"), and the C library's free() decides. */
static ctrace_memstats twice_before, twice_after;
static void *free_twice(void *arg) {
  ctrace_free(arg);
  ctrace_read_memstats(&twice_before);
  ctrace_free(arg); /* the double free: reported, not passed to free() */
  ctrace_read_memstats(&twice_after);
  return NULL;
}

static void *alloc_one(void *arg) {
  *(void **)arg = ctrace_malloc(48);
  return NULL;
}

static size_t count_kind(const ct_trace *t, int kind) {
  size_t i, n = 0;
  for (i = 0; i < t->n; i++) n += t->ev[i].kind == kind;
  return n;
}

int main(void) {
  char path[512];
  pthread_t th[PRODUCERS + CONSUMERS];
  ctrace_memstats m0, m1, m2;
  ct_trace t;
  int i, rc;
  void *left[100];
  per_producer = ct_scaled(100000, 2000);
  pthread_mutex_init(&q.lock, NULL);
  pthread_cond_init(&q.cond, NULL);
  q.producers_left = PRODUCERS;

  ct_tmp_path(path, sizeof path, "remote_free");
  rc = ctrace_start(path);
  if (!CHECK(rc == 0, "ctrace_start (%s)", ctrace_strerror(rc))) return harness_done();
  ctrace_read_memstats(&m0);

  /* Producers and consumers at once. */
  for (i = 0; i < PRODUCERS; i++) pthread_create(&th[i], NULL, producer, (void *)(uintptr_t)(i + 1));
  for (i = 0; i < CONSUMERS; i++) pthread_create(&th[PRODUCERS + i], NULL, consumer, NULL);
  for (i = 0; i < PRODUCERS + CONSUMERS; i++) pthread_join(th[i], NULL);
  ctrace_read_memstats(&m1);
  CHECK(consumed_bad == 0, "every handed-over block arrived intact (%ld bad)", consumed_bad);
  CHECK(m1.alloc == m0.alloc, "alloc back where it started after %ld remote frees (%llu vs %llu)",
        per_producer * PRODUCERS, (unsigned long long)m1.alloc, (unsigned long long)m0.alloc);
  CHECK(m1.mallocs - m0.mallocs == m1.frees - m0.frees && m1.mallocs - m0.mallocs >= (uint64_t)per_producer * PRODUCERS,
        "mallocs and frees balance (%llu, %llu)", (unsigned long long)(m1.mallocs - m0.mallocs),
        (unsigned long long)(m1.frees - m0.frees));
  CHECK(m1.peak_alloc >= m1.alloc, "peak at least alloc");

  /* A remote free, then the same block freed again on the freeing thread. */
  {
    void *p = NULL;
    pthread_t a;
    pthread_create(&a, NULL, alloc_one, &p);
    pthread_join(a, NULL);
    pthread_create(&a, NULL, free_twice, p);
    pthread_join(a, NULL);
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__) || CT_HAS_SANITIZER
    /* A sanitizer's allocator keeps its own records in freed memory, where
       ctrace's tag sits: the second free may be taken for a foreign pointer
       (README, "Double frees"), counted as untracked instead. */
    CHECK(twice_after.alloc == twice_before.alloc && twice_after.frees == twice_before.frees &&
              (twice_after.double_frees + twice_after.untracked_frees) ==
                  (twice_before.double_frees + twice_before.untracked_frees) + 1,
          "a second free of a remotely freed block changes nothing but the misuse counts");
#else
    CHECK(twice_after.alloc == twice_before.alloc && twice_after.frees == twice_before.frees &&
              twice_after.double_frees == twice_before.double_frees + 1,
          "a second free of a remotely freed block changes nothing but the double-free count");
#endif
  }

  /* Blocks of a thread that has exited, freed by main; the next thread's
     own blocks come and go beside them; a remotely freed address reused. */
  {
    pthread_t a;
    void *mine[50];
    ctrace_read_memstats(&m1);
    static void *first_set[100]; /* live on purpose; held here so a leak checker sees them reachable
                                    (ctrace's blocks carry their size in a header, in no table) */
    pthread_create(&a, NULL, alloc_and_exit, left);
    pthread_join(a, NULL);
    memcpy(first_set, left, sizeof first_set);
    pthread_create(&a, NULL, alloc_and_exit, left + 0); /* overwritten below: keep the first set */
    pthread_join(a, NULL);
    for (i = 0; i < 100; i++) ctrace_free(left[i]);
    for (i = 0; i < 50; i++) mine[i] = ctrace_malloc(24);
    for (i = 0; i < 50; i++) ctrace_free(mine[i]);
    ctrace_read_memstats(&m2);
    /* the first thread's 100 blocks are still live: 8 * (1 + ... + 100) bytes */
    CHECK(m2.alloc - m1.alloc == 8u * 5050u, "the exited thread's blocks still count as live (%lld bytes)",
          (long long)(m2.alloc - m1.alloc));
  }
  /* Raw events on this thread, at addresses nothing else uses. */
  {
    static char arena[4096];
    char *x = arena + 64, *y = arena + 128;
    ctrace_read_memstats(&m1);
    CTRACE_ALLOC(x, 10);
    CTRACE_ALLOC(x, 20); /* the first was released behind ctrace's back */
    ctrace_read_memstats(&m2);
    CHECK(m2.alloc - m1.alloc == 20, "an address recorded twice counts once, with the newer size (%lld)",
          (long long)(m2.alloc - m1.alloc));
    CTRACE_FREE(x);
    CTRACE_ALLOC(y, 7);
    CTRACE_FREE(y);
    CTRACE_ALLOC(y, 9); /* reuses y's tombstone */
    CTRACE_ALLOC(x, 5);
    ctrace_read_memstats(&m2);
    CHECK(m2.alloc - m1.alloc == 14, "freed addresses recorded again are fresh blocks (%lld)",
          (long long)(m2.alloc - m1.alloc));
    CTRACE_FREE(x);
    CTRACE_FREE(y);
    CTRACE_FREE(y); /* a double free of a raw block */
    ctrace_read_memstats(&m2);
    CHECK(m2.alloc == m1.alloc, "all freed again: alloc back (%lld)", (long long)(m2.alloc - m1.alloc));
  }
  {
    static const size_t strides[] = {8, 16, 40, 4096};
    long n0 = ct_scaled(200000, 20000), n, k;
    size_t si;
    for (si = 0; si < sizeof strides / sizeof strides[0]; si++) {
      char *arena;
      n = strides[si] > 1000 ? n0 / 20 : n0; /* page-spaced: fewer, over the same reach of addresses */
      arena = (char *)malloc((size_t)n * strides[si]);
      int bad = 0;
      if (!CHECK(arena != NULL, "arena")) break;
      ctrace_read_memstats(&m1);
      for (k = 0; k < n; k++) CTRACE_ALLOC(arena + (size_t)k * strides[si], strides[si]);
      ctrace_read_memstats(&m2);
      bad += m2.alloc - m1.alloc != (uint64_t)n * strides[si];
      for (k = n; k-- > 0;) CTRACE_FREE(arena + (size_t)k * strides[si]);
      ctrace_read_memstats(&m2);
      bad += m2.alloc != m1.alloc;
      CHECK(bad == 0, "%ld raw objects %zu bytes apart: recorded and freed exactly", n, strides[si]);
      free(arena);
    }
  }
  rc = ctrace_stop();
  CHECK(rc == 0, "ctrace_stop (%s)", ctrace_strerror(rc));

  memset(&t, 0, sizeof t);
  if (CHECK(ct_load(&t, path) == 0, "trace reads back (%s)", t.err)) {
    size_t problems = count_kind(&t, CTRACE_EV_MEM_PROBLEM);
    size_t allocs = count_kind(&t, CTRACE_EV_ALLOC), frees = count_kind(&t, CTRACE_EV_FREE);
    CHECK(problems == 3, "three problem events: two double frees, one address recorded twice (%zu)", problems);
    /* the address recorded twice has a FREE for its first life */
    CHECK(allocs == frees + 100, "every allocation but the exited thread's 100 has its free (%zu allocs, %zu frees)",
          allocs, frees);
    CHECK(problems == 3 && t.n > (size_t)per_producer * PRODUCERS * 4, "the arenas' objects are in the trace too (%zu events)",
          t.n);
  }
  ct_free(&t);
  remove(path);
  return harness_done();
}
