/* tests/preload/prog.c - an ordinary program, unaware of ctrace, that
   tests/test_run.sh runs under `ctrace run`. argv[1] picks what it does;
   every figure the test checks is counted here in the comments. It writes
   nothing to stdout (stdio's buffer would be one more allocation). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define NOINLINE __attribute__((noinline))
static void *volatile sink;

/* Each keeps its frame (no tail call: the store comes after the call), so
   the stacks name it. */
NOINLINE void *make_block(size_t n) { void *p = malloc(n); sink = p; return p; }
NOINLINE void *leak_here(void) { void *p = malloc(4242); sink = p; return p; }

/* 9 allocations, all freed: every function of the family once. */
NOINLINE void family(void) {
  void *a = calloc(10, 10), *b = realloc(NULL, 50), *c, *d, *e, *f, *g, *h = NULL;
  b = realloc(b, 5000);                      /* a free and an allocation */
  b = reallocarray(b, 10, 600);              /* again */
  if (posix_memalign(&c, 64, 100)) c = NULL;
  d = aligned_alloc(64, 128);
  e = memalign(64, 100);
  f = valloc(100);
  g = pvalloc(100);
  if (malloc_usable_size(b) < 6000) h = malloc(1); /* never: the size is right */
  /* escaping, so the compiler does not drop an allocation freed unused */
  sink = a; sink = b; sink = c; sink = d; sink = e; sink = f; sink = g;
  free(a); free(b); free(c); free(d); free(e); free(f); free(g); free(h);
}

/* 1000 + 9 + 1 allocations, one leaked (4242 bytes, from leak_here). */
static void count(void) {
  int i;
  for (i = 0; i < 1000; i++) free(make_block((size_t)(16 + i)));
  family();
  sink = leak_here();
}

#define THREADS 4
#define PER_THREAD 1000
static void *blocks[THREADS][PER_THREAD];
NOINLINE void *thread_block(size_t n) { void *p = malloc(n); sink = p; return p; }
static void *worker(void *arg) {
  void **mine = (void **)arg;
  int i;
  for (i = 0; i < PER_THREAD; i++) mine[i] = thread_block(32);
  return NULL;
}

/* 4 threads x 1000 blocks from thread_block; main frees every other one
   (a free on another thread than the allocation): 2000 stay live. */
static void threads(void) {
  pthread_t t[THREADS];
  int i, j;
  for (i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, worker, blocks[i]);
  for (i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  for (i = 0; i < THREADS; i++)
    for (j = 0; j < PER_THREAD; j += 2) free(blocks[i][j]);
}

static void some(int n) {
  int i;
  for (i = 0; i < n; i++) sink = make_block(100);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "count";
  if (!strcmp(mode, "count")) {
    count();
  } else if (!strcmp(mode, "threads")) {
    threads();
  } else if (!strcmp(mode, "fork")) { /* parent: 20 blocks; the child's 10 are not in its trace */
    pid_t pid;
    some(10);
    pid = fork();
    if (pid == 0) {
      some(10);
      exit(0);
    }
    waitpid(pid, NULL, 0);
    some(10);
  } else if (!strcmp(mode, "forkexec")) { /* the child runs `count` in a trace of its own */
    pid_t pid = fork();
    if (pid == 0) {
      execl(argv[0], argv[0], "count", (char *)NULL);
      _exit(127);
    }
    waitpid(pid, NULL, 0);
  } else if (!strcmp(mode, "exec")) { /* 5 blocks, then this process becomes `count` */
    char *args[3];
    some(5);
    args[0] = argv[0];
    args[1] = (char *)"count";
    args[2] = NULL;
    execv(argv[0], args);
    return 127;
  } else if (!strncmp(mode, "exec=", 5)) { /* 5 blocks, then this process becomes `count` by one function */
    const char *how = mode + 5;
    char *args[3];
    int fd;
    args[0] = argv[0];
    args[1] = (char *)"count";
    args[2] = NULL;
    some(5);
    if (!strcmp(how, "execl")) execl(argv[0], argv[0], "count", (char *)NULL);
    else if (!strcmp(how, "execlp")) execlp(argv[0], argv[0], "count", (char *)NULL);
    else if (!strcmp(how, "execle")) execle(argv[0], argv[0], "count", (char *)NULL, environ);
    else if (!strcmp(how, "execv")) execv(argv[0], args);
    else if (!strcmp(how, "execvp")) execvp(argv[0], args);
    else if (!strcmp(how, "execvpe")) execvpe(argv[0], args, environ);
    else if (!strcmp(how, "execve")) execve(argv[0], args, environ);
    else if (!strcmp(how, "fexecve") && (fd = open(argv[0], O_RDONLY | O_CLOEXEC)) >= 0) fexecve(fd, args, environ);
    return 127;
  } else if (!strcmp(mode, "execfail")) { /* 5 blocks, two execs of no program, 5 more */
    char *args[2];
    args[0] = (char *)"/nonexistent/ctrace-test";
    args[1] = NULL;
    some(5);
    execv(args[0], args);
    execlp("ctrace-test-no-such-program", "x", (char *)NULL);
    some(5);
  } else if (!strcmp(mode, "execbad") && argc > 2) { /* 5 blocks, exec of argv[2] (not a program), 5 more */
    char *args[2];
    args[0] = argv[2];
    args[1] = NULL;
    some(5);
    execv(argv[2], args);
    some(5);
  } else if (!strcmp(mode, "spawn")) { /* 5 blocks, `count` spawned and waited for, 5 more */
    char *args[3];
    pid_t pid;
    args[0] = argv[0];
    args[1] = (char *)"count";
    args[2] = NULL;
    some(5);
    if (posix_spawn(&pid, argv[0], NULL, NULL, args, environ) == 0) waitpid(pid, NULL, 0);
    some(5);
  } else if (!strcmp(mode, "_exit")) { /* 100 blocks, then no exit handlers */
    some(100);
    _exit(3);
  } else if (!strcmp(mode, "abort")) {
    some(100);
    abort();
  } else if (!strcmp(mode, "signal")) {
    some(100);
    kill(getpid(), SIGTERM);
  }
  return 0;
}
