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
vnicd_pid=
cleanup() {
    if [ -n "$vnicd_pid" ]; then
        kill -TERM "$vnicd_pid" 2>/dev/null
        wait "$vnicd_pid" 2>/dev/null
    fi
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
uri="vnic:///embed?root=$tmp/root"
if [ "${VNIC_TEST_REMOTE:-0}" = 1 ]; then
    # Remote mode (suite 'remote'): the same program through a real vnicd ($VNICD) serving that
    # root in the namespace.
    ip netns exec "$ns" "$VNICD" --root "$tmp/root" --socket "$tmp/vnicd.sock" 2>"$tmp/vnicd.log" &
    vnicd_pid=$!
    for _ in $(seq 1 200); do
        [ -S "$tmp/vnicd.sock" ] && break
        kill -0 "$vnicd_pid" 2>/dev/null || break
        sleep 0.05
    done
    [ -S "$tmp/vnicd.sock" ] || { echo "vnicd did not come up: $(cat "$tmp/vnicd.log")"; exit 1; }
    uri="vnic+unix:///system?socket=$tmp/vnicd.sock"
fi
TMPDIR=$tmp ip netns exec "$ns" "$prog" "$uri" "$@"
status=$?
# In remote mode a sanitizer report of the vnicd that served the program fails the test too.
if [ "${VNIC_TEST_REMOTE:-0}" = 1 ] && grep -q "ERROR: [A-Za-z]*Sanitizer\|runtime error:" "$tmp/vnicd.log"; then
    echo "FAIL: vnicd's log has a sanitizer report:" >&2
    cat "$tmp/vnicd.log" >&2
    status=1
fi
exit $status
