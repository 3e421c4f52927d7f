# Shared by the recover doctor VM tests (t2010, t2011, t2012), sourced after
# tests/lib.sh: the crashed xfs fixture, the real dockerd 20.10 started and
# stopped on it, Docker's pool activated by hand, and the witnesses.
test_require "running inside the test VM (tests/vm/boot)" '[ -n "${LB_IN_VM:-}" ]'
test_require "device-mapper in the guest kernel" '[ -e /dev/mapper/control ]'
test_require "dockerd and Debian's docker client" 'command -v dockerd && [ -x /usr/bin/docker ]'
test_require "dmsetup, losetup, thin_dump and jq as witnesses" \
	'command -v dmsetup && command -v losetup && command -v thin_dump && command -v jq'
export PATH=/usr/sbin:/usr/bin:/sbin:/bin DOCKER_RAMDISK=true DOCKER_HOST=unix:///run/docker.sock
docker=/usr/bin/docker
R=/var/lib/docker
S=$LB_SCRATCH
POOLMETA=$R/devicemapper/devicemapper/metadata
FIXTURE=$("$TOP/tests/fixtures/ensure" xfs)
mount_id() { cat "$R/image/devicemapper/layerdb/mounts/$(awk -v n="$1" '$1 == n { print $2 }' "$FIXTURE/containers.txt")/mount-id"; }
thin_devs() { thin_dump "$POOLMETA" | sed -n 's/.*<device dev_id="\([0-9]*\)".*/\1/p' | sort -n | tr '\n' ' '; }
pool_transaction() { thin_dump "$POOLMETA" | sed -n '1s/.* transaction="\([0-9]*\)".*/\1/p'; }

start_dockerd() { # LOGNAME: 0 once `docker info` answers, 1 if dockerd exits
	dockerd --data-root $R --exec-root /run/docker -H unix:///run/docker.sock >"$S/dockerd.$1.log" 2>&1 &
	echo $! >"$S/dockerd.pid"
	for _ in $(seq 1 120); do
		$docker info >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$S/dockerd.pid")" 2>/dev/null || return 1
		sleep 1
	done
	return 1
}
stop_dockerd() { # and nothing of Docker's left in device-mapper
	local pid
	pid=$(cat "$S/dockerd.pid")
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
	! kill -0 "$pid" 2>/dev/null || { echo "dockerd $pid did not stop"; return 1; }
	dmsetup ls; losetup -l
	for d in $(dmsetup ls | awk '$1 != "No" { print $1 }'); do dmsetup remove "$d"; done
	losetup -D
	[ -z "$(dmsetup ls | grep -v "No devices")" ]
}
# The named containers' files through `docker cp`, against what Docker
# exported (or, for db, the files it synced) before the crash.
read_containers() { # NAME...
	local c d=$S/cp.$RANDOM
	mkdir -p "$d"
	for c in "$@"; do
		case $c in
		created)
			$docker cp created:/etc/motd "$d/created.motd" &&
				expect_eq "welcome to the image" "$(cat "$d/created.motd")" "created motd" || return 1
			continue ;;
		esac
		$docker cp "$c:/data" "$d/$c" || return 1
		grep " data/" "$FIXTURE/$c.sha256" | sed 's| data/| |' >"$d/$c.sums"
		[ -s "$d/$c.sums" ] || { echo "$c: no recorded checksums"; return 1; }
		(cd "$d/$c" && sha256sum --quiet -c "$d/$c.sums") || { echo "$c: files differ"; return 1; }
		if [ "$c" = web ]; then
			$docker cp web:/etc/motd "$d/web.motd" && expect_eq "changed by web" "$(cat "$d/web.motd")" "web motd" ||
				return 1
		fi
	done
}
read_every_container() { read_containers web batch db created; }
no_lifeboat_devices() {
	! dmsetup info -c --noheadings -o uuid 2>/dev/null | grep -q LIFEBOAT- &&
	! losetup -l -n -O BACK-FILE | grep -q "$R/devicemapper" &&
	! ls /run/lifeboat/pools/* 2>/dev/null
}
# Docker's pool by hand (loop-lvm, 64 KiB blocks as Docker makes it).
with_pool() { # commands run with $POOL set
	local meta data
	meta=$(losetup -f --show "$POOLMETA") && data=$(losetup -f --show "$R/devicemapper/devicemapper/data") &&
	dmsetup create lbtest-pool --table "0 $(blockdev --getsz "$data") thin-pool $meta $data 128 32768 1 skip_block_zeroing" &&
	POOL=lbtest-pool && eval "$1"
	local rc=$?
	dmsetup remove lbtest-pool; losetup -d "$meta" "$data"
	return $rc
}
# The non-note finding codes of `doctor --json` output, sorted.
finding_codes() { jq -r '[.findings[] | select(.note | not) | .code] | sort | join(" ")' "$1"; }
