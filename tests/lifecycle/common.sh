# Shared set-up of the lifecycle tests: a private network namespace with a veth pair
# (uplink0 is the macvtap lower device), a fresh state root, and a vnicsh wrapper. Everything
# is removed on exit. Source it after setting $1 to vnicsh.
set -u
vnicsh=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

if [ "${VNIC_TEST_REMOTE:-0}" = 1 ]; then
    # Remote mode (suite 'remote'): the same test against a real vnicd, started by
    # tests/daemon/lib.sh ($VNICD) in the test's namespace on the test's state root, and
    # reached over its socket; the rest of the test is unchanged.
    source "$(dirname "${BASH_SOURCE[0]}")/../daemon/lib.sh" || exit 1
    # lib.sh counts its failures in vd_failures; this test counts in $failures, which
    # finish checks: every fail (ours and lib.sh's vd_check_log) must land there.
    fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
    ns=$vd_ns tmp=$vd_tmp root=$vd_root
    cleanup() { vd_cleanup; }
    trap cleanup EXIT
    vd_start || exit 1
    uri=$(vd_uri)
else
    ns=vnic-t-lc-$$-$RANDOM
    tmp=$(mktemp -d)
    root=$tmp/root
    cleanup() {
        ip netns del "$ns" 2>/dev/null
        rm -rf "$tmp"
    }
    trap cleanup EXIT
    ip netns add "$ns" || exit 1
    ip -n "$ns" link add uplink0 type veth peer name peer0 || exit 1
    ip -n "$ns" link set uplink0 up
    ip -n "$ns" link set peer0 up
    uri="vnic:///embed?root=$root"
fi

vsh() { ip netns exec "$ns" "$vnicsh" -c "$uri" "$@"; }

# Devices carrying any vnic mark, one name per line.
marked_devices() {
    ip -n "$ns" -d -j link show | python3 -c '
import json, sys
for l in json.load(sys.stdin):
    if l.get("ifalias", "").startswith("vnic"):
        print(l["ifname"])'
}

device_exists() { ip -n "$ns" link show "$1" >/dev/null 2>&1; }

# A domain of N interfaces alternating macvtap and tap.
write_domain() { # NAME N FILE
    {
        echo "<domain><name>$1</name><devices>"
        for i in $(seq 0 $(($2 - 1))); do
            if [ $((i % 2)) -eq 0 ]; then
                echo "<interface type='direct'><source dev='uplink0' mode='bridge'/><alias name='ua-n$i'/></interface>"
            else
                echo "<interface type='ethernet'><model type='virtio'/><alias name='ua-n$i'/></interface>"
            fi
        done
        echo "</devices></domain>"
    } >"$3"
}

finish() {
    if [ "${VNIC_TEST_REMOTE:-0}" = 1 ]; then vd_check_log; fi
    [ "$failures" -eq 0 ] || { echo "$failures failures"; exit 1; }
    echo "$(basename "$0"): all checks passed"
    exit 0
}
