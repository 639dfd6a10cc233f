#!/bin/bash
# A device renamed by hand (ip link set X name Y) is still the domain's device — it carries the
# mark — so destroy must remove it, or fail saying why; it must never report success while a
# device with the domain's mark is left (the record is gone then, and nothing would ever remove
# the device). For a tap among two (the batch path), and for a tap and a macvtap each alone in
# a domain (one by one).
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_tmpdir dir
root=$dir/state

# one DOMAIN INTERFACES...: create the domain.
one() {
    local name=$1
    shift
    printf '<domain>\n  <name>%s</name>\n  <devices>\n%s\n  </devices>\n</domain>\n' \
        "$name" "$*" >"$dir/$name.xml"
    expect_ok "$ns" "$root" create "$dir/$name.xml"
}
# renamed DOMAIN: destroy either removes every device of it, or fails and says so.
renamed() {
    vrun "$ns" "$root" destroy "$1"
    echo "destroy $1: exit $status: $out"
    if [ "$status" -eq 0 ]; then
        assert_no_vnic_devices "$ns" "$(kt_mark "$root")$1/"
    else
        check "destroy $1 failed; the error names the device: $out" grep -qF "vnicsh: error:" <<<"$out"
        check "and the record stays" test -e "$root/run/domains/$1.xml"
    fi
}

one rnb "<interface type='ethernet'><target dev='rnb0'/></interface>" \
    "<interface type='ethernet'><target dev='rnb1'/></interface>"
must ip -n "$ns" link set rnb0 name moved-b
renamed rnb
check_absent "$ns" rnb1
one rnt "<interface type='ethernet'><target dev='rnt0'/></interface>"
must ip -n "$ns" link set rnt0 name moved-t
renamed rnt

one rnm "<interface type='direct'><source dev='uplink0' mode='bridge'/><target dev='rnm0'/></interface>"
must ip -n "$ns" link set rnm0 name moved-m
renamed rnm

kt_finish
