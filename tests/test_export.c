/* tests/test_export.c - the Chrome trace exporter through its C API: exact
   escaping of hostile names, exact timestamp formatting, and its errors (a
   missing trace, an output that cannot be created, a full disk). The JSON
   structure itself is checked by tests/test_tool.sh with python's parser. */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "../ctrace.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char g_trace[256], g_json[256];

/* /dev/full as the device, not a regular file some failed test left there. */
static int is_full_device(void) {
  struct stat st;
  return stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode) && access("/dev/full", W_OK) == 0;
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
  if (buf) buf[n] = 0;
  *len = (size_t)n;
  return buf;
}

static int contains(const char *hay, size_t n, const char *needle) {
  size_t k = strlen(needle), i;
  for (i = 0; i + k <= n; i++)
    if (memcmp(hay + i, needle, k) == 0) return 1;
  return 0;
}

static void check_us(int64_t ns, const char *want) {
  char buf[64];
  char *end = ctrace__ex_put_us(buf, ns);
  *end = 0;
  CHECK(strcmp(buf, want) == 0, "timestamp %lld ns -> %s us", (long long)ns, want);
}

static void write_trace(void) {
  /* Dynamic names: the interned path, one buffer reused with new text. */
  static const char *const names[] = {"quote\"and\\backslash", "tab\there\nnewline\001ctl",
                                      "bad utf8 \xff\xfe end", "cut \xe2\x82",
                                      "surrogate \xed\xa0\x80 x", "ok \xc3\xa9\xe2\x82\xac"};
  char buf[64];
  size_t i;
  int rc = ctrace_start(g_trace);
  CHECK(rc == 0, "trace starts (%s)", ctrace_strerror(rc));
  for (i = 0; i < sizeof names / sizeof names[0]; i++) {
    strcpy(buf, names[i]);
    CTRACE_ZONE_BEGIN(buf);
    CTRACE_LOG("cat", "log \"%s\"", "q");
    CTRACE_ZONE_END();
  }
  CTRACE_COUNTER_F("nan", strtod("nan", NULL));
  rc = ctrace_stop();
  CHECK(rc == 0, "trace stops (%s)", ctrace_strerror(rc));
}

static void test_escaping(void) {
  char err[256];
  ctrace_export_counts counts;
  size_t n = 0;
  char *text;
  int rc = ctrace_export_chrome(g_trace, g_json, NULL, NULL, &counts, err, sizeof err);
  if (!CHECK(rc == 0, "export succeeds (%s)", err)) return;
  text = read_all(g_json, &n);
  if (!CHECK(text != NULL, "export file readable")) return;
  CHECK(contains(text, n, "\"name\":\"quote\\\"and\\\\backslash\""), "quote and backslash escaped");
  CHECK(contains(text, n, "\"name\":\"tab\\there\\nnewline\\u0001ctl\""), "control characters escaped");
  CHECK(contains(text, n, "\"name\":\"bad utf8 \xef\xbf\xbd\xef\xbf\xbd end\""),
        "each invalid byte becomes U+FFFD");
  CHECK(contains(text, n, "\"name\":\"cut \xef\xbf\xbd\""), "a cut sequence becomes one U+FFFD");
  CHECK(contains(text, n, "\"name\":\"surrogate \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd x\""),
        "an encoded surrogate is invalid (three U+FFFD)");
  CHECK(contains(text, n, "\"name\":\"ok \xc3\xa9\xe2\x82\xac\""), "valid UTF-8 passes unchanged");
  CHECK(contains(text, n, "\"message\":\"log \\\"q\\\"\""), "log message escaped in args");
  CHECK(!contains(text, n, "nan") && !contains(text, n, "inf"), "no NaN written (JSON has none)");
  CHECK(counts.skipped == 1, "the NaN sample is counted as skipped (%llu)",
        (unsigned long long)counts.skipped);
  CHECK(counts.spans == 6 && counts.instants == 6, "counts: 6 spans, 6 instants (%llu, %llu)",
        (unsigned long long)counts.spans, (unsigned long long)counts.instants);
  CHECK(n > 2 && text[n - 1] == '\n' && text[n - 2] == '}', "document is complete");
  free(text);
}

static void test_errors(void) {
  char err[256];
  int rc;
  rc = ctrace_export_chrome("build/tmp/no-such-trace.ctrace", g_json, NULL, NULL, NULL, err, sizeof err);
  CHECK(rc < 0 && strstr(err, "no-such-trace.ctrace") != NULL,
        "missing trace: error naming it (%d, %s)", rc, err);
  rc = ctrace_export_chrome(g_trace, "/nonexistent/dir/x.json", NULL, NULL, NULL, err, sizeof err);
  CHECK(rc == CTRACE_E_OPEN && strstr(err, "/nonexistent/dir/x.json") != NULL,
        "uncreatable output: CTRACE_E_OPEN naming it (%d, %s)", rc, err);
  if (is_full_device()) {
    rc = ctrace_export_chrome(g_trace, "/dev/full", NULL, NULL, NULL, err, sizeof err);
    CHECK(rc == CTRACE_E_WRITE && strstr(err, "/dev/full") != NULL,
          "full disk: CTRACE_E_WRITE naming it (%d, %s)", rc, err);
  }
  rc = ctrace_export_chrome(NULL, g_json, NULL, NULL, NULL, NULL, 0);
  CHECK(rc == CTRACE_E_INVALID, "NULL path: CTRACE_E_INVALID");
}

int main(void) {
  const char *build = getenv("BUILD");
  snprintf(g_trace, sizeof g_trace, "%s/tmp/test_export_%ld.ctrace", build ? build : "build", (long)getpid());
  snprintf(g_json, sizeof g_json, "%s/tmp/test_export_%ld.json", build ? build : "build", (long)getpid());
  check_us(0, "0.000");
  check_us(7, "0.007");
  check_us(999, "0.999");
  check_us(1000, "1.000");
  check_us(1234567, "1234.567");
  check_us(-1500, "-1.500");
  check_us(10000000, "10000.000");
  check_us(99999999999LL, "99999999.999");
  check_us(100000000000LL, "100000000.000");
  check_us(1000000000000000000LL, "1000000000000000.000");
  check_us(12345678901234567LL, "12345678901234.567");
  check_us(INT64_MAX, "9223372036854775.807");
  check_us(INT64_MIN, "-9223372036854775.808");
  write_trace();
  test_escaping();
  test_errors();
  remove(g_trace);
  remove(g_json);
  return harness_done();
}
