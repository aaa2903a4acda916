#!/bin/sh
# tests/test_contradictions.sh - a trace that contradicts itself is reported
# (issue 18): each crafted trace in tests/crafted/ that breaks one of
# README's rules ("What a reader sets aside") makes `ctrace check` exit 1
# and name the rule with its byte offset, and the outputs use the copy the
# README says (the first) and stay in time order. Sums that overflow say so.
set -u
BUILD=${BUILD:-build}
CT=$BUILD/ctrace
T=$BUILD/tmp/contra_$$
PY=${PYTHON:-python3}
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }

[ -x "$CT" ] || { fail "tool built" "$CT missing"; exit 1; }
if ! ${CC:-cc} -std=c99 -O1 -Wall -Wextra -Werror -Itests tests/tracegen.c -o "$T/tracegen" 2>"$T/err"; then
  fail "tracegen builds" "$(head -c 400 "$T/err")"
  exit 1
fi
gen() { sed 's/@N@/1/g' "tests/crafted/$1.desc" >"$T/d.txt" && "$T/tracegen" "$T/d.txt" "$T/$1.ctrace"; }

# expect_check NAME TEXT: check exits 1 and its output has TEXT and a byte offset.
expect_check() {
  gen "$1" || { fail "$1: tracegen" "failed"; return; }
  "$CT" check "$T/$1.ctrace" >"$T/out" 2>"$T/err"
  code=$?
  if [ "$code" != 1 ]; then fail "$1: check exits 1" "exit $code: $(cat "$T/out" "$T/err" | head -c 300)"
  elif ! grep -q "first damage at byte [0-9]*: $2" "$T/out"; then fail "$1: check names the rule" "$(head -c 400 "$T/out")"
  elif ! grep -q '^contradictions: [1-9]' "$T/out"; then fail "$1: check counts it" "$(head -c 400 "$T/out")"
  else pass "$1: check exits 1: $2 (with its byte offset)"; fi
}

# time_ordered NAME: dump's times never go back.
time_ordered() {
  "$CT" dump "$T/$1.ctrace" >"$T/dump" 2>/dev/null
  if awk -F'\t' 'NR > 1 && $1 + 0 < prev { bad = 1 } { prev = $1 + 0 } END { exit bad }' "$T/dump"; then
    pass "$1: dump is in time order"
  else
    fail "$1: dump is in time order" "$(head -c 300 "$T/dump")"
  fi
}

# json_is NAME EXPR WANT LABEL: a Python expression over stats --json (as j).
json_is() {
  "$CT" stats "$T/$1.ctrace" --json -o "$T/j.json" 2>/dev/null
  got=$($PY -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$T/j.json" 2>&1)
  if [ "$got" = "$3" ]; then pass "$1: $4"; else fail "$1: $4" "got $got, wanted $3"; fi
}

expect_check seq_repeat "a chunk repeats or goes back in its thread's sequence"
time_ordered seq_repeat
json_is seq_repeat "sum(z['count'] for z in j['zones'])" 2 "the repeated chunk's zone is counted once (the first copy)"

expect_check seq_backwards "chunks of a thread are missing"
time_ordered seq_backwards
"$CT" check "$T/seq_backwards.ctrace" | grep -q '^contradictions: 1' && pass "seq_backwards: the chunk numbered back is counted as a contradiction" ||
  fail "seq_backwards: contradiction counted" "$("$CT" check "$T/seq_backwards.ctrace" | head -c 300)"

expect_check time_back "a chunk's base time goes back on its thread"
time_ordered time_back
json_is time_back "sum(z['count'] for z in j['zones'])" 1 "the chunks that go back in time are set aside"

expect_check end_middle "a chunk after the end marker"
dur=$("$CT" check "$T/end_middle.ctrace" | sed -n 's/.*duration \([0-9.]*\) ms.*/\1/p')
if [ -n "$dur" ] && awk "BEGIN { exit !($dur >= 1.0) }"; then pass "end_middle: the duration covers the events after the marker ($dur ms)"
else fail "end_middle: duration" "$dur ms"; fi

expect_check redefine "a definition gives a site a different name"
"$CT" dump "$T/redefine.ctrace" 2>/dev/null | grep -q 'other' && fail "redefine: the first definition is kept" "dump shows the second name" ||
  pass "redefine: the first definition is kept"

expect_check name_nul "a name holds a NUL byte"
json_is name_nul "len([z for z in j['zones'] if z['name'].startswith('a')])" 2 "names that differ after a NUL stay two zones"
json_is name_nul "len([c for c in j['counters'] if c['name'].startswith('a')])" 2 "and two counters"

expect_check two_headers "damaged chunk header"

gen time_edges
"$CT" check "$T/time_edges.ctrace" >"$T/out" 2>&1
code=$?
[ "$code" = 1 ] && pass "time_edges: times at 2^63 ticks and past are damage (exit 1)" || fail "time_edges: exit 1" "exit $code: $(head -c 300 "$T/out")"
time_ordered time_edges

# ---- sums: exact or saturated and marked --------------------------------------
gen sums
json_is sums "j['damage']['overflowed']" True "overflowing sums set overflowed in stats --json"
json_is sums "j['damage']['events_lost']" 18446744073709551615 "lost events saturate at 2^64-1 (never wrap to 'none lost')"
json_is sums "j['memory']['total_alloc'] >= j['memory']['alloc']" True "TotalAlloc never below Alloc"
json_is sums "min(s['bytes'] >= s['live_bytes'] for s in j['alloc_sites'])" True "a site's total never below its leaked bytes"
json_is sums "[z['total_ns'] for z in j['zones'] if z['name'] == 'z'][0]" 9223372036854775807 "a zone's total time saturates at 2^63-1"
"$CT" stats "$T/sums.ctrace" >"$T/out" 2>&1
grep -q 'WARNING   overflowed' "$T/out" && pass "sums: stats says overflowed" || fail "sums: stats says overflowed" "$(head -c 300 "$T/out")"
"$CT" report "$T/sums.ctrace" -o "$T/r.html" 2>/dev/null
grep -q '<b>overflowed</b>' "$T/r.html" && pass "sums: the report says overflowed" || fail "sums: the report says overflowed" "no mark"
"$CT" export csv "$T/sums.ctrace" -o "$T/s.csv" 2>"$T/err"
grep -q 'overflowed' "$T/err" && pass "sums: export csv warns of the overflow on stderr" || fail "sums: csv warns" "$(head -c 300 "$T/err")"
"$CT" dump "$T/sums.ctrace" 2>/dev/null | awk -F'\t' '$3 == "loss"' >"$T/loss"
grep -q '	18446744073709551615$' "$T/loss" && ! grep -q '	-' "$T/loss" && pass "sums: dump prints loss counts unsigned" ||
  fail "sums: dump loss counts unsigned" "$(cat "$T/loss")"
"$CT" check "$T/sums.ctrace" >"$T/out" 2>&1
grep -q 'signal -' "$T/out" && fail "sums: no negative signal" "$(grep signal "$T/out")" || pass "sums: an end marker's huge signal is not shown negative"
grep -q 'an end marker names a signal number larger than any signal' "$T/out" &&
  pass "sums: check names an end marker's impossible signal as a contradiction" ||
  fail "sums: check names the impossible signal" "$(head -c 300 "$T/out")"

gen floats
json_is floats "[c['mean'] for c in j['counters'] if c['name'] == 'big'][0]" 1.7976931348623157e+308 "three DBL_MAX samples have mean DBL_MAX (finite)"
json_is floats "[c['count'] for c in j['counters'] if c['name'] == 'f'][0]" 2 "NaN and infinite samples are skipped (-0 and a subnormal kept)"
json_is floats "[(c['min'], c['max'], c['last']) for c in j['counters'] if c['name'] == 'i'][0]" "(-9223372036854775808, 9223372036854775807, 9223372036854775807)" "integer counters are exact integers in JSON"
"$CT" stats "$T/floats.ctrace" 2>/dev/null | grep -q '9223372036854775807 *9223372036854775807  i' && pass "floats: and in stats" ||
  fail "floats: integer counter in stats" "$("$CT" stats "$T/floats.ctrace" 2>/dev/null | grep -A4 counters)"

# The Chrome export's heap counter and loss counts: never wrapped, never negative.
"$CT" export chrome "$T/sums.ctrace" -o "$T/s.json" 2>"$T/err"
got=$($PY -c "
import json, sys
ev = json.load(open(sys.argv[1]))['traceEvents']
heap = [e['args']['live_bytes'] for e in ev if e.get('ph') == 'C' and e.get('name') == 'heap']
loss = [e['args']['count'] for e in ev if e.get('name') == 'ctrace.events_lost']
mark = [e for e in ev if e.get('name') == 'ctrace.heap_overflowed']
print(heap == sorted(heap) and heap[-1] == 2**64 - 1, min(loss) >= 0 and 2**64 - 1 in loss, len(mark))
" "$T/s.json" 2>&1)
[ "$got" = "True True 1" ] && pass "sums: export chrome's heap counter saturates (never falls back) with one overflow instant; loss counts unsigned" ||
  fail "sums: export chrome heap and loss" "$got"
grep -q 'live heap bytes passed 2^64-1' "$T/err" && pass "sums: export chrome warns of the heap overflow on stderr" ||
  fail "sums: export chrome warns" "$(head -c 300 "$T/err")"
