#!/usr/bin/env bash
# migrate land against an engine that cannot be reached, and one whose API is
# older than 1.40 (the answers Docker 1.12 gives, tests/engine/old-engine.py:
# no real engine that old runs here): a clear error, the documented exit
# code, and nothing done, before any container of the plan is looked at.
. "$(dirname "$0")/../lib.sh"
test_require "python3" '[ -x /usr/bin/python3 ]'
SOCK=$TMP_TEST/old.sock
/usr/bin/python3 "$TOP/tests/engine/old-engine.py" "$SOCK" &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
for _ in $(seq 1 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
cat >"$TMP_TEST/plan.json" <<'JSON'
{"lifeboat_plan": 1, "created": "2026-11-30T09:00:00Z", "registry_prefix": "127.0.0.1:5000/host1", "containers": []}
JSON

test_expect_success "an engine older than API 1.40: exit 4, naming its version and what is needed" '
	[ -S "$SOCK" ] &&
	expect_exit 4 "$LIFEBOAT" migrate land "$TMP_TEST/plan.json" --host "unix://$SOCK" 2>err &&
	cat err && grep -q "1.24" err && grep -q "1.40" err
'

test_expect_success "an engine that is not there: exit 1, naming the socket" '
	expect_exit 1 "$LIFEBOAT" migrate land "$TMP_TEST/plan.json" --host "unix://$TMP_TEST/none.sock" 2>err &&
	cat err && grep -q "none.sock" err
'

test_expect_success "a plan that is not JSON is exit 5 before the engine is asked" '
	echo "{" >"$TMP_TEST/bad.json" &&
	expect_exit 5 "$LIFEBOAT" migrate land "$TMP_TEST/bad.json" --host "unix://$SOCK"
'

test_done
