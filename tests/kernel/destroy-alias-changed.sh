#!/bin/bash
# destroy never deletes a device that does not carry the domain's mark. A tap, and a macvtap,
# whose alias was changed by hand is left in place, and destroy says which and why (exit 1)
# while it removes the domain's other device; the record stays, so that destroy can be
# repeated once the device is vnic's again. Likewise a device that took the name of one deleted
# by hand (a tap made by ip tuntap; a veth in a macvtap's name) is not touched.
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_tmpdir dir
root=$dir/state

# domain NAME TYPE DEV: the device DEV of type TYPE, then a tap NAME-rest.
domain() {
    local src=""
    [ "$2" = direct ] && src="<source dev='uplink0' mode='bridge'/>"
    cat >"$dir/$1.xml" <<XML
<domain>
  <name>$1</name>
  <devices>
    <interface type='$2'>$src<target dev='$3'/></interface>
    <interface type='ethernet'><target dev='$1-rest'/></interface>
  </devices>
</domain>
XML
    expect_ok "$ns" "$root" create "$dir/$1.xml"
}

# refused DOMAIN DEV: destroy exits 1 naming DEV and why, leaves DEV, removes the rest.
refused() {
    vrun "$ns" "$root" destroy "$1"
    echo "destroy $1: $out"
    check "destroy $1 exits 1: $status" test "$status" -eq 1
    check "the error names $2 and says why: $out" \
        grep -qE "vnicsh: error: .*device '$2' (does not carry vnic's mark|is not vnic's)" <<<"$out"
    check_absent "$ns" "$1-rest"
}

for type in ethernet direct; do
    d=al$type dev=al${type:0:3}0
    domain "$d" "$type" "$dev"
    group=$(record_group "$root" "$d")
    must ip -n "$ns" link set "$dev" alias "mine now"
    refused "$d" "$dev"
    check "the error shows the alias found: $out" grep -qF "'mine now'" <<<"$out"
    check_link "$ns" "$dev" exists=yes alias="mine now" group="$group"
    check "the record of $d stays for another destroy" test -e "$root/run/domains/$d.xml"
    # Marked again: destroy finishes.
    must ip -n "$ns" link set "$dev" alias "$(kt_mark "$root")$d/0"
    expect_ok "$ns" "$root" destroy "$d"
    check_absent "$ns" "$dev"
done
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"

# A foreign device in the name of a device deleted by hand.
domain retap ethernet retap0
must ip -n "$ns" link del retap0
must ip -n "$ns" tuntap add dev retap0 mode tap
idx=$(link_get "$ns" retap0 ifindex)
refused retap retap0
check_link "$ns" retap0 ifindex="$idx" kind=tun alias=

domain remvt direct remvt0
must ip -n "$ns" link del remvt0
must ip -n "$ns" link add remvt0 type veth peer name remvt0p
idx=$(link_get "$ns" remvt0 ifindex)
refused remvt remvt0
check_link "$ns" remvt0 ifindex="$idx" kind=veth alias=
assert_no_vnic_devices "$ns"
kt_finish
