# Shared settings for the VM test world (sourced).
LB_CACHE=${LIFEBOAT_TEST_CACHE:-/var/cache/lifeboat-tests}
LB_VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LB_TOP=$(cd "$LB_VM_DIR/../.." && pwd)
# Modules the guest loads, in this order after their dependencies. The crc32c
# providers come before libcrc32c (xfs, dm-persistent-data), which otherwise
# fails to find a crc32c implementation without a usable modprobe.
LB_VM_MODULES="crc32c_generic crc32c-intel libcrc32c virtio_pci virtio_blk 9pnet_virtio 9p overlay
	loop dm-mod dm-bufio dm-persistent-data dm-bio-prison dm-thin-pool dm-snapshot xfs ext4"

lb_vm_die() {
	echo "lifeboat vm: $*" >&2
	exit 1
}
