# What the snapshot VM scripts (t3100, t3110) share: the real dockerd 20.10
# started and stopped on the generated crashed state at $R, and the live
# pool read as thin_dump reads it. Sourced after rescue-lib.sh, with R, S
# and POOL set by the script.
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
