#!/bin/sh
# tests/test_run.sh - `ctrace run`: the allocations of programs nobody changed
# (tests/preload/*.c, built with cc -O2 -g), recorded by the preloaded
# library with their call stacks. Checks exact counts (the program's own
# allocations, none of ctrace's), every function of the family, the stacks
# (leak and allocating functions named), blocks allocated before the
# recording (freed, not counted), threads with cross-thread frees, fork,
# fork+exec and exec (NAME.PID.ctrace; every function of the exec family, an
# exec that cannot run and one that fails, posix_spawn), _exit, abort and a
# signal (a readable trace), static and set-user-ID programs (refused, saying
# why), C++ new and delete, --functions, dump's stack lines, and the own
# unwinder against _Unwind_Backtrace.
# tests/test_run_asan.sh reads such traces under AddressSanitizer.
# Run from the repo root; BUILD (default build) holds the build output.
set -u
BUILD=${BUILD:-build}
CC=${CC:-cc}
CXX=${CXX:-c++}
TOOL="$BUILD/ctrace"
TMP="$BUILD/tmp/test_run-$$"
mkdir -p "$TMP" || { echo "FAIL: run: cannot create $TMP"; exit 1; }
trap 'rm -rf "$TMP"' EXIT
FAILS=0
pass() { echo "PASS: run: $*"; }
fail() { echo "FAIL: run: $*"; FAILS=$((FAILS + 1)); }
finish() { [ -f "$TMP/jchecks" ] && run_jchecks; [ "$FAILS" = 0 ]; exit $?; }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
[ -x "$TOOL" ] || { fail "$TOOL is not built"; finish; }
[ -f "$BUILD/libctrace-preload.so" ] || { fail "$BUILD/libctrace-preload.so is not built"; finish; }
TOOL=$(cd "$(dirname "$TOOL")" && pwd)/ctrace
TMP=$(cd "$TMP" && pwd)
P=tests/preload

# jcheck TITLE TRACE EXPR: a check on `ctrace stats --json` of TRACE, run
# with the others by one python3 at the end (d = the object, stk(order) its
# list of stacks, fn(s) the function names of one; EXPR must be true).
jcheck() {
  [ -f "$2.json" ] || "$TOOL" stats --json "$2" >"$2.json" 2>/dev/null || true
  printf '%s\t%s\t%s\n' "$1" "$2.json" "$(printf '%s' "$3" | tr '\n' ' ')" >>"$TMP/jchecks"
}
run_jchecks() {
  python3 - "$TMP/jchecks" <<'PY'
import json, sys
def stk(k): return d.get("alloc_stacks", {}).get(k, [])
def fn(s): return [f["function"] for f in s["frames"]]
bad = 0
for line in open(sys.argv[1]):
    title, path, expr = line.rstrip("\n").split("\t")
    try:
        d = json.load(open(path))
        ok = eval(expr)
    except Exception as e:
        ok, title = False, "%s (%s)" % (title, e)
    print("%s: run: %s" % ("PASS" if ok else "FAIL", title))
    bad += not ok
sys.exit(1 if bad else 0)
PY
  [ $? = 0 ] || FAILS=$((FAILS + 1))
}

$CC -O2 -g -pthread -o "$TMP/prog" $P/prog.c || { fail "tests/preload/prog.c builds"; finish; }

# ---- counts: the program's allocations, every one, and nothing of ctrace's
"$TOOL" run -o "$TMP/count.ctrace" -- "$TMP/prog" count 2>"$TMP/err"
check "a plain run exits 0 and says what it wrote" '[ $? = 0 ] && grep -q "wrote $TMP/count.ctrace" "$TMP/err"'
check "the trace is intact" '"$TOOL" check "$TMP/count.ctrace" >/dev/null'
T="$TMP/count.ctrace"
jcheck "exactly the program's 1010 allocations and 1009 frees (ctrace's own are not recorded)" "$T" \
  'd["memory"]["mallocs"] == 1010 and d["memory"]["frees"] == 1009'
jcheck "every function of the family is a site" "$T" \
  'sorted(set(s["file"] for s in d["alloc_sites"])) == sorted(["malloc", "calloc", "realloc", "reallocarray",
   "posix_memalign", "aligned_alloc", "memalign", "valloc", "pvalloc"])'
jcheck "one leak: 4242 bytes from leak_here, called by main" "$T" \
  '[(s["live_bytes"], fn(s)[:2]) for s in stk("leaks")] == [(4242, ["leak_here", "main"])]'
LEAK_LINE=$(grep -n 'NOINLINE void \*leak_here' $P/prog.c | cut -d: -f1)
CALL_LINE=$(grep -n 'sink = leak_here();' $P/prog.c | cut -d: -f1)
jcheck "the leak's frames carry the source lines (from DWARF): leak_here's malloc at prog.c:$LEAK_LINE, its call at :$CALL_LINE" "$T" \
  '[(f["file"].endswith("/prog.c"), f["line"]) for f in stk("leaks")[0]["frames"][:2]] == [(True, '"$LEAK_LINE"'), (True, '"$CALL_LINE"')]'
jcheck "the top stack by count is make_block's 1000 blocks" "$T" \
  '(stk("by_count")[0]["allocs"], fn(stk("by_count")[0])[0]) == (1000, "make_block")'
jcheck "every stack reaches main and _start" "$T" 'all("main" in fn(s) and "_start" in fn(s) for s in stk("by_bytes"))'
"$TOOL" stats "$T" >"$TMP/stats.txt" 2>&1
check "stats names the leaking function under 'leaks by stack'" \
  'sed -n "/leaks by stack/,\$p" "$TMP/stats.txt" | grep -q leak_here'
"$TOOL" export folded --weight bytes "$T" -o "$TMP/b.folded" &&
"$TOOL" export folded --weight count "$T" -o "$TMP/c.folded"
check "export folded --weight bytes and count: outermost first (a frame's call site after its name), the counts sum to 1010" \
  'grep -q "^_start;.*;main [^;]*prog.c:[0-9]*;leak_here [^;]*prog.c:[0-9]* 4242\$" "$TMP/b.folded" && [ "$(awk "{s += \$NF} END {print s}" "$TMP/c.folded")" = 1010 ]'
jcheck "export folded --weight bytes: the bytes sum to total_alloc" "$T" \
  'sum(int(l.rsplit(" ", 1)[1]) for l in open("'"$TMP/b.folded"'")) == d["memory"]["total_alloc"]'

# ---- dump: each allocation's stack id, each stack defined once before its first use
"$TOOL" dump "$T" >"$TMP/count.dump" 2>/dev/null
out=$(python3 - "$TMP/count.dump" <<'PY'
import sys
defined, frames, why, leak = {}, {}, [], None
for n, line in enumerate(open(sys.argv[1], encoding="utf-8", errors="replace")):
    f = line.rstrip("\n").split("\t")
    if f[2] == "stack":
        if f[4] in defined: why.append("stack %s defined twice" % f[4])
        defined[f[4]] = int(f[5])
    elif f[2] == "frame":
        frames.setdefault(f[4], []).append((int(f[5]), f[3]))
    elif f[2] == "alloc":
        if len(f) != 9 or f[8] not in defined: why.append("line %d: an allocation without a defined stack: %s" % (n + 1, line.strip())); break
        if f[5] == "4242": leak = f[8]
if not defined or any(len(frames.get(k, [])) != v or [i for i, _ in frames[k]] != list(range(v)) for k, v in defined.items()):
    why.append("stack lines do not match their frame lines")
if leak is None or [fn for _, fn in frames[leak][:2]] != ["leak_here", "main"]:
    why.append("the 4242-byte allocation's stack is not leak_here <- main: %s" % frames.get(leak))
print("; ".join(why[:3]) or "ok")
PY
)
if [ "$out" = ok ]; then pass "dump: every allocation carries its stack id, each stack is defined once before its first use, the leak's is leak_here <- main"
else fail "dump: stack ids and stack lines: $out"; fi

# ---- the own unwinder gives _Unwind_Backtrace's stacks
CTRACE_UNWIND=check "$TOOL" run -o "$TMP/uw.ctrace" -- "$TMP/prog" threads 2>"$TMP/err"
check "the own unwinder's stacks equal _Unwind_Backtrace's (4000 threads' stacks and more)" \
  'grep -q "unwind check: [0-9]* stacks, 0 differ" "$TMP/err"'

# ---- threads: allocations on 4 threads, half freed by main
"$TOOL" run -o "$TMP/thr.ctrace" -- "$TMP/prog" threads 2>/dev/null
jcheck "threads: 4000 blocks from thread_block, the 2000 main did not free live at the end" "$TMP/thr.ctrace" \
  'sum(s["live_blocks"] for s in stk("leaks") if "thread_block" in fn(s)) == 2000 and
   sum(s["allocs"] for s in stk("by_bytes") if "thread_block" in fn(s)) == 4000 and not d["problems"]'

# ---- blocks from before the recording: freed by the C library, not counted
$CC -O2 -g -shared -fPIC -o "$TMP/libearly.so" $P/early.c &&
$CC -O2 -g -o "$TMP/useearly" $P/useearly.c -L"$TMP" -learly -Wl,-rpath,"$TMP" || fail "tests/preload/useearly.c builds"
"$TOOL" run -o "$TMP/early.ctrace" -- "$TMP/useearly" 2>/dev/null
jcheck "the 10 frees of blocks from before the recording (and any the C library makes) counted apart, no problem; its 3 allocations" "$TMP/early.ctrace" \
  'd["alloc_stacks"]["frees_before"] >= 10 and (d["memory"]["mallocs"], d["memory"]["frees"], d["problems"]) == (3, 0, [])'

# ---- a library loaded after the recording started (dlopen)
$CC -O2 -g -shared -fPIC -o "$TMP/libdlmod.so" $P/dlmod.c && $CC -O2 -g -o "$TMP/dlhost" $P/dlhost.c -ldl ||
  fail "tests/preload/dlhost.c and dlmod.c build"
"$TOOL" run -o "$TMP/dl.ctrace" -- "$TMP/dlhost" "$TMP/libdlmod.so" 2>/dev/null
jcheck "dlopen: the loaded library's dl_make is named in its 77-byte leak's stack" "$TMP/dl.ctrace" \
  'any(s["live_bytes"] == 77 and fn(s)[:2] == ["dl_make", "main"] for s in stk("leaks"))'

# ---- fork, fork+exec, exec
( cd "$TMP" && "$TOOL" run -o fork.ctrace -- ./prog fork 2>/dev/null )
jcheck "fork: the parent's trace has its 20 blocks" "$TMP/fork.ctrace" 'd["memory"]["mallocs"] == 20'
check "fork: the child (no exec) writes no trace" '! ls "$TMP"/fork.*.ctrace >/dev/null 2>&1'
( cd "$TMP" && "$TOOL" run -o fe.ctrace -- ./prog forkexec 2>/dev/null )
child=$(ls "$TMP"/fe.*.ctrace 2>/dev/null)
check "fork+exec: the child writes one fe.PID.ctrace, intact; the parent's is intact" \
  '[ -n "$child" ] && [ "$(echo "$child" | wc -l)" = 1 ] && "$TOOL" check "$child" >/dev/null && "$TOOL" check "$TMP/fe.ctrace" >/dev/null'
[ -n "$child" ] && jcheck "fork+exec: the child's trace has its 1010 allocations" "$(echo "$child" | head -1)" 'd["memory"]["mallocs"] == 1010'
( cd "$TMP" && "$TOOL" run -o ex.ctrace -- ./prog exec 2>/dev/null )
second=$(ls "$TMP"/ex.*.ctrace 2>/dev/null)
check "exec: the first program's trace ends cleanly; the second writes one ex.PID.ctrace" \
  '"$TOOL" check "$TMP/ex.ctrace" >/dev/null && [ -n "$second" ] && [ "$(echo "$second" | wc -l)" = 1 ]'
jcheck "exec: the first program's trace has its 5 blocks" "$TMP/ex.ctrace" 'd["memory"]["mallocs"] == 5'
[ -n "$second" ] && jcheck "exec: the second program's trace has its 1010" "$(echo "$second" | head -1)" 'd["memory"]["mallocs"] == 1010'

# ---- every function of the exec family: the first trace ends cleanly before
# it, the new program writes its own; an exec that cannot run ends nothing,
# one that fails anyway goes on into the next trace; posix_spawn's child
# writes its own and leaves the parent's alone
for how in execl execlp execle execv execvp execvpe execve fexecve; do
  ( cd "$TMP" && "$TOOL" run -o "x-$how.ctrace" -- ./prog "exec=$how" 2>/dev/null )
  second=$(ls "$TMP"/x-$how.*.ctrace 2>/dev/null)
  check "$how: the first program's trace ends cleanly, the second writes one x-$how.PID.ctrace" \
    '"$TOOL" check "$TMP/x-$how.ctrace" >/dev/null && [ -n "$second" ] && [ "$(echo "$second" | wc -l)" = 1 ]'
  jcheck "$how: the first trace has its 5 blocks" "$TMP/x-$how.ctrace" 'd["memory"]["mallocs"] == 5'
  [ -n "$second" ] && jcheck "$how: the second program's trace has its 1010" "$(echo "$second" | head -1)" \
    'd["memory"]["mallocs"] == 1010'
done
( cd "$TMP" && "$TOOL" run -o xfail.ctrace -- ./prog execfail 2>/dev/null )
check "exec of no program (execv, execlp along PATH): the trace goes on, no other file" \
  '"$TOOL" check "$TMP/xfail.ctrace" >/dev/null && ! ls "$TMP"/xfail.*.ctrace >/dev/null 2>&1'
jcheck "exec of no program: all 10 blocks in the one trace" "$TMP/xfail.ctrace" 'd["memory"]["mallocs"] == 10'
printf 'not a program\n' >"$TMP/notprog" && chmod +x "$TMP/notprog"
( cd "$TMP" && "$TOOL" run -o xbad.ctrace -- ./prog execbad ./notprog 2>/dev/null )
next=$(ls "$TMP"/xbad.*.ctrace 2>/dev/null)
check "exec that fails (ENOEXEC): the first trace ends cleanly, the rest goes on in one xbad.PID.ctrace" \
  '"$TOOL" check "$TMP/xbad.ctrace" >/dev/null && [ -n "$next" ] && [ "$(echo "$next" | wc -l)" = 1 ] && "$TOOL" check "$next" >/dev/null'
jcheck "exec that fails: 5 blocks before it" "$TMP/xbad.ctrace" 'd["memory"]["mallocs"] == 5'
[ -n "$next" ] && jcheck "exec that fails: 5 blocks after it, in the next trace" "$(echo "$next" | head -1)" \
  'd["memory"]["mallocs"] == 5'
( cd "$TMP" && "$TOOL" run -o sp.ctrace -- ./prog spawn 2>/dev/null )
child=$(ls "$TMP"/sp.*.ctrace 2>/dev/null)
check "posix_spawn: the child writes one sp.PID.ctrace, intact; the parent's is intact" \
  '[ -n "$child" ] && [ "$(echo "$child" | wc -l)" = 1 ] && "$TOOL" check "$child" >/dev/null && "$TOOL" check "$TMP/sp.ctrace" >/dev/null'
jcheck "posix_spawn: the parent's trace has its 10 blocks" "$TMP/sp.ctrace" 'd["memory"]["mallocs"] == 10'
[ -n "$child" ] && jcheck "posix_spawn: the child's trace has its 1010" "$(echo "$child" | head -1)" \
  'd["memory"]["mallocs"] == 1010'

# ---- endings
"$TOOL" run -o "$TMP/ux.ctrace" -- "$TMP/prog" _exit 2>/dev/null
rc=$?
check "_exit(3): exit status 3, the trace intact" '[ $rc = 3 ] && "$TOOL" check "$TMP/ux.ctrace" >/dev/null'
jcheck "_exit(3): all 100 blocks in the trace" "$TMP/ux.ctrace" 'd["memory"]["mallocs"] == 100'
"$TOOL" run -o "$TMP/ab.ctrace" -- "$TMP/prog" abort 2>/dev/null
rc=$?
check "abort: exit status 134, the trace says the program died of signal 6" \
  '[ $rc = 134 ] && "$TOOL" check "$TMP/ab.ctrace" 2>&1 | grep -q "died of signal 6"'
jcheck "abort: all 100 blocks in the trace" "$TMP/ab.ctrace" 'd["memory"]["mallocs"] == 100'
"$TOOL" run -o "$TMP/sg.ctrace" -- "$TMP/prog" signal 2>/dev/null
rc=$?
"$TOOL" check "$TMP/sg.ctrace" >/dev/null 2>&1
crc=$?
check "SIGTERM: exit status 143, the trace cut short but readable (check: damaged, not unreadable)" '[ $rc = 143 ] && [ $crc = 1 ]'

# ---- programs the loader will not preload into
if $CC -O2 -static -o "$TMP/static" $P/useearly.c $P/early.c 2>/dev/null; then
  "$TOOL" run -o "$TMP/st.ctrace" -- "$TMP/static" 2>"$TMP/err"
  rc=$?
  check "a statically linked program: exit 2, says why and what to do" \
    '[ $rc = 2 ] && grep -q "statically linked" "$TMP/err" && grep -q "without -static" "$TMP/err" && [ ! -e "$TMP/st.ctrace" ]'
else
  fail "a static program builds (Debian: libc6-dev has libc.a)"
fi
cp "$TMP/prog" "$TMP/suid" && chmod u+s "$TMP/suid"
"$TOOL" run -o "$TMP/su.ctrace" -- "$TMP/suid" 2>"$TMP/err"
rc=$?
check "a set-user-ID program: exit 2, says why and what to do" \
  '[ $rc = 2 ] && grep -q "set-user-ID" "$TMP/err" && grep -q "copy without the bit" "$TMP/err"'
"$TOOL" run -- no-such-program-here 2>"$TMP/err"
rc=$?
"$TOOL" run -- "$TMP/no-such-program" 2>>"$TMP/err"
rc2=$?
check "a missing program, by name or by path: exit 2 and a message" \
  '[ $rc = 2 ] && [ $rc2 = 2 ] && grep -q "no such program" "$TMP/err" && grep -q "cannot run" "$TMP/err"'

# ---- C++
if $CXX -O2 -g -o "$TMP/cxx" $P/cxx.cpp; then
  "$TOOL" run -o "$TMP/cxx.ctrace" -- "$TMP/cxx" 2>/dev/null
  jcheck "C++: new[] in make_array reaches malloc through operator new (_Znwm); the leaked int is seen" "$TMP/cxx.ctrace" \
    'any("_Znwm" in fn(s) and any("make_array" in f for f in fn(s)) and s["bytes"] == 400 for s in stk("by_bytes")) and
     any(s["live_bytes"] == 4 and "_Znwm" in fn(s) for s in stk("leaks"))'
else
  fail "tests/preload/cxx.cpp builds"
fi

# ---- --functions: hooks from the preloaded library
$CC -O2 -g -finstrument-functions -o "$TMP/fprog" $P/fprog.c || fail "tests/preload/fprog.c builds"
"$TOOL" run --functions -o "$TMP/fn.ctrace" -- "$TMP/fprog" 2>/dev/null
"$TOOL" stats "$TMP/fn.ctrace" >"$TMP/fn.txt" 2>&1
check "--functions: a program built with -finstrument-functions alone has its calls named" \
  'grep -q compute_outer "$TMP/fn.txt" && grep -q compute_leaf "$TMP/fn.txt"'
"$TOOL" run -o "$TMP/nofn.ctrace" -- "$TMP/fprog" 2>/dev/null
jcheck "without --functions its calls are not recorded" "$TMP/nofn.ctrace" 'd["events_by_kind"].get("zone_begin", 0) == 0'

# ---- by hand: LD_PRELOAD and CTRACE_FILE do what ctrace run does
LD_PRELOAD="$(cd "$BUILD" && pwd)/libctrace-preload.so" CTRACE_FILE="$TMP/hand.ctrace" "$TMP/prog" count
jcheck "LD_PRELOAD + CTRACE_FILE by hand: the same 1010 allocations" "$TMP/hand.ctrace" 'd["memory"]["mallocs"] == 1010'

# ---- options: the flight recorder, the stack depth
"$TOOL" run --flight-ms 1000 -o "$TMP/fl.ctrace" -- "$TMP/prog" count 2>/dev/null
check "--flight-ms: the window is written at the end, marked as one" \
  '"$TOOL" check "$TMP/fl.ctrace" 2>&1 | grep -q "flight-recorder window"'
jcheck "--flight-ms: the window holds the leak and its stack" "$TMP/fl.ctrace" \
  '[fn(s)[0] for s in stk("leaks")] == ["leak_here"] and 0 < d["memory"]["mallocs"] <= 1010'
"$TOOL" run --depth 2 -o "$TMP/d2.ctrace" -- "$TMP/prog" count 2>/dev/null
jcheck "--depth 2: two frames a stack, every stack counted as cut" "$TMP/d2.ctrace" \
  'all(len(s["frames"]) == 2 for s in stk("by_bytes")) and d["alloc_stacks"]["stacks_cut"] == d["alloc_stacks"]["stacks"] > 0'
"$TOOL" run --depth 0 -- "$TMP/prog" count 2>"$TMP/err"
check "--depth 0: a usage error" '[ $? = 2 ] && grep -q "from 1 to 256" "$TMP/err"'

# ---- report
"$TOOL" run --report -o "$TMP/rep.ctrace" -- "$TMP/prog" count 2>/dev/null
check "--report writes the HTML report beside the trace" '[ -s "$TMP/rep.html" ]'
check "the report says where the memory comes from: a flame graph by bytes, the leak's stack" \
  'grep -q "Where the memory comes from" "$TMP/rep.html" && grep -q "class=\"alloc-flame\"" "$TMP/rep.html" &&
   sed -n "/Leaks by call stack/,/<\/table>/p" "$TMP/rep.html" | grep -q leak_here'
check "the first sentences name the leak by the function that allocated it, not by the allocator" \
  'grep -q "was never freed, from 1 call stack; the most, 4.24 kB, allocated in leak_here " "$TMP/rep.html" &&
   ! grep -q "at malloc:0" "$TMP/rep.html"'
check "no zones recorded: one sentence says why, no empty zone table or flame graph" \
  'grep -q "No zones were recorded, so there is no zone table" "$TMP/rep.html" &&
   ! grep -q "id=\"zones-table\"" "$TMP/rep.html" && ! grep -q "svg[^>]*class=\"flame\"" "$TMP/rep.html"'
finish
