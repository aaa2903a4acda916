/* The chunk checksum: CRC-32 (IEEE) as the format documents it, whichever
   path computes it. On x86-64 with carry-less multiply, runs of 64 bytes or
   more are folded; this checks that path against the byte tables on every
   length, alignment and starting value that could trip it. Uses ctrace.h's
   internals, so it always carries its own implementation. */
#define CTRACE_IMPLEMENTATION
#include "../ctrace.h"
#include "harness.h"

#include <stdlib.h>

static uint32_t next_random(uint32_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

/* The reference: the same register, one byte at a time through table 0. */
static uint32_t crc_bytewise(uint32_t crc, const uint8_t *p, size_t n) {
  uint32_t s = ~crc;
  while (n--) s = ctrace__crc_table[0][(s ^ *p++) & 0xff] ^ (s >> 8);
  return ~s;
}

int main(void) {
  enum { SIZE = 200000 };
  uint8_t *buf = (uint8_t *)malloc(SIZE + 64);
  uint32_t seed = 12345, init;
  size_t i, n, off, cut;
  int trial, bad = 0, split_bad = 0, small_bad = 0;
  if (!CHECK(buf != NULL, "buffer")) return harness_done();
  ctrace__global_init();
  for (i = 0; i < SIZE + 64; i++) buf[i] = (uint8_t)next_random(&seed);

  CHECK(ctrace__crc_update(0, (const uint8_t *)"123456789", 9) == 0xCBF43926u, "CRC-32 check value of \"123456789\"");
  CHECK(ctrace__crc_update(0, buf, 0) == 0, "CRC-32 of nothing is 0");
  for (n = 0; n <= 300; n++)
    for (off = 0; off < 16; off++) {
      init = next_random(&seed);
      if (ctrace__crc_update(init, buf + off, n) != crc_bytewise(init, buf + off, n)) small_bad++;
    }
  CHECK(small_bad == 0, "every length 0..300 at 16 alignments matches the bytewise CRC (%d differ)", small_bad);
  for (trial = 0; trial < 400; trial++) {
    n = next_random(&seed) % SIZE;
    off = next_random(&seed) % 64;
    init = next_random(&seed);
    if (ctrace__crc_update(init, buf + off, n) != crc_bytewise(init, buf + off, n)) bad++;
    cut = n ? next_random(&seed) % n : 0;
    if (ctrace__crc_update(ctrace__crc_update(init, buf + off, cut), buf + off + cut, n - cut) !=
        ctrace__crc_update(init, buf + off, n))
      split_bad++;
  }
  CHECK(bad == 0, "400 long runs (up to 200 kB, any alignment, any start) match the bytewise CRC (%d differ)", bad);
  CHECK(split_bad == 0, "a run checksummed in two pieces equals the run in one (%d differ)", split_bad);
  memset(buf, 0xff, SIZE);
  CHECK(ctrace__crc_update(0, buf, SIZE) == crc_bytewise(0, buf, SIZE), "all-ones data");
  memset(buf, 0, SIZE);
  CHECK(ctrace__crc_update(0, buf, SIZE) == crc_bytewise(0, buf, SIZE), "all-zero data");
#if CTRACE__CRC_FOLD
  printf("note: the folding path is %s on this CPU\n", ctrace__crc_fold_ok ? "in use" : "not available");
#endif
  free(buf);
  return harness_done();
}
