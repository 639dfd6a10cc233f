#!/bin/bash
# Marks are not trusted from records: a record that carries another store's mark, another
# domain's mark, or that is another domain's record under a different name, is refused as
# corrupt, and neither the quick pass on opening a connection, nor reconcile, nor destroy
# deletes the device it points at. Two stores share one namespace.
source "$(dirname "$0")/common.sh"

root2=$tmp/root2
t1() { timeout 30 ip netns exec "$ns" "$vnicsh" -c "vnic:///embed?root=$root" "$@"; }
t2() { timeout 30 ip netns exec "$ns" "$vnicsh" -c "vnic:///embed?root=$root2" "$@"; }

# Name and mark of each device of DOMAIN (in its record's order), "NAME MARK" per line.
devices_of() {
    ip -n "$ns" -d -j link show | python3 -c '
import json, re, sys
devs = {}
for l in json.load(sys.stdin):
    m = re.fullmatch(r"vnic[^:]*:" + re.escape(sys.argv[1]) + r"/(\d+)", l.get("ifalias", ""))
    if m:
        devs[int(m.group(1))] = (l["ifname"], l["ifalias"])
for i in sorted(devs):
    print(*devs[i])' "$1"
}

# craft RECORD OUT STATUS: RECORD with every interface pointing at one of victim's devices
# (name and mark), written to OUT.
craft() {
    python3 - "$1" "$2" "$3" "$tmp/victim.devs" <<'PY'
import sys, xml.etree.ElementTree as ET
rec, out, status, devs = sys.argv[1:]
victim = [l.split() for l in open(devs) if l.strip()]
tree = ET.parse(rec)
root = tree.getroot()
root.set("status", status)
for i, iface in enumerate(root.findall("iface")):
    name, mark = victim[i % len(victim)]
    iface.set("mark", mark)
    iface.set("intended", name)
    if iface.get("done") == "yes":
        iface.set("name", name)
tree.write(out)
PY
}

write_domain victim 2 "$tmp/victim.xml"
t1 create "$tmp/victim.xml" >/dev/null || fail "create victim"
devices_of victim >"$tmp/victim.devs"
[ "$(wc -l <"$tmp/victim.devs")" -eq 2 ] || fail "victim's devices: $(cat "$tmp/victim.devs")"

victim_intact() { # WHAT
    while read -r name mark; do
        got=$(ip -n "$ns" -d -j link show "$name" 2>/dev/null |
            python3 -c 'import json,sys; print(json.load(sys.stdin)[0].get("ifalias",""))' 2>/dev/null)
        [ "$got" = "$mark" ] || fail "$1: victim's device $name is gone (or lost its mark)"
    done <"$tmp/victim.devs"
}

# refused STORE-FN DOMAIN RECORD WHAT: every way in leaves the victim alone and names the record.
refused() {
    local vsh=$1 dom=$2 rec=$3 what=$4 out status
    $vsh list >/dev/null 2>&1 # the quick pass on opening
    victim_intact "$what: quick pass"
    out=$($vsh reconcile 2>&1); status=$?
    [ $status -eq 1 ] && echo "$out" | grep -qF "$rec" || fail "$what: reconcile ($status): $out"
    victim_intact "$what: reconcile"
    out=$($vsh destroy "$dom" 2>&1); status=$?
    [ $status -eq 1 ] && echo "$out" | grep -qF "$rec" && echo "$out" | grep -q "corrupt state record" ||
        fail "$what: destroy $dom ($status): $out"
    victim_intact "$what: destroy"
}

# 1. Another store's record carries this victim's marks (and names).
write_domain evil 2 "$tmp/evil.xml"
t2 create "$tmp/evil.xml" >/dev/null || fail "create evil in the second store"
rec=$root2/run/domains/evil.xml
craft "$rec" "$tmp/crafted.xml" starting && cp "$tmp/crafted.xml" "$rec"
refused t2 evil "$rec" "another store's mark"
rm -f "$rec"

# 2. In the same store, another domain's record carries the victim's marks.
write_domain evil2 2 "$tmp/evil2.xml"
t1 create "$tmp/evil2.xml" >/dev/null || fail "create evil2"
rec=$root/run/domains/evil2.xml
cp "$rec" "$tmp/evil2-record.xml"
craft "$tmp/evil2-record.xml" "$rec" stopping
refused t1 evil2 "$rec" "another domain's mark"
cp "$tmp/evil2-record.xml" "$rec"

# 3. The victim's own record under another domain's name.
rec=$root/run/domains/copy.xml
sed 's/status="active"/status="starting"/' "$root/run/domains/victim.xml" >"$rec"
refused t1 copy "$rec" "another domain's record"
grep -q "describes domain 'victim', not 'copy'" <(t1 list 2>&1) ||
    fail "the error does not say whose record it is: $(t1 list 2>&1)"
rm -f "$rec"

# Repaired: everything is removed as it should be, the second store's leftovers as orphans.
t1 destroy evil2 >/dev/null || fail "destroy evil2"
t2 reconcile >/dev/null 2>&1 || fail "reconcile of the second store"
victim_intact "after the repair"
t1 destroy victim >/dev/null || fail "destroy victim"
[ -z "$(marked_devices)" ] || fail "devices left: $(marked_devices)"
finish
