/* tests/fuzz/fuzz_reader.c - libFuzzer harness for the trace reader.

   Opens the input with ctrace_reader_open_memory, reads every event, touches
   every string an event or the info hands out (so AddressSanitizer sees any
   read past a buffer), and checks the reader's promises that hold for any
   input: a result of 1, 0 or a negative code; known event kinds; strings
   that are never NULL and end where they say; a finite number of events;
   thread names for every thread listed. Run twice per input: as given and
   with checksums recomputed (see fuzz_common.h).

   Build: clang -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_reader.c -lm
   (make fuzz does it). */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "../../ctrace.h"
#include "fuzz_common.h"

static volatile size_t fuzz_sink;

static void touch(const char *s, const char *what) {
  if (!s) fuzz_fail(what);
  fuzz_sink += strlen(s);
}

static void check_event(const ctrace_event *ev) {
  int k = ev->kind;
  if (!((k >= CTRACE_EV_ZONE_BEGIN && k <= CTRACE_EV_MEM_PROBLEM) || k == CTRACE_EV_WAIT_BEGIN ||
        k == CTRACE_EV_WAIT_END || k == CTRACE_EV_THREAD_CPU || k == CTRACE_EV_MEMSTATS || k == CTRACE_EV_UNKNOWN))
    fuzz_fail("event kind out of range");
  touch(ev->name, "event name is NULL");
  touch(ev->file, "event file is NULL");
  if (!ev->message) fuzz_fail("event message is NULL");
  if (ev->message[ev->message_len] != '\0') fuzz_fail("message not NUL-terminated at message_len");
  if (ev->message_len) fuzz_sink += (unsigned char)ev->message[ev->message_len - 1];
  touch(ctrace_event_kind_name(k), "kind name is NULL");
}

static void check_info(const ctrace_reader *r) {
  const ctrace_trace_info *info = ctrace_reader_info(r);
  const uint32_t *ids = NULL;
  uint32_t i, n;
  if (!info) fuzz_fail("no info for an open reader");
  if (memchr(info->program, 0, sizeof info->program) == NULL) fuzz_fail("program not terminated");
  if (memchr(info->first_damage, 0, sizeof info->first_damage) == NULL)
    fuzz_fail("first_damage not terminated");
  n = ctrace_reader_threads(r, &ids);
  if (n && !ids) fuzz_fail("threads counted but no id array");
  for (i = 0; i < n; i++) {
    touch(ctrace_reader_thread_name(r, ids[i]), "thread name is NULL");
    fuzz_sink += (size_t)ctrace_reader_thread_os_id(r, ids[i]);
    if (i && ids[i] <= ids[i - 1]) fuzz_fail("thread ids not ascending");
  }
  touch(ctrace_reader_thread_name(r, 0xFFFFFFFFu), "unknown thread's name is NULL");
}

static void read_all(const uint8_t *data, size_t size) {
  ctrace_reader *r = NULL;
  ctrace_event ev;
  char err[256];
  int rc;
  size_t events = 0;
  err[0] = '\0';
  rc = ctrace_reader_open_memory(&r, data, size, err, sizeof err);
  if (rc != 0) {
    if (rc > 0) fuzz_fail("open returned a positive code");
    if (r) fuzz_fail("failed open left a reader");
    touch(ctrace_strerror(rc), "strerror is NULL");
    if (!memchr(err, 0, sizeof err)) fuzz_fail("error text not terminated");
    return;
  }
  if (!r) fuzz_fail("open returned 0 without a reader");
  check_info(r);
  while ((rc = ctrace_reader_next(r, &ev)) == 1) {
    check_event(&ev);
    /* A kind byte and a delta at least: more events than bytes is a loop. */
    if (++events > size + 64) fuzz_fail("more events than the input has bytes");
  }
  if (rc > 1) fuzz_fail("next returned a code above 1");
  /* The end is sticky. */
  if (rc == 0 && ctrace_reader_next(r, &ev) != 0) fuzz_fail("next after the end is not 0");
  check_info(r);
  ctrace_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_run_twice(read_all, data, size);
  return 0;
}
