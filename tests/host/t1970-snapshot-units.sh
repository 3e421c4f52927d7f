#!/usr/bin/env bash
# The systemd units of scheduled snapshots: `make install` puts them beside
# the binary's prefix with ExecStart pointing at it, systemd's own
# `systemd-analyze verify` accepts them, and the timer is what the runbook
# promises (hourly, Persistent, RandomizedDelaySec); nothing is enabled.
. "$(dirname "$0")/../lib.sh"
test_require "systemd-analyze (systemd)" 'command -v systemd-analyze'
P=$TMP_TEST/prefix

test_expect_success "make install puts the units under PREFIX/lib/systemd/system, ExecStart on PREFIX/bin" '
	make -s -C "$TOP" install PREFIX="$P" >/dev/null &&
	[ -x "$P/bin/lifeboat" ] &&
	for u in lifeboat-snapshot.service lifeboat-snapshot.timer; do [ -f "$P/lib/systemd/system/$u" ] || exit 1; done &&
	grep -qx "ExecStart=$P/bin/lifeboat snapshot run --policy /etc/lifeboat/snapshot-policy.json" "$P/lib/systemd/system/lifeboat-snapshot.service" &&
	! grep -q @PREFIX@ "$P"/lib/systemd/system/* &&
	[ -f "$P/share/doc/lifeboat/runbooks/scheduled-snapshots.md" ]
'

test_expect_success "systemd-analyze verify accepts both units" '
	systemd-analyze verify "$P/lib/systemd/system/lifeboat-snapshot.timer" "$P/lib/systemd/system/lifeboat-snapshot.service" 2>err;
	rc=$?; cat err; [ $rc = 0 ] && ! grep -i "lifeboat-snapshot" err
'

test_expect_success "the timer: hourly, catches up (Persistent), spread (RandomizedDelaySec), for timers.target" '
	t="$P/lib/systemd/system/lifeboat-snapshot.timer" &&
	grep -qx "OnCalendar=hourly" "$t" && grep -qx "Persistent=true" "$t" &&
	grep -q "^RandomizedDelaySec=[1-9]" "$t" && grep -qx "WantedBy=timers.target" "$t" &&
	grep -qx "Type=oneshot" "$P/lib/systemd/system/lifeboat-snapshot.service"
'

test_expect_success "the binary the unit names runs the verb the unit calls" '
	"$P/bin/lifeboat" snapshot run --help | grep -q "policy FILE"
'
test_done
