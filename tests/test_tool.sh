#!/bin/sh
# tests/test_tool.sh - the ctrace tool: every verb on a good trace, and on a
# missing file, an empty file, damaged traces (cut short, bit-flipped,
# garbage) and unwritable outputs. Output checks are in tests/tool_check.py.
# Run from the repo root with BUILD set (make test does this).
set -u
BUILD=${BUILD:-build}
CT=$BUILD/ctrace
T=$BUILD/tmp/tool_$$
PY=${PYTHON:-python3}
mkdir -p "$T"
FAILS=0

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; FAILS=$((FAILS + 1)); }

# Runs the tool; sets $code and leaves stdout/stderr in $T/out, $T/err.
run() {
  "$CT" "$@" >"$T/out" 2>"$T/err"
  code=$?
}

# A crash (signal) or a sanitizer report is never acceptable.
no_crash() {
  if [ "$code" -ge 128 ] || grep -q -e 'Sanitizer' -e 'runtime error' "$T/err"; then
    fail "$1" "crashed (exit $code): $(head -c 300 "$T/err")"
    return 1
  fi
  return 0
}

# expect_error NAME FILE CODES cmd...: exit status in CODES (e.g. "2" or
# "1 2"), a message on stderr that names FILE, no crash.
expect_error() {
  name=$1 file=$2 codes=$3
  shift 3
  run "$@"
  no_crash "$name" || return
  case " $codes " in
    *" $code "*) ;;
    *) fail "$name" "exit $code, wanted one of: $codes"; return ;;
  esac
  if ! grep -q -F -e "$file" "$T/err"; then
    fail "$name" "stderr does not name $file: $(head -c 300 "$T/err")"
    return
  fi
  if ! grep -q '^ctrace: ' "$T/err"; then
    fail "$name" "stderr is not 'ctrace: verb: file: reason'"
    return
  fi
  pass "$name"
}

expect_ok() {
  name=$1
  shift
  run "$@"
  no_crash "$name" || return 1
  if [ "$code" -ne 0 ]; then
    fail "$name" "exit $code: $(head -c 300 "$T/err")"
    return 1
  fi
  pass "$name"
}

if [ ! -x "$CT" ]; then
  fail "tool built" "$CT missing"
  exit 1
fi

# ---- traces --------------------------------------------------------------------
if ! ${CC:-cc} -std=c99 -O1 -g -pthread -I. tests/tool_gen.c -o "$T/gen" -lm 2>"$T/err"; then
  fail "fixture builds" "$(head -c 500 "$T/err")"
  exit 1
fi
GOOD=$T/good.ctrace
SLOW=$T/slow.ctrace
"$T/gen" "$GOOD" && "$T/gen" "$SLOW" slower || { fail "fixture runs" "tool_gen failed"; exit 1; }
: >"$T/empty.ctrace"
MISSING=$T/does-not-exist.ctrace
size=$(wc -c <"$GOOD")
head -c $((size - 24)) "$GOOD" >"$T/cut.ctrace"
head -c 16 "$GOOD" >"$T/header-only.ctrace"
$PY - "$GOOD" "$T/flip.ctrace" "$T/garbage.ctrace" <<'EOF'
import sys, random
data = bytearray(open(sys.argv[1], "rb").read())
rnd = random.Random(7)
# Flip one bit in each of several places past the header: checksums must catch it.
for pos in (len(data) // 3, len(data) // 2, 2 * len(data) // 3):
    data[pos] ^= 1 << rnd.randrange(8)
open(sys.argv[2], "wb").write(data)
open(sys.argv[3], "wb").write(bytes(rnd.randrange(256) for _ in range(4096)))
EOF

# ---- help and version -------------------------------------------------------------
expect_ok "help" help && grep -q 'Exit codes' "$T/out" && grep -q 'damaged' "$T/out" ||
  fail "help documents exit codes" "no 'Exit codes' section"
for v in dump check stats export png report version; do
  run "$v" --help
  if [ "$code" -eq 0 ] && grep -q "usage: ctrace $v" "$T/out"; then pass "$v --help"
  else fail "$v --help" "exit $code"; fi
done
expect_ok "version" version && grep -q "ctrace [0-9]" "$T/out" || fail "version text" "$(cat "$T/out")"
run
[ "$code" -eq 2 ] && pass "no verb: usage, exit 2" || fail "no verb: usage, exit 2" "exit $code"
expect_error "unknown verb" "frobnicate" 2 frobnicate "$GOOD"
expect_error "unknown option" "--bogus" 2 dump "$GOOD" --bogus
expect_error "export: unknown format" "svg" 2 export svg "$GOOD"
expect_error "export: bad weight" "grams" 2 export folded "$GOOD" --weight grams
expect_error "png: bad chart" "pie" 2 png "$GOOD" --chart pie
expect_error "png: bad width" "--width" 2 png "$GOOD" --width 0
cp "$GOOD" "$T/keep.ctrace"
expect_error "export onto its own trace refused" "keep.ctrace" 2 export chrome "$T/keep.ctrace" -o "$T/keep.ctrace"
cmp -s "$GOOD" "$T/keep.ctrace" && pass "the trace is left intact" || fail "the trace is left intact" "it was overwritten"

# ---- dump and check on the good trace ------------------------------------------------
expect_ok "dump good trace" dump "$GOOD" && cp "$T/out" "$T/dump.txt"
$PY tests/tool_check.py dump "$T/dump.txt" || FAILS=$((FAILS + 1))
expect_ok "dump -o file equals stdout" dump "$GOOD" -o "$T/dump2.txt"
cmp -s "$T/dump.txt" "$T/dump2.txt" && pass "dump -o writes the same text" ||
  fail "dump -o writes the same text" "files differ"

expect_ok "check intact trace: exit 0" check "$GOOD" && grep -q intact "$T/out" ||
  fail "check intact says so" "$(cat "$T/out")"
run check "$T/cut.ctrace"
no_crash "check cut" && if [ "$code" -eq 1 ] && grep -q 'kept: [1-9][0-9]* chunks, [1-9][0-9]* events' "$T/out" &&
  grep -q 'cut.ctrace' "$T/err"; then pass "check cut trace: exit 1, says what was kept"
else fail "check cut trace: exit 1, says what was kept" "exit $code: $(cat "$T/out" "$T/err")"; fi
run check "$T/flip.ctrace"
no_crash "check flipped" && if [ "$code" -eq 1 ] && grep -q 'first damage at byte [0-9]' "$T/out"; then
  pass "check bit-flipped trace: exit 1 with the damage offset"
else fail "check bit-flipped trace: exit 1 with the damage offset" "exit $code: $(cat "$T/out" "$T/err")"; fi
expect_error "check garbage: exit 2" "garbage.ctrace" 2 check "$T/garbage.ctrace"
expect_error "check empty: exit 2" "empty.ctrace" 2 check "$T/empty.ctrace"
expect_error "check missing: exit 2" "does-not-exist.ctrace" 2 check "$MISSING"
expect_error "check header only: exit 1 or 2" "header-only.ctrace" "1 2" check "$T/header-only.ctrace"

# ---- exports on the good trace ---------------------------------------------------------
expect_ok "export chrome" export chrome "$GOOD" -o "$T/good.json" &&
  $PY tests/tool_check.py chrome "$T/dump.txt" "$T/good.json" || FAILS=$((FAILS + 1))
cp "$T/good.json" "$T/first.json" && rm -f "$T/good.json"
expect_ok "export chrome default name" export chrome "$GOOD"
cmp -s "$T/good.json" "$T/first.json" && pass "export chrome writes TRACE.json" ||
  fail "export chrome writes TRACE.json" "missing or different"
expect_ok "export chrome -o -" export chrome "$GOOD" -o -
cmp -s "$T/out" "$T/good.json" && pass "export chrome -o - equals the file" ||
  fail "export chrome -o - equals the file" "differs"

if expect_ok "stats" stats "$GOOD" && [ -s "$T/out" ]; then
  # sum% is the running total of self% (as in pprof): rising, never past 100
  $PY -c '
import re, sys
tables = open(sys.argv[1]).read().split("zones by ")[1:]
ok = len(tables) == 2
for t in tables:
    sums = [float(m.group(1)) for m in re.finditer(r"^ +\S+ +\S+ +[\d.]+% +([\d.]+)%", t, re.M)]
    ok = ok and len(sums) > 1 and sums == sorted(sums) and sums[-1] <= 100.05
sys.exit(0 if ok else 1)' "$T/out" && pass "stats: sum% rises to at most 100% in both zone tables" ||
    fail "stats: sum% rises to at most 100% in both zone tables" "$(grep -A4 'zones by total' "$T/out")"
  expect_ok "stats --json" stats "$GOOD" --json && cp "$T/out" "$T/stats.json"
  $PY -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/stats.json" 2>/dev/null &&
    pass "stats --json parses" || fail "stats --json parses" "invalid JSON"
  expect_ok "export folded" export folded "$GOOD" &&
    $PY tests/tool_check.py folded "$T/stats.json" "$T/good.folded" time || FAILS=$((FAILS + 1))
  expect_ok "export folded --weight bytes" export folded "$GOOD" --weight bytes -o "$T/bytes.folded" &&
    $PY tests/tool_check.py folded "$T/stats.json" "$T/bytes.folded" bytes || FAILS=$((FAILS + 1))
  expect_ok "export csv" export csv "$GOOD" -o - && cp "$T/out" "$T/good.csv" &&
    $PY tests/tool_check.py csv "$T/stats.json" "$T/good.csv" || FAILS=$((FAILS + 1))
fi

if run png --help && [ "$code" -eq 0 ] && expect_ok "png" png "$GOOD" -o "$T/heap.png" --width 320 --height 200; then
  $PY tests/tool_check.py png "$T/heap.png" 320 200 || FAILS=$((FAILS + 1))
  expect_ok "png default name" png "$GOOD" --chart timeline
  [ -s "$T/good.png" ] && pass "png writes TRACE.png" || fail "png writes TRACE.png" "missing"
fi

if expect_ok "report" report "$GOOD"; then
  [ -s "$T/good.html" ] && pass "report writes TRACE.html" || fail "report writes TRACE.html" "missing"
  expect_error "report: missing baseline" "does-not-exist.ctrace" 2 report "$GOOD" --baseline "$MISSING" -o "$T/x.html"
  expect_error "report: damaged baseline" "cut.ctrace" 1 report "$GOOD" --baseline "$T/cut.ctrace" -o "$T/x.html"
  if expect_ok "report --baseline" report "$GOOD" --baseline "$SLOW" -o "$T/cmp.html" &&
     expect_ok "stats --json of the baseline" stats "$SLOW" --json -o "$T/slow.json"; then
    $PY tests/tool_check.py baseline "$T/stats.json" "$T/slow.json" "$T/cmp.html" || FAILS=$((FAILS + 1))
  fi
fi

# ---- every verb on bad inputs and bad outputs ---------------------------------------------
# "export chrome" etc. are split into words on purpose. A verb whose library
# part is not in this build yet is left out (it says so), not counted as passed.
# png draws small charts here: the error paths do not depend on the size.
for verb in "dump" "check" "stats" "stats --json" "export chrome" "export folded" "export csv" \
            "png --width 64 --height 48" "report"; do
  # shellcheck disable=SC2086
  run $verb "$GOOD" -o "$T/probe.out"
  if [ "$code" -eq 2 ] && grep -q 'not in this build' "$T/err"; then
    echo "note: $verb is not in this build yet; its error cases are not run"
    continue
  fi
  out="-o $T/x.out"
  [ "$verb" = check ] && out=
  expect_error "$verb: missing file" "does-not-exist.ctrace" 2 $verb "$MISSING" $out
  [ "$(grep -o 'does-not-exist.ctrace' "$T/err" | wc -l)" = 1 ] &&
    pass "$verb: missing file named once" || fail "$verb: missing file named once" "$(head -c 300 "$T/err")"
  expect_error "$verb: empty file" "empty.ctrace" 2 $verb "$T/empty.ctrace" $out
  expect_error "$verb: garbage file" "garbage.ctrace" 2 $verb "$T/garbage.ctrace" $out
  expect_error "$verb: cut-short trace" "cut.ctrace" "1" $verb "$T/cut.ctrace" $out
  expect_error "$verb: bit-flipped trace" "flip.ctrace" "1 2" $verb "$T/flip.ctrace" $out
  [ "$verb" = check ] && continue
  expect_error "$verb: output in a missing directory" "/nonexistent/dir/x" 2 $verb "$GOOD" -o /nonexistent/dir/x
  if [ -c /dev/full ] && [ -w /dev/full ]; then
    expect_error "$verb: output to a full disk" "/dev/full" 2 $verb "$GOOD" -o /dev/full
    # A writer that cleans up after a failed write must never delete what it
    # did not create (here: the device itself, when running as root).
    if [ -c /dev/full ]; then pass "$verb: /dev/full left in place"
    else
      fail "$verb: /dev/full left in place" "the failed write removed /dev/full"
      [ "$(id -u)" = 0 ] && rm -f /dev/full && mknod -m 666 /dev/full c 1 7
    fi
  fi
done

rm -rf "$T"
[ "$FAILS" -eq 0 ]
