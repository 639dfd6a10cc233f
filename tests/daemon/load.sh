#!/bin/bash
# Load: 64 concurrent clients (vnicsh over the remote URI), each defining, starting and
# destroying a domain of its own (one tap and one macvtap on the namespace's uplink0) 20 times,
# then undefining it, all within a bound on the whole run: zero errors, zero devices left (the
# kernel as witness), nothing left in the store, and vnicd still answering afterwards.
#   bash load.sh VNICD VNICSH        ($VNIC_LOAD_CLIENTS, $VNIC_LOAD_ROUNDS to change the size)
source "$(dirname "$0")/lib.sh"
clients=${VNIC_LOAD_CLIENTS:-64}
rounds=${VNIC_LOAD_ROUNDS:-20}
# Seconds for the whole run (meson's timeout is above it); sanitizer builds run 2-3x slower.
bound=${VNIC_LOAD_BOUND:-150}
if ldd "$VD_VNICSH" 2>/dev/null | grep -q 'libasan'; then
    bound=${VNIC_LOAD_BOUND:-300}
fi

vd_start || { fail "vnicd did not start"; vd_finish; }
uri=$(vd_uri)

for c in $(seq 1 "$clients"); do
    cat >"$vd_tmp/ld$c.xml" <<XML
<domain><name>ld$c</name><devices>
  <interface type='ethernet'><model type='virtio'/></interface>
  <interface type='direct'><source dev='uplink0' mode='bridge'/><model type='virtio'/></interface>
</devices></domain>
XML
done

# One client: ROUNDS of define, start, destroy, then undefine. Every failing command is
# counted and its message kept; the client never stops early, so that every round runs.
client() { # C
    local c=$1 i errors=0 log=$vd_tmp/client$c.log
    local vsh=("$VD_VNICSH" -c "$uri")
    for i in $(seq 1 "$rounds"); do
        "${vsh[@]}" define "$vd_tmp/ld$c.xml" >/dev/null 2>>"$log" || errors=$((errors + 1))
        "${vsh[@]}" start "ld$c" >/dev/null 2>>"$log" || errors=$((errors + 1))
        "${vsh[@]}" destroy "ld$c" >/dev/null 2>>"$log" || errors=$((errors + 1))
    done
    "${vsh[@]}" undefine "ld$c" >/dev/null 2>>"$log" || errors=$((errors + 1))
    echo "$errors" >"$vd_tmp/client$c.errors"
}

begin=$(date +%s.%N)
pids=()
for c in $(seq 1 "$clients"); do
    client "$c" &
    pids+=($!)
done
# Bounded: clients still running at the bound are killed, and that is a failure.
deadline=$(($(date +%s) + bound))
for p in "${pids[@]}"; do
    while kill -0 "$p" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
        sleep 0.2
    done
done
late=0
for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then
        late=$((late + 1))
        pkill -KILL -P "$p" 2>/dev/null
        kill -KILL "$p" 2>/dev/null
    fi
    wait "$p" 2>/dev/null
done
elapsed=$(echo "$(date +%s.%N) - $begin" | bc)
check "every client finished within ${bound} s ($late did not)" [ "$late" -eq 0 ]

errors=0
for c in $(seq 1 "$clients"); do
    e=$(cat "$vd_tmp/client$c.errors" 2>/dev/null || echo "?")
    if [ "$e" != 0 ]; then
        errors=$((errors + 1))
        fail "client $c: $e failed commands: $(head -n 3 "$vd_tmp/client$c.log" 2>/dev/null)"
    fi
done
check "no client had an error" [ "$errors" -eq 0 ]

left=$(marked_devices)
check "no device left (the kernel's view): $left" [ -z "$left" ]
list=$("$VD_VNICSH" -c "$uri" list --all 2>&1)
check "vnicd still answers a list (exit status)" "$VD_VNICSH" -c "$uri" list --all
check "no domain left in the store: $list" [ -z "$(echo "$list" | grep ' ld[0-9]')" ]
check "vnicd still runs" kill -0 "$VD_PID"
vd_stop TERM
check "vnicd stops cleanly on SIGTERM (status $VD_STATUS)" [ "$VD_STATUS" = 0 ]

echo "load: $clients clients x $rounds rounds (define, start, destroy) in ${elapsed} s"
vd_finish
