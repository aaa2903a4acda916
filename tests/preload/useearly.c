/* tests/preload/useearly.c - frees the blocks libearly allocated before the
   recording started, then allocates 3 of its own. */
#include <stdlib.h>
extern void *early_blocks[10];
static void *volatile sink;
int main(void) {
  int i;
  for (i = 0; i < 10; i++) free(early_blocks[i]);
  for (i = 0; i < 3; i++) sink = malloc(10);
  return 0;
}
