#!/usr/bin/env bash
# recover doctor on a lost device file, with the real dm-thin target and the
# real dockerd 20.10, on both crashed states (xfs and ext4): web's device file
# (devicemapper/metadata/<mount-id>) and the image layer's (<cache-id>) are
# gone, as a half-restored backup leaves a host. Their thin devices are still
# in the pool. dockerd then cannot copy web ("Unknown device") nor create a
# container from the image. doctor matches each orphan to its owner by the
# data blocks it shares, its creation order, filesystem and size
# (lost-device-file), --dry-run changes nothing, --fix writes both files
# again, and dockerd reads every container back exactly as Docker recorded
# it before the crash, and runs a new container from the image. The orphan
# devices are never deleted on the way: their mappings are compared with
# thin_dump before and after. recover mount --device-id reads one of them
# before anything is decided.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/doctor-lib.sh"
META=$R/devicemapper/metadata
dev_dump() { thin_dump "$POOLMETA" | awk -v d="<device dev_id=\"$1\"" 'index($0, d) { on = 1 } on { print } on && /<\/device>/ { exit }'; }
# The device of lifeboat-demo:1's one layer (the base of every image here):
# its chain id is its diff id.
layer_hash() {
	local img d
	img=$(jq -r '.Repositories["lifeboat-demo"]["lifeboat-demo:1"]' "$R/image/devicemapper/repositories.json") &&
		d=$(jq -r '.rootfs.diff_ids[0]' "$R/image/devicemapper/imagedb/content/sha256/${img#sha256:}") &&
		cat "$R/image/devicemapper/layerdb/sha256/${d#sha256:}/cache-id"
}

for v in xfs ext4; do
	FIXTURE=$("$TOP/tests/fixtures/ensure" $v)

	test_expect_success "$v: setup: web's and the image layer's device files are lost; their devices stay in the pool" '
		rm -rf '$R'/* && fixture_extract '$v' '$R' &&
		mkdir -p /etc/docker && cp "$FIXTURE/daemon.json" /etc/docker/daemon.json &&
		web=$(mount_id web) && layer=$(layer_hash) &&
		web_id=$(jq .device_id '$META'/$web) && layer_id=$(jq .device_id '$META'/$layer) &&
		echo "$web $web_id $layer $layer_id" >'$S'/lost.'$v' &&
		mkdir -p '$S'/orig.'$v' && mv '$META'/$web '$META'/$layer '$S'/orig.'$v'/ &&
		dev_dump $web_id >'$S'/web.before.'$v' && dev_dump $layer_id >'$S'/layer.before.'$v' &&
		[ -s '$S'/web.before.'$v' ] && [ -s '$S'/layer.before.'$v' ]
	'

	if [ $v = xfs ]; then
		test_expect_success "$v: dockerd on it: docker cp web fails (Unknown device), so does a new container of the image" '
			read -r web web_id layer layer_id <'$S'/lost.'$v' &&
			rm -rf '$S'/broken && cp -a --sparse=always '$R' '$S'/broken &&
			start_dockerd lost || { tail -n 20 '$S'/dockerd.lost.log; false; }; up=$?
			$docker cp web:/etc/motd '$S'/x 2>cp.err; cp_rc=$?; cat cp.err
			$docker create --network none lifeboat-demo:1 true >create.out 2>create.err; create_rc=$?; cat create.err
			stop_dockerd; stop_rc=$?
			rm -rf '$R'/* && cp -a --sparse=always '$S'/broken/. '$R'/ &&
			[ $up = 0 ] && [ $cp_rc != 0 ] && grep -q "Unknown device $web" cp.err &&
			[ $create_rc != 0 ] && grep -q "Unknown device $layer" create.err && [ $stop_rc = 0 ]
		'
	fi

	test_expect_success "$v: doctor: two lost-device-file findings with their evidence, no orphan, no dangling id (exit 6)" '
		read -r web web_id layer layer_id <'$S'/lost.'$v' &&
		expect_exit 6 "$LIFEBOAT" recover doctor --json >out.json &&
		expect_eq "lost-device-file lost-device-file" "$(finding_codes out.json)" codes &&
		jq -r ".findings[] | select(.code == \"lost-device-file\") | .objects[]" out.json >objs && cat objs &&
		grep -q "container web (.*) rootfs uses it" objs && grep -q "image layer sha256:" objs &&
		grep -q "^thin device $web_id, " objs && grep -q "^thin device $layer_id, " objs &&
		grep -q "shares [1-9][0-9]* data blocks with init device" objs &&
		grep -q "filesystem '$v' UUID" objs
	'

	test_expect_success "$v: recover mount --device-id reads web's orphaned device (its files as Docker exported them), and umount leaves nothing" '
		read -r web web_id layer layer_id <'$S'/lost.'$v' &&
		rootfs=$("$LIFEBOAT" recover mount --device-id $web_id 2>err | tail -n 1) && cat err &&
		expect_eq /run/lifeboat/mnt/device-$web_id/rootfs "$rootfs" "rootfs" &&
		(cd "$rootfs" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum | sed "s| \./| |") >sums &&
		expect_file_same "$FIXTURE/web.sha256" sums &&
		"$LIFEBOAT" recover umount --all && no_lifeboat_devices
	'

	test_expect_success "$v: --fix --dry-run changes nothing" '
		rm -rf meta.before && pool_fingerprint '$R' >before && cp -a '$META' meta.before &&
		expect_exit 6 "$LIFEBOAT" recover doctor --fix --dry-run >dry.out && grep -q "dry run" dry.out &&
		pool_fingerprint '$R' >after && expect_file_same before after && diff -r meta.before '$META'
	'

	test_expect_success "$v: --fix writes both files again, exactly as Docker wrote them; the pool is not touched; clean" '
		read -r web web_id layer layer_id <'$S'/lost.'$v' &&
		pool_fingerprint '$R' >before &&
		"$LIFEBOAT" recover doctor --fix >fix.out 2>fix.err; rc=$?; cat fix.out fix.err;
		expect_eq 0 $rc "exit code" &&
		expect_file_same '$S'/orig.'$v'/$web '$META'/$web &&
		expect_file_same '$S'/orig.'$v'/$layer '$META'/$layer &&
		pool_fingerprint '$R' >after && expect_file_same before after &&
		dev_dump $web_id >web.after && expect_file_same '$S'/web.before.'$v' web.after &&
		dev_dump $layer_id >layer.after && expect_file_same '$S'/layer.before.'$v' layer.after &&
		no_lifeboat_devices
	'

	test_expect_success "$v: dockerd on the repaired state: every container reads back as before the crash, and a new container runs from the image" '
		start_dockerd fixed.'$v' || { tail -n 20 '$S'/dockerd.fixed.'$v'.log; false; }
		read_every_container && out=$($docker run --rm --network none lifeboat-demo:1 cat /etc/motd) &&
		expect_eq "welcome to the image" "$out" "motd of a new container"; rc=$?
		stop_dockerd && [ $rc = 0 ] && expect_exit 0 "$LIFEBOAT" recover doctor -q
	'
done
test_done
