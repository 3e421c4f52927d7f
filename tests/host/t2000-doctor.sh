#!/usr/bin/env bash
# recover doctor on the crashed Docker states, each edited the way a real
# failure leaves it: every inconsistency is reported with its code (exit 6),
# a clean state is clean (exit 0), the pool is never written by the check,
# --fix --dry-run changes nothing, and the JSON-only repairs (no device-mapper
# needed) back up first, write Docker's own format, and end clean.
. "$(dirname "$0")/../lib.sh"
test_require "jq" 'command -v jq'
test_require "the fixtures (tests/fixtures/ensure)" \
	'"$TOP/tests/fixtures/ensure" xfs && "$TOP/tests/fixtures/ensure" ext4'

doctor() { "$LIFEBOAT" --root "$R" recover doctor --daemon-json /dev/null "$@"; }
codes() { jq -r '[.findings[] | select(.note | not) | .code] | sort | join(" ")'; }
# A fresh copy of the pristine state for one scenario.
fresh() { rm -rf "$R" && cp -a --sparse=always "$PRISTINE" "$R"; }
mount_id() { cat "$R/image/devicemapper/layerdb/mounts/$(container_id "$1")/mount-id"; }
container_id() { awk -v n="$1" '$1 == n { print $2 }' "$FX/containers.txt"; }

for v in xfs ext4; do
	PRISTINE=$TMP_TEST/$v.pristine
	R=$TMP_TEST/$v
	FX=$("$TOP/tests/fixtures/ensure" $v)
	M=$R/devicemapper/metadata

	test_expect_success "$v: the crashed state as Docker left it is clean (exit 0), and reading changes nothing" '
		fixture_extract '$v' "$PRISTINE" && fresh &&
		pool_fingerprint "$R" >before &&
		doctor --json >out.json; rc=$?;
		expect_eq 0 $rc "exit code" &&
		expect_eq true "$(jq .clean out.json)" clean &&
		expect_eq "" "$(codes <out.json)" "problem codes" &&
		pool_fingerprint "$R" >after && expect_file_same before after
	'

	test_expect_success "$v: the low next_device_id dockerd leaves is a note, not a problem" '
		expect_eq next-device-id-too-low "$(jq -r ".findings[] | select(.note) | .code" out.json)" note
	'

	test_expect_success "$v: base-device-mismatch (data root moved to another pool) is found, and --fix restores the exact file Docker wrote" '
		fresh && cp "$M/deviceset-metadata" ds.orig &&
		sed -i "s/\"BaseDeviceUUID\":\"[^\"]*\"/\"BaseDeviceUUID\":\"11111111-2222-3333-4444-555555555555\"/" "$M/deviceset-metadata" &&
		expect_exit 6 doctor --json >out.json &&
		expect_eq base-device-mismatch "$(codes <out.json)" codes &&
		jq -r ".findings[0].consequence" out.json | grep -q "does not match with stored UUID" &&
		uuid=$(jq -r .BaseDeviceUUID ds.orig) && jq -r ".findings[0].fix" out.json | grep -q "$uuid" &&
		expect_exit 0 doctor --fix --backup-dir "$TMP_TEST/bk.'$v'" >fix.out 2>fix.err &&
		expect_file_same ds.orig "$M/deviceset-metadata" &&
		grep -q "11111111-2222" "$TMP_TEST/bk.'$v'/metadata/deviceset-metadata" &&
		[ -s "$TMP_TEST/bk.'$v'/pool-metadata" ] && [ -d "$TMP_TEST/bk.'$v'/layerdb-mounts" ] &&
		grep -q base-device-mismatch "$TMP_TEST/bk.'$v'/plan.txt"
	'

	test_expect_success "$v: device-marked-deleted on a device a container uses is cleared (the data is still there)" '
		fresh && h=$(mount_id web) && cp "$M/$h" dev.orig &&
		sed -i "s/\"deleted\":false/\"deleted\":true/" "$M/$h" &&
		expect_exit 6 doctor --json >out.json &&
		expect_eq device-marked-deleted "$(codes <out.json)" codes &&
		jq -r ".findings[0].objects[]" out.json | grep -q "container web" &&
		pool_fingerprint "$R" >before &&
		expect_exit 0 doctor --fix >fix.out 2>fix.err &&
		expect_file_same dev.orig "$M/$h" &&
		pool_fingerprint "$R" >after && expect_file_same before after
	'

	test_expect_success "$v: transaction-mismatch (Docker files older than the pool) is rewritten to the pool id" '
		fresh && cp "$M/transaction-metadata" tx.orig &&
		sed -i "s/\"open_transaction_id\":[0-9]*/\"open_transaction_id\":3/" "$M/transaction-metadata" &&
		expect_exit 6 doctor --json >out.json &&
		expect_eq transaction-mismatch "$(codes <out.json)" codes &&
		expect_exit 0 doctor --fix >fix.out 2>fix.err &&
		expect_file_same tx.orig "$M/transaction-metadata"
	'

	test_expect_success "$v: open-transaction of a device never created is rolled back like dockerd (transaction file removed)" '
		fresh && tid=$(jq .open_transaction_id "$M/transaction-metadata") &&
		printf "{\"open_transaction_id\":%d,\"device_hash\":\"%s\",\"device_id\":%d}" $((tid + 1)) \
			"$(printf %064d 7)" 99 >"$M/transaction-metadata" &&
		expect_exit 6 doctor --json >out.json &&
		expect_eq open-transaction "$(codes <out.json)" codes &&
		expect_exit 0 doctor --fix >fix.out 2>fix.err &&
		! [ -e "$M/transaction-metadata" ] && grep -q "remove metadata/transaction-metadata" fix.err
	'

	test_expect_success "$v: open-transaction naming the device of a container (pool restored from an older copy) plans a commit, never a delete" '
		fresh && tid=$(jq .open_transaction_id "$M/transaction-metadata") &&
		h=$(mount_id db) && id=$(jq .device_id "$M/$h") &&
		printf "{\"open_transaction_id\":%d,\"device_hash\":\"%s\",\"device_id\":%d}" $((tid + 1)) "$h" "$id" >"$M/transaction-metadata" &&
		expect_exit 6 doctor --json >out.json &&
		expect_eq open-transaction "$(codes <out.json)" codes &&
		jq -r ".findings[0].fix" out.json | grep -q "set_transaction_id $tid $((tid + 1))" &&
		jq -r ".findings[0].objects[]" out.json | grep -q "container db" &&
		pool_fingerprint "$R" >before && rm -rf meta.before && cp -a "$M" meta.before &&
		expect_exit 6 doctor --fix --dry-run >dry.out &&
		grep -q "dry run: nothing changed" dry.out &&
		pool_fingerprint "$R" >after && expect_file_same before after &&
		diff -r meta.before "$M" && ! ls -d "$R"/devicemapper/lifeboat-backup-* 2>/dev/null
	'

	test_expect_success "$v: missing-thin-device of a stale file nothing uses: the file goes into the backup" '
		fresh && stale=$(printf %064d 5) &&
		printf "{\"device_id\":77,\"size\":536870912,\"transaction_id\":77,\"initialized\":false,\"deleted\":false}" >"$M/$stale" &&
		expect_exit 6 doctor --json >out.json &&
		expect_eq missing-thin-device "$(codes <out.json)" codes &&
		expect_exit 0 doctor --fix >fix.out 2>fix.err &&
		! [ -e "$M/$stale" ] && bk=$(ls -d "$R"/devicemapper/lifeboat-backup-*) && [ -s "$bk/metadata/$stale" ]
	'

	test_expect_success "$v: unreadable-device-file (left empty by a crash) is found, and --fix moves it aside" '
		fresh && empty=$(printf %064d 6) && : >"$M/$empty" &&
		expect_exit 6 doctor --json >out.json &&
		expect_eq unreadable-device-file "$(codes <out.json)" codes &&
		expect_exit 0 doctor --fix >fix.out 2>fix.err && ! [ -e "$M/$empty" ]
	'

	test_expect_success "$v: a container device moved in the pool: missing-thin-device for its file, orphan-thin-device for the device in the pool" '
		fresh && h=$(mount_id batch) && id=$(jq .device_id "$M/$h") &&
		sed -i "s/\"device_id\":$id,/\"device_id\":4000,/" "$M/$h" &&
		expect_exit 6 doctor --json >out.json &&
		expect_eq "missing-thin-device orphan-thin-device" "$(codes <out.json)" codes &&
		jq -r ".findings[] | select(.code == \"orphan-thin-device\") | .fix" out.json | grep -q "delete $id" &&
		jq -r ".findings[] | select(.code == \"missing-thin-device\") | .objects[]" out.json | grep -q "container batch"
	'

	test_expect_success "$v: a lost container device file is matched to its orphan (lost-device-file); --dry-run writes nothing; --fix writes back the very file Docker wrote" '
		fresh && h=$(mount_id web) && id=$(jq .device_id "$M/$h") && mv "$M/$h" web.orig &&
		pool_fingerprint "$R" >before &&
		expect_exit 6 doctor --json >out.json &&
		expect_eq lost-device-file "$(codes <out.json)" codes &&
		jq -r ".findings[0].objects[]" out.json >objs && grep -q "container web" objs &&
		grep -q "thin device $id," objs && grep -q "shares [1-9][0-9]* data blocks with init device" objs &&
		jq -r ".findings[0].fix" out.json | grep -q "device_id $id, size $(jq .size web.orig)" &&
		expect_exit 6 doctor --fix --dry-run >/dev/null && ! [ -e "$M/$h" ] &&
		expect_exit 0 doctor --fix --backup-dir "$TMP_TEST/bk.lost.'$v'" >fix.out 2>fix.err &&
		expect_file_same web.orig "$M/$h" && grep -q "lost-device-file: write metadata/$h" fix.err &&
		pool_fingerprint "$R" >after && expect_file_same before after
	'

	test_expect_success "$v: a lost image layer device file is matched through the devices built on it and written back as Docker wrote it" '
		fresh && layer=$(ls "$R/image/devicemapper/layerdb/sha256" | head -n 1) &&
		h=$(cat "$R/image/devicemapper/layerdb/sha256/$layer/cache-id") && mv "$M/$h" layer.orig &&
		expect_exit 6 doctor --json >out.json &&
		expect_eq lost-device-file "$(codes <out.json)" codes &&
		jq -r ".findings[0].objects[]" out.json | grep -q "image layer sha256:$layer" &&
		expect_exit 0 doctor --fix --backup-dir "$TMP_TEST/bk.layer.'$v'" >fix.out 2>fix.err &&
		expect_file_same layer.orig "$M/$h"
	'

	test_expect_success "$v: two orphans that both fit a lost file are ambiguous-device-match: candidates named, nothing written, nothing deleted" '
		fresh && h=$(mount_id web) && id=$(jq .device_id "$M/$h") && rm "$M/$h" &&
		thin_dump "$R/devicemapper/devicemapper/metadata" >pool.xml &&
		"$TOP/tests/tools/thin-dup-device.py" "$id" 77 <pool.xml >pool2.xml &&
		thin_restore -q -i pool2.xml -o "$R/devicemapper/devicemapper/metadata" &&
		pool_fingerprint "$R" >before &&
		expect_exit 6 doctor --json >out.json &&
		expect_eq "ambiguous-device-match orphan-thin-device orphan-thin-device" "$(codes <out.json)" codes &&
		jq -r ".findings[] | select(.code == \"ambiguous-device-match\") | .objects[]" out.json >objs &&
		grep -q "candidate thin device $id:" objs && grep -q "candidate thin device 77:" objs &&
		expect_exit 6 doctor --fix --reclaim-orphans --backup-dir "$TMP_TEST/bk.amb.'$v'" >fix.out 2>fix.err &&
		! [ -e "$M/$h" ] && pool_fingerprint "$R" >after && expect_file_same before after
	'

	test_expect_success "$v: dangling-mount-id (names a device that never was) and dangling-cache-id are report-only" '
		fresh && c=$(container_id created) &&
		printf %064d 8 >"$R/image/devicemapper/layerdb/mounts/$c/mount-id" &&
		layer=$(ls "$R/image/devicemapper/layerdb/sha256" | head -n 1) &&
		printf %064d 9 >"$R/image/devicemapper/layerdb/sha256/$layer/cache-id" &&
		expect_exit 6 doctor --json >out.json &&
		expect_eq "dangling-cache-id dangling-mount-id" "$(codes <out.json)" codes &&
		jq -r ".findings[] | select(.code == \"dangling-mount-id\") | .fix" out.json | grep -q "^none" &&
		jq -r ".findings[] | select(.code == \"dangling-mount-id\") | .consequence" out.json | grep -q "Unknown device $(printf %064d 8)"
	'

	test_expect_success "$v: an orphan nothing matches is kept by --fix (exit 6, pool unchanged); --reclaim-orphans=ID names another one: exit 3" '
		fresh && id=77 && src=$(jq .device_id "$M/$(mount_id created)") &&
		thin_dump "$R/devicemapper/devicemapper/metadata" >pool.xml &&
		"$TOP/tests/tools/thin-dup-device.py" "$src" $id <pool.xml >pool2.xml &&
		thin_restore -q -i pool2.xml -o "$R/devicemapper/devicemapper/metadata" &&
		sed -i "s/\"open_transaction_id\":[0-9]*/\"open_transaction_id\":3/" "$M/transaction-metadata" &&
		pool_fingerprint "$R" >before &&
		expect_exit 6 doctor --fix --backup-dir "$TMP_TEST/bk.orph.'$v'" >fix.out 2>fix.err &&
		grep -q "transaction-mismatch: rewrite" fix.err &&
		grep -q "^orphan-thin-device" fix.out && grep -q "recover mount --device-id $id" fix.out &&
		pool_fingerprint "$R" >after && expect_file_same before after &&
		expect_exit 3 doctor --fix --reclaim-orphans=4001 2>err && grep -q "thin device 4001" err
	'
done

R=$TMP_TEST/xfs
test_expect_success 'human output: one block per finding with objects, consequence and fix' '
	fresh && sed -i "s/\"open_transaction_id\":[0-9]*/\"open_transaction_id\":3/" "$R/devicemapper/metadata/transaction-metadata" &&
	expect_exit 6 doctor >out.txt &&
	grep -q "^transaction-mismatch$" out.txt && grep -q "^  objects: " out.txt &&
	grep -q "^  consequence: " out.txt && grep -q "^  fix: " out.txt &&
	grep -q "^1 problem(s) in " out.txt
'

test_expect_success '--fix refuses (exit 4) while a dockerd runs on the data root, and changes nothing' '
	cp /bin/bash "$TMP_TEST/dockerd" || exit 1
	"$TMP_TEST/dockerd" -c "sleep 30; :" --data-root "$R" &
	pid=$!
	sleep 0.3 && rm -rf meta.before && cp -a "$R/devicemapper/metadata" meta.before &&
	expect_exit 4 doctor --fix 2>err; rc=$?; kill $pid; wait $pid 2>/dev/null;
	[ $rc = 0 ] && grep -q "dockerd (pid $pid) is running" err &&
	diff -r meta.before "$R/devicemapper/metadata" && ! ls -d "$R"/devicemapper/lifeboat-backup-* 2>/dev/null
'

test_expect_success 'pool metadata that cannot be read is exit 5 naming the file' '
	fresh && printf "\xff" | dd of="$R/devicemapper/devicemapper/metadata" bs=1 seek=100 conv=notrunc 2>/dev/null &&
	expect_exit 5 doctor 2>err && grep -q "devicemapper/metadata" err
'

test_expect_success 'misuse: no data root is exit 3, --dry-run without --fix is exit 2' '
	expect_exit 3 "$LIFEBOAT" --root "$TMP_TEST/nosuch" recover doctor --daemon-json /dev/null 2>err &&
	grep -q nosuch err &&
	expect_exit 2 doctor --dry-run 2>err
'

test_expect_success 'lifeboat help recover lists doctor' '
	"$LIFEBOAT" help recover | grep -q "doctor"
'
test_done
