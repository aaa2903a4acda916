/* arena.c - trace an allocator ctrace does not own, and compare it with malloc.

   An arena hands out memory by bumping a pointer through big chunks and frees
   everything at once. ctrace cannot see inside it, so the arena reports each
   object with CTRACE_ALLOC and, when it is reset, each object with
   CTRACE_FREE: the trace then shows its heap like any other. The same work
   (build a linked list of records, sum it, throw it away) runs once with the
   arena and once with ctrace_malloc/ctrace_free, each in a zone, so the report
   puts their times and allocation counts side by side.

   Build (from the repo root):  cc -O2 -pthread examples/arena.c -o arena
   Run:                         ./arena [trace-path]      (default arena.ctrace) */
#define CTRACE_IMPLEMENTATION
#include "../ctrace.h"

#include <stdio.h>
#include <stdlib.h>

#define CHUNK_SIZE (64u * 1024u)

/* Each object is preceded by its size, so a reset can walk the chunk and
   report every object it frees. */
typedef struct chunk {
  struct chunk *next;
  size_t used;
  union { double d; void *p; long long l; } data[1]; /* aligned start of the objects */
} chunk;

typedef struct arena {
  chunk *chunks;
} arena;

#define ARENA_ALIGN sizeof(double)
#define ROUND_UP(n) (((n) + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN)

static unsigned char *chunk_bytes(chunk *c) { return (unsigned char *)c->data; }

static void *arena_alloc(arena *a, size_t size) {
  size_t need = ROUND_UP(sizeof(size_t)) + ROUND_UP(size);
  unsigned char *obj;
  if (need > CHUNK_SIZE) return NULL;
  if (!a->chunks || a->chunks->used + need > CHUNK_SIZE) {
    /* Plain malloc: the arena's chunks are its own business; the objects in
       them are what the program allocates, and those are what we report. */
    chunk *c = (chunk *)malloc(sizeof(chunk) + CHUNK_SIZE);
    if (!c) return NULL;
    c->next = a->chunks;
    c->used = 0;
    a->chunks = c;
  }
  obj = chunk_bytes(a->chunks) + a->chunks->used;
  *(size_t *)obj = size;
  a->chunks->used += need;
  obj += ROUND_UP(sizeof(size_t));
  CTRACE_ALLOC(obj, size);
  return obj;
}

static void arena_reset(arena *a) {
  while (a->chunks) {
    chunk *c = a->chunks;
    size_t at = 0;
    while (at < c->used) {
      size_t size = *(size_t *)(chunk_bytes(c) + at);
      at += ROUND_UP(sizeof(size_t));
      CTRACE_FREE(chunk_bytes(c) + at);
      at += ROUND_UP(size);
    }
    a->chunks = c->next;
    free(c);
  }
}

typedef struct record {
  struct record *next;
  double value;
  char label[24];
} record;

#define RECORDS 100000

static double sum_list(const record *r) {
  double s = 0;
  for (; r; r = r->next) s += r->value;
  return s;
}

static double with_arena(void) {
  arena a = {NULL};
  record *list = NULL;
  double s;
  int i;
  CTRACE_ZONE("arena");
  for (i = 0; i < RECORDS; i++) {
    record *r = (record *)arena_alloc(&a, sizeof *r);
    if (!r) abort();
    r->value = i * 0.5;
    r->next = list;
    list = r;
  }
  s = sum_list(list);
  arena_reset(&a); /* one call frees the whole list */
  return s;
}

static double with_malloc(void) {
  record *list = NULL;
  double s;
  int i;
  CTRACE_ZONE("malloc");
  for (i = 0; i < RECORDS; i++) {
    record *r = (record *)ctrace_malloc(sizeof *r);
    if (!r) abort();
    r->value = i * 0.5;
    r->next = list;
    list = r;
  }
  s = sum_list(list);
  while (list) {
    record *next = list->next;
    ctrace_free(list);
    list = next;
  }
  return s;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "arena.ctrace";
  ctrace_memstats ms;
  double a, m;
  int rc = ctrace_start(path);
  if (rc != 0) {
    fprintf(stderr, "arena: cannot trace to %s: %s\n", path, ctrace_strerror(rc));
    return 1;
  }
  CTRACE_THREAD_NAME("main");
  a = with_arena();
  m = with_malloc();
  ctrace_read_memstats(&ms);
  rc = ctrace_stop();
  if (rc != 0) {
    fprintf(stderr, "arena: trace %s: %s\n", path, ctrace_strerror(rc));
    return 1;
  }
  printf("arena sum %.1f, malloc sum %.1f\n", a, m);
  printf("allocations traced: %llu, frees: %llu, still live: %llu bytes\n",
         (unsigned long long)ms.mallocs, (unsigned long long)ms.frees,
         (unsigned long long)ms.alloc);
  return a == m && ms.alloc == 0 ? 0 : 1;
}
