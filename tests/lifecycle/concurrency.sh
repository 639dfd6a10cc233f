#!/bin/bash
# Eight vnicsh processes start and destroy eight different domains in a loop at the same
# time: no collisions (names, groups, records), no errors, and nothing left behind.
source "$(dirname "$0")/common.sh"
rounds=${VNIC_TEST_ROUNDS:-6}

for i in $(seq 1 8); do
    write_domain "par$i" 2 "$tmp/par$i.xml"
done

worker() {
    local i=$1
    for r in $(seq 1 "$rounds"); do
        vsh create "$tmp/par$i.xml" >/dev/null 2>>"$tmp/errors.$i" || echo "create par$i round $r" >>"$tmp/errors.$i"
        vsh destroy "par$i" >/dev/null 2>>"$tmp/errors.$i" || echo "destroy par$i round $r" >>"$tmp/errors.$i"
    done
}
# The workers' pids: a bare `wait` would also wait for vnicd in the remote mode.
pids=()
for i in $(seq 1 8); do
    worker "$i" &
    pids+=($!)
done
wait "${pids[@]}"

for i in $(seq 1 8); do
    [ -s "$tmp/errors.$i" ] && fail "worker $i: $(cat "$tmp/errors.$i")"
done
[ -z "$(marked_devices)" ] || fail "devices left: $(marked_devices)"
[ -z "$(ls "$root/run/domains")" ] || fail "records left: $(ls "$root/run/domains")"
# Names come from one counter under the store lock: every start got fresh ones.
counter=$(cat "$root/run/name-counter")
[ "$counter" -eq $((16 * rounds)) ] || fail "the name counter is $counter, expected $((16 * rounds)) (two template names per start)"
finish
