#!/usr/bin/env bash
# Inside the test VM: from a crashed Docker state to the first file readable,
# three ways on the same fixture in the same boot:
#   lifeboat recover mount; the hand-typed losetup/dmsetup/mount sequence;
#   starting dockerd and `docker cp`. Goals: lifeboat no slower than by hand
#   (ratio <= 1.10, allowing noise), and >= 10x faster than dockerd.
set -uo pipefail
fixture=$1
R=/var/lib/docker
now() { date +%s.%N; }
tar --sparse -C $R -xf "$fixture/docker-root.tar"
mkdir -p /etc/docker && cp "$fixture/daemon.json" /etc/docker/daemon.json
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
sync && echo 3 >/proc/sys/vm/drop_caches

# 1. lifeboat
t0=$(now)
root=$("$TOP/lifeboat" recover mount web | tail -n 1) && cat "$root/etc/motd" >/dev/null || exit 1
t1=$(now)
"$TOP/lifeboat" recover umount --all || exit 1
lifeboat_s=$(echo "$t1 - $t0" | bc -l)
sync && echo 3 >/proc/sys/vm/drop_caches

# 2. by hand, what an operator types from Docker's JSON files
t0=$(now)
hash=$(cat $R/image/devicemapper/layerdb/mounts/$(grep -l '"Name":"/web"' $R/containers/*/config.v2.json | xargs dirname | xargs basename)/mount-id)
devid=$(jq .device_id $R/devicemapper/metadata/$hash)
size=$(jq .size $R/devicemapper/metadata/$hash)
meta=$(losetup -f --show -r $R/devicemapper/devicemapper/metadata)
data=$(losetup -f --show -r $R/devicemapper/devicemapper/data)
dmsetup create bench-pool --table "0 $(blockdev --getsz $data) thin-pool $meta $data 128 32768 1 read_only"
dmsetup create bench-thin --readonly --table "0 $((size / 512)) thin /dev/mapper/bench-pool $devid"
mkdir -p /mnt/bench && mount -o ro,norecovery,nouuid /dev/mapper/bench-thin /mnt/bench
cat /mnt/bench/rootfs/etc/motd >/dev/null || exit 1
t1=$(now)
umount /mnt/bench && dmsetup remove bench-thin && dmsetup remove bench-pool && losetup -d $meta $data
hand_s=$(echo "$t1 - $t0" | bc -l)
sync && echo 3 >/proc/sys/vm/drop_caches

# 3. dockerd + docker cp (writes to the state: last)
t0=$(now)
DOCKER_RAMDISK=true dockerd --data-root $R -H unix:///run/bench-docker.sock >/tmp/bench-dockerd.log 2>&1 &
pid=$!
for _ in $(seq 1 600); do
	/usr/bin/docker -H unix:///run/bench-docker.sock cp web:/etc/motd - >/dev/null 2>&1 && break
	sleep 0.2
done
t1=$(now)
kill $pid; wait $pid 2>/dev/null
docker_s=$(echo "$t1 - $t0" | bc -l)

r_hand=$(echo "$lifeboat_s / $hand_s" | bc -l)
r_docker=$(echo "$docker_s / $lifeboat_s" | bc -l)
printf 'bench mount: lifeboat %.2fs, by hand %.2fs, dockerd+docker cp %.2fs\n' "$lifeboat_s" "$hand_s" "$docker_s"
ok=0
if [ "$(echo "$r_hand <= 1.10" | bc -l)" = 1 ]; then m=MET; else m=MISSED; ok=1; fi
printf '  lifeboat / by hand = %.2f (goal <= 1.10): %s\n' "$r_hand" "$m"
if [ "$(echo "$r_docker >= 10" | bc -l)" = 1 ]; then m=MET; else m=MISSED; ok=1; fi
printf '  dockerd / lifeboat = %.1fx (goal >= 10x): %s\n' "$r_docker" "$m"
exit $ok
