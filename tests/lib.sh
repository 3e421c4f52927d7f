# git t/-style test helpers, sourced by every integration test script.
#   test_expect_success 'what is true' 'commands'
#   test_done
# Each test body runs in a subshell with `set -e`-like chaining left to the
# author (&&); a failing body prints its title and the output it produced.
# LB_TEST_RESULTS, if set, names a file that receives "pass N fail N skip N".

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
LIFEBOAT=${LIFEBOAT:-$TOP/lifeboat}
test_count=0
test_pass=0
test_fail=0
test_skip=0
test_name=$(basename "$0" .sh)
TMP_TEST=$(mktemp -d "${TMPDIR:-/tmp}/lb-$test_name.XXXXXX")
trap 'rm -rf "$TMP_TEST"' EXIT

say() { printf '%s\n' "$*"; }

test_expect_success() {
	local title=$1 body=$2 out rc
	test_count=$((test_count + 1))
	out=$TMP_TEST/out.$test_count
	(cd "$TMP_TEST" && eval "$body") >"$out" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		test_pass=$((test_pass + 1))
		say "ok $test_count - $title"
		[ -n "${LB_TEST_VERBOSE:-}" ] && sed 's/^/    | /' "$out"
	else
		test_fail=$((test_fail + 1))
		say "not ok $test_count - $title (exit $rc)"
		sed 's/^/    | /' "$out" | tail -n 40
	fi
	return 0
}

# A prerequisite the whole script needs; missing means the script fails
# (never a silent pass): the harness says what is missing.
test_require() {
	local what=$1 check=$2
	if ! eval "$check" >/dev/null 2>&1; then
		test_count=$((test_count + 1))
		test_fail=$((test_fail + 1))
		say "not ok $test_count - prerequisite missing: $what"
		test_done
	fi
}

# Assertions that say what differed.
expect_eq() { # expected actual what
	[ "$1" = "$2" ] && return 0
	say "expected $3 to be '$1', got '$2'"
	return 1
}
expect_exit() { # code command...
	local want=$1 got
	shift
	"$@"
	got=$?
	[ "$got" = "$want" ] && return 0
	say "expected exit $want from '$*', got $got"
	return 1
}
expect_file_same() { # a b
	cmp -s "$1" "$2" && return 0
	say "files differ: $1 $2"
	diff -u "$1" "$2" | head -n 40
	return 1
}

test_done() {
	say "# $test_name: $test_pass passed, $test_fail failed"
	[ -n "${LB_TEST_RESULTS:-}" ] && echo "pass $test_pass fail $test_fail skip $test_skip" >>"$LB_TEST_RESULTS"
	[ $test_fail -eq 0 ] && [ $test_count -gt 0 ] && exit 0
	exit 1
}

# Extracts a generated crashed Docker state (tests/fixtures/ensure) into DEST,
# holes kept, and sets FIXTURE to the directory with Docker's recorded facts.
fixture_extract() { # xfs|ext4 DEST
	FIXTURE=$("$TOP/tests/fixtures/ensure" "$1") || return 1
	mkdir -p "$2" && tar --sparse -C "$2" -xf "$FIXTURE/docker-root.tar"
}

# The fingerprint of a pool's loop files (tests/tools/sparse-sha256).
pool_fingerprint() { # DATA_ROOT
	"$TOP/tests/tools/sparse-sha256" "$1/devicemapper/devicemapper/metadata" "$1/devicemapper/devicemapper/data"
}

# Lists a directory tree as `docker export` lists it (relative paths, sorted),
# and the sha256 of every regular file in it.
tree_files() { (cd "$1" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort); }
tree_sha256() { (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum | sed 's| \./| |'); }

# A thin device's mappings as thin_dump's XML lists them, "vblock dblock len"
# a line; and the device's image built from them with dd from the data file,
# holes elsewhere. Independent of lib/thinmeta.
thin_dump_ranges() { # METADATA DEV_ID
	thin_dump "$1" | awk -v dev="$2" '
		function attr(name) {
			if (!match($0, " " name "=\"[0-9]+\"")) return ""
			return substr($0, RSTART + length(name) + 3, RLENGTH - length(name) - 4)
		}
		/<device / { on = attr("dev_id") == dev }
		/<\/device>/ { on = 0 }
		on && /<single_mapping / { print attr("origin_block"), attr("data_block"), 1 }
		on && /<range_mapping / { print attr("origin_begin"), attr("data_begin"), attr("length") }'
}
thin_dump_image() { # METADATA DATA DEV_ID SIZE_BYTES OUT
	local bs
	bs=$(($(thin_dump "$1" | sed -n '1s/.* data_block_size="\([0-9]*\)".*/\1/p') * 512))
	rm -f "$5" && truncate -s "$4" "$5" &&
		thin_dump_ranges "$1" "$3" | while read -r vblock dblock len; do
			dd if="$2" of="$5" bs="$bs" skip="$dblock" seek="$vblock" count="$len" \
				conv=notrunc,sparse status=none || exit 1
		done
}
