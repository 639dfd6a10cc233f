#!/bin/bash
# The man pages as man-db renders them: no warning from groff for any page; vnicsh(1) names
# every command of vnicsh's command table (as `vnicsh --help` lists it), with its synopsis, and
# documents the JSON of every command that takes --json; vnic-xml(5) names every element and
# attribute of the schemas.
set -u
vnicsh=$1 schemadir=$2
shift 2
pages=("$@")   # vnicsh.1 vnicd.8 vnic-xml.5

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

export MANWIDTH=80 LC_ALL=C.UTF-8
for page in "${pages[@]}"; do
    name=$(basename "$page")
    man --warnings -l "$page" >"$tmp/$name.txt" 2>"$tmp/$name.err" || fail "man -l $name failed"
    [ -s "$tmp/$name.err" ] && fail "man --warnings -l $name: $(head -5 "$tmp/$name.err")"
    grep -q '^NAME' "$tmp/$name.txt" || fail "$name has no NAME section"
    grep -q "vnic $("$vnicsh" --version | cut -d' ' -f2)" "$tmp/$name.txt" ||
        fail "$name does not carry vnic's version"
done
man1=$tmp/vnicsh.1.txt man5=$tmp/vnic-xml.5.txt
# groff justifies lines by widening the spaces between words: one space each for the greps
# of phrases.
tr -s ' ' <"$man1" >"$tmp/vnicsh.1.words"

# vnicsh(1): one subsection per command of the table, with its synopsis line.
"$vnicsh" --help | sed -n '/^Commands:/,/^$/p' | awk '/^  [a-z]/ { print $1 }' >"$tmp/commands"
[ "$(wc -l <"$tmp/commands")" -ge 20 ] || fail "vnicsh --help lists $(wc -l <"$tmp/commands") commands"
while read -r c; do
    grep -qx "   $c" "$man1" || fail "vnicsh(1) has no section for '$c'"
    grep -qE "^ vnicsh $c( |$)" "$tmp/vnicsh.1.words" || fail "vnicsh(1) has no synopsis of '$c'"
    # Each option of the command's --help is in the page.
    "$vnicsh" "$c" --help | grep -oE '^  +--[a-z-]+' | grep -v -- '--help' | while read -r opt; do
        sed -n "/^   $c\$/,/^   [a-z]/p" "$man1" | grep -q -- "$opt" ||
            echo "vnicsh(1) does not name $c's $opt"
    done >>"$tmp/missing-options"
    if "$vnicsh" "$c" --help | grep -q -- '--json'; then
        grep -q "$c --json" "$tmp/vnicsh.1.words" || fail "vnicsh(1) does not document $c's JSON"
    fi
done <"$tmp/commands"
[ -s "$tmp/missing-options" ] && fail "$(cat "$tmp/missing-options")"
# What the shell reads from the environment and where its history is.
for w in XDG_STATE_HOME INPUTRC; do
    sed -n '/^ENVIRONMENT/,/^FILES/p' "$man1" | grep -q "$w" || fail "vnicsh(1)'s ENVIRONMENT lacks $w"
done
sed -n '/^FILES/,/^EXAMPLES/p' "$man1" | grep -q "vnicsh_history" || fail "vnicsh(1)'s FILES lacks the history"
# The hidden option that makes the reference stays out of the help.
"$vnicsh" --help | grep -q -- '--help-rst' && fail "--help shows the hidden --help-rst"

# vnic-xml(5): every element and attribute name of the schemas.
for rng in interface domain policy; do
    grep -oE '<(element|attribute) name="[^"]+"' "$schemadir/$rng.rng" | sed 's/.*name="//; s/"$//'
done | sort -u >"$tmp/names"
[ "$(wc -l <"$tmp/names")" -ge 50 ] || fail "only $(wc -l <"$tmp/names") names in the schemas"
while read -r n; do
    grep -qE "(^|[^a-z_])$n([^a-z_]|$)" "$man5" || fail "vnic-xml(5) does not name '$n'"
done <"$tmp/names"
# What vnic reads of a domain beyond its interfaces (no schema of vnic's names them): the
# domain's own PCI controllers, which name the buses of the interfaces' addresses.
for w in "devices/controller" "@index" "@model" "alias/@name" "pcie-root-port" "pci-bridge"; do
    sed -n '/^DOMAIN/,/^INTERFACE/p' "$man5" | grep -qF -- "$w" ||
        fail "vnic-xml(5) does not describe the domain's <controller type='pci'> ('$w')"
done
grep -q 'http://vnic.dev/xmlns/1.0' "$man5" || fail "vnic-xml(5) does not give the vnic: namespace"
grep -q 'http://vnic.dev/xmlns/policy/1.0' "$man5" || fail "vnic-xml(5) does not give the policy namespace"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "ok: ${#pages[@]} pages, $(wc -l <"$tmp/commands") commands, $(wc -l <"$tmp/names") names"
