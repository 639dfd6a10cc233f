#!/bin/bash
# What the NIC model means to the host side (issue 9, defects 4 and 5). Model names compare
# without regard to case, as in libvirt: 'ViRtIo' is virtio, so its tap carries a virtio-net
# header and gets its queues. A model that is not virtio gets one queue and no vhost-net,
# whatever <driver queues> says (libvirt's rule): taps and macvtaps alike are made and opened
# with one queue, and the QEMU options say fd=N,vhost=off. (<driver name='vhost'/> on such a
# model is refused at the start, as libvirt does: launch/run-vhost.)
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_tmpdir dir
root=$dir/state
cat >"$dir/mq.xml" <<'XML'
<domain>
  <name>mq</name>
  <devices>
    <interface type='ethernet'>
      <target dev='tq-virtio'/>
      <model type='ViRtIo'/>
      <driver name='vhost' queues='2'/>
      <backend vhost='VHOSTNODE'/>
    </interface>
    <interface type='ethernet'>
      <target dev='tq-e1000'/>
      <model type='E1000'/>
      <driver queues='4'/>
    </interface>
    <interface type='ethernet'>
      <target dev='tq-e1000e'/>
      <model type='e1000e'/>
      <driver queues='3'/>
    </interface>
    <interface type='direct'>
      <source dev='uplink0' mode='bridge'/>
      <target dev='mq-mv'/>
      <model type='rtl8139'/>
      <driver queues='4'/>
    </interface>
  </devices>
</domain>
XML
# <driver name='vhost'/> needs a node that opens (this machine has no /dev/vhost-net): one of
# /dev/null's number stands in; vnic only opens it.
mknod "$dir/vhost-null" c 1 3
sed -i "s|VHOSTNODE|$dir/vhost-null|" "$dir/mq.xml"

expect_ok "$ns" "$root" create "$dir/mq.xml"

queues() { # queues INDEX: the queues vnic opens for interface INDEX, counted by kind
    ip netns exec "$ns" "$KT_TOOL" queues "$root" mq "$1" | sort | uniq -c | tr -s ' '
}
check "'ViRtIo' is virtio: two multi-queue queues with a virtio-net header" \
    test "$(queues 0)" = " 2 tq-virtio vnet_hdr=yes multi_queue=yes"
check "'E1000' with queues='4': one queue, no header" \
    test "$(queues 1)" = " 1 tq-e1000 vnet_hdr=no multi_queue=no"
check "e1000e with queues='3': one queue, with a header" \
    test "$(queues 2)" = " 1 tq-e1000e vnet_hdr=yes multi_queue=no"
check "a macvtap of model rtl8139 with queues='4': one queue" \
    test "$(queues 3 | wc -l)" = 1

common="kind=tun tun_type=tap persist=yes"
check_link "$ns" tq-virtio $common vnet_hdr=yes multi_queue=yes
check_link "$ns" tq-e1000 $common vnet_hdr=no multi_queue=no
check_link "$ns" tq-e1000e $common vnet_hdr=yes multi_queue=no

vsh "$ns" "$root" domiflist --json mq >"$dir/iflist.json"
check "domiflist reports the queues opened and the model as written" \
    python3 - "$dir/iflist.json" <<'PY'
import json, sys
l = json.load(open(sys.argv[1]))
got = [(i["model"], i["queues"], i["vnet_hdr"]) for i in l]
want = [("ViRtIo", 2, True), ("E1000", 1, False), ("e1000e", 1, True), ("rtl8139", 1, False)]
if got != want:
    print(got, file=sys.stderr)
sys.exit(0 if got == want else 1)
PY

vrun "$ns" "$root" qemu-args mq
check "qemu-args mq succeeds: $out" test "$status" = 0
check "ViRtIo is QEMU's virtio-net-pci, two fds, vhost on" \
    grep -qE -- "-netdev tap,id=hostnet0,fds=[0-9]+:[0-9]+,vhost=on" <<<"$out"
check "ViRtIo: -device virtio-net-pci with mq" \
    grep -qE -- "-device virtio-net-pci,netdev=hostnet0,id=net0,.*mq=on,vectors=6" <<<"$out"
check "E1000: one fd, vhost off" grep -qE -- "-netdev tap,id=hostnet1,fd=[0-9]+,vhost=off" <<<"$out"
check "E1000 is QEMU's e1000" grep -qE -- "-device e1000,netdev=hostnet1" <<<"$out"
check "the macvtap: one fd" grep -qE -- "-netdev tap,id=hostnet3,fd=[0-9]+,vhost=off" <<<"$out"

expect_ok "$ns" "$root" destroy mq
check_absent "$ns" tq-virtio tq-e1000 tq-e1000e mq-mv
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"
kt_finish
