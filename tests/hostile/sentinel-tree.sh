# A sentinel tree outside the data root, for the hostile tests (sourced):
# files, a directory, a symlink and a FIFO with known bytes, modes and times,
# so "nothing outside was touched" is a byte-for-byte comparison.
#   sentinel_make DIR     builds it (DIR must not exist)
#   sentinel_print DIR    its fingerprint: every entry's type, mode, size,
#                         mtime and link target, and every file's sha256
#   sentinel_same DIR FILE  the fingerprint still equals FILE; says what differs

sentinel_make() { # DIR
	mkdir -p "$1/etc" "$1/data" &&
		printf 'root:$6$sentinel:19000:0:99999:7:::\n' >"$1/etc/shadow" &&
		printf 'precious\n' >"$1/data/precious" &&
		head -c 70000 /dev/urandom >"$1/data/random.bin" &&
		ln -s ../etc/shadow "$1/data/link-to-shadow" &&
		mkfifo "$1/data/fifo" &&
		mkdir "$1/empty" &&
		chmod 0600 "$1/etc/shadow" &&
		touch -d '2020-01-02 03:04:05' "$1/etc/shadow" "$1/data/precious" "$1/empty"
}

sentinel_print() { # DIR
	(cd "$1" && find . -printf '%p %y %m %s %T@ %l\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

sentinel_same() { # DIR FILE
	sentinel_print "$1" >"$2.now" && cmp -s "$2" "$2.now" && return 0
	echo "the sentinel tree $1 changed:"
	diff -u "$2" "$2.now" | head -n 20
	return 1
}
