#!/usr/bin/env bash
# Fetches a stock Debian kernel (never installed: apt-get download + dpkg -x)
# and prints the directory holding vmlinuz and lib/modules/<ver>/ with a
# fresh modules.dep. Cached under $LB_CACHE/kernel/<ver>/.
set -euo pipefail
. "$(dirname "$0")/common.sh"
command -v apt-get >/dev/null || lb_vm_die "apt-get is missing: the VM kernel comes from Debian's packages"
command -v depmod >/dev/null || lb_vm_die "depmod is missing (Debian package kmod)"

pkg=${LIFEBOAT_VM_KERNEL_PKG:-}
# Fast path: reuse the newest kernel already fetched, unless one is named.
if [ -z "$pkg" ]; then
	cached=$(ls -d "$LB_CACHE"/kernel/*/.complete 2>/dev/null | sort -V | tail -n 1 || true)
	[ -n "$cached" ] && { dirname "$cached"; exit 0; }
fi
if [ -z "$pkg" ]; then
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	if [ -z "$pkg" ]; then
		apt-get update -qq >&2 || true
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	fi
fi
[ -n "$pkg" ] || lb_vm_die "cannot find which linux-image package linux-image-amd64 depends on (apt-get update?)"
ver=${pkg#linux-image-}
dir=$LB_CACHE/kernel/$ver
if [ -f "$dir/.complete" ]; then
	echo "$dir"
	exit 0
fi
rm -rf "$dir"
mkdir -p "$dir/deb"
(cd "$dir/deb" && apt-get download "$pkg" >&2 2>/dev/null) || lb_vm_die "apt-get download $pkg failed"
dpkg -x "$dir"/deb/*.deb "$dir/root"
cp "$dir/root/boot/vmlinuz-$ver" "$dir/vmlinuz"
depmod -b "$dir/root" "$ver"
rm -rf "$dir/deb"
echo "$ver" >"$dir/version"
touch "$dir/.complete"
echo "$dir"
