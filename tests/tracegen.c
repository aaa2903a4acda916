/* tests/tracegen.c - write a trace from a description (tests/trace_builder.h
   documents the language):  tracegen DESC.txt|- OUT.ctrace
   Exit 0 when written, 1 when the description has an error (said on stderr). */
#include "trace_builder.h"

int main(int argc, char **argv) {
  FILE *in, *out;
  char *text = NULL;
  size_t len = 0, cap = 0, n;
  tb b;
  if (argc != 3) {
    fprintf(stderr, "usage: tracegen DESC|- OUT\n");
    return 1;
  }
  in = strcmp(argv[1], "-") ? fopen(argv[1], "rb") : stdin;
  if (!in) { perror(argv[1]); return 1; }
  do {
    if (len + 65536 > cap) {
      char *nt = (char *)realloc(text, cap = cap * 2 + 65536);
      if (!nt) return 1;
      text = nt;
    }
    n = fread(text + len, 1, cap - len, in);
    len += n;
  } while (n);
  if (in != stdin) fclose(in);
  tb_init(&b);
  if (tb_run(&b, text, len)) {
    fprintf(stderr, "tracegen: %s: %s\n", argv[1], b.err[0] ? b.err : "out of memory");
    return 1;
  }
  out = fopen(argv[2], "wb");
  if (!out || fwrite(b.buf, 1, b.len, out) != b.len || fclose(out)) { perror(argv[2]); return 1; }
  tb_free(&b);
  free(text);
  return 0;
}
