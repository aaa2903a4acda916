/* tests/elf_cases.h - ELF files and the traces that name them, crafted as an
   attacker would for the symbol reader (issue 23): written from the ELF and
   DWARF specifications with no library, sharing no code with ctrace.h.

   eb_*: a minimal ELF64 little-endian writer: an ELF header, the sections'
   bytes one after the other, their names (.shstrtab) and the section
   headers; a section may instead point anywhere (at bytes another section
   holds, or past the end of a file made sparse).

   ec_make(CASE, N, DIR): writes DIR/CASE.ctrace and the ELF files it names,
   and returns the bytes the tool will be made to read (the trace plus every
   ELF file's allocated blocks), 0 on failure. Cases (N is the size):
     objects    N objects, half naming one ELF by one path, half missing
                files; one function site in each (naming scanned every
                object for every site)
     notes      100 objects with a build id naming one ELF whose N note
                sections all span the same N notes (read whole, per section,
                per object)
     shared     N objects naming one ELF with a 4 MiB string table (each kept
                its own copy)
     sparse     one ELF of 512 MiB apparent size whose symbol and string
                tables are holes; N sites
     longsym    N sites at one address whose symbol has a 1 MiB name
     longpath   N sites in an object with a 4,150-byte path
     lines      an ELF with N functions, N source files all naming one 64 kB
                string in .debug_line_str, and a line table giving each
                function its own file; N sites (lines_small: a 40-byte
                string, a fuzzing seed)
     badlines   a line table of hostile units (line_range 0, 2^62 directories
                with no entry format, a file index past the table, an opcode
                longer than its unit, version 7, a length past the section)
                around one good DWARF 4 unit (N ignored)
     dups       two static functions named "helper" at two addresses, and a
                global and a weak name at one address (N ignored)
     mapnul     an object path with a NUL inside; a file at the path cut at
                the NUL holds a symbol for the site (N ignored) */
#ifndef CTRACE_ELF_CASES_H
#define CTRACE_ELF_CASES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "trace_builder.h"

typedef struct eb_sec {
  const char *name;
  uint32_t type, link;
  uint64_t flags, entsize;
  const uint8_t *data;   /* written into the file (NULL: none) */
  uint64_t size;
  int at_fixed;          /* 1: no bytes written, the header says off/size */
  int like;              /* k > 0: no bytes written, at section k-1's offset (an earlier one) */
  uint64_t off;          /* with at_fixed; also set by eb_write for the others */
} eb_sec;

static void eb_le(uint8_t *p, uint64_t v, int n) {
  int i;
  for (i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Writes the file; a file of apparent size `apparent` when larger (sparse). */
static int eb_write(const char *path, eb_sec *s, int n, uint64_t apparent) {
  FILE *f = fopen(path, "wb");
  uint8_t eh[64], sh[64];
  uint64_t at = 64, shstr_off, shoff, names = 1;
  int i;
  if (!f) return -1;
  memset(eh, 0, sizeof eh);
  for (i = 0; i < n; i++) names += strlen(s[i].name) + 1;
  names += 10; /* ".shstrtab" */
  if (fseek(f, 64, SEEK_SET)) goto fail;
  for (i = 0; i < n; i++) {
    if (s[i].like > 0 && s[i].like <= i) s[i].off = s[s[i].like - 1].off;
    if (s[i].at_fixed || s[i].like) continue;
    at = (at + 7) & ~(uint64_t)7;
    s[i].off = at;
    if (fseek(f, (long)at, SEEK_SET) || (s[i].data && s[i].size && fwrite(s[i].data, 1, s[i].size, f) != s[i].size))
      goto fail;
    at += s[i].data ? s[i].size : 0;
  }
  shstr_off = at;
  {
    char *t = (char *)calloc(1, names);
    uint64_t k = 1;
    if (!t) goto fail;
    for (i = 0; i < n; i++) {
      strcpy(t + k, s[i].name);
      k += strlen(s[i].name) + 1;
    }
    strcpy(t + k, ".shstrtab");
    if (fseek(f, (long)at, SEEK_SET) || fwrite(t, 1, names, f) != names) {
      free(t);
      goto fail;
    }
    free(t);
  }
  shoff = (shstr_off + names + 7) & ~(uint64_t)7;
  if (fseek(f, (long)shoff, SEEK_SET)) goto fail;
  memset(sh, 0, sizeof sh);
  if (fwrite(sh, 1, 64, f) != 64) goto fail; /* section 0 */
  {
    uint64_t k = 1;
    for (i = 0; i <= n; i++) {
      memset(sh, 0, sizeof sh);
      eb_le(sh, k, 4);
      if (i < n) {
        eb_le(sh + 4, s[i].type, 4);
        eb_le(sh + 8, s[i].flags, 8);
        eb_le(sh + 24, s[i].off, 8);
        eb_le(sh + 32, s[i].size, 8);
        eb_le(sh + 40, s[i].link, 4);
        eb_le(sh + 48, 8, 8);
        eb_le(sh + 56, s[i].entsize, 8);
        k += strlen(s[i].name) + 1;
      } else {
        eb_le(sh + 4, 3, 4); /* SHT_STRTAB */
        eb_le(sh + 24, shstr_off, 8);
        eb_le(sh + 32, names, 8);
      }
      if (fwrite(sh, 1, 64, f) != 64) goto fail;
    }
  }
  memcpy(eh, "\x7f" "ELF", 4);
  eh[4] = 2; /* 64-bit */
  eh[5] = 1; /* little-endian */
  eh[6] = 1;
  eb_le(eh + 16, 3, 2);    /* ET_DYN */
  eb_le(eh + 18, 62, 2);   /* x86-64 */
  eb_le(eh + 20, 1, 4);
  eb_le(eh + 40, shoff, 8);
  eb_le(eh + 52, 64, 2);
  eb_le(eh + 58, 64, 2);
  eb_le(eh + 60, (uint64_t)n + 2, 2);
  eb_le(eh + 62, (uint64_t)n + 1, 2);
  if (fseek(f, 0, SEEK_SET) || fwrite(eh, 1, 64, f) != 64) goto fail;
  if (fclose(f)) return -1;
  if (apparent && truncate(path, (off_t)apparent)) return -1;
  return 0;
fail:
  fclose(f);
  return -1;
}

/* A symbol table of function symbols (value, name offset, binding). */
static void eb_sym(uint8_t *p, uint32_t name, int bind, uint64_t value) {
  memset(p, 0, 24);
  eb_le(p, name, 4);
  p[4] = (uint8_t)(bind << 4 | 2); /* STT_FUNC */
  eb_le(p + 6, 1, 2);               /* a defined section */
  eb_le(p + 8, value, 8);
  eb_le(p + 16, 16, 8);
}

/* Bytes the tool will read of a file: its allocated blocks. */
static uint64_t ec_file_cost(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (uint64_t)st.st_blocks * 512 : 0;
}

/* The trace's common parts: header, definitions of n sites named by
   address (first + k * step), a map of objects (written by the caller
   between ec_map_begin and tb_chunk_close), and one zone per site. */
static void ec_sites(tb *b, uint64_t n, uint64_t first, uint64_t step) {
  uint64_t k;
  char nm[32];
  tb_chunk(b, 'D', 0, 0, 0, 0);
  for (k = 0; k < n; k++) {
    snprintf(nm, sizeof nm, "0x%llx", (unsigned long long)(first + k * step));
    tb_site(b, k + 1, 0, nm, strlen(nm), "", 0);
  }
}
static void ec_object(tb *b, uint64_t base, uint64_t size, const uint8_t *bid, size_t bid_len, const char *path,
                      size_t plen) {
  tb r;
  tb_init(&r);
  tb_u8(&r, 1);
  tb_varint(&r, base);
  tb_varint(&r, base);
  tb_varint(&r, base + size);
  tb_varint(&r, bid_len);
  tb_bytes(&r, bid, bid_len);
  tb_str(&r, path, plen);
  tb_varint(b, r.len);
  tb_bytes(b, r.buf, r.len);
  tb_free(&r);
}
static void ec_zones(tb *b, uint64_t n) {
  uint64_t k;
  tb_chunk(b, 'E', 0, 1, 0, 0);
  for (k = 0; k < n; k++) {
    tb_ev(b, 1, 10);
    tb_varint(b, k + 1);
    tb_ev(b, 2, 10);
  }
  tb_end(b, 20 * n + 100, 0, 0, 0, 0, 0);
}

static uint64_t ec_save(tb *b, const char *path) {
  FILE *f = fopen(path, "wb");
  uint64_t n = 0;
  tb_finish(b);
  if (f && !b->failed && fwrite(b->buf, 1, b->len, f) == b->len) n = b->len;
  if (f && fclose(f)) n = 0;
  tb_free(b);
  return n;
}

/* An ELF with n functions, at values[k] (default 0x1000 + 16k), named at
   name_at[k] in strtab, bound bind[k] (default global), and extra sections
   after .text, .symtab and .strtab. */
static int ec_elf_funcs(const char *path, uint64_t n, const char *strtab, uint64_t strsize, const uint32_t *name_at,
                        const int *bind, const uint64_t *values, eb_sec *extra, int n_extra) {
  uint8_t *sym = (uint8_t *)calloc((size_t)n + 1, 24);
  eb_sec s[16];
  uint64_t k;
  int rc, i;
  if (!sym || n_extra > 13) {
    free(sym);
    return -1;
  }
  for (k = 0; k < n; k++)
    eb_sym(sym + 24 * (k + 1), name_at[k], bind ? bind[k] : 1, values ? values[k] : 0x1000 + 16 * k);
  memset(s, 0, sizeof s);
  s[0].name = ".text"; s[0].type = 1; s[0].flags = 6; s[0].data = (const uint8_t *)"\xc3"; s[0].size = 1;
  /* .symtab links to its names, section 3 of the file (0 is the null one) */
  s[1].name = ".symtab"; s[1].type = 2; s[1].link = 3; s[1].entsize = 24; s[1].data = sym; s[1].size = 24 * (n + 1);
  s[2].name = ".strtab"; s[2].type = 3; s[2].data = (const uint8_t *)strtab; s[2].size = strsize;
  for (i = 0; i < n_extra; i++) s[3 + i] = extra[i];
  rc = eb_write(path, s, 3 + n_extra, 0);
  free(sym);
  return rc;
}

/* Names f0, f1, ... in one string table, and where each starts. */
static uint32_t *ec_name_offsets(uint64_t n, char **strtab, uint64_t *size) {
  uint32_t *at = (uint32_t *)malloc(sizeof *at * (size_t)(n ? n : 1));
  char *t = (char *)malloc((size_t)n * 24 + 2);
  uint64_t k, len = 1;
  if (!at || !t) {
    free(at);
    free(t);
    return NULL;
  }
  t[0] = 0;
  for (k = 0; k < n; k++) {
    at[k] = (uint32_t)len;
    len += (uint64_t)sprintf(t + len, "f%llu", (unsigned long long)k) + 1;
  }
  *strtab = t;
  *size = len;
  return at;
}

static void ec_uleb(tb *b, uint64_t v) { tb_varint(b, v); }

/* .debug_line (DWARF 5): n files named by one long string in
   .debug_line_str (one directory, the same string), and a sequence giving
   function k (at 0x1000 + 16k) file k, line k + 1. */
static void ec_debug_line(tb *line, tb *lstr, uint64_t n, size_t long_len) {
  tb h;
  uint64_t k;
  size_t len_at;
  char *s = (char *)malloc(long_len + 1);
  if (!s) { line->failed = 1; return; }
  memset(s, 'd', long_len);
  s[long_len] = 0;
  tb_bytes(lstr, s, long_len + 1);
  free(s);
  tb_init(&h);
  tb_le(&h, 1, 1);        /* minimum_instruction_length */
  tb_le(&h, 1, 1);        /* maximum_operations_per_instruction */
  tb_le(&h, 1, 1);        /* default_is_stmt */
  tb_le(&h, (uint64_t)(uint8_t)-5, 1); /* line_base */
  tb_le(&h, 14, 1);       /* line_range */
  tb_le(&h, 13, 1);       /* opcode_base */
  tb_bytes(&h, "\0\1\1\1\1\0\0\0\1\0\0\1", 12);
  tb_le(&h, 1, 1);        /* directory entry format: path, line_strp */
  ec_uleb(&h, 1); ec_uleb(&h, 0x1f);
  ec_uleb(&h, 1);         /* one directory */
  tb_le(&h, 0, 4);
  tb_le(&h, 2, 1);        /* file entry format: path line_strp, directory_index udata */
  ec_uleb(&h, 1); ec_uleb(&h, 0x1f); ec_uleb(&h, 2); ec_uleb(&h, 0x0f);
  ec_uleb(&h, n);
  for (k = 0; k < n; k++) {
    tb_le(&h, 0, 4);
    ec_uleb(&h, 0);
  }
  len_at = line->len;
  tb_le(line, 0, 4);      /* unit_length, filled below */
  tb_le(line, 5, 2);      /* version */
  tb_le(line, 8, 1);      /* address_size */
  tb_le(line, 0, 1);
  tb_le(line, h.len, 4);  /* header_length */
  tb_bytes(line, h.buf, h.len);
  tb_free(&h);
  tb_u8(line, 0); ec_uleb(line, 9); tb_u8(line, 2); tb_le(line, 0x1000, 8); /* DW_LNE_set_address */
  for (k = 0; k < n; k++) {
    tb_u8(line, 4); ec_uleb(line, k);        /* DW_LNS_set_file */
    tb_u8(line, 3); tb_varint(line, k ? 2 : 0); /* DW_LNS_advance_line: +1 (sleb 1 = 0x01) */
    if (k) line->buf[line->len - 1] = 1;
    tb_u8(line, 1);                          /* DW_LNS_copy */
    tb_u8(line, 2); ec_uleb(line, 16);       /* DW_LNS_advance_pc */
  }
  tb_u8(line, 0); ec_uleb(line, 1); tb_u8(line, 1); /* DW_LNE_end_sequence */
  if (!line->failed) eb_le(line->buf + len_at, line->len - len_at - 4, 4);
}

/* One line-table unit: length, version (and DWARF 5's address and segment
   sizes), header length, header, program. */
static void ec_unit(tb *line, unsigned version, const tb *hdr, const tb *prog) {
  tb_le(line, 2 + (version >= 5 ? 2 : 0) + 4 + hdr->len + prog->len, 4);
  tb_le(line, version, 2);
  if (version >= 5) tb_bytes(line, "\x08\x00", 2);
  tb_le(line, hdr->len, 4);
  tb_bytes(line, hdr->buf, hdr->len);
  tb_bytes(line, prog->buf, prog->len);
}

/* The fixed part of a header: 1-byte instructions, line_base -5,
   line_range lr, the 12 standard opcodes. */
static void ec_hdr_start(tb *h, unsigned version, unsigned lr) {
  tb_u8(h, 1);
  if (version >= 4) tb_u8(h, 1);
  tb_u8(h, 1);
  tb_u8(h, 0xfb);
  tb_u8(h, lr);
  tb_u8(h, 13);
  tb_bytes(h, "\0\1\1\1\1\0\0\0\1\0\0\1", 12);
}

/* Hostile units, then one good DWARF 4 unit (f0 at 0x1000: /src/good.c:42),
   then a unit that claims more bytes than the section holds. */
static void ec_bad_lines(tb *line) {
  tb h, p;
  /* line_range 0: special opcodes would divide by it */
  tb_init(&h); tb_init(&p);
  ec_hdr_start(&h, 4, 0);
  tb_bytes(&h, "\0\0", 2);
  tb_bytes(&p, "\0\x09\x02\x00\x10\0\0\0\0\0\0\x20", 12);
  ec_unit(line, 4, &h, &p);
  tb_free(&h); tb_free(&p);
  /* DWARF 5: no entry format, and 2^62 directories */
  tb_init(&h); tb_init(&p);
  ec_hdr_start(&h, 5, 14);
  tb_u8(&h, 0);
  tb_varint(&h, (uint64_t)1 << 62);
  tb_u8(&h, 0);
  tb_varint(&h, 0);
  ec_unit(line, 5, &h, &p);
  tb_free(&h); tb_free(&p);
  /* a file index far past the table (f1, at 0x1010) */
  tb_init(&h); tb_init(&p);
  ec_hdr_start(&h, 4, 14);
  tb_bytes(&h, "\0bad.c\0\0\0\0\0", 11);
  tb_bytes(&p, "\0\x09\x02\x10\x10\0\0\0\0\0\0", 11);
  tb_u8(&p, 4); tb_varint(&p, 1000); /* DW_LNS_set_file */
  tb_u8(&p, 1);
  tb_bytes(&p, "\x02\x01\0\x01\x01", 5);
  ec_unit(line, 4, &h, &p);
  tb_free(&h); tb_free(&p);
  /* an extended opcode longer than the unit, and a version from the future */
  tb_init(&h); tb_init(&p);
  ec_hdr_start(&h, 4, 14);
  tb_bytes(&h, "\0\0", 2);
  tb_bytes(&p, "\0\xff\x7f\x02", 4);
  ec_unit(line, 4, &h, &p);
  ec_unit(line, 7, &h, &p);
  tb_free(&h); tb_free(&p);
  /* the good one: include directory /src, file good.c */
  tb_init(&h); tb_init(&p);
  ec_hdr_start(&h, 4, 14);
  tb_bytes(&h, "/src\0\0good.c\0\x01\0\0\0", 17);
  tb_bytes(&p, "\0\x09\x02\x00\x10\0\0\0\0\0\0", 11);
  tb_u8(&p, 3); tb_varint(&p, 41);    /* DW_LNS_advance_line to 42 */
  tb_u8(&p, 1);
  tb_bytes(&p, "\x02\x10\0\x01\x01", 5); /* advance_pc 16, end_sequence */
  ec_unit(line, 4, &h, &p);
  tb_free(&h); tb_free(&p);
  /* a length past the section's end */
  tb_le(line, 0x7fffffff, 4);
  tb_le(line, 4, 2);
}

static uint64_t ec_make(const char *name, uint64_t n, const char *dir) {
  static const uint32_t one[1] = {1};
  char elf[4096], trace[4096], path[8192];
  uint64_t cost = 0, k;
  tb b;
  tb_init(&b);
  snprintf(elf, sizeof elf, "%s/%s.elf", dir, name);
  snprintf(trace, sizeof trace, "%s/%s.ctrace", dir, name);
  tb_header(&b);
  if (!strcmp(name, "objects")) {
    char *st; uint64_t ss; uint32_t *at = ec_name_offsets(1, &st, &ss);
    if (!at || ec_elf_funcs(elf, 1, st, ss, at, NULL, NULL, NULL, 0)) return 0;
    free(at); free(st);
    ec_sites(&b, n, 0x10001000, 0x100000);
    tb_chunk(&b, 'M', 0, 0, 0, 0);
    for (k = 0; k < n; k++) {
      int m = k % 2 ? snprintf(path, sizeof path, "%s/missing%llu.so", dir, (unsigned long long)k)
                    : snprintf(path, sizeof path, "%s", elf);
      ec_object(&b, 0x10000000 + k * 0x100000, 0x100000, NULL, 0, path, (size_t)m);
    }
    ec_zones(&b, n);
  } else if (!strcmp(name, "notes")) {
    /* n note sections, all over the same n notes, none a build id */
    eb_sec *sec = (eb_sec *)calloc((size_t)n + 3, sizeof *sec);
    uint8_t *notes = (uint8_t *)calloc((size_t)n, 16), sym[48];
    int rc;
    if (!sec || !notes) { free(sec); free(notes); return 0; }
    for (k = 0; k < n; k++) {
      eb_le(notes + 16 * k, 4, 4);      /* namesz */
      eb_le(notes + 16 * k + 8, 1, 4);  /* type 1 */
      memcpy(notes + 16 * k + 12, "XYZ", 4);
    }
    memset(sym, 0, 24);
    eb_sym(sym + 24, 1, 1, 0x1000);
    sec[0].name = ".text"; sec[0].type = 1; sec[0].data = (const uint8_t *)"\xc3"; sec[0].size = 1;
    sec[1].name = ".symtab"; sec[1].type = 2; sec[1].link = 3; sec[1].data = sym; sec[1].size = 48;
    sec[2].name = ".strtab"; sec[2].type = 3; sec[2].data = (const uint8_t *)"\0f0"; sec[2].size = 4;
    for (k = 0; k < n; k++) {
      sec[3 + k].name = ".note.x"; sec[3 + k].type = 7; sec[3 + k].size = 16 * n;
      if (k) sec[3 + k].like = 4;
      else sec[3].data = notes;
    }
    rc = eb_write(elf, sec, (int)(3 + n), 0);
    free(sec);
    free(notes);
    if (rc) return 0;
    ec_sites(&b, 100, 0x10001000, 0x100000);
    tb_chunk(&b, 'M', 0, 0, 0, 0);
    for (k = 0; k < 100; k++)
      ec_object(&b, 0x10000000 + k * 0x100000, 0x100000, (const uint8_t *)"01234567890123456789", 20, elf,
                strlen(elf));
    ec_zones(&b, 100);
  } else if (!strcmp(name, "shared")) {
    uint64_t ss = 4u << 20;
    char *st = (char *)calloc(1, (size_t)ss);
    if (!st) return 0;
    memcpy(st + 1, "f0", 3);
    memset(st + 4, 'x', (size_t)ss - 5);
    if (ec_elf_funcs(elf, 1, st, ss, one, NULL, NULL, NULL, 0)) { free(st); return 0; }
    free(st);
    ec_sites(&b, n, 0x10001000, 0x100000);
    tb_chunk(&b, 'M', 0, 0, 0, 0);
    for (k = 0; k < n; k++) ec_object(&b, 0x10000000 + k * 0x100000, 0x100000, NULL, 0, elf, strlen(elf));
    ec_zones(&b, n);
  } else if (!strcmp(name, "sparse")) {
    eb_sec s[3];
    uint8_t z = 0xc3;
    memset(s, 0, sizeof s);
    s[0].name = ".text"; s[0].type = 1; s[0].data = &z; s[0].size = 1;
    s[1].name = ".symtab"; s[1].type = 2; s[1].link = 3; s[1].at_fixed = 1; s[1].off = 1u << 28; s[1].size = 1u << 28;
    s[2].name = ".strtab"; s[2].type = 3; s[2].at_fixed = 1; s[2].off = 1u << 28; s[2].size = 1u << 28;
    if (eb_write(elf, s, 3, (uint64_t)1 << 29)) return 0;
    ec_sites(&b, n, 0x10001000, 16);
    tb_chunk(&b, 'M', 0, 0, 0, 0);
    ec_object(&b, 0x10000000, 0x10000000, NULL, 0, elf, strlen(elf));
    ec_zones(&b, n);
  } else if (!strcmp(name, "longsym")) {
    uint64_t ss = (1u << 20) + 2;
    char *st = (char *)calloc(1, (size_t)ss);
    if (!st) return 0;
    memset(st + 1, 'L', (size_t)ss - 2);
    if (ec_elf_funcs(elf, 1, st, ss, one, NULL, NULL, NULL, 0)) { free(st); return 0; }
    free(st);
    ec_sites(&b, n, 0x10001000, 0);
    tb_chunk(&b, 'M', 0, 0, 0, 0);
    ec_object(&b, 0x10000000, 0x100000, NULL, 0, elf, strlen(elf));
    ec_zones(&b, n);
  } else if (!strcmp(name, "longpath")) {
    char *p = (char *)malloc(4151);
    if (!p) return 0;
    memset(p, 'p', 4150);
    p[0] = '/';
    p[4150] = 0;
    ec_sites(&b, n, 0x10001000, 16);
    tb_chunk(&b, 'M', 0, 0, 0, 0);
    ec_object(&b, 0x10000000, 0x10000000, NULL, 0, p, 4150);
    free(p);
    ec_zones(&b, n);
  } else if (!strcmp(name, "lines") || !strcmp(name, "lines_small")) {
    tb line, lstr;
    eb_sec ex[2];
    char *st; uint64_t ss; uint32_t *at = ec_name_offsets(n, &st, &ss);
    int rc;
    if (!at) return 0;
    tb_init(&line);
    tb_init(&lstr);
    ec_debug_line(&line, &lstr, n, strcmp(name, "lines") ? 40 : 65536);
    memset(ex, 0, sizeof ex);
    ex[0].name = ".debug_line"; ex[0].type = 1; ex[0].data = line.buf; ex[0].size = line.len;
    ex[1].name = ".debug_line_str"; ex[1].type = 1; ex[1].data = lstr.buf; ex[1].size = lstr.len;
    rc = line.failed || lstr.failed || ec_elf_funcs(elf, n, st, ss, at, NULL, NULL, ex, 2);
    tb_free(&line);
    tb_free(&lstr);
    free(at); free(st);
    if (rc) return 0;
    ec_sites(&b, n, 0x10001000, 16);
    tb_chunk(&b, 'M', 0, 0, 0, 0);
    ec_object(&b, 0x10000000, 0x10000000, NULL, 0, elf, strlen(elf));
    ec_zones(&b, n);
  } else if (!strcmp(name, "badlines")) {
    tb line;
    eb_sec ex[1];
    char *st; uint64_t ss; uint32_t *at = ec_name_offsets(3, &st, &ss);
    int rc;
    if (!at) return 0;
    tb_init(&line);
    ec_bad_lines(&line);
    memset(ex, 0, sizeof ex);
    ex[0].name = ".debug_line"; ex[0].type = 1; ex[0].data = line.buf; ex[0].size = line.len;
    rc = line.failed || ec_elf_funcs(elf, 3, st, ss, at, NULL, NULL, ex, 1);
    tb_free(&line);
    free(at); free(st);
    if (rc) return 0;
    ec_sites(&b, 3, 0x10001000, 16);
    tb_chunk(&b, 'M', 0, 0, 0, 0);
    ec_object(&b, 0x10000000, 0x100000, NULL, 0, elf, strlen(elf));
    ec_zones(&b, 3);
  } else if (!strcmp(name, "dups")) {
    /* helper (local) at 0x1000 and 0x1010; "glob" (global) and "weak" (weak) at 0x1020 */
    static const char st[] = "\0helper\0glob\0weak";
    static const uint32_t at[4] = {1, 1, 8, 13};
    static const int bind[4] = {0, 0, 1, 2};
    static const uint64_t val[4] = {0x1000, 0x1010, 0x1020, 0x1020};
    if (ec_elf_funcs(elf, 4, st, sizeof st, at, bind, val, NULL, 0)) return 0;
    ec_sites(&b, 3, 0x10001000, 16);
    tb_chunk(&b, 'M', 0, 0, 0, 0);
    ec_object(&b, 0x10000000, 0x100000, NULL, 0, elf, strlen(elf));
    ec_zones(&b, 3);
  } else if (!strcmp(name, "mapnul")) {
    int m;
    /* the path cut at its NUL names a real ELF with a symbol for the site */
    if (ec_elf_funcs(elf, 1, "\0cut_path_fn", 13, one, NULL, NULL, NULL, 0)) return 0;
    m = snprintf(path, sizeof path, "%s", elf);
    memcpy(path + m, "\0tail", 5);
    ec_sites(&b, 1, 0x10001000, 16);
    tb_chunk(&b, 'M', 0, 0, 0, 0);
    ec_object(&b, 0x10000000, 0x100000, NULL, 0, path, (size_t)m + 5);
    ec_zones(&b, 1);
  } else {
    tb_free(&b);
    return 0;
  }
  cost = ec_save(&b, trace);
  return cost ? cost + ec_file_cost(elf) : 0;
}

#endif
