#!/usr/bin/env bash
# snapshot import --into and migrate push --live beside the real dockerd
# 20.10 on a generated crashed devicemapper state: a running container's
# snapshot is exported and removed, then its export comes back into the pool
# as a new thin device (create_thin only, the transaction id unchanged, an id
# from the top) that the kernel reads byte for byte as the export's image; a
# corrupt stream, a device of another size and the same snapshot twice are
# refused with nothing left; an import killed with -9 stays "importing" until
# `snapshot rm` takes its record and device; the running container is pushed
# live to a real docker-registry and the live dockerd pulls and runs it; and
# with dockerd stopped the container is rolled back to the imported snapshot
# and dockerd shows the snapshot's files.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/vm/rescue-lib.sh"
test_require "dockerd, docker, dmsetup, thin_dump, e2fsck, docker-registry, skopeo" \
	'command -v dockerd && [ -x /usr/bin/docker ] && command -v dmsetup && command -v thin_dump && command -v e2fsck && command -v docker-registry && command -v skopeo'
export PATH=/usr/sbin:/usr/bin:/sbin:/bin DOCKER_RAMDISK=true DOCKER_HOST=unix:///run/docker.sock
R=/var/lib/docker S=$LB_SCRATCH
v=ext4
FIXTURE=$("$TOP/tests/fixtures/ensure" $v)
. "$TOP/tests/vm/snapshot-lib.sh"
. "$TOP/tests/registry/registry.sh"
ip link set lo up # the guest boots with loopback down; the registry listens on 127.0.0.1
# A guest under TCG on a busy machine can take more than the default 15 s.
REGISTRY_START_TIMEOUT=90
pool_tid() { dmsetup status "$POOL" | awk '{ print $4 }'; }

test_expect_success "$v: the crashed state, its real dockerd started on it, a container that keeps writing" '
	rm -rf '$R'/* && fixture_extract '$v' '$R' &&
	mkdir -p /etc/docker && cp '$FIXTURE'/daemon.json /etc/docker/daemon.json &&
	start_dockerd 1 &&
	docker run -d --name writer --network none lifeboat-demo:1 sh -c \
		"mkdir -p /data; i=0; while :; do i=\$((i+1)); echo \$i >>/data/writer.log; sync; sleep 0.02; done" >/dev/null &&
	for _ in $(seq 1 60); do
		docker cp writer:/data/writer.log '$S'/w.log 2>/dev/null && [ "$(wc -l <'$S'/w.log)" -gt 10 ] && break
		sleep 1
	done && [ "$(wc -l <'$S'/w.log)" -gt 10 ]
'
POOL=$(docker info -f '{{range .DriverStatus}}{{if eq (index . 0) "Pool Name"}}{{index . 1}}{{end}}{{end}}' 2>/dev/null)

test_expect_success "a snapshot w1, exported full and imported into a plain image (the witness below), its last line read" '
	"$LIFEBOAT" snapshot create --name w1 writer >/dev/null &&
	"$LIFEBOAT" snapshot ls --json writer | jq -r ".snapshots[0].uuid" >'$S'/w1.uuid &&
	"$LIFEBOAT" snapshot export w1 -o /scratch/w1.lbx &&
	"$LIFEBOAT" snapshot import /scratch/w1.lbx -o /scratch/w1.img &&
	mkdir -p /mnt/w1 && mount -o loop,ro,noload /scratch/w1.img /mnt/w1 &&
	tail -n 1 /mnt/w1/rootfs/data/writer.log >'$S'/w1.last; umount /mnt/w1 &&
	echo "w1 holds up to line $(cat '$S'/w1.last)" && [ "$(cat '$S'/w1.last)" -gt 0 ]
'

test_expect_success "the same snapshot is not imported twice: exit 2 naming it" '
	expect_exit 2 "$LIFEBOAT" snapshot import /scratch/w1.lbx --into writer 2>err; rc=$?; cat err
	[ $rc = 0 ] && grep -q "as w1" err
'

test_expect_success "w1 removed, then imported back beside the live dockerd: a new id from the top, the transaction id unchanged, no held root, the kernel reads the export's image" '
	"$LIFEBOAT" snapshot rm w1 && before=$(live_devs) && T0=$(pool_tid) &&
	"$LIFEBOAT" snapshot import /scratch/w1.lbx --into writer --name w1-back --json >imp.json && cat imp.json &&
	jq -e ".state == \"ready\" and .dockerd_running == true and .container == \"writer\"" imp.json &&
	expect_eq "$(cat '$S'/w1.uuid)" "$(jq -r .uuid imp.json)" "the identity of the export" &&
	iid=$(jq .device_id imp.json) && expect_eq $TOP_ID "$iid" "the id (the top one, free again)" &&
	! echo " $before " | grep -q " $iid " && echo " $(live_devs) " | grep -q " $iid " &&
	expect_eq "$T0" "$(pool_tid)" "pool transaction id" &&
	expect_eq - "$(held_root)" "held root after the import" &&
	! dmsetup ls | grep -q lifeboat-import &&
	size=$(stat -c %s /scratch/w1.img) &&
	dmsetup create lbtest-back --readonly --table "0 $((size / 512)) thin /dev/mapper/$POOL $iid" &&
	{ cmp /dev/mapper/lbtest-back /scratch/w1.img; rc=$?; dmsetup remove lbtest-back; [ $rc = 0 ]; }
'

test_expect_success "a corrupt stream is exit 5 with no device or record left; a container with a device of another size is exit 4" '
	"$LIFEBOAT" snapshot create --name w2 writer >/dev/null &&
	"$LIFEBOAT" snapshot export w2 -o /scratch/w2.lbx && "$LIFEBOAT" snapshot rm w2 && before=$(live_devs) &&
	/usr/bin/python3 -c "import sys; b = bytearray(open(sys.argv[1], \"rb\").read()); b[70000] ^= 0x5a; open(sys.argv[2], \"wb\").write(b)" /scratch/w2.lbx bad.lbx &&
	expect_exit 5 "$LIFEBOAT" snapshot import bad.lbx --into writer --name broken &&
	! "$LIFEBOAT" snapshot ls -r -n -o NAME | grep -qx broken &&
	expect_eq "$before" "$(live_devs)" "pool devices after the corrupt import" &&
	! dmsetup ls | grep -q lifeboat-import &&
	docker create --name bigger --network none --storage-opt size=12G lifeboat-demo:1 true >/dev/null &&
	expect_eq 12884901888 "$(jq .size "$R/devicemapper/metadata/$(docker_hash bigger)")" "a 12 GiB device" &&
	expect_exit 4 "$LIFEBOAT" snapshot import /scratch/w1.lbx --into bigger --name other-size 2>err; rc=$?; cat err
	[ $rc = 0 ] && grep -q "a rollback could not use it" err && docker rm bigger >/dev/null
'

# The import reads its streams twice (headers first, then all of each): a
# fifo fed whole the first time and then only 4 KiB holds it mid-write with
# its device made, for a kill at a known point.
test_expect_success "kill -9 of an import while it writes: the record stays importing with its device; snapshot rm removes both" '
	rm -f fifo && mkfifo fifo && before=$(live_devs) || exit 1
	{ cat /scratch/w2.lbx >fifo 2>/dev/null; { head -c 4096 /scratch/w2.lbx; sleep 300; } >fifo; } &
	feeder=$!
	"$LIFEBOAT" snapshot import fifo --into writer --name killed &
	imp=$!
	for _ in $(seq 1 300); do dmsetup ls | grep -q lifeboat-import && break; sleep 0.1; done
	sleep 1; kill -9 $imp; wait $imp 2>/dev/null; pkill -P $feeder; kill $feeder 2>/dev/null; wait $feeder 2>/dev/null
	dmsetup ls | grep lifeboat-import &&
	expect_eq importing "$("$LIFEBOAT" snapshot ls --json writer | jq -r ".snapshots[] | select(.name == \"killed\") | .state")" state &&
	expect_exit 4 "$LIFEBOAT" snapshot export killed -o /scratch/killed.lbx &&
	"$LIFEBOAT" snapshot rm killed &&
	! dmsetup ls | grep -q lifeboat-import &&
	expect_eq "$before" "$(live_devs)" "pool devices after rm" &&
	expect_exit 3 "$LIFEBOAT" snapshot rm killed
'

test_expect_success "migrate push --live of the running writer to a real docker-registry: skopeo reads the digest pushed; the live dockerd pulls and runs it; no snapshot, device or held root left" '
	registry_start >/dev/null &&
	n0=$("$LIFEBOAT" snapshot ls --json | jq ".snapshots | length") &&
	expect_exit 4 "$LIFEBOAT" migrate push writer $REGISTRY_ADDR/writer:nolive &&
	"$LIFEBOAT" migrate push writer --live $REGISTRY_ADDR/writer:live --json >push.json && jq -c . push.json &&
	digest=$(jq -r .manifest_digest push.json) &&
	expect_eq "$digest" "$(registry_skopeo inspect "${REGISTRY_SKOPEO_ARGS[@]}" docker://$REGISTRY_ADDR/writer:live | jq -r .Digest)" "digest as skopeo reads it" &&
	expect_eq "$n0" "$("$LIFEBOAT" snapshot ls --json | jq ".snapshots | length")" "snapshots after" &&
	docker pull -q $REGISTRY_ADDR/writer:live >/dev/null &&
	last=$(docker run --rm --network none $REGISTRY_ADDR/writer:live sed -n "\$p" /data/writer.log) &&
	echo "the pushed image holds up to line $last" && [ "$last" -gt "$(cat '$S'/w1.last)" ] &&
	! dmsetup info -c --noheadings -o uuid | grep -q LIFEBOAT- &&
	expect_eq - "$(held_root)" "held root after the push"
'
registry_stop

test_expect_success "dockerd restarts beside the imported snapshot; its log never shows an id collision" '
	stop_dockerd && start_dockerd 2 &&
	expect_eq ok "$(docker run --rm --network none lifeboat-demo:1 echo ok)" "run after restart" &&
	! grep -h "exists in pool but it is supposed to be unused" '$S'/dockerd.*.log
'

test_expect_success "dockerd stopped: rollback of writer to the imported w1-back; recover doctor calls it a snapshot and finds no problem" '
	docker stop -t 1 writer >/dev/null && stop_dockerd &&
	"$LIFEBOAT" snapshot rollback --json writer w1-back >rb.json && cat rb.json &&
	! [ -e '$R'/devicemapper/lifeboat/rollback.json ] && no_lifeboat_devices &&
	"$LIFEBOAT" recover doctor --json >doc.json; rc=$?; jq -c "[.findings[] | {code, note, objects}]" doc.json
	[ $rc = 0 ] &&
	expect_eq "" "$(jq -r "[.findings[] | select(.note | not) | .code] | join(\" \")" doc.json)" problems &&
	jq -e "any(.findings[]; .code == \"lifeboat-snapshot\" and (tostring | test(\"w1-back\")))" doc.json
'

test_expect_success "dockerd starts; the writer log is that of w1 (docker cp, before it runs)" '
	start_dockerd 3 && docker cp writer:/data/writer.log '$S'/rolled.log &&
	expect_eq "$(cat '$S'/w1.last)" "$(tail -n 1 '$S'/rolled.log)" "last line after the rollback" &&
	! grep -h "exists in pool but it is supposed to be unused" '$S'/dockerd.*.log
'

stop_dockerd
test_done
