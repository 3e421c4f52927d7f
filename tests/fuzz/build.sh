#!/usr/bin/env bash
# Builds every libFuzzer target tests/fuzz/fuzz_NAME.c (make fuzzers: the
# flags are in the Makefile) and runs each for a bounded time from a seed
# corpus (tests/fuzz/seeds.sh), keeping what it finds in a corpus.
#   tests/fuzz/build.sh [SECONDS]     default 30 per target
#   FUZZ_ONLY=NAME tests/fuzz/build.sh  one target
# Output, corpora and crash files go to build/fuzz/. A finding fails the run
# and names the file that reproduces it: build/fuzz/fuzz_NAME FILE
# make check runs the same targets for a fixed number of runs instead:
# tests/host/t1950-fuzz-budget.sh.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_PER_TARGET=${1:-30}
OUT=$TOP/build/fuzz
. "$TOP/tests/fuzz/seeds.sh"
make -s -C "$TOP" -j2 fuzzers

status=0
for src in "$TOP"/tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	[ -n "${FUZZ_ONLY:-}" ] && [ "$name" != "fuzz_${FUZZ_ONLY#fuzz_}" ] && continue
	corpus=$OUT/corpus/$name
	seeds=$OUT/seeds/$name
	mkdir -p "$corpus" "$seeds" "$OUT/crashes/$name"
	if [ -z "$(ls -A "$seeds")" ] && declare -F "seed_${name#fuzz_}" >/dev/null; then
		"seed_${name#fuzz_}" "$seeds"
	fi
	echo "== $name: fuzz for ${SECONDS_PER_TARGET}s"
	if ! "$OUT/$name" -max_total_time="$SECONDS_PER_TARGET" -max_len=262144 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$OUT/crashes/$name/" "$corpus" "$seeds"; then
		echo "== $name: FINDING; reproduce with: $OUT/$name $OUT/crashes/$name/<file>"
		status=1
	fi
done
exit $status
