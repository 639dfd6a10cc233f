#!/bin/bash
# A macvtap whose lower device does not exist: exit 1 with a message naming the interface and
# the device, and nothing left — no device with a mark, no state record — also of the tap and
# the macvtap on an existing lower device listed before it.
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_tmpdir dir
root=$dir/state
cat >"$dir/nolower.xml" <<'XML'
<domain>
  <name>nolower</name>
  <devices>
    <interface type='ethernet'/>
    <interface type='direct'>
      <source dev='uplink0' mode='bridge'/>
    </interface>
    <interface type='direct'>
      <source dev='nosuch0' mode='bridge'/>
      <alias name='ua-missing'/>
    </interface>
  </devices>
</domain>
XML
expect_fail "$ns" "$root" \
    "interface 3 of 3 (alias 'ua-missing', line 8): lower device 'nosuch0' does not exist" \
    create "$dir/nolower.xml"
check_absent "$ns" vnet0 macvtap1 nosuch0
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"
# uplink0 has no macvtap left on it: passthrough could take it now.
check "no macvtap is left on uplink0" test "$(count_links "$ns" macvtap uplink0)" = 0
kt_finish
