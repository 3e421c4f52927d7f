# Helpers the bench scripts share; sourced.

# The best wall time of 3 runs of a command, in ms.
best_ms() { # command...
	local best=999999 t0 t1 d
	for _ in 1 2 3; do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		d=$(((t1 - t0) / 1000000))
		[ $d -lt $best ] && best=$d
	done
	echo $best
}
