# bash completion for lifeboat                              -*- shell-script -*-
#
# Everything offered is read from the binary's own help, so a new group,
# verb or option completes without an edit here: groups from `lifeboat help`,
# verbs from `lifeboat GROUP --help`, a verb's options (and which of them take
# a value, and what kind) from its Options: block, and its arguments from its
# Usage lines. Each help is asked once per shell and kept.
# Live values come from lifeboat itself, honouring --root and --daemon-json
# on the line: container names (recover ls), snapshot names (snapshot ls),
# pool names (recover ls, and dmsetup's thin pools for root).

declare -gA _lifeboat_help_cache

# REPLY=the help of "$@" (empty words: `lifeboat help`).
_lifeboat_help()
{
    local key="$_lifeboat_bin|$*"
    if [[ -z ${_lifeboat_help_cache[$key]+set} ]]; then
        if (($#)); then
            _lifeboat_help_cache[$key]=$("$_lifeboat_bin" "$@" --help 2>/dev/null)
        else
            _lifeboat_help_cache[$key]=$("$_lifeboat_bin" help 2>/dev/null)
        fi
    fi
    REPLY=${_lifeboat_help_cache[$key]}
}

# The names of a help's table ("Groups", "Verbs"): "  name   summary" rows.
_lifeboat_table()
{
    awk -v h="$2:" '$0 == h { on = 1; next } on && /^$/ { exit }
        on && /^  [a-z]/ { print $1 }' <<<"$1"
}

# "OPTION<TAB>METAVAR" for each option of a help's entry lines ("  -o, --output
# FILE   text"); METAVAR is empty for a flag.
_lifeboat_options()
{
    awk '
    /^ +-/ && match($0, /^ +/) && RLENGTH <= 8 {
        tag = $0; sub(/^ +/, "", tag); sub(/  .*/, "", tag)
        n = split(tag, piece, /, /)
        arg = ""
        for (i = n; i >= 1; i--) {
            p = piece[i]; opt = p; sub(/[ =\[].*/, "", opt)
            rest = substr(p, length(opt) + 1)
            if (rest ~ /^\[=/) a = ""                       # --zstd[=LEVEL]: optional
            else if (rest ~ /^[ =]/) { a = rest; sub(/^[ =]/, "", a); sub(/ .*/, "", a) }
            else if (opt ~ /^-[^-]/) a = arg                # "-o, --output FILE"
            else a = ""
            if (opt ~ /^--?[A-Za-z]/) print opt "\t" a
            arg = a
        }
    }' <<<"$1"
}

# The metavar of option $1 in the verb's or the global options ("" for a flag).
_lifeboat_meta()
{
    awk -F'\t' -v o="$1" '$1 == o { print $2; exit }' <<<"$optmap"$'\n'"$globals"
}

# The Nth (from 0) argument placeholder of the Usage lines that fit the
# options on the line ($3: " --device-id -o "): a line naming a required
# option the other lines do not ("--device-id N [DIR]") fits only when that
# option is given; else the lines that need none ("<container> [DIR]").
_lifeboat_usage_arg()
{
    awk -v want="$2" -v given="$3" '
    /^Usage: / { on = 1; sub(/^Usage: +/, "") }
    on && /^$/ { exit }
    on {
        line = $0; sub(/^ +/, "", line)
        if (line !~ /^lifeboat /) next
        do {    # innermost bracket or parenthesis groups of options first
            before = line
            gsub(/[[(](-|options)[^][()]*[])]/, "", line)
        } while (line != before)
        n++; text[n] = line; req[n] = " "
        m = split(line, w, / +/)
        for (i = 1; i <= m; i++) if (w[i] ~ /^--?[a-z]/) { req[n] = req[n] w[i] " "; seen[w[i]]++ }
    }
    END {
        for (l = 1; l <= n; l++) {
            own[l] = 0; fits[l] = 1
            m = split(req[l], w, / +/)
            for (i = 1; i <= m; i++) {
                if (w[i] == "" || seen[w[i]] == n) continue
                own[l]++
                if (index(given, " " w[i] " ") == 0) fits[l] = 0
            }
            if (fits[l] && own[l]) specific = 1
        }
        for (l = 1; l <= n; l++) {
            if (!fits[l] || (specific && !own[l])) continue
            line = text[l]
            gsub(/ --?[a-z][a-z-]*( [A-Z][A-Za-z|-]*)?/, "", line)
            m = split(line, w, / +/)
            k = 0
            for (i = 4; i <= m; i++) {
                if (w[i] == "") continue
                if (k == want || (i == m && w[i] ~ /\.\.\.\]?$/ && k < want)) { print w[i]; break }
                k++
            }
        }
    }' <<<"$1"
}

# Live values: containers, snapshots, pools of the data root on the line.
_lifeboat_live()
{
    local -a at=()
    [[ -n $_lifeboat_root ]] && at+=(--root "$_lifeboat_root")
    [[ -n $_lifeboat_daemon_json ]] && at+=(--daemon-json "$_lifeboat_daemon_json")
    case $1 in
    containers) # names follow the pool's table and its blank line
        "$_lifeboat_bin" recover ls -n -r -o NAME "${at[@]}" 2>/dev/null | sed '1,/^$/d' ;;
    snapshots)
        "$_lifeboat_bin" snapshot ls -n -r -o NAME "${at[@]}" 2>/dev/null ;;
    pools)
        "$_lifeboat_bin" recover ls -n -r "${at[@]}" 2>/dev/null | sed -n '1s/ .*//p'
        [[ $EUID == 0 ]] && command -v dmsetup >/dev/null &&
            dmsetup ls --target thin-pool 2>/dev/null | awk '$1 != "No" { print $1 }' ;;
    esac
}

# COMPREPLY for a value of KIND ("containers", "DIR", "gzip|zstd", ...).
_lifeboat_values()
{
    local kind=$1 cur=$2 words
    case $kind in
    containers | snapshots | pools) words=$(_lifeboat_live "$kind") ;;
    *DIR*)
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
        return ;;
    *FILE* | *PATH* | *IMAGE*)
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        return ;;
    *'|'*) words=${kind//|/ } ;;
    [a-z]*) words=$kind ;;
    *) return ;;
    esac
    mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
}

# What a placeholder asks for: "<container>" containers, "<snapshot>"
# snapshots, "status" itself, FILE files...
_lifeboat_kind_of()
{
    local p=${1//[][<>.]/} group=$2 opt=$3
    case $opt in
    --snapshot | --base) echo snapshots; return ;;
    --pool | --pool-dev) echo pools; return ;;
    esac
    case $p in
    *container*) echo containers ;;
    snapshot | SNAPSHOT) echo snapshots ;;
    name) [[ $group == snapshot ]] && echo snapshots ;;
    *) echo "$p" ;;
    esac
}

_lifeboat()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local _lifeboat_bin=${COMP_WORDS[0]} _lifeboat_root= _lifeboat_daemon_json=
    local REPLY group= verb= i w nargs=0 optmap= globals given=" "
    COMPREPLY=()
    [[ $_lifeboat_bin == */* ]] || _lifeboat_bin=$(type -P "$_lifeboat_bin") || return

    _lifeboat_help
    globals=$(_lifeboat_options "$REPLY")
    # Walk the words before the cursor: global options, group, verb, then the
    # verb's options (skipping their values) and arguments.
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        case $w in
        --root) _lifeboat_root=${COMP_WORDS[i + 1]} ;;
        --root=*) _lifeboat_root=${w#--root=} ;;
        --daemon-json) _lifeboat_daemon_json=${COMP_WORDS[i + 1]} ;;
        --daemon-json=*) _lifeboat_daemon_json=${w#--daemon-json=} ;;
        esac
        if [[ $w == -* ]]; then
            given+="${w%%=*} "
            [[ $w != *=* && -n $(_lifeboat_meta "$w") ]] && ((i++))
            continue
        fi
        if [[ -z $group ]]; then
            group=$w
        elif [[ -z $verb ]]; then
            verb=$w
            [[ $group == help ]] && continue
            _lifeboat_help "$group" "$verb"
            optmap=$(_lifeboat_options "$REPLY")
        else
            ((nargs++))
        fi
    done

    # A value for the option before the cursor.
    if [[ $prev == -* && -n $prev ]]; then
        local meta
        meta=$(_lifeboat_meta "$prev")
        if [[ -n $meta ]]; then
            _lifeboat_values "$(_lifeboat_kind_of "$meta" "$group" "$prev")" "$cur"
            return
        fi
    fi

    if [[ -z $group ]]; then
        if [[ $cur == -* ]]; then
            mapfile -t COMPREPLY < <(compgen -W "$(cut -f1 <<<"$globals")" -- "$cur")
        else
            mapfile -t COMPREPLY < <(compgen -W "$(_lifeboat_table "$REPLY" Groups) help" -- "$cur")
        fi
        return
    fi
    if [[ $group == help ]]; then
        [[ -z $verb ]] && mapfile -t COMPREPLY < <(compgen -W "$(_lifeboat_table "$REPLY" Groups)" -- "$cur")
        return
    fi
    if [[ -z $verb ]]; then
        _lifeboat_help "$group"
        mapfile -t COMPREPLY < <(compgen -W "$(_lifeboat_table "$REPLY" Verbs) help" -- "$cur")
        return
    fi
    if [[ $cur == -* ]]; then
        # The verb's own options, and the global ones every verb accepts.
        local all
        all=$( (cut -f1 <<<"$optmap"; cut -f1 <<<"$globals" | grep -vx -- '-V\|--version') | sort -u)
        mapfile -t COMPREPLY < <(compgen -W "$all" -- "$cur")
        return
    fi
    _lifeboat_help "$group" "$verb"
    local place kinds= k
    while read -r place; do
        k=$(_lifeboat_kind_of "$place" "$group" "")
        [[ -n $k && " $kinds " != *" $k "* ]] && kinds+=" $k"
    done < <(_lifeboat_usage_arg "$REPLY" "$nargs" "$given")
    local -a all=()
    for k in $kinds; do
        _lifeboat_values "$k" "$cur"
        all+=("${COMPREPLY[@]}")
    done
    COMPREPLY=("${all[@]}")
}
complete -F _lifeboat lifeboat
