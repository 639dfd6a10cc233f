#!/bin/bash
# create without CAP_NET_ADMIN: root with the capability dropped (setpriv's bounding set, and
# capsh), and an unprivileged user (nobody) with a state root of its own. Each time: exit 1,
# the message says CAP_NET_ADMIN is needed, and nothing is left — no device, no state record.
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_tmpdir dir
chmod 0755 "$dir"
cat >"$dir/nocap.xml" <<'XML'
<domain>
  <name>nocap</name>
  <devices>
    <interface type='ethernet'/>
    <interface type='direct'><source dev='uplink0' mode='bridge'/></interface>
  </devices>
</domain>
XML
chmod 0644 "$dir/nocap.xml"
msg="vnic needs the CAP_NET_ADMIN capability to create network devices"

# expect_nocap ROOT LAUNCHER...: vnicsh create under LAUNCHER fails for want of the capability.
expect_nocap() {
    local root=$1
    shift
    out=$(ip netns exec "$ns" "$@" "$KT_VNICSH" -c "vnic:///embed?root=$root" create "$dir/nocap.xml" 2>&1)
    status=$?
    check "exit 1 under $1: $status" test $status -eq 1
    check "the message says why under $1: $out" grep -qF "vnicsh: error: $msg" <<<"$out"
    assert_no_vnic_devices "$ns"
    if [ "$(stat -c %u "$root")" = 0 ]; then
        assert_no_records "$ns" "$root"
        return
    fi
    # Another user's store is refused to root: look at it as its owner.
    check "no state record is left under $root" test -z "$(ls -A "$root/run/domains")"
    out=$(ip netns exec "$ns" "$@" "$KT_VNICSH" -c "vnic:///embed?root=$root" list --json 2>&1)
    check "vnicsh list --json as the store's owner shows no domain: $out" test "$out" = "[]"
}

expect_nocap "$dir/s1" setpriv --inh-caps=-all --bounding-set=-net_admin
expect_nocap "$dir/s2" capsh --drop=cap_net_admin -- -c 'exec "$@"' vnicsh
mkdir "$dir/s3"
chown 65534:65534 "$dir/s3"
expect_nocap "$dir/s3" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all
check_link "$ns" uplink0 exists=yes
kt_finish
