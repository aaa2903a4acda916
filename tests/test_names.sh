#!/bin/sh
# tests/test_names.sh - one name, the same text in every output. A program
# records zones whose names hold every awkward byte (a cut UTF-8 sequence,
# overlong and surrogate forms, control characters and DEL, '"', '\', '<',
# '&', ';' and spaces, a tab, a newline); the trace goes through stats
# --json, export chrome / csv / folded, dump and the report, and each output
# must carry, for every name, the one text the rule gives: invalid UTF-8
# becomes one U+FFFD per maximal ill-formed subsequence (as Python's
# "replace" and browsers decode), then each format's documented escape:
# JSON and CSV quoting (undone by their parsers), folded ';' -> ':' and
# control characters -> space, dump's \\ \t \n \r \xNN (which keep the raw
# bytes), the report's data as JSON.
# Run from the repo root: BUILD=build tests/test_names.sh
BUILD=${BUILD:-build}
CT=$BUILD/ctrace
PY=${PYTHON:-python3}
T=$BUILD/tmp/names_$$
[ -x "$CT" ] || { echo "FAIL: names: $CT not built"; exit 1; }
command -v "$PY" >/dev/null 2>&1 || { echo "FAIL: names: no python3"; exit 1; }
mkdir -p "$T" || exit 1
trap 'rm -rf "$T"' EXIT

cat > "$T/names.h" <<'EOF'
/* The names, outermost first: each zone runs inside the one before it. */
static const char *const names[] = {
  "cut \xe2\x82 b",
  "overlong \xc0\xaf x",
  "surrogate \xed\xa0\x80 y",
  "ctl \x01\x1f\x7f del",
  "quote \" back \\ z",
  "markup <b>&amp;</b>",
  "semi;colon and  spaces",
  "tab\there",
  "new\nline",
  "ok \xc3\xa9 \xe2\x82\xac",
};
EOF
cat > "$T/names.c" <<'EOF'
#define CTRACE_IMPLEMENTATION
#include "ctrace.h"
#include "names.h"
int main(int argc, char **argv) {
  size_t i, n = sizeof names / sizeof names[0];
  char buf[64];
  if (argc != 2 || ctrace_start(argv[1]) != 0) return 1;
  for (i = 0; i < n; i++) {
    strcpy(buf, names[i]); /* a dynamic name: interned by its text */
    CTRACE_ZONE_BEGIN(buf);
  }
  for (i = 0; i < n; i++) CTRACE_ZONE_END();
  return ctrace_stop() == 0 ? 0 : 1;
}
EOF
${CC:-cc} -std=c99 -O1 -pthread -I. -I"$T" "$T/names.c" -o "$T/names" &&
  "$T/names" "$T/n.ctrace" || { echo "FAIL: names: cannot write the trace"; exit 1; }
"$CT" stats "$T/n.ctrace" --json -o "$T/n.stats.json" &&
"$CT" export chrome "$T/n.ctrace" -o "$T/n.json" &&
"$CT" export csv "$T/n.ctrace" -o "$T/n.csv" &&
"$CT" export folded "$T/n.ctrace" -o "$T/n.folded" &&
"$CT" dump "$T/n.ctrace" -o "$T/n.dump" &&
"$CT" report "$T/n.ctrace" -o "$T/n.html" 2>"$T/err" ||
  { echo "FAIL: names: a ctrace verb failed: $(head -c 300 "$T/err")"; exit 1; }

"$PY" - "$T" <<'PY'
import csv, io, json, re, sys
t = sys.argv[1]
failed = 0
def check(ok, name, why=""):
    global failed
    print(("PASS: " if ok else "FAIL: ") + name + ("" if ok else ": " + why))
    failed += 0 if ok else 1

# the names, as bytes, from the C source the program was built from
src = open(t + "/names.h", "rb").read()
raw = []
for lit in re.findall(rb'^  "((?:[^"\\]|\\.)*)",$', src, re.M):
    raw.append(lit.decode("ascii").encode("latin-1").decode("unicode_escape").encode("latin-1"))
check(len(raw) == 10, "names: ten names read from the source", repr(raw))
want = [r.decode("utf-8", "replace") for r in raw]
check(sum(w.count("\ufffd") for w in want[:3]) == 1 + 2 + 3,
      "names: the rule (one U+FFFD per maximal ill-formed subsequence) as Python applies it")

def same(label, got, expect):
    missing = [e for e in expect if e not in got]
    check(not missing, "names: %s carries every name" % label,
          "missing %r; got %r" % (missing[:2], sorted(got)[:12]))

stats = json.load(open(t + "/n.stats.json", encoding="utf-8"))
same("stats --json", {z["name"] for z in stats["zones"]}, want)

chrome = json.load(open(t + "/n.json", encoding="utf-8"))
same("export chrome", {e.get("name") for e in chrome["traceEvents"] if e.get("ph") == "B"}, want)
ends = [e for e in chrome["traceEvents"] if e.get("ph") == "E"]
same("export chrome's E events", {e.get("name") for e in ends}, want)

rows = list(csv.reader(io.StringIO(open(t + "/n.csv", encoding="utf-8", newline="").read())))
def csv_text(w):  # controls but TAB, CR, LF marked; a formula-like start quoted with '
    w = "".join("<U+%04X>" % ord(c) if (ord(c) < 0x20 and c not in "\t\r\n") or ord(c) == 0x7F else c for c in w)
    return "'" + w if w[:1] in ("=", "+", "-", "@", "\t", "\r") else w
same("export csv", {r[0] for r in rows[1:]}, [csv_text(w) for w in want])

def folded_text(w):
    return "".join(" " if (ord(c) < 0x20 or ord(c) == 0x7F) else ":" if c == ";" else c for c in w)
stacks = [l.rsplit(" ", 1)[0] for l in open(t + "/n.folded", encoding="utf-8").read().splitlines()]
deepest = max(stacks, key=lambda s: s.count(";"))
check(deepest.split(";") == [folded_text(w) for w in want],
      "names: export folded holds the nested stack, each name with its documented escape",
      repr(deepest))

def undump(field):
    out, b, i = bytearray(), field.encode("utf-8", "surrogateescape"), 0
    while i < len(b):
        if b[i] == 0x5C:
            n = b[i + 1]
            if n == 0x78:
                out.append(int(b[i + 2:i + 4], 16)); i += 4; continue
            out.append({0x5C: 0x5C, 0x74: 9, 0x6E: 10, 0x72: 13}[n]); i += 2; continue
        out.append(b[i]); i += 1
    return bytes(out)
dumped = [l.split("\t") for l in open(t + "/n.dump", encoding="utf-8", errors="surrogateescape").read().split("\n") if l]
same("dump (its escapes undone: the raw bytes)", {undump(f[3]) for f in dumped if f[2] == "zone_begin"}, raw)

html = open(t + "/n.html", encoding="utf-8").read()
m = re.search(r'<script type="application/json" id="ct-data">(.*?)</script>', html, re.S)
check(m is not None, "names: the report has its data island")
if m:
    d = json.loads(m.group(1))
    same("the report's data", {z[0] for z in d["z"] if z}, want)
sys.exit(1 if failed else 0)
PY
