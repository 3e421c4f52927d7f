#!/usr/bin/env bash
# A data root shaped to mislead lifeboat, which runs as root: hostile names,
# pool paths, links, FIFOs, bytes that are not UTF-8 and control characters,
# each planted in a copy of a crashed Docker state (tests/hostile/dataroot.sh).
# Each test proves one behaviour by exit code and message, and that a
# sentinel tree outside the data root is byte-identical afterwards. Cases
# that need the kernel (a real mount) are in the VM suite; here, refusals
# are shown to happen before device-mapper is asked anything.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/hostile/dataroot.sh"
test_require "jq" 'command -v jq'
test_require "the xfs fixture (tests/fixtures/ensure)" '"$TOP/tests/fixtures/ensure" xfs'

FX=$("$TOP/tests/fixtures/ensure" xfs)
PRISTINE=$TMP_TEST/pristine
R=$TMP_TEST/root
S=$TMP_TEST/sentinel
DJ=/dev/null # daemon.json, per test
WEB=$(hostile_container_id "$FX" web)
DB=$(hostile_container_id "$FX" db)
META=$R/devicemapper/metadata
MOUNTS=$R/image/devicemapper/layerdb/mounts

lb() { # VERB ARGS...: lifeboat recover VERB on the root under test
	local verb=$1
	shift
	"$LIFEBOAT" --root "$R" recover "$verb" --daemon-json "$DJ" "$@"
}
web_hash() { cat "$PRISTINE/image/devicemapper/layerdb/mounts/$WEB/mount-id"; }
# Before/after of everything outside the data root a test could hurt.
outside() { sentinel_sum "$S"; mounts_of_interest "$TMP_TEST"; find /run/lifeboat 2>/dev/null | LC_ALL=C sort; }
no_control_bytes() { # FILE...: nothing below 0x20 but newline, no DEL
	! LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$@"
}

test_expect_success "setup: the crashed state, and a sentinel tree outside it" '
	fixture_extract xfs "$PRISTINE" && sentinel_make "$S" "$PRISTINE" &&
	[ -n "$WEB" ] && [ -n "$DB" ] && [ -s "$S/victim" ]
'

test_expect_success "a container named /../../../../etc is listed with its error, under no name (exit 0; 5 with --strict)" '
	hostile_fresh "$PRISTINE" "$R" && outside >before &&
	hostile_set_name "$R" "$WEB" "\"/../../../../etc\"" &&
	lb ls --json >out.json 2>err; rc=$?
	lb ls --strict >/dev/null 2>&1; strict=$?
	expect_eq 0 $rc "exit code" && expect_eq 5 $strict "exit code with --strict" &&
	expect_eq 5 "$(jq ".containers | length" out.json)" "entries" &&
	expect_eq null "$(jq ".containers[] | select(.id == \"$WEB\") | .name" out.json)" "name" &&
	jq -r ".containers[] | select(.id == \"$WEB\") | .error" out.json |
		grep -q "config.v2.json: key \"Name\": .\/\.\./\.\./\.\./\.\./etc. is not a container name Docker allows" &&
	grep -q "^lifeboat: .*/containers/$WEB/config.v2.json: key \"Name\"" err &&
	expect_exit 3 lb mount "/../../../../etc" 2>err && grep -q "no such container" err &&
	outside >after && expect_file_same before after
'

test_expect_success "recover mount of that container exits 5 before device-mapper: nothing mounted, nothing under /run/lifeboat" '
	outside >before &&
	expect_exit 5 lb mount "$WEB" >out 2>err &&
	grep -q "^lifeboat: $WEB: refused, nothing activated: .*is not a container name" err &&
	expect_eq "" "$(cat out)" "stdout" &&
	expect_exit 5 lb mount "${WEB:0:12}" "$TMP_TEST/mnt" 2>err &&
	outside >after && expect_file_same before after
'

test_expect_success "dm.thinpooldev=/dev/mapper/../../<outside>/victim: ls, mount, image and doctor exit 5 naming the option; the victim stays" '
	hostile_fresh "$PRISTINE" "$R" && outside >before &&
	DJ=$TMP_TEST/daemon.json &&
	hostile_daemon_json "$DJ" "dm.thinpooldev=/dev/mapper/../..$S/victim" &&
	want="^lifeboat: $DJ: storage option .dm.thinpooldev=/dev/mapper/../..$S/victim.: not a device-mapper pool name" &&
	expect_exit 5 lb ls 2>err && grep -q "$want" err &&
	expect_exit 5 lb mount web 2>err && grep -q "$want" err &&
	expect_exit 5 lb image web -o "$TMP_TEST/web.img" 2>err && grep -q "$want" err &&
	[ ! -e "$TMP_TEST/web.img" ] &&
	expect_exit 5 lb doctor --fix 2>err && grep -q "$want" err &&
	outside >after && expect_file_same before after
'

test_expect_success "dm.datadev out of /dev (/dev/../<outside>/disk.img): exit 5 naming the option; the disk image stays" '
	hostile_fresh "$PRISTINE" "$R" && outside >before &&
	DJ=$TMP_TEST/daemon.json &&
	hostile_daemon_json "$DJ" "dm.datadev=/dev/..$S/disk.img" "dm.metadatadev=/dev/..$S/disk.img" &&
	expect_exit 5 lb ls 2>err &&
	grep -q "^lifeboat: $DJ: storage option .dm.datadev=/dev/..$S/disk.img.: not a device path under /dev" err &&
	expect_exit 5 lb mount web 2>err && grep -q "not a device path under /dev" err &&
	outside >after && expect_file_same before after
'

test_expect_success "devicemapper/metadata linked to another directory: ls, doctor, --fix --dry-run and --fix exit 5, and nothing there is removed" '
	hostile_fresh "$PRISTINE" "$R" && hostile_link_metadata "$R" "$S/metadata" && outside >before &&
	want="^lifeboat: $R: not a devicemapper data root: $META: is a symbolic link, which lifeboat does not follow in a data root" &&
	expect_exit 5 lb ls 2>err && grep -q "$want" err &&
	expect_exit 5 lb doctor --json >out.json 2>err && grep -q "$want" err &&
	expect_exit 5 lb doctor --fix --dry-run 2>err && grep -q "$want" err &&
	expect_exit 5 lb doctor --fix --backup-dir "$TMP_TEST/bk" 2>err && grep -q "$want" err &&
	[ ! -e "$TMP_TEST/bk" ] && [ -e "$S/metadata/$(printf %064d 1)" ] &&
	outside >after && expect_file_same before after
'

test_expect_success "a FIFO as config.v2.json, mount-id and a device file: ls finishes, each entry listed with its error (exit 0)" '
	hostile_fresh "$PRISTINE" "$R" && outside >before &&
	hostile_fifo "$R/containers/$WEB/config.v2.json" &&
	hostile_fifo "$MOUNTS/$DB/mount-id" &&
	hostile_fifo "$META/$(web_hash)" &&
	timeout 20 "$LIFEBOAT" --root "$R" recover ls --daemon-json /dev/null --json >out.json 2>err; rc=$?
	expect_eq 0 $rc "exit code (124: it hung)" &&
	jq -r ".containers[] | select(.id == \"$WEB\") | .error" out.json |
		grep -q "/containers/$WEB/config.v2.json: is a FIFO, not a regular file" &&
	jq -r ".containers[] | select(.id == \"$DB\") | .error" out.json |
		grep -q "/mounts/$DB/mount-id: is a FIFO, not a regular file" &&
	expect_eq 2 "$(grep -c "is a FIFO" err)" "warning lines" &&
	outside >after && expect_file_same before after
'

test_expect_success "with a FIFO as a device file, doctor finishes and reports it unreadable (exit 6)" '
	timeout 20 "$LIFEBOAT" --root "$R" recover doctor --daemon-json /dev/null --json >out.json 2>err; rc=$?
	expect_eq 6 $rc "exit code (124: it hung)" &&
	jq -r ".findings[] | select(.code == \"unreadable-device-file\") | .objects[]" out.json |
		grep -q "$(web_hash): is a FIFO, not a regular file"
'

test_expect_success "0xFF in a mount-id and a device file name: ls --json is valid JSON listing the damage" '
	hostile_fresh "$PRISTINE" "$R" && outside >before &&
	printf "%s\377" "$(cat "$MOUNTS/$DB/mount-id")" >"$MOUNTS/$DB/mount-id" &&
	hostile_ff_device_file "$R" "$(web_hash)" &&
	lb ls --json >out.json 2>err; rc=$?
	expect_eq 0 $rc "exit code" && jq -e . out.json >/dev/null &&
	expect_eq 5 "$(jq ".containers | length" out.json)" "entries" &&
	jq -r ".containers[] | select(.id == \"$DB\") | .error" out.json | grep -q "invalid mount id .[0-9a-f]*\\\\xff." &&
	no_control_bytes err && ! LC_ALL=C grep -q $'"'"'\xff'"'"' err out.json &&
	outside >after && expect_file_same before after
'

test_expect_success "0xFF in a device file name: doctor --json keeps the finding, the name escaped" '
	expect_exit 6 lb doctor --json >out.json 2>err && jq -e . out.json >/dev/null &&
	jq -r ".findings[] | select(.code == \"unreadable-device-file\") | .objects[0]" out.json |
		grep -q "^device file $META/$(web_hash)\\\\xff$" &&
	jq -r ".findings[] | select(.code == \"unreadable-device-file\") | .objects[1]" out.json |
		grep -q "not a device file name Docker writes"
'

test_expect_success "doctor --fix moves the device file named with 0xFF into the backup, by its own bytes, and nothing else" '
	outside >before && ls "$META" >meta.before &&
	lb doctor --fix --backup-dir "$TMP_TEST/bk" >fix.out 2>fix.err; rc=$?
	ls "$META" >meta.after &&
	expect_eq 1 "$(diff meta.before meta.after | grep -c "^<")" "files removed" &&
	expect_eq 0 "$(diff meta.before meta.after | grep -c "^>")" "files added" &&
	[ -f "$TMP_TEST/bk/metadata/$(printf "%s\377" "$(web_hash)")" ] &&
	grep -q "unreadable-device-file: remove metadata/$(web_hash)\\\\xff (copy kept)" fix.err &&
	no_control_bytes fix.out fix.err &&
	outside >after && expect_file_same before after
'

test_expect_success "control characters in a name, a mount-id and daemon.json reach stderr and stdout escaped" '
	hostile_fresh "$PRISTINE" "$R" && outside >before &&
	hostile_set_name "$R" "$WEB" "\"/web\\u001b]0;owned\\u0007\\u001b[2J\"" &&
	printf "abc\033[2J\033[31m" >"$MOUNTS/$DB/mount-id" &&
	lb ls >out 2>err; rc=$?
	expect_eq 0 $rc "exit code" && no_control_bytes out err &&
	grep -q "key \"Name\": ./web\\\\x1b\]0;owned\\\\x07\\\\x1b\[2J. is not a container name" err &&
	grep -q "invalid mount id .abc\\\\x1b\[2J\\\\x1b\[31m." err &&
	DJ=$TMP_TEST/daemon.json && hostile_daemon_json "$DJ" "$(printf "dm.thinpooldev=po\033[2Jol")" &&
	expect_exit 5 lb ls >out 2>err && no_control_bytes out err &&
	grep -q "storage option .dm.thinpooldev=po\\\\x1b\[2Jol.: not a device-mapper pool name" err &&
	outside >after && expect_file_same before after
'

test_expect_success "the pool data file linked to a file outside: ls, doctor, --fix, mount and image exit 5 naming it; the file stays" '
	hostile_fresh "$PRISTINE" "$R" && hostile_link_pool_file "$R" data "$S/disk.img" && outside >before &&
	want="^lifeboat: $R/devicemapper/devicemapper/data: is a symbolic link; a loop-lvm pool.s file must be a regular file in the data root" &&
	expect_exit 5 lb ls 2>err && grep -q "$want" err &&
	expect_exit 5 lb doctor 2>err && grep -q "$want" err &&
	expect_exit 5 lb doctor --fix --backup-dir "$TMP_TEST/bk2" 2>err && grep -q "$want" err &&
	[ ! -e "$TMP_TEST/bk2" ] &&
	expect_exit 5 lb mount web 2>err && grep -q "$want" err &&
	expect_exit 5 lb image web -o "$TMP_TEST/web.img" 2>err && grep -q "$want" err &&
	outside >after && expect_file_same before after
'

test_expect_success "the pool metadata file as a block device node: exit 5 naming it" '
	hostile_fresh "$PRISTINE" "$R" && hostile_blockdev_pool_file "$R" metadata && outside >before &&
	expect_exit 5 lb ls 2>err &&
	grep -q "^lifeboat: $R/devicemapper/devicemapper/metadata: is a block device; a loop-lvm pool.s file must be a regular file" err &&
	expect_exit 5 lb doctor --fix 2>err && grep -q "is a block device" err &&
	outside >after && expect_file_same before after
'

test_expect_success "a link in place of a container directory or a mount-id: listed with its error, nothing read through it" '
	hostile_fresh "$PRISTINE" "$R" &&
	rm "$MOUNTS/$DB/mount-id" && ln -s "$S/victim" "$MOUNTS/$DB/mount-id" &&
	mv "$R/containers/$WEB" "$TMP_TEST/web-dir" && ln -s "$TMP_TEST/web-dir" "$R/containers/$WEB" &&
	outside >before &&
	lb ls --json >out.json 2>err; rc=$?
	expect_eq 0 $rc "exit code" &&
	jq -r ".containers[] | select(.id == \"$DB\") | .error" out.json | grep -q "/mounts/$DB/mount-id: is a symbolic link" &&
	jq -r ".containers[] | select(.id == \"$WEB\") | .error" out.json | grep -q "/containers/$WEB: is a symbolic link" &&
	! grep -q precious out.json err &&
	outside >after && expect_file_same before after
'

test_expect_success "the data root itself may be a link (the operator named it): it lists as usual" '
	hostile_fresh "$PRISTINE" "$R" && ln -sfn "$R" "$TMP_TEST/root-link" &&
	"$LIFEBOAT" --root "$TMP_TEST/root-link" recover ls --daemon-json /dev/null --json --strict >out.json &&
	expect_eq "batch changes created db web" "$(jq -r "[.containers[].name] | sort | join(\" \")" out.json)" names
'

test_done
