/* threads.c - a worker pool, traced: tasks that start on one thread and end on
   another.

   The main thread submits jobs to a queue; four workers take them. Each job is
   a task: CTRACE_TASK_BEGIN on the submitting thread, CTRACE_TASK_END on the
   worker that finishes it, so the trace shows how long a job waited in the
   queue as well as how long it ran. Zones show what each thread does, a
   counter follows the queue depth, and a log line records each result.

   Build (from the repo root):  cc -O2 -pthread examples/threads.c -o threads -lm
   Run:                         ./threads [trace-path]      (default threads.ctrace) */
#define CTRACE_IMPLEMENTATION
#include "../ctrace.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>

#define WORKERS 4
#define JOBS 40
#define QUEUE_CAP 8

typedef struct job {
  uint64_t task;
  int number;
} job;

static struct {
  pthread_mutex_t lock;
  pthread_cond_t not_empty, not_full;
  job items[QUEUE_CAP];
  int head, count, closed;
} queue = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
           {{0, 0}}, 0, 0, 0};

static void submit(job j) {
  CTRACE_ZONE("submit");
  pthread_mutex_lock(&queue.lock);
  while (queue.count == QUEUE_CAP) pthread_cond_wait(&queue.not_full, &queue.lock);
  queue.items[(queue.head + queue.count) % QUEUE_CAP] = j;
  queue.count++;
  CTRACE_COUNTER("queue depth", queue.count);
  pthread_cond_signal(&queue.not_empty);
  pthread_mutex_unlock(&queue.lock);
}

/* Returns 0 once the queue is closed and empty. */
static int take(job *j) {
  pthread_mutex_lock(&queue.lock);
  while (queue.count == 0 && !queue.closed) pthread_cond_wait(&queue.not_empty, &queue.lock);
  if (queue.count == 0) {
    pthread_mutex_unlock(&queue.lock);
    return 0;
  }
  *j = queue.items[queue.head];
  queue.head = (queue.head + 1) % QUEUE_CAP;
  queue.count--;
  CTRACE_COUNTER("queue depth", queue.count);
  pthread_cond_signal(&queue.not_full);
  pthread_mutex_unlock(&queue.lock);
  return 1;
}

/* Uneven work on purpose: later jobs take longer, so the pool's balance shows. */
static double work(int number) {
  double sum = 0;
  long i, n = 20000L * (1 + number % 10);
  CTRACE_ZONE("compute");
  for (i = 1; i <= n; i++) sum += sqrt((double)i);
  return sum;
}

static void *worker(void *arg) {
  char name[16];
  job j;
  snprintf(name, sizeof name, "worker %d", (int)(size_t)arg);
  CTRACE_THREAD_NAME(name);
  while (take(&j)) {
    double result;
    CTRACE_ZONE("job");
    result = work(j.number);
    CTRACE_LOG("result", "job %d: %.0f", j.number, result);
    CTRACE_TASK_END(j.task); /* the task began on the main thread */
  }
  return NULL;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "threads.ctrace";
  pthread_t threads[WORKERS];
  int i, rc = ctrace_start(path);
  if (rc != 0) {
    fprintf(stderr, "threads: cannot trace to %s: %s\n", path, ctrace_strerror(rc));
    return 1;
  }
  CTRACE_THREAD_NAME("main");
  for (i = 0; i < WORKERS; i++)
    if (pthread_create(&threads[i], NULL, worker, (void *)(size_t)(i + 1)) != 0) {
      fprintf(stderr, "threads: cannot start worker %d\n", i + 1);
      return 1;
    }
  for (i = 0; i < JOBS; i++) {
    job j;
    j.task = CTRACE_TASK_BEGIN("job");
    j.number = i;
    submit(j);
  }
  pthread_mutex_lock(&queue.lock);
  queue.closed = 1;
  pthread_cond_broadcast(&queue.not_empty);
  pthread_mutex_unlock(&queue.lock);
  for (i = 0; i < WORKERS; i++) pthread_join(threads[i], NULL);

  rc = ctrace_stop();
  if (rc != 0) {
    fprintf(stderr, "threads: trace %s: %s\n", path, ctrace_strerror(rc));
    return 1;
  }
  printf("%d jobs done by %d workers; trace in %s\n", JOBS, WORKERS, path);
  return 0;
}
