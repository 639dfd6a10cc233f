#!/bin/bash
# Two network namespaces, each with a macvtap of the same ifindex, name, alias and MAC (the
# same domain XML, made the same way in fresh namespaces): each vnicsh, in its own namespace
# and with the one shared /dev, gets its own device's queues. Proved by frames: written into
# the fds they come out of that namespace's peer and not the other's, and a frame sent from the
# other namespace's peer to the same MAC is not read from them.
#   netns-pair.sh VNICSH KT_TOOL BACKEND_DIR KT_NETNS_FRAME
source "$(dirname "$0")/lib.sh"
frame_prog=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")

kt_netns nsa
kt_netns nsb
kt_tmpdir dir
for ns in "$nsa" "$nsb"; do
    kt_veth "$ns" uplink0 peer0
done
cat >"$dir/twin.xml" <<'XML'
<domain>
  <name>twin</name>
  <devices>
    <interface type='direct'>
      <mac address='52:54:00:d0:00:01'/>
      <source dev='uplink0' mode='bridge'/>
      <model type='virtio'/>
      <driver queues='2'/>
    </interface>
  </devices>
</domain>
XML

expect_ok "$nsa" "$dir/a" create "$dir/twin.xml"
expect_ok "$nsb" "$dir/b" create "$dir/twin.xml"
dev_a=$(domif "$nsa" "$dir/a" twin 0 device)
dev_b=$(domif "$nsb" "$dir/b" twin 0 device)
idx_a=$(link_get "$nsa" "$dev_a" ifindex)
idx_b=$(link_get "$nsb" "$dev_b" ifindex)
echo "namespace a: $dev_a ifindex $idx_a; namespace b: $dev_b ifindex $idx_b"
# The premise: the two devices look the same by name, ifindex, domain, index and MAC (the
# marks differ only in the tag of each store's root).
must test -n "$idx_a"
must test "$dev_a" = "$dev_b"
must test "$idx_a" = "$idx_b"
for side in a b; do
    ns=$nsa
    [ $side = b ] && ns=$nsb
    check_link "$ns" "$dev_a" kind=macvtap mode=bridge lower=uplink0 ifindex="$idx_a" \
        mac=52:54:00:d0:00:01 alias=$(kt_mark "$dir/$side")twin/0
done
check "domiflist agrees with the kernel on the ifindex" test "$(domif "$nsa" "$dir/a" twin 0 ifindex)" = "$idx_a"

check "namespace a gets its own device's queues" \
    ip netns exec "$nsa" "$frame_prog" "$dir/a" twin "$nsb"
check "namespace b gets its own device's queues" \
    ip netns exec "$nsb" "$frame_prog" "$dir/b" twin "$nsa"

expect_ok "$nsa" "$dir/a" destroy twin
expect_ok "$nsb" "$dir/b" destroy twin
for ns in "$nsa" "$nsb"; do
    check_absent "$ns" "$dev_a"
    assert_no_vnic_devices "$ns"
    check "uplink0 is still there in $ns" linkcheck "$ns" check uplink0 exists=yes
done
assert_no_records "$nsa" "$dir/a"
assert_no_records "$nsb" "$dir/b"
kt_finish
