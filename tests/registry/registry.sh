# A real OCI registry for tests: Debian's docker-registry (distribution 2.8)
# on 127.0.0.1, one instance per shell, storage in a temp dir.  Sourced:
#
#   . "$TOP/tests/registry/registry.sh"
#   registry_start [--auth] [--tls] [--token REALM CERT]
#                                      start it and wait until /v2/ answers;
#                                      --token: bearer tokens from REALM
#                                      (tests/registry/tokenserver.py),
#                                      signed by CERT's key, service
#                                      "lifeboat-registry", issuer
#                                      "lifeboat-token-issuer"
#   registry_stop                      stop exactly that process, wait for it,
#                                      remove its dir; no-op if none running
#   registry_curl [curl args...]       curl with the running registry's CA and
#                                      credentials, bounded by --max-time
#   registry_skopeo [skopeo args...]   skopeo with no policy/registries.conf
#                                      surprises, bounded by a timeout
#   registry_log                       print the registry's log
#
# registry_start sets (plain shell variables, not exported):
#   REGISTRY_ADDR   127.0.0.1:PORT          REGISTRY_HOST, REGISTRY_PORT
#   REGISTRY_URL    http(s)://127.0.0.1:PORT (no trailing slash)
#   REGISTRY_USER, REGISTRY_PASS   with --auth (htpasswd, bcrypt); else empty
#   REGISTRY_CA     with --tls: the self-signed certificate (SAN IP:127.0.0.1,
#                   DNS:localhost) to trust; else empty
#   REGISTRY_CERT_DIR  with --tls: a dir holding only ca.crt, as skopeo's
#                   --cert-dir/--dest-cert-dir and docker's certs.d want it
#   REGISTRY_DIR    its temp dir (config.yml, registry.log, data/, ...)
#   REGISTRY_LOG    its log;  REGISTRY_PID  its process id
#   REGISTRY_SKOPEO_ARGS, REGISTRY_SKOPEO_SRC_ARGS, REGISTRY_SKOPEO_DEST_ARGS
#                   arrays of the skopeo flags that reach it (tls-verify or
#                   cert-dir, creds) for inspect/delete/list-tags, and for
#                   copy from / copy to it.
# registry_stop unsets all of them.
#
# The port is found by binding port 0 on 127.0.0.1; if the registry then
# fails to bind it (someone took it in between), a new port is tried, a
# bounded number of times.  Readiness means: the process is alive, its log
# says "listening on 127.0.0.1:PORT", and GET /v2/ answers 200 with the
# registry's API header (with the credentials in --auth mode).
#
# Cleanup happens by itself: registry_start arms an EXIT trap in the shell
# that called it (in the script's top-level shell it runs before any EXIT
# trap already set there, e.g. lib.sh's; in a subshell such as a
# test_expect_success body, which does not run its parent's traps, it
# replaces the subshell's EXIT trap, so set your own after registry_start).
# The registry also runs under setpriv --pdeathsig TERM, so it gets TERM
# when the shell that started it dies, even by SIGKILL.
#
# Tunables: REGISTRY_BIN (docker-registry), REGISTRY_START_TIMEOUT (seconds
# per attempt, 15), REGISTRY_PORT_TRIES (5), REGISTRY_STOP_TIMEOUT (5),
# REGISTRY_WANT_PORT (that port only, one try: the generated fixtures' images
# name 127.0.0.1:5000, and a guest has the loopback to itself),
# REGISTRY_SEED (a directory copied into the storage first: a registry that
# already holds what the fixture generator pushed).

# shellcheck disable=SC2034  # REGISTRY_* are for the scripts that source this
REGISTRY_BIN=${REGISTRY_BIN:-docker-registry}

_registry_say() { printf 'registry: %s\n' "$*" >&2; }

# YAML single-quoted scalar.
_registry_yq() { local s=${1//\'/\'\'}; printf "'%s'" "$s"; }

# A port that was free on 127.0.0.1 a moment ago: bind port 0, read it back.
# perl-base is Essential on Debian and starts fast; python3 as a fallback.
_registry_free_port() {
	if command -v perl >/dev/null; then
		perl -MIO::Socket::INET -e '
			my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
				LocalPort => 0, Proto => "tcp", Listen => 1) or die "bind: $!\n";
			print $s->sockport, "\n";'
	else
		python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
	fi
}

# State of pid $1 started with config $2: "ours" (alive, its command line
# names that config), "other" (alive but not, e.g. not yet exec'd), "gone"
# (absent or a zombie).
_registry_state() {
	local pid=$1 cfg=$2 stat arg args=()
	# Builtins only: this runs in polling loops.
	{ read -r stat <"/proc/$pid/stat"; } 2>/dev/null || {
		echo gone
		return
	}
	stat=${stat##*) }
	case ${stat%% *} in Z | X | x)
		echo gone
		return
		;;
	esac
	{ mapfile -d '' -t args <"/proc/$pid/cmdline"; } 2>/dev/null || {
		echo gone
		return
	}
	if [ -n "$cfg" ]; then
		for arg in "${args[@]}"; do
			if [ "$arg" = "$cfg" ]; then
				echo ours
				return
			fi
		done
	fi
	echo other
}

# Guards every kill: we only ever signal the process we started.
_registry_is_ours() {
	[ -n "$1" ] && [ "$(_registry_state "$1" "$2")" = ours ]
}

# Stop pid $1 (config $2) and, if this shell ($3) started it, reap it.
# Every wait is bounded; only a process that is provably ours is signalled.
_registry_kill() {
	local pid=$1 cfg=$2 owner=$3 i sig st t0
	# A just-forked child shows the shell's command line until it execs.
	for ((i = 0; i < 20; i++)); do
		st=$(_registry_state "$pid" "$cfg")
		[ "$st" = other ] || break
		sleep 0.05
	done
	if [ "$st" = other ]; then
		_registry_say "process $pid is not the registry started with $cfg; not signalling it"
		return 0
	fi
	for sig in TERM KILL; do
		[ "$st" = ours ] || break
		kill "-$sig" "$pid" 2>/dev/null
		t0=${EPOCHREALTIME/[.,]/}
		for ((i = 0; i < ${REGISTRY_STOP_TIMEOUT:-5} * 20; i++)); do
			st=$(_registry_state "$pid" "$cfg")
			[ "$st" = ours ] || break
			((${EPOCHREALTIME/[.,]/} - t0 > ${REGISTRY_STOP_TIMEOUT:-5} * 1000000)) && break
			sleep 0.05
		done
	done
	if [ "$st" = ours ]; then
		_registry_say "process $pid did not die even after SIGKILL"
		return 1
	fi
	# Gone: collect its exit status if it is our child (a zombie, or
	# already reaped by bash, so this does not block).
	if [ "$st" = gone ] && [ "$owner" = "$BASHPID" ]; then
		wait "$pid" 2>/dev/null
	fi
	return 0
}

# Extract the command from `trap -p EXIT` output ("trap -- 'cmd' EXIT").
_registry_trap_cmd() {
	[ -n "$1" ] || return 0
	eval "set -- ${1#trap }"
	printf '%s' "$2"
}

_registry_on_exit() {
	registry_stop >/dev/null 2>&1 || :
}

_registry_arm_trap() {
	[ "${_registry_trap_shell:-}" = "$BASHPID" ] && return 0
	local prev=
	# Only the top-level shell really runs what `trap -p` shows; a subshell
	# shows its parent's traps without running them.
	[ "$BASHPID" = "$$" ] && prev=$(_registry_trap_cmd "$(trap -p EXIT)")
	# shellcheck disable=SC2064
	trap "_registry_on_exit${prev:+; $prev}" EXIT
	_registry_trap_shell=$BASHPID
}

_registry_unset() {
	unset REGISTRY_ADDR REGISTRY_HOST REGISTRY_PORT REGISTRY_URL \
		REGISTRY_USER REGISTRY_PASS REGISTRY_CA REGISTRY_CERT_DIR \
		REGISTRY_DIR REGISTRY_LOG REGISTRY_PID \
		REGISTRY_SKOPEO_ARGS REGISTRY_SKOPEO_SRC_ARGS REGISTRY_SKOPEO_DEST_ARGS \
		_registry_cfg _registry_owner _registry_token_realm
}

_registry_write_config() { # dir port auth tls [token-realm token-cert]
	local dir=$1 port=$2 auth=$3 tls=$4 realm=${5:-} cert=${6:-}
	{
		echo "version: 0.1"
		echo "log:"
		echo "  level: info"
		echo "  formatter: text"
		echo "storage:"
		echo "  filesystem:"
		echo "    rootdirectory: $(_registry_yq "$dir/data")"
		echo "  delete:"
		echo "    enabled: true"
		echo "  maintenance:"
		echo "    uploadpurging:"
		echo "      enabled: false"
		echo "http:"
		echo "  addr: 127.0.0.1:$port"
		echo "  secret: lifeboat-test-secret"
		echo "  headers:"
		echo "    X-Content-Type-Options: [nosniff]"
		if [ "$tls" = 1 ]; then
			echo "  tls:"
			echo "    certificate: $(_registry_yq "$dir/tls/registry.crt")"
			echo "    key: $(_registry_yq "$dir/tls/registry.key")"
		fi
		if [ "$auth" = 1 ]; then
			echo "auth:"
			echo "  htpasswd:"
			echo "    realm: lifeboat-test"
			echo "    path: $(_registry_yq "$dir/htpasswd")"
		fi
		if [ -n "$realm" ]; then
			echo "auth:"
			echo "  token:"
			echo "    realm: $(_registry_yq "$realm")"
			echo "    service: lifeboat-registry"
			echo "    issuer: lifeboat-token-issuer"
			echo "    rootcertbundle: $(_registry_yq "$cert")"
		fi
	} >"$dir/config.yml"
}

# Probe /v2/ once; succeed on 200 with the distribution API header.
_registry_probe() {
	local hdr=$REGISTRY_DIR/probe.headers code
	code=$(registry_curl --connect-timeout 1 --max-time 3 -o /dev/null \
		-D "$hdr" -w '%{http_code}' "$REGISTRY_URL/v2/" 2>"$REGISTRY_DIR/probe.err") || return 1
	# Token mode: /v2/ answers 401 with the Bearer challenge to anyone.
	if [ -n "${_registry_token_realm:-}" ] && [ "$code" = 401 ] &&
		grep -qi '^www-authenticate: *Bearer realm=' "$hdr"; then
		code=200
	fi
	[ "$code" = 200 ] || {
		echo "HTTP $code" >"$REGISTRY_DIR/probe.err"
		return 1
	}
	grep -qi '^docker-distribution-api-version: *registry/2.0' "$hdr"
}

# Wait for the instance in REGISTRY_*; 0 ready, 1 port taken, 2 died, 3 timeout.
_registry_wait() {
	local i tries=$((${REGISTRY_START_TIMEOUT:-15} * 10))
	local t0=${EPOCHREALTIME/[.,]/} limit=$((${REGISTRY_START_TIMEOUT:-15} * 1000000))
	for ((i = 0; i < tries; i++)); do
		case $(_registry_state "$REGISTRY_PID" "$_registry_cfg") in
		gone)
			grep -q 'address already in use' "$REGISTRY_LOG" && return 1
			return 2
			;;
		other) ;; # forked, not yet exec'd
		ours)
			# Answering, and still ours after that: nobody else answered for it.
			grep -qF "listening on $REGISTRY_ADDR" "$REGISTRY_LOG" && _registry_probe &&
				_registry_is_ours "$REGISTRY_PID" "$_registry_cfg" && return 0
			;;
		esac
		((${EPOCHREALTIME/[.,]/} - t0 > limit)) && break
		sleep 0.1
	done
	return 3
}

registry_start() {
	local auth=0 tls=0 arg dir port attempt rc v tries=${REGISTRY_PORT_TRIES:-5}
	local unset_env=() token_realm= token_cert=
	while [ $# -gt 0 ]; do
		arg=$1
		shift
		case $arg in
		--auth) auth=1 ;;
		--tls) tls=1 ;;
		--token)
			[ $# -ge 2 ] || {
				_registry_say "registry_start: --token wants REALM CERT"
				return 2
			}
			token_realm=$1 token_cert=$2
			shift 2
			;;
		*)
			_registry_say "registry_start: unknown option '$arg' (want --auth, --tls, --token)"
			return 2
			;;
		esac
	done
	[ "$auth" = 1 ] && [ -n "$token_realm" ] && {
		_registry_say "registry_start: --auth and --token exclude each other"
		return 2
	}
	if [ -n "${REGISTRY_PID:-}" ]; then
		if _registry_is_ours "$REGISTRY_PID" "${_registry_cfg:-}"; then
			_registry_say "registry_start: one is already running at $REGISTRY_URL (pid $REGISTRY_PID); registry_stop first"
			return 1
		fi
		registry_stop # stale (stopped elsewhere): tidy up
	fi
	command -v perl >/dev/null || command -v python3 >/dev/null || {
		_registry_say "registry_start: need perl or python3 to find a free port"
		return 1
	}
	for arg in "$REGISTRY_BIN" curl setpriv; do
		command -v "$arg" >/dev/null || {
			_registry_say "registry_start: '$arg' not found"
			return 1
		}
	done
	[ "$auth" = 0 ] || command -v htpasswd >/dev/null || {
		_registry_say "registry_start: htpasswd (apache2-utils) not found"
		return 1
	}
	[ "$tls" = 0 ] || command -v openssl >/dev/null || {
		_registry_say "registry_start: openssl not found"
		return 1
	}

	dir=$(mktemp -d "${TMP_TEST:-${TMPDIR:-/tmp}}/registry.XXXXXX") || return 1
	mkdir -p "$dir/data" "$dir/skopeo" || return 1
	if [ -n "${REGISTRY_SEED:-}" ]; then
		cp -a "$REGISTRY_SEED/." "$dir/data/" || return 1
	fi
	: >"$dir/skopeo/registries.conf"
	echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$dir/skopeo/policy.json"
	REGISTRY_DIR=$dir
	REGISTRY_LOG=$dir/registry.log
	REGISTRY_HOST=127.0.0.1
	REGISTRY_USER='' REGISTRY_PASS='' REGISTRY_CA='' REGISTRY_CERT_DIR=''
	REGISTRY_SKOPEO_ARGS=() REGISTRY_SKOPEO_SRC_ARGS=() REGISTRY_SKOPEO_DEST_ARGS=()
	_registry_cfg=$dir/config.yml
	_registry_token_realm=$token_realm

	if [ "$auth" = 1 ]; then
		REGISTRY_USER=lifeboat
		REGISTRY_PASS=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
		htpasswd -Bbn "$REGISTRY_USER" "$REGISTRY_PASS" >"$dir/htpasswd" 2>"$dir/htpasswd.err" || {
			_registry_say "registry_start: htpasswd failed: $(cat "$dir/htpasswd.err")"
			registry_stop
			return 1
		}
		REGISTRY_SKOPEO_ARGS+=(--creds "$REGISTRY_USER:$REGISTRY_PASS")
		REGISTRY_SKOPEO_SRC_ARGS+=(--src-creds "$REGISTRY_USER:$REGISTRY_PASS")
		REGISTRY_SKOPEO_DEST_ARGS+=(--dest-creds "$REGISTRY_USER:$REGISTRY_PASS")
	fi
	if [ "$tls" = 1 ]; then
		mkdir -p "$dir/tls" "$dir/certs"
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
			-nodes -days 2 -subj /CN=localhost \
			-addext 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
			-addext 'extendedKeyUsage=serverAuth' \
			-keyout "$dir/tls/registry.key" -out "$dir/tls/registry.crt" \
			>"$dir/openssl.log" 2>&1 || {
			_registry_say "registry_start: openssl req failed:"
			cat "$dir/openssl.log" >&2
			registry_stop
			return 1
		}
		cp "$dir/tls/registry.crt" "$dir/certs/ca.crt"
		REGISTRY_CERT_DIR=$dir/certs
		REGISTRY_CA=$dir/certs/ca.crt
		REGISTRY_SKOPEO_ARGS+=(--cert-dir "$REGISTRY_CERT_DIR")
		REGISTRY_SKOPEO_SRC_ARGS+=(--src-cert-dir "$REGISTRY_CERT_DIR")
		REGISTRY_SKOPEO_DEST_ARGS+=(--dest-cert-dir "$REGISTRY_CERT_DIR")
	else
		REGISTRY_SKOPEO_ARGS+=(--tls-verify=false)
		REGISTRY_SKOPEO_SRC_ARGS+=(--src-tls-verify=false)
		REGISTRY_SKOPEO_DEST_ARGS+=(--dest-tls-verify=false)
	fi

	_registry_arm_trap
	[ -n "${REGISTRY_WANT_PORT:-}" ] && tries=1
	for ((attempt = 1; attempt <= tries; attempt++)); do
		port=${REGISTRY_WANT_PORT:-$(_registry_free_port)}
		if [ -z "$port" ]; then
			_registry_say "registry_start: could not find a free port on 127.0.0.1"
			registry_stop
			return 1
		fi
		REGISTRY_PORT=$port
		REGISTRY_ADDR=127.0.0.1:$port
		if [ "$tls" = 1 ]; then REGISTRY_URL=https://$REGISTRY_ADDR; else REGISTRY_URL=http://$REGISTRY_ADDR; fi
		_registry_write_config "$dir" "$port" "$auth" "$tls" "$token_realm" "$token_cert"
		echo "== attempt $attempt: $REGISTRY_ADDR" >>"$dir/attempts.log"
		# Only our config: no REGISTRY_* variable from the environment may
		# override it (distribution reads REGISTRY_<SECTION>_<KEY>).
		unset_env=()
		for v in $(compgen -e REGISTRY_); do unset_env+=(-u "$v"); done
		env "${unset_env[@]}" setpriv --pdeathsig TERM -- \
			"$REGISTRY_BIN" serve "$_registry_cfg" >"$REGISTRY_LOG" 2>&1 </dev/null &
		REGISTRY_PID=$!
		_registry_owner=$BASHPID
		_registry_wait
		rc=$?
		[ $rc = 0 ] && return 0
		cat "$REGISTRY_LOG" >>"$dir/attempts.log"
		if [ $rc = 1 ]; then
			_registry_say "registry_start: port $port was taken before the registry bound it; trying another"
			_registry_kill "$REGISTRY_PID" "$_registry_cfg" "$_registry_owner"
			continue
		fi
		case $rc in
		2) _registry_say "registry_start: $REGISTRY_BIN exited before answering on $REGISTRY_URL/v2/" ;;
		*) _registry_say "registry_start: $REGISTRY_BIN did not answer on $REGISTRY_URL/v2/ within ${REGISTRY_START_TIMEOUT:-15}s" ;;
		esac
		[ -s "$dir/probe.err" ] && _registry_say "last probe: $(cat "$dir/probe.err")"
		_registry_say "--- registry log ($REGISTRY_LOG) ---"
		tail -n 60 "$REGISTRY_LOG" >&2
		_registry_say "--- end of registry log ---"
		registry_stop
		return 1
	done
	_registry_say "registry_start: gave up after $tries ports were taken; attempts:"
	tail -n 60 "$dir/attempts.log" >&2
	registry_stop
	return 1
}

registry_stop() {
	local rc=0
	if [ -n "${REGISTRY_PID:-}" ]; then
		_registry_kill "$REGISTRY_PID" "${_registry_cfg:-}" "${_registry_owner:-}" || rc=1
	fi
	if [ $rc = 0 ] && [ -n "${REGISTRY_DIR:-}" ] && [ -d "$REGISTRY_DIR" ]; then
		rm -rf "$REGISTRY_DIR"
	fi
	[ $rc = 0 ] && _registry_unset
	return $rc
}

registry_curl() {
	if [ -z "${REGISTRY_URL:-}" ]; then
		_registry_say "registry_curl: no registry running"
		return 2
	fi
	local opts=(-sS --max-time 20)
	[ -n "${REGISTRY_CA:-}" ] && opts+=(--cacert "$REGISTRY_CA")
	[ -n "${REGISTRY_USER:-}" ] && opts+=(--user "$REGISTRY_USER:$REGISTRY_PASS")
	curl "${opts[@]}" "$@"
}

registry_skopeo() {
	if [ -z "${REGISTRY_DIR:-}" ]; then
		_registry_say "registry_skopeo: no registry running"
		return 2
	fi
	timeout -k 5 120 env CONTAINERS_REGISTRIES_CONF="$REGISTRY_DIR/skopeo/registries.conf" \
		REGISTRY_AUTH_FILE="$REGISTRY_DIR/skopeo/auth.json" \
		skopeo --policy "$REGISTRY_DIR/skopeo/policy.json" --command-timeout 100s "$@"
}

registry_log() {
	[ -n "${REGISTRY_LOG:-}" ] && cat "$REGISTRY_LOG"
}
