#!/bin/bash
# Valgrind memcheck over a representative part of the suite: the core round
# trip, API errors and threads (at a small CTRACE_TEST_SCALE), the memory
# tests, two examples writing real traces, and the tool's verbs on a small
# trace (one of them damaged). Each program runs under
#   valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
# so any invalid read or write, use of an uninitialised value in a branch,
# or block definitely lost after ctrace_stop fails its line. Built with gcc
# -O1 -g and no sanitizer (memcheck and ASan do not mix).
# VALGRIND_SCALE (default 0.01) sets CTRACE_TEST_SCALE for the C tests;
# VALGRIND_TIMEOUT (default 240 s) bounds each program.
set -u
BUILD=${BUILD:-build}
T="$BUILD/tmp/valgrind_$$"
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT
WARN="-Wall -Wextra -Wpedantic -Wshadow -Werror"
PNG=""
[ -f /usr/include/stb/stb_image_write.h ] && PNG="-DCTRACE_WITH_PNG"
export CTRACE_TEST_SCALE=${VALGRIND_SCALE:-0.01}
export BUILD

if ! command -v valgrind >/dev/null 2>&1; then
  echo "SKIP: valgrind: not installed (apt-get install valgrind)"
  exit 0
fi
# test_memory asks malloc/realloc for SIZE_MAX - 4096 on purpose; memcheck
# calls such sizes "fishy" and counts them as errors.
cat >"$T/fishy.supp" <<'SUPP'
{
   huge malloc asked for on purpose by test_memory
   Memcheck:FishyValue
   malloc(size)
   fun:malloc
   ...
}
{
   huge realloc asked for on purpose by test_memory
   Memcheck:FishyValue
   realloc(size)
   fun:realloc
   ...
}
{
   ctrace reads a freed block's tag on purpose to tell a double free (README, Memory)
   Memcheck:Addr1
   fun:ctrace__still_freed
}
SUPP
# A program that hangs fails alone, with its name, and the others still run.
LIMIT=${VALGRIND_TIMEOUT:-240}
VG="timeout -k 5 $LIMIT valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --num-callers=16 --suppressions=$T/fishy.supp"
# Checks that fail under valgrind for valgrind's own reasons: its calloc
# replacement returns NULL on n*size overflow without setting errno (glibc
# sets ENOMEM; ctrace_calloc passes calloc's errno through). Reported as
# SKIP lines, not counted as failures.
VALGRIND_ARTEFACTS="calloc overflow sets errno to ENOMEM"

pass() { echo "PASS: $1"; }
fail() { # name, why, [log]
  echo "FAIL: $1: $2"
  if [ -n "${3:-}" ] && [ -s "$3" ]; then
    { grep -a -m 5 '^FAIL: ' "$3"; grep -a -m 1 -A 10 -E '== (Invalid|Conditional|Use of|Syscall|Mismatched|[0-9,]+ bytes in [0-9,]+ blocks are definitely)' "$3"; } |
      sed 's/^/    /'
  fi
}

# The implementation is compiled once (tests/impl_once.sh says which
# programs link it).
. tests/impl_once.sh
CFLAGS_VG="-std=c99 -O1 -g $WARN $PNG -pthread -I. -Itests"
impl_source "$T/impl.c"
if ! gcc $CFLAGS_VG -c "$T/impl.c" -o "$T/impl.o" >"$T/impl.build" 2>&1; then
  echo "FAIL: valgrind: the implementation builds: does not compile"
  sed -n 1,8p "$T/impl.build" | sed 's/^/    /'
  exit 1
fi

# build NAME SRC: $T/NAME from SRC; 0 on success (a FAIL line otherwise).
build() {
  local impl="$T/impl.o"
  [ "$(impl_how "$2")" = own ] && impl=""
  # shellcheck disable=SC2046
  if gcc $CFLAGS_VG $(impl_flags "$2") "$2" $impl -o "$T/$1" -lm >"$T/$1.build" 2>&1; then
    return 0
  fi
  fail "valgrind: $1 builds" "does not compile" "$T/$1.build"
  sed -n 1,8p "$T/$1.build" | sed 's/^/    /'
  return 1
}

# A C test under memcheck: its own PASS/FAIL lines are folded into one.
vg_test() { # name
  local log="$T/$1.log" status fails
  [ -f "tests/$1.c" ] || return
  build "$1" "tests/$1.c" || return
  $VG "$T/$1" >"$log" 2>&1
  status=$?
  grep "^FAIL: $VALGRIND_ARTEFACTS" "$log" | sed "s/^FAIL: /SKIP: valgrind: $1: (valgrind's calloc sets no errno) /"
  fails=$(grep '^FAIL: ' "$log" | grep -vc "^FAIL: $VALGRIND_ARTEFACTS")
  [ "$fails" = 0 ] && [ "$status" = 1 ] && grep -q "^FAIL: $VALGRIND_ARTEFACTS" "$log" && status=0
  if [ "$status" = 0 ] && [ "$fails" = 0 ] && grep -q '^PASS: ' "$log"; then
    pass "valgrind: $1 ($(grep -c '^PASS: ' "$log") checks, memcheck clean, no definite leaks)"
  elif [ "$status" = 99 ]; then
    fail "valgrind: $1" "memcheck found errors" "$log"
  elif [ "$status" = 124 ] || [ "$status" = 137 ]; then
    fail "valgrind: $1" "did not finish within $LIMIT s (a hang?)" "$log"
  else
    fail "valgrind: $1" "status $status, $fails failed checks" "$log"
  fi
}

# A program that is not a test: it must exit 0 (or with one of the codes
# given) and memcheck must be clean.
vg_run() { # name, allowed exit codes ("0" or "0 1"), command...
  local name=$1 allowed=$2 log status
  shift 2
  log="$T/run_$(echo "$name" | tr -c 'a-zA-Z0-9\n' '_').log"
  $VG "$@" >"$log" 2>&1
  status=$?
  if [ "$status" = 99 ]; then
    fail "valgrind: $name" "memcheck found errors" "$log"
  elif [ "$status" = 124 ] || [ "$status" = 137 ]; then
    fail "valgrind: $name" "did not finish within $LIMIT s (a hang?)" "$log"
  elif case " $allowed " in *" $status "*) false ;; *) true ;; esac; then
    fail "valgrind: $name" "exit status $status (expected $allowed)" "$log"
    tail -n 5 "$log" | sed 's/^/    /'
  else
    pass "valgrind: $name"
  fi
}

for t in test_core_roundtrip test_core_api test_core_threads test_memory; do
  vg_test "$t"
done

# Examples write real traces through the whole writer, threads included.
TRACE=""
for ex in threads gc_demo; do
  [ -f "examples/$ex.c" ] || continue
  build "ex_$ex" "examples/$ex.c" || continue
  vg_run "example $ex writes a trace" "0" "$T/ex_$ex" "$T/$ex.ctrace"
  [ -s "$T/$ex.ctrace" ] && TRACE="$T/$ex.ctrace"
done

if [ -f tools/ctrace.c ] && [ -n "$TRACE" ] && build tool tools/ctrace.c; then
  head -c $(( $(wc -c <"$TRACE") * 2 / 3 )) "$TRACE" >"$T/cut.ctrace"
  vg_run "tool check" "0" "$T/tool" check "$TRACE"
  vg_run "tool stats --json" "0" "$T/tool" stats "$TRACE" --json
  vg_run "tool export chrome" "0" "$T/tool" export chrome "$TRACE" -o "$T/out.json"
  vg_run "tool export folded" "0" "$T/tool" export folded "$TRACE" -o "$T/out.folded"
  vg_run "tool report" "0" "$T/tool" report "$TRACE" -o "$T/out.html"
  vg_run "tool png" "0" "$T/tool" png "$TRACE" -o "$T/out.png" --width 320 --height 200
  vg_run "tool report on a cut trace" "1" "$T/tool" report "$T/cut.ctrace" -o "$T/cut.html"
  vg_run "tool check on a missing file" "2" "$T/tool" check "$T/missing.ctrace"
elif [ -f tools/ctrace.c ]; then
  echo "SKIP: valgrind: tool verbs: no example trace to run them on"
fi
