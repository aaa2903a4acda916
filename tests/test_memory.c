/* test_memory.c - the tracked allocator, memstats, and memory events.

   What is checked:
   - memstats change by exactly the expected amounts after known sequences of
     ctrace_malloc/calloc/realloc/free, on one thread and on several at once
     (blocks freed by another thread than the one that allocated them too),
     with and without a trace running;
   - the wrappers behave like the C functions: NULL and errno ENOMEM on
     impossible sizes (calloc's n*size overflow included), realloc keeps the
     contents and leaves the block alone when it fails, ctrace_free(NULL) does
     nothing;
   - ALLOC and FREE events come back from the reader with the sizes, pointers
     and sites (file and line of the call) they were made with;
   - a pointer ctrace did not allocate (from malloc, strdup, getline) goes to
     the C library's free or realloc and is reported as an untracked free
     (CTRACE_EV_MEM_PROBLEM, memstats untracked_frees), with no trace running
     too (the C library's heap does not grow); a double free of ctrace's
     block and a realloc of it are reported and never reach free()
     (tests/test_memory_asan.sh runs this program under AddressSanitizer,
     whose leak check and double-free check prove both).

   Accounting convention these tests pin down (the only reading of "behave
   exactly like realloc" that keeps the counts and the events in step):
   - realloc(NULL, n) is a malloc(n);
   - a successful realloc(p, n), n > 0, is a free of p plus a malloc of n,
     moved or not: mallocs+1, frees+1, total_alloc += n, alloc += n - old;
     the trace holds a FREE of p and an ALLOC of the result, both at the
     realloc's site;
   - realloc(p, 0) does what the C library does. glibc frees p and returns
     NULL: that is one free. A library that returns a block instead gives a
     free plus a 0-byte malloc.
   - a failed call changes nothing. */
#ifndef CTRACE_TEST_SEPARATE_IMPL
/* The Makefile links one shared implementation object instead. */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#endif
#include "../ctrace.h"
#include "harness.h"

#include <errno.h>
#ifndef _WIN32
#include <malloc.h> /* mallinfo2 */
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- memstats deltas ------------------------------------------------------ */

typedef struct delta {
  int64_t alloc;
  uint64_t total, mallocs, frees;
} delta;

static delta delta_zero(void) {
  delta d;
  memset(&d, 0, sizeof d);
  return d;
}

static void model_malloc(delta *d, size_t n) {
  d->alloc += (int64_t)n;
  d->total += n;
  d->mallocs++;
}
static void model_free(delta *d, size_t n) {
  d->alloc -= (int64_t)n;
  d->frees++;
}
static void model_realloc(delta *d, size_t old_size, size_t n) {
  model_free(d, old_size);
  model_malloc(d, n);
}

static ctrace_memstats stats_now(void) {
  ctrace_memstats ms;
  memset(&ms, 0xAB, sizeof ms); /* a field the library forgets shows up as garbage */
  ctrace_read_memstats(&ms);
  return ms;
}

/* One CHECK per step: every field that differs is named. */
static int check_delta(const ctrace_memstats *before, const ctrace_memstats *after, delta want,
                       const char *what, const char *mode) {
  char why[400];
  int64_t got_alloc = (int64_t)(after->alloc - before->alloc);
  uint64_t got_total = after->total_alloc - before->total_alloc;
  uint64_t got_m = after->mallocs - before->mallocs, got_f = after->frees - before->frees;
  int ok = got_alloc == want.alloc && got_total == want.total && got_m == want.mallocs &&
           got_f == want.frees && after->heap_alloc == after->alloc;
  snprintf(why, sizeof why,
           "alloc %+lld (want %+lld), total_alloc +%llu (want +%llu), mallocs +%llu (want +%llu), "
           "frees +%llu (want +%llu), heap_alloc %llu vs alloc %llu",
           (long long)got_alloc, (long long)want.alloc, (unsigned long long)got_total,
           (unsigned long long)want.total, (unsigned long long)got_m,
           (unsigned long long)want.mallocs, (unsigned long long)got_f,
           (unsigned long long)want.frees, (unsigned long long)after->heap_alloc,
           (unsigned long long)after->alloc);
  return harness_report(ok, why, "memstats exact after %s (%s)", what, mode);
}

static int all_bytes(const unsigned char *p, size_t n, unsigned char v) {
  size_t i;
  for (i = 0; i < n; i++)
    if (p[i] != v) return 0;
  return 1;
}

/* ---- single-thread sequences ---------------------------------------------- */

/* Blocks packed closer than the table's home spacing (one slot per 64
   bytes of address space): 8-byte blocks share home slots, so the quick
   paths (which only look at a key's home slot) and the long ways (which
   probe on) both run, in every mix: fresh addresses, reused ones, keys
   pushed off their home, tombstones left by others. Blocks are freed out
   of order, some addresses come back, some blocks are grown and shrunk by
   realloc (moving or not); the counts must stay exact, the contents must
   survive, and every block must really be freed (test_memory_asan.sh runs
   this under AddressSanitizer, whose leak check would name any left). */
#define PACKED 6000
static void packed_sequence(const char *mode) {
  static unsigned char *blocks[PACKED];
  static size_t sizes[PACKED];
  ctrace_memstats s0 = stats_now(), s1;
  delta d = delta_zero();
  int i, round, ok = 1, kept = 1;
  for (i = 0; i < PACKED; i++) {
    sizes[i] = 8 + (size_t)(i % 3);
    blocks[i] = (unsigned char *)ctrace_malloc(sizes[i]);
    if (blocks[i]) blocks[i][0] = (unsigned char)i;
    ok &= blocks[i] != NULL;
    model_malloc(&d, sizes[i]);
  }
  if (!CHECK(ok, "%d small blocks allocated (%s)", PACKED, mode)) return;
  for (round = 0; round < 4; round++) {
    int step = 2 + round; /* free every step-th block, then allocate it again */
    for (i = round; i < PACKED; i += step) {
      ctrace_free(blocks[i]);
      model_free(&d, sizes[i]);
    }
    for (i = round; i < PACKED; i += step) {
      blocks[i] = (unsigned char *)ctrace_malloc(sizes[i]);
      if (blocks[i]) blocks[i][0] = (unsigned char)i;
      ok &= blocks[i] != NULL;
      model_malloc(&d, sizes[i]);
    }
    for (i = round; i < PACKED; i += 5) { /* grow some (they may move), shrink others */
      size_t n = round % 2 ? 4 : sizes[i] * 3;
      unsigned char *q = (unsigned char *)ctrace_realloc(blocks[i], n);
      if (!q) {
        ok = 0;
        continue;
      }
      kept &= q[0] == (unsigned char)i;
      model_realloc(&d, sizes[i], n);
      blocks[i] = q;
      sizes[i] = n;
    }
  }
  s1 = stats_now();
  check_delta(&s0, &s1, d, "packed small blocks, freed, reallocated and resized out of order", mode);
  CHECK(kept, "realloc kept the first byte of every packed block it resized (%s)", mode);
  for (i = PACKED - 1; i >= 0; i -= 2) { /* backwards, odd ones first */
    ctrace_free(blocks[i]);
    model_free(&d, sizes[i]);
  }
  for (i = PACKED - 2; i >= 0; i -= 2) {
    ctrace_free(blocks[i]);
    model_free(&d, sizes[i]);
  }
  s1 = stats_now();
  CHECK(ok, "every reallocation succeeded (%s)", mode);
  check_delta(&s0, &s1, d, "all packed blocks freed", mode);
}

static void basic_sequence(const char *mode) {
  ctrace_memstats s0 = stats_now(), s1;
  delta d = delta_zero();
  unsigned char *p, *q, *r;

  p = (unsigned char *)ctrace_malloc(100);
  model_malloc(&d, 100);
  q = (unsigned char *)ctrace_calloc(10, 20);
  model_malloc(&d, 200);
  if (!CHECK(p && q, "malloc(100) and calloc(10, 20) succeed (%s)", mode)) return;
  CHECK(all_bytes(q, 200, 0), "calloc memory is zeroed (%s)", mode);
  memset(p, 0x5A, 100);
  s1 = stats_now();
  check_delta(&s0, &s1, d, "malloc + calloc", mode);
  CHECK(s1.peak_alloc >= s1.alloc && s1.peak_alloc >= s0.alloc + 300,
        "peak_alloc covers the live heap (%s)", mode);

  r = (unsigned char *)ctrace_realloc(p, 100000); /* far larger: likely to move */
  model_realloc(&d, 100, 100000);
  if (!CHECK(r != NULL, "realloc grows 100 -> 100000 (%s)", mode)) return;
  CHECK(all_bytes(r, 100, 0x5A), "realloc keeps the contents when growing (%s)", mode);
  memset(r + 100, 0x11, 100000 - 100);
  s1 = stats_now();
  check_delta(&s0, &s1, d, "realloc grow", mode);

  p = (unsigned char *)ctrace_realloc(r, 40);
  model_realloc(&d, 100000, 40);
  if (!CHECK(p != NULL, "realloc shrinks 100000 -> 40 (%s)", mode)) return;
  CHECK(all_bytes(p, 40, 0x5A), "realloc keeps the contents when shrinking (%s)", mode);
  s1 = stats_now();
  check_delta(&s0, &s1, d, "realloc shrink", mode);
  ctrace_free(q);
  model_free(&d, 200);

  r = (unsigned char *)ctrace_realloc(NULL, 64);
  model_malloc(&d, 64);
  CHECK(r != NULL, "realloc(NULL, 64) allocates (%s)", mode);
  s1 = stats_now();
  check_delta(&s0, &s1, d, "realloc(NULL, 64) counted as malloc", mode);

  errno = 0;
  q = (unsigned char *)ctrace_realloc(r, 0);
  if (q == NULL) {
    model_free(&d, 64); /* glibc: realloc(p, 0) frees p */
  } else {
    model_realloc(&d, 64, 0);
    ctrace_free(q);
    model_free(&d, 0);
  }
  s1 = stats_now();
  check_delta(&s0, &s1, d, "realloc(p, 0) as the C library does it", mode);

  ctrace_free(p);
  model_free(&d, 40);
  ctrace_free(NULL);
  s1 = stats_now();
  check_delta(&s0, &s1, d, "every block freed, free(NULL) ignored", mode);
  CHECK_EQ_UINT(s1.alloc, s0.alloc, "alloc back to where it started (%s)", mode);
}

static void edge_sequence(const char *mode) {
  ctrace_memstats s0 = stats_now(), s1;
  delta d = delta_zero();
  unsigned char *p, *q;
  int saved;

  errno = 0;
  p = (unsigned char *)ctrace_calloc(SIZE_MAX / 4 + 1, 8); /* n * size overflows size_t */
  saved = errno;
  CHECK(p == NULL, "calloc with n*size overflow returns NULL (%s)", mode);
  CHECK_EQ_INT(saved, ENOMEM, "calloc overflow sets errno to ENOMEM (%s)", mode);

  errno = 0;
  p = (unsigned char *)ctrace_malloc(SIZE_MAX - 4096);
  saved = errno;
  CHECK(p == NULL && saved == ENOMEM, "malloc(SIZE_MAX - 4096) fails with ENOMEM (%s)", mode);

  p = (unsigned char *)ctrace_malloc(0);
  if (p) {
    model_malloc(&d, 0);
    s1 = stats_now();
    check_delta(&s0, &s1, d, "malloc(0) returning a block", mode);
    ctrace_free(p);
    model_free(&d, 0);
  }
  s1 = stats_now();
  check_delta(&s0, &s1, d, "malloc(0) and its free", mode);

  p = (unsigned char *)ctrace_malloc(256);
  model_malloc(&d, 256);
  if (!CHECK(p != NULL, "malloc(256) succeeds (%s)", mode)) return;
  memset(p, 0x77, 256);
  errno = 0;
  q = (unsigned char *)ctrace_realloc(p, SIZE_MAX - 4096);
  saved = errno;
  CHECK(q == NULL && saved == ENOMEM, "realloc to an impossible size fails with ENOMEM (%s)", mode);
  CHECK(all_bytes(p, 256, 0x77), "a failed realloc leaves the block intact (%s)", mode);
  s1 = stats_now();
  check_delta(&s0, &s1, d, "failed calloc, malloc and realloc change nothing", mode);
  ctrace_free(p); /* still tracked: must count as an ordinary free */
  model_free(&d, 256);
  s1 = stats_now();
  check_delta(&s0, &s1, d, "free after a failed realloc", mode);
}

/* Pointers ctrace did not allocate, from malloc, strdup and getline, go to
   the C library's free and realloc as they would without ctrace (AddressSanitizer's
   leak check in tests/test_memory_asan.sh proves none is kept), and are
   counted as untracked; a second free or a realloc of a block ctrace freed
   is refused and counted, and never reaches free() (ASan would see it). */
typedef struct bad_frees {
  uintptr_t dup, raw, moved, line, twice, realloc_freed;
} bad_frees;

#ifdef _WIN32 /* no getline or strdup under mingw's -std=c99 (tests/test_windows.sh) */
static char *strdup_of(const char *s) {
  char *p = (char *)malloc(strlen(s) + 1);
  if (p) strcpy(p, s);
  return p;
}
static char *read_a_line(void) { return strdup_of("a line for getline\n"); }
#define strdup strdup_of
#else
/* A line read with getline into a buffer the C library allocates. */
static char *read_a_line(void) {
  FILE *f = tmpfile();
  char *line = NULL;
  size_t cap = 0;
  if (!f) return NULL;
  fputs("a line for getline\n", f);
  rewind(f);
  if (getline(&line, &cap, f) < 0) {
    free(line);
    line = NULL;
  }
  fclose(f);
  return line;
}
#endif

static bad_frees misuse_sequence(const char *mode) {
  ctrace_memstats s0 = stats_now(), s1;
  delta d = delta_zero();
  bad_frees bad;
  char *dup = strdup("from strdup"), *line = read_a_line(), *raw = (char *)malloc(40), *moved;
  unsigned char *gone = (unsigned char *)ctrace_malloc(48), *gone2 = (unsigned char *)ctrace_malloc(700);
  int i, heap_ok = 1, saved;

  memset(&bad, 0, sizeof bad);
  if (!CHECK(dup && line && raw && gone && gone2, "three foreign blocks and two of ctrace's (%s)", mode)) return bad;
  model_malloc(&d, 48);
  model_malloc(&d, 700);
  bad.dup = (uintptr_t)dup;
  bad.raw = (uintptr_t)raw;
  bad.line = (uintptr_t)line;
  bad.twice = (uintptr_t)gone;
  ctrace_free(gone);
  model_free(&d, 48);
  ctrace_free(gone); /* a double free */
  /* Another block: reporting the first problem may allocate (the trace
     interns its text), and memory handed out again is no longer a freed
     block of ctrace's. */
  bad.realloc_freed = (uintptr_t)gone2;
  ctrace_free(gone2);
  model_free(&d, 700);
  errno = 0;
  CHECK(ctrace_realloc(gone2, 32) == NULL && errno == EINVAL,
        "realloc of a block ctrace freed is refused with NULL and EINVAL (%s)", mode);

  ctrace_free(dup);
  strcpy(raw, "kept by realloc");
  moved = (char *)ctrace_realloc(raw, 100000); /* far larger: moves */
  saved = moved != NULL;
  CHECK(saved && strcmp(moved, "kept by realloc") == 0,
        "realloc of malloc's block is the C library's realloc: contents kept (%s)", mode);
  bad.moved = (uintptr_t)moved;
  ctrace_free(moved);
  ctrace_free(line);
  s1 = stats_now();
  check_delta(&s0, &s1, d, "untracked frees and reallocs, double free and realloc change nothing else", mode);
#ifdef _WIN32
  /* The Windows heap writes its own bookkeeping where ctrace's freed-block
     tag sits, so a double free there may be taken for a foreign pointer
     (README, "Double frees"): the six misuses are all counted, as one or
     the other. */
  CHECK_EQ_UINT((s1.untracked_frees - s0.untracked_frees) + (s1.double_frees - s0.double_frees), 6,
                "memstats count 6 misuses: 4 untracked, the double free and the realloc of a freed block (%s)",
                mode);
#else
  CHECK_EQ_UINT(s1.untracked_frees - s0.untracked_frees, 4,
                "memstats count 4 untracked frees and reallocs (strdup, realloc, its result, getline) (%s)", mode);
  CHECK_EQ_UINT(s1.double_frees - s0.double_frees, 2,
                "memstats count the double free and the realloc of a freed block (%s)", mode);
#endif

  for (i = 0; i < 1000; i++) { /* the heap still works after the refusals */
    unsigned char *t = (unsigned char *)ctrace_malloc((size_t)(16 + i % 200));
    if (!t) {
      heap_ok = 0;
      break;
    }
    memset(t, i & 0xff, (size_t)(16 + i % 200));
    ctrace_free(t);
  }
  s1 = stats_now();
  CHECK(heap_ok, "1000 malloc/free pairs after the bad frees (%s)", mode);
  d.mallocs += 1000;
  d.frees += 1000;
  for (i = 0; i < 1000; i++) d.total += (uint64_t)(16 + i % 200);
  check_delta(&s0, &s1, d, "bad frees, then 1000 good pairs", mode);
  return bad;
}

/* No trace running, many rounds: a foreign block freed through ctrace_free
   each time. Were ctrace to keep them, the C library's heap would grow by
   the whole 64 MiB; passed to free(), the same memory comes back. */
static void no_leak_rounds(void) {
#ifndef _WIN32
  struct mallinfo2 before = mallinfo2(), after;
  int i;
  for (i = 0; i < 4096; i++) {
    char *p = (char *)malloc(16384);
    if (!p) break;
    memset(p, i & 0xff, 16384);
    ctrace_free(p);
  }
  after = mallinfo2();
  CHECK(after.uordblks < before.uordblks + (size_t)(1u << 20),
        "4096 foreign 16 KiB blocks through ctrace_free, no trace: in-use heap grew %ld bytes, not 64 MiB",
        (long)after.uordblks - (long)before.uordblks);
#endif
}

/* ---- several threads at once ---------------------------------------------- */

#define THREADS 4
#define ROUNDS 1500
#define KEEP_EVERY 100

typedef struct worker {
  int index;
  delta model;
  void *kept[ROUNDS / KEEP_EVERY + 1];
  size_t kept_size[ROUNDS / KEEP_EVERY + 1];
  int n_kept;
  int content_errors, failures;
} worker;

static pthread_barrier_t start_line;
static volatile int workers_running;

/* Sizes differ per thread and per round so that a count attributed to the
   wrong thread or lost in a race changes the totals. */
static void *worker_main(void *arg) {
  worker *w = (worker *)arg;
  int i;
  pthread_barrier_wait(&start_line);
  for (i = 0; i < ROUNDS; i++) {
    size_t a = 16 + (size_t)(i % 64) * 8 + (size_t)w->index, nq = (size_t)(i % 5 + 1);
    unsigned char *p = (unsigned char *)ctrace_malloc(a), *q, *grown, *shrunk;
    q = (unsigned char *)ctrace_calloc(nq, 12);
    if (!p || !q) {
      w->failures++;
      break;
    }
    model_malloc(&w->model, a);
    model_malloc(&w->model, nq * 12);
    memset(p, w->index + 1, a);
    grown = (unsigned char *)ctrace_realloc(p, a * 3);
    if (!grown) {
      w->failures++;
      break;
    }
    model_realloc(&w->model, a, a * 3);
    shrunk = (unsigned char *)ctrace_realloc(grown, a);
    if (!shrunk) {
      w->failures++;
      break;
    }
    model_realloc(&w->model, a * 3, a);
    if (!all_bytes(shrunk, a, (unsigned char)(w->index + 1)) || !all_bytes(q, nq * 12, 0))
      w->content_errors++;
    ctrace_free(q);
    model_free(&w->model, nq * 12);
    if (i % KEEP_EVERY == 0) { /* left for the main thread to free */
      w->kept[w->n_kept] = shrunk;
      w->kept_size[w->n_kept++] = a;
    } else {
      ctrace_free(shrunk);
      model_free(&w->model, a);
    }
  }
  return NULL;
}

/* Reads memstats while the workers run: alloc must always be a plausible
   figure, never a wrapped-around or torn one. */
typedef struct watcher {
  uint64_t low, high;
  long reads, out_of_range, heap_mismatch;
} watcher;

static void *watcher_main(void *arg) {
  watcher *wt = (watcher *)arg;
  pthread_barrier_wait(&start_line);
  do { /* at least once, however the threads get scheduled */
    ctrace_memstats ms;
    ctrace_read_memstats(&ms);
    wt->reads++;
    if (ms.alloc < wt->low || ms.alloc > wt->high) wt->out_of_range++;
    if (ms.heap_alloc != ms.alloc) wt->heap_mismatch++;
  } while (__atomic_load_n(&workers_running, __ATOMIC_ACQUIRE));
  return NULL;
}

static delta threaded_sequence(const char *mode) {
  static worker workers[THREADS];
  pthread_t tids[THREADS + 1];
  watcher wt;
  ctrace_memstats s0 = stats_now(), s1;
  delta want = delta_zero();
  int t, k, content_errors = 0, failures = 0;

  memset(workers, 0, sizeof workers);
  memset(&wt, 0, sizeof wt);
  /* At most: a grown block, a calloc, and the kept blocks, per thread. */
  wt.low = s0.alloc;
  wt.high = s0.alloc + THREADS * (3 * 523 + 60 + (ROUNDS / KEEP_EVERY + 1) * 523);
  pthread_barrier_init(&start_line, NULL, THREADS + 1);
  __atomic_store_n(&workers_running, 1, __ATOMIC_RELEASE);
  for (t = 0; t < THREADS; t++) {
    workers[t].index = t;
    pthread_create(&tids[t], NULL, worker_main, &workers[t]);
  }
  pthread_create(&tids[THREADS], NULL, watcher_main, &wt);
  for (t = 0; t < THREADS; t++) pthread_join(tids[t], NULL);
  __atomic_store_n(&workers_running, 0, __ATOMIC_RELEASE);
  pthread_join(tids[THREADS], NULL);
  pthread_barrier_destroy(&start_line);

  for (t = 0; t < THREADS; t++) {
    want.alloc += workers[t].model.alloc;
    want.total += workers[t].model.total;
    want.mallocs += workers[t].model.mallocs;
    want.frees += workers[t].model.frees;
    content_errors += workers[t].content_errors;
    failures += workers[t].failures;
  }
  CHECK_EQ_INT(failures, 0, "no allocation failed in %d threads (%s)", THREADS, mode);
  CHECK_EQ_INT(content_errors, 0, "contents survive realloc in %d threads (%s)", THREADS, mode);
  s1 = stats_now();
  check_delta(&s0, &s1, want, "4 threads of malloc/calloc/realloc/free", mode);
  CHECK(wt.reads > 0 && wt.out_of_range == 0 && wt.heap_mismatch == 0,
        "memstats read during the run stay plausible (%ld reads, %ld out of range, %ld "
        "heap_alloc != alloc) (%s)",
        wt.reads, wt.out_of_range, wt.heap_mismatch, mode);

  for (t = 0; t < THREADS; t++) /* freed on another thread than the one that allocated */
    for (k = 0; k < workers[t].n_kept; k++) {
      ctrace_free(workers[t].kept[k]);
      model_free(&want, workers[t].kept_size[k]);
    }
  s1 = stats_now();
  check_delta(&s0, &s1, want, "kept blocks freed by the main thread", mode);
  CHECK_EQ_UINT(s1.alloc, s0.alloc, "alloc back to where it started after threads (%s)", mode);
  return want;
}

/* ---- event round trip ------------------------------------------------------ */

#define MAX_SEEN 128

typedef struct seen_event {
  int kind;
  uint32_t thread, line;
  uint64_t ptr, size;
  int file_ok;
  char name[64];
} seen_event;

typedef struct trace_summary {
  seen_event main_events[MAX_SEEN]; /* memory events of the main thread, up to MAX_SEEN */
  int n_main;
  uint64_t allocs, frees, problems, alloc_bytes, free_bytes, lost;
  int gc_begins, gc_ends, read_rc;
} trace_summary;

static int ends_with(const char *s, const char *tail) {
  size_t n = strlen(s), m = strlen(tail);
  return n >= m && strcmp(s + n - m, tail) == 0;
}

static int is_memory_event(int kind) {
  return kind == CTRACE_EV_ALLOC || kind == CTRACE_EV_FREE || kind == CTRACE_EV_MEM_PROBLEM;
}

static int summarize(const char *path, trace_summary *out) {
  ctrace_reader *r = NULL;
  ctrace_event ev;
  char err[256];
  int rc;
  memset(out, 0, sizeof *out);
  rc = ctrace_reader_open(&r, path, err, sizeof err);
  if (!CHECK(rc == 0 && r != NULL, "reader opens the memory trace (%s)", rc ? err : "ok"))
    return 0;
  while ((rc = ctrace_reader_next(r, &ev)) > 0) {
    if (ev.kind == CTRACE_EV_ALLOC) {
      out->allocs++;
      out->alloc_bytes += ev.size;
    } else if (ev.kind == CTRACE_EV_FREE) {
      out->frees++;
      out->free_bytes += ev.size;
    } else if (ev.kind == CTRACE_EV_MEM_PROBLEM) {
      out->problems++;
    } else if (ev.kind == CTRACE_EV_GC_BEGIN) {
      out->gc_begins++;
    } else if (ev.kind == CTRACE_EV_GC_END) {
      out->gc_ends++;
    } else if (ev.kind == CTRACE_EV_LOSS) {
      out->lost += (uint64_t)ev.value;
    }
    if (is_memory_event(ev.kind) && out->n_main < MAX_SEEN &&
        strcmp(ctrace_reader_thread_name(r, ev.thread), "memtest main") == 0) {
      seen_event *s = &out->main_events[out->n_main++];
      s->kind = ev.kind;
      s->thread = ev.thread;
      s->line = ev.line;
      s->ptr = ev.ptr;
      s->size = ev.size;
      s->file_ok = ev.file && ends_with(ev.file, "test_memory.c");
      snprintf(s->name, sizeof s->name, "%s", ev.name ? ev.name : "(null)");
    }
  }
  out->read_rc = rc;
  out->lost += ctrace_reader_info(r)->events_lost;
  ctrace_reader_close(r);
  CHECK(rc == 0, "the memory trace reads to its end (rc %d)", rc);
  return 1;
}

/* Index of the first event of a kind for ptr in [from, to), or -1. */
static int find_event_in(const trace_summary *s, int from, int to, int kind, uintptr_t ptr) {
  int i;
  if (to > s->n_main) to = s->n_main;
  for (i = from < 0 ? 0 : from; i < to; i++)
    if (s->main_events[i].kind == kind && s->main_events[i].ptr == (uint64_t)ptr) return i;
  return -1;
}

static int find_event(const trace_summary *s, int from, int kind, uintptr_t ptr) {
  return find_event_in(s, from, s->n_main, kind, ptr);
}

/* Checks the next matching event at or after *cursor (program order: all of
   them happen on the main thread) and returns its index, -1 if missing.
   Addresses get reused, so matching always starts at the cursor. */
static int expect_event(const trace_summary *s, int cursor, int kind, uintptr_t ptr,
                        uint64_t size, int line, const char *what) {
  int i = find_event(s, cursor, kind, ptr);
  char why[200];
  const seen_event *e;
  if (i < 0) {
    FAIL("no such event after the previous one", "%s event round-trips", what);
    return -1;
  }
  e = &s->main_events[i];
  snprintf(why, sizeof why, "size %llu (want %llu), line %u (want %d), file %s",
           (unsigned long long)e->size, (unsigned long long)size, e->line, line,
           e->file_ok ? "ok" : "not test_memory.c");
  harness_report(e->size == size && (int)e->line == line && e->file_ok, why,
                 "%s event round-trips with size, pointer and site", what);
  return i;
}

/* Chains expect_event: a missing event does not hide the checks after it. */
static int next_cursor(int cursor, int found) { return found >= 0 ? found + 1 : cursor; }

static void expect_problem(const trace_summary *s, int from, uintptr_t ptr, const char *what) {
  int i = find_event(s, from, CTRACE_EV_MEM_PROBLEM, ptr);
  CHECK(i >= 0 && s->main_events[i].name[0] != '\0',
        "%s is reported as a memory problem with a description", what);
  if (i >= 0) harness_note("%s reported as \"%s\"", what, s->main_events[i].name);
}

static void check_problems(const trace_summary *sum, int from, bad_frees bad) {
  int i_first = find_event(sum, from, CTRACE_EV_FREE, bad.twice);
  int i_twice = find_event(sum, i_first + 1, CTRACE_EV_MEM_PROBLEM, bad.twice);
  int i_dup = find_event(sum, from, CTRACE_EV_MEM_PROBLEM, bad.dup);
  int i_raw = find_event(sum, from, CTRACE_EV_MEM_PROBLEM, bad.raw);
  int i_moved = find_event(sum, from, CTRACE_EV_MEM_PROBLEM, bad.moved);
  int i_line = find_event(sum, from, CTRACE_EV_MEM_PROBLEM, bad.line);
  int i_refused = find_event(sum, from, CTRACE_EV_MEM_PROBLEM, bad.realloc_freed);
  expect_problem(sum, i_first + 1, bad.twice, "double free");
  expect_problem(sum, from, bad.dup, "free of strdup's block");
  expect_problem(sum, from, bad.raw, "realloc of malloc's block");
  expect_problem(sum, from, bad.moved, "free of realloc's result");
  expect_problem(sum, from, bad.line, "free of getline's buffer");
  expect_problem(sum, from, bad.realloc_freed, "realloc of a block ctrace freed (16 bytes in: a larger block)");
  CHECK(i_first >= 0 && i_first < i_twice && i_twice < i_refused && i_refused < i_dup && i_dup < i_raw && i_raw < i_moved &&
            i_moved < i_line,
        "the first free, then the problems, in program order");
  CHECK(i_dup >= 0 && strstr(sum->main_events[i_dup].name, "untracked") != NULL &&
            i_twice >= 0 && strstr(sum->main_events[i_twice].name, "double free") != NULL,
        "the untracked free and the double free are told apart by name");
  /* Later mallocs may reuse the address, so look only around the problem. */
  CHECK(i_twice < 0 || find_event_in(sum, i_first + 1, i_twice + 2, CTRACE_EV_FREE, bad.twice) < 0,
        "the double free is not also recorded as a FREE");
  CHECK_EQ_UINT(sum->problems, 6, "exactly six memory problems in the whole trace");
}

static void round_trip(const char *dir) {
  char path[512];
  unsigned char *before, *p, *q, *r, *s;
  static unsigned char raw[123]; /* memory from an allocator ctrace does not own */
  int l_p, l_q, l_r, l_s, l_fq, l_fr, l_fs, l_raw, l_rawf, l_before, c = 0, i_old, i_new;
  uintptr_t a_before, a_p, a_r;
  bad_frees bad;
  trace_summary *sum;
  ctrace_memstats m0, m1;
  delta threaded;
  int rc;

  snprintf(path, sizeof path, "%s/test_memory-%ld.ctrace", dir, (long)getpid());
  before = (unsigned char *)ctrace_malloc(77); /* allocated before the trace starts */
  a_before = (uintptr_t)before;
  rc = ctrace_start(path);
  if (!CHECK_EQ_INT(rc, 0, "ctrace_start(%s)", path)) {
    ctrace_free(before);
    return;
  }
  CTRACE_THREAD_NAME("memtest main");
  m0 = stats_now();
  p = (unsigned char *)ctrace_malloc(100); l_p = __LINE__;
  q = (unsigned char *)ctrace_calloc(3, 8); l_q = __LINE__;
  a_p = (uintptr_t)p;
  r = (unsigned char *)ctrace_realloc(p, 5000); l_r = __LINE__;
  a_r = (uintptr_t)r;
  s = (unsigned char *)ctrace_realloc(NULL, 7); l_s = __LINE__;
  ctrace_free(q); l_fq = __LINE__;
  ctrace_free(r); l_fr = __LINE__;
  ctrace_free(s); l_fs = __LINE__;
  CTRACE_ALLOC(raw, sizeof raw); l_raw = __LINE__;
  CTRACE_FREE(raw); l_rawf = __LINE__;
  ctrace_free(before); l_before = __LINE__;
  bad = misuse_sequence("during a trace");
  m1 = stats_now();
  threaded = threaded_sequence("during a trace");
  rc = ctrace_stop();
  CHECK_EQ_INT(rc, 0, "ctrace_stop after the memory workload");

  sum = (trace_summary *)malloc(sizeof *sum);
  if (!sum || !summarize(path, sum)) {
    free(sum);
    return;
  }
  CHECK(sum->n_main > 0, "memory events recorded on the main thread (%d)", sum->n_main);
  c = next_cursor(c, expect_event(sum, c, CTRACE_EV_ALLOC, a_p, 100, l_p, "malloc(100)"));
  c = next_cursor(c, expect_event(sum, c, CTRACE_EV_ALLOC, (uintptr_t)q, 24, l_q, "calloc(3, 8)"));
  /* realloc: a FREE of the old block and an ALLOC of the new, either order */
  i_old = expect_event(sum, c, CTRACE_EV_FREE, a_p, 100, l_r, "realloc's free of the old block");
  i_new = expect_event(sum, c, CTRACE_EV_ALLOC, a_r, 5000, l_r, "realloc's new block");
  c = next_cursor(c, i_old > i_new ? i_old : i_new);
  c = next_cursor(c, expect_event(sum, c, CTRACE_EV_ALLOC, (uintptr_t)s, 7, l_s, "realloc(NULL, 7)"));
  c = next_cursor(c, expect_event(sum, c, CTRACE_EV_FREE, (uintptr_t)q, 24, l_fq, "free of the calloc block"));
  c = next_cursor(c, expect_event(sum, c, CTRACE_EV_FREE, a_r, 5000, l_fr, "free of the realloc block"));
  c = next_cursor(c, expect_event(sum, c, CTRACE_EV_FREE, (uintptr_t)s, 7, l_fs, "free of the realloc(NULL) block"));
  c = next_cursor(c, expect_event(sum, c, CTRACE_EV_ALLOC, (uintptr_t)raw, sizeof raw, l_raw, "CTRACE_ALLOC"));
  c = next_cursor(c, expect_event(sum, c, CTRACE_EV_FREE, (uintptr_t)raw, sizeof raw, l_rawf, "CTRACE_FREE"));
  c = next_cursor(c, expect_event(sum, c, CTRACE_EV_FREE, a_before, 77, l_before,
                                  "free of a block allocated before the trace started"));
  CHECK(find_event_in(sum, 0, c, CTRACE_EV_MEM_PROBLEM, a_before) < 0 &&
            find_event_in(sum, 0, c, CTRACE_EV_ALLOC, a_before) < 0,
        "a block from before the trace: no problem and no invented ALLOC when freed");
  check_problems(sum, c, bad);

  /* The trace and memstats must tell the same story: every counted malloc is
     an ALLOC event, every counted free a FREE event, raw CTRACE_ALLOC/FREE
     and the pre-trace block's free included. */
  if (sum->lost == 0) {
    CHECK_EQ_UINT(sum->allocs, (m1.mallocs - m0.mallocs) + threaded.mallocs,
                  "ALLOC events match memstats mallocs");
    CHECK_EQ_UINT(sum->frees, (m1.frees - m0.frees) + threaded.frees,
                  "FREE events match memstats frees");
    CHECK_EQ_INT((int64_t)sum->alloc_bytes - (int64_t)sum->free_bytes,
                 (int64_t)m1.alloc - (int64_t)m0.alloc + threaded.alloc,
                 "bytes allocated minus bytes freed in the trace match memstats");
  } else {
    harness_skip("trace/memstats agreement", "events were lost");
  }
  free(sum);
  remove(path);
}

/* ---- GC phases in memstats ------------------------------------------------- */

static void gc_phases(const char *mode) {
  ctrace_memstats s0 = stats_now(), s1;
  int i;
  for (i = 0; i < 3; i++) {
    CTRACE_GC_BEGIN("test");
    CTRACE_GC_END();
  }
  s1 = stats_now();
  CHECK_EQ_UINT(s1.num_gc - s0.num_gc, 3, "three GC phases counted in num_gc (%s)", mode);
  CHECK(s1.pause_total_ns >= s0.pause_total_ns, "pause_total_ns never goes back (%s)", mode);
  CHECK(s1.last_gc_ns >= s0.last_gc_ns && s1.last_gc_ns > 1500000000ull * 1000000000ull,
        "last_gc_ns is a wall-clock time after 2017 (%s)", mode);
}

int main(void) {
  const char *build = getenv("BUILD");
  char dir[400];
  snprintf(dir, sizeof dir, "%s", build && build[0] ? build : "build");
  mkdir(dir, 0777); /* usually there already; a failure shows at ctrace_start */
  snprintf(dir, sizeof dir, "%s/tmp", build && build[0] ? build : "build");
  mkdir(dir, 0777);

  basic_sequence("no trace");
  edge_sequence("no trace");
  packed_sequence("no trace");
  (void)misuse_sequence("no trace");
  no_leak_rounds();
  (void)threaded_sequence("no trace");
  gc_phases("no trace");

  round_trip(dir);

  {
    char path[512];
    snprintf(path, sizeof path, "%s/test_memory-b-%ld.ctrace", dir, (long)getpid());
    if (CHECK_EQ_INT(ctrace_start(path), 0, "second trace starts")) {
      basic_sequence("during a trace");
      edge_sequence("during a trace");
      packed_sequence("during a trace");
      gc_phases("during a trace");
      CHECK_EQ_INT(ctrace_stop(), 0, "second trace stops");
      remove(path);
    }
  }
  basic_sequence("after the trace stopped");
  return harness_done();
}
