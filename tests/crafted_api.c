/* tests/crafted_api.c - the crafted corpus through the public reader API,
   for the sanitizer builds: each argument is a trace description (as in
   tests/fuzz/corpus_desc/), built and then read from memory and from a file,
   analysed, and written through every output, with the checks of the
   structure-aware fuzz harness (tests/fuzz/fuzz_desc.c), which this
   includes. One PASS or FAIL line per description. */
#include "fuzz/fuzz_desc.c"

int main(int argc, char **argv) {
  int i, fails = 0;
  for (i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    char *text;
    long n;
    if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        !(text = (char *)malloc((size_t)n + 1)) || fread(text, 1, (size_t)n, f) != (size_t)n) {
      printf("FAIL: crafted api: %s: cannot read\n", argv[i]);
      fails++;
      if (f) fclose(f);
      continue;
    }
    fclose(f);
    LLVMFuzzerTestOneInput((const uint8_t *)text, (size_t)n); /* a broken contract aborts */
    printf("PASS: crafted api: %s: read, analysed and written\n", argv[i]);
    free(text);
  }
  return fails != 0;
}
