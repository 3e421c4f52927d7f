#!/usr/bin/env bash
# lifeboat migrate push/pull against the real docker-registry (distribution
# 2.8) in plain, htpasswd and TLS modes, with skopeo as the witness: what
# lifeboat pushes, skopeo reads back with the same digests; what lifeboat
# pulls has the bytes skopeo pulls. Then what a rerun skips (HEAD) and mounts
# (registry log), auth failures, digest mismatches (exit 5, nothing partial
# named), kill -9 mid-push and its resume, and a fault proxy (resets, 5xx,
# 429 with Retry-After, a stalled connection, a PATCH cut mid-body) in the path.
# shellcheck disable=SC2016 # test bodies are single-quoted on purpose
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/registry/registry.sh"

test_require 'docker-registry (Debian package docker-registry)' 'command -v docker-registry'
test_require 'skopeo' 'command -v skopeo'
test_require 'htpasswd (apache2-utils)' 'command -v htpasswd'
test_require 'openssl, python3, jq' 'command -v openssl && command -v python3 && command -v jq'
test_require 'lifeboat built' 'test -x "$LIFEBOAT"'

REPO=lifeboat/t1910
SRC=$TMP_TEST/src   # the layout we craft by hand
OCI=$TMP_TEST/oci   # skopeo's copy of it: what lifeboat pushes
CHUNK=256K

add_blob() { # file -> digest, into $SRC
	local d
	d=$(sha256sum "$1" | cut -d' ' -f1) && cp "$1" "$SRC/blobs/sha256/$d" && echo "sha256:$d"
}

# Starts the fault proxy in front of the running registry; sets PROXY_ADDR.
proxy_start() {
	: >"$TMP_TEST/proxy.log"
	rm -f "$TMP_TEST/proxy.port"
	python3 "$TOP/tests/registry/faultproxy.py" "$REGISTRY_PORT" "$TMP_TEST/proxy.ctl" \
		"$TMP_TEST/proxy.port" "$TMP_TEST/proxy.log" &
	PROXY_PID=$!
	for _ in $(seq 50); do [ -s "$TMP_TEST/proxy.port" ] && break; sleep 0.1; done
	PROXY_ADDR=127.0.0.1:$(cat "$TMP_TEST/proxy.port")
}
proxy_stop() { kill "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null; :; }

# skopeo says REF has manifest digest $2, and its raw manifest is the layout's.
witness_manifest() { # ref want-digest
	local got
	got=$(registry_skopeo inspect "${REGISTRY_SKOPEO_ARGS[@]}" --format '{{.Digest}}' "docker://$1") &&
		expect_eq "$2" "$got" "manifest digest skopeo reads from $1" &&
		registry_skopeo inspect --raw "${REGISTRY_SKOPEO_ARGS[@]}" "docker://$1" >"$TMP_TEST/raw" &&
		expect_file_same "$OCI/blobs/sha256/${2#sha256:}" "$TMP_TEST/raw"
}

# skopeo copies REF into a layout, and every blob there equals ours.
witness_blobs() { # ref
	local w
	w=$(mktemp -d "$TMP_TEST/witness.XXXXXX") &&
		registry_skopeo copy "${REGISTRY_SKOPEO_SRC_ARGS[@]}" "docker://$1" "oci:$w/l:v1" >/dev/null &&
		(cd "$w/l/blobs/sha256" && sha256sum -- * | while read -r sum name; do
			[ "$sum" = "$name" ] || { echo "skopeo blob $name hashes to $sum"; exit 1; }
			cmp -s "$name" "$OCI/blobs/sha256/$name" || { echo "blob $name differs"; exit 1; }
		done)
}

test_expect_success 'a layout with a layer of many chunks, crafted with tar/gzip and copied by skopeo' '
	mkdir -p rootfs/etc rootfs/srv "$SRC/blobs/sha256" &&
	printf "t1910\n" >rootfs/etc/release &&
	head -c 3000000 /dev/urandom >rootfs/srv/big.bin &&
	tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C rootfs -cf layer.tar . &&
	gzip -n -c layer.tar >layer.tar.gz &&
	printf "small\n" >small.txt && tar -cf small.tar small.txt && gzip -n -c small.tar >small.tar.gz &&
	layer=$(add_blob layer.tar.gz) && small=$(add_blob small.tar.gz) &&
	printf "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%s\",\"sha256:%s\"]}}" \
		"$(sha256sum layer.tar | cut -d" " -f1)" "$(sha256sum small.tar | cut -d" " -f1)" >config.json &&
	config=$(add_blob config.json) &&
	printf "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":%d},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%s\",\"size\":%d},{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%s\",\"size\":%d}]}" \
		"$config" "$(stat -c %s config.json)" "$layer" "$(stat -c %s layer.tar.gz)" \
		"$small" "$(stat -c %s small.tar.gz)" >manifest.json &&
	manifest=$(add_blob manifest.json) &&
	printf "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":%d,\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}}]}" \
		"$manifest" "$(stat -c %s manifest.json)" >"$SRC/index.json" &&
	echo "{\"imageLayoutVersion\":\"1.0.0\"}" >"$SRC/oci-layout" &&
	timeout 120 skopeo --insecure-policy copy "oci:$SRC:v1" "oci:$OCI:v1" &&
	want=$(timeout 60 skopeo --insecure-policy inspect --format "{{.Digest}}" "oci:$OCI:v1") &&
	echo "$want" >"$TMP_TEST/manifest.digest" && echo "$layer" >"$TMP_TEST/layer.digest" &&
	echo "$config" >"$TMP_TEST/config.digest" &&
	test "$(stat -c %s layer.tar.gz)" -gt $((4 * 262144))
'

test_expect_success 'plain http: push in chunks; skopeo reads the same manifest and blobs; pull equals skopeo' '
	registry_start && want=$(cat manifest.digest) && ref=$REGISTRY_ADDR/$REPO:v1 &&
	"$LIFEBOAT" migrate push --json --chunk-size $CHUNK "$OCI" "$ref" >push.json &&
	expect_eq "$want" "$(jq -r .manifest_digest push.json)" "manifest digest lifeboat reports" &&
	expect_eq "uploaded uploaded uploaded" "$(jq -r "[.blobs[].action] | join(\" \")" push.json)" "actions" &&
	test "$(grep -c "\"PATCH /v2/$REPO/blobs/uploads/" "$REGISTRY_LOG")" -ge 4 &&
	witness_manifest "$ref" "$want" && witness_blobs "$ref" &&
	"$LIFEBOAT" migrate pull --json "$ref" -o pulled >pull.json &&
	expect_eq "$want" "$(jq -r .manifest_digest pull.json)" "pulled manifest digest" &&
	for f in "$OCI"/blobs/sha256/*; do expect_file_same "$f" "pulled/blobs/sha256/${f##*/}" || exit 1; done &&
	expect_eq "$(ls "$OCI/blobs/sha256" | sort)" "$(ls pulled/blobs/sha256 | sort)" "blob list" &&
	got=$(timeout 60 skopeo --insecure-policy inspect --format "{{.Digest}}" "oci:$TMP_TEST/pulled:v1") &&
	expect_eq "$want" "$got" "digest skopeo sees in the pulled layout" &&
	mark=$(wc -l <"$REGISTRY_LOG") &&
	"$LIFEBOAT" migrate push --json "$OCI" "$ref" >again.json &&
	expect_eq "exists exists exists" "$(jq -r "[.blobs[].action] | join(\" \")" again.json)" "actions on the second push" &&
	expect_eq 0 "$(jq .bytes_uploaded again.json)" "bytes uploaded the second time" &&
	if tail -n +"$mark" "$REGISTRY_LOG" | grep -E "\"(POST|PATCH) /v2/$REPO/blobs/uploads"; then
		say "the second push started an upload"; false; fi &&
	mark=$(wc -l <"$REGISTRY_LOG") &&
	"$LIFEBOAT" migrate push --json --mount-from $REPO "$OCI" "$REGISTRY_ADDR/lifeboat/other:v1" >mount.json &&
	expect_eq "mounted mounted mounted" "$(jq -r "[.blobs[].action] | join(\" \")" mount.json)" "actions with --mount-from" &&
	tail -n +"$mark" "$REGISTRY_LOG" | grep -E "\"POST /v2/lifeboat/other/blobs/uploads/\?mount=$(cat layer.digest)&from=lifeboat/t1910 HTTP/1.1\" 201" &&
	if tail -n +"$mark" "$REGISTRY_LOG" | grep -E "\"(PATCH|PUT) /v2/lifeboat/other/blobs/uploads"; then
		say "a mounted blob was uploaded"; false; fi &&
	witness_manifest "$REGISTRY_ADDR/lifeboat/other:v1" "$want" &&
	registry_stop
'

test_expect_success 'htpasswd: --creds and --authfile push; a wrong password is exit 4 naming registry and scope' '
	registry_start --auth && want=$(cat manifest.digest) && ref=$REGISTRY_ADDR/$REPO:v1 &&
	{ "$LIFEBOAT" migrate push --creds "$REGISTRY_USER:wrong" "$OCI" "$ref" 2>wrong.err
	  expect_eq 4 $? "exit code with a wrong password"; } && cat wrong.err &&
	grep "$REGISTRY_ADDR" wrong.err && grep "unauthorized" wrong.err && grep "repository:$REPO:pull,push" wrong.err &&
	{ HOME=$TMP_TEST/nohome DOCKER_CONFIG= "$LIFEBOAT" migrate push "$OCI" "$ref" 2>anon.err
	  expect_eq 4 $? "exit code without credentials"; } && cat anon.err &&
	"$LIFEBOAT" migrate push --creds "$REGISTRY_USER:$REGISTRY_PASS" --chunk-size $CHUNK "$OCI" "$ref" &&
	witness_manifest "$ref" "$want" && witness_blobs "$ref" &&
	printf "{\"auths\":{\"http://%s\":{\"auth\":\"%s\"}}}" "$REGISTRY_ADDR" \
		"$(printf "%s:%s" "$REGISTRY_USER" "$REGISTRY_PASS" | base64 -w0)" >auth.json &&
	"$LIFEBOAT" migrate pull --authfile auth.json "$ref" -o pulled-auth &&
	expect_file_same "$OCI/blobs/sha256/$(cat layer.digest | cut -d: -f2)" \
		"pulled-auth/blobs/sha256/$(cat layer.digest | cut -d: -f2)" &&
	registry_stop
'

test_expect_success 'TLS: --cacert pushes and pulls; without the CA the push fails with exit 1' '
	registry_start --tls && want=$(cat manifest.digest) && ref=$REGISTRY_ADDR/$REPO:v1 &&
	{ "$LIFEBOAT" migrate push "$OCI" "$ref" 2>untrusted.err; expect_eq 1 $? "exit code without the CA"; } &&
	cat untrusted.err && grep -i "certificate" untrusted.err &&
	"$LIFEBOAT" migrate push --cacert "$REGISTRY_CA" --chunk-size $CHUNK "$OCI" "$ref" &&
	witness_manifest "$ref" "$want" && witness_blobs "$ref" &&
	"$LIFEBOAT" migrate pull --cacert "$REGISTRY_CA" "$ref" -o pulled-tls &&
	expect_file_same "$OCI/blobs/sha256/${want#sha256:}" "pulled-tls/blobs/sha256/${want#sha256:}" &&
	registry_stop
'

test_expect_success 'bad references are exit 2' '
	for bad in "UPPER/case" "a//b" "host:99999/x" "x:tag:tag" "x@sha256:abc" "../x" "-x" ""; do
		"$LIFEBOAT" migrate push "$OCI" "$bad" 2>err; rc=$?
		[ $rc = 2 ] || { say "exit $rc for \"$bad\""; exit 1; }
	done
'

test_expect_success 'digest mismatch: a registry answering a changed blob, a tampered layout: exit 5, nothing partial' '
	registry_start && ref=$REGISTRY_ADDR/$REPO:v1 &&
	"$LIFEBOAT" migrate push --chunk-size $CHUNK "$OCI" "$ref" &&
	echo corrupt-blob >proxy.ctl && proxy_start &&
	{ "$LIFEBOAT" migrate pull "$PROXY_ADDR/$REPO:v1" -o bad 2>bad.err; rc=$?; proxy_stop; expect_eq 5 $rc "pull exit code"; } &&
	cat bad.err && grep "hashes to" bad.err &&
	layer=$(cut -d: -f2 layer.digest) &&
	test ! -e "bad/blobs/sha256/$layer" &&
	expect_eq "" "$(ls -A bad/blobs/sha256 | grep -v -x -e "$(cut -d: -f2 config.digest)" -e "$layer")" "other files in the layout" &&
	"$LIFEBOAT" migrate pull "$ref" -o good &&
	printf "X" | dd of="good/blobs/sha256/$layer" bs=1 seek=1000 conv=notrunc 2>/dev/null &&
	{ "$LIFEBOAT" migrate pull "$ref" -o good 2>t.err; expect_eq 5 $? "exit code for a tampered blob in the layout"; } &&
	cat t.err && grep "$layer" t.err &&
	cp -r "$OCI" tampered && chmod -R u+w tampered &&
	printf "X" | dd of="tampered/blobs/sha256/$layer" bs=1 seek=1000 conv=notrunc 2>/dev/null &&
	{ "$LIFEBOAT" migrate push "tampered" "$REGISTRY_ADDR/lifeboat/tampered:v1" 2>tp.err
	  expect_eq 5 $? "exit code pushing a tampered blob"; } && cat tp.err &&
	registry_stop
'

# The 9th PATCH is held by the proxy and never reaches the registry, and
# lifeboat is killed while it waits: the registry's session is as the 8th
# acknowledged chunk left it (what a registry that follows the spec keeps
# after any cut; distribution 2.8 only when the cut chunk never reached it).
test_expect_success 'kill -9 mid-push, then the same push: finished blobs not sent again, the rest resumed' '
	registry_start && want=$(cat manifest.digest) && echo "fault PATCH 9 stall" >proxy.ctl && proxy_start &&
	ref=$PROXY_ADDR/$REPO:v1 && layer=$(cut -d: -f2 layer.digest) &&
	journal=$OCI/.lifeboat-push/$PROXY_ADDR/$REPO/$layer.json &&
	rm -rf "$OCI/.lifeboat-push" || exit 1
	"$LIFEBOAT" migrate push --jobs 1 --chunk-size 64K "$OCI" "$ref" &
	pid=$!
	for _ in $(seq 100); do grep -q -- "-> stall" proxy.log && break; sleep 0.1; done
	kill -9 $pid; wait $pid; cat "$journal" && echo &&
	acked=$(jq .offset "$journal") && expect_eq $((8 * 65536)) "$acked" "offset in the journal" &&
	: >proxy.ctl && mark=$(wc -l <proxy.log) &&
	"$LIFEBOAT" migrate push --json --chunk-size 64K "$OCI" "$ref" >resume.json; rc=$?; proxy_stop
	cat resume.json && expect_eq 0 $rc "exit code of the rerun" &&
	expect_eq resumed "$(jq -r ".blobs[] | select(.digest == \"sha256:$layer\") | .action" resume.json)" "layer action" &&
	expect_eq exists "$(jq -r ".blobs[] | select(.digest == \"$(cat config.digest)\") | .action" resume.json)" "config action" &&
	size=$(stat -c %s "$OCI/blobs/sha256/$layer") &&
	expect_eq $((size - acked)) "$(jq ".blobs[] | select(.digest == \"sha256:$layer\") | .bytes_sent" resume.json)" "layer bytes sent by the rerun" &&
	expect_eq 0 "$(jq .bytes_resent resume.json)" "bytes re-sent" &&
	test ! -e "$journal" &&
	tail -n +"$mark" proxy.log | grep "^GET /v2/$REPO/blobs/uploads/" &&
	if tail -n +"$mark" proxy.log | grep -E "^(POST|PATCH|PUT) .*$(cut -d: -f2 config.digest)"; then say "config sent again"; false; fi &&
	witness_manifest "$REGISTRY_ADDR/$REPO:v1" "$want" && witness_blobs "$REGISTRY_ADDR/$REPO:v1" &&
	registry_stop
'

# A PATCH whose first half reached distribution 2.8 before the cut: its
# next answer for that session is 404 BLOB_UPLOAD_INVALID/UNKNOWN.
test_expect_success 'a PATCH cut mid-body: distribution 2.8 loses the session, the blob restarts, re-sent bytes counted' '
	registry_start && want=$(cat manifest.digest) && printf "fault PATCH 4 cut\n" >proxy.ctl && proxy_start &&
	"$LIFEBOAT" migrate push --json --jobs 1 --chunk-size 64K --timeout 5 "$OCI" "$PROXY_ADDR/$REPO:v1" >cut.json 2>cut.err; rc=$?; proxy_stop
	cat cut.err
	cat cut.json; grep -E "cut|PATCH" proxy.log | head -8
	expect_eq 0 $rc "exit code" && layer=$(cat layer.digest) && grep -- "-> cut" proxy.log &&
	expect_eq restarted "$(jq -r ".blobs[] | select(.digest == \"$layer\") | .action" cut.json)" "layer action" &&
	expect_eq 1 "$(jq -r ".blobs[] | select(.digest == \"$layer\") | .restarts" cut.json)" "restarts" &&
	expect_eq $((4 * 65536)) "$(jq .bytes_resent cut.json)" "bytes re-sent (3 chunks acknowledged before the cut, and the cut one)" &&
	grep "restarted" cut.err &&
	witness_manifest "$REGISTRY_ADDR/$REPO:v1" "$want" && witness_blobs "$REGISTRY_ADDR/$REPO:v1" &&
	registry_stop
'

test_expect_success 'fault proxy: resets, 500/503, 429 with Retry-After, a stalled connection: the push completes' '
	registry_start && want=$(cat manifest.digest) &&
	printf "%s\n" "fault HEAD 1 reset" "fault POST 1 500" "fault PATCH 2 429" "fault PATCH 3 reset" \
		"fault PATCH 5 503" "fault PATCH 7 stall" "fault PUT 1 reset" "fault GET 1 500" >proxy.ctl && proxy_start &&
	start=$(date +%s) &&
	"$LIFEBOAT" migrate push --json --chunk-size $CHUNK --timeout 3 "$OCI" "$PROXY_ADDR/$REPO:v1" >faults.json; rc=$?
	echo "took $(( $(date +%s) - start )) s"; grep -v -- "-> 20[0-9]" proxy.log
	expect_eq 0 $rc "exit code through the fault proxy" &&
	for a in reset 500 429 503 stall; do grep -q -- "-> $a" proxy.log || { say "fault $a never fired"; exit 1; }; done &&
	expect_eq "$want" "$(jq -r .manifest_digest faults.json)" "manifest digest" &&
	witness_manifest "$REGISTRY_ADDR/$REPO:v1" "$want" && witness_blobs "$REGISTRY_ADDR/$REPO:v1" &&
	printf "%s\n" "fault GET 2 reset" "fault GET 3 503" >proxy.ctl && : >proxy.log &&
	"$LIFEBOAT" migrate pull "$PROXY_ADDR/$REPO:v1" -o pulled-faults; rc=$?; proxy_stop
	expect_eq 0 $rc "pull exit code through the fault proxy" &&
	expect_file_same "$OCI/blobs/sha256/$(cut -d: -f2 layer.digest)" "pulled-faults/blobs/sha256/$(cut -d: -f2 layer.digest)" &&
	{ printf "%s\n" "fault GET 1 500" "fault GET 2 500" "fault GET 3 500" "fault GET 4 500" "fault GET 5 500" "fault GET 6 500" "fault GET 7 500" >proxy.ctl
	  : >proxy.log; proxy_start; "$LIFEBOAT" migrate pull "$PROXY_ADDR/$REPO:v1" -o never 2>never.err; rc=$?; proxy_stop
	  expect_eq 1 $rc "exit code when every attempt fails"; } && cat never.err && grep "HTTP 500 (after retries)" never.err &&
	registry_stop
'

test_done
