#!/usr/bin/env python3
"""Writes a lifeboat export stream from docs/export-format.md alone (not
lib/stream): an independent writer, for fuzz seeds and for checking that the
reader accepts what the document describes.

  stream-gen.py OUT SEED [--cut N]

The device: 64 KiB blocks, 16 blocks (the last one short); SEED picks which
blocks are DATA, ZERO or UNMAPPED, the payloads, and whether it is an
incremental. DATA payloads are compressed by the zstd command line tool."""
import hashlib, random, struct, subprocess, sys

BS, BLOCKS = 65536, 16
SIZE = BS * BLOCKS - 4096

def crc32c(data, crc=0xFFFFFFFF):
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF

def zstd(raw):
    return subprocess.run(["zstd", "-q", "-c", "--no-check", "-3", "--stream-size=%d" % len(raw)], input=raw,
                          stdout=subprocess.PIPE, check=True).stdout

def header(rng, incremental):
    uuid = bytes(rng.randrange(1, 256) for _ in range(16))
    base = bytes(rng.randrange(1, 256) for _ in range(16)) if incremental else bytes(16)
    name = b"snap-%d" % rng.randrange(1000)
    base_name = b"base" if incremental else b""
    h = b"LBTHINX\n" + struct.pack("<IIII", 1, 288, BS, 0) + struct.pack("<Qq", SIZE, 1700000000)
    h += uuid + base + name.ljust(64, b"\0") + base_name.ljust(64, b"\0") + b"c" * 64
    h += bytes(20)
    return h + struct.pack("<I", crc32c(h))

def record(kind, vblock, nblocks, payload=b"", raw_len=0):
    r = struct.pack("<IIQII", kind, nblocks, vblock, raw_len, len(payload))
    r += struct.pack("<I", crc32c(payload) if payload else 0)
    return r + struct.pack("<I", crc32c(r)) + payload

def main():
    out, seed = sys.argv[1], int(sys.argv[2])
    rng = random.Random(seed)
    body = header(rng, seed % 3 == 2)
    counts = {1: 0, 2: 0, 3: 0}
    records = 0
    v = 0
    while v < BLOCKS:
        n = min(rng.randrange(1, 4), BLOCKS - v)
        kind = rng.choice([0, 1, 1, 2, 3])
        if kind == 1:
            raw_len = min((v + n) * BS, SIZE) - v * BS
            raw = bytes(rng.randrange(256) if rng.random() < 0.3 else 7 for _ in range(raw_len // 64)) * 64
            body += record(1, v, n, zstd(raw[:raw_len]), raw_len)
        elif kind:
            body += record(kind, v, n)
        if kind:
            counts[kind] += n
            records += 1
        v += n
    digest = hashlib.sha256(body).digest()
    t = struct.pack("<IIQQQQ", 0x454E4421, 0, records, counts[1], counts[2], counts[3]) + digest + bytes(4)
    body += t + struct.pack("<I", crc32c(t))
    if "--cut" in sys.argv:
        body = body[:int(sys.argv[sys.argv.index("--cut") + 1])]
    open(out, "wb").write(body)

main()
