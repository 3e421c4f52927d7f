#!/usr/bin/env bash
# Credentials from a Docker credential helper (config.json's credHelpers
# and credsStore run docker-credential-<name> get from PATH), against the
# real docker-registry with htpasswd: the helper answers, has nothing,
# fails, hangs past --timeout, answers too much, or is named like a path.
# Then Docker's /etc/docker/certs.d/<host:port>/ca.crt trusts the TLS
# registry's CA with no --cacert.
# shellcheck disable=SC2016 # test bodies are single-quoted on purpose
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/registry/registry.sh"
. "$TOP/tests/registry/layout.sh"

test_require 'docker-registry (Debian package docker-registry)' 'command -v docker-registry'
test_require 'skopeo' 'command -v skopeo'
test_require 'htpasswd, openssl, jq' 'command -v htpasswd && command -v openssl && command -v jq'
test_require 'lifeboat built' 'test -x "$LIFEBOAT"'

REPO=lifeboat/t1930
OCI=$TMP_TEST/oci
BIN=$TMP_TEST/bin

test_expect_success 'a one-layer layout copied by skopeo, and docker-credential-lbtest on PATH' '
	layout_craft "$OCI" 4096 && mkdir -p "$BIN" &&
	cat >"$BIN/docker-credential-lbtest" <<-\SCRIPT &&
	#!/bin/sh
	# A credential helper for tests: its behaviour is in $LBTEST_DIR/mode.
	d=$LBTEST_DIR
	[ "$1" = get ] || exit 9
	read -r server; printf "%s\n" "$server" >>"$d/asked"
	case $(cat "$d/mode") in
	ok) printf "{\"ServerURL\":\"%s\",\"Username\":\"%s\",\"Secret\":\"%s\"}\n" "$server" "$(cat "$d/user")" "$(cat "$d/pass")" ;;
	notfound) echo "credentials not found in native keychain"; exit 1 ;;
	fail) echo "keychain locked"; exit 3 ;;
	hang) exec sleep 60 ;;
	big) head -c 200000 /dev/zero | tr "\0" x ;;
	esac
	SCRIPT
	chmod +x "$BIN/docker-credential-lbtest"
'

helper() { # mode: run lifeboat with the helper on PATH
	echo "$1" >mode && shift
	LBTEST_DIR=$TMP_TEST PATH=$BIN:$PATH HOME=$TMP_TEST/nohome DOCKER_CONFIG=$TMP_TEST/dc "$LIFEBOAT" "$@"
}

test_expect_success 'credHelpers and credsStore: the helper is asked for host:port and its answer pushes and pulls' '
	registry_start --auth && ref=$REGISTRY_ADDR/$REPO:v1 && want=$(cat manifest.digest) &&
	printf %s "$REGISTRY_USER" >user && printf %s "$REGISTRY_PASS" >pass && mkdir -p dc &&
	printf "{\"credHelpers\":{\"%s\":\"lbtest\"}}" "$REGISTRY_ADDR" >helpers.json &&
	: >asked && helper ok migrate push --authfile helpers.json "$OCI" "$ref" &&
	expect_eq "$REGISTRY_ADDR" "$(cat asked)" "what the helper was asked" &&
	got=$(registry_skopeo inspect "${REGISTRY_SKOPEO_ARGS[@]}" --format "{{.Digest}}" "docker://$ref") &&
	expect_eq "$want" "$got" "digest skopeo reads" &&
	printf "{\"auths\":{\"%s\":{}},\"credsStore\":\"lbtest\"}" "$REGISTRY_ADDR" >dc/config.json &&
	helper ok migrate pull "$ref" -o pulled &&
	expect_file_same "$OCI/blobs/sha256/${want#sha256:}" "pulled/blobs/sha256/${want#sha256:}"
	rc=$?; registry_stop; exit $rc
'

test_expect_success 'a helper with nothing is exit 4 naming it; one that fails, hangs, floods or is a path is refused' '
	registry_start --auth && ref=$REGISTRY_ADDR/$REPO:v1 &&
	printf "{\"credHelpers\":{\"%s\":\"lbtest\"}}" "$REGISTRY_ADDR" >helpers.json &&
	{ helper notfound migrate pull --authfile helpers.json "$ref" -o x 2>nf.err; expect_eq 4 $? "exit, nothing stored"; } &&
	cat nf.err && grep -F "$REGISTRY_ADDR" nf.err && grep -F "docker-credential-lbtest" nf.err &&
	{ helper fail migrate pull --authfile helpers.json "$ref" -o x 2>fail.err; expect_eq 1 $? "exit, helper failed"; } &&
	cat fail.err && grep -F "docker-credential-lbtest get $REGISTRY_ADDR: exit 3: keychain locked" fail.err &&
	start=$(date +%s) &&
	{ helper hang migrate pull --timeout 2 --authfile helpers.json "$ref" -o x 2>hang.err; expect_eq 1 $? "exit, helper hangs"; } &&
	took=$(( $(date +%s) - start )) && cat hang.err && grep "no answer within 2000 ms; killed" hang.err &&
	test "$took" -le 6 && ! pgrep -f "^sleep 60$" -P 1 >/dev/null &&
	{ helper big migrate pull --authfile helpers.json "$ref" -o x 2>big.err; expect_eq 5 $? "exit, helper floods"; } &&
	cat big.err && grep "larger than 65536 bytes" big.err &&
	printf "{\"credsStore\":\"../../bin/sh\"}" >path.json &&
	{ helper ok migrate pull --authfile path.json "$ref" -o x 2>path.err; expect_eq 5 $? "exit, helper named like a path"; } &&
	cat path.err && grep "not a helper name" path.err &&
	printf "{\"credsStore\":\"nosuchhelper\"}" >none.json &&
	{ helper ok migrate pull --authfile none.json "$ref" -o x 2>none.err; expect_eq 1 $? "exit, helper not installed"; } &&
	cat none.err && grep "docker-credential-nosuchhelper.*not found on PATH" none.err &&
	test ! -e x/index.json
	rc=$?; registry_stop; exit $rc
'

test_expect_success '/etc/docker/certs.d/127.0.0.1:PORT/ca.crt is trusted with no --cacert' '
	registry_start --tls && ref=$REGISTRY_ADDR/$REPO:v1 && want=$(cat manifest.digest) &&
	certs_d=/etc/docker/certs.d/$REGISTRY_ADDR &&
	if [ -e "$certs_d" ]; then say "$certs_d exists already: not touching it"; registry_stop; exit 1; fi &&
	made=/etc/docker/certs.d && { [ -d /etc/docker/certs.d ] && made=$certs_d; } ;
	trap "rm -rf \"$made\"; registry_stop" EXIT &&
	{ "$LIFEBOAT" migrate push "$OCI" "$ref" 2>before.err; expect_eq 1 $? "exit before the CA is in certs.d"; } &&
	grep -i certificate before.err &&
	mkdir -p "$certs_d" && cp "$REGISTRY_CA" "$certs_d/ca.crt" &&
	"$LIFEBOAT" migrate push "$OCI" "$ref" &&
	"$LIFEBOAT" migrate pull "$ref" -o pulled-tls &&
	expect_file_same "$OCI/blobs/sha256/${want#sha256:}" "pulled-tls/blobs/sha256/${want#sha256:}" &&
	got=$(registry_skopeo inspect "${REGISTRY_SKOPEO_ARGS[@]}" --format "{{.Digest}}" "docker://$ref") &&
	expect_eq "$want" "$got" "digest skopeo reads"
'

test_expect_success 'the certs.d directory the test made is gone' '
	test -z "$(ls -d /etc/docker/certs.d/127.0.0.1:* 2>/dev/null)" || { ls -d /etc/docker/certs.d/127.0.0.1:*; false; }
'

test_done
