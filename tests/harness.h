/* tests/harness.h - the test protocol in a few helpers, C99 and C++11.

   Every check prints one line:  PASS: <name>   or   FAIL: <name>: <why>
   tests/run counts those lines. A test program ends with
       return harness_done();
   which prints a FAIL when no check ran and returns the exit status
   (0 when every check passed, 1 otherwise).

   Names are printf formats:  CHECK(n == 3, "zones read back (thread %d)", t);
   Each CHECK* macro evaluates to 1 when the check passed, so a test can stop
   early:  if (!CHECK(r != NULL, "reader opens")) return harness_done();

   Loops over millions of values should count mismatches themselves and make
   one CHECK at the end: one line per check, not per value. */
#ifndef CTRACE_TEST_HARNESS_H
#define CTRACE_TEST_HARNESS_H

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define HARNESS__PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define HARNESS__PRINTF(fmt_index, first_arg)
#endif

typedef struct harness__counts {
  int passed;
  int failed;
} harness__counts;

/* One counter per test program; a function-local static keeps the header
   free of file-scope definitions that could warn as unused. */
static inline harness__counts *harness__state(void) {
  static harness__counts counts;
  return &counts;
}

/* Prints "PASS: name" or "FAIL: name: why" and returns ok (0 or 1). */
static inline int harness__vreport(int ok, const char *why, const char *fmt, va_list ap) {
  harness__counts *c = harness__state();
  fputs(ok ? "PASS: " : "FAIL: ", stdout);
  vfprintf(stdout, fmt, ap);
  if (!ok) fprintf(stdout, ": %s", why);
  fputc('\n', stdout);
  fflush(stdout);
  if (ok) c->passed++;
  else c->failed++;
  return ok;
}

static inline int harness_report(int ok, const char *why, const char *fmt, ...) HARNESS__PRINTF(3, 4);
static inline int harness_report(int ok, const char *why, const char *fmt, ...) {
  va_list ap;
  int r;
  va_start(ap, fmt);
  r = harness__vreport(ok, why, fmt, ap);
  va_end(ap);
  return r;
}

/* A check that is not applicable here (say, no browser installed). It is
   neither a pass nor a failure; the runner reports the count. */
static inline void harness_skip(const char *name, const char *why) {
  fprintf(stdout, "SKIP: %s: %s\n", name, why);
  fflush(stdout);
}

/* Informational line; the runner passes it through uncounted. */
static inline void harness_note(const char *fmt, ...) HARNESS__PRINTF(1, 2);
static inline void harness_note(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("  note: ", stdout);
  vfprintf(stdout, fmt, ap);
  fputc('\n', stdout);
  va_end(ap);
  fflush(stdout);
}

static inline int harness_done(void) {
  harness__counts *c = harness__state();
  if (c->passed + c->failed == 0) {
    fputs("FAIL: harness: the test made no checks\n", stdout);
    c->failed++;
  }
  fflush(stdout);
  return c->failed ? 1 : 0;
}

static inline int harness_failures(void) { return harness__state()->failed; }

/* ---- check helpers: each builds the "why" text, then reports ------------ */

static inline int harness__check(int ok, const char *expr, const char *file, int line,
                                 const char *fmt, ...) HARNESS__PRINTF(5, 6);
static inline int harness__check(int ok, const char *expr, const char *file, int line,
                                 const char *fmt, ...) {
  char why[512];
  va_list ap;
  int r;
  snprintf(why, sizeof why, "%s:%d: expected %s", file, line, expr);
  va_start(ap, fmt);
  r = harness__vreport(ok, why, fmt, ap);
  va_end(ap);
  return r;
}

static inline int harness__check_int(long long got, long long want, const char *expr,
                                     const char *file, int line, const char *fmt, ...)
    HARNESS__PRINTF(6, 7);
static inline int harness__check_int(long long got, long long want, const char *expr,
                                     const char *file, int line, const char *fmt, ...) {
  char why[512];
  va_list ap;
  int r;
  snprintf(why, sizeof why, "%s:%d: %s is %lld, expected %lld", file, line, expr, got, want);
  va_start(ap, fmt);
  r = harness__vreport(got == want, why, fmt, ap);
  va_end(ap);
  return r;
}

static inline int harness__check_uint(unsigned long long got, unsigned long long want,
                                      const char *expr, const char *file, int line,
                                      const char *fmt, ...) HARNESS__PRINTF(6, 7);
static inline int harness__check_uint(unsigned long long got, unsigned long long want,
                                      const char *expr, const char *file, int line,
                                      const char *fmt, ...) {
  char why[512];
  va_list ap;
  int r;
  snprintf(why, sizeof why, "%s:%d: %s is %llu (0x%llx), expected %llu (0x%llx)", file, line,
           expr, got, got, want, want);
  va_start(ap, fmt);
  r = harness__vreport(got == want, why, fmt, ap);
  va_end(ap);
  return r;
}

/* Copies s into out for a message: at most 120 bytes, control bytes as '?',
   NULL as "(null)". */
static inline void harness__quote(char *out, size_t out_size, const char *s) {
  size_t i = 0, n;
  if (!s) {
    snprintf(out, out_size, "(null)");
    return;
  }
  n = strlen(s);
  out[i++] = '"';
  while (*s && i + 5 < out_size && i < 122) {
    unsigned char ch = (unsigned char)*s++;
    out[i++] = (char)(ch < 32 || ch == 127 ? '?' : ch);
  }
  if (*s) {
    snprintf(out + i, out_size - i, "...\" (%lu bytes)", (unsigned long)n);
    return;
  }
  out[i++] = '"';
  out[i] = '\0';
}

static inline int harness__check_str(const char *got, const char *want, const char *expr,
                                     const char *file, int line, const char *fmt, ...)
    HARNESS__PRINTF(6, 7);
static inline int harness__check_str(const char *got, const char *want, const char *expr,
                                     const char *file, int line, const char *fmt, ...) {
  char why[512], g[160], w[160];
  va_list ap;
  int r, ok = (got && want) ? strcmp(got, want) == 0 : got == want;
  harness__quote(g, sizeof g, got);
  harness__quote(w, sizeof w, want);
  snprintf(why, sizeof why, "%s:%d: %s is %s, expected %s", file, line, expr, g, w);
  va_start(ap, fmt);
  r = harness__vreport(ok, why, fmt, ap);
  va_end(ap);
  return r;
}

/* Exact equality of doubles, except that NaN equals NaN; -0.0 and 0.0
   differ (a trace must give back the bits it was given). */
static inline int harness__same_double(double a, double b) {
  if (a != a || b != b) return a != a && b != b;
  if (a == 0.0 && b == 0.0) return signbit(a) == signbit(b);
  return a == b;
}

static inline int harness__check_dbl(double got, double want, const char *expr, const char *file,
                                     int line, const char *fmt, ...) HARNESS__PRINTF(6, 7);
static inline int harness__check_dbl(double got, double want, const char *expr, const char *file,
                                     int line, const char *fmt, ...) {
  char why[512];
  va_list ap;
  int r;
  snprintf(why, sizeof why, "%s:%d: %s is %.17g, expected %.17g", file, line, expr, got, want);
  va_start(ap, fmt);
  r = harness__vreport(harness__same_double(got, want), why, fmt, ap);
  va_end(ap);
  return r;
}

#define CHECK(cond, ...) harness__check((cond) ? 1 : 0, #cond, __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_EQ_INT(got, want, ...)                                                   \
  harness__check_int((long long)(got), (long long)(want), #got, __FILE__, __LINE__,   \
                     __VA_ARGS__)
#define CHECK_EQ_UINT(got, want, ...)                                                  \
  harness__check_uint((unsigned long long)(got), (unsigned long long)(want), #got,     \
                      __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_EQ_STR(got, want, ...)                                                   \
  harness__check_str((got), (want), #got, __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_EQ_DBL(got, want, ...)                                                   \
  harness__check_dbl((double)(got), (double)(want), #got, __FILE__, __LINE__, __VA_ARGS__)
#define PASS(...) harness_report(1, "", __VA_ARGS__)
#define FAIL(why, ...) harness_report(0, (why), __VA_ARGS__)

#endif /* CTRACE_TEST_HARNESS_H */
