#!/bin/sh
# tests/test_dwarf_lines.sh - functions get the file and line of their first
# instruction from the DWARF line table, checked against addr2line (GNU
# binutils) as the oracle:
#   - gcc -g (DWARF 5), gcc -gdwarf-4, clang -g (DWARF 5), clang -gdwarf-4,
#     each at -O0 and -O2; a source compiled by a relative path (joined with
#     the compilation directory), a function in a header, two static
#     functions with one name in two sources (two zones, name@0xADDR);
#   - debug info in a separate file found by .gnu_debuglink (beside the
#     binary, then in its .debug/ directory for a binary stripped of its
#     symbol table too: names from the debug file), with a build id and without one
#     (then the link's CRC decides: a different file of the same name is not
#     used, and the functions show the object alone, never a wrong line);
#   - compressed debug info (-gz): no line, a clear message naming the object
#     and how to get it uncompressed; no site shows "path:0".
# Needs the tool (build/ctrace), gcc, addr2line/objcopy (binutils); clang if
# installed (a FAIL under CI when it is not).
set -u
BUILD=${BUILD:-build}
TOOL="$BUILD/ctrace"
TMP="$BUILD/tmp/test_dwarf_lines-$$"
mkdir -p "$TMP/src" "$TMP/.debug" || { echo "FAIL: dwarf: cannot create $TMP"; exit 1; }
trap 'rm -rf "$TMP"' EXIT
FAILS=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
finish() { [ "$FAILS" = 0 ]; exit $?; }
[ -x "$TOOL" ] || { fail "dwarf: $TOOL is not built"; finish; }
for t in gcc addr2line objcopy nm; do
  command -v $t >/dev/null 2>&1 || { fail "dwarf: $t is not installed (binutils, gcc)"; finish; }
done
TOOL=$(cd "$(dirname "$TOOL")" && pwd)/ctrace
ROOT=$(pwd)
TMP=$(cd "$TMP" && pwd)

cat >"$TMP/impl.c" <<'C'
#define CTRACE_IMPLEMENTATION
#define CTRACE_INSTRUMENT_FUNCTIONS
#include "ctrace.h"
C
cat >"$TMP/util.h" <<'C'
static __attribute__((noinline)) int from_header(int x) { return x * 7; }
C
cat >"$TMP/main.c" <<'C'
#include <stdio.h>
#include "util.h"
int twice(int x);
volatile int sink;
static __attribute__((noinline)) int helper(int x) { return x + 1; }
__attribute__((noinline)) int leaf(int x) {
  return x ^ 5;
}
__attribute__((noinline))
int
spread_over_lines(int x)
{
  return leaf(x) + from_header(x);
}
int main(void) {
  int i, s = 0;
  for (i = 0; i < 3; i++) s += helper(i) + twice(i) + spread_over_lines(i);
  sink = s;
  return 0;
}
C
cat >"$TMP/src/second.c" <<'C'
static __attribute__((noinline)) int helper(int x) { return x * 2; }
int twice(int x) { return helper(x) + 1; }
C
if ! gcc -std=c99 -O0 -I"$ROOT" -c "$TMP/impl.c" -o "$TMP/impl.o" -pthread 2>"$TMP/log"; then
  fail "dwarf: the implementation does not build: $(head -3 "$TMP/log")"
  finish
fi

# build OUT CC FLAGS...: main.c by its name and src/second.c by a relative
# path, both from $TMP (the compilation directory)
build() {
  out=$1 cc=$2
  shift 2
  (cd "$TMP" && $cc -std=c99 "$@" -finstrument-functions -c main.c -o "$out.main.o" &&
    $cc -std=c99 "$@" -finstrument-functions -c src/second.c -o "$out.second.o" &&
    $cc "$@" "$out.main.o" "$out.second.o" impl.o -o "$out" -pthread) >"$TMP/log" 2>&1
}

# zones OUT TRACE: "name<TAB>file<TAB>line" of every function the trace names
zones() {
  "$TOOL" dump "$2" 2>/dev/null | awk -F '\t' '$3 == "zone_begin" {print $4 "\t" $5 "\t" $6}' | sort -u >"$1"
}

# oracle BIN ZONES: compares each zone's file:line with addr2line's for its
# address (from the name's @0xADDR, else nm); prints "checked mismatches"
# and the first mismatch on a second line. addr2line 2.40 misreads some of
# gcc 12's DWARF 5 tables (a function in a header shown in the including
# file, where objdump --dwarf=decodedline agrees with ctrace): where it
# differs, gdb's own reader decides.
oracle() {
  nm "$1" | awk '$2 == "T" || $2 == "t" {print $3 "\t0x" $1}' >"$TMP/nm.txt"
  : >"$TMP/addrs.txt"
  while IFS='	' read -r name file line; do
    case "$name" in
    *@0x*) echo "${name##*@}" ;;
    *) awk -F '\t' -v f="$name" '$1 == f {print $2; exit}' "$TMP/nm.txt" ;;
    esac >>"$TMP/addrs.txt"
  done <"$2"
  addr2line -e "$1" $(cat "$TMP/addrs.txt") | sed 's/ (discriminator [0-9]*)$//' >"$TMP/want.txt"
  awk -F '\t' '{print $2 ":" $3}' "$2" | paste - "$TMP/addrs.txt" "$TMP/want.txt" >"$TMP/cmp.txt"
  n=0 bad=0 first=""
  while IFS='	' read -r got addr want; do
    n=$((n + 1))
    [ "$want" = "$got" ] && continue
    if command -v gdb >/dev/null 2>&1 &&
       gdb -batch -ex "info line *$addr" "$1" 2>/dev/null | grep -q "^Line ${got##*:} of \"${got%:*}\""; then
      gdb_decided=$((gdb_decided + 1))
      continue
    fi
    bad=$((bad + 1))
    [ -n "$first" ] || first="at $addr: ctrace $got, addr2line $want"
  done <"$TMP/cmp.txt"
  echo "$n $bad"
  echo "$first"
}
gdb_decided=0

CCS=gcc
if command -v clang >/dev/null 2>&1; then CCS="gcc clang"
elif [ "${CTRACE_REQUIRE_BROWSER:-0}" = 1 ]; then fail "dwarf: clang is not installed"
else echo "SKIP: dwarf: clang is not installed"; fi

for cc in $CCS; do
  for dw in -g -gdwarf-4; do
    for opt in -O0 -O2; do
      v="$cc $dw $opt"
      bin="$TMP/p-$cc$dw$opt"
      if ! build "$bin" "$cc" $dw $opt; then fail "dwarf: $v: does not build: $(head -3 "$TMP/log")"; continue; fi
      if ! CTRACE_FILE="$bin.ctrace" "$bin"; then fail "dwarf: $v: the run failed"; continue; fi
      zones "$bin.zones" "$bin.ctrace"
      gdb_decided=0
      oracle "$bin" "$bin.zones" >"$TMP/res.txt"
      res=$(cat "$TMP/res.txt")
      n=${res%% *}
      bad=$(echo "$res" | head -1 | cut -d' ' -f2)
      helpers=$(grep -c '^helper@0x' "$bin.zones")
      if [ "$n" -ge 7 ] && [ "$bad" = 0 ] && [ "$helpers" = 2 ]; then
        pass "dwarf: $v: $n functions, each at addr2line's file:line (gdb's where they differ: $gdb_decided); the two static helpers are two zones"
      else
        fail "dwarf: $v: $n functions, $bad differ from addr2line, $helpers helper@0x zones: $(echo "$res" | tail -1)"
      fi
    done
  done
done

# ---- separate debug files ----
bin="$TMP/p-gcc-g-O2"
if [ -f "$bin.zones" ]; then
  cp "$bin" "$TMP/sep" && cp "$bin.ctrace" "$TMP/sep.ctrace"
  sed "s|$bin|$TMP/sep|" "$bin.zones" >"$TMP/sep.want"
  objcopy --only-keep-debug "$TMP/sep" "$TMP/sep.debug" &&
    objcopy --strip-debug "$TMP/sep" && objcopy --add-gnu-debuglink="$TMP/sep.debug" "$TMP/sep"
  # the trace was recorded from the binary at the old path: look for it here
  CTRACE_SYMBOL_PATH=$TMP "$TOOL" dump "$TMP/sep.ctrace" 2>/dev/null |
    awk -F '\t' '$3 == "zone_begin" {print $4 "\t" $5 "\t" $6}' | sort -u >"$TMP/sep.got"
  if cmp -s "$bin.zones" "$TMP/sep.got"; then pass "dwarf: lines from a .gnu_debuglink file beside the binary"
  else fail "dwarf: debuglink beside the binary: $(diff "$bin.zones" "$TMP/sep.got" | head -4 | tr '\n' ' ')"; fi
  # stripped of its symbol table too: names come from the debug file's
  cp "$bin" "$TMP/sep" && objcopy --strip-all "$TMP/sep" && objcopy --add-gnu-debuglink="$TMP/sep.debug" "$TMP/sep"
  mv "$TMP/sep.debug" "$TMP/.debug/sep.debug"
  CTRACE_SYMBOL_PATH=$TMP "$TOOL" dump "$TMP/sep.ctrace" 2>/dev/null |
    awk -F '\t' '$3 == "zone_begin" {print $4 "\t" $5 "\t" $6}' | sort -u >"$TMP/sep.got"
  if cmp -s "$bin.zones" "$TMP/sep.got"; then
    pass "dwarf: a binary stripped of all symbols: names and lines from its .gnu_debuglink file in .debug/"
  else fail "dwarf: debuglink in .debug/: $(diff "$bin.zones" "$TMP/sep.got" | head -4 | tr '\n' ' ')"; fi
fi

# Without a build id the link's CRC decides.
nb="$TMP/nobid"
if build "$nb" gcc -g -O2 -Wl,--build-id=none && CTRACE_FILE="$nb.ctrace" "$nb"; then
  zones "$nb.zones" "$nb.ctrace"
  objcopy --only-keep-debug "$nb" "$nb.debug" && objcopy --strip-debug "$nb" &&
    objcopy --add-gnu-debuglink="$nb.debug" "$nb"
  zones "$nb.got" "$nb.ctrace"
  if cmp -s "$nb.zones" "$nb.got" && grep -q 'main\.c	[1-9]' "$nb.got"; then
    pass "dwarf: no build id: the debug file whose CRC the link gives is used"
  else fail "dwarf: no build id, right CRC: $(diff "$nb.zones" "$nb.got" | head -4 | tr '\n' ' ')"; fi
  # another build's debug info under the linked name: not this binary's
  build "$TMP/other" gcc -g -O0 -Wl,--build-id=none && objcopy --only-keep-debug "$TMP/other" "$nb.debug"
  zones "$nb.got" "$nb.ctrace"
  if grep -q 'main\.c' "$nb.got"; then fail "dwarf: a debug file with the wrong CRC was used: $(head -2 "$nb.got" | tr '\n' ' ')"
  elif [ "$(awk -F '\t' -v b="$nb" '$2 == b && $3 == 0' "$nb.got" | wc -l)" -ge 7 ]; then
    pass "dwarf: a debug file with the wrong CRC is not used (the functions show the object alone)"
  else fail "dwarf: wrong CRC: $(head -3 "$nb.got" | tr '\n' ' ')"; fi
else fail "dwarf: the program without a build id does not build or run: $(head -3 "$TMP/log")"; fi

# ---- compressed debug info ----
gz="$TMP/gz"
if build "$gz" gcc -g -gz -O2 && CTRACE_FILE="$gz.ctrace" "$gz"; then
  zones "$gz.zones" "$gz.ctrace"
  "$TOOL" report "$gz.ctrace" -o "$gz.html" 2>"$gz.err"
  "$TOOL" stats "$gz.ctrace" >"$gz.stats" 2>/dev/null
  if grep -q 'main\.c' "$gz.zones"; then fail "dwarf: -gz: a line was read from compressed sections"
  elif ! grep -q "gz.*compressed.*-gz=none.*decompress-debug-sections" "$gz.err"; then
    fail "dwarf: -gz: no clear message: $(head -c 400 "$gz.err")"
  elif grep -q "$gz:0" "$gz.stats" "$gz.html"; then
    fail "dwarf: -gz: a site shows path:0: $(grep -m1 -o "$gz:0.\{0,20\}" "$gz.stats" "$gz.html")"
  else pass "dwarf: -gz: the object alone, and a message naming it and how to decompress"; fi
else fail "dwarf: the -gz program does not build or run: $(head -3 "$TMP/log")"; fi
finish
