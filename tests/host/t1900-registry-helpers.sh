#!/usr/bin/env bash
# tests/registry/registry.sh starts a real docker-registry in each mode
# (plain HTTP, htpasswd auth, TLS, auth over TLS), skopeo -- the independent
# witness for what lifeboat will push -- can push a real OCI image to it and
# read the same digest back, and the registry is gone afterwards: by
# registry_stop, by the EXIT trap of the shell that started it, by
# pdeathsig when that shell is killed.  Start failures say why, with the log.
# shellcheck disable=SC2016 # test bodies are single-quoted on purpose
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/registry/registry.sh"

test_require 'docker-registry (Debian package docker-registry)' 'command -v docker-registry'
test_require 'skopeo' 'command -v skopeo'
test_require 'htpasswd (Debian package apache2-utils)' 'command -v htpasswd'
test_require 'openssl' 'command -v openssl'
test_require 'curl' 'command -v curl'
test_require 'setpriv (util-linux)' 'command -v setpriv'
test_require 'perl' 'command -v perl'
test_require 'python3' 'command -v python3'

REPO=lifeboat/t1900
OCI=$TMP_TEST/oci

# Is pid $1 a live process (a zombie awaiting its reaper counts as dead)?
alive() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	case ${s%% *} in Z | X | x) return 1 ;; esac
}

# A blob file into the layout; prints its digest.
add_blob() {
	local d
	d=$(sha256sum "$1" | cut -d' ' -f1) &&
		cp "$1" "$OCI/blobs/sha256/$d" &&
		echo "sha256:$d"
}

test_expect_success 'build a tiny OCI image layout with real content' '
	mkdir -p rootfs/etc rootfs/srv/data "$OCI/blobs/sha256" &&
	printf "lifeboat t1900 test image\n" >rootfs/etc/lifeboat-release &&
	head -c 65536 /dev/urandom >rootfs/srv/data/payload.bin &&
	tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
		-C rootfs -cf layer.tar . &&
	gzip -n -c layer.tar >layer.tar.gz &&
	diff_id=sha256:$(sha256sum layer.tar | cut -d" " -f1) &&
	layer=$(add_blob layer.tar.gz) &&
	printf "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/true\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}" \
		"$diff_id" >config.json &&
	config=$(add_blob config.json) &&
	printf "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":%d},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%s\",\"size\":%d}]}" \
		"$config" "$(stat -c %s config.json)" "$layer" "$(stat -c %s layer.tar.gz)" >manifest.json &&
	manifest=$(add_blob manifest.json) &&
	printf "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":%d,\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}}]}" \
		"$manifest" "$(stat -c %s manifest.json)" >"$OCI/index.json" &&
	echo "{\"imageLayoutVersion\":\"1.0.0\"}" >"$OCI/oci-layout" &&
	echo "$manifest" >manifest.digest &&
	echo "$layer" >layer.digest &&
	echo "$config" >config.digest &&
	# skopeo itself accepts the layout and sees our digest in it
	got=$(timeout 60 skopeo --insecure-policy inspect --format "{{.Digest}}" "oci:$OCI:v1") &&
	expect_eq "$manifest" "$got" "digest skopeo sees in the layout"
'

# push_and_check SKOPEO-COPY-DEST-FLAGS...: skopeo pushes the layout to the
# running registry with exactly those flags, then reads it back.
push_and_check() {
	local ref=docker://$REGISTRY_ADDR/$REPO:v1 want got w
	want=$(cat "$TMP_TEST/manifest.digest")
	w=$(mktemp -d "$TMP_TEST/push.XXXXXX") &&
		registry_skopeo copy --digestfile "$w/pushed" "$@" "oci:$OCI:v1" "$ref" &&
		expect_eq "$want" "$(cat "$w/pushed")" "digest skopeo says it pushed" &&
		got=$(registry_skopeo inspect "${REGISTRY_SKOPEO_ARGS[@]}" --format '{{.Digest}}' "$ref") &&
		expect_eq "$want" "$got" "digest skopeo inspect reads back" &&
		registry_skopeo inspect --raw "${REGISTRY_SKOPEO_ARGS[@]}" "$ref" >"$w/raw" &&
		expect_file_same "$OCI/blobs/sha256/${want#sha256:}" "$w/raw" &&
		registry_curl -f -o "$w/layer" "$REGISTRY_URL/v2/$REPO/blobs/$(cat "$TMP_TEST/layer.digest")" &&
		expect_file_same "$TMP_TEST/layer.tar.gz" "$w/layer" &&
		registry_curl -f -o "$w/config" "$REGISTRY_URL/v2/$REPO/blobs/$(cat "$TMP_TEST/config.digest")" &&
		expect_file_same "$TMP_TEST/config.json" "$w/config"
}

# stop_and_check: registry_stop, then the process, its dir, its variables
# and its port are all gone.
stop_and_check() {
	local addr=$REGISTRY_ADDR pid=$REGISTRY_PID dir=$REGISTRY_DIR rc
	registry_stop || return 1
	if alive "$pid"; then
		say "registry process $pid still exists after registry_stop"
		return 1
	fi
	if [ -e "$dir" ]; then
		say "registry dir $dir still exists after registry_stop"
		return 1
	fi
	expect_eq "" "${REGISTRY_ADDR:-}${REGISTRY_URL:-}${REGISTRY_PID:-}${REGISTRY_DIR:-}" "REGISTRY_* after registry_stop" || return 1
	curl -sk --max-time 5 -o /dev/null "http://$addr/v2/"
	rc=$?
	expect_eq 7 "$rc" "curl exit for http://$addr/v2/ after registry_stop (7: could not connect)" || return 1
	curl -sk --max-time 5 -o /dev/null "https://$addr/v2/"
	rc=$?
	expect_eq 7 "$rc" "curl exit for https://$addr/v2/ after registry_stop (7: could not connect)"
}

test_expect_success 'plain HTTP: skopeo --dest-tls-verify=false pushes, inspect reads the digest back' '
	# distribution reads REGISTRY_<SECTION>_<KEY> from its environment;
	# containers tools use REGISTRY_AUTH_FILE: it must not reach the registry
	export REGISTRY_AUTH_FILE=$TMP_TEST/no-such-auth.json \
		REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=/nonexistent/t1900 &&
	registry_start &&
	case $REGISTRY_ADDR in 127.0.0.1:[0-9]*) ;; *) say "bad REGISTRY_ADDR $REGISTRY_ADDR"; false ;; esac &&
	expect_eq "http://$REGISTRY_ADDR" "$REGISTRY_URL" REGISTRY_URL &&
	expect_eq "" "$REGISTRY_USER$REGISTRY_PASS$REGISTRY_CA" "auth/TLS variables" &&
	expect_eq 200 "$(curl -s --max-time 5 -o /dev/null -w "%{http_code}" "$REGISTRY_URL/v2/")" "anonymous GET /v2/" &&
	push_and_check --dest-tls-verify=false &&
	stop_and_check
'

test_expect_success 'htpasswd auth: anonymous /v2/ is 401, skopeo --dest-creds pushes' '
	registry_start --auth &&
	expect_eq "http://$REGISTRY_ADDR" "$REGISTRY_URL" REGISTRY_URL &&
	test -n "$REGISTRY_USER" && test -n "$REGISTRY_PASS" &&
	code=$(curl -s --max-time 5 -D hdr -o /dev/null -w "%{http_code}" "$REGISTRY_URL/v2/") &&
	expect_eq 401 "$code" "anonymous GET /v2/" &&
	grep -i "^www-authenticate: basic" hdr &&
	code=$(curl -s --max-time 5 -o /dev/null -w "%{http_code}" \
		--user "$REGISTRY_USER:wrong-$REGISTRY_PASS" "$REGISTRY_URL/v2/") &&
	expect_eq 401 "$code" "GET /v2/ with a wrong password" &&
	code=$(curl -s --max-time 5 -o /dev/null -w "%{http_code}" \
		--user "$REGISTRY_USER:$REGISTRY_PASS" "$REGISTRY_URL/v2/") &&
	expect_eq 200 "$code" "GET /v2/ with REGISTRY_USER/REGISTRY_PASS" &&
	grep "^$REGISTRY_USER:\$2y\\$" "$REGISTRY_DIR/htpasswd" &&
	if registry_skopeo copy --dest-tls-verify=false "oci:$OCI:v1" \
		"docker://$REGISTRY_ADDR/$REPO:anon" >anon.out 2>&1
	then
		say "an anonymous push was accepted"; false
	else
		cat anon.out
	fi &&
	push_and_check --dest-tls-verify=false --dest-creds "$REGISTRY_USER:$REGISTRY_PASS" &&
	stop_and_check
'

test_expect_success 'TLS: self-signed cert for 127.0.0.1 and localhost, skopeo --dest-cert-dir pushes' '
	registry_start --tls &&
	expect_eq "https://$REGISTRY_ADDR" "$REGISTRY_URL" REGISTRY_URL &&
	expect_eq "$REGISTRY_CERT_DIR/ca.crt" "$REGISTRY_CA" REGISTRY_CA &&
	expect_eq ca.crt "$(ls "$REGISTRY_CERT_DIR")" "contents of REGISTRY_CERT_DIR" &&
	openssl x509 -in "$REGISTRY_CA" -noout -ext subjectAltName >san &&
	grep "IP Address:127.0.0.1" san && grep "DNS:localhost" san &&
	{ curl -s --max-time 5 -o /dev/null "$REGISTRY_URL/v2/"
	  expect_eq 60 $? "curl exit without the CA (60: certificate not trusted)"; } &&
	expect_eq 200 "$(curl -s --max-time 5 -o /dev/null -w "%{http_code}" --cacert "$REGISTRY_CA" \
		"$REGISTRY_URL/v2/")" "GET /v2/ trusting REGISTRY_CA" &&
	expect_eq 200 "$(curl -s --max-time 5 -o /dev/null -w "%{http_code}" --cacert "$REGISTRY_CA" \
		"https://localhost:$REGISTRY_PORT/v2/")" "GET /v2/ via localhost trusting REGISTRY_CA" &&
	if registry_skopeo copy "oci:$OCI:v1" "docker://$REGISTRY_ADDR/$REPO:untrusted" >untrusted.out 2>&1
	then
		say "skopeo pushed without trusting the certificate"; false
	else
		grep -i "certificate" untrusted.out
	fi &&
	push_and_check --dest-cert-dir "$REGISTRY_CERT_DIR" &&
	stop_and_check
'

test_expect_success 'auth over TLS, pushed with the REGISTRY_SKOPEO_DEST_ARGS array' '
	registry_start --tls --auth &&
	expect_eq "https://$REGISTRY_ADDR" "$REGISTRY_URL" REGISTRY_URL &&
	expect_eq 401 "$(curl -s --max-time 5 -o /dev/null -w "%{http_code}" --cacert "$REGISTRY_CA" \
		"$REGISTRY_URL/v2/")" "anonymous GET /v2/ over TLS" &&
	expect_eq 200 "$(registry_curl -o /dev/null -w "%{http_code}" "$REGISTRY_URL/v2/")" "registry_curl GET /v2/" &&
	push_and_check "${REGISTRY_SKOPEO_DEST_ARGS[@]}" &&
	stop_and_check
'

test_expect_success 'a second registry_start while one runs is refused; registry_stop twice is fine' '
	registry_start &&
	first=$REGISTRY_URL &&
	if registry_start 2>err; then say "second start succeeded"; false; fi &&
	grep "already running" err &&
	expect_eq "$first" "$REGISTRY_URL" "REGISTRY_URL after the refused start" &&
	stop_and_check &&
	registry_stop
'

# A listener that holds a port for at most 30 s; prints the port.
hold_port() { # file-for-port file-for-pid
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
			Proto => "tcp", Listen => 5) or die "bind: $!\n";
		$| = 1; print $s->sockport, "\n"; sleep 30;' >"$1" &
	echo $! >"$2"
	for _ in $(seq 50); do [ -s "$1" ] && return 0; sleep 0.1; done
	return 1
}

test_expect_success 'a port taken before the registry binds it is retried with another' '
	hold_port held held.pid &&
	taken=$(cat held) && {
	# the first port handed out is the taken one, then real free ones
	_registry_free_port() {
		if [ ! -e handed ]; then : >handed; echo "$taken"; return; fi
		perl -MIO::Socket::INET -e "print IO::Socket::INET->new(LocalAddr => q(127.0.0.1), LocalPort => 0, Listen => 1)->sockport"
	} &&
	registry_start 2>err &&
	cat err &&
	grep "port $taken was taken" err &&
	test "$REGISTRY_PORT" != "$taken" &&
	registry_curl -f -o /dev/null "$REGISTRY_URL/v2/" &&
	stop_and_check; }
	rc=$?; kill "$(cat held.pid)"; wait "$(cat held.pid)"; exit $rc
'

test_expect_success 'when every port is taken, registry_start gives up with the log' '
	hold_port held2 held2.pid &&
	taken=$(cat held2) && {
	_registry_free_port() { echo "$taken"; } &&
	if REGISTRY_PORT_TRIES=3 registry_start 2>err; then say "started anyway"; false; fi &&
	cat err &&
	grep "gave up after 3" err &&
	test "$(grep -c "address already in use" err)" = 3 &&
	expect_eq "" "${REGISTRY_PID:-}${REGISTRY_DIR:-}" "REGISTRY_PID/DIR after the failed start" &&
	expect_eq "" "$(ls -d "$TMP_TEST"/registry.* 2>/dev/null)" "registry dirs left behind"; }
	rc=$?; kill "$(cat held2.pid)"; wait "$(cat held2.pid)"; exit $rc
'

test_expect_success 'a registry that never answers: bounded wait, clear failure with its log, process killed' '
	cat >fake-registry <<-\EOF &&
	#!/bin/bash
	echo $$ >"${0%/*}/fake.pid"
	echo "fake registry: configured by $2, not listening anywhere"
	# one process (no orphans when killed), its config still in its argv
	exec perl -e "sleep 20" -- "$@"
	EOF
	chmod +x fake-registry &&
	start=$SECONDS &&
	if REGISTRY_BIN=$TMP_TEST/fake-registry REGISTRY_START_TIMEOUT=1 registry_start 2>err
	then say "started anyway"; false; fi &&
	cat err &&
	test $((SECONDS - start)) -le 5 &&
	grep "did not answer on http://127.0.0.1:[0-9]*/v2/ within 1s" err &&
	grep "fake registry: configured by .*config.yml, not listening" err &&
	pid=$(cat fake.pid) &&
	if alive $pid; then say "fake registry $pid still running"; kill $pid; false; fi
'

test_expect_success 'a registry left running stops with the (sub)shell that started it' '
	( registry_start && echo "$REGISTRY_PID $REGISTRY_ADDR $REGISTRY_DIR" >left; exit 3 )
	expect_eq 3 $? "subshell exit status (kept by the EXIT trap)" &&
	read -r pid addr dir <left &&
	if alive $pid; then say "registry $pid outlived its subshell"; kill $pid; false; fi &&
	test ! -e "$dir" &&
	{ curl -s --max-time 5 -o /dev/null "http://$addr/v2/"
	  expect_eq 7 $? "curl exit after the subshell ended"; }
'

test_expect_success 'top level: the EXIT trap stops the registry and still runs the earlier EXIT trap' '
	TMP_TEST=$TMP_TEST bash -c "
		trap \"echo earlier-trap-ran >\$TMP_TEST/earlier\" EXIT
		. \"\$1\" && registry_start --auth &&
		echo \"\$REGISTRY_PID \$REGISTRY_ADDR \$REGISTRY_DIR\" >\$TMP_TEST/top
		exit 4" _ "$TOP/tests/registry/registry.sh"
	expect_eq 4 $? "script exit status" &&
	read -r pid addr dir <top &&
	if alive $pid; then say "registry $pid outlived its script"; kill $pid; false; fi &&
	test ! -e "$dir" &&
	expect_eq earlier-trap-ran "$(cat earlier)" "the earlier EXIT trap" &&
	{ curl -s --max-time 5 -o /dev/null "http://$addr/v2/"
	  expect_eq 7 $? "curl exit after the script ended"; }
'

# Run a command as a child subreaper (PR_SET_CHILD_SUBREAPER): what it
# orphans is reparented here and reaped for at most 20 s, rather than left
# to an init that may never reap zombies.  Exit status as the shell's.
subreaper() {
	python3 -c '
import ctypes, os, subprocess, sys, time
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)
rc = subprocess.call(sys.argv[1:])
deadline = time.time() + 20
while time.time() < deadline:
    try:
        pid, _ = os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        break
    if pid == 0:
        time.sleep(0.05)
sys.exit(rc if rc >= 0 else 128 - rc)' "$@"
}

test_expect_success 'SIGKILL of the starting shell: pdeathsig takes the registry down' '
	TMP_TEST=$TMP_TEST subreaper bash -c "
		. \"\$1\" && registry_start &&
		echo \"\$REGISTRY_PID \$REGISTRY_ADDR\" >\$TMP_TEST/killed &&
		kill -KILL \$\$" _ "$TOP/tests/registry/registry.sh"
	expect_eq 137 $? "script exit status" &&
	read -r pid addr <killed &&
	for i in $(seq 50); do alive $pid || break; sleep 0.1; done &&
	if alive $pid; then say "registry $pid outlived SIGKILL of its shell"; kill $pid; false; fi &&
	{ curl -s --max-time 5 -o /dev/null "http://$addr/v2/"
	  expect_eq 7 $? "curl exit after the shell was killed"; }
'

test_done
