#!/usr/bin/env bash
# The generated crashed Docker states are what a real Docker 20.10 left: the
# pool metadata passes thin_check and the containers are the expected ones.
. "$(dirname "$0")/../lib.sh"
test_require "thin_check (thin-provisioning-tools)" 'command -v thin_check'
test_require 'tests/tools/thinmeta-dump builds (make tools)' 'make -s -C "$TOP" tools'

for v in xfs ext4; do
	R=$TMP_TEST/$v
	test_expect_success "$v: the crashed state extracts with its loop files" '
		fixture_extract '$v' '$R' &&
		[ -f '$R'/devicemapper/devicemapper/data ] && [ -f '$R'/devicemapper/devicemapper/metadata ]
	'
	test_expect_success "$v: thin_check accepts the crashed pool metadata" '
		thin_check '$R'/devicemapper/devicemapper/metadata
	'
	test_expect_success "$v: lib/thinmeta reads the crashed pool exactly as thin_dump does" '
		thin_dump '$R'/devicemapper/devicemapper/metadata >dump.xml &&
		awk -f "$TOP/tests/tools/thin-dump-canon.awk" dump.xml >want &&
		"$TOP/build/tools/thinmeta-dump" '$R'/devicemapper/devicemapper/metadata >got &&
		expect_file_same want got && grep -c "^range" got
	'
	test_expect_success "$v: the container configs name web, batch, created, changes and db" '
		FIXTURE=$("$TOP/tests/fixtures/ensure" '$v') &&
		for f in '$R'/containers/*/config.v2.json; do
			jq -r ".Name" "$f"
		done | sed "s|^/||" | sort >names &&
		printf "%s\n" batch changes created db web >want &&
		expect_file_same want names &&
		awk "{print \$2}" "$FIXTURE/containers.txt" | sort >ids &&
		ls '$R'/containers | sort >dirs && expect_file_same ids dirs
	'
	test_expect_success "$v: each container has a device JSON and a layerdb mount-id" '
		FIXTURE=$("$TOP/tests/fixtures/ensure" '$v') &&
		while read -r name id dev devid size; do
			hash=${dev##*-} &&
			expect_eq "$hash" "$(cat '$R'/image/devicemapper/layerdb/mounts/$id/mount-id)" "$name mount-id" &&
			expect_eq "$devid" "$(jq .device_id '$R'/devicemapper/metadata/$hash)" "$name device_id" || exit 1
		done <"$FIXTURE/devices.txt"
	'
done
test_done
