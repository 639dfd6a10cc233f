#!/bin/bash
# managed='no' with a queue count the existing tap was not made for: a single-queue tap and
# XML asking for four queues is refused with the multi-queue explanation (not the kernel's bare
# EINVAL), at create, leaving nothing and the tap untouched. The reverse (a multi-queue tap
# with one queue asked for) is fine: the queue is attached multi-queue, as the tap was made.
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_tmpdir dir
root=$dir/state
must ip -n "$ns" tuntap add dev single0 mode tap
must ip -n "$ns" tuntap add dev multi0 mode tap multi_queue
idx=$(link_get "$ns" single0 ifindex)
cat >"$dir/mis.xml" <<'XML'
<domain>
  <name>mis</name>
  <devices>
    <interface type='ethernet'>
      <target dev='mis-%d'/>
    </interface>
    <interface type='ethernet'>
      <target dev='single0' managed='no'/>
      <model type='virtio'/>
      <driver queues='4'/>
      <alias name='ua-single'/>
    </interface>
  </devices>
</domain>
XML
expect_fail "$ns" "$root" \
    "interface 2 of 2 (alias 'ua-single', line 7): tap 'single0' was made with a single queue, but the XML asks for 4 queues" \
    create "$dir/mis.xml"
check "the message is not the kernel's bare EINVAL: $out" eval '! grep -q "Invalid argument" <<<"$out"'
check_link "$ns" single0 exists=yes ifindex="$idx" multi_queue=no alias= group=0
check_absent "$ns" mis-0
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"

cat >"$dir/one.xml" <<'XML'
<domain>
  <name>one</name>
  <devices>
    <interface type='ethernet'>
      <target dev='multi0' managed='no'/>
    </interface>
  </devices>
</domain>
XML
expect_ok "$ns" "$root" create "$dir/one.xml"
check "multi0: one queue, attached multi-queue" \
    test "$(ip netns exec "$ns" "$KT_TOOL" queues "$root" one 0)" = "multi0 vnet_hdr=no multi_queue=yes"
expect_ok "$ns" "$root" destroy one
check_link "$ns" multi0 exists=yes alias=
assert_no_records "$ns" "$root"
kt_finish
