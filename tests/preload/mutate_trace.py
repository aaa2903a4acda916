"""tests/preload/mutate_trace.py SRC OUT SEED - a copy of the trace SRC with
1-6 bytes of one definitions or events chunk changed (to 0, 0xff, 0x80,
0x7f, 3, 68, 69 or a random byte) and the chunk's CRC made right again, so
the reader parses the damage instead of skipping the chunk: hostile stack
definitions (kind 3) and stack events (kinds 68, 69) for tests/test_run_asan.sh."""
import sys, random, struct, zlib
src, out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
random.seed(seed)
b = bytearray(open(src, 'rb').read())
# header length: find first "CK"
i = b.find(b'CK', 58)
chunks = []
while i >= 0 and i + 32 <= len(b):
    typ = chr(b[i+2]); L = struct.unpack_from('<I', b, i+4)[0]
    chunks.append((i, typ, L))
    i += 32 + L
targets = [c for c in chunks if c[1] in 'DE']
off, typ, L = random.choice(targets)
pay = off + 32
for _ in range(random.randint(1, 6)):
    if L == 0: break
    k = pay + random.randrange(L)
    b[k] = random.choice([0, 0xff, 0x80, 0x7f, random.randrange(256), 3, 68, 69])
crc = zlib.crc32(bytes(b[off:off+28]) + bytes(b[pay:pay+L])) & 0xffffffff
struct.pack_into('<I', b, off+28, crc)
open(out, 'wb').write(b)
