#!/usr/bin/env bash
# The built-in demo: a real Docker 20.10 host with the devicemapper driver is
# crashed inside the test VM (generated once, then cached), and lifeboat gets
# a container's files back from it without the Docker daemon, read-only.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
echo "lifeboat demo: preparing the test world (a QEMU guest with a stock Debian kernel)."
echo "  The first run makes a crashed Docker devicemapper host in the guest; that takes a few minutes."
"$TOP/tests/vm/kernel.sh" >/dev/null
fixture=$("$TOP/tests/fixtures/ensure" xfs)
echo "lifeboat demo: crashed state ready ($fixture); booting the guest."
"$TOP/tests/vm/boot" --timeout 600 -- bash "$TOP/tests/demo-guest.sh" "$fixture" |
	grep -v -E '^\[ *[0-9]+\.[0-9]+\]|^LIFEBOAT-GUEST-DONE' | tr -d '\r'
