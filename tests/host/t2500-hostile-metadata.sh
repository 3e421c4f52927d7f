#!/usr/bin/env bash
# Numbers in a hostile pool's metadata are bounded before lifeboat computes
# with them, and what recover image writes goes only where it was told: on a
# copy of the crashed ext4 state, metadata edited to hold a virtual block
# whose byte offset wraps (2^48 blocks of 64 KiB is byte 2^64, byte 0 once
# wrapped), a data block size the kernel never makes, or a data device larger
# than any can be, is exit 5 naming the block or the field, and no image
# appears; -o is canonicalized and never followed through a symlink at its
# name. A sentinel tree outside the data root stays byte-identical.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/hostile/sentinel-tree.sh"
test_require "the ext4 fixture (tests/fixtures/ensure)" '"$TOP/tests/fixtures/ensure" ext4'
test_require "tests/tools/thinmeta-dump builds (make tools)" 'make -s -C "$TOP" tools'

R=$TMP_TEST/root
S=$TMP_TEST/sentinel
META=$R/devicemapper/devicemapper/metadata
DUMP=$TOP/build/tools/thinmeta-dump
EDIT="python3 $TOP/tests/tools/thinmeta-edit.py"
FX=$("$TOP/tests/fixtures/ensure" ext4)
WEB_DEVID=$(awk '$1 == "web" {print $4}' "$FX/devices.txt")

no_temp_files() { # DIR: nothing half-written left behind
	! ls -A "$1" | grep -q '^\.' || { echo "left behind:"; ls -la "$1"; false; }
}
# The rightmost leaf of web's mapping tree: its last key may grow freely.
last_leaf() { "$DUMP" --nodes --dev-id "$WEB_DEVID" "$1" | awk '/ leaf$/ {sub(/block=/, "", $3); b = $3} END {print b}'; }

test_expect_success 'setup: a copy of the crashed ext4 state, a sentinel tree beside it, web imaged as it is' '
	fixture_extract ext4 "$R" && pool_fingerprint "$R" >"$TMP_TEST/pool-before" &&
	sentinel_make "$S" && sentinel_print "$S" >"$TMP_TEST/sentinel-before" &&
	mkdir out && "$LIFEBOAT" --root "$R" recover image web -o out/web.img >/dev/null &&
	[ -n "$(last_leaf "$META")" ]
'

test_expect_success 'a mapping at virtual block 2^48 (byte 2^64 with 64 KiB blocks) is exit 5 naming the block; no image appears' '
	cp --sparse=always "$META" wrap.meta && leaf=$(last_leaf wrap.meta) &&
	$EDIT set-last-key wrap.meta "$leaf" $((1 << 48)) &&
	for fmt in "" --zstd; do
		expect_exit 5 "$LIFEBOAT" --root "$R" recover image web $fmt --metadata wrap.meta -o out/wrap.img 2>err || exit 1
		cat err
		grep -q "wrap.meta: block $leaf: device $WEB_DEVID mapping tree: virtual block 281474976710656 is not below" err &&
		! [ -e out/wrap.img ] && no_temp_files out || exit 1
	done
'

test_expect_success 'a mapping at the last virtual block a device can have is left out; block 0 of the image is still block 0' '
	cp --sparse=always "$META" far.meta && leaf=$(last_leaf far.meta) &&
	moved=$("$DUMP" --per-block --dev-id "$WEB_DEVID" far.meta | awk "\$1 == \"range\" {v = \$2} END {print v}") &&
	$EDIT set-last-key far.meta "$leaf" $(((1 << 47) - 2)) &&
	"$LIFEBOAT" --root "$R" -v recover image web --metadata far.meta -o out/far.img >/dev/null 2>err &&
	grep -q "65536 bytes mapped past the device.s size were left out" err &&
	cp --sparse=always out/web.img want.img &&
	dd if=/dev/zero of=want.img bs=65536 seek="$moved" count=1 conv=notrunc status=none &&
	cmp out/far.img want.img
'

for bs in 0 64 100 127 129 192 4194304; do
	test_expect_success "a data block size of $bs sectors (not a multiple of 128 from 128 to 2097152) is exit 5 naming it" '
		cp --sparse=always "$META" bs.meta && $EDIT set-superblock bs.meta data_block_size '$bs' &&
		expect_exit 5 "$LIFEBOAT" --root "$R" recover image web --metadata bs.meta -o out/bs.img 2>err &&
		grep -q "bs.meta: block 0: superblock: data block size '$bs' sectors is not a multiple of 128 from 128 to 2097152" err &&
		! [ -e out/bs.img ] && no_temp_files out
	'
done

test_expect_success 'a data device of 2^47 blocks of 64 KiB (2^63 bytes, more than a device holds) is exit 5' '
	cp --sparse=always "$META" big.meta && $EDIT set-superblock big.meta data_nr_blocks $((1 << 47)) &&
	expect_exit 5 "$LIFEBOAT" --root "$R" recover image web --metadata big.meta -o out/big.img 2>err &&
	grep -q "data space map has 140737488355328 blocks of 128 sectors, more than a block device can hold" err &&
	! [ -e out/big.img ]
'

test_expect_success '-o ./out/../out/rel.img writes the image into out/, through the canonical directory' '
	"$LIFEBOAT" --root "$R" recover image web -o ./out/../out/rel.img >/dev/null &&
	cmp out/rel.img out/web.img && no_temp_files out
'

test_expect_success '-o naming a symlink to a file outside is refused (exit 4), with --force too; the file is untouched' '
	ln -s "$S/etc/shadow" out/link.img &&
	expect_exit 4 "$LIFEBOAT" --root "$R" recover image web -o out/link.img 2>err &&
	grep -q "out/link.img: already exists" err &&
	expect_exit 4 "$LIFEBOAT" --root "$R" recover image web --force -o out/link.img 2>err &&
	grep -q "out/link.img: exists and is not a regular file" err &&
	[ -L out/link.img ] && no_temp_files out && rm out/link.img
'

test_expect_success 'the sentinel tree outside the data root is byte-identical, and so are the pool files' '
	sentinel_same "$S" "$TMP_TEST/sentinel-before" &&
	pool_fingerprint "$R" >after && expect_file_same "$TMP_TEST/pool-before" after
'
test_done
