#!/usr/bin/env bash
# recover doctor --fix, continued (t2010 has the others): the real dm-thin
# target and the real dockerd 20.10 on the crashed Docker state, broken so:
#   1. missing-thin-device: batch's thin device deleted from the pool while
#      its device file stays; dockerd starts, but `docker cp batch` fails
#      (activation fails); `docker rm batch` succeeds (dockerd 20.10 takes the
#      pool's "no such device" on delete as done); doctor --fix (run as
#      runbooks/doctor.md writes it, command by command) moves the file away
#      and batch is reported lost;
#   2. dangling-mount-id (what 1 leaves): report-only, --fix changes nothing
#      for it; `docker rm batch` then removes it and doctor is clean;
#   3. unreadable-device-file: batch's device file truncated to 0 bytes:
#      dockerd refuses to start; --fix moves it into the backup; with the
#      file gone, the next doctor matches batch's thin device (kept, never
#      deleted as an orphan) to its mount-id and --fix writes the file again:
#      batch reads back through docker cp like the others.
# After each fix the real dockerd starts and `docker cp` reads every
# surviving container's files exactly as Docker recorded them.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/doctor-lib.sh"
META=$R/devicemapper/metadata
BATCH_ID=$(awk '$1 == "batch" { print $4 }' "$FIXTURE/devices.txt")
# What the real dockerd did, printed after the script's results.
OBS=$S/observed
: >"$OBS"
observe() { printf '%s\n' "$*" >>"$OBS"; }

# The runbook, as written: its lifeboat commands, in order.
grep -E '^ {4,}lifeboat ' "$TOP/runbooks/doctor.md" | sed 's/^ *//; s/ *#.*$//' >"$S/runbook.cmds"
mapfile -t RUNBOOK <"$S/runbook.cmds"
run_step() { eval "\"\$LIFEBOAT\" ${RUNBOOK[$1]#lifeboat }"; }

test_expect_success 'setup: the crashed xfs state and its daemon.json; batch is thin device '"$BATCH_ID"'' '
	rm -rf '$R'/* && fixture_extract xfs '$R' &&
	mkdir -p /etc/docker && cp "$FIXTURE/daemon.json" /etc/docker/daemon.json &&
	[ -n "'$BATCH_ID'" ] && thin_devs | grep -qw "'$BATCH_ID'" &&
	expect_eq 0 "$("$LIFEBOAT" recover doctor --json | jq "[.findings[] | select(.note | not)] | length")" problems &&
	rm -rf '$S'/pristine && cp -a --sparse=always '$R' '$S'/pristine
'

test_expect_success 'runbook: its lifeboat commands are the four this test runs' '
	printf "%s\n" "${RUNBOOK[@]}" &&
	expect_eq 4 "${#RUNBOOK[@]}" "number of lifeboat commands" &&
	expect_eq "lifeboat recover doctor" "${RUNBOOK[0]}" step2a &&
	expect_eq "lifeboat recover doctor --json" "${RUNBOOK[1]}" step2b &&
	expect_eq "lifeboat recover doctor --fix --dry-run" "${RUNBOOK[2]}" step3 &&
	expect_eq "lifeboat recover doctor --fix" "${RUNBOOK[3]}" step4
'

# 1. missing-thin-device
test_expect_success 'break 1: batch'"'"'s thin device deleted from the pool, its device file kept' '
	with_pool "dmsetup message \$POOL 0 \"delete '$BATCH_ID'\"" &&
	! thin_devs | grep -qw "'$BATCH_ID'" && [ -f '$META'/$(mount_id batch) ] &&
	rm -rf '$S'/broken1 && cp -a --sparse=always '$R' '$S'/broken1
'

test_expect_success 'dockerd on it: starts, docker cp of batch fails (activation); docker rm of batch succeeds and leaves it clean' '
	h=$(mount_id batch) && start_dockerd broken1; up=$?
	$docker cp batch:/data '$S'/x >cp.out 2>&1; cp_rc=$?
	$docker cp web:/data '$S'/y >/dev/null 2>&1; web_rc=$?
	$docker rm batch >rm.out 2>&1; rm_rc=$?
	$docker ps -a --format "{{.Names}} {{.Status}}" >ps.out 2>&1
	stop_dockerd; stop_rc=$?
	[ -e '$META'/$h ] && file=kept || file=removed
	"$LIFEBOAT" recover doctor --json >postrm.json; doc_rc=$?
	observe "missing-thin-device: dockerd start rc=$up; docker cp batch rc=$cp_rc: $(cat cp.out)"
	observe "missing-thin-device: docker rm batch rc=$rm_rc: $(cat rm.out); device file $file; doctor after it: exit $doc_rc [$(finding_codes postrm.json)]"
	observe "missing-thin-device: containers left: $(tr "\n" ";" <ps.out)"
	cat cp.out rm.out ps.out
	rm -rf '$R'/* && cp -a --sparse=always '$S'/broken1/. '$R'/ &&
	[ $up = 0 ] && [ $web_rc = 0 ] && [ $cp_rc != 0 ] && grep -q "Error activating devmapper device" cp.out &&
	[ $rm_rc = 0 ] && [ $stop_rc = 0 ] && expect_eq removed $file "batch device file after docker rm" &&
	expect_eq 0 $doc_rc "doctor exit after dockerd'"'"'s docker rm"
'

test_expect_success 'runbook step 2: doctor reports missing-thin-device naming batch, exit 6' '
	expect_exit 6 run_step 0 >out.txt && grep -q missing-thin-device out.txt &&
	expect_exit 6 run_step 1 >out.json &&
	expect_eq "missing-thin-device" "$(finding_codes out.json)" codes &&
	jq -r ".findings[] | select(.code == \"missing-thin-device\") | .objects[]" out.json | grep -q "container batch" &&
	jq -r ".findings[] | select(.code == \"missing-thin-device\") | .fix" out.json | grep -q "lost"
'

test_expect_success 'runbook step 3: --fix --dry-run changes nothing' '
	rm -rf meta.before && pool_fingerprint '$R' >before && cp -a '$META' meta.before &&
	expect_exit 6 run_step 2 >dry.out && grep -q "dry run" dry.out &&
	pool_fingerprint '$R' >after && expect_file_same before after &&
	diff -r meta.before '$META' && no_lifeboat_devices
'

test_expect_success 'runbook step 4: --fix moves the device file into the backup; batch is reported lost (exit 6)' '
	h=$(mount_id batch) &&
	run_step 3 >fix.out 2>fix.err; rc=$?; cat fix.out fix.err
	expect_eq 6 $rc "exit code" &&
	[ ! -e '$META'/$h ] && bk=$(ls -d '$R'/devicemapper/lifeboat-backup-*) && [ -s "$bk/metadata/$h" ] &&
	expect_exit 6 "$LIFEBOAT" recover doctor --json >after.json &&
	expect_eq "dangling-mount-id" "$(finding_codes after.json)" "codes after --fix" &&
	jq -r ".findings[] | .objects[]" after.json | grep -q "container batch" &&
	no_lifeboat_devices
'

# 2. dangling-mount-id, what 1 leaves behind: report-only.
test_expect_success 'dangling-mount-id: reported (exit 6), fix is none; --fix again changes nothing for it' '
	expect_exit 6 "$LIFEBOAT" recover doctor --json >d.json &&
	jq -r ".findings[] | select(.code == \"dangling-mount-id\") | .fix" d.json | grep -q "^none" &&
	jq -r ".findings[] | select(.code == \"dangling-mount-id\") | .fix" d.json | grep -q "docker rm batch" &&
	rm -rf meta.before mounts.before && pool_fingerprint '$R' >before && cp -a '$META' meta.before &&
	cp -a '$R'/image/devicemapper/layerdb/mounts mounts.before &&
	expect_exit 6 "$LIFEBOAT" recover doctor --fix >fix2.out 2>&1; cat fix2.out
	pool_fingerprint '$R' >after && expect_file_same before after &&
	diff -r meta.before '$META' && diff -r mounts.before '$R'/image/devicemapper/layerdb/mounts &&
	expect_exit 6 "$LIFEBOAT" recover doctor --json >d2.json &&
	expect_eq "dangling-mount-id" "$(finding_codes d2.json)" "codes after the second --fix" &&
	no_lifeboat_devices
'

test_expect_success 'runbook step 6: dockerd starts, web, db and created read back, batch cannot; docker rm batch; doctor clean' '
	start_dockerd fixed1 || { tail -n 20 '$S'/dockerd.fixed1.log; false; }; up=$?
	[ $up = 0 ] && read_containers web db created; read_rc=$?
	$docker cp batch:/data '$S'/z >cp.out 2>&1; cp_rc=$?
	$docker rm batch >rm.out 2>&1; rm_rc=$?
	observe "dangling-mount-id: docker cp batch rc=$cp_rc: $(cat cp.out)"
	observe "dangling-mount-id: docker rm batch rc=$rm_rc: $(cat rm.out)"
	cat cp.out rm.out
	stop_dockerd && [ $read_rc = 0 ] && [ $cp_rc != 0 ] && [ $rm_rc = 0 ] &&
	expect_exit 0 "$LIFEBOAT" recover doctor -q
'

# 3. unreadable-device-file
test_expect_success 'break 3: batch'"'"'s device file truncated to 0 bytes: dockerd refuses to start' '
	rm -rf '$R'/* && cp -a --sparse=always '$S'/pristine/. '$R'/ &&
	h=$(mount_id batch) && : >'$META'/$h &&
	! start_dockerd unreadable; refused=$?
	observe "unreadable-device-file: dockerd refused=$refused: $(grep "failed to start daemon" '$S'/dockerd.unreadable.log)"
	stop_dockerd && [ $refused = 0 ] && grep -q "Unknown device $h" '$S'/dockerd.unreadable.log
'

test_expect_success 'doctor reports unreadable-device-file (exit 6); --fix moves the file into the backup' '
	h=$(mount_id batch) &&
	expect_exit 6 "$LIFEBOAT" recover doctor --json >u.json; cat u.json
	finding_codes u.json | grep -qw unreadable-device-file &&
	jq -r ".findings[] | select(.code == \"unreadable-device-file\") | .objects[]" u.json | grep -q "$h" &&
	rm -rf '$R'/devicemapper/lifeboat-backup-* &&
	"$LIFEBOAT" recover doctor --fix >fix.out 2>fix.err; rc=$?; cat fix.out fix.err
	[ $rc = 0 ] || [ $rc = 6 ] &&
	[ ! -e '$META'/$h ] && bk=$(ls -d '$R'/devicemapper/lifeboat-backup-*) && [ -e "$bk/metadata/$h" ] &&
	[ ! -s "$bk/metadata/$h" ] &&
	"$LIFEBOAT" recover doctor --json >u2.json; cat u2.json
	! finding_codes u2.json | grep -qw unreadable-device-file && no_lifeboat_devices
'

test_expect_success 'dockerd starts on it and web, db and created read back' '
	start_dockerd fixed3 || { tail -n 20 '$S'/dockerd.fixed3.log; false; }; up=$?
	[ $up = 0 ] && read_containers web db created; read_rc=$?
	stop_dockerd && [ $read_rc = 0 ]
'

test_expect_success 'what remains: batch'"'"'s device, kept while its file was unreadable, is matched (lost-device-file); --fix writes the file; batch reads back; clean' '
	thin_devs | grep -qw "'$BATCH_ID'" &&
	expect_exit 6 "$LIFEBOAT" recover doctor --json >r.json &&
	expect_eq "lost-device-file" "$(finding_codes r.json)" "codes" &&
	jq -r ".findings[0].objects[]" r.json | grep -q "container batch" &&
	"$LIFEBOAT" recover doctor --fix >fix.out 2>&1; rc=$?; cat fix.out
	expect_eq 0 $rc "exit code" && thin_devs | grep -qw "'$BATCH_ID'" &&
	start_dockerd fixed4 && read_every_container && stop_dockerd &&
	expect_exit 0 "$LIFEBOAT" recover doctor -q
'

sed 's/^/# observed: /' "$OBS"
test_done
