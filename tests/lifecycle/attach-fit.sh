#!/bin/bash
# attach-interface refuses an interface that does not fit the running domain by the parser's
# own rules across interfaces, before anything is made. Such an interface used to go into the
# state record, which then could not be read back: the domain was "broken", and neither
# destroy nor anything else could reach it. Each refusal names what clashes, exits 1, makes
# nothing, and leaves the domain as it was (still readable, destroyed at the end).
source "$(dirname "$0")/common.sh"

ifcount() { vsh domiflist --json "$1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
refused() { # DOMAIN FILE-BODY EXPECTED WHAT
    printf '%s\n' "$2" >"$tmp/hot.xml"
    local before devs
    before=$(ifcount "$1") devs=$(marked_devices | wc -l)
    vsh attach-interface "$1" "$tmp/hot.xml" >"$tmp/out" 2>&1
    local st=$?
    [ "$st" = 1 ] || fail "$4: exited $st, not 1: $(cat "$tmp/out")"
    grep -qF -- "$3" "$tmp/out" || fail "$4: the error does not say '$3': $(cat "$tmp/out")"
    [ "$(vsh list --all --json | python3 -c 'import json,sys; print([d["state"] for d in json.load(sys.stdin) if d["name"] == sys.argv[1]])' "$1")" = "['active']" ] ||
        fail "$4: the domain is no longer active: $(vsh list --all 2>&1)"
    [ "$(ifcount "$1")" = "$before" ] || fail "$4: the record changed"
    [ "$(marked_devices | wc -l)" = "$devs" ] || fail "$4: a device was left: $(marked_devices)"
}

ip -n "$ns" link add lowpt type veth peer name lowpt-peer || fail "veth lowpt"
ip -n "$ns" link set lowpt up
cat >"$tmp/fit.xml" <<'XML'
<domain>
  <name>fit</name>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <controller type='pci' index='1' model='pcie-root-port'/>
    <interface type='ethernet'>
      <target dev='fittap0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>
      <alias name='ua-t'/>
    </interface>
    <interface type='direct'>
      <source dev='lowpt' mode='passthrough'/>
      <alias name='ua-pt'/>
    </interface>
  </devices>
</domain>
XML
vsh create "$tmp/fit.xml" >/dev/null || { fail "create fit"; finish; }

refused fit "<interface type='ethernet'><address type='pci' bus='0' slot='5'/></interface>" \
    "domain 'fit' already has an interface at PCI address bus 0x00 slot 0x05 function 0x0 ('ua-t')" \
    "the same PCI address"
refused fit "<interface type='ethernet'><target dev='fittap0' managed='no'/></interface>" \
    "domain 'fit' already has an interface with target device 'fittap0' ('ua-t')" \
    "the same target device"
refused fit "<interface type='direct'><source dev='lowpt' mode='bridge'/></interface>" \
    "domain 'fit' already has an interface on lower device 'lowpt' ('ua-pt')" \
    "a passthrough lower device"
refused fit "<interface type='ethernet'><address type='pci' bus='1' slot='3'/></interface>" \
    "hot.xml:1: error: PCI address bus 0x01 slot 0x03: the domain's controller 1 is a pcie-root-port, whose only slot is 0x00" \
    "slot 3 on the domain's root port"
# The same address on the root port's slot 0 fits.
printf '%s\n' "<interface type='ethernet'><address type='pci' bus='1' slot='0'/><alias name='ua-p1'/></interface>" >"$tmp/ok.xml"
vsh attach-interface --json fit "$tmp/ok.xml" >"$tmp/out" 2>&1 || fail "bus 1 slot 0: $(cat "$tmp/out")"
# --json without --qmp: the domain and the id; no PCI place (no QEMU was asked).
[ "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["domain"], d["id"], "pci" in d)' "$tmp/out")" = "fit ua-p1 False" ] ||
    fail "attach-interface --json: $(cat "$tmp/out")"
vsh destroy fit >/dev/null || fail "destroy fit"

# Room: 16 NICs without an address, and the domain's own controllers on every root-bus slot
# vnic would give its root ports: a 17th has no place, and is refused as the parser refuses it.
{
    echo "<domain><name>full</name><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
    for s in $(seq 16 30); do
        printf "<controller type='pci' index='%d' model='pcie-root-port'><address type='pci' domain='0x0000' bus='0x00' slot='%#x' function='0x0'/></controller>\n" $((s - 15)) "$s"
    done
    for i in $(seq 0 15); do echo "<interface type='ethernet'/>"; done
    echo "</devices></domain>"
} >"$tmp/full.xml"
vsh create "$tmp/full.xml" >/dev/null || fail "create full: $(vsh create "$tmp/full.xml" 2>&1)"
refused full "<interface type='ethernet'/>" "too many interfaces without a PCI <address> for machine 'q35'" \
    "a 17th NIC without an address"
vsh destroy full >/dev/null || fail "destroy full"
[ -z "$(marked_devices)" ] || fail "devices left: $(marked_devices)"
finish
