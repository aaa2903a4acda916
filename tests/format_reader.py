#!/usr/bin/env python3
"""tests/format_reader.py - a second reader of the ctrace file format, written
from README.md's "The file format" section alone (it shares no code with
ctrace.h), so that a test can hold the README to what the writer does.

  format_reader.py TRACE      prints every event like `ctrace dump` does
                              (time ns, thread, kind, name, fields; TAB
                              separated); exit 0 if every chunk was intact,
                              1 if some were damaged or the end marker is
                              missing, 2 if the header is unreadable.
  format_reader.py --compare TRACE DUMP.txt LABEL
                              one PASS or FAIL line: does this reader agree
                              with DUMP.txt, `ctrace dump TRACE`'s output?

Strings are printed with the escapes `ctrace dump` documents (backslash,
TAB, LF, CR, other controls, DEL and invalid UTF-8 as \\xNN)."""
import struct
import sys
import zlib

MAGIC = b"\x89CTR\r\n\x1a\n"
KINDS = {1: "zone_begin", 2: "zone_end", 3: "instant", 4: "counter", 5: "counter_f", 6: "log",
         7: "task_begin", 8: "task_end", 9: "alloc", 10: "free", 11: "gc_begin", 12: "gc_end",
         13: "loss", 14: "mem_problem"}


class Bad(Exception):
    pass


def varint(b, i):
    v = shift = 0
    for n in range(10):
        if i >= len(b):
            raise Bad("varint runs past the end")
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v & 0xFFFFFFFFFFFFFFFF, i
    raise Bad("varint longer than 10 bytes")


def unzigzag(v):
    return (v >> 1) ^ -(v & 1)


def string(b, i):
    n, i = varint(b, i)
    if i + n > len(b):
        raise Bad("string runs past the end")
    return b[i:i + n], i + n


def safe(s):
    out = []
    text = s.decode("utf-8", "surrogateescape")
    for ch in text:
        o = ord(ch)
        if 0xDC80 <= o <= 0xDCFF:  # a byte that was not valid UTF-8
            out.append("\\x%02x" % (o - 0xDC00))
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif o < 0x20 or o == 0x7F:
            out.append("\\x%02x" % o)
        else:
            out.append(ch)
    return "".join(out)


def read(path):
    data = open(path, "rb").read()
    if len(data) < 62 or data[:8] != MAGIC:
        raise Bad("not a ctrace file")
    version, hlen, clock, flags = struct.unpack_from("<HHBB", data, 8)
    if hlen < 62 or hlen > len(data):
        raise Bad("header length")
    tps, t0, mono0, wall0, bufsize, pid, plen = struct.unpack_from("<QQQQIIH", data, 16)
    if 58 + plen + 4 != hlen:
        raise Bad("program name length")
    if zlib.crc32(data[:58 + plen]) != struct.unpack_from("<I", data, 58 + plen)[0]:
        raise Bad("header checksum")
    sites, threads, events, damaged = {}, {}, [], False
    last_sync = None
    ended = False
    expect_seq = {}
    off = hlen
    resync = False  # after damage: only a plausible header with a matching CRC counts
    while off < len(data):
        if off + 32 > len(data):
            damaged = True  # cut inside a chunk header
            break
        h = data[off:off + 32]
        typ = h[2]
        length, tid, seq, base = struct.unpack_from("<IIIQ", h, 4)
        plausible = h[:2] == b"CK" and 0x41 <= typ <= 0x5A and length <= 16 << 20
        intact = plausible and off + 32 + length <= len(data) and \
            zlib.crc32(h[:28] + data[off + 32:off + 32 + length]) == struct.unpack_from("<I", h, 28)[0]
        if not intact and (resync or not plausible):
            damaged = resync = True
            nxt = data.find(b"CK", off + 1)
            off = nxt if nxt >= 0 else len(data)
            continue
        if off + 32 + length > len(data):
            damaged = True  # truncated
            break
        if not intact:  # a plausible header, a bad checksum: skipped whole
            damaged = True
            off += 32 + length
            continue
        resync = False
        payload = data[off + 32:off + 32 + length]
        off += 32 + length
        t = chr(typ)
        if t == "D":
            i = 0
            while i < len(payload):
                rec = payload[i]
                if rec == 1:
                    sid, i = varint(payload, i + 1)
                    line, i = varint(payload, i)
                    name, i = string(payload, i)
                    fname, i = string(payload, i)
                    sites[sid] = (name, fname, line)
                elif rec == 2:
                    ttid, i = varint(payload, i + 1)
                    os_tid, i = varint(payload, i)
                    name, i = string(payload, i)
                    threads[ttid] = (name, os_tid)
                else:
                    raise Bad("unknown definition record %d" % rec)
        elif t == "S":
            mono, _ = varint(payload, 0)
            last_sync = (base, mono)
        elif t == "Z":
            ended = True
            _status, i = varint(payload, 0)
            _sig, i = varint(payload, i)
            mono, i = varint(payload, i)
            last_sync = (base, mono)
        elif t == "E":
            if tid in expect_seq and seq != expect_seq[tid]:
                damaged = True
            expect_seq[tid] = seq + 1
            decode_events(payload, tid, base, events, threads)
    # the clock rate, refined by the last sync point over more than 20 ms
    rate = float(tps) if clock == 1 else 1e9
    if clock == 1 and last_sync and last_sync[1] - mono0 > 20_000_000 and last_sync[0] > t0:
        refined = (last_sync[0] - t0) * 1e9 / (last_sync[1] - mono0)
        if 1e3 <= refined <= 1e12:
            rate = refined
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    read.threads = threads  # for compare; the tuple stays as callers know it
    return events, sites, t0, rate, damaged or not ended


def decode_events(p, tid, ts, out, threads):
    i = 0
    while i < len(p):
        kind = p[i]
        if kind in (0, 255):
            raise Bad("invalid kind")
        delta, i = varint(p, i + 1)
        ts += delta
        f = []
        if kind in (1, 3, 11):
            site, i = varint(p, i)
            f = [site]
        elif kind == 4:
            site, i = varint(p, i)
            v, i = varint(p, i)
            f = [site, unzigzag(v)]
        elif kind == 5:
            site, i = varint(p, i)
            f = [site, struct.unpack_from("<d", p, i)[0]]
            i += 8
        elif kind == 6:
            site, i = varint(p, i)
            msg, i = string(p, i)
            f = [site, msg]
        elif kind == 7:
            site, i = varint(p, i)
            tid_, i = varint(p, i)
            f = [site, tid_]
        elif kind in (8, 13):
            v, i = varint(p, i)
            f = [v]
        elif kind in (9, 10):
            site, i = varint(p, i)
            addr, i = varint(p, i)
            size, i = varint(p, i)
            f = [site, addr, size]
        elif kind == 14:
            site, i = varint(p, i)
            addr, i = varint(p, i)
            f = [site, addr]
        elif kind == 64:  # wait begin: a length, then the site (more fields may follow)
            n, i = varint(p, i)
            site, _ = varint(p, i)
            i += n
            f = [site]
        elif kind == 66:  # thread CPU: a length, the thread measured, its CPU ns (more may follow)
            n, i = varint(p, i)
            measured, j = varint(p, i)
            cpu, j = varint(p, j)
            i += n
            # about a thread the trace never defined: skipped, as an unknown kind
            f = [measured, cpu] if measured in threads or measured == tid else [None]
        elif kind >= 64:  # wait end (65, length 0) and kinds this reader skips
            n, i = varint(p, i)
            i += n
            f = [kind]
        elif kind not in (2, 12):
            raise Bad("reserved kind %d" % kind)
        if i > len(p):
            raise Bad("event runs past its chunk")
        out.append((ts, tid, len(out), kind, f))


def lines(events, sites, t0, rate):
    for ts, tid, _, kind, f in events:
        ns = int((ts - t0) * 1e9 / rate)
        known = kind != 66 or f[0] is not None
        name = ({64: "wait_begin", 65: "wait_end", 66: "thread_cpu"}.get(kind, "unknown") if known else "unknown") \
            if kind >= 64 else KINDS[kind]
        site = sites.get(f[0], (b"(undefined name)", b"", 0)) if f and kind not in (8, 13) and kind <= 64 else None
        cols = [str(ns), str(f[0] if kind == 66 and known else tid), name, safe(site[0]) if site else ""]
        if kind in (1, 3, 64):
            cols += [safe(site[1]), str(site[2])]
        elif kind == 4:
            cols.append(str(f[1]))
        elif kind == 5:
            cols.append(repr(f[1]))
        elif kind == 6:
            cols.append(safe(f[1]))
        elif kind == 7:
            cols.append(str(f[1]))
        elif kind in (8, 13):
            cols.append(str(f[0]))
        elif kind in (9, 10):
            cols += ["0x%x" % f[1], str(f[2]), safe(site[1]), str(site[2])]
        elif kind == 14:
            cols += ["0x%x" % f[1], safe(site[1]), str(site[2])]
        elif kind == 66 and known:
            cols.append(str(f[1]))
        elif kind > 65:
            cols.append(str(kind))
        yield cols


def same_line(mine, theirs):
    """Equal but for rounding: times within 2 ns (the C reader converts with
    32.32 fixed point), float counters as numbers."""
    if len(mine) != len(theirs) or mine[1:] != theirs[1:] and not (
            mine[2] == "counter_f" and mine[1:4] == theirs[1:4] and float(mine[4]) == float(theirs[4])):
        return False
    return abs(int(mine[0]) - int(theirs[0])) <= 2


def compare(trace, dump_path, label):
    """PASS/FAIL lines: this reader and `ctrace dump` (in dump_path) agree."""
    try:
        events, sites, t0, rate, damaged = read(trace)
    except (Bad, OSError) as e:
        print("FAIL: %s: the README's format does not read it: %s" % (label, e))
        return 1
    mine = list(lines(events, sites, t0, rate))
    theirs = [l.rstrip("\n").split("\t") for l in open(dump_path, encoding="utf-8", errors="surrogateescape")]
    # dump's "thread" lines: one per thread definition (named or with an OS id)
    dumped = dict((int(t[1]), (t[3], int(t[4]))) for t in theirs if len(t) == 5 and t[2] == "thread")
    theirs = [t for t in theirs if not (len(t) == 5 and t[2] == "thread")]
    spec = dict((tid, (safe(n), os)) for tid, (n, os) in read.threads.items() if n or os)
    if dumped != spec and not (damaged and all(spec.get(k) == v for k, v in dumped.items())):
        print("FAIL: %s: thread definitions differ\n    spec: %r\n    dump: %r" % (label, spec, dumped))
        return 1
    bad = [i for i, (m, t) in enumerate(zip(mine, theirs)) if not same_line(m, t)]
    if len(mine) != len(theirs) or bad:
        i = bad[0] if bad else min(len(mine), len(theirs))
        print("FAIL: %s: %d events from the README's format, %d from ctrace dump; first difference at event %d:"
              "\n    spec: %s\n    dump: %s" % (label, len(mine), len(theirs), i,
                                              "\t".join(mine[i]) if i < len(mine) else "(none)",
                                              "\t".join(theirs[i]) if i < len(theirs) else "(none)"))
        return 1
    print("PASS: %s: the README's format reads the same %d events as ctrace dump%s" %
          (label, len(mine), " (damaged: found so too)" if damaged else ""))
    return 0


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--compare":
        return compare(sys.argv[2], sys.argv[3], sys.argv[4])
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        events, sites, t0, rate, damaged = read(sys.argv[1])
    except (Bad, OSError) as e:
        print("format_reader: %s: %s" % (sys.argv[1], e), file=sys.stderr)
        return 2
    for cols in lines(events, sites, t0, rate):
        sys.stdout.write("\t".join(cols) + "\n")
    return 1 if damaged else 0


if __name__ == "__main__":
    sys.exit(main())
