#!/usr/bin/env bash
# lib/layer/tarsplit rebuilds a layer's tar byte for byte from tar-split's
# record of it and the extracted files, for tars that GNU tar and bsdtar
# write in every format (long, UTF-8 and non-UTF-8 names, hard and symbolic
# links, empty files, a FIFO, a big mostly-empty file), recorded by the real
# tar-split binary (Debian package tar-split: the tool Docker's library
# ships as). The witnesses: the original tar (cmp, sha256) and tar-split's
# own asm. Anything that differs is exit 5 naming the file or the line.
# shellcheck disable=SC2016 # test bodies are single-quoted on purpose
. "$(dirname "$0")/../lib.sh"
test_require 'tar-split (Debian package tar-split; tests/deps.sh)' 'command -v tar-split'
test_require 'bsdtar (Debian package libarchive-tools; tests/deps.sh)' 'command -v bsdtar'
test_require 'GNU tar' 'tar --version | grep -q "GNU tar"'
test_require 'python3' 'command -v python3'
test_require 'tests/tools/tarsplit-rebuild builds (make tools)' 'make -s -C "$TOP" tools'
REBUILD=$TOP/build/tools/tarsplit-rebuild

# Each test works in a directory of its own (bodies share TMP_TEST).
fresh() { mkdir "$1" && cd "$1"; }

# A layer's worth of files. With "long": names USTAR cannot hold.
mk_tree() { # DIR [long]
	local d=$1
	mkdir -p "$d/etc" "$d/usr/share/doc" "$d/srv/empty-dir" &&
		printf 'hello\n' >"$d/etc/motd" &&
		printf 'web-1\n' >"$d/etc/hostname" &&
		: >"$d/etc/empty" &&
		# more than the rebuild's 128 KiB copy buffer, not a multiple of it
		head -c 300007 /dev/urandom >"$d/usr/share/doc/random.bin" &&
		ln "$d/etc/motd" "$d/etc/motd.hard" &&
		ln -s ../etc/motd "$d/srv/motd.link" &&
		mkfifo "$d/srv/fifo" &&
		printf '#!/bin/sh\n' >"$d/srv/run" && chmod 4755 "$d/srv/run" &&
		# 24 MiB, mostly a hole: stored whole (no --sparse)
		truncate -s 24M "$d/srv/big" &&
		printf 'start' | dd of="$d/srv/big" conv=notrunc status=none &&
		printf 'middle' | dd of="$d/srv/big" bs=1M seek=11 conv=notrunc status=none &&
		printf 'caf\xe9 latin-1\n' >"$d/srv/$(printf 'caf\xe9')" || return 1
	[ "${2:-}" = long ] || return 0
	local long
	long=$d/$(printf 'a%.0s' $(seq 90))/$(printf 'b%.0s' $(seq 90))
	mkdir -p "$long" &&
		printf 'deep\n' >"$long/$(printf 'c%.0s' $(seq 120)).txt" &&
		printf 'unicode\n' >"$d/srv/café-日本語-ファイル.txt" &&
		ln "$d/etc/motd" "$long/hard-with-a-long-name-$(printf 'd%.0s' $(seq 80))"
}

# Records TAR with tar-split, extracts it, rebuilds it; the result must be
# the tar itself and what tar-split's own asm makes of the same record.
check_rebuild() { # TAR
	local t=$1 d=${1%.tar} want
	tar-split disasm --no-stdout --output "$d.json.gz" "$t" 2>"$d.disasm.log" &&
		mkdir "$d.root" && tar -C "$d.root" -xpf "$t" &&
		want=sha256:$(sha256sum <"$t" | cut -d" " -f1) || return 1
	if ! "$REBUILD" "$d.json.gz" "$d.root" "$want" >"$d.out" 2>"$d.err"; then
		cat "$d.err"
		return 1
	fi
	cat "$d.err"
	expect_file_same "$t" "$d.out" &&
		expect_eq "$want" "$(cut -d" " -f1 "$d.err")" "digest the rebuild reports" &&
		tar-split asm --input "$d.json.gz" --path "$d.root" --output "$d.asm" 2>/dev/null &&
		expect_file_same "$d.asm" "$d.out"
}

for fmt in gnu oldgnu pax posix ustar; do
	test_expect_success "GNU tar --format=$fmt: the rebuilt tar is the tar, byte for byte" '
		fresh gnu-'$fmt' && long=long && case '$fmt' in ustar) long= ;; esac &&
		mk_tree src $long &&
		tar --format='$fmt' --sort=name -C src -cf '$fmt'.tar . &&
		check_rebuild '$fmt'.tar
	'
done

for fmt in pax ustar gnutar; do
	test_expect_success "bsdtar --format=$fmt: the rebuilt tar is the tar, byte for byte" '
		fresh bsd-'$fmt' && long=long && case '$fmt' in ustar) long= ;; esac &&
		mk_tree src $long &&
		# bsdtar stores holes as sparse entries unless told not to
		bsdtar --format='$fmt' --no-read-sparse -C src -cf bsd-'$fmt'.tar . &&
		check_rebuild bsd-'$fmt'.tar
	'
done

test_expect_success 'a non-UTF-8 name is recorded as name_raw and rebuilt' '
	fresh raw && mk_tree src &&
	tar --format=gnu --sort=name -C src -cf raw.tar . &&
	check_rebuild raw.tar &&
	zcat raw.json.gz | grep "\"name_raw\":\"$(printf "./srv/caf\xe9" | base64)\""
'

test_expect_success 'an empty archive and one of only empty members rebuild' '
	fresh empty && mkdir empty && tar -C empty -cf none.tar --files-from /dev/null &&
	check_rebuild none.tar &&
	mkdir -p zero/d && : >zero/a && : >zero/d/b &&
	tar -C zero -cf zero.tar . && check_rebuild zero.tar &&
	grep " files 0 file_bytes 0 " zero.err
'

# A GNU tar of the tree for the failure cases, recorded and extracted.
setup_layer() {
	mk_tree src long &&
		tar --format=pax --sort=name -C src -cf layer.tar . &&
		tar-split disasm --no-stdout --output ts.json.gz layer.tar 2>/dev/null &&
		mkdir root && tar -C root -xpf layer.tar &&
		diff_id=sha256:$(sha256sum <layer.tar | cut -d" " -f1) &&
		"$REBUILD" ts.json.gz root "$diff_id" >/dev/null
}

# Runs the rebuild expecting exit 5 and a message matching the ERE.
expect_refused() { # ERE TARSPLIT [DIFF-ID]
	local re=$1 rc
	shift
	"$REBUILD" "$1" root "${2:-$diff_id}" >out.tar 2>err
	rc=$?
	cat err
	expect_eq 5 "$rc" "exit code" && grep -E "$re" err >/dev/null ||
		{ say "expected a message matching: $re"; return 1; }
}

test_expect_success 'a file changed in place (same size) is exit 5 naming it and both CRCs' '
	fresh case-1 &&
	setup_layer &&
	printf "web-2\n" >root/etc/hostname &&
	expect_refused "^tarsplit-rebuild: ts.json.gz: tar-split: \./etc/hostname: CRC-64 mismatch \(expected [0-9a-f]{16}, got [0-9a-f]{16}; line [0-9]+\)$" ts.json.gz
'

test_expect_success 'a missing file is exit 5 naming it' '
	fresh case-2 &&
	setup_layer &&
	rm root/usr/share/doc/random.bin &&
	expect_refused "tar-split: \./usr/share/doc/random.bin: missing from the layer \(line [0-9]+\)" ts.json.gz
'

test_expect_success 'a shorter or longer file is exit 5 naming it' '
	fresh case-3 &&
	setup_layer &&
	truncate -s 300000 root/usr/share/doc/random.bin &&
	expect_refused "random.bin: shorter than recorded \(300000 of 300007 bytes" ts.json.gz &&
	rm -rf root && mkdir root && tar -C root -xpf layer.tar &&
	printf x >>root/usr/share/doc/random.bin &&
	expect_refused "random.bin: longer than the 300007 bytes recorded" ts.json.gz
'

test_expect_success 'a directory swapped for a symlink is not followed: exit 5' '
	fresh case-4 &&
	setup_layer &&
	mv root/usr root/usr.real && ln -s usr.real root/usr &&
	expect_refused "usr/share/doc/random.bin: cannot be read from the layer .*symbolic link" ts.json.gz
'

test_expect_success 'a wrong diff id is exit 5 naming both digests' '
	fresh case-5 &&
	setup_layer &&
	other=sha256:$(printf other | sha256sum | cut -d" " -f1) &&
	expect_refused "the rebuilt tar is $diff_id, not the layer.s diff id $other" ts.json.gz "$other"
'

test_expect_success 'a truncated tar-split.json.gz is exit 5 naming the line it stopped in' '
	fresh case-6 &&
	setup_layer &&
	head -c $(( $(stat -c %s ts.json.gz) / 2 )) ts.json.gz >half.json.gz &&
	expect_refused "tar-split line [0-9]+: gzip: truncated" half.json.gz
'

test_expect_success 'a garbled tar-split.json.gz is exit 5 naming the line' '
	fresh case-7 &&
	setup_layer &&
	cp ts.json.gz bad.json.gz &&
	python3 -c "
import sys
b = bytearray(open(sys.argv[1], \"rb\").read())
b[len(b) // 2] ^= 0x55
open(sys.argv[1], \"wb\").write(b)" bad.json.gz &&
	expect_refused "tar-split line [0-9]+: " bad.json.gz
'

test_expect_success 'edited lines inside a valid gzip are exit 5 naming the line' '
	fresh case-8 &&
	setup_layer &&
	zcat ts.json.gz | sed "3s/\"position\":2/\"position\":9/" | gzip >pos.json.gz &&
	expect_refused "tar-split line 3: position 9, expected 2" pos.json.gz &&
	zcat ts.json.gz | sed "5s/\"payload\":\"/\"payload\":\"%/" | gzip >b64.json.gz &&
	expect_refused "tar-split line 5: \"payload\" is not base64" b64.json.gz &&
	zcat ts.json.gz | sed "4s/\"name\":\"[^\"]*\"/\"name\":\"..\/..\/etc\/shadow\"/" | gzip >up.json.gz &&
	expect_refused "tar-split line 4: file name with a .\.\.. component" up.json.gz &&
	zcat ts.json.gz | sed "4s/\"name\":\"\.\//\"name\":\"\//" | gzip >abs.json.gz &&
	expect_refused "tar-split line 4: absolute file name" abs.json.gz &&
	zcat ts.json.gz | sed "6s/,\"position\"/,,\"position\"/" | gzip >json.json.gz &&
	expect_refused "tar-split line 6: not JSON" json.json.gz
'

test_expect_success 'a GNU --sparse member, which tar-split cannot rebuild either, is refused by the diff id' '
	fresh sparse && mkdir sp && truncate -s 3M sp/holes && printf data | dd of=sp/holes bs=1M seek=1 conv=notrunc status=none &&
	tar --sparse -C sp -cf sparse.tar . &&
	tar-split disasm --no-stdout --output sparse.json.gz sparse.tar 2>/dev/null &&
	mkdir root && tar -C root -xpf sparse.tar &&
	diff_id=sha256:$(sha256sum <sparse.tar | cut -d" " -f1) &&
	expect_refused "the rebuilt tar is sha256:[0-9a-f]{64}, not the layer.s diff id $diff_id" sparse.json.gz &&
	tar-split asm --input sparse.json.gz --path root --output asm.tar 2>/dev/null &&
	"$REBUILD" sparse.json.gz root >mine.tar &&
	expect_file_same asm.tar mine.tar
'

test_expect_success 'bsdtar sparse pax entries, which tar-split cannot rebuild either, are refused by the diff id' '
	fresh bsd-sparse && mkdir sp root &&
	truncate -s 3M sp/holes && printf data | dd of=sp/holes bs=1M seek=1 conv=notrunc status=none &&
	bsdtar --format=pax -C sp -cf sparse.tar . &&
	tar -tvf sparse.tar | grep holes &&
	test "$(stat -c %s sparse.tar)" -lt 1048576 &&
	tar-split disasm --no-stdout --output sparse.json.gz sparse.tar 2>/dev/null &&
	tar -C root -xpf sparse.tar &&
	diff_id=sha256:$(sha256sum <sparse.tar | cut -d" " -f1) &&
	expect_refused "not the layer.s diff id $diff_id" sparse.json.gz
'

# Peak RSS of the rebuild (KiB), by python3's getrusage of its child.
peak_rss_kib() { # TARSPLIT ROOT OUT
	python3 -c '
import resource, subprocess, sys
with open(sys.argv[3], "wb") as out:
    rc = subprocess.call(sys.argv[4:] + sys.argv[1:3], stdout=out)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)' "$1" "$2" "$3" "$REBUILD"
}

test_expect_success 'memory stays flat: a 1 KiB layer and a 512 MiB layer peak within 2 MiB' '
	fresh rss && mkdir small big &&
	printf "x%.0s" $(seq 1000) >small/f &&
	truncate -s 512M big/f && printf end | dd of=big/f bs=1M seek=511 conv=notrunc status=none &&
	tar -C small -cf small.tar . && tar -C big -cf big.tar . &&
	tar-split disasm --no-stdout --output small.json.gz small.tar 2>/dev/null &&
	tar-split disasm --no-stdout --output big.json.gz big.tar 2>/dev/null &&
	small_kib=$(peak_rss_kib small.json.gz small small.out) &&
	start=$(date +%s.%N) &&
	big_kib=$(peak_rss_kib big.json.gz big big.out) &&
	end=$(date +%s.%N) &&
	cmp big.tar big.out && rm -f big.out big.tar &&
	echo "peak RSS: small ${small_kib} KiB, 512 MiB layer ${big_kib} KiB; 512 MiB in $(echo "$end - $start" | bc) s" &&
	test $((big_kib - small_kib)) -lt 2048
'

# Any cached fixture will do (every one is a real Docker 20.10's layer store),
# so a fixture another checkout generated is not replaced; ensure makes one
# only when there is none.
cached_fixture_tar() {
	ls "${LIFEBOAT_TEST_CACHE:-/var/cache/lifeboat-tests}"/fixtures/*/.complete 2>/dev/null |
		sed "s|/.complete$|/docker-root.tar|" | head -n 1
}

test_expect_success 'Docker 20.10 tar-split.json.gz: every line parses, the content adds up to layerdb size' '
	fresh docker &&
	tar_file=$(cached_fixture_tar) &&
	if [ -z "$tar_file" ]; then tar_file=$("$TOP/tests/fixtures/ensure" ext4)/docker-root.tar || exit 1; fi &&
	echo "from $tar_file" &&
	tar -C . -xf "$tar_file" ./image/devicemapper/layerdb/sha256 &&
	n=0 &&
	for layer in image/devicemapper/layerdb/sha256/*; do
		[ -f "$layer/tar-split.json.gz" ] || continue
		n=$((n + 1))
		zcat "$layer/tar-split.json.gz" | "$REBUILD" --sizes >sizes || exit 1
		cat sizes
		read -r _ lines _ files _ file_bytes _ segment_bytes <sizes &&
		expect_eq "$(zcat "$layer/tar-split.json.gz" | wc -l)" "$lines" "lines of $layer" &&
		expect_eq "$(cat "$layer/size")" "$file_bytes" "content bytes of $layer (layerdb size)" &&
		expect_eq 0 $(( (file_bytes + segment_bytes) % 512 )) "tar length of $layer mod 512" || exit 1
	done &&
	test "$n" -gt 0
'

test_done
