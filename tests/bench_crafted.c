/* tests/bench_crafted.c - the tool on the largest crafted traces of
   tests/crafted/ (issue 12's cases at their large sizes): wall time, CPU time
   and peak memory of every verb, one run each, next to the budget the tests
   hold (peak under 50x the trace + 100 MB). Then the crafted ELF cases of
   tests/elf_cases.h (issue 23: traces naming hostile ELF files) at two
   sizes, where the input is the trace plus the ELF files' allocated bytes;
   a run is stopped after 120 s. Needs $BUILD/ctrace (make).
   Build and run: make bench  (or build/bench/bench_crafted [DESC...], or
   build/bench/bench_crafted --elf [CASE...] for the ELF cases alone) */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "elf_cases.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The description with @N@ replaced by its large size, built into path.
   Returns the trace's size, 0 on failure. */
static size_t build(const char *desc, const char *path) {
  FILE *f = fopen(desc, "rb");
  char *text = NULL, *out = NULL, n_large[32] = "1";
  long len;
  size_t i, o = 0, size = 0;
  tb b;
  if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
      !(text = (char *)malloc((size_t)len + 1)) || fread(text, 1, (size_t)len, f) != (size_t)len) {
    if (f) fclose(f);
    free(text);
    return 0;
  }
  fclose(f);
  text[len] = 0;
  { const char *s = strstr(text, "# sizes:"); unsigned long a, c;
    if (s && sscanf(s, "# sizes: %lu %lu", &a, &c) == 2) snprintf(n_large, sizeof n_large, "%lu", c); }
  out = (char *)malloc((size_t)len * 8 + 64);
  for (i = 0; out && i < (size_t)len; i++) {
    if (!strncmp(text + i, "@N@", 3)) {
      memcpy(out + o, n_large, strlen(n_large));
      o += strlen(n_large);
      i += 2;
    } else {
      out[o++] = text[i];
    }
  }
  tb_init(&b);
  if (out && tb_run(&b, out, o) == 0) {
    FILE *w = fopen(path, "wb");
    if (w && fwrite(b.buf, 1, b.len, w) == b.len && fclose(w) == 0) size = b.len;
  }
  tb_free(&b);
  free(out);
  free(text);
  return size;
}

/* Runs the tool's verb (NULL-terminated words) on trace, output to
   /dev/null; prints one line. */
static void run_verb(const char *tool, const char *const *verb, const char *trace, const char *label, double input) {
  const char *args[12];
  char name[64] = "";
  int status, k = 0, j;
  struct rusage ru;
  double t0, t1;
  pid_t pid;
  args[k++] = tool;
  for (j = 0; verb[j] && k < 8; j++) {
    args[k++] = verb[j];
    strncat(name, verb[j], sizeof name - strlen(name) - 2);
    strcat(name, " ");
  }
  args[k++] = trace;
  if (strcmp(verb[0], "check")) {
    args[k++] = "-o";
    args[k++] = "/dev/null";
  }
  args[k] = NULL;
  t0 = now_s();
  pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    alarm(120); /* kept across exec: a run past it is cut and said so */
    execv(tool, (char *const *)args);
    _exit(127);
  }
  if (pid < 0 || wait4(pid, &status, 0, &ru) != pid) return;
  t1 = now_s();
  printf("%-18s %-24s %9.2f %9.2f %10.1f %10.1f%s\n", label, name, t1 - t0,
         (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
             (double)ru.ru_stime.tv_usec * 1e-6,
         (double)ru.ru_maxrss / 1024.0, (input * 50 + 100e6) / (1024.0 * 1024.0),
         WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM             ? "  (stopped at 120 s)"
         : WIFEXITED(status) && WEXITSTATUS(status) <= 2 ? ""
                                                                         : "  (exit not 0-2!)");
  fflush(stdout);
}

/* The ELF cases, each at two sizes (the second twice the first). */
static void bench_elf(const char *tool, const char *bdir, int argc, char **argv) {
  static const struct { const char *name; uint64_t n; } cases[] = {
      {"objects", 40000}, {"notes", 2000}, {"shared", 256}, {"sparse", 1000}, {"longsym", 500},
      {"longpath", 100000}, {"lines", 20000}};
  static const char *verbs[][3] = {{"stats", NULL}, {"report", NULL}, {"export", "csv", NULL}};
  char dir[512], trace[600];
  unsigned c, v, twice;
  snprintf(dir, sizeof dir, "%s/tmp/bench_elf_%ld", bdir, (long)getpid());
  mkdir(dir, 0700);
  for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    int i, wanted = argc == 0;
    for (i = 0; i < argc; i++) wanted |= !strcmp(argv[i], cases[c].name);
    if (!wanted) continue;
    for (twice = 0; twice < 2; twice++) {
      uint64_t n = cases[c].n << twice, input = ec_make(cases[c].name, n, dir);
      char label[64];
      snprintf(label, sizeof label, "elf %s %llu", cases[c].name, (unsigned long long)n);
      if (!input) {
        printf("%-18s cannot be built\n", label);
        continue;
      }
      snprintf(trace, sizeof trace, "%s/%s.ctrace", dir, cases[c].name);
      for (v = 0; v < sizeof verbs / sizeof verbs[0]; v++) run_verb(tool, verbs[v], trace, label, (double)input);
    }
  }
  {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) printf("bench_crafted: could not remove %s\n", dir);
  }
}

int main(int argc, char **argv) {
  static const char *verbs[][4] = {
      {"check", NULL}, {"stats", NULL}, {"stats", "--json", NULL}, {"dump", NULL},
      {"export", "chrome", NULL}, {"export", "folded", NULL}, {"export", "csv", NULL},
      {"report", NULL}, {"png", "--chart", "timeline", NULL}, {"png", "--chart", "flame", NULL}};
  static const char *def[] = {"tests/crafted/threads_exit.desc", "tests/crafted/threads.desc",
                              "tests/crafted/false_ck.desc", "tests/crafted/long_names.desc",
                              "tests/crafted/histograms.desc", "tests/crafted/deep.desc",
                              "tests/crafted/problems.desc", "tests/crafted/goal_counter.desc",
                              "tests/crafted/threads_gc.desc", "tests/crafted/threads_wait_gc.desc",
                              "tests/crafted/long_site_logs.desc",
                              "tests/crafted/long_site_tasks.desc", "tests/crafted/csv_sites.desc"};
  const char *bdir = getenv("BUILD") ? getenv("BUILD") : "build";
  char tool[512], trace[512];
  int d, nd = argc > 1 ? argc - 1 : (int)(sizeof def / sizeof def[0]);
  snprintf(tool, sizeof tool, "%s/ctrace", bdir);
  snprintf(trace, sizeof trace, "%s/tmp/bench_crafted_%ld.ctrace", bdir, (long)getpid());
  if (access(tool, X_OK) != 0) {
    printf("bench_crafted: %s is missing (make)\n", tool);
    return 1;
  }
  printf("%-18s %-24s %9s %9s %10s %10s\n", "trace", "verb", "wall s", "cpu s", "peak MB", "budget MB");
  if (argc > 1 && !strcmp(argv[1], "--elf")) {
    bench_elf(tool, bdir, argc - 2, argv + 2);
    return 0;
  }
  for (d = 0; d < nd; d++) {
    const char *desc = argc > 1 ? argv[d + 1] : def[d];
    size_t size = build(desc, trace);
    char label[64];
    unsigned v;
    const char *base = strrchr(desc, '/') ? strrchr(desc, '/') + 1 : desc;
    if (!size) {
      printf("%-18s cannot be built\n", base);
      continue;
    }
    snprintf(label, sizeof label, "%.*s %.1fM", (int)(strchr(base, '.') ? strchr(base, '.') - base : 12), base,
             (double)size / 1e6);
    for (v = 0; v < sizeof verbs / sizeof verbs[0]; v++) run_verb(tool, verbs[v], trace, label, (double)size);
  }
  remove(trace);
  if (argc == 1) bench_elf(tool, bdir, 0, NULL);
  return 0;
}
