#!/bin/sh
# tests/test_run_asan.sh - the tools (stats, export folded, report) read
# traces of `ctrace run` (call stacks, frames, names) under AddressSanitizer
# and UBSan: the stack definitions, the frame pool, the symbol tables kept
# for the frames' names, the analysis's copies. A separate test from
# tests/test_run.sh so that each stays short. Needs clang with ASan.
set -u
BUILD=${BUILD:-build}
CC=${CC:-cc}
TOOL="$BUILD/ctrace"
TMP="$BUILD/tmp/test_run_asan-$$"
mkdir -p "$TMP" || { echo "FAIL: run asan: cannot create $TMP"; exit 1; }
trap 'rm -rf "$TMP"' EXIT
FAILS=0
pass() { echo "PASS: run asan: $*"; }
fail() { echo "FAIL: run asan: $*"; FAILS=$((FAILS + 1)); }
[ -x "$TOOL" ] || { fail "$TOOL is not built"; exit 1; }
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
if ! command -v clang >/dev/null 2>&1 ||
   ! clang $SAN -O0 -std=c99 -I. -o "$TMP/ctrace-asan" tools/ctrace.c -lm 2>"$TMP/asan.log"; then
  sed 's/^/    /' "$TMP/asan.log" | head -5
  fail "the tool builds with clang -fsanitize=address,undefined (Debian: clang)"
  exit 1
fi
$CC -O2 -g -pthread -o "$TMP/prog" tests/preload/prog.c || { fail "tests/preload/prog.c builds"; exit 1; }
ok=1
for mode in count threads; do
  "$TOOL" run -o "$TMP/$mode.ctrace" -- "$TMP/prog" $mode 2>/dev/null
  for verb in "stats --json" "export folded --weight bytes" "report"; do
    # shellcheck disable=SC2086
    ASAN_OPTIONS=detect_leaks=1 "$TMP/ctrace-asan" $verb "$TMP/$mode.ctrace" -o "$TMP/out" >/dev/null 2>"$TMP/err" ||
      { ok=0; echo "    $verb $mode.ctrace:"; sed 's/^/    /' "$TMP/err" | head -20; }
  done
done
if [ $ok = 1 ]; then pass "stats, export folded and report of ctrace run traces run clean"; else fail "stats, export folded and report of ctrace run traces run clean"; fi
# Hostile: 16 copies with a changed definitions or events chunk (CRC made
# right): never a crash or a sanitizer report; exit 0, 1 or 2 only.
ok=1
for i in $(seq 1 16); do
  src="$TMP/threads.ctrace"
  [ $((i % 2)) = 0 ] && src="$TMP/count.ctrace"
  python3 tests/preload/mutate_trace.py "$src" "$TMP/m.ctrace" "$i" || { ok=0; break; }
  ASAN_OPTIONS=detect_leaks=1 "$TMP/ctrace-asan" stats --json "$TMP/m.ctrace" >/dev/null 2>"$TMP/err"
  rc=$?
  if [ $rc -gt 2 ] || grep -q 'ERROR: AddressSanitizer\|runtime error' "$TMP/err"; then
    ok=0
    echo "    seed $i: exit $rc"; sed 's/^/    /' "$TMP/err" | head -10
  fi
done
if [ $ok = 1 ]; then pass "16 traces with damaged stack definitions and events: no crash, no report"; else fail "16 traces with damaged stack definitions and events: no crash, no report"; fi
[ "$FAILS" = 0 ]
