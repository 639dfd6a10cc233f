#!/bin/bash
# The backend modules carry their own copy of the util helpers (libvnic exports only its API),
# yet the state those helpers keep must stay process-wide: the crash-test steps are numbered
# across libvnic and the modules in one sequence (a module's step between the driver's), and
# --debug reaches the library. Runs in a network namespace of its own.
# Usage: module-state.sh VNICSH
set -u
vnicsh=$1
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
tmp=$(mktemp -d)
ns=vnic-modstate-$$
cleanup() {
    ip netns del "$ns" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns" || { echo "SKIP: cannot make a network namespace"; exit 77; }
vsh() { ip netns exec "$ns" "$vnicsh" -c "vnic:///embed?root=$tmp/root" "$@"; }

cat >"$tmp/d.xml" <<'XML'
<domain><name>ms</name><devices>
<interface type='ethernet'><target dev='mstap0'/></interface>
<interface type='ethernet'><target dev='mstap1'/></interface>
</devices></domain>
XML

VNIC_FAULT_TRACE=1 vsh create "$tmp/d.xml" >/dev/null 2>"$tmp/trace" || fail "create: $(cat "$tmp/trace")"
if grep -q '^vnic-fault-step ' "$tmp/trace"; then
    # 1 intent, then the module's step for each tap of its batch (create_batch), the driver's
    # for each interface, then the result.
    grep '^vnic-fault-step ' "$tmp/trace" | cut -d' ' -f2- >"$tmp/steps"
    cat >"$tmp/want" <<'STEPS'
1 start: intent written
2 tap: made, not yet persistent
3 tap: made, not yet persistent
4 start: device made
5 start: device made
6 start: result written
STEPS
    cmp -s "$tmp/steps" "$tmp/want" || fail "fault steps not one sequence: $(cat "$tmp/steps")"
    # A kill at the module's step stops there (its copy counts with the driver's).
    vsh destroy ms >/dev/null 2>&1 || fail "destroy after the trace run"
    VNIC_FAULT_KILL_AT=2 VNIC_FAULT_TRACE=1 vsh create "$tmp/d.xml" >/dev/null 2>"$tmp/trace2"
    status=$?
    [ $status -eq 137 ] || fail "create killed at step 2 exited $status: $(cat "$tmp/trace2")"
    # (The shell's own "Killed" line lands in the same file.)
    grep '^vnic-fault-step ' "$tmp/trace2" | tail -n1 | grep -q '^vnic-fault-step 2 tap: made' ||
        fail "not killed at the module's step: $(cat "$tmp/trace2")"
    vsh reconcile >/dev/null 2>&1
    vsh destroy ms >/dev/null 2>&1
else
    echo "built without -Dfault_injection: fault steps not checked"
    vsh destroy ms >/dev/null 2>&1 || fail "destroy"
fi

# --debug reaches libvnic (which reads VNIC_DEBUG when it first logs).
vsh --debug list >/dev/null 2>"$tmp/debug" || fail "list --debug: $(cat "$tmp/debug")"
grep -q 'vnic debug: .*loaded backend' "$tmp/debug" || fail "--debug logs nothing: $(cat "$tmp/debug")"

[ $failures -eq 0 ] || exit 1
echo "module-state: all checks passed"
