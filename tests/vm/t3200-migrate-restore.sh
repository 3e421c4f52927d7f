#!/usr/bin/env bash
# migrate push --with-volumes | restore | evacuate | land, on the generated
# crashed Docker 20.10 devicemapper state. Its real dockerd first makes three
# containers with the settings `restore` keeps (named volumes with data, a
# bind mount, a host device, limits, restart policy, healthcheck...) and
# records `docker inspect` and the volumes' files; then it is killed (-9),
# and everything after runs with the source daemon dead, through a real
# docker-registry with htpasswd auth, to a second real dockerd (overlay2) and
# to podman's Docker-compatible service. The witnesses are the engines' own
# inspect, their volumes' files and skopeo; never lifeboat's own output.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/vm/rescue-lib.sh"
test_require "dockerd, docker, skopeo, podman" \
	'command -v dockerd && [ -x /usr/bin/docker ] && command -v skopeo && command -v podman'
export PATH=/usr/sbin:/usr/bin:/sbin:/bin DOCKER_RAMDISK=true
R=/var/lib/docker S=$LB_SCRATCH
v=ext4
FIXTURE=$("$TOP/tests/fixtures/ensure" $v)
S1=/run/docker.sock S2=/run/docker2.sock SP=/run/podman/podman.sock
docker1() { DOCKER_HOST=unix://$S1 timeout 120 /usr/bin/docker "$@"; }
docker2() { DOCKER_HOST=unix://$S2 timeout 300 /usr/bin/docker "$@"; }
# podman through its Docker-compatible API: the docker CLI is the client.
dockerp() { DOCKER_HOST=unix://$SP timeout 300 /usr/bin/docker "$@"; }
wait_for() { for _ in $(seq 1 120); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done; return 1; }

# The fields restore keeps, as `docker inspect` shows them; image defaults
# (Env's PATH, the image's Labels) come with the same image on both sides.
KEPT='.[0] | {Cmd: .Config.Cmd, Entrypoint: .Config.Entrypoint, Env: (.Config.Env // [] | sort),
	WorkingDir: .Config.WorkingDir, User: .Config.User, Labels: .Config.Labels,
	ExposedPorts: .Config.ExposedPorts, StopSignal: .Config.StopSignal,
	StopTimeout: .Config.StopTimeout, Healthcheck: .Config.Healthcheck,
	RestartPolicy: .HostConfig.RestartPolicy, Memory: .HostConfig.Memory,
	CpuShares: .HostConfig.CpuShares, NanoCpus: .HostConfig.NanoCpus,
	PidsLimit: .HostConfig.PidsLimit, CapAdd: .HostConfig.CapAdd, CapDrop: .HostConfig.CapDrop,
	Privileged: .HostConfig.Privileged, Init: .HostConfig.Init, Tmpfs: .HostConfig.Tmpfs,
	ReadonlyRootfs: .HostConfig.ReadonlyRootfs, Ulimits: .HostConfig.Ulimits,
	ExtraHosts: .HostConfig.ExtraHosts, LogType: .HostConfig.LogConfig.Type,
	Volumes: [.Mounts[] | select(.Type == "volume") | {Name, Destination, RW}] | sort_by(.Destination)}'
# podman's compatible inspect shows some kept settings in its own terms
# (StopSignal as a number, Tmpfs with its default options, Ulimits with
# RLIMIT_ names and its defaults, Env with its own additions, Healthcheck
# with its defaults filled in, ExposedPorts only with a network, CapDrop
# with what its default set lacks against Docker's): those are
# compared apart or by what they mean; the rest must be equal.
KEPT_PODMAN='.[0] | {Cmd: .Config.Cmd, WorkingDir: .Config.WorkingDir, User: .Config.User,
	Labels: .Config.Labels, StopTimeout: .Config.StopTimeout, Health: .Config.Healthcheck.Test,
	RestartPolicy: .HostConfig.RestartPolicy, Memory: .HostConfig.Memory, CpuShares: .HostConfig.CpuShares,
	CapAdd: ([.HostConfig.CapAdd[]? | ltrimstr("CAP_")] | sort),
	Init: .HostConfig.Init, ReadonlyRootfs: .HostConfig.ReadonlyRootfs, ExtraHosts: .HostConfig.ExtraHosts,
	Tmpfs: (.HostConfig.Tmpfs // {} | keys),
	Volumes: [.Mounts[] | select(.Type == "volume") | {Name, Destination, RW}] | sort_by(.Destination)}'
# path, type, mode, size and sha256 of every file under a directory
tree_sums() { (cd "$1" && find . -mindepth 1 -printf '%P %y %m %s ' -exec sh -c '[ -f "$1" ] && sha256sum <"$1" | cut -c1-64 || echo -' _ {} \; | LC_ALL=C sort); }

test_expect_success "$v: the crashed state, and its real dockerd started on it" '
	rm -rf '$R'/* && fixture_extract '$v' '$R' &&
	mkdir -p /etc/docker && cp '$FIXTURE'/daemon.json /etc/docker/daemon.json &&
	(dockerd --data-root '$R' -H unix://'$S1' >'$S'/dockerd1.log 2>&1 & echo $! >'$S'/dockerd1.pid) &&
	wait_for docker1 info
'

test_expect_success "the source daemon makes three containers: named volumes with data, a bind, a device, limits" '
	mkdir -p /srv/bind && echo host-only >/srv/bind/file &&
	docker1 volume create appdata >/dev/null && docker1 volume create --label keep=yes workdata >/dev/null &&
	docker1 run --rm -v appdata:/data lifeboat-demo:1 sh -c "mkdir -p /data/sub && echo hello >/data/sub/greeting && seq 1 5000 >/data/numbers && ln -s sub/greeting /data/link && chmod 0640 /data/numbers" &&
	docker1 run --rm -v workdata:/work lifeboat-demo:1 sh -c "echo worker-ran-here >/work/msg" &&
	docker1 create --name app --network none --restart unless-stopped -e APP_MODE=prod -e "QUOTED=a b" \
		-l tier=web -l owner=ops -w /data -u 0:0 --expose 8080 --memory 64m --cpu-shares 512 --pids-limit 99 \
		--cap-drop NET_RAW --cap-add SYS_PTRACE --init --tmpfs /scratchpad:size=1m --ulimit nofile=1024:2048 \
		--add-host db.local:10.0.0.5 --stop-signal SIGINT --stop-timeout 7 \
		--health-cmd "test -f /data/numbers" --health-interval 30s \
		-v appdata:/data -v /srv/bind:/bind:ro --device /dev/null:/dev/fakenull \
		lifeboat-demo:1 sh -c "while sleep 1; do :; done" >/dev/null &&
	docker1 start app >/dev/null &&
	docker1 create --name worker --network none --restart on-failure:3 -v workdata:/work \
		--read-only --entrypoint /bin/sh lifeboat-demo:1 -c "cat /work/msg" >/dev/null &&
	docker1 create --name idle --network none --log-driver none lifeboat-demo:1 true >/dev/null &&
	mkdir -p '$S'/src && for c in app worker idle; do docker1 inspect $c >'$S'/src/$c.inspect.json || exit 1; done &&
	tree_sums '$R'/volumes/appdata/_data >'$S'/src/appdata.sums &&
	tree_sums '$R'/volumes/workdata/_data >'$S'/src/workdata.sums &&
	jq -e ".[0].State.Running" '$S'/src/app.inspect.json
'

# As a crash does: dockerd, containerd, the shims and app's processes die at
# once (kill -9); then what the dead host held (mounts, dm devices, loops)
# goes, as a reboot would take it.
test_expect_success "the source host crashes: dockerd, containerd, shims and app killed -9" '
	pid=$(jq ".[0].State.Pid" '$S'/src/app.inspect.json) && [ "$pid" -gt 0 ] &&
	kill -9 $(cat '$S'/dockerd1.pid) $(pgrep -x containerd) $(pgrep -f containerd-shim) "$pid" &&
	for _ in $(seq 1 50); do { pgrep -x dockerd || pgrep -x containerd; } >/dev/null || break; sleep 0.2; done &&
	! pgrep -x dockerd && { [ ! -e /proc/$pid ] || grep -q "^State:.*Z" /proc/$pid/status; } &&
	{ awk "\$2 ~ \"^'$R'/\" { print \$2 }" /proc/mounts | sort -r | xargs -r umount -l;
	  dmsetup remove_all --force >/dev/null 2>&1; losetup -D; true; } &&
	pool_fingerprint '$R' >'$S'/pool-before
'

test_expect_success "the target: a second dockerd (overlay2) on its own root and socket" '
	mkdir -p /scratch/docker2 && echo "{}" >/scratch/docker2.json &&
	(dockerd --data-root /scratch/docker2 --exec-root /run/docker2 -H unix://'$S2' --pidfile /run/docker2.pid \
		--config-file /scratch/docker2.json --storage-driver overlay2 --iptables=false --ip-forward=false \
		--bridge=none --log-level=warn >'$S'/docker2.log 2>&1 &) &&
	wait_for docker2 info
'

. "$TOP/tests/registry/registry.sh"
ip link set lo up
registry_start --auth >/dev/null
REG=$REGISTRY_ADDR CREDS="$REGISTRY_USER:$REGISTRY_PASS"
test_expect_success "a real docker-registry with htpasswd auth" '
	[ -n "$REGISTRY_USER" ] && registry_curl -fsS "$REGISTRY_URL/v2/" >/dev/null
'

test_expect_success "push app --with-volumes: the spec and its named volume beside the image, visible to skopeo" '
	"$LIFEBOAT" migrate push app $REG/evac/app:v1 --with-volumes --creds "$CREDS" --json >push.json 2>push.err; rc=$?
	cat push.err && [ $rc = 0 ] && digest=$(jq -r .manifest_digest push.json) &&
	registry_skopeo inspect --raw "${REGISTRY_SKOPEO_ARGS[@]}" docker://$REG/evac/app:sha256-${digest#sha256:}.lifeboat >art.json &&
	jq -e ".config.mediaType == \"application/vnd.lifeboat.container.spec.v1+json\"" art.json &&
	jq -e "[.layers[].annotations[\"io.lifeboat.volume.name\"]] == [\"appdata\"]" art.json &&
	jq -e ".annotations[\"io.lifeboat.image.digest\"] == \"$digest\"" art.json &&
	registry_skopeo copy "${REGISTRY_SKOPEO_SRC_ARGS[@]}" docker://$REG/evac/app:sha256-${digest#sha256:}.lifeboat dir:/scratch/art.dir &&
	grep -q "bind" push.err && grep -q "/dev/fakenull\|device" push.err
'

test_expect_success "restore app on the second dockerd: every kept field as the source had it, the volume equal" '
	"$LIFEBOAT" migrate restore $REG/evac/app:v1 --host unix://'$S2' --creds "$CREDS" --json >restore.json 2>restore.err; rc=$?
	cat restore.err restore.json && [ $rc = 0 ] && docker2 inspect app >app2.json &&
	jq -S "$KEPT" '$S'/src/app.inspect.json >want && jq -S "$KEPT" app2.json >got &&
	expect_file_same want got &&
	tree_sums /scratch/docker2/volumes/appdata/_data >got.sums &&
	expect_file_same '$S'/src/appdata.sums got.sums &&
	jq -e ".changes | map(.field) | index(\"Config.Hostname\") != null" restore.json &&
	jq -e "[.warnings[] | select(test(\"bind\"))] | length >= 1" restore.json
'

test_expect_success "restore worker (pushed with its volume); docker start runs its own command to its normal exit" '
	"$LIFEBOAT" migrate push worker $REG/evac/worker:v1 --with-volumes --creds "$CREDS" >/dev/null &&
	"$LIFEBOAT" migrate restore $REG/evac/worker:v1 --host unix://'$S2' --creds "$CREDS" >/dev/null &&
	jq -S "$KEPT" '$S'/src/worker.inspect.json >want && docker2 inspect worker | jq -S "$KEPT" >got &&
	expect_file_same want got &&
	docker2 start -a worker >out && expect_eq worker-ran-here "$(cat out)" "its output" &&
	expect_eq 0 "$(docker2 inspect -f "{{.State.ExitCode}}" worker)" "exit code"
'

test_expect_success "a name clash is exit 4 and leaves the target as it was; --replace replaces it" '
	before=$(docker2 inspect -f "{{.Id}}" app) &&
	expect_exit 4 "$LIFEBOAT" migrate restore $REG/evac/app:v1 --host unix://'$S2' --creds "$CREDS" &&
	expect_eq "$before" "$(docker2 inspect -f "{{.Id}}" app)" "the same container" &&
	expect_eq 1 "$(docker2 ps -aq --filter name=^app | wc -l)" "containers named app*" &&
	"$LIFEBOAT" migrate restore $REG/evac/app:v1 --host unix://'$S2' --creds "$CREDS" --replace >/dev/null &&
	[ "$before" != "$(docker2 inspect -f "{{.Id}}" app)" ]
'

test_expect_success "bad input: a missing image (3), an unreachable engine (1), nothing half-created" '
	vols=$(docker2 volume ls -q | sort | tr "\n" " ") &&
	expect_exit 3 "$LIFEBOAT" migrate restore $REG/evac/nothing:v1 --host unix://'$S2' --creds "$CREDS" &&
	expect_exit 1 "$LIFEBOAT" migrate restore $REG/evac/app:v1 --host unix:///run/no-such.sock --creds "$CREDS" --name other &&
	expect_eq "$vols" "$(docker2 volume ls -q | sort | tr "\n" " ")" "volumes" &&
	! docker2 inspect other >/dev/null 2>&1
'

test_expect_success "commit --with-volumes into a layout, restore from it with no registry: the same settings and volume" '
	"$LIFEBOAT" migrate commit app -o /scratch/app.oci --tag app:moved --with-volumes 2>commit.err; rc=$?
	cat commit.err && [ $rc = 0 ] &&
	{ docker2 rm -f app; docker2 volume rm appdata; } >/dev/null 2>&1
	"$LIFEBOAT" migrate restore /scratch/app.oci --host unix://'$S2' >layout.out 2>layout.err; rc=$?
	cat layout.err layout.out && [ $rc = 0 ] &&
	expect_eq app:moved "$(docker2 inspect -f "{{.Config.Image}}" app)" "the image, by the layout'"'"'s name" &&
	jq -S "$KEPT" '$S'/src/app.inspect.json >want && docker2 inspect app | jq -S "$KEPT" >got &&
	expect_file_same want got &&
	tree_sums /scratch/docker2/volumes/appdata/_data >got.sums && expect_file_same '$S'/src/appdata.sums got.sums &&
	[ -f /scratch/app.oci/index.json ] && ! ls /var/lib/lifeboat/restore/*.tar 2>/dev/null
'

test_expect_success "that layout pushed as it is carries its spec too: restore from the registry gives the same" '
	"$LIFEBOAT" migrate push /scratch/app.oci $REG/evac/fromlayout:v1 --creds "$CREDS" --json >lpush.json &&
	digest=$(jq -r .manifest_digest lpush.json) &&
	registry_skopeo inspect --raw "${REGISTRY_SKOPEO_ARGS[@]}" docker://$REG/evac/fromlayout:sha256-${digest#sha256:}.lifeboat >lart.json &&
	jq -e ".annotations[\"io.lifeboat.image.digest\"] == \"$digest\"" lart.json &&
	{ docker2 rm -f app; docker2 volume rm appdata; } >/dev/null 2>&1
	"$LIFEBOAT" migrate restore $REG/evac/fromlayout:v1 --host unix://'$S2' --creds "$CREDS" >/dev/null &&
	jq -S "$KEPT" '$S'/src/app.inspect.json >want && docker2 inspect app | jq -S "$KEPT" >got &&
	expect_file_same want got &&
	tree_sums /scratch/docker2/volumes/appdata/_data >got.sums && expect_file_same '$S'/src/appdata.sums got.sums
'

test_expect_success "commit --format docker-archive --with-volumes, restore the archive: the same settings and volume" '
	"$LIFEBOAT" migrate commit app --format docker-archive -o /scratch/app.tar --tag app:archived --with-volumes 2>/dev/null &&
	tar -tf /scratch/app.tar | grep -qx "lifeboat/index.json" &&
	{ docker2 rm -f app; docker2 volume rm appdata; } >/dev/null 2>&1
	"$LIFEBOAT" migrate restore /scratch/app.tar --host unix://'$S2' >/dev/null &&
	expect_eq app:archived "$(docker2 inspect -f "{{.Config.Image}}" app)" "the image, by the archive'"'"'s tag" &&
	jq -S "$KEPT" '$S'/src/app.inspect.json >want && docker2 inspect app | jq -S "$KEPT" >got &&
	expect_file_same want got &&
	tree_sums /scratch/docker2/volumes/appdata/_data >got.sums && expect_file_same '$S'/src/appdata.sums got.sums &&
	! ls -d /var/lib/lifeboat/restore/archive-* 2>/dev/null
'

test_expect_success "a layout whose volume blob was changed: exit 5 before anything is created" '
	rm -rf /scratch/bad.oci && cp -r /scratch/app.oci /scratch/bad.oci &&
	art=$(jq -r ".manifests[] | select(.annotations[\"org.opencontainers.image.ref.name\"] == \"lifeboat-spec\") | .digest" /scratch/bad.oci/index.json) &&
	vb=$(jq -r ".layers[0].digest" /scratch/bad.oci/blobs/sha256/${art#sha256:}) &&
	printf "\377" | dd of=/scratch/bad.oci/blobs/sha256/${vb#sha256:} bs=1 seek=40 conv=notrunc 2>/dev/null &&
	{ docker2 rm -f app; docker2 volume rm appdata; } >/dev/null 2>&1
	expect_exit 5 "$LIFEBOAT" migrate restore /scratch/bad.oci --host unix://'$S2' &&
	! docker2 inspect app >/dev/null 2>&1 && ! docker2 volume inspect appdata >/dev/null 2>&1
'

test_expect_success "podman's Docker-compatible service: restore app there too" '
	mkdir -p /run/podman /scratch/podman &&
	printf "[[registry]]\nlocation = \"%s\"\ninsecure = true\n" "$REG" >/scratch/podman/registries.conf &&
	(CONTAINERS_REGISTRIES_CONF=/scratch/podman/registries.conf podman --root /scratch/podman/root \
		--runroot /run/podman/run --storage-driver vfs --cgroup-manager cgroupfs --events-backend file \
		system service --time 0 unix://'$SP' >'$S'/podman.log 2>&1 &) &&
	wait_for dockerp version &&
	"$LIFEBOAT" migrate restore $REG/evac/app:v1 --host unix://'$SP' --creds "$CREDS" --json >podman.json &&
	dockerp inspect app >appp.json &&
	jq -S "$KEPT_PODMAN" '$S'/src/app.inspect.json >want && jq -S "$KEPT_PODMAN" appp.json >got &&
	{ expect_file_same want got || { diff want got; false; }; } &&
	jq -e --slurpfile src '$S'/src/app.inspect.json "(.[0].Config.Env) as \$t | all(\$src[0][0].Config.Env[]; . as \$e | \$t | index([\$e]))" appp.json &&
	jq -e --slurpfile src '$S'/src/app.inspect.json "[.[0].HostConfig.CapDrop[] | ltrimstr(\"CAP_\")] as \$t | all(\$src[0][0].HostConfig.CapDrop[]; . as \$c | \$t | index([\$c]))" appp.json &&
	expect_eq "$(kill -l "$(jq -r ".[0].Config.StopSignal" '$S'/src/app.inspect.json | sed s/^SIG//)")" "$(jq -r ".[0].Config.StopSignal" appp.json)" "stop signal (podman shows its number)" &&
	tree_sums /scratch/podman/root/volumes/appdata/_data >got.sums && expect_file_same '$S'/src/appdata.sums got.sums
'

test_expect_success "evacuate all three, two at a time, kill -9 after the first is pushed, rerun: done, no blob uploaded twice" '
	: >"$REGISTRY_LOG.mark" && lines0=$(wc -l <"$REGISTRY_LOG") &&
	("$LIFEBOAT" migrate evacuate app worker idle --to $REG/host1 --plan /scratch/plan.json --with-volumes \
		--jobs 2 --creds "$CREDS" >evac1.out 2>&1 & echo $! >evac.pid) &&
	for _ in $(seq 1 600); do
		[ -f /scratch/plan.json ] && [ "$(jq "[.containers[] | select(.status == \"pushed\")] | length" /scratch/plan.json 2>/dev/null)" -ge 1 ] && break
		sleep 0.2
	done &&
	kill -9 $(cat evac.pid) && sleep 1 &&
	jq -e "[.containers[] | select(.status == \"pushed\")] | length < 3" /scratch/plan.json &&
	"$LIFEBOAT" migrate evacuate app worker idle --to $REG/host1 --plan /scratch/plan.json --with-volumes \
		--jobs 2 --creds "$CREDS" --metrics-file /scratch/evac.prom >evac2.out 2>&1; rc=$?; cat evac2.out && [ $rc = 0 ] &&
	jq -e "[.containers[] | select(.status == \"pushed\")] | length == 3" /scratch/plan.json &&
	/usr/bin/python3 -c "
import sys
from prometheus_client.parser import text_string_to_metric_families
for f in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in f.samples: print(s.name, s.labels.get(\"result\", s.labels.get(\"container\", \"-\")), int(s.value))
" /scratch/evac.prom >prom && cat prom &&
	grep -qx "lifeboat_evacuate_last_run_exit_code - 0" prom &&
	skipped=$(awk "/^lifeboat_evacuate_containers skipped /{print \$3}" prom) && [ "$skipped" -ge 1 ] &&
	expect_eq 3 "$(awk "/^lifeboat_evacuate_containers (pushed|skipped) /{n += \$3} END {print n}" prom)" "pushed + skipped" &&
	expect_eq 0 "$(awk "/^lifeboat_evacuate_container_failed /{n += \$3} END {print n}" prom)" "failed" &&
	tail -n +$((lines0 + 1)) "$REGISTRY_LOG" | grep -oE "\"PUT /v2/host1/[^ ]*/blobs/uploads/[^ ]*digest=sha256(:|%3A)[0-9a-f]{64}" |
		grep -oE "[0-9a-f]{64}" | sort | uniq -d >twice &&
	expect_eq "" "$(cat twice)" "blobs uploaded twice"
'

test_expect_success "land the plan on the second dockerd twice: the same containers, the second time all skipped" '
	{ docker2 rm -f app worker; docker2 volume rm appdata workdata; } >/dev/null 2>&1
	"$LIFEBOAT" migrate land /scratch/plan.json --host unix://'$S2' --creds "$CREDS" --start-running >land1.out; rc=$?
	cat land1.out && [ $rc = 0 ] &&
	ids1=$(docker2 ps -aq --no-trunc | sort | tr "\n" " ") &&
	"$LIFEBOAT" migrate land /scratch/plan.json --host unix://'$S2' --creds "$CREDS" --start-running >land2.out &&
	expect_eq "$ids1" "$(docker2 ps -aq --no-trunc | sort | tr "\n" " ")" "containers" &&
	expect_eq 3 "$(grep -c skipped land2.out)" "skipped" &&
	expect_eq true "$(docker2 inspect -f "{{.State.Running}}" app)" "app running (it was)" &&
	expect_eq false "$(docker2 inspect -f "{{.State.Running}}" idle)" "idle not started" &&
	for c in app worker idle; do
		jq -S "$KEPT" '$S'/src/$c.inspect.json >want && docker2 inspect $c | jq -S "$KEPT" >got &&
		expect_file_same want got || exit 1
	done
'

test_expect_success "a corrupt plan and a plan from a newer lifeboat are exit 5, nothing landed" '
	head -c 100 /scratch/plan.json >/scratch/cut.json &&
	expect_exit 5 "$LIFEBOAT" migrate land /scratch/cut.json --host unix://'$S2' &&
	jq ".lifeboat_plan = 99" /scratch/plan.json >/scratch/newer.json &&
	expect_exit 5 "$LIFEBOAT" migrate land /scratch/newer.json --host unix://'$S2' 2>err &&
	grep -q newer err
'

awk '/^ *```sh/{f=1;next} /^ *```/{f=0} f && $1 == "lifeboat"' "$TOP/runbooks/evacuate-host.md" |
	sed 's/^ *//' >/scratch/runbook.cmds
test_expect_success "runbook evacuate-host.md: its lifeboat commands run as written" '
	[ "$(wc -l </scratch/runbook.cmds)" -ge 2 ] &&
	{ docker2 rm -f app worker idle; docker2 volume rm appdata workdata; } >/dev/null 2>&1
	mkdir -p /scratch/dockercfg &&
	printf "{\"auths\": {\"%s\": {\"auth\": \"%s\"}}}\n" "$REG" "$(printf %s "$CREDS" | base64 -w0)" >/scratch/dockercfg/config.json &&
	export DOCKER_CONFIG=/scratch/dockercfg REGISTRY=$REG/runbook PLAN=/scratch/runbook-plan.json TARGET=unix://'$S2' &&
	while read -r cmd; do
		echo "runbook: $cmd" && eval "\"\$LIFEBOAT\" ${cmd#lifeboat }" || exit 1
	done </scratch/runbook.cmds &&
	docker2 inspect app worker idle >/dev/null &&
	no_lifeboat_devices
'

test_expect_success "the source pool's files are as the crash left them" '
	pool_fingerprint '$R' >after && expect_file_same '$S'/pool-before after
'

test_done
