#!/bin/sh
# tests/test_memory_asan.sh - tests/test_memory.c again, under AddressSanitizer
# and UBSan. The memory test frees stack addresses, pointers into the middle of
# blocks, and blocks twice; ctrace must refuse them without ever passing them
# to free() or reading memory it does not own. ASan turns any such slip, and
# any leak or overflow in the tracker itself, into a failure here.
# Skipped (a SKIP line) when clang or its ASan runtime is missing.
set -u
BUILD=${BUILD:-build}
CLANG=${CLANG:-clang}
TMP="$BUILD/tmp/test_memory_asan-$$"
mkdir -p "$TMP" || { echo "FAIL: asan: cannot create $TMP"; exit 1; }
trap 'rm -rf "$TMP"' EXIT

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
printf 'int main(void) { return 0; }\n' >"$TMP/probe.c"
if ! command -v "$CLANG" >/dev/null 2>&1 ||
   ! "$CLANG" $SAN "$TMP/probe.c" -o "$TMP/probe" >/dev/null 2>&1 || ! "$TMP/probe"; then
  echo "SKIP: asan: test_memory under AddressSanitizer: clang with an ASan runtime not found"
  exit 0
fi

if ! "$CLANG" -std=c99 -O0 -gline-tables-only $SAN -Wall -Wextra -Wpedantic -Wshadow -Werror -pthread \
    tests/test_memory.c -o "$TMP/test_memory" -lm >"$TMP/build.log" 2>&1; then
  sed 's/^/    /' "$TMP/build.log" | head -30
  echo "FAIL: asan: test_memory builds with -fsanitize=address,undefined"
  exit 1
fi
echo "PASS: asan: test_memory builds with -fsanitize=address,undefined"

# allocator_may_return_null: the test asks for impossible sizes on purpose and
# expects NULL with ENOMEM, as from the C library.
ASAN_OPTIONS="allocator_may_return_null=1:detect_leaks=1:abort_on_error=0:exitcode=23" \
UBSAN_OPTIONS="print_stacktrace=1" \
  BUILD="$BUILD" "$TMP/test_memory" >"$TMP/out" 2>"$TMP/err"
rc=$?
sed -e 's/^PASS: /PASS: asan: /' -e 's/^FAIL: /FAIL: asan: /' -e 's/^SKIP: /SKIP: asan: /' "$TMP/out"
if [ "$rc" -ne 0 ] && ! grep -q '^FAIL: ' "$TMP/out"; then
  sed 's/^/    /' "$TMP/err" | head -40
  echo "FAIL: asan: test_memory runs clean under the sanitizers: exit status $rc (report above)"
  exit 1
fi
if grep -q 'runtime error:\|ERROR: AddressSanitizer\|ERROR: LeakSanitizer' "$TMP/err"; then
  sed 's/^/    /' "$TMP/err" | head -40
  echo "FAIL: asan: test_memory runs clean under the sanitizers: a sanitizer reported an error"
  exit 1
fi
echo "PASS: asan: test_memory runs clean under the sanitizers"
exit "$rc"
