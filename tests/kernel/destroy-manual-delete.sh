#!/bin/bash
# Devices deleted by hand (ip link del) before destroy: destroy succeeds, removes what is left
# and the record. Once with some of the domain's devices gone (a tap and a macvtap of three),
# once with all of them gone.
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_tmpdir dir
root=$dir/state
for d in some all; do
    cat >"$dir/$d.xml" <<XML
<domain>
  <name>$d</name>
  <devices>
    <interface type='ethernet'><target dev='${d}t0'/></interface>
    <interface type='direct'><source dev='uplink0' mode='bridge'/><target dev='${d}m0'/></interface>
    <interface type='ethernet'><target dev='${d}t1'/></interface>
  </devices>
</domain>
XML
    expect_ok "$ns" "$root" create "$dir/$d.xml"
done

must ip -n "$ns" link del somet0
must ip -n "$ns" link del somem0
expect_ok "$ns" "$root" destroy some
check "destroy says so: $out" test "$out" = "Domain 'some' destroyed"
check_absent "$ns" somet0 somem0 somet1
assert_no_vnic_devices "$ns" "$(kt_mark "$root")some/"

for dev in allt0 allm0 allt1; do
    must ip -n "$ns" link del "$dev"
done
expect_ok "$ns" "$root" destroy all
check "destroy says so: $out" test "$out" = "Domain 'all' destroyed"
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"
kt_finish
