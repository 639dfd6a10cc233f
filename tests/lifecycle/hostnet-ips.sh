#!/bin/bash
# Host addresses and routes of ethernet interfaces (<source><ip/><route/></source>): made
# through netlink after the tap, IPv4 and IPv6, a point-to-point peer as IFA_ADDRESS, routes
# with and without a metric — the kernel (ip -j addr, ip -j route) as witness; gone with the
# device at destroy; and all or nothing: a route the kernel refuses (its gateway unreachable)
# fails the start or the attach and leaves no device, no address, no route and no record.
source "$(dirname "$0")/common.sh"
# In remote mode tests/daemon/lib.sh replaces fail() with one that finish() does not count.
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# kt_netns-style namespaces switch IPv6 off; these taps need it.
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
    net.ipv6.conf.default.disable_ipv6=0 || fail "enable IPv6 in $ns"

cat >"$tmp/ips.xml" <<'XML'
<domain>
  <name>hip</name>
  <devices>
    <interface type='ethernet'>
      <target dev='hip0'/>
      <source>
        <ip address='192.168.122.1' family='ipv4' prefix='24'/>
        <ip address='10.0.0.1' prefix='32' peer='10.0.0.2'/>
        <ip address='fd00:1::1' family='ipv6' prefix='64'/>
        <route family='ipv4' address='192.168.130.0' prefix='24' gateway='192.168.122.2'/>
        <route address='0.0.0.0' gateway='10.0.0.2' metric='7'/>
        <route family='ipv6' address='fd00:2::' prefix='48' gateway='fd00:1::2' metric='5'/>
      </source>
      <alias name='ua-hip'/>
    </interface>
  </devices>
</domain>
XML

# addrs DEV: "family local[/prefix][ peer ADDRESS]" per address of DEV, sorted, link-local
# addresses left out.
addrs() {
    ip -n "$ns" -j addr show dev "$1" | python3 -c '
import json, sys
for l in json.load(sys.stdin):
    for a in l["addr_info"]:
        if a.get("scope") == "link":
            continue
        s = "%s %s/%d" % (a["family"], a["local"], a["prefixlen"])
        if "address" in a and a["address"] != a["local"]:
            s += " peer " + a["address"]
        print(s)' | sort
}

# routes FAMILY: "dst via gateway dev metric" of every gateway route in the main table.
routes() {
    ip -n "$ns" -j "-$1" route show table main | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    if "gateway" in r:
        print(r["dst"], r["gateway"], r.get("dev"), r.get("metric", 0))' | sort
}

out=$(vsh create "$tmp/ips.xml" 2>&1) || fail "create with host addresses: $out"
want="inet 10.0.0.1/32 peer 10.0.0.2
inet 192.168.122.1/24
inet6 fd00:1::1/64"
got=$(addrs hip0)
[ "$got" = "$want" ] || fail "addresses of hip0:
$got
expected:
$want"
got=$(routes 4)
want="192.168.130.0/24 192.168.122.2 hip0 0
default 10.0.0.2 hip0 7"
[ "$got" = "$want" ] || fail "IPv4 routes:
$got
expected:
$want"
got=$(routes 6)
[ "$got" = "fd00:2::/48 fd00:1::2 hip0 5" ] || fail "IPv6 routes: $got"

# dumpxml writes the source back in canonical form (families and prefixes spelt out).
vsh dumpxml hip >"$tmp/dump.xml" || fail "dumpxml"
python3 - "$tmp/dump.xml" <<'PY' || fail "dumpxml's <source>: $(cat "$tmp/dump.xml")"
import sys, xml.etree.ElementTree as E
src = E.parse(sys.argv[1]).getroot().find("devices/interface/source")
ips = [dict(i.attrib) for i in src.findall("ip")]
rts = [dict(r.attrib) for r in src.findall("route")]
assert ips == [
    {"address": "192.168.122.1", "family": "ipv4", "prefix": "24"},
    {"address": "10.0.0.1", "family": "ipv4", "prefix": "32", "peer": "10.0.0.2"},
    {"address": "fd00:1::1", "family": "ipv6", "prefix": "64"},
], ips
assert rts[1] == {"family": "ipv4", "address": "0.0.0.0", "prefix": "0", "gateway": "10.0.0.2",
                  "metric": "7"}, rts
PY

out=$(vsh destroy hip 2>&1) || fail "destroy: $out"
device_exists hip0 && fail "hip0 outlived destroy"
[ -z "$(routes 4)$(routes 6)" ] || fail "routes outlived destroy: $(routes 4) $(routes 6)"

# A route the kernel refuses, on the second interface: nothing of the first stays either.
cat >"$tmp/bad.xml" <<'XML'
<domain>
  <name>hbad</name>
  <devices>
    <interface type='ethernet'>
      <target dev='hbad0'/>
      <source>
        <ip address='192.168.122.1' prefix='24'/>
        <route address='192.168.140.0' prefix='24' gateway='192.168.122.9'/>
      </source>
    </interface>
    <interface type='ethernet'>
      <target dev='hbad1'/>
      <source>
        <ip address='172.16.0.1' prefix='24'/>
        <route address='10.9.0.0' prefix='16' gateway='10.99.0.1'/>
      </source>
    </interface>
  </devices>
</domain>
XML
out=$(vsh create "$tmp/bad.xml" 2>&1) && fail "create with an unreachable gateway succeeded"
grep -q "interface 2 of 2 (alias .net1., line 11): route to 10.9.0.0/16 via 10.99.0.1 (line 15): cannot add the route: .*Network is unreachable" <<<"$out" ||
    fail "the error does not name the interface and the route: $out"
device_exists hbad0 && fail "hbad0 left after a failed start"
device_exists hbad1 && fail "hbad1 left after a failed start"
[ -z "$(marked_devices)" ] || fail "marked devices left: $(marked_devices)"
[ -z "$(routes 4)" ] || fail "routes left after a failed start: $(routes 4)"
[ -z "$(ip -n "$ns" -j addr | python3 -c 'import json,sys; print(*[a["local"] for l in json.load(sys.stdin) for a in l["addr_info"] if a["local"].startswith(("172.16", "192.168"))])')" ] ||
    fail "addresses left after a failed start"
out=$(vsh list --all --json) || fail "list"
[ "$out" = "[]" ] || fail "a failed start left a domain: $out"

# The same in an attach: the interface that fails leaves nothing; the domain keeps the rest.
cat >"$tmp/one.xml" <<'XML'
<domain><name>hat</name><devices>
  <interface type='ethernet'><target dev='hat0'/></interface>
</devices></domain>
XML
cat >"$tmp/att-bad.xml" <<'XML'
<interface type='ethernet'>
  <target dev='hat1'/>
  <source>
    <ip address='fd00:3::1' prefix='64'/>
    <route address='fd00:4::' prefix='64' gateway='fd00:9::1'/>
  </source>
</interface>
XML
cat >"$tmp/att-ok.xml" <<'XML'
<interface type='ethernet'>
  <target dev='hat2'/>
  <source>
    <ip address='fd00:3::1' prefix='64'/>
    <route address='fd00:4::' prefix='64' gateway='fd00:3::2'/>
  </source>
</interface>
XML
out=$(vsh create "$tmp/one.xml" 2>&1) || fail "create hat: $out"
out=$(vsh attach-interface hat "$tmp/att-bad.xml" 2>&1) && fail "attach with a bad route succeeded"
grep -q "route to fd00:4::/64 via fd00:9::1 (line 5): cannot add the route" <<<"$out" ||
    fail "attach: the error does not name the route: $out"
device_exists hat1 && fail "hat1 left after a failed attach"
n=$(vsh domiflist --json hat | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n" = 1 ] || fail "hat has $n interfaces after a failed attach, not 1"
out=$(vsh attach-interface hat "$tmp/att-ok.xml" 2>&1) || fail "attach with addresses: $out"
[ "$(addrs hat2)" = "inet6 fd00:3::1/64" ] || fail "addresses of hat2: $(addrs hat2)"
[ "$(routes 6)" = "fd00:4::/64 fd00:3::2 hat2 1024" ] || fail "IPv6 routes after attach: $(routes 6)"
out=$(vsh destroy hat 2>&1) || fail "destroy hat: $out"
[ -z "$(routes 6)" ] || fail "routes outlived destroy: $(routes 6)"
[ -z "$(marked_devices)" ] || fail "marked devices left: $(marked_devices)"
finish
