# A small OCI image layout for registry host tests, made by GNU tar, gzip
# and sha256sum, then copied by skopeo (so what lifeboat pushes is what an
# independent tool wrote). Sourced; needs lib.sh's TMP_TEST.
#   layout_craft OUT BYTES   one layer holding srv/big.bin of BYTES random
#                            bytes; image "v1" in layout OUT. Writes
#                            layer.digest, config.digest, manifest.digest
#                            (sha256:...) into the current directory.
layout_craft() {
	local out=$1 bytes=$2 w l c m
	w=$(mktemp -d "$TMP_TEST/craft.XXXXXX") || return 1
	mkdir -p "$w/rootfs/srv" "$w/src/blobs/sha256" &&
		head -c "$bytes" /dev/urandom >"$w/rootfs/srv/big.bin" &&
		tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$w/rootfs" -cf "$w/layer.tar" . &&
		gzip -n -c "$w/layer.tar" >"$w/layer.tar.gz" &&
		l=$(sha256sum "$w/layer.tar.gz" | cut -d" " -f1) && cp "$w/layer.tar.gz" "$w/src/blobs/sha256/$l" &&
		printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
			"$(sha256sum "$w/layer.tar" | cut -d" " -f1)" >"$w/config.json" &&
		c=$(sha256sum "$w/config.json" | cut -d" " -f1) && cp "$w/config.json" "$w/src/blobs/sha256/$c" &&
		printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d}]}' \
			"$c" "$(stat -c %s "$w/config.json")" "$l" "$(stat -c %s "$w/layer.tar.gz")" >"$w/manifest.json" &&
		m=$(sha256sum "$w/manifest.json" | cut -d" " -f1) && cp "$w/manifest.json" "$w/src/blobs/sha256/$m" &&
		printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' \
			"$m" "$(stat -c %s "$w/manifest.json")" >"$w/src/index.json" &&
		echo '{"imageLayoutVersion":"1.0.0"}' >"$w/src/oci-layout" &&
		timeout 120 skopeo --insecure-policy copy "oci:$w/src:v1" "oci:$out:v1" >/dev/null &&
		timeout 60 skopeo --insecure-policy inspect --format "{{.Digest}}" "oci:$out:v1" >manifest.digest &&
		echo "sha256:$l" >layer.digest && echo "sha256:$c" >config.digest
}
