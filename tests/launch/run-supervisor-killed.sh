#!/bin/bash
# `vnicsh run` killed with SIGKILL while its child runs: the child dies too (PR_SET_PDEATHSIG),
# the devices stay until `vnicsh reconcile` removes the domain (reported removed-unsupervised)
# and leaves no vnic device. A defined domain stays defined. Other commands in between (whose
# connections make a quick reconcile pass) change nothing about the end result.
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

# 1. A transient domain from a file; `reconcile` is the first command afterwards.
if kill_run "$example" "$tmp/k1"; then
    [ -n "$(marked_devices)" ] || fail "the devices are gone before reconcile (nothing removed them)"
    vsh reconcile --json >"$tmp/rec" 2>"$tmp/err" || fail "reconcile failed: $(cat "$tmp/err")"
    python3 - "$tmp/rec" <<'PY' || fail "reconcile does not report removed-unsupervised for web1: $(cat "$tmp/rec")"
import json, sys
a = json.load(open(sys.argv[1]))
sys.exit(0 if any(x["action"] == "removed-unsupervised" and x["domain"] == "web1" for x in a) else 1)
PY
    expect_all_gone "after reconcile"
    # Nothing left to do for a second pass.
    vsh reconcile --json >"$tmp/rec2" || fail "second reconcile"
    grep -q 'removed' "$tmp/rec2" && fail "second reconcile removed something: $(cat "$tmp/rec2")"
fi

# 2. A defined domain run by name: after reconcile it is defined again, without devices.
vsh define "$example" >/dev/null || fail "define web1"
if kill_run web1 "$tmp/k2"; then
    vsh reconcile >"$tmp/rec" 2>"$tmp/err" || fail "reconcile failed: $(cat "$tmp/err")"
    grep -q "removed domain 'web1': the process that ran it is gone" "$tmp/rec" ||
        fail "reconcile output: $(cat "$tmp/rec")"
    [ "$(domains)" = "web1 defined" ] || fail "after reconcile web1 is '$(domains)', expected defined"
    [ -z "$(marked_devices)" ] || fail "devices left: $(marked_devices)"
fi
vsh undefine web1 >/dev/null || fail "undefine web1"

# 3. Other commands first (`list`), then reconcile: gone, whichever pass removed it.
if kill_run "$example" "$tmp/k3"; then
    domains >/dev/null
    vsh reconcile >/dev/null 2>"$tmp/err" || fail "reconcile failed: $(cat "$tmp/err")"
    expect_all_gone "after list and reconcile"
fi

# 4. While the supervisor lives, reconcile leaves its domain alone.
ip netns exec "$ns" "$vnicsh" -c "$uri" run "$example" --env -- \
    sh -c 'echo ready; while [ ! -e "$0" ]; do sleep 0.1; done' "$tmp/stop" >"$tmp/k4" 2>&1 &
pid=$!
bg_pids+=("$pid")
if wait_for_line "$tmp/k4" '^ready$'; then
    vsh reconcile --json >"$tmp/rec" || fail "reconcile with a live supervisor"
    grep -q 'removed' "$tmp/rec" && fail "reconcile removed a supervised domain: $(cat "$tmp/rec")"
    [ "$(domains)" = "web1 active" ] || fail "web1 is '$(domains)' while its supervisor lives"
    touch "$tmp/stop"
    wait "$pid" || fail "run exited with $?"
    expect_all_gone "after the supervised run"
else
    fail "the child never got ready: $(cat "$tmp/k4")"
fi
finish
