#!/bin/bash
# destroy without CAP_NET_ADMIN (root with the capability dropped) cannot remove anything: it
# must exit 1 saying so, and leave the domain as it was — every device in place and the domain
# still active, its queues still openable (a VM using them keeps working). A later destroy
# with the capability then removes everything.
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_tmpdir dir
root=$dir/state
cat >"$dir/keep.xml" <<'XML'
<domain>
  <name>keep</name>
  <devices>
    <interface type='ethernet'><target dev='ktap0'/></interface>
    <interface type='direct'><source dev='uplink0' mode='bridge'/><target dev='kmvt0'/></interface>
  </devices>
</domain>
XML
expect_ok "$ns" "$root" create "$dir/keep.xml"

out=$(ip netns exec "$ns" setpriv --inh-caps=-all --bounding-set=-net_admin \
    "$KT_VNICSH" -c "vnic:///embed?root=$root" destroy keep 2>&1)
status=$?
check "destroy without CAP_NET_ADMIN exits 1: $status" test $status -eq 1
check "the message names the missing capability: $out" grep -qF "CAP_NET_ADMIN" <<<"$out"
check_link "$ns" ktap0 exists=yes alias=$(kt_mark "$root")keep/0
check_link "$ns" kmvt0 exists=yes alias=$(kt_mark "$root")keep/1
vrun "$ns" "$root" list --json
check "the domain is still active: $out" python3 -c '
import json, sys; sys.exit(0 if json.loads(sys.argv[1]) == [{"name": "keep", "uuid": None, "state": "active", "persistent": False, "interfaces": 2}] else 1)' "$out"
check "the queues of ktap0 can still be opened" \
    ip netns exec "$ns" "$KT_TOOL" queues "$root" keep 0
check "the queues of kmvt0 can still be opened" \
    ip netns exec "$ns" "$KT_TOOL" queues "$root" keep 1

expect_ok "$ns" "$root" destroy keep
check_absent "$ns" ktap0 kmvt0
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"
kt_finish
