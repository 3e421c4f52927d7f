#!/usr/bin/env bash
# `migrate pull` from a registry that lies (tests/registry/liar.py; the
# real registry cannot): a manifest or a config too large to be sane,
# hostile layer digests, manifest lists with and without the platform, a
# blob whose bytes are not its digest, a connection dropped mid-blob and
# resumed with Range by the next run. Each case, for the OCI layout and for
# --format docker-archive: the documented exit code, a message naming the
# registry and the object, no file written outside -o's directory, and
# nothing left that looks complete.
# shellcheck disable=SC2016 # test bodies are single-quoted on purpose
. "$(dirname "$0")/../lib.sh"

test_require 'python3, jq' 'command -v python3 && command -v jq'
test_require 'lifeboat built' 'test -x "$LIFEBOAT"'

liar_start() {
	mkdir -p "$TMP_TEST/liar" && rm -f "$TMP_TEST/liar.port" && : >"$TMP_TEST/liar.log"
	python3 "$TOP/tests/registry/liar.py" "$TMP_TEST/liar" "$TMP_TEST/liar.port" "$TMP_TEST/liar.log" \
		2>"$TMP_TEST/liar.stderr" &
	LIAR_PID=$!
	for _ in $(seq 300); do [ -s "$TMP_TEST/liar.port" ] && break; sleep 0.1; done
	LIAR=127.0.0.1:$(cat "$TMP_TEST/liar.port")
}
liar_stop() { kill "$LIAR_PID" 2>/dev/null; wait "$LIAR_PID" 2>/dev/null; :; }
liar_start
trap 'liar_stop; rm -rf "$TMP_TEST"' EXIT

# pull CASE FORMAT WANT-EXIT [args]: into w-CASE-FORMAT/out, stderr in
# CASE-FORMAT.err; then nothing may have appeared outside w-CASE-FORMAT,
# and nothing there may look complete unless the exit is 0.
pull() {
	local name=$1 fmt=$2 want=$3 w=w-$1-$2 rc
	shift 3
	rm -rf "$w" && mkdir "$w" && touch stamp && sleep 0.01
	"$LIFEBOAT" migrate pull --format "$fmt" --timeout 5 "$@" "$LIAR/$name:v1" -o "$w/out" 2>"$name-$fmt.err"
	rc=$?
	cat "$name-$fmt.err"
	expect_eq "$want" "$rc" "exit code of the pull of $name as $fmt" || return 1
	# Other engineers' jobs write to /tmp: look where this test's files are,
	# and where the hostile names point.
	local stray
	stray=$(find "$TMP_TEST" /etc -xdev -newer stamp -not -path "$TMP_TEST/$w" -not -path "$TMP_TEST/$w/*" \
		-not -path "$TMP_TEST/liar*" -not -path "$TMP_TEST/out.*" -not -name "*.err" -not -path "$TMP_TEST" 2>/dev/null)
	[ -z "$stray" ] || { say "written outside $w: $stray"; return 1; }
	[ ! -e /etc/x ] && [ ! -e /etc/lifeboat-liar ] || { say "a hostile name reached /etc"; return 1; }
	[ "$want" = 0 ] && return 0
	if [ "$fmt" = docker-archive ]; then
		[ ! -e "$w/out" ] && [ ! -e "$w/out.tmp-lifeboat" ] || { say "an archive was left: $(ls "$w")"; return 1; }
		[ ! -e "$w/out.lifeboat-layout/index.json" ] ||
			expect_eq 0 "$(jq ".manifests | length" "$w/out.lifeboat-layout/index.json")" "images in the staged layout"
	else
		[ ! -e "$w/out/index.json" ] ||
			expect_eq 0 "$(jq ".manifests | length" "$w/out/index.json")" "images in the layout"
	fi || return 1
	# Every blob that has a name is the blob of that name.
	local f
	for f in "$w"/out*/blobs/sha256/*; do
		[ -e "$f" ] || continue
		expect_eq "${f##*/}" "$(sha256sum <"$f" | cut -d" " -f1)" "content of $f" || return 1
	done
}

# The layout's image v1 is manifest $2, and every blob it names is there
# with the content of its name (sha256sum, not lifeboat, says so).
layout_holds() { # dir digest
	local got d
	got=$(jq -r ".manifests[] | select(.annotations[\"org.opencontainers.image.ref.name\"] == \"v1\") | .digest" "$1/index.json") &&
		expect_eq "$2" "$got" "image v1 in $1" || return 1
	for d in "$2" $(jq -r ".config.digest, .layers[].digest" "$1/blobs/sha256/${2#sha256:}"); do
		expect_eq "${d#sha256:}" "$(sha256sum <"$1/blobs/sha256/${d#sha256:}" | cut -d" " -f1)" "content of $d" || return 1
	done
}

test_expect_success 'the honest image pulls, as a layout and as an archive' '
	want=$(cat liar/good.manifest.digest) &&
	for fmt in oci docker-archive; do pull good $fmt 0 || exit 1; done &&
	layout_holds w-good-oci/out "$want" &&
	tar -tf w-good-docker-archive/out | sort >list && cat list &&
	grep -x manifest.json list && grep -x "$(cut -d: -f2 liar/layer.digest)/layer.tar" list
'

test_expect_success 'a manifest of 5 MiB is exit 5 naming the registry and the manifest' '
	for fmt in oci docker-archive; do
		pull bigmanifest $fmt 5 && grep -F "$LIAR" bigmanifest-$fmt.err &&
			grep -F "bigmanifest:v1" bigmanifest-$fmt.err && grep "larger than" bigmanifest-$fmt.err || exit 1
	done
'

test_expect_success 'a config of 5 MiB is exit 5, whether its descriptor says so or claims 200 bytes' '
	for fmt in oci docker-archive; do
		pull bigconfig $fmt 5 && grep -F "$LIAR" bigconfig-$fmt.err && grep "config" bigconfig-$fmt.err &&
		pull bigconfig-lie $fmt 5 && grep -F "$LIAR" bigconfig-lie-$fmt.err && grep "sha256:" bigconfig-lie-$fmt.err &&
		grep "more than its 200 bytes" bigconfig-lie-$fmt.err || exit 1
	done
'

test_expect_success 'hostile layer digests (../, absolute, short, upper-case hex) are exit 5 before any write' '
	for c in dotdot abs short upper; do for fmt in oci docker-archive; do
		pull hostile-$c $fmt 5 && grep -F "$LIAR" hostile-$c-$fmt.err && grep -F "hostile-$c:v1" hostile-$c-$fmt.err && grep "layer 0" hostile-$c-$fmt.err &&
			grep "not sha256:<64 hex>" hostile-$c-$fmt.err || exit 1
		test ! -e w-hostile-$c-$fmt/out/blobs/sha256/"$(cut -d: -f2 liar/layer.digest)" || exit 1
	done; done
'

test_expect_success 'a manifest list without the platform is exit 3; with --platform linux/arm64 the arm64 image comes' '
	for fmt in oci docker-archive; do
		pull list-nomatch $fmt 3 && grep -F "$LIAR" list-nomatch-$fmt.err && grep "linux/amd64" list-nomatch-$fmt.err || exit 1
	done &&
	pull list oci 0 --platform linux/arm64 &&
	got=$(jq -r ".manifests[] | select(.annotations[\"org.opencontainers.image.ref.name\"] == \"v1\") | .digest" w-list-oci/out/index.json) &&
	expect_eq "$(cat liar/arm64.manifest.digest)" "$got" "the layout'"'"'s v1" &&
	cfg=$(jq -r .config.digest "w-list-oci/out/blobs/sha256/${got#sha256:}") &&
	expect_eq arm64 "$(jq -r .architecture "w-list-oci/out/blobs/sha256/${cfg#sha256:}")" "architecture of its config" &&
	pull list docker-archive 0 --platform linux/arm64 &&
	tar -xOf w-list-docker-archive/out manifest.json | jq -r ".[0].Config" >cfgname &&
	tar -xOf w-list-docker-archive/out "$(cat cfgname)" | jq -r .architecture >arch &&
	expect_eq arm64 "$(cat arch)" "architecture in the archive"
'

test_expect_success 'a blob whose bytes are not its digest is exit 5 naming registry and blob; no partial kept' '
	for fmt in oci docker-archive; do
		pull badblob $fmt 5 && grep -F "$LIAR" badblob-$fmt.err && grep -F "$(cat liar/layer.digest)" badblob-$fmt.err &&
			grep "hashes to" badblob-$fmt.err || exit 1
		test -z "$(ls -A w-badblob-$fmt/out*/blobs/sha256 | grep partial)" || exit 1
	done
'

test_expect_success 'a connection dropped mid-blob every time: exit 1, the partial kept; the rerun resumes with Range' '
	for fmt in oci docker-archive; do
		touch liar/drop && : >liar.log &&
		pull drop $fmt 1 && grep -F "$LIAR" drop-$fmt.err && grep -F "$(cat liar/layer.digest)" drop-$fmt.err &&
		grep "the connection was cut .* kept in .* for the next run to resume" drop-$fmt.err &&
		partial=$(ls w-drop-$fmt/out*/blobs/sha256/.partial-* 2>/dev/null) && test -n "$partial" &&
		have=$(stat -c %s "$partial") && test "$have" -gt 0 && echo "partial: $have bytes" &&
		rm liar/drop && : >liar.log &&
		"$LIFEBOAT" migrate pull --format $fmt "$LIAR/drop:v1" -o w-drop-$fmt/out && cat liar.log &&
		grep -F "GET /v2/drop/blobs/$(cat liar/layer.digest) Range: bytes=$have- -> 206" liar.log &&
		test ! -e "$partial" || exit 1
	done &&
	layout_holds w-drop-oci/out "$(cat liar/good.manifest.digest)" &&
	tar -tf w-drop-docker-archive/out | grep -x "$(cut -d: -f2 liar/layer.digest)/layer.tar"
'

test_done
