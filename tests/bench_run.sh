#!/bin/sh
# tests/bench_run.sh - what `ctrace run` costs a program nobody changed:
# tests/preload/bench_work.c (N malloc+free pairs from 4 sites, about 14
# frames deep; built -O2 -g -fno-omit-frame-pointer so that the frame-pointer
# walk is right too) run plain, under ctrace run (its own unwinder, the
# default), and with the other unwinders for comparison: CTRACE_UNWIND=libgcc
# (_Unwind_Backtrace), backtrace (glibc's backtrace()), fp (frame pointers:
# only right in code built with them). Median of ROUNDS runs, taken in turn;
# CPU = user + sys of the whole run (the writer thread included), from
# /usr/bin/time. The trace's bytes per pair is the state ctrace keeps per
# allocation and free (the library keeps no per-block table). With lua5.4
# installed, the same for a Lua script (fib and 400,000 tables).
set -u
BUILD=${BUILD:-build}
CC=${CC:-cc}
N=${N:-1000000}
ROUNDS=${ROUNDS:-5}
TOOL="$BUILD/ctrace"
TMP="$BUILD/tmp/bench_run-$$"
mkdir -p "$TMP" && trap 'rm -rf "$TMP"' EXIT
[ -x "$TOOL" ] && [ -f "$BUILD/libctrace-preload.so" ] || { echo "bench_run: build first (make)"; exit 1; }
command -v /usr/bin/time >/dev/null || [ -x /usr/bin/time ] || { echo "bench_run: needs /usr/bin/time (Debian: time)"; exit 1; }
$CC -O2 -g -fno-omit-frame-pointer -o "$TMP/work" tests/preload/bench_work.c || exit 1

# one MODE: runs it once, appends "cpu_s rss_kb trace_bytes" to $TMP/MODE
one() {
  mode=$1; shift
  rm -f "$TMP/t.ctrace"
  case $mode in
    plain) /usr/bin/time -f '%U %S %M' -o "$TMP/time" "$@" >/dev/null ;;
    run) /usr/bin/time -f '%U %S %M' -o "$TMP/time" "$TOOL" run -o "$TMP/t.ctrace" -- "$@" >/dev/null 2>&1 ;;
    *) CTRACE_UNWIND=$mode /usr/bin/time -f '%U %S %M' -o "$TMP/time" "$TOOL" run -o "$TMP/t.ctrace" -- "$@" >/dev/null 2>&1 ;;
  esac
  size=0
  [ -f "$TMP/t.ctrace" ] && size=$(wc -c <"$TMP/t.ctrace")
  awk -v s="$size" '{printf "%.3f %d %d\n", $1 + $2, $3, s}' "$TMP/time" >>"$TMP/$mode"
}
median() { sort -n -k"$2" "$1" | awk -v k="$2" '{v[NR] = $k} END {print v[int((NR + 1) / 2)]}'; }

report() { # TITLE PAIRS MODES...: a table of medians against plain
  title=$1 pairs=$2; shift 2
  base=$(median "$TMP/plain" 1)
  echo "$title"
  printf '  %-16s %9s %12s %10s %12s\n' mode "cpu s" "ns/pair over" "rss MB" "trace B/pair"
  for m in "$@"; do
    c=$(median "$TMP/$m" 1) r=$(median "$TMP/$m" 2) b=$(median "$TMP/$m" 3)
    awk -v m="$m" -v c="$c" -v base="$base" -v r="$r" -v b="$b" -v n="$pairs" 'BEGIN {
      printf "  %-16s %9.3f %12s %10.1f %12s\n", m, c, m == "plain" ? "-" : sprintf("%.0f", (c - base) * 1e9 / n),
             r / 1024, m == "plain" ? "-" : sprintf("%.2f", b / n) }'
  done
}

MODES="plain run libgcc backtrace fp"
for i in $(seq "$ROUNDS"); do
  for m in $MODES; do one "$m" "$TMP/work" "$N"; done
done
report "ctrace run: $N malloc+free pairs, about 14 frames deep (median of $ROUNDS; machine shared)" "$N" $MODES

if command -v lua5.4 >/dev/null 2>&1; then
  cat >"$TMP/work.lua" <<'LUA'
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
local r = fib(27)
local total = 0
for round = 1, 20 do
  local t = {}
  for i = 1, 20000 do t[i] = {i, tostring(i), x = i} end
  total = total + #t
end
collectgarbage()
print(r, total)
LUA
  for m in plain run libgcc; do rm -f "$TMP/$m"; done
  for i in $(seq "$ROUNDS"); do
    for m in plain run libgcc; do one "$m" lua5.4 "$TMP/work.lua"; done
  done
  "$TOOL" run -o "$TMP/lua.ctrace" -- lua5.4 "$TMP/work.lua" >/dev/null 2>&1
  pairs=$("$TOOL" stats --json "$TMP/lua.ctrace" | python3 -c 'import json,sys; print(json.load(sys.stdin)["memory"]["mallocs"])')
  report "ctrace run -- lua5.4 (fib(27), 400,000 tables: $pairs allocations; median of $ROUNDS)" "$pairs" plain run libgcc
fi
