#!/bin/bash
# Crash safety: kill vnicsh with SIGKILL at every step of start and of destroy of a domain
# with 8 interfaces (4 macvtaps, 4 taps), then reconcile, and check the invariants: no vnic
# device is left that no record owns, no record points at a missing device, and the
# definition is intact. Needs a build with -Dfault_injection=true (.ci/test's); skipped without.
source "$(dirname "$0")/common.sh"

write_domain crash 8 "$tmp/crash.xml"
vsh define "$tmp/crash.xml" >/dev/null || { fail "define"; finish; }
vsh dumpxml --inactive crash >"$tmp/def-before.xml"

# Does this build have the hook? A trace run prints its steps.
VNIC_FAULT_TRACE=1 vsh start crash >/dev/null 2>"$tmp/trace" || fail "the trace run failed: $(cat "$tmp/trace")"
if ! grep -q '^vnic-fault-step ' "$tmp/trace"; then
    echo "SKIP: built without -Dfault_injection"
    exit 77
fi
vsh destroy crash >/dev/null || fail "destroy after the trace run"

check_invariants() { # WHAT
    local what=$1
    vsh reconcile >"$tmp/reconcile.out" 2>&1 || fail "$what: reconcile failed: $(cat "$tmp/reconcile.out")"
    local state
    state=$(vsh list --all --json | python3 -c "
import json, sys
print(next((d['state'] for d in json.load(sys.stdin) if d['name'] == 'crash'), 'none'))")
    local marked
    marked=$(marked_devices | sort)
    case $state in
    defined)
        [ -z "$marked" ] || fail "$what: inactive, but marked devices remain: $marked"
        ;;
    active)
        local names
        names=$(vsh domiflist --json crash | python3 -c '
import json, sys
for i in json.load(sys.stdin): print(i["device"])' | sort)
        [ "$(echo "$names" | wc -l)" -eq 8 ] || fail "$what: active with $(echo "$names" | wc -l) interfaces"
        for d in $names; do
            device_exists "$d" || fail "$what: the record names $d, which does not exist"
        done
        [ "$marked" = "$names" ] || fail "$what: marked devices '$marked' differ from the record's '$names'"
        ;;
    *)
        fail "$what: state after reconcile is '$state'"
        ;;
    esac
    vsh dumpxml --inactive crash | cmp -s - "$tmp/def-before.xml" || fail "$what: the definition changed"
    [ -z "$(ls "$root/run/domains"/*.tmp.* 2>/dev/null)" ] || fail "$what: temporary files left"
}

# Kill the start at every step until a run completes.
steps=0
for n in $(seq 1 100); do
    VNIC_FAULT_KILL_AT=$n vsh start crash >/dev/null 2>&1
    status=$?
    if [ $status -eq 0 ]; then
        check_invariants "start completed"
        break
    fi
    [ $status -eq 137 ] || fail "start killed at step $n exited $status, not by SIGKILL"
    steps=$n
    check_invariants "start killed at step $n"
    # Whatever reconcile left, go back to an inactive domain for the next round.
    vsh destroy crash >/dev/null 2>&1
    [ -z "$(marked_devices)" ] || fail "devices left after destroying the remains of step $n"
done
[ "$steps" -ge 10 ] || fail "start had only $steps steps to kill at; expected at least 10 (intent, 8 devices, result)"
echo "start: killed at each of $steps steps"

# Kill the destroy at every step until a run completes.
steps=0
for n in $(seq 1 100); do
    vsh list --json | grep -q '"crash"' || vsh start crash >/dev/null || fail "start before destroy round $n"
    VNIC_FAULT_KILL_AT=$n vsh destroy crash >/dev/null 2>&1
    status=$?
    if [ $status -eq 0 ]; then
        check_invariants "destroy completed"
        break
    fi
    [ $status -eq 137 ] || fail "destroy killed at step $n exited $status, not by SIGKILL"
    steps=$n
    check_invariants "destroy killed at step $n"
done
[ "$steps" -ge 10 ] || fail "destroy had only $steps steps to kill at"
echo "destroy: killed at each of $steps steps"

[ -z "$(marked_devices)" ] || fail "devices left at the end: $(marked_devices)"
finish
