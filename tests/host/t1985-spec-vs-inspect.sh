#!/usr/bin/env bash
# lib/migrate/spec translates the config.v2.json and hostconfig.json a real
# dockerd 20.10 left in the crashed fixtures into the create body of
# docs/container-spec.md, and the witness is Docker itself: every field the
# body carries equals what `docker inspect` (recorded by the generator before
# the crash) says for it, every field the issue says to keep is there, and
# what belongs to the old host (the generated hostname, the default masked
# paths) is not. Every fixture container translates, names its source as
# Docker's containers.txt does, and its canonical text reads back to itself.
# shellcheck disable=SC2016 # test bodies are single-quoted on purpose
. "$(dirname "$0")/../lib.sh"
test_require "jq" 'command -v jq'
test_require "the ext4 fixture (tests/fixtures/ensure)" 'FIXTURE=$("$TOP/tests/fixtures/ensure" ext4)'
test_require "tests/tools/spec-translate builds (make tools)" \
	'make -s -C "$TOP" -j2 build/tools/spec-translate'
FIXTURE=$("$TOP/tests/fixtures/ensure" ext4)
TRANSLATE=$TOP/build/tools/spec-translate
ROOT=$TMP_TEST/root
mkdir -p "$ROOT" && tar -C "$ROOT" -xf "$FIXTURE/docker-root.tar" --wildcards \
	'./containers/*/config.v2.json' './containers/*/hostconfig.json'
INSPECT=$FIXTURE/changes.inspect.json
CHANGES_ID=$(jq -r '.[0].Id' "$INSPECT")

# The fields issue 10 names, where the create body has them.
KEPT_CONFIG="Cmd Entrypoint Env WorkingDir User Labels Volumes Tty OpenStdin AttachStdin AttachStdout AttachStderr"
KEPT_HOST="RestartPolicy PortBindings Memory MemorySwap NanoCpus CpuShares CpuQuota CpuPeriod CpusetCpus PidsLimit BlkioWeight CapAdd CapDrop Privileged ReadonlyRootfs Ulimits LogConfig ExtraHosts ShmSize SecurityOpt NetworkMode"

test_expect_success "the changes container translates" '
	"$TRANSLATE" "$ROOT/containers/'$CHANGES_ID'" >spec.json && jq -e . spec.json >/dev/null
'

test_expect_success "every field of the create body equals docker inspect's Config" '
	jq -n -e --slurpfile s spec.json --slurpfile i "'$INSPECT'" "
		[\$s[0].create | to_entries[] | select(.key != \"HostConfig\" and .key != \"NetworkingConfig\")
		 | select(.value != \$i[0][0].Config[.key]) | .key] as \$bad
		| if \$bad == [] then true else (\$bad | tostring | halt_error(1)) end"
'

test_expect_success "every field of create.HostConfig equals docker inspect's HostConfig" '
	jq -n -e --slurpfile s spec.json --slurpfile i "'$INSPECT'" "
		[\$s[0].create.HostConfig | to_entries[]
		 | select(.value != \$i[0][0].HostConfig[.key]) | .key] as \$bad
		| if \$bad == [] then true else (\$bad | tostring | halt_error(1)) end"
'

test_expect_success "every field the issue keeps is in the create body" '
	for k in '"$KEPT_CONFIG"'; do
		jq -e --arg k "$k" ".create | has(\$k)" spec.json >/dev/null || { echo "no $k"; exit 1; }
	done
	for k in '"$KEPT_HOST"'; do
		jq -e --arg k "$k" ".create.HostConfig | has(\$k)" spec.json >/dev/null || { echo "no HostConfig.$k"; exit 1; }
	done
'

test_expect_success "the generated hostname and the default masked paths stay behind, with a change entry for the hostname" '
	expect_eq false "$(jq ".create | has(\"Hostname\")" spec.json)" "Hostname kept" &&
	expect_eq "$(jq -r ".[0].Config.Hostname" "'$INSPECT'")" \
		"$(jq -r ".changes[] | select(.field == \"Config.Hostname\") | .from" spec.json)" "the hostname change" &&
	expect_eq false "$(jq ".create.HostConfig | has(\"MaskedPaths\") or has(\"ReadonlyPaths\")" spec.json)" "default paths kept"
'

test_expect_success "every fixture container translates and names its source as containers.txt does" '
	while read -r name id image; do
		"$TRANSLATE" "$ROOT/containers/$id" "registry.example/evac/$name:1" >"$name.json" || exit 1
		expect_eq "$name $id $image" "$(jq -r ".source | \"\(.name) \(.id) \(.image)\"" "$name.json")" "$name source" || exit 1
		expect_eq "registry.example/evac/$name:1" "$(jq -r .create.Image "$name.json")" "$name image" || exit 1
	done <"'$FIXTURE'/containers.txt"
'

test_expect_success "the canonical text reads back to the same bytes, and is jq -cS of itself" '
	for f in *.json; do
		[ "$f" = spec.json ] && continue
		"$TRANSLATE" --parse "$f" >"$f.again" && cmp "$f" "$f.again" || exit 1
		jq -cS . "$f" | cmp - "$f" || { echo "$f is not sorted compact JSON"; exit 1; }
	done
'

test_expect_success "a spec from a newer lifeboat is exit 5 naming the version" '
	jq -c ".lifeboat_container_spec = 2" web.json >newer.json &&
	expect_exit 5 "$TRANSLATE" --parse newer.json 2>err && grep -q "written by a newer lifeboat (version 2)" err
'
test_done
