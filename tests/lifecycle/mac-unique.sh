#!/bin/bash
# A MAC address vnic generates is one that no other interface of the domain has: random ones
# collide now and then (a domain of 1024 interfaces about once in 30 starts), and a domain with
# one address twice could not be read back, nor destroyed. The random part is chosen through
# the fault hook VNIC_FAULT_RANDOM_MAC, so that the collisions happen on every run: at create,
# at define and at attach-interface.
source "$(dirname "$0")/common.sh"

macs_of() { # the interfaces' MACs in dumpxml's order, one line
    vsh dumpxml "$@" | python3 -c '
import sys, xml.etree.ElementTree as ET
print(*[m.get("address") for m in ET.parse(sys.stdin).getroot().iter("mac")])'
}

cat >"$tmp/mu.xml" <<'XML'
<domain><name>mu</name><devices>
<interface type='ethernet'><target dev='mu%d'/></interface>
<interface type='ethernet'><target dev='mu%d'/></interface>
<interface type='ethernet'><mac address='52:54:00:ab:cd:f0'/><target dev='mu%d'/></interface>
</devices></domain>
XML

# create: the second interface draws the first one's address, then the third one's.
VNIC_FAULT_RANDOM_MAC=abcdef,abcdef,abcdf0,abcdf1 vsh create "$tmp/mu.xml" >/dev/null ||
    fail "create with colliding random MACs"
got=$(macs_of mu)
[ "$got" = "52:54:00:ab:cd:ef 52:54:00:ab:cd:f1 52:54:00:ab:cd:f0" ] ||
    fail "create: generated MACs are '$got'"

# attach-interface: the new interface draws every address the domain has first.
echo "<interface type='ethernet'><target dev='mu%d'/></interface>" >"$tmp/hot.xml"
VNIC_FAULT_RANDOM_MAC=abcdef,abcdf0,abcdf1,abcdf2 vsh attach-interface mu "$tmp/hot.xml" \
    >/dev/null || fail "attach-interface with colliding random MACs"
got=$(macs_of mu)
[ "$got" = "52:54:00:ab:cd:ef 52:54:00:ab:cd:f1 52:54:00:ab:cd:f0 52:54:00:ab:cd:f2" ] ||
    fail "attach: MACs are '$got'"

# The record reads back: list and destroy work, and no device is left.
vsh list --all 2>&1 | grep -q 'mu' || fail "list does not show mu"
vsh destroy mu >/dev/null || fail "destroy of mu"
[ -z "$(marked_devices)" ] || fail "devices left: $(marked_devices | tr '\n' ' ')"

# define: the stored definition gets distinct addresses too, and starts.
sed 's/<name>mu</<name>md</' "$tmp/mu.xml" >"$tmp/md.xml"
VNIC_FAULT_RANDOM_MAC=123456,123456 vsh define "$tmp/md.xml" >/dev/null ||
    fail "define with colliding random MACs"
# The first interface draws 123456, the second draws it too and then a random one.
got=$(macs_of --inactive md)
set -- $got
[ $# -eq 3 ] && [ "$1" = 52:54:00:12:34:56 ] && [ "$3" = 52:54:00:ab:cd:f0 ] &&
    [ "$2" != "$1" ] && [ "$2" != "$3" ] || fail "define: stored MACs are '$got'"
vsh start md >/dev/null || fail "start of md"
vsh destroy md >/dev/null || fail "destroy of md"
vsh undefine md >/dev/null || fail "undefine of md"

[ "$failures" -eq 0 ] && echo "mac-unique: ok"
exit $((failures > 0))
