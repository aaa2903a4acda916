#!/bin/sh
# tests/test_crafted_elf.sh - traces that name ELF files crafted as an
# attacker would (tests/elf_cases.h, written by tests/elfgen.c): many objects,
# thousands of note sections over one file, one file shared by hundreds of
# objects, a sparse 512 MiB file whose tables are holes, a 1 MiB symbol name,
# a 4,150-byte object path, a line table of thousands of files naming one
# 64 kB string, hostile line-table units around a good one, two static
# functions with one name, a NUL inside a path.
#   - every verb ends 0, 1 or 2, never a signal or a sanitizer report; peak
#     memory under 50x the input + 100 MB, where the input is the trace plus
#     the ELF files' allocated bytes; output under 150x + 1 MB;
#   - what each case must say (two zones for the two statics, the global
#     name of an aliased address, damage for the NUL and no name from the
#     cut path, a non-empty object+0xOFF name for the long path, the line
#     table's lines);
#   - -o naming an object a trace (or its --baseline) names, however spelt or
#     found (--symbols), is refused with exit 2 and the object intact; an ELF
#     file no trace names is written;
#   - the work (instructions, valgrind's cachegrind) at a size and its double
#     grows at most 2.6x.
# CTRACE_TOOL, CRAFTED_BUDGETS=0 and CRAFTED_DOUBLING=0 as in
# tests/test_crafted.sh (tests/test_sanitizers.sh runs this under ASan+UBSan).
set -u
BUILD=${BUILD:-build}
CT=${CTRACE_TOOL:-$BUILD/ctrace}
BUDGETS=${CRAFTED_BUDGETS:-1}
T=$BUILD/tmp/crafted_elf_$$
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT
FAILS=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; FAILS=$((FAILS + 1)); }
finish() { [ "$FAILS" = 0 ]; exit $?; }

[ -x "$CT" ] || { fail "tool built" "$CT missing"; finish; }
if ! ${CC:-cc} -std=c99 -O2 -Wall -Wextra -Werror -Itests tests/elfgen.c -o "$T/elfgen" 2>"$T/err"; then
  fail "elfgen builds" "$(head -c 400 "$T/err")"
  finish
fi
# runs each verb, measures its peak memory and counts its output
if ! ${CC:-cc} -std=c99 -O2 -Wall -Wextra -Werror tests/crafted_run.c -o "$T/crafted_run" 2>"$T/err"; then
  fail "crafted_run builds" "$(head -c 400 "$T/err")"
  finish
fi

VERBS="check|stats|stats --json|dump|export csv|report"
for c in "objects 1000" "notes 300" "shared 32" "sparse 200" "longsym 100" "longpath 1000" "lines 500" \
         "badlines 1" "dups 1" "mapnul 1"; do
  # shellcheck disable=SC2086
  set -- $c
  name=$1 n=$2
  if ! input=$("$T/elfgen" "$name" "$n" "$T" 2>"$T/err"); then
    fail "$name: elfgen" "$(head -c 300 "$T/err")"
    continue
  fi
  tr="$T/$name.ctrace"
  rss_cap=$((input * 50 / 1024 + 100 * 1024))
  out_cap=$((input * 150 + 1048576))
  bad=""
  IFS='|'
  for verb in $VERBS; do
    IFS=' '
    # shellcheck disable=SC2086
    set -- $verb
    if [ "$1" = check ]; then res=$("$T/crafted_run" "$CT" check "$tr" 2>"$T/verr")
    else res=$("$T/crafted_run" "$CT" "$@" "$tr" -o - 2>"$T/verr"); fi
    # shellcheck disable=SC2086
    set -- $res -1 0 0
    code=$1 rss=$2 out=$3
    if [ -z "$res" ]; then
      bad="$bad; '$verb' could not be run"
    elif [ "$code" -lt 0 ] || [ "$code" -gt 2 ] || grep -q -e 'Sanitizer' -e 'runtime error' "$T/verr"; then
      bad="$bad; '$verb' exit $code $(head -c 200 "$T/verr")"
    elif [ "$BUDGETS" = 1 ] && [ "$rss" -gt "$rss_cap" ]; then
      bad="$bad; '$verb' peak $rss KB > $rss_cap KB"
    elif [ "$BUDGETS" = 1 ] && [ "$out" -gt "$out_cap" ]; then
      bad="$bad; '$verb' wrote $out bytes > $out_cap"
    fi
    IFS='|'
  done
  IFS=' '
  if [ -z "$bad" ]; then pass "$name (N=$n, $input bytes of input): 6 verbs end 0-2, in memory and output bounds"
  else fail "$name (N=$n, $input bytes of input)" "${bad#; }"; fi
done

# ---- what each case says ----
zones() { "$CT" dump "$T/$1.ctrace" 2>/dev/null | awk -F '\t' '$3 == "zone_begin" {print $4 "\t" $5 "\t" $6}' | sort -u; }
z=$(zones dups)
if echo "$z" | grep -q '^helper@0x1000	' && echo "$z" | grep -q '^helper@0x1010	' && echo "$z" | grep -q '^glob	' &&
   ! echo "$z" | grep -q '^weak'; then
  pass "dups: two static helpers are two zones (helper@0x1000, helper@0x1010); an aliased address takes the global name"
else fail "dups" "$(echo "$z" | tr '\n' ' ')"; fi
"$CT" check "$T/mapnul.ctrace" >"$T/check.out" 2>&1
code=$?
z=$(zones mapnul)
if [ "$code" = 1 ] && ! echo "$z" | grep -q cut_path_fn; then
  pass "mapnul: a NUL in an object's path is damage (check exits 1), and the path cut there is not opened"
else fail "mapnul" "check exit $code; zones: $(echo "$z" | head -2 | tr '\n' ' ')"; fi
z=$(zones longpath)
if [ "$(echo "$z" | grep -c '^ppp*\.\.\.+0x[0-9a-f]*	/ppp')" = 1000 ]; then
  pass "longpath: 1000 sites of a 4,150-byte path, each named object...+0xOFF (cut, never empty)"
else fail "longpath" "$(echo "$z" | head -2 | cut -c1-80 | tr '\n' ' ')"; fi
z=$(zones lines)
if [ "$(echo "$z" | awk -F '\t' '$2 ~ /^dddd/ && $3 == substr($1, 2) + 1' | wc -l)" = 500 ]; then
  pass "lines: each of 500 functions gets its own file and line from the line table (long names cut)"
else fail "lines" "$(echo "$z" | head -2 | cut -c1-80 | tr '\n' ' ')"; fi

z=$(zones badlines)
if echo "$z" | grep -q '^f0	/src/good.c	42$' && echo "$z" | grep -q "^f1	$T/badlines.elf	0\$" &&
   echo "$z" | grep -q "^f2	$T/badlines.elf	0\$"; then
  pass "badlines: hostile line-table units are skipped; the good one gives f0 /src/good.c:42; a file index past the table gives no line"
else fail "badlines" "$(echo "$z" | tr '\n' ' ')"; fi

# ---- -o never overwrites an object a trace names ----
# The tool reads the objects of a trace's memory map (and their debug files)
# to name functions: -o naming one, however spelt, is refused before
# anything is written (exit 2), as for the trace, --baseline and --symbols.
cp "$T/dups.elf" "$T/dups.keep"
ln -s dups.elf "$T/dups.link"
mkdir -p "$T/syms" "$T/plain"
cp "$T/dups.elf" "$T/syms/dups.elf"
cp "$T/dups.elf" "$T/plain/other.elf"
${CC:-cc} -std=c99 -O1 -Itests tests/tracegen.c -o "$T/tracegen" 2>"$T/err" &&
  sed 's/@N@/8/g' tests/crafted/name_nul.desc >"$T/plain.desc" && "$T/tracegen" "$T/plain.desc" "$T/plain.ctrace" ||
  fail "tracegen" "$(head -c 300 "$T/err")"
refused() { # LABEL OBJECT CMD...
  label=$1 obj=$2
  shift 2
  cp "$obj" "$T/obj.keep"
  "$@" >/dev/null 2>"$T/err"
  code=$?
  if [ "$code" = 2 ] && cmp -s "$obj" "$T/obj.keep" && grep -q "an object the trace .* names" "$T/err"; then
    pass "-o: $label: refused (exit 2), the object intact, the message names it"
  else
    fail "-o: $label" "exit $code, object $(cmp -s "$obj" "$T/obj.keep" && echo intact || echo CHANGED): $(head -c 200 "$T/err")"
  fi
  cp "$T/obj.keep" "$obj"
}
for v in "report" "stats" "stats --json" "dump" "export csv" "export folded" "export chrome" "png"; do
  # shellcheck disable=SC2086
  refused "$v over the object the trace names" "$T/dups.elf" "$CT" $v "$T/dups.ctrace" -o "$T/dups.elf"
done
refused "report over the object through a symlink" "$T/dups.elf" "$CT" report "$T/dups.ctrace" -o "$T/dups.link"
refused "report over the object spelt another way" "$T/dups.elf" "$CT" report "$T/dups.ctrace" -o "$T/./dups.elf"
refused "report over the copy --symbols DIR made it read" "$T/syms/dups.elf" \
  "$CT" report "$T/dups.ctrace" --symbols "$T/syms" -o "$T/syms/dups.elf"
refused "report over an object only the --baseline names" "$T/dups.elf" \
  "$CT" report "$T/plain.ctrace" --baseline "$T/dups.ctrace" -o "$T/dups.elf"
"$CT" report "$T/dups.ctrace" -o "$T/plain/other.elf" >/dev/null 2>"$T/err"
code=$?
if [ "$code" -le 1 ] && ! cmp -s "$T/plain/other.elf" "$T/dups.keep"; then
  pass "-o: an ELF file no trace names is written as asked (exit $code)"
else fail "-o: an ELF file no trace names" "exit $code: $(head -c 200 "$T/err")"; fi

# ---- doubling: work counted by cachegrind ----
if [ "${CRAFTED_DOUBLING:-1}" != 1 ]; then finish; fi
if ! command -v valgrind >/dev/null 2>&1; then
  if [ "${CTRACE_REQUIRE_BROWSER:-0}" = 1 ]; then fail "doubling" "valgrind is not installed"
  else echo "SKIP: doubling tests: valgrind is not installed"; fi
  finish
fi
irefs() { # irefs CASE N VERB...
  c=$1 nn=$2
  shift 2
  mkdir -p "$T/d$nn"
  "$T/elfgen" "$c" "$nn" "$T/d$nn" >/dev/null 2>&1 || { echo 0; return; }
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
    "$CT" "$@" "$T/d$nn/$c.ctrace" -o /dev/null 2>&1 >/dev/null | sed -n 's/.*I *refs: *//p' | tr -d ','
}
doubling() { # doubling CASE N VERB...
  c=$1 nn=$2
  shift 2
  a=$(irefs "$c" "$nn" "$@")
  b=$(irefs "$c" $((nn * 2)) "$@")
  if [ -z "$a" ] || [ -z "$b" ] || [ "$a" = 0 ]; then
    fail "doubling: $c, $*" "no instruction count ($a, $b)"
  elif [ $((b * 10)) -le $((a * 26)) ]; then
    pass "doubling: $c, $*: N=$nn -> $((nn * 2)) took $(awk "BEGIN{printf \"%.2f\", $b/$a}")x the instructions"
  else
    fail "doubling: $c, $*" "N=$nn -> $((nn * 2)) took $(awk "BEGIN{printf \"%.2f\", $b/$a}")x the instructions ($a, $b)"
  fi
}
doubling objects 2000 stats
doubling notes 500 stats
doubling longpath 2000 stats
doubling lines 1000 stats
finish
