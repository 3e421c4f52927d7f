#!/usr/bin/env bash
# recover doctor --fix against the real dm-thin target and the real dockerd
# 20.10, on a crashed Docker state broken the way real failures leave it:
#   1. an orphan thin device (leaked space) and pool metadata older than
#      Docker's files (open-transaction naming db's device): dockerd starts,
#      silently keeps the leak and, rolling back, destroys db's device;
#      doctor --fix commits the transaction instead and keeps the orphan
#      (evidence: its mappings are the same, and --device-id reads its data
#      back); only --reclaim-orphans=100 deletes it;
#   2. a device marked deleted that a container uses (docker cp refuses it)
#      and a base device UUID that does not match (dockerd will not start);
#      doctor --fix clears the flag and rewrites the UUID.
# After each fix the real dockerd starts and `docker cp` reads every
# container's files exactly as Docker recorded them before the crash.
# The steps are those of runbooks/doctor.md.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/doctor-lib.sh"

test_expect_success 'setup: the crashed xfs state and its daemon.json are in place' '
	rm -rf '$R'/* && fixture_extract xfs '$R' &&
	mkdir -p /etc/docker && cp "$FIXTURE/daemon.json" /etc/docker/daemon.json &&
	[ "$(pool_transaction)" -gt 1 ] &&
	expect_eq 0 "$("$LIFEBOAT" recover doctor --json | jq "[.findings[] | select(.note | not)] | length")" problems
'

# The generated state's own numbers: its pool transaction, its thin devices,
# and db's device (the last one Docker created, which dockerd's rollback of
# the open transaction destroys).
T0=$(pool_transaction)
DEVS0=$(thin_devs)
DB_DEV=$(awk '$1 == "db" {print $4}' "$FIXTURE/devices.txt")
DEVS_AFTER_DOCKERD=$(printf '%s\n' $DEVS0 100 | grep -vx "$DB_DEV" | sort -n | tr '\n' ' ')

test_expect_success 'break 1: an orphan thin device full of data, and pool metadata one transaction older than Docker'"'"'s files' '
	head -c 16M /dev/urandom >'$S'/orphan.bin &&
	with_pool "dmsetup message \$POOL 0 \"create_thin 100\" &&
		dmsetup create lbtest-100 --table \"0 131072 thin /dev/mapper/\$POOL 100\" &&
		dd if='$S'/orphan.bin of=/dev/mapper/lbtest-100 bs=1M count=16 oflag=direct 2>/dev/null &&
		dmsetup remove lbtest-100 &&
		dmsetup message \$POOL 0 \"set_transaction_id '$T0' '$((T0 - 1))'\"" &&
	expect_eq "'"$DEVS0"'100 " "$(thin_devs)" "pool devices" &&
	expect_eq '$((T0 - 1))' "$(pool_transaction)" "pool transaction id" &&
	rm -rf '$S'/broken1 && cp -a --sparse=always '$R' '$S'/broken1
'

test_expect_success 'dockerd on it: starts, keeps the orphan (space lost) and its rollback destroys db'"'"'s device' '
	start_dockerd broken1 || { tail -n 20 '$S'/dockerd.broken1.log; false; }; up=$?
	$docker cp db:/data/db/stable-1 '$S'/x 2>err; cp_rc=$?; cat err
	stop_dockerd; stop_rc=$?
	devs=$(thin_devs)
	rm -rf '$R'/* && cp -a --sparse=always '$S'/broken1/. '$R'/ &&
	[ $up = 0 ] && [ $cp_rc != 0 ] && grep -qE "Unknown device|Error activating devmapper device" err && [ $stop_rc = 0 ] &&
	expect_eq "'"$DEVS_AFTER_DOCKERD"'" "$devs" "pool devices after dockerd"
'

test_expect_success 'doctor reports open-transaction (commit, not delete) and orphan-thin-device (delete), exit 6' '
	expect_exit 6 "$LIFEBOAT" recover doctor --json >out.json &&
	expect_eq "open-transaction orphan-thin-device" \
		"$(jq -r "[.findings[] | select(.note | not) | .code] | sort | join(\" \")" out.json)" codes &&
	jq -r ".findings[] | select(.code == \"open-transaction\") | .fix" out.json | grep -q "set_transaction_id '$((T0 - 1))' '$T0'" &&
	jq -r ".findings[] | select(.code == \"open-transaction\") | .objects[]" out.json | grep -q "container db" &&
	jq -r ".findings[] | select(.code == \"orphan-thin-device\") | .fix" out.json | grep -q "delete 100"
'

test_expect_success '--fix --dry-run changes nothing' '
	pool_fingerprint '$R' >before && cp -a '$R'/devicemapper/metadata meta.before &&
	expect_exit 6 "$LIFEBOAT" recover doctor --fix --dry-run >dry.out && grep -q "dry run" dry.out &&
	pool_fingerprint '$R' >after && expect_file_same before after &&
	diff -r meta.before '$R'/devicemapper/metadata && no_lifeboat_devices
'

test_expect_success '--fix refuses while Docker'"'"'s pool is active' '
	with_pool "POOLNAME=\$(\"\$LIFEBOAT\" recover ls --json | jq -r .pool.name) &&
		dmsetup rename \$POOL \$POOLNAME && { expect_exit 4 \"\$LIFEBOAT\" recover doctor --fix 2>err; rc=\$?;
		dmsetup rename \$POOLNAME \$POOL; [ \$rc = 0 ]; }" &&
	grep -q "pool is active" err && ! ls -d '$R'/devicemapper/lifeboat-backup-* 2>/dev/null
'

dev_dump() { thin_dump "$POOLMETA" | awk -v d="<device dev_id=\"$1\"" 'index($0, d) { on = 1 } on { print } on && /<\/device>/ { exit }'; }

test_expect_success '--fix backs up, commits the transaction through the pool, and keeps the orphan as it was (exit 6: it is still reported)' '
	dev_dump 100 >orphan.before && [ -s orphan.before ] &&
	"$LIFEBOAT" recover doctor --fix >fix.out 2>fix.err; rc=$?; cat fix.out fix.err;
	expect_eq 6 $rc "exit code" &&
	! grep -q "delete 100" fix.err && grep -q "set_transaction_id '$((T0 - 1))' '$T0'" fix.err &&
	expect_eq "'"$DEVS0"'100 " "$(thin_devs)" "pool devices" &&
	dev_dump 100 >orphan.after && expect_file_same orphan.before orphan.after &&
	expect_eq '$T0' "$(pool_transaction)" "pool transaction id" &&
	"$LIFEBOAT" recover doctor --json >after.json; expect_eq orphan-thin-device "$(finding_codes after.json)" "codes after" &&
	bk=$(ls -d '$R'/devicemapper/lifeboat-backup-*) && [ -s "$bk/pool-metadata" ] &&
	[ -s "$bk/metadata/transaction-metadata" ] && no_lifeboat_devices
'

test_expect_success 'the orphan can be looked inside before deciding: recover image --device-id 100 gives the bytes written to it' '
	"$LIFEBOAT" -q recover image --device-id 100 -o '$S'/orphan.img >/dev/null &&
	cmp '$S'/orphan.bin '$S'/orphan.img
'

test_expect_success '--fix --reclaim-orphans=100 deletes it (after a backup), and the state is clean' '
	"$LIFEBOAT" recover doctor --fix --reclaim-orphans=100 >fix.out 2>fix.err; rc=$?; cat fix.out fix.err;
	expect_eq 0 $rc "exit code" && grep -q "pool message: delete 100" fix.err &&
	expect_eq "'"$DEVS0"'" "$(thin_devs)" "pool devices" &&
	expect_eq 2 "$(ls -d '$R'/devicemapper/lifeboat-backup-* | wc -l)" "backups" && no_lifeboat_devices
'

test_expect_success 'dockerd on the repaired state: every container'"'"'s files through docker cp, and a new container' '
	start_dockerd fixed1 && read_every_container &&
	$docker create --name after-fix --network none lifeboat-demo:1 true >/dev/null &&
	$docker rm after-fix >/dev/null && stop_dockerd
'

test_expect_success 'break 2: web'"'"'s device marked deleted: docker cp refuses it' '
	h=$(mount_id web) && sed -i "s/\"deleted\":false/\"deleted\":true/" '$R'/devicemapper/metadata/$h &&
	start_dockerd deleted || { tail -n 20 '$S'/dockerd.deleted.log; false; }; up=$?
	$docker cp web:/etc/motd '$S'/x 2>err; cp_rc=$?; cat err
	stop_dockerd && [ $up = 0 ] && [ $cp_rc != 0 ] && grep -qE "marked for (deferred )?deletion" err
'

test_expect_success 'break 2: and a base device UUID from another pool: dockerd refuses to start' '
	sed -i "s/\"BaseDeviceUUID\":\"[^\"]*\"/\"BaseDeviceUUID\":\"11111111-2222-3333-4444-555555555555\"/" \
		'$R'/devicemapper/metadata/deviceset-metadata &&
	! start_dockerd baduuid; refused=$?
	stop_dockerd && [ $refused = 0 ] && grep -q "does not match with stored UUID" '$S'/dockerd.baduuid.log
'

test_expect_success 'doctor: base-device-mismatch and device-marked-deleted; --fix rewrites both, clean' '
	expect_exit 6 "$LIFEBOAT" recover doctor --json >out.json &&
	expect_eq "base-device-mismatch device-marked-deleted" \
		"$(jq -r "[.findings[] | select(.note | not) | .code] | sort | join(\" \")" out.json)" codes &&
	pool_fingerprint '$R' >before &&
	expect_exit 0 "$LIFEBOAT" recover doctor --fix >fix.out 2>fix.err &&
	pool_fingerprint '$R' >after && expect_file_same before after && no_lifeboat_devices
'

test_expect_success 'dockerd starts on it again and every container reads back; doctor stays clean after' '
	start_dockerd fixed2 && read_every_container && stop_dockerd &&
	expect_exit 0 "$LIFEBOAT" recover doctor -q
'
test_done
