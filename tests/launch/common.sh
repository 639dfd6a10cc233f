# Shared set-up of the `vnicsh run` tests: a private network namespace with a veth pair
# (uplink0 is the macvtap lower device), a fresh state root, a vnicsh wrapper and the fd probe.
# Everything is removed on exit, and background processes the test started are killed.
# Source it with $1 = vnicsh and $2 = fdprobe.
set -u
vnicsh=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
fdprobe=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
example=$here/../examples/web1.xml
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

bg_pids=()
if [ "${VNIC_TEST_REMOTE:-0}" = 1 ]; then
    # Remote mode (suite 'remote'): the same test against a real vnicd, started by
    # tests/daemon/lib.sh ($VNICD) in the test's namespace on the test's state root, and
    # reached over its socket; the rest of the test is unchanged.
    source "$here/../daemon/lib.sh" || exit 1
    # lib.sh counts its failures in vd_failures; this test counts in $failures, which
    # finish checks: every fail (ours and lib.sh's vd_check_log) must land there.
    fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
    ns=$vd_ns tmp=$vd_tmp root=$vd_root
    cleanup() {
        for p in "${bg_pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
        vd_cleanup
    }
    trap cleanup EXIT
    vd_start || exit 1
    uri=$(vd_uri)
else
    ns=vnic-t-run-$$-$RANDOM
    tmp=$(mktemp -d)
    root=$tmp/root
    uri="vnic:///embed?root=$root"
    cleanup() {
        for p in "${bg_pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
        rm -rf "$tmp"
    }
    trap cleanup EXIT
    ip netns add "$ns" || exit 1
    ip -n "$ns" link add uplink0 type veth peer name peer0 || exit 1
    ip -n "$ns" link set uplink0 up
    ip -n "$ns" link set peer0 up
fi

vsh() { ip netns exec "$ns" "$vnicsh" -c "$uri" "$@"; }
# What a child run by `vnicsh run` uses to call vnicsh again.
export VSH="$vnicsh" VSH_URI="$uri"

# Devices carrying any vnic mark, one name per line.
marked_devices() {
    ip -n "$ns" -d -j link show | python3 -c '
import json, sys
for l in json.load(sys.stdin):
    if l.get("ifalias", "").startswith("vnic"):
        print(l["ifname"])'
}

# Names of the active or defined domains ("NAME STATE" per line).
domains() {
    vsh list --all --json | python3 -c '
import json, sys
for d in json.load(sys.stdin):
    print(d["name"], d["state"])'
}

# After a run that started a transient domain: no domain, no device.
expect_all_gone() { # WHAT
    local l d
    l=$(domains)
    [ -z "$l" ] || fail "$1: domains left: $l"
    d=$(marked_devices)
    [ -z "$d" ] || fail "$1: devices left: $d"
}

# Wait until FILE contains a line matching PATTERN (at most 20 s).
wait_for_line() { # FILE PATTERN
    local i
    for i in $(seq 200); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

finish() {
    if [ "${VNIC_TEST_REMOTE:-0}" = 1 ]; then vd_check_log; fi
    [ "$failures" -eq 0 ] || { echo "$failures failures"; exit 1; }
    echo "$(basename "$0"): all checks passed"
    exit 0
}
