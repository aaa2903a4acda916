#!/bin/bash
# 32-bit (i386, gcc -m32): the core round-trip, API and threads tests built
# and run with -m32 (test_compile.sh only checks that a -m32 program
# compiles and reads back one short trace), and traces crossing word sizes:
# the seed traces written by a 32-bit program and by a 64-bit one, each read
# by a 32-bit and a 64-bit reader that print every field of every event
# (times, 64-bit values, sizes, addresses, ids) - the four readings of each
# trace must agree, byte for byte. Varints, sizes and timestamps are where
# word size bites. SKIP when gcc-multilib is not installed.
set -u
BUILD=${BUILD:-build}
T="$BUILD/tmp/m32_$$"
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT
export BUILD
export CTRACE_TEST_SCALE=${M32_SCALE:-0.1}
WARN="-Wall -Wextra -Wpedantic -Wshadow -Werror"

pass() { echo "PASS: $1"; }
fail() { # name, why, [log]
  echo "FAIL: $1: $2"
  [ -n "${3:-}" ] && [ -s "$3" ] && head -n 12 "$3" | sed 's/^/    /'
}

if ! echo 'int main(void){return 0;}' | gcc -m32 -x c - -o "$T/probe" >/dev/null 2>&1 || ! "$T/probe"; then
  echo "SKIP: m32: no 32-bit toolchain or runtime (apt-get install gcc-multilib)"
  exit 0
fi

# The core tests, 32-bit: their own lines folded into one each.
for t in test_core_roundtrip test_core_api test_core_threads; do
  [ -f "tests/$t.c" ] || continue
  if ! gcc -m32 -std=c99 -O1 -g $WARN -pthread -I. -Itests "tests/$t.c" -o "$T/$t" -lm >"$T/$t.log" 2>&1; then
    fail "m32: $t builds with -m32" "does not compile" "$T/$t.log"
    continue
  fi
  "$T/$t" >"$T/$t.log" 2>&1
  status=$?
  fails=$(grep -ac '^FAIL: ' "$T/$t.log")
  if [ "$status" = 0 ] && [ "$fails" = 0 ] && grep -q '^PASS: ' "$T/$t.log"; then
    pass "m32: $t ($(grep -c '^PASS: ' "$T/$t.log") checks, 32-bit)"
  else
    fail "m32: $t (32-bit)" "status $status, $fails failed checks" "$T/$t.log"
    grep -m 5 '^FAIL: ' "$T/$t.log" | sed 's/^/    /'
  fi
done

# A reader that prints everything it reads, one line per event.
cat >"$T/dump.c" <<'C'
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "ctrace.h"
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
  ctrace_reader *r;
  ctrace_event e;
  char err[256];
  const ctrace_trace_info *in;
  unsigned long long n = 0;
  int rc;
  if (argc != 2) return 2;
  if ((rc = ctrace_reader_open(&r, argv[1], err, sizeof err)) != 0) {
    printf("open %d %s\n", rc, err);
    return 0;
  }
  while ((rc = ctrace_reader_next(r, &e)) == 1) {
    printf("%d %u %lld [%s] [%s] %u %s:%u %lld %a %llu %llx %llu %u\n", e.kind, e.thread,
           (long long)e.time_ns, e.name, e.message, e.message_len, e.file, e.line,
           (long long)e.value, e.fvalue, (unsigned long long)e.id, (unsigned long long)e.ptr,
           (unsigned long long)e.size, e.raw_kind);
    n++;
  }
  in = ctrace_reader_info(r);
  printf("end %d events %llu threads %u duration %lld ok %llu bad %llu lost %llu/%llu ended %d"
         " crashed %d trunc %d flight %d tps %a damage %lld\n", rc, n, in->threads,
         (long long)in->duration_ns, (unsigned long long)in->chunks_ok,
         (unsigned long long)in->chunks_bad, (unsigned long long)in->bytes_lost,
         (unsigned long long)in->events_lost, in->ended, in->crashed, in->truncated,
         in->flight_window, in->ticks_per_second, (long long)in->first_damage_offset);
  ctrace_reader_close(r);
  return 0;
}
C

built=1
for bits in 32 64; do
  gcc -m$bits -std=c99 -O1 -g $WARN -pthread -I. "$T/dump.c" -o "$T/dump$bits" -lm >"$T/dump$bits.log" 2>&1 ||
    { fail "m32: $bits-bit event dumper builds" "does not compile" "$T/dump$bits.log"; built=0; }
  gcc -m$bits -std=c99 -O1 -g $WARN -pthread -I. tests/fuzz/gen_corpus.c -o "$T/gen$bits" -lm \
    >"$T/gen$bits.log" 2>&1 ||
    { fail "m32: $bits-bit trace writer (tests/fuzz/gen_corpus.c) builds" "does not compile" "$T/gen$bits.log"; built=0; }
done
[ "$built" = 1 ] || exit 1

for bits in 32 64; do
  mkdir -p "$T/traces$bits"
  if ! "$T/gen$bits" "$T/traces$bits" >"$T/gen$bits.run" 2>&1; then
    fail "m32: $bits-bit program writes the seed traces" "$(head -n 3 "$T/gen$bits.run" | tr '\n' ' ')"
    continue
  fi
  agree=0 differ=""
  for trace in "$T/traces$bits"/*.ctrace; do
    name=$(basename "$trace" .ctrace)
    "$T/dump32" "$trace" >"$T/$bits.$name.r32" 2>&1
    "$T/dump64" "$trace" >"$T/$bits.$name.r64" 2>&1
    if cmp -s "$T/$bits.$name.r32" "$T/$bits.$name.r64"; then
      agree=$((agree + 1))
    else
      differ="$differ $name"
      diff "$T/$bits.$name.r32" "$T/$bits.$name.r64" | head -n 6 | sed 's/^/    /'
    fi
  done
  if [ -z "$differ" ] && [ "$agree" -gt 0 ]; then
    events=$(cat "$T/$bits".*.r64 | grep -c '^[0-9]')
    pass "m32: $agree traces written by a $bits-bit program read the same by 32- and 64-bit readers ($events events)"
  else
    fail "m32: traces written by a $bits-bit program" "32- and 64-bit readers differ on:$differ"
  fi
done

# The same seed read back whichever word size wrote it: the intact traces
# of both writers must hold events, end cleanly, and lose nothing.
for bits in 32 64; do
  bad=""
  for name in zones kinds threads deep; do
    f="$T/$bits.$name.r64"
    [ -f "$f" ] || { bad="$bad $name(missing)"; continue; }
    grep -q '^end 0 events [1-9][0-9]* .* bad 0 lost 0/0 ended 1 crashed 0 trunc 0' "$f" || bad="$bad $name"
  done
  if [ -z "$bad" ]; then
    pass "m32: intact traces of the $bits-bit writer end cleanly with nothing lost"
  else
    fail "m32: intact traces of the $bits-bit writer" "damage or loss reported in:$bad"
    tail -n 1 "$T/$bits.zones.r64" 2>/dev/null | sed 's/^/    /'
  fi
done
