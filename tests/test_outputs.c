/* tests/test_outputs.c - every output that reads a trace itself has a
   writer-callback form (_to_func) that writes the same bytes as its file
   form, ends with exactly one size-0 call, stops on the callback's error and
   returns that error's code; report and PNG say in cfg->result what they
   found about the trace (intact or damaged, its damage counts), so a caller
   never reads the trace again to learn it. */
#ifndef CTRACE_TEST_SEPARATE_IMPL
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#endif
#include "../ctrace.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A memory writer that counts its size-0 calls and can fail on demand. */
typedef struct mem {
  char *buf;
  size_t len, cap;
  int ends;            /* size-0 calls seen */
  int after_end;       /* bytes arriving after a size-0 call */
  size_t fail_after;   /* 0 = never; else fail once this many bytes came */
} mem;

static int mem_write(void *user, const void *data, size_t size) {
  mem *m = (mem *)user;
  if (size == 0) {
    m->ends++;
    return 0;
  }
  if (m->ends) m->after_end = 1;
  if (m->fail_after && m->len + size >= m->fail_after) return -1000; /* the caller's own code */
  if (m->len + size > m->cap) {
    size_t ncap = (m->len + size) * 2;
    char *nb = (char *)realloc(m->buf, ncap);
    if (!nb) return CTRACE_E_NOMEM;
    m->buf = nb;
    m->cap = ncap;
  }
  memcpy(m->buf + m->len, data, size);
  m->len += size;
  return 0;
}

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *buf;
  long n;
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = (char *)malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *len = (size_t)n;
  return buf;
}

/* Same bytes in the file and in memory, one end call, nothing after it. */
static void same_as_file(const char *what, const char *path, const mem *m) {
  size_t n = 0;
  char *file = read_all(path, &n);
  CHECK(file && n > 0 && n == m->len && memcmp(file, m->buf, n) == 0,
        "%s: _to_func writes the bytes the file form writes (%lu vs %lu)", what, (unsigned long)m->len,
        (unsigned long)n);
  CHECK(m->ends == 1 && !m->after_end, "%s: one size-0 call, at the end (%d)", what, m->ends);
  free(file);
}

static void write_trace(const char *path) {
  int rc = ctrace_start(path), i;
  CHECK(rc == 0, "trace starts (%s)", ctrace_strerror(rc));
  CTRACE_THREAD_NAME("main");
  for (i = 0; i < 50; i++) {
    CTRACE_ZONE("outer");
    {
      CTRACE_ZONE("inner");
      CTRACE_COUNTER("i", i);
    }
  }
  rc = ctrace_stop();
  CHECK(rc == 0, "trace stops (%s)", ctrace_strerror(rc));
}

/* The first half of the trace: damaged (cut short). */
static void write_cut(const char *from, const char *to) {
  size_t n = 0;
  char *data = read_all(from, &n);
  FILE *f = fopen(to, "wb");
  if (data && f) fwrite(data, 1, n / 2 + 7, f);
  if (f) fclose(f);
  free(data);
}

int main(void) {
  char trace[128], cut[128], out[128], err[256];
  mem m;
  int rc;
  snprintf(trace, sizeof trace, "build/tmp/test_outputs_%d.ctrace", (int)getpid());
  snprintf(cut, sizeof cut, "build/tmp/test_outputs_%d_cut.ctrace", (int)getpid());
  snprintf(out, sizeof out, "build/tmp/test_outputs_%d.out", (int)getpid());
  write_trace(trace);
  write_cut(trace, cut);

  /* Chrome */
  {
    ctrace_export_counts c1, c2;
    memset(&m, 0, sizeof m);
    rc = ctrace_export_chrome(trace, out, NULL, NULL, &c1, err, sizeof err);
    CHECK(rc == 0, "chrome: file form (%s)", err);
    rc = ctrace_export_chrome_to_func(trace, mem_write, &m, NULL, NULL, &c2, err, sizeof err);
    CHECK(rc == 0, "chrome: _to_func form (%s)", err);
    same_as_file("chrome", out, &m);
    CHECK(c2.spans == 100 && c2.spans == c1.spans, "chrome: counts from both forms (%llu)",
          (unsigned long long)c2.spans);
    free(m.buf);
    memset(&m, 0, sizeof m);
    m.fail_after = 1;
    rc = ctrace_export_chrome_to_func(trace, mem_write, &m, NULL, NULL, NULL, err, sizeof err);
    CHECK(rc == -1000 && strstr(err, "(output function)") != NULL,
          "chrome: the callback's error is returned and said (%d, %s)", rc, err);
    CHECK(m.ends == 0, "chrome: no end call after a failed write");
    free(m.buf);
    rc = ctrace_export_chrome_to_func(trace, NULL, NULL, NULL, NULL, NULL, err, sizeof err);
    CHECK(rc == CTRACE_E_INVALID, "chrome: no callback is invalid (%d)", rc);
  }

  /* Report */
  {
    ctrace_report_config cfg;
    ctrace_input_result found;
    memset(&cfg, 0, sizeof cfg);
    memset(&found, 0x55, sizeof found);
    cfg.result = &found;
    cfg.title = "same title"; /* the page's title would otherwise be the same anyway */
    rc = ctrace_report_html(trace, out, &cfg);
    CHECK(rc == 0 && found.read == 1 && found.damaged == 0 && found.baseline_read == 0,
          "report: intact trace found intact (%d, read %d, damaged %d)", rc, found.read, found.damaged);
    memset(&m, 0, sizeof m);
    rc = ctrace_report_html_to_func(trace, mem_write, &m, &cfg);
    CHECK(rc == 0, "report: _to_func form (%d)", rc);
    same_as_file("report", out, &m);
    free(m.buf);
    memset(&m, 0, sizeof m);
    rc = ctrace_report_html_to_func(cut, mem_write, &m, &cfg);
    CHECK(rc == 0 && found.read == 1 && found.damaged == 1 && (found.info.truncated || found.info.chunks_bad ||
                                                              found.info.bytes_lost),
          "report: a cut trace is found damaged, with its counts (%d, %d, truncated %d, bad %llu)", rc,
          found.damaged, found.info.truncated, (unsigned long long)found.info.chunks_bad);
    free(m.buf);
    cfg.baseline_path = cut;
    memset(&m, 0, sizeof m);
    rc = ctrace_report_html_to_func(trace, mem_write, &m, &cfg);
    CHECK(rc == 0 && found.damaged == 0 && found.baseline_read == 1 && found.baseline_damaged == 1,
          "report: a damaged baseline is told apart from the trace (%d, %d, %d)", rc, found.damaged,
          found.baseline_damaged);
    free(m.buf);
    cfg.baseline_path = NULL;
    memset(&m, 0, sizeof m);
    m.fail_after = 100;
    rc = ctrace_report_html_to_func(trace, mem_write, &m, &cfg);
    CHECK(rc == -1000 && found.read == 1, "report: the callback's error is returned (%d)", rc);
    free(m.buf);
    rc = ctrace_report_html_to_func("build/tmp/no-such-trace.ctrace", mem_write, &m, &cfg);
    CHECK(rc < 0 && found.read == 0, "report: a missing trace is not read (%d)", rc);
  }

#ifdef CTRACE_WITH_PNG
  {
    ctrace_png_config cfg;
    ctrace_input_result found;
    int chart;
    for (chart = CTRACE_CHART_HEAP; chart <= CTRACE_CHART_FLAME; chart++) {
      memset(&cfg, 0, sizeof cfg);
      cfg.chart = chart;
      cfg.width = 400;
      cfg.height = 300;
      cfg.result = &found;
      rc = ctrace_png(trace, out, &cfg);
      CHECK(rc == 0 && found.read == 1 && found.damaged == 0, "png %d: intact trace found intact (%d)", chart, rc);
      memset(&m, 0, sizeof m);
      rc = ctrace_png_to_func(trace, mem_write, &m, &cfg);
      CHECK(rc == 0, "png %d: _to_func form (%d)", chart, rc);
      if (m.len >= 8) CHECK(memcmp(m.buf, "\x89PNG", 4) == 0, "png %d: a PNG signature", chart);
      same_as_file("png", out, &m);
      free(m.buf);
    }
    memset(&m, 0, sizeof m);
    rc = ctrace_png_to_func(cut, mem_write, &m, &cfg);
    CHECK(rc == 0 && found.damaged == 1, "png: a cut trace is found damaged (%d, %d)", rc, found.damaged);
    free(m.buf);
    memset(&m, 0, sizeof m);
    m.fail_after = 10;
    rc = ctrace_png_to_func(trace, mem_write, &m, &cfg);
    CHECK(rc == -1000, "png: the callback's error is returned (%d)", rc);
    free(m.buf);
  }
#endif
  remove(trace);
  remove(cut);
  remove(out);
  return harness_done();
}
