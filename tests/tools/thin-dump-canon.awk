# Turns thin_dump (or thin_restore input) XML into thinmeta-dump's canonical
# text form: the same superblock and device lines, and mappings joined into
# maximal ranges of consecutive virtual and data blocks with equal time, so
# two dumps compare equal whatever ranges the XML happened to use.
#   awk -f thin-dump-canon.awk pool.xml

function attr(name,    re) {
	re = " " name "=\"[^\"]*\""
	if (!match($0, re))
		return ""
	return substr($0, RSTART + length(name) + 3, RLENGTH - length(name) - 4)
}

# Adds len blocks at v -> d with time t, extending the pending range if it
# continues it.
function add(v, d, len, t) {
	if (plen > 0 && v == pv + plen && d == pd + plen && t == pt) {
		plen += len
		return
	}
	flush()
	pv = v; pd = d; plen = len; pt = t
}

function flush() {
	if (plen > 0)
		printf "range %.0f %.0f %.0f %s\n", pv, pd, plen, pt
	plen = 0
}

/<superblock / {
	printf "superblock time=%s transaction=%s flags=%s data_block_size=%s nr_data_blocks=%s\n",
		attr("time"), attr("transaction"), attr("flags"), attr("data_block_size"),
		attr("nr_data_blocks")
}
/<device / {
	flush()
	printf "device %s mapped_blocks=%s transaction=%s creation_time=%s snap_time=%s\n",
		attr("dev_id"), attr("mapped_blocks"), attr("transaction"), attr("creation_time"),
		attr("snap_time")
}
/<range_mapping / { add(attr("origin_begin") + 0, attr("data_begin") + 0, attr("length") + 0, attr("time")) }
/<single_mapping / { add(attr("origin_block") + 0, attr("data_block") + 0, 1, attr("time")) }
/<\/device>/ { flush() }
END { flush() }
