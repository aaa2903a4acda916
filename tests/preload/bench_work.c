/* tests/preload/bench_work.c - the workload of tests/bench_run.sh: N
   malloc+free pairs from four call sites, 12 calls deep. Knows nothing of
   ctrace. Usage: bench_work N */
#include <stdlib.h>
#define NOINLINE __attribute__((noinline))
static void *volatile sink;
NOINLINE static void site_a(size_t n) { void *p = malloc(n); sink = p; free(p); }
NOINLINE static void site_b(size_t n) { void *p = malloc(n + 8); sink = p; free(p); }
NOINLINE static void site_c(size_t n) { void *p = malloc(n + 16); sink = p; free(p); }
NOINLINE static void site_d(size_t n) { void *p = malloc(n + 24); sink = p; free(p); }
NOINLINE static void work(long n) {
  long i;
  for (i = 0; i < n; i++) {
    size_t sz = 32 + (size_t)(i & 63);
    switch (i & 3) {
    case 0: site_a(sz); break;
    case 1: site_b(sz); break;
    case 2: site_c(sz); break;
    default: site_d(sz); break;
    }
  }
}
NOINLINE static void deeper(int d, long n) {
  if (d > 0) deeper(d - 1, n);
  else work(n);
  sink = &d; /* not a tail call: each level keeps its frame */
}
int main(int argc, char **argv) {
  deeper(8, argc > 1 ? atol(argv[1]) : 1000000);
  return 0;
}
