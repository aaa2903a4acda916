/* gc_demo.c - Go's allocate-and-sleep GC example, redone in C.

   C has no garbage collector, so this program brings a tiny one. It prints
   what the Go chapter prints: NumGC 0, then 3, then 8; Alloc about 0, then
   the one 50,000,000-byte block still held, then 0; TotalAlloc 650,000,000.
   Run it, then look at the trace: the heap (allocated and not yet freed,
   garbage included) moves in big steps (a few huge blocks: each new one is
   allocated while the one it replaces still counts, and a collection frees
   both once the program has dropped them; gc_sawtooth.c shows the sawtooth
   of many small objects), each collection is a span on the "GC" thread with
   its duration, and each time the program reads its statistics
   (ctrace_read_memstats) the report shows the figures it got. The lesson of
   the Go original: the useful facts are how often the collector runs and for
   how long. One more lesson Go hides: each block is only partly written, so
   the requested heap is far larger than the resident memory (RSS) the OS
   actually handed out. And one Go shows in its "minimum mutator
   utilization" graph: the program records when it waits for the collector
   (ctrace_mutex_lock, CTRACE_WAIT), so the report can tell how long the
   collections actually held it up, not just how long they lasted. The heap
   goal the pacer sets is a counter, so each collection's trigger can be
   checked against it.

   Build (from the repo root):  cc -O2 -pthread examples/gc_demo.c -o gc_demo
   Run:                         ./gc_demo [trace-path]      (default gc_demo.ctrace) */
#define CTRACE_IMPLEMENTATION
#include "../ctrace.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- A tiny collector ------------------------------------------------------
   Every block the program allocates is registered in a list. In Go the
   compiler knows when a slice is no longer reachable; in C the program says
   so with gc_drop(). A collection has two phases, as in Go:
   - mark: which blocks are garbage. It happens at a safe point of the
     program (gc_drop; Go's goroutines scan their own stacks), on the
     program's thread, in a moment: the dropped blocks are unlinked. Which
     blocks a collection frees depends only on the program, never on how the
     threads were scheduled, so every run prints the same numbers.
   - sweep: the collector thread frees them while the program runs on. This
     is the traced collection (CTRACE_GC_BEGIN to CTRACE_GC_END).
   The allocator asks for a collection when the heap reaches the goal; its
   mark happens at the program's next safe point. When the heap has run to
   twice the goal the program marks at once and waits for the whole
   collection (Go makes the goroutine assist). The program takes the lock
   with ctrace_mutex_lock and says when it waits (CTRACE_WAIT), so the report
   can tell how long collections held it up. */

#define GC_MIN_GOAL (4u << 20) /* Go never sets a heap goal below 4 MB */

typedef struct block {
  struct block *next;
  void *mem;
  size_t size;
  int reachable; /* cleared by the program when it drops the block */
} block;

typedef struct job { /* a marked collection, waiting for its sweep */
  struct job *next;
  const char *reason;
  block *garbage;
  size_t goal; /* the goal it sets, published when it ends (as Go's cycle does) */
} job;

static struct {
  pthread_mutex_t lock;
  pthread_cond_t wake; /* the collector sleeps here until there is a sweep to do */
  pthread_cond_t done; /* the program waits here for a collection to finish */
  block *blocks;
  job *jobs, **jobs_end; /* marked, not yet swept, oldest first */
  size_t heap;         /* bytes in registered blocks not yet found to be garbage */
  size_t goal;         /* a collection is wanted when heap reaches this */
  unsigned marked;     /* collections marked */
  unsigned cycles;     /* collections finished (swept) */
  const char *wanted;  /* why a collection is wanted; NULL if none is */
  int quit;
} gc = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
        NULL, NULL, &gc.jobs, 0, GC_MIN_GOAL, 0, 0, NULL, 0};

/* gc.lock held, at a safe point: unlinks the dropped blocks, sets the next
   goal (twice what survived, Go's pacer) and hands the garbage to the
   collector. Returns the collection's number. */
static unsigned mark(const char *reason) {
  block **link = &gc.blocks;
  job *j = (job *)malloc(sizeof *j);
  if (!j) {
    fprintf(stderr, "Operation failed!\n");
    exit(1);
  }
  j->next = NULL;
  j->reason = reason;
  j->garbage = NULL;
  while (*link) {
    block *b = *link;
    if (b->reachable) {
      link = &b->next;
      continue;
    }
    *link = b->next;
    gc.heap -= b->size;
    b->next = j->garbage;
    j->garbage = b;
  }
  gc.goal = 2 * gc.heap > GC_MIN_GOAL ? 2 * gc.heap : GC_MIN_GOAL;
  j->goal = gc.goal;
  gc.wanted = NULL;
  *gc.jobs_end = j;
  gc.jobs_end = &j->next;
  pthread_cond_signal(&gc.wake);
  return ++gc.marked;
}

static void sweep(block *garbage) {
  CTRACE_ZONE("sweep");
  while (garbage) {
    block *b = garbage;
    garbage = b->next;
    ctrace_free(b->mem);
    free(b);
  }
}

static void *collector(void *unused) {
  (void)unused;
  CTRACE_THREAD_NAME("GC");
  pthread_mutex_lock(&gc.lock);
  while (!gc.quit || gc.jobs) {
    job *j = gc.jobs;
    if (!j) {
      pthread_cond_wait(&gc.wake, &gc.lock);
      continue;
    }
    gc.jobs = j->next;
    if (!gc.jobs) gc.jobs_end = &gc.jobs;
    CTRACE_GC_BEGIN(j->reason);
    pthread_mutex_unlock(&gc.lock); /* the program runs on during the sweep */
    sweep(j->garbage);
    pthread_mutex_lock(&gc.lock);
    gc.cycles++;
    CTRACE_COUNTER("heap goal", j->goal);
    free(j);
    CTRACE_GC_END();
    pthread_cond_broadcast(&gc.done);
  }
  pthread_mutex_unlock(&gc.lock);
  return NULL;
}

/* Allocates a reachable block, recording the caller's line as its site. */
#define gc_alloc(size) gc_alloc_at((size), __FILE__, __LINE__)
static void *gc_alloc_at(size_t size, const char *file, int line) {
  block *b = (block *)malloc(sizeof *b); /* bookkeeping, not part of the heap */
  void *mem = ctrace_malloc_at(size, file, line);
  if (!b || !mem) {
    fprintf(stderr, "Operation failed!\n");
    exit(1);
  }
  ctrace_mutex_lock(&gc.lock);
  b->mem = mem;
  b->size = size;
  b->reachable = 1;
  b->next = gc.blocks;
  gc.blocks = b;
  gc.heap += size;
  if (gc.heap >= 2 * gc.goal) {
    unsigned n = mark("heap at twice the goal or more");
    CTRACE_WAIT("collection"); /* the program stalls until the sweep is done */
    while (gc.cycles < n) pthread_cond_wait(&gc.done, &gc.lock);
  } else if (gc.heap >= gc.goal && !gc.wanted) {
    gc.wanted = "heap reached the goal"; /* marked at the next safe point */
  }
  pthread_mutex_unlock(&gc.lock);
  return mem;
}

static void gc_drop(void *mem) {
  block *b;
  ctrace_mutex_lock(&gc.lock);
  for (b = gc.blocks; b; b = b->next)
    if (b->mem == mem) b->reachable = 0;
  if (gc.wanted) mark(gc.wanted); /* a safe point */
  pthread_mutex_unlock(&gc.lock);
}

/* The program is idle: Go's collector uses idle time to finish its cycle, so
   this one lets the collector finish what it started before the program goes
   on. No collection starts here. */
static void gc_idle(void) {
  pthread_mutex_lock(&gc.lock);
  while (gc.cycles < gc.marked) pthread_cond_wait(&gc.done, &gc.lock);
  pthread_mutex_unlock(&gc.lock);
}

static pthread_t gc_thread;

static int gc_start(void) { return pthread_create(&gc_thread, NULL, collector, NULL); }

static void gc_stop(void) {
  pthread_mutex_lock(&gc.lock);
  gc.quit = 1;
  pthread_cond_signal(&gc.wake);
  pthread_mutex_unlock(&gc.lock);
  pthread_join(gc_thread, NULL);
}

/* ---- The program, as in Go ------------------------------------------------- */

static void print_stats(void) {
  ctrace_memstats mem;
  CTRACE_ZONE("printStats");
  ctrace_read_memstats(&mem);
  printf("mem.Alloc: %llu\n", (unsigned long long)mem.alloc);
  printf("mem.TotalAlloc: %llu\n", (unsigned long long)mem.total_alloc);
  printf("mem.HeapAlloc: %llu\n", (unsigned long long)mem.heap_alloc);
  printf("mem.NumGC: %u\n", (unsigned)mem.num_gc);
  printf("-----\n");
}

/* Writes only the first quarter: the rest is requested but never resident. */
static void use(char *s, size_t size) { memset(s, 1, size / 4); }

static void sleep_ms(long ms) {
  struct timespec t;
  t.tv_sec = ms / 1000;
  t.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&t, NULL);
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "gc_demo.ctrace";
  ctrace_config cfg = {0};
  int i, rc;

  cfg.rss_sample_ms = 1; /* sample resident memory every ms as a counter, so the
                            report shows the requested heap beside the RSS */
  rc = ctrace_start_with(path, &cfg);
  if (rc != 0) {
    fprintf(stderr, "gc_demo: cannot trace to %s: %s\n", path, ctrace_strerror(rc));
    return 1;
  }
  CTRACE_THREAD_NAME("main");
  CTRACE_COUNTER("heap goal", gc.goal);
  if (gc_start() != 0) {
    fprintf(stderr, "gc_demo: cannot start the collector thread\n");
    return 1;
  }

  print_stats();
  for (i = 0; i < 3; i++) {
    CTRACE_ZONE("make 50 MB");
    char *s = (char *)gc_alloc(50000000);
    use(s, 50000000);
    gc_drop(s); /* s goes out of scope: garbage, as in Go */
  }
  print_stats();
  for (i = 0; i < 5; i++) {
    CTRACE_ZONE("make 100 MB");
    char *s = (char *)gc_alloc(100000000);
    use(s, 100000000);
    gc_drop(s);
    {
      CTRACE_ZONE("sleep 1 ms");
      sleep_ms(1);
    }
    {
      CTRACE_ZONE("idle: collector finishes"); /* as Go's does while the program sleeps */
      gc_idle();
    }
  }
  print_stats();

  gc_stop();
  rc = ctrace_stop();
  if (rc != 0) {
    fprintf(stderr, "gc_demo: trace %s: %s\n", path, ctrace_strerror(rc));
    return 1;
  }
  return 0;
}
