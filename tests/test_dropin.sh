#!/bin/sh
# tests/test_dropin.sh - the header in a program as it comes.
#
# CTRACE_FILE in a program built with annotations only (no
# -finstrument-functions) records a session; CTRACE_NO_ENV_START keeps it
# out; every variable for a config field, set well, gives an intact trace
# and nothing on stderr (the clock is read back from the trace, the RSS
# sampling seen as its counter), and a bad value of each is refused with a
# line naming the variable and no trace. Then a program that
# ends by _exit, abort, SIGKILL or execve after one flush period: the trace
# keeps what was flushed (the early instant is there), and every verb
# (check, dump, stats, export chrome/csv/folded, png, report) exits 1 and
# says "no end marker" with what may be missing; the same program ending
# with exit() gives an intact trace and exit 0 from every verb.
# Needs the tool (build/ctrace). Run from the repo root.
set -u
BUILD=${BUILD:-build}
CC=${CC:-cc}
TOOL="$BUILD/ctrace"
TMP="$BUILD/tmp/test_dropin-$$"
mkdir -p "$TMP" || { echo "FAIL: dropin: cannot create $TMP"; exit 1; }
trap 'rm -rf "$TMP"' EXIT
FAILS=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
finish() { [ "$FAILS" = 0 ]; exit $?; }
[ -x "$TOOL" ] || { fail "dropin: $TOOL is not built"; finish; }
WARN="-Wall -Wextra -Wpedantic -Wshadow -Werror"

cat >"$TMP/ends.c" <<'C'
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#define CTRACE_IMPLEMENTATION
#include "ctrace.h"
/* ends HOW: an instant, three flush periods of sleep (CTRACE_FLUSH_MS=20),
   then the end HOW says: exit, _exit, abort, kill (SIGKILL), exec. */
int main(int argc, char **argv) {
  const char *how = argc > 1 ? argv[1] : "exit";
  struct timespec ts = {0, 60000000};
  char *args[2];
  args[0] = (char *)"true";
  args[1] = NULL;
  CTRACE_THREAD_NAME("main");
  CTRACE_ZONE_BEGIN("work");
  CTRACE_INSTANT("recorded early");
  CTRACE_ZONE_END();
  CTRACE_ZONE_BEGIN("still open");
  nanosleep(&ts, NULL);
  if (!strcmp(how, "_exit")) _exit(0);
  if (!strcmp(how, "abort")) abort();
  if (!strcmp(how, "kill")) kill(getpid(), SIGKILL);
  if (!strcmp(how, "exec")) execv("/bin/true", args);
  return 0;
}
C
# -std=gnu99: the program's own _exit/kill need POSIX, as most programs' do.
if ! $CC -std=gnu99 -O1 $WARN -I. "$TMP/ends.c" -o "$TMP/ends" -pthread 2>"$TMP/cc.log"; then
  fail "dropin: the test program does not compile: $(head -n 3 "$TMP/cc.log")"
  finish
fi
if ! $CC -std=gnu99 -O1 $WARN -DCTRACE_NO_ENV_START -I. "$TMP/ends.c" -o "$TMP/ends_noenv" -pthread 2>"$TMP/cc.log"; then
  fail "dropin: the CTRACE_NO_ENV_START build does not compile: $(head -n 3 "$TMP/cc.log")"
  finish
fi

# A small reader: the clock a trace records.
cat >"$TMP/info.c" <<'C'
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "ctrace.h"
#include <stdio.h>
int main(int argc, char **argv) {
  ctrace_reader *r = NULL;
  char err[200];
  if (argc < 2 || ctrace_reader_open(&r, argv[1], err, sizeof err) != 0) return 2;
  printf("clock=%d\n", ctrace_reader_info(r)->clock);
  ctrace_reader_close(r);
  return 0;
}
C
$CC -std=c99 -O1 $WARN -I. "$TMP/info.c" -o "$TMP/info" -pthread -lm 2>"$TMP/cc.log" ||
  fail "dropin: the reader program does not compile: $(head -n 3 "$TMP/cc.log")"

# ---- CTRACE_FILE and the variables -------------------------------------------
T="$TMP/env.ctrace"
CTRACE_FILE="$T" "$TMP/ends" exit
if "$TOOL" check "$T" >/dev/null 2>&1; then
  pass "dropin: CTRACE_FILE records an intact trace from a program built without -finstrument-functions"
else
  fail "dropin: CTRACE_FILE in an annotated program: no intact trace (check exits $?)"
fi
rm -f "$TMP/noenv.ctrace"
CTRACE_FILE="$TMP/noenv.ctrace" "$TMP/ends_noenv" exit
if [ -e "$TMP/noenv.ctrace" ]; then fail "dropin: CTRACE_NO_ENV_START: CTRACE_FILE still started a session"
else pass "dropin: CTRACE_NO_ENV_START: CTRACE_FILE starts nothing"; fi

CTRACE_FILE="$TMP/mono.ctrace" CTRACE_CLOCK=monotonic "$TMP/ends" exit
if [ -x "$TMP/info" ] && [ "$("$TMP/info" "$TMP/mono.ctrace")" = "clock=2" ]; then
  pass "dropin: CTRACE_CLOCK=monotonic is the clock the trace records"
else
  fail "dropin: CTRACE_CLOCK=monotonic: the trace says $("$TMP/info" "$TMP/mono.ctrace" 2>&1)"
fi

# bad_value VAR VALUE: no trace, one stderr line naming VAR=VALUE.
bad_value() {
  rm -f "$TMP/bad.ctrace"
  env "$1=$2" CTRACE_FILE="$TMP/bad.ctrace" "$TMP/ends" exit 2>"$TMP/bad.err"
  if [ -e "$TMP/bad.ctrace" ]; then
    fail "dropin: $1=$2 accepted (a trace was written)"
  elif grep -q "^ctrace: $1=$2: expected .*; tracing not started$" "$TMP/bad.err"; then
    pass "dropin: $1=$2 refused with a line naming the variable"
  else
    fail "dropin: $1=$2: stderr was: $(head -c 200 "$TMP/bad.err")"
  fi
}
bad_value CTRACE_BUFFER_SIZE 64k
bad_value CTRACE_BUFFER_SIZE 10
bad_value CTRACE_FLUSH_MS -5
bad_value CTRACE_MAX_BUFFERS ""
bad_value CTRACE_RSS_MS 1e3
bad_value CTRACE_CATCH_FATAL yes
bad_value CTRACE_FUNCTION_MIN_NS " 5"
bad_value CTRACE_CLOCK tsc
bad_value CTRACE_WRITE_MODE threads

CTRACE_FILE="$TMP/ok.ctrace" CTRACE_BUFFER_SIZE=4096 CTRACE_FLUSH_MS=20 CTRACE_MAX_BUFFERS=8 \
  CTRACE_RSS_MS=10 CTRACE_CATCH_FATAL=1 CTRACE_FUNCTION_MIN_NS=1000 CTRACE_WRITE_MODE=writer \
  "$TMP/ends" exit 2>"$TMP/ok.err"
if "$TOOL" check "$TMP/ok.ctrace" >/dev/null 2>&1 && [ ! -s "$TMP/ok.err" ] &&
   "$TOOL" dump "$TMP/ok.ctrace" 2>/dev/null | grep -q 'ctrace.rss'; then
  pass "dropin: every variable with a good value: intact trace, nothing on stderr, CTRACE_RSS_MS sampled ctrace.rss"
else
  fail "dropin: good values: check or stderr ($(head -c 200 "$TMP/ok.err")) or no ctrace.rss counter"
fi

# ---- programs that end without ctrace_stop --------------------------------------
# verbs_agree TRACE HOW WANT_CODE: every verb's exit code, and the sentence.
verbs_agree() {
  trace=$1 how=$2 want=$3 bad=""
  for verb in check dump stats "export chrome" "export csv" "export folded" png report; do
    case $verb in
      check) out="" ;;
      *) out="-o $TMP/out" ;;
    esac
    # shellcheck disable=SC2086
    "$TOOL" $verb "$trace" $out >"$TMP/verb.out" 2>"$TMP/verb.err"
    code=$?
    [ "$verb" = png ] && [ "$code" = 2 ] && grep -q 'not supported' "$TMP/verb.err" && continue
    if [ "$code" != "$want" ]; then bad="$bad $verb:exit$code"; continue; fi
    if [ "$want" = 1 ] && ! cat "$TMP/verb.out" "$TMP/verb.err" |
         grep -q "no end marker: the program ended without ctrace_stop .*after the writer's last flush"; then
      bad="$bad $verb:no-sentence"
    fi
    if [ "$want" = 0 ] && grep -q "no end marker" "$TMP/verb.err"; then bad="$bad $verb:says-no-end"; fi
  done
  if [ -z "$bad" ]; then pass "dropin: ends by $how: every verb exits $want${4:-}"
  else fail "dropin: ends by $how: verbs disagree:$bad"; fi
}

for how in exit _exit abort kill exec; do
  T="$TMP/end_$how.ctrace"
  CTRACE_FILE="$T" CTRACE_FLUSH_MS=20 "$TMP/ends" "$how" 2>/dev/null
  if ! [ -s "$T" ]; then fail "dropin: ends by $how: no trace file"; continue; fi
  if "$TOOL" dump "$T" 2>/dev/null | grep -q 'recorded early'; then
    pass "dropin: ends by $how: the events of the last flush are in the file"
  else
    fail "dropin: ends by $how: the early instant is missing"
  fi
  if [ "$how" = exit ]; then verbs_agree "$T" "$how" 0
  else verbs_agree "$T" "$how" 1 " and says the program ended without ctrace_stop"; fi
done
finish
