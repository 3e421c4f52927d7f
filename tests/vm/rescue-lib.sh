# Shared by the recover mount scripts in tests/vm/ (source after lib.sh, with
# R set to the data root): the guest, its device-mapper and the witnesses.
test_require "running inside the test VM (tests/vm/boot)" '[ -n "${LB_IN_VM:-}" ]'
test_require "device-mapper in the guest kernel" '[ -e /dev/mapper/control ]'
test_require "dmsetup and losetup as witnesses" 'command -v dmsetup && command -v losetup'

# Nothing lifeboat creates is left: no dm device with its uuid, no loop device
# over the pool's files or a copy-on-write file, no mount or cow file under
# /run/lifeboat. Says what was left otherwise.
no_lifeboat_devices() {
	! dmsetup info -c --noheadings -o uuid 2>/dev/null | grep -q LIFEBOAT- &&
	! losetup -l -n -O BACK-FILE | grep -q -e "$R/devicemapper" -e "/run/lifeboat/" &&
	! grep -q " /run/lifeboat/" /proc/self/mounts &&
	! ls /run/lifeboat/cow/* 2>/dev/null || {
		echo "left behind:"; dmsetup info -c; losetup -l; grep lifeboat /proc/self/mounts
		ls -l /run/lifeboat/cow 2>/dev/null; false; }
}
