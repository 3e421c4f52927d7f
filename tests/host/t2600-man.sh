#!/usr/bin/env bash
# The man pages: every verb of every group table has its page and its extras
# file, every page renders through man(1) without a groff warning, the pages
# are what the current binary's --help makes, and the help cannot drift from
# the code: every long option a verb's getopt table accepts is in its --help,
# and every one its --help lists is an OPTIONS entry of its page.
. "$(dirname "$0")/../lib.sh"
test_require "man and groff (man-db, groff-base)" 'command -v man && command -v groff'
test_require "python3 (tools/mkman)" 'command -v python3'

M=$TOP/man
# The tables, read here with sed rather than through tools/mkman.
table() { # HELP-TEXT HEADING
	printf '%s\n' "$1" | sed -n "/^$2:\$/,/^\$/{/^  [a-z]/s/^  \([a-z][a-z0-9-]*\).*/\1/p}"
}
GROUPS_LISTED=$(table "$("$LIFEBOAT" help)" Groups)
VERBS=() # "group verb"
for g in $GROUPS_LISTED; do
	for v in $(table "$("$LIFEBOAT" "$g" --help)" Verbs); do VERBS+=("$g $v"); done
done

test_expect_success "the tables list the three groups and at least the 18 verbs of today" '
	expect_eq "recover snapshot migrate" "$(echo $GROUPS_LISTED)" groups &&
	[ ${#VERBS[@]} -ge 18 ] || { echo "only ${#VERBS[@]} verbs: ${VERBS[*]}"; exit 1; }
'

# A table getopt would misread (a long name or short letter twice, its own
# or a global's) is refused when the verb starts: lib/cli/opts.c.
test_expect_success "every verb's option table is well-formed: its --help exits 0 and says nothing on stderr" '
	for gv in "${VERBS[@]}"; do
		set -- $gv
		"$LIFEBOAT" $1 $2 --help >/dev/null 2>err && [ ! -s err ] ||
			{ echo "lifeboat $1 $2 --help:"; cat err; exit 1; }
	done
'

test_expect_success "make man builds a page for lifeboat, each group and each verb, and names no missing extras" '
	make -s -C "$TOP" man >make.out 2>make.err; rc=$?; cat make.out make.err
	[ $rc = 0 ] && ! grep "mkman:" make.err &&
	[ -s "$M/lifeboat.8" ] &&
	for g in $GROUPS_LISTED; do [ -s "$M/lifeboat-$g.8" ] || { echo "no page lifeboat-$g.8"; exit 1; }; done &&
	for gv in "${VERBS[@]}"; do
		set -- $gv
		[ -s "$M/lifeboat-$1-$2.8" ] || { echo "no page lifeboat-$1-$2.8"; exit 1; }
	done
'

test_expect_success "every verb has its extras file with EXAMPLES and SEE ALSO naming a runbook" '
	bad=0
	for gv in "${VERBS[@]}"; do
		set -- $gv
		x=$M/extra/$1-$2.txt
		if [ ! -f "$x" ]; then
			echo "verb \"$1 $2\" has no man/extra/$1-$2.txt: add one with [EXAMPLES], [FILES] (if it uses any) and [SEE ALSO] (its runbook under /usr/share/doc/lifeboat/runbooks/); see tools/mkman"
			bad=1
		elif ! grep -qx "\[EXAMPLES\]" "$x" || ! grep -q "^/usr/share/doc/lifeboat/runbooks/[a-z-]*\.md" "$x"; then
			echo "$x: needs an [EXAMPLES] section and a runbook in [SEE ALSO]"
			bad=1
		fi
	done
	[ $bad = 0 ]
'

test_expect_success "the runbooks the pages name are ones make install ships" '
	grep -ho "/usr/share/doc/lifeboat/runbooks/[a-z-]*\.md" "$M"/extra/*.txt | sort -u |
		while read -r p; do [ -f "$TOP/runbooks/${p##*/}" ] || { echo "$p: no runbooks/${p##*/}"; exit 1; }; done
'

test_expect_success "every page renders with man -l and groff says nothing (no warning)" '
	n=0
	for p in "$M"/*.8; do
		w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$p" 2>&1 >/dev/null)
		[ -z "$w" ] || { echo "$p:"; echo "$w"; exit 1; }
		n=$((n + 1))
	done
	[ $n -eq $((1 + $(echo $GROUPS_LISTED | wc -w) + ${#VERBS[@]})) ] || { echo "$n pages, stale ones in man/?"; exit 1; }
'

test_expect_success "a verb page has every section: NAME, SYNOPSIS, DESCRIPTION, OPTIONS, EXIT STATUS, EXAMPLES, SEE ALSO" '
	for gv in "${VERBS[@]}"; do
		set -- $gv
		secs=$(sed -n "s/^\.SH //p" "$M/lifeboat-$1-$2.8" | tr -d \" | tr "\n" ,)
		case $secs in
		NAME,SYNOPSIS,DESCRIPTION,*EXIT\ STATUS,EXAMPLES,*SEE\ ALSO,) ;;
		*) echo "lifeboat-$1-$2.8 has sections $secs"; exit 1 ;;
		esac
	done &&
	LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$M/lifeboat-recover-mount.8" 2>/dev/null | col -b >mount.txt &&
	grep -q "^ *lifeboat recover mount \[options\] --snapshot NAME \[DIR\]" mount.txt &&
	grep -q "^ *4 *refused (deleted device" mount.txt &&
	grep -q "^ */run/lifeboat/sessions/" mount.txt &&
	grep -q "/usr/share/doc/lifeboat/runbooks/recover-container-files.md" mount.txt
'

test_expect_success "the pages are what the current binary makes: regenerated, they are byte-identical" '
	python3 "$TOP/tools/mkman" "$LIFEBOAT" "$M/extra" fresh 2>/dev/null &&
	(cd fresh && ls) >fresh.list && (cd "$M" && ls *.8) >built.list &&
	expect_file_same fresh.list built.list &&
	for p in fresh/*.8; do expect_file_same "$p" "$M/${p##*/}" || exit 1; done
'

# --long options of a help's Options: block (its entry lines only).
help_options() { # HELP-TEXT
	printf '%s\n' "$1" | sed -n "/^Options:\$/,/^\$/p" | grep -E "^ {1,8}-" |
		sed "s/^ *//; s/  .*//" | grep -oE -- "--[a-z][a-z0-9-]*" | sort -u
}
# --long options in a page's OPTIONS section (.TP tags, \- unescaped).
page_options() { # PAGE
	sed -n "/^\.SH OPTIONS/,/^\.SH /{/^\.TP/{n;p}}" "$1" | sed "s/\\\\-/-/g; s/\\\\f[BRI]//g" |
		grep -oE -- "--[a-z][a-z0-9-]*" | sort -u
}
# Long options in a verb's option table (lib/cli/opts.h rows,
# {ID, "name", LB_ARG_...}): its own rows, and those of the row macros it
# uses from its group's headers and lib/cli (LB_XFER_OPTS,
# LB_OPT_DAEMON_JSON_ROW, ...), followed through macros that use macros.
# Mentions of the global options name none (their rows live in lib/cli).
OPT_ROW='\{(\(?[A-Za-z0-9_]+\)?|'"'"'[A-Za-z0-9]'"'"'), *"[a-z][a-z0-9-]*", *LB_ARG_(NONE|REQUIRED|OPTIONAL)'
macro_body() { # GROUP NAME: the #define of NAME in the group's headers or lib/cli's
	sed -n "/^#define $2\b/,/[^\\]\$/p" "$TOP/$1"/*.h "$TOP"/lib/cli/*.h
}
getopt_options() { # GROUP VERB
	local text todo m body seen=" "
	text=$(cat "$TOP/$1/$2.c")
	todo=$(printf '%s\n' "$text" | grep -oE "\bLB_[A-Z0-9_]+\b" | sort -u)
	while [ -n "$todo" ]; do
		set -- "$1" "$2" $todo
		todo=
		for m in "${@:3}"; do
			case $seen in *" $m "*) continue ;; esac
			seen="$seen$m "
			body=$(macro_body "$1" "$m")
			[ -n "$body" ] || continue
			text="$text
$body"
			todo="$todo $(printf '%s\n' "$body" | grep -oE "\bLB_[A-Z0-9_]+\b" | sort -u)"
		done
	done
	printf '%s\n' "$text" | grep -oE "$OPT_ROW" | sed -E 's/^[^"]*"([a-z0-9-]*)".*/--\1/' | sort -u
}

test_expect_success "every long option of a verb's getopt table is in its --help (help has not drifted from the code)" '
	bad=0
	for gv in "${VERBS[@]}"; do
		set -- $gv
		[ -f "$TOP/$1/$2.c" ] || { echo "no $1/$2.c for verb \"$1 $2\""; bad=1; continue; }
		h=$("$LIFEBOAT" $1 $2 --help)
		opts=$(getopt_options $1 $2)
		[ -n "$opts" ] || ! printf "%s\n" "$h" | grep -q "^Options:" ||
			{ echo "$1 $2: --help has Options: but no getopt rows found in $1/$2.c"; bad=1; }
		for o in $opts; do
			printf "%s\n" "$h" | grep -qE -- "$o([^a-z0-9-]|\$)" ||
				{ echo "$1 $2: $o is in $1/$2.c but not in its --help"; bad=1; }
		done
	done
	[ $bad = 0 ]
'

test_expect_success "every --long option in a verb's Options: is an OPTIONS entry of its page, and no other" '
	bad=0
	for gv in "${VERBS[@]}"; do
		set -- $gv
		help_options "$("$LIFEBOAT" $1 $2 --help)" >want
		page_options "$M/lifeboat-$1-$2.8" >got
		cmp -s want got || { echo "lifeboat-$1-$2.8:"; diff want got; bad=1; }
	done
	[ $bad = 0 ]
'

test_expect_success "make install puts every page under PREFIX/share/man/man8, and man -w finds them there" '
	make -s -C "$TOP" install PREFIX="$TMP_TEST/p" >/dev/null &&
	(cd "$M" && ls *.8) >want && (cd "$TMP_TEST/p/share/man/man8" && ls) >got &&
	expect_file_same want got &&
	expect_eq "$TMP_TEST/p/share/man/man8/lifeboat-snapshot-run.8" \
		"$(MANPATH=$TMP_TEST/p/share/man man -w lifeboat-snapshot-run)" "man -w"
'

test_done
