#!/bin/bash
# A fixed name that is already taken, for a tap and for a macvtap, by a foreign device (a
# veth), by a tap vnic did not make, and by another domain's device: exit 1 with "device 'X'
# already exists", nothing of the failed domain left (the interface made before it is removed
# again), and the device that has the name untouched (same ifindex, alias, group).
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_tmpdir dir
root=$dir/state
must ip -n "$ns" link add taken0 type veth peer name taken0p
must ip -n "$ns" tuntap add dev ftap0 mode tap
cat >"$dir/owner.xml" <<'XML'
<domain>
  <name>owner</name>
  <devices>
    <interface type='ethernet'><target dev='vtap0'/></interface>
    <interface type='direct'><source dev='uplink0' mode='bridge'/><target dev='vmvt0'/></interface>
  </devices>
</domain>
XML
expect_ok "$ns" "$root" create "$dir/owner.xml"
owner_group=$(record_group "$root" owner)

n=0
for case in "ethernet taken0" "ethernet ftap0" "ethernet vtap0" "ethernet vmvt0" \
    "direct taken0" "direct ftap0" "direct vtap0" "direct vmvt0"; do
    set -- $case
    type=$1 name=$2
    n=$((n + 1))
    source=""
    [ "$type" = direct ] && source="<source dev='uplink0' mode='bridge'/>"
    cat >"$dir/clash$n.xml" <<XML
<domain>
  <name>clash$n</name>
  <devices>
    <interface type='direct'><source dev='uplink0' mode='vepa'/></interface>
    <interface type='$type'>
      $source
      <target dev='$name'/>
      <alias name='ua-clash'/>
    </interface>
  </devices>
</domain>
XML
    ifindex=$(link_get "$ns" "$name" ifindex)
    alias=$(link_get "$ns" "$name" alias)
    group=$(link_get "$ns" "$name" group)
    kind=$(link_get "$ns" "$name" kind)
    expect_fail "$ns" "$root" "interface 2 of 2 (alias 'ua-clash', line 5): device '$name' already exists" \
        create "$dir/clash$n.xml"
    check_link "$ns" "$name" ifindex="$ifindex" kind="$kind" alias="$alias" group="$group"
    assert_no_vnic_devices "$ns" "$(kt_mark "$root")clash$n/"
    check "no record of clash$n" test ! -e "$root/run/domains/clash$n.xml"
done

# The other domain is intact, and goes with its own destroy.
check_link "$ns" vtap0 alias=$(kt_mark "$root")owner/0 group="$owner_group"
check_link "$ns" vmvt0 alias=$(kt_mark "$root")owner/1 group="$owner_group"
expect_ok "$ns" "$root" destroy owner
check_absent "$ns" vtap0 vmvt0
check_link "$ns" taken0 exists=yes
check_link "$ns" ftap0 exists=yes
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"
kt_finish
