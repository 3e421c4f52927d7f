#!/usr/bin/env python3
"""Copies one device of a thin_dump XML under a new id (its mappings, so its
data blocks, shared as a snapshot shares them), for tests that need two
devices with the same evidence.

    thin-dup-device.py FROM_ID TO_ID <dump.xml >new.xml
"""
import re
import sys

src, dst = sys.argv[1], sys.argv[2]
xml = sys.stdin.read()
m = re.search(r'<device dev_id="%s".*?</device>\n' % re.escape(src), xml, re.S)
if not m:
    sys.exit("no device %s in the dump" % src)
copy = m.group(0).replace('dev_id="%s"' % src, 'dev_id="%s"' % dst, 1)
sys.stdout.write(xml.replace("</superblock>", copy + "</superblock>"))
