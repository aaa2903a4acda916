#!/bin/sh
# tests/test_hostile.sh - issue 23's outputs that did harm or said what was
# not so, on traces written by tests/tracegen.c:
#   - -o (or the default output name) never overwrites an input, however it
#     is spelt: the trace, --baseline, --symbols;
#   - CSV: a field a spreadsheet would run as a formula is quoted with a
#     leading '; ESC and BEL are marked, never raw;
#   - stderr: an object path holding terminal controls is not printed raw;
#   - times past 2^62 ns are set aside as damage, not all read as one time;
#   - held times past 2^63 say overflowed, and the MMU curve stays true;
#   - 16,000 functions of an object with a 4 kB path: export csv and
#     stats --json stay in the output budget, the JSON holding the path whole
#     once (long_strings) and each row's file cut and pointing at it.
set -u
BUILD=${BUILD:-build}
CT=${CTRACE_TOOL:-$BUILD/ctrace}
PY=${PYTHON:-python3}
T=$BUILD/tmp/hostile_$$
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }
check() { if eval "$2"; then pass "$1"; else fail "$1" "${3:-condition false}"; fi; }

[ -x "$CT" ] || { fail "tool built" "$CT missing"; exit 1; }
${CC:-cc} -std=c99 -O1 -Itests tests/tracegen.c -o "$T/tracegen" 2>"$T/err" ||
  { fail "tracegen builds" "$(head -c 300 "$T/err")"; exit 1; }
gen() { sed "s/@N@/${3:-8}/g" "$1" >"$T/desc.txt" && "$T/tracegen" "$T/desc.txt" "$2"; }

# ---- -o never overwrites an input --------------------------------------------------
gen tests/crafted/name_nul.desc "$T/a.ctrace" && gen tests/crafted/time_far.desc "$T/b.ctrace" ||
  { fail "traces" "tracegen failed"; exit 1; }
cp "$T/b.ctrace" "$T/b.keep"
ln -s b.ctrace "$T/b.link"
refused() { # LABEL FILE-THAT-MUST-STAY CMD...
  label=$1 keep=$2
  shift 2
  "$@" >/dev/null 2>"$T/err"
  code=$?
  if [ "$code" = 2 ] && cmp -s "$keep" "$T/b.keep"; then pass "-o: $label: refused (exit 2), the input intact"
  else fail "-o: $label" "exit $code, input $(cmp -s "$keep" "$T/b.keep" && echo intact || echo CHANGED): $(head -c 200 "$T/err")"; fi
  cp "$T/b.keep" "$T/b.ctrace"
}
refused "report over its --baseline" "$T/b.ctrace" "$CT" report "$T/a.ctrace" --baseline "$T/b.ctrace" -o "$T/b.ctrace"
refused "report over its --baseline through a symlink" "$T/b.ctrace" \
  "$CT" report "$T/a.ctrace" --baseline "$T/b.ctrace" -o "$T/b.link"
refused "report over its --baseline spelt another way" "$T/b.ctrace" \
  "$CT" report "$T/a.ctrace" --baseline "$T/b.ctrace" -o "$T/./b.ctrace"
refused "export csv over a --symbols file" "$T/b.ctrace" "$CT" export csv "$T/a.ctrace" --symbols "$T/b.ctrace" -o "$T/b.ctrace"
refused "dump over the trace through a symlink" "$T/b.ctrace" "$CT" dump "$T/b.ctrace" -o "$T/b.link"
# default outputs: TRACE with its extension replaced is the trace itself
for v in "report" "png" "export csv" "export folded"; do
  case $v in report) ext=html ;; png) ext=png ;; "export csv") ext=csv ;; *) ext=folded ;; esac
  cp "$T/b.keep" "$T/same.$ext"
  cp "$T/b.keep" "$T/b.ctrace"
  # shellcheck disable=SC2086
  "$CT" $v "$T/same.$ext" >/dev/null 2>"$T/err"
  code=$?
  if cmp -s "$T/same.$ext" "$T/b.keep"; then pass "$v: the default output (the trace's own name) is refused (exit $code)"
  else fail "$v: default output" "the trace was overwritten (exit $code)"; fi
done

# ---- CSV: formulas and controls ------------------------------------------------------
cat >"$T/csv.desc" <<'EOF'
header
chunk D 0 0 0
site 1 1 =HYPERLINK("http://x","y") f.c
site 2 1 @SUM(1+1)\*cmd\|'\s/C\scalc'!A0 f.c
site 3 1 +1 -f.c
site 4 1 -2 @f.c
site 5 1 \tx f.c
site 6 1 \nx\x1b]0;owned\x07\x1b[2J f.c
site 7 1 plain f.c
chunk E 1 0 0
repeat 7
zb 1 $i+1
ze 1
done
end 100
EOF
"$T/tracegen" "$T/csv.desc" "$T/csv.ctrace" && "$CT" export csv "$T/csv.ctrace" -o "$T/out.csv" 2>"$T/err" ||
  fail "export csv" "$(head -c 200 "$T/err")"
"$PY" - "$T/out.csv" <<'PY'
import csv, io, sys
raw = open(sys.argv[1], "rb").read()
def check(ok, name, why=""):
    print(("PASS: " if ok else "FAIL: ") + name + ("" if ok else ": " + why))
rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))[1:]
cells = [c for r in rows for c in r[:2]]
bad = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
check(len(rows) == 7 and not bad, "csv: no cell begins with = + - @ TAB CR (OWASP)", repr(bad[:3]))
quoted = [c for c in cells if c.startswith("'")]
check(len(quoted) == 7 and all(raw.count(b"\"'" + c[1:3].encode()) for c in quoted),
      "csv: each such cell is quoted with a leading '", repr(cells))
check(b"\x1b" not in raw and b"\x07" not in raw, "csv: no raw ESC or BEL")
check(any("<U+001B>]0;owned<U+0007>" in c for c in cells), "csv: ESC and BEL shown as <U+001B>, <U+0007>", repr(cells))
PY

# ---- stderr: an object path with terminal controls -----------------------------------
cat >"$T/path.desc" <<'EOF'
header
chunk M 0 0 0
varint 37
u8 1
varint 0
varint 0
varint 0xffffffffffff
varint 0
str /x\x1b]0;owned\x07\x1b[2J\x9b2J\xc2\x9bx.so
chunk D 0 0 0
site 1 0 0x1234 |
chunk E 1 0 0
zb 1 1
ze 1
end 10
EOF
"$T/tracegen" "$T/path.desc" "$T/path.ctrace" || fail "path trace" "tracegen failed"
"$CT" report "$T/path.ctrace" -o "$T/path.html" 2>"$T/err"
check "report: a warning names the object" 'grep -q "no name" "$T/err"' "$(head -c 300 "$T/err")"
check "stderr: no raw ESC, BEL or C1 control from the trace" \
  '! LC_ALL=C grep -q "$(printf "[\033\007]")" "$T/err" && ! LC_ALL=C grep -q "$(printf "\302\233")" "$T/err"' \
  "$(od -c "$T/err" | head -5)"

# ---- times and sums past their limits ------------------------------------------------
gen tests/crafted/time_far.desc "$T/far.ctrace"
"$CT" check "$T/far.ctrace" >"$T/out" 2>&1
code=$?
check "time_far: times past 2^62 ns are damage (check exits 1)" '[ "$code" = 1 ]' "exit $code: $(head -c 300 "$T/out")"
"$CT" dump "$T/far.ctrace" -o "$T/far.dump" 2>/dev/null
check "time_far: no time is read as the clamp 2^62-1" '! grep -q "^4611686018427387903" "$T/far.dump"' \
  "$(head -c 300 "$T/far.dump")"
gen tests/crafted/held_overflow.desc "$T/held.ctrace" 8
"$CT" stats --json "$T/held.ctrace" -o "$T/held.json" 2>/dev/null
"$PY" - "$T/held.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def check(ok, name, why=""):
    print(("PASS: " if ok else "FAIL: ") + name + ("" if ok else ": " + why))
check(d["damage"]["overflowed"] is True, "held_overflow: held time past 2^63 says overflowed", repr(d["damage"]))
mmu = d["gc"]["mmu"]
check(mmu and mmu[-1]["utilization"] < 0.01,
      "held_overflow: 8 threads held through nearly the whole run: the MMU reads about 0 %", repr(mmu[-3:]))
PY

# ---- CSV output in proportion: 16,000 functions of an object with a 4 kB path -------
gen tests/crafted/csv_sites.desc "$T/sites.ctrace" 16000
"$CT" export csv "$T/sites.ctrace" -o "$T/sites.csv" 2>"$T/err"
in=$(wc -c <"$T/sites.ctrace")
out=$(wc -c <"$T/sites.csv")
check "csv_sites at 16,000: export csv writes $out bytes from $in (budget 150x + 1 MB)" \
  '[ "$out" -le $((in * 150 + 1048576)) ] && [ "$(wc -l <"$T/sites.csv")" -gt 16000 ]' "$(head -c 200 "$T/err")"
# stats --json: the path whole once in "long_strings", each row's file cut and
# pointing at it (it wrote the 4 kB path in every row: 71 MB from 313 kB)
"$CT" stats --json "$T/sites.ctrace" -o "$T/sites.json" 2>"$T/err"
out=$(wc -c <"$T/sites.json")
check "csv_sites at 16,000: stats --json writes $out bytes from $in (budget 150x + 1 MB)" \
  '[ "$out" -le $((in * 150 + 1048576)) ]' "$(head -c 200 "$T/err")"
"$PY" - "$T/sites.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], "rb"))
def check(ok, name, why=""):
    print(("PASS: " if ok else "FAIL: ") + name + ("" if ok else ": " + why))
longs = d["long_strings"]
path = "/" + "p" * 3999
zones = d["zones"]
check(longs.count(path) == 1, "stats --json: the 4 kB path is written whole once, in long_strings",
      repr([len(s) for s in longs][:5]))
whole = [longs[z["file_full"]] if "file_full" in z else z["file"] for z in zones]
check(len(zones) > 16000 - 100 and all(f == path for f in whole),
      "stats --json: every function's file is the path, through file_full", repr(whole[:1])[:200])
check(all(z["file"] == path[:256] + "...[cut]" for z in zones), "stats --json: each row's file is cut as in the CSV")
PY
