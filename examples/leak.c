/* leak.c - find memory that is never freed, and the line that allocated it.

   A small word counter keeps a table of words. Two bugs leak: removing a word
   frees the entry but not its text, and the table's old array is dropped
   without a free when it grows. Every allocation goes through ctrace_malloc &
   co, so the trace knows the file and line of each block; whatever is still
   allocated when the trace stops is a leak. The program reads its own trace
   back to list them by site (`ctrace report` shows the same list).

   Build (from the repo root):  cc -O2 -pthread examples/leak.c -o leak -lm
   Run:                         ./leak [trace-path]      (default leak.ctrace) */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "../ctrace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
  char *word;
  int count;
} entry;

static entry *table;
static int used, cap;

static void add_word(const char *w) {
  int i;
  for (i = 0; i < used; i++)
    if (strcmp(table[i].word, w) == 0) {
      table[i].count++;
      return;
    }
  if (used == cap) {
    entry *bigger = (entry *)ctrace_malloc(sizeof(entry) * (size_t)(cap ? 2 * cap : 4));
    if (used) memcpy(bigger, table, sizeof(entry) * (size_t)used);
    table = bigger; /* BUG: the old array is never freed */
    cap = cap ? 2 * cap : 4;
  }
  table[used].word = (char *)ctrace_malloc(strlen(w) + 1);
  strcpy(table[used].word, w);
  table[used].count = 1;
  used++;
}

static void remove_rare_words(void) {
  int i, kept = 0;
  for (i = 0; i < used; i++) {
    if (table[i].count > 1) table[kept++] = table[i];
    /* BUG: a rare word's text is dropped without ctrace_free */
  }
  used = kept;
}

static void free_table(void) {
  int i;
  for (i = 0; i < used; i++) ctrace_free(table[i].word);
  ctrace_free(table);
}

/* Replays the trace: an allocation whose address is never freed afterwards is
   a leak. A linear list is plenty for a few dozen blocks. */
typedef struct live_block {
  uint64_t ptr, size;
  char site[160];
} live_block;

static int list_leaks(const char *path) {
  ctrace_reader *r;
  ctrace_event ev;
  char err[256];
  live_block live[256];
  int n = 0, i, rc;
  uint64_t bytes = 0;
  rc = ctrace_reader_open(&r, path, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "leak: %s\n", err);
    return 1;
  }
  while ((rc = ctrace_reader_next(r, &ev)) > 0) {
    if (ev.kind == CTRACE_EV_ALLOC && n < 256) {
      live[n].ptr = ev.ptr;
      live[n].size = ev.size;
      snprintf(live[n].site, sizeof live[n].site, "%s:%u", ev.file, (unsigned)ev.line);
      n++;
    } else if (ev.kind == CTRACE_EV_FREE) {
      for (i = 0; i < n; i++)
        if (live[i].ptr == ev.ptr) {
          live[i] = live[--n];
          break;
        }
    }
  }
  ctrace_reader_close(r);
  if (rc < 0) {
    fprintf(stderr, "leak: reading %s: %s\n", path, ctrace_strerror(rc));
    return 1;
  }
  for (i = 0; i < n; i++) {
    printf("leak: %llu bytes allocated at %s\n", (unsigned long long)live[i].size, live[i].site);
    bytes += live[i].size;
  }
  printf("leaked: %d blocks, %llu bytes\n", n, (unsigned long long)bytes);
  return 0;
}

int main(int argc, char **argv) {
  static const char *text[] = {"the", "cat", "sat", "on", "the", "mat", "and", "the",
                               "dog", "sat", "on", "the", "cat", "by", "a", "mat"};
  const char *path = argc > 1 ? argv[1] : "leak.ctrace";
  ctrace_memstats ms;
  size_t i;
  int rc = ctrace_start(path);
  if (rc != 0) {
    fprintf(stderr, "leak: cannot trace to %s: %s\n", path, ctrace_strerror(rc));
    return 1;
  }
  CTRACE_THREAD_NAME("main");
  for (i = 0; i < sizeof text / sizeof text[0]; i++) add_word(text[i]);
  remove_rare_words();
  free_table();

  ctrace_read_memstats(&ms);
  printf("still allocated: %llu bytes in %llu blocks\n", (unsigned long long)ms.alloc,
         (unsigned long long)(ms.mallocs - ms.frees));
  rc = ctrace_stop();
  if (rc != 0) {
    fprintf(stderr, "leak: trace %s: %s\n", path, ctrace_strerror(rc));
    return 1;
  }
  return list_leaks(path);
}
