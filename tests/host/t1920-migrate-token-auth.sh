#!/usr/bin/env bash
# The bearer token flow against the real docker-registry (distribution 2.8)
# configured with `auth: token`, and tests/registry/tokenserver.py as its
# token server (RS256 JWTs with an x5c chain the registry checks against
# its rootcertbundle): push and pull, a wrong password, a scope the token
# server does not grant, a cross-repository mount that needs pull on the
# source repository, and tokens that expire every few seconds during a
# throttled chunked upload. skopeo (which runs the token flow itself) is
# the witness for what the registry holds.
# shellcheck disable=SC2016 # test bodies are single-quoted on purpose
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/registry/registry.sh"
. "$TOP/tests/registry/layout.sh"
. "$TOP/tests/registry/faultproxy.sh"

test_require 'docker-registry (Debian package docker-registry)' 'command -v docker-registry'
test_require 'skopeo' 'command -v skopeo'
test_require 'openssl, python3, jq' 'command -v openssl && command -v python3 && command -v jq'
test_require 'lifeboat built' 'test -x "$LIFEBOAT"'

REPO=lifeboat/t1920
OCI=$TMP_TEST/oci
USER_NAME=lifeboat
USER_PASS=$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')

# Starts the token server; sets TOKEN_REALM. Grants come from token.ctl.
token_start() {
	rm -f "$TMP_TEST/token.port"
	: >"$TMP_TEST/token.log"
	python3 "$TOP/tests/registry/tokenserver.py" "$TMP_TEST/token.key" "$TMP_TEST/token.crt" \
		"$TMP_TEST/token.ctl" "$TMP_TEST/token.port" "$TMP_TEST/token.log" &
	TOKEN_PID=$!
	for _ in $(seq 50); do [ -s "$TMP_TEST/token.port" ] && break; sleep 0.1; done
	TOKEN_REALM=http://127.0.0.1:$(cat "$TMP_TEST/token.port")/token
}
token_stop() { kill "$TOKEN_PID" 2>/dev/null; wait "$TOKEN_PID" 2>/dev/null; :; }
grants() { # lines "REPO ACTIONS", plus ttl and expires_in if TTL, CLAIM are set
	{ echo "user $USER_NAME $USER_PASS"; for g; do echo "grant $g"; done
	  [ -z "${TTL:-}" ] || echo "ttl $TTL"
	  [ -z "${CLAIM:-}" ] || echo "expires_in $CLAIM"; } >"$TMP_TEST/token.ctl"
}
# skopeo, through its own token flow, reads REF's manifest digest.
witness() { # ref want-digest
	local got
	got=$(registry_skopeo inspect --tls-verify=false --creds "$USER_NAME:$USER_PASS" \
		--format '{{.Digest}}' "docker://$1") && expect_eq "$2" "$got" "digest skopeo reads from $1"
}

test_expect_success 'a layout with a 3 MB layer, and a token server key and certificate' '
	layout_craft "$OCI" 3000000 &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=lifeboat-token \
		-keyout token.key -out token.crt >openssl.log 2>&1
'

test_expect_success 'token auth: push and pull; skopeo reads the same image; the token server saw our scope' '
	grants "$REPO pull,push" && token_start && registry_start --token "$TOKEN_REALM" "$TMP_TEST/token.crt" &&
	want=$(cat manifest.digest) && ref=$REGISTRY_ADDR/$REPO:v1 &&
	"$LIFEBOAT" migrate push --json --creds "$USER_NAME:$USER_PASS" --chunk-size 512K "$OCI" "$ref" >push.json &&
	expect_eq "$want" "$(jq -r .manifest_digest push.json)" "pushed manifest digest" &&
	grep "repository:$REPO:pull,push -> 200 $REPO:pull,push" token.log &&
	grep -q "\"PATCH /v2/$REPO/blobs/uploads/" "$REGISTRY_LOG" &&
	witness "$ref" "$want" &&
	"$LIFEBOAT" migrate pull --creds "$USER_NAME:$USER_PASS" "$ref" -o pulled &&
	for f in "$OCI"/blobs/sha256/*; do expect_file_same "$f" "pulled/blobs/sha256/${f##*/}" || exit 1; done
	rc=$?; registry_stop; token_stop; exit $rc
'

test_expect_success 'a wrong password is exit 4 naming the registry and the scope; so is a scope not granted' '
	grants "$REPO pull,push" "lifeboat/readonly pull" && token_start &&
	registry_start --token "$TOKEN_REALM" "$TMP_TEST/token.crt" && ref=$REGISTRY_ADDR/$REPO:v1 &&
	{ "$LIFEBOAT" migrate push --creds "$USER_NAME:wrong" "$OCI" "$ref" 2>wrong.err
	  expect_eq 4 $? "exit code with a wrong password"; } && cat wrong.err &&
	grep -F "$REGISTRY_ADDR" wrong.err && grep -F "repository:$REPO:pull,push" wrong.err &&
	grep -F "refused by $TOKEN_REALM" wrong.err &&
	{ "$LIFEBOAT" migrate push --creds "$USER_NAME:$USER_PASS" "$OCI" "$REGISTRY_ADDR/lifeboat/readonly:v1" 2>ro.err
	  expect_eq 4 $? "exit code pushing where only pull is granted"; } && cat ro.err &&
	grep -F "$REGISTRY_ADDR" ro.err && grep -F "repository:lifeboat/readonly:pull,push" ro.err &&
	grep "repository:lifeboat/readonly:pull,push -> 200 lifeboat/readonly:pull$" token.log &&
	{ HOME=$TMP_TEST/nohome DOCKER_CONFIG= "$LIFEBOAT" migrate pull "$ref" -o anon 2>anon.err
	  expect_eq 4 $? "exit code without credentials"; } && cat anon.err && grep -F "repository:$REPO:pull" anon.err
	rc=$?; registry_stop; token_stop; exit $rc
'

test_expect_success 'cross-repository mount: the client asks for push on the target and pull on the source' '
	grants "lifeboat/src pull,push" "lifeboat/dst pull,push" && token_start &&
	registry_start --token "$TOKEN_REALM" "$TMP_TEST/token.crt" && want=$(cat manifest.digest) &&
	"$LIFEBOAT" migrate push --creds "$USER_NAME:$USER_PASS" "$OCI" "$REGISTRY_ADDR/lifeboat/src:v1" &&
	grants "lifeboat/src pull" "lifeboat/dst pull,push" && : >token.log && mark=$(wc -l <"$REGISTRY_LOG") &&
	"$LIFEBOAT" migrate push --json --creds "$USER_NAME:$USER_PASS" --mount-from lifeboat/src "$OCI" \
		"$REGISTRY_ADDR/lifeboat/dst:v1" >mount.json && cat token.log &&
	expect_eq "mounted mounted" "$(jq -r "[.blobs[].action] | join(\" \")" mount.json)" "actions" &&
	grep "repository:lifeboat/dst:pull,push repository:lifeboat/src:pull -> 200 lifeboat/dst:pull,push lifeboat/src:pull" token.log &&
	tail -n +"$mark" "$REGISTRY_LOG" | grep -E "\"POST /v2/lifeboat/dst/blobs/uploads/\?mount=$(cat layer.digest)&from=lifeboat/src HTTP/1.1\" 201" &&
	witness "$REGISTRY_ADDR/lifeboat/dst:v1" "$want"
	rc=$?; registry_stop; token_stop; exit $rc
'

# The token server issues tokens of a few seconds and the proxy reads
# request bodies at 128 KiB/s, so the 3 MB layer in 64 KiB chunks takes
# ~25 s. Told the truth (expires_in 4), the client fetches a new token before the
# old one dies: no request is refused and no chunk goes twice. Told a lie
# (expires_in 300), it learns from the registry's 401 (invalid_token) mid-
# upload, fetches a new token and sends that chunk again.
expiry_push() { # repo -> expiry.json, expiry.err; the push's exit code
	local rc
	echo "rate 131072" >proxy.ctl && proxy_start &&
	"$LIFEBOAT" migrate push --json --jobs 1 --creds "$USER_NAME:$USER_PASS" --chunk-size 64K "$OCI" \
		"$PROXY_ADDR/$1:v1" >expiry.json 2>expiry.err
	rc=$?
	proxy_stop
	cat expiry.err
	echo "tokens fetched: $(grep -c -- "-> 200" token.log)"
	echo "PATCH refused: $(grep -c "\"PATCH /v2/$1/blobs/uploads/[^ ]* HTTP/1.1\" 401" "$REGISTRY_LOG")"
	return $rc
}
chunks() { # how many 64 KiB PATCHes the layer takes
	local size
	size=$(stat -c %s "$OCI/blobs/sha256/$(cut -d: -f2 layer.digest)") && echo $(((size + 65535) / 65536))
}

test_expect_success 'tokens that expire every 4 s (expires_in says so) are renewed before they die: nothing refused' '
	TTL=4 grants "lifeboat/expiry pull,push" && token_start &&
	registry_start --token "$TOKEN_REALM" "$TMP_TEST/token.crt" && want=$(cat manifest.digest) &&
	expiry_push lifeboat/expiry && expect_eq "$want" "$(jq -r .manifest_digest expiry.json)" "manifest digest" &&
	test "$(grep -c -- "-> 200" token.log)" -ge 5 &&
	expect_eq 0 "$(grep -c "\"[A-Z]* /v2/lifeboat/expiry/[^ ]* HTTP/1.1\" 401" "$REGISTRY_LOG")" "requests refused" &&
	expect_eq "$(chunks)" "$(grep -c "\"PATCH /v2/lifeboat/expiry/blobs/uploads/" "$REGISTRY_LOG")" "PATCHes (one per chunk)" &&
	witness "$REGISTRY_ADDR/lifeboat/expiry:v1" "$want"
	rc=$?; registry_stop; token_stop; exit $rc
'

test_expect_success 'a token that dies between chunks while expires_in claims 300 s: the 401 gets a new one, the push completes' '
	TTL=3 CLAIM=300 grants "lifeboat/lie pull,push" && token_start &&
	registry_start --token "$TOKEN_REALM" "$TMP_TEST/token.crt" && want=$(cat manifest.digest) &&
	expiry_push lifeboat/lie && expect_eq "$want" "$(jq -r .manifest_digest expiry.json)" "manifest digest" &&
	expect_eq 0 "$(jq .bytes_resent expiry.json)" "bytes re-sent after an acknowledgement" &&
	test "$(grep -c -- "-> 200" token.log)" -ge 3 &&
	grep "token not to be used after" "$REGISTRY_LOG" | tail -n 1 &&
	test "$(grep -c "\"PATCH /v2/lifeboat/lie/blobs/uploads/[^ ]* HTTP/1.1\" 401" "$REGISTRY_LOG")" -ge 1 &&
	witness "$REGISTRY_ADDR/lifeboat/lie:v1" "$want"
	rc=$?; registry_stop; token_stop; exit $rc
'

test_done
