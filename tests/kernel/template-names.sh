#!/bin/bash
# Names from templates come from vnic's own counter, which never goes back: two creates in a
# row get vnet0 and vnet1, and after a destroy the freed name is not handed out again (vnet2,
# not vnet0), not even when no domain is left. A name a foreign device has is skipped quietly
# (for a tap and a macvtap template), and the foreign device is left alone. Checked in the
# kernel, in domiflist and in dumpxml.
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_tmpdir dir
root=$dir/state

# create_one NAME TYPE [TEMPLATE]: a domain with one interface; prints the device's name.
n=0
create_one() {
    local src="" target=""
    [ "$2" = direct ] && src="<source dev='uplink0' mode='bridge'/>"
    [ -n "${3:-}" ] && target="<target dev='$3'/>"
    cat >"$dir/$1.xml" <<XML
<domain>
  <name>$1</name>
  <devices>
    <interface type='$2'>$src$target</interface>
  </devices>
</domain>
XML
    expect_ok "$ns" "$root" create "$dir/$1.xml"
}

# expect_name DOMAIN NAME: the domain's device is NAME, in vnic's view and the kernel's.
expect_name() {
    local got
    got=$(domif "$ns" "$root" "$1" 0 device)
    check "$1 got the name $2 (domiflist says '$got')" test "$got" = "$2"
    check "dumpxml of $1 names $2" grep -qE "<target dev=[\"']$2[\"']/>" <(vsh "$ns" "$root" dumpxml "$1")
    check_link "$ns" "$2" alias="$(kt_mark "$root")$1/0"
}

create_one d1 ethernet
expect_name d1 vnet0
create_one d2 ethernet
expect_name d2 vnet1
expect_ok "$ns" "$root" destroy d1
check_absent "$ns" vnet0
create_one d3 ethernet
expect_name d3 vnet2
check_absent "$ns" vnet0

# A foreign device has the next name: skipped.
must ip -n "$ns" link add vnet3 type veth peer name vnet3p
create_one d4 ethernet
expect_name d4 vnet4
check_link "$ns" vnet3 kind=veth alias=

# Macvtaps share the counter; their default template, and one of the XML's.
create_one d5 direct
expect_name d5 macvtap5
must ip -n "$ns" link add mv-6-x type veth peer name mv6p
create_one d6 direct "mv-%d-x"
expect_name d6 mv-7-x
check_link "$ns" mv-6-x kind=veth alias=

for d in d2 d3 d4 d5 d6; do
    expect_ok "$ns" "$root" destroy "$d"
done
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"

# With no domain left the counter still does not go back.
create_one d7 ethernet
expect_name d7 vnet8
expect_ok "$ns" "$root" destroy d7
check_link "$ns" vnet3 exists=yes alias=
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"
kt_finish
