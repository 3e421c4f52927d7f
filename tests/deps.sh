#!/usr/bin/env bash
# Installs what building and testing lifeboat needs on Debian 12, as root.
# Quick when everything is there already (one dpkg-query).
set -euo pipefail
pkgs=(
	# build
	build-essential pkg-config clang libclang-rt-14-dev
	libdevmapper-dev libblkid-dev libzstd-dev libcurl4-openssl-dev libarchive-dev
	libjansson-dev libssl-dev libsmartcols-dev libcmocka-dev zlib1g-dev
	# the VM test world: QEMU, a busybox initramfs, kernel tools
	qemu-system-x86 busybox-static cpio kmod file
	# witnesses and generators inside the VM
	docker.io dmsetup thin-provisioning-tools xfsprogs e2fsprogs util-linux zstd jq bc
	# registry tests
	docker-registry skopeo apache2-utils openssl curl python3
	# monitoring: the Prometheus project's own parser reads our textfile
	python3-prometheus-client
	# the Engine API's second implementation (tests/host/t1980): podman's
	# service; runc because crun 1.8 refuses hybrid cgroup hosts
	podman runc crun conmon catatonit
	# layer tars: tar-split (the real disasm/asm Docker's library ships as), bsdtar
	tar-split libarchive-tools
	# packaging: make man, make deb, the completion and man page tests
	dpkg-dev debhelper fakeroot lintian man-db groff-base bash-completion
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "lifeboat deps: missing packages: ${missing[*]}; run as root (apt-get install)" >&2
	exit 1
fi
echo "lifeboat deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
