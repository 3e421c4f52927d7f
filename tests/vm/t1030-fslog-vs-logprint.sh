#!/usr/bin/env bash
# lib/fslog's journal verdict (clean or dirty) against the filesystems' own
# tools, on journals the real kernel wrote: xfs with a small log driven
# round after round (so its head travels and wraps) through clean unmounts
# and shutdowns with and without a log flush, judged by xfs_logprint; ext4 the
# same, judged by dumpe2fs's needs_recovery. Then on the crashed Docker
# states: recover mount warns for db (killed writing) and says "log" in its
# JSON, and stays quiet for web.
. "$(dirname "$0")/../lib.sh"
R=/var/lib/docker
. "$TOP/tests/vm/rescue-lib.sh"
test_require "xfs_logprint, dumpe2fs and xfs_io" \
	'command -v xfs_logprint && command -v dumpe2fs && command -v xfs_io'
test_require "tests/tools/fslog-state (make tools)" '[ -x "$TOP/build/tools/fslog-state" ]'
STATE=$TOP/build/tools/fslog-state
W=$LB_SCRATCH/fslog
mkdir -p "$W/mnt"

logprint_state() { # IMAGE: clean|dirty as xfs_logprint sees the log
	case $(xfs_logprint -t "$1" 2>/dev/null | grep -o 'state: <[A-Z]*>') in
	"state: <CLEAN>") echo clean ;;
	"state: <DIRTY>") echo dirty ;;
	*) echo "xfs_logprint gave no state" ;;
	esac
}
dumpe2fs_state() { # IMAGE
	if dumpe2fs -h "$1" 2>/dev/null | grep -q '^Filesystem features:.*needs_recovery'; then
		echo dirty
	else
		echo clean
	fi
}

# One round: mount, N files written and fsynced one by one (each fsync is a
# log write), then the round's ending. Prints "ours theirs".
round() { # FSTYPE IMAGE N clean|shutdown|shutdown-noflush
	local dev cmds=() i
	dev=$(losetup -f --show "$2") || return 1
	mount -t "$1" "$dev" "$W/mnt" || { losetup -d "$dev"; return 1; }
	for i in $(seq 1 "$3"); do
		cmds+=(-c "open -f $W/mnt/r$RANDOM-$i" -c "pwrite -q 0 1k" -c fsync -c close)
	done
	xfs_io "${cmds[@]}" >/dev/null
	case $4 in
	shutdown) xfs_io -x -c "shutdown -f" "$W/mnt" ;;
	shutdown-noflush) xfs_io -x -c shutdown "$W/mnt" ;;
	esac
	umount "$W/mnt" && losetup -d "$dev" || return 1
	if [ "$1" = xfs ]; then
		echo "$("$STATE" xfs "$2") $(logprint_state "$2")"
	else
		echo "$("$STATE" ext4 "$2") $(dumpe2fs_state "$2")"
	fi
}

test_expect_success 'xfs (5 MiB log): every round agrees with xfs_logprint, and the log wraps' '
	truncate -s 320M '$W'/x.img &&
	TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1 mkfs.xfs -q -f -l size=1368b '$W'/x.img &&
	expect_eq "clean clean" "$("$STATE" xfs '$W'/x.img) $(logprint_state '$W'/x.img)" "fresh mkfs" &&
	dirty=0 clean=0 &&
	for r in 1 2 3 4 5 6 7 8 9 10 11 12; do
		case $((r % 3)) in 0) end=clean ;; 1) end=shutdown ;; 2) end=shutdown-noflush ;; esac
		got=$(round xfs '$W'/x.img $((150 + r * 37)) $end) || exit 1
		echo "round $r ($end): ours/logprint: $got"
		set -- $got
		[ "$1" = "$2" ] || { echo "round $r: fslog says $1, xfs_logprint says $2"; exit 1; }
		if [ "$1" = dirty ]; then dirty=$((dirty + 1)); else clean=$((clean + 1)); fi
	done &&
	[ $dirty -gt 0 ] && [ $clean -gt 0 ] &&
	cycles=$(xfs_logprint -d '$W'/x.img 2>/dev/null | grep -o "Cycle 0x[0-9a-f]*" | sort -u) &&
	echo "$cycles" | tr "\n" " " && echo &&
	max=0 && for c in $(echo "$cycles" | sed "s/Cycle 0x//"); do
		c=$((16#$c)); if [ $c -lt 65536 ] && [ $c -gt $max ]; then max=$c; fi
	done && [ $max -ge 2 ]
'

test_expect_success 'ext4: every round agrees with dumpe2fs needs_recovery' '
	truncate -s 256M '$W'/e.img && mkfs.ext4 -q -F '$W'/e.img &&
	expect_eq "clean clean" "$("$STATE" ext4 '$W'/e.img) $(dumpe2fs_state '$W'/e.img)" "fresh mkfs" &&
	dirty=0 &&
	for r in 1 2 3 4 5 6; do
		case $((r % 3)) in 0) end=clean ;; 1) end=shutdown ;; 2) end=shutdown-noflush ;; esac
		got=$(round ext4 '$W'/e.img 100 $end) || exit 1
		echo "round $r ($end): ours/dumpe2fs: $got"
		set -- $got
		[ "$1" = "$2" ] || { echo "round $r: fslog says $1, dumpe2fs says $2"; exit 1; }
		if [ "$1" = dirty ]; then dirty=$((dirty + 1)); fi
	done && [ $dirty -gt 0 ]
'

for v in xfs ext4; do
	test_expect_success "$v: recover mount warns that db's journal is dirty and says so in JSON; web is clean" '
		rm -rf '$R'/* && fixture_extract '$v' '$R' &&
		"$LIFEBOAT" --json recover mount db >db.json 2>warn && cat warn &&
		expect_eq dirty "$(jq -r .log db.json)" "db log" &&
		grep -q "replay-cow db" warn &&
		"$LIFEBOAT" --json recover mount web >web.json 2>warn2 &&
		expect_eq clean "$(jq -r .log web.json)" "web log" && ! grep -q journal warn2 &&
		"$LIFEBOAT" recover umount --all && no_lifeboat_devices
	'
done
test_done
