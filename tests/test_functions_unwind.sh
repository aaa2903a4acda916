#!/bin/sh
# tests/test_functions_unwind.sh - calls left without their exits, at -O2.
#
# With inlined hooks an equal stack pointer is normal, so a longjmp must be
# told apart by other means (see >>functions in ctrace.h). Built -O2:
#   loop     a loop longjmps out of the same call 1000 times: each call is a
#            sibling under the loop's function, never nested in the last one;
#   deep     a longjmp from 50 levels of recursion to the outermost level,
#            which returns: every level is ended at its exit (an event
#            recorded next is in the caller) and the caller's next call
#            is under the caller;
#   inline   a function gcc inlines calls one that longjmps to the caller's
#            own frame, repeatedly: the inlined calls stay siblings;
#   sibling  after a longjmp out of a call, its caller calls functions whose
#            frames are bigger and smaller than the dead call's: they are
#            siblings of it, built by gcc and clang at -O0, -O2 and -O3.
# Run from the repo root; BUILD (default build) holds the build output.
set -u
BUILD=${BUILD:-build}
CC=${CC:-cc}
TOOL="$BUILD/ctrace"
TMP="$BUILD/tmp/test_functions_unwind-$$"
FAILS=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
finish() { [ "$FAILS" = 0 ]; exit $?; }
[ -x "$TOOL" ] || { fail "unwind: $TOOL is not built"; finish; }
mkdir -p "$TMP" || { fail "unwind: cannot create $TMP"; finish; }
trap 'rm -rf "$TMP"' EXIT

# ctrace's object, built once, links with every program below.
printf '#define CTRACE_IMPLEMENTATION\n#define CTRACE_INSTRUMENT_FUNCTIONS\n#include "ctrace.h"\n' >"$TMP/impl.c"
if ! $CC -std=gnu99 -O2 -g -I. -c "$TMP/impl.c" -o "$TMP/impl.o" >"$TMP/impl.log" 2>&1; then
  fail "unwind: ctrace's object does not build: $(head -3 "$TMP/impl.log")"
  finish
fi
cat >"$TMP/unwind.c" <<'C'
#include "ctrace.h"
#include <setjmp.h>
#include <string.h>
#define NOINLINE __attribute__((noinline))
volatile int sink;
static jmp_buf jb;
NOINLINE __attribute__((noreturn)) void thrower(void) { longjmp(jb, 1); }
NOINLINE void jumps(int i) { sink += i; thrower(); }
NOINLINE void looper(void) {
  volatile int i;
  for (i = 0; i < 1000; i++)
    if (setjmp(jb) == 0) jumps(i);
}
NOINLINE void after(void) { sink++; }
/* Level 50 catches what level 0 throws: after the longjmp the exit of level
   50 finds 50 levels of its own function above it. */
NOINLINE void down(int n) {
  if (n == 50) {
    if (setjmp(jb) == 0) down(n - 1);
  } else if (n) down(n - 1);
  else if (sink >= 0) thrower();
  sink++;
}
NOINLINE void top(void) {
  down(50);
  CTRACE_INSTANT("back in top");
  after();
}
static inline __attribute__((always_inline)) void inl_jump(int i) { sink += i; thrower(); } /* gcc would not inline it here */
NOINLINE void inline_looper(void) {
  volatile int i;
  for (i = 0; i < 100; i++)
    if (setjmp(jb) == 0) inl_jump(i);
}
int main(int argc, char **argv) {
  ctrace_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.function_min_ns = CTRACE_FUNCTION_MIN_NONE;
  if (argc < 3 || ctrace_start_with(argv[2], &cfg) != 0) return 2;
  if (!strcmp(argv[1], "loop")) looper();
  else if (!strcmp(argv[1], "deep")) top();
  else inline_looper();
  ctrace_stop();
  return 0;
}
C
if ! $CC -std=gnu99 -O2 -g -Wall -Wextra -Werror -finstrument-functions -I. "$TMP/unwind.c" "$TMP/impl.o" -o "$TMP/unwind" \
    -pthread >"$TMP/build.log" 2>&1; then
  fail "unwind: the program does not build: $(head -3 "$TMP/build.log")"
  finish
fi
# counts FILE: "stack count" lines of the folded export, counts summed per stack.
counts() { "$TOOL" export folded "$1" -o - 2>/dev/null | awk '{n = $NF; $NF = ""; sub(/ $/, ""); c[$0] += 1} END {for (s in c) print s}'; }
# calls TRACE NAME: how many times NAME began.
calls() { "$TOOL" dump "$1" | awk -F'\t' -v n="$2" '$3 == "zone_begin" && $4 == n' | wc -l; }
# deepest TRACE: the most calls open at once.
deepest() { "$TOOL" dump "$1" | awk -F'\t' '$3 == "zone_begin" {d++; if (d > m) m = d} $3 == "zone_end" {d--} END {print m + 0}'; }

for mode in loop deep inline; do
  "$TMP/unwind" $mode "$TMP/$mode.ctrace" || fail "unwind: $mode run failed"
  "$TOOL" check "$TMP/$mode.ctrace" >/dev/null 2>&1 || fail "unwind: $mode: ctrace check fails"
  counts "$TMP/$mode.ctrace" >"$TMP/$mode.stacks"
done

n=$(calls "$TMP/loop.ctrace" jumps); d=$(deepest "$TMP/loop.ctrace")
if [ "$n" = 1000 ] && [ "$d" -le 4 ] && grep -qx "looper;jumps;thrower" "$TMP/loop.stacks" &&
   ! grep -q "jumps;jumps\|thrower;jumps" "$TMP/loop.stacks"; then
  pass "unwind: 1000 longjmps out of one call site leave 1000 sibling calls (deepest $d)"
else fail "unwind: loop: $n calls, deepest $d, stacks $(head -5 "$TMP/loop.stacks" | tr '\n' ' ')"; fi

back=$("$TOOL" dump "$TMP/deep.ctrace" | awk -F'\t' '$3 == "zone_begin" {d++} $3 == "zone_end" {d--} $3 == "instant" {print d}')
if grep -qx "top;after" "$TMP/deep.stacks" && ! grep -q "down;after\|thrower;after" "$TMP/deep.stacks" &&
   [ "$(calls "$TMP/deep.ctrace" down)" = 51 ] && [ "$(deepest "$TMP/deep.ctrace")" = 53 ] && [ "$back" = 1 ]; then
  pass "unwind: a longjmp out of 50 levels of a recursion into its outermost level ends them all at its exit"
else fail "unwind: deep: depth at the instant after it: $back; $(grep after "$TMP/deep.stacks" | head -3 | tr '\n' ' ')"; fi

n=$(calls "$TMP/inline.ctrace" inl_jump); d=$(deepest "$TMP/inline.ctrace")
if [ "$n" = 100 ] && [ "$d" -le 4 ] && grep -qx "inline_looper;inl_jump;thrower" "$TMP/inline.stacks"; then
  pass "unwind: an inlined call left by longjmp into its caller's frame is ended when that call comes round again"
else fail "unwind: inline: $n calls, deepest $d, stacks $(head -5 "$TMP/inline.stacks" | tr '\n' ' ')"; fi

# ---- sibling: the hooks' frames differ with each callee's frame size ----
# The program by each compiler at each level.
cat >"$TMP/sibling.c" <<'C'
#include <setjmp.h>
#define NOINLINE __attribute__((noinline))
volatile int sink;
static jmp_buf jb;
NOINLINE void sib_throw(void) { longjmp(jb, 1); }
NOINLINE void sib_small(void) { sib_throw(); sink++; }
NOINLINE void sib_big(void) { volatile char b[512]; b[0] = 1; b[511] = 2; sink += b[0] + b[511]; }
NOINLINE void sib_big_throw(void) { volatile char b[512]; b[0] = 1; sink += b[0]; sib_throw(); }
NOINLINE void sib_leaf(void) { sink++; }
NOINLINE void sib_caller(void) {
  if (setjmp(jb) == 0) sib_small();
  sib_big();
  if (setjmp(jb) == 0) sib_small();
  sib_leaf();
  if (setjmp(jb) == 0) sib_big_throw();
  sib_leaf();
}
int main(void) { sib_caller(); return 0; }
C
for cc in gcc clang; do
  command -v $cc >/dev/null 2>&1 || { echo "SKIP: unwind: sibling: no $cc"; continue; }
  for opt in -O0 -O2 -O3; do
    what="unwind: sibling: $cc $opt"
    if ! { $cc -std=gnu99 $opt -g -Wall -Wextra -Werror -finstrument-functions -c "$TMP/sibling.c" -o "$TMP/sib.o" &&
           $cc "$TMP/sib.o" "$TMP/impl.o" -o "$TMP/sib" -pthread; } >"$TMP/sib.log" 2>&1; then
      fail "$what: does not build: $(head -3 "$TMP/sib.log")"; continue
    fi
    CTRACE_FILE="$TMP/sib.ctrace" CTRACE_FUNCTION_MIN_NS=0 "$TMP/sib" || { fail "$what: the run failed"; continue; }
    counts "$TMP/sib.ctrace" | sort >"$TMP/sib.stacks"
    if grep -qx "main;sib_caller;sib_big" "$TMP/sib.stacks" && grep -qx "main;sib_caller;sib_leaf" "$TMP/sib.stacks" &&
       grep -qx "main;sib_caller;sib_small;sib_throw" "$TMP/sib.stacks" &&
       grep -qx "main;sib_caller;sib_big_throw;sib_throw" "$TMP/sib.stacks" &&
       ! grep -q "sib_small;sib_big\|sib_small;sib_leaf\|throw;sib_leaf\|throw;sib_big" "$TMP/sib.stacks"; then
      pass "$what: calls after a longjmp are siblings of the call it left, whatever their frames"
    else fail "$what: stacks $(tr '\n' ' ' <"$TMP/sib.stacks")"; fi
  done
done
finish
