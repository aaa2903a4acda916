#!/bin/bash
# Fuzzing: the libFuzzer harnesses in tests/fuzz/fuzz_*.c (reader, analysis
# and text outputs, HTML report, Chrome export) over the seed corpus, then a
# short fuzz run each. One PASS/FAIL line per build, per corpus pass and per
# fuzz run; a fuzz run passes when libFuzzer finds no crash, no sanitizer
# report, no input over -timeout and no RSS over -rss_limit_mb.
#
# Seeds: tests/fuzz/corpus/ (checked in), tests/fuzz/regressions/ (inputs
# that once crashed) and the traces tests/fuzz/gen_corpus.c writes now into
# $BUILD/fuzz/seeds/ (so the seeds follow the current writer).
#
# Environment:
#   FUZZ_SECONDS  seconds of fuzzing per harness (default 5; make fuzz
#                 runs the harnesses for long)
#   FUZZ_KEEP=1   keep new inputs in $BUILD/fuzz/corpus_NAME/ and grow them
#                 from run to run (make fuzz); otherwise a fresh scratch corpus
#   FUZZ_JOBS     harnesses fuzzed at once (default: number of CPUs, at most 4)
#   FUZZ_CC       the compiler with libFuzzer (default clang)
# A crashing input is kept in $BUILD/fuzz/artifacts/; copy it into
# tests/fuzz/regressions/ once the bug is understood.
set -u
BUILD=${BUILD:-build}
SECS=${FUZZ_SECONDS:-5}
KEEP=${FUZZ_KEEP:-0}
FUZZ_CC=${FUZZ_CC:-clang}
CPUS=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
JOBS=${FUZZ_JOBS:-$((CPUS < 4 ? CPUS : 4))}
F="$BUILD/fuzz"
T="$BUILD/tmp/fuzz_$$"
WARN="-Wall -Wextra -Wpedantic -Wshadow -Werror"
PNG=""
[ -f /usr/include/stb/stb_image_write.h ] && PNG="-DCTRACE_WITH_PNG"
mkdir -p "$F/artifacts" "$T"
trap 'rm -rf "$T"' EXIT
export CTRACE_FUZZ_TMP="$T"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

pass() { echo "PASS: $1"; }
fail() { # name, why, [log file]
  echo "FAIL: $1: $2"
  if [ -n "${3:-}" ] && [ -s "$3" ]; then
    grep -m 12 -E 'ERROR|runtime error|contract broken|SUMMARY|#[0-9] |Test unit written|timeout|out-of-memory' "$3" |
      sed 's/^/    /'
  fi
}

# ---- the libFuzzer toolchain -------------------------------------------------
probe="$T/probe.c"
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' > "$probe"
if ! command -v "$FUZZ_CC" >/dev/null 2>&1 ||
   ! "$FUZZ_CC" -fsanitize=fuzzer "$probe" -o "$T/probe" >/dev/null 2>&1; then
  echo "SKIP: fuzz: $FUZZ_CC cannot build libFuzzer programs (apt-get install clang libclang-rt-14-dev)"
  exit 0
fi

# ---- seeds -------------------------------------------------------------------
rm -rf "$F/seeds"
mkdir -p "$F/seeds"
if ! cc -std=c99 -O1 -g $WARN -pthread -I. tests/fuzz/gen_corpus.c -o "$F/gen_corpus" -lm \
     >"$T/gen.log" 2>&1; then
  fail "fuzz: seed generator builds" "does not compile" "$T/gen.log"
elif ! "$F/gen_corpus" "$F/seeds" >"$T/gen.log" 2>&1; then
  fail "fuzz: seed generator writes every seed" "$(head -n 3 "$T/gen.log" | tr '\n' ' ')"
else
  pass "fuzz: seed generator wrote $(ls "$F/seeds" | wc -l) traces ($(du -sk "$F/seeds" | cut -f1) KiB)"
fi
SEED_FILES=$(ls -d tests/fuzz/corpus/* tests/fuzz/corpus_desc/* tests/fuzz/corpus_elf/* tests/fuzz/regressions/* \
             "$F"/seeds/* 2>/dev/null |
             grep -v '/README' || true)
nseeds=$(echo "$SEED_FILES" | grep -c .)
# The fuzz runs start from the seeds without the regressions (a known bug
# fails the seed pass once, and the fuzzing can still look for new ones) and
# without the descriptions earlier fuzzing kept (corpus_desc/found-*, 640 of
# them): libFuzzer runs its whole corpus before it mutates anything, and
# those would take the short run's time; the seed pass ran them all.
FUZZ_SEEDS=$(echo "$SEED_FILES" | grep -v -e '^tests/fuzz/regressions/' -e '^tests/fuzz/corpus_desc/found-' || true)

# ---- harnesses ---------------------------------------------------------------
# The implementation is compiled once, with the fuzzer's coverage
# (fuzzer-no-link) and the sanitizers, and linked into the harnesses
# (tests/impl_once.sh says which).
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
FLAGS="-std=c99 -g -O1 $WARN $PNG -pthread -I."
. tests/impl_once.sh
impl_source "$T/impl.c"
build_impl() {
  "$FUZZ_CC" $FLAGS -fsanitize=fuzzer-no-link $SAN -c "$T/impl.c" -o "$T/impl.o" >"$T/build_impl.log" 2>&1 ||
    rm -f "$T/impl.o"
}
build_one() { # name: builds $T/fuzz_NAME; the log tells why not
  local src="tests/fuzz/fuzz_$1.c"
  rm -f "$T/fuzz_$1"
  if [ "$(impl_how "$src")" = own ]; then
    "$FUZZ_CC" $FLAGS -fsanitize=fuzzer $SAN "$src" -o "$T/fuzz_$1" -lm >"$T/build_$1.log" 2>&1
  elif [ -f "$T/impl.o" ]; then
    # shellcheck disable=SC2046
    "$FUZZ_CC" $FLAGS -fsanitize=fuzzer $SAN $(impl_flags "$src") "$src" "$T/impl.o" -o "$T/fuzz_$1" -lm \
      >"$T/build_$1.log" 2>&1
  else
    cp "$T/build_impl.log" "$T/build_$1.log"
  fi
}

# run_batched FUNCTION NAME...: FUNCTION NAME for every NAME, JOBS at a time
# (each writes its own files; nothing is printed meanwhile).
run_batched() {
  local fn=$1 n=0 name
  shift
  for name in "$@"; do
    "$fn" "$name" &
    n=$((n + 1))
    if [ "$n" -ge "$JOBS" ]; then wait; n=0; fi
  done
  wait
}

ALL=""
for src in tests/fuzz/fuzz_*.c; do
  [ -f "$src" ] || continue
  name=$(basename "$src" .c)
  ALL="$ALL ${name#fuzz_}"
done
# The shared object and the harnesses with their own implementation first
# (the long compiles, side by side), then the quick ones that link it.
OWN=""
SHARED=""
for name in $ALL; do
  if [ "$(impl_how "tests/fuzz/fuzz_$name.c")" = own ]; then OWN="$OWN $name"; else SHARED="$SHARED $name"; fi
done
build_first() { if [ "$1" = impl ]; then build_impl; else build_one "$1"; fi; }
# shellcheck disable=SC2086
run_batched build_first impl $OWN
# shellcheck disable=SC2086
run_batched build_one $SHARED
HARNESSES=""
for name in $ALL; do
  if [ -x "$T/fuzz_$name" ]; then
    HARNESSES="$HARNESSES $name"
  else
    fail "fuzz: $name harness builds" "does not compile" "$T/build_$name.log"
    sed -n 1,10p "$T/build_$name.log" | sed 's/^/    /'
  fi
done

# Every seed once through each harness: libFuzzer runs the files given and
# exits non-zero at the first crash, leak or contract failure.
for name in $HARNESSES; do
  log="$T/seeds_$name.log"
  # shellcheck disable=SC2086
  if "$T/fuzz_$name" -timeout=10 -rss_limit_mb=1024 -artifact_prefix="$F/artifacts/$name-" \
       $SEED_FILES >"$log" 2>&1; then
    pass "fuzz: $name: all $nseeds seed traces (corpus, regressions, generated)"
  else
    fail "fuzz: $name: seed traces" "a seed crashes or breaks a contract" "$log"
  fi
done

# ---- fuzzing -----------------------------------------------------------------
# stat NAME LOG: a figure from -print_final_stats.
stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -n 1; }

fuzz_one() { # name
  local name=$1 corpus log status
  log="$T/fuzz_$name.log"
  if [ "$KEEP" = 1 ]; then corpus="$F/corpus_$name"; else corpus="$T/corpus_$name"; fi
  mkdir -p "$corpus"
  # shellcheck disable=SC2086
  cp -n $FUZZ_SEEDS "$corpus/" 2>/dev/null
  "$T/fuzz_$name" -max_total_time="$SECS" -max_len=65536 -rss_limit_mb=1024 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$F/artifacts/$name-" "$corpus" >"$log" 2>&1
  status=$?
  if [ "$status" = 0 ]; then
    pass "fuzz: $name: ${SECS} s, $(stat number_of_executed_units "$log") runs at $(stat average_exec_per_sec "$log")/s, corpus $(ls "$corpus" | wc -l) inputs, peak RSS $(stat peak_rss_mb "$log") MB"
  else
    fail "fuzz: $name: ${SECS} s of fuzzing" "libFuzzer stopped (status $status) after $(stat number_of_executed_units "$log") runs" "$log"
  fi
}

# Harnesses side by side, JOBS at a time; their lines are printed in order.
fuzz_to_file() { fuzz_one "$1" >"$T/result_$1"; }
# shellcheck disable=SC2086
run_batched fuzz_to_file $HARNESSES
for name in $HARNESSES; do cat "$T/result_$name"; done
