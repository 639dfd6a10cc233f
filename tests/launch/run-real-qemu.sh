#!/bin/bash
# `vnicsh run` with a real QEMU (TCG, paused, no guest): QEMU accepts every option vnic
# appends and finds a tap on every fd (`info network` through the monitor on stdin), for a
# macvtap with two queues, a multi-queue tap (both with sndbuf=), and the non-virtio models
# with guest options.
# QEMU's MAC of every NIC is the one vnic gave the device (generated ones too: a macvtap in
# bridge mode drops frames for any other MAC). Skipped (77) without qemu-system-x86_64.
source "$(dirname "$0")/common.sh"
command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64: skipped"; exit 77; }

cat >"$tmp/q.xml" <<'XML'
<domain type='kvm'>
  <name>qemu1</name>
  <devices>
    <interface type='direct'>
      <source dev='uplink0' mode='bridge'/>
      <model type='virtio'/>
      <driver queues='2'/>
      <tune><sndbuf>212992</sndbuf></tune>
      <mtu size='1500'/>
      <alias name='ua-mvt'/>
    </interface>
    <interface type='ethernet'>
      <mac address='52:54:00:71:00:02'/>
      <model type='e1000'/>
      <boot order='1'/>
    </interface>
    <interface type='ethernet'>
      <mac address='52:54:00:71:00:03'/>
      <model type='virtio-non-transitional'/>
      <driver name='qemu' queues='3'/>
      <tune><sndbuf>1600</sndbuf></tune>
      <mtu size='1450'/>
      <acpi index='5'/>
      <alias name='ua-mq'/>
    </interface>
    <interface type='tap'>
      <model type='rtl8139'/>
      <rom bar='off'/>
    </interface>
    <interface type='ethernet'>
      <model type='e1000e'/>
    </interface>
  </devices>
</domain>
XML

# A shell in front of QEMU records the running devices; --qemu appends the options to its
# arguments, which it hands to QEMU.
printf 'info network\nquit\n' |
    timeout 120 ip netns exec "$ns" "$vnicsh" -c "$uri" run --qemu "$tmp/q.xml" -- \
        sh -c '"$VSH" -c "$VSH_URI" domiflist --json qemu1 >"$0" && exec qemu-system-x86_64 "$@"' \
        "$tmp/ifaces.json" -machine pc,accel=tcg -nodefaults -display none -S -monitor stdio \
        >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 0 ] || fail "QEMU run exited with $rc: $(cat "$tmp/err")"
# The monitor echoes with terminal escapes; look at the plain lines.
sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$tmp/out" >"$tmp/plain"
for want in \
    'ua-mvt: index=0,type=nic,model=virtio-net-pci,macaddr=' \
    ' \ hostua-mvt: index=0,type=tap,fd=3' \
    ' \ hostua-mvt: index=1,type=tap,fd=4' \
    'net1: index=0,type=nic,model=e1000,macaddr=52:54:00:71:00:02' \
    ' \ hostnet1: index=0,type=tap,fd=5' \
    'ua-mq: index=0,type=nic,model=virtio-net-pci-non-transitional,macaddr=52:54:00:71:00:03' \
    ' \ hostua-mq: index=0,type=tap,fd=6' \
    ' \ hostua-mq: index=1,type=tap,fd=7' \
    ' \ hostua-mq: index=2,type=tap,fd=8' \
    'net3: index=0,type=nic,model=rtl8139,macaddr=' \
    ' \ hostnet3: index=0,type=tap,fd=9' \
    'net4: index=0,type=nic,model=e1000e,macaddr=' \
    ' \ hostnet4: index=0,type=tap,fd=10'; do
    grep -qF -- "$want" "$tmp/plain" || fail "QEMU's 'info network' lacks '$want'"
done
python3 - "$tmp/plain" "$tmp/ifaces.json" <<'PY' || fail "QEMU's MACs are not the devices' MACs"
import json, re, sys
nics = dict(re.findall(r"^(\S+): index=0,type=nic,.*macaddr=([0-9a-f:]+)$", open(sys.argv[1]).read(), re.M))
ids = ["ua-mvt", "net1", "ua-mq", "net3", "net4"]
bad = 0
for k, i in enumerate(json.load(open(sys.argv[2]))):
    if nics.get(ids[k]) != i["mac"]:
        print("  %s: QEMU has %s, the device %s" % (ids[k], nics.get(ids[k]), i["mac"]), file=sys.stderr)
        bad += 1
sys.exit(1 if bad else 0)
PY
[ "$failures" = 0 ] || { cat "$tmp/plain"; cat "$tmp/err"; }
expect_all_gone "after QEMU"
finish
