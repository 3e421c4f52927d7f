#!/usr/bin/env bash
# lib/engine against podman's real Docker-compatible service (podman system
# service on a private socket, its own storage): open and version, a pull
# from the real docker-registry holding the fixture's base image, volumes,
# a container with a named volume filled by put_archive before it starts,
# and the errors (missing tag, name in use, missing container, no engine).
# Witnesses: podman's own CLI against the same service, and curl.
# shellcheck disable=SC2016 # test bodies are single-quoted on purpose
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/registry/registry.sh"

DRIVE=$TOP/build/tools/engine-drive
test_require 'podman, runc, conmon (tests/deps.sh)' 'command -v podman && command -v runc && command -v conmon'
test_require 'docker-registry, jq, curl, setpriv' 'command -v docker-registry && command -v jq && command -v curl && command -v setpriv'
test_require 'engine-drive built (make tools)' 'test -x "$DRIVE"'
test_require 'root (podman runs rootful here)' 'test "$(id -u)" = 0'
REGDATA=$(ls "${LIFEBOAT_TEST_CACHE:-/var/cache/lifeboat-tests}"/fixtures/ext4-*/registry-data.tar 2>/dev/null | head -n 1)
test_require 'the fixture cache'"'"'s registry data (tests/fixtures/ensure ext4)' 'test -f "$REGDATA"'

# The registry first: its EXIT trap runs before lib.sh's, and ours below
# stops podman before both.
mkdir -p "$TMP_TEST/seed" && tar -C "$TMP_TEST/seed" -xf "$REGDATA"
REGISTRY_SEED=$TMP_TEST/seed registry_start >/dev/null 2>&1
test_require 'the registry started' 'test -n "${REGISTRY_ADDR:-}"'

# podman's private world: storage, runtime dir, config; nothing of the host's.
P=$TMP_TEST/podman
mkdir -p "$P/root" "$P/run" "$P/tmp"
cat >"$P/containers.conf" <<CONF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$P/events.log"
tmp_dir = "$P/tmp"
# crun 1.8 refuses this host's hybrid cgroup hierarchy; runc runs here.
runtime = "runc"
[containers]
netns = "none"
# podman's rootful defaults (1048576) need CAP_SYS_RESOURCE, which a
# sandboxed test host may lack: ask for limits anyone may set.
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
CONF
cat >"$P/registries.conf" <<CONF
unqualified-search-registries = []
[[registry]]
location = "$REGISTRY_ADDR"
insecure = true
CONF
export CONTAINERS_CONF=$P/containers.conf CONTAINERS_REGISTRIES_CONF=$P/registries.conf
PODMAN_ARGS=(--root "$P/root" --runroot "$P/run" --storage-driver vfs)
SOCK=$P/podman.sock
HOST=unix://$SOCK
setpriv --pdeathsig TERM -- podman "${PODMAN_ARGS[@]}" system service --time 0 "$HOST" >"$P/service.log" 2>&1 &
PODMAN_PID=$!
podman_stop() {
	if [ -n "${PODMAN_PID:-}" ] && kill -0 "$PODMAN_PID" 2>/dev/null; then
		kill "$PODMAN_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$PODMAN_PID" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$PODMAN_PID" 2>/dev/null
		wait "$PODMAN_PID" 2>/dev/null
	fi
	# vfs leaves plain directories, but a container's shm may still be mounted.
	grep -F " $P/" /proc/self/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
	registry_stop
	rm -rf "$TMP_TEST"
}
trap podman_stop EXIT
for _ in $(seq 100); do
	curl -sf --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1 && break
	sleep 0.1
done
test_require "podman's service answers on $SOCK" 'curl -sf --unix-socket "$SOCK" http://d/_ping'
# The witness: podman's CLI through the same service.
witness() { podman --url "$HOST" "$@"; }

test_expect_success 'open: podman is recognised, its product and API version read from /version' '
	"$DRIVE" "$HOST" open >open.json && cat open.json &&
	curl -sf --unix-socket "$SOCK" http://d/version >version.json &&
	expect_eq "Podman Engine $(jq -r ".Components[] | select(.Name == \"Podman Engine\") | .Version" version.json)" \
		"$(jq -r .product open.json)" product &&
	expect_eq true "$(jq -r .podman open.json)" podman &&
	server=$(jq -r .ApiVersion version.json) &&
	want=$(printf "%s\n1.41\n" "$server" | sort -V | head -n 1) &&
	expect_eq "$want" "$(jq -r .api open.json)" "negotiated API version"
'

test_expect_success 'DOCKER_HOST is the default host' '
	DOCKER_HOST=$HOST "$DRIVE" - open | jq -e .podman
'

test_expect_success 'an engine that is not there: exit 1, naming the host and the reason' '
	expect_exit 1 "$DRIVE" "unix://$TMP_TEST/nothing.sock" open 2>err && cat err &&
	grep -F "unix://$TMP_TEST/nothing.sock" err && grep -i "connect" err &&
	expect_exit 1 "$DRIVE" tcp://127.0.0.1:1 open 2>err && cat err && grep -F "tcp://127.0.0.1:1" err
'

REF=$REGISTRY_ADDR/lifeboat/base:2
test_expect_success 'pull the fixture base image from the real registry; podman then has it at the digest Docker recorded' '
	"$DRIVE" "$HOST" pull "$REF" >pull.json && cat pull.json &&
	jq -e ".progress_lines > 0" pull.json &&
	witness image inspect "$REF" --format "{{.Digest}}" >digest &&
	recorded=$(sed "s/.*@//" "$(dirname "$REGDATA")/base.repodigest") &&
	expect_eq "$recorded" "$(cat digest)" "digest podman pulled" &&
	"$DRIVE" "$HOST" image-inspect "$REF" >img.json &&
	expect_eq "$(witness image inspect "$REF" --format "{{.ID}}")" "$(jq -r ".Id" img.json | sed "s/^sha256://")" "image id"
'

test_expect_success 'pull with credentials: X-Registry-Auth goes out base64url, the open registry ignores it' '
	"$DRIVE" "$HOST" pull "$REF" "{\"username\":\"u\",\"password\":\"p?>>\",\"serveraddress\":\"$REGISTRY_ADDR\"}" >/dev/null
'

test_expect_success 'pull of a tag the registry does not have: exit 3, naming the image' '
	expect_exit 3 "$DRIVE" "$HOST" pull "$REGISTRY_ADDR/lifeboat/base:no-such-tag" 2>err && cat err &&
	grep -F "lifeboat/base" err && grep -F "no-such-tag" err
'

test_expect_success 'inspect of an image podman lacks: exit 3' '
	expect_exit 3 "$DRIVE" "$HOST" image-inspect "$REGISTRY_ADDR/lifeboat/none:1"
'

test_expect_success 'image load streams a docker-archive (podman save) back in after the image was removed' '
	witness save --format docker-archive -o saved.tar "$REF" &&
	id=$(witness image inspect "$REF" --format "{{.ID}}") &&
	witness rmi "$REF" && ! witness image exists "$REF" &&
	"$DRIVE" "$HOST" load saved.tar >load.json && cat load.json &&
	expect_eq "$id" "$(witness image inspect "$REF" --format "{{.ID}}")" "image id after load"
'

test_expect_success 'image load of something that is not an archive: an error, not a success' '
	head -c 4096 /dev/urandom >junk.tar &&
	"$DRIVE" "$HOST" load junk.tar 2>err; rc=$?; cat err; test $rc != 0 && test -s err
'

test_expect_success 'volume create with labels, seen by podman volume inspect; inspect and a missing one' '
	"$DRIVE" "$HOST" volume-create data "{\"lifeboat.from\":\"t1980\"}" >vol.json && cat vol.json &&
	expect_eq t1980 "$(witness volume inspect data --format "{{index .Labels \"lifeboat.from\"}}")" label &&
	"$DRIVE" "$HOST" volume-inspect data | jq -e ".Name == \"data\"" &&
	expect_exit 3 "$DRIVE" "$HOST" volume-inspect no-such-volume
'

SPEC='{"Image":"'$REF'","Cmd":["sh","-c","cat /data/dir/hello.txt /data/dir/sub/two.txt"],
 "Env":["LB_A=1","LB_B=two words"],"Labels":{"lifeboat.test":"t1980"},"WorkingDir":"/data",
 "HostConfig":{"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3},
   "Mounts":[{"Type":"volume","Source":"data","Target":"/data"}],"NetworkMode":"none"}}'
test_expect_success 'container create with a named volume, env, labels and a restart policy: podman sees each' '
	"$DRIVE" "$HOST" create moved "$SPEC" >create.json && cat create.json &&
	id=$(jq -r .Id create.json) && echo "$id" >id &&
	witness inspect moved --format json >insp.json &&
	expect_eq "$id" "$(jq -r ".[0].Id" insp.json)" id &&
	jq -e ".[0].Config.Env | index(\"LB_B=two words\")" insp.json &&
	expect_eq t1980 "$(jq -r ".[0].Config.Labels[\"lifeboat.test\"]" insp.json)" label &&
	expect_eq on-failure "$(jq -r ".[0].HostConfig.RestartPolicy.Name" insp.json)" restart &&
	expect_eq 3 "$(jq -r ".[0].HostConfig.RestartPolicy.MaximumRetryCount" insp.json)" retries &&
	expect_eq data "$(jq -r ".[0].Mounts[] | select(.Destination == \"/data\") | .Name" insp.json)" "volume at /data" &&
	"$DRIVE" "$HOST" inspect "$id" | jq -e ".Name == \"/moved\" or .Name == \"moved\""
'

test_expect_success 'put_archive into the volume mount point before start: the files land in the volume' '
	id=$("$DRIVE" "$HOST" inspect moved | jq -r .Id) &&
	mkdir -p src/dir/sub && echo "hello from t1980" >src/dir/hello.txt && printf "two\n" >src/dir/sub/two.txt &&
	ln -s hello.txt src/dir/link && tar -C src -cf files.tar dir &&
	"$DRIVE" "$HOST" put-archive "$id" /data files.tar &&
	mnt=$(witness volume inspect data --format "{{.Mountpoint}}") && echo "volume at $mnt" &&
	(cd "$mnt" && find dir | sort) >listing && (cd src && find dir | sort) >want &&
	expect_file_same want listing &&
	expect_file_same src/dir/hello.txt "$mnt/dir/hello.txt" &&
	expect_eq hello.txt "$(readlink "$mnt/dir/link")" symlink
'

test_expect_success 'put_archive streams: a 128 MiB tar goes in with the client under 40 MB of memory' '
	id=$("$DRIVE" "$HOST" inspect moved | jq -r .Id) &&
	mkdir -p big && head -c 134217728 /dev/urandom >big/blob && tar -C big -cf big.tar blob && rm -rf big &&
	/usr/bin/time -f "%M" -o rss "$DRIVE" "$HOST" put-archive "$id" /data big.tar &&
	echo "max RSS $(cat rss) KiB" && test "$(cat rss)" -lt 40960 &&
	mnt=$(witness volume inspect data --format "{{.Mountpoint}}") &&
	tar -xOf big.tar blob | cmp - "$mnt/blob" && rm -f "$mnt/blob" big.tar
'

test_expect_success 'the container runs its command on the filled volume to a normal exit (start, wait, logs)' '
	id=$("$DRIVE" "$HOST" inspect moved | jq -r .Id) &&
	"$DRIVE" "$HOST" start "$id" && "$DRIVE" "$HOST" wait "$id" >wait.json && cat wait.json &&
	expect_eq 0 "$(jq -r .StatusCode wait.json)" "exit status" &&
	witness logs moved >logs 2>&1 && cat logs &&
	printf "hello from t1980\ntwo\n" >want && expect_file_same want logs &&
	"$DRIVE" "$HOST" start "$id" && "$DRIVE" "$HOST" stop "$id" 5
'

test_expect_success 'create with a name in use: exit 4, and the engine message says so' '
	"$DRIVE" "$HOST" create moved "$SPEC" 2>err; rc=$?; cat err; expect_eq 4 $rc "exit of create" && grep -i "in use\|already" err &&
	expect_eq 1 "$(witness ps -a --filter name=moved --format "{{.Names}}" | grep -c "^moved$")" "containers named moved"
'

test_expect_success 'inspect, start and put_archive of a missing container: exit 3' '
	expect_exit 3 "$DRIVE" "$HOST" inspect no-such-container &&
	expect_exit 3 "$DRIVE" "$HOST" start no-such-container &&
	: >empty.tar && expect_exit 3 "$DRIVE" "$HOST" put-archive no-such-container /data empty.tar
'

test_expect_success 'remove the container, then the volume; both gone for podman' '
	"$DRIVE" "$HOST" rm moved && ! witness container exists moved &&
	"$DRIVE" "$HOST" volume-rm data && ! witness volume exists data
'

test_done
