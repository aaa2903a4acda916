/* tests/preload/dlmod.c - a library loaded with dlopen after the recording
   started: its allocating function is named from the map made again. */
#include <stdlib.h>
void *volatile dl_sink;
void *dl_make(void);
void *dl_make(void) { void *p = malloc(77); dl_sink = p; return p; }
