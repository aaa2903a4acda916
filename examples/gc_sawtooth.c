/* gc_sawtooth.c - the heap shape a garbage-collected program is known for.

   gc_demo allocates a few huge blocks, so its heap moves in big steps. Most
   programs instead make many small objects that die young: a request
   buffer, a parsed line, a temporary string. Under the same kind of pacer as
   gc_demo's (collect when the heap reaches twice what survived the last
   collection, at least 4 MB) the live heap then climbs through hundreds of
   small allocations and falls at once when a collection frees the garbage:
   a sawtooth. The report's "What this run shows" panel says so, and its
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

static struct {
  pthread_mutex_t lock;
  pthread_cond_t wake, done;
  obj *all;
  size_t heap, goal;
  unsigned cycles;
  const char *wanted; /* why a collection is wanted; NULL when none is */
  int quit;
} gc = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, MIN_GOAL, 0, NULL, 0};

/* gc.lock held: free every unreachable object at once; the next goal is
   twice what survived. */
static void collect(const char *reason) {
  obj **link = &gc.all;
  CTRACE_GC_BEGIN(reason);
  while (*link) {
    obj *o = *link;
    if (o->reachable) {
      link = &o->next;
      continue;
    }
    *link = o->next;
    gc.heap -= o->size;
    ctrace_free(o);
  }
  gc.goal = 2 * gc.heap > MIN_GOAL ? 2 * gc.heap : MIN_GOAL;
  CTRACE_COUNTER("heap goal", gc.goal);
  gc.cycles++;
  CTRACE_GC_END();
  pthread_cond_broadcast(&gc.done);
}

static void *collector(void *unused) {
  (void)unused;
  CTRACE_THREAD_NAME("GC");
  pthread_mutex_lock(&gc.lock);
  while (!gc.quit) {
    if (gc.wanted) {
      const char *reason = gc.wanted;
      gc.wanted = NULL;
      collect(reason);
    } else {
      pthread_cond_wait(&gc.wake, &gc.lock);
    }
  }
  pthread_mutex_unlock(&gc.lock);
  return NULL;
}

/* A new object of size bytes (the header included). Past the goal the
   collector is woken; far past it the program waits for it, as Go's
   allocator makes a goroutine assist. */
static obj *new_obj(size_t size) {
  obj *o = (obj *)ctrace_malloc(size);
  if (!o) {
    fprintf(stderr, "gc_sawtooth: out of memory\n");
    exit(1);
  }
  memset(o, 0, size);
  o->size = size;
  o->reachable = 1;
  ctrace_mutex_lock(&gc.lock); /* records a wait when a collection holds the lock */
  o->next = gc.all;
  gc.all = o;
  gc.heap += size;
  if (gc.heap >= gc.goal && !gc.wanted) {
    gc.wanted = "heap reached the goal";
    pthread_cond_signal(&gc.wake);
  }
  if (gc.heap >= 2 * gc.goal) {
    unsigned seen = gc.cycles;
    CTRACE_WAIT("collection");
    while (gc.cycles == seen) pthread_cond_wait(&gc.done, &gc.lock);
  }
  pthread_mutex_unlock(&gc.lock);
  return o;
}

static void drop(obj *o) {
  ctrace_mutex_lock(&gc.lock);
  o->reachable = 0;
  pthread_mutex_unlock(&gc.lock);
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "gc_sawtooth.ctrace";
  static obj *recent[KEEP];
  pthread_t thread;
  unsigned seed = 12345, i;
  int rc = ctrace_start(path);
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
  gc.wanted = "asked by the program"; /* a last one, so nothing is left at the end */
  pthread_cond_signal(&gc.wake);
  {
    unsigned seen = gc.cycles;
    CTRACE_WAIT("collection");
    while (gc.cycles == seen) pthread_cond_wait(&gc.done, &gc.lock);
  }
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
