#!/bin/sh
# tests/test_examples.sh - build and run every example, then check what it
# printed and what its trace holds.
#
# gc_demo must print the Go chapter's statistics (NumGC 0, 3, 8: no collection
# the Go program does not have; Alloc about 0, then the one 50,000,000-byte
# block, then under 1 MB; TotalAlloc 650,000,000),
# and its trace must agree with what it printed. leak, threads and arena must
# run, and their traces must show what each example is about. Each trace
# passes `ctrace check` when the tool is built.
# Run from the repo root; BUILD (default build) holds the build output.
set -u
BUILD=${BUILD:-build}
CC=${CC:-cc}
TMP="$BUILD/tmp/test_examples-$$"
mkdir -p "$TMP" || { echo "FAIL: examples: cannot create $TMP"; exit 1; }
trap 'rm -rf "$TMP"' EXIT
FAILS=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
check() { # check "what" command args...
  check_what=$1; shift
  if "$@"; then pass "$check_what"; else fail "$check_what: expected $*"; fi
}

# The binary make built when it is newer than its source and the header,
# else one built here (unoptimised: only behaviour is tested, and -O0 builds
# the whole header several times faster). Prints its path; empty when the
# build failed. build_examples builds the missing ones in parallel first.
made_is_fresh() {
  [ -x "$BUILD/examples/$1" ] && [ "$BUILD/examples/$1" -nt "examples/$1.c" ] &&
    [ "$BUILD/examples/$1" -nt ctrace.h ]
}
build_examples() {
  for name in gc_demo gc_sawtooth leak threads arena; do
    made_is_fresh "$name" ||
      $CC -O0 -pthread -Wall -Wextra -Werror "examples/$name.c" -o "$TMP/$name" -lm \
        >"$TMP/$name.build.log" 2>&1 &
  done
  wait
}
example_binary() {
  if made_is_fresh "$1"; then
    echo "$BUILD/examples/$1"
  elif [ -x "$TMP/$1" ]; then
    echo "$TMP/$1"
  else
    sed 's/^/    /' "$TMP/$1.build.log" | head -20 >&2
  fi
}

# A small reader program: facts about a trace, one key=value per line.
cat >"$TMP/facts.c" <<'EOF'
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "ctrace.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { uint64_t id; uint32_t thread; } task_start;

int main(int argc, char **argv) {
  ctrace_reader *r;
  ctrace_event ev;
  const ctrace_trace_info *info;
  const uint32_t *ids;
  char err[300];
  uint64_t kinds[64] = {0}, rss_samples = 0, rss_max = 0, alloc_bytes = 0;
  int64_t live = 0, peak = 0;
  uint64_t gc_on_gc_thread = 0, tasks_crossing = 0, n_tasks = 0, cap_tasks = 0;
  task_start *tasks = NULL;
  uint32_t i, n;
  int rc;
  if (argc != 2) return 2;
  if (ctrace_reader_open(&r, argv[1], err, sizeof err) != 0) {
    printf("error=%s\n", err);
    return 1;
  }
  while ((rc = ctrace_reader_next(r, &ev)) > 0) {
    kinds[ev.kind < 64 ? ev.kind : 0]++; /* 64 and up (waits) are not counted here */
    if (ev.kind == CTRACE_EV_ALLOC) {
      alloc_bytes += ev.size;
      live += (int64_t)ev.size;
      if (live > peak) peak = live;
    } else if (ev.kind == CTRACE_EV_FREE) {
      live -= (int64_t)ev.size;
    } else if (ev.kind == CTRACE_EV_COUNTER && strcmp(ev.name, "ctrace.rss") == 0) {
      rss_samples++;
      if ((uint64_t)ev.value > rss_max) rss_max = (uint64_t)ev.value;
    } else if (ev.kind == CTRACE_EV_GC_BEGIN) {
      if (strcmp(ctrace_reader_thread_name(r, ev.thread), "GC") == 0) gc_on_gc_thread++;
    } else if (ev.kind == CTRACE_EV_TASK_BEGIN) {
      if (n_tasks == cap_tasks) {
        cap_tasks = cap_tasks ? 2 * cap_tasks : 64;
        tasks = (task_start *)realloc(tasks, cap_tasks * sizeof *tasks);
        if (!tasks) return 3;
      }
      tasks[n_tasks].id = ev.id;
      tasks[n_tasks++].thread = ev.thread;
    } else if (ev.kind == CTRACE_EV_TASK_END) {
      uint64_t k;
      for (k = 0; k < n_tasks; k++)
        if (tasks[k].id == ev.id && tasks[k].thread != ev.thread) tasks_crossing++;
    }
  }
  info = ctrace_reader_info(r);
  printf("read_rc=%d\n", rc);
  printf("ended=%d\nchunks_bad=%llu\ntruncated=%d\nevents_lost=%llu\n", info->ended,
         (unsigned long long)info->chunks_bad, info->truncated,
         (unsigned long long)info->events_lost);
  printf("allocs=%llu\nfrees=%llu\nproblems=%llu\n", (unsigned long long)kinds[CTRACE_EV_ALLOC],
         (unsigned long long)kinds[CTRACE_EV_FREE], (unsigned long long)kinds[CTRACE_EV_MEM_PROBLEM]);
  printf("live_blocks=%lld\n", (long long)(kinds[CTRACE_EV_ALLOC] - kinds[CTRACE_EV_FREE]));
  printf("alloc_bytes=%llu\nlive_bytes=%lld\npeak_bytes=%lld\n", (unsigned long long)alloc_bytes,
         (long long)live, (long long)peak);
  printf("gc_begins=%llu\ngc_ends=%llu\ngc_on_gc_thread=%llu\n",
         (unsigned long long)kinds[CTRACE_EV_GC_BEGIN], (unsigned long long)kinds[CTRACE_EV_GC_END],
         (unsigned long long)gc_on_gc_thread);
  printf("rss_samples=%llu\nrss_max=%llu\n", (unsigned long long)rss_samples,
         (unsigned long long)rss_max);
  printf("task_begins=%llu\ntask_ends=%llu\ntasks_crossing=%llu\n",
         (unsigned long long)kinds[CTRACE_EV_TASK_BEGIN], (unsigned long long)kinds[CTRACE_EV_TASK_END],
         (unsigned long long)tasks_crossing);
  printf("zones=%llu\nzone_ends=%llu\ncounters=%llu\nlogs=%llu\n",
         (unsigned long long)kinds[CTRACE_EV_ZONE_BEGIN], (unsigned long long)kinds[CTRACE_EV_ZONE_END],
         (unsigned long long)kinds[CTRACE_EV_COUNTER], (unsigned long long)kinds[CTRACE_EV_LOG]);
  n = ctrace_reader_threads(r, &ids);
  printf("threads=%u\n", n);
  for (i = 0; i < n; i++) printf("thread=%s\n", ctrace_reader_thread_name(r, ids[i]));
  free(tasks);
  ctrace_reader_close(r);
  return rc == 0 ? 0 : 1;
}
EOF
FACTS="$TMP/facts"
$CC -O0 -pthread -I. "$TMP/facts.c" -o "$FACTS" -lm >"$TMP/facts.build.log" 2>&1 &
build_examples # waits for the reader program too
if [ ! -x "$FACTS" ]; then
  sed 's/^/    /' "$TMP/facts.build.log" | head -20
  fail "examples: the trace reader program builds"
  exit 1
fi

fact() { sed -n "s/^$1=//p" "$2" | head -1; }
has_thread() { grep -qx "thread=$1" "$2"; }

# Reads a trace into $TMP/<name>.facts and checks it is whole.
trace_ok() {
  name=$1 trace=$2 facts="$TMP/$1.facts"
  if ! "$FACTS" "$trace" >"$facts" 2>&1; then
    fail "$name: trace reads back: $(head -3 "$facts" | tr '\n' ' ')"
    return 1
  fi
  check "$name: trace complete (end marker, no damage, nothing lost)" \
    test "$(fact ended "$facts")$(fact chunks_bad "$facts")$(fact truncated "$facts")$(fact events_lost "$facts")" = 1000
  if [ -x "$BUILD/ctrace" ]; then
    if "$BUILD/ctrace" check "$trace" >"$TMP/$name.check" 2>&1; then
      pass "$name: ctrace check accepts the trace"
    else
      fail "$name: ctrace check: $(head -3 "$TMP/$name.check" | tr '\n' ' ')"
    fi
  fi
}

# Builds (or finds) and runs one example with its trace path; its output is
# in $TMP/<name>.out (shown indented when show is given), the trace in
# $TMP/<name>.ctrace and its facts in $TMP/<name>.facts. Returns non-zero,
# having reported why, when any of that failed.
run_example() {
  ex=$1 show=${2:-}
  bin=$(example_binary "$ex")
  [ -n "$bin" ] || { fail "$ex builds"; return 1; }
  if ! "$bin" "$TMP/$ex.ctrace" >"$TMP/$ex.out" 2>"$TMP/$ex.err"; then
    fail "$ex runs: $(cat "$TMP/$ex.out" "$TMP/$ex.err" | head -3 | tr '\n' ' ')"
    return 1
  fi
  pass "$ex runs"
  [ -z "$show" ] || sed 's/^/    /' "$TMP/$ex.out"
  trace_ok "$ex" "$TMP/$ex.ctrace"
}

# ---- gc_demo ------------------------------------------------------------------
run_gc_demo() {
  run_example gc_demo show || return
  out="$TMP/gc_demo.out" f="$TMP/gc_demo.facts"
  # Three blocks of four figures, in the order the Go program prints them.
  check "gc_demo prints three stat blocks ending in -----" test "$(grep -c '^-----$' "$out")" = 3
  shape=$(awk -F': ' '
    /^mem\.Alloc: [0-9]+$/ { a[++na] = $2 } /^mem\.TotalAlloc: [0-9]+$/ { t[++nt] = $2 }
    /^mem\.HeapAlloc: [0-9]+$/ { h[++nh] = $2 } /^mem\.NumGC: [0-9]+$/ { g[++ng] = $2 }
    END {
      if (na != 3 || nt != 3 || nh != 3 || ng != 3) { print "not three of each figure"; exit }
      if (g[1] != 0) print "NumGC at start is " g[1] ", not 0"
      if (g[2] != 3) print "NumGC after 3 x 50 MB is " g[2] ", not 3 as in the Go chapter"
      if (g[3] != 8) print "NumGC after 5 x 100 MB is " g[3] ", not 8 as in the Go chapter"
      if (a[1] >= 1000000) print "Alloc at the start " a[1] " is not about 0"
      if (a[2] != 50000000) print "Alloc after 3 x 50 MB is " a[2] ", not the one 50,000,000-byte block"
      if (t[3] != 650000000) print "final TotalAlloc " t[3] " != 650000000"
      if (t[2] < 150000000) print "TotalAlloc after 3 x 50 MB is " t[2] " < 150000000"
      if (t[1] > t[2] || t[2] > t[3]) print "TotalAlloc goes down"
      if (a[3] >= 1000000) print "final Alloc " a[3] " is not under 1 MB"
      for (i = 1; i <= 3; i++) if (a[i] != h[i]) print "Alloc " a[i] " != HeapAlloc " h[i]
      for (i = 1; i <= 3; i++) if (a[i] > t[i]) print "Alloc above TotalAlloc"
      print "ok " a[3] " " t[3] " " g[3]
    }' "$out")
  case "$shape" in
    ok*) pass "gc_demo statistics have the expected shape" ;;
    *) fail "gc_demo statistics have the expected shape: $(echo "$shape" | tr '\n' ';')"; return ;;
  esac
  set -- $shape # ok Alloc TotalAlloc NumGC (final)
  check "gc_demo: a thread named main" has_thread main "$f"
  check "gc_demo: a thread named GC" has_thread GC "$f"
  check "gc_demo: one GC span per collection printed (NumGC $4)" \
    test "$(fact gc_begins "$f") $(fact gc_ends "$f") $(fact gc_on_gc_thread "$f")" = "$4 $4 $4"
  check "gc_demo: bytes allocated in the trace = final TotalAlloc ($3)" test "$(fact alloc_bytes "$f")" = "$3"
  check "gc_demo: bytes live at the end of the trace = final Alloc ($2)" test "$(fact live_bytes "$f")" = "$2"
  check "gc_demo: the heap went up to at least 100 MB" test "$(fact peak_bytes "$f")" -ge 100000000
  check "gc_demo: RSS sampled as counter ctrace.rss" test "$(fact rss_samples "$f")" -ge 1
  # Each block is only a quarter written: resident memory stays below the heap.
  check "gc_demo: peak RSS ($(fact rss_max "$f")) below the peak requested heap ($(fact peak_bytes "$f"))" \
    test "$(fact rss_max "$f")" -lt "$(fact peak_bytes "$f")"
  check "gc_demo: no memory problems" test "$(fact problems "$f")" = 0
  # The report's panel describes this run: big blocks make steps, not a sawtooth.
  if story=$(story_of gc_demo); then
    check "gc_demo: the panel names the heap's steps" grep -q "moves in large steps" "$story"
    check "gc_demo: the panel does not call the heap a sawtooth" sh -c "! grep -qi sawtooth '$story'"
    check "gc_demo: the panel quotes the collections' count ($4)" grep -q "^$4 collections ran" "$story"
    check "gc_demo: the panel says how long main was held up" grep -q "thread was held up by collections" "$story"
    check "gc_demo: the report draws the utilization curve" grep -q 'class="mmu-chart"' "$TMP/gc_demo.html"
    # The program's three printed tables are on the page, as it printed them.
    sed -n '/id="memstats-reads"/,/<\/table>/p' "$TMP/gc_demo.html" | grep -o 'data-v="[0-9]*">[0-9,]*</td></tr>' |
      sed 's/.*">\([0-9,]*\)<.*/\1/' | tr '\n' ' ' >"$TMP/gc_demo.reads"
    check "gc_demo: the page shows its three reads of the statistics, NumGC 0 3 8 ($(cat "$TMP/gc_demo.reads"))" \
      test "$(cat "$TMP/gc_demo.reads")" = "0 3 8 "
    check "gc_demo: the panel says what it read" grep -q "NumGC: 0, 3, 8; Alloc: 0, 50,000,000, 0 bytes; TotalAlloc at the last: 650,000,000 bytes" "$story"
    check "gc_demo: the heap chart marks each read" test "$(grep -o 'read [123] of the statistics at' "$TMP/gc_demo.html" | wc -l)" -ge 3
  fi
}

# The "What this run shows" sentences of an example's report, one a line, in
# $TMP/<name>.story (printed); fails when the report cannot be made.
story_of() {
  [ -x "$BUILD/ctrace" ] || { echo "  (no tool: panel not checked)" >&2; return 1; }
  if ! "$BUILD/ctrace" report "$TMP/$1.ctrace" -o "$TMP/$1.html" >"$TMP/$1.report" 2>&1; then
    fail "$1: ctrace report: $(head -3 "$TMP/$1.report" | tr '\n' ' ')"
    return 1
  fi
  sed -n '/<section id="story">/,/<\/section>/p' "$TMP/$1.html" | sed -n 's/^<li[^>]*>\(.*\) <a href.*/\1/p' \
    >"$TMP/$1.story"
  [ -s "$TMP/$1.story" ] || { fail "$1: the report opens with a \"What this run shows\" panel"; return 1; }
  echo "$TMP/$1.story"
}

# ---- gc_sawtooth ----------------------------------------------------------------
run_gc_sawtooth() {
  run_example gc_sawtooth show || return
  f="$TMP/gc_sawtooth.facts"
  check "gc_sawtooth: 30000 allocations, all freed" \
    test "$(fact allocs "$f") $(fact live_blocks "$f")" = "30000 0"
  check "gc_sawtooth: collections on the GC thread" test "$(fact gc_on_gc_thread "$f")" -ge 3
  if story=$(story_of gc_sawtooth); then
    sed 's/^/    /' "$story"
    check "gc_sawtooth: the panel calls the heap a sawtooth" grep -q "The heap (bytes allocated and not yet freed) is a sawtooth" "$story"
  fi
}

# ---- leak ---------------------------------------------------------------------
run_leak() {
  run_example leak show || return
  out="$TMP/leak.out" f="$TMP/leak.facts"
  # Six blocks leak by construction: four rare words and two outgrown tables.
  check "leak: six blocks still allocated at the end of the trace" test "$(fact live_blocks "$f")" = 6
  check "leak: the program's memstats agree (6 blocks, $(fact live_bytes "$f") bytes)" \
    grep -qx "still allocated: $(fact live_bytes "$f") bytes in 6 blocks" "$out"
  check "leak: six leaks listed, each with a leak.c site" \
    test "$(grep -c '^leak: [0-9]* bytes allocated at .*leak\.c:[0-9][0-9]*$' "$out")" = 6
  check "leak: the leaks come from two sites" \
    test "$(sed -n 's/^leak: [0-9]* bytes allocated at //p' "$out" | sort -u | wc -l)" -eq 2
  # The HTML report must list the same sites.
  if [ -x "$BUILD/ctrace" ] && "$BUILD/ctrace" report --help >/dev/null 2>&1; then
    if "$BUILD/ctrace" report "$TMP/leak.ctrace" -o "$TMP/leak.html" >"$TMP/leak.report" 2>&1; then
      missing= found=0
      for site in $(sed -n 's/^leak: [0-9]* bytes allocated at .*\(leak\.c:[0-9]*\)$/\1/p' "$out" | sort -u); do
        if grep -q "$site" "$TMP/leak.html"; then found=$((found + 1)); else missing="$missing $site"; fi
      done
      check "leak: the HTML report names both leaking sites${missing:+ (missing:$missing)}" test "$found" = 2
    else
      fail "leak: ctrace report: $(head -3 "$TMP/leak.report" | tr '\n' ' ')"
    fi
  fi
}

# ---- threads ------------------------------------------------------------------
run_threads() {
  run_example threads || return
  f="$TMP/threads.facts"
  check "threads: 40 tasks begun and ended" test "$(fact task_begins "$f") $(fact task_ends "$f")" = "40 40"
  check "threads: every task ends on another thread than it began" test "$(fact tasks_crossing "$f")" = 40
  check "threads: four named workers" test "$(grep -c '^thread=worker [1-4]$' "$f")" = 4
  check "threads: zones balanced" test "$(fact zones "$f")" = "$(fact zone_ends "$f")"
  check "threads: a log line per job" test "$(fact logs "$f")" = 40
  check "threads: queue depth counted" test "$(fact counters "$f")" -ge 80
}

# ---- arena --------------------------------------------------------------------
run_arena() {
  run_example arena || return # it checks its own sums and heap, and exits 1 if wrong
  f="$TMP/arena.facts"
  check "arena: 100000 arena objects and 100000 mallocs traced" test "$(fact allocs "$f")" = 200000
  check "arena: every object freed" test "$(fact live_blocks "$f") $(fact live_bytes "$f")" = "0 0"
  check "arena: two zones to compare" test "$(fact zones "$f")" = 2
}

run_gc_demo
run_gc_sawtooth
run_leak
run_threads
run_arena
[ "$FAILS" = 0 ]
