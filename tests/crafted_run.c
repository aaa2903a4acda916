/* tests/crafted_run.c - crafted_run CMD...: run CMD with its standard output
   counted (not kept) and print one line, "EXIT PEAK_RSS_KB OUTPUT_BYTES".
   EXIT is the exit status, or -N when signal N ended it; stderr goes to
   ours. It is in C because the crafted tests run the tool about a thousand
   times, and starting Python for each (as a first version did) took more
   time than the tool did. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned long long count_output(int fd) {
  static char buf[1 << 16];
  unsigned long long n = 0;
  ssize_t got;
  while ((got = read(fd, buf, sizeof buf)) != 0) {
    if (got > 0) n += (unsigned long long)got;
    else if (errno != EINTR) break;
  }
  return n;
}

int main(int argc, char **argv) {
  int fd[2], status;
  unsigned long long bytes;
  struct rusage ru;
  pid_t pid;
  if (argc < 2) {
    fprintf(stderr, "usage: crafted_run CMD...\n");
    return 2;
  }
  if (pipe(fd) != 0 || (pid = fork()) < 0) {
    fprintf(stderr, "crafted_run: %s\n", strerror(errno));
    return 2;
  }
  if (pid == 0) {
    dup2(fd[1], 1);
    close(fd[0]);
    close(fd[1]);
    execvp(argv[1], argv + 1);
    fprintf(stderr, "crafted_run: %s: %s\n", argv[1], strerror(errno));
    _exit(127);
  }
  close(fd[1]);
  bytes = count_output(fd[0]);
  close(fd[0]);
  while (wait4(pid, &status, 0, &ru) < 0) {
    if (errno != EINTR) {
      fprintf(stderr, "crafted_run: wait: %s\n", strerror(errno));
      return 2;
    }
  }
  printf("%d %ld %llu\n", WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status), ru.ru_maxrss,
         bytes);
  return 0;
}
