#!/bin/bash
# Run an in-process API test (a C program) inside a private network namespace of its own:
# in-netns.sh PROGRAM ARGS... runs PROGRAM URI ARGS... where URI is an embedded connection with
# a fresh state root. The namespace has the veth pairs uplink0/peer0 and uplink1/peer1 (lower
# devices for macvtaps) and noise0/noise1 (links a test may toggle for traffic of its own),
# all up. Everything is removed on exit.
set -u
prog=$1
shift
ns=vnic-t-api-$$-$RANDOM
tmp=$(mktemp -d)
cleanup() {
    ip netns del "$ns" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns" || exit 1
for pair in "uplink0 peer0" "uplink1 peer1" "noise0 noise1"; do
    read -r a b <<<"$pair"
    ip -n "$ns" link add "$a" type veth peer name "$b" || exit 1
    ip -n "$ns" link set "$a" up
    ip -n "$ns" link set "$b" up
done
TMPDIR=$tmp ip netns exec "$ns" "$prog" "vnic:///embed?root=$tmp/root" "$@"
