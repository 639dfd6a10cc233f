#!/bin/bash
# Completion from the one command table: `vnicsh complete -- WORDS` directly, and the bash
# completion script sourced in bash (with bash-completion's helpers when they are installed,
# and without), COMPREPLY checked for commands, options, domains, aliases and file names.
# Usage: completion.sh VNICSH COMPLETION_SCRIPT
. "$(dirname "$0")/shell-lib.sh"
script=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")

# ---- vnicsh complete ----------------------------------------------------------------------

# complete WANT_STATUS WANT WORDS...: the candidates, one per line, joined by blanks.
complete_is() {
    local want_status=$1 want=$2; shift 2
    local got status
    got=$(inns "$vnicsh" complete -- "$@" 2>"$tmp/err" | tr '\n' ' ')
    status=${PIPESTATUS[0]}
    got=${got% }
    [ "$got" = "$want" ] || fail "complete -- $*: '$got', expected '$want'"
    # inns' status is vnicsh's.
    status=$(inns "$vnicsh" complete -- "$@" >/dev/null 2>&1; echo $?)
    [ "$status" = "$want_status" ] || fail "complete -- $*: status $status, expected $want_status"
    [ ! -s "$tmp/err" ] || fail "complete -- $*: stderr: $(cat "$tmp/err")"
}

c=(-c "$uri")
complete_is 0 "domif-getlink domif-setlink domiflist domifstat domiftune" domif
complete_is 0 "" comp # hidden
complete_is 0 "domif-getlink domif-setlink domiflist domifstat domiftune" help domif
complete_is 0 "" help list ""
complete_is 0 "" frobnicate ""
complete_is 0 "--connect --debug --help --keep-going --version" -
complete_is 0 "" -c ""    # a URI: nothing to offer
complete_is 0 "web1 web2" "${c[@]}" dumpxml ""
complete_is 0 "web2" "${c[@]}" dumpxml --inactive web2
complete_is 0 "web1 web2" --connect="$uri" start w
complete_is 0 "" "${c[@]}" destroy ""      # none is running
complete_is 0 "--help --inactive --libvirt" "${c[@]}" dumpxml --
complete_is 0 "--help" "${c[@]}" dumpxml --inactive --   # given already; --libvirt excludes it
complete_is 0 "--help" "${c[@]}" dumpxml --libvirt --   # and the other way round
complete_is 0 "--help --json --skip-unsupported" "${c[@]}" attach-interface --libvirt=qemu:///system --
complete_is 0 "--help --json --skip-unsupported" "${c[@]}" attach-interface --qmp /tmp/q.sock --
complete_is 0 "" "${c[@]}" dumpxml web1 ""                # one operand only
complete_is 0 "ua-back ua-front" "${c[@]}" domifstat web1 ""
complete_is 0 "ua-front" "${c[@]}" domiftune --json web1 ua-f
complete_is 0 "ua-back ua-front" "${c[@]}" detach-interface --timeout 5 web1 ""
complete_is 0 "down up" "${c[@]}" domif-setlink web1 ua-back ""
# web2's interfaces have no alias: their host device names.
complete_is 0 "shb%d shf%d" "${c[@]}" domif-getlink web2 ""
# File names: status 1, left to bash (with domains where either fits).
complete_is 1 "" "${c[@]}" define ""
complete_is 1 "" "${c[@]}" attach-interface web1 ""
complete_is 1 "" "${c[@]}" attach-interface --qmp ""
complete_is 1 "web1 web2" "${c[@]}" run ""
complete_is 1 "" "${c[@]}" run web1 -- qemu-system-x86_64 ""
complete_is 0 "--qemu --qmp" "${c[@]}" run --q
# Where a command wants a running domain, only those; start only the others (web2 runs here,
# its taps in the namespace).
inns "$vnicsh" -c "$uri" start web2 >/dev/null || fail "start web2"
complete_is 0 "web1" "${c[@]}" start ""
for cmd in destroy domiflist domifstat domif-setlink pass attach-interface detach-interface; do
    complete_is 0 "web2" "${c[@]}" $cmd ""
done
complete_is 0 "web1 web2" "${c[@]}" domiftune ""
complete_is 0 "web1 web2" "${c[@]}" undefine ""
inns "$vnicsh" -c "$uri" destroy web2 >/dev/null || fail "destroy web2"
complete_is 0 "" "${c[@]}" domifstat ""

# No connection: the table still answers; no domains, and nothing on stderr.
complete_is 0 "" -c "vnic:///system?socket=$tmp/none.sock" dumpxml ""
complete_is 0 "--help --inactive --libvirt" -c "vnic:///system?socket=$tmp/none.sock" dumpxml --
# Completion changes nothing: no reconcile pass, no state root made.
inns "$vnicsh" complete -- -c "vnic:///embed?root=$tmp/fresh" dumpxml "" >/dev/null
[ ! -e "$tmp/fresh/locks" ] || fail "completion made the state root's locks: $(ls -R "$tmp/fresh")"

# ---- the bash completion script --------------------------------------------------------------

# Run in bash: source the script (after bash-completion's helpers if $1 is "with"), then for
# each line on stdin set COMP_LINE, COMP_POINT, COMP_WORDS and COMP_CWORD as bash does
# (COMP_WORDBREAKS splits at ':' and '='), call the function and print COMPREPLY.
cat >"$tmp/driver.sh" <<'DRIVER'
[ "$1" = with ] && . /usr/share/bash-completion/bash_completion
. "$2"
vnicsh=$3
while IFS= read -r line; do
    line=${line//VNICSH/$vnicsh}
    COMP_LINE=$line
    COMP_POINT=${#line}
    # Words as readline splits them: blanks, and ':' and '=' as words of their own.
    read -r -a COMP_WORDS <<<"$(sed 's/[:=]/ & /g' <<<"$line")"
    [ "${line: -1}" = " " ] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _vnicsh vnicsh "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf '%s\n' "${COMPREPLY[*]}"
done
DRIVER

mkdir "$tmp/files" && touch "$tmp/files/dom.xml" "$tmp/files/web-notes"
for mode in with without; do
    if [ $mode = with ] && [ ! -f /usr/share/bash-completion/bash_completion ]; then
        echo "bash-completion is not installed: the script checked without its helpers"
        continue
    fi
    cat >"$tmp/lines" <<LINES
VNICSH dom
VNICSH domiflist --
VNICSH -c $uri dumpxml 
VNICSH --connect=$uri domifstat web1 
VNICSH -c $uri domif-setlink web1 ua-front 
VNICSH -c $uri define d
VNICSH -c $uri qemu-args we
VNICSH -
VNICSH -c '$uri' dumpxml 
VNICSH -c "$uri" domifstat 'web1' ua-
VNICSH -c $uri domifstat w\\eb1 ua-f
LINES
    (cd "$tmp/files" && inns bash "$tmp/driver.sh" $mode "$script" "$vnicsh" <"$tmp/lines") \
        >"$tmp/replies" 2>"$tmp/err"
    want=("domif-getlink domif-setlink domiflist domifstat domiftune"
        "--help --json --no-legend"
        "web1 web2"
        "ua-back ua-front"
        "down up"
        "dom.xml"
        "web1 web2 web-notes"
        "--connect --debug --help --keep-going --version"
        "web1 web2"
        "ua-back ua-front"
        "ua-front")
    mapfile -t got <"$tmp/replies"
    for i in "${!want[@]}"; do
        # The file names come after vnicsh's candidates, in bash's order.
        [ "${got[i]-}" = "${want[i]}" ] ||
            fail "$mode bash-completion: '$(sed -n "$((i + 1))p" "$tmp/lines")': COMPREPLY '${got[i]-}', expected '${want[i]}'"
    done
    [ ! -s "$tmp/err" ] || fail "$mode bash-completion: stderr: $(cat "$tmp/err")"
done

# A domain name with a blank and a quote comes back quoted for the line, so that it stays one
# word; inside a quote the user opened, bash closes it.
cat >"$tmp/odd.xml" <<'XML'
<domain type='kvm'><name>my vm's</name><devices><interface type='ethernet'/></devices></domain>
XML
inns "$vnicsh" -c "$uri" define "$tmp/odd.xml" >/dev/null || fail "define my vm's"
for mode in with without; do
    [ $mode = with ] && [ ! -f /usr/share/bash-completion/bash_completion ] && continue
    got=$(echo "VNICSH -c $uri dumpxml my" | inns bash "$tmp/driver.sh" $mode "$script" "$vnicsh" 2>&1)
    [ "$got" = "my\\ vm\\'s" ] || fail "$mode bash-completion: the name with a blank: COMPREPLY [$got], expected [my\\ vm\\'s]"
done
inns "$vnicsh" -c "$uri" undefine "my vm's" >/dev/null || fail "undefine my vm's"

# vnicsh typed as ~/PATH: bash leaves the tilde in the word; the script runs that vnicsh.
for mode in with without; do
    [ $mode = with ] && [ ! -f /usr/share/bash-completion/bash_completion ] && continue
    got=$(echo "~/$(basename "$vnicsh") dom" |
        HOME=$(dirname "$vnicsh") inns bash "$tmp/driver.sh" $mode "$script" "$vnicsh" 2>&1)
    [ "$got" = "domif-getlink domif-setlink domiflist domifstat domiftune" ] ||
        fail "$mode bash-completion: ~/vnicsh dom: COMPREPLY [$got]"
done

exit $((failures > 0))
