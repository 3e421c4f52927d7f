#!/usr/bin/env bash
# Every libFuzzer target in tests/fuzz/ builds (make fuzzers: clang, ASan,
# UBSan) and runs a fixed number of inputs from its seed corpus
# (tests/fuzz/seeds.sh) without a finding, so a parser regression turns
# `make check` red. The budget is runs, not seconds, with a fixed seed: the
# same inputs on every machine; sized so all targets together take about two
# minutes on the 2-core development machine. Longer runs: tests/fuzz/build.sh.
. "$(dirname "$0")/../lib.sh"
test_require "clang with libFuzzer (clang-14, libclang-rt-14-dev; tests/deps.sh)" \
	'command -v clang && echo "int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }" |
		clang -fsanitize=fuzzer -x c -o "$TMP_TEST/probe" -'
test_require "thin_restore (thin-provisioning-tools), for the metadata seeds" 'command -v thin_restore'

# target runs: together about 2 minutes of CPU (1m54s measured on the 2-core
# development machine, and about 10 s more for tarsplit, 3 s for
# snapshot_catalog, up to 16 s for spec and 8 s for plan; longer in wall time while
# other work shares it).
BUDGET="thinmeta 60000
thinmeta_delta 6000
docker 250000
fslog 450000
mountinfo 300000
pool_table 1000000
daemon_json_edit 550000
image 90000
doctor 12000
tarsplit 15000
registry_ref 300000
www_authenticate 150000
oci 100000
snapshot_catalog 100000
stream 15000
spec 20000
plan 20000
carry 100000
engine_stream 100000"

test_expect_success "every target in tests/fuzz/ has a budget here" '
	for src in "$TOP"/tests/fuzz/fuzz_*.c; do
		name=$(basename "$src" .c) && name=${name#fuzz_}
		printf "%s\n" "$BUDGET" | grep -q "^$name " || { echo "no budget for $name"; exit 1; }
	done
'

test_expect_success "the fuzz targets build (make fuzzers)" '
	make -s -C "$TOP" -j2 fuzzers
'

. "$TOP/tests/fuzz/seeds.sh"
SEEDS=$TOP/build/fuzz/seeds
while read -r name runs; do
	test_expect_success "fuzz_$name: $runs inputs from its seeds, no crash, leak, hang or broken promise" '
		seeds=$SEEDS/fuzz_'$name' && mkdir -p "$seeds" &&
		if [ -z "$(ls -A "$seeds")" ]; then seed_'$name' "$seeds" || exit 1; fi &&
		[ -n "$(ls -A "$seeds")" ] &&
		corpus=$TMP_TEST/corpus-'$name' && mkdir -p "$corpus" && cp "$seeds"/* "$corpus"/ &&
		start=$(date +%s) &&
		"$TOP/build/fuzz/fuzz_'$name'" -seed=1 -runs='$runs' -max_len=262144 -timeout=10 \
			-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$TMP_TEST/" \
			"$corpus" >log 2>&1; rc=$?
		grep -E "^Done|stat::number_of_executed_units|ERROR|SUMMARY" log
		echo "fuzz_'$name': $(( $(date +%s) - start )) s"
		if [ $rc != 0 ]; then
			tail -n 30 log
			for f in "$TMP_TEST"/crash-* "$TMP_TEST"/leak-* "$TMP_TEST"/timeout-*; do
				[ -e "$f" ] && cp "$f" "$TOP/build/fuzz/" && echo "reproduce: $TOP/build/fuzz/fuzz_'$name' $TOP/build/fuzz/$(basename "$f")"
			done
		fi
		exit $rc
	'
done <<<"$BUDGET"
test_done
