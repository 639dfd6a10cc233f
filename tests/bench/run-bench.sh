#!/bin/bash
# Run vnic-bench in a network namespace of its own, with a veth uplink0/peer0 inside as the
# macvtap lower device and a fresh state root on tmpfs; both are removed however it ends.
# The host's own devices are never touched.
#
#   run-bench.sh VNIC_BENCH BACKEND_DIR [vnic-bench options...]
#
# With $VNICD (the daemon's program), vnicd runs in the same namespace on a state root of its
# own and vnic-bench gets --remote: the same runs through the daemon, in the same run.
#
# $VNIC_BENCH_PREFIX, when set, is put before the program (word-split), to profile it:
#   VNIC_BENCH_PREFIX='perf record -g -o /tmp/vnic.perf' run-bench.sh ...
# Exit 77 (skipped) when not root or when ip is missing.
set -u
if [ $# -lt 2 ]; then
    echo "usage: $0 VNIC_BENCH BACKEND_DIR [vnic-bench options...]" >&2
    exit 2
fi
bench=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
backend_dir=$2
shift 2

if [ "$(id -u)" != 0 ]; then
    echo "vnic-bench: needs root (network namespaces and devices); skipped"
    exit 77
fi
if ! command -v ip >/dev/null; then
    echo "vnic-bench: the ip program (iproute2) is missing; skipped"
    exit 77
fi

ns=vnic-bench-$$-$RANDOM
tmp=
mounted=
vnicd_pid=
cleanup() {
    if [ -n "$vnicd_pid" ]; then
        kill -TERM "$vnicd_pid" 2>/dev/null
        wait "$vnicd_pid" 2>/dev/null
    fi
    ip netns del "$ns" 2>/dev/null
    if [ -n "$tmp" ]; then
        [ -n "$mounted" ] && umount "$tmp" 2>/dev/null
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# A state root on tmpfs, so that vnic's fsyncs cost what they cost there; it must allow
# device nodes (vnic and the floor open macvtap queues through private nodes).
for base in /dev/shm /run "${TMPDIR:-/tmp}"; do
    [ -d "$base" ] && [ -w "$base" ] && [ "$(stat -f -c %T "$base" 2>/dev/null)" = tmpfs ] || continue
    tmp=$(mktemp -d "$base/vnic-bench.XXXXXX") && break
done
[ -n "$tmp" ] || tmp=$(mktemp -d) || exit 2
if ! { mknod "$tmp/probe" c 1 3 && : <"$tmp/probe"; } 2>/dev/null; then
    # nodev (or not tmpfs at all): a private tmpfs of our own on the directory.
    rm -f "$tmp/probe"
    mount -t tmpfs -o mode=0700 vnic-bench "$tmp" || exit 2
    mounted=1
fi
rm -f "$tmp/probe"
chmod 0700 "$tmp"

ip netns add "$ns" || exit 2
ip -n "$ns" link set lo up &&
    ip -n "$ns" link add uplink0 type veth peer name peer0 &&
    ip -n "$ns" link set uplink0 up &&
    ip -n "$ns" link set peer0 up || exit 2

echo "vnic-bench: namespace $ns, state root $tmp ($(stat -f -c %T "$tmp"))"

remote=()
if [ -n "${VNICD:-}" ]; then
    sock=$tmp/vnicd.sock
    VNIC_BACKEND_DIR=$backend_dir ip netns exec "$ns" "$VNICD" --root "$tmp/daemon" \
        --socket "$sock" 2>"$tmp/vnicd.log" &
    vnicd_pid=$!
    for _ in $(seq 1 200); do
        [ -S "$sock" ] && break
        kill -0 "$vnicd_pid" 2>/dev/null || break
        sleep 0.05
    done
    if [ -S "$sock" ]; then
        echo "vnic-bench: vnicd $VNICD on $sock"
        remote=(--remote "vnic+unix:///system?socket=$sock")
    else
        echo "vnic-bench: vnicd did not come up (no remote runs): $(tail -n 5 "$tmp/vnicd.log")"
    fi
fi

# shellcheck disable=SC2086 # the prefix is a command line of its own
VNIC_BACKEND_DIR=$backend_dir ip netns exec "$ns" ${VNIC_BENCH_PREFIX:-} "$bench" \
    --root "$tmp" --lower uplink0 "${remote[@]}" "$@"
status=$?

# Memory, with $VNIC_MEM_BENCH and $VNICSH (the meson benchmark sets both): vnicsh's peak RSS
# creating $VNIC_MEM_IFACES taps (1024), vnicd's RSS per active domain, and with
# $VNIC_BENCH_CHURN=OPS (opt-in) vnicd's RSS over OPS operations.
if [ -n "${VNIC_MEM_BENCH:-}" ] && [ -n "${VNICSH:-}" ]; then
    mem=(--root "$tmp" --vnicsh "$VNICSH" --interfaces "${VNIC_MEM_IFACES:-1024}")
    if [ ${#remote[@]} -gt 0 ]; then
        mem+=("${remote[@]}" --vnicd-pid "$vnicd_pid")
        [ -n "${VNIC_BENCH_CHURN:-}" ] && mem+=(--churn "$VNIC_BENCH_CHURN")
    fi
    [ -n "${VNIC_MEM_JSON:-}" ] && mem+=(--json "$VNIC_MEM_JSON")
    VNIC_BACKEND_DIR=$backend_dir ip netns exec "$ns" "$VNIC_MEM_BENCH" "${mem[@]}" ||
        { r=$?; [ $status -eq 0 ] && status=$r; }
fi
exit $status
