#!/bin/bash
# The core tests again under sanitizers (clang): every tests/test_core_*.c
# and .cpp with AddressSanitizer + UndefinedBehaviorSanitizer (leaks
# included), and the threaded tests with ThreadSanitizer. One PASS/FAIL line
# per build and run; the inner tests' own lines are folded into it.
# The implementation is compiled once per sanitizer and linked into every
# test (built with -DCTRACE_TEST_SEPARATE_IMPL), which keeps this quick.
# CTRACE_TEST_SCALE (default 0.05 here) keeps the big tests short;
# SAN_TIMEOUT (default 240 s) bounds each test program.
set -u
BUILD=${BUILD:-build}
T="$BUILD/tmp/san_$$"
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT
WARN="-Wall -Wextra -Wpedantic -Wshadow -Werror"
PNG=""
[ -f /usr/include/stb/stb_image_write.h ] && PNG="-DCTRACE_WITH_PNG"
export CTRACE_TEST_SCALE=${CTRACE_TEST_SCALE:-0.05}
# A test that hangs fails alone, with its name, and the others still run.
LIMIT=${SAN_TIMEOUT:-240}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:exitcode=23}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:exitcode=66}
# The tests that start threads (the writer's own thread aside).
TSAN_TESTS=${TSAN_TESTS:-"test_core_threads test_core_roundtrip test_core_remote_free test_core_write_mode test_core_backpressure"}
COMMON="-O1 -g -fno-omit-frame-pointer $WARN $PNG -pthread -I. -Itests"

if ! command -v clang >/dev/null 2>&1; then
  echo "FAIL: sanitizers: clang is not installed (apt-get install clang)"
  exit 1
fi

. tests/impl_once.sh

# build_impl LABEL FLAGS...: the implementation object for one sanitizer.
build_impl() {
  local label=$1 obj="$T/impl_$1.o"
  shift
  impl_source "$T/impl_$label.c"
  if clang -std=c99 "$@" $COMMON -c "$T/impl_$label.c" -o "$obj" >"$T/impl_$label.log" 2>&1; then
    echo "$obj"
  else
    echo "FAIL: $label: the implementation does not build" >&2
    head -n 15 "$T/impl_$label.log" | sed 's/^/    /' >&2
  fi
}

# run_sanitized LABEL OBJ SRC FLAGS...: build SRC against OBJ, run, one line.
run_sanitized() {
  local label=$1 obj=$2 src=$3 exe log fails status
  shift 3
  exe="$T/$(basename "$src" | tr . _)_$label"
  log="$exe.log"
  case "$src" in
    *.cpp) set -- clang++ -std=c++11 "$@" ;;
    *) set -- clang -std=c99 "$@" ;;
  esac
  if ! "$@" $COMMON -DCTRACE_TEST_SEPARATE_IMPL "$src" "$obj" -o "$exe" -lm >"$log" 2>&1; then
    echo "FAIL: $label: $src: does not build"
    head -n 15 "$log" | sed 's/^/    /'
    return
  fi
  timeout -k 5 "$LIMIT" "$exe" >"$log" 2>&1
  status=$?
  fails=$(grep -c '^FAIL: ' "$log")
  if [ "$status" = 0 ] && [ "$fails" = 0 ] && grep -q '^PASS: ' "$log"; then
    echo "PASS: $label: $src ($(grep -c '^PASS: ' "$log") checks)"
  elif [ "$status" = 124 ] || [ "$status" = 137 ]; then
    echo "FAIL: $label: $src: did not finish within $LIMIT s (a hang?)"
    grep -m 5 '^FAIL: ' "$log" | sed 's/^/    /'
  else
    echo "FAIL: $label: $src: status $status, $fails failed checks"
    { grep -m 5 '^FAIL: ' "$log"; grep -m 1 -A 12 -E 'ERROR: |WARNING: ThreadSanitizer|runtime error' "$log"; } |
      sed 's/^/    /'
  fi
}

# UBSan with its integer checks too (unsigned wrap, implicit conversions):
# where ctrace wraps on purpose it says so (CTRACE__WRAPS); stb is left alone.
ASAN="-fsanitize=address,undefined,integer -fsanitize-ignorelist=tests/ubsan.ignore -fno-sanitize-recover=all"
# The two implementation objects build side by side (the longest compiles).
build_impl tsan -fsanitize=thread >"$T/tsan_obj" &
tsan_build=$!
obj=$(build_impl asan_ubsan $ASAN)
if [ -n "$obj" ]; then
  for src in tests/test_core_*.c tests/test_core_*.cpp; do
    [ -f "$src" ] && run_sanitized asan_ubsan "$obj" "$src" $ASAN
  done
fi
# The crafted corpus (tests/crafted/, tests/fuzz/corpus_desc/) under ASan+UBSan:
# through every verb of the tool (but caps and long_names, 0.8 and 8 MB, which
# take minutes a verb under ASan; the reader API below runs them smaller; and
# threads and threads_exit at 500 threads, not 2000: 5 s of CPU a verb under
# ASan, where 500 take 0.4 s and run the same code; test_crafted.sh runs 2000
# and 16000 natively), and through the public reader API.
# The tool and tests/crafted_api.c link the object above too
# (tests/impl_once.sh).
if [ -n "$obj" ] &&
   clang -std=c99 $ASAN $COMMON $IMPLEMENTED tools/ctrace.c "$obj" -o "$T/ctrace_asan" -lm >"$T/tool_asan.log" 2>&1; then
  CTRACE_TOOL="$T/ctrace_asan" CRAFTED_SIZE=small CRAFTED_BUDGETS=0 CRAFTED_DOUBLING=0 CRAFTED_SKIP="caps long_names" CRAFTED_N="threads=500 threads_exit=500" \
    BUILD="$BUILD" \
    sh tests/test_crafted.sh >"$T/crafted_asan.log" 2>&1
  # and the crafted ELF files (tests/elf_cases.h)
  CTRACE_TOOL="$T/ctrace_asan" CRAFTED_BUDGETS=0 CRAFTED_DOUBLING=0 BUILD="$BUILD" \
    sh tests/test_crafted_elf.sh >>"$T/crafted_asan.log" 2>&1
  fails=$(grep -c '^FAIL: ' "$T/crafted_asan.log")
  if [ "$fails" = 0 ] && grep -q '^PASS: ' "$T/crafted_asan.log"; then
    echo "PASS: asan_ubsan: the tool, every verb on $(grep -c '^PASS: ' "$T/crafted_asan.log") crafted traces"
  else
    echo "FAIL: asan_ubsan: the tool on crafted traces: $fails failed"
    grep -m 5 '^FAIL: ' "$T/crafted_asan.log" | sed 's/^/    /'
  fi
else
  echo "FAIL: asan_ubsan: tools/ctrace.c does not build"
  head -n 15 "$T/tool_asan.log" | sed 's/^/    /'
fi
if [ -n "$obj" ] &&
   clang -std=c99 $ASAN $COMMON $IMPLEMENTED tests/crafted_api.c "$obj" -o "$T/crafted_api" -lm >"$T/api_asan.log" 2>&1; then
  # the hand-written descriptions (found-* are what fuzzing kept; make fuzz runs those)
  if CTRACE_FUZZ_TMP="$T" "$T/crafted_api" $(ls tests/fuzz/corpus_desc/* | grep -v /found-) >"$T/api_run.log" 2>&1; then
    echo "PASS: asan_ubsan: the reader API on $(grep -c '^PASS: ' "$T/api_run.log") crafted descriptions"
  else
    echo "FAIL: asan_ubsan: the reader API on crafted descriptions"
    grep -m 1 -A 12 -E 'ERROR: |runtime error|contract broken' "$T/api_run.log" | sed 's/^/    /'
  fi
else
  echo "FAIL: asan_ubsan: tests/crafted_api.c does not build"
  head -n 15 "$T/api_asan.log" | sed 's/^/    /'
fi
wait "$tsan_build"
obj=$(cat "$T/tsan_obj")
if [ -n "$obj" ]; then
  for name in $TSAN_TESTS; do
    [ -f "tests/$name.c" ] && run_sanitized tsan "$obj" "tests/$name.c" -fsanitize=thread
  done
fi
