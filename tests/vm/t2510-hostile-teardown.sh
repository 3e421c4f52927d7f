#!/usr/bin/env bash
# Teardown acts only on what carries lifeboat's mark, and a hostile data root
# cannot make a mount or a rollback reach outside lifeboat's directories, with
# the real kernel (one boot): forged journal lines under /run/lifeboat naming
# someone else's dm device, mount, directory or file are reported
# (journal:line) and skipped by `recover umount --all`, which still tears down
# the real session and exits 4; a hostile dm.thinpooldev or container name is
# refused before anything is created; a relative DIR is mounted and unmounted
# at its canonical path; lifeboat's own directories and a --cow-dir must be
# private. A sentinel tree outside the data root stays byte-identical, and
# /proc/self/mounts shows no mount outside /run/lifeboat that was not there.
. "$(dirname "$0")/../lib.sh"
R=/var/lib/docker
. "$TOP/tests/vm/rescue-lib.sh"
. "$TOP/tests/hostile/sentinel-tree.sh"
W=$LB_SCRATCH/hostile
S=$LB_SCRATCH/sentinel
mkdir -p "$W"
FAKE=$(printf 'f0%.0s' $(seq 32)) # a session id no container has
J=/run/lifeboat/sessions/$FAKE
FIXTURE=$("$TOP/tests/fixtures/ensure" ext4)
WEB_ID=$(awk '$1 == "web" {print $2}' "$FIXTURE/devices.txt")

# Mount points outside lifeboat's own directory, as the kernel lists them.
mounts_outside() { awk '$2 !~ "^/run/lifeboat(/|$)" {print $2}' /proc/self/mounts | LC_ALL=C sort; }
# Each piece of the forged journal line, and the reason it is refused.
said() { # FILE PATTERN...
	local f=$1 p
	shift
	for p in "$@"; do grep -q -- "$p" "$f" || { echo "missing from the report: $p"; return 1; }; done
}

test_expect_success 'setup: the crashed ext4 state; a sentinel tree, a dm device and a mount that are not lifeboat'"'"'s' '
	rm -rf '$R'/* && fixture_extract ext4 '$R' && pool_fingerprint '$R' >'$W'/pool-before &&
	sentinel_make '$S' && sentinel_print '$S' >'$W'/sentinel-before &&
	dmsetup create victim --uuid VICTIM-UUID --table "0 2048 error" &&
	mkdir -p '$W'/victim-mnt && mount -t tmpfs victim '$W'/victim-mnt && echo alive >'$W'/victim-mnt/alive &&
	mounts_outside >'$W'/mounts-before
'

test_expect_success 'forged journal lines are reported as journal:line and skipped; umount --all tears down the real session, exits 4, the victims live' '
	"$LIFEBOAT" recover mount web >/dev/null &&
	mm=$(mountpoint -d '$W'/victim-mnt) &&
	mkdir -p /run/lifeboat/mnt/intruder && mount -t tmpfs intruder /run/lifeboat/mnt/intruder &&
	printf "%s\t%s\t%s\n" \
		session '$FAKE' forged \
		dm victim VICTIM-UUID \
		dm victim LIFEBOAT-THIN-victim \
		mount '$W'/victim-mnt "$mm" \
		mount /run/lifeboat/mnt/../../..'$W'/victim-mnt "$mm" \
		mount /run/lifeboat/mnt/intruder 253:99 \
		mkdir '$S'/empty "" \
		file '$S'/data/precious "" \
		pool ../../../..'$S'/etc/shadow /run/lifeboat/pools/../../../..'$S'/etc/shadow >'$J' &&
	echo "not a journal line" >>'$J' &&
	printf "dm\tvictim\tLIFEBOAT-POOL-victim\n" >/run/lifeboat/pools/victim &&
	expect_exit 4 "$LIFEBOAT" recover umount --all 2>err; rc=$?; cat err; [ $rc = 0 ] &&
	said err "'$J':2: device victim: uuid .VICTIM-UUID. is not lifeboat.s" \
		"'$J':3: device-mapper device victim has uuid .VICTIM-UUID., not .LIFEBOAT-THIN-victim.: not lifeboat.s; skipped" \
		"'$J':4: '$W'/victim-mnt is outside /run/lifeboat and device $mm is not one lifeboat created; skipped" \
		"'$J':5: mount ./run/lifeboat/mnt/../../..'$W'/victim-mnt. is not a canonical path" \
		"'$J':6: /run/lifeboat/mnt/intruder holds device [0-9]*:[0-9]*, not 253:99" \
		"'$J':7: directory '$S'/empty is not one lifeboat makes to mount on" \
		"'$J':8: file '$S'/data/precious is not '$FAKE'.cow" \
		"'$J':9: pool .\.\./\.\./\.\./\.\.'$S'/etc/shadow." \
		"'$J':10: not a journal line" \
		"/run/lifeboat/pools/victim:1: device-mapper device victim has uuid .VICTIM-UUID." \
		"'$J': 9 lines named something that is not lifeboat.s and were skipped" &&
	dmsetup info victim | grep -q "UUID: VICTIM-UUID" &&
	expect_eq alive "$(cat '$W'/victim-mnt/alive)" "the victim mount" &&
	mountpoint -q /run/lifeboat/mnt/intruder &&
	[ -f '$J' ] && [ -f /run/lifeboat/pools/victim ] &&
	! grep -q " /run/lifeboat/mnt/web " /proc/self/mounts &&
	! dmsetup info -c --noheadings -o uuid | grep -q LIFEBOAT- &&
	sentinel_same '$S' '$W'/sentinel-before
'

test_expect_success 'the forged journals stay until removed by hand; then umount --all is clean (exit 0)' '
	expect_exit 4 "$LIFEBOAT" recover umount --all 2>/dev/null &&
	umount /run/lifeboat/mnt/intruder && rmdir /run/lifeboat/mnt/intruder &&
	rm '$J' /run/lifeboat/pools/victim && "$LIFEBOAT" recover umount --all &&
	dmsetup info victim >/dev/null && mountpoint -q '$W'/victim-mnt && no_lifeboat_devices
'

test_expect_success 'a dm.thinpooldev of /dev/mapper/../../../..<sentinel>/etc/shadow fails the mount (exit 5) and unlinks nothing' '
	printf "{\"storage-driver\": \"devicemapper\", \"storage-opts\": [\"dm.thinpooldev=/dev/mapper/../../../..%s/etc/shadow\"]}\n" '$S' >'$W'/hostile.json &&
	expect_exit 5 "$LIFEBOAT" recover mount --daemon-json '$W'/hostile.json web 2>err; rc=$?; cat err; [ $rc = 0 ] &&
	grep -q "\.\./\.\./\.\./\.\.'$S'/etc/shadow" err &&
	expect_exit 5 "$LIFEBOAT" recover mount --pool-dev ../../../..'$S'/etc/shadow web 2>/dev/null &&
	[ -f '$S'/etc/shadow ] && sentinel_same '$S' '$W'/sentinel-before &&
	no_lifeboat_devices && ! ls /run/lifeboat/sessions/* /run/lifeboat/pools/* 2>/dev/null
'

test_expect_success 'a container named /../../../../../../etc is never mounted outside /run/lifeboat/mnt (DIR omitted)' '
	twin=${WEB_ID:0:60}eeee &&
	cp -a '$R'/containers/'$WEB_ID' '$R'/containers/$twin &&
	cp -a '$R'/image/devicemapper/layerdb/mounts/'$WEB_ID' '$R'/image/devicemapper/layerdb/mounts/$twin &&
	sed -i "s/'$WEB_ID'/$twin/g; s|\"Name\":\"/web\"|\"Name\":\"/../../../../../../etc\"|" '$R'/containers/$twin/config.v2.json &&
	grep -q "\"Name\":\"/../../../../../../etc\"" '$R'/containers/$twin/config.v2.json &&
	"$LIFEBOAT" recover mount $twin 2>err; rc=$?; cat err
	rm -rf '$R'/containers/$twin '$R'/image/devicemapper/layerdb/mounts/$twin
	# 4: refused here; 5: refused already where Docker'"'"'s files are parsed.
	case $rc in 4|5) ;; *) echo "exit $rc"; exit 1 ;; esac &&
	! mountpoint -q /etc && mounts_outside >now && expect_file_same '$W'/mounts-before now &&
	no_lifeboat_devices && ! ls /run/lifeboat/sessions/* 2>/dev/null
'

test_expect_success 'a relative, unnormalized DIR is mounted at its canonical path, found mounted again, and unmounted by it' '
	mkdir -p '$W'/rel && cd '$W' &&
	expect_eq '$W'/rel/rootfs "$("$LIFEBOAT" recover mount web ./rel/../rel/ | tail -n 1)" rootfs &&
	grep -q " '$W'/rel ext4 ro," /proc/self/mounts &&
	"$LIFEBOAT" -v recover mount web rel 2>said >/dev/null && grep -q "already mounted" said &&
	expect_eq 1 "$(grep -c " '$W'/rel " /proc/self/mounts)" "mounts at rel" &&
	"$LIFEBOAT" recover umount ./rel/../rel/rootfs/ &&
	! grep -q " '$W'/rel " /proc/self/mounts && no_lifeboat_devices && [ -d '$W'/rel ]
'

test_expect_success 'lifeboat'"'"'s own directories must be private: a symlinked /run/lifeboat/pools is refused (exit 4) by mount and umount' '
	rm -rf /run/lifeboat/pools && ln -s '$S'/data /run/lifeboat/pools &&
	expect_exit 4 "$LIFEBOAT" recover mount web 2>err; rc1=$?
	expect_exit 4 "$LIFEBOAT" recover umount --all 2>err2; rc2=$?
	cat err err2; rm /run/lifeboat/pools
	[ $rc1 = 0 ] && [ $rc2 = 0 ] && grep -q "/run/lifeboat/pools: a symlink, not followed" err &&
	grep -q "/run/lifeboat/pools" err2 && no_lifeboat_devices && ! ls /run/lifeboat/sessions/* 2>/dev/null &&
	sentinel_same '$S' '$W'/sentinel-before
'

test_expect_success 'a --cow-dir others can write is refused; a planted <id>.cow symlink is never opened (exit 4)' '
	mkdir -m 0777 '$W'/pubcow && mkdir -m 0700 '$W'/privcow &&
	expect_exit 4 "$LIFEBOAT" recover mount --replay-cow --cow-dir '$W'/pubcow web 2>err &&
	grep -q "'$W'/pubcow (--cow-dir): others can write there" err && no_lifeboat_devices &&
	ln -s '$S'/data/precious '$W'/privcow/'$WEB_ID'.cow &&
	expect_exit 4 "$LIFEBOAT" recover mount --replay-cow --cow-dir '$W'/privcow web 2>err &&
	grep -q "'$WEB_ID'.cow: exists; not reusing it" err && [ -L '$W'/privcow/'$WEB_ID'.cow ] &&
	no_lifeboat_devices && ! ls /run/lifeboat/sessions/* 2>/dev/null &&
	sentinel_same '$S' '$W'/sentinel-before
'

test_expect_success 'after all of it: the sentinel tree, the mounts outside /run/lifeboat and the pool files are as they were' '
	sentinel_same '$S' '$W'/sentinel-before &&
	mounts_outside >now && expect_file_same '$W'/mounts-before now &&
	pool_fingerprint '$R' >after && expect_file_same '$W'/pool-before after &&
	dmsetup remove victim && umount '$W'/victim-mnt && no_lifeboat_devices
'
test_done
