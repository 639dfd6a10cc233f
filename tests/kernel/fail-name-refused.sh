#!/bin/bash
# A name the kernel itself refuses for a new device is reported as the kernel's refusal, not
# as "device 'X' exists and is not a tap device". The kernel's dev_valid_name takes the byte
# 0xa0 for white space: it ends a UTF-8 non-breaking space and the letter 'à'. vnic's own
# name check may refuse such names first; vnic's TUNSETIFF path is also driven directly
# (kt-tool tap-create), so the kernel's answer is always exercised. The kernel's extended
# ack message reaches the user too (kt-tool mtu: vnic's RTM_SETLINK path).
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_tmpdir dir
root=$dir/state
nbsp=$(printf 'vm\xc2\xa0x0')
agrave=$(printf 'vm\xc3\xa00')

# kt-tool CMD ARGS...: run it in the namespace, with $out and $status.
kt() { out=$(ip netns exec "$ns" "$KT_TOOL" "$@" 2>&1); status=$?; }

# vnic's own path to TUNSETIFF, without vnic's name check in front of it.
for name in "$nbsp" "$agrave"; do
    kt tap-create "$name"
    check "tap-create '$name' fails" test "$status" -eq 1
    check "tap-create '$name' reports the kernel's refusal: $out" \
        grep -qF "the kernel refused the name of tap '$name': it allows no white space" <<<"$out"
    check "tap-create '$name' does not blame a device: $out" \
        bash -c '! grep -q "exists and is not a tap" <<<"$1"' - "$out"
done
kt tap-create vmok0
check "tap-create of a good name works: $out" test "$status" -eq 0

# Through vnicsh, for both kinds: refused either by vnic's own check (naming the element) or
# as the kernel's refusal; never as an existing device; nothing left behind.
n=0
for type in ethernet direct; do
    for name in "$nbsp" "$agrave"; do
        n=$((n + 1))
        source=""
        [ "$type" = direct ] && source="<source dev='uplink0' mode='bridge'/>"
        cat >"$dir/bad$n.xml" <<XML
<domain>
  <name>bad$n</name>
  <devices>
    <interface type='$type'>$source<target dev='$name'/></interface>
  </devices>
</domain>
XML
        vrun "$ns" "$root" create "$dir/bad$n.xml"
        kind=tap
        [ "$type" = direct ] && kind=macvtap
        check "create $type '$name' exits 1: $out" test "$status" -eq 1
        check "create $type '$name' gives the reason: $out" \
            grep -Eq "bad$n.xml:[0-9]+: error: .*target|vnicsh: error: .*the kernel refused the name of $kind '$name': it allows no white space.*: Invalid argument" <<<"$out"
        check "create $type '$name' does not blame a device: $out" \
            bash -c '! grep -q "exists and is not" <<<"$1"' - "$out"
        assert_no_vnic_devices "$ns"
        check "no record of bad$n" test ! -e "$root/run/domains/bad$n.xml"
    done
done

# The kernel's extended ack: an mtu above the device's maximum.
kt mtu uplink0 70000
check "mtu 70000 fails" test "$status" -eq 1
check "the kernel's own words come through: $out" \
    grep -qF "cannot change the device: mtu greater than device maximum (Invalid argument)" <<<"$out"
kt_finish
