#!/bin/bash
# Runs a kernel test written in C inside a network namespace of its own:
#   run-c.sh VNICSH KT_TOOL BACKEND_DIR PROGRAM [ARGS...]
# The namespace has two veth pairs, uplink0/peer0 and uplink1/peer1 (the uplinks are the lower
# devices); PROGRAM gets a fresh directory as its first argument (its state root is DIR/state)
# and does its own checks. Afterwards, whatever PROGRAM did, no device with vnic's mark and no
# state record may be left.
source "$(dirname "$0")/lib.sh"
program=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
KT_NAME=$(basename "$program")${1:+-$1}
KT_NAME=${KT_NAME#test-}

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_veth "$ns" uplink1 peer1
kt_tmpdir dir

echo "== $(basename "$program") $* (in $ns)"
kt_checks=$((kt_checks + 1))
ip netns exec "$ns" "$program" "$dir" "$@"
rc=$?
[ $rc -eq 0 ] || fail "$(basename "$program") $* exited $rc"

assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$dir/state"
kt_finish
