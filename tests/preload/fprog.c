/* tests/preload/fprog.c - built with -finstrument-functions and no ctrace:
   the hooks come from the preloaded library (ctrace run --functions). */
#include <stdlib.h>
#define NOINLINE __attribute__((noinline))
static volatile int sink;
NOINLINE int compute_leaf(int n) { return n * 2; }
NOINLINE int compute_outer(int n) { int i, s = 0; for (i = 0; i < n; i++) s += compute_leaf(i); return s; }
int main(void) { sink = compute_outer(50); free(malloc(10)); return 0; }
