#!/bin/bash
# vnicsh domiftune: the bandwidth of an interface named by alias, device or MAC, shown (text and
# --json, of a running domain and of a defined one) and changed on the running device, with the
# kernel as witness (tc) and the live definition (dumpxml) saying the same; a change the
# device refuses puts the previous settings back; bad values are refused by name. Run embedded
# and, as remote/lifecycle-domiftune, over vnicd.
source "$(dirname "$0")/common.sh"

# htb NS DEV: "RATE CEIL BURST" of class 1:1 as tc prints them, or "none".
htb() {
    ip netns exec "$ns" tc -d class show dev "$1" |
        sed -n 's/.*class htb 1:1 root .* rate \([^ ]*\) ceil \([^ ]*\) .*burst \([^ /]*\).*cburst.*/\1 \2 \3/p' |
        grep . || echo none
}
expect() { # DESCRIPTION EXPECTED ACTUAL
    [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

cat >"$tmp/tune.xml" <<'XML'
<domain>
  <name>tune</name>
  <devices>
    <interface type='ethernet'>
      <mac address='52:54:00:aa:00:01'/>
      <target dev='dt0'/>
      <alias name='ua-t'/>
      <bandwidth><inbound average='100' peak='200' burst='10'/></bandwidth>
    </interface>
    <interface type='direct'>
      <source dev='uplink0' mode='bridge'/>
      <target dev='dm0'/>
      <alias name='ua-m'/>
    </interface>
  </devices>
</domain>
XML
vsh define "$tmp/tune.xml" >/dev/null || fail "define"

# A defined domain: its stored definition.
out=$(vsh domiftune tune ua-t 2>&1) || fail "domiftune of a defined domain: $out"
expect "domiftune of the defined domain" "inbound.average : 100
inbound.peak    : 200
inbound.burst   : 10
outbound.average: 0
outbound.peak   : 0
outbound.burst  : 0" "$out"
out=$(vsh domiftune tune ua-t --inbound 5 2>&1)
expect "a change to a domain that does not run exits 1" 1 $?
grep -qF "domain 'tune' is not active" <<<"$out" || fail "it says: $out"

vsh start tune >/dev/null || fail "start"
expect "tc: class 1:1 of dt0 as the XML says" "819200bit 1638Kbit 10Kb" "$(htb dt0)"
for id in ua-t dt0 52:54:00:AA:00:01; do
    out=$(vsh domiftune --json tune "$id" 2>&1) || fail "domiftune --json tune $id: $out"
    python3 - "$out" "$id" <<'PY' || fail "domiftune --json tune $id: $out"
import json, sys
j = json.loads(sys.argv[1])
want = {"interface": sys.argv[2], "alias": "ua-t", "device": "dt0", "inbound": {"average": 100, "peak": 200, "burst": 10},
        "outbound": {"average": 0, "peak": 0, "burst": 0}}
sys.exit(0 if j == want else 1)
PY
done

# A change: on the device and in the live definition, not in the stored one.
vsh domiftune tune ua-t --inbound 300,600,30 >/dev/null 2>&1 || fail "domiftune --inbound 300,600,30"
expect "tc: class 1:1 of dt0 after the change" "2457Kbit 4915Kbit 30Kb" "$(htb dt0)"
vsh dumpxml tune | grep -qF '<inbound average="300" peak="600" burst="30"/>' ||
    fail "dumpxml does not show the new inbound"
vsh dumpxml --inactive tune | grep -qF '<inbound average="100" peak="200" burst="10"/>' ||
    fail "the stored definition changed"
# A floor of 0 (virsh's fourth field) is no floor; an empty field is 0.
vsh domiftune tune ua-t --inbound 300,,,0 >/dev/null 2>&1 || fail "domiftune --inbound 300,,,0"
expect "tc: class 1:1 of dt0 without peak and burst: the ceiling is the rate" "2457Kbit 2457Kbit" \
    "$(htb dt0 | cut -d' ' -f1-2)"

# The macvtap: its outbound is what it sends.
vsh domiftune tune dm0 --outbound 500 >/dev/null 2>&1 || fail "domiftune dm0 --outbound 500"
expect "tc: class 1:1 of dm0" "4096Kbit 4096Kbit" "$(htb dm0 | cut -d' ' -f1-2)"

# The tap's outbound is policed: where the kernel has no police action the change fails and
# the settings before it stay, on the device and in the record.
if out=$(vsh domiftune tune ua-t --outbound 100 2>&1); then
    ip netns exec "$ns" tc -j qdisc show dev dt0 | grep -q '"ingress"' || fail "no ingress qdisc on dt0"
    echo "the kernel has the police action: the tap's outbound is policed"
    vsh domiftune tune ua-t --outbound 0 >/dev/null 2>&1 || fail "domiftune --outbound 0"
else
    grep -qF "cannot police the guest's outbound traffic (<bandwidth><outbound>) on device 'dt0'" <<<"$out" ||
        fail "the failed change says: $out"
    expect "tc: class 1:1 of dt0 as before the failed change" "2457Kbit 2457Kbit" "$(htb dt0 | cut -d' ' -f1-2)"
    vsh dumpxml tune | grep -qF '<inbound average="300"/>' || fail "dumpxml changed with the failed change"
    vsh dumpxml tune | python3 -c '
import sys, xml.etree.ElementTree as E
i = E.parse(sys.stdin).getroot().find("devices").findall("interface")[0]
sys.exit(1 if i.find("bandwidth/outbound") is not None else 0)' || fail "dumpxml shows the outbound that failed"
    echo "the kernel has no police action: the change failed and was undone: $out"
fi
ip netns exec "$ns" tc -j qdisc show dev dt0 | grep -q '"ingress"' && fail "an ingress qdisc is left on dt0"

# An average of 0 lifts the limit.
vsh domiftune tune ua-t --inbound 0 >/dev/null 2>&1 || fail "domiftune --inbound 0"
expect "tc: no class on dt0" none "$(htb dt0)"
ip netns exec "$ns" tc -j qdisc show dev dt0 | grep -q '"htb"' && fail "an HTB is left on dt0"
vsh dumpxml tune | grep -q '<inbound' && fail "dumpxml still shows an inbound"

# Refusals, each by name.
refused() { # STATUS MESSAGE ARGS...
    local want=$1 msg=$2
    shift 2
    out=$(vsh domiftune "$@" 2>&1)
    local st=$?
    [ $st = "$want" ] || fail "domiftune $*: exit $st, not $want: $out"
    grep -qF -- "$msg" <<<"$out" || fail "domiftune $*: says '$out', not '$msg'"
}
refused 1 "domain 'tune' has no interface with alias, device name or MAC 'nosuch'" tune nosuch
refused 2 "invalid value 'x' for --inbound" tune ua-t --inbound x
refused 2 "--outbound: a floor is only for interfaces of type 'network'" tune ua-t --outbound 1,2,3,4
refused 1 "inbound: peak 5 is below average 10" tune ua-t --inbound 10,5
refused 1 "outbound: a peak or burst needs an average" tune ua-t --outbound 0,5
refused 1 "inbound: the average and the peak must be at most 4194303 KiB/s" tune ua-t --inbound 4194304
refused 1 "not active (and not defined)" nosuch ua-t
refused 2 "missing the domain name or the interface" tune
expect "tc: nothing changed on dt0 by the refusals" none "$(htb dt0)"

vsh destroy tune >/dev/null || fail "destroy"
vsh undefine tune >/dev/null || fail "undefine"

# One IFACE names one interface in every command: an alias before a device name, as
# domifstat takes it, even where an earlier interface's device has that name.
cat >"$tmp/amb.xml" <<'XML'
<domain>
  <name>amb</name>
  <devices>
    <interface type='ethernet'><target dev='ua-x'/><alias name='ua-a'/></interface>
    <interface type='ethernet'><target dev='dt1'/><alias name='ua-x'/></interface>
  </devices>
</domain>
XML
vsh create "$tmp/amb.xml" >/dev/null || fail "create amb"
out=$(vsh domiftune --json amb ua-x 2>&1)
grep -qF '"alias": "ua-x"' <<<"$out" && grep -qF '"device": "dt1"' <<<"$out" ||
    fail "domiftune amb ua-x took another interface than its alias names: $out"
out=$(vsh domifstat --json amb ua-x 2>&1)
grep -qF '"device": "dt1"' <<<"$out" || fail "domifstat amb ua-x: $out"
vsh destroy amb >/dev/null || fail "destroy amb"
[ -z "$(marked_devices)" ] || fail "devices left: $(marked_devices)"
finish
