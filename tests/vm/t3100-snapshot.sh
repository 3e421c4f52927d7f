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
docker() { timeout 120 /usr/bin/docker "$@"; }
POOL=
TOP_ID=16777215

start_dockerd() { # LOGNAME
	dockerd --data-root $R -H unix:///run/docker.sock >>"$S/dockerd.$1.log" 2>&1 &
	echo $! >"$S/dockerd.pid"
	for _ in $(seq 1 120); do
		docker info >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$S/dockerd.pid")" 2>/dev/null || return 1
		sleep 1
	done
	return 1
}
stop_dockerd() {
	local pid
	pid=$(cat "$S/dockerd.pid")
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 1; done
	return 1
}
# The live pool's devices, read as thin_dump reads them: through a metadata
# snapshot of our own (lifeboat must not be holding one).
live_devs() {
	dmsetup message "$POOL" 0 reserve_metadata_snap &&
	thin_dump -m "$R/devicemapper/devicemapper/metadata" | sed -n 's/.*<device dev_id="\([0-9]*\)".*/\1/p' | sort -n | tr '\n' ' '
	dmsetup message "$POOL" 0 release_metadata_snap
}
docker_hash() { cat "$R/image/devicemapper/layerdb/mounts/$(jq -r .ID "$R/containers/$(docker_cid "$1")/config.v2.json")/mount-id"; }
docker_cid() { for d in "$R"/containers/*/; do [ "$(jq -r .Name "$d/config.v2.json")" = "/$1" ] && basename "$d"; done; }
held_root() { dmsetup status "$POOL" | awk '{ print $7 }'; }
# The writer's last line as the kernel reads the snapshot device: a read-only
# thin device of the id, e2fsck -n clean, mounted read-only.
snap_last_line() { # ID NAME
	local size
	size=$(blockdev --getsz "/dev/mapper/$(docker inspect -f '{{.GraphDriver.Data.DeviceName}}' writer)")
	dmsetup create "lbtest-$2" --readonly --table "0 $size thin /dev/mapper/$POOL $1" &&
	e2fsck -fn "/dev/mapper/lbtest-$2" >"$S/fsck.$2" 2>&1 &&
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

test_expect_success "dockerd goes on working: run, create, rm, stop and start, all beside the snapshots" '
	expect_eq hello "$(docker run --rm --network none lifeboat-demo:1 echo hello)" run &&
	docker create --name scratch1 --network none lifeboat-demo:1 true >/dev/null && docker rm scratch1 >/dev/null &&
	docker stop -t 1 writer >/dev/null && docker start writer >/dev/null &&
	docker start db >/dev/null && docker stop -t 1 db >/dev/null
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

test_expect_success "dockerd restarts; its log never shows an id collision; a new snapshot takes the highest free id (that of w2)" '
	stop_dockerd && start_dockerd 2 &&
	docker start writer >/dev/null && sleep 1 &&
	"$LIFEBOAT" snapshot create --json --name w4 writer >c4.json &&
	expect_eq '$((TOP_ID - 1))' "$(jq .device_id c4.json)" "w4 id" &&
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

test_expect_success "recover doctor: the snapshots are snapshots, not orphans; no problem found" '
	"$LIFEBOAT" recover doctor --json >doc.json; rc=$?; jq -c "[.findings[] | {code, note}]" doc.json
	[ $rc = 0 ] &&
	expect_eq "" "$(jq -r "[.findings[] | select(.note | not) | .code] | join(\" \")" doc.json)" problems &&
	expect_eq 5 "$(jq "[.findings[] | select(.code == \"lifeboat-snapshot\")] | length" doc.json)" "snapshot notes"
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
	expect_eq "6 ready" "$(grep -c " ready$" ls2) ready" states &&
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
