#!/usr/bin/env bash
# snapshot create | ls | rm beside the real dockerd 20.10 running on a
# generated crashed devicemapper state: a running container that keeps
# writing is snapshotted several times while dockerd goes on working (run,
# create, rm, stop, start, restart), its log never shows an id collision,
# each snapshot read by the kernel (a read-only dm thin device of its id)
# holds a consistent filesystem with the writer's lines up to that moment,
# and `recover doctor` calls the devices snapshots, not orphans.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/vm/rescue-lib.sh"
test_require "dockerd, docker, dmsetup, thin_dump, e2fsck" \
	'command -v dockerd && [ -x /usr/bin/docker ] && command -v dmsetup && command -v thin_dump && command -v e2fsck'
export PATH=/usr/sbin:/usr/bin:/sbin:/bin DOCKER_RAMDISK=true DOCKER_HOST=unix:///run/docker.sock
R=/var/lib/docker S=$LB_SCRATCH
v=ext4
FIXTURE=$("$TOP/tests/fixtures/ensure" $v)
. "$TOP/tests/vm/snapshot-lib.sh"
# The writer's last line as the kernel reads the snapshot device: a read-only
# thin device of the id, e2fsck -n clean, and no needs_recovery (ext4 clears
# it when it is frozen: a snapshot taken unfrozen has it set), mounted
# read-only.
snap_last_line() { # ID NAME
	local size
	size=$(blockdev --getsz "/dev/mapper/$(docker inspect -f '{{.GraphDriver.Data.DeviceName}}' writer)")
	dmsetup create "lbtest-$2" --readonly --table "0 $size thin /dev/mapper/$POOL $1" &&
	e2fsck -fn "/dev/mapper/lbtest-$2" >"$S/fsck.$2" 2>&1 &&
	{ ! dumpe2fs -h "/dev/mapper/lbtest-$2" 2>/dev/null | grep -q needs_recovery || { echo "$2: journal needs recovery: not frozen"; false; }; } &&
	mkdir -p "/mnt/$2" && mount -o ro,noload "/dev/mapper/lbtest-$2" "/mnt/$2" &&
	tail -n 1 "/mnt/$2/rootfs/data/writer.log"
	local rc=$?
	umount "/mnt/$2" 2>/dev/null; dmsetup remove "lbtest-$2"
	return $rc
}

test_expect_success "$v: the crashed state, and its real dockerd started on it" '
	rm -rf '$R'/* && fixture_extract '$v' '$R' &&
	mkdir -p /etc/docker && cp '$FIXTURE'/daemon.json /etc/docker/daemon.json &&
	start_dockerd 1 &&
	POOL=$(docker info -f "{{range .DriverStatus}}{{if eq (index . 0) \"Pool Name\"}}{{index . 1}}{{end}}{{end}}") &&
	echo "pool $POOL" && dmsetup status "$POOL"
'
POOL=$(docker info -f '{{range .DriverStatus}}{{if eq (index . 0) "Pool Name"}}{{index . 1}}{{end}}{{end}}' 2>/dev/null)

test_expect_success "a container that keeps writing (one line every 20 ms, synced)" '
	docker run -d --name writer --network none lifeboat-demo:1 sh -c \
		"mkdir -p /data; i=0; while :; do i=\$((i+1)); echo \$i >>/data/writer.log; sync; sleep 0.02; done" >/dev/null &&
	for _ in $(seq 1 60); do
		docker cp writer:/data/writer.log '$S'/w.log 2>/dev/null && [ "$(wc -l <'$S'/w.log)" -gt 10 ] && break
		sleep 1
	done && [ "$(wc -l <'$S'/w.log)" -gt 10 ] || { docker ps -a; docker logs writer; false; }
'

test_expect_success "three snapshots of it: ids from the top down, the freeze measured, no held root left" '
	T0=$(dmsetup status "$POOL" | awk "{ print \$4 }") &&
	for n in 1 2 3; do
		"$LIFEBOAT" snapshot create --json --name w$n writer >c$n.json || return 1
		jq -e ".state == \"ready\" and .origin_suspended == true and .dockerd_running == true and .freeze_us > 0" c$n.json || return 1
		expect_eq - "$(held_root)" "held root after create $n" || return 1
		sleep 1
	done &&
	expect_eq "$TOP_ID $((TOP_ID - 1)) $((TOP_ID - 2))" "$(jq -r .device_id c1.json c2.json c3.json | tr "\n" " " | sed "s/ $//")" ids &&
	expect_eq "$T0" "$(dmsetup status "$POOL" | awk "{ print \$4 }")" "pool transaction id" &&
	jq -r "\"freeze \(.freeze_us) us\"" c1.json c2.json c3.json &&
	live_devs | grep -q "$((TOP_ID - 2)) $((TOP_ID - 1)) $TOP_ID"
'

test_expect_success "each snapshot is a clean filesystem, and later ones hold more of the writer's lines" '
	l1=$(snap_last_line $TOP_ID w1) && l2=$(snap_last_line $((TOP_ID - 1)) w2) && l3=$(snap_last_line $((TOP_ID - 2)) w3) &&
	echo "last lines: $l1 $l2 $l3" && echo "$l1" >'$S'/w1.last && [ "$l1" -gt 0 ] && [ "$l1" -lt "$l2" ] && [ "$l2" -lt "$l3" ] &&
	docker cp writer:/data/writer.log '$S'/w.log && [ "$(tail -n 1 '$S'/w.log)" -gt "$l3" ]
'

test_expect_success "ls: the three, ready, with their sizes; --json has every field the issue names" '
	"$LIFEBOAT" snapshot ls >ls.txt && cat ls.txt &&
	[ "$(grep -c "writer .* ready" ls.txt)" = 3 ] &&
	"$LIFEBOAT" snapshot ls --json writer >ls.json &&
	jq -e "[.snapshots[].name] == [\"w1\", \"w2\", \"w3\"]" ls.json &&
	jq -e "all(.snapshots[]; .mapped_bytes > 0 and .pool == \"$POOL\" and .container == \"writer\" and (.container_id | length) == 64 and (.origin_device_id | type) == \"number\" and (.created | test(\"Z$\")) and .size_bytes > 0)" ls.json &&
	expect_eq - "$(held_root)" "held root after ls"
'

test_expect_success "export w1 full and w3 incremental on w1 from the live pool; import equals the kernel read of w3, a clean filesystem" '
	"$LIFEBOAT" snapshot export w1 -o /scratch/w1.full.lbx --json >e1.json &&
	"$LIFEBOAT" snapshot export w3 --base w1 -o /scratch/w3.incr.lbx --json >e3.json && cat e3.json &&
	jq -e ".kind == \"incremental\"" e3.json &&
	[ "$(jq .stream_bytes e3.json)" -lt "$(jq .stream_bytes e1.json)" ] &&
	expect_eq - "$(held_root)" "held root after export" &&
	"$LIFEBOAT" snapshot import /scratch/w1.full.lbx /scratch/w3.incr.lbx -o /scratch/w3.img &&
	id=$(jq -r ".snapshots[] | select(.name == \"w3\") | .device_id" ls.json) &&
	size=$(jq -r ".snapshots[] | select(.name == \"w3\") | .size_bytes" ls.json) &&
	expect_eq "$size" "$(stat -c %s /scratch/w3.img)" "image size" &&
	dmsetup create lbtest-w3 --readonly --table "0 $((size / 512)) thin /dev/mapper/$POOL $id" &&
	{ cmp /dev/mapper/lbtest-w3 /scratch/w3.img; rc=$?; dmsetup remove lbtest-w3; [ $rc = 0 ]; } &&
	cp --sparse=always /scratch/w3.img /scratch/w3.copy && e2fsck -fn /scratch/w3.copy >fsck.out 2>&1 &&
	rm -f /scratch/w3.copy
'

test_expect_success "bad streams: corrupt and cut copies are exit 5 in verify and import with no image left; an incremental on the wrong base is exit 5" '
	"$LIFEBOAT" snapshot verify /scratch/w1.full.lbx /scratch/w3.incr.lbx &&
	/usr/bin/python3 -c "import sys; b = bytearray(open(sys.argv[1], \"rb\").read()); b[5000] ^= 0x5a; open(sys.argv[2], \"wb\").write(b)" /scratch/w1.full.lbx bad.lbx &&
	expect_exit 5 "$LIFEBOAT" snapshot verify bad.lbx &&
	expect_exit 5 "$LIFEBOAT" snapshot import bad.lbx -o bad.img && ! ls bad.img .bad.img* 2>/dev/null &&
	head -c 3000 /scratch/w1.full.lbx >cut.lbx && expect_exit 5 "$LIFEBOAT" snapshot verify cut.lbx 2>err && grep -q incomplete err &&
	"$LIFEBOAT" snapshot export w2 -o /scratch/w2.full.lbx &&
	expect_exit 5 "$LIFEBOAT" snapshot import /scratch/w2.full.lbx /scratch/w3.incr.lbx -o wrong.img 2>err && cat err && ! [ -e wrong.img ]
'

test_expect_success "SIGTERM mid-export releases the held root at once; after kill -9 the stream reads incomplete and the next command releases the root" '
	mkfifo /scratch/fifo1 /scratch/fifo2 &&
	{ "$LIFEBOAT" snapshot export w1 -o - >/scratch/fifo1 2>term.err & echo $! >pid1; } && exec 7</scratch/fifo1 && sleep 3 &&
	held=$(held_root) && echo "held root during export: $held" && [ "$held" != - ] &&
	kill -TERM "$(cat pid1)" && sleep 2 && ! kill -0 "$(cat pid1)" 2>/dev/null && exec 7<&- &&
	expect_eq - "$(held_root)" "held root after SIGTERM" && grep -q interrupted term.err &&
	{ "$LIFEBOAT" snapshot export w1 -o - >/scratch/fifo2 & echo $! >pid2; } && exec 8</scratch/fifo2 && sleep 3 &&
	[ "$(held_root)" != - ] && kill -KILL "$(cat pid2)" && sleep 1 && cat <&8 >partial.lbx && exec 8<&- &&
	[ "$(held_root)" != - ] &&
	expect_exit 5 "$LIFEBOAT" snapshot verify partial.lbx 2>err && grep -q incomplete err &&
	"$LIFEBOAT" snapshot ls >/dev/null 2>ls.err && cat ls.err && grep -q "released the metadata snapshot" ls.err &&
	expect_eq - "$(held_root)" "held root after the next command"
'

test_expect_success "snapshot run by the runbook policy, three times: full, incremental, incremental, one JSON line each" '
	docker run -d --name ticker --network none lifeboat-demo:1 sh -c \
		"mkdir -p /data; i=0; while :; do i=\$((i+1)); echo \$i >>/data/ticker.log; sync; sleep 0.05; done" >/dev/null &&
	sed -n "/^cat >\/etc\/lifeboat\/snapshot-policy.json/,/^EOF/p" "$TOP/runbooks/scheduled-snapshots.md" >policy.sh &&
	mkdir -p /etc/lifeboat /backup/lifeboat && bash policy.sh && cat /etc/lifeboat/snapshot-policy.json &&
	for n in 1 2 3; do
		sleep 2; "$LIFEBOAT" snapshot run --policy /etc/lifeboat/snapshot-policy.json >run$n.json || { cat run$n.json; return 1; }
		expect_eq 1 "$(wc -l <run$n.json)" "lines of run $n" || return 1
	done &&
	expect_eq "full incremental incremental" "$(jq -r ".containers[0].export.kind" run1.json run2.json run3.json | tr "\n" " " | sed "s/ $//")" kinds &&
	jq -e ".failed == 0 and .containers[0].freeze_us > 0" run3.json
'

test_expect_success "the runbook restore, as written: verify, import the newest full and the incrementals after it, mount -o loop,ro" '
	{ echo "lifeboat() { \"\$LIFEBOAT\" \"\$@\"; }"
	  sed -n "/^## 2. Restore/,/^## 3/p" "$TOP/runbooks/scheduled-snapshots.md" | awk "/^\`\`\`sh/ { f = 1; next } /^\`\`\`/ { f = 0 } f"; } >restore.sh &&
	cat restore.sh && mkdir -p /restore && (export LIFEBOAT; bash -e restore.sh) &&
	last=$(tail -n 1 /restore/ticker/rootfs/data/ticker.log) && umount /restore/ticker && echo "restored up to line $last" &&
	snap=$(jq -r ".containers[0].snapshot" run3.json) &&
	id=$("$LIFEBOAT" snapshot ls --json ticker | jq -r ".snapshots[] | select(.name == \"$snap\") | .device_id") &&
	size=$(stat -c %s /restore/ticker.img) &&
	dmsetup create lbtest-t3 --readonly --table "0 $((size / 512)) thin /dev/mapper/$POOL $id" &&
	{ cmp /dev/mapper/lbtest-t3 /restore/ticker.img; rc=$?; dmsetup remove lbtest-t3; [ $rc = 0 ]; } && [ "$last" -gt 0 ]
'

test_expect_success "a fourth run: a full export again, retention (last 3) removes the oldest, its metrics file says so; a second run at once is refused (exit 4)" '
	sleep 2 && "$LIFEBOAT" snapshot run --policy /etc/lifeboat/snapshot-policy.json --metrics-file /scratch/lb.prom >run4.json &&
	jq -e ".containers[0].export.kind == \"full\" and .containers[0].pruned == 1" run4.json &&
	expect_eq 3 "$("$LIFEBOAT" snapshot ls --json ticker | jq ".snapshots | length")" "ticker snapshots kept" &&
	/usr/bin/python3 -c "
import sys
from prometheus_client.parser import text_string_to_metric_families
for f in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in f.samples: print(s.name, s.labels.get(\"container\", \"-\"), int(s.value))
" /scratch/lb.prom >prom && cat prom &&
	grep -qx "lifeboat_snapshot_kept ticker 3" prom && grep -qx "lifeboat_snapshot_container_failed ticker 0" prom &&
	grep -qx "lifeboat_snapshot_last_run_success - 1" prom &&
	grep -qx "lifeboat_snapshot_exported_bytes ticker $(jq .containers[0].export.bytes run4.json)" prom &&
	[ "$(awk "/^lifeboat_snapshot_last_success_timestamp_seconds /{print \$3}" prom)" -ge "$(date -d "1 minute ago" +%s)" ] &&
	exec 9>/var/lib/docker/devicemapper/lifeboat/run.lock && flock -n 9 &&
	expect_exit 4 "$LIFEBOAT" snapshot run --policy /etc/lifeboat/snapshot-policy.json >/dev/null; rc=$?; exec 9>&-; [ $rc = 0 ]
'

test_expect_success "dockerd goes on working: run, create, rm, stop and start, all beside the snapshots" '
	expect_eq hello "$(docker run --rm --network none lifeboat-demo:1 echo hello)" run &&
	docker create --name scratch1 --network none lifeboat-demo:1 true >/dev/null && docker rm scratch1 >/dev/null &&
	docker stop -t 1 writer >/dev/null && docker start writer >/dev/null &&
	docker start db >/dev/null && docker stop -t 1 db >/dev/null
'

test_expect_success "migrate commit --live of the running writer: an archive the live dockerd loads and runs; the snapshot is gone after" '
	n0=$("$LIFEBOAT" snapshot ls --json | jq ".snapshots | length") &&
	expect_exit 4 "$LIFEBOAT" migrate commit writer --format docker-archive -o /scratch/nolive.tar &&
	"$LIFEBOAT" migrate commit writer --live --format docker-archive -o /scratch/live.tar --tag writer:live --json >live.json &&
	jq -e ".live == true and .freeze_us > 0 and .empty_layer == false" live.json &&
	expect_eq "$n0" "$("$LIFEBOAT" snapshot ls --json | jq ".snapshots | length")" "snapshots after" &&
	docker load -i /scratch/live.tar | grep -q writer:live &&
	last=$(docker run --rm --network none writer:live sed -n "\$p" /data/writer.log) && echo "the image holds up to line $last" &&
	[ "$last" -gt 0 ] && ! dmsetup info -c --noheadings -o uuid | grep -q LIFEBOAT- &&
	expect_eq - "$(held_root)" "held root after the commit"
'

test_expect_success "a stopped container snapshots without a freeze; a name taken is exit 2" '
	"$LIFEBOAT" snapshot create --json web >web.json &&
	jq -e ".origin_suspended == false and .freeze_us == 0 and (.name | test(\"^web-[0-9]{8}T[0-9]{6}Z$\"))" web.json &&
	expect_exit 2 "$LIFEBOAT" snapshot create --name w1 writer
'

test_expect_success "rm of the middle snapshot: its device leaves the pool, the others stay" '
	"$LIFEBOAT" snapshot rm w2 &&
	devs=$(live_devs) && echo "$devs" &&
	! echo " $devs" | grep -q " $((TOP_ID - 1)) " && echo " $devs" | grep -q " $TOP_ID " &&
	expect_eq "w1 w3" "$("$LIFEBOAT" snapshot ls --json writer | jq -r "[.snapshots[].name] | join(\" \")")" names &&
	expect_exit 3 "$LIFEBOAT" snapshot rm w2
'

test_expect_success "recover mount --snapshot beside the live dockerd: w1 as it was, read-only; umount leaves nothing" '
	mkdir -p /scratch/s1 && "$LIFEBOAT" recover mount --snapshot w1 /scratch/s1 &&
	last=$(tail -n 1 /scratch/s1/rootfs/data/writer.log); "$LIFEBOAT" recover umount /scratch/s1 &&
	expect_eq "$(cat '$S'/w1.last)" "$last" "last line in w1" &&
	! dmsetup info -c --noheadings -o uuid | grep -q LIFEBOAT- && ! ls /run/lifeboat/sessions/* 2>/dev/null
'

test_expect_success "prune --keep-last 1 of web: --dry-run deletes nothing, then the two older go" '
	"$LIFEBOAT" snapshot create web >/dev/null && "$LIFEBOAT" snapshot create web >/dev/null &&
	expect_eq 3 "$("$LIFEBOAT" snapshot ls --json web | jq ".snapshots | length")" "web snapshots" &&
	"$LIFEBOAT" snapshot prune --keep-last 1 --dry-run --json web >plan.json &&
	expect_eq "2 1" "$(jq -r "\"\(.remove | length) \(.keep | length)\"" plan.json)" plan &&
	expect_eq 3 "$("$LIFEBOAT" snapshot ls --json web | jq ".snapshots | length")" "after dry run" &&
	newest=$("$LIFEBOAT" snapshot ls --json web | jq -r ".snapshots[-1].name") &&
	"$LIFEBOAT" snapshot prune --keep-last 1 web &&
	expect_eq "$newest" "$("$LIFEBOAT" snapshot ls --json web | jq -r "[.snapshots[].name] | join(\" \")")" "kept" &&
	expect_eq - "$(held_root)" "held root after prune"
'

test_expect_success "a held metadata snapshot that lifeboat did not take is left alone: exit 4, saying how to release it" '
	dmsetup message "$POOL" 0 reserve_metadata_snap &&
	expect_exit 4 "$LIFEBOAT" snapshot create writer 2>err; rc=$?; cat err
	dmsetup message "$POOL" 0 release_metadata_snap && [ $rc = 0 ] && grep -q release_metadata_snap err
'

test_expect_success "dockerd restarts; its log never shows an id collision; a new snapshot takes the highest free id" '
	stop_dockerd && start_dockerd 2 &&
	docker start writer >/dev/null && sleep 1 &&
	devs=" $(live_devs) " && want=$TOP_ID &&
	while case "$devs" in *" $want "*) true ;; *) false ;; esac; do want=$((want - 1)); done &&
	"$LIFEBOAT" snapshot create --json --name w4 writer >c4.json &&
	expect_eq "$want" "$(jq .device_id c4.json)" "w4 id (the highest free one)" &&
	expect_eq ok "$(docker run --rm --network none lifeboat-demo:1 echo ok)" "run after restart" &&
	! grep -h "exists in pool but it is supposed to be unused" '$S'/dockerd.*.log
'

test_expect_success "with dockerd stopped: create activates the pool, snapshots, and releases it" '
	docker stop -t 1 writer >/dev/null && stop_dockerd &&
	for d in $(dmsetup ls | awk "\$1 != \"No\" { print \$1 }"); do dmsetup remove "$d"; done; losetup -D &&
	"$LIFEBOAT" snapshot create --json --name cold writer >cold.json 2>err && cat err &&
	jq -e ".dockerd_running == false and .origin_suspended == false" cold.json &&
	grep -q "activated read-write" err &&
	no_lifeboat_devices && [ -z "$(dmsetup ls | grep -v "No devices")" ]
'

test_expect_success "recover image --snapshot w1 (no device-mapper) equals the import of its export" '
	"$LIFEBOAT" recover image --snapshot w1 -o /scratch/w1.recovered.img &&
	"$LIFEBOAT" snapshot import /scratch/w1.full.lbx -o /scratch/w1.imported.img &&
	cmp /scratch/w1.recovered.img /scratch/w1.imported.img && no_lifeboat_devices
'

test_expect_success "recover doctor: the snapshots are snapshots, not orphans; no problem found" '
	"$LIFEBOAT" recover doctor --json >doc.json; rc=$?; jq -c "[.findings[] | {code, note}]" doc.json
	[ $rc = 0 ] &&
	expect_eq "" "$(jq -r "[.findings[] | select(.note | not) | .code] | join(\" \")" doc.json)" problems &&
	expect_eq 8 "$(jq "[.findings[] | select(.code == \"lifeboat-snapshot\")] | length" doc.json)" "snapshot notes"
'

test_expect_success "rollback of writer to w1, dockerd stopped: a new device, the file retargeted, the state before kept" '
	hash=$(docker_hash writer) && old=$(jq .device_id '$R'/devicemapper/metadata/$hash) &&
	"$LIFEBOAT" snapshot rollback --json writer w1 >rb.json && cat rb.json &&
	expect_eq "$old" "$(jq .old_device_id rb.json)" "old id" &&
	expect_eq "$(jq .new_device_id rb.json)" "$(jq .device_id '$R'/devicemapper/metadata/$hash)" "device file id" &&
	expect_eq "$old" "$(jq .device_id "$(jq -r .backup rb.json)")" "backup id" &&
	kept=$(jq -r .kept_as rb.json) && "$LIFEBOAT" snapshot ls --json | jq -e --arg k "$kept" "any(.snapshots[]; .name == \$k and .device_id == $old)" &&
	! [ -e '$R'/devicemapper/lifeboat/rollback.json ] && no_lifeboat_devices
'

test_expect_success "dockerd starts; the writer log is that of w1 (docker cp, before it runs); ls reads the inactive pool file" '
	"$LIFEBOAT" snapshot ls -r -n -o NAME,STATE | sort >ls2 && cat ls2 &&
	expect_eq "9 ready" "$(grep -c " ready$" ls2) ready" states &&
	start_dockerd 3 && docker cp writer:/data/writer.log '$S'/rolled.log &&
	expect_eq "$(cat '$S'/w1.last)" "$(tail -n 1 '$S'/rolled.log)" "last line after rollback" &&
	docker start writer >/dev/null &&
	! grep -h "exists in pool but it is supposed to be unused" '$S'/dockerd.*.log
'

test_expect_success "rollback is refused while dockerd runs (exit 4)" '
	expect_exit 4 "$LIFEBOAT" snapshot rollback writer w3 2>err && grep -q "stop it first" err
'

stop_dockerd
test_done
