/* tests/fuzz/fuzz_common.h - shared by the libFuzzer harnesses.

   Every chunk of a trace carries a CRC-32, so almost every mutation libFuzzer
   makes inside a chunk is thrown away by the reader's CRC check and the code
   behind it (the event decoder, the analysis, the report) would never see
   hostile bytes. Each harness therefore runs twice per input: once on the
   bytes as given (the damage-scanning paths), once on a copy whose header and
   chunk checksums were recomputed (everything after the check).

   Include after ctrace.h. */
#ifndef CTRACE_FUZZ_COMMON_H
#define CTRACE_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_HEADER_FIXED 62u /* header bytes besides the program name */
#define FUZZ_CHUNK_HEADER 32u
#define FUZZ_MAX_PAYLOAD (16u << 20)

static inline uint32_t fuzz_crc32(uint32_t crc, const uint8_t *p, size_t n) {
  static uint32_t table[256];
  static int ready;
  if (!ready) {
    uint32_t i;
    int k;
    for (i = 0; i < 256; i++) {
      uint32_t c = i;
      for (k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
      table[i] = c;
    }
    ready = 1;
  }
  crc = ~crc;
  while (n--) crc = table[(crc ^ *p++) & 0xffu] ^ (crc >> 8);
  return ~crc;
}

static inline uint32_t fuzz_get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void fuzz_put_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

/* Recomputes the file header's CRC and that of every chunk the reader could
   find, walking by lengths and scanning byte by byte where a header is not
   plausible (as the reader does). Returns the number of checksums written. */
static inline unsigned fuzz_fix_checksums(uint8_t *d, size_t n) {
  size_t pos, hlen;
  unsigned fixed = 0;
  if (n < FUZZ_HEADER_FIXED) return 0;
  hlen = (size_t)d[10] | (size_t)d[11] << 8;
  if (hlen >= FUZZ_HEADER_FIXED && hlen <= n) {
    fuzz_put_u32(d + hlen - 4, fuzz_crc32(0, d, hlen - 4));
    fixed++;
    pos = hlen;
  } else {
    pos = FUZZ_HEADER_FIXED;
  }
  while (pos + FUZZ_CHUNK_HEADER <= n) {
    uint32_t len = fuzz_get_u32(d + pos + 4);
    int plausible = d[pos] == 'C' && d[pos + 1] == 'K' && d[pos + 2] >= 'A' && d[pos + 2] <= 'Z' &&
                    len <= FUZZ_MAX_PAYLOAD && len <= n - pos - FUZZ_CHUNK_HEADER;
    if (!plausible) {
      pos++;
      continue;
    }
    {
      uint32_t crc = fuzz_crc32(0, d + pos, 28);
      crc = fuzz_crc32(crc, d + pos + FUZZ_CHUNK_HEADER, len);
      fuzz_put_u32(d + pos + 28, crc);
    }
    fixed++;
    pos += FUZZ_CHUNK_HEADER + len;
  }
  return fixed;
}

/* A copy of the input with checksums fixed; NULL when out of memory or when
   nothing needed fixing (the caller then skips the second pass). */
static inline uint8_t *fuzz_fixed_copy(const uint8_t *data, size_t size) {
  uint8_t *copy;
  if (size < FUZZ_HEADER_FIXED) return NULL;
  copy = (uint8_t *)malloc(size);
  if (!copy) return NULL;
  memcpy(copy, data, size);
  if (fuzz_fix_checksums(copy, size) == 0 || memcmp(copy, data, size) == 0) {
    free(copy);
    return NULL;
  }
  return copy;
}

/* Every harness runs the input as given, then with its checksums fixed so
   the decoder behind the checksum check gets fuzzed too. */
static inline void fuzz_run_twice(void (*run)(const uint8_t *, size_t), const uint8_t *data, size_t size) {
  uint8_t *fixed;
  run(data, size);
  fixed = fuzz_fixed_copy(data, size);
  if (fixed) {
    run(fixed, size);
    free(fixed);
  }
}

/* A per-process scratch path: $CTRACE_FUZZ_TMP (a directory), else build/tmp,
   else the system's temporary directory. libFuzzer's -jobs/-fork workers are
   separate processes, so the pid keeps them apart. */
static inline const char *fuzz_scratch_path(char *buf, size_t size, const char *tag) {
  const char *dir = getenv("CTRACE_FUZZ_TMP");
  if (!dir || !*dir) dir = access("build/tmp", W_OK) == 0 ? "build/tmp" : "/tmp";
  snprintf(buf, size, "%s/fuzz_%s_%ld", dir, tag, (long)getpid());
  return buf;
}

/* Writes the bytes to path; 0 on success. */
static inline int fuzz_write_file(const char *path, const uint8_t *data, size_t size) {
  FILE *f = fopen(path, "wb");
  int ok;
  if (!f) return -1;
  ok = fwrite(data, 1, size, f) == size;
  ok = (fclose(f) == 0) && ok;
  return ok ? 0 : -1;
}

/* Stops the fuzzer loudly: libFuzzer reports a crash with the input. */
static inline void fuzz_fail(const char *what) {
  fprintf(stderr, "fuzz: contract broken: %s\n", what);
  abort();
}

/* ---- output checks --------------------------------------------------------- */

/* 1 if the n bytes are well-formed UTF-8 (no overlong forms, no surrogates,
   nothing above U+10FFFF). */
static inline int fuzz_utf8_ok(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    size_t len, k;
    uint32_t cp;
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1Fu;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0Fu;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07u;
    else return 0;
    if (n - i < len) return 0;
    for (k = 1; k < len; k++) {
      if ((s[i + k] & 0xC0) != 0x80) return 0;
      cp = cp << 6 | (s[i + k] & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
    i += len;
  }
  return 1;
}

/* A strict JSON (RFC 8259) syntax check: a recursive descent that returns
   the position after one value, or NULL at the first error. Nesting deeper
   than 64 counts as an error: no ctrace output nests anywhere near that. */
static inline const char *fuzz_json_value(const char *p, const char *e, int depth);

static inline const char *fuzz_json_ws(const char *p, const char *e) {
  while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
  return p;
}

static inline int fuzz_is_digit(char c) { return c >= '0' && c <= '9'; }

static inline const char *fuzz_json_string(const char *p, const char *e) {
  for (p++; p < e; p++) {
    unsigned char c = (unsigned char)*p;
    if (c == '"') return p + 1;
    if (c < 0x20) return NULL;
    if (c == '\\') {
      if (++p >= e) return NULL;
      if (*p == 'u') {
        int k;
        for (k = 0; k < 4; k++) {
          char h;
          if (++p >= e) return NULL;
          h = *p;
          if (!(fuzz_is_digit(h) || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) return NULL;
        }
      } else if (!strchr("\"\\/bfnrt", *p) || *p == '\0') {
        return NULL;
      }
    }
  }
  return NULL;
}

static inline const char *fuzz_json_number(const char *p, const char *e) {
  if (p < e && *p == '-') p++;
  if (p >= e || !fuzz_is_digit(*p)) return NULL;
  if (*p == '0') p++;
  else while (p < e && fuzz_is_digit(*p)) p++;
  if (p < e && *p == '.') {
    if (++p >= e || !fuzz_is_digit(*p)) return NULL;
    while (p < e && fuzz_is_digit(*p)) p++;
  }
  if (p < e && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < e && (*p == '+' || *p == '-')) p++;
    if (p >= e || !fuzz_is_digit(*p)) return NULL;
    while (p < e && fuzz_is_digit(*p)) p++;
  }
  return p;
}

static inline const char *fuzz_json_literal(const char *p, const char *e, const char *word) {
  size_t n = strlen(word);
  return (size_t)(e - p) >= n && memcmp(p, word, n) == 0 ? p + n : NULL;
}

/* Members of an object (close '}') or elements of an array (close ']'). */
static inline const char *fuzz_json_items(const char *p, const char *e, int depth, char close) {
  p = fuzz_json_ws(p + 1, e);
  if (p < e && *p == close) return p + 1;
  for (;;) {
    if (close == '}') {
      if (p >= e || *p != '"' || !(p = fuzz_json_string(p, e))) return NULL;
      p = fuzz_json_ws(p, e);
      if (p >= e || *p != ':') return NULL;
      p++;
    }
    if (!(p = fuzz_json_value(p, e, depth + 1))) return NULL;
    p = fuzz_json_ws(p, e);
    if (p < e && *p == ',') {
      p = fuzz_json_ws(p + 1, e);
      continue;
    }
    return p < e && *p == close ? p + 1 : NULL;
  }
}

static inline const char *fuzz_json_value(const char *p, const char *e, int depth) {
  if (depth > 64) return NULL;
  p = fuzz_json_ws(p, e);
  if (p >= e) return NULL;
  switch (*p) {
    case '{': return fuzz_json_items(p, e, depth, '}');
    case '[': return fuzz_json_items(p, e, depth, ']');
    case '"': return fuzz_json_string(p, e);
    case 't': return fuzz_json_literal(p, e, "true");
    case 'f': return fuzz_json_literal(p, e, "false");
    case 'n': return fuzz_json_literal(p, e, "null");
    default: return fuzz_json_number(p, e);
  }
}

/* 1 if the n bytes are exactly one JSON value (whitespace around allowed). */
static inline int fuzz_json_ok(const char *s, size_t n) {
  const char *end = fuzz_json_value(s, s + n, 0);
  return end && fuzz_json_ws(end, s + n) == s + n;
}

/* A growing byte buffer that ctrace's output functions write into. */
typedef struct fuzz_buf {
  char *data;
  size_t len, cap;
  int ends;   /* calls with size 0 (the end mark) */
} fuzz_buf;

static inline int fuzz_buf_write(void *user, const void *data, size_t size) {
  fuzz_buf *b = (fuzz_buf *)user;
  if (size == 0) {
    b->ends++;
    return 0;
  }
  if (b->len + size + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    char *grown;
    while (cap < b->len + size + 1) cap *= 2;
    grown = (char *)realloc(b->data, cap);
    if (!grown) return CTRACE_E_NOMEM;
    b->data = grown;
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, size);
  b->len += size;
  b->data[b->len] = '\0';
  return 0;
}

/* Whole file into b (replacing its contents); 0 on success. */
static inline int fuzz_buf_load(fuzz_buf *b, const char *path) {
  FILE *f = fopen(path, "rb");
  char chunk[65536];
  size_t got;
  b->len = 0;
  if (!f) return -1;
  while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (fuzz_buf_write(b, chunk, got) != 0) break;
  }
  fclose(f);
  return 0;
}

#endif /* CTRACE_FUZZ_COMMON_H */
