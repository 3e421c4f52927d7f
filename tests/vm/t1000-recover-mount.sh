#!/usr/bin/env bash
# recover mount/umount against the real dm-thin target, on crashed states a
# real Docker 20.10 left (xfs and ext4): the files come back as Docker knew
# them, nothing in the pool changes, and teardown removes exactly what
# lifeboat created, also after lifeboat was killed midway.
. "$(dirname "$0")/../lib.sh"
R=/var/lib/docker
. "$TOP/tests/vm/rescue-lib.sh"

for v in xfs ext4; do
	test_expect_success "$v: the crashed Docker state is in place" '
		rm -rf '$R'/* && fixture_extract '$v' '$R' &&
		pool_fingerprint '$R' >'$LB_SCRATCH'/pool-before.'$v'
	'
	FIXTURE=$("$TOP/tests/fixtures/ensure" $v)

	for c in web batch created; do
		test_expect_success "$v: $c mounts read-only with exactly the files Docker exported" '
			out=$("$LIFEBOAT" recover mount '$c') &&
			rootfs=$(printf "%s\n" "$out" | tail -n 1) &&
			expect_eq /run/lifeboat/mnt/'$c'/rootfs "$rootfs" "rootfs path" &&
			grep -q " /run/lifeboat/mnt/'$c' [a-z0-9]* ro," /proc/self/mounts &&
			tree_files "$rootfs" >files && expect_file_same "'$FIXTURE'/'$c'.files" files &&
			tree_sha256 "$rootfs" >sums && expect_file_same "'$FIXTURE'/'$c'.sha256" sums
		'
	done

	test_expect_success "$v: db, killed while writing, shows the files it synced before the crash" '
		rootfs=$("$LIFEBOAT" recover mount db | tail -n 1) &&
		(cd "$rootfs" && sha256sum -c "'$FIXTURE'/db.sha256")
	'

	test_expect_success "$v: deleted files are absent, changed files have the new content" '
		! [ -e /run/lifeboat/mnt/web/rootfs/etc/removeme ] &&
		! [ -e /run/lifeboat/mnt/batch/rootfs/data/out/r13.txt ] &&
		! [ -e /run/lifeboat/mnt/batch/rootfs/var/log/base.log ] &&
		expect_eq "changed by web" "$(cat /run/lifeboat/mnt/web/rootfs/etc/motd)" motd &&
		expect_eq "welcome to the image" "$(cat /run/lifeboat/mnt/created/rootfs/etc/motd)" "image motd"
	'

	test_expect_success "$v: the pool is one read-only pool over one read-only loop device per file" '
		pool=$(dmsetup ls --target thin-pool | awk "{print \$1}") &&
		expect_eq 1 "$(printf "%s\n" "$pool" | grep -c .)" "number of pools" &&
		dmsetup table "$pool" | grep -q " read_only" &&
		dmsetup table "$pool" | grep -q no_discard_passdown &&
		expect_eq 1 "$(losetup -l -n -O BACK-FILE | grep -c "devicemapper/data$")" "loops over data" &&
		expect_eq 1 "$(losetup -l -n -O BACK-FILE | grep -c "devicemapper/metadata$")" "loops over metadata" &&
		losetup -l -n -O RO,BACK-FILE | grep devicemapper | while read -r ro f; do expect_eq 1 "$ro" "read-only flag of $f" || exit 1; done
	'

	test_expect_success "$v: mounting again is idempotent" '
		expect_eq /run/lifeboat/mnt/web/rootfs "$("$LIFEBOAT" recover mount web | tail -n 1)" rootfs
	'

	test_expect_success "$v: umount of one container leaves the others and the shared pool" '
		"$LIFEBOAT" recover umount web &&
		! grep -q " /run/lifeboat/mnt/web " /proc/self/mounts &&
		grep -q " /run/lifeboat/mnt/db " /proc/self/mounts &&
		dmsetup ls --target thin-pool | grep -q pool
	'

	test_expect_success "$v: umount --all removes every device lifeboat created" '
		"$LIFEBOAT" recover umount --all && no_lifeboat_devices
	'

	test_expect_success "$v: the pool metadata and data are byte-identical after all of it" '
		pool_fingerprint '$R' >after && expect_file_same '$LB_SCRATCH'/pool-before.'$v' after
	'
done

# From here on the ext4 state is in place.
test_expect_success 'devices that existed before are untouched by umount --all' '
	truncate -s 64M '$LB_SCRATCH'/other.img && other=$(losetup -f --show '$LB_SCRATCH'/other.img) &&
	dmsetup create bystander --table "0 131072 linear $other 0" &&
	"$LIFEBOAT" recover mount web >/dev/null && "$LIFEBOAT" recover umount --all &&
	dmsetup info bystander >/dev/null && losetup -l | grep -q other.img &&
	dmsetup remove bystander && losetup -d $other && no_lifeboat_devices
'

test_expect_success 'an active pool and attached loop files are reused, never doubled, and left as found' '
	meta=$(losetup -f --show -r '$R'/devicemapper/devicemapper/metadata) &&
	data=$(losetup -f --show -r '$R'/devicemapper/devicemapper/data) &&
	"$LIFEBOAT" recover mount batch >/dev/null &&
	expect_eq 1 "$(losetup -l -n -O BACK-FILE | grep -c "devicemapper/data$")" "loops over data" &&
	pool=$(dmsetup ls --target thin-pool | awk "{print \$1}") &&
	"$LIFEBOAT" recover umount --all && no_pool=$(dmsetup ls --target thin-pool) &&
	losetup -l | grep -q "$meta" && losetup -l | grep -q "$data" &&
	dmsetup create "$pool" --table "0 $(blockdev --getsz $data) thin-pool $meta $data 128 32768 1 read_only" &&
	"$LIFEBOAT" recover mount batch >/dev/null &&
	expect_eq 1 "$(dmsetup ls --target thin-pool | grep -c .)" "number of pools" &&
	"$LIFEBOAT" recover umount --all &&
	dmsetup info "$pool" >/dev/null &&
	dmsetup remove "$pool" && losetup -d $meta $data && no_lifeboat_devices
'

for stop in loop pool thin mount; do
	test_expect_success "kill -9 after the $stop step, then umount --all leaves nothing" '
		(LIFEBOAT_TEST_KILL_AFTER='$stop' "$LIFEBOAT" recover mount db; echo "exit $?" >killed) ;
		grep -q "exit 137" killed &&
		"$LIFEBOAT" recover umount --all && no_lifeboat_devices &&
		! ls /run/lifeboat/sessions/* 2>/dev/null
	'
done

test_expect_success '--replay-log says it writes, mounts read-write, and is torn down like the rest' '
	pool_fingerprint '$R' >before &&
	rootfs=$("$LIFEBOAT" recover mount --replay-log db 2>warn | tail -n 1) &&
	grep -q "writ" warn && grep -q "replay" warn &&
	grep -q " /run/lifeboat/mnt/db [a-z0-9]* rw," /proc/self/mounts &&
	(cd "$rootfs" && sha256sum -c "'$FIXTURE'/db.sha256") && [ -s "$rootfs/data/db/journal" ] &&
	"$LIFEBOAT" recover umount --all && no_lifeboat_devices &&
	pool_fingerprint '$R' >after && ! cmp -s before after
'

test_expect_success 'bad input: unknown container is exit 3 and names it' '
	expect_exit 3 "$LIFEBOAT" recover mount nosuch 2>err && grep -q nosuch err && no_lifeboat_devices
'

test_expect_success 'bad input: a device Docker marked deleted is refused (exit 4) unless --force' '
	id=$(ls '$R'/image/devicemapper/layerdb/mounts | head -n 1) &&
	hash=$(cat '$R'/image/devicemapper/layerdb/mounts/$id/mount-id) &&
	cp '$R'/devicemapper/metadata/$hash '$LB_SCRATCH'/saved.json &&
	sed -i "s/\"deleted\":false/\"deleted\":true/" '$R'/devicemapper/metadata/$hash &&
	grep -q "\"deleted\":true" '$R'/devicemapper/metadata/$hash &&
	expect_exit 4 "$LIFEBOAT" recover mount $id 2>err && grep -q deleted err && no_lifeboat_devices &&
	"$LIFEBOAT" recover mount --force $id >/dev/null && "$LIFEBOAT" recover umount --all &&
	cp '$LB_SCRATCH'/saved.json '$R'/devicemapper/metadata/$hash
'

test_expect_success 'bad input: a missing data file is exit 3 naming it' '
	mv '$R'/devicemapper/devicemapper/data '$LB_SCRATCH'/data.saved &&
	expect_exit 3 "$LIFEBOAT" recover mount web 2>err; rc=$?;
	mv '$LB_SCRATCH'/data.saved '$R'/devicemapper/devicemapper/data &&
	[ $rc = 0 ] && grep -q "devicemapper/data" err && no_lifeboat_devices
'

test_expect_success 'bad input: a metadata checksum error is exit 5 naming the block' '
	cp '$R'/devicemapper/devicemapper/metadata '$LB_SCRATCH'/meta.saved &&
	printf "\xff" | dd of='$R'/devicemapper/devicemapper/metadata bs=1 seek=100 conv=notrunc 2>/dev/null &&
	expect_exit 5 "$LIFEBOAT" recover mount web 2>err; rc=$?;
	cp '$LB_SCRATCH'/meta.saved '$R'/devicemapper/devicemapper/metadata &&
	[ $rc = 0 ] && grep -q "block 0" err && no_lifeboat_devices
'

test_expect_success 'bad input: a corrupt config.v2.json does not stop a rescue by id, nor hurt the file' '
	cfg=$(ls '$R'/containers/*/config.v2.json | head -n 1) && id=$(basename $(dirname $cfg)) &&
	cp $cfg '$LB_SCRATCH'/cfg.saved && echo "{not json" >$cfg && cp $cfg broken &&
	rootfs=$("$LIFEBOAT" recover mount $id | tail -n 1) && [ -d "$rootfs/etc" ] &&
	"$LIFEBOAT" recover umount --all && expect_file_same broken $cfg &&
	cp '$LB_SCRATCH'/cfg.saved $cfg && no_lifeboat_devices
'

test_expect_success 'a mount that fails after activating takes back what it created, and only that' '
	mkdir -p '$LB_SCRATCH'/busy && mount -t tmpfs busy '$LB_SCRATCH'/busy &&
	expect_exit 4 "$LIFEBOAT" recover mount web '$LB_SCRATCH'/busy 2>err; rc=$?
	cat err && [ $rc = 0 ] && grep -q "something else" err && no_lifeboat_devices &&
	! ls /run/lifeboat/sessions/* 2>/dev/null &&
	rootfs=$("$LIFEBOAT" recover mount web | tail -n 1) &&
	expect_exit 4 "$LIFEBOAT" recover mount web '$LB_SCRATCH'/busy 2>err &&
	expect_eq "changed by web" "$(cat "$rootfs/etc/motd")" "web still mounted" &&
	"$LIFEBOAT" recover umount --all && no_lifeboat_devices; rc=$?
	umount '$LB_SCRATCH'/busy; exit $rc
'

test_expect_success 'bad input: unknown container in umount is exit 3; no session is not an error for --all' '
	expect_exit 3 "$LIFEBOAT" recover umount nosuch 2>err && grep -q nosuch err &&
	"$LIFEBOAT" recover umount --all
'
test_done
