#!/bin/bash
# A template whose names outgrow 15 bytes: abcdefghijklm%d fits numbers up to 99. With vnic's
# counter set to 98, starts keep working past the width limit: 98 and 99 from the counter,
# then the template's own counter from the lowest free number (0, 1, ...), skipping names a
# device or a record holds, and never handing out a name freed a moment ago; it wraps again
# only at the end of its range. Every name is at most 15 bytes.
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_tmpdir dir
root=$dir/state
tmpl=abcdefghijklm%d
p=abcdefghijklm

# create_n NAME N: a domain of N taps named from the template.
create_n() {
    {
        echo "<domain><name>$1</name><devices>"
        for _ in $(seq "$2"); do
            echo "<interface type='ethernet'><target dev='$tmpl'/></interface>"
        done
        echo "</devices></domain>"
    } >"$dir/$1.xml"
    expect_ok "$ns" "$root" create "$dir/$1.xml"
}

# expect_names DOMAIN NAME...: the domain's devices, in order, in vnic's view and the kernel's.
expect_names() {
    local dom=$1 i=0 got
    shift
    for want in "$@"; do
        got=$(domif "$ns" "$root" "$dom" "$i" device)
        check "$dom/$i got the name $want (domiflist says '$got')" test "$got" = "$want"
        check "$want is at most 15 bytes" test "${#want}" -le 15
        check_link "$ns" "$want" kind=tun alias="$(kt_mark "$root")$dom/$i"
        i=$((i + 1))
    done
}

expect_ok "$ns" "$root" list # makes the store
printf '98\n' >"$root/run/name-counter"

create_n w1 1
expect_names w1 ${p}98
create_n w2 1
expect_names w2 ${p}99
# The counter is at 100 now: the template wraps to its lowest free number.
create_n w3 1
expect_names w3 ${p}0
create_n w4 1
expect_names w4 ${p}1
# Freed a moment ago: not handed out again.
expect_ok "$ns" "$root" destroy w4
check_absent "$ns" ${p}1
create_n w5 1
expect_names w5 ${p}2
# A foreign device holds the next name: skipped, and left alone.
must ip -n "$ns" link add ${p}3 type veth peer name wrap3p
create_n w6 2
expect_names w6 ${p}4 ${p}5
check_link "$ns" ${p}3 kind=veth alias=
# A record holds a name whose device is gone (the domain is degraded): not free either.
must ip -n "$ns" link del ${p}5
create_n w7 1
expect_names w7 ${p}6

# At the end of the range it wraps again, to the lowest free number: 1 (0 is w3's).
must sed -i "s/^[0-9]* $tmpl\$/99 $tmpl/" "$root/run/name-wrap"
check "the template's counter is kept in the store" grep -qx "99 $tmpl" "$root/run/name-wrap"
create_n w8 1
expect_names w8 ${p}1
create_n w9 1
expect_names w9 ${p}7 # 5 is held by w6's record

for d in w1 w2 w3 w5 w6 w7 w8 w9; do
    vrun "$ns" "$root" destroy "$d"
done
expect_ok "$ns" "$root" reconcile
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"
kt_finish
