#!/usr/bin/env bash
# migrate commit on a crashed Docker 20.10 devicemapper state, dockerd dead,
# witnessed by a second real dockerd (overlay2, its own data root and socket):
# the committed image loads there (its diff-id check proves the rebuilt base
# layers exact), its container's `docker export` equals what the source's
# Docker exported before the crash, the new layer holds exactly `docker
# diff`'s paths, and the pool's files are byte-identical afterwards.
. "$(dirname "$0")/../lib.sh"
R=/var/lib/docker
. "$TOP/tests/vm/rescue-lib.sh"
test_require "skopeo and tar-listing's python3" 'command -v skopeo && [ -x /usr/bin/python3 ]'
v=ext4
FIXTURE=$("$TOP/tests/fixtures/ensure" $v)
D2=/scratch/docker2 S2=/run/docker2.sock
docker2() { DOCKER_HOST=unix://$S2 timeout 300 /usr/bin/docker "$@"; }

test_expect_success "$v: the crashed Docker state is in place, dockerd dead" '
	rm -rf '$R'/* && fixture_extract '$v' '$R' &&
	pool_fingerprint '$R' >'$LB_SCRATCH'/pool-before &&
	! pgrep -x dockerd
'

test_expect_success "the witness: a second dockerd (overlay2) on its own root and socket" '
	mkdir -p '$D2' && echo "{}" >/scratch/docker2.json && export DOCKER_RAMDISK=true &&
	(dockerd --data-root '$D2' --exec-root /run/docker2 -H unix://'$S2' --pidfile /run/docker2.pid \
		--config-file /scratch/docker2.json --storage-driver overlay2 --iptables=false --ip-forward=false --bridge=none \
		--log-level=warn >'$LB_SCRATCH'/docker2.log 2>&1 &) &&
	for _ in $(seq 1 120); do docker2 info >/dev/null 2>&1 && break; sleep 1; done &&
	docker2 info 2>/dev/null | grep -q "Storage Driver: overlay2"
'

test_expect_success "commit changes into an OCI layout, with dockerd dead" '
	"$LIFEBOAT" migrate commit changes -o /scratch/changes.oci --tag moved --json >commit.json &&
	jq -e ".layers | length == 3" commit.json &&
	jq -e "[.layers[].from] == [\"tar-split\", \"tar-split\", \"container\"]" commit.json &&
	jq -e ".empty_layer == false and .journal == \"clean\"" commit.json &&
	no_lifeboat_devices
'

test_expect_success "skopeo reads the layout and checks every digest" '
	skopeo --insecure-policy copy --quiet oci:/scratch/changes.oci:moved dir:/scratch/changes.dir &&
	expect_eq "$(jq -r .manifest commit.json)" "sha256:$(sha256sum </scratch/changes.dir/manifest.json | cut -d" " -f1)" "manifest digest"
'

test_expect_success "the rebuilt base layers have the diff ids Docker recorded" '
	jq -r ".layers[0:2][].diff_id" commit.json >ours &&
	cat '$R'/image/devicemapper/layerdb/sha256/*/diff >/dev/null &&
	img=$(jq -r ".[0].Image" '$FIXTURE'/changes.inspect.json) &&
	jq -r ".rootfs.diff_ids[]" '$R'/image/devicemapper/imagedb/content/sha256/${img#sha256:} >theirs &&
	expect_file_same theirs ours
'

test_expect_success "the new layer holds exactly docker diff's paths (deletions as whiteouts)" '
	layer=$(jq -r ".layers[2].digest" commit.json) &&
	tar -tzf /scratch/changes.oci/blobs/sha256/${layer#sha256:} | sed "s|^\./||; s|/$||" | LC_ALL=C sort >entries &&
	awk "{ p = substr(\$0, 3); if (\$1 == \"D\") { n = split(p, a, \"/\"); a[n] = \".wh.\" a[n]; p = a[1]; for (i = 2; i <= n; i++) p = p \"/\" a[i] } sub(\"^/\", \"\", p); print p }" \
		'$FIXTURE'/changes.diff | LC_ALL=C sort >want &&
	expect_file_same want entries
'

test_expect_success "a docker-archive of the commit loads into the second dockerd" '
	"$LIFEBOAT" migrate commit changes --format docker-archive -o /scratch/changes.tar --tag moved:archive &&
	! ls /scratch/changes.tar.* 2>/dev/null &&
	docker2 load -i /scratch/changes.tar | grep -q "moved:archive"
'

test_expect_success "the loaded image runs, and its container exports what the source exported" '
	expect_eq "welcome to the IMAGE" "$(docker2 run --rm --network none moved:archive cat /etc/motd)" motd &&
	docker2 create --name landed --network none moved:archive >/dev/null &&
	docker2 export landed | /usr/bin/python3 "$TOP/tests/tools/tar-listing.py" >listing &&
	expect_file_same '$FIXTURE'/changes.listing listing
'

test_expect_success "the fixture's registry, with the base image Docker pushed and pulled" '
	mkdir -p /scratch/registry-seed && tar -C /scratch/registry-seed -xf '$FIXTURE'/registry-data.tar
'
. "$TOP/tests/registry/registry.sh"
ip link set lo up
REGISTRY_SEED=/scratch/registry-seed REGISTRY_WANT_PORT=5000 registry_start >/dev/null
REG=127.0.0.1:5000

test_expect_success "push changes with dockerd dead: base layers mounted from the repository Docker pulled them from" '
	"$LIFEBOAT" migrate push changes $REG/rescued/changes:moved --json >push.json &&
	jq -e "[.blobs[] | select(.action == \"mounted\")] | length == 2" push.json &&
	for d in $(jq -r ".blobs[] | select(.action == \"mounted\") | .digest" push.json); do
		grep -q "mount=$d" "$REGISTRY_LOG" &&
		! grep -E "PUT .*/rescued/changes/blobs/uploads/.*digest=$d" "$REGISTRY_LOG" || exit 1
	done &&
	! ls /var/lib/lifeboat/staging/* 2>/dev/null &&
	no_lifeboat_devices
'

test_expect_success "skopeo verifies every digest of the pushed image" '
	registry_skopeo copy "${REGISTRY_SKOPEO_SRC_ARGS[@]}" docker://$REG/rescued/changes:moved dir:/scratch/pushed.dir &&
	expect_eq "$(jq -r .manifest_digest push.json)" "sha256:$(sha256sum </scratch/pushed.dir/manifest.json | cut -d" " -f1)" "manifest digest"
'

test_expect_success "the second dockerd pulls it (its diff-id check), runs it, and exports what the source exported" '
	docker2 pull $REG/rescued/changes:moved >/dev/null &&
	expect_eq "welcome to the IMAGE" "$(docker2 run --rm --network none $REG/rescued/changes:moved cat /etc/motd)" motd &&
	docker2 create --name landed-pushed --network none $REG/rescued/changes:moved >/dev/null &&
	docker2 export landed-pushed | /usr/bin/python3 "$TOP/tests/tools/tar-listing.py" >listing &&
	expect_file_same '$FIXTURE'/changes.listing listing
'

test_expect_success "a second push sends only the new config: every layer is there" '
	"$LIFEBOAT" migrate push changes $REG/rescued/changes:moved --json >/scratch/push2.json &&
	jq -e "[.blobs[1:][] | select(.action != \"exists\")] | length == 0" /scratch/push2.json &&
	jq -e ".bytes_uploaded == .blobs[0].size" /scratch/push2.json
'

test_expect_success "migrate pull gives back the same image as a docker-archive that docker load takes" '
	"$LIFEBOAT" migrate pull $REG/rescued/changes:moved -o /scratch/pulled.oci &&
	skopeo --insecure-policy copy --quiet oci:/scratch/pulled.oci dir:/scratch/pulled.dir &&
	expect_eq "$(jq -r .manifest_digest /scratch/push2.json)" "sha256:$(sha256sum </scratch/pulled.dir/manifest.json | cut -d" " -f1)" "manifest digest" &&
	"$LIFEBOAT" migrate pull $REG/rescued/changes:moved --format docker-archive -o /scratch/pulled.tar &&
	! ls -d /scratch/pulled.tar.* 2>/dev/null &&
	docker2 rmi -f $REG/rescued/changes:moved >/dev/null &&
	docker2 load -i /scratch/pulled.tar | grep -q "$REG/rescued/changes:moved"
'

awk '/^ *```sh/{f=1;next} /^ *```/{f=0} f && $1 == "lifeboat"' "$TOP/runbooks/migrate-dead-host.md" |
	sed 's/^ *//' >/scratch/runbook.cmds
test_expect_success "runbook migrate-dead-host.md: its lifeboat commands run as written" '
	expect_eq 3 "$(wc -l </scratch/runbook.cmds)" "number of lifeboat commands" &&
	C=changes TARGET=$REG/rescued/runbook:moved &&
	while read -r cmd; do
		echo "runbook: $cmd" && eval "\"\$LIFEBOAT\" ${cmd#lifeboat }" >/dev/null || exit 1
	done </scratch/runbook.cmds &&
	docker2 load -i /srv/rescued.tar | grep -q rescued:moved &&
	docker2 pull "$TARGET" >/dev/null &&
	no_lifeboat_devices
'

# Through the fault proxy the registry has another address, so nothing is
# mounted (Docker's metadata names 127.0.0.1:5000) and every layer is
# uploaded in 1K chunks. The 12th PATCH is held by the proxy and never
# reaches the registry; lifeboat is killed while it waits, with one blob's
# upload journalled part way.
test_expect_success "kill -9 mid-push of a container, then the same push: the stage reused, the journalled blob resumed, nothing sent twice" '
	echo "fault PATCH 12 stall" >/scratch/proxy.ctl && : >/scratch/proxy.log &&
	python3 "$TOP/tests/registry/faultproxy.py" 5000 /scratch/proxy.ctl /scratch/proxy.port /scratch/proxy.log &
	proxy=$!
	for _ in $(seq 50); do [ -s /scratch/proxy.port ] && break; sleep 0.1; done
	P=127.0.0.1:$(cat /scratch/proxy.port)
	"$LIFEBOAT" migrate push --jobs 1 --chunk-size 1K changes $P/rescued/killed:1 2>/dev/null &
	pid=$!
	for _ in $(seq 900); do grep -q -- "-> stall" /scratch/proxy.log && break; sleep 0.1; done
	kill -9 $pid; wait $pid
	journal=$(ls /var/lib/lifeboat/staging/*/.lifeboat-push/*/rescued/killed/*.json) &&
	cat "$journal" && echo && blob=sha256:$(basename "$journal" .json) &&
	acked=$(jq .offset "$journal") &&
	: >/scratch/proxy.ctl &&
	"$LIFEBOAT" migrate push --json --jobs 1 --chunk-size 1K changes $P/rescued/killed:1 >/scratch/resume.json 2>/scratch/resume.err
	rc=$?
	kill $proxy; cat /scratch/resume.err
	expect_eq 0 $rc "exit code of the rerun" && grep -q "a previous run staged" /scratch/resume.err &&
	expect_eq exists "$(jq -r ".blobs[0].action" /scratch/resume.json)" "config" &&
	expect_eq resumed "$(jq -r ".blobs[] | select(.digest == \"$blob\") | .action" /scratch/resume.json)" "the journalled blob" &&
	size=$(jq ".blobs[] | select(.digest == \"$blob\") | .size" /scratch/resume.json) &&
	expect_eq $((size - acked)) "$(jq ".blobs[] | select(.digest == \"$blob\") | .bytes_sent" /scratch/resume.json)" "its bytes sent by the rerun" &&
	expect_eq 0 "$(jq .bytes_resent /scratch/resume.json)" "bytes sent again" &&
	! ls /var/lib/lifeboat/staging/* 2>/dev/null &&
	docker2 pull $REG/rescued/killed:1 >/dev/null &&
	no_lifeboat_devices
'

test_expect_success "db, killed while writing: committed through the replay, the pool not written" '
	"$LIFEBOAT" migrate commit db -o /scratch/db.oci --json >db.json &&
	jq -e ".journal == \"replayed-into-cow\"" db.json &&
	no_lifeboat_devices
'

test_expect_success "a layer missing from the layer store: exit 5 naming it, nothing left behind" '
	top=$(cat '$R'/image/devicemapper/layerdb/mounts/$(jq -r ".[0].Id" '$FIXTURE'/changes.inspect.json)/parent) &&
	mv '$R'/image/devicemapper/layerdb/sha256/${top#sha256:} /scratch/hidden-layer &&
	expect_exit 3 "$LIFEBOAT" migrate commit changes -o /scratch/missing.oci 2>err &&
	grep -q "missing from the layer store" err &&
	mv /scratch/hidden-layer '$R'/image/devicemapper/layerdb/sha256/${top#sha256:} &&
	no_lifeboat_devices
'

test_expect_success "a tar-split whose CRC-64 disagrees with the layer's file: exit 5 naming layer and file" '
	top=$(cat '$R'/image/devicemapper/layerdb/mounts/$(jq -r ".[0].Id" '$FIXTURE'/changes.inspect.json)/parent) &&
	ts='$R'/image/devicemapper/layerdb/sha256/${top#sha256:}/tar-split.json.gz &&
	cp "$ts" /scratch/ts.orig &&
	zcat "$ts" | /usr/bin/python3 -c "
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    if e.get(\"type\") == 1 and e.get(\"name\", \"\").endswith(\"opt/app/version\"):
        e[\"payload\"] = \"AAAAAAAAAAA=\"
        line = json.dumps(e) + \"\n\"
    sys.stdout.write(line)
" | gzip >"$ts.new" && mv "$ts.new" "$ts" &&
	expect_exit 5 "$LIFEBOAT" migrate commit changes -o /scratch/crc.oci 2>err &&
	grep -q "opt/app/version" err && grep -q "${top#sha256:}" err &&
	cp /scratch/ts.orig "$ts" &&
	no_lifeboat_devices
'

test_expect_success "a disk that fills while staging: exit 1 saying so, nothing of lifeboat left; the same push completes once there is room" '
	mkdir -p /var/lib/lifeboat/staging && mount -t tmpfs -o size=1m tmpfs /var/lib/lifeboat/staging &&
	{ dd if=/dev/zero of=/var/lib/lifeboat/staging/.fill bs=4k 2>/dev/null; df -k /var/lib/lifeboat/staging; } &&
	"$LIFEBOAT" migrate push changes $REG/rescued/full:1 2>err; rc=$?; cat err
	umount /var/lib/lifeboat/staging && expect_eq 1 $rc "exit code" && grep -q "No space left on device" err &&
	no_lifeboat_devices &&
	"$LIFEBOAT" migrate push changes $REG/rescued/full:1 --json >full.json &&
	jq -e ".manifest_digest | startswith(\"sha256:\")" full.json &&
	! ls /var/lib/lifeboat/staging/* 2>/dev/null && docker2 pull $REG/rescued/full:1 >/dev/null
'

test_expect_success "the pool files are byte-identical, nothing of lifeboat is left" '
	pool_fingerprint '$R' >'$LB_SCRATCH'/pool-after &&
	expect_file_same '$LB_SCRATCH'/pool-before '$LB_SCRATCH'/pool-after &&
	no_lifeboat_devices
'

# Last, as it changes the pool: the source's own dockerd comes back.
test_expect_success "a container running under a live dockerd is refused (exit 4), nothing written" '
	mkdir -p /etc/docker && cp '$FIXTURE'/daemon.json /etc/docker/daemon.json &&
	(DOCKER_RAMDISK=true dockerd --data-root '$R' -H unix:///run/docker.sock \
		>'$LB_SCRATCH'/docker1.log 2>&1 &) &&
	for _ in $(seq 1 120); do timeout 60 docker -H unix:///run/docker.sock info >/dev/null 2>&1 && break; sleep 1; done &&
	timeout 120 docker -H unix:///run/docker.sock start db >/dev/null &&
	expect_exit 4 "$LIFEBOAT" migrate commit db -o /scratch/live.oci 2>err &&
	grep -q "live dockerd" err && ! [ -e /scratch/live.oci ] &&
	! dmsetup info -c --noheadings -o uuid | grep -q LIFEBOAT-
'

kill "$(cat /run/docker2.pid 2>/dev/null)" "$(cat /var/run/docker.pid 2>/dev/null)" 2>/dev/null
test_done
