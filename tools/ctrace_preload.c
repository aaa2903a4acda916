/* The library `ctrace run` preloads (LD_PRELOAD) into a program nobody
   changed: the program's allocations with their call stacks, and with
   CTRACE_FUNCTIONS=1 the calls of code built with -finstrument-functions.
   Built by `make` as build/libctrace-preload.so:
     cc -O2 -fPIC -shared -ftls-model=initial-exec tools/ctrace_preload.c -ldl -pthread */
#define _GNU_SOURCE
#define CTRACE_IMPLEMENTATION
#define CTRACE_INSTRUMENT_FUNCTIONS
#define CTRACE_PRELOAD_IMPLEMENTATION
#include "ctrace.h"
