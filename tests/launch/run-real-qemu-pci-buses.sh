#!/bin/bash
# `vnicsh run` with a real QEMU (TCG, no guest kernel) and NICs on buses N > 0:
# - buses the launcher does not define and the domain does not declare: vnic adds the
#   controller pci.N (pc: a pci-bridge; q35: a pcie-root-port, or a pcie-pci-bridge behind a
#   root port where an address names a slot other than 0). Without them QEMU refuses to start
#   ("Bus 'pci.N' not found").
# - buses the domain declares (<controller type='pci' index='N'>) and the launcher therefore
#   defines, as libvirt would: vnic adds nothing (a second pci.N: QEMU refuses to start,
#   "Duplicate ID"), and names a bus whose controller has a user alias by that alias.
# QEMU starts, and query-pci (tests/e2e/qmp.py) shows each NIC at its address behind its bus,
# and each controller on the root bus (the pcie-pci-bridge behind its port). The launcher that
# defines pci.1 with no <controller> in the domain is run-real-qemu-pci. Skipped (77) without
# qemu-system-x86_64.
source "$(dirname "$0")/common.sh"
command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64: skipped"; exit 77; }
qmp=$here/../e2e/qmp.py

nic() { # ALIAS BUS SLOT
    echo "<interface type='ethernet'><model type='virtio'/><rom enabled='no'/><alias name='$1'/><address type='pci' domain='0x0000' bus='$2' slot='$3' function='0x0'/></interface>"
}

# NAME MACHINE "LAUNCHER-OPTIONS" "EXPECTATIONS" DEVICES...: EXPECTATIONS holds "ID PARENT
# SLOT" triples (PARENT "-": the root bus; SLOT "*": QEMU chose it).
run_machine() {
    local name=$1 machine=$2 opts=$3 expect=$4
    shift 4
    printf '%s\n' "<domain type='qemu'><name>buses-$name</name>" \
        "<os><type arch='x86_64' machine='$machine'>hvm</type></os><devices>" "$@" \
        "<interface type='ethernet'><model type='virtio'/><rom enabled='no'/><alias name='ua-auto'/></interface>" \
        "</devices></domain>" >"$tmp/$name.xml"
    local sock=$tmp/qmp-$name.sock
    local -a launcher_opts
    read -r -a launcher_opts <<<"$opts"
    timeout 120 ip netns exec "$ns" "$vnicsh" -c "$uri" run --qemu "$tmp/$name.xml" -- \
        qemu-system-x86_64 -machine "$machine,accel=tcg" -nodefaults -display none \
        -qmp "unix:$sock,server=on,wait=off" "${launcher_opts[@]}" \
        >"$tmp/$name.out" 2>"$tmp/$name.err" &
    local pid=$!
    bg_pids+=("$pid")
    local -a want
    read -r -a want <<<"$expect"
    local ids=() i
    for ((i = 0; i < ${#want[@]}; i += 3)); do ids+=("${want[i]}"); done
    # The firmware gives the bridges their bus numbers; until then query-pci cannot look
    # behind them.
    python3 "$qmp" --wait 90 "$sock" pci-wait "${ids[@]}" >"$tmp/$name.pci" 2>"$tmp/$name.check"
    python3 "$qmp" --wait 10 "$sock" quit >/dev/null
    for ((i = 0; i < ${#want[@]}; i += 3)); do
        local id=${want[i]} parent=${want[i + 1]} slot=${want[i + 2]} got
        got=$(awk -v id="$id" '$1 == id { print $2, $3 }' "$tmp/$name.pci")
        case $slot in
        '*') [ "${got% *}" = "$parent" ] ;;
        *) [ "$got" = "$parent $((slot))" ] ;;
        esac || fail "$name: $id at '${got:-nowhere}', expected '$parent $slot' ($(cat "$tmp/$name.check"))"
    done
    wait "$pid"
    local rc=$?
    [ "$rc" = 0 ] || fail "$name: vnicsh run exited with $rc: $(cat "$tmp/$name.err")"
    expect_all_gone "after QEMU on $name"
}

run_machine pc pc "" \
    "ua-b1a pci.1 1 ua-b1b pci.1 2 ua-b3 pci.3 5 ua-root - 7 pci.1 - * pci.3 - * ua-auto - *" \
    "$(nic ua-b3 0x03 0x05)" "$(nic ua-b1a 0x01 0x01)" "$(nic ua-b1b 0x01 0x02)" \
    "$(nic ua-root 0x00 0x07)"
run_machine q35 q35 "" \
    "ua-p1 pci.1 0 ua-p4 pci.4 3 pci.1 - * vnic-pci.4-port - * pci.4 vnic-pci.4-port 0 ua-root - 5 ua-auto - *" \
    "$(nic ua-p1 0x01 0x00)" "$(nic ua-p4 0x04 0x03)" "$(nic ua-root 0x00 0x05)"
# The domain declares pci.2 (and the launcher defines it); bus 3 is still vnic's to add.
run_machine pc-declared pc "-device pci-bridge,id=pci.2,chassis_nr=2,addr=0x9" \
    "ua-b2 pci.2 4 pci.2 - 9 ua-b3 pci.3 1 pci.3 - * ua-auto - *" \
    "<controller type='pci' index='2' model='pci-bridge'><address type='pci' domain='0x0000' bus='0x00' slot='0x09' function='0x0'/></controller>" \
    "$(nic ua-b2 0x02 0x04)" "$(nic ua-b3 0x03 0x01)"
# q35: the domain's root port 6 has the user alias ua-port6, QEMU's id of its bus.
run_machine q35-declared q35 "-device pcie-root-port,id=ua-port6,bus=pcie.0,chassis=6,addr=0x8" \
    "ua-p6 ua-port6 0 ua-port6 - 8 ua-auto - *" \
    "<controller type='pci' index='6' model='pcie-root-port'><alias name='ua-port6'/><address type='pci' domain='0x0000' bus='0x00' slot='0x08' function='0x0'/></controller>" \
    "$(nic ua-p6 0x06 0x00)"
finish
