#!/usr/bin/env bash
# The test world itself: a real dm-thin pool over real loop devices in the
# guest kernel, a thin device with a real filesystem, and a clean teardown.
. "$(dirname "$0")/../lib.sh"
test_require "running inside the test VM (tests/vm/boot)" '[ -n "${LB_IN_VM:-}" ]'
test_require "device-mapper in the guest kernel" '[ -e /dev/mapper/control ]'
test_require "dmsetup (Debian package dmsetup) as a witness" 'command -v dmsetup'

W=$LB_SCRATCH/thin-basics
mkdir -p $W

test_expect_success 'loop devices attach over sparse data and metadata files' '
	truncate -s 256M $W/data && truncate -s 16M $W/meta &&
	losetup -f --show $W/data >$W/data.loop && losetup -f --show $W/meta >$W/meta.loop &&
	losetup -l | grep -q "$W/data" && losetup -l | grep -q "$W/meta"
'

test_expect_success 'a thin-pool target is created over them' '
	dd if=/dev/zero of=$(cat $W/meta.loop) bs=4096 count=1 conv=fsync 2>/dev/null &&
	dmsetup create lbt-pool --table "0 $((256*2048)) thin-pool $(cat $W/meta.loop) $(cat $W/data.loop) 128 32768 1 skip_block_zeroing" &&
	dmsetup status lbt-pool | grep -q " thin-pool 0 " &&
	dmsetup table lbt-pool | grep -q "thin-pool"
'

test_expect_success 'a thin device is created and activated' '
	dmsetup message lbt-pool 0 "create_thin 7" &&
	dmsetup create lbt-thin7 --table "0 $((512*2048)) thin /dev/mapper/lbt-pool 7" &&
	[ -b /dev/mapper/lbt-thin7 ] &&
	expect_eq $((512*1024*1024)) "$(blockdev --getsize64 /dev/mapper/lbt-thin7)" "thin device size"
'

test_expect_success 'xfs is made, mounted, written and read back' '
	mkfs.xfs -q /dev/mapper/lbt-thin7 && mkdir -p $W/mnt &&
	mount /dev/mapper/lbt-thin7 $W/mnt &&
	echo "hello from dm-thin" >$W/mnt/hello && sync &&
	umount $W/mnt && mount -o ro /dev/mapper/lbt-thin7 $W/mnt &&
	expect_eq "hello from dm-thin" "$(cat $W/mnt/hello)" "file content" &&
	umount $W/mnt
'

test_expect_success 'the pool reports mapped blocks for the thin device' '
	used=$(dmsetup status lbt-thin7 | awk "{print \$4}") &&
	[ "$used" -gt 0 ] || { echo "thin device reports $used mapped sectors"; false; }
'

test_expect_success 'teardown removes the thin device, the pool and the loop devices' '
	dmsetup remove lbt-thin7 && dmsetup remove lbt-pool &&
	losetup -d $(cat $W/data.loop) && losetup -d $(cat $W/meta.loop) &&
	! dmsetup info lbt-pool 2>/dev/null &&
	! losetup -l | grep -q "$W/"
'

test_expect_success 'thin_check accepts the metadata the kernel wrote' '
	thin_check $W/meta
'
test_done
