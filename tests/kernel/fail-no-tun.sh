#!/bin/bash
# /dev/net/tun missing (a private mount namespace with an empty /dev/net; the real node is not
# touched): creating a tap fails with exit 1 and the message that says how to get the node
# back; a domain with a macvtap before the tap leaves nothing either. Queues of a tap made
# while the node was there cannot be opened without it, again with that message.
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_tmpdir dir
root=$dir/state
cat >"$dir/tap.xml" <<'XML'
<domain>
  <name>notun</name>
  <devices>
    <interface type='direct'><source dev='uplink0' mode='bridge'/></interface>
    <interface type='ethernet'><alias name='ua-tap'/></interface>
  </devices>
</domain>
XML
msg="/dev/net/tun is missing: load the tun module or create the node with 'mknod /dev/net/tun c 10 200'"

# without_tun COMMAND...: run in NS with an empty tmpfs over /dev/net.
without_tun() {
    ip netns exec "$ns" unshare -m sh -c 'mount -t tmpfs tmpfs /dev/net && exec "$@"' sh "$@"
}

out=$(without_tun "$KT_VNICSH" -c "vnic:///embed?root=$root" create "$dir/tap.xml" 2>&1)
status=$?
check "create exits 1 without /dev/net/tun: $status" test $status -eq 1
check "the message names interface 2 and says how to fix it: $out" \
    grep -qF "vnicsh: error: interface 2 of 2 (alias 'ua-tap', line 5): $msg" <<<"$out"
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"

expect_ok "$ns" "$root" create "$dir/tap.xml"
dev=$(domif "$ns" "$root" notun 1 device)
out=$(without_tun "$KT_TOOL" queues "$root" notun 1 2>&1)
status=$?
check "opening the tap's queues fails without /dev/net/tun: $status" test $status -eq 1
check "with the same message: $out" grep -qF "$msg" <<<"$out"
check "the real node is still there" test -c /dev/net/tun
check "and the queues open again with it" ip netns exec "$ns" "$KT_TOOL" queues "$root" notun 1
expect_ok "$ns" "$root" destroy notun
check_absent "$ns" "$dev"
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"
kt_finish
