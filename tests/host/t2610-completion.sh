#!/usr/bin/env bash
# bash completion, driven the way bash drives it: bash-completion's framework
# and dist/completion/lifeboat.bash sourced in a clean `bash --norc`, COMP_*
# set for a command line, the function called, COMPREPLY checked. Groups,
# verbs and options come from the binary's help (a verb the binary grows is
# offered with no edit to the script); container names come from the
# crashed fixture's data root named by --root, checked against what dockerd
# recorded.
. "$(dirname "$0")/../lib.sh"
BC=/usr/share/bash-completion/bash_completion
test_require "bash-completion ($BC)" "[ -f $BC ]"
test_require "the fixtures (tests/fixtures/ensure)" '"$TOP/tests/fixtures/ensure" xfs'
SCRIPT=$TOP/dist/completion/lifeboat.bash

# Prints COMPREPLY for LINE (completed at its end), one per line, sorted.
comp() { # LINE [BINARY]
	local bin=${2:-$LIFEBOAT}
	bash --norc -c '
		source "$1" && source "$2" || exit 1
		COMP_LINE=$3 COMP_POINT=${#3}
		read -ra COMP_WORDS <<<"$COMP_LINE"
		[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_WORDS[0]=$4
		_lifeboat
		printf "%s\n" "${COMPREPLY[@]}"
	' comp "$BC" "$SCRIPT" "$1" "$bin" | sed '/^$/d' | LC_ALL=C sort
}
expect_comp() { # LINE EXPECTED (space-separated, sorted)
	local got
	got=$(comp "$1" | tr '\n' ' ' | sed 's/ $//')
	expect_eq "$2" "$got" "completion of '$1'"
}

R=$TMP_TEST/root
test_expect_success "the crashed xfs state extracts" 'fixture_extract xfs "$R"'
FX=$("$TOP/tests/fixtures/ensure" xfs)

test_expect_success "lifeboat re<TAB> is recover; lifeboat <TAB> is every group and help" '
	expect_comp "lifeboat re" recover &&
	expect_comp "lifeboat " "help migrate recover snapshot"
'

test_expect_success "lifeboat recover mo<TAB> is mount; snapshot r<TAB> is rm, rollback, run" '
	expect_comp "lifeboat recover mo" mount &&
	expect_comp "lifeboat snapshot r" "rm rollback run"
'

test_expect_success "lifeboat recover mount --ro<TAB> is --root" '
	expect_comp "lifeboat recover mount --ro" --root
'

test_expect_success "lifeboat recover mount --root DIR <TAB> is the names dockerd recorded for that data root" '
	awk "{ print \$1 }" "$FX/devices.txt" | LC_ALL=C sort | tr "\n" " " | sed "s/ \$//" >want &&
	[ "$(wc -w <want)" -ge 5 ] &&
	expect_comp "lifeboat recover mount --root $R " "$(cat want)" &&
	expect_comp "lifeboat --root $R recover image w" web &&
	expect_comp "lifeboat snapshot create --root=$R d" db
'

test_expect_success "without a data root there are no names (nothing invented), and an option value is not a container" '
	expect_comp "lifeboat recover mount --root $TMP_TEST/nothing " "" &&
	expect_comp "lifeboat recover mount --root $R --pool-dev x --cow-dir $TMP_TEST/no" ""
'

test_expect_success "values: --format and --compress offer their choices, discard offers status and off" '
	expect_comp "lifeboat migrate commit --format " "docker-archive oci" &&
	expect_comp "lifeboat migrate push --compress " "gzip zstd" &&
	expect_comp "lifeboat recover discard " "off status"
'

# --long options of a verb's Options: block, read here with sed.
help_long() { "$LIFEBOAT" "$@" --help | sed -n "/^Options:\$/,/^\$/p" | grep -E "^ {1,8}-" |
	sed "s/^ *//; s/  .*//" | grep -oE -- "--[a-z][a-z0-9-]*" | LC_ALL=C sort -u; }
test_expect_success "every verb completes every --long option its --help lists" '
	n=0
	for g in recover snapshot migrate; do
		for v in $("$LIFEBOAT" $g --help | sed -n "/^Verbs:/,/^\$/s/^  \([a-z]*\) .*/\1/p"); do
			help_long $g $v >want
			n=$((n + $(wc -l <want)))
			comp "lifeboat $g $v --" >got
			missing=$(LC_ALL=C comm -23 want got)
			[ -z "$missing" ] || { echo "$g $v: not offered: $missing"; exit 1; }
		done
	done
	[ $n -gt 100 ] || { echo "only $n options read from the helps"; exit 1; }
'

test_expect_success "a verb the binary grows is offered with its options, no edit to the script" '
	cat >fake <<-EOF &&
	#!/bin/sh
	if [ "\$1 \$2 \$3" = "migrate restore --help" ]; then
	printf "Usage: lifeboat migrate restore [options] <container>\n\nOptions:\n  --target-pool NAME  the pool\n  --keep-going        go on\n"
	elif [ "\$1 \$2" = "migrate --help" ]; then
	"$LIFEBOAT" migrate --help | sed "s/^  pull .*/&\n  restore    put it back/"
	else exec "$LIFEBOAT" "\$@"; fi
	EOF
	chmod +x fake &&
	got=$(comp "lifeboat migrate " "$PWD/fake" | tr "\n" " ") &&
	{ echo "$got" | grep -qw restore || { echo "verbs offered: $got"; exit 1; }; } &&
	expect_eq "--target-pool" "$(comp "lifeboat migrate restore --tar" "$PWD/fake")" "the new verb'"'"'s option"
'

test_expect_success "make install puts it where bash-completion loads it from (PREFIX/share/bash-completion/completions/lifeboat)" '
	make -s -C "$TOP" install PREFIX="$TMP_TEST/p" >/dev/null &&
	cmp "$SCRIPT" "$TMP_TEST/p/share/bash-completion/completions/lifeboat" &&
	expect_eq /usr/share/bash-completion/completions \
		"$(pkg-config --variable=completionsdir bash-completion 2>/dev/null || echo /usr/share/bash-completion/completions)" completionsdir
'

test_done
