#!/bin/bash
# Windows: the core, memory, analysis and export tests cross-built with
# mingw-w64 (-static, so winpthreads is linked in) and run under wine; then
# a trace written by a Windows build of an example is read by the Windows
# build of the tool and by the Linux one, and their dumps must agree.
# Each test program's PASS/FAIL lines fold into one line here.
#
# Then a crash by access violation and by abort() with catch_fatal_signals.
#
# Left out: tests that need POSIX-only calls (test_core_flips uses alarm()),
# and the C++ scope test. tests/core_support.h and test_memory.c call
# mkdir(path, mode), which Windows spells _mkdir(path): a forced include
# (win_shim.h below) maps it, so those files stay as they are.
#
# SKIP lines (no failure) when x86_64-w64-mingw32-gcc or wine is missing.
# WINE_SCALE (default 0.05) sets CTRACE_TEST_SCALE; WINE_TIMEOUT (default
# 240 s) bounds each program.
set -u
BUILD=${BUILD:-build}
T="$BUILD/tmp/windows_$$"
MINGW=${MINGW_CC:-x86_64-w64-mingw32-gcc}
WARN="-Wall -Wextra -Wpedantic -Wshadow -Werror"
TESTS=${WINE_TESTS:-"test_core_roundtrip test_core_api test_core_threads test_core_macros test_core_scope test_core_disabled test_memory test_analysis test_export"}
LIMIT=${WINE_TIMEOUT:-240}

have() { command -v "$1" >/dev/null 2>&1; }
if ! have "$MINGW"; then
  echo "SKIP: windows: $MINGW not installed (apt-get install mingw-w64): Windows build not tested"
  exit 0
fi
if ! have wine; then
  echo "SKIP: windows: wine not installed (apt-get install wine wine64): Windows tests not run"
  exit 0
fi

mkdir -p "$T"
trap 'rm -rf "$T"' EXIT
export WINEPREFIX="$PWD/$BUILD/wineprefix"
export WINEDEBUG=-all
export CTRACE_TEST_SCALE=${WINE_SCALE:-0.05}
export BUILD
mkdir -p "$WINEPREFIX"

pass() { echo "PASS: $1"; }
fail() { # name, why, [log]
  echo "FAIL: $1: $2"
  [ -n "${3:-}" ] && [ -s "$3" ] && { grep -a -m 5 '^FAIL: ' "$3" || head -n 10 "$3"; } | sed 's/^/    /'
}

cat >"$T/win_shim.h" <<'C'
#include <sys/stat.h>
#include <io.h>
#include <direct.h>
#define mkdir(dir, mode) _mkdir(dir)
C

MINGW_FLAGS="-std=c99 -O1 -g $WARN -static -pthread -include $T/win_shim.h -I. -Itests"
# The implementation is cross-compiled once and archived (tests/impl_once.sh
# says which programs link it); an archive, so a program that needs none of
# it links none of it.
. tests/impl_once.sh
IMPL_LIB="$T/libctrace_win.a"
build_impl() {
  impl_source "$T/impl.c"
  if "$MINGW" $MINGW_FLAGS -c "$T/impl.c" -o "$T/impl.o" >"$T/impl.build" 2>&1 &&
     "${MINGW%gcc}ar" rcs "$IMPL_LIB" "$T/impl.o" >>"$T/impl.build" 2>&1; then
    return 0
  fi
  fail "windows: the implementation builds with mingw-w64" "does not compile" "$T/impl.build"
  rm -f "$IMPL_LIB"
  return 1
}

# cross NAME SRC [extra flags]: $T/NAME.exe; 0 on success, a FAIL line if not.
cross() {
  local name=$1 src=$2 lib=""
  shift 2
  if [ "$(impl_how "$src")" != own ]; then
    lib=$IMPL_LIB
    if [ ! -f "$lib" ]; then
      fail "windows: $name builds with mingw-w64" "no implementation to link (see above)"
      return 1
    fi
  fi
  # shellcheck disable=SC2046
  if "$MINGW" $MINGW_FLAGS $(impl_flags "$src") "$@" "$src" $lib -o "$T/$name.exe" -lm \
       >"$T/$name.build" 2>&1; then
    return 0
  fi
  fail "windows: $name builds with mingw-w64" "does not compile" "$T/$name.build"
  return 1
}

# Runs a Windows program under wine with a time limit; output without CRs.
run_wine() { # log, program, args...
  local log=$1 status
  shift
  timeout -k 10 "$LIMIT" wine "$@" >"$log.raw" 2>&1
  status=$?
  tr -d '\r' <"$log.raw" >"$log"
  return $status
}

# wine starts in seconds while its server runs and in about 7 more when it
# must start one: one server for the whole script, started first (the
# first start also creates the prefix) while the programs build, and ended
# with it.
wineserver -p >/dev/null 2>&1 </dev/null &
trap 'wineserver -k >/dev/null 2>&1; rm -rf "$T"' EXIT
{ timeout -k 10 300 wine cmd /c exit >/dev/null 2>&1; echo $? >"$T/wine_started"; } &
wine_start=$!

# catch_fatal_signals on Windows: an access violation (an unhandled
# structured exception) and abort() still leave every event and an end
# marker naming the crash, read here by the Linux tool.
cat >"$T/crash.c" <<'C'
#define CTRACE_IMPLEMENTATION
#include "ctrace.h"
#include <stdlib.h>
#include <string.h>
#include <windows.h>
int main(int argc, char **argv) {
  ctrace_config cfg;
  int i;
  if (argc < 3) return 90;
  SetErrorMode(SEM_NOGPFAULTERRORBOX); /* no debugger started: the crash just ends the program */
  memset(&cfg, 0, sizeof cfg);
  cfg.catch_fatal_signals = 1;
  if (ctrace_start_with(argv[1], &cfg) != 0) return 91;
  CTRACE_THREAD_NAME("crasher");
  for (i = 0; i < 1000; i++) {
    CTRACE_ZONE_BEGIN("step");
    CTRACE_COUNTER("i", i);
    CTRACE_ZONE_END();
  }
  CTRACE_INSTANT("last words");
  if (strcmp(argv[2], "segv") == 0) {
    volatile int *volatile p = NULL;
    *p = 1;
  }
  if (strcmp(argv[2], "abort") == 0) abort();
  return 92; /* the crash did not happen */
}
C
# Everything builds first, the implementation once; then everything runs.
build_impl
BUILT=""
for t in $TESTS; do
  [ -f "tests/$t.c" ] || continue
  cross "$t" "tests/$t.c" && BUILT="$BUILT $t"
done
TOOLS=no
if [ -f examples/threads.c ] && [ -f tools/ctrace.c ]; then
  cross ex_threads examples/threads.c && cross ctrace tools/ctrace.c && TOOLS=yes
fi
cross crash "$T/crash.c"
# The Linux tool to compare with: the one make builds, built here when missing.
LINUX_CT="$BUILD/ctrace"
if [ "$TOOLS" = yes ] && [ ! -x "$LINUX_CT" ]; then
  LINUX_CT="$T/ctrace_linux"
  if ! gcc -std=c99 -O1 -g $WARN -pthread -I. tools/ctrace.c -o "$LINUX_CT" -lm >"$T/linux.build" 2>&1; then
    fail "windows: Linux build of the tool (to compare with)" "does not compile" "$T/linux.build"
    TOOLS=no
  fi
fi

wait "$wine_start"
if [ "$(cat "$T/wine_started" 2>/dev/null)" != 0 ]; then
  fail "windows: wine starts" "wine cmd /c exit failed (prefix $WINEPREFIX)"
  exit 1
fi

for t in $BUILT; do
  run_wine "$T/$t.log" "$T/$t.exe"
  status=$?
  fails=$(grep -ac '^FAIL: ' "$T/$t.log")
  if [ "$status" = 0 ] && [ "$fails" = 0 ] && grep -aq '^PASS: ' "$T/$t.log"; then
    pass "windows: $t under wine ($(grep -ac '^PASS: ' "$T/$t.log") checks)"
  elif [ "$status" = 124 ]; then
    fail "windows: $t under wine" "did not finish within $LIMIT s" "$T/$t.log"
  else
    fail "windows: $t under wine" "status $status, $fails failed checks" "$T/$t.log"
  fi
done

# A trace written on Windows, read by the Windows tool and the Linux tool.
[ -f examples/threads.c ] && [ -f tools/ctrace.c ] || exit 0
[ "$TOOLS" = yes ] || exit 1
if ! run_wine "$T/ex.log" "$T/ex_threads.exe" "$T/win.ctrace" || [ ! -s "$T/win.ctrace" ]; then
  fail "windows: examples/threads under wine writes a trace" "it failed" "$T/ex.log"
  exit 1
fi
pass "windows: examples/threads under wine writes a trace ($(wc -c <"$T/win.ctrace") bytes)"
if run_wine "$T/check.log" "$T/ctrace.exe" check "$T/win.ctrace"; then
  pass "windows: ctrace.exe check: the Windows trace is intact"
else
  fail "windows: ctrace.exe check on the Windows trace" "exit status $?" "$T/check.log"
fi
"$LINUX_CT" check "$T/win.ctrace" >"$T/lcheck.log" 2>&1
status=$?
if [ "$status" = 0 ]; then
  pass "windows: the Linux tool reads the Windows trace as intact"
else
  fail "windows: the Linux tool on the Windows trace" "check exit status $status" "$T/lcheck.log"
fi
run_wine "$T/wdump.log" "$T/ctrace.exe" dump "$T/win.ctrace"
"$LINUX_CT" dump "$T/win.ctrace" >"$T/ldump.log" 2>&1
lines=$(wc -l <"$T/ldump.log")
if [ "$lines" -gt 10 ] && cmp -s "$T/wdump.log" "$T/ldump.log"; then
  pass "windows: Windows and Linux tools dump the same $lines events"
else
  fail "windows: Windows and Linux dumps of one trace" "they differ ($lines Linux lines)"
  diff "$T/wdump.log" "$T/ldump.log" | head -n 6 | sed 's/^/    /'
fi
if run_wine "$T/stats.json" "$T/ctrace.exe" stats "$T/win.ctrace" --json &&
   python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/stats.json" 2>/dev/null; then
  pass "windows: ctrace.exe stats --json under wine prints valid JSON"
else
  fail "windows: ctrace.exe stats --json under wine" "failed or not JSON" "$T/stats.json"
fi
for verb in "export chrome" "report"; do
  # shellcheck disable=SC2086
  set -- $verb
  out="$T/win_out_$1"
  if run_wine "$T/verb.log" "$T/ctrace.exe" "$@" "$T/win.ctrace" -o "$out" && [ -s "$out" ]; then
    pass "windows: ctrace.exe $verb writes its output under wine ($(wc -c <"$out") bytes)"
  else
    fail "windows: ctrace.exe $verb under wine" "failed or wrote nothing" "$T/verb.log"
  fi
done

# catch_fatal_signals on Windows (crash.c above).
[ -f "$T/crash.exe" ] || exit 1
for how in segv:11 abort:22; do
  mode=${how%%:*}
  sig=${how#*:}
  run_wine "$T/crash_$mode.log" "$T/crash.exe" "$T/crash_$mode.ctrace" "$mode"
  status=$?
  "$LINUX_CT" check "$T/crash_$mode.ctrace" >"$T/crash_check.log" 2>&1
  cstatus=$?
  # Events only: dump also prints a line per thread definition (kind "thread").
  events=$("$LINUX_CT" dump "$T/crash_$mode.ctrace" 2>/dev/null | awk -F'\t' '$3 != "thread"' | wc -l)
  # wine's exit status after a crash depends on its debugger settings, so
  # only the program's own returns say it did not crash; the end marker
  # naming the signal (written by the crash handler alone) says it did.
  case $status in 90|91|92|124) crashed=no ;; *) crashed=yes ;; esac
  if [ "$crashed" = no ]; then
    fail "windows: crash by $mode under wine" "the program did not crash (status $status)" "$T/crash_$mode.log"
  elif [ "$cstatus" = 0 ] && [ "$events" = 3001 ] &&
       grep -q "died of signal $sig;" "$T/crash_check.log"; then
    pass "windows: crash by $mode under wine: all $events events kept, the end marker names signal $sig"
  else
    fail "windows: crash by $mode under wine" "check status $cstatus, $events events (3001 expected)" \
      "$T/crash_check.log"
  fi
done
