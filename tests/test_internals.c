/* Two places where ctrace.h has a fast path beside a plain one, checked
   against the plain one on the inputs that could trip them:
   - the chunk checksum, CRC-32 (IEEE) as the format documents it: on x86-64
     with carry-less multiply, runs of 64 bytes or more are folded;
   - the reader's tick-to-ns conversion: within a chunk it starts from the
     chunk's base time converted once.
   Uses ctrace.h's internals, so it always carries its own implementation. */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "../ctrace.h"
#include "harness.h"

#include <stdlib.h>

static uint32_t next_random(uint32_t *s) {
  /* xorshift32, each left shift dropping by mask the bits it would push out */
  *s ^= (*s & (UINT32_MAX >> 13)) << 13;
  *s ^= *s >> 17;
  *s ^= (*s & (UINT32_MAX >> 5)) << 5;
  return *s;
}

/* The reference: the same register, one byte at a time through table 0. */
static uint32_t crc_bytewise(uint32_t crc, const uint8_t *p, size_t n) {
  uint32_t s = ~crc;
  for (; n > 0; n--) s = ctrace__crc_table[0][(s ^ *p++) & 0xff] ^ (s >> 8);
  return ~s;
}

/* Sums and differences that may pass 2^64 or 0 on purpose (a base just
   before a start of 0, a time past 2^64): modulo 2^64, as the reader must
   take them. */
static CTRACE__WRAPS uint64_t add_mod(uint64_t a, uint64_t b) { return a + b; }
static CTRACE__WRAPS uint64_t sub_mod(uint64_t a, uint64_t b) { return a - b; }

static uint64_t next_random64(uint32_t *s) {
  uint64_t hi = next_random(s);
  return hi << 32 | next_random(s);
}

/* Clock rates from 1 kHz to 1 THz, bases anywhere (before the start, past
   the clamp), offsets up to and past the span the shortcut covers. */
static void check_time_conversion(void) {
  static const double rates[] = {1e3, 1e6, 1e9, 2.2e9, 2994.123456e6, 3.7e9, 1e12};
  ctrace_reader r;
  ctrace__cursor c;
  uint32_t seed = 99;
  int i, k, bad = 0, covered = 0;
  long trials = 0;
  memset(&r, 0, sizeof r);
  memset(&c, 0, sizeof c);
  for (i = 0; i < (int)(sizeof rates / sizeof rates[0]); i++) {
    r.ns_per_tick = 1e9 / rates[i];
    r.ns_mult = (int64_t)(r.ns_per_tick * 4294967296.0 + 0.5);
    r.max_hi = (uint64_t)(INT64_MAX / 2) / (uint64_t)r.ns_mult;
    for (k = 0; k < 20000; k++) {
      uint64_t base, e, ts;
      r.tsc0 = k % 3 ? next_random64(&seed) >> (next_random(&seed) % 64) : 0;
      switch (k % 4) {
      case 0: base = add_mod(r.tsc0, next_random64(&seed) >> (next_random(&seed) % 64)); break;
      case 1: base = sub_mod(r.tsc0, next_random(&seed) % 1000); break; /* just before the start */
      case 2: base = add_mod(r.tsc0, next_random(&seed) % 100000); break;
      default: base = next_random64(&seed); break;
      }
      ctrace__cursor_timebase(&r, &c, base);
      if (c.span) covered++;
      switch (k % 3) {
      case 0: e = next_random(&seed) % 4096; break;
      case 1: e = c.span ? sub_mod(c.span - 1, next_random(&seed) % 2) : 0; break;
      default: e = next_random64(&seed) >> (next_random(&seed) % 64); break;
      }
      ts = add_mod(base, e);
      if (ctrace__cursor_ns(&r, &c, ts) != ctrace__ticks_to_ns(&r, ts)) bad++;
      trials++;
    }
  }
  CHECK(covered > 1000, "the chunk time base covers most chunks (%d)", covered);
  CHECK(bad == 0, "chunk-based tick-to-ns equals the direct conversion in %ld cases (%d differ)", trials, bad);
}

/* The CRC against the bytewise definition, on whichever fold path is set. */
static void check_crc(uint8_t *buf, size_t size, const char *path) {
  uint32_t seed = 12345, init;
  size_t i, n, off, cut;
  int trial, bad = 0, split_bad = 0, small_bad = 0;
  for (i = 0; i < size + 64; i++) buf[i] = (uint8_t)next_random(&seed);
  CHECK(ctrace__crc_update(0, (const uint8_t *)"123456789", 9) == 0xCBF43926u, "%s: CRC-32 check value of \"123456789\"", path);
  CHECK(ctrace__crc_update(0, buf, 0) == 0, "%s: CRC-32 of nothing is 0", path);
  for (n = 0; n <= 300; n++)
    for (off = 0; off < 16; off++) {
      init = next_random(&seed);
      if (ctrace__crc_update(init, buf + off, n) != crc_bytewise(init, buf + off, n)) small_bad++;
    }
  CHECK(small_bad == 0, "%s: every length 0..300 at 16 alignments matches the bytewise CRC (%d differ)", path, small_bad);
  for (trial = 0; trial < 400; trial++) {
    n = next_random(&seed) % size;
    off = next_random(&seed) % 64;
    init = next_random(&seed);
    if (ctrace__crc_update(init, buf + off, n) != crc_bytewise(init, buf + off, n)) bad++;
    cut = n ? next_random(&seed) % n : 0;
    if (ctrace__crc_update(ctrace__crc_update(init, buf + off, cut), buf + off + cut, n - cut) !=
        ctrace__crc_update(init, buf + off, n))
      split_bad++;
  }
  CHECK(bad == 0, "%s: 400 long runs (up to 200 kB, any alignment, any start) match the bytewise CRC (%d differ)", path, bad);
  CHECK(split_bad == 0, "%s: a run checksummed in two pieces equals the run in one (%d differ)", path, split_bad);
  memset(buf, 0xff, size);
  CHECK(ctrace__crc_update(0, buf, size) == crc_bytewise(0, buf, size), "%s: all-ones data", path);
  memset(buf, 0, size);
  CHECK(ctrace__crc_update(0, buf, size) == crc_bytewise(0, buf, size), "%s: all-zero data", path);
}

int main(void) {
  enum { SIZE = 200000 };
  uint8_t *buf = (uint8_t *)malloc(SIZE + 64);
  if (!CHECK(buf != NULL, "buffer")) return harness_done();
  ctrace__global_init();
#if CTRACE__CRC_FOLD
  printf("note: the folding path is %s on this CPU, its 256-bit form %s\n", ctrace__crc_fold_ok ? "in use" : "not available",
         ctrace__crc_wide_ok ? "in use" : "not available");
  check_crc(buf, SIZE, ctrace__crc_wide_ok ? "256-bit fold" : ctrace__crc_fold_ok ? "128-bit fold" : "tables");
  if (ctrace__crc_wide_ok) { /* the narrower paths, which other CPUs take */
    ctrace__crc_wide_ok = 0;
    check_crc(buf, SIZE, "128-bit fold");
    ctrace__crc_wide_ok = 1;
  }
  if (ctrace__crc_fold_ok) {
    ctrace__crc_fold_ok = 0;
    check_crc(buf, SIZE, "tables");
    ctrace__crc_fold_ok = 1;
  }
#else
  check_crc(buf, SIZE, "tables");
#endif
  free(buf);
  check_time_conversion();
  return harness_done();
}
