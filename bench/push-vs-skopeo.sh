#!/usr/bin/env bash
# Goals: `migrate push` of an OCI layout is at least as fast as `skopeo copy`
# of the same layout to the same registry (each into a repository of its
# own, so neither skips a blob), and lifeboat's peak RSS stays under 64 MiB
# while pushing and pulling a layer of LIFEBOAT_BENCH_LAYER_MIB (default
# 512; the issue's 2048 works, slowly). One real docker-registry on
# loopback, one run; best of 2 each.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib.sh" >/dev/null
. "$TOP/tests/registry/registry.sh"
LB="$TOP/lifeboat"
MIB=${LIFEBOAT_BENCH_LAYER_MIB:-512}
W=$TMP_TEST
OCI=$W/oci
mkdir -p "$OCI/blobs/sha256" "$W/rootfs"
add_blob() { local d; d=$(sha256sum "$1" | cut -d' ' -f1) && mv "$1" "$OCI/blobs/sha256/$d" && echo "sha256:$d"; }
# Random content: compression cannot shrink it, so the bytes on the wire
# are the layer's size for both tools.
head -c $((MIB << 20)) /dev/urandom >"$W/rootfs/payload.bin"
tar -C "$W/rootfs" -cf "$W/layer.tar" .
diff_id=sha256:$(sha256sum "$W/layer.tar" | cut -d' ' -f1)
gzip -1 -n -c "$W/layer.tar" >"$W/layer.tar.gz" && rm -f "$W/layer.tar" "$W/rootfs/payload.bin"
lsize=$(stat -c %s "$W/layer.tar.gz") && layer=$(add_blob "$W/layer.tar.gz")
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["%s"]}}' "$diff_id" >"$W/config.json"
csize=$(stat -c %s "$W/config.json") && config=$(add_blob "$W/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%d}]}' \
	"$config" "$csize" "$layer" "$lsize" >"$W/manifest.json"
msize=$(stat -c %s "$W/manifest.json") && manifest=$(add_blob "$W/manifest.json")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' \
	"$manifest" "$msize" >"$OCI/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$OCI/oci-layout"
registry_start >/dev/null

run=0
timed() { # rss-file command...: prints milliseconds, keeps peak RSS (KiB)
	local rssf=$1 t0 t1
	shift
	t0=$(date +%s%N)
	/usr/bin/time -f %M -o "$rssf" "$@" >/dev/null 2>"$W/err" || { cat "$W/err" >&2; return 1; }
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
best() { # name-of-tool
	local b=999999999 ms
	for _ in 1 2; do
		run=$((run + 1))
		case $1 in
		lifeboat) ms=$(timed "$W/rss.$1" "$LB" migrate push "$OCI:v1" "$REGISTRY_ADDR/bench/lb$run:v1") ;;
		# No blob-info cache (root's is under /var/lib/containers): with it
		# skopeo mounts the blob from its previous run's repository.
		skopeo) rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb \
			"$HOME/.local/share/containers/cache/blob-info-cache-v1.boltdb" &&
			ms=$(timed "$W/rss.$1" skopeo --insecure-policy copy --quiet --dest-tls-verify=false \
			"oci:$OCI:v1" "docker://$REGISTRY_ADDR/bench/sk$run:v1") ;;
		esac
		[ "$ms" -lt "$b" ] && b=$ms
	done
	echo $b
}
ours=$(best lifeboat) ours_rss=$(cat "$W/rss.lifeboat")
theirs=$(best skopeo) theirs_rss=$(cat "$W/rss.skopeo")
pull_ms=$(timed "$W/rss.pull" "$LB" migrate pull "$REGISTRY_ADDR/bench/lb1:v1" -o "$W/pulled")
pull_rss=$(cat "$W/rss.pull")
cmp "$OCI/blobs/sha256/${layer#sha256:}" "$W/pulled/blobs/sha256/${layer#sha256:}"
registry_stop
ratio=$(echo "scale=2; $theirs / ($ours + 0.5)" | bc -l)
m=MISSED
[ "$(echo "$ratio >= 1.0" | bc -l)" = 1 ] && m=MET
mem=MISSED
[ "$ours_rss" -le 65536 ] && [ "$pull_rss" -le 65536 ] && mem=MET
echo "bench push: one layer of $MIB MiB (random, $((lsize >> 20)) MiB gzip'd) to docker-registry on loopback"
echo "  lifeboat migrate push ${ours} ms, skopeo copy ${theirs} ms: skopeo time / lifeboat time = ${ratio} (goal >= 1.00): $m"
echo "  peak RSS: push ${ours_rss} KiB, pull ${pull_rss} KiB (${pull_ms} ms), skopeo copy ${theirs_rss} KiB (goal <= 65536 KiB for lifeboat): $mem"
[ $m = MET ] && [ $mem = MET ]
