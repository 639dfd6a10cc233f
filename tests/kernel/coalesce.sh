#!/bin/bash
# <coalesce><rx><frames max='N'/></rx></coalesce> through ETHTOOL_SCOALESCE, with ethtool -c as
# the kernel's witness: a tap takes it (tun batches up to N received frames, at most 64, its
# NAPI weight), at start and on hot-plug; a macvtap's driver has no coalescing settings, and the
# start fails naming the device and the element, leaving nothing; a failure of the ioctl (fault
# hook) half way leaves nothing either.
source "$(dirname "$0")/lib.sh"

if ! command -v ethtool >/dev/null; then
    echo "coalesce: needs ethtool (.ci/deps)" >&2
    exit 77
fi
kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_tmpdir dir
root=$dir/state

# rx_frames NS DEV: the rx-frames value ethtool -c reports (ethtool 6.1 has no JSON for it).
rx_frames() {
    ip netns exec "$1" ethtool -c "$2" | sed -n 's/^rx-frames:[[:space:]]*//p'
}

cat >"$dir/co.xml" <<'XML'
<domain>
  <name>co</name>
  <devices>
    <interface type='ethernet'>
      <target dev='cot0'/>
      <coalesce><rx><frames max='7'/></rx></coalesce>
    </interface>
    <interface type='ethernet'>
      <target dev='cot1'/>
      <coalesce><rx><frames max='100'/></rx></coalesce>
    </interface>
    <interface type='ethernet'>
      <target dev='cot2'/>
    </interface>
  </devices>
</domain>
XML
expect_ok "$ns" "$root" create "$dir/co.xml"
check "cot0 batches 7 received frames ($(rx_frames "$ns" cot0))" test "$(rx_frames "$ns" cot0)" = 7
check "cot1 batches 64, tun's most ($(rx_frames "$ns" cot1))" test "$(rx_frames "$ns" cot1)" = 64
check "cot2 keeps the default, 0 ($(rx_frames "$ns" cot2))" test "$(rx_frames "$ns" cot2)" = 0
vsh "$ns" "$root" dumpxml co >"$dir/dump.xml"
check "dumpxml shows the coalescing" grep -q '<frames max="7"/>' "$dir/dump.xml"

# Hot-plug carries it too.
cat >"$dir/hot.xml" <<'XML'
<interface type='ethernet'>
  <target dev='cot3'/>
  <alias name='ua-hot'/>
  <coalesce><rx><frames max='12'/></rx></coalesce>
</interface>
XML
expect_ok "$ns" "$root" attach-interface co "$dir/hot.xml"
check "the attached cot3 batches 12 ($(rx_frames "$ns" cot3))" test "$(rx_frames "$ns" cot3)" = 12
out=$(VNIC_FAULT_FAIL=ethtool-scoalesce vsh "$ns" "$root" attach-interface co "$dir/hot.xml" 2>&1)
status=$?
check "an attach whose coalescing fails exits 1 ($status): $out" test $status = 1
expect_ok "$ns" "$root" destroy co
check_absent "$ns" cot0 cot1 cot2 cot3

# A macvtap has no coalescing settings: the start fails half way (the tap before it was made).
cat >"$dir/mv.xml" <<'XML'
<domain>
  <name>comv</name>
  <devices>
    <interface type='ethernet'>
      <target dev='cot4'/>
      <coalesce><rx><frames max='7'/></rx></coalesce>
    </interface>
    <interface type='direct'>
      <source dev='uplink0' mode='bridge'/>
      <target dev='com0'/>
      <coalesce><rx><frames max='7'/></rx></coalesce>
    </interface>
  </devices>
</domain>
XML
expect_fail "$ns" "$root" \
    "interface 2 of 2 (alias 'net1', line 8): <coalesce><rx><frames max='7'/>: the driver of device 'com0' (macvtap) has no receive coalescing" \
    create "$dir/mv.xml"
check_absent "$ns" cot4 com0
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"

# The ioctl failing on a tap (fault hook): the same.
out=$(VNIC_FAULT_FAIL=ethtool-scoalesce vsh "$ns" "$root" create "$dir/co.xml" 2>&1)
status=$?
check "a create whose coalescing fails exits 1 ($status)" test $status = 1
check "... naming the element and the device: $out" \
    grep -qF "interface 1 of 3 (alias 'net0', line 4): <coalesce><rx><frames max='7'/> on device 'cot0'" <<<"$out"
check_absent "$ns" cot0 cot1 cot2
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"
kt_finish
