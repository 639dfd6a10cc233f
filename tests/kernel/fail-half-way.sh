#!/bin/bash
# A start that fails half way: interface 3 of 4 cannot be made, after interfaces 1 and 2 (a tap
# and a macvtap) were. Exit 1, the error names interface 3 (alias and line) and the reason,
# and nothing of interfaces 1-2 is left: no device with the domain's mark, no state record.
# Two ways: a lower device that does not exist, and a fixed name that a foreign device has
# (which vnic finds only when it makes the device, so 1 and 2 exist by then: proved by the
# ifindexes the kernel handed out meanwhile) — the foreign device is left as it was.
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_tmpdir dir
root=$dir/state
must ip -n "$ns" link add taken0 type veth peer name taken0p

# domain NAME THIRD: four interfaces, the third as given.
domain() {
    cat <<XML
<domain>
  <name>$1</name>
  <devices>
    <interface type='ethernet'><alias name='ua-net0'/></interface>
    <interface type='direct'><source dev='uplink0' mode='bridge'/><alias name='ua-net1'/></interface>
    $2
    <interface type='direct'><source dev='uplink0' mode='vepa'/><alias name='ua-net3'/></interface>
  </devices>
</domain>
XML
}

# probe_ifindex: the ifindex the kernel gives the next device (ifindexes are handed out in
# increasing order, never reused at once): made and deleted again.
probe_n=0
probe_ifindex() {
    probe_n=$((probe_n + 1))
    must ip -n "$ns" link add "probe$probe_n" type veth peer name "probe${probe_n}p"
    link_get "$ns" "probe${probe_n}p" ifindex
    must ip -n "$ns" link del "probe$probe_n"
}

domain half1 "<interface type='direct'><source dev='nosuch0' mode='bridge'/><alias name='ua-net2'/></interface>" >"$dir/half1.xml"
expect_fail "$ns" "$root" "interface 3 of 4 (alias 'ua-net2', line 6): lower device 'nosuch0' does not exist" \
    create "$dir/half1.xml"
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"

domain half2 "<interface type='ethernet'><target dev='taken0'/><alias name='ua-net2'/></interface>" >"$dir/half2.xml"
taken=$(link_get "$ns" taken0 ifindex)
before=$(probe_ifindex)
expect_fail "$ns" "$root" "interface 3 of 4 (alias 'ua-net2', line 6): device 'taken0' already exists" \
    create "$dir/half2.xml"
after=$(probe_ifindex)
made=$((after - before - 2)) # the probe pair takes two
echo "devices the kernel registered while the create ran: $made"
check "interfaces 1 and 2 were made before interface 3 failed ($made devices)" test "$made" -ge 2
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"
check_link "$ns" taken0 ifindex="$taken" kind=veth alias= group=0
check "no macvtap is left on uplink0" test "$(count_links "$ns" macvtap uplink0)" = 0
kt_finish
