#!/bin/sh
# tests/test_running.sh - running told from waiting (CPU samples, event kind
# 66) on real runs, through `ctrace stats --json` and the report:
#   - a program whose main thread blocks in pthread_join inside a zone while
#     two workers compute, annotated and built with -finstrument-functions:
#     the work is put in the workers' function, the blocked one is shown
#     blocked (never named as where the work happens);
#   - a pipeline (reader -> 2 workers -> writer, CTRACE_WAIT and
#     ctrace_mutex_lock): waits by reason per thread, the story names the
#     workers as the threads the others wait on, the page has the thread
#     table and the running rows' data, and its static timeline (no script,
#     the PNG's drawing) the running bands, their key and the waits;
#   - the same pipeline with CPU samples off: no CPU figure is invented
#     (null in JSON, "not recorded" on the page and in the story) and no
#     running band drawn, the waits still are.
# Needs the tool (build/ctrace) and python3. Run from the repo root.
set -u
BUILD=${BUILD:-build}
CC=${CC:-cc}
TOOL="$BUILD/ctrace"
TMP="$BUILD/tmp/test_running-$$"
mkdir -p "$TMP" || { echo "FAIL: running: cannot create $TMP"; exit 1; }
[ -n "${KEEP:-}" ] || trap 'rm -rf "$TMP"' EXIT
FAILS=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
finish() { [ "$FAILS" = 0 ]; exit $?; }
[ -x "$TOOL" ] || { fail "running: $TOOL is not built"; finish; }
command -v python3 >/dev/null 2>&1 || { fail "running: python3 is needed"; finish; }
ROOT=$(pwd)
CFLAGS_T="-std=c99 -O1 -Wall -Wextra -Werror -pthread -I$ROOT"

# ---- a main thread that blocks while workers compute ----
cat >"$TMP/blocked.c" <<'C'
#ifndef CTRACE_INSTRUMENT_FUNCTIONS
#define CTRACE_IMPLEMENTATION
#endif
#include "ctrace.h"
#include <pthread.h>
#include <stdlib.h>
#define NOINLINE __attribute__((noinline))
static volatile double sink;
NOINLINE static double crunch(long n) {
  double s = 0;
  long i;
#ifndef CTRACE_INSTRUMENT_FUNCTIONS
  CTRACE_ZONE_BEGIN("crunch");
#endif
  for (i = 0; i < n; i++) s += (double)(i % 7) * 0.5;
#ifndef CTRACE_INSTRUMENT_FUNCTIONS
  CTRACE_ZONE_END();
#endif
  return s;
}
NOINLINE static void *worker(void *arg) {
  (void)arg;
  sink = crunch(15000000);
  return NULL;
}
NOINLINE static void wait_all(pthread_t *t, int n) {
  int i;
#ifndef CTRACE_INSTRUMENT_FUNCTIONS
  CTRACE_ZONE_BEGIN("wait_all");
#endif
  for (i = 0; i < n; i++) pthread_join(t[i], NULL);
#ifndef CTRACE_INSTRUMENT_FUNCTIONS
  CTRACE_ZONE_END();
#endif
}
int main(int argc, char **argv) {
  pthread_t t[2];
  int i;
#ifndef CTRACE_INSTRUMENT_FUNCTIONS
  if (argc < 2 || ctrace_start(argv[1]) != 0) return 1;
#else
  (void)argc; (void)argv;
#endif
  for (i = 0; i < 2; i++) pthread_create(&t[i], NULL, worker, NULL);
  wait_all(t, 2);
#ifndef CTRACE_INSTRUMENT_FUNCTIONS
  return ctrace_stop() == 0 ? 0 : 1;
#else
  return 0;
#endif
}
C

# The check: the zone with the most CPU time is crunch, wait_all mostly
# waited, and the story's first sentence names crunch, never wait_all.
check_blocked() { # label trace
  "$TOOL" stats --json "$2" >"$TMP/s.json" 2>"$TMP/err" || { fail "$1: stats --json ($(cat "$TMP/err"))"; return; }
  "$TOOL" report "$2" -o "$TMP/r.html" 2>"$TMP/err" || { fail "$1: report ($(cat "$TMP/err"))"; return; }
  out=$(python3 - "$TMP/s.json" "$TMP/r.html" <<'PY'
import html, json, re, sys
d = json.load(open(sys.argv[1]))
page = open(sys.argv[2], encoding="utf-8").read()
zones = {z["name"]: z for z in d["zones"]}
crunch = [z for n, z in zones.items() if n == "crunch" or n.endswith(":crunch")]
wait = [z for n, z in zones.items() if n == "wait_all" or n.endswith(":wait_all")]
if not crunch or not wait:
    print("zones crunch and wait_all not found: %s" % sorted(zones)); sys.exit()
c, w = crunch[0], wait[0]
top = max((z for z in d["zones"] if z["cpu_self_ns"] is not None), key=lambda z: z["cpu_self_ns"])
if top is not c: print("most CPU time in %r, not crunch" % top["name"]); sys.exit()
if not w["mostly_waited"] or c["mostly_waited"]:
    print("mostly_waited: wait_all %s, crunch %s" % (w["mostly_waited"], c["mostly_waited"])); sys.exit()
if w["self_ns"] < c["self_ns"] / 4:
    print("wait_all's self time is not large (%d ns): the test does not test" % w["self_ns"]); sys.exit()
story = page[page.find('id="story"'):page.find('id="threads"')]
first = html.unescape(re.sub("<[^>]+>", "", re.search(r"<li[^>]*>(.*?)</li>", story, re.S).group(1)))
if not first.startswith("The work happens in \"%s\"" % c["name"]) or "work happens in \"%s\"" % w["name"] in first:
    print("first sentence: %s" % first); sys.exit()
if "blocked" not in first:
    print("the first sentence does not show %s blocked: %s" % (w["name"], first)); sys.exit()
th = [t for t in d["thread_list"] if t["role"] == "program"]
if any(t["cpu_ns"] is None for t in th): print("a program thread without CPU time"); sys.exit()
print("ok")
PY
)
  [ "$out" = ok ] && pass "$1: the work is put in crunch, wait_all is shown blocked" || fail "$1: $out"
}

if $CC $CFLAGS_T "$TMP/blocked.c" -o "$TMP/blocked_annot" 2>"$TMP/err"; then
  "$TMP/blocked_annot" "$TMP/annot.ctrace" && check_blocked "blocked main, annotated" "$TMP/annot.ctrace" ||
    fail "blocked main, annotated: the program failed"
else
  fail "blocked main, annotated: does not compile: $(head -3 "$TMP/err")"
fi
cat >"$TMP/ct.c" <<'C'
#define CTRACE_IMPLEMENTATION
#define CTRACE_INSTRUMENT_FUNCTIONS
#include "ctrace.h"
C
if $CC $CFLAGS_T -c "$TMP/ct.c" -o "$TMP/ct.o" 2>"$TMP/err" &&
   $CC $CFLAGS_T -O1 -fno-inline -finstrument-functions -DCTRACE_INSTRUMENT_FUNCTIONS "$TMP/blocked.c" "$TMP/ct.o" \
     -o "$TMP/blocked_fn" 2>>"$TMP/err"; then
  CTRACE_FILE="$TMP/fn.ctrace" "$TMP/blocked_fn" && check_blocked "blocked main, -finstrument-functions" "$TMP/fn.ctrace" ||
    fail "blocked main, -finstrument-functions: the program failed"
else
  fail "blocked main, -finstrument-functions: does not compile: $(head -3 "$TMP/err")"
fi

# ---- a pipeline with waits ----
cat >"$TMP/pipeline.c" <<'C'
#define CTRACE_IMPLEMENTATION
#include "ctrace.h"
#include <pthread.h>
#include <string.h>
#define BLOCKS 16
#define SLOTS 3
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int next_read, next_take, written, ready[BLOCKS];
static volatile double result[BLOCKS];
static double encode(int b) {
  double s = 0;
  long i;
  CTRACE_ZONE_BEGIN("encode block");
  for (i = 0; i < 1500000; i++) s += (double)(i ^ b) * 1e-9;
  CTRACE_ZONE_END();
  return s;
}
static void *reader(void *arg) {
  (void)arg;
  CTRACE_THREAD_NAME("reader");
  for (;;) {
    ctrace_mutex_lock(&mu);
    while (next_read < BLOCKS && next_read - written >= SLOTS) {
      CTRACE_WAIT_BEGIN("free input slot");
      pthread_cond_wait(&cv, &mu);
      CTRACE_WAIT_END();
    }
    if (next_read == BLOCKS) { pthread_mutex_unlock(&mu); return NULL; }
    next_read++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
  }
}
static void *worker(void *arg) {
  CTRACE_THREAD_NAME((const char *)arg);
  for (;;) {
    int b;
    ctrace_mutex_lock(&mu);
    while (next_take == next_read && next_take < BLOCKS) {
      CTRACE_WAIT_BEGIN("a task");
      pthread_cond_wait(&cv, &mu);
      CTRACE_WAIT_END();
    }
    if (next_take == BLOCKS) { pthread_mutex_unlock(&mu); return NULL; }
    b = next_take++;
    pthread_mutex_unlock(&mu);
    result[b] = encode(b);
    ctrace_mutex_lock(&mu);
    ready[b] = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
  }
}
static void *writer(void *arg) {
  int b;
  (void)arg;
  CTRACE_THREAD_NAME("writer");
  for (b = 0; b < BLOCKS; b++) {
    ctrace_mutex_lock(&mu);
    while (!ready[b]) {
      CTRACE_WAIT_BEGIN("compressed block");
      pthread_cond_wait(&cv, &mu);
      CTRACE_WAIT_END();
    }
    written++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
  }
  return NULL;
}
int main(int argc, char **argv) {
  pthread_t t[4];
  ctrace_config cfg;
  int i;
  memset(&cfg, 0, sizeof cfg);
  if (argc > 2 && strcmp(argv[2], "off") == 0) cfg.cpu_sample_ms = CTRACE_CPU_SAMPLE_OFF;
  if (argc < 2 || ctrace_start_with(argv[1], &cfg) != 0) return 1;
  CTRACE_THREAD_NAME("main");
  pthread_create(&t[0], NULL, reader, NULL);
  pthread_create(&t[1], NULL, worker, "worker 1");
  pthread_create(&t[2], NULL, worker, "worker 2");
  pthread_create(&t[3], NULL, writer, NULL);
  for (i = 0; i < 4; i++) pthread_join(t[i], NULL);
  return ctrace_stop() == 0 ? 0 : 1;
}
C
if $CC $CFLAGS_T "$TMP/pipeline.c" -o "$TMP/pipeline" 2>"$TMP/err"; then
  if "$TMP/pipeline" "$TMP/pipe.ctrace" && "$TOOL" stats --json "$TMP/pipe.ctrace" >"$TMP/p.json" &&
     "$TOOL" stats "$TMP/pipe.ctrace" >"$TMP/p.txt" && "$TOOL" report "$TMP/pipe.ctrace" -o "$TMP/p.html"; then
    out=$(python3 - "$TMP/p.json" "$TMP/p.html" "$TMP/p.txt" <<'PY'
import html, json, re, sys
d = json.load(open(sys.argv[1]))
page = open(sys.argv[2], encoding="utf-8").read()
text = open(sys.argv[3], encoding="utf-8").read()
th = {t["name"]: t for t in d["thread_list"]}
why = []
for name, reason in (("reader", "free input slot"), ("writer", "compressed block")):
    t = th.get(name)
    if not t or not t["wait_by"] or t["wait_by"][0]["what"] != reason:
        why.append("%s's first wait reason is not %r" % (name, reason)); continue
    if sum(w["ns"] for w in t["wait_by"]) != t["wait_ns"]: why.append("%s: reasons do not sum to its wait time" % name)
    if sum(w["count"] for w in t["wait_by"]) != t["waits"]: why.append("%s: reasons do not sum to its waits" % name)
    if reason not in text: why.append("stats text lacks %r" % reason)
    if "\u201c" + reason + "\u201d" not in html.unescape(page): why.append("the thread table lacks %r" % reason)
on = sorted(d["thread_list"], key=lambda t: -(t["waited_on_ns"] or 0))
if {on[0]["name"], on[1]["name"]} != {"worker 1", "worker 2"}:
    why.append("the threads waited on most are %s, %s" % (on[0]["name"], on[1]["name"]))
story = html.unescape(re.sub("<[^>]+>", "", page[page.find('id="story"'):page.find('id="threads"')]))
m = re.search(r"While they waited, (.*?) used [0-9]+ % of the CPU time: the others wait on (them|[^.]*)\.", story)
if not m or set(re.split(r", | and ", m.group(1))) - {"worker 1", "worker 2"} or "worker" not in m.group(1):
    why.append("the story does not say the others wait on the workers: %s" % story[:900])
if 'id="threads"' not in page or page.find('id="threads"') > page.find('id="summary"'):
    why.append("no thread table before the summary")
if '"cu":[[' not in page or '"wt":[' not in page or '"wr":["' not in page:
    why.append("the timeline's data has no CPU spans or waits")
# The static timeline (the page without script, and the PNG) draws the same
# rows: a running band per thread with samples, its key, the waits on it.
at = page.find('class="timeline-chart"')
svg = page[at:page.find("</svg>", at)] if at >= 0 else ""
sampled = [t for t in d["thread_list"] if t["cpu_ns"] is not None]
if svg.count(">running<") != len(sampled) or not sampled:
    why.append("the static timeline has %d running bands for %d sampled threads" % (svg.count(">running<"), len(sampled)))
for words in ("on CPU", "in a recorded wait", 'fill="#2e8b57"', 'fill="#8a5fb0"', "<title>wait for free input slot: "):
    if words not in svg: why.append("the static timeline lacks %r" % words)
print("; ".join(why) or "ok")
PY
)
    [ "$out" = ok ] && pass "pipeline: waits by reason, the workers named as waited on, thread table, running rows (static too)" ||
      fail "pipeline: $out"
  else
    fail "pipeline: the program or the tool failed"
  fi
  if "$TMP/pipeline" "$TMP/off.ctrace" off && "$TOOL" stats --json "$TMP/off.ctrace" >"$TMP/o.json" &&
     "$TOOL" report "$TMP/off.ctrace" -o "$TMP/o.html"; then
    out=$(python3 - "$TMP/o.json" "$TMP/o.html" <<'PY'
import html, json, re, sys
d = json.load(open(sys.argv[1]))
page = html.unescape(open(sys.argv[2], encoding="utf-8").read())
why = []
if d["cpu_samples"] != 0: why.append("cpu_samples %d" % d["cpu_samples"])
for t in d["thread_list"]:
    if t["cpu_ns"] is not None or t["waited_on_ns"] is not None: why.append("%s has a CPU figure" % t["name"])
for z in d["zones"]:
    if z["cpu_self_ns"] is not None or z["mostly_waited"]: why.append("zone %s has a CPU figure" % z["name"])
if "CPU time not recorded in this trace" not in page: why.append("the thread table does not say CPU time was not recorded")
story = re.sub("<[^>]+>", "", page[page.find('id="story"'):page.find('id="threads"')])
if "CPU time was not recorded in this trace" not in story: why.append("the story does not say so: %s" % story[:600])
if "On CPU:" in story or "While they waited" in story: why.append("the story states CPU figures")
at = page.find('class="timeline-chart"')
svg = page[at:page.find("</svg>", at)] if at >= 0 else ""
if not svg or ">running<" in svg or "on CPU" in svg or "#2e8b57" in svg:
    why.append("the static timeline draws or names a running band without samples")
if ">waits<" not in svg or "in a recorded wait" not in svg:
    why.append("the static timeline does not draw the recorded waits")
print("; ".join(why) or "ok")
PY
)
    [ "$out" = ok ] && pass "no CPU samples: no CPU figure invented or drawn, the page says they were not recorded" ||
      fail "no CPU samples: $out"
  else
    fail "no CPU samples: the program or the tool failed"
  fi
else
  fail "pipeline: does not compile: $(head -3 "$TMP/err")"
fi
finish
