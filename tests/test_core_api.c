/* Session and reader entry points on their error paths, result strings,
   kind names, and the tracked allocator's statistics. */
#ifndef CTRACE_TEST_SEPARATE_IMPL
/* The Makefile and test_sanitizers.sh link one shared implementation
   object instead. */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#endif
#include "../ctrace.h"
#include "harness.h"
#include "core_support.h"

static void check_strings(void) {
  int code, k, distinct = 1, nonempty = 1;
  for (code = 0; code > CTRACE__E_LAST; code--) {
    const char *s = ctrace_strerror(code);
    if (!s || !*s) nonempty = 0;
    for (k = 0; k > code && s; k--)
      if (strcmp(s, ctrace_strerror(k)) == 0) distinct = 0;
  }
  CHECK(nonempty, "ctrace_strerror: a sentence for every code");
  CHECK(distinct, "ctrace_strerror: every code its own sentence");
  CHECK(ctrace_strerror(-999) != NULL && *ctrace_strerror(-999), "ctrace_strerror: unknown code");
  CHECK(ctrace_strerror(12345) != NULL, "ctrace_strerror: positive code");
  nonempty = 1;
  distinct = 1;
  for (code = CTRACE_EV_ZONE_BEGIN; code <= CTRACE_EV_MEM_PROBLEM; code++) {
    const char *s = ctrace_event_kind_name(code);
    if (!s || !*s) nonempty = 0;
    for (k = CTRACE_EV_ZONE_BEGIN; k < code && s; k++)
      if (strcmp(s, ctrace_event_kind_name(k)) == 0) distinct = 0;
  }
  CHECK(nonempty && distinct, "ctrace_event_kind_name: distinct names for every kind");
  CHECK_EQ_STR(ctrace_event_kind_name(CTRACE_EV_ZONE_BEGIN), "zone_begin", "kind name zone_begin");
  CHECK(ctrace_event_kind_name(999) != NULL, "ctrace_event_kind_name: unknown kind");
}

static void check_session_errors(void) {
  char path[512], dir[512];
  ct_tmp_path(path, sizeof path, "api");
  CHECK_EQ_INT(ctrace_stop(), CTRACE_E_NOT_STARTED, "stop without start");
  CHECK_EQ_INT(ctrace_flush(), CTRACE_E_NOT_STARTED, "flush without start");
  CHECK_EQ_INT(ctrace_enabled(), 0, "not enabled before start");
  CHECK_EQ_INT(ctrace_flight_dump(path), CTRACE_E_NOT_FLIGHT, "flight dump without a recorder");
  CHECK_EQ_INT(ctrace_start(NULL), CTRACE_E_INVALID, "start with a NULL path");
  snprintf(dir, sizeof dir, "%s", path);
  *strrchr(dir, '/') = '\0'; /* the directory build/tmp itself */
  CHECK_EQ_INT(ctrace_start(dir), CTRACE_E_OPEN, "start on a directory");
  CHECK_EQ_INT(ctrace_start("build/tmp/no/such/dir/x.ctrace"), CTRACE_E_OPEN,
               "start in a missing directory");
  CHECK_EQ_INT(ctrace_enabled(), 0, "no session after failed starts");
  if (CHECK_EQ_INT(ctrace_start(path), 0, "start after failures")) {
    CHECK_EQ_INT(ctrace_start(path), CTRACE_E_ALREADY_STARTED, "second start refused");
    CTRACE_INSTANT("x");
    CHECK_EQ_INT(ctrace_stop(), 0, "stop");
    CHECK_EQ_INT(ctrace_stop(), CTRACE_E_NOT_STARTED, "second stop refused");
  }
  /* A session can follow a session. */
  if (CHECK_EQ_INT(ctrace_start(path), 0, "restart after stop")) {
    ct_trace t;
    CTRACE_INSTANT("second session");
    CHECK_EQ_INT(ctrace_stop(), 0, "stop restarted session");
    ct_load(&t, path);
    CHECK(t.open_rc == 0 && t.n == 1 && strcmp(t.ev[0].name, "second session") == 0,
          "restarted session's trace holds only its own event");
    ct_free(&t);
  }
  remove(path);
}

static void check_reader_errors(void) {
  char err[256];
  ctrace_reader *r = (ctrace_reader *)&err; /* must be set to NULL on failure */
  unsigned char junk[200];
  int rc;
  err[0] = '\0';
  rc = ctrace_reader_open(&r, "build/tmp/does-not-exist.ctrace", err, sizeof err);
  CHECK(rc < 0 && r == NULL, "open a missing file fails (%d)", rc);
  CHECK(err[0] != '\0', "open a missing file: a sentence (%s)", err);
  r = (ctrace_reader *)&err;
  rc = ctrace_reader_open_memory(&r, junk, 0, err, sizeof err);
  CHECK(rc == CTRACE_E_EMPTY && r == NULL, "empty input: CTRACE_E_EMPTY (%d)", rc);
  memset(junk, 'x', sizeof junk);
  err[0] = '\0';
  rc = ctrace_reader_open_memory(&r, junk, sizeof junk, err, sizeof err);
  CHECK(rc == CTRACE_E_FORMAT && r == NULL && err[0], "not a trace: CTRACE_E_FORMAT (%s)", err);
  rc = ctrace_reader_open_memory(&r, junk, sizeof junk, NULL, 0);
  CHECK(rc == CTRACE_E_FORMAT, "NULL error buffer accepted");
  rc = ctrace_reader_open_memory(&r, junk, sizeof junk, err, 1);
  CHECK(rc == CTRACE_E_FORMAT && err[0] == '\0', "one-byte error buffer gets only the NUL");
}

static void check_memstats(void) {
  ctrace_memstats a, b, c;
  char path[512];
  void *p, *q;
  int i, contents_ok = 1;
  ctrace_read_memstats(&a);
  p = ctrace_malloc(100);
  ctrace_read_memstats(&b);
  CHECK(p != NULL, "ctrace_malloc without a trace");
  CHECK_EQ_UINT(b.mallocs - a.mallocs, 1, "memstats: mallocs counts one");
  CHECK_EQ_UINT(b.total_alloc - a.total_alloc, 100, "memstats: total_alloc grows by the size");
  CHECK_EQ_UINT(b.alloc - a.alloc, 100, "memstats: alloc grows by the size");
  CHECK_EQ_UINT(b.heap_alloc, b.alloc, "memstats: heap_alloc equals alloc");
  CHECK(b.peak_alloc >= b.alloc, "memstats: peak at least alloc");
  for (i = 0; i < 100; i++) ((unsigned char *)p)[i] = (unsigned char)i;
  q = ctrace_realloc(p, 5000);
  for (i = 0; i < 100 && q; i++) contents_ok &= ((unsigned char *)q)[i] == (unsigned char)i;
  CHECK(q != NULL && contents_ok, "ctrace_realloc keeps the contents");
  ctrace_free(q);
  ctrace_read_memstats(&c);
  CHECK_EQ_UINT(c.alloc, a.alloc, "memstats: alloc back after free");
  CHECK(c.frees > b.frees, "memstats: frees counted");
  p = ctrace_calloc(10, 10);
  contents_ok = p != NULL;
  for (i = 0; i < 100 && p; i++) contents_ok &= ((unsigned char *)p)[i] == 0;
  CHECK(contents_ok, "ctrace_calloc zeroes");
  ctrace_free(p);
  ctrace_free(NULL);
  PASS("ctrace_free(NULL) is harmless");
  /* Same behaviour while a trace runs, and the events carry the sizes. */
  ct_tmp_path(path, sizeof path, "api_mem");
  if (CHECK_EQ_INT(ctrace_start(path), 0, "start for memory events")) {
    ct_trace t;
    size_t k;
    ctrace_read_memstats(&a);
    p = ctrace_malloc(4096);
    CTRACE_GC_BEGIN("test");
    CTRACE_GC_END();
    ctrace_free(p);
    ctrace_read_memstats(&b);
    CHECK_EQ_UINT(b.mallocs - a.mallocs, 1, "memstats while tracing: one malloc");
    CHECK_EQ_UINT(b.num_gc - a.num_gc, 1, "memstats: GC_END counts a collection");
    CHECK(b.last_gc_ns > 0, "memstats: last_gc_ns set");
    ctrace_stop();
    ct_load(&t, path);
    k = 0;
    while (k < t.n && t.ev[k].kind != CTRACE_EV_ALLOC) k++;
    CHECK(k < t.n && t.ev[k].size == 4096 && t.ev[k].ptr == (uint64_t)(uintptr_t)p,
          "ALLOC event with size and address");
    while (k < t.n && t.ev[k].kind != CTRACE_EV_FREE) k++;
    CHECK(k < t.n && t.ev[k].size == 4096 && t.ev[k].ptr == (uint64_t)(uintptr_t)p,
          "FREE event with the size freed");
    ct_free(&t);
    remove(path);
  }
}

int main(void) {
  check_strings();
  check_session_errors();
  check_reader_errors();
  check_memstats();
  return harness_done();
}
