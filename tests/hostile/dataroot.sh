# Builders of hostile Docker data roots, sourced by the tests/host and
# tests/vm hostile scripts. Each takes a data root already copied from a
# generated fixture (hostile_fresh) and plants one thing a damaged or
# tenant-shaped tree may hold. Nothing here runs lifeboat.

# A fresh copy of the pristine data root at $2 (sparse files kept).
hostile_fresh() { # PRISTINE ROOT
	rm -rf "$2" && cp -a --sparse=always "$1" "$2"
}

# A tree outside the data root that hostile paths point into: files named
# like the host's, a directory that looks like Docker's metadata directory
# (with an empty device file doctor would offer to remove), and a disk image.
sentinel_make() { # DIR PRISTINE
	mkdir -p "$1/etc" "$1/metadata" &&
	echo "root:*:19000:0:99999:7:::" >"$1/etc/shadow" &&
	echo "precious" >"$1/victim" &&
	cp "$2"/devicemapper/metadata/* "$1/metadata/" &&
	: >"$1/metadata/$(printf %064d 1)" &&
	head -c 1M /dev/urandom >"$1/disk.img"
}

# Everything about the sentinel tree that a stray write, unlink or mount
# would change: every name with its type, and every file's bytes.
sentinel_sum() { # DIR
	(cd "$1" && find . -printf '%y %p\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

# Mounts that a hostile name could have made: on /etc, or anywhere under
# the test's directory or /run/lifeboat.
mounts_of_interest() { # TMPDIR
	awk -v t="$1" '$2 == "/etc" || index($2, t) == 1 || index($2, "/run/lifeboat") == 1' /proc/self/mounts
}

# The container directory of a fixture container, by Docker name.
hostile_container_id() { # FIXTURE_DIR NAME
	awk -v n="$2" '$1 == n { print $2 }' "$1/containers.txt"
}

# Sets config.v2.json's Name to a JSON string literal (so "\u001b" works).
hostile_set_name() { # ROOT ID NAME_JSON
	local f=$1/containers/$2/config.v2.json
	jq -c --argjson n "$3" '.Name = $n' "$f" >"$f.new" && mv "$f.new" "$f"
}

# A daemon.json with the devicemapper driver and the given storage options.
hostile_daemon_json() { # FILE OPT...
	local file=$1
	shift
	jq -n '{"storage-driver": "devicemapper", "storage-opts": $ARGS.positional}' --args "$@" >"$file"
}

# Replaces a file of the data root with a FIFO: reading it would block.
hostile_fifo() { # PATH
	rm -f "$1" && mkfifo "$1"
}

# devicemapper/metadata becomes a link to another directory.
hostile_link_metadata() { # ROOT TARGET_DIR
	rm -rf "$1/devicemapper/metadata" && ln -s "$2" "$1/devicemapper/metadata"
}

# A device file gets a 0xFF byte at the end of its name; prints the new name.
hostile_ff_device_file() { # ROOT HASH
	local new
	new=$(printf '%s\377' "$2")
	mv "$1/devicemapper/metadata/$2" "$1/devicemapper/metadata/$new"
}

# A loop-lvm pool file (data or metadata) becomes a link to TARGET.
hostile_link_pool_file() { # ROOT data|metadata TARGET
	rm -f "$1/devicemapper/devicemapper/$2" && ln -s "$3" "$1/devicemapper/devicemapper/$2"
}

# A loop-lvm pool file becomes a block device node (loop major, a minor no
# loop device uses): the disk a tenant would like lifeboat to write.
hostile_blockdev_pool_file() { # ROOT data|metadata
	rm -f "$1/devicemapper/devicemapper/$2" && mknod "$1/devicemapper/devicemapper/$2" b 7 250
}
