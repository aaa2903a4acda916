/* tests/trace_builder.h - writes ctrace traces from a description, for tests
   and the structure-aware fuzzer. It is written from README.md's "The file
   format" section and shares no code with ctrace.h, so the traces it makes
   are what a stranger following the README would make: a header, chunks
   framed with correct lengths and CRCs (unless told otherwise), and whatever
   meaning the description asks for, sensible or hostile.

   Two layers:
   - tb_*: calls that append a header, open and close chunks, and write
     varints, strings and events into the open chunk (closing a chunk fills
     in its length and CRC);
   - tb_run: a line-based text description, one command a line:

       header [clock=N] [hz=N] [t0=N] [mono=N] [flags=N] [prog=STR] [version=N] [badcrc]
       chunk TYPE TID SEQ BASE [FLAGS]   open a chunk (closing the open one); TYPE is a letter
       badcrc                            the open chunk gets a wrong CRC
       site ID LINE NAME FILE            definition records (in a D chunk)
       thread TID OSTID NAME
       zb D SITE | ze D | inst D SITE | ctr D SITE INT | fctr D SITE DOUBLE
       log D SITE MSG | tb D SITE ID | te D ID | alloc D SITE ADDR SIZE
       free D SITE ADDR SIZE | gcb D SITE | gce D | loss D N | prob D SITE ADDR
       wb D SITE | we D | cpu D TID NS [WAIT] | allocs D SITE ADDR SIZE STACK
       freeany D SITE ADDR | mem D ALLOC TOTAL NUMGC
                                         kinds 64, 65, 66, 68, 69, 74 (sized: the
                                         length is filled in; cpu and mem take up
                                         to 4 more numbers, fields a later version may add)
       stack ID CUT ADDR...              a call stack (D kind 3): frames innermost first,
                                         written as README says (varint, then zigzag deltas)
       obj BIAS LO HI BUILDID PATH       an object of an M chunk (kind 1); BUILDID is a
                                         string ("" for none)
       u8 N | u32 N | u64 N | varint N   raw pieces, little-endian
       str STR | bytes STR               a string (varint length + bytes) or bare bytes
       sync BASE MONO                    an S chunk
       end BASE [STATUS SIG MONO LOST CHUNKS_LOST]   a Z chunk
       repeat N ... done                 the lines between, N times; $i counts
                                         from 0 in the innermost loop, $j in the next
       # comment

     Numbers: decimal or 0x hex, "max" (2^64-1), "-N" (two's complement),
     and A+B, A-B or A*B of those (left to right, wrapping mod 2^64), after $i/$j are replaced.
     Strings: pieces joined by '|', each with escapes \\ \s (space) \t \n \0
     \xNN \| \* \$, and PIECE*N repeats the piece N times; $i and $j give
     the loop counters in decimal. "n$i|x*1000" is n0xxx..., n1xxx... The file ends with an open chunk closed. */
#ifndef CTRACE_TRACE_BUILDER_H
#define CTRACE_TRACE_BUILDER_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tb {
  uint8_t *buf;
  size_t len, cap;
  size_t chunk_at;    /* offset of the open chunk's header */
  int open, bad_crc;
  int failed;         /* out of memory or over the size limit: buf is incomplete */
  size_t limit;       /* 0 = no limit; the fuzzer keeps traces small */
  /* For the fuzzer: go on past lines it cannot read, and stop after this
     many lines run (0 = no limit), so "repeat 4000000000" ends. */
  int lenient;
  uint64_t max_lines, lines_run;
  char err[160];      /* tb_run: the first line it could not read */
} tb;

static uint32_t tb__crc_table[256];

static inline uint32_t tb_crc(uint32_t crc, const uint8_t *p, size_t n) {
  if (!tb__crc_table[1]) {
    uint32_t i, j, c;
    for (i = 0; i < 256; i++) {
      for (c = i, j = 0; j < 8; j++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      tb__crc_table[i] = c;
    }
  }
  crc = ~crc;
  for (; n > 0; n--) crc = tb__crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return ~crc;
}

static inline void tb_init(tb *b) { memset(b, 0, sizeof *b); }
static inline void tb_free(tb *b) { free(b->buf); memset(b, 0, sizeof *b); }

static inline uint8_t *tb__grow(tb *b, size_t n) {
  if (b->failed) return NULL;
  if (b->limit && b->len + n > b->limit) { b->failed = 1; return NULL; }
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    uint8_t *nb;
    while (cap < b->len + n) cap *= 2;
    nb = (uint8_t *)realloc(b->buf, cap);
    if (!nb) { b->failed = 1; return NULL; }
    b->buf = nb;
    b->cap = cap;
  }
  b->len += n;
  return b->buf + b->len - n;
}

static inline void tb_bytes(tb *b, const void *p, size_t n) {
  uint8_t *d = tb__grow(b, n);
  if (d && n) memcpy(d, p, n);
}
static inline void tb_u8(tb *b, unsigned v) { uint8_t c = (uint8_t)v; tb_bytes(b, &c, 1); }
static inline void tb_le(tb *b, uint64_t v, int n) {
  uint8_t t[8];
  int i;
  for (i = 0; i < n; i++) t[i] = (uint8_t)(v >> (8 * i));
  tb_bytes(b, t, (size_t)n);
}
static inline void tb_varint(tb *b, uint64_t v) {
  uint8_t t[10];
  size_t n = 0;
  do {
    t[n] = (uint8_t)(v & 0x7f);
    v >>= 7;
    if (v) t[n] |= 0x80;
    n++;
  } while (v);
  tb_bytes(b, t, n);
}
/* The top bit moves out of the shift by mask, not by overflow. */
static inline void tb_zigzag(tb *b, int64_t v) {
  tb_varint(b, (((uint64_t)v & (UINT64_MAX >> 1)) << 1) ^ (v < 0 ? UINT64_MAX : 0));
}
static inline void tb_str(tb *b, const void *s, size_t n) { tb_varint(b, n); tb_bytes(b, s, n); }

/* The file header (README: "File header"). */
static inline void tb_header_full(tb *b, unsigned version, int clock, uint64_t hz, uint64_t t0, uint64_t mono0,
                           int flags, const char *prog, size_t plen, int bad_crc) {
  size_t at = b->len;
  tb_bytes(b, "\x89" "CTR\r\n\x1a\n", 8);
  tb_le(b, version, 2);
  tb_le(b, 62 + plen, 2);
  tb_u8(b, (unsigned)clock);
  tb_u8(b, (unsigned)flags);
  tb_le(b, 0, 2);
  tb_le(b, hz, 8);
  tb_le(b, t0, 8);
  tb_le(b, mono0, 8);
  tb_le(b, 1700000000000000000ull, 8);
  tb_le(b, 65536, 4);
  tb_le(b, 4242, 4);
  tb_le(b, plen, 2);
  tb_bytes(b, prog, plen);
  if (!b->failed) tb_le(b, tb_crc(0, b->buf + at, b->len - at) ^ (bad_crc ? 1u : 0u), 4);
}
static inline void tb_header(tb *b) { tb_header_full(b, 1, 2, 1000000000ull, 0, 0, 0, "crafted", 7, 0); }

/* Fill in the open chunk's length and CRC. */
static inline void tb_chunk_close(tb *b) {
  uint8_t *h;
  uint32_t crc;
  size_t plen;
  if (!b->open) return;
  b->open = 0;
  if (b->failed) return;
  h = b->buf + b->chunk_at;
  plen = b->len - b->chunk_at - 32;
  h[4] = (uint8_t)plen; h[5] = (uint8_t)(plen >> 8); h[6] = (uint8_t)(plen >> 16); h[7] = (uint8_t)(plen >> 24);
  crc = tb_crc(0, h, 28);
  crc = tb_crc(crc, h + 32, plen);
  if (b->bad_crc) crc ^= 0x5a5a5a5au;
  h[28] = (uint8_t)crc; h[29] = (uint8_t)(crc >> 8); h[30] = (uint8_t)(crc >> 16); h[31] = (uint8_t)(crc >> 24);
}

static inline void tb_chunk(tb *b, int type, int flags, uint32_t tid, uint32_t seq, uint64_t base) {
  tb_chunk_close(b);
  b->chunk_at = b->len;
  b->bad_crc = 0;
  tb_bytes(b, "CK", 2);
  tb_u8(b, (unsigned)type);
  tb_u8(b, (unsigned)flags);
  tb_le(b, 0, 4);
  tb_le(b, tid, 4);
  tb_le(b, seq, 4);
  tb_le(b, base, 8);
  tb_le(b, 0, 4);
  tb_le(b, 0, 4);
  b->open = !b->failed;
}

static inline void tb_site(tb *b, uint64_t id, uint64_t line, const char *name, size_t nlen, const char *file,
                    size_t flen) {
  tb_u8(b, 1);
  tb_varint(b, id);
  tb_varint(b, line);
  tb_str(b, name, nlen);
  tb_str(b, file, flen);
}
static inline void tb_thread(tb *b, uint64_t tid, uint64_t ostid, const char *name, size_t nlen) {
  tb_u8(b, 2);
  tb_varint(b, tid);
  tb_varint(b, ostid);
  tb_str(b, name, nlen);
}
static inline void tb_ev(tb *b, unsigned kind, uint64_t delta) { tb_u8(b, kind); tb_varint(b, delta); }
static inline void tb_f64(tb *b, double v) {
  uint64_t u;
  memcpy(&u, &v, 8);
  tb_le(b, u, 8);
}
static inline void tb_end(tb *b, uint64_t base, uint64_t status, uint64_t sig, uint64_t mono, uint64_t lost,
                   uint64_t chunks_lost) {
  tb_chunk(b, 'Z', 0, 0, 0, base);
  tb_varint(b, status);
  tb_varint(b, sig);
  tb_varint(b, mono);
  tb_varint(b, lost);
  tb_varint(b, chunks_lost);
  tb_chunk_close(b);
}
static inline void tb_finish(tb *b) { tb_chunk_close(b); }

/* ---- the text description ----------------------------------------------- */

typedef struct tb__run {
  tb *b;
  char **lines;
  size_t n_lines;
  uint64_t vars[2];  /* $i, $j */
  char *tmp;         /* a string argument, decoded */
  size_t tmp_cap, tmp_len;
  int depth;
} tb__run;

static inline int tb__fail(tb__run *r, size_t line, const char *what) {
  if (!r->b->err[0]) snprintf(r->b->err, sizeof r->b->err, "line %lu: %s", (unsigned long)line + 1, what);
  return -1;
}

/* One number token: a sum or product, left to right, of terms, modulo 2^64
   on purpose (-1 is 2^64-1; max+1 is 0): clang's integer checks are told so. */
#if defined(__clang__) && __clang_major__ >= 12
#define TB__WRAPS __attribute__((no_sanitize("unsigned-integer-overflow")))
#else
#define TB__WRAPS
#endif
static inline TB__WRAPS int tb__num(tb__run *r, const char *s, uint64_t *out) {
  uint64_t acc = 0;
  char op = '+';
  if (!s) return -1;
  for (;;) {
    uint64_t v;
    int neg = 0;
    char *e;
    if (*s == '-') { neg = 1; s++; }
    if (s[0] == '$' && (s[1] == 'i' || s[1] == 'j')) { v = r->vars[s[1] == 'j']; e = (char *)s + 2; }
    else if (!strncmp(s, "max", 3)) { v = UINT64_MAX; e = (char *)s + 3; }
    else {
      if (*s < '0' || *s > '9') return -1;
      v = strtoull(s, &e, 0);
    }
    if (neg) v = (uint64_t)0 - v;
    acc = op == '+' ? acc + v : op == '-' ? acc - v : acc * v;
    s = e;
    if (*s == 0) break;
    if (*s != '+' && *s != '-' && *s != '*') return -1;
    op = *s++;
  }
  *out = acc;
  return 0;
}

static inline int tb__hex(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static inline void tb__put(tb__run *r, const char *p, size_t n) {
  if (r->tmp_len + n + 1 > r->tmp_cap) {
    size_t cap = r->tmp_cap ? r->tmp_cap : 256;
    char *nt;
    while (cap < r->tmp_len + n + 1) cap *= 2;
    nt = (char *)realloc(r->tmp, cap);
    if (!nt) { r->b->failed = 1; return; }
    r->tmp = nt;
    r->tmp_cap = cap;
  }
  memcpy(r->tmp + r->tmp_len, p, n);
  r->tmp_len += n;
}

/* A string token into r->tmp / r->tmp_len. */
/* One piece of a string token (up to an unescaped '|') appended to r->tmp. */
static inline int tb__piece(tb__run *r, const char *s, const char *end) {
  const char *star = NULL, *q;
  uint64_t times = 1, k;
  size_t start = r->tmp_len, unit;
  for (q = s; q < end; q++) {
    if (*q == '\\' && q + 1 < end) q++;
    else if (*q == '*') star = q;
  }
  if (star && star != s) {
    char num[32];
    size_t n = (size_t)(end - star - 1);
    if (n >= sizeof num) return -1;
    memcpy(num, star + 1, n);
    num[n] = 0;
    if (tb__num(r, num, &times)) return -1;
    end = star;
  }
  while (s < end) {
    char c = *s++;
    if (c == '\\' && s < end) {
      char e = *s++;
      if (e == 's') c = ' ';
      else if (e == 't') c = '\t';
      else if (e == 'n') c = '\n';
      else if (e == '0') c = 0;
      else if (e == 'x' && end - s >= 2 && tb__hex(s[0]) >= 0 && tb__hex(s[1]) >= 0) {
        c = (char)(tb__hex(s[0]) * 16 + tb__hex(s[1]));
        s += 2;
      } else c = e; /* \$, \|, \*, \\ */
    } else if (c == '$' && s < end && (*s == 'i' || *s == 'j')) {
      char num[24];
      snprintf(num, sizeof num, "%llu", (unsigned long long)r->vars[*s == 'j']);
      tb__put(r, num, strlen(num));
      s++;
      continue;
    }
    tb__put(r, &c, 1);
  }
  unit = r->tmp_len - start;
  if (times > (uint64_t)1 << 32) return -1;
  if (r->b->limit && unit && times > r->b->limit / unit) return -1; /* more than the trace may hold */
  if (times > 1) {
    size_t need = start + unit * times + 1;
    if (!r->b->failed && need > r->tmp_cap) { /* grow once: the source is r->tmp itself */
      char *nt = (char *)realloc(r->tmp, need);
      if (!nt) r->b->failed = 1;
      else { r->tmp = nt; r->tmp_cap = need; }
    }
    for (k = 1; k < times && !r->b->failed; k++) {
      memcpy(r->tmp + r->tmp_len, r->tmp + start, unit);
      r->tmp_len += unit;
    }
  }
  return r->b->failed ? -1 : 0;
}

/* A string token into r->tmp / r->tmp_len: pieces joined by '|'. */
static inline int tb__str(tb__run *r, const char *s) {
  if (!s) return -1;
  r->tmp_len = 0;
  for (;;) {
    const char *q = s;
    while (*q && *q != '|') q += (*q == '\\' && q[1]) ? 2 : 1;
    if (tb__piece(r, s, q)) return -1;
    if (!*q) return 0;
    s = q + 1;
  }
}

static inline int tb__exec(tb__run *r, size_t from, size_t to);

/* Split a line into at most 16 whitespace-separated tokens (in place). */
static inline int tb__tokens(char *line, char **tok) {
  int n = 0;
  while (*line && n < 16) {
    while (*line == ' ' || *line == '\t' || *line == '\r') *line++ = 0;
    if (!*line || *line == '#') break;
    tok[n++] = line;
    while (*line && *line != ' ' && *line != '\t' && *line != '\r') line++;
  }
  return n;
}

static inline size_t tb__matching_done(tb__run *r, size_t i, size_t to) {
  int depth = 0;
  for (; i < to; i++) {
    const char *l = r->lines[i];
    while (*l == ' ' || *l == '\t') l++;
    if (!strncmp(l, "repeat", 6) && (l[6] == ' ' || l[6] == '\t')) depth++;
    else if (!strncmp(l, "done", 4) && (l[4] == 0 || l[4] == ' ' || l[4] == '\r' || l[4] == '#')) {
      if (--depth == 0) return i;
    }
  }
  return to;
}

/* A sized event (kinds 64-254): kind, delta, then the varints after it
   behind their length. t[1] is the delta, t[2..n-1] the fields. */
static inline int tb__sized(tb__run *r, size_t li, unsigned kind, char **t, int n) {
  uint8_t tmp[16 * 10];
  tb f;
  int k;
  tb_init(&f);
  f.buf = tmp;
  f.cap = sizeof tmp;
  for (k = 1; k < n; k++) {
    uint64_t v;
    if (tb__num(r, t[k], &v)) return tb__fail(r, li, "bad number");
    if (k == 1) tb_ev(r->b, kind, v);
    else tb_varint(&f, v);
  }
  tb_varint(r->b, f.len);
  tb_bytes(r->b, f.buf, f.len);
  return 0;
}

/* stack ID CUT ADDR...: a D kind-3 record. */
static inline TB__WRAPS int tb__stack(tb__run *r, size_t li, char **t, int n) {
  uint8_t tmp[16 * 10];
  tb f;
  uint64_t id, cut, prev = 0;
  int k;
  if (n < 3 || tb__num(r, t[1], &id) || tb__num(r, t[2], &cut)) return tb__fail(r, li, "stack ID CUT ADDR...");
  tb_init(&f);
  f.buf = tmp;
  f.cap = sizeof tmp;
  for (k = 3; k < n; k++) {
    uint64_t a;
    if (tb__num(r, t[k], &a)) return tb__fail(r, li, "bad number");
    if (k == 3) tb_varint(&f, a);
    else tb_zigzag(&f, (int64_t)(a - prev));
    prev = a;
  }
  tb_u8(r->b, 3);
  tb_varint(r->b, id);
  tb_varint(r->b, (uint64_t)(n - 3) * 2 + (cut ? 1 : 0));
  tb_str(r->b, f.buf, f.len);
  return 0;
}

/* obj BIAS LO HI BUILDID PATH: one record of an M chunk. */
static inline int tb__obj(tb__run *r, size_t li, char **t, int n) {
  uint64_t v[3];
  char *bid;
  size_t blen;
  tb f;
  int k;
  if (n != 6) return tb__fail(r, li, "obj BIAS LO HI BUILDID PATH");
  for (k = 0; k < 3; k++)
    if (tb__num(r, t[1 + k], &v[k])) return tb__fail(r, li, "bad number");
  if (tb__str(r, t[4])) return tb__fail(r, li, "bad string");
  blen = r->tmp_len;
  if (!(bid = (char *)malloc(blen + 1))) return -1;
  if (blen) memcpy(bid, r->tmp, blen);
  if (tb__str(r, t[5])) { free(bid); return tb__fail(r, li, "bad string"); }
  tb_init(&f);
  tb_u8(&f, 1);
  for (k = 0; k < 3; k++) tb_varint(&f, v[k]);
  tb_str(&f, bid, blen);
  tb_str(&f, r->tmp, r->tmp_len);
  free(bid);
  if (f.failed) { tb_free(&f); return -1; }
  tb_str(r->b, f.buf, f.len);
  tb_free(&f);
  return 0;
}

static inline int tb__line(tb__run *r, size_t li, char **t, int n) {
  tb *b = r->b;
  uint64_t v[8] = {0};
  int i;
  const char *c = t[0];
  static const struct { const char *name; unsigned kind; const char *args; } evs[] = {
    {"zb", 1, "ns"}, {"ze", 2, "n"}, {"inst", 3, "ns"}, {"ctr", 4, "nsz"}, {"fctr", 5, "nsf"},
    {"log", 6, "nsS"}, {"tb", 7, "nsn"}, {"te", 8, "nn"}, {"alloc", 9, "nsnn"}, {"free", 10, "nsnn"},
    {"gcb", 11, "ns"}, {"gce", 12, "n"}, {"loss", 13, "nn"}, {"prob", 14, "nsn"}};
  static const struct { const char *name; unsigned kind; int min, max; } sized[] = {
    {"wb", 64, 1, 1}, {"we", 65, 0, 0}, {"cpu", 66, 2, 7}, {"allocs", 68, 4, 4}, {"freeany", 69, 2, 2},
    {"mem", 74, 3, 7}};
  for (i = 0; i < (int)(sizeof sized / sizeof sized[0]); i++) {
    if (strcmp(c, sized[i].name)) continue;
    if (n < 2 + sized[i].min || n > 2 + sized[i].max) return tb__fail(r, li, "wrong number of fields");
    return tb__sized(r, li, sized[i].kind, t, n);
  }
  if (!strcmp(c, "stack")) return tb__stack(r, li, t, n);
  if (!strcmp(c, "obj")) return tb__obj(r, li, t, n);
  for (i = 0; i < (int)(sizeof evs / sizeof evs[0]); i++) {
    const char *a = evs[i].args;
    int k;
    if (strcmp(c, evs[i].name)) continue;
    if (n != 1 + (int)strlen(a)) return tb__fail(r, li, "wrong number of fields");
    for (k = 0; a[k]; k++) {
      if (a[k] == 'f') {
        char *e;
        double d = strtod(t[1 + k], &e);
        if (*e) return tb__fail(r, li, "bad float");
        memcpy(&v[k], &d, 8);
      } else if (a[k] == 'S') {
        continue;
      } else if (tb__num(r, t[1 + k], &v[k])) {
        return tb__fail(r, li, "bad number");
      }
    }
    tb_ev(b, evs[i].kind, v[0]);
    for (k = 1; a[k]; k++) {
      if (a[k] == 'f') tb_le(b, v[k], 8);
      else if (a[k] == 'z') tb_zigzag(b, (int64_t)v[k]);
      else if (a[k] == 'S') {
        if (tb__str(r, t[1 + k])) return tb__fail(r, li, "bad string");
        tb_str(b, r->tmp, r->tmp_len);
      } else tb_varint(b, v[k]);
    }
    return 0;
  }
  if (!strcmp(c, "header")) {
    uint64_t version = 1, clock = 2, hz = 1000000000ull, t0 = 0, mono = 0, flags = 0;
    int bad = 0;
    const char *prog = "crafted";
    size_t plen = 7;
    char *progbuf = NULL;
    for (i = 1; i < n; i++) {
      char *eq = strchr(t[i], '=');
      uint64_t *dst = NULL;
      if (!strcmp(t[i], "badcrc")) { bad = 1; continue; }
      if (!eq) { free(progbuf); return tb__fail(r, li, "header: KEY=VALUE expected"); }
      *eq++ = 0;
      if (!strcmp(t[i], "prog")) {
        if (tb__str(r, eq)) { free(progbuf); return tb__fail(r, li, "bad string"); }
        free(progbuf);
        progbuf = (char *)malloc(r->tmp_len + 1);
        if (!progbuf) return -1;
        if (r->tmp_len) memcpy(progbuf, r->tmp, r->tmp_len);
        prog = progbuf;
        plen = r->tmp_len;
        continue;
      }
      if (!strcmp(t[i], "version")) dst = &version;
      else if (!strcmp(t[i], "clock")) dst = &clock;
      else if (!strcmp(t[i], "hz")) dst = &hz;
      else if (!strcmp(t[i], "t0")) dst = &t0;
      else if (!strcmp(t[i], "mono")) dst = &mono;
      else if (!strcmp(t[i], "flags")) dst = &flags;
      if (!dst || tb__num(r, eq, dst)) { free(progbuf); return tb__fail(r, li, "header: bad field"); }
    }
    tb_chunk_close(b);
    tb_header_full(b, (unsigned)version, (int)clock, hz, t0, mono, (int)flags, prog, plen > 65535 ? 65535 : plen, bad);
    free(progbuf);
    return 0;
  }
  if (!strcmp(c, "chunk")) {
    if (n < 5 || strlen(t[1]) != 1) return tb__fail(r, li, "chunk TYPE TID SEQ BASE [FLAGS]");
    for (i = 2; i < n && i < 6; i++)
      if (tb__num(r, t[i], &v[i - 2])) return tb__fail(r, li, "bad number");
    tb_chunk(b, t[1][0], (int)v[3], (uint32_t)v[0], (uint32_t)v[1], v[2]);
    return 0;
  }
  if (!strcmp(c, "badcrc")) { b->bad_crc = 1; return 0; }
  if (!strcmp(c, "site") || !strcmp(c, "thread")) {
    char *name;
    size_t nlen;
    int site = c[0] == 's';
    if (n != (site ? 5 : 4) || tb__num(r, t[1], &v[0]) || tb__num(r, t[2], &v[1]) || tb__str(r, t[3]))
      return tb__fail(r, li, site ? "site ID LINE NAME FILE" : "thread TID OSTID NAME");
    nlen = r->tmp_len;
    name = (char *)malloc(nlen + 1);
    if (!name) return -1;
    if (nlen) memcpy(name, r->tmp, nlen);
    if (site) {
      if (tb__str(r, t[4])) { free(name); return tb__fail(r, li, "bad string"); }
      tb_site(b, v[0], v[1], name, nlen, r->tmp, r->tmp_len);
    } else {
      tb_thread(b, v[0], v[1], name, nlen);
    }
    free(name);
    return 0;
  }
  if (!strcmp(c, "u8") || !strcmp(c, "varint") || !strcmp(c, "u64") || !strcmp(c, "u32")) {
    if (n != 2 || tb__num(r, t[1], &v[0])) return tb__fail(r, li, "bad number");
    if (c[0] == 'v') tb_varint(b, v[0]);
    else if (c[1] == '8') tb_u8(b, (unsigned)v[0]);
    else tb_le(b, v[0], c[1] == '3' ? 4 : 8);
    return 0;
  }
  if (!strcmp(c, "str") || !strcmp(c, "bytes")) {
    if (n != 2 || tb__str(r, t[1])) return tb__fail(r, li, "bad string");
    if (c[0] == 's') tb_str(b, r->tmp, r->tmp_len);
    else tb_bytes(b, r->tmp, r->tmp_len);
    return 0;
  }
  if (!strcmp(c, "sync")) {
    if (n != 3 || tb__num(r, t[1], &v[0]) || tb__num(r, t[2], &v[1])) return tb__fail(r, li, "sync BASE MONO");
    tb_chunk(b, 'S', 0, 0, 0, v[0]);
    tb_varint(b, v[1]);
    tb_chunk_close(b);
    return 0;
  }
  if (!strcmp(c, "end")) {
    if (n < 2) return tb__fail(r, li, "end BASE [STATUS SIG MONO LOST CHUNKS_LOST]");
    for (i = 1; i < n && i < 7; i++)
      if (tb__num(r, t[i], &v[i - 1])) return tb__fail(r, li, "bad number");
    tb_end(b, v[0], v[1], v[2], v[3], v[4], v[5]);
    return 0;
  }
  return tb__fail(r, li, "unknown command");
}

static inline int tb__exec(tb__run *r, size_t from, size_t to) {
  size_t i;
  for (i = from; i < to && !r->b->failed; i++) {
    char *tok[16], *copy;
    int n, rc;
    size_t len = strlen(r->lines[i]);
    if (r->b->max_lines && ++r->b->lines_run > r->b->max_lines) return 0;
    copy = (char *)malloc(len + 1);
    if (!copy) return -1;
    memcpy(copy, r->lines[i], len + 1);
    n = tb__tokens(copy, tok);
    if (n == 0) { free(copy); continue; }
    if (!strcmp(tok[0], "repeat")) {
      uint64_t times, k, saved_j = r->vars[1], saved_i = r->vars[0];
      size_t end = tb__matching_done(r, i, to);
      if (n != 2 || tb__num(r, tok[1], &times) || end == to || r->depth > 16) {
        free(copy);
        tb__fail(r, i, "repeat N ... done");
        if (r->b->lenient) continue;
        return -1;
      }
      free(copy);
      r->depth++;
      r->vars[1] = r->vars[0];
      for (k = 0; k < times && !r->b->failed; k++) {
        r->vars[0] = k;
        if (tb__exec(r, i + 1, end)) return -1;
        if (r->b->max_lines && r->b->lines_run > r->b->max_lines) break;
      }
      r->vars[0] = saved_i;
      r->vars[1] = saved_j;
      r->depth--;
      i = end;
      continue;
    }
    if (!strcmp(tok[0], "done")) {
      free(copy);
      tb__fail(r, i, "done without repeat");
      if (r->b->lenient) continue;
      return -1;
    }
    rc = tb__line(r, i, tok, n);
    free(copy);
    if (rc && !r->b->lenient) return -1;
  }
  return 0;
}

/* Run a description (text, NUL-terminated copy made here) into b. 0 on
   success; -1 with b->err on the first line it could not read. */
static inline int tb_run(tb *b, const char *text, size_t len) {
  tb__run r;
  char *copy = (char *)malloc(len + 1), *p;
  size_t cap = 64;
  int rc;
  memset(&r, 0, sizeof r);
  r.b = b;
  r.lines = (char **)malloc(cap * sizeof *r.lines);
  if (!copy || !r.lines) { free(copy); free(r.lines); return -1; }
  memcpy(copy, text, len);
  copy[len] = 0;
  for (p = copy; p;) {
    char *nl = strchr(p, '\n');
    if (nl) *nl = 0;
    if (r.n_lines == cap) {
      char **nlines = (char **)realloc(r.lines, 2 * cap * sizeof *r.lines);
      if (!nlines) { free(copy); free(r.lines); return -1; }
      r.lines = nlines;
      cap *= 2;
    }
    r.lines[r.n_lines++] = p;
    p = nl ? nl + 1 : NULL;
  }
  rc = tb__exec(&r, 0, r.n_lines);
  tb_finish(b);
  free(r.tmp);
  free(r.lines);
  free(copy);
  return rc || b->failed ? -1 : 0;
}

#endif
