/* tests/fuzz/fuzz_elf.c - libFuzzer harness for the symbol reader: the
   input is the bytes of an ELF file (its sections, symbol table, notes and
   DWARF line table are what gets mutated). The harness writes them to a
   file, builds a trace whose memory map names that file (sites at the
   addresses where the seeds have functions, and a few others), opens it
   with the public reader (which names every site from the file) and then
   asks the internal address-to-line lookup about a range of addresses, as
   the allocation call stacks will.

   Checks besides "no crash, no sanitizer report": every site has a name and
   a file; a line is never 0 when the lookup says it found one, and the
   file it gives is a string; nothing a site shows is longer than the bounds
   the reader sets (names of symbols, source paths).

   Seeds: tests/fuzz/corpus_elf/: tiny gcc and clang programs with DWARF 4
   and 5 (-nostdlib -static-pie, max-page-size=16), and crafted files from
   tests/elf_cases.h (lines_small 6, dups, badlines).
   Build: clang -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_elf.c -lm
   (make fuzz does it). */
#define _DEFAULT_SOURCE
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "../../ctrace.h"
#include "fuzz_common.h"
#include "../trace_builder.h"

#define FUZZ_BIAS 0x10000000ull

static volatile size_t fuzz_sink;

/* A trace whose one object is path, with sites at the addresses below. */
static void fuzz_trace(tb *b, const char *path) {
  /* where the seeds have functions: the crafted files at 0x1000 + 16k, the
     small binaries near 0x229-0x290 */
  static const uint64_t offs[] = {0x1000, 0x1010, 0x1020, 0x1030, 0x1040, 0x1050, 0x1060, 0x1070, 0x229,
                                  0x238,  0x240,  0x251,  0x260,  0x26b,  0x270,  0x290,  0x0,    0xfff0};
  tb r;
  size_t k;
  char nm[32];
  tb_header(b);
  tb_chunk(b, 'D', 0, 0, 0, 0);
  for (k = 0; k < sizeof offs / sizeof offs[0]; k++) {
    snprintf(nm, sizeof nm, "0x%llx", (unsigned long long)(FUZZ_BIAS + offs[k]));
    tb_site(b, k + 1, 0, nm, strlen(nm), "", 0);
  }
  tb_chunk(b, 'M', 0, 0, 0, 0);
  tb_init(&r);
  tb_u8(&r, 1);
  tb_varint(&r, FUZZ_BIAS);
  tb_varint(&r, FUZZ_BIAS);
  tb_varint(&r, FUZZ_BIAS + 0x100000);
  tb_varint(&r, 0);
  tb_str(&r, path, strlen(path));
  tb_varint(b, r.len);
  tb_bytes(b, r.buf, r.len);
  tb_free(&r);
  tb_chunk(b, 'E', 0, 1, 0, 0);
  for (k = 0; k < sizeof offs / sizeof offs[0]; k++) {
    tb_ev(b, 1, 10);
    tb_varint(b, k + 1);
    tb_ev(b, 2, 10);
  }
  tb_end(b, 1000, 0, 0, 0, 0, 0);
  tb_finish(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *dir = getenv("CTRACE_FUZZ_TMP");
  char path[512];
  FILE *f;
  tb b;
  ctrace_reader *r = NULL;
  ctrace_event ev;
  uint64_t a;
  int rc;
  snprintf(path, sizeof path, "%s/fuzz_elf_%ld.so", dir && *dir ? dir : "/tmp", (long)getpid());
  f = fopen(path, "wb");
  if (!f) return 0;
  if (size && fwrite(data, 1, size, f) != size) {
    fclose(f);
    return 0;
  }
  fclose(f);
  tb_init(&b);
  fuzz_trace(&b, path);
  if (b.failed) fuzz_fail("the trace builder failed");
  if (ctrace_reader_open_memory(&r, b.buf, b.len, NULL, 0) >= 0 && r) {
    while ((rc = ctrace_reader_next(r, &ev)) == 1) {
      if (ev.kind != CTRACE_EV_ZONE_BEGIN) continue;
      if (!ev.name || !ev.file) fuzz_fail("a site with no name or file");
      if (strlen(ev.name) > (1u << 30)) fuzz_fail("a name past any bound");
      if (strlen(ev.file) > 3 * CTRACE__MAX_SOURCE_PATH + 3 && strcmp(ev.file, path) != 0)
        fuzz_fail("a source path past its bound");
      fuzz_sink += strlen(ev.name);
    }
    for (a = FUZZ_BIAS + 0x200; a < FUZZ_BIAS + 0x1100; a += 5) {
      const char *file = NULL;
      uint32_t line = 0;
      if (ctrace__addr_line(r, a, &file, &line) == 0) {
        if (!file || line == 0) fuzz_fail("a line found with no file or line 0");
        fuzz_sink += strlen(file);
      }
    }
    ctrace_reader_close(r);
  }
  tb_free(&b);
  remove(path);
  return 0;
}
