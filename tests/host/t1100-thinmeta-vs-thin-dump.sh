#!/usr/bin/env bash
# lib/thinmeta reads thin-pool metadata exactly as thin_dump does, and reports
# damage as exit 5 naming the block, instead of crashing or looping.
#
# Pools are random but seeded: tests/tools/gen-thin-xml.py writes them as XML,
# thin_restore turns them into metadata, then thin_dump's XML and
# thinmeta-dump's text are brought to one canonical form and compared.
. "$(dirname "$0")/../lib.sh"

TOOLS=$TOP/tests/tools
DUMP=$TOP/build/tools/thinmeta-dump
NR_POOLS=30

test_require 'thin_dump, thin_restore and thin_check (thin-provisioning-tools)' \
	'command -v thin_dump && command -v thin_restore && command -v thin_check'
test_require 'python3' 'command -v python3'
test_require 'tests/tools/thinmeta-dump builds (make tools)' 'make -s -C "$TOP" tools'

canon() { awk -f "$TOOLS/thin-dump-canon.awk" "$@"; }
# thin_dump takes a metadata snapshot's data block count from the copy, where
# the kernel zeroes it; lib/thinmeta keeps the live one.
without_nr_data_blocks() { sed "1s/ nr_data_blocks=.*//"; }

# Every fifth pool has a device of 12k+ mappings (a two-level btree), the
# last one 70k+ (three levels); metadata is 16 to 64 MiB. One generator run
# per kind, as python starts slowly.
test_expect_success "thin_restore builds $NR_POOLS generated pools" '
	gen="python3 $TOOLS/gen-thin-xml.py --out pool{seed}.xml" &&
	$gen $(seq 1 $((NR_POOLS - 1)) | grep -v "[05]$") &&
	$gen --big 12000 $(seq 5 5 $((NR_POOLS - 1))) &&
	$gen --big 70000 $NR_POOLS &&
	for seed in $(seq 1 $NR_POOLS); do
		rm -f pool$seed.bin &&
		truncate -s $((16 << (seed % 3)))M pool$seed.bin &&
		thin_restore -q -i pool$seed.xml -o pool$seed.bin ||
		{ echo "thin_restore failed on pool $seed"; exit 1; }
	done
'

for seed in $(seq 1 $NR_POOLS); do
	test_expect_success "pool $seed reads the same through lib/thinmeta as through thin_dump" '
		thin_dump pool'$seed'.bin >pool'$seed'.thin_dump &&
		canon pool'$seed'.thin_dump >pool'$seed'.want &&
		"$DUMP" pool'$seed'.bin >pool'$seed'.got &&
		expect_file_same pool'$seed'.want pool'$seed'.got &&
		canon pool'$seed'.xml >pool'$seed'.input &&
		expect_file_same pool'$seed'.input pool'$seed'.got
	'
done

test_expect_success 'thin_check finds every generated pool valid' '
	for seed in $(seq 1 $NR_POOLS); do
		thin_check -q pool$seed.bin || { echo "thin_check rejects pool $seed"; exit 1; }
	done
'

test_expect_success 'the generated pools include multi-level mapping trees and shared data blocks' '
	"$DUMP" --nodes pool$NR_POOLS.bin | grep -q "depth=2 leaf" &&
	"$DUMP" --nodes pool5.bin | grep -q "depth=1 leaf" &&
	awk "/^range/ { d[\$3] += 1 } END { for (k in d) if (d[k] > 1) n++; exit !(n > 0) }" pool$NR_POOLS.got
'

test_expect_success 'each device maps as many blocks as its details say' '
	for seed in $(seq 1 $NR_POOLS); do
		"$DUMP" --count pool$seed.bin | awk "
			/^device/ { split(\$3, a, \"=\"); want[\$2] = a[2] }
			/^count/ { split(\$2, d, \"=\"); split(\$4, b, \"=\");
				if (want[d[2]] != b[2]) { print \"device \" d[2] \": \" b[2] \" blocks, details say \" want[d[2]]; bad = 1 } }
			END { exit bad }" || exit 1
	done
'

test_expect_success 'coalescing modes cover the same blocks' '
	"$DUMP" --per-block pool$NR_POOLS.bin | awk "/^range/ { n += \$4 } END { print n }" >per-block &&
	"$DUMP" --ignore-time pool$NR_POOLS.bin | awk "/^range/ { n += \$4 } END { print n }" >ignore-time &&
	awk "/^range/ { n += \$4 } END { print n }" pool$NR_POOLS.got >same-time &&
	expect_file_same per-block same-time && expect_file_same ignore-time same-time
'

# The first leaf and the root of the biggest device's mapping tree.
big_dev() { awk '/^device/ { split($3, a, "="); if (a[2] + 0 > max) { max = a[2] + 0; id = $2 } } END { print id }' "$1"; }
node_of() { # file kind(leaf|internal) depth
	"$DUMP" --nodes --dev-id "$(big_dev "pool$NR_POOLS.got")" "$1" |
		awk -v kind="$2" -v depth="depth=$3" '$1 == "node" && $5 == kind && $4 == depth { sub("block=", "", $3); print $3; exit }'
}

# expect_damage file block what: exit 5, and a message naming the block.
expect_damage() {
	"$DUMP" "$1" >/dev/null 2>err
	rc=$?
	cat err
	expect_eq 5 "$rc" "exit status for $3" &&
		grep -q ": block $2: " err || { echo "message does not name block $2"; return 1; }
}

test_expect_success 'a flipped byte in a mapping leaf is exit 5 naming the block' '
	cp pool$NR_POOLS.bin leaf.bin &&
	leaf=$(node_of leaf.bin leaf 2) && test -n "$leaf" &&
	python3 "$TOOLS/thinmeta-edit.py" flip leaf.bin $leaf 100 &&
	expect_damage leaf.bin $leaf "a damaged leaf" &&
	grep -q "checksum mismatch" err &&
	! thin_check -q leaf.bin
'

test_expect_success 'a flipped byte in an internal node is exit 5 naming the block' '
	cp pool$NR_POOLS.bin internal.bin &&
	node=$(node_of internal.bin internal 1) && test -n "$node" &&
	python3 "$TOOLS/thinmeta-edit.py" flip internal.bin $node 40 &&
	expect_damage internal.bin $node "a damaged internal node"
'

test_expect_success 'a flipped byte in the superblock is exit 5 naming block 0' '
	cp pool1.bin super.bin &&
	python3 "$TOOLS/thinmeta-edit.py" flip super.bin 0 50 &&
	expect_damage super.bin 0 "a damaged superblock" &&
	grep -q superblock err
'

test_expect_success 'a node that is its own child is reported, not walked forever' '
	cp pool$NR_POOLS.bin cycle.bin &&
	root=$(node_of cycle.bin internal 0) && test -n "$root" &&
	python3 "$TOOLS/thinmeta-edit.py" set-child cycle.bin $root 0 $root &&
	expect_damage cycle.bin $root "a cycle" &&
	grep -q "own ancestor" err
'

test_expect_success 'a child that lies outside its parent key range is reported' '
	cp pool$NR_POOLS.bin range.bin &&
	"$DUMP" --nodes --dev-id "$(big_dev pool$NR_POOLS.got)" range.bin |
		awk "\$4 == \"depth=2\" { sub(\"block=\", \"\", \$3); print \$3 }" | sed -n "1p;5p" >leaves &&
	first=$(sed -n 1p leaves) && fifth=$(sed -n 2p leaves) &&
	parent=$(node_of range.bin internal 1) &&
	python3 "$TOOLS/thinmeta-edit.py" set-child range.bin $parent 0 $fifth &&
	expect_damage range.bin $fifth "a misplaced child" &&
	grep -q "parent" err
'

test_expect_success 'a child pointer past the end of the metadata is reported' '
	cp pool$NR_POOLS.bin beyond.bin &&
	root=$(node_of beyond.bin internal 0) &&
	python3 "$TOOLS/thinmeta-edit.py" set-child beyond.bin $root 1 99999999 &&
	expect_damage beyond.bin 99999999 "a pointer past the end" &&
	grep -q "beyond the end" err
'

test_expect_success 'a truncated metadata file is exit 5, not a crash' '
	cp pool$NR_POOLS.bin short.bin &&
	truncate -s 40K short.bin &&
	"$DUMP" short.bin >/dev/null 2>err; rc=$?; cat err &&
	expect_eq 5 "$rc" "exit status for a truncated file" &&
	grep -q "beyond the end of the metadata (10 blocks)" err
'

test_expect_success 'a missing metadata file is exit 3' '
	expect_exit 3 "$DUMP" no-such-file 2>err &&
	grep -q "no-such-file" err
'

test_expect_success 'a snapshot sharing its origin subtree reads the same as thin_dump' '
	cp pool$NR_POOLS.bin share.bin &&
	top=$("$DUMP" --facts share.bin | sed -n "s/^data_mapping_root=//p") &&
	devs=$(awk "/^device/ { print \$2 }" pool$NR_POOLS.got) &&
	from=$(big_dev pool$NR_POOLS.got) &&
	to=$(echo "$devs" | grep -vx "$from" | head -n1) && test -n "$to" &&
	python3 "$TOOLS/thinmeta-edit.py" share-subtree share.bin $top $from $to &&
	thin_dump share.bin | canon >share.want &&
	"$DUMP" share.bin >share.got &&
	expect_file_same share.want share.got &&
	"$DUMP" --dev-id $from share.bin | grep "^range" >from.ranges &&
	"$DUMP" --dev-id $to share.bin | grep "^range" >to.ranges &&
	expect_file_same from.ranges to.ranges
'

test_expect_success 'a metadata snapshot reads the same as thin_dump --metadata-snap' '
	cp pool$NR_POOLS.bin snap.bin &&
	last=$(( $(stat -c %s snap.bin) / 4096 - 1 )) &&
	python3 "$TOOLS/thinmeta-edit.py" metadata-snap snap.bin $last &&
	"$DUMP" --facts --metadata-snap snap.bin | grep -qx "held_root=$last" &&
	thin_dump -m snap.bin | canon | without_nr_data_blocks >snap.want &&
	"$DUMP" --metadata-snap snap.bin | without_nr_data_blocks >snap.got &&
	expect_file_same snap.want snap.got &&
	expect_exit 3 "$DUMP" --metadata-snap pool1.bin
'

test_done
