#!/bin/bash
# Crash safety of the daemon: vnicd killed with SIGKILL at every step of the start and of the
# destroy of a domain of 8 interfaces (4 macvtaps, 4 taps) that a client asked for, then
# restarted (its start finishes what was left half done): no leaked device, no record naming a
# missing device, the definition intact (the kernel as witness: the marked devices of the
# namespace). Needs a build with -Dfault_injection=true; skipped without.
source "$(dirname "$0")/lib.sh"

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
write_domain crash 8 "$vd_tmp/crash.xml"
define_params=$(python3 -c 'import json, sys; print(json.dumps({"xml": open(sys.argv[1]).read(), "docname": "crash.xml"}))' "$vd_tmp/crash.xml")

vd_start || exit 1
vd_client io.vnic.Domain.Define "$define_params" >/dev/null || { fail "define"; vd_finish; }
vd_client io.vnic.Domain.GetXML '{"name": "crash", "inactive": true}' >"$vd_tmp/def-before.json"
vd_stop TERM

# Does this build have the hook? A trace run prints its steps.
VNIC_FAULT_TRACE=1 vd_start || exit 1
vd_client io.vnic.Domain.Start '{"name": "crash"}' >/dev/null || fail "the trace run's start failed"
if ! grep -q '^vnic-fault-step ' "$VD_LOG"; then
    vd_stop TERM
    echo "SKIP: built without -Dfault_injection"
    exit 77
fi
vd_client io.vnic.Domain.Destroy '{"name": "crash"}' >/dev/null || fail "destroy after the trace run"
vd_stop TERM

state_of_crash() {
    vd_client io.vnic.Domain.List '{"all": true}' | python3 -c '
import json, sys
r = json.load(sys.stdin)["parameters"]
print(next((d["state"] for d in r["domains"] if d["name"] == "crash"), "none"))'
}

check_invariants() { # WHAT (vnicd running)
    local what=$1 state marked names
    state=$(state_of_crash)
    marked=$(marked_devices | sort)
    case $state in
    defined)
        [ -z "$marked" ] || fail "$what: inactive, but marked devices remain: $marked"
        ;;
    active)
        names=$(vd_client io.vnic.Domain.Lookup '{"name": "crash"}' | python3 -c '
import json, sys
for i in json.load(sys.stdin)["parameters"]["info"]["interfaces"]: print(i["name"])' | sort)
        [ "$(echo "$names" | wc -l)" -eq 8 ] || fail "$what: active with $(echo "$names" | wc -l) interfaces"
        local d
        for d in $names; do
            device_exists "$d" || fail "$what: the record names $d, which does not exist"
        done
        [ "$marked" = "$names" ] || fail "$what: marked devices '$marked' differ from the record's '$names'"
        ;;
    *)
        fail "$what: state after the restart is '$state'"
        ;;
    esac
    vd_client io.vnic.Domain.GetXML '{"name": "crash", "inactive": true}' |
        cmp -s - "$vd_tmp/def-before.json" || fail "$what: the definition changed"
    [ -z "$(ls "$vd_root/run/domains"/*.tmp.* 2>/dev/null)" ] || fail "$what: temporary files left"
}

# Has process PID ended (a zombie or gone)? Bounded wait of 10 s.
ended() { # PID
    local i
    for i in $(seq 1 100); do
        [ -e "/proc/$1" ] || return 0
        [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ] && return 0
        sleep 0.1
    done
    return 1
}

# One round: vnicd with the kill at step N, the client's call; ROUND_RESULT is "done" if the
# call completed (vnicd then stopped), "killed" if vnicd died by SIGKILL.
round() { # N METHOD PARAMS
    local n=$1 method=$2 params=$3
    : >"$VD_LOG"
    ROUND_RESULT=killed
    if VNIC_FAULT_KILL_AT=$n vd_start 2>/dev/null; then
        if vd_client "$method" "$params" >/dev/null 2>&1; then
            vd_stop TERM
            ROUND_RESULT=done
            return
        fi
    fi
    # Killed while starting (its own reconcile may have steps too) or during the call.
    ended "$VD_PID" || { fail "vnicd with the kill at step $n did not die"; kill -KILL "$VD_PID"; }
    wait "$VD_PID"
    VD_STATUS=$?
    VD_PID=
    [ "$VD_STATUS" = 137 ] || fail "vnicd with the kill at step $n exited $VD_STATUS, not by SIGKILL"
}

steps=0
for n in $(seq 1 100); do
    round "$n" io.vnic.Domain.Start '{"name": "crash"}'
    vd_start || { fail "restart after start round $n"; break; }
    if [ "$ROUND_RESULT" = done ]; then
        check_invariants "start completed"
        vd_stop TERM
        break
    fi
    steps=$n
    check_invariants "start killed at step $n"
    # Whatever the restart left, back to an inactive domain for the next round.
    vd_client io.vnic.Domain.Destroy '{"name": "crash"}' >/dev/null 2>&1
    [ -z "$(marked_devices)" ] || fail "devices left after destroying the remains of step $n"
    vd_stop TERM
done
check "start had at least 10 steps to kill at (had $steps)" [ "$steps" -ge 10 ]
echo "start: killed at each of $steps steps"

steps=0
for n in $(seq 1 100); do
    vd_start || { fail "start before destroy round $n"; break; }
    [ "$(state_of_crash)" = active ] ||
        vd_client io.vnic.Domain.Start '{"name": "crash"}' >/dev/null || fail "start before destroy round $n"
    vd_stop TERM
    round "$n" io.vnic.Domain.Destroy '{"name": "crash"}'
    vd_start || { fail "restart after destroy round $n"; break; }
    if [ "$ROUND_RESULT" = done ]; then
        check_invariants "destroy completed"
        vd_stop TERM
        break
    fi
    steps=$n
    check_invariants "destroy killed at step $n"
    vd_stop TERM
done
check "destroy had at least 10 steps to kill at (had $steps)" [ "$steps" -ge 10 ]
echo "destroy: killed at each of $steps steps"

check "no marked device at the end" [ -z "$(marked_devices)" ]
vd_finish
