#!/usr/bin/env bash
# recover mount on a direct-lvm style host: Docker's pool is a device it was
# given (dm.thinpooldev, or --pool-dev), active under its own name. lifeboat
# uses that pool as it is, never creates Docker's loop-lvm pool beside it,
# and leaves it active when it tears down. An inactive one is exit 3 with
# the step that activates it. (The pool here is the crashed fixture's own
# metadata and data, activated by hand under an LVM-like name.)
. "$(dirname "$0")/../lib.sh"
R=/var/lib/docker
. "$TOP/tests/vm/rescue-lib.sh"
W=$LB_SCRATCH/thinpooldev
mkdir -p "$W"
POOL=docker-thinpool

test_expect_success 'setup: the crashed xfs state, its pool active by hand as docker-thinpool' '
	rm -rf '$R'/* && fixture_extract xfs '$R' &&
	pool_fingerprint '$R' >'$W'/pool-before &&
	meta=$(losetup -f --show -r '$R'/devicemapper/devicemapper/metadata) &&
	data=$(losetup -f --show -r '$R'/devicemapper/devicemapper/data) &&
	echo "$meta $data" >'$W'/loops &&
	dmsetup create '$POOL' --table "0 $(blockdev --getsz $data) thin-pool $meta $data 128 32768 1 read_only" &&
	printf "{\"storage-driver\": \"devicemapper\", \"storage-opts\": [\"dm.thinpooldev=/dev/mapper/'$POOL'\"]}\n" >'$W'/daemon.json
'
FX=$("$TOP/tests/fixtures/ensure" xfs)

test_expect_success 'ls names the thinpooldev pool and leaves IN-POOL unknown' '
	"$LIFEBOAT" recover ls --daemon-json '$W'/daemon.json --json >ls.json &&
	expect_eq '$POOL' "$(jq -r .pool.name ls.json)" "pool name" &&
	expect_eq thinpooldev "$(jq -r .pool.kind ls.json)" "pool kind" &&
	expect_eq null "$(jq -r ".containers[] | select(.name == \"web\") | .in_pool" ls.json)" in_pool
'

test_expect_success 'mount uses the active pool it was given; no second pool appears' '
	rootfs=$("$LIFEBOAT" recover mount --daemon-json '$W'/daemon.json web | tail -n 1) &&
	tree_files "$rootfs" >files && expect_file_same "$FX/web.files" files &&
	tree_sha256 "$rootfs" >sums && expect_file_same "$FX/web.sha256" sums &&
	expect_eq '$POOL' "$(dmsetup ls --target thin-pool | awk "{print \$1}")" "the only pool" &&
	pool_mm=$(dmsetup info -c --noheadings -o major,minor --separator : '$POOL') &&
	thin=$(dmsetup ls --target thin | awk "{print \$1}") &&
	case "$(dmsetup table "$thin")" in *" thin $pool_mm "*) ;; *) dmsetup table "$thin"; exit 1 ;; esac
'

test_expect_success 'umount --all removes the thin device and leaves the given pool and its loops' '
	"$LIFEBOAT" recover umount --all &&
	! dmsetup ls --target thin | grep -q . &&
	dmsetup info '$POOL' >/dev/null &&
	for l in $(cat '$W'/loops); do losetup "$l" >/dev/null || exit 1; done
'

test_expect_success '--pool-dev picks the pool over the loop-lvm daemon.json' '
	cp "$FX/daemon.json" '$W'/loop-daemon.json &&
	rootfs=$("$LIFEBOAT" recover mount --daemon-json '$W'/loop-daemon.json --pool-dev '$POOL' batch | tail -n 1) &&
	tree_sha256 "$rootfs" >sums && expect_file_same "$FX/batch.sha256" sums &&
	expect_eq 1 "$(dmsetup ls --target thin-pool | grep -c .)" "pools" &&
	"$LIFEBOAT" recover umount --all && dmsetup info '$POOL' >/dev/null
'

test_expect_success 'an inactive thinpooldev pool is exit 3 naming it and the step that activates it' '
	dmsetup remove '$POOL' &&
	expect_exit 3 "$LIFEBOAT" recover mount --daemon-json '$W'/daemon.json web 2>err &&
	cat err && grep -q '$POOL' err && grep -q "lvchange -ay" err &&
	! dmsetup info -c --noheadings -o uuid 2>/dev/null | grep -q LIFEBOAT- &&
	! dmsetup ls --target thin-pool | grep -q pool && ! ls /run/lifeboat/sessions/* 2>/dev/null
'

test_expect_success 'teardown: the pool files are byte-identical' '
	losetup -d $(cat '$W'/loops) &&
	pool_fingerprint '$R' >after && expect_file_same '$W'/pool-before after
'
test_done
