#!/bin/bash
# managed='no': existing devices are used as they are. A single-queue tap and a multi-queue tap
# (made with ip tuntap) and a macvtap (made with ip link) are adopted; vnic changes nothing on
# them (no mark, no link group, MAC and state as they were), opens their queues (the
# multi-queue tap with as many queues as the XML asks), and destroy leaves them in place.
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_tmpdir dir
root=$dir/state
must ip -n "$ns" tuntap add dev utap1 mode tap
must ip -n "$ns" tuntap add dev utapmq mode tap multi_queue
must ip -n "$ns" link add link uplink0 name umvt0 type macvtap mode bridge
must ip -n "$ns" link set umvt0 up
before=()
for dev in utap1 utapmq umvt0; do
    before+=("$dev $(link_get "$ns" "$dev" ifindex) $(link_get "$ns" "$dev" mac) $(link_get "$ns" "$dev" up)")
done
cat >"$dir/um.xml" <<'XML'
<domain>
  <name>um</name>
  <devices>
    <interface type='ethernet'>
      <target dev='utap1' managed='no'/>
    </interface>
    <interface type='ethernet'>
      <target dev='utapmq' managed='no'/>
      <model type='virtio'/>
      <driver queues='4'/>
    </interface>
    <interface type='direct'>
      <source dev='uplink0' mode='bridge'/>
      <target dev='umvt0' managed='no'/>
    </interface>
  </devices>
</domain>
XML

expect_ok "$ns" "$root" create "$dir/um.xml"
for i in 0 1 2; do
    set -- ${before[$i]}
    check "domiflist: interface $i is $1 (ifindex $2), not managed" test \
        "$(domif "$ns" "$root" um $i device) $(domif "$ns" "$root" um $i ifindex) $(domif "$ns" "$root" um $i managed)" = "$1 $2 false"
    # Untouched: same device, same MAC and state, no mark, default group.
    check_link "$ns" "$1" ifindex="$2" mac="$3" up="$4" alias= group=0
done
check_link "$ns" utapmq multi_queue=yes vnet_hdr=no persist=yes

check "utap1: one queue" \
    test "$(ip netns exec "$ns" "$KT_TOOL" queues "$root" um 0)" = "utap1 vnet_hdr=no multi_queue=no"
check "utapmq: four queues, multi-queue, with a virtio-net header" test \
    "$(ip netns exec "$ns" "$KT_TOOL" queues "$root" um 1 | sort | uniq -c | tr -s ' ')" = \
    " 4 utapmq vnet_hdr=yes multi_queue=yes"
check "umvt0: one queue" \
    test "$(ip netns exec "$ns" "$KT_TOOL" queues "$root" um 2)" = "umvt0 vnet_hdr=no multi_queue=no"

expect_ok "$ns" "$root" destroy um
for i in 0 1 2; do
    set -- ${before[$i]}
    check_link "$ns" "$1" exists=yes ifindex="$2" mac="$3" alias= group=0
done
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"
kt_finish
