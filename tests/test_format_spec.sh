#!/bin/sh
# tests/test_format_spec.sh - README.md's description of the file format,
# held to what the writer writes: tests/format_reader.py, a reader written
# from the README alone, must read the same events as `ctrace dump` from
#   - tests/tool_gen.c's trace (every event kind, hostile names, two threads),
#   - a trace of three threads with small buffers (many chunks per thread),
#     200 sites (ids of two bytes), long gaps, negative and float counters,
#     on the CPU clock and on the monotonic clock,
#   - the same trace cut short, with a damaged chunk and with garbage in the
#     middle (the README's recovery rules: both readers keep the same events).
# Run from the repo root with BUILD set (make test does this).
set -u
BUILD=${BUILD:-build}
CT=$BUILD/ctrace
T=$BUILD/tmp/format_spec_$$
PY=${PYTHON:-python3}
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT

fail() { echo "FAIL: $1: $2"; }

if [ ! -x "$CT" ]; then
  fail "format spec" "$CT missing"
  exit 1
fi

cat >"$T/spec_gen.c" <<'C'
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "ctrace.h"
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void nap_ms(long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}

static void *work(void *arg) {
  long id = (long)arg, i;
  char name[32];
  snprintf(name, sizeof name, "worker %ld", id);
  CTRACE_THREAD_NAME(name);
  for (i = 0; i < 3000; i++) {
    char zone[32];
    snprintf(zone, sizeof zone, "site %ld", (i * 7 + id) % 200); /* 200 names: ids past 127 */
    CTRACE_ZONE_BEGIN(zone);
    CTRACE_COUNTER("balance", (int64_t)(i % 17) - 8 - (id << 40));
    if (i % 100 == 0) CTRACE_COUNTER_F("ratio", (double)i / 3.0 - 1e-300);
    if (i % 500 == 0) CTRACE_LOG("spec", "step %ld of thread %ld", i, id);
    CTRACE_ZONE_END();
    if (i % 1000 == 999) nap_ms(25); /* deltas of several bytes */
  }
  return NULL;
}

int main(int argc, char **argv) {
  ctrace_config cfg;
  pthread_t th[3];
  long i;
  void *p;
  memset(&cfg, 0, sizeof cfg);
  cfg.buffer_size = 1024; /* many chunks per thread */
  cfg.clock = argc > 2 ? CTRACE_CLOCK_MONOTONIC : 0;
  if (ctrace_start_with(argv[1], &cfg) != 0) return 1;
  for (i = 0; i < 3; i++) pthread_create(&th[i], NULL, work, (void *)(i + 1));
  p = ctrace_malloc(1000);
  ctrace_free(p);
  ctrace_free(p); /* a memory problem */
  { CTRACE_ZONE("main"); CTRACE_INSTANT("mark"); }
  { CTRACE_WAIT("a wait"); CTRACE_WAIT_BEGIN("nested"); CTRACE_WAIT_END(); } /* kinds 64 and 65 */
  for (i = 0; i < 3; i++) pthread_join(th[i], NULL);
  return ctrace_stop() == 0 ? 0 : 1;
}
C

if ! ${CC:-cc} -std=c99 -O1 -pthread -I. "$T/spec_gen.c" -o "$T/spec_gen" -lm 2>"$T/err" ||
   ! ${CC:-cc} -std=c99 -O1 -pthread -I. tests/tool_gen.c -o "$T/tool_gen" -lm 2>>"$T/err"; then
  fail "format spec: fixtures build" "$(head -c 500 "$T/err")"
  exit 1
fi
"$T/tool_gen" "$T/kinds.ctrace" >/dev/null 2>&1 || fail "format spec: tool_gen runs" "exit $?"
"$T/spec_gen" "$T/cpu.ctrace" || fail "format spec: generator runs (CPU clock)" "exit $?"
"$T/spec_gen" "$T/mono.ctrace" monotonic || fail "format spec: generator runs (monotonic clock)" "exit $?"

# Damaged copies of the CPU-clock trace.
$PY - "$T/cpu.ctrace" "$T" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
out = sys.argv[2]
open(out + "/cut.ctrace", "wb").write(data[: len(data) * 3 // 5])
flip = bytearray(data)
flip[len(data) // 2] ^= 0x10
open(out + "/flip.ctrace", "wb").write(bytes(flip))
mid = len(data) // 3
open(out + "/garbage.ctrace", "wb").write(data[:mid] + b"CK\x45\x00" + bytes(range(200)) * 3 + data[mid + 40:])
EOF

status=0
for name in kinds cpu mono cut flip garbage; do
  "$CT" dump "$T/$name.ctrace" >"$T/$name.dump" 2>"$T/$name.err"
  code=$?
  case $name in
    kinds|cpu|mono) want=0 ;;
    *) want=1 ;;
  esac
  if [ "$code" -ne "$want" ]; then
    fail "format spec: ctrace dump of the $name trace" "exit $code, expected $want: $(head -c 300 "$T/$name.err")"
    status=1
    continue
  fi
  $PY tests/format_reader.py --compare "$T/$name.ctrace" "$T/$name.dump" "format spec: $name trace" || status=1
done
exit $status
