#!/usr/bin/env bash
# The demo's guest half (runs inside the VM; see tests/demo.sh).
set -euo pipefail
fixture=$1
LB="$TOP/lifeboat"
run() { printf '\n$ %s\n' "$*"; "$@"; }
tar --sparse -C /var/lib/docker -xf "$fixture/docker-root.tar"
mkdir -p /etc/docker && cp "$fixture/daemon.json" /etc/docker/daemon.json
echo "The host crashed: dockerd, containerd and the shims were killed -9 while the"
echo "container 'db' was writing, and the power went out. /var/lib/docker is as it was left."
if "$LB" recover ls --help >/dev/null 2>&1; then run "$LB" recover ls; fi
run "$LB" recover mount web
root=$("$LB" -q recover mount web | tail -n 1)
run cat "$root/etc/motd"
run ls -l "$root/data/www"
run "$LB" recover mount db
root=$("$LB" -q recover mount db | tail -n 1)
run ls -l "$root/data/db" || true
run wc -l "$root/data/db/journal" || true
echo "(db was killed mid-write: the files it synced are whole, but the last seconds of its"
echo " journal file are only in the xfs log, which a read-only mount does not replay.)"
echo
echo "Replaying the log into a throwaway copy-on-write layer brings them back, and still"
echo "writes nothing to the pool:"
run "$LB" recover umount db
run "$LB" recover mount --replay-cow db
root=$("$LB" -q recover mount --replay-cow db | tail -n 1)
run wc -l "$root/data/db/journal"
run tail -n 2 "$root/data/db/journal"
run "$LB" -v recover umount --all
echo
echo "Moving a container off the dead host: 'changes' (its image pulled from a registry)"
echo "is committed with dockerd still dead, into an image 'docker load' takes anywhere:"
run "$LB" migrate commit changes --format docker-archive -o /tmp/changes.tar --tag rescued/changes:moved
run tar -tvf /tmp/changes.tar
echo "(Its base layers were rebuilt byte for byte from Docker's tar-split, each checked"
echo " against its diff id; 'lifeboat migrate push changes REGISTRY/REPO:TAG' sends it to"
echo " a registry instead, resumably: runbooks/migrate-dead-host.md.)"
echo
echo "Pool metadata and data were never written: the pool ran with read_only, over read-only loop devices."
echo
echo "Snapshots, for scheduled jobs beside a live dockerd (here dockerd is dead, so lifeboat"
echo "activates the pool for the command). This one writes to the pool: one new thin device"
echo "sharing every block with web's, and a record in /var/lib/docker/devicemapper/lifeboat/."
run "$LB" snapshot create --name web-demo web
run "$LB" snapshot ls
run "$LB" snapshot export web-demo -o /tmp/web-demo.lbx
run "$LB" snapshot verify /tmp/web-demo.lbx
run "$LB" snapshot import /tmp/web-demo.lbx -o /tmp/web-demo.img
echo "(A sparse image of the whole device, which 'mount -o loop' opens on any machine;"
echo " incrementals against an older snapshot carry only what changed:"
echo " runbooks/scheduled-snapshots.md.)"
root=$("$LB" -q recover mount --snapshot web-demo | tail -n 1)
run cat "$root/etc/motd"
run "$LB" recover umount --all
run "$LB" snapshot rm web-demo
