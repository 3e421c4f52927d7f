#!/usr/bin/env bash
# The Debian package: `make deb` builds lifeboat_<version>_<arch>.deb (once;
# a rerun with nothing changed reuses it), the version is one fact (VERSION,
# debian/changelog, the package, `lifeboat --version`), lintian finds no
# error, and dpkg installs it into a throwaway root: an overlayfs over / in a
# private mount namespace, so this host's / and its dpkg database are never
# written. In there, lifeboat runs, man finds and renders its pages, bash
# completion loads, the units are installed and not enabled, and a purge
# leaves nothing behind.
. "$(dirname "$0")/../lib.sh"
test_require "dpkg-buildpackage, debhelper (dh) and fakeroot" \
	'command -v dpkg-buildpackage && command -v dh && command -v fakeroot'
test_require "lintian" 'command -v lintian'
test_require "root, unshare and overlayfs (the throwaway root)" \
	'[ "$(id -u)" = 0 ] && command -v unshare && grep -qw overlay /proc/filesystems'

VERSION=$(cat "$TOP/VERSION")
DEB=$TOP/dist/out/lifeboat_${VERSION}_$(dpkg --print-architecture).deb

test_expect_success "make deb builds dist/out/lifeboat_<version>_<arch>.deb, and a second make deb reuses it" '
	make -s -C "$TOP" deb >build.log 2>&1 || { tail -n 30 build.log; exit 1; }
	[ -s "$DEB" ] && before=$(stat -c %Y "$DEB") &&
	make -s -C "$TOP" deb >again.log 2>&1 && expect_eq "$before" "$(stat -c %Y "$DEB")" "the reused .deb'"'"'s mtime"
'

test_expect_success "one version: VERSION, debian/changelog, the package and lifeboat --version agree" '
	expect_eq "$VERSION" "$(cd "$TOP" && dpkg-parsechangelog -S Version)" "debian/changelog" &&
	expect_eq "$VERSION" "$(dpkg-deb -f "$DEB" Version)" "the package" &&
	expect_eq "lifeboat $VERSION" "$("$LIFEBOAT" --version | head -n 1)" "lifeboat --version"
'

test_expect_success "lintian reports no error (warnings are listed)" '
	lintian --pedantic "$DEB" >lintian.out 2>&1; cat lintian.out
	! grep "^E:" lintian.out
'

test_expect_success "Depends comes from the shared libraries (shlibs), one per library lifeboat links" '
	dep=$(dpkg-deb -f "$DEB" Depends) && echo "$dep" &&
	for p in libdevmapper1.02.1 libblkid1 libzstd1 libcurl4 libarchive13 libjansson4 libssl3 libsmartcols1 zlib1g libc6; do
		echo "$dep" | grep -q "\(^\|, \)$p " || { echo "no $p in Depends"; exit 1; }
	done
'

# Runs "$@" (a shell script) as root in a chroot whose / is an overlay over
# this host's /, in a mount namespace of its own: what dpkg writes lands in
# $TMP_TEST/upper and vanishes with the namespace.
in_throwaway_root() { # SCRIPT
	local o=$TMP_TEST/ovl
	mkdir -p "$o/upper" "$o/work" "$o/root"
	unshare -m sh -euc '
		mount --make-rprivate /
		mount -t overlay overlay -o lowerdir=/,upperdir="$1/upper",workdir="$1/work" "$1/root"
		for d in proc sys dev; do mount --rbind /$d "$1/root/$d"; done
		mount -t tmpfs tmpfs "$1/root/run"
		cp "$2" "$1/root/tmp/lifeboat.deb"
		chroot "$1/root" /bin/sh -ec "$3"
	' sh "$o" "$DEB" "$1"
}

test_expect_success "the throwaway root works: a file written in it is not on this host" '
	in_throwaway_root "echo probe >/usr/share/lifeboat-overlay-probe && cat /usr/share/lifeboat-overlay-probe" >probe &&
	expect_eq probe "$(cat probe)" "inside" &&
	[ ! -e /usr/share/lifeboat-overlay-probe ] && [ -e "$TMP_TEST/ovl/upper/usr/share/lifeboat-overlay-probe" ]
'

test_expect_success "dpkg -i installs it (dependencies already here, no network), and lifeboat --version runs" '
	in_throwaway_root "
		DEBIAN_FRONTEND=noninteractive dpkg -i /tmp/lifeboat.deb
		dpkg-query -W -f '"'"'\${Status}\n'"'"' lifeboat
		/usr/bin/lifeboat --version
	" >out 2>&1; rc=$?; cat out
	[ $rc = 0 ] && grep -qx "install ok installed" out && grep -qx "lifeboat $VERSION" out &&
	grep -q "^  libdevmapper " out && ! grep -q "^revision: $" out
'

test_expect_success "in there man finds and renders lifeboat(8) and every verb page, with no groff warning" '
	in_throwaway_root "
		dpkg -i /tmp/lifeboat.deb >/dev/null
		man -w lifeboat
		man -w lifeboat-recover-mount
		LC_ALL=C.UTF-8 MANWIDTH=80 man lifeboat 2>/dev/null | head -n 8
		for p in \$(dpkg -L lifeboat | grep /man8/); do
			w=\$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l \$p 2>&1 >/dev/null)
			[ -z \"\$w\" ] || { echo \"\$p: \$w\"; exit 1; }
			echo page \$p
		done
	" >out 2>&1; rc=$?; cat out
	[ $rc = 0 ] && grep -qx "/usr/share/man/man8/lifeboat.8.gz" out &&
	grep -qx "/usr/share/man/man8/lifeboat-recover-mount.8.gz" out &&
	grep -q "lifeboat - rescue, snapshot and migrate containers" out &&
	[ "$(grep -c "^page " out)" -eq "$(ls "$TOP"/man/*.8 | wc -l)" ]
'

test_expect_success "in there bash-completion loads the completion on demand, and the runbooks are plain files" '
	in_throwaway_root "
		dpkg -i /tmp/lifeboat.deb >/dev/null
		ls /usr/share/bash-completion/completions/lifeboat
		bash --norc -c \". /usr/share/bash-completion/bash_completion; __load_completion lifeboat; complete -p lifeboat\"
		ls /usr/share/doc/lifeboat/runbooks/
	" >out 2>&1; rc=$?; cat out
	[ $rc = 0 ] && grep -qx "complete -F _lifeboat lifeboat" out &&
	for r in "$TOP"/runbooks/*.md; do grep -qx "${r##*/}" out || { echo "no ${r##*/}"; exit 1; }; done
'

test_expect_success "in there the units are installed and not enabled, and a purge leaves no file" '
	in_throwaway_root "
		dpkg -i /tmp/lifeboat.deb >/dev/null
		ls /lib/systemd/system/lifeboat-snapshot.service /lib/systemd/system/lifeboat-snapshot.timer
		systemctl --root=/ is-enabled lifeboat-snapshot.timer || true
		find /etc/systemd -name \"lifeboat*\" | sed \"s/^/enabled-link /\"
		grep ExecStart= /lib/systemd/system/lifeboat-snapshot.service
		dpkg --purge lifeboat >/dev/null
		for f in /usr/bin/lifeboat /usr/share/man/man8/lifeboat.8.gz /lib/systemd/system/lifeboat-snapshot.timer; do
			[ ! -e \$f ] || echo left \$f
		done
	" >out 2>&1; rc=$?; cat out
	[ $rc = 0 ] && grep -qx disabled out && ! grep -q "^enabled-link" out && ! grep -q "^left" out &&
	grep -qx "ExecStart=/usr/bin/lifeboat snapshot run --policy /etc/lifeboat/snapshot-policy.json" out
'

test_expect_success "this host was not touched: lifeboat is not installed here" '
	! dpkg-query -W lifeboat 2>/dev/null && [ ! -e /usr/bin/lifeboat ]
'

test_done
