#!/bin/bash
# Domain names the state store would hide: a name starting with '.' was accepted, left out of
# `list` and of link-group allocation, and `reconcile` then deleted its running devices as
# orphans. The parser and the store share one rule: such names are refused by define,
# create, start, destroy and undefine alike, and nothing is created.
. "$(dirname "$0")/common.sh"

write_domain .hidden 2 "$tmp/hidden.xml"

out=$(LC_ALL=C vsh define "$tmp/hidden.xml" 2>&1)
[ $? -eq 1 ] || fail "define .hidden: expected exit status 1"
echo "$out" | grep -q "hidden.xml:1: error: invalid domain name '.hidden': the name starts with '.'" ||
    fail "define .hidden: message: $out"

out=$(LC_ALL=C vsh create "$tmp/hidden.xml" 2>&1)
[ $? -eq 1 ] || fail "create .hidden: expected exit status 1"
echo "$out" | grep -q "invalid domain name '.hidden'" || fail "create .hidden: message: $out"
[ -z "$(marked_devices)" ] || fail "create .hidden left devices: $(marked_devices)"
[ -z "$(ls -A "$root/run/domains" 2>/dev/null)" ] || fail "create .hidden left a record"

# By name, through the store: refused as well (not "no such domain", not a crash).
for cmd in start destroy undefine; do
    for name in .hidden . .. '' 'a/b' "$(printf 'a\tb')" "$(printf 'x%.0s' $(seq 201))"; do
        out=$(LC_ALL=C vsh "$cmd" "$name" 2>&1)
        status=$?
        [ $status -eq 1 ] || fail "$cmd '$name': exit status $status, expected 1 ($out)"
    done
done

# A good name next to it still works, and reconcile keeps its devices.
write_domain visible 2 "$tmp/visible.xml"
vsh create "$tmp/visible.xml" >/dev/null || fail "create visible"
[ "$(marked_devices | wc -l)" -eq 2 ] || fail "visible: expected 2 devices"
vsh list | grep -q visible || fail "visible is not listed"
vsh reconcile >/dev/null 2>&1 || fail "reconcile"
[ "$(marked_devices | wc -l)" -eq 2 ] || fail "reconcile removed visible's devices"
vsh destroy visible >/dev/null || fail "destroy visible"

finish
