# Turns thin_delta's XML (0.9, without --verbose) into one line per block of
# the second device that differs from the first, in thinmeta-delta
# --per-block's form: "changed N" where the second device maps the block to
# another data block (<different>) or the first does not map it
# (<right_only>); "unmapped N" where only the first maps it (<left_only>).
# <same> gives nothing.
function attr(name,    m) {
	if (match($0, name "=\"[0-9]+\"")) {
		m = substr($0, RSTART + length(name) + 2, RLENGTH - length(name) - 3)
		return m + 0
	}
	return -1
}
/<(different|right_only|left_only) begin=/ {
	kind = ($0 ~ /<left_only/) ? "unmapped" : "changed"
	b = attr("begin"); n = attr("length")
	for (i = 0; i < n; i++) print kind, b + i
}
