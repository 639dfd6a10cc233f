#!/bin/bash
# Over the remote driver, a domain that `vnicsh run` started supervised lives as long as run's
# connection to vnicd: run killed with SIGKILL while its child runs takes the child with it
# (PR_SET_PDEATHSIG), and the daemon destroys the domain at once, without a reconcile: the
# kernel shows no device left. A defined domain run by name goes back to defined. Remote mode
# only (suite 'remote': VNIC_TEST_REMOTE=1, a real vnicd from tests/daemon/lib.sh).
if [ "${VNIC_TEST_REMOTE:-0}" != 1 ]; then
    echo "SKIP: needs the remote mode (VNIC_TEST_REMOTE=1 and VNICD)"
    exit 77
fi
source "$(dirname "$0")/common.sh"

# Start `run` in the background with a child that writes its pid, and kill run with SIGKILL.
kill_run() { # TARGET OUT
    ip netns exec "$ns" "$vnicsh" -c "$uri" run "$1" --env -- \
        sh -c 'echo $$ >"$0"; echo ready; while :; do sleep 0.1; done' "$2.pid" >"$2" 2>&1 &
    local pid=$!
    bg_pids+=("$pid")
    if ! wait_for_line "$2" '^ready$'; then
        fail "$1: the child never got ready: $(cat "$2")"
        return 1
    fi
    [ -n "$(marked_devices)" ] || fail "$1: no device while run runs"
    child=$(cat "$2.pid")
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    local i
    for i in $(seq 100); do
        kill -0 "$child" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$child" 2>/dev/null; then
        fail "$1: the child $child survived its supervisor"
        kill -KILL "$child"
    fi
    return 0
}

# The kernel as witness, before any other command: the daemon removes the devices by itself.
wait_devices_gone() { # WHAT
    local i
    for i in $(seq 100); do
        [ -z "$(marked_devices)" ] && return 0
        sleep 0.1
    done
    fail "$1: devices left 10 s after the client died: $(marked_devices)"
}

# 1. A transient domain from a file.
if kill_run "$example" "$tmp/k1"; then
    wait_devices_gone "transient web1"
    [ -z "$(domains)" ] || fail "transient web1: domains left: $(domains)"
fi

# 2. A defined domain run by name: defined again, without devices.
vsh define "$example" >/dev/null || fail "define web1"
if kill_run web1 "$tmp/k2"; then
    wait_devices_gone "web1 by name"
    [ "$(domains)" = "web1 defined" ] || fail "web1 by name is '$(domains)', expected defined"
fi
# Nothing left for a reconcile to do.
vsh reconcile --json >"$tmp/rec" || fail "reconcile"
grep -q 'removed' "$tmp/rec" && fail "reconcile still found something: $(cat "$tmp/rec")"
vsh undefine web1 >/dev/null || fail "undefine web1"

# 3. A domain started normally (not supervised) by another client outlives that client.
vsh create "$example" >/dev/null || fail "create web1"
[ "$(domains)" = "web1 active" ] || fail "a created domain did not outlive its client: '$(domains)'"
vsh destroy web1 >/dev/null || fail "destroy web1"
expect_all_gone "the end"
finish
