#!/usr/bin/env bash
# Inside the test VM, one boot: a real dm-thin pool on loop files, a thin
# device of DELTA_GIB (default 2) GiB written whole, a snapshot of it, then
# about 1% of the origin's blocks rewritten (random places), so the two
# mapping trees share all but the changed paths. With a metadata snapshot
# reserved, the mapping difference snapshot -> origin is taken from the
# pool's metadata device by lib/thinmeta (tests/tools/thinmeta-delta, which
# skips the nodes both trees share) and by `thin_delta -m`, which walks
# both trees whole. Both are checked to give the same blocks, then timed
# (best of 3, metadata in the page cache for both). Goal: >= 5x faster.
# Peak RSS of both is reported.
set -uo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
GIB=${DELTA_GIB:-2}
DELTA=$TOP/build/tools/thinmeta-delta
W=${LB_SCRATCH:-/tmp}/bench-delta
BLOCK_SECTORS=128 # 64 KiB data blocks, the kernel's smallest: the most mappings
nr_blocks=$((GIB * 16384))
mkdir -p "$W"
fail() { echo "bench delta: $*"; exit 1; }
[ -x "$DELTA" ] || fail "$DELTA is missing (make tools on the host)"

truncate -s 256M "$W/meta" && truncate -s $((GIB + 1))G "$W/data"
meta=$(losetup -f --show "$W/meta") && data=$(losetup -f --show "$W/data") || fail "losetup"
cleanup() {
	dmsetup remove bench-origin 2>/dev/null
	dmsetup remove bench-pool 2>/dev/null
	losetup -d "$meta" "$data" 2>/dev/null
}
trap cleanup EXIT
dmsetup create bench-pool --table \
	"0 $(blockdev --getsz "$data") thin-pool $meta $data $BLOCK_SECTORS 32768 1 skip_block_zeroing" ||
	fail "create the pool"
dmsetup message bench-pool 0 "create_thin 0" &&
	dmsetup create bench-origin --table "0 $((GIB * 2097152)) thin /dev/mapper/bench-pool 0" ||
	fail "create the thin device"
dd if=/dev/zero of=/dev/mapper/bench-origin bs=1M count=$((GIB * 1024)) oflag=direct status=none ||
	fail "fill the device"
# A snapshot as dockerd and `lifeboat snapshot create` take it: suspended origin.
dmsetup suspend bench-origin && dmsetup message bench-pool 0 "create_snap 1 0" &&
	dmsetup resume bench-origin || fail "snapshot"
nr_changes=$((nr_blocks / 100))
# Distinct random blocks, the same ones on every run.
awk -v n=$nr_blocks -v k=$nr_changes 'BEGIN { srand(42); while (c < k) { b = int(rand() * n); if (!(b in s)) { s[b] = 1; c++ } } for (b in s) print b }' |
	sort -n >"$W/changed"
while read -r b; do
	dd if=/dev/urandom of=/dev/mapper/bench-origin bs=64K seek="$b" count=1 oflag=direct \
		conv=notrunc status=none || fail "rewrite block $b"
done <"$W/changed"
sync
dmsetup message bench-pool 0 reserve_metadata_snap || fail "reserve_metadata_snap"

# Same blocks from both, and exactly the ones rewritten.
"$DELTA" --metadata-snap --per-block "$meta" 1 0 >"$W/ours" || fail "thinmeta-delta failed"
thin_delta -m --snap1 1 --snap2 0 "$meta" | awk -f "$TOP/tests/tools/thin-delta-blocks.awk" >"$W/theirs" ||
	fail "thin_delta failed"
cmp -s "$W/ours" "$W/theirs" || fail "thin_delta and lib/thinmeta differ: $(diff "$W/ours" "$W/theirs" | head -n 5)"
sed 's/^/changed /' "$W/changed" | cmp -s - "$W/ours" || fail "the delta is not the blocks rewritten"
stats=$("$DELTA" --metadata-snap --stats --quiet "$meta" 1 0)

best_ms() { # command...: the fastest of 3 runs, in ms
	local best=999999999 t0 t1 d
	for _ in 1 2 3; do
		t0=$(date +%s%N)
		"$@" >/dev/null || return 1
		t1=$(date +%s%N)
		d=$(((t1 - t0) / 1000000))
		[ $d -lt $best ] && best=$d
	done
	echo $best
}
ours=$(best_ms "$DELTA" --metadata-snap "$meta" 1 0) || fail "thinmeta-delta failed"
theirs=$(best_ms thin_delta -m --snap1 1 --snap2 0 "$meta") || fail "thin_delta failed"
/usr/bin/time -f %M -o "$W/ours.rss" "$DELTA" --metadata-snap "$meta" 1 0 >/dev/null
/usr/bin/time -f %M -o "$W/theirs.rss" thin_delta -m --snap1 1 --snap2 0 "$meta" >/dev/null
dmsetup message bench-pool 0 release_metadata_snap

ratio=$(echo "scale=1; $theirs / ($ours + 0.5)" | bc -l)
m=MISSED
[ "$(echo "$ratio >= 5" | bc -l)" = 1 ] && m=MET
echo "bench delta: a $GIB GiB thin device ($nr_blocks blocks of 64 KiB), $nr_changes rewritten after a snapshot"
echo "  lib/thinmeta ${ours} ms ($stats), thin_delta -m ${theirs} ms"
echo "  thin_delta / lib/thinmeta = ${ratio}x (goal >= 5x): $m"
echo "  peak RSS: lib/thinmeta $(cat "$W/ours.rss") KiB, thin_delta $(cat "$W/theirs.rss") KiB"
[ $m = MET ]
