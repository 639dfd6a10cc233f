#!/bin/bash
# `vnicsh run` starts a domain and takes its snapshot under one lock; when that fails after the
# start, what run started is undone: no domain, no device, no supervisor lock left (before, a
# failure between the start and the reading of its state left the domain running, supervised
# by nobody until some later command's reconcile noticed). The state on disk is checked right
# after the failed run, before any other command could reconcile it. The failure is injected with VNIC_FAULT_FAIL (-Dfault_injection=true builds).
source "$(dirname "$0")/common.sh"

cat >"$tmp/undo.xml" <<'XML'
<domain>
  <name>undo</name>
  <devices>
    <interface type='ethernet'><target dev='undotap%d'/><model type='virtio'/></interface>
    <interface type='direct'><source dev='uplink0' mode='bridge'/><model type='virtio'/></interface>
  </devices>
</domain>
XML

for target in "$tmp/undo.xml" undo; do
    [ "$target" = undo ] && { vsh define "$tmp/undo.xml" >/dev/null || fail "define"; }
    VNIC_FAULT_FAIL=snapshot-after-start vsh run "$target" -- true >"$tmp/out" 2>"$tmp/err"
    status=$?
    if [ $status = 0 ]; then
        echo "SKIP: built without -Dfault_injection (the injected failure did not happen)"
        vsh undefine undo --destroy >/dev/null 2>&1
        exit 77
    fi
    [ $status = 1 ] || fail "run $target: exit status $status, expected 1"
    # Before anything else opens the store (opening it reconciles): no record, no device.
    [ ! -e "$root/run/domains/undo.xml" ] ||
        fail "run $target: the domain's state record was left: $(cat "$root/run/domains/undo.xml")"
    d=$(ip netns exec "$ns" ip -o link show | grep -E 'undotap|macvtap' || true)
    [ -z "$d" ] || fail "run $target: devices left before any reconcile: $d"
    grep -q "cannot read the state of domain 'undo'" "$tmp/err" ||
        fail "run $target: the error does not say what failed: $(cat "$tmp/err")"
    if [ "$target" = undo ]; then
        [ "$(domains)" = "undo defined" ] || fail "run undo: left $(domains), expected it only defined"
        d=$(marked_devices)
        [ -z "$d" ] || fail "run undo: devices left: $d"
        # Nothing holds the domain: it runs again, and goes.
        vsh run undo -- true >/dev/null 2>"$tmp/err" || fail "run after the failure: $(cat "$tmp/err")"
        vsh undefine undo >/dev/null || fail "undefine"
    fi
    expect_all_gone "after the failed run of $target"
done
finish
