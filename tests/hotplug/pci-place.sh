#!/bin/bash
# Hot-plug places a NIC as `run` does, checked against a real QEMU (TCG, no guest kernel: the
# firmware numbers the buses, then finds nothing to boot) with query-pci:
# - an <address> on the bus of a controller the launcher defined (pc: a pci-bridge pci.1; q35: a
#   pcie-root-port pci.1, both declared by the domain as <controller type='pci' index='1'>)
#   goes there, and `attach-interface --json` reports that place;
# - an <address> on a bus QEMU does not have (pci.5) is refused before QEMU gets anything,
#   naming the bus, and the attach is undone;
# - without an address QEMU chooses: on pc a free slot of pci.0, reported as query-pci shows it;
#   on q35 pcie.0 takes no hot-plug: refused before QEMU gets anything where the domain says
#   q35 (so is an address on bus 0), else QEMU refuses and the attach is undone;
# - a pci-bridge hot-plugged into pc's pci.0 (QEMU takes it) makes its bus usable at once, but
#   without a guest to number the new bus query-pci cannot show what is behind it: the attach
#   works and reports no place.
source "$(dirname "$0")/../lifecycle/common.sh"
qemu=$(command -v qemu-system-x86_64) || { echo "SKIP: qemu-system-x86_64 is missing"; exit 77; }
qmp="python3 $(cd "$(dirname "$0")/../e2e" && pwd)/qmp.py --wait 30"
qemu_pid=
trap '[ -n "$qemu_pid" ] && kill -KILL "$qemu_pid" 2>/dev/null; cleanup' EXIT

nic() { # ALIAS [BUS SLOT]: a hot-plug file
    {
        echo "<interface type='ethernet'><model type='virtio'/><rom enabled='no'/><alias name='$1'/>"
        [ $# -gt 1 ] && echo "<address type='pci' domain='0x0000' bus='$2' slot='$3' function='0x0'/>"
        echo "</interface>"
    } >"$tmp/$1.xml"
}
ifcount() { vsh domiflist --json "$1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
# The JSON attach-interface printed, as "BUS SLOT FUNCTION" ("none" without a place).
place() { python3 -c 'import json,sys; p=json.load(sys.stdin).get("pci"); print("%s %d %d" % (p["bus"], p["slot"], p["function"]) if p else "none")' <"$1"; }

start_qemu() { # MACHINE CONTROLLER-OPTION
    rm -f "$tmp/qmp.sock"
    ip netns exec "$ns" "$qemu" -machine "$1,accel=tcg" -nodefaults -display none -device "$2" \
        -qmp "unix:$tmp/qmp.sock,server=on,wait=off" >"$tmp/qemu.log" 2>&1 &
    qemu_pid=$!
    # Until the firmware has numbered pci.1, query-pci shows nothing behind it.
    for _ in $(seq 1 300); do
        $qmp "$tmp/qmp.sock" query-pci 2>/dev/null | grep -q '"secondary": 1' && return 0
        sleep 0.1
    done
    fail "QEMU ($1) did not come up: $(cat "$tmp/qemu.log")"
}
stop_qemu() { $qmp "$tmp/qmp.sock" quit >/dev/null; wait "$qemu_pid" 2>/dev/null; qemu_pid=; }

attach_ok() { # DOMAIN ALIAS WANT-PLACE WHAT
    if ! vsh attach-interface --json "$1" "$tmp/$2.xml" --qmp "$tmp/qmp.sock" >"$tmp/out" 2>&1; then
        fail "$4: attach failed: $(cat "$tmp/out")"
        return
    fi
    [ "$(place "$tmp/out")" = "$3" ] || fail "$4: reported '$(place "$tmp/out")', not '$3': $(cat "$tmp/out")"
}
attach_refused() { # DOMAIN ALIAS PATTERN WHAT
    local before devs
    before=$(ifcount "$1") devs=$(marked_devices | wc -l)
    vsh attach-interface "$1" "$tmp/$2.xml" --qmp "$tmp/qmp.sock" >"$tmp/out" 2>&1
    local st=$?
    [ "$st" = 1 ] || fail "$4: exited $st, not 1: $(cat "$tmp/out")"
    grep -q -- "$3" "$tmp/out" || fail "$4: the error does not say '$3': $(cat "$tmp/out")"
    [ "$(ifcount "$1")" = "$before" ] || fail "$4: the record kept the interface"
    [ "$(marked_devices | wc -l)" = "$devs" ] || fail "$4: a device was left: $(marked_devices)"
    $qmp "$tmp/qmp.sock" rx-filters | grep -q "^$2 " && fail "$4: QEMU kept $2"
}

# ---- pc: pci-bridge pci.1 --------------------------------------------------------------------
cat >"$tmp/pc.xml" <<'XML'
<domain><name>place-pc</name><os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
  <controller type='pci' index='1' model='pci-bridge'/>
</devices></domain>
XML
vsh create "$tmp/pc.xml" >/dev/null || fail "create place-pc"
start_qemu pc "pci-bridge,id=pci.1,chassis_nr=1"
nic ua-b1 0x01 0x03
attach_ok place-pc ua-b1 "pci.1 3 0" "pc, bus 1 slot 3"
# What QEMU itself says, independently of vnic's report.
$qmp "$tmp/qmp.sock" pci-devices >"$tmp/pci"
grep -q "^ua-b1 pci.1 3 0 1$" "$tmp/pci" || fail "pc: query-pci has ua-b1 elsewhere: $(cat "$tmp/pci")"
# The text form says it too.
nic ua-b1b 0x01 0x04
vsh attach-interface place-pc "$tmp/ua-b1b.xml" --qmp "$tmp/qmp.sock" >"$tmp/out" 2>&1 ||
    fail "pc, bus 1 slot 4: $(cat "$tmp/out")"
grep -q "bus pci.1 (0x01) slot 0x04 function 0x0" "$tmp/out" || fail "pc, text: $(cat "$tmp/out")"

nic ua-b5 0x05 0x01
attach_refused place-pc ua-b5 "PCI bus 'pci.5' (bus 0x05" "pc, bus 5 that QEMU lacks"

nic ua-auto
vsh attach-interface --json place-pc "$tmp/ua-auto.xml" --qmp "$tmp/qmp.sock" >"$tmp/out" 2>&1 ||
    fail "pc, no address: $(cat "$tmp/out")"
got=$(place "$tmp/out")
$qmp "$tmp/qmp.sock" pci-devices >"$tmp/pci"
slot=$(awk '$1 == "ua-auto" && $2 == "-" { print $3 }' "$tmp/pci")
[ -n "$slot" ] && [ "$got" = "pci.0 $slot 0" ] ||
    fail "pc, no address: reported '$got', query-pci says: $(grep ua-auto "$tmp/pci")"

# A bridge hot-plugged into pci.0: QEMU takes it, and a NIC behind it, but cannot say where the
# NIC is until a guest numbers the new bus.
$qmp "$tmp/qmp.sock" device_add '{"driver": "pci-bridge", "id": "pci.7", "chassis_nr": 7, "bus": "pci.0"}' >/dev/null ||
    fail "pc: QEMU refused a hot-plugged pci-bridge"
nic ua-b7 0x07 0x01
attach_ok place-pc ua-b7 none "pc, bus 7 of a hot-plugged bridge"
stop_qemu
vsh destroy place-pc >/dev/null || fail "destroy place-pc"

# ---- q35: pcie-root-port pci.1 ---------------------------------------------------------------
cat >"$tmp/q35.xml" <<'XML'
<domain><name>place-q35</name><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>
  <controller type='pci' index='1' model='pcie-root-port'/>
</devices></domain>
XML
vsh create "$tmp/q35.xml" >/dev/null || fail "create place-q35"
start_qemu q35 "pcie-root-port,id=pci.1,bus=pcie.0,chassis=1"
nic ua-p1 0x01 0x00
attach_ok place-q35 ua-p1 "pci.1 0 0" "q35, root port pci.1"
$qmp "$tmp/qmp.sock" pci-devices >"$tmp/pci"
grep -q "^ua-p1 pci.1 0 0 1$" "$tmp/pci" || fail "q35: query-pci has ua-p1 elsewhere: $(cat "$tmp/pci")"
nic ua-p2 0x02 0x00
attach_refused place-q35 ua-p2 "PCI bus 'pci.2' (bus 0x02" "q35, bus 2 that QEMU lacks"
# Nor can the missing root port be hot-plugged: pcie.0 takes none (what the README says).
$qmp "$tmp/qmp.sock" device_add '{"driver": "pcie-root-port", "id": "pci.2", "chassis": 2, "bus": "pcie.0"}' \
    >/dev/null 2>"$tmp/err" && fail "q35: QEMU took a hot-plugged pcie-root-port"
grep -q "does not support hotplugging" "$tmp/err" || fail "q35: a hot-plugged root port: $(cat "$tmp/err")"
nic ua-qauto
attach_refused place-q35 ua-qauto "on q35's root bus pcie.0, which takes no hot-plugged device" "q35, no address"
nic ua-q0 0x00 0x05
attach_refused place-q35 ua-q0 "on q35's root bus pcie.0, which takes no hot-plugged device" "q35, bus 0"
# Where the domain does not say q35, QEMU itself refuses (and the attach is undone).
cat >"$tmp/q35-unsaid.xml" <<'XML'
<domain><name>place-unsaid</name><devices/></domain>
XML
vsh create "$tmp/q35-unsaid.xml" >/dev/null || fail "create place-unsaid"
attach_refused place-unsaid ua-qauto "Bus 'pcie.0' does not support hotplugging" "q35 unsaid, no address"
vsh destroy place-unsaid >/dev/null || fail "destroy place-unsaid"
stop_qemu
vsh destroy place-q35 >/dev/null || fail "destroy place-q35"
[ -z "$(marked_devices)" ] || fail "devices left: $(marked_devices)"
finish
