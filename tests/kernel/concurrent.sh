#!/bin/bash
# Eight vnicsh processes create domains at the same time in one state root (each a tap and a
# macvtap from default templates), then destroy them at the same time: every create succeeds
# with names, marks and link groups of its own (vnic's lock keeps the counter and the records
# consistent), and every destroy removes exactly its domain's devices.
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_tmpdir dir
root=$dir/state
N=8
for i in $(seq $N); do
    cat >"$dir/c$i.xml" <<XML
<domain>
  <name>c$i</name>
  <devices>
    <interface type='ethernet'/>
    <interface type='direct'><source dev='uplink0' mode='bridge'/></interface>
  </devices>
</domain>
XML
done

pids=()
for i in $(seq $N); do
    vsh "$ns" "$root" create "$dir/c$i.xml" >"$dir/out$i" 2>&1 &
    pids+=($!)
done
for i in $(seq $N); do
    wait "${pids[$((i - 1))]}"
    rc=$?
    check "create c$i succeeds: $(cat "$dir/out$i")" test $rc -eq 0
done

names=() groups=()
for i in $(seq $N); do
    g=$(record_group "$root" "c$i")
    groups+=("$g")
    for k in 0 1; do
        dev=$(domif "$ns" "$root" "c$i" $k device)
        names+=("$dev")
        check_link "$ns" "$dev" alias="$(kt_mark "$root")c$i/$k" group="$g"
    done
done
check "$((2 * N)) different device names: ${names[*]}" \
    test "$(printf '%s\n' "${names[@]}" | sort -u | wc -l)" -eq $((2 * N))
check "$N different link groups: ${groups[*]}" \
    test "$(printf '%s\n' "${groups[@]}" | sort -u | wc -l)" -eq $N

pids=()
for i in $(seq $N); do
    vsh "$ns" "$root" destroy "c$i" >"$dir/out$i" 2>&1 &
    pids+=($!)
done
for i in $(seq $N); do
    wait "${pids[$((i - 1))]}"
    rc=$?
    check "destroy c$i succeeds: $(cat "$dir/out$i")" test $rc -eq 0
done
check_absent "$ns" "${names[@]}"
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"
kt_finish
