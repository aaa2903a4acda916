/* tests/tool_gen.c - writes the traces tests/test_tool.sh and the export tests
   read: every event kind, two threads, hostile names (quotes, commas, control
   characters, invalid UTF-8), a zone end with no zone open, a zone and a task
   left open at the end, a task that ends on another thread.

   Build: cc -std=c99 -O1 -pthread -I. tests/tool_gen.c -o build/tmp/tool_gen -lm
   Run:   tool_gen OUT.ctrace [variant]
          variant "main" (default) or "slower": the same program with the
          "work" zones twice as long, for baseline comparisons. */
#define CTRACE_IMPLEMENTATION
#include "../ctrace.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int g_scale = 1;

static void spin_us(long us) {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  do {
    clock_gettime(CLOCK_MONOTONIC, &b);
  } while ((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000 < us);
}

/* Names that must survive every output format. Dynamic strings take the
   interned path. */
static const char *const hostile[] = {
    "quote\"and\\backslash",
    "comma,separated,name",
    "tab\there\nnewline\x01" "ctl",
    "bad utf8 \xff\xfe end",
    "cut \xe2\x82",
    "semi;colon",
    "caf\xc3\xa9 \xe2\x82\xac ok",
};

static uint64_t g_handoff_task;

static void *worker(void *arg) {
  char buf[64];
  int i;
  (void)arg;
  CTRACE_THREAD_NAME("worker \"w1\"");
  CTRACE_ZONE_END(); /* no zone open here: exporters must drop it */
  for (i = 0; i < 20; i++) {
    CTRACE_ZONE("work");
    snprintf(buf, sizeof buf, "item %d", i % 3);
    {
      CTRACE_ZONE(buf);
      void *p = ctrace_malloc((size_t)(100 + i));
      spin_us(20L * g_scale);
      ctrace_free(p);
    }
    CTRACE_COUNTER("queue", 20 - i);
  }
  CTRACE_TASK_END(g_handoff_task); /* begun on the main thread */
  return NULL;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "tool_gen.ctrace";
  pthread_t th;
  size_t i;
  void *keep;
  int rc;
  if (argc > 2 && strcmp(argv[2], "slower") == 0) g_scale = 2;
  rc = ctrace_start(path);
  if (rc != 0) {
    fprintf(stderr, "tool_gen: %s: %s\n", path, ctrace_strerror(rc));
    return 2;
  }
  CTRACE_THREAD_NAME("main");
  g_handoff_task = CTRACE_TASK_BEGIN("handoff");
  pthread_create(&th, NULL, worker, NULL);
  {
    CTRACE_ZONE("setup");
    keep = ctrace_malloc(4096); /* never freed: a leak */
    for (i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
      char name[64];
      uint64_t task;
      strcpy(name, hostile[i]);
      task = CTRACE_TASK_BEGIN(name);
      {
        CTRACE_ZONE(name);
        CTRACE_INSTANT(name);
        CTRACE_COUNTER(name, (int64_t)i * 10);
        CTRACE_LOG(name, "message %d with \"quotes\", tab\t and %s", (int)i, name);
        spin_us(30L * g_scale);
      }
      CTRACE_TASK_END(task);
    }
  }
  CTRACE_GC_BEGIN("heap goal");
  spin_us(50);
  CTRACE_GC_END();
  CTRACE_COUNTER_F("ratio", 0.25);
  CTRACE_COUNTER_F("ratio", 1.0 / 3.0);
  pthread_join(th, NULL);
  (void)CTRACE_TASK_BEGIN("never ends");
  CTRACE_ZONE_BEGIN("left open"); /* never ended: closed at the trace's end */
  CTRACE_INSTANT("last");
  (void)keep;
  rc = ctrace_stop();
  if (rc != 0) {
    fprintf(stderr, "tool_gen: stop: %s\n", ctrace_strerror(rc));
    return 2;
  }
  return 0;
}
