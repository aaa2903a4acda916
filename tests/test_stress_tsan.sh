#!/bin/sh
# tests/test_stress_tsan.sh - tests/test_stress.c again under ThreadSanitizer
# (clang -fsanitize=thread): thread churn, tracing, tracked allocations and
# the writer thread must show no data race. Any ThreadSanitizer report fails
# the run (halt_on_error, exit code 66). CTRACE_TEST_SCALE defaults to 0.3
# here: TSan makes every step several times slower. Built at -O0: clang
# takes 4x longer to build the whole header with -O1 under TSan, and the
# races TSan finds do not depend on the optimiser.
# Skipped (a SKIP line) when clang or its TSan runtime is missing.
set -u
BUILD=${BUILD:-build}
CLANG=${CLANG:-clang}
TMP="$BUILD/tmp/test_stress_tsan-$$"
mkdir -p "$TMP" || { echo "FAIL: tsan: cannot create $TMP"; exit 1; }
trap 'rm -rf "$TMP"' EXIT
export CTRACE_TEST_SCALE=${CTRACE_TEST_SCALE:-0.3}
export TSAN_OPTIONS="halt_on_error=1 exitcode=66"
export CTRACE_TEST_NO_RSS=1 # TSan's own per-thread memory would swamp the measure
export BUILD

printf 'int main(void) { return 0; }\n' >"$TMP/probe.c"
if ! command -v "$CLANG" >/dev/null 2>&1 ||
   ! "$CLANG" -fsanitize=thread "$TMP/probe.c" -o "$TMP/probe" >/dev/null 2>&1 || ! "$TMP/probe"; then
  echo "SKIP: tsan: test_stress under ThreadSanitizer: clang with a TSan runtime not found"
  exit 0
fi

if ! "$CLANG" -std=c99 -O0 -g -fsanitize=thread -fno-omit-frame-pointer \
    -Wall -Wextra -Wpedantic -Wshadow -Werror -pthread -I. -Itests \
    tests/test_stress.c -o "$TMP/test_stress" -lm >"$TMP/build.log" 2>&1; then
  sed 's/^/    /' "$TMP/build.log" | head -30
  echo "FAIL: tsan: test_stress builds with clang -fsanitize=thread"
  exit 1
fi
echo "PASS: tsan: test_stress builds with clang -fsanitize=thread"

"$TMP/test_stress" >"$TMP/run.log" 2>&1
status=$?
inner_fail=$(grep -c '^FAIL: ' "$TMP/run.log")
inner_pass=$(grep -c '^PASS: ' "$TMP/run.log")
if grep -q 'WARNING: ThreadSanitizer' "$TMP/run.log" || [ "$status" = 66 ]; then
  grep -m 1 -A 30 'WARNING: ThreadSanitizer' "$TMP/run.log" | sed 's/^/    /'
  echo "FAIL: tsan: test_stress: ThreadSanitizer reported a problem (exit $status)"
  exit 1
fi
echo "PASS: tsan: test_stress: no ThreadSanitizer report"
if [ "$status" = 0 ] && [ "$inner_fail" = 0 ] && [ "$inner_pass" -gt 0 ]; then
  echo "PASS: tsan: test_stress's own checks under TSan ($inner_pass passed)"
else
  grep '^FAIL: ' "$TMP/run.log" | head -5 | sed 's/^/    /'
  tail -n 5 "$TMP/run.log" | sed 's/^/    /'
  echo "FAIL: tsan: test_stress's own checks under TSan: exit $status, $inner_fail failed"
  exit 1
fi
