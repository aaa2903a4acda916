#!/bin/bash
# tests/test_memory_untracked.sh - a program that mixes allocators, read back
# by the tool: pointers from strdup, getline and malloc freed or realloc'd
# through ctrace_free/ctrace_realloc (on the main thread and on another
# one), and a double free of a block of ctrace's. Checked: `stats` (text and
# --json) and `report` list each untracked free with its file:line and count,
# and neither says "no leaks" although every tracked block was freed; a run
# with no such problem still says "no leaks". The program itself checks that
# the foreign blocks reached free() (memstats' untracked_frees, and the C
# library's in-use bytes back where they were).
set -u
BUILD=${BUILD:-build}
T="$PWD/$BUILD/tmp/memory_untracked_$$"
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+: $2}"; }
TOOL="$BUILD/ctrace"
[ -x "$TOOL" ] || make -s "$TOOL" >/dev/null 2>&1
[ -x "$TOOL" ] || { fail "untracked: $TOOL is built"; exit 1; }

cat >"$T/mixed.c" <<'C'
#define _GNU_SOURCE
#define CTRACE_IMPLEMENTATION
#include "ctrace.h"
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int line_thread;
static void *other_thread(void *arg) {
  ctrace_free(arg); line_thread = __LINE__; /* strdup's block, freed on another thread */
  return NULL;
}

int main(int argc, char **argv) {
  int mixed = argc > 2 && strcmp(argv[2], "mixed") == 0, i, line_dup = 0, line_getline = 0, line_realloc = 0,
      line_twice = 0;
  ctrace_memstats ms;
  size_t in_use;
  pthread_t th;
  char *keep[8];
  if (ctrace_start(argv[1]) != 0) return 2;
  for (i = 0; i < 8; i++) keep[i] = (char *)ctrace_malloc(100 + (size_t)i);
  in_use = mallinfo2().uordblks; /* after ctrace made its map's leaf for these */
  if (mixed) {
    FILE *f = tmpfile();
    char *line = NULL, *p;
    size_t cap = 0;
    for (i = 0; i < 3; i++) {
      p = strdup("a string from strdup");
      ctrace_free(p); line_dup = __LINE__;
    }
    fputs("one line\n", f);
    rewind(f);
    if (getline(&line, &cap, f) > 0) {
      ctrace_free(line); line_getline = __LINE__;
    }
    fclose(f);
    for (i = 0; i < 64; i++) { /* 4 MiB the C library's heap would keep if ctrace did */
      p = (char *)malloc(65536);
      memset(p, i, 65536);
      ctrace_free(p);
    }
    p = (char *)ctrace_realloc(malloc(10), 5000); line_realloc = __LINE__;
    free(p);
    pthread_create(&th, NULL, other_thread, strdup("for another thread"));
    pthread_join(th, NULL);
    ctrace_free(keep[0]);
    ctrace_free(keep[0]); line_twice = __LINE__;
    keep[0] = NULL;
  }
  for (i = 0; i < 8; i++) ctrace_free(keep[i]);
  ctrace_read_memstats(&ms);
  printf("%d %d %d %d %d %llu %llu %ld\n", line_dup, line_getline, line_realloc, line_thread, line_twice,
         (unsigned long long)ms.untracked_frees, (unsigned long long)ms.double_frees,
         (long)mallinfo2().uordblks - (long)in_use);
  return ctrace_stop() == 0 ? 0 : 3;
}
C
if ! cc -std=c99 -O1 -g -Wall -Wextra -Werror -pthread -I. "$T/mixed.c" -o "$T/mixed" 2>"$T/cc.log"; then
  fail "untracked: the mixed-allocator program builds" "$(head -5 "$T/cc.log")"
  exit 1
fi

"$T/mixed" "$T/mixed.ctrace" mixed >"$T/lines" || fail "untracked: the mixed program runs" "exit $?"
read -r L_DUP L_GETLINE L_REALLOC L_THREAD L_TWICE N_UNTRACKED N_TWICE GROWN <"$T/lines"
if [ "$N_UNTRACKED" = 70 ] && [ "$N_TWICE" = 1 ]; then
  pass "untracked: memstats count 70 untracked frees/reallocs and 1 double free"
else
  fail "untracked: memstats count 70 untracked frees/reallocs and 1 double free" "$N_UNTRACKED and $N_TWICE"
fi
if [ "$GROWN" -lt 1048576 ]; then pass "untracked: the foreign blocks went back to the C library (in-use bytes +$GROWN, not 4 MiB)"
else fail "untracked: the foreign blocks went back to the C library" "in-use bytes grew $GROWN"; fi

"$TOOL" stats "$T/mixed.ctrace" >"$T/stats.txt" 2>&1
"$TOOL" stats --json "$T/mixed.ctrace" >"$T/stats.json" 2>&1
"$TOOL" report "$T/mixed.ctrace" -o "$T/mixed.html" >/dev/null 2>&1 || fail "untracked: report runs"
for f in stats.txt mixed.html; do
  if grep -qi "no leaks" "$T/$f"; then fail "untracked: $f does not say \"no leaks\" with untracked frees"
  else pass "untracked: $f does not say \"no leaks\" with untracked frees"; fi
done
if grep -E "^ +3  untracked free.* at .*mixed\.c:$L_DUP\$" "$T/stats.txt" >/dev/null; then
  pass "untracked: stats lists the strdup frees with count 3 at mixed.c:$L_DUP"
else
  fail "untracked: stats lists the strdup frees with count 3 at mixed.c:$L_DUP" "$(grep -A9 'trace problems' "$T/stats.txt")"
fi
for l in "$L_GETLINE" "$L_REALLOC" "$L_THREAD" "$L_TWICE"; do
  if grep -q "mixed\.c:$l\$" "$T/stats.txt" && grep -q "mixed\.c:$l</b>" "$T/mixed.html"; then
    pass "untracked: stats and report name the problem at mixed.c:$l"
  else
    fail "untracked: stats and report name the problem at mixed.c:$l"
  fi
done
if python3 - "$T/stats.json" "$L_DUP" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
hits = [p for p in d["problems"] if p["file"].endswith("mixed.c") and p["line"] == int(sys.argv[2])]
sys.exit(0 if hits and hits[0]["count"] == 3 and "untracked" in hits[0]["what"] else 1)
PY
then pass "untracked: stats --json gives the problem's file, line and count"
else fail "untracked: stats --json gives the problem's file, line and count"; fi

"$T/mixed" "$T/clean.ctrace" clean >/dev/null || fail "untracked: the clean program runs"
"$TOOL" report "$T/clean.ctrace" -o "$T/clean.html" >/dev/null 2>&1
if grep -q "no leaks" "$T/clean.html"; then pass "untracked: a run with no problem still says \"no leaks\""
else fail "untracked: a run with no problem still says \"no leaks\""; fi
