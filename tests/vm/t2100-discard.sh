#!/usr/bin/env bash
# recover discard status|off against the real dm-thin target: a live pool
# goes to no_discard_passdown with every other table argument unchanged while
# its devices stay readable; ignore_discard by re-creating an unused pool;
# remounts without discard; daemon.json --persist; the refusals; the runbook.
. "$(dirname "$0")/../lib.sh"
test_require "running inside the test VM (tests/vm/boot)" '[ -n "${LB_IN_VM:-}" ]'
test_require "device-mapper in the guest kernel" '[ -e /dev/mapper/control ]'
test_require "dmsetup, losetup and jq as witnesses" 'command -v dmsetup && command -v losetup && command -v jq'

W=$LB_SCRATCH/discard
P=lbd-pool
O=lbd-other
DJ=$W/daemon.json
mkdir -p $W/m1 $W/m2 $W/m3

# A pool over fresh loop files: NAME SIZE_MiB, passdown (loop devices discard).
make_pool() {
	truncate -s $2M $W/$1.data && truncate -s 16M $W/$1.meta &&
	local d m
	d=$(losetup -f --show $W/$1.data) && m=$(losetup -f --show $W/$1.meta) &&
	dd if=/dev/zero of=$m bs=4096 count=1 conv=fsync 2>/dev/null &&
	dmsetup create $1 --table "0 $(($2 * 2048)) thin-pool $m $d 128 32768 1 skip_block_zeroing"
}
# A thin device: POOL ID NAME (512 MiB).
make_thin() {
	dmsetup message $1 0 "create_thin $2" &&
	dmsetup create $3 --table "0 1048576 thin /dev/mapper/$1 $2"
}
table() { dmsetup table "$1"; }
discard_field() { dmsetup status "$1" | awk '{print $(NF-3)}'; }
mount_opts() { awk -v d="$1" '$2 == d {print $4}' /proc/mounts; }

test_expect_success 'set-up: a passdown pool with an xfs and an ext4 thin device mounted -o discard' '
	make_pool $P 2048 && make_thin $P 1 lbd-thin1 && make_thin $P 2 lbd-thin2 &&
	mkfs.xfs -q /dev/mapper/lbd-thin1 && mkfs.ext4 -q /dev/mapper/lbd-thin2 &&
	mount -o discard /dev/mapper/lbd-thin1 $W/m1 &&
	mount -o discard,nosuid,nodev /dev/mapper/lbd-thin2 $W/m2 &&
	head -c 16M /dev/urandom >$W/m1/big && head -c 16M /dev/urandom >$W/m2/big && sync &&
	(cd $W && sha256sum m1/big m2/big >$W/sums) &&
	make_pool $O 256 &&
	expect_eq discard_passdown "$(discard_field $P)" "kernel discard field"
'

test_expect_success 'status --json: modes from table and status line, discard mounts, kernel, daemon.json' '
	"$LIFEBOAT" recover discard status --json --daemon-json $W/none.json >st.json &&
	expect_eq passdown "$(jq -r ".pools[] | select(.name==\"$P\") | .table_discard" st.json)" table &&
	expect_eq passdown "$(jq -r ".pools[] | select(.name==\"$P\") | .status_discard" st.json)" status &&
	expect_eq 2 "$(jq ".pools[] | select(.name==\"$P\") | .thin_devices | length" st.json)" thins &&
	expect_eq 2 "$(jq "[.pools[] | select(.name==\"$P\") | .mounts[] | select(.discard)] | length" st.json)" "discard mounts" &&
	expect_eq "$(uname -r)" "$(jq -r .kernel.release st.json)" release &&
	expect_eq false "$(jq -r .kernel.affected st.json)" "6.x affected" &&
	expect_eq true "$(jq -r .daemon_json.blkdiscard st.json)" "Docker default blkdiscard" &&
	"$LIFEBOAT" recover discard status --daemon-json $W/none.json >st.txt &&
	grep -q "^pool $P: discard passdown (table), passdown (status), 2 active" st.txt &&
	grep -q "mounted with discard: $W/m2 (ext4 on lbd-thin2)" st.txt
'

test_expect_success 'off: unknown pool is exit 3, naming the active ones; no --pool/--all is exit 2' '
	expect_exit 3 "$LIFEBOAT" recover discard off --pool nosuchpool 2>err && grep -q "nosuchpool" err &&
	grep -q "$P" err && expect_exit 2 "$LIFEBOAT" recover discard off
'

test_expect_success 'off --dry-run prints the plan and changes nothing' '
	table $P >before && "$LIFEBOAT" recover discard off --pool $P --dry-run >plan &&
	grep -q "would: suspend $P" plan && grep -q "no_discard_passdown" plan &&
	grep -q "would: remount $W/m2" plan &&
	table $P >after && expect_file_same before after && mount_opts $W/m2 | grep -q discard
'

test_expect_success 'off on a live pool: no_discard_passdown, every other argument identical, readable throughout' '
	table $P >$W/table.before &&
	( n=0; while [ ! -e $W/stop ]; do
		dd if=$W/m2/big of=/dev/null bs=1M iflag=direct 2>/dev/null || echo fail >>$W/reader.err
		dd if=/dev/mapper/lbd-thin1 of=/dev/null bs=1M count=8 iflag=direct 2>/dev/null || echo fail >>$W/reader.err
		n=$((n + 1)); echo $n >$W/reader.count; done ) &
	reader=$!
	sleep 1; "$LIFEBOAT" recover discard off --pool $P >out 2>err; rc=$?
	sleep 1; touch $W/stop; wait $reader
	cat out err
	expect_eq 1 $rc "exit (xfs keeps discard)" &&
	! [ -e $W/reader.err ] && [ "$(cat $W/reader.count)" -gt 2 ] &&
	sed "s/ 1 skip_block_zeroing / 2 skip_block_zeroing no_discard_passdown /" $W/table.before >want &&
	table $P >got && expect_file_same want got &&
	expect_eq no_discard_passdown "$(discard_field $P)" "kernel discard field" &&
	(cd $W && sha256sum -c sums)
'

test_expect_success 'off remounted ext4 without discard (flags kept); xfs kept it and was reported' '
	opts=$(mount_opts $W/m2) && echo "$opts" &&
	! echo "$opts" | grep -qw discard && echo "$opts" | grep -qw nosuid && echo "$opts" | grep -qw nodev &&
	mount_opts $W/m1 | grep -qw discard &&
	"$LIFEBOAT" recover discard off --pool $P 2>err; grep -q "$W/m1: xfs kept .discard." err
'

test_expect_success 'a pool suspended by someone else is refused (exit 4) and left suspended' '
	table $O >before && dmsetup suspend $O &&
	expect_exit 4 "$LIFEBOAT" recover discard off --pool $O 2>err && grep -q suspended err &&
	dmsetup info $O | grep -q SUSPENDED && table $O >after && expect_file_same before after &&
	dmsetup resume $O
'

for kind in suspend reload; do
	test_expect_success "a $kind that fails leaves the pool as it was, not suspended" '
		table $O >before &&
		LIFEBOAT_TEST_FAIL_STEP='$kind' "$LIFEBOAT" recover discard off --pool $O 2>err; rc=$?
		cat err; expect_eq 1 $rc exit && grep -q "as it was\|unchanged" err &&
		dmsetup info $O | grep -q ACTIVE && ! dmsetup info $O | grep -q SUSPENDED &&
		table $O >after && expect_file_same before after &&
		expect_eq discard_passdown "$(discard_field $O)" "discard field"
	'
done

test_expect_success '--ignore is refused (exit 4) while thin devices are mounted, naming them' '
	table $P >before &&
	expect_exit 4 "$LIFEBOAT" recover discard off --pool $P --ignore 2>err && cat err &&
	grep -q "lbd-thin1 (open, mounted at $W/m1)" err && grep -q "lbd-thin2 (open, mounted at $W/m2)" err &&
	table $P >after && expect_file_same before after
'

test_expect_success '--ignore on an unused pool: back with ignore_discard, same numbers, thin tables exact' '
	umount $W/m1 $W/m2 && dmsetup remove lbd-thin2 &&
	table $P >pool.before && table lbd-thin1 >thin.before &&
	mm_pool=$(dmsetup info -c --noheadings -o major,minor $P) &&
	mm_thin=$(dmsetup info -c --noheadings -o major,minor lbd-thin1) &&
	"$LIFEBOAT" recover discard off --pool $P --ignore -v &&
	expect_eq ignore_discard "$(discard_field $P)" "kernel discard field" &&
	sed "s/ 2 skip_block_zeroing no_discard_passdown / 3 skip_block_zeroing ignore_discard no_discard_passdown /" pool.before >want &&
	table $P >got && expect_file_same want got &&
	expect_eq "$mm_pool" "$(dmsetup info -c --noheadings -o major,minor $P)" "pool major:minor" &&
	expect_eq "$mm_thin" "$(dmsetup info -c --noheadings -o major,minor lbd-thin1)" "thin major:minor" &&
	table lbd-thin1 >thin.after && expect_file_same thin.before thin.after &&
	! dmsetup info lbd-thin2 >/dev/null 2>&1 &&
	dmsetup create lbd-thin2 --table "0 1048576 thin /dev/mapper/$P 2" &&
	mount /dev/mapper/lbd-thin1 $W/m1 && mount /dev/mapper/lbd-thin2 $W/m2 &&
	(cd $W && sha256sum -c sums) &&
	"$LIFEBOAT" recover discard status --json --daemon-json $W/none.json >st.json &&
	expect_eq ignore "$(jq -r ".pools[] | select(.name==\"$P\") | .status_discard" st.json)" status
'

cat >$W/daemon.orig <<'EOF'
{
    "log-level": "warn",
    "storage-driver": "devicemapper",
    "storage-opts": [
        "dm.basesize=20G",
        "dm.mountopt=noatime"
    ],
    "registry-mirrors": ["https://mirror.example"],
    "live-restore": true
}
EOF

test_expect_success '--persist keeps unrelated settings, writes a backup, adds blkdiscard=false and nodiscard' '
	cp $W/daemon.orig $DJ &&
	"$LIFEBOAT" recover discard off --pool $P --persist --daemon-json $DJ >out && cat out $DJ &&
	backup=$(ls $DJ.lifeboat-*.bak) && expect_file_same $W/daemon.orig "$backup" &&
	expect_eq "log-level storage-driver storage-opts registry-mirrors live-restore" \
		"$(jq -r "keys_unsorted | join(\" \")" $DJ)" "keys in order" &&
	expect_eq warn "$(jq -r ".[\"log-level\"]" $DJ)" log-level &&
	expect_eq true "$(jq -r ".[\"live-restore\"]" $DJ)" live-restore &&
	expect_eq https://mirror.example "$(jq -r ".[\"registry-mirrors\"][0]" $DJ)" mirror &&
	expect_eq "dm.basesize=20G dm.mountopt=noatime,nodiscard dm.blkdiscard=false" \
		"$(jq -r ".[\"storage-opts\"] | join(\" \")" $DJ)" storage-opts &&
	"$LIFEBOAT" recover discard status --json --daemon-json $DJ >st.json &&
	expect_eq false "$(jq -r .daemon_json.blkdiscard st.json)" blkdiscard &&
	expect_eq noatime,nodiscard "$(jq -r .daemon_json.mountopt st.json)" mountopt
'

test_expect_success 'an unparseable daemon.json is refused (exit 5), byte-identical, and no pool changes' '
	printf "{\"storage-driver\": \"devicemapper\", \"storage-opts\": [\"dm.fs=xfs\",]\n" >$DJ.bad &&
	cp $DJ.bad $W/bad.copy && table $O >before &&
	expect_exit 5 "$LIFEBOAT" recover discard off --pool $O --persist --daemon-json $DJ.bad 2>err &&
	cat err && grep -q "$DJ.bad" err &&
	expect_file_same $W/bad.copy $DJ.bad && ! ls $DJ.bad.lifeboat-* 2>/dev/null &&
	table $O >after && expect_file_same before after
'

test_expect_success 'dm.* options for another storage driver are refused (exit 4)' '
	echo "{\"storage-driver\": \"overlay2\"}" >$DJ.overlay && cp $DJ.overlay ov.copy &&
	expect_exit 4 "$LIFEBOAT" recover discard off --pool $O --persist --daemon-json $DJ.overlay 2>err &&
	grep -q overlay2 err && expect_file_same ov.copy $DJ.overlay
'

# The runbook, as written: its lifeboat lines, in order, on the other pool with
# an ext4 container-like device mounted -o discard and /etc/docker/daemon.json.
awk '/^ *```sh/{f=1;next} /^ *```/{f=0} f && $1 == "lifeboat"' "$TOP/runbooks/discard-crash.md" |
	sed 's/^ *//' >$W/runbook.cmds
mapfile -t RUNBOOK <$W/runbook.cmds
run_step() { eval "\"\$LIFEBOAT\" ${RUNBOOK[$1]#lifeboat }"; }

test_expect_success 'runbook: its commands are the five this test runs' '
	printf "%s\n" "${RUNBOOK[@]}" &&
	expect_eq 5 "${#RUNBOOK[@]}" "number of lifeboat commands" &&
	expect_eq "lifeboat recover discard status" "${RUNBOOK[0]}" step1 &&
	expect_eq "lifeboat recover discard off --all --ignore" "${RUNBOOK[4]}" step4
'

test_expect_success 'runbook steps 1-3: status, plan, off --all live, --persist' '
	umount $W/m1 && make_thin $O 1 lbd-other1 && mkfs.ext4 -q /dev/mapper/lbd-other1 &&
	mount -o discard /dev/mapper/lbd-other1 $W/m3 && echo data >$W/m3/f &&
	mkdir -p /etc/docker && cp $W/daemon.orig /etc/docker/daemon.json &&
	run_step 0 >s1 && grep -q "pool $O: discard passdown" s1 &&
	run_step 1 >s2 && grep -q "would: suspend $O" s2 && expect_eq discard_passdown "$(discard_field $O)" "after the plan" &&
	run_step 2 && expect_eq no_discard_passdown "$(discard_field $O)" "after off" &&
	! mount_opts $W/m3 | grep -qw discard &&
	run_step 3 && jq -e ".[\"storage-opts\"] | index(\"dm.blkdiscard=false\")" /etc/docker/daemon.json
'

test_expect_success 'runbook step 4: refused while a container is mounted, then ignore_discard everywhere' '
	expect_exit 4 run_step 4 &&
	umount $W/m2 $W/m3 && run_step 4 &&
	expect_eq ignore_discard "$(discard_field $O)" "$O" && expect_eq ignore_discard "$(discard_field $P)" "$P" &&
	mount /dev/mapper/lbd-other1 $W/m3 && expect_eq data "$(cat $W/m3/f)" "file on the re-created pool"
'

test_expect_success 'teardown' '
	umount $W/m3 &&
	dmsetup remove lbd-other1 lbd-thin1 lbd-thin2 $P $O && losetup -D
'
test_done
