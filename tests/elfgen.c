/* tests/elfgen.c - writes one case of tests/elf_cases.h: a trace and the
   crafted ELF files it names.
   Usage: elfgen CASE N DIR   prints the bytes the tool will read (the trace
   plus the ELF files' allocated blocks); exit 1 on failure. */
#define _DEFAULT_SOURCE
#include "elf_cases.h"

int main(int argc, char **argv) {
  uint64_t cost;
  if (argc != 4) {
    fprintf(stderr, "usage: elfgen CASE N DIR\n");
    return 2;
  }
  cost = ec_make(argv[1], strtoull(argv[2], NULL, 10), argv[3]);
  if (!cost) {
    fprintf(stderr, "elfgen: cannot make %s\n", argv[1]);
    return 1;
  }
  printf("%llu\n", (unsigned long long)cost);
  return 0;
}
