#!/usr/bin/env bash
# recover image copies a container's thin device out of Docker's pool files
# with no kernel device-mapper, loop device or mount: on the crashed states a
# real Docker 20.10 left (xfs, ext4) the image holds exactly the blocks
# thin_dump says the device maps, its filesystem holds exactly the files
# `docker export` showed (read without mounting: debugfs, xfs_db), and
# nothing in the pool changes. Damage and misuse fail with the documented
# exit code and a message naming the culprit, never with a half image.
. "$(dirname "$0")/../lib.sh"
test_require "thin_dump (thin-provisioning-tools)" 'command -v thin_dump'
test_require "debugfs (e2fsprogs), xfs_db (xfsprogs), blkid" \
	'command -v debugfs && command -v xfs_db && command -v blkid'
test_require "zstd and jq" 'command -v zstd && command -v jq'
test_require "the fixtures (tests/fixtures/ensure)" \
	'"$TOP/tests/fixtures/ensure" xfs && "$TOP/tests/fixtures/ensure" ext4'
test_require "tests/tools/thinmeta-dump builds (make tools)" 'make -s -C "$TOP" tools'

DUMP=$TOP/build/tools/thinmeta-dump

thin_dump_mapped_blocks() { # METADATA DEV_ID
	thin_dump "$1" | sed -n "s/.*<device dev_id=\"$2\" mapped_blocks=\"\([0-9]*\)\".*/\1/p"
}

# xfs without mounting: the file tree from xfs_db's ncheck, and each regular
# file's bytes from its inode size and block map.
xfs_files() { # IMAGE: paths below /rootfs as tree_files lists them
	xfs_db -r -c "blockget -n" -c ncheck "$1" |
		awk '$2 ~ /^rootfs\/./ && $2 != "rootfs/." { p = substr($2, 8); sub(/\/\.$/, "", p); print p }' | LC_ALL=C sort
}
xfs_sha256() { # IMAGE SHA256_LIST: "sum  path" for every path of the list, read from IMAGE
	local img=$1 bs agblocks args=() kind rest path="" size=0 out=$TMP_TEST/xfs-file
	bs=$(xfs_db -r -c 'sb 0' -c 'print blocksize' "$img" | awk '{print $3}')
	agblocks=$(xfs_db -r -c 'sb 0' -c 'print agblocks' "$img" | awk '{print $3}')
	while read -r _ rest; do
		args+=(-c "echo @@ $rest" -c "path /rootfs/$rest" -c "print core.size" -c bmap)
	done <"$2"
	emit() { [ -z "$path" ] || { truncate -s "$size" "$out" && echo "$(sha256sum <"$out" | cut -c1-64)  $path"; }; }
	xfs_db -r "${args[@]}" "$img" 2>&1 | awk '
		/^@@ / { sub(/^@@ /, ""); sub(/ $/, ""); print "F", $0; next }
		/No such file or directory/ { print "M"; next }
		$1 == "core.size" { print "S", $3; next }
		/^data offset [0-9]+ startblock [0-9]+ \([0-9]+\/[0-9]+\) count [0-9]+ flag 0$/ {
			split($6, ag, /[()\/]/); print "E", $3, ag[2], ag[3], $8 }' |
		{
			while read -r kind rest; do
				case $kind in
				F) emit; path=$rest; size=0; : >"$out" ;;
				M) path="" ;; # missing: no line, so the comparison shows it
				S) size=$rest ;;
				E) set -- $rest
				   dd if="$img" of="$out" bs="$bs" skip=$(($2 * agblocks + $3)) seek="$1" \
					count="$4" conv=notrunc status=none ;;
				esac
			done
			emit
		}
}

for v in xfs ext4; do
	R=$TMP_TEST/$v
	FX=$("$TOP/tests/fixtures/ensure" $v)
	META=$R/devicemapper/devicemapper/metadata
	DATA=$R/devicemapper/devicemapper/data

	test_expect_success "$v: the crashed state extracts" '
		fixture_extract '$v' "$R" && pool_fingerprint "$R" >"$R.pool-before"
	'

	for c in web batch created; do
		test_expect_success "$v: $c's image is a sparse file of the device's size with thin_dump's blocks" '
			read -r _ _ _ devid size < <(grep "^'$c' " "$FX/devices.txt") &&
			"$LIFEBOAT" --root "$R" recover image '$c' -o '$c'.'$v'.img >out &&
			expect_eq '$c'.'$v'.img "$(tail -n 1 out)" "last line of output" &&
			expect_eq "$size" "$(stat -c %s '$c'.'$v'.img)" "image size" &&
			[ $(($(stat -c %b '$c'.'$v'.img) * 512)) -lt $((size / 4)) ] &&
			thin_dump_image "$META" "$DATA" "$devid" "$size" want.img &&
			cmp '$c'.'$v'.img want.img
		'
	done

	test_expect_success "$v: --json reports the mapped bytes thin_dump counts for web" '
		read -r _ _ _ devid size < <(grep "^web " "$FX/devices.txt") &&
		"$LIFEBOAT" --root "$R" --json recover image web -o j.'$v'.img >j.json &&
		blocks=$(thin_dump_mapped_blocks "$META" "$devid") &&
		expect_eq $((blocks * 65536)) "$(jq .mapped_bytes j.json)" mapped_bytes &&
		expect_eq "$devid" "$(jq .device_id j.json)" device_id &&
		expect_eq "$size" "$(jq .size_bytes j.json)" size_bytes &&
		expect_eq j.'$v'.img "$(jq -r .image j.json)" image
	'

	test_expect_success "$v: the images carry the base device filesystem's UUID" '
		uuid=$(jq -r .BaseDeviceUUID "$R/devicemapper/metadata/deviceset-metadata") &&
		for c in web batch created; do
			expect_eq '$v' "$(blkid -p -o value -s TYPE $c.'$v'.img)" "$c filesystem" &&
			expect_eq "$uuid" "$(blkid -p -o value -s UUID $c.'$v'.img)" "$c UUID" || exit 1
		done
	'

	if [ $v = ext4 ]; then
		for c in web batch created; do
			test_expect_success "ext4: debugfs reads exactly $c's exported files and checksums from the image" '
				rm -rf dump-'$c' && mkdir dump-'$c' &&
				debugfs -R "rdump /rootfs dump-'$c'" '$c'.ext4.img 2>/dev/null &&
				tree_files dump-'$c'/rootfs >files && expect_file_same "$FX/'$c'.files" files &&
				tree_sha256 dump-'$c'/rootfs >sums && expect_file_same "$FX/'$c'.sha256" sums
			'
		done
		test_expect_success "ext4: deleted files are gone, changed ones changed" '
			! debugfs -R "stat /rootfs/etc/removeme" web.ext4.img 2>&1 | grep -q "Inode:" &&
			debugfs -R "stat /rootfs/etc/removeme" web.ext4.img 2>&1 | grep -q "File not found" &&
			debugfs -R "stat /rootfs/data/out/r13.txt" batch.ext4.img 2>&1 | grep -q "File not found" &&
			expect_eq "changed by web" "$(debugfs -R "cat /rootfs/etc/motd" web.ext4.img 2>/dev/null)" motd
		'
	else
		for c in web batch created; do
			test_expect_success "xfs: xfs_db finds exactly $c's exported files and checksums in the image" '
				xfs_files '$c'.xfs.img >files && expect_file_same "$FX/'$c'.files" files &&
				xfs_sha256 '$c'.xfs.img "$FX/'$c'.sha256" >sums && expect_file_same "$FX/'$c'.sha256" sums
			'
		done
	fi

	test_expect_success "$v: db, killed while writing, has the files it synced" '
		"$LIFEBOAT" --root "$R" recover image db -o db.'$v'.img >/dev/null &&
		if [ '$v' = ext4 ]; then
			for f in 1 2 3; do
				debugfs -R "cat /rootfs/data/db/stable-$f" db.ext4.img 2>/dev/null |
					sha256sum | sed "s|  -$| data/db/stable-$f|" || exit 1
			done >sums
		else
			xfs_sha256 db.xfs.img "$FX/db.sha256" | sed "s/  / /" >sums
		fi &&
		expect_file_same "$FX/db.sha256" sums
	'

	test_expect_success "$v: the image's journal state as its own tools see it: db dirty (warned), web clean" '
		for c in db web; do
			"$LIFEBOAT" --root "$R" --json recover image --force $c -o log-$c.'$v'.img >$c.json 2>$c.err || exit 1
			if [ '$v' = xfs ]; then
				tool=$(xfs_logprint -t log-$c.'$v'.img 2>/dev/null | grep -o "state: <[A-Z]*>")
			else
				tool=$(dumpe2fs -h log-$c.'$v'.img 2>/dev/null | grep -c "^Filesystem features:.*needs_recovery")
			fi
			echo "$c: lifeboat $(jq -r .log $c.json), tool $tool"
		done >states && cat states &&
		grep -q "^db: lifeboat dirty, tool \(state: <DIRTY>\|1\)$" states &&
		grep -q "^web: lifeboat clean, tool \(state: <CLEAN>\|0\)$" states &&
		"$LIFEBOAT" --root "$R" recover image --force db -o log-db.'$v'.img 2>err >/dev/null &&
		grep -q "losetup -f --show log-db.'$v'.img" err &&
		"$LIFEBOAT" --root "$R" recover image --force web -o log-web.'$v'.img 2>err >/dev/null &&
		! grep -q journal err &&
		expect_eq dirty "$("$LIFEBOAT" --root "$R" --json recover image --force --zstd db -o log.zst 2>err | jq -r .log)" "zstd log" &&
		grep -q "zstd -d log.zst -o IMG" err
	'

	test_expect_success "$v: --zstd writes a stream that zstd -d turns into the raw image" '
		"$LIFEBOAT" --root "$R" recover image web --zstd -o web.'$v'.img.zst >/dev/null &&
		zstd -q -t web.'$v'.img.zst &&
		zstd -q -d -c web.'$v'.img.zst | cmp - web.'$v'.img &&
		[ $(stat -c %s web.'$v'.img.zst) -lt $(($(stat -c %s web.'$v'.img) / 20)) ] &&
		"$LIFEBOAT" --root "$R" recover image web --zstd=1 -o web1.'$v'.img.zst >/dev/null &&
		zstd -q -t web1.'$v'.img.zst
	'

	test_expect_success "$v: --copy range (copy_file_range) writes the same image" '
		"$LIFEBOAT" --root "$R" recover image batch --copy range -o range.'$v'.img >/dev/null &&
		cmp range.'$v'.img batch.'$v'.img
	'

	test_expect_success "$v: full id and unique id prefix find the same container as its name" '
		id=$(awk "\$1 == \"web\" {print \$2}" "$FX/devices.txt") &&
		"$LIFEBOAT" --root "$R" recover image "$id" -o by-id.'$v'.img >/dev/null &&
		cmp by-id.'$v'.img web.'$v'.img &&
		"$LIFEBOAT" --root "$R" --json recover image "${id:0:12}" -o by-prefix.'$v'.img >j &&
		expect_eq "$id" "$(jq -r .id j)" "id found by prefix" &&
		expect_eq web "$(jq -r .container j)" "name found by prefix"
	'

	test_expect_success "$v: the pool's data and metadata are byte-identical after all images" '
		pool_fingerprint "$R" | cut -d" " -f1 >after &&
		cut -d" " -f1 "$R.pool-before" >before && expect_file_same before after
	'
done

# Damage and misuse, on a copy of the ext4 state. Each test puts back what it broke.
B=$TMP_TEST/bad
FX=$("$TOP/tests/fixtures/ensure" ext4)
BMETA=$B/devicemapper/devicemapper/metadata
BDATA=$B/devicemapper/devicemapper/data
WEB_HASH=$(awk '$1 == "web" {sub(/.*-/, "", $3); print $3}' "$FX/devices.txt")
WEB_DEVID=$(awk '$1 == "web" {print $4}' "$FX/devices.txt")
WEB_ID=$(awk '$1 == "web" {print $2}' "$FX/devices.txt")

no_temp_files() { # DIR: no half image left behind
	! ls -A "$1" | grep -q '^\.' || { echo "left behind:"; ls -la "$1"; false; }
}

test_expect_success "damage: a second copy of the ext4 state extracts" '
	fixture_extract ext4 "$B" && mkdir outdir
'

test_expect_success "an existing -o FILE is refused with exit 4 and left unchanged" '
	echo precious >outdir/web.img &&
	expect_exit 4 "$LIFEBOAT" --root "$B" recover image web -o outdir/web.img 2>err &&
	grep -q "outdir/web.img: already exists" err && grep -q -- --force err &&
	expect_eq precious "$(cat outdir/web.img)" "the existing file" && no_temp_files outdir
'

test_expect_success "--force replaces an existing file with the image" '
	"$LIFEBOAT" --root "$B" recover image web --force -o outdir/web.img >/dev/null &&
	cmp outdir/web.img web.ext4.img
'

test_expect_success "a device Docker marked deleted is refused with exit 4; --force copies it" '
	f=$B/devicemapper/metadata/$WEB_HASH && cp "$f" saved &&
	sed "s/\"deleted\":false/\"deleted\":true/" saved >"$f" && grep -q "\"deleted\":true" "$f" &&
	expect_exit 4 "$LIFEBOAT" --root "$B" recover image web -o outdir/del.img 2>err &&
	grep -q "marked it deleted" err && ! [ -e outdir/del.img ] &&
	"$LIFEBOAT" --root "$B" --json recover image web --force -o outdir/del.img >j &&
	expect_eq "$WEB_DEVID" "$(jq .device_id j)" device_id && [ -s outdir/del.img ]; rc=$?
	cp saved "$f"; exit $rc
'

test_expect_success "a flipped byte in the device's mapping btree is exit 5 naming the block" '
	block=$("$DUMP" --nodes --dev-id "$WEB_DEVID" "$BMETA" | awk "/ leaf/ {sub(/block=/, \"\", \$3); print \$3; exit}") &&
	[ -n "$block" ] && cp --sparse=always "$BMETA" flipped &&
	python3 "$TOP/tests/tools/thinmeta-edit.py" flip flipped "$block" 100 &&
	expect_exit 5 "$LIFEBOAT" --root "$B" recover image web --metadata flipped -o outdir/flip.img 2>err &&
	grep -q "flipped: block $block: .*checksum" err && ! [ -e outdir/flip.img ] && no_temp_files outdir
'

test_expect_success "a data file too short for a mapped block is exit 5 naming the data file" '
	end=$(thin_dump_ranges "$BMETA" "$WEB_DEVID" | awk "{ e = \$2 + \$3; if (e > m) m = e } END { print m }") &&
	blocks=$((end - 1)) &&
	[ "$blocks" -gt 0 ] && cp --sparse=always "$BDATA" short &&
	truncate -s $((blocks * 65536)) short &&
	expect_exit 5 "$LIFEBOAT" --root "$B" recover image web --data short -o outdir/short.img 2>err &&
	grep -q "short: data block [0-9]*: beyond the end of the data" err && ! [ -e outdir/short.img ]
'

test_expect_success "a missing data file is exit 3 naming it" '
	mv "$BDATA" data.away &&
	expect_exit 3 "$LIFEBOAT" --root "$B" recover image web -o outdir/nodata.img 2>err; rc=$?
	mv data.away "$BDATA"
	[ $rc = 0 ] && grep -q "$BDATA: .*No such file" err && ! [ -e outdir/nodata.img ]
'

test_expect_success "a missing metadata file is exit 3 naming it" '
	mv "$BMETA" meta.away &&
	expect_exit 3 "$LIFEBOAT" --root "$B" recover image web -o outdir/nometa.img 2>err; rc=$?
	mv meta.away "$BMETA"
	[ $rc = 0 ] && grep -q "$BMETA: .*No such file" err
'

test_expect_success "an unknown container is exit 3" '
	expect_exit 3 "$LIFEBOAT" --root "$B" recover image nosuch -o outdir/x.img 2>err &&
	grep -q "nosuch: no such container" err
'

test_expect_success "an ambiguous id prefix is exit 2 listing the candidates" '
	twin=${WEB_ID:0:60}ffff && [ "$twin" != "$WEB_ID" ] || twin=${WEB_ID:0:60}eeee
	cp -r "$B/containers/$WEB_ID" "$B/containers/$twin" &&
	sed -i "s/$WEB_ID/$twin/; s|\"Name\":\"/web\"|\"Name\":\"/twin\"|" "$B/containers/$twin/config.v2.json" &&
	expect_exit 2 "$LIFEBOAT" --root "$B" recover image "${WEB_ID:0:12}" -o outdir/amb.img 2>err; rc=$?
	rm -rf "$B/containers/$twin"
	[ $rc = 0 ] && grep -q "ambiguous" err && grep -q "(/web)" err && grep -q "(/twin)" err
'

test_expect_success "usage errors are exit 2: no -o, no container, a bad zstd level" '
	expect_exit 2 "$LIFEBOAT" --root "$B" recover image web 2>/dev/null &&
	expect_exit 2 "$LIFEBOAT" --root "$B" recover image -o x.img 2>/dev/null &&
	expect_exit 2 "$LIFEBOAT" --root "$B" recover image web --zstd=99 -o x.img 2>/dev/null
'

test_expect_success "--help teaches: synopsis, options, exit codes, an example" '
	"$LIFEBOAT" recover image --help >help &&
	grep -q "^Usage: lifeboat recover image" help && grep -q -- "--zstd" help &&
	grep -q "^Exit codes:" help && grep -q "^Example:" help
'

test_expect_success "no failure above left a temporary file next to its output" '
	no_temp_files outdir
'

test_expect_success "the damaged copy's pool files are as extracted after all of it" '
	pool_fingerprint "$B" | cut -d" " -f1 >after &&
	cut -d" " -f1 "$TMP_TEST/ext4.pool-before" >before && expect_file_same before after
'
test_done
