#!/bin/bash
# Link events: deleting a macvtap and then the lower device by hand, and taking a tap down,
# are reported by `vnicsh events`, and the domain becomes degraded.
source "$(dirname "$0")/common.sh"

write_domain ev 2 "$tmp/ev.xml"
vsh create "$tmp/ev.xml" >/dev/null || { fail "create"; finish; }
mapfile -t devs < <(vsh domiflist --json ev | python3 -c '
import json, sys
for i in json.load(sys.stdin): print(i["device"])')
macvtap=${devs[0]} tap=${devs[1]}

# Started without a wrapper function, so that $! is vnicsh itself (ip netns exec execs it).
ip netns exec "$ns" "$vnicsh" -c "$uri" events --json --timeout 60 \
    >"$tmp/events" 2>"$tmp/events.err" &
pid=$!
for _ in $(seq 1 200); do
    grep -q "Listening for events" "$tmp/events.err" && break
    sleep 0.05
done
grep -q "Listening for events" "$tmp/events.err" || fail "events did not start: $(cat "$tmp/events.err")"

ip -n "$ns" link set "$tap" down
ip -n "$ns" link del "$macvtap"
ip -n "$ns" link del uplink0

# Wait (bounded) until the last expected event is there, then stop the listener.
for _ in $(seq 1 200); do
    grep -q '"lower-removed"' "$tmp/events" && break
    sleep 0.05
done
kill -TERM $pid
wait $pid || fail "events exited with an error: $(cat "$tmp/events.err")"

has_event() { # TYPE DEVICE
    python3 - "$tmp/events" "$1" "$2" <<'PY'
import json, sys
path, typ, dev = sys.argv[1:]
evs = [json.loads(l) for l in open(path) if l.strip()]
sys.exit(0 if any(e["event"] == typ and e["device"] == dev and e["domain"] == "ev" for e in evs) else 1)
PY
}
has_event device-down "$tap" || fail "no device-down for $tap: $(cat "$tmp/events")"
has_event device-removed "$macvtap" || fail "no device-removed for $macvtap: $(cat "$tmp/events")"
has_event lower-removed uplink0 || fail "no lower-removed for uplink0: $(cat "$tmp/events")"
grep -q '"degraded": true' "$tmp/events" || fail "no event marked the domain degraded"

state=$(vsh list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["state"])')
[ "$state" = degraded ] || fail "state after the events: $state"
vsh destroy ev >/dev/null || fail "destroy of a degraded domain"
[ -z "$(marked_devices)" ] || fail "devices left: $(marked_devices)"
finish
