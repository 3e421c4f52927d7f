#!/usr/bin/env bash
# Builds every libFuzzer target tests/fuzz/fuzz_NAME.c (clang, with ASan and
# UBSan) against lib/, and runs each for a bounded time from a seed corpus.
#   tests/fuzz/build.sh [SECONDS]     default 30 per target
#   FUZZ_ONLY=NAME tests/fuzz/build.sh  one target
# Output, corpora and crash files go to build/fuzz/. A finding fails the run
# and names the file that reproduces it: build/fuzz/fuzz_NAME FILE
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_PER_TARGET=${1:-30}
OUT=$TOP/build/fuzz
CC=${FUZZ_CC:-clang}
PKGS="devmapper blkid libzstd libcurl libarchive jansson libcrypto smartcols"
CFLAGS="-std=gnu11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -g -O1 -fno-omit-frame-pointer
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-Wall -Wextra -Wshadow -Wno-missing-field-initializers -I$TOP/lib -I$TOP"
mkdir -p "$OUT"

# Seeds for fuzz_thinmeta: small generated pools, cut after their last
# non-empty block so the fuzzer works on tens of KiB, not MiB.
seed_thinmeta() { # corpus-dir
	local dir=$1 seed big tmp
	command -v thin_restore >/dev/null || { echo "fuzz: no thin_restore, no thinmeta seeds"; return 0; }
	tmp=$(mktemp -d)
	for seed in 1 2 3 4 5 6; do
		big=0
		[ "$seed" -ge 5 ] && big=600 # a two-level mapping tree
		python3 "$TOP/tests/tools/gen-thin-xml.py" --big $big "$seed" >"$tmp/p.xml"
		rm -f "$tmp/p.bin" && truncate -s 1M "$tmp/p.bin"
		thin_restore -q -i "$tmp/p.xml" -o "$tmp/p.bin"
		python3 - "$tmp/p.bin" "$dir/seed-$seed" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
blocks = [data[i:i + 4096] for i in range(0, len(data), 4096)]
while blocks and not any(blocks[-1]):
    blocks.pop()
open(sys.argv[2], 'wb').write(b''.join(blocks))
PY
	done
	# One with a metadata snapshot, in the block after the last.
	cp "$dir/seed-6" "$dir/seed-6-snap"
	python3 "$TOP/tests/tools/thinmeta-edit.py" metadata-snap "$dir/seed-6-snap" \
		$(($(stat -c %s "$dir/seed-6") / 4096))
	rm -rf "$tmp"
}

# Seeds for fuzz_docker: the files a real dockerd 20.10 wrote (from the
# generated fixture, when the cache has one), and lines and sizes of the
# shapes the other parsers read.
seed_docker() { # corpus-dir
	local dir=$1 tar f n=0
	tar=$(ls "${LIFEBOAT_TEST_CACHE:-/var/cache/lifeboat-tests}"/fixtures/xfs-*/docker-root.tar 2>/dev/null | head -n 1)
	if [ -n "$tar" ]; then
		tmp=$(mktemp -d)
		tar -C "$tmp" -xf "$tar" --wildcards './containers/*/config.v2.json' './devicemapper/metadata/*'
		for f in "$tmp"/containers/*/config.v2.json "$tmp"/devicemapper/metadata/*; do
			n=$((n + 1)) && cp "$f" "$dir/real-$n"
		done
		cp "$(dirname "$tar")/daemon.json" "$dir/daemon.json"
		rm -rf "$tmp"
	else
		echo "fuzz: no generated fixture in the cache; docker seeds are hand-written only"
	fi
	printf '{"device_id":4,"size":536870912,"transaction_id":5,"initialized":true,"deleted":false}' >"$dir/device"
	printf '{"next_device_id":11,"BaseDeviceUUID":"3f0a","BaseDeviceFilesystem":"xfs"}' >"$dir/deviceset"
	printf '{"open_transaction_id":10,"device_hash":"","device_id":0}' >"$dir/transaction"
	printf '{"storage-driver":"devicemapper","storage-opts":["dm.basesize=10G","dm.thinpooldev=/dev/mapper/x"]}' >"$dir/daemon"
	printf '512.5MiB' >"$dir/size"
	printf 'dm\tdocker-8:1-2-pool\tLIFEBOAT-POOL-docker-8:1-2-pool\n' >"$dir/journal"
}

# Seeds for fuzz_fslog: xfs logs as the unit tests lay them out would do,
# but the journal the kernel wrote for the crashed db container is better:
# its first 64 KiB of log, behind the selector byte (16 blocks).
seed_fslog() { # corpus-dir
	local dir=$1 tar tmp img
	printf '\017' >"$dir/empty-log"
	tar=$(ls "${LIFEBOAT_TEST_CACHE:-/var/cache/lifeboat-tests}"/fixtures/xfs-*/docker-root.tar 2>/dev/null | head -n 1)
	[ -n "$tar" ] && [ -x "$TOP/lifeboat" ] || { echo "fuzz: no fixture or lifeboat binary; fslog seeds are minimal"; return 0; }
	tmp=$(mktemp -d)
	tar --sparse -C "$tmp" -xf "$tar"
	img=$tmp/db.img
	if "$TOP/lifeboat" -q --root "$tmp" recover image db -o "$img" >/dev/null 2>&1; then
		off=$(xfs_db -r -c "sb 0" -c "print logstart" "$img" | awk '{print $3}')
		off=$(xfs_db -r -c "convert fsb $off byte" "$img" | sed 's/.*(\([0-9]*\)).*/\1/')
		{ printf '\017'; dd if="$img" bs=4096 skip=$((off / 4096)) count=16 status=none; } >"$dir/db-log"
	fi
	rm -rf "$tmp"
}

status=0
for src in "$TOP"/tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	[ -n "${FUZZ_ONLY:-}" ] && [ "$name" != "fuzz_${FUZZ_ONLY#fuzz_}" ] && continue
	echo "== $name: build"
	# shellcheck disable=SC2046,SC2086
	$CC $CFLAGS $(pkg-config --cflags $PKGS 2>/dev/null) -o "$OUT/$name" "$src" \
		$(find "$TOP/lib" -name '*.c' ! -path '*/cli/main.c' | sort) \
		$(pkg-config --libs $PKGS 2>/dev/null)
	corpus=$OUT/corpus/$name
	seeds=$OUT/seeds/$name
	mkdir -p "$corpus" "$seeds" "$OUT/crashes/$name"
	if [ -z "$(ls -A "$seeds")" ] && declare -F "seed_${name#fuzz_}" >/dev/null; then
		"seed_${name#fuzz_}" "$seeds"
	fi
	echo "== $name: fuzz for ${SECONDS_PER_TARGET}s"
	if ! "$OUT/$name" -max_total_time="$SECONDS_PER_TARGET" -max_len=262144 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$OUT/crashes/$name/" "$corpus" "$seeds"; then
		echo "== $name: FINDING; reproduce with: $OUT/$name $OUT/crashes/$name/<file>"
		status=1
	fi
done
exit $status
