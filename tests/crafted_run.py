#!/usr/bin/env python3
"""tests/crafted_run.py CMD... - run CMD with its standard output counted
(not kept) and print one line: "EXIT PEAK_RSS_KB OUTPUT_BYTES". EXIT is the
exit status, or -N when a signal N ended it. stderr goes to ours."""
import resource
import subprocess
import sys

p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
n = 0
while True:
    b = p.stdout.read(1 << 20)
    if not b:
        break
    n += len(b)
rc = p.wait()
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, n)
