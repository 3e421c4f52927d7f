#!/usr/bin/env bash
# `lifeboat --version` names the build and what it runs with: the version
# from VERSION, the tree's git revision, and each linked library's version
# as the library itself reports it, which must be the upstream version of
# the Debian package that owns the very .so file the binary loads (ldd,
# dpkg -S, dpkg-query: none of it lifeboat's own).
. "$(dirname "$0")/../lib.sh"
test_require "ldd, dpkg-query and git" 'command -v ldd && command -v dpkg-query && command -v git'

test_expect_success "lifeboat --version: VERSION, then the revision git describes for this tree" '
	make -s -C "$TOP" lifeboat >/dev/null &&
	"$LIFEBOAT" --version >v &&
	expect_eq "lifeboat $(cat "$TOP/VERSION")" "$(sed -n 1p v)" "first line" &&
	expect_eq "revision: $(git -C "$TOP" describe --always --dirty)" "$(sed -n 2p v)" "second line"
'

# "name soname-pattern": how --version names a library, and its file.
LIBS="libdevmapper libdevmapper.so
libblkid libblkid.so
libsmartcols libsmartcols.so
zstd libzstd.so
libcurl libcurl.so
libarchive libarchive.so
jansson libjansson.so
OpenSSL libcrypto.so
zlib libz.so"

# Debian's version without epoch, revision, and repack suffix (+dfsg, ~, .dfsg).
upstream() { sed -E 's/^[0-9]+://; s/-[^-]*$//; s/[+~].*//; s/\.dfsg.*//'; }

test_expect_success "each linked library is named with the upstream version of the package owning the loaded .so" '
	"$LIFEBOAT" --version >v && ldd "$LIFEBOAT" >ldd.out &&
	printf "%s\n" "$LIBS" | while read -r name so; do
		path=$(awk -v so="$so" "index(\$1, so) == 1 { print \$3; exit }" ldd.out)
		[ -n "$path" ] || { echo "$so is not linked (ldd)"; exit 1; }
		pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | sed -n "1s/:.*//p")
		[ -n "$pkg" ] || pkg=$(dpkg -S "$path" | sed -n "1s/:.*//p")
		want=$(dpkg-query -W -f "\${Version}" "$pkg" | upstream)
		got=$(awk -v n="$name" "\$1 == n { print \$2; exit }" v)
		echo "$name: $path ($pkg) package $want, lifeboat says $got"
		expect_eq "$want" "$got" "$name'"'"'s version" || exit 1
	done
'

test_expect_success "the revision is REVISION when there is one (make deb's export), else unknown outside git" '
	mkdir -p tree/lib tree/recover tree/snapshot tree/migrate tree/tests/unit && cp "$TOP/Makefile" "$TOP/VERSION" tree/ && echo 1234abc >tree/REVISION &&
	make -s -C tree build/gen/buildinfo.h &&
	grep -qx "#define LB_BUILD_REVISION \"1234abc\"" tree/build/gen/buildinfo.h &&
	rm tree/REVISION && make -s -C tree build/gen/buildinfo.h &&
	grep -qx "#define LB_BUILD_REVISION \"unknown\"" tree/build/gen/buildinfo.h ||
	{ cat tree/build/gen/buildinfo.h; exit 1; }
'

test_done
