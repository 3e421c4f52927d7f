#!/usr/bin/env bash
# recover ls lists what Docker knew about its containers and their thin
# devices, and the pool, from the files of a crashed data root alone: the same
# names, ids, device ids and sizes Docker reported, the pool's own view of each
# device (thin_dump as the witness), without root or device-mapper, without
# changing a byte. Damage to one entry is reported and does not hide the rest.
. "$(dirname "$0")/../lib.sh"
test_require "thin_dump (thin-provisioning-tools)" 'command -v thin_dump'
test_require "jq and setpriv" 'command -v jq && command -v setpriv'
test_require "the fixtures (tests/fixtures/ensure)" \
	'"$TOP/tests/fixtures/ensure" xfs && "$TOP/tests/fixtures/ensure" ext4'

# Docker's pool name for a data root: stat of its devicemapper directory,
# with Docker's own major/minor split of st_dev (moby devmapper/deviceset.go).
docker_pool_name() { # DATA_ROOT
	local dev ino
	read -r dev ino < <(stat -L -c '%d %i' "$1/devicemapper")
	echo "docker-$(((dev >> 8) & 0xfff)):$(((dev & 0xff) | ((dev >> 12) & 0xfff00)))-$ino-pool"
}
# thin_dump's superblock attribute, or a device's mapped_blocks.
thin_dump_attr() { # METADATA ATTR
	thin_dump "$1" | sed -n "1s/.* $2=\"\([0-9]*\)\".*/\1/p"
}
if grep -q device-mapper /proc/misc 2>/dev/null; then DM=yes; else DM=no; fi

for v in xfs ext4; do
	R=$TMP_TEST/$v
	FX=$("$TOP/tests/fixtures/ensure" $v)
	META=$R/devicemapper/devicemapper/metadata

	test_expect_success "$v: the crashed state extracts" '
		fixture_extract '$v' "$R" && pool_fingerprint "$R" >"$R.pool-before"
	'

	test_expect_success "$v: ls --json names exactly web, batch, created, changes and db with Docker's ids, devices and sizes" '
		"$LIFEBOAT" --root "$R" recover ls --json >ls.'$v'.json &&
		jq -r ".containers[] | [.name, .id, .device_hash, .device_id, .size_bytes] | @tsv" ls.'$v'.json |
			sort >got &&
		awk "{ sub(/.*-/, \"\", \$3); print \$1 \"\t\" \$2 \"\t\" \$3 \"\t\" \$4 \"\t\" \$5 }" \
			"$FX/devices.txt" | sort >want &&
		expect_file_same want got
	'

	test_expect_success "$v: every container's device is in the pool, mapping what thin_dump says" '
		bs=$(($(thin_dump_attr "$META" data_block_size) * 512)) &&
		jq -r ".containers[] | [.device_id, .in_pool, .mapped_bytes, .deleted, .error] | @tsv" \
			ls.'$v'.json | sort >got &&
		thin_dump "$META" | sed -n "s/.*<device dev_id=\"\([0-9]*\)\" mapped_blocks=\"\([0-9]*\)\".*/\1 \2/p" |
			while read -r id blocks; do
				grep -q " $id " "$FX/devices.txt" || continue
				printf "%s\ttrue\t%s\tfalse\t\n" "$id" $((blocks * bs))
			done | sort >want &&
		expect_file_same want got
	'

	test_expect_success "$v: the containers carry their image, state and pool" '
		expect_eq 5 "$(jq "[.containers[] | select(.image | test(\"^sha256:[0-9a-f]{64}$\"))] | length" ls.'$v'.json)" "image ids" &&
		expect_eq "lifeboat-demo:1" "$(jq -r "[.containers[] | select(.name != \"changes\") | .image_ref] | unique | .[]" ls.'$v'.json)" image_ref &&
		expect_eq "127.0.0.1:5000/lifeboat/base:2" "$(jq -r ".containers[] | select(.name == \"changes\") | .image_ref" ls.'$v'.json)" "changes image_ref" &&
		expect_eq running "$(jq -r ".containers[] | select(.name == \"db\") | .state" ls.'$v'.json)" "db state" &&
		expect_eq created "$(jq -r ".containers[] | select(.name == \"created\") | .state" ls.'$v'.json)" "created state" &&
		expect_eq "$(docker_pool_name "$R")" "$(jq -r "[.containers[].pool] | unique | .[]" ls.'$v'.json)" "container pool"
	'

	test_expect_success "$v: the pool is Docker's, with the superblock thin_dump reads" '
		p() { jq -r ".pool.$1" ls.'$v'.json; } &&
		expect_eq "$(docker_pool_name "$R")" "$(p name)" "pool name" &&
		expect_eq loop "$(p kind)" kind &&
		expect_eq "$R/devicemapper/devicemapper/data" "$(p data)" data &&
		expect_eq "$META" "$(p metadata)" metadata &&
		expect_eq $(($(thin_dump_attr "$META" data_block_size) * 512)) "$(p data_block_size_bytes)" "block size" &&
		expect_eq "$(thin_dump_attr "$META" transaction)" "$(p transaction_id)" "transaction id" &&
		expect_eq "$(thin_dump_attr "$META" nr_data_blocks)" "$(p data_blocks)" "data blocks" &&
		expect_eq "$(thin_dump "$META" | grep -c "<device ")" "$(p thin_devices)" "thin devices" &&
		expect_eq "$(jq .open_transaction_id "$R/devicemapper/metadata/transaction-metadata")" \
			"$(p docker_transaction_id)" "Docker transaction id" &&
		expect_eq null "$(p error)" error &&
		if [ $DM = no ]; then expect_eq null "$(p active)" "active without device-mapper"; fi
	'

	test_expect_success "$v: the table shows each container and the pool, -o/-n/-r pick and style columns" '
		"$LIFEBOAT" --root "$R" recover ls >table &&
		head -n 1 table | grep -q "^POOL  *KIND  *ACTIVE" &&
		grep -q "^$(docker_pool_name "$R") " table &&
		grep -q "^NAME  *STATE  *IMAGE-REF  *DEVICE-ID  *SIZE  *MAPPED  *IN-POOL  *LOG  *SNAPS  *ID" table &&
		for c in web batch created changes db; do grep -q "^$c .* 512M .* yes  *[a-z]*  *0  *[0-9a-f]\{64\}$" table || exit 1; done &&
		"$LIFEBOAT" --root "$R" recover ls -n -r -o NAME,DEVICE-ID,size --bytes | tail -n 5 | sort >got &&
		awk "{ print \$1, \$4, \$5 }" "$FX/devices.txt" | sort >want && expect_file_same want got
	'

	test_expect_success "$v: ls works as an unprivileged user who can read the files" '
		chmod a+rx "$TMP_TEST" && chmod -R a+rX "$R" &&
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
			"$LIFEBOAT" --root "$R" recover ls --json >nobody.json 2>err &&
		! [ -s err ] && expect_file_same ls.'$v'.json nobody.json
	'

	test_expect_success "$v: LOG is each journal as the filesystem's own tool reads it from recover image's copy" '
		"$LIFEBOAT" --root "$R" recover ls --json >log.json &&
		for c in web batch created db; do
			"$LIFEBOAT" --root "$R" recover image $c -o $c.img >/dev/null || exit 1
			if [ '$v' = xfs ]; then
				case $(xfs_logprint -t $c.img 2>/dev/null | grep -o "state: <[A-Z]*>") in
				"state: <CLEAN>") tool=clean ;; "state: <DIRTY>") tool=dirty ;; *) tool=? ;; esac
			elif dumpe2fs -h $c.img 2>/dev/null | grep -q "^Filesystem features:.*needs_recovery"; then
				tool=dirty
			else
				tool=clean
			fi
			rm -f $c.img
			echo "$c $(jq -r ".containers[] | select(.name == \"$c\") | .log" log.json) $tool"
		done >states && cat states &&
		awk "\$2 != \$3 { bad = 1 } END { exit bad }" states &&
		grep -q "^db dirty" states && grep -q "^web clean" states
	'

	test_expect_success "$v: a data file the user cannot read leaves LOG unknown, and nothing else" '
		chmod a+rx "$TMP_TEST" && chmod -R a+rX "$R" && chmod 600 "$R/devicemapper/devicemapper/data" &&
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
			"$LIFEBOAT" --root "$R" recover ls --json >nolog.json 2>err; rc=$?
		chmod 644 "$R/devicemapper/devicemapper/data"
		[ $rc = 0 ] && ! [ -s err ] &&
		expect_eq "null null null null null" "$(jq -r "[.containers[].log] | map(tostring) | join(\" \")" nolog.json)" logs &&
		expect_eq 0 "$(jq "[.containers[] | select(.error != null)] | length" nolog.json)" errors
	'

	test_expect_success "$v: the pool's data and metadata are byte-identical after ls" '
		pool_fingerprint "$R" >after && expect_file_same "$R.pool-before" after
	'
done

# Damage, on the ext4 state. Each test puts back what it broke.
R=$TMP_TEST/ext4
FX=$("$TOP/tests/fixtures/ensure" ext4)
META=$R/devicemapper/devicemapper/metadata
WEB_ID=$(awk '$1 == "web" {print $2}' "$FX/devices.txt")
WEB_HASH=$(awk '$1 == "web" {sub(/.*-/, "", $3); print $3}' "$FX/devices.txt")
CONFIG=$R/containers/$WEB_ID/config.v2.json

test_expect_success "a missing data root is exit 3 naming it" '
	expect_exit 3 "$LIFEBOAT" --root "$TMP_TEST/nowhere" recover ls 2>err &&
	grep -q "^lifeboat: $TMP_TEST/nowhere: cannot open data root: No such file" err
'

test_expect_success "a directory that is no devicemapper data root is exit 3" '
	mkdir -p empty-root && expect_exit 3 "$LIFEBOAT" --root empty-root recover ls 2>err &&
	grep -q "empty-root.*devicemapper" err
'

test_expect_success "a corrupt config.v2.json still lists the others, naming the file on stderr; --strict is exit 5" '
	cp "$CONFIG" saved && echo "{\"ID\": garbage" >"$CONFIG" &&
	"$LIFEBOAT" --root "$R" recover ls --json >out.json 2>err; rc=$?
	"$LIFEBOAT" --root "$R" recover ls --strict >/dev/null 2>&1; strict=$?
	cp saved "$CONFIG"
	expect_eq 0 $rc "exit code" && expect_eq 5 $strict "exit code with --strict" &&
	expect_eq "batch changes created db" "$(jq -r "[.containers[].name | values] | sort | join(\" \")" out.json)" names &&
	expect_eq 5 "$(jq ".containers | length" out.json)" "entries" &&
	jq -r ".containers[] | select(.id == \"$WEB_ID\") | .error" out.json | grep -q "$CONFIG: " &&
	expect_eq "$WEB_HASH" "$(jq -r ".containers[] | select(.id == \"$WEB_ID\") | .device_hash" out.json)" "damaged entry device" &&
	expect_eq 1 "$(grep -c . err)" "warning lines" && grep -q "^lifeboat: $CONFIG: invalid JSON" err
'

test_expect_success "garbage pool metadata: the pool says why, in_pool is unknown, exit 0 (5 with --strict)" '
	cp --sparse=always "$META" saved-meta && head -c 1M /dev/urandom | dd of="$META" conv=notrunc status=none &&
	"$LIFEBOAT" --root "$R" recover ls --json >out.json 2>err; rc=$?
	"$LIFEBOAT" --root "$R" recover ls >table 2>/dev/null
	"$LIFEBOAT" --root "$R" recover ls --strict >/dev/null 2>&1; strict=$?
	cp --sparse=always saved-meta "$META"
	expect_eq 0 $rc "exit code" && expect_eq 5 $strict "exit code with --strict" &&
	jq -r .pool.error out.json | grep -q "^$META: block 0: superblock" &&
	expect_eq "null null null null null" "$(jq -r "[.containers[].in_pool] | map(tostring) | join(\" \")" out.json)" in_pool &&
	expect_eq null "$(jq .pool.transaction_id out.json)" "transaction id" &&
	grep -q "^lifeboat: pool .*: $META: block 0: superblock" err &&
	head -n 1 table | grep -q "ERROR$" && grep -q " unknown " table
'

test_expect_success "garbage metadata and every config damaged: nothing readable is exit 5" '
	cp --sparse=always "$META" saved-meta && head -c 1M /dev/urandom | dd of="$META" conv=notrunc status=none &&
	for f in "$R"/containers/*/config.v2.json; do cp "$f" "$f.saved" && echo "[" >"$f"; done &&
	"$LIFEBOAT" --root "$R" recover ls --json >out.json 2>err; rc=$?
	for f in "$R"/containers/*/config.v2.json; do mv "$f.saved" "$f"; done
	cp --sparse=always saved-meta "$META"
	expect_eq 5 $rc "exit code" && expect_eq 5 "$(jq ".containers | length" out.json)" "entries still listed" &&
	expect_eq 6 "$(grep -c "^lifeboat: " err)" "warning lines"
'

test_expect_success "a device the pool does not have is in_pool false, with why" '
	f=$R/devicemapper/metadata/$WEB_HASH && cp "$f" saved-dev &&
	sed -i "s/\"device_id\":[0-9]*/\"device_id\":999/" "$f" &&
	"$LIFEBOAT" --root "$R" recover ls --json >out.json 2>err; rc=$?
	cp saved-dev "$f"
	expect_eq 0 $rc "exit code" &&
	expect_eq false "$(jq ".containers[] | select(.name == \"web\") | .in_pool" out.json)" in_pool &&
	jq -r ".containers[] | select(.name == \"web\") | .error" out.json | grep -q "thin device 999 .*not in the pool" &&
	grep -q "^lifeboat: web: .*thin device 999" err
'

test_expect_success "an unknown column is a usage error" '
	expect_exit 2 "$LIFEBOAT" --root "$R" recover ls -o NAME,NOPE 2>err && grep -q "NOPE" err
'

test_expect_success "--help teaches: synopsis, columns, the damage rule, exit codes, an example" '
	"$LIFEBOAT" recover ls --help >help &&
	grep -q "^Usage: lifeboat recover ls" help && grep -q "^  DEVICE-HASH" help &&
	grep -q "damaged" help && grep -q "^Exit codes:" help && grep -q "^Example:" help
'

test_expect_success "the damaged state is as extracted after all of it" '
	pool_fingerprint "$R" >after && expect_file_same "$R.pool-before" after
'
test_done
