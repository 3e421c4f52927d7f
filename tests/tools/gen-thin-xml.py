#!/usr/bin/env python3
"""Writes a random thin-pool description in thin_dump/thin_restore XML.

    gen-thin-xml.py [--big N] SEED > pool.xml
    gen-thin-xml.py [--big N] --out 'pool{seed}.xml' SEED...

The same seed always gives the same pool. Pools have several devices: an
origin with random runs and single mappings, snapshots of it (sharing its
data blocks, then partly overwritten, trimmed and extended as a written
snapshot would be), and unrelated devices, some empty. --big N gives one
device at least N mappings, enough for multi-level btrees.
"""
import argparse
import random
import sys

TIME_LIMIT = 1 << 24  # mapping times are 24 bits on disk


class Pool:
    def __init__(self, rng):
        self.rng = rng
        self.next_data = rng.randrange(0, 1000)
        self.time = rng.randrange(1, 5000)

    def alloc(self, n):
        """n consecutive fresh data blocks, after a random gap."""
        start = self.next_data + self.rng.choice([0, 0, 0, 1, self.rng.randrange(1, 50)])
        self.next_data = start + n
        return start

    def random_time(self):
        return self.rng.randrange(0, self.time + 1)

    def mappings(self, target):
        """About `target` mapped blocks as {vblock: (dblock, time)}."""
        rng = self.rng
        out = {}
        vblock = rng.choice([0, rng.randrange(0, 1 << 12), rng.randrange(0, 1 << 40)])
        while len(out) < target:
            kind = rng.random()
            if kind < 0.4:
                n = 1
            elif kind < 0.9:
                n = rng.randrange(2, 64)
            else:
                n = rng.randrange(64, 2000)
            n = min(n, target - len(out))
            dblock = self.alloc(n)
            same_time = rng.random() < 0.7
            t = self.random_time()
            for i in range(n):
                out[vblock + i] = (dblock + i, t if same_time else self.random_time())
            vblock += n + rng.choice([0, 1, 1, 2, rng.randrange(1, 100), rng.randrange(1, 1 << 20)])
        return out

    def snapshot(self, origin):
        """A snapshot of origin that has since been written to."""
        rng = self.rng
        snap = dict(origin)
        keys = sorted(snap)
        for _ in range(rng.randrange(0, 20)):
            if not keys:
                break
            start = rng.randrange(0, len(keys))
            n = min(rng.randrange(1, 300), len(keys) - start)
            action = rng.random()
            dblock = self.alloc(n)
            t = self.random_time()
            for i, k in enumerate(keys[start:start + n]):
                if action < 0.6:
                    snap[k] = (dblock + i, t)  # overwritten: a new block
                elif action < 0.8:
                    snap.pop(k, None)  # discarded
        extra = self.mappings(rng.randrange(0, 200))
        top = (max(keys) + 1) if keys else 0
        for k, v in extra.items():
            snap[top + k % (1 << 30)] = v
        return snap


def emit_device(rng, dev_id, maps, dev_times, out):
    trans, ctime, stime = dev_times
    out.append('  <device dev_id="%d" mapped_blocks="%d" transaction="%d" creation_time="%d" snap_time="%d">'
               % (dev_id, len(maps), trans, ctime, stime))
    keys = sorted(maps)
    i = 0
    while i < len(keys):
        v0 = keys[i]
        d0, t0 = maps[v0]
        j = i + 1
        while (j < len(keys) and keys[j] == v0 + (j - i) and maps[keys[j]][0] == d0 + (j - i)
               and maps[keys[j]][1] == t0):
            j += 1
        n = j - i
        # Split some runs so the input is not always maximal ranges.
        while n > 0:
            part = n if rng.random() < 0.8 else rng.randrange(1, n + 1)
            if part == 1 and rng.random() < 0.9:
                out.append('    <single_mapping origin_block="%d" data_block="%d" time="%d"/>' % (v0, d0, t0))
            else:
                out.append('    <range_mapping origin_begin="%d" data_begin="%d" length="%d" time="%d"/>'
                           % (v0, d0, part, t0))
            v0 += part
            d0 += part
            n -= part
        i = j
    out.append('  </device>')


def generate(seed, big):
    rng = random.Random(seed)
    pool = Pool(rng)

    devices = []
    origin = pool.mappings(max(big, rng.choice([0, 1, 5, rng.randrange(10, 3000)])))
    devices.append(origin)
    for _ in range(rng.randrange(0, 4)):
        devices.append(pool.snapshot(rng.choice(devices)))
    for _ in range(rng.randrange(0, 3)):
        devices.append(pool.mappings(rng.choice([0, 1, rng.randrange(2, 2000)])))
    ids = sorted(rng.sample(range(0, 1 << 24), len(devices)))
    if rng.random() < 0.3:
        ids[0] = 0
    rng.shuffle(devices)

    out = []
    nr_data_blocks = pool.next_data + rng.randrange(0, 10000)
    out.append('<superblock uuid="" time="%d" transaction="%d" flags="0" version="2" '
               'data_block_size="%d" nr_data_blocks="%d">'
               % (pool.time, rng.randrange(0, 1 << 32), rng.choice([128, 256, 1024, 2048]),
                  nr_data_blocks))
    for dev_id, maps in zip(ids, devices):
        ctime = rng.randrange(0, pool.time + 1)
        dev_times = (rng.randrange(0, 1000), ctime, rng.randrange(ctime, pool.time + 1))
        emit_device(rng, dev_id, maps, dev_times, out)
    out.append('</superblock>')
    return '\n'.join(out) + '\n'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('seeds', type=int, nargs='+', metavar='SEED')
    ap.add_argument('--big', type=int, default=0, help='give one device at least N mappings')
    ap.add_argument('--out', help="file name pattern with {seed}; default: standard output")
    args = ap.parse_args()
    for seed in args.seeds:
        xml = generate(seed, args.big)
        if args.out:
            with open(args.out.format(seed=seed), 'w') as f:
                f.write(xml)
        else:
            sys.stdout.write(xml)


if __name__ == '__main__':
    main()
