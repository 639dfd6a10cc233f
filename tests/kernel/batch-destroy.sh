#!/bin/bash
# Link groups and batch destroy. Every device a domain makes is in the domain's own link group
# (one group per active domain; devices used with managed='no' are not touched). destroy of a
# domain with several devices removes them all (by group, the kernel's batch path) and nothing
# else — not another domain's devices, not the managed='no' tap. A domain whose group also
# holds a foreign device (a veth, and another domain's tap, moved there by hand) is destroyed
# one by one, with a warning, and the foreign devices are left untouched.
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_tmpdir dir
root=$dir/state
must ip -n "$ns" tuntap add dev keepme mode tap
must ip -n "$ns" link add fgn0 type veth peer name fgn0p

cat >"$dir/many.xml" <<'XML'
<domain>
  <name>many</name>
  <devices>
    <interface type='ethernet'><target dev='many-%d'/></interface>
    <interface type='ethernet'><target dev='many-%d'/></interface>
    <interface type='ethernet'><target dev='many-%d'/><driver queues='2'/></interface>
    <interface type='ethernet'><target dev='many-%d'/></interface>
    <interface type='direct'><source dev='uplink0' mode='bridge'/><target dev='many-%d'/></interface>
    <interface type='direct'><source dev='uplink0' mode='vepa'/><target dev='many-%d'/></interface>
    <interface type='direct'><source dev='uplink0' mode='private'/><target dev='many-%d'/></interface>
    <interface type='ethernet'><target dev='keepme' managed='no'/></interface>
  </devices>
</domain>
XML
cat >"$dir/other.xml" <<'XML'
<domain>
  <name>other</name>
  <devices>
    <interface type='ethernet'><target dev='other0'/></interface>
    <interface type='ethernet'><target dev='other1'/></interface>
  </devices>
</domain>
XML
cat >"$dir/mixed.xml" <<'XML'
<domain>
  <name>mixed</name>
  <devices>
    <interface type='ethernet'><target dev='mixed0'/></interface>
    <interface type='ethernet'><target dev='mixed1'/></interface>
    <interface type='direct'><source dev='uplink0' mode='bridge'/><target dev='mixed2'/></interface>
  </devices>
</domain>
XML
for d in many other mixed; do
    expect_ok "$ns" "$root" create "$dir/$d.xml"
done
g_many=$(record_group "$root" many)
g_other=$(record_group "$root" other)
g_mixed=$(record_group "$root" mixed)
check "three domains, three different groups ($g_many $g_other $g_mixed)" test \
    "$(printf '%s\n' "$g_many" "$g_other" "$g_mixed" | sort -u | grep -c '^[1-9]')" = 3
many_devs=()
for i in 0 1 2 3 4 5 6; do
    dev=$(domif "$ns" "$root" many $i device)
    many_devs+=("$dev")
    check_link "$ns" "$dev" alias="$(kt_mark "$root")many/$i" group="$g_many"
done
check_link "$ns" keepme alias= group=0
check_link "$ns" other0 alias=$(kt_mark "$root")other/0 group="$g_other"

# many: all seven go, in one batch; nothing else does.
vrun "$ns" "$root" --debug destroy many
check "destroy many exits 0: $out" test "$status" -eq 0
check "destroy many took the batch path (no fallback logged): $out" \
    eval '! grep -qE "no batch deletion|batch deletion failed|deleting one by one" <<<"$out"'
check_absent "$ns" "${many_devs[@]}"
check_link "$ns" keepme exists=yes alias= group=0
check_link "$ns" other0 exists=yes alias=$(kt_mark "$root")other/0 group="$g_other"
check_link "$ns" other1 exists=yes alias=$(kt_mark "$root")other/1 group="$g_other"
check_link "$ns" mixed0 exists=yes alias=$(kt_mark "$root")mixed/0 group="$g_mixed"
assert_no_vnic_devices "$ns" "$(kt_mark "$root")many/"

# mixed: a foreign veth and another domain's tap in its group.
must ip -n "$ns" link set fgn0 group "$g_mixed"
must ip -n "$ns" link set other0 group "$g_mixed"
fgn_idx=$(link_get "$ns" fgn0 ifindex)
vrun "$ns" "$root" --debug destroy mixed
check "destroy mixed exits 0: $out" test "$status" -eq 0
check "destroy mixed warns about the foreign device and goes one by one: $out" \
    grep -qF "device fgn0 is in group $g_mixed without vnic's mark of domain mixed; deleting one by one" <<<"$out"
check_absent "$ns" mixed0 mixed1 mixed2
check_link "$ns" fgn0 exists=yes ifindex="$fgn_idx" kind=veth alias= group="$g_mixed"
check_link "$ns" fgn0p exists=yes
check_link "$ns" other0 exists=yes alias=$(kt_mark "$root")other/0 group="$g_mixed"
assert_no_vnic_devices "$ns" "$(kt_mark "$root")mixed/"

# other: one device still in its own group, one moved away; both go.
expect_ok "$ns" "$root" destroy other
check_absent "$ns" other0 other1
check_link "$ns" keepme exists=yes
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"
kt_finish
