#!/usr/bin/env bash
# Goal: a full `snapshot export` of the fixture's largest thin device reaches
# at least 90% of the throughput of `zstd -T0` (same level, 3) compressing
# the same bytes read with dd (the device's mapped blocks, from thin_dump's
# mappings); page cache warm for both, best of 3. Also the sizes written and
# the peak RSS of each (memory must not grow with the device).
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib.sh" >/dev/null
. "$TOP/bench/lib.sh"
R=$TMP_TEST/root
fixture_extract xfs "$R"
LB="$TOP/lifeboat"
META=$R/devicemapper/devicemapper/metadata
DATA=$R/devicemapper/devicemapper/data
# The device that maps the most blocks.
read -r dev blocks < <(thin_dump "$META" |
	sed -n 's/.*<device dev_id="\([0-9]*\)" mapped_blocks="\([0-9]*\)".*/\1 \2/p' | sort -k2,2n | tail -n 1)
bs=$(($(thin_dump "$META" | sed -n '1s/.* data_block_size="\([0-9]*\)".*/\1/p') * 512))
thin_dump_ranges "$META" "$dev" >"$TMP_TEST/ranges"
dd_zstd() { # the mapped blocks, in order, through zstd -T0
	while read -r _ d n; do
		dd if="$DATA" bs="$bs" skip="$d" count="$n" status=none
	done <"$TMP_TEST/ranges" | zstd -q -T0 -3 -c >"$TMP_TEST/ref.zst"
}
export_it() {
	"$LB" snapshot export --device-id "$dev" --metadata "$META" --data "$DATA" -o - >"$TMP_TEST/d.lbx"
}
cat "$DATA" >/dev/null # warm the page cache
ours=$(best_ms export_it)
theirs=$(best_ms dd_zstd)
ratio=$(echo "scale=2; ($theirs + 0.5) / ($ours + 0.5)" | bc -l)
m=MISSED
[ "$(echo "$ratio >= 0.9" | bc -l)" = 1 ] && m=MET
mib=$(echo "scale=1; $blocks * $bs / 1048576" | bc -l)
echo "bench export: device $dev, $mib MiB mapped: lifeboat ${ours} ms, dd | zstd -T0 ${theirs} ms"
echo "  export throughput / zstd throughput = ${ratio} (goal >= 0.90): $m"
echo "  written: export $(stat -c %s "$TMP_TEST/d.lbx") bytes, zstd $(stat -c %s "$TMP_TEST/ref.zst") bytes"
if [ -x /usr/bin/time ]; then
	peak() { sed -n 's/.*Maximum resident set size (kbytes): //p'; }
	ours_rss=$(/usr/bin/time -v "$LB" snapshot export --device-id "$dev" --metadata "$META" \
		--data "$DATA" -o - 2>&1 >/dev/null | peak)
	zstd_rss=$(while read -r _ d n; do
		dd if="$DATA" bs="$bs" skip="$d" count="$n" status=none
	done <"$TMP_TEST/ranges" | /usr/bin/time -v zstd -q -T0 -3 -c 2>&1 >/dev/null | peak)
	echo "  peak RSS: export ${ours_rss} KiB; zstd -T0 ${zstd_rss} KiB"
fi
[ $m = MET ]
