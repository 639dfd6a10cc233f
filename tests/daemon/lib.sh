# Shared by the daemon tests (and any test that needs a real vnicd); sourced, never run.
# A script is started by meson as
#   bash SCRIPT VNICD [VNICSH [ARGS...]]
# (or with $VNICD / $VNICSH in the environment) and gets: a private network namespace with a
# veth pair (uplink0, the macvtap lower device), a fresh state root and socket under a
# temporary directory, vnicd started in that namespace and stopped by its pid at exit, and
# the kernel's witnesses. Everything it makes is removed on exit, whatever happens.
#
#   vd_start [VNICD-ARGS...]   start vnicd (--root, --socket, --policy if $VD_POLICY is set);
#                              waits (bounded) for the socket; 1 if it did not come up
#   vd_stop [SIGNAL]           signal vnicd (TERM by default) by pid, wait; $VD_STATUS
#   vd_uri                     prints the remote URI of this vnicd
#   vd_client ARGS...          tests/daemon/varlink_client.py on this socket
#   vd_client_nobody ARGS...   the same as uid/gid 65534 (setpriv)
#   vd_embed ARGS...           vnicsh on the same state root, embedded, in the namespace
#   vd_in_ns COMMAND...        run in the namespace
#   marked_devices, device_exists NAME, check WHAT CMD..., fail MSG, vd_finish
set -u

VD_VNICD=${VNICD:-${1:-}}
if [ -z "$VD_VNICD" ]; then
    echo "usage: $0 VNICD [VNICSH [ARGS...]]" >&2
    exit 2
fi
VD_VNICD=$(cd "$(dirname "$VD_VNICD")" && pwd)/$(basename "$VD_VNICD")
VD_VNICSH=${VNICSH:-${2:-}}
[ -n "$VD_VNICSH" ] && VD_VNICSH=$(cd "$(dirname "$VD_VNICSH")" && pwd)/$(basename "$VD_VNICSH")
VD_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VD_NAME=$(basename "$0" .sh)

if [ "$(id -u)" != 0 ]; then
    echo "$VD_NAME: needs root (network namespaces)" >&2
    exit 77
fi

vd_failures=0
vd_checks=0
VD_PID=
VD_STATUS=
VD_POLICY=${VD_POLICY:-}

vd_ns=vnic-t-vd-$$-$RANDOM
vd_tmp=$(mktemp -d /tmp/vnic-vd.XXXXXX)
# Unprivileged clients (setpriv --reuid=65534) must reach the socket; the state root inside
# keeps its own modes.
chmod 0755 "$vd_tmp"
vd_root=$vd_tmp/root
VD_SOCK=$vd_tmp/vnicd.sock
VD_LOG=$vd_tmp/vnicd.log

vd_cleanup() {
    if [ -n "$VD_PID" ] && kill -0 "$VD_PID" 2>/dev/null; then
        kill -TERM "$VD_PID" 2>/dev/null
        local i
        for i in $(seq 1 100); do
            kill -0 "$VD_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$VD_PID" 2>/dev/null
        wait "$VD_PID" 2>/dev/null
    fi
    ip netns del "$vd_ns" 2>/dev/null
    rm -rf "$vd_tmp"
}
trap vd_cleanup EXIT
trap 'exit 130' INT TERM HUP

fail() {
    echo "FAIL: $*" >&2
    vd_failures=$((vd_failures + 1))
}

# check DESCRIPTION COMMAND...: counts a check; a failing command is a failure.
check() {
    local what=$1
    shift
    vd_checks=$((vd_checks + 1))
    "$@" || fail "$what"
}

vd_finish() {
    vd_check_log
    if [ "$vd_failures" -ne 0 ]; then
        echo "$VD_NAME: $vd_failures of $vd_checks checks failed" >&2
        if [ -s "$VD_LOG" ]; then
            echo "--- vnicd's log:" >&2
            tail -n 60 "$VD_LOG" >&2
        fi
        exit 1
    fi
    echo "$VD_NAME: all $vd_checks checks passed"
    exit 0
}

ip netns add "$vd_ns" || exit 1
ip -n "$vd_ns" link set lo up
ip -n "$vd_ns" link add uplink0 type veth peer name peer0 || exit 1
ip -n "$vd_ns" link set uplink0 up
ip -n "$vd_ns" link set peer0 up

vd_in_ns() { ip netns exec "$vd_ns" "$@"; }

vd_uri() { echo "vnic+unix:///system?socket=$VD_SOCK"; }

vd_client() { python3 "$VD_DIR/varlink_client.py" "$VD_SOCK" "$@"; }
# The same as the unprivileged user 65534.
# (A python and a copy of the client that user can reach: root's own python may live under
# /root.)
VD_PYTHON_ANY=$(command -v /usr/bin/python3 || command -v python3)
cp "$VD_DIR/varlink_client.py" "$vd_tmp/varlink_client.py"
vd_client_nobody() {
    setpriv --reuid=65534 --regid=65534 --clear-groups "$VD_PYTHON_ANY" "$vd_tmp/varlink_client.py" "$VD_SOCK" "$@"
}

vd_embed() { vd_in_ns "$VD_VNICSH" -c "vnic:///embed?root=$vd_root" "$@"; }

# vd_start [ARGS...]: vnicd in the namespace, in the background, its log in $VD_LOG.
vd_start() {
    local args=(--root "$vd_root" --socket "$VD_SOCK")
    [ -n "$VD_POLICY" ] && args+=(--policy "$VD_POLICY")
    ip netns exec "$vd_ns" "$VD_VNICD" "${args[@]}" "$@" >>"$VD_LOG" 2>&1 &
    VD_PID=$!
    vd_wait_socket
}

# Bounded: the socket accepts within 10 s, while vnicd lives.
vd_wait_socket() {
    local i
    for i in $(seq 1 200); do
        if [ -S "$VD_SOCK" ] && python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(1)
s.connect(sys.argv[1])' "$VD_SOCK" 2>/dev/null; then
            return 0
        fi
        kill -0 "$VD_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "$VD_NAME: vnicd did not come up; its log:" >&2
    tail -n 30 "$VD_LOG" >&2
    return 1
}

# vd_stop [SIGNAL]: signal vnicd by its pid and wait (bounded: 20 s, then SIGKILL);
# VD_STATUS is its exit status (128 + signal if killed).
vd_stop() {
    local sig=${1:-TERM} i
    VD_STATUS=
    [ -n "$VD_PID" ] || return 1
    kill -"$sig" "$VD_PID" 2>/dev/null
    for i in $(seq 1 200); do
        kill -0 "$VD_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$VD_PID" 2>/dev/null && { fail "vnicd did not stop within 20 s"; kill -KILL "$VD_PID"; }
    wait "$VD_PID"
    VD_STATUS=$?
    VD_PID=
    vd_check_log
}

# A sanitizer's report in vnicd's log is a failure, whatever the test checked.
vd_check_log() {
    if grep -q "ERROR: [A-Za-z]*Sanitizer\|runtime error:" "$VD_LOG" 2>/dev/null; then
        fail "vnicd's log has a sanitizer report: $(grep -m1 "Sanitizer\|runtime error:" "$VD_LOG")"
    fi
}

# Devices carrying any vnic mark, one name per line (the kernel as witness).
marked_devices() {
    ip -n "$vd_ns" -d -j link show | python3 -c '
import json, sys
for l in json.load(sys.stdin):
    if l.get("ifalias", "").startswith("vnic"):
        print(l["ifname"])'
}

device_exists() { ip -n "$vd_ns" link show "$1" >/dev/null 2>&1; }
