#!/usr/bin/env bash
# Builds the guest's initramfs: busybox-static, the init script, and the
# kernel modules of $LB_VM_MODULES with their dependencies, ordered so that
# every module follows what it needs. Prints the initramfs path.
# Usage: mkinitramfs.sh KERNEL_DIR
set -euo pipefail
. "$(dirname "$0")/common.sh"
kdir=$1
ver=$(cat "$kdir/version")
busybox=/bin/busybox
[ -x "$busybox" ] && file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	{ [ -x /usr/bin/busybox ] && busybox=/usr/bin/busybox; }
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	lb_vm_die "a static busybox is missing (Debian package busybox-static)"
command -v cpio >/dev/null || lb_vm_die "cpio is missing (Debian package cpio)"

# The image depends on the init script, this builder and the module list.
stamp=$(cat "$LB_VM_DIR/init" "$0" "$LB_VM_DIR/common.sh" | sha256sum | cut -c1-16)
out=$kdir/initramfs-$stamp.cpio.gz
if [ -f "$out" ]; then
	echo "$out"
	exit 0
fi

moddir=$kdir/root/lib/modules/$ver
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,dev,proc,sys,newroot,rw,host,lib/modules}
cp "$busybox" "$work/bin/busybox"
cp "$LB_VM_DIR/init" "$work/init"
chmod 755 "$work/init"

# Depth-first over modules.dep: dependencies first, each module once.
declare -A seen=()
order=()
add_module() { # path relative to $moddir
	local rel=$1 dep
	[ -n "${seen[$rel]:-}" ] && return
	seen[$rel]=1
	for dep in $(awk -v m="$rel:" '$1 == m { $1 = ""; print }' "$moddir/modules.dep"); do
		add_module "$dep"
	done
	order+=("$rel")
}
for name in $LB_VM_MODULES; do
	rel=$(awk -v a="/$name.ko:" -v b="/${name//-/_}.ko:" '
		{ k = $1; if (index(k, a) || index(k, b)) { sub(":$", "", k); print k; exit } }' "$moddir/modules.dep")
	[ -n "$rel" ] || lb_vm_die "kernel $ver has no module $name"
	add_module "$rel"
done
: >"$work/modules.order"
for rel in "${order[@]}"; do
	cp "$moddir/$rel" "$work/lib/modules/$(basename "$rel")"
	basename "$rel" >>"$work/modules.order"
done
echo "$ver" >"$work/kernel.version"
(cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
