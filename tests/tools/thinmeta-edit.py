#!/usr/bin/env python3
"""Damages or rewires thin-pool metadata blocks in place, for tests.

    thinmeta-edit.py flip FILE BLOCK OFFSET
        invert the byte at OFFSET of metadata block BLOCK (checksum left stale)
    thinmeta-edit.py set-child FILE BLOCK INDEX VALUE
        set value INDEX of the btree node at BLOCK to the le64 VALUE and
        re-checksum the node, so only the btree checks can catch it
    thinmeta-edit.py share-subtree FILE BLOCK FROM_DEV TO_DEV
        in the top-level mapping leaf at BLOCK, point TO_DEV at FROM_DEV's
        mapping subtree (as a snapshot does) and re-checksum the node
    thinmeta-edit.py metadata-snap FILE BLOCK
        copy the superblock to free block BLOCK as the kernel's
        reserve_metadata_snap does (space map roots zeroed) and make it the
        live superblock's held root
    thinmeta-edit.py set-last-key FILE BLOCK VALUE
        set the last key of the btree node at BLOCK to VALUE and re-checksum
        the node (the rightmost leaf of a tree takes any larger key and stays
        ordered, so only the reader's bounds can catch it)
    thinmeta-edit.py snapshot-write FILE FREE_BLOCK
        make the second device of the top-level mapping leaf a snapshot of
        the first whose tree has an internal root, that then wrote one block:
        the path from that root down its first children is copied to
        FREE_BLOCK, FREE_BLOCK+1, ... (as the kernel's shadowing does), the
        first mapping of the copied leaf moved by one data block, the rest
        of the tree shared
    thinmeta-edit.py set-superblock FILE FIELD VALUE
        set a superblock field (data_block_size, data_nr_blocks) and
        re-checksum the superblock
"""
import struct
import sys

BLOCK_BYTES = 4096
BTREE_CSUM_XOR = 121107
SUPERBLOCK_CSUM_XOR = 160774
HEADER = struct.Struct('<IIQIIII')  # csum flags blocknr nr_entries max_entries value_size padding


def crc32c(data, crc=0xffffffff):
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 if crc & 1 else 0)
    return crc


def read_block(f, nr):
    f.seek(nr * BLOCK_BYTES)
    return bytearray(f.read(BLOCK_BYTES))


def write_node(f, nr, block, salt=BTREE_CSUM_XOR):
    struct.pack_into('<I', block, 0, crc32c(block[4:]) ^ salt)
    f.seek(nr * BLOCK_BYTES)
    f.write(block)


def value_offset(block, index):
    _, _, _, nr_entries, max_entries, value_size, _ = HEADER.unpack_from(block)
    if index >= nr_entries:
        sys.exit('entry %d: node has only %d entries' % (index, nr_entries))
    return HEADER.size + max_entries * 8 + index * value_size


def key_index(block, key):
    nr_entries = HEADER.unpack_from(block)[3]
    keys = struct.unpack_from('<%dQ' % nr_entries, block, HEADER.size)
    if key not in keys:
        sys.exit('key %d not in the node' % key)
    return keys.index(key)


def main(argv):
    cmd, path = argv[1], argv[2]
    if cmd == 'set-superblock':
        field, value = argv[3], int(argv[4])
        fmt, off = {'data_block_size': ('<I', 336), 'data_nr_blocks': ('<Q', 64)}[field]
        with open(path, 'r+b') as f:
            block = read_block(f, 0)
            struct.pack_into(fmt, block, off, value)
            write_node(f, 0, block, SUPERBLOCK_CSUM_XOR)
        return
    nums = [int(a) for a in argv[3:]]
    with open(path, 'r+b') as f:
        if cmd == 'flip':
            nr, off = nums
            f.seek(nr * BLOCK_BYTES + off)
            byte = f.read(1)[0]
            f.seek(nr * BLOCK_BYTES + off)
            f.write(bytes([byte ^ 0xff]))
        elif cmd == 'set-child':
            nr, index, value = nums
            block = read_block(f, nr)
            struct.pack_into('<Q', block, value_offset(block, index), value)
            write_node(f, nr, block)
        elif cmd == 'share-subtree':
            nr, from_dev, to_dev = nums
            block = read_block(f, nr)
            if HEADER.unpack_from(block)[1] != 2:
                sys.exit('block %d is not a leaf' % nr)
            src = value_offset(block, key_index(block, from_dev))
            dst = value_offset(block, key_index(block, to_dev))
            block[dst:dst + 8] = block[src:src + 8]
            write_node(f, nr, block)
        elif cmd == 'metadata-snap':
            (nr,) = nums
            if any(read_block(f, nr)):
                sys.exit('block %d is in use' % nr)
            live = read_block(f, 0)
            snap = bytearray(live)
            struct.pack_into('<Q', snap, 8, nr)  # blocknr
            snap[64:64 + 256] = bytes(256)  # data and metadata space map roots
            write_node(f, nr, snap, SUPERBLOCK_CSUM_XOR)
            struct.pack_into('<Q', live, 56, nr)  # held_root
            write_node(f, 0, live, SUPERBLOCK_CSUM_XOR)
        elif cmd == 'snapshot-write':
            (free,) = nums
            top_nr = struct.unpack_from('<Q', read_block(f, 0), 320)[0]
            top = read_block(f, top_nr)
            if HEADER.unpack_from(top)[1] != 2:
                sys.exit('the top-level mapping tree is not a single leaf')
            nr_devs = HEADER.unpack_from(top)[3]
            roots = [struct.unpack_from('<Q', top, value_offset(top, i))[0] for i in range(nr_devs)]
            origin = next((i for i, r in enumerate(roots) if HEADER.unpack_from(read_block(f, r))[1] == 1), None)
            if origin is None or nr_devs < 2:
                sys.exit('no device with an internal root and another device')
            snap = (origin + 1) % nr_devs
            nr, new = roots[origin], free
            struct.pack_into('<Q', top, value_offset(top, snap), new)
            write_node(f, top_nr, top)
            while True:
                block = read_block(f, nr)
                struct.pack_into('<Q', block, 8, new)  # blocknr
                off = value_offset(block, 0)
                if HEADER.unpack_from(block)[1] == 2:
                    value = struct.unpack_from('<Q', block, off)[0]
                    moved = value - (1 << 24) if value >> 24 else value + (1 << 24)
                    struct.pack_into('<Q', block, off, moved)
                    write_node(f, new, block)
                    break
                nr = struct.unpack_from('<Q', block, off)[0]
                struct.pack_into('<Q', block, off, new + 1)
                write_node(f, new, block)
                new += 1
        elif cmd == 'set-last-key':
            nr, value = nums
            block = read_block(f, nr)
            nr_entries = HEADER.unpack_from(block)[3]
            if nr_entries == 0:
                sys.exit('block %d has no entries' % nr)
            struct.pack_into('<Q', block, HEADER.size + (nr_entries - 1) * 8, value)
            write_node(f, nr, block)
        else:
            sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv)
