#!/bin/bash
# The remote connection's end: `vnicsh events` over vnicd reports events, and when vnicd stops
# it ends with an error saying the stream ended (exit 1), not silence; a command after vnicd is
# gone names the socket and asks whether vnicd runs.
#   bash remote-conn.sh VNICD VNICSH
source "$(dirname "$0")/lib.sh"
vd_start || { fail "vnicd did not start"; vd_finish; }
uri=$(vd_uri)
remote() { vd_in_ns "$VD_VNICSH" -c "$uri" "$@"; }

cat >"$vd_tmp/ev.xml" <<'XML'
<domain><name>ev</name><devices>
  <interface type='ethernet'><target dev='ev-tap0'/></interface>
</devices></domain>
XML
check "create ev" remote create "$vd_tmp/ev.xml"
vd_in_ns ip link set ev-tap0 up
# $! is vnicsh itself (ip netns exec execs it).
ip netns exec "$vd_ns" "$VD_VNICSH" -c "$uri" events --json >"$vd_tmp/events" 2>"$vd_tmp/events.err" &
pid=$!
for _ in $(seq 1 200); do
    grep -q "Listening for events" "$vd_tmp/events.err" && break
    sleep 0.05
done
check "events started: $(cat "$vd_tmp/events.err")" grep -q "Listening for events" "$vd_tmp/events.err"
vd_in_ns ip link set ev-tap0 down
for _ in $(seq 1 100); do
    grep -q '"device-down"' "$vd_tmp/events" && break
    sleep 0.05
done
check "the event came over the connection: $(cat "$vd_tmp/events")" grep -q '"device-down"' "$vd_tmp/events"

vd_stop TERM
for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
done
if kill -0 "$pid" 2>/dev/null; then
    fail "vnicsh events still runs 5 s after vnicd stopped"
    kill -KILL "$pid"
fi
wait "$pid"
status=$?
check "events exits 1 when vnicd stops (status $status)" [ "$status" = 1 ]
check "events says the stream ended: $(cat "$vd_tmp/events.err")" \
    grep -q "^vnicsh: error: .*vnicd closed the stream of events" "$vd_tmp/events.err"

out=$(remote list 2>&1)
status=$?
check "list without vnicd: status $status" [ "$status" = 1 ]
check "list without vnicd: $out" [ "$out" = "vnicsh: error: cannot connect to '$uri': the daemon's socket '$VD_SOCK' does not exist: is vnicd running?" ]

# The domain outlived the daemon (devices persist); a restarted vnicd still has it.
vd_start || fail "vnicd did not restart"
check "ev survived the daemon's stop" remote domiflist ev
check "destroy ev" remote destroy ev
check "devices left: $(marked_devices)" [ -z "$(marked_devices)" ]
vd_finish
