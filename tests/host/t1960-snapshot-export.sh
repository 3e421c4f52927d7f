#!/usr/bin/env bash
# snapshot export / import / verify on the pool files a real Docker 20.10
# left (xfs, ext4): a full export of a container's device and of its base
# image layer's device, imported, is byte for byte the image thin_dump's
# mappings and dd of the data file make, at Docker's recorded size; the
# pool's files do not change. A damaged stream, a cut one and one on the
# wrong base exit 5 and leave no image; verify says "incomplete" for a cut
# one. Streams written by an independent writer from docs/export-format.md
# (tests/tools/stream-gen.py) verify.
. "$(dirname "$0")/../lib.sh"
test_require "thin_dump (thin-provisioning-tools)" 'command -v thin_dump'
test_require "jq, zstd and python3" 'command -v jq && command -v zstd && command -v python3'
test_require "the fixtures (tests/fixtures/ensure)" \
	'"$TOP/tests/fixtures/ensure" xfs && "$TOP/tests/fixtures/ensure" ext4'

# A device's id and size from Docker's own record of it.
docker_device() { # DATA_ROOT HASH -> "id size"
	jq -r '"\(.device_id) \(.size)"' "$1/devicemapper/metadata/$2"
}
# The device of a container's image's top layer: layerdb mounts -> parent
# chain id -> cache-id (the layer's device hash).
base_layer_hash() { # DATA_ROOT CONTAINER_ID
	local chain
	chain=$(cat "$1/image/devicemapper/layerdb/mounts/$2/parent") &&
		cat "$1/image/devicemapper/layerdb/sha256/${chain#sha256:}/cache-id"
}
# A record header's first 24 bytes as six 32-bit numbers on one line: kind,
# nblocks, vblock (low, high), raw_bytes, comp_bytes (docs/export-format.md).
record_fields() { # FILE OFFSET
	echo $(od -An -tu4 -j"$2" -N24 "$1")
}
# Nothing but the names given in DIR (no temporary file left behind).
only_files() { # DIR NAME...
	local dir=$1
	shift
	expect_eq "$(printf '%s\n' "$@" | sort | tr '\n' ' ')" \
		"$(ls -A "$dir" | sort | tr '\n' ' ')" "the files in $dir"
}

for v in xfs ext4; do
	R=$TMP_TEST/$v
	FX=$("$TOP/tests/fixtures/ensure" $v)
	META=$R/devicemapper/devicemapper/metadata
	DATA=$R/devicemapper/devicemapper/data
	POOL="--metadata $META --data $DATA"

	test_expect_success "$v: the crashed state extracts" '
		fixture_extract '$v' "$R" && pool_fingerprint "$R" >"$R.pool-before"
	'

	WEB_ID=$(awk '$1 == "web" {print $2}' "$FX/devices.txt")
	for what in web web-base batch; do
		test_expect_success "$v: $what: full export, import = thin_dump + dd of the data file" '
			case '$what' in
			web-base) hash=$(base_layer_hash "$R" '$WEB_ID') ;;
			*) hash=$(awk "\$1 == \"'$what'\" {sub(/.*-/, \"\", \$3); print \$3}" "$FX/devices.txt") ;;
			esac &&
			read -r devid size < <(docker_device "$R" "$hash") &&
			mkdir -p '$what' &&
			"$LIFEBOAT" --json snapshot export --device-id "$devid" '"$POOL"' \
				--name '$what' -o '$what'/full.lbx >export.json &&
			expect_eq '$what' "$(jq -r .name export.json)" "the name in the header" &&
			"$LIFEBOAT" snapshot import '$what'/full.lbx -o '$what'/img >out &&
			expect_eq '$what'/img "$(tail -n 1 out)" "last line of output" &&
			expect_eq "$size" "$(stat -c %s '$what'/img)" "image size (Docker says)" &&
			thin_dump_image "$META" "$DATA" "$devid" "$size" want.img &&
			cmp '$what'/img want.img &&
			[ $(($(stat -c %b '$what'/img) * 512)) -lt $((size / 4)) ] &&
			"$LIFEBOAT" --json snapshot verify '$what'/full.lbx >verify.json &&
			expect_eq full "$(jq -r ".streams[0].kind" verify.json)" kind &&
			expect_eq "$(jq -r .uuid export.json)" "$(jq -r ".streams[0].uuid" verify.json)" uuid &&
			expect_eq ok "$(jq -r ".streams[0].status" verify.json)" status &&
			only_files '$what' full.lbx img
		'
	done

	test_expect_success "$v: the trailer holds the sha256 of the stream before it; records hold zstd frames" '
		sum=$(head -c -80 web/full.lbx | sha256sum | cut -c1-64) &&
		tail -c 80 web/full.lbx | od -An -tx1 -j40 -N32 | tr -d " \n" >trailer-sum &&
		expect_eq "$sum" "$(cat trailer-sum)" "sha256 in the trailer" &&
		"$LIFEBOAT" --json snapshot export --device-id 1 '"$POOL"' -o d1.lbx >d1.json &&
		expect_eq "$(head -c -80 d1.lbx | sha256sum | cut -c1-64)" "$(jq -r .sha256 d1.json)" "sha256 reported" &&
		read -r kind nblocks vlo vhi raw comp < <(record_fields web/full.lbx 288) &&
		expect_eq 0 "$vhi" "first record vblock, high word" &&
		while [ "$kind" != 1 ]; do # skip markers to the first DATA record
			at=$(( ${at:-288} + 32 )) &&
			read -r kind nblocks vlo vhi raw comp < <(record_fields web/full.lbx $at) || exit 1
		done &&
		tail -c +$(( ${at:-288} + 32 + 1 )) web/full.lbx | head -c "$comp" >frame.zst &&
		zstd -q -t frame.zst && zstd -q -d -c frame.zst >frame.raw &&
		expect_eq "$raw" "$(stat -c %s frame.raw)" "the frame decompresses to raw_bytes" &&
		dd if=web/img bs=65536 skip="$vlo" count="$nblocks" status=none | cmp - frame.raw
	'

	test_expect_success "$v: export to stdout gives a stream that verifies and imports" '
		read -r devid size < <(docker_device "$R" "$(base_layer_hash "$R" '$WEB_ID')") &&
		"$LIFEBOAT" snapshot export --device-id "$devid" '"$POOL"' -o - >piped.lbx &&
		"$LIFEBOAT" snapshot verify piped.lbx | grep -q ": full .* OK$" &&
		"$LIFEBOAT" snapshot import piped.lbx -o piped.img && cmp piped.img web-base/img
	'

	test_expect_success "$v: without --metadata and --data, the pool files of the Docker root are read" '
		read -r devid size < <(docker_device "$R" "$(awk "\$1 == \"batch\" {sub(/.*-/, \"\", \$3); print \$3}" "$FX/devices.txt")") &&
		"$LIFEBOAT" --root "$R" snapshot export --device-id "$devid" -o root.lbx >/dev/null &&
		"$LIFEBOAT" snapshot import root.lbx -o root.img && cmp root.img batch/img
	'

	test_expect_success "$v: a corrupted copy: import and verify exit 5, no image, no temporary file" '
		mkdir -p bad && cp web/full.lbx bad/c.lbx &&
		size=$(stat -c %s bad/c.lbx) &&
		off=$((size / 2)) &&
		byte=$(od -An -tu1 -j$off -N1 bad/c.lbx | tr -d " ") &&
		printf "$(printf "\\\\%03o" $(((byte + 1) % 256)))" |
			dd of=bad/c.lbx bs=1 seek=$off conv=notrunc status=none &&
		! cmp -s bad/c.lbx web/full.lbx &&
		expect_exit 5 "$LIFEBOAT" snapshot import bad/c.lbx -o bad/img 2>err &&
		grep -E "bad/c.lbx: byte [0-9]+: record [0-9]+: .*(checksum|sha256)" err &&
		expect_exit 5 "$LIFEBOAT" snapshot verify bad/c.lbx 2>err &&
		grep -q "checksum\|sha256" err && ! grep -q incomplete err &&
		only_files bad c.lbx
	'

	test_expect_success "$v: a cut stream is incomplete: verify and import say so, exit 5, no image" '
		mkdir -p cut &&
		for n in 100 300 $(( $(stat -c %s web/full.lbx) / 3 )) $(( $(stat -c %s web/full.lbx) - 1 )); do
			head -c $n web/full.lbx >cut/c.lbx &&
			expect_exit 5 "$LIFEBOAT" snapshot verify cut/c.lbx 2>err &&
			grep -q "cut/c.lbx: incomplete: the stream ends at byte $n" err &&
			expect_exit 5 "$LIFEBOAT" snapshot import cut/c.lbx -o cut/img 2>err &&
			grep -q incomplete err && only_files cut c.lbx || exit 1
		done
	'

	test_expect_success "$v: web as an incremental on its image layer (the mapping-tree delta): base + incremental import = thin_dump + dd of web" '
		read -r bid bsize < <(docker_device "$R" "$(base_layer_hash "$R" '$WEB_ID')") &&
		read -r wid wsize < <(docker_device "$R" "$(awk "\$1 == \"web\" {sub(/.*-/, \"\", \$3); print \$3}" "$FX/devices.txt")") &&
		[ "$bsize" = "$wsize" ] && rm -rf delta && mkdir -p delta &&
		"$LIFEBOAT" snapshot export --device-id "$bid" '"$POOL"' --name layer -o delta/base.lbx &&
		"$LIFEBOAT" snapshot export --device-id "$wid" '"$POOL"' --name web --base-id "$bid" --base-stream delta/base.lbx -o delta/incr.lbx &&
		"$LIFEBOAT" --json snapshot verify delta/incr.lbx >v.json &&
		expect_eq incremental "$(jq -r ".streams[0].kind" v.json)" kind &&
		[ "$(stat -c %s delta/incr.lbx)" -lt "$(stat -c %s web/full.lbx)" ] &&
		"$LIFEBOAT" snapshot import delta/base.lbx delta/incr.lbx -o delta/img &&
		thin_dump_image "$META" "$DATA" "$wid" "$wsize" want.img && cmp delta/img want.img &&
		expect_exit 2 "$LIFEBOAT" snapshot export --device-id "$wid" '"$POOL"' --base-id "$bid" -o delta/x.lbx
	'

	test_expect_success "$v: an incremental on the wrong base: exit 5 naming it, no image" '
		mkdir -p chain &&
		python3 "$TOP/tests/tools/stream-gen.py" chain/inc.lbx 2 &&
		"$LIFEBOAT" snapshot verify chain/inc.lbx | grep -q ": incremental .* OK$" &&
		expect_exit 5 "$LIFEBOAT" snapshot import web/full.lbx chain/inc.lbx -o chain/img 2>err &&
		grep -q "chain/inc.lbx: wrong base" err &&
		expect_exit 5 "$LIFEBOAT" snapshot import chain/inc.lbx -o chain/img 2>err &&
		grep -q "the first stream must be a full export" err &&
		only_files chain inc.lbx
	'

	test_expect_success "$v: usage 2, a missing stream 3, an existing image 4" '
		expect_exit 2 "$LIFEBOAT" snapshot export '"$POOL"' -o x.lbx 2>/dev/null &&
		expect_exit 2 "$LIFEBOAT" snapshot import web/full.lbx 2>/dev/null &&
		expect_exit 3 "$LIFEBOAT" snapshot verify no-such.lbx 2>/dev/null &&
		expect_exit 3 "$LIFEBOAT" snapshot import no-such.lbx -o none.img 2>/dev/null &&
		[ ! -e none.img ] &&
		expect_exit 4 "$LIFEBOAT" snapshot import web/full.lbx -o web/img 2>/dev/null &&
		expect_exit 3 "$LIFEBOAT" snapshot export --device-id 4242 '"$POOL"' -o x.lbx 2>/dev/null &&
		[ ! -e x.lbx ]
	'

	test_expect_success "$v: the pool's files did not change" '
		pool_fingerprint "$R" >"$R.pool-after" && expect_file_same "$R.pool-before" "$R.pool-after"
	'
	rm -rf "$TMP_TEST"/{web,web-base,batch,bad,cut,chain} "$TMP_TEST"/*.img "$TMP_TEST"/*.lbx
done

test_expect_success "streams from the independent writer (docs/export-format.md) verify" '
	for s in 1 2 3 4 5 6; do
		python3 "$TOP/tests/tools/stream-gen.py" g$s.lbx $s || exit 1
	done &&
	"$LIFEBOAT" snapshot verify g1.lbx g2.lbx g3.lbx g4.lbx g5.lbx g6.lbx >out &&
	expect_eq 6 "$(grep -c ": OK$" out)" "streams OK"
'
test_done
