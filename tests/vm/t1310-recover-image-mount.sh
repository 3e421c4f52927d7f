#!/usr/bin/env bash
# The kernel is the witness for recover image: on the crashed states a real
# Docker 20.10 left (xfs, ext4), each container's image, made without
# device-mapper, mounts through a loop device read-only, without journal
# replay, and holds exactly the files and checksums `docker export` showed.
# One boot runs it all. (That the pool files stay byte-identical and that a
# --zstd image decompresses to the raw one is proven on the host, t1300,
# where it costs far less than under TCG.)
. "$(dirname "$0")/../lib.sh"
test_require "running inside the test VM (tests/vm/boot)" '[ -n "${LB_IN_VM:-}" ]'
test_require "loop devices in the guest kernel" 'losetup -f'

W=$LB_SCRATCH/image-mount
mkdir -p "$W/mnt"

mount_opts() { # FSTYPE
	case $1 in
	xfs) echo loop,ro,norecovery,nouuid ;;
	ext4) echo loop,ro,noload ;;
	esac
}

for v in xfs ext4; do
	R=$W/$v-root
	FX=$("$TOP/tests/fixtures/ensure" $v)

	test_expect_success "$v: the crashed state extracts onto the scratch ext4" '
		fixture_extract '$v' "$R"
	'

	for c in web batch created; do
		test_expect_success "$v: $c's image mounts read-only with exactly the files Docker exported" '
			img=$W/'$c'.'$v'.img &&
			expect_eq "$img" "$("$LIFEBOAT" --root "$R" recover image '$c' -o "$img" | tail -n 1)" "image path" &&
			expect_eq '$v' "$(blkid -p -o value -s TYPE "$img")" "filesystem" &&
			mount -t '$v' -o $(mount_opts '$v') "$img" "$W/mnt" &&
			tree_files "$W/mnt/rootfs" >files && tree_sha256 "$W/mnt/rootfs" >sums; rc=$?
			umount "$W/mnt"
			[ $rc = 0 ] && expect_file_same "$FX/'$c'.files" files && expect_file_same "$FX/'$c'.sha256" sums
		'
	done

	test_expect_success "$v: db's image, killed while writing, mounts with the files it synced" '
		img=$W/db.'$v'.img && "$LIFEBOAT" --root "$R" recover image db -o "$img" >/dev/null &&
		mount -t '$v' -o $(mount_opts '$v') "$img" "$W/mnt" &&
		(cd "$W/mnt/rootfs" && sha256sum -c "$FX/db.sha256"); rc=$?
		umount "$W/mnt"; exit $rc
	'

	test_expect_success "$v: no loop device is left attached" '
		! losetup -l -n | grep -q "$W/"
	'

	[ $v = ext4 ] && test_expect_success "ext4: ls asks device-mapper whether the pool is active; image warns if it is" '
		expect_eq false "$("$LIFEBOAT" --root "$R" recover ls --json | jq .pool.active)" "active before" &&
		"$LIFEBOAT" --root "$R" recover mount web >/dev/null &&
		active=$("$LIFEBOAT" --root "$R" recover ls --json | jq .pool.active) &&
		"$LIFEBOAT" --root "$R" recover image web -o "$W/live.img" 2>err >/dev/null; rc=$?
		"$LIFEBOAT" recover umount --all
		expect_eq true "$active" "active while mounted" && expect_eq 0 $rc "image exit code" &&
		grep -q "^lifeboat: .*-pool: warning: the pool is active" err
	'
	rm -rf "$W"/*.img "$R"
done
test_done
