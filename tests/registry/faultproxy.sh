# The fault proxy (faultproxy.py) in front of the running registry, for
# host tests that sourced registry.sh and lib.sh. Sourced:
#   proxy_start   starts it on a free port with control file
#                 $TMP_TEST/proxy.ctl and log $TMP_TEST/proxy.log (emptied);
#                 sets PROXY_ADDR (127.0.0.1:PORT) and PROXY_PID
#   proxy_stop    stops exactly that process and reaps it
proxy_start() {
	: >"$TMP_TEST/proxy.log"
	rm -f "$TMP_TEST/proxy.port"
	python3 "$TOP/tests/registry/faultproxy.py" "$REGISTRY_PORT" "$TMP_TEST/proxy.ctl" \
		"$TMP_TEST/proxy.port" "$TMP_TEST/proxy.log" &
	PROXY_PID=$!
	for _ in $(seq 50); do [ -s "$TMP_TEST/proxy.port" ] && break; sleep 0.1; done
	PROXY_ADDR=127.0.0.1:$(cat "$TMP_TEST/proxy.port")
}
proxy_stop() {
	kill "$PROXY_PID" 2>/dev/null
	wait "$PROXY_PID" 2>/dev/null
	:
}
