#!/bin/sh
# tests/test_crafted.sh - traces crafted as an attacker would, with valid
# CRCs so the damage is in the meaning: tests/crafted/*.desc, written by
# tests/tracegen.c (tests/trace_builder.h documents the language). Each
# description is run at its small size (the first number of its "sizes:"
# line) through every verb of the tool, and at its large size (the second)
# through check, stats and export chrome (all verbs at one size with
# CRAFTED_SIZE=small or large; every verb at the large sizes takes 20 min
# here, too long for `make test`, and `make bench` times them all):
#   - exit status 0, 1 or 2, never a signal or a sanitizer report;
#   - peak memory under 50x the trace's size + 100 MB;
#   - output under 150x the trace's size + 1 MB (names repeated per event
#     are cut at 256 bytes; a 3-byte zone begin with such a name is about
#     330 bytes of Chrome JSON).
# Then the amplification cases twice, at a size and its double: the work
# (instructions counted by valgrind's cachegrind, not seconds) must no more
# than about double (at most 2.6x). Issue 18's cases have their own checks
# in tests/test_contradictions.sh.
# CTRACE_TOOL runs another build of the tool (tests/test_sanitizers.sh runs
# this with ASan+UBSan, CRAFTED_BUDGETS=0 (the sanitizers' memory is not the
# tool's) and CRAFTED_DOUBLING=0).
set -u
BUILD=${BUILD:-build}
CT=${CTRACE_TOOL:-$BUILD/ctrace}
BUDGETS=${CRAFTED_BUDGETS:-1}
SKIP=" ${CRAFTED_SKIP:-} "   # descriptions left out, by name
# CRAFTED_N="NAME=N ...": those descriptions at N instead (the verbs' pass)
T=$BUILD/tmp/crafted_$$
SIZES=${CRAFTED_SIZE:-small large}
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }

[ -x "$CT" ] || { fail "tool built" "$CT missing"; exit 1; }
if ! ${CC:-cc} -std=c99 -O2 -Wall -Wextra -Werror -Itests tests/tracegen.c -o "$T/tracegen" 2>"$T/err"; then
  fail "tracegen builds" "$(head -c 400 "$T/err")"
  exit 1
fi
# runs each verb, measures its peak memory and counts its output
if ! ${CC:-cc} -std=c99 -O2 -Wall -Wextra -Werror tests/crafted_run.c -o "$T/crafted_run" 2>"$T/err"; then
  fail "crafted_run builds" "$(head -c 400 "$T/err")"
  exit 1
fi

# gen DESC N OUT: the description with @N@ = N, written as a trace.
gen() {
  sed "s/@N@/$2/g" "$1" >"$T/desc.txt" && "$T/tracegen" "$T/desc.txt" "$3" 2>"$T/err"
}

# size_of DESC small|large
size_of() {
  sed -n 's/^# sizes: *\([0-9]*\) *\([0-9]*\).*/\1 \2/p' "$1" | { read s l; [ "$2" = small ] && echo "$s" || echo "$l"; }
}

ALL_VERBS="check|stats|stats --json|dump|export chrome|export folded|export folded --weight bytes|export csv|report|report --baseline BASE|png --chart heap|png --chart timeline|png --chart flame"

for SIZE in $SIZES; do
VERBS=$ALL_VERBS
[ "$SIZE" = large ] && [ -z "${CRAFTED_SIZE:-}" ] && VERBS="check|stats|export chrome"
for desc in tests/crafted/*.desc; do
  name=$(basename "$desc" .desc)
  case "$SKIP" in *" $name "*) continue ;; esac
  n=$(size_of "$desc" "$SIZE")
  for o in ${CRAFTED_N:-}; do [ "${o%%=*}" = "$name" ] && n=${o#*=}; done
  small=$(size_of "$desc" small)
  [ "$SIZE" = large ] && [ "$n" = "$small" ] && [ -z "${CRAFTED_SIZE:-}" ] && continue
  tr="$T/$name.ctrace"
  if ! gen "$desc" "$n" "$tr"; then
    fail "$name: tracegen" "$(head -c 300 "$T/err")"
    continue
  fi
  bytes=$(wc -c <"$tr")
  rss_cap=$((bytes * 50 / 1024 + 100 * 1024))
  out_cap=$((bytes * 150 + 1048576))
  bad=""
  IFS='|'
  for verb in $VERBS; do
    IFS=' '
    # shellcheck disable=SC2086
    set -- $verb
    if [ "$1" = report ] && [ $# = 3 ]; then set -- report --baseline "$tr"; fi
    if [ "$1" = check ]; then res=$("$T/crafted_run" "$CT" check "$tr" 2>"$T/verr")
    else res=$("$T/crafted_run" "$CT" "$@" "$tr" -o - 2>"$T/verr"); fi
    IFS=' '
    # shellcheck disable=SC2086
    set -- $res -1 0 0
    IFS='|'
    code=$1 rss=$2 out=$3
    if [ -z "$res" ]; then
      bad="$bad; '$verb' could not be run: $(head -c 200 "$T/verr")"
    elif [ "$code" -lt 0 ] || [ "$code" -gt 2 ] || grep -q -e 'Sanitizer' -e 'runtime error' "$T/verr"; then
      bad="$bad; '$verb' exit $code $(head -c 200 "$T/verr")"
    elif grep -q -e 'try: ctrace' -e 'unknown option' "$T/verr"; then
      bad="$bad; '$verb' usage error: $(head -c 200 "$T/verr")"
    elif [ "$BUDGETS" = 1 ] && [ "$rss" -gt "$rss_cap" ]; then
      bad="$bad; '$verb' peak $rss KB > $rss_cap KB"
    elif [ "$BUDGETS" = 1 ] && [ "$out" -gt "$out_cap" ]; then
      bad="$bad; '$verb' wrote $out bytes > $out_cap"
    fi
  done
  IFS=' '
  nv=$(echo "$VERBS" | tr '|' '\n' | grep -c .)
  if [ -z "$bad" ]; then pass "$name (N=$n, $bytes bytes): $nv verbs end 0-2, in memory and output bounds"
  else fail "$name (N=$n, $bytes bytes)" "${bad#; }"; fi
done
done

# ---- doubling: work counted by cachegrind ------------------------------------
[ "${CRAFTED_DOUBLING:-1}" = 1 ] || exit 0
if ! command -v valgrind >/dev/null 2>&1; then
  echo "SKIP: doubling tests: valgrind is not installed"
  exit 0
fi
# irefs DESC N VERB...: instructions the tool executes for VERB on the trace.
irefs() {
  d=$1 nn=$2
  shift 2
  gen "$d" "$nn" "$T/dbl.ctrace" || { echo 0; return; }
  o="-o /dev/null"
  [ "$1" = check ] && o=""
  # shellcheck disable=SC2086
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
    "$CT" "$@" "$T/dbl.ctrace" $o 2>&1 >/dev/null | sed -n 's/.*I *refs: *//p' | tr -d ','
}
# doubling NAME DESC N VERB...
doubling() {
  label=$1 d=$2 nn=$3
  shift 3
  a=$(irefs "$d" "$nn" "$@")
  b=$(irefs "$d" $((nn * 2)) "$@")
  if [ -z "$a" ] || [ -z "$b" ] || [ "$a" = 0 ]; then
    fail "doubling: $label" "no instruction count ($a, $b)"
  elif [ $((b * 10)) -le $((a * 26)) ]; then
    pass "doubling: $label: N=$nn -> $((nn * 2)) took $(awk "BEGIN{printf \"%.2f\", $b/$a}")x the instructions"
  else
    fail "doubling: $label" "N=$nn -> $((nn * 2)) took $(awk "BEGIN{printf \"%.2f\", $b/$a}")x the instructions ($a, $b)"
  fi
}
doubling "threads, check" tests/crafted/threads.desc 2000 check
doubling "threads, stats" tests/crafted/threads.desc 2000 stats
doubling "threads, export chrome" tests/crafted/threads.desc 2000 export chrome
doubling "false chunk starts, check" tests/crafted/false_ck.desc 4000 check
doubling "false chunk starts, stats" tests/crafted/false_ck.desc 4000 stats
doubling "problem sites, stats" tests/crafted/problems.desc 5000 stats
doubling "deep nesting, stats" tests/crafted/deep.desc 20000 stats
doubling "deep nesting, export folded" tests/crafted/deep.desc 20000 export folded
doubling "long names, report" tests/crafted/long_names.desc 1 report
doubling "long names, png timeline" tests/crafted/long_names.desc 1 png --chart timeline
doubling "long names, dump" tests/crafted/long_names.desc 1 dump
# issue 23: work that depends on a name is done once per distinct name
doubling "goal counter with a long name, stats" tests/crafted/goal_counter.desc 20000 stats
doubling "threads x collections, stats" tests/crafted/threads_gc.desc 1000 stats
doubling "waiting threads x collections, stats" tests/crafted/threads_wait_gc.desc 1000 stats
doubling "long category and reason, stats" tests/crafted/long_site_logs.desc 20 stats
doubling "long category and reason, report" tests/crafted/long_site_logs.desc 20 report
doubling "long task name, stats" tests/crafted/long_site_tasks.desc 20 stats
doubling "long task name, report" tests/crafted/long_site_tasks.desc 20 report
doubling "4 kB object path, export csv" tests/crafted/csv_sites.desc 1000 export csv
doubling "4 kB object path, stats --json" tests/crafted/csv_sites.desc 1000 stats --json
