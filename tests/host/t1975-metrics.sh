#!/usr/bin/env bash
# snapshot run --metrics-file: the Prometheus textfile node_exporter reads,
# parsed by the Prometheus project's own Python client (the witness): a run
# that fails before any container still says when it ran and that it
# failed, keeps the last success time a previous file recorded, and the
# file is replaced, never appended to. (Per-container numbers: t3100, with a
# live pool.)
. "$(dirname "$0")/../lib.sh"
test_require "python3-prometheus-client" '/usr/bin/python3 -c "import prometheus_client.parser"'
M=$TMP_TEST/lifeboat.prom
prom() { # FILE -> "name value" lines, as the real parser reads them
	/usr/bin/python3 -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in fam.samples:
        lab = ",".join("%s=%s" % kv for kv in sorted(s.labels.items()))
        print(s.name + ("{" + lab + "}" if lab else ""), fam.type, repr(float(s.value)))
' "$1"
}

test_expect_success "a run stopped by a missing policy: exit 3, the file says it ran and failed, never succeeded" '
	t0=$(date +%s) &&
	expect_exit 3 "$LIFEBOAT" snapshot run --policy "$TMP_TEST/none.json" --metrics-file "$M" --root "$TMP_TEST" &&
	prom "$M" >got && cat got &&
	grep -qx "lifeboat_snapshot_last_run_success gauge 0.0" got &&
	grep -qx "lifeboat_snapshot_last_run_exit_code gauge 3.0" got &&
	grep -qx "lifeboat_snapshot_last_success_timestamp_seconds gauge 0.0" got &&
	ran=$(awk "/^lifeboat_snapshot_last_run_timestamp_seconds /{ printf \"%d\", \$3 }" got) &&
	[ "$ran" -ge "$t0" ] && [ "$ran" -le "$(date +%s)" ] &&
	[ "$(stat -c %a "$M")" = 644 ]
'

test_expect_success "the last success a previous file recorded is carried over; the file is replaced whole" '
	printf "# TYPE lifeboat_snapshot_last_success_timestamp_seconds gauge\nlifeboat_snapshot_last_success_timestamp_seconds 1796018604\nstale_metric 1\n" >"$M" &&
	expect_exit 3 "$LIFEBOAT" snapshot run --policy "$TMP_TEST/none.json" --metrics-file "$M" --root "$TMP_TEST" &&
	prom "$M" >got &&
	grep -qx "lifeboat_snapshot_last_success_timestamp_seconds gauge 1796018604.0" got &&
	! grep -q stale_metric got &&
	! ls "$TMP_TEST"/.lifeboat.prom* "$TMP_TEST"/lifeboat.prom.* 2>/dev/null
'

test_expect_success "an unwritable metrics path is an error of its own, named" '
	expect_exit 3 "$LIFEBOAT" snapshot run --policy "$TMP_TEST/none.json" --metrics-file "$TMP_TEST/no/such/dir/x.prom" --root "$TMP_TEST" 2>err &&
	grep -q "metrics-file" err
'

test_done
