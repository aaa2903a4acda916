/* tests/test_thread_names_os.c - threads the program never named through
   ctrace get their name from the OS. The main thread is named after the
   program; a thread named with pthread_setname_np before its first event
   carries that name; a thread with no name of its own (its OS name is the
   one inherited from the process) stays unnamed; ctrace_thread_name wins
   over the OS name. A child of fork that starts a session of its own
   records its own OS thread id and the program's name. Linux only:
   elsewhere the test says SKIP. */
#define _GNU_SOURCE
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "../ctrace.h"
#include "harness.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *named_by_os(void *p) {
  (void)p;
  pthread_setname_np(pthread_self(), "os-worker");
  { CTRACE_ZONE("work"); }
  return NULL;
}
static void *unnamed(void *p) {
  (void)p;
  { CTRACE_ZONE("work"); }
  return NULL;
}
static void *named_by_both(void *p) {
  (void)p;
  pthread_setname_np(pthread_self(), "os-name");
  ctrace_thread_name("ctrace-name");
  { CTRACE_ZONE("work"); }
  return NULL;
}

/* Whether some thread of the trace has this name. */
static int has_thread(const ctrace_thread_stats *th, uint32_t n, const char *name) {
  uint32_t i;
  for (i = 0; i < n; i++)
    if (strcmp(th[i].name, name) == 0) return 1;
  return 0;
}

int main(int argc, char **argv) {
#if defined(__linux__)
  char path[512], err[256];
  const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
  void *(*fns[3])(void *) = {named_by_os, unnamed, named_by_both};
  pthread_t t[3];
  ctrace_analysis *a = NULL;
  const ctrace_thread_stats *th;
  uint32_t n = 0, i, unnamed_count = 0;
  int k;
  (void)argc;
  snprintf(path, sizeof path, "build/tmp/test_thread_names_os_%d.ctrace", (int)getpid());
  if (!CHECK(ctrace_start(path) == 0, "session starts")) return harness_done();
  { CTRACE_ZONE("main-work"); }
  for (k = 0; k < 3; k++) pthread_create(&t[k], NULL, fns[k], NULL);
  for (k = 0; k < 3; k++) pthread_join(t[k], NULL);
  CHECK(ctrace_stop() == 0, "session stops");
  if (!CHECK(ctrace_analyze(path, NULL, &a, err, sizeof err) == 0 && a, "trace analysed: %s", err))
    return harness_done();
  th = ctrace_analysis_threads(a, &n);
  CHECK(has_thread(th, n, prog), "the main thread is named after the program (%s)", prog);
  CHECK(has_thread(th, n, "os-worker"), "a thread named with pthread_setname_np has that name");
  CHECK(has_thread(th, n, "ctrace-name") && !has_thread(th, n, "os-name"), "ctrace_thread_name wins over the OS name");
  for (i = 0; i < n; i++) unnamed_count += th[i].name[0] == 0;
  CHECK_EQ_UINT(unnamed_count, 1, "the thread with only the inherited OS name stays unnamed");
  ctrace_analysis_free(a);
  remove(path);

  { /* fork: the child's session names its thread from the child */
    char child_path[512];
    pid_t pid;
    int status = 0;
    snprintf(child_path, sizeof child_path, "build/tmp/test_thread_names_os_%d_child.ctrace", (int)getpid());
    pid = fork();
    if (pid == 0) {
      if (ctrace_start(child_path) != 0) _exit(2);
      { CTRACE_ZONE("child-work"); }
      _exit(ctrace_stop() == 0 ? 0 : 3);
    }
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "the child traced on its own");
    a = NULL;
    if (CHECK(ctrace_analyze(child_path, NULL, &a, err, sizeof err) == 0 && a, "child's trace analysed: %s", err)) {
      int found = 0;
      th = ctrace_analysis_threads(a, &n);
      for (i = 0; i < n; i++) found |= th[i].os_id == (uint64_t)pid && strcmp(th[i].name, prog) == 0;
      CHECK(found, "the child's thread has the child's OS id and the program's name");
      ctrace_analysis_free(a);
    }
    remove(child_path);
  }
#else
  (void)argc;
  (void)argv;
  printf("SKIP: OS thread names are read on Linux only\n");
#endif
  return harness_done();
}
