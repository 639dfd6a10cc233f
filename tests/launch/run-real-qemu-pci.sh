#!/bin/bash
# `vnicsh run` with a real QEMU (TCG, no guest kernel: the firmware enumerates the buses and
# gives up booting) and 66 NICs, on pc and on q35: QEMU starts, and its query-pci (read with
# tests/e2e/qmp.py) puts every NIC where vnic said. The two with a PCI <address> (written last
# in the document) sit at their slots, one on the root bus and one on the launcher's own bus
# pci.1 (libvirt's name for PCI controller 1); of the 64 without, the first 16 are on the root
# bus and the rest behind the pci-bridges (pc: 31 to a bridge, slots 1..31) or pcie-root-ports
# (q35: one NIC each, eight ports to a slot of pcie.0 from 0x1d down, 0x1e being the fixed
# NIC's) that vnic adds.
# Without vnic's bridges QEMU refuses to start at about 29 NICs on pc. Skipped (77) without
# qemu-system-x86_64.
source "$(dirname "$0")/common.sh"
command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64: skipped"; exit 77; }
qmp=$here/../e2e/qmp.py

run_machine() { # MACHINE ROOT-SLOT-OF-FIXED-NIC LAUNCHER-BUS-OPTION
    local machine=$1 fixslot=$2 busopt=$3
    python3 - "$tmp/$machine.xml" "$machine" "$fixslot" <<'PY'
import sys
path, machine, fixslot = sys.argv[1:]
nics = "".join("    <interface type='ethernet'><model type='virtio'/><rom enabled='no'/>"
               "</interface>\n" for _ in range(64))
open(path, "w").write(f"""<domain type='qemu'>
  <name>pci-{machine}</name>
  <os><type arch='x86_64' machine='{machine}'>hvm</type></os>
  <devices>
{nics}    <interface type='ethernet'>
      <model type='virtio'/>
      <rom enabled='no'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='{fixslot}' function='0x0'/>
      <alias name='ua-fix'/>
    </interface>
    <interface type='ethernet'>
      <model type='virtio'/>
      <rom enabled='no'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
      <alias name='ua-bus1'/>
    </interface>
  </devices>
</domain>
""")
PY
    local sock=$tmp/qmp-$machine.sock
    # shellcheck disable=SC2086 # busopt is two words
    timeout 120 ip netns exec "$ns" "$vnicsh" -c "$uri" run --qemu "$tmp/$machine.xml" -- \
        qemu-system-x86_64 -machine "$machine,accel=tcg" -nodefaults -display none \
        -qmp "unix:$sock,server=on,wait=off" $busopt >"$tmp/$machine.out" 2>"$tmp/$machine.err" &
    local pid=$!
    bg_pids+=("$pid")
    # The firmware gives the bridges their bus numbers; until then query-pci cannot look
    # behind them.
    local want=(ua-fix ua-bus1) i
    for i in $(seq 0 63); do want+=("net$i"); done
    python3 "$qmp" --wait 90 "$sock" pci-wait "${want[@]}" >"$tmp/$machine.pci" 2>"$tmp/$machine.check"
    python3 "$qmp" --wait 10 "$sock" quit >/dev/null
    python3 - "$tmp/$machine.pci" "$machine" "$fixslot" >>"$tmp/$machine.check" 2>&1 <<'PY'
import sys
pci, machine, fixslot = sys.argv[1], sys.argv[2], int(sys.argv[3], 0)
# qmp.py pci-devices: ID PARENT SLOT FUNCTION BUS-NUMBER, PARENT "-" on the root bus.
got = {}
for line in open(pci):
    qid, parent, slot, function, _ = line.split()
    got[qid] = ("" if parent == "-" else parent, int(slot), int(function))

bad = []
def expect(qid, parent, slot, function=0):
    if got.get(qid) != (parent, slot, function):
        bad.append("%s: at %s, expected %s" % (qid, got.get(qid), (parent, slot, function)))

expect("ua-fix", "", fixslot)
expect("ua-bus1", "pci.1", 0)
for i in range(16):
    if got.get("net%d" % i, ("?",))[0] != "":
        bad.append("net%d: at %s, expected the root bus" % (i, got.get("net%d" % i)))
for i in range(16, 64):
    k = i - 16
    if machine == "pc":
        expect("net%d" % i, "vnic-bridge%d" % (k // 31), 1 + k % 31)
    else:
        expect("net%d" % i, "vnic-port%d" % k, 0)
        expect("vnic-port%d" % k, "", 0x1d - k // 8, k % 8)
if machine == "pc":
    for b in ("vnic-bridge0", "vnic-bridge1"):
        if got.get(b, ("?",))[0] != "":
            bad.append("%s: at %s, expected the root bus" % (b, got.get(b)))
    if "vnic-bridge2" in got:
        bad.append("a third bridge for 48 NICs")
nics = [k for k in got if k.startswith("net") or k.startswith("ua-")]
print("%d NICs on the buses" % len(nics))
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
PY
    local check=$?
    wait "$pid"
    local rc=$?
    [ "$check" = 0 ] || fail "$machine: QEMU's buses are not as vnic said: $(cat "$tmp/$machine.check")"
    [ "$rc" = 0 ] || fail "$machine: vnicsh run exited with $rc: $(cat "$tmp/$machine.err")"
    grep -q '^66 NICs on the buses$' "$tmp/$machine.check" ||
        fail "$machine: $(cat "$tmp/$machine.check")"
    expect_all_gone "after QEMU on $machine"
}

run_machine pc 0x1f "-device pci-bridge,id=pci.1,chassis_nr=1"
run_machine q35 0x1e "-device pcie-root-port,id=pci.1,bus=pcie.0,addr=0x2,chassis=1"
finish
