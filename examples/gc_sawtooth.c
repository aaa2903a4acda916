/* gc_sawtooth.c - the heap shape a garbage-collected program is known for.

   gc_demo allocates a few huge blocks, so its heap moves in big steps. Most
   programs instead make many small objects that die young: a request
   buffer, a parsed line, a temporary string. Under the same kind of pacer as
   gc_demo's (collect when the heap reaches twice what survived the last
   collection, at least 4 MB) the heap (allocated and not yet freed, garbage
   included) then climbs through hundreds of small allocations and falls at
   once when a collection frees the garbage: a sawtooth. The report's "What this run shows" panel says so, and its
   utilization curve tells how long the program waited for the collector.

   Build (from the repo root):  cc -O2 -pthread examples/gc_sawtooth.c -o gc_sawtooth
   Run:                         ./gc_sawtooth [trace-path]   (default gc_sawtooth.ctrace) */
#define CTRACE_IMPLEMENTATION
#include "../ctrace.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_GOAL (4u << 20)
#define OBJECTS 30000 /* objects made in all */
#define KEEP 64       /* the most recent ones stay reachable; older ones are garbage */

typedef struct obj {
  struct obj *next;
  size_t size;
  int reachable;
} obj;

typedef struct job { /* a marked collection, waiting for its sweep */
  struct job *next;
  const char *reason;
  obj *garbage;
  size_t goal; /* the goal it sets, published when it ends */
} job;

/* The same two-phase collector as gc_demo's: the program marks at a safe
   point (so which objects each collection frees, and how many collections
   run, never depend on the scheduler), the collector thread sweeps. */
static struct {
  pthread_mutex_t lock;
  pthread_cond_t wake, done;
  obj *all;
  job *jobs, **jobs_end;
  size_t heap, goal;
  unsigned marked, cycles;
  const char *wanted; /* why a collection is wanted; NULL when none is */
  int quit;
} gc = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, &gc.jobs, 0,
        MIN_GOAL, 0, 0, NULL, 0};

/* gc.lock held, at a safe point: unlinks every unreachable object, sets the
   next goal (twice what survived) and hands the garbage to the collector. */
static unsigned mark(const char *reason) {
  obj **link = &gc.all;
  job *j = (job *)malloc(sizeof *j);
  if (!j) {
    fprintf(stderr, "gc_sawtooth: out of memory\n");
    exit(1);
  }
  j->next = NULL;
  j->reason = reason;
  j->garbage = NULL;
  while (*link) {
    obj *o = *link;
    if (o->reachable) {
      link = &o->next;
      continue;
    }
    *link = o->next;
    gc.heap -= o->size;
    o->next = j->garbage;
    j->garbage = o;
  }
  gc.goal = 2 * gc.heap > MIN_GOAL ? 2 * gc.heap : MIN_GOAL;
  j->goal = gc.goal;
  gc.wanted = NULL;
  *gc.jobs_end = j;
  gc.jobs_end = &j->next;
  pthread_cond_signal(&gc.wake);
  return ++gc.marked;
}

static void sweep(obj *garbage) {
  CTRACE_ZONE("sweep");
  while (garbage) {
    obj *o = garbage;
    garbage = o->next;
    ctrace_free(o);
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

/* gc.lock held: marks now and waits for the whole collection. */
static void collect_and_wait(const char *reason) {
  unsigned n = mark(reason);
  CTRACE_WAIT("collection");
  while (gc.cycles < n) pthread_cond_wait(&gc.done, &gc.lock);
}

/* A new object of size bytes (the header included). At the goal a
   collection is wanted (marked at the next safe point); at twice the goal
   the program waits for one, as Go's allocator makes a goroutine assist. */
static obj *new_obj(size_t size) {
  obj *o = (obj *)ctrace_malloc(size);
  if (!o) {
    fprintf(stderr, "gc_sawtooth: out of memory\n");
    exit(1);
  }
  memset(o, 0, size);
  o->size = size;
  o->reachable = 1;
  ctrace_mutex_lock(&gc.lock); /* records a wait when the collector holds the lock */
  o->next = gc.all;
  gc.all = o;
  gc.heap += size;
  if (gc.heap >= 2 * gc.goal) collect_and_wait("heap at twice the goal or more");
  else if (gc.heap >= gc.goal && !gc.wanted) gc.wanted = "heap reached the goal";
  pthread_mutex_unlock(&gc.lock);
  return o;
}

static void drop(obj *o) {
  ctrace_mutex_lock(&gc.lock);
  o->reachable = 0;
  if (gc.wanted) mark(gc.wanted); /* a safe point */
  pthread_mutex_unlock(&gc.lock);
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "gc_sawtooth.ctrace";
  static obj *recent[KEEP];
  pthread_t thread;
  unsigned seed = 12345, i;
  ctrace_config cfg = {0};
  int rc;
  cfg.rss_sample_ms = 1; /* resident memory beside the requested heap, as in gc_demo */
  rc = ctrace_start_with(path, &cfg);
  if (rc != 0) {
    fprintf(stderr, "gc_sawtooth: cannot trace to %s: %s\n", path, ctrace_strerror(rc));
    return 1;
  }
  CTRACE_THREAD_NAME("main");
  CTRACE_COUNTER("heap goal", gc.goal);
  if (pthread_create(&thread, NULL, collector, NULL) != 0) return 1;
  for (i = 0; i < OBJECTS; i++) {
    CTRACE_ZONE("request");
    size_t size;
    seed = (unsigned)(seed * 1103515245ull + 12345u); /* 64-bit product: no wrap */
    size = sizeof(obj) + 1024 + (seed >> 16) % 8192; /* 1 to 9 KB */
    if (recent[i % KEEP]) drop(recent[i % KEEP]); /* the oldest dies young */
    recent[i % KEEP] = new_obj(size);
  }
  for (i = 0; i < KEEP; i++)
    if (recent[i]) drop(recent[i]);
  pthread_mutex_lock(&gc.lock);
  collect_and_wait("asked by the program"); /* a last one, so nothing is left at the end */
  gc.quit = 1;
  pthread_cond_signal(&gc.wake);
  pthread_mutex_unlock(&gc.lock);
  pthread_join(thread, NULL);
  printf("%u objects, %u collections, %zu bytes live at the end\n", OBJECTS, gc.cycles, gc.heap);
  rc = ctrace_stop();
  if (rc != 0) {
    fprintf(stderr, "gc_sawtooth: trace %s: %s\n", path, ctrace_strerror(rc));
    return 1;
  }
  return 0;
}
