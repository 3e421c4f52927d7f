#!/usr/bin/env bash
# lib/thinmeta's mapping difference of two thin devices (lb_thinmeta_delta,
# through tests/tools/thinmeta-delta) is thin_delta's, block for block, on
# the pools a real dockerd 20.10 wrote (the generated fixtures), and it reads
# only the nodes the two devices do not share.
#
# thin_delta --snap1 A --snap2 B says, per range of virtual blocks,
# "different" (both map, other data blocks), "right_only" (only B maps),
# "left_only" (only A maps) or "same"; ours says "changed" for the first two,
# "unmapped" for the third and nothing for the last. Both are brought to one
# line per block (tests/tools/thin-delta-blocks.awk, --per-block).
. "$(dirname "$0")/../lib.sh"

DELTA=$TOP/build/tools/thinmeta-delta
DUMP=$TOP/build/tools/thinmeta-dump
test_require 'thin_delta and thin_ls (thin-provisioning-tools)' 'command -v thin_delta && command -v thin_ls'
test_require 'jq' 'command -v jq'
test_require 'tests/tools/thinmeta-delta builds (make tools)' 'make -s -C "$TOP" tools'

# want_delta META A B [thin_delta options]: thin_delta's answer, per block.
want_delta() {
	local meta=$1 a=$2 b=$3
	shift 3
	thin_delta "$@" --snap1 "$a" --snap2 "$b" "$meta" >thin_delta.xml &&
		grep -q "<diff left=\"$a\" right=\"$b\">" thin_delta.xml &&
		awk -f "$TOP/tests/tools/thin-delta-blocks.awk" thin_delta.xml
}
# same_as_thin_delta META A B [our options]: say what differs, if anything.
same_as_thin_delta() {
	local meta=$1 a=$2 b=$3 snap=
	[ "${4:-}" = --metadata-snap ] && snap=-m
	want_delta "$meta" "$a" "$b" $snap >want.$a.$b || { echo "thin_delta failed on $a $b"; return 1; }
	"$DELTA" --per-block ${4:-} "$meta" "$a" "$b" >got.$a.$b || { echo "thinmeta-delta failed on $a $b"; return 1; }
	cmp -s want.$a.$b got.$a.$b && return 0
	echo "devices $a -> $b: thin_delta and lib/thinmeta differ:"
	diff want.$a.$b got.$a.$b | head -n 20
	return 1
}
# nodes_read META A B: how many mapping-tree nodes our delta read.
nodes_read() { "$DELTA" --stats --quiet "$@" | sed -n 's/^nodes read=\([0-9]*\) .*/\1/p'; }
# tree_nodes META DEV: the blocks of the device's mapping tree, sorted (from
# thinmeta-dump's full walk, which t0200 holds to thin_dump's reading).
tree_nodes() { "$DUMP" --nodes --dev-id "$2" "$1" | awk '$1 == "node" { sub("block=", "", $3); print $3 }' | sort; }

for v in xfs ext4; do
	R=$TMP_TEST/$v
	M=$R/devicemapper/devicemapper/metadata
	# Docker's names for the devices, read from the state as dockerd left it.
	dev_of_hash() { jq -r .device_id "$R/devicemapper/metadata/$1"; }
	dev_of_layer() { dev_of_hash "$(cat "$R/image/devicemapper/layerdb/sha256/${1#sha256:}/cache-id")"; }
	mounts() { ls "$R/image/devicemapper/layerdb/mounts"; }
	mount_file() { cat "$R/image/devicemapper/layerdb/mounts/$1/$2"; }

	test_expect_success "$v: the pool metadata and Docker's device and layer records extract" '
		FIXTURE=$("$TOP/tests/fixtures/ensure" '$v') && mkdir -p '$R' &&
		tar --sparse -C '$R' -xf "$FIXTURE/docker-root.tar" ./devicemapper/devicemapper/metadata \
			./devicemapper/metadata ./image/devicemapper/layerdb &&
		[ -s '$M' ] && [ "$(mounts | wc -l)" -ge 2 ]
	'

	test_expect_success "$v: each container against its image's top layer is thin_delta's difference" '
		for c in $(mounts); do
			top=$(dev_of_layer "$(mount_file $c parent)") && dev=$(dev_of_hash "$(mount_file $c mount-id)") &&
			same_as_thin_delta '$M' $top $dev && same_as_thin_delta '$M' $dev $top || exit 1
			echo "container ${c:0:12}: layer $top -> device $dev: $(wc -l <got.$top.$dev) blocks"
		done
	'

	test_expect_success "$v: each container against its init layer, and each image layer against its parent" '
		for c in $(mounts); do
			init=$(dev_of_hash "$(mount_file $c init-id)") && dev=$(dev_of_hash "$(mount_file $c mount-id)") &&
			same_as_thin_delta '$M' $init $dev || exit 1
		done &&
		n=0 &&
		for l in "$R"/image/devicemapper/layerdb/sha256/*; do
			[ -f "$l/parent" ] || continue
			child=$(dev_of_layer "$(basename "$l")") && parent=$(dev_of_layer "$(cat "$l/parent")") &&
			same_as_thin_delta '$M' $parent $child && same_as_thin_delta '$M' $child $parent || exit 1
			n=$((n + 1))
		done &&
		[ $n -ge 1 ]
	'

	test_expect_success "$v: a device against itself reads no mapping node and finds nothing" '
		for dev in $(thin_ls --no-headers --format DEV '$M'); do
			expect_eq 0 "$(nodes_read '$M' $dev $dev)" "nodes read for $dev against itself" &&
			same_as_thin_delta '$M' $dev $dev && [ ! -s got.$dev.$dev ] || exit 1
		done
	'

	# A node in both trees roots a subtree in both: an ideal walk reads
	# exactly the nodes that are in one tree only.
	test_expect_success "$v: a container against its base reads only the nodes not in both trees" '
		fewer=0 &&
		for c in $(mounts); do
			top=$(dev_of_layer "$(mount_file $c parent)") && dev=$(dev_of_hash "$(mount_file $c mount-id)") &&
			tree_nodes '$M' $top >nodes.$top && tree_nodes '$M' $dev >nodes.$dev &&
			read=$(nodes_read '$M' $top $dev) && whole=$(cat nodes.$top nodes.$dev | wc -l) &&
			own=$(comm -3 nodes.$top nodes.$dev | wc -l) &&
			echo "layer $top -> device $dev: $read nodes read, $own in one tree only, $whole in both trees" &&
			expect_eq "$own" "$read" "nodes read" || exit 1
			[ "$read" -lt "$whole" ] && fewer=$((fewer + 1))
		done &&
		[ $fewer -ge 1 ]
	'
done

# Every ordered pair of devices of one pool, related or not (two sibling
# containers, a container and the base device, ...).
M=$TMP_TEST/xfs/devicemapper/devicemapper/metadata
test_expect_success "xfs: every ordered pair of the pool's devices is thin_delta's difference" '
	devs=$(thin_ls --no-headers --format DEV '$M') && [ $(echo $devs | wc -w) -ge 5 ] &&
	for a in $devs; do for b in $devs; do
		same_as_thin_delta '$M' $a $b || exit 1
	done; done &&
	cat got.* | grep -q "^unmapped " && cat got.* | grep -q "^changed "
'

test_expect_success "xfs: the metadata snapshot gives thin_delta -m's difference" '
	cp --sparse=always '$M' snap.meta &&
	last=$(( $(stat -c %s snap.meta) / 4096 - 1 )) &&
	python3 "$TOP/tests/tools/thinmeta-edit.py" metadata-snap snap.meta $last &&
	devs=$(thin_ls --no-headers --format DEV '$M') &&
	a=$(echo $devs | cut -d" " -f2) && b=$(echo $devs | cut -d" " -f4) &&
	same_as_thin_delta snap.meta $a $b --metadata-snap && [ -s got.$a.$b ]
'

test_expect_success "xfs: a damaged node of the second device is exit 5 naming the block" '
	devs=$(thin_ls --no-headers --format DEV '$M') &&
	a=$(echo $devs | cut -d" " -f2) && b=$(echo $devs | cut -d" " -f4) &&
	tree_nodes '$M' $a >nodes.a && tree_nodes '$M' $b >nodes.b &&
	own=$(comm -13 nodes.a nodes.b | tail -n 1) && [ -n "$own" ] &&
	cp --sparse=always '$M' bad.meta &&
	python3 "$TOP/tests/tools/thinmeta-edit.py" flip bad.meta $own 200 &&
	{ "$DELTA" bad.meta $a $b >/dev/null 2>err; rc=$?; } ; cat err &&
	expect_eq 5 "$rc" "exit status" && grep -q ": block $own: .*checksum mismatch" err
'

test_done
