#!/bin/bash
# Signals: SIGTERM, SIGINT, SIGHUP and SIGQUIT sent to `vnicsh run` reach the child (which
# exits with a status of its own choice, passed on), and the domain is destroyed afterwards;
# a child killed by a signal gives 128 + the signal.
source "$(dirname "$0")/common.sh"

# A child that exits with STATUS on SIG, and says "ready" once its trap is set.
i=0
for pair in TERM:42 INT:43 HUP:44 QUIT:45; do
    sig=${pair%:*} status=${pair#*:}
    i=$((i + 1))
    out=$tmp/sig$i
    # ip netns exec execs vnicsh, so $! is vnicsh itself.
    ip netns exec "$ns" "$vnicsh" -c "$uri" run "$example" --env -- \
        sh -c "trap 'exit $status' $sig; echo ready; while :; do sleep 0.1; done" >"$out" 2>&1 &
    pid=$!
    bg_pids+=("$pid")
    if ! wait_for_line "$out" '^ready$'; then
        fail "SIG$sig: the child never got ready: $(cat "$out")"
        continue
    fi
    [ -n "$(marked_devices)" ] || fail "SIG$sig: no devices while the child runs"
    kill -s "$sig" "$pid"
    wait "$pid"
    rc=$?
    [ "$rc" = "$status" ] || fail "SIG$sig: run exited with $rc, expected $status: $(cat "$out")"
    expect_all_gone "after SIG$sig"
done

# Killed by a signal: 128 + signal.
vsh run "$example" --env -- sh -c 'kill -9 $$' 2>"$tmp/err"
rc=$?
[ "$rc" = 137 ] || fail "child killed by SIGKILL: run exited with $rc, expected 137: $(cat "$tmp/err")"
expect_all_gone "after the SIGKILLed child"
vsh run "$example" --env -- sh -c 'kill -TERM $$' 2>"$tmp/err"
rc=$?
[ "$rc" = 143 ] || fail "child killed by SIGTERM: run exited with $rc, expected 143: $(cat "$tmp/err")"
expect_all_gone "after the SIGTERMed child"

# Exit statuses pass through as they are: 0 and 255.
for s in 0 1 255; do
    vsh run "$example" -- sh -c "exit $s" 2>"$tmp/err"
    rc=$?
    [ "$rc" = "$s" ] || fail "child exited with $s, run with $rc: $(cat "$tmp/err")"
done
expect_all_gone "after the exit statuses"

# A child that ignores SIGTERM: run forwards it and keeps waiting, and still cleans up when
# the child ends on its own.
out=$tmp/ignore
ip netns exec "$ns" "$vnicsh" -c "$uri" run "$example" --env -- \
    sh -c 'trap "" TERM; echo ready; i=0; while [ ! -e "$0" ]; do sleep 0.1; done; exit 9' "$tmp/stop" >"$out" 2>&1 &
pid=$!
bg_pids+=("$pid")
if wait_for_line "$out" '^ready$'; then
    kill -TERM "$pid"
    sleep 0.5
    kill -0 "$pid" 2>/dev/null || fail "run ended on SIGTERM although the child ignores it"
    [ -n "$(marked_devices)" ] || fail "devices gone while the child still runs"
    touch "$tmp/stop"
    wait "$pid"
    rc=$?
    [ "$rc" = 9 ] || fail "ignoring child: run exited with $rc, expected 9: $(cat "$out")"
    expect_all_gone "after the child that ignored SIGTERM"
else
    fail "the ignoring child never got ready: $(cat "$out")"
fi
finish
