#!/bin/bash
# The core tests again under sanitizers (clang): every tests/test_core_*.c
# and .cpp with AddressSanitizer + UndefinedBehaviorSanitizer (leaks
# included), and the threaded tests with ThreadSanitizer. One PASS/FAIL line
# per build and run; the inner tests' own lines are folded into it.
# The implementation is compiled once per sanitizer and linked into every
# test (built with -DCTRACE_TEST_SEPARATE_IMPL), which keeps this quick.
# CTRACE_TEST_SCALE (default 0.05 here) keeps the big tests short.
set -u
BUILD=${BUILD:-build}
T="$BUILD/tmp/san_$$"
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT
WARN="-Wall -Wextra -Wpedantic -Wshadow -Werror"
PNG=""
[ -f /usr/include/stb/stb_image_write.h ] && PNG="-DCTRACE_WITH_PNG"
export CTRACE_TEST_SCALE=${CTRACE_TEST_SCALE:-0.05}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:exitcode=23}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:exitcode=66}
TSAN_TESTS=${TSAN_TESTS:-"test_core_threads test_core_roundtrip test_core_remote_free test_core_write_mode"}
COMMON="-O1 -g -fno-omit-frame-pointer $WARN $PNG -pthread -I. -Itests"

if ! command -v clang >/dev/null 2>&1; then
  echo "FAIL: sanitizers: clang is not installed (apt-get install clang)"
  exit 1
fi

# build_impl LABEL FLAGS...: the implementation object for one sanitizer.
build_impl() {
  local label=$1 obj="$T/impl_$1.o"
  shift
  printf '#define CTRACE_IMPLEMENTATION\n#define CTRACE_TOOLS_IMPLEMENTATION\n#include "ctrace.h"\n' > "$T/impl.c"
  if clang -std=c99 "$@" $COMMON -c "$T/impl.c" -o "$obj" >"$T/impl_$label.log" 2>&1; then
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
  "$exe" >"$log" 2>&1
  status=$?
  fails=$(grep -c '^FAIL: ' "$log")
  if [ "$status" = 0 ] && [ "$fails" = 0 ] && grep -q '^PASS: ' "$log"; then
    echo "PASS: $label: $src ($(grep -c '^PASS: ' "$log") checks)"
  else
    echo "FAIL: $label: $src: status $status, $fails failed checks"
    { grep -m 5 '^FAIL: ' "$log"; grep -m 1 -A 12 -E 'ERROR: |WARNING: ThreadSanitizer|runtime error' "$log"; } |
      sed 's/^/    /'
  fi
}

# UBSan with its integer checks too (unsigned wrap, implicit conversions):
# where ctrace wraps on purpose it says so (CTRACE__WRAPS); stb is left alone.
ASAN="-fsanitize=address,undefined,integer -fsanitize-ignorelist=tests/ubsan.ignore -fno-sanitize-recover=all"
obj=$(build_impl asan_ubsan $ASAN)
if [ -n "$obj" ]; then
  for src in tests/test_core_*.c tests/test_core_*.cpp; do
    [ -f "$src" ] && run_sanitized asan_ubsan "$obj" "$src" $ASAN
  done
fi
# The crafted corpus (tests/crafted/, tests/fuzz/corpus_desc/) under ASan+UBSan:
# through every verb of the tool (but caps and long_names, 0.8 and 8 MB, which
# take minutes a verb under ASan; the reader API below runs them smaller), and
# through the public reader API.
if clang -std=c99 $ASAN $COMMON tools/ctrace.c -o "$T/ctrace_asan" -lm >"$T/tool_asan.log" 2>&1; then
  CTRACE_TOOL="$T/ctrace_asan" CRAFTED_SIZE=small CRAFTED_BUDGETS=0 CRAFTED_DOUBLING=0 CRAFTED_SKIP="caps long_names" BUILD="$BUILD" \
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
if clang -std=c99 $ASAN $COMMON -Itests tests/crafted_api.c -o "$T/crafted_api" -lm >"$T/api_asan.log" 2>&1; then
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
obj=$(build_impl tsan -fsanitize=thread)
if [ -n "$obj" ]; then
  for name in $TSAN_TESTS; do
    [ -f "tests/$name.c" ] && run_sanitized tsan "$obj" "tests/$name.c" -fsanitize=thread
  done
fi
