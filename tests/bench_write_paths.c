/* What a full 64 KiB chunk costs to hand to the kernel, by each way of
   writing a file the writer could use (README, "How the writer works"):
   write(2) as shipped, a mapped file the chunk is copied into (faulted in on
   touch, or pre-faulted with MAP_POPULATE), and vmsplice into a pipe spliced
   to the file. Process CPU (user + system) and wall per chunk, medians of
   interleaved rounds, each round a new file of BENCH_WRITE_MB MiB (64) in
   BENCH_DIR ($BUILD/tmp). Linux only: elsewhere it says so and exits 0. */
#if defined(__linux__)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64u << 10)
#define WINDOW (4u << 20) /* a mapped window: 64 chunks */
#define ROUNDS 5

enum { W_WRITE, W_MMAP, W_MMAP_POPULATE, W_VMSPLICE, N_WAYS };
static const char *const way_name[N_WAYS] = {"write(2) (shipped)", "mapped file, faulted on touch",
                                             "mapped file, MAP_POPULATE", "vmsplice + splice"};

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
         ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) * 1e-6;
}

static double wall_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The chunk's bytes change a little each time, as a trace's do. */
static void refill(uint8_t *buf, uint32_t seq) {
  uint32_t i;
  for (i = 0; i < CHUNK; i += 512) memcpy(buf + i, &seq, sizeof seq);
}

static int by_write(int fd, uint8_t *buf, uint32_t chunks) {
  uint32_t c;
  for (c = 0; c < chunks; c++) {
    refill(buf, c);
    if (write(fd, buf, CHUNK) != (ssize_t)CHUNK) return -1;
  }
  return 0;
}

static int by_mmap(int fd, uint8_t *buf, uint32_t chunks, int populate) {
  uint32_t c, per = WINDOW / CHUNK;
  uint8_t *win = NULL;
  for (c = 0; c < chunks; c++) {
    if (c % per == 0) {
      off_t at = (off_t)c * CHUNK;
      if (win) munmap(win, WINDOW);
      if (ftruncate(fd, at + WINDOW) != 0) return -1;
      win = (uint8_t *)mmap(NULL, WINDOW, PROT_READ | PROT_WRITE, MAP_SHARED | (populate ? MAP_POPULATE : 0), fd, at);
      if (win == MAP_FAILED) return -1;
    }
    refill(buf, c);
    memcpy(win + (size_t)(c % per) * CHUNK, buf, CHUNK);
  }
  if (win) munmap(win, WINDOW);
  return ftruncate(fd, (off_t)chunks * CHUNK);
}

static int by_vmsplice(int fd, uint8_t *buf, uint32_t chunks) {
  int p[2];
  uint32_t c;
  if (pipe(p) != 0) return -1;
  if (fcntl(p[1], F_SETPIPE_SZ, (int)CHUNK) < 0) { close(p[0]); close(p[1]); return -1; }
  for (c = 0; c < chunks; c++) {
    struct iovec iov;
    size_t left = CHUNK;
    refill(buf, c);
    iov.iov_base = buf;
    iov.iov_len = CHUNK;
    while (iov.iov_len) {
      ssize_t n = vmsplice(p[1], &iov, 1, 0);
      if (n <= 0) { close(p[0]); close(p[1]); return -1; }
      iov.iov_base = (uint8_t *)iov.iov_base + n;
      iov.iov_len -= (size_t)n;
      while (left > iov.iov_len) { /* drain what is in the pipe before the next part */
        ssize_t m = splice(p[0], NULL, fd, NULL, left - iov.iov_len, SPLICE_F_MOVE);
        if (m <= 0) { close(p[0]); close(p[1]); return -1; }
        left -= (size_t)m;
      }
    }
  }
  close(p[0]);
  close(p[1]);
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(void) {
  char build_tmp[512];
  const char *dir = getenv("BENCH_DIR");
  const char *mb_s = getenv("BENCH_WRITE_MB");
  uint32_t mb = mb_s ? (uint32_t)strtoul(mb_s, NULL, 10) : 64, chunks;
  double cpu[N_WAYS][ROUNDS], wall[N_WAYS][ROUNDS];
  char path[600];
  uint8_t *buf;
  int r, w;
  if (!dir) { /* make bench passes BUILD */
    snprintf(build_tmp, sizeof build_tmp, "%s/tmp", getenv("BUILD") ? getenv("BUILD") : "build");
    dir = build_tmp;
  }
  if (mb < 4 || mb > 4096) mb = 64;
  chunks = mb * (1u << 20) / CHUNK;
  if (posix_memalign((void **)&buf, 4096, CHUNK) != 0) return 1;
  memset(buf, 0x5a, CHUNK);
  mkdir(dir, 0777);
  snprintf(path, sizeof path, "%s/bench_write_paths.%d", dir, (int)getpid());
  printf("bench_write_paths: %u chunks of 64 KiB (%u MiB) per file, in %s, %d interleaved rounds\n", chunks, mb, dir,
         ROUNDS);
  for (r = 0; r < ROUNDS; r++)
    for (w = 0; w < N_WAYS; w++) {
      int way = (w + r) % N_WAYS, fd, rc;
      double c0, t0;
      fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
      if (fd < 0) { fprintf(stderr, "bench_write_paths: %s: %s\n", path, strerror(errno)); return 1; }
      c0 = cpu_s();
      t0 = wall_s();
      rc = way == W_WRITE ? by_write(fd, buf, chunks)
         : way == W_VMSPLICE ? by_vmsplice(fd, buf, chunks)
         : by_mmap(fd, buf, chunks, way == W_MMAP_POPULATE);
      cpu[way][r] = (cpu_s() - c0) / chunks * 1e6;
      wall[way][r] = (wall_s() - t0) / chunks * 1e6;
      close(fd);
      unlink(path);
      if (rc != 0) { fprintf(stderr, "bench_write_paths: %s failed: %s\n", way_name[way], strerror(errno)); return 1; }
    }
  printf("%-32s %14s %14s %22s\n", "way", "CPU us/chunk", "wall us/chunk", "CPU range (us/chunk)");
  for (w = 0; w < N_WAYS; w++) {
    qsort(cpu[w], ROUNDS, sizeof(double), cmp_double);
    qsort(wall[w], ROUNDS, sizeof(double), cmp_double);
    printf("%-32s %14.1f %14.1f %10.1f-%.1f\n", way_name[w], cpu[w][ROUNDS / 2], wall[w][ROUNDS / 2], cpu[w][0],
           cpu[w][ROUNDS - 1]);
  }
  free(buf);
  return 0;
}
#else
#include <stdio.h>
int main(void) {
  printf("bench_write_paths: Linux only (mmap windows, vmsplice)\n");
  return 0;
}
#endif
