#!/usr/bin/env python3
"""Checks for tests/test_tool.sh: reads the tool's outputs and prints one
PASS/FAIL line per check (the test protocol). Exits 1 if any check failed.

  tool_check.py dump   DUMP.txt
  tool_check.py chrome DUMP.txt OUT.json
  tool_check.py folded STATS.json OUT.folded time|bytes
  tool_check.py csv    STATS.json OUT.csv
  tool_check.py png    OUT.png WIDTH HEIGHT
  tool_check.py baseline STATS_NOW.json STATS_BEFORE.json REPORT.html

DUMP.txt is `ctrace dump` of the same trace: the reference every other
output is compared with (its escaping is undone here to get the bytes)."""
import csv
import html.parser
import json
import re
import struct
import sys
import zlib

failed = 0


def check(ok, name, why=""):
    global failed
    if ok:
        print("PASS: " + name)
    else:
        failed += 1
        print("FAIL: %s: %s" % (name, why or "condition false"))
    return ok


# Names tests/tool_gen.c uses, as a JSON/CSV reader must see them: invalid
# UTF-8 replaced by U+FFFD per maximal ill-formed subsequence.
EXPECTED_NAMES = [
    'quote"and\\backslash',
    "comma,separated,name",
    "tab\there\nnewline\x01ctl",
    "bad utf8 \ufffd\ufffd end",
    "cut \ufffd",
    "caf\u00e9 \u20ac ok",
]


def unescape_dump(field):
    """Bytes of a dump field: \\\\ \\t \\n \\r \\xNN undone."""
    out = bytearray()
    raw = field.encode("utf-8", "surrogateescape")
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == 0x5C and i + 1 < len(raw):
            n = raw[i + 1]
            if n == 0x78:  # x
                out.append(int(raw[i + 2:i + 4], 16))
                i += 4
                continue
            out.append({0x5C: 0x5C, 0x74: 9, 0x6E: 10, 0x72: 13}[n])
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out)


def read_dump(path):
    events = []
    with open(path, "rb") as f:
        for line in f.read().split(b"\n"):
            if not line:
                continue
            parts = line.decode("utf-8", "surrogateescape").split("\t")
            events.append(parts)
    return events


def cmd_dump(dump_path):
    data = open(dump_path, "rb").read()
    evs = read_dump(dump_path)
    check(len(evs) > 0, "dump: has events")
    bad = [b for b in data if b < 0x20 and b not in (9, 10)]
    check(not bad, "dump: no raw control characters", "found %r" % bad[:5])
    try:
        data.decode("utf-8")
        ok = True
    except UnicodeDecodeError as e:
        ok = False
        why = str(e)
    check(ok, "dump: output is valid UTF-8 (bad bytes escaped)", "" if ok else why)
    times = [int(e[0]) for e in evs]
    check(times == sorted(times), "dump: times ascend")
    kinds = {"zone_begin": 6, "zone_end": 4, "instant": 6, "counter": 5, "counter_f": 5,
             "log": 5, "task_begin": 5, "task_end": 5, "alloc": 8, "free": 8,
             "gc_begin": 4, "gc_end": 4, "loss": 5, "mem_problem": 7, "thread": 5,
             "thread_cpu": 5}
    wrong = [e for e in evs if e[2] not in kinds or len(e) != kinds[e[2]]]
    check(not wrong, "dump: every line has its kind's documented fields", repr(wrong[:3]))
    threads = dict((e[1], unescape_dump(e[3]).decode("utf-8", "replace")) for e in evs if e[2] == "thread")
    # ctrace's writer thread records the CPU samples, so it has a line too
    check(sorted(v for v in threads.values() if v != "ctrace writer") == ['main', 'worker "w1"'],
          "dump: a thread line names each thread", repr(threads))
    check(all(e[2] == "thread" for e in evs[:len(threads)]), "dump: thread lines come before the events")
    names = set(unescape_dump(e[3]).decode("utf-8", "replace") for e in evs if e[2] == "zone_begin")
    missing = [n for n in EXPECTED_NAMES if n not in names]
    check(not missing, "dump: hostile zone names round-trip through the escaping", repr(missing))


def simulate_zones(evs):
    """Per-thread zone depth from the dump: (matched ends, dropped ends, unfinished)."""
    depth, matched, dropped = {}, 0, 0
    for e in evs:
        t = e[1]
        if e[2] == "zone_begin":
            depth[t] = depth.get(t, 0) + 1
        elif e[2] == "zone_end":
            if depth.get(t, 0) > 0:
                depth[t] -= 1
                matched += 1
            else:
                dropped += 1
    return matched, dropped, sum(depth.values())


def cmd_chrome(dump_path, json_path):
    evs = read_dump(dump_path)
    try:
        doc = json.load(open(json_path, "rb"))
        ok = True
    except ValueError as e:
        ok, why = False, str(e)
    if not check(ok, "chrome: parses as JSON", "" if ok else why):
        return
    check(isinstance(doc, dict) and isinstance(doc.get("traceEvents"), list)
          and doc.get("displayTimeUnit") == "ns", "chrome: object form with traceEvents")
    tev = doc["traceEvents"]
    by_ph = {}
    for e in tev:
        by_ph.setdefault(e.get("ph"), []).append(e)
    kinds = {}
    for e in evs:
        kinds[e[2]] = kinds.get(e[2], 0) + 1
    matched, dropped, unfinished = simulate_zones(evs)
    nb, ne = len(by_ph.get("B", [])), len(by_ph.get("E", []))
    check(nb == kinds.get("zone_begin", 0), "chrome: one B per zone_begin",
          "%d B, %d zone_begin" % (nb, kinds.get("zone_begin", 0)))
    check(ne == matched + unfinished, "chrome: E = matched ends + zones closed at the end",
          "%d E, %d matched, %d unfinished" % (ne, matched, unfinished))
    check(dropped >= 1 and unfinished >= 1, "chrome: fixture has a stray end and an open zone",
          "dropped %d unfinished %d" % (dropped, unfinished))
    # Every B has its E, per thread, nested, in time order.
    stacks, nest_ok, why = {}, True, ""
    for e in tev:
        if e.get("ph") not in ("B", "E"):
            continue
        st = stacks.setdefault(e["tid"], [])
        if e["ph"] == "B":
            if st and e["ts"] < st[-1]["ts"]:
                nest_ok, why = False, "B before its parent at ts %r" % e["ts"]
            st.append(e)
        else:
            if not st:
                nest_ok, why = False, "E with no open B on tid %r" % e["tid"]
                continue
            b = st.pop()
            if e["ts"] < b["ts"]:
                nest_ok, why = False, "E before its B (%r < %r)" % (e["ts"], b["ts"])
            elif e.get("name") != b.get("name"):
                # speedscope pairs an E with the B on top of the stack by name
                nest_ok, why = False, "E named %r closes B %r" % (e.get("name"), b.get("name"))
    left = sum(len(s) for s in stacks.values())
    check(nest_ok and left == 0, "chrome: every B closes, spans nest per thread",
          why or "%d B never closed" % left)
    ni = len(by_ph.get("i", []))
    want_i = sum(kinds.get(k, 0) for k in ("instant", "log", "loss", "mem_problem"))
    check(ni == want_i, "chrome: one i per instant/log/loss/problem", "%d vs %d" % (ni, want_i))
    check(all(e.get("s") == "t" for e in by_ph.get("i", [])), "chrome: instants are thread-scoped")
    nc = len(by_ph.get("C", []))
    want_c = sum(kinds.get(k, 0) for k in ("counter", "counter_f", "alloc", "free"))
    check(nc == want_c, "chrome: one C per counter sample and heap change", "%d vs %d" % (nc, want_c))
    heap = [e["args"]["live_bytes"] for e in by_ph.get("C", []) if e["name"] == "heap"]
    live, want_heap = 0, []
    for e in evs:
        if e[2] == "alloc":
            live += int(e[5])
            want_heap.append(live)
        elif e[2] == "free":
            live = max(0, live - int(e[5]))
            want_heap.append(live)
    check(heap == want_heap, "chrome: heap counter follows alloc/free sizes")
    asyn_b, asyn_e = by_ph.get("b", []), by_ph.get("e", [])
    want_b = kinds.get("task_begin", 0) + kinds.get("gc_begin", 0)
    check(len(asyn_b) == want_b, "chrome: one b per task and collection", "%d vs %d" % (len(asyn_b), want_b))
    opened = {}
    for e in tev:
        if e.get("ph") == "b":
            opened[(e["cat"], e["id"])] = e
        elif e.get("ph") == "e":
            b = opened.pop((e["cat"], e["id"]), None)
            if b is None or b["name"] != e["name"] or e["ts"] < b["ts"]:
                opened[("bad", 0)] = e
    check(not opened and len(asyn_e) == len(asyn_b), "chrome: every b has its e (same cat, id, name)",
          repr(list(opened.items())[:2]))
    check({e["cat"] for e in asyn_b} <= {"gc", "task"} and any(e["cat"] == "gc" for e in asyn_b),
          "chrome: async spans in categories gc and task")
    # Names and times equal the dump's, zone by zone, per thread.
    want = {}
    for e in evs:
        if e[2] == "zone_begin":
            want.setdefault(int(e[1]), []).append(
                (int(e[0]), unescape_dump(e[3]).decode("utf-8", "replace")))
    got = {}
    for e in by_ph.get("B", []):
        got.setdefault(e["tid"], []).append((round(e["ts"] * 1000), e["name"]))
    check(got == want, "chrome: zone names and ns times equal the dump's")
    names = {e["name"] for e in by_ph.get("B", [])}
    missing = [n for n in EXPECTED_NAMES if n not in names]
    check(not missing, "chrome: quotes, control chars, invalid UTF-8 escaped and decoded", repr(missing))
    meta = by_ph.get("M", [])
    tn = {e["tid"]: e["args"]["name"] for e in meta if e["name"] == "thread_name"}
    threads = {int(e[1]) for e in evs}
    check(set(tn) == threads and 'worker "w1"' in tn.values() and "main" in tn.values(),
          "chrome: thread_name metadata for every thread", repr(tn))
    check(any(e["name"] == "process_name" for e in meta) and
          sum(1 for e in meta if e["name"] == "thread_sort_index") == len(threads),
          "chrome: process_name and thread_sort_index metadata")
    pids = {e.get("pid") for e in tev}
    check(len(pids) == 1, "chrome: one process", repr(pids))


def cmd_folded(stats_path, folded_path, weight):
    stats = json.load(open(stats_path, "rb"))
    lines = open(folded_path, "rb").read().decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    pat = re.compile(r"^.+ [0-9]+$")
    bad = [l for l in lines if not pat.match(l)]
    check(lines and not bad, "folded %s: every line is 'stack N'" % weight, repr(bad[:3]))
    total = sum(int(l.rsplit(" ", 1)[1]) for l in lines if pat.match(l))
    if weight == "time":
        want = sum(z["self_ns"] for z in stats["zones"])
    else:
        want = stats["memory"]["total_alloc"]
    check(total == want, "folded %s: weights add up to the trace's total" % weight,
          "%d vs %d" % (total, want))
    if weight != "time":
        return  # the fixture's hostile zones allocate nothing
    frames = set()
    for l in lines:
        frames.update(l.rsplit(" ", 1)[0].split(";"))
    check("semi:colon" in frames and "bad utf8 \ufffd\ufffd end" in frames,
          "folded %s: ';' in names replaced, invalid UTF-8 replaced" % weight)


def csv_mark(n):
    """A name as CSV shows it: controls but TAB, CR and LF marked <U+00XX>,
    a formula-like start (= + - @ TAB CR) after a '."""
    n = "".join("<U+%04X>" % ord(c) if (ord(c) < 0x20 and c not in "\t\r\n") or ord(c) == 0x7F else c
                for c in n)
    return "'" + n if n[:1] in ("=", "+", "-", "@", "\t", "\r") else n


def cmd_csv(stats_path, csv_path):
    stats = json.load(open(stats_path, "rb"))
    text = open(csv_path, "rb").read().decode("utf-8")
    rows = list(csv.reader(text.splitlines(True)))
    cols = ["name", "file", "line", "count", "total_ns", "self_ns", "mean_ns", "min_ns",
            "p50_ns", "p95_ns", "max_ns"]
    check(rows and rows[0] == cols, "csv: header row", repr(rows[:1]))
    body = rows[1:]
    check(len(body) == len(stats["zones"]), "csv: one row per zone",
          "%d rows, %d zones" % (len(body), len(stats["zones"])))
    zones = {(csv_mark(z["name"]), csv_mark(z["file"]), z["line"]): z for z in stats["zones"]}
    mismatch = []
    for r in body:
        z = zones.get((r[0], r[1], int(r[2])))
        if z is None or any(int(r[i]) != z[c] for i, c in enumerate(cols) if i >= 2):
            mismatch.append(r)
    check(not mismatch, "csv: figures equal stats --json", repr(mismatch[:2]))
    names = {r[0] for r in body}
    # every writer replaces a cut sequence with one U+FFFD (ctrace__utf8's rule)
    missing = [n for n in map(csv_mark, EXPECTED_NAMES) if n not in names]
    check(not missing, "csv: names with commas, quotes and newlines round-trip", repr(missing))


def cmd_png(path, width, height):
    data = open(path, "rb").read()
    ok = data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    if not check(ok, "png: signature and IHDR"):
        return
    w, h = struct.unpack(">II", data[16:24])
    check((w, h) == (int(width), int(height)), "png: size %sx%s" % (width, height), "%dx%d" % (w, h))
    crc = struct.unpack(">I", data[29:33])[0]
    check(crc == zlib.crc32(data[12:29]) & 0xFFFFFFFF, "png: IHDR checksum")


class ZoneTable(html.parser.HTMLParser):
    """Rows of the report's table id="zones-table": per cell its data-v (the
    exact figure the report embeds for sorting and tools) and its text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth, self.rows, self.cell = 0, [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id") == "zones-table":
            self.depth = 1
        elif self.depth and tag == "table":
            self.depth += 1
        elif self.depth == 1 and tag == "tr":
            self.rows.append([])
        elif self.depth == 1 and tag == "td" and self.rows:
            self.cell = [a.get("data-v"), ""]
            self.rows[-1].append(self.cell)

    def handle_endtag(self, tag):
        if self.depth and tag == "table":
            self.depth -= 1
        elif tag == "td":
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[1] += data


def cmd_baseline(now_path, before_path, html_path):
    now = {z["name"]: z for z in json.load(open(now_path, "rb"))["zones"]}
    before = {z["name"]: z for z in json.load(open(before_path, "rb"))["zones"]}
    parser = ZoneTable()
    parser.feed(open(html_path, "rb").read().decode("utf-8"))
    rows = [r for r in parser.rows if len(r) == 14]
    check(rows, "baseline: report has the before/after/delta zone table")
    compared, bad, nonzero = 0, [], False
    for r in rows:
        name = r[0][1]
        if name not in now or name not in before:
            continue  # hostile names are shown escaped/cut; plain ones suffice
        a, b = now[name], before[name]
        v = [int(float(c[0])) if c[0] is not None else None for c in r]
        want = {2: b["count"], 3: a["count"], 4: b["total_ns"], 5: a["total_ns"],
                6: a["total_ns"] - b["total_ns"], 8: b["self_ns"], 9: a["self_ns"],
                10: a["self_ns"] - b["self_ns"], 11: b["mean_ns"], 12: a["mean_ns"],
                13: a["mean_ns"] - b["mean_ns"]}
        diffs = {k: (v[k], w) for k, w in want.items() if v[k] != w}
        if diffs:
            bad.append((name, diffs))
        compared += 1
        if v[6]:
            nonzero = True
    check(compared >= 4, "baseline: zones matched between report and stats", "only %d" % compared)
    check(not bad, "baseline: before, after and deltas equal the two stats --json", repr(bad[:2]))
    check(nonzero, "baseline: the slower run shows non-zero deltas")


if __name__ == "__main__":
    cmd = sys.argv[1]
    try:
        {"dump": cmd_dump, "chrome": cmd_chrome, "folded": cmd_folded, "csv": cmd_csv,
         "png": cmd_png, "baseline": cmd_baseline}[cmd](*sys.argv[2:])
    except Exception as e:  # a missing or malformed output is a failed check, not a crash
        check(False, "%s: output readable and well-formed" % cmd, "%s: %s" % (type(e).__name__, e))
    sys.exit(1 if failed else 0)
