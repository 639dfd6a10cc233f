#!/bin/bash
# destroy removes a domain's devices and its record; a second destroy of the same domain is an
# error ("domain 'x' is not active", exit 1) that changes nothing, as are dumpxml and domiflist
# of it — and a domain of the same name can be created again afterwards.
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_tmpdir dir
root=$dir/state
cat >"$dir/x.xml" <<'XML'
<domain>
  <name>x</name>
  <devices>
    <interface type='ethernet'><target dev='xtap0'/></interface>
    <interface type='direct'><source dev='uplink0' mode='bridge'/><target dev='xmvt0'/></interface>
  </devices>
</domain>
XML
expect_ok "$ns" "$root" create "$dir/x.xml"
check_link "$ns" xtap0 alias=$(kt_mark "$root")x/0
check_link "$ns" xmvt0 alias=$(kt_mark "$root")x/1
expect_ok "$ns" "$root" destroy x
check "destroy says so: $out" test "$out" = "Domain 'x' destroyed"
check_absent "$ns" xtap0 xmvt0
assert_no_records "$ns" "$root"

expect_fail "$ns" "$root" "domain 'x' is not active" destroy x
expect_fail "$ns" "$root" "domain 'x' is not active" dumpxml x
expect_fail "$ns" "$root" "domain 'x' is not active" domiflist x
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"

expect_ok "$ns" "$root" create "$dir/x.xml"
check_link "$ns" xtap0 alias=$(kt_mark "$root")x/0
expect_ok "$ns" "$root" destroy x
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"
kt_finish
