#!/usr/bin/env bash
# recover mount --replay-cow: the journal of a container killed while writing
# is replayed into a throwaway copy-on-write layer (a transient dm-snapshot
# over the read-only thin device), so its latest committed state comes back
# while the pool stays byte-identical. The witness is the kernel replaying
# the same log on a plain copy of the device (recover image, a writable loop
# device): the files must come out the same. Teardown removes the snapshot,
# its loop device and its file, also after lifeboat was killed midway.
. "$(dirname "$0")/../lib.sh"
R=/var/lib/docker
. "$TOP/tests/vm/rescue-lib.sh"
W=$LB_SCRATCH/cow
mkdir -p "$W/plain" "$W/copy"

# db appends "entry N" lines; a replayed journal file holds them in order
# from 1, whole, but for a torn last line that is a prefix of the next one.
journal_in_order() { # FILE
	local n rest
	n=$(wc -l <"$1")
	head -n "$n" "$1" | awk '$0 != "entry " NR { print "line " NR ": " $0; bad = 1; exit } END { exit bad }' ||
		return 1
	rest=$(tail -n +$((n + 1)) "$1")
	case "entry $((n + 1))" in "$rest"*) ;; *) echo "torn tail: '$rest'"; return 1 ;; esac
}
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }

for v in xfs ext4; do
	FIXTURE=$("$TOP/tests/fixtures/ensure" $v)
	opts=ro
	[ $v = xfs ] && opts=ro,nouuid

	test_expect_success "$v: the crashed state is in place; the kernel replays db's log on a copy" '
		rm -rf '$R'/* && fixture_extract '$v' '$R' &&
		pool_fingerprint '$R' >'$W'/pool-before.'$v' &&
		"$LIFEBOAT" recover image db -o '$W'/db.'$v'.img >/dev/null &&
		dev=$(losetup -f --show '$W'/db.'$v'.img) &&
		mount -t '$v' -o '$opts' $dev '$W'/copy &&
		journal_in_order '$W'/copy/rootfs/data/db/journal &&
		cp '$W'/copy/rootfs/data/db/journal '$W'/journal.copy.'$v'; rc=$?
		umount '$W'/copy; losetup -d $dev; exit $rc
	'

	# The fixture froze db's filesystem (everything in place), then db
	# wrote and synced for seconds more: that part is only in the log.
	test_expect_success "$v: without replay db shows fewer journal entries than the replay" '
		"$LIFEBOAT" recover mount db '$W'/plain >/dev/null &&
		n0=$(lines '$W'/plain/rootfs/data/db/journal) &&
		"$LIFEBOAT" recover umount '$W'/plain && no_lifeboat_devices &&
		n1=$(wc -l <'$W'/journal.copy.'$v') && echo "without replay $n0, replayed $n1" &&
		[ "$n0" -lt "$n1" ]
	'

	test_expect_success "$v: --replay-cow mounts db read-only with the replayed journal, the same as the copy" '
		rootfs=$("$LIFEBOAT" recover mount --replay-cow db 2>warn | tail -n 1) &&
		expect_eq /run/lifeboat/mnt/db/rootfs "$rootfs" "rootfs path" &&
		grep -q "not written" warn &&
		grep -q " /run/lifeboat/mnt/db [a-z0-9]* ro," /proc/self/mounts &&
		(cd "$rootfs" && sha256sum -c "'$FIXTURE'/db.sha256") &&
		expect_file_same '$W'/journal.copy.'$v' "$rootfs/data/db/journal"
	'

	test_expect_success "$v: the layer is a transient snapshot of the read-only thin device; the pool stays read_only" '
		id=$(awk "\$1 == \"db\" {print \$2}" "'$FIXTURE'/devices.txt") &&
		thin=$("$LIFEBOAT" recover ls --json | jq -r ".containers[] | select(.name == \"db\") | .device_name") &&
		table=$(dmsetup table lifeboat-cow-$id) && echo "$table" &&
		thin_mm=$(dmsetup info -c --noheadings -o major,minor --separator : "$thin") &&
		case "$table" in "0 "*" snapshot $thin_mm "*" N 8") ;; *) exit 1 ;; esac &&
		dmsetup info "$thin" | grep -q "ACTIVE (READ-ONLY)" &&
		dmsetup table $(dmsetup ls --target thin-pool | awk "{print \$1}") | grep -q " read_only" &&
		[ -f /run/lifeboat/cow/$id.cow ] &&
		losetup -l -n -O BACK-FILE | grep -q "^/run/lifeboat/cow/$id.cow"
	'

	test_expect_success "$v: mounting again with --replay-cow is idempotent" '
		expect_eq /run/lifeboat/mnt/db/rootfs "$("$LIFEBOAT" -q recover mount --replay-cow db | tail -n 1)" rootfs &&
		expect_eq 1 "$(dmsetup ls --target snapshot | grep -c lifeboat-cow-)" "snapshots"
	'

	test_expect_success "$v: umount removes the snapshot, its loop device and its file" '
		"$LIFEBOAT" -v recover umount db 2>said && grep -q "removed copy-on-write file" said &&
		"$LIFEBOAT" recover umount --all && no_lifeboat_devices
	'

	test_expect_success "$v: the pool metadata and data are byte-identical after the replay" '
		pool_fingerprint '$R' >after && expect_file_same '$W'/pool-before.'$v' after
	'
done

# From here on the ext4 state is in place.
for stop in cow mount; do
	test_expect_success "kill -9 after the $stop step of --replay-cow, then umount --all leaves nothing" '
		(LIFEBOAT_TEST_KILL_AFTER='$stop' "$LIFEBOAT" recover mount --replay-cow db; echo "exit $?" >killed) ;
		grep -q "exit 137" killed && ls /run/lifeboat/cow/*.cow &&
		"$LIFEBOAT" recover umount --all && no_lifeboat_devices &&
		! ls /run/lifeboat/sessions/* 2>/dev/null
	'
done

test_expect_success '--replay-cow while the container is mounted without replay is refused (exit 4), nothing added' '
	"$LIFEBOAT" recover mount db >/dev/null &&
	expect_exit 4 "$LIFEBOAT" recover mount --replay-cow db '$W'/plain 2>err && grep -q "umount db" err &&
	! dmsetup ls | grep -q lifeboat-cow- && ! ls /run/lifeboat/cow/*.cow 2>/dev/null &&
	"$LIFEBOAT" recover umount --all && no_lifeboat_devices
'

test_expect_success '--cow-dir puts the layer there; --json says where and that the journal was replayed' '
	mkdir -p '$W'/layers &&
	"$LIFEBOAT" recover mount --json --replay-cow --cow-dir '$W'/layers db >out.json &&
	expect_eq replayed-into-cow "$(jq -r .journal out.json)" journal &&
	expect_eq true "$(jq -r .read_only out.json)" read_only &&
	f=$(jq -r .cow_file out.json) && case "$f" in '$W'/layers/*.cow) ;; *) exit 1 ;; esac && [ -f "$f" ] &&
	"$LIFEBOAT" recover umount --all && ! [ -e "$f" ] && no_lifeboat_devices
'

test_expect_success 'misuse: --replay-cow with --replay-log, or --cow-dir alone, is exit 2; a missing --cow-dir is exit 3' '
	expect_exit 2 "$LIFEBOAT" recover mount --replay-cow --replay-log db 2>err && grep -q exclude err &&
	expect_exit 2 "$LIFEBOAT" recover mount --cow-dir /tmp db &&
	expect_exit 3 "$LIFEBOAT" recover mount --replay-cow --cow-dir /nonexistent db 2>err &&
	grep -q /nonexistent err && no_lifeboat_devices
'

test_expect_success 'the pool is still byte-identical after the kills and misuse' '
	pool_fingerprint '$R' >after && expect_file_same '$W'/pool-before.ext4 after
'
test_done
