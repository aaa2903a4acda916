#!/bin/sh
# tests/test_functions.sh - tracing with no annotations
# (-finstrument-functions and CTRACE_INSTRUMENT_FUNCTIONS).
#
# A PIE program and a shared library of its own, both instrumented, with one
# function excluded at compile time: the report names every function, nested
# as called, the library's too; the excluded one is absent; ctrace's own
# functions never appear. Then: longjmp out of instrumented frames, deep
# recursion, threads, exit() from deep inside, the minimum duration, the
# CTRACE_FILE start, a moved binary (--symbols) and a rebuilt one (no wrong
# names: object+0xOFFSET and a warning). Needs the tool (build/ctrace).
# Run from the repo root; BUILD (default build) holds the build output.
set -u
BUILD=${BUILD:-build}
CC=${CC:-cc}
TOOL="$BUILD/ctrace"
TMP="$BUILD/tmp/test_functions-$$"
mkdir -p "$TMP" || { echo "FAIL: functions: cannot create $TMP"; exit 1; }
trap 'rm -rf "$TMP"' EXIT
FAILS=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
finish() { [ "$FAILS" = 0 ]; exit $?; }
[ -x "$TOOL" ] || { fail "functions: $TOOL is not built"; finish; }
TMP=$(cd "$TMP" && pwd)

cat >"$TMP/fnlib.c" <<'C'
int lib_work(int n);
int lib_work(int n) { int i, s = 0; for (i = 0; i < n; i++) s += i * i; return s; }
C
cat >"$TMP/late.c" <<'C'
int late_fn(int n);
int late_fn(int n) { return n * 3; }
C
cat >"$TMP/main.c" <<'C'
#define CTRACE_IMPLEMENTATION
#define CTRACE_INSTRUMENT_FUNCTIONS
#include "ctrace.h"
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>
#define NOINLINE __attribute__((noinline))
int lib_work(int n);
volatile int sink;
static jmp_buf jb;
NOINLINE void inner(void) { sink++; }
NOINLINE void leaf_after_excluded(void) { sink++; }
#ifndef EXCLUDED /* set where the compiler has no exclude list (clang) */
#define EXCLUDED
#endif
EXCLUDED NOINLINE void excluded_fn(void) { leaf_after_excluded(); }
NOINLINE void outer(void) {
  inner();
  sink += lib_work(100);
  excluded_fn();
  { CTRACE_ZONE("explicit"); inner(); }
}
NOINLINE void jump_b(void) { longjmp(jb, 1); }
NOINLINE void jump_a(void) { jump_b(); sink++; }
NOINLINE void after_jump(void) { sink++; }
NOINLINE void outer_jump(void) {
  if (setjmp(jb) == 0) jump_a();
  after_jump();
}
NOINLINE int recurse(int n) { return n ? recurse(n - 1) + 1 : 0; }
NOINLINE void leaf(void) { sink++; }
NOINLINE void thread_work(void) { int i; for (i = 0; i < 100; i++) leaf(); }
NOINLINE void *thread_main(void *p) { (void)p; thread_work(); return NULL; }
NOINLINE void deep_exit(int n);
static void (*volatile deep_next)(int) = deep_exit; /* gcc 12 takes exit() for a return */
NOINLINE void deep_exit(int n) {
  if (n <= 0) exit(0);
  deep_next(n - 1);
}
NOINLINE void tiny(void) { sink++; }
NOINLINE void slow(void) {
  struct timespec ts = {0, 3000000};
  nanosleep(&ts, NULL);
}
#ifdef VARIANT
NOINLINE void padding(void) { int i; for (i = 0; i < 1000; i++) sink += i; }
#endif
int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "nest";
  ctrace_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.function_min_ns = CTRACE_FUNCTION_MIN_NONE;
  if (!strcmp(mode, "min")) cfg.function_min_ns = 1000000; /* 1 ms */
  if (argc > 2 && ctrace_start_with(argv[2], &cfg) != 0) return 2;
  if (!strcmp(mode, "nest") || !strcmp(mode, "env")) outer();
  else if (!strcmp(mode, "longjmp")) outer_jump();
  else if (!strcmp(mode, "deep")) sink = recurse(20000);
  else if (!strcmp(mode, "exit")) deep_exit(50);
  else if (!strcmp(mode, "min")) { int i; for (i = 0; i < 1000; i++) tiny(); slow(); }
  else if (!strcmp(mode, "fork")) {
    pid_t pid = fork();
    if (pid == 0) { outer(); _exit(0); } /* the child does not trace (the parent's file) */
    waitpid(pid, NULL, 0);
    outer_jump();
  }
  else if (!strcmp(mode, "dlopen")) { /* an object loaded after the start */
    void *h = dlopen(argc > 3 ? argv[3] : "", RTLD_NOW);
    int (*f)(int) = h ? (int (*)(int))(uintptr_t)dlsym(h, "late_fn") : NULL;
    if (!f) return 3;
    outer_jump();
    sink = f(2);
  }
  else if (!strcmp(mode, "threads")) {
    pthread_t t[4];
    int i;
    for (i = 0; i < 4; i++) pthread_create(&t[i], NULL, thread_main, NULL);
    for (i = 0; i < 4; i++) pthread_join(t[i], NULL);
  }
  if (argc > 2) ctrace_stop();
  return 0;
}
C

FLAGS="-std=gnu99 -O1 -g -Wall -Wextra -Werror -finstrument-functions"
# gcc leaves excluded_fn out by its exclude list; clang has none, so the
# function carries the attribute README gives for it instead.
EXCLUDE="-finstrument-functions-exclude-function-list=excluded_fn"
if ! echo 'int x;' | $CC $FLAGS $EXCLUDE -x c -c -o /dev/null - 2>/dev/null; then
  EXCLUDE="-DEXCLUDED=__attribute__((no_instrument_function))"
fi
build() { # build OUT_DIR [extra flags]: the library and the PIE program
  mkdir -p "$1" &&
  $CC $FLAGS -fPIC -shared "$TMP/fnlib.c" -o "$1/libfnlib.so" &&
  $CC $FLAGS -fPIC -shared "$TMP/late.c" -o "$1/liblate.so" &&
  $CC $FLAGS $2 -fPIE -pie -I. "$EXCLUDE" \
    "$TMP/main.c" -L"$1" -lfnlib -Wl,-rpath,"$1" -o "$1/fnprog" -pthread -ldl
}
if ! build "$TMP/a" "" >"$TMP/build.log" 2>&1; then
  fail "functions: the instrumented program does not build: $(head -5 "$TMP/build.log")"
  finish
fi
P="$TMP/a/fnprog"
if od -An -tx1 -j16 -N1 "$P" | grep -q 03; then pass "functions: the program is PIE (ET_DYN)"
else fail "functions: the program is not PIE"; fi

folded() { "$TOOL" export folded "$1" -o - 2>/dev/null | sed 's/ [0-9]*$//'; }
has_stack() { # has_stack FOLDED_FILE STACK
  grep -qx "$2" "$1"
}

# ---- ctrace's own code calls no hook, compiled with the flag ----
# Every function in the object of the implementation plus the header's
# inline functions (used below), built with -finstrument-functions: only
# user_fn may call __cyg_profile_func_enter.
cat >"$TMP/impl.c" <<'C'
#define CTRACE_IMPLEMENTATION
#define CTRACE_INSTRUMENT_FUNCTIONS
#include "ctrace.h"
void user_fn(void);
void user_fn(void) {
  CTRACE_ZONE("z");
  CTRACE_COUNTER("c", 1);
  CTRACE_INSTANT("i");
  { CTRACE_WAIT("w"); }
  ctrace_free(ctrace_malloc(8));
}
C
for cc in gcc clang; do
  command -v $cc >/dev/null 2>&1 || { echo "SKIP: functions: no $cc"; continue; }
  for opt in -O0 -O2; do
    if $cc -std=c99 $opt -Wall -Wextra -Wpedantic -Wshadow -Werror -finstrument-functions -I. -c "$TMP/impl.c" \
        -o "$TMP/impl.o" 2>"$TMP/impl.log"; then
      callers=$(objdump -dr "$TMP/impl.o" | awk '/^[0-9a-f]+ <.*>:$/ {f = $2} /R_.*__cyg_profile_func_enter/ {print f}' |
                sort -u | tr '\n' ' ')
      if [ "$callers" = "<user_fn>: " ]; then pass "functions: $cc $opt: only the user's function calls the hooks"
      else fail "functions: $cc $opt: hooks called from: $callers"; fi
    else fail "functions: $cc $opt: the implementation does not build with the flag: $(head -3 "$TMP/impl.log")"; fi
  done
done

# ---- names and nesting ----
"$P" nest "$TMP/nest.ctrace" || fail "functions: nest run failed"
folded "$TMP/nest.ctrace" >"$TMP/nest.folded"
for s in "outer" "outer;inner" "outer;lib_work" "outer;leaf_after_excluded" "outer;explicit;inner"; do
  if has_stack "$TMP/nest.folded" "$s"; then pass "functions: stack $s"
  else fail "functions: no stack $s in: $(tr '\n' ' ' <"$TMP/nest.folded")"; fi
done
if grep -q excluded_fn "$TMP/nest.folded"; then fail "functions: the excluded function appears"
else pass "functions: the function excluded at compile time is absent"; fi
if grep -q ctrace "$TMP/nest.folded"; then fail "functions: ctrace's own functions appear: $(grep ctrace "$TMP/nest.folded" | head -3)"
else pass "functions: none of ctrace's own functions is traced"; fi
# built with -g: the library's line table gives lib_work its source file
if "$TOOL" dump "$TMP/nest.ctrace" | grep "zone_begin	lib_work	" | grep -q "fnlib.c	2"; then
  pass "functions: lib_work is named from the shared library, with its file and line"
else fail "functions: lib_work is not named from libfnlib.so with fnlib.c:2: $("$TOOL" dump "$TMP/nest.ctrace" | grep -m1 "zone_begin	lib_work")"; fi
"$TOOL" report "$TMP/nest.ctrace" -o "$TMP/nest.html" 2>"$TMP/nest.err" || fail "functions: report failed"
if grep -q "lib_work" "$TMP/nest.html" && grep -q "leaf_after_excluded" "$TMP/nest.html"; then
  pass "functions: the report names the functions"
else fail "functions: the report lacks the function names"; fi
if [ -s "$TMP/nest.err" ]; then fail "functions: report warned: $(cat "$TMP/nest.err")"; fi

# ---- longjmp out of instrumented frames ----
"$P" longjmp "$TMP/jmp.ctrace" || fail "functions: longjmp run failed"
folded "$TMP/jmp.ctrace" >"$TMP/jmp.folded"
if has_stack "$TMP/jmp.folded" "outer_jump;after_jump" && has_stack "$TMP/jmp.folded" "outer_jump;jump_a;jump_b" &&
   ! grep -q "jump_b;after_jump\|jump_a;after_jump" "$TMP/jmp.folded"; then
  pass "functions: after a longjmp the frames it skipped are closed"
else fail "functions: longjmp nesting: $(tr '\n' ' ' <"$TMP/jmp.folded")"; fi

# ---- deep recursion ----
"$P" deep "$TMP/deep.ctrace" || fail "functions: deep run failed"
n=$("$TOOL" dump "$TMP/deep.ctrace" | grep -c "zone_begin	recurse	")
e=$("$TOOL" dump "$TMP/deep.ctrace" | grep -c "zone_end")
if [ "$n" = 20001 ] && [ "$e" = 20001 ] && "$TOOL" check "$TMP/deep.ctrace" >/dev/null; then
  pass "functions: 20001 nested calls, each begun and ended"
else fail "functions: deep recursion gave $n begins, $e ends"; fi

# ---- threads ----
"$P" threads "$TMP/thr.ctrace" || fail "functions: threads run failed"
folded "$TMP/thr.ctrace" >"$TMP/thr.folded"
nt=$("$TOOL" dump "$TMP/thr.ctrace" | awk -F'\t' '$3 == "zone_begin" && $4 == "thread_work" {print $2}' | sort -u | wc -l)
if has_stack "$TMP/thr.folded" "thread_main;thread_work;leaf" && [ "$nt" -eq 4 ]; then
  pass "functions: four threads, each with its own nesting"
else fail "functions: threads: $nt threads, stacks $(tr '\n' ' ' <"$TMP/thr.folded")"; fi

# ---- exit() from deep inside ----
"$P" exit "$TMP/exit.ctrace" || fail "functions: exit run failed"
n=$("$TOOL" dump "$TMP/exit.ctrace" | grep -c "zone_begin	deep_exit	")
if [ "$n" = 51 ] && "$TOOL" report "$TMP/exit.ctrace" -o "$TMP/exit.html" 2>/dev/null; then
  pass "functions: exit() at depth 51 leaves a readable trace"
else fail "functions: exit from deep inside: $n begins"; fi

# ---- minimum duration ----
"$P" min "$TMP/min.ctrace" || fail "functions: min run failed"
folded "$TMP/min.ctrace" >"$TMP/min.folded"
# A tiny call that the machine preempted for over 1 ms is rightly kept:
# most of the 1000, not all, must be gone.
n=$("$TOOL" dump "$TMP/min.ctrace" | grep -c "zone_begin	tiny	")
if has_stack "$TMP/min.folded" "slow" && [ "$n" -lt 100 ]; then
  pass "functions: calls under the minimum duration are erased ($n of 1000 kept), longer ones kept"
else fail "functions: min duration: $n tiny calls kept; $(tr '\n' ' ' <"$TMP/min.folded")"; fi

# ---- examples/functions.c, built as make builds it ----
EX="$BUILD/examples/functions"
if ! [ -x "$EX" ] || ! [ "$EX" -nt examples/functions.c ] || ! [ "$EX" -nt ctrace.h ]; then
  EX="$TMP/functions_example"
  $CC -std=c99 -O2 -g -Wall -Wextra -Werror -finstrument-functions -I. examples/functions.c -o "$EX" -pthread \
    >"$TMP/ex.log" 2>&1 || fail "functions: the example does not build: $(head -3 "$TMP/ex.log")"
fi
if "$EX" "$TMP/ex.ctrace" >/dev/null; then
  folded "$TMP/ex.ctrace" >"$TMP/ex.folded"
  if has_stack "$TMP/ex.folded" "fill" && has_stack "$TMP/ex.folded" "merge_sort;merge_sort;merge" &&
     has_stack "$TMP/ex.folded" "check_sorted" && ! grep -q "ctrace\|0x" "$TMP/ex.folded"; then
    pass "functions: the example's report names its functions, nested as called"
  else fail "functions: example: $(head -5 "$TMP/ex.folded" | tr '\n' ' ')"; fi
  # Recursive merge_sort: its total counts each moment once (at most the run).
  if command -v python3 >/dev/null 2>&1; then
    r=$("$TOOL" stats --json "$TMP/ex.ctrace" | python3 -c '
import json, sys
d = json.load(sys.stdin)
z = [z for z in d["zones"] if z["name"] == "merge_sort"][0]
print("ok" if 0 < z["total_ns"] <= d["duration_ns"] and z["count"] > 1000 else "merge_sort %d ns in a %d ns run" % (z["total_ns"], d["duration_ns"]))')
    if [ "$r" = ok ]; then pass "functions: recursive merge_sort's total is at most the run's length"
    else fail "functions: $r"; fi
  fi
else fail "functions: the example failed"; fi

# ---- fork: the child's calls are not in the parent's trace ----
"$P" fork "$TMP/fork.ctrace" || fail "functions: fork run failed"
folded "$TMP/fork.ctrace" >"$TMP/fork.folded"
if has_stack "$TMP/fork.folded" "outer_jump;after_jump" && ! grep -q "^outer$\|^outer;" "$TMP/fork.folded" &&
   "$TOOL" check "$TMP/fork.ctrace" >/dev/null; then
  pass "functions: after fork the parent's trace is intact and holds none of the child's calls"
else fail "functions: fork: $(tr '\n' ' ' <"$TMP/fork.folded")"; fi

# ---- C++ exceptions unwinding through instrumented frames ----
if command -v ${CXX:-c++} >/dev/null 2>&1; then
  cat >"$TMP/exc.cpp" <<'C'
#define CTRACE_IMPLEMENTATION
#define CTRACE_INSTRUMENT_FUNCTIONS
#include "ctrace.h"
#include <stdexcept>
#define NOINLINE __attribute__((noinline))
volatile int sink;
extern "C" NOINLINE void thrower(int n) { if (n == 0) throw std::runtime_error("x"); thrower(n - 1); sink++; }
extern "C" NOINLINE void after_catch() { sink++; }
NOINLINE void cxx_fn() { sink++; } /* C++ linkage: a mangled name */
extern "C" NOINLINE void catcher() {
  try { thrower(5); } catch (const std::exception &) { sink++; }
  after_catch();
  cxx_fn();
}
int main(int argc, char **argv) {
  ctrace_config cfg = ctrace_config();
  cfg.function_min_ns = CTRACE_FUNCTION_MIN_NONE;
  if (argc < 2 || ctrace_start_with(argv[1], &cfg) != 0) return 2;
  catcher();
  ctrace_stop();
  return 0;
}
C
  if ${CXX:-c++} -std=c++11 -O1 -g -Wall -Wextra -Werror -finstrument-functions -I. "$TMP/exc.cpp" -o "$TMP/exc" -pthread \
      >"$TMP/exc.log" 2>&1 && "$TMP/exc" "$TMP/exc.ctrace"; then
    folded "$TMP/exc.ctrace" >"$TMP/exc.folded"
    "$TOOL" report "$TMP/exc.ctrace" -o "$TMP/exc.html" 2>"$TMP/exc.err"
    if has_stack "$TMP/exc.folded" "catcher;after_catch" && grep -q "^catcher;thrower;thrower;thrower;thrower;thrower;thrower" "$TMP/exc.folded" &&
       has_stack "$TMP/exc.folded" "catcher;_Z6cxx_fnv" && [ "$(grep -c 'mangled' "$TMP/exc.err")" = 1 ]; then
      pass "functions: a C++ exception through instrumented frames leaves the nesting right (mangled names said once)"
    else fail "functions: C++ exception: $(tr '\n' ' ' <"$TMP/exc.folded")"; fi
  else fail "functions: the C++ exception program failed: $(head -3 "$TMP/exc.log")"; fi
fi

# ---- dlopen after the start: the map is made again ----
"$P" dlopen "$TMP/dl.ctrace" "$TMP/a/liblate.so" || fail "functions: dlopen run failed"
folded "$TMP/dl.ctrace" >"$TMP/dl.folded"
"$TOOL" report "$TMP/dl.ctrace" -o "$TMP/dl.html" 2>"$TMP/dl.err"
if has_stack "$TMP/dl.folded" "late_fn" && has_stack "$TMP/dl.folded" "outer_jump;after_jump" && ! [ -s "$TMP/dl.err" ]; then
  pass "functions: a library loaded after the start is named too"
else fail "functions: dlopen: $(tr '\n' ' ' <"$TMP/dl.folded") $(cat "$TMP/dl.err")"; fi

# ---- CTRACE_FILE ----
CTRACE_FILE="$TMP/env.ctrace" "$P" env || fail "functions: env run failed"
folded "$TMP/env.ctrace" >"$TMP/env.folded"
if has_stack "$TMP/env.folded" "main;outer;inner"; then pass "functions: CTRACE_FILE traces from main on"
else fail "functions: CTRACE_FILE: $(tr '\n' ' ' <"$TMP/env.folded")"; fi

# ---- moved binaries ----
mkdir -p "$TMP/moved"
cp "$TMP/a/fnprog" "$TMP/a/libfnlib.so" "$TMP/moved/" && rm -rf "$TMP/a"
"$TOOL" report "$TMP/nest.ctrace" -o "$TMP/m1.html" 2>"$TMP/m1.err"
if grep -q "warning: .* functions have no name" "$TMP/m1.err" && ! grep -q "leaf_after_excluded" "$TMP/m1.html" &&
   grep -q "fnprog+0x" "$TMP/m1.html"; then
  pass "functions: binaries gone: object+0xOFFSET and a warning"
else fail "functions: binaries gone: $(cat "$TMP/m1.err")"; fi
"$TOOL" report "$TMP/nest.ctrace" -o "$TMP/m2.html" --symbols "$TMP/moved" 2>"$TMP/m2.err"
if grep -q "leaf_after_excluded" "$TMP/m2.html" && grep -q "lib_work" "$TMP/m2.html" && ! [ -s "$TMP/m2.err" ]; then
  pass "functions: --symbols finds moved binaries"
else fail "functions: --symbols: $(cat "$TMP/m2.err")"; fi

# ---- a rebuilt binary at the same path: its build id differs ----
if build "$TMP/a" "-DVARIANT" >"$TMP/build2.log" 2>&1; then
  "$TOOL" stats "$TMP/nest.ctrace" >"$TMP/r.txt" 2>&1
  if grep -q "fnprog+0x" "$TMP/r.txt" && ! grep -q " outer (" "$TMP/r.txt"; then
    pass "functions: a rebuilt binary is not used (no wrong names)"
  else fail "functions: rebuilt binary: $(grep -i 'fnprog\|outer' "$TMP/r.txt" | head -3)"; fi
else fail "functions: the variant does not build"; fi

# ---- the binary's path now names a FIFO: no hang, no name ----
rm -f "$TMP/a/fnprog"
if mkfifo "$TMP/a/fnprog" 2>/dev/null; then
  if timeout 60 "$TOOL" stats "$TMP/nest.ctrace" >"$TMP/f.txt" 2>&1 && grep -q "fnprog+0x" "$TMP/f.txt"; then
    pass "functions: a path that names a FIFO is not read"
  else fail "functions: FIFO at the binary's path: $(head -3 "$TMP/f.txt")"; fi
fi

finish
