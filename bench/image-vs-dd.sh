#!/usr/bin/env bash
# Goal: `recover image` reaches at least 90% of the throughput of dd reading
# and writing the same number of bytes from the same data file (page cache
# warm for both, best of 3), and its memory does not grow with the bytes it
# copies (peak RSS for the smallest and the largest container of the fixture).
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib.sh" >/dev/null
. "$TOP/bench/lib.sh"
R=$TMP_TEST/root
fixture_extract xfs "$R"
LB="$TOP/lifeboat"
cat "$R/devicemapper/devicemapper/data" >/dev/null # warm the page cache
mapped=$("$LB" --json --root "$R" recover image batch -o "$TMP_TEST/b.img" --force | jq .mapped_bytes)
mib=$(((mapped + 1048575) / 1048576))
ours=$(best_ms "$LB" --root "$R" recover image batch -o "$TMP_TEST/b.img" --force)
theirs=$(best_ms dd if="$R/devicemapper/devicemapper/data" of="$TMP_TEST/dd.out" bs=1M count=$mib conv=fsync)
ratio=$(echo "scale=2; $theirs / ($ours + 0.5)" | bc -l)
m=MISSED
[ "$(echo "$ratio >= 0.9" | bc -l)" = 1 ] && m=MET
echo "bench image: $mib MiB mapped: lifeboat ${ours} ms, dd ${theirs} ms"
echo "  lifeboat throughput / dd throughput = ${ratio} (goal >= 0.90): $m"
rss() { /usr/bin/time -f %M "$LB" --root "$R" recover image "$1" -o "$TMP_TEST/$1.img" --force 2>&1 >/dev/null | tail -n 1; }
small=$(rss created) big=$(rss batch)
echo "  peak RSS: created $small KiB, batch $big KiB (mapped bytes differ; memory should not)"
[ $m = MET ]
