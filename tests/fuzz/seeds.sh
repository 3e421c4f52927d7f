# Seed corpora for the libFuzzer targets, one function per target:
#   seed_NAME DIR   fills DIR for tests/fuzz/fuzz_NAME.c
# Real files where there are some (the generated Docker fixture, this host's
# mountinfo, thin_restore's metadata), else lines in the exact shape the
# kernel or Docker writes them. Sourced by tests/fuzz/build.sh and
# tests/host/t1950-fuzz-budget.sh. Needs TOP.

fuzz_fixture_tar() { # the cached xfs fixture's archive, if there is one
	ls "${LIFEBOAT_TEST_CACHE:-/var/cache/lifeboat-tests}"/fixtures/xfs-*/docker-root.tar 2>/dev/null | head -n 1
}

# Small generated pools, cut after their last non-empty block so the fuzzer
# works on tens of KiB, not MiB.
seed_thinmeta() { # corpus-dir
	local dir=$1 seed big tmp
	command -v thin_restore >/dev/null || { echo "fuzz: no thin_restore, no thinmeta seeds"; return 0; }
	tmp=$(mktemp -d)
	for seed in 1 2 3 4 5 6; do
		big=0
		[ "$seed" -ge 5 ] && big=600 # a two-level mapping tree
		python3 "$TOP/tests/tools/gen-thin-xml.py" --big $big "$seed" >"$tmp/p.xml"
		rm -f "$tmp/p.bin" && truncate -s 1M "$tmp/p.bin"
		thin_restore -q -i "$tmp/p.xml" -o "$tmp/p.bin"
		python3 - "$tmp/p.bin" "$dir/seed-$seed" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
blocks = [data[i:i + 4096] for i in range(0, len(data), 4096)]
while blocks and not any(blocks[-1]):
    blocks.pop()
open(sys.argv[2], 'wb').write(b''.join(blocks))
PY
	done
	# One with a metadata snapshot, in the block after the last.
	cp "$dir/seed-6" "$dir/seed-6-snap"
	python3 "$TOP/tests/tools/thinmeta-edit.py" metadata-snap "$dir/seed-6-snap" \
		$(($(stat -c %s "$dir/seed-6") / 4096))
	rm -rf "$tmp"
}

# The thinmeta seeds, and pools where one device is a snapshot of another
# that then wrote a block: the two trees share all but one path.
seed_thinmeta_delta() { # corpus-dir
	local dir=$1 f
	seed_thinmeta "$dir"
	for f in "$dir/seed-5" "$dir/seed-6"; do
		[ -e "$f" ] || continue
		cp "$f" "$f-snapshot"
		python3 "$TOP/tests/tools/thinmeta-edit.py" snapshot-write "$f-snapshot" \
			$(($(stat -c %s "$f") / 4096))
	done
}

# The thinmeta seeds behind fuzz_image's header: the device's size (le64),
# the format byte (even: raw, odd: zstd), the thin device (mod 4).
seed_image() { # corpus-dir
	local dir=$1 tmp f n=0
	tmp=$(mktemp -d)
	seed_thinmeta "$tmp"
	for f in "$tmp"/seed-*; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		python3 - "$f" "$dir/seed-$n" "$n" <<'PY'
import struct, sys
meta = open(sys.argv[1], 'rb').read()
n = int(sys.argv[3])
size = [1 << 20, 8 << 20, 3 << 30, 65536 * 7 + 512][n % 4]
open(sys.argv[2], 'wb').write(struct.pack('<Q', size) + bytes([n % 2, n % 4]) + meta)
PY
	done
	rm -rf "$tmp"
}

# The files a real dockerd 20.10 wrote (from the generated fixture, when the
# cache has one), and lines and sizes of the shapes the other parsers read.
seed_docker() { # corpus-dir
	local dir=$1 tar tmp f n=0
	tar=$(fuzz_fixture_tar)
	if [ -n "$tar" ]; then
		tmp=$(mktemp -d)
		tar -C "$tmp" -xf "$tar" --wildcards './containers/*/config.v2.json' './devicemapper/metadata/*'
		for f in "$tmp"/containers/*/config.v2.json "$tmp"/devicemapper/metadata/*; do
			n=$((n + 1)) && cp "$f" "$dir/real-$n"
		done
		cp "$(dirname "$tar")/daemon.json" "$dir/daemon.json"
		rm -rf "$tmp"
	else
		echo "fuzz: no generated fixture in the cache; docker seeds are hand-written only"
	fi
	printf '{"device_id":4,"size":536870912,"transaction_id":5,"initialized":true,"deleted":false}' >"$dir/device"
	printf '{"next_device_id":11,"BaseDeviceUUID":"3f0a","BaseDeviceFilesystem":"xfs"}' >"$dir/deviceset"
	printf '{"open_transaction_id":10,"device_hash":"","device_id":0}' >"$dir/transaction"
	printf '{"storage-driver":"devicemapper","storage-opts":["dm.basesize=10G","dm.thinpooldev=/dev/mapper/x"]}' >"$dir/daemon"
	printf '512.5MiB' >"$dir/size"
	printf 'dm\tdocker-8:1-2-pool\tLIFEBOAT-POOL-docker-8:1-2-pool\n' >"$dir/journal"
}

# The journal the kernel wrote for the crashed db container is better than
# logs laid out by hand: its first 64 KiB of log, behind the selector byte
# (16 blocks).
seed_fslog() { # corpus-dir
	local dir=$1 tar tmp img off
	printf '\017' >"$dir/empty-log"
	tar=$(fuzz_fixture_tar)
	[ -n "$tar" ] && [ -x "$TOP/lifeboat" ] || { echo "fuzz: no fixture or lifeboat binary; fslog seeds are minimal"; return 0; }
	tmp=$(mktemp -d)
	tar --sparse -C "$tmp" -xf "$tar"
	img=$tmp/db.img
	if "$TOP/lifeboat" -q --root "$tmp" recover image db -o "$img" >/dev/null 2>&1; then
		off=$(xfs_db -r -c "sb 0" -c "print logstart" "$img" | awk '{print $3}')
		off=$(xfs_db -r -c "convert fsb $off byte" "$img" | sed 's/.*(\([0-9]*\)).*/\1/')
		{ printf '\017'; dd if="$img" bs=4096 skip=$((off / 4096)) count=16 status=none; } >"$dir/db-log"
	fi
	rm -rf "$tmp"
}

# This host's own mountinfo (whole, and a line at a time), and lines with
# the escapes the kernel writes for odd mount points.
seed_mountinfo() { # corpus-dir
	local dir=$1 n=0 line
	cp /proc/self/mountinfo "$dir/host-mountinfo"
	while IFS= read -r line && [ $n -lt 20 ]; do
		n=$((n + 1)) && printf '%s\n' "$line" >"$dir/host-line-$n"
	done </proc/self/mountinfo
	printf '42 39 253:1 / /run/lifeboat/mnt/a\\040b\\011c\\134d rw,nosuid,nodev,relatime shared:5 master:1 - xfs /dev/mapper/x rw,norecovery,nouuid\n' >"$dir/escaped"
	printf '36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n' >"$dir/proc-5"
}

# thin-pool table params as dmsetup table shows them, and status lines as
# dm-thin's pool_status prints them (drivers/md/dm-thin.c).
seed_pool_table() { # corpus-dir
	local dir=$1
	printf '7:1 7:0 128 32768 1 skip_block_zeroing' >"$dir/table-docker"
	printf '253:2 253:3 1024 0 3 read_only no_discard_passdown error_if_no_space' >"$dir/table-lifeboat"
	printf '253:0 253:1 128 80 0' >"$dir/table-bare"
	printf '0 155/4161600 22/1638400 - rw discard_passdown queue_if_no_space - 1024 ' >"$dir/status-rw"
	printf '5 10/20 30/40 7 out_of_data_space no_discard_passdown error_if_no_space needs_check 1024' >"$dir/status-full"
	printf 'Fail' >"$dir/status-fail"
	printf 'vg0-docker--pool-tpool' >"$dir/lvm-name"
	printf '3.10.0-1160.el7.x86_64' >"$dir/kernel"
}

# daemon.json as Docker's docs and this repository's fixture have it.
seed_daemon_json_edit() { # corpus-dir
	local dir=$1 tar
	tar=$(fuzz_fixture_tar)
	[ -n "$tar" ] && cp "$(dirname "$tar")/daemon.json" "$dir/fixture"
	printf '{\n    "storage-driver": "devicemapper",\n    "storage-opts": [\n        "dm.thinpooldev=/dev/mapper/docker-thinpool",\n        "dm.use_deferred_removal=true",\n        "dm.use_deferred_deletion=true"\n    ]\n}\n' >"$dir/docs-direct-lvm"
	printf '{"storage-driver":"devicemapper","storage-opts":["dm.blkdiscard=true","dm.mountopt=discard,noatime","dm.mountopt=nobarrier"]}' >"$dir/discard-on"
	printf '{"log-level":"warn","storage-opts":null}' >"$dir/null-opts"
	printf '' >"$dir/empty"
}

seed_doctor() { # corpus-dir: byte strings the generator in fuzz_doctor.c reads as Docker trees
	local dir=$1 n
	for n in 1 2 3 4 5 6 7 8; do
		python3 -c "import random,sys; r=random.Random($n); sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(300)))" >"$dir/seed-$n"
	done
	printf '\001%.0s' $(seq 1 300) >"$dir/all-ones"
}

seed_oci() { # corpus-dir: selector byte 0 change, 1 image config, 2 v2 metadata
	local dir=$1 i=0 c
	for c in 'CMD ["a","b"]' 'ENV A=1 B="x y"' 'ENV OLD a b' 'LABEL "k"=v' 'EXPOSE 80/udp 53' \
		'VOLUME ["/d"]' 'WORKDIR rel' 'HEALTHCHECK --interval=1m30s --retries=2 CMD ["x"]' \
		'HEALTHCHECK NONE' 'ONBUILD RUN x' 'USER 1:1'; do
		i=$((i + 1)) && printf '\000%s' "$c" >"$dir/change-$i"
	done
	printf '\001{"architecture":"amd64","config":{},"history":[{"created_by":"x"}],"os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%064d"]}}' 0 >"$dir/config"
	printf '\002[{"Digest":"sha256:%064d","SourceRepository":"127.0.0.1:5000/a/b","HMAC":""}]' 0 >"$dir/distmeta"
}

# tar-split lines the real tar-split wrote for the tree fuzz_tarsplit.c makes
# as its layer root (and for a changed one), a Docker 20.10 layer's from the
# fixture when the cache has one, and lines naming its links and "..". The
# first byte is the target's mode (tests/fuzz/fuzz_tarsplit.c).
seed_tarsplit() { # corpus-dir
	local dir=$1 tmp tar f n=0
	command -v tar-split >/dev/null || { echo "fuzz: no tar-split; tarsplit seeds are hand-written only"; }
	tmp=$(mktemp -d)
	mkdir -p "$tmp/root/d"
	printf 'hello\n' >"$tmp/root/a"
	head -c 1000 /dev/zero | tr '\0' x >"$tmp/root/d/b"
	tar --format=gnu --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --mode=u=rwX,go=rX \
		-C "$tmp/root" -cf "$tmp/seed.tar" .
	printf 'jello\n' >"$tmp/root/a"
	tar --format=pax --sort=name -C "$tmp/root" -cf "$tmp/changed.tar" .
	if command -v tar-split >/dev/null; then
		for f in seed changed; do
			tar-split disasm --no-stdout --output "$tmp/$f.json.gz" "$tmp/$f.tar" 2>/dev/null
			{ printf '\020'; zcat "$tmp/$f.json.gz"; } >"$dir/$f-lines"
			{ printf '\025'; cat "$tmp/$f.json.gz"; } >"$dir/$f-gz"
			{ printf '\002'; zcat "$tmp/$f.json.gz"; } >"$dir/$f-bytewise"
		done
	fi
	tar=$(fuzz_fixture_tar)
	if [ -n "$tar" ]; then
		tar -C "$tmp" -xf "$tar" --wildcards './image/devicemapper/layerdb/sha256/*/tar-split.json.gz'
		for f in "$tmp"/image/devicemapper/layerdb/sha256/*/tar-split.json.gz; do
			n=$((n + 1))
			{ printf '\016'; zcat "$f"; } >"$dir/docker-$n"
		done
	fi
	rm -rf "$tmp"
	printf '\000{"type":1,"name":"l","size":45,"payload":"AAAAAAAAAAA=","position":0}\n' >"$dir/link"
	printf '\000{"type":1,"name":"ld/secret","size":45,"payload":"AAAAAAAAAAA=","position":0}\n' >"$dir/link-dir"
	printf '\000{"type":1,"name":"../outside/secret","size":45,"payload":"AAAAAAAAAAA=","position":0}\n' >"$dir/dotdot"
	printf '\000{"type":1,"name_raw":"L3RtcA==","size":1,"payload":"AAAAAAAAAAA=","position":0}\n' >"$dir/absolute-raw"
}

# References in the shapes operators type, and hostile ones.
seed_registry_ref() { # corpus-dir
	local dir=$1 i=0 s
	for s in busybox library/busybox:1.36 docker.io/library/busybox index.docker.io/x/y:z \
		127.0.0.1:5000/team/app:v1 localhost/a/b localhost:5000/a__b/c-d/e.f:latest \
		"registry.example.com:443/a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" \
		"x:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" \
		../etc/passwd "a/../b" UPPER/x "h:99999/x" "a//b" "-x" "x:-t"; do
		printf '%s' "$s" >"$dir/seed-$i"
		i=$((i + 1))
	done
}

# WWW-Authenticate values as registries send them.
seed_www_authenticate() { # corpus-dir
	local dir=$1 i=0 s
	for s in 'Basic realm="Registry Realm"' \
		'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"' \
		'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull,push",error="insufficient_scope"' \
		'bearer realm=https://x/t, service=x' 'Basic realm="a\"b", Bearer realm="x"' 'Negotiate abc=='; do
		printf '%s' "$s" >"$dir/seed-$i"
		i=$((i + 1))
	done
}

# Catalogs (selector byte 0) and policy files (selector byte 1) in the shapes
# lifeboat writes and operators write, and near misses.
seed_snapshot_catalog() { # corpus-dir
	local dir=$1 cid hash rec rec2
	cid=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
	hash=fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210
	rec='{"name":"web-20261130T060324Z","uuid":"00112233445566778899aabbccddeeff","container":"web","container_id":"'$cid'","device_id":16777215,"origin_device_id":7,"origin_hash":"'$hash'","created":"2026-11-30T06:03:24Z","created_unix":1796018604,"size_bytes":10737418240,"state":"ready","freeze_us":1840}'
	rec2='{"name":"db-1","uuid":"ffeeddccbbaa99887766554433221100","container":"db","container_id":"'$cid'","device_id":16777214,"origin_device_id":9,"origin_hash":"'$hash'-init","created":"1970-01-01T00:00:00Z","created_unix":0,"size_bytes":1,"state":"pending","freeze_us":0}'
	printf '\000{"version":1,"pool":"docker-8:1-1234-pool","snapshots":[]}\n' >"$dir/catalog-empty"
	printf '\000{"version":1,"pool":"docker-8:1-1234-pool","snapshots":[\n%s\n]}\n' "$rec" >"$dir/catalog-one"
	printf '\000{"version":1,"pool":"docker-thinpool","snapshots":[\n%s,\n%s\n]}\n' "$rec2" "$rec" >"$dir/catalog-two"
	printf '\000{"version":2,"pool":"p","snapshots":[]}' >"$dir/catalog-newer"
	printf '\001{"version": 1, "containers": ["web", "db"], "keep": {"last": 24, "hourly": 48, "daily": 14, "weekly": 8, "monthly": 12, "yearly": 3}, "export": {"dir": "/backup/lifeboat", "full_every": 7, "compress_level": 3}}\n' >"$dir/policy-doc"
	printf '\001{"version":1,"containers":"all"}' >"$dir/policy-all"
	printf '\001{"version":1,"containers":"all","keep":{"daily":7},"export":{"dir":"/b"}}' >"$dir/policy-min"
}

# Export streams written from docs/export-format.md by an independent writer
# (tests/tools/stream-gen.py): full and incremental, and some cut short.
# fuzz_stream's first byte: odd recomputes the checksums, even leaves them.
seed_stream() { # corpus-dir
	local dir=$1 seed tmp
	tmp=$(mktemp)
	for seed in 1 2 3 4 5 6; do
		python3 "$TOP/tests/tools/stream-gen.py" "$tmp" "$seed" || return 1
		{ printf '\001'; cat "$tmp"; } >"$dir/seed-$seed"
		{ printf '\000'; cat "$tmp"; } >"$dir/seed-$seed-raw"
	done
	python3 "$TOP/tests/tools/stream-gen.py" "$tmp" 1 --cut 700
	{ printf '\000'; cat "$tmp"; } >"$dir/cut-1"
	rm -f "$tmp"
}

# fuzz_spec's first byte: odd, a container's config.v2.json and
# hostconfig.json as a JSON array of two (the fixture's, when the cache has
# it, and the one of everything from tests/unit/test_spec.c); even, a spec
# document (that container's spec, a minimal one, one from a newer lifeboat).
seed_spec() { # corpus-dir
	local dir=$1 tar tmp c n=0
	tar=$(fuzz_fixture_tar)
	if [ -n "$tar" ]; then
		tmp=$(mktemp -d)
		tar -C "$tmp" -xf "$tar" --wildcards './containers/*/config.v2.json' './containers/*/hostconfig.json'
		for c in "$tmp"/containers/*; do
			n=$((n + 1))
			{ printf '\001'; jq -cs . "$c/config.v2.json" "$c/hostconfig.json"; } >"$dir/real-$n"
		done
		rm -rf "$tmp"
	fi
	{ printf '\001'; cat <<'JSON'; } >"$dir/rich-pair"
[{"ID":"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf","Name":"/app","Created":"2026-11-30T03:44:12.9Z","State":{"Running":true},"Config":{"Hostname":"myhost","Domainname":"","User":"1000:1000","Env":["A=1","PATH=/usr/bin"],"Cmd":["run","--fast"],"Image":"app:1","WorkingDir":"/srv","Labels":{"team":"ops"},"ExposedPorts":{"80/tcp":{}},"StopSignal":"SIGQUIT","StopTimeout":30,"Healthcheck":{"Test":["CMD","true"],"Interval":1000000000,"Retries":3},"Volumes":{"/anon":{}},"MacAddress":"02:42:ac:11:00:02","Tty":true,"OpenStdin":true,"OnBuild":null,"Entrypoint":["/init"]},"MountPoints":{"/data":{"Name":"appdata","Driver":"local","Type":"volume","RW":true,"Destination":"/data"},"/anon":{"Name":"b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf","Driver":"local","Type":"volume","RW":true},"/anon2":{"Name":"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf","Driver":"local","Type":"volume","RW":true},"/cfg":{"Source":"/etc/app","Type":"bind","RW":false}},"NetworkSettings":{"Networks":{"appnet":{"Aliases":["a0a1a2a3a4a5","api"],"NetworkID":"n1","EndpointID":"e1","IPAddress":"172.18.0.2","MacAddress":"02:42:ac:12:00:02","IPAMConfig":{"IPv4Address":"172.18.0.50"}},"other":{"Aliases":["o"],"NetworkID":"n2"}}}},{"Binds":["appdata:/data:rw","/etc/app:/cfg:ro,z","c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf:/anon2"],"Mounts":[{"Type":"volume","Source":"mountvol","Target":"/m","VolumeOptions":{"Labels":{"k":"v"},"DriverConfig":{"Name":"local","Options":{"type":"tmpfs"}}}},{"Type":"bind","Source":"/srv/x","Target":"/x","ReadOnly":true},{"Type":"tmpfs","Target":"/t"}],"Devices":[{"PathOnHost":"/dev/fuse","PathInContainer":"/dev/fuse","CgroupPermissions":"rwm"}],"NetworkMode":"appnet","PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"}]},"RestartPolicy":{"Name":"always","MaximumRetryCount":0},"Ulimits":[{"Name":"nofile","Soft":1024,"Hard":2048}],"LogConfig":{"Type":"journald","Config":{}},"ContainerIDFile":"/tmp/cid","PidMode":"container:d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef","IpcMode":"shareable","Memory":268435456,"NanoCpus":1500000000,"CapAdd":["NET_ADMIN"],"Init":true,"Tmpfs":{"/run":"rw"},"Sysctls":{"net.core.somaxconn":"1024"},"Links":["/db:/app/db"],"SomethingNew":5,"KernelMemory":0,"MaskedPaths":["/proc/asound","/proc/acpi","/proc/kcore","/proc/keys","/proc/latency_stats","/proc/timer_list","/proc/timer_stats","/proc/sched_debug","/proc/scsi","/sys/firmware"],"ReadonlyPaths":["/proc/bus"]}]
JSON
	{ printf '\000'; cat <<'JSON'; } >"$dir/rich-spec"
{"binds":[{"destination":"/cfg","options":"ro,z","rw":false,"source":"/etc/app"},{"destination":"/x","options":"","rw":false,"source":"/srv/x"}],"changes":[{"action":"dropped","field":"Config.MacAddress","from":"02:42:ac:11:00:02","why":"a MAC address belongs to the source host's network"},{"action":"dropped","field":"HostConfig.ContainerIDFile","from":"/tmp/cid","why":"a file path on the source host, written by the client"},{"action":"changed","field":"HostConfig.PidMode","from":"container:d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef","to":"","why":"shares the namespace of a container by its id on the source host"},{"action":"dropped","field":"HostConfig.Links","from":["/db:/app/db"],"why":"legacy links name containers that may not exist on the target; connect them again after landing"},{"action":"dropped","field":"HostConfig.SomethingNew","from":5,"why":"a setting lifeboat does not carry"},{"action":"dropped","field":"HostConfig.Binds[1]","from":"/etc/app:/cfg:ro,z","why":"bind mount of a source host path: not copied, and left out so the target does not start the container on an empty directory; recreate the path and add the mount"},{"action":"dropped","field":"HostConfig.Binds[2]","from":"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf:/anon2","why":"anonymous volume: its data is not carried; the target creates a new empty one"},{"action":"dropped","field":"HostConfig.Mounts[1]","from":{"ReadOnly":true,"Source":"/srv/x","Target":"/x","Type":"bind"},"why":"bind mount of a source host path: not copied, and left out so the target does not start the container on an empty directory; recreate the path and add the mount"},{"action":"dropped","field":"HostConfig.Devices[0]","from":{"CgroupPermissions":"rwm","PathInContainer":"/dev/fuse","PathOnHost":"/dev/fuse"},"why":"a host device of the source host: the target may not have it; add it after checking"},{"action":"dropped","field":"MountPoints[/anon]","from":"b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf","why":"anonymous volume: its data is not carried; the target creates a new empty one"},{"action":"dropped","field":"NetworkSettings.Networks[appnet].NetworkID","from":"n1","why":"the network's id on the source host"},{"action":"dropped","field":"NetworkSettings.Networks[appnet].EndpointID","from":"e1","why":"the endpoint's id on the source host"},{"action":"dropped","field":"NetworkSettings.Networks[appnet].IPAddress","from":"172.18.0.2","why":"an address on the source host's network"},{"action":"dropped","field":"NetworkSettings.Networks[appnet].MacAddress","from":"02:42:ac:12:00:02","why":"a MAC address on the source host's network"},{"action":"dropped","field":"NetworkSettings.Networks[appnet].IPAMConfig","from":{"IPv4Address":"172.18.0.50"},"why":"fixed addresses of the source host's network; the target's subnet may differ"},{"action":"dropped","field":"NetworkSettings.Networks[other].NetworkID","from":"n2","why":"the network's id on the source host"}],"create":{"Cmd":["run","--fast"],"Domainname":"","Entrypoint":["/init"],"Env":["A=1","PATH=/usr/bin"],"ExposedPorts":{"80/tcp":{}},"Healthcheck":{"Interval":1000000000,"Retries":3,"Test":["CMD","true"]},"HostConfig":{"Binds":["appdata:/data:rw","c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf:/anon2"],"CapAdd":["NET_ADMIN"],"Init":true,"IpcMode":"shareable","LogConfig":{"Config":{},"Type":"journald"},"Memory":268435456,"Mounts":[{"Source":"mountvol","Target":"/m","Type":"volume","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"tmpfs"}},"Labels":{"k":"v"}}},{"Target":"/t","Type":"tmpfs"}],"NanoCpus":1500000000,"NetworkMode":"appnet","PidMode":"","PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"}]},"ReadonlyPaths":["/proc/bus"],"RestartPolicy":{"MaximumRetryCount":0,"Name":"always"},"Sysctls":{"net.core.somaxconn":"1024"},"Tmpfs":{"/run":"rw"},"Ulimits":[{"Hard":2048,"Name":"nofile","Soft":1024}]},"Hostname":"myhost","Image":"reg.example/evac/app:1","Labels":{"team":"ops"},"NetworkingConfig":{"EndpointsConfig":{"appnet":{"Aliases":["api"]}}},"OpenStdin":true,"StopSignal":"SIGQUIT","StopTimeout":30,"Tty":true,"User":"1000:1000","Volumes":{"/anon":{}},"WorkingDir":"/srv"},"devices":[{"cgroup_permissions":"rwm","path_in_container":"/dev/fuse","path_on_host":"/dev/fuse"}],"lifeboat_container_spec":1,"networks":[{"aliases":["api"],"name":"appnet","primary":true},{"aliases":["o"],"name":"other","primary":false}],"source":{"created":"2026-11-30T03:44:12.9Z","id":"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf","image":"app:1","name":"app","running":true},"volumes":[{"destination":"/data","digest":null,"driver":"local","driver_opts":{},"labels":{},"name":"appdata","rw":true},{"destination":"/m","digest":null,"driver":"local","driver_opts":{"type":"tmpfs"},"labels":{"k":"v"},"name":"mountvol","rw":true}]}
JSON
	printf '\000%s\n' "$(seed_spec_min 1)" >"$dir/min-spec"
	printf '\000%s\n' "$(seed_spec_min 2)" >"$dir/newer-spec"
}

seed_spec_min() { # VERSION: the smallest spec document
	printf '{"binds":[],"changes":[{"action":"changed","field":"HostConfig.NetworkMode","from":"container:x","to":"default","why":"w"}],"create":{"Cmd":["true"],"HostConfig":{"NetworkMode":"default"},"Image":"r/x:1"},"devices":[],"lifeboat_container_spec":%s,"networks":[],"source":{"created":"","id":"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf","image":"x:1","name":"x","running":false},"volumes":[{"destination":"/d","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","driver":"local","driver_opts":{},"labels":{},"name":"xdata","rw":true}]}' "$1"
}

# Plans as evacuate leaves them: one container of each status, the spec
# embedded in one; an empty plan; one from a newer lifeboat.
seed_plan() { # corpus-dir
	local dir=$1 spec d1 d2 id
	spec=$(seed_spec_min 1)
	d1=sha256:1111111111111111111111111111111111111111111111111111111111111111
	d2=sha256:2222222222222222222222222222222222222222222222222222222222222222
	id=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf
	cat >"$dir/three" <<JSON
{"lifeboat_plan": 1, "created": "2026-11-30T09:00:00Z", "registry_prefix": "reg.example:5000/evac",
 "containers": [
  {"name": "web", "id": "$id", "ref": "reg.example:5000/evac/web:1", "digest": "$d1", "spec_digest": "$d2",
   "spec": $spec, "layout": "/stage/web", "volumes": [{"name": "xdata", "digest": "$d1"}], "running": true,
   "status": "pushed", "error": "", "attempts": 1},
  {"name": "db", "id": "$id", "ref": "reg.example:5000/evac/db:1", "digest": "", "spec_digest": "",
   "spec": null, "layout": "/stage/db", "volumes": [], "running": true, "status": "committed", "error": "", "attempts": 1},
  {"name": "batch", "id": "$id", "ref": "reg.example:5000/evac/batch:1", "digest": "", "spec_digest": "",
   "spec": null, "layout": "", "volumes": [{"name": "bvol", "digest": ""}], "running": false, "status": "failed",
   "error": "reg.example:5000: 503", "attempts": 3}]}
JSON
	printf '{"lifeboat_plan":1,"created":"x","registry_prefix":"r/p","containers":[]}' >"$dir/empty"
	printf '{"lifeboat_plan":2,"created":"x","registry_prefix":"r/p","containers":[]}' >"$dir/newer"
}

# The carry artifact's manifest as migrate push writes it (docs/container-spec.md):
# one volume, none, and one whose config is an image config (not ours).
seed_carry() { # corpus-dir
	local dir=$1 d1 d2
	d1=sha256:1111111111111111111111111111111111111111111111111111111111111111
	d2=sha256:2222222222222222222222222222222222222222222222222222222222222222
	printf '{"annotations":{"io.lifeboat.image.digest":"%s"},"config":{"digest":"%s","mediaType":"application/vnd.lifeboat.container.spec.v1+json","size":900},"layers":[{"annotations":{"io.lifeboat.volume.destination":"/data","io.lifeboat.volume.name":"appdata"},"digest":"%s","mediaType":"application/vnd.lifeboat.volume.v1.tar+gzip","size":5678}],"mediaType":"application/vnd.oci.image.manifest.v1+json","schemaVersion":2}' "$d1" "$d2" "$d2" >"$dir/one-volume"
	printf '{"annotations":{"io.lifeboat.image.digest":"%s"},"config":{"digest":"%s","mediaType":"application/vnd.lifeboat.container.spec.v1+json","size":900},"layers":[],"mediaType":"application/vnd.oci.image.manifest.v1+json","schemaVersion":2}' "$d1" "$d2" >"$dir/no-volume"
	printf '{"config":{"digest":"%s","mediaType":"application/vnd.oci.image.config.v1+json","size":900},"layers":[],"schemaVersion":2}' "$d2" >"$dir/image"
	# names one edit away from a path ("..", "a/b"): the fuzzer must not get one through
	printf '{"annotations":{"io.lifeboat.image.digest":"%s"},"config":{"digest":"%s","mediaType":"application/vnd.lifeboat.container.spec.v1+json","size":9},"layers":[{"annotations":{"io.lifeboat.volume.destination":"/d","io.lifeboat.volume.name":"..."},"digest":"%s","mediaType":"application/vnd.lifeboat.volume.v1.tar+gzip","size":1},{"annotations":{"io.lifeboat.volume.destination":"/e","io.lifeboat.volume.name":"a.b"},"digest":"%s","mediaType":"application/vnd.lifeboat.volume.v1.tar+gzip","size":1}],"schemaVersion":2}' "$d1" "$d2" "$d2" "$d1" >"$dir/near-paths"
}

# Pull and load streams as Docker 20.10 and podman 4.3 write them (CRLF and
# LF), ending well, with an error after progress, and cut mid-line; the
# first byte is the target's line-cap selector.
seed_engine_stream() { # corpus-dir
	local dir=$1
	local p1='{"status":"Pulling from lifeboat/base","id":"2"}'
	local p2='{"status":"Downloading","progressDetail":{"current":32768,"total":2814559},"progress":"[>  ] 32.77kB/2.815MB","id":"8a49fdb3b6a5"}'
	local p3='{"status":"Status: Downloaded newer image for 127.0.0.1:5000/lifeboat/base:2"}'
	local e1='{"errorDetail":{"message":"manifest for r/x:9 not found: manifest unknown: manifest unknown"},"error":"manifest for r/x:9 not found: manifest unknown: manifest unknown"}'
	local e2='{"progressDetail":{},"errorDetail":{"message":"unauthorized: authentication required"},"error":"unauthorized: authentication required"}'
	printf '\377%s\r\n%s\r\n%s\r\n' "$p1" "$p2" "$p3" >"$dir/pull-ok"
	printf '\200%s\n%s\n%s\n' "$p1" "$p2" "$e1" >"$dir/pull-notfound"
	printf '\100%s\n\n%s' "$p1" "$e2" >"$dir/pull-denied"
	printf '\010%s\n%s\n' "$p1" "$p2" >"$dir/overlong"
	printf '\377{"stream":"Loaded image: 127.0.0.1:5000/lifeboat/base:2\\n"}' >"$dir/load-podman"
	printf '\377%s\n{"status":"Down' "$p1" >"$dir/cut"
}
