#!/bin/bash
# `vnicsh run` with a real QEMU (TCG, no guest kernel) and NICs on buses N > 0 that the
# launcher does not define: vnic adds the controller pci.N (pc: a pci-bridge; q35: a
# pcie-root-port, or a pcie-pci-bridge behind a root port where an address names a slot other
# than 0), QEMU starts, and query-pci shows each NIC at its address behind pci.N, and each
# controller on the root bus (the pcie-pci-bridge behind its port). Without them QEMU refuses
# to start ("Bus 'pci.N' not found"). The launcher that defines pci.1 itself is
# run-real-qemu-pci. Skipped (77) without qemu-system-x86_64.
source "$(dirname "$0")/common.sh"
command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64: skipped"; exit 77; }

nic() { # ALIAS BUS SLOT
    echo "<interface type='ethernet'><model type='virtio'/><rom enabled='no'/><alias name='$1'/><address type='pci' domain='0x0000' bus='$2' slot='$3' function='0x0'/></interface>"
}

run_machine() { # MACHINE EXPECTATIONS-PYTHON NICS...
    local machine=$1 expect=$2
    shift 2
    printf '%s\n' "<domain type='qemu'><name>buses-$machine</name>" \
        "<os><type arch='x86_64' machine='$machine'>hvm</type></os><devices>" "$@" \
        "<interface type='ethernet'><model type='virtio'/><rom enabled='no'/><alias name='ua-auto'/></interface>" \
        "</devices></domain>" >"$tmp/$machine.xml"
    local sock=$tmp/qmp-$machine.sock
    timeout 120 ip netns exec "$ns" "$vnicsh" -c "$uri" run --qemu "$tmp/$machine.xml" -- \
        qemu-system-x86_64 -machine "$machine,accel=tcg" -nodefaults -display none \
        -qmp "unix:$sock,server=on,wait=off" >"$tmp/$machine.out" 2>"$tmp/$machine.err" &
    local pid=$!
    bg_pids+=("$pid")
    python3 - "$sock" "$expect" >"$tmp/$machine.check" 2>&1 <<'PY'
import json, socket, sys, time
sock, expect = sys.argv[1], eval(sys.argv[2])
deadline = time.monotonic() + 90
while True:
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect(sock)
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("no QMP socket")
        time.sleep(0.1)
f = s.makefile("rw")
def cmd(name, args=None):
    f.write(json.dumps({"execute": name, **({"arguments": args} if args else {})}) + "\n")
    f.flush()
    while True:
        m = json.loads(f.readline())
        if "return" in m or "error" in m:
            return m
f.readline()
cmd("qmp_capabilities")

def walk(devices, parent, out):
    for d in devices:
        out[d.get("qdev_id") or "%s/%x.%x" % (parent, d["slot"], d["function"])] = (
            parent, d["slot"])
        walk(d.get("pci_bridge", {}).get("devices", []), d.get("qdev_id", ""), out)

# The firmware gives the bridges their bus numbers; until then query-pci cannot look behind them.
while True:
    got = {}
    for bus in cmd("query-pci")["return"]:
        walk(bus["devices"], "", got)
    if all(k in got for k in expect) or time.monotonic() > deadline:
        break
    time.sleep(0.5)
cmd("quit")
bad = ["%s: at %s, expected %s" % (k, got.get(k), v) for k, v in expect.items()
       if got.get(k) != v and not (v[1] is None and got.get(k, ("?",))[0] == v[0])]
print("%d checked" % len(expect))
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
PY
    local check=$?
    wait "$pid"
    local rc=$?
    [ "$check" = 0 ] || fail "$machine: QEMU's buses are not as vnic said: $(cat "$tmp/$machine.check"); $(cat "$tmp/$machine.err")"
    [ "$rc" = 0 ] || fail "$machine: vnicsh run exited with $rc: $(cat "$tmp/$machine.err")"
    expect_all_gone "after QEMU on $machine"
}

# (parent, slot); a slot of None: QEMU chose it.
run_machine pc "{'ua-b1a': ('pci.1', 1), 'ua-b1b': ('pci.1', 2), 'ua-b3': ('pci.3', 5),
    'ua-root': ('', 7), 'pci.1': ('', None), 'pci.3': ('', None), 'ua-auto': ('', None)}" \
    "$(nic ua-b3 0x03 0x05)" "$(nic ua-b1a 0x01 0x01)" "$(nic ua-b1b 0x01 0x02)" \
    "$(nic ua-root 0x00 0x07)"
run_machine q35 "{'ua-p1': ('pci.1', 0), 'ua-p4': ('pci.4', 3), 'pci.1': ('', None),
    'vnic-pci.4-port': ('', None), 'pci.4': ('vnic-pci.4-port', 0), 'ua-root': ('', 5),
    'ua-auto': ('', None)}" \
    "$(nic ua-p1 0x01 0x00)" "$(nic ua-p4 0x04 0x03)" "$(nic ua-root 0x00 0x05)"
finish
