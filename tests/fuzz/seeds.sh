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
