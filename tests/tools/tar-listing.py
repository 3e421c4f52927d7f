#!/usr/bin/python3
"""A tar stream's content as one sorted line per entry, the shape tests compare
Docker's `docker export` with: path, type, mode, uid:gid, size, sha256 of the
content, link target, tab-separated ('-' where none). A hardlink is listed as
the file it links to (its content), since which of two names a writer stores
as the file and which as the link depends on walk order, not on content.
Usage: tar-listing.py [--skip PREFIX]... < TAR"""
import argparse
import hashlib
import sys
import tarfile

ap = argparse.ArgumentParser()
ap.add_argument("--skip", action="append", default=[], help="leave out this path and below")
skip = [p.strip("/") for p in ap.parse_args().skip]
kinds = {tarfile.REGTYPE: "file", tarfile.AREGTYPE: "file", tarfile.DIRTYPE: "dir",
         tarfile.SYMTYPE: "symlink", tarfile.FIFOTYPE: "fifo", tarfile.CHRTYPE: "char",
         tarfile.BLKTYPE: "block", tarfile.LNKTYPE: "file", tarfile.CONTTYPE: "file"}
seen = {}
lines = []


def clean(path):
    """'./etc/' and '/etc' are 'etc'; '.dockerenv' keeps its dot."""
    while path.startswith("./"):
        path = path[2:]
    path = path.strip("/")
    return "" if path == "." else path


with tarfile.open(fileobj=sys.stdin.buffer, mode="r|*") as tar:
    for m in tar:
        name = clean(m.name)
        if not name or any(name == p or name.startswith(p + "/") for p in skip):
            continue
        kind = kinds.get(m.type, "other")
        size, digest, link = "-", "-", "-"
        if m.type == tarfile.LNKTYPE:
            size, digest = seen[clean(m.linkname)]
        elif kind == "file":
            h = hashlib.sha256()
            f = tar.extractfile(m)
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
            size, digest = str(m.size), h.hexdigest()
            seen[name] = (size, digest)
        elif kind == "symlink":
            link = m.linkname
        elif kind in ("char", "block"):
            size = "%d,%d" % (m.devmajor, m.devminor)
        lines.append("\t".join([name, kind, "%04o" % (m.mode & 0o7777), "%d:%d" % (m.uid, m.gid),
                                size, digest, link]))
for line in sorted(lines):
    print(line)
