#!/usr/bin/env bash
# Inside the test VM, one boot: a container with a 256 MiB diff (random
# bytes) under a live Docker 20.10 devicemapper daemon, moved to a real
# docker-registry on loopback two ways: `lifeboat migrate push` (the
# container stopped, dockerd left running) and `docker commit` + `docker
# push` by the daemon itself, each into its own repository. Goal: lifeboat
# at least 2x faster end to end. Peak RSS of lifeboat is reported (the
# daemon's work happens in dockerd, whose RSS is no comparison).
set -uo pipefail
fixture=$1
R=/var/lib/docker
MIB=${LIFEBOAT_BENCH_DIFF_MIB:-256}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin DOCKER_RAMDISK=true
now() { date +%s.%N; }
tar --sparse -C $R -xf "$fixture/docker-root.tar"
mkdir -p /etc/docker && cp "$fixture/daemon.json" /etc/docker/daemon.json
ip link set lo up
. "$TOP/tests/registry/registry.sh"
REGISTRY_WANT_PORT=5000 registry_start >/dev/null || exit 1
dockerd --data-root $R -H unix:///run/docker.sock >/tmp/dockerd.log 2>&1 &
for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && break; sleep 1; done
docker run --name big --network none lifeboat-demo:1 \
	dd if=/dev/urandom of=/data/big bs=1M count="$MIB" 2>/dev/null || { tail /tmp/dockerd.log; exit 1; }
sync

t0=$(now)
/usr/bin/time -f %M -o /tmp/lb.rss "$TOP/lifeboat" migrate push big 127.0.0.1:5000/bench/lb:1 >/dev/null || exit 1
t1=$(now)
docker commit big 127.0.0.1:5000/bench/dc:1 >/dev/null && docker push 127.0.0.1:5000/bench/dc:1 >/dev/null || exit 1
t2=$(now)
lb=$(echo "$t1 - $t0" | bc -l) dk=$(echo "$t2 - $t1" | bc -l)
ratio=$(echo "scale=2; $dk / $lb" | bc -l)
m=MISSED
[ "$(echo "$ratio >= 2" | bc -l)" = 1 ] && m=MET
printf 'bench migrate: a %d MiB diff, dockerd live, the container stopped\n' "$MIB"
printf '  lifeboat migrate push %.1f s, docker commit + docker push %.1f s: ratio %s (goal >= 2): %s\n' "$lb" "$dk" "$ratio" "$m"
printf '  lifeboat peak RSS %s KiB\n' "$(cat /tmp/lb.rss)"
registry_stop
[ $m = MET ]
