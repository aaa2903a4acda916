/* tests/preload/early.c - a library the program needs: its constructor
   runs before the preloaded library's, so these 10 blocks are allocated
   before the recording starts; the program frees them in main. */
#include <stdlib.h>
void *early_blocks[10];
__attribute__((constructor)) static void early(void) {
  int i;
  for (i = 0; i < 10; i++) early_blocks[i] = malloc(100);
}
