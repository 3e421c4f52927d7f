#!/usr/bin/env bash
# Progress per blob on stderr when it is a terminal (a pty from `script`),
# for push and pull, against the real docker-registry; nothing on stderr
# when it is a pipe, nor with -q on a terminal.
# shellcheck disable=SC2016 # test bodies are single-quoted on purpose
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/registry/registry.sh"
. "$TOP/tests/registry/layout.sh"

test_require 'docker-registry (Debian package docker-registry)' 'command -v docker-registry'
test_require 'skopeo, script (util-linux), jq' 'command -v skopeo && command -v script && command -v jq'
test_require 'lifeboat built' 'test -x "$LIFEBOAT"'

REPO=lifeboat/t1945

# Runs lifeboat with stdin, stdout and stderr on a pty; what the terminal
# showed goes to $1, without carriage returns.
on_tty() { # out-file lifeboat-args...
	local out=$1 cmd
	shift
	cmd=$(printf "%q " "$LIFEBOAT" "$@")
	script -qec "$cmd" /dev/null </dev/null | tr -d "\r" >"$out"
	return "${PIPESTATUS[0]}"
}

test_expect_success 'a layout with a 3 MB layer, copied by skopeo' '
	layout_craft oci 3000000
'

test_expect_success 'push on a terminal: a line per acknowledged chunk, and each blob ends with its action' '
	registry_start && ref=$REGISTRY_ADDR/$REPO:v1 && layer=$(cat layer.digest) && config=$(cat config.digest) &&
	on_tty push.tty migrate push --chunk-size 512K oci "$ref" && cat push.tty &&
	test "$(grep -c "^${layer:0:19} .*/" push.tty)" -ge 5 &&
	expect_eq 1 "$(grep -c -E "^${layer:0:19} [0-9.]+[KMG]?B?/[0-9.]+[KMG]?B? uploaded$" push.tty)" "final lines of the layer" &&
	expect_eq 1 "$(grep -c -E "^${config:0:19} .* uploaded$" push.tty)" "lines of the config" &&
	on_tty again.tty migrate push oci "$ref" && cat again.tty &&
	grep -E "^${layer:0:19} .* exists$" again.tty && grep -E "^${config:0:19} .* exists$" again.tty &&
	on_tty mount.tty migrate push --mount-from $REPO oci "$REGISTRY_ADDR/lifeboat/other:v1" && cat mount.tty &&
	grep -E "^${layer:0:19} .* mounted$" mount.tty
	rc=$?; registry_stop; exit $rc
'

test_expect_success 'pull on a terminal: each blob ends with "fetched", then "exists" on a rerun' '
	registry_start && ref=$REGISTRY_ADDR/$REPO:v1 && layer=$(cat layer.digest) && config=$(cat config.digest) &&
	"$LIFEBOAT" migrate push oci "$ref" 2>/dev/null &&
	on_tty pull.tty migrate pull "$ref" -o pulled && cat pull.tty &&
	grep -E "^${layer:0:19} .* fetched$" pull.tty && grep -E "^${config:0:19} .* fetched$" pull.tty &&
	on_tty again.tty migrate pull "$ref" -o pulled && cat again.tty &&
	grep -E "^${layer:0:19} .* exists$" again.tty
	rc=$?; registry_stop; exit $rc
'

test_expect_success 'on a pipe, and with -q on a terminal, stderr stays empty' '
	registry_start && ref=$REGISTRY_ADDR/$REPO:v2 &&
	"$LIFEBOAT" migrate push --chunk-size 512K oci "$ref" 2>push.err | cat >push.out &&
	expect_eq "" "$(cat push.err)" "stderr of push on a pipe" && grep -F "$ref sha256:" push.out &&
	"$LIFEBOAT" migrate pull "$ref" -o piped 2>pull.err | cat >pull.out &&
	expect_eq "" "$(cat pull.err)" "stderr of pull on a pipe" &&
	on_tty quiet.tty migrate pull -q "$ref" -o quiet &&
	expect_eq "" "$(cat quiet.tty)" "what -q shows on a terminal"
	rc=$?; registry_stop; exit $rc
'

test_done
