#!/bin/bash
# Live interface commands (virsh's domifstat, domif-getlink, domif-setlink) on a tap and a
# macvtap: counters move with real traffic and in the right direction (the guest's point of
# view: a tap's kernel counters swapped, a macvtap's not), interfaces named by alias, device
# name or MAC, the link as the kernel has it (ip -j link) and in the live XML, the guest's link
# over QMP (a logging QMP peer), and errors for an unknown interface or state.
if [ "${VNIC_TEST_REMOTE:-0}" = 1 ]; then
    # nobody may read and start its lv-* domains, not attach: the policy operations of the
    # live methods are read (InterfaceStats, InterfaceGetLink) and attach (InterfaceSetLink).
    pol=$(mktemp)
    cat >"$pol" <<'POL'
<policy xmlns='http://vnic.dev/xmlns/policy/1.0'>
  <allow user='nobody'>
    <domain name='lv-*'/>
    <ethernet prefix='lvn'/>
    <operations>start destroy read</operations>
  </allow>
</policy>
POL
    export VD_POLICY=$pol
fi
source "$(dirname "$0")/common.sh"
[ -n "${pol:-}" ] && rm -f "$pol"
# In remote mode tests/daemon/lib.sh replaces fail() with one that finish() does not count.
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
here=$(cd "$(dirname "$0")" && pwd)

# No IPv6 chatter on the devices: the counters must move only with the test's frames.
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1 || fail "disable IPv6 in $ns"

cat >"$tmp/live.xml" <<'XML'
<domain>
  <name>live</name>
  <devices>
    <interface type='ethernet'>
      <mac address='52:54:00:00:11:01'/>
      <target dev='lv0'/>
      <alias name='ua-tap'/>
    </interface>
    <interface type='direct'>
      <mac address='52:54:00:00:11:02'/>
      <source dev='uplink0' mode='bridge'/>
      <target dev='lvm0'/>
      <alias name='ua-mv'/>
    </interface>
  </devices>
</domain>
XML
out=$(vsh create "$tmp/live.xml" 2>&1) || { fail "create: $out"; finish; }

# Traffic, with a launcher holding the queues (a tap has a carrier only then).
out=$(vsh run live --env -- python3 "$here/hostnet-traffic.py" "$vnicsh" "$uri" live \
    "$tmp/delta.json" 2>&1) || fail "run with traffic: $out"
python3 - "$tmp/delta.json" <<'PY' || fail "counters: $(cat "$tmp/delta.json")"
import json, sys
d = json.load(open(sys.argv[1]))
want = {
    # The guest sent 5 and received 7 frames of 100 bytes on the tap, 3 and 4 on the macvtap.
    "ua-tap": {"tx_packets": 5, "tx_bytes": 500, "rx_packets": 7, "rx_bytes": 700},
    "ua-mv": {"tx_packets": 3, "tx_bytes": 300, "rx_packets": 4, "rx_bytes": 400},
}
bad = [(a, k, d[a][k], v) for a in want for k, v in want[a].items() if d[a][k] != v]
for b in bad:
    print("%s %s moved by %d, expected %d" % b, file=sys.stderr)
assert d["devices"] == {"ua-tap": "lv0", "ua-mv": "lvm0"}, d["devices"]
sys.exit(1 if bad else 0)
PY

# The plain form, and the names an interface goes by.
out=$(vsh domifstat live lv0) || fail "domifstat by device: $out"
[ "$(cut -d' ' -f1,2 <<<"$out" | tr '\n' ' ')" = \
    "lv0 rx_bytes lv0 rx_packets lv0 rx_errs lv0 rx_drop lv0 tx_bytes lv0 tx_packets lv0 tx_errs lv0 tx_drop " ] ||
    fail "domifstat's lines: $out"
out=$(vsh domifstat --json live 52:54:00:00:11:02) || fail "domifstat by MAC: $out"
[ "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["alias"], d["device"])' "$out")" = "ua-mv lvm0" ] ||
    fail "domifstat by MAC names another interface: $out"
out=$(vsh domifstat live nope 2>&1); st=$?
[ $st = 1 ] && grep -qF "vnicsh: error: domain 'live' has no interface with alias, device name or MAC 'nope'" <<<"$out" ||
    fail "unknown interface: exit $st: $out"
out=$(vsh domif-getlink live nope 2>&1); st=$?
[ $st = 1 ] && grep -qF "has no interface with alias, device name or MAC 'nope'" <<<"$out" ||
    fail "getlink of an unknown interface: exit $st: $out"
out=$(vsh domif-setlink live nope down 2>&1); st=$?
[ $st = 1 ] && grep -qF "has no interface with alias, device name or MAC 'nope'" <<<"$out" ||
    fail "setlink of an unknown interface: exit $st: $out"
out=$(vsh domifstat nodomain lv0 2>&1) && fail "domifstat of no domain succeeded: $out"
out=$(vsh domif-setlink live lv0 sideways 2>&1); st=$?
[ $st = 2 ] && grep -qF "invalid link state 'sideways' (expected up or down)" <<<"$out" ||
    fail "an invalid state: exit $st: $out"

# The link: the kernel as witness, and the live XML.
kernel_up() { ip -n "$ns" -j link show "$1" | python3 -c 'import json,sys; print("up" if "UP" in json.load(sys.stdin)[0]["flags"] else "down")'; }
[ "$(vsh domif-getlink live ua-tap)" = "ua-tap up" ] || fail "getlink ua-tap: $(vsh domif-getlink live ua-tap)"
out=$(vsh domif-setlink live 52:54:00:00:11:01 down 2>&1) || fail "setlink down by MAC: $out"
[ "$(kernel_up lv0)" = down ] || fail "lv0 is still up"
[ "$(kernel_up lvm0)" = up ] || fail "lvm0 went down with lv0"
out=$(vsh domif-getlink --json live lv0) || fail "getlink --json: $out"
[ "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["device"], d["state"])' "$out")" = "lv0 down" ] ||
    fail "getlink --json: $out"
vsh dumpxml live | python3 -c '
import sys, xml.etree.ElementTree as E
i = E.parse(sys.stdin).getroot().find("devices").findall("interface")
sys.exit(0 if i[0].find("link").get("state") == "down" and i[1].find("link") is None else 1)' ||
    fail "dumpxml does not show the link down: $(vsh dumpxml live)"
out=$(vsh domif-setlink --json live lvm0 down) || fail "setlink lvm0 down: $out"
[ "$(kernel_up lvm0)" = down ] || fail "lvm0 is still up"
vsh domif-setlink live ua-tap up >/dev/null || fail "setlink ua-tap up"
[ "$(kernel_up lv0)" = up ] || fail "lv0 is not up again"

# --qmp: the guest's link first (set_link on the interface's id), then the host's.
sock=$tmp/qmp.sock log=$tmp/qmp.log
: >"$log"
python3 "$here/../hotplug/fakepeer.py" qmp good "$sock" "$log" &
pid=$!
for _ in $(seq 1 200); do [ -S "$sock" ] && break; sleep 0.05; done
out=$(vsh domif-setlink --qmp "$sock" live lv0 down 2>&1) || fail "setlink --qmp: $out"
grep -q "(host device and guest)" <<<"$out" || fail "setlink --qmp says: $out"
[ "$(grep -v qmp_capabilities "$log")" = 'set_link {"name": "ua-tap", "up": false}' ] ||
    fail "QMP log: $(cat "$log")"
[ "$(kernel_up lv0)" = down ] || fail "lv0 is up after setlink --qmp down"
kill "$pid"; wait "$pid" 2>/dev/null
# No QEMU there: nothing changes.
out=$(vsh domif-setlink --qmp "$tmp/none.sock" live lv0 up 2>&1) && fail "setlink --qmp without QEMU succeeded"
[ "$(kernel_up lv0)" = down ] || fail "lv0 changed although QMP failed"

# A device renamed under vnic is no longer the one it made: each live command says so, and
# changes nothing.
ip -n "$ns" link set lv0 name lvx0 || fail "rename lv0"
for c in "domifstat live ua-tap" "domif-getlink live ua-tap" "domif-setlink live ua-tap up"; do
    # shellcheck disable=SC2086 # c is the command's words
    out=$(vsh $c 2>&1); st=$?
    [ $st = 1 ] && grep -qF "the device 'lv0' of interface 'ua-tap' of domain 'live' is gone" <<<"$out" ||
        fail "$c with lv0 renamed: exit $st: $out"
done
[ "$(kernel_up lvx0)" = down ] || fail "setlink changed the renamed device"
ip -n "$ns" link set lvx0 name lv0 || fail "rename lvx0 back"
[ "$(vsh domif-getlink live ua-tap)" = "ua-tap down" ] || fail "getlink after the rename back"
# A domain that is defined but not running has no live interfaces.
printf '%s\n' "<domain><name>live-off</name><devices><interface type='ethernet'><alias name='ua-off'/></interface></devices></domain>" >"$tmp/off.xml"
vsh define "$tmp/off.xml" >/dev/null || fail "define live-off"
for c in "domifstat live-off ua-off" "domif-getlink live-off ua-off" "domif-setlink live-off ua-off up"; do
    # shellcheck disable=SC2086
    out=$(vsh $c 2>&1); st=$?
    [ $st = 1 ] && grep -qF "domain 'live-off' is not active" <<<"$out" || fail "$c: exit $st: $out"
done
vsh undefine live-off >/dev/null || fail "undefine live-off"

# Through vnicd for a client that is not root: read is enough to look, setting needs attach.
if [ "${VNIC_TEST_REMOTE:-0}" = 1 ]; then
    printf '%s\n' "<domain><name>lv-1</name><devices><interface type='ethernet'><target dev='lvn0'/></interface></devices></domain>" >"$tmp/lv.xml"
    chmod 755 "$tmp"
    params=$(python3 -c 'import json,sys; print(json.dumps({"xml": open(sys.argv[1]).read(), "docname": "lv.xml"}))' "$tmp/lv.xml")
    out=$(vd_client_nobody io.vnic.Domain.Create "$params" 2>&1) || fail "nobody's create: $out"
    out=$(vd_client_nobody io.vnic.Domain.InterfaceStats '{"name": "lv-1", "interface": "lvn0"}' 2>&1) ||
        fail "nobody's InterfaceStats: $out"
    grep -q '"device": *"lvn0"' <<<"$out" || fail "nobody's InterfaceStats: $out"
    out=$(vd_client_nobody io.vnic.Domain.InterfaceGetLink '{"name": "lv-1", "interface": "net0"}' 2>&1) ||
        fail "nobody's InterfaceGetLink: $out"
    out=$(vd_client_nobody io.vnic.Domain.InterfaceSetLink '{"name": "lv-1", "interface": "lvn0", "up": false}' 2>&1) &&
        fail "nobody set a link without the attach operation: $out"
    grep -q "PermissionDenied" <<<"$out" && grep -q "attach" <<<"$out" ||
        fail "nobody's InterfaceSetLink: $out"
    [ "$(kernel_up lvn0)" = up ] || fail "lvn0 went down although the call was refused"
    out=$(vd_client_nobody io.vnic.Domain.InterfaceStats '{"name": "live", "interface": "lv0"}' 2>&1) &&
        fail "nobody read root's domain: $out"
    vd_client_nobody io.vnic.Domain.Destroy '{"name": "lv-1"}' >/dev/null || fail "destroy lv-1"
fi

out=$(vsh destroy live 2>&1) || fail "destroy: $out"
out=$(vsh domifstat live lv0 2>&1); st=$?
[ $st = 1 ] && grep -qF "vnicsh: error: " <<<"$out" || fail "domifstat after destroy: exit $st: $out"
[ -z "$(marked_devices)" ] || fail "devices left: $(marked_devices)"
finish
