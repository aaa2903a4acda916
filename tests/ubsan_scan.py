#!/usr/bin/env python3
"""tests/ubsan_scan.py SUITE_LOG REPORT_DIR - the verdict of `make test-ubsan`.

SUITE_LOG is the suite's output (its last "N passed, M failed" line counts);
REPORT_DIR holds UBSan's logs (UBSAN_OPTIONS=log_path=DIR/ub writes one file
per process that found something). Prints one FAIL line per place in the code
UBSan reported, with how often and the first message and frame, or one PASS
line when there is none; then the combined "N passed, M failed" line. Exits 1
when anything failed.

stb's functions are built unchecked (tests/ubsan.ignore); should a report
from a system header (/usr/include) still come, it is third-party code:
listed as a note, not counted."""
import os
import re
import sys

HEAD = re.compile(r"^(\S+?):(\d+):(\d+): runtime error: (.*)$")


def suite_counts(path):
    passed = failed = 0
    try:
        lines = open(path, errors="replace").read().splitlines()
    except OSError as e:
        print("FAIL: ubsan: no suite log: %s" % e)
        return 0, 1
    for line in reversed(lines):
        m = re.match(r"^(\d+) passed, (\d+) failed$", line.strip())
        if m:
            return int(m.group(1)), int(m.group(2))
    print("FAIL: ubsan: the suite did not finish (no 'N passed, M failed' line)")
    return passed, failed + 1


def findings(report_dir):
    """{(file, line): [count, message, first frame]} over every report, and
    the same for reports inside system headers."""
    found, system = {}, {}
    names = sorted(os.listdir(report_dir)) if os.path.isdir(report_dir) else []
    for name in names:
        lines = open(os.path.join(report_dir, name), errors="replace").read().splitlines()
        for i, line in enumerate(lines):
            m = HEAD.match(line)
            if not m:
                continue
            path = os.path.abspath(m.group(1))
            where = (os.path.relpath(path), m.group(2))
            frame = next((f.strip() for f in lines[i + 1:i + 3] if f.strip().startswith("#0")), "")
            table = system if path.startswith("/usr/include/") else found
            entry = table.setdefault(where, [0, m.group(4), frame])
            entry[0] += 1
    return found, system


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    passed, failed = suite_counts(sys.argv[1])
    found, system = findings(sys.argv[2])
    for (path, line), (count, message, _) in sorted(system.items()):
        print("note: ubsan: third-party %s:%s: %s (%d report%s, not counted)" % (
            path, line, message, count, "" if count == 1 else "s"))
    for (path, line), (count, message, frame) in sorted(found.items()):
        print("FAIL: ubsan: %s:%s: %s (%d report%s)%s" % (
            path, line, message, count, "" if count == 1 else "s",
            "\n    " + frame if frame else ""))
    if found:
        failed += len(found)
    else:
        print("PASS: ubsan: no report from any program of the suite")
        passed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
