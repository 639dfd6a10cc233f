#!/bin/bash
# Hot-plug over QMP against another process's detach: the attach made the device and recorded
# it at index N, then (paused there with VNIC_FAULT_PAUSE_AT, a build with
# -Dfault_injection=true) another process detaches an earlier interface, so index N names
# nothing any more. The attach must see that the interface it made is not at N, give QEMU
# nothing, and undo itself by alias (before, it looked the interface up again by index, did
# not find it, and left it in the domain and on the kernel for good).
source "$(dirname "$0")/../lifecycle/common.sh"
peer=$(dirname "$0")/fakepeer.py

cat >"$tmp/dom.xml" <<'XML'
<domain><name>dr</name><devices>
  <interface type='ethernet'><model type='virtio'/><alias name='ua-a'/></interface>
  <interface type='ethernet'><model type='virtio'/><alias name='ua-b'/></interface>
</devices></domain>
XML
cat >"$tmp/hot.xml" <<'XML'
<interface type='ethernet'><target dev='drhot%d'/><model type='virtio'/><alias name='ua-hot'/></interface>
XML
vsh create "$tmp/dom.xml" >/dev/null || { fail "create"; finish; }

sock=$tmp/qmp.sock log=$tmp/qmp.log
: >"$log"
python3 "$peer" qmp good "$sock" "$log" &
peer_pid=$!
for _ in $(seq 1 200); do [ -S "$sock" ] && break; sleep 0.05; done

step="qmp attach: attached"
VNIC_FAULT_TRACE=1 VNIC_FAULT_PAUSE_AT=$step VNIC_FAULT_PAUSE_MS=3000 \
    vsh attach-interface dr "$tmp/hot.xml" --qmp "$sock" >"$tmp/out" 2>"$tmp/err" &
pid=$!
reached=
for _ in $(seq 200); do
    grep -q "vnic-fault-step [0-9]* $step\$" "$tmp/err" 2>/dev/null && { reached=1; break; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
done
if [ -z "$reached" ]; then
    wait "$pid"
    kill "$peer_pid"; wait "$peer_pid" 2>/dev/null
    if ! grep -q '^vnic-fault-step ' "$tmp/err"; then
        vsh destroy dr >/dev/null
        echo "SKIP: built without -Dfault_injection"
        exit 77
    fi
    fail "the attach never reached '$step': $(cat "$tmp/err")"
    finish
fi
vsh detach-interface dr ua-a >/dev/null 2>"$tmp/det" || fail "detach ua-a: $(cat "$tmp/det")"
status=0
wait "$pid" || status=$?
kill "$peer_pid"; wait "$peer_pid" 2>/dev/null

[ "$status" = 1 ] || fail "the attach exited with $status, expected 1: $(cat "$tmp/out" "$tmp/err")"
grep -q "interface 'ua-hot' was not plugged into QEMU and its attach was undone" "$tmp/err" ||
    fail "the attach's error does not say what happened: $(grep -v vnic-fault-step "$tmp/err")"
got=$(vsh domiflist --json dr | python3 -c '
import json, sys
print(" ".join(str(i["alias"]) for i in json.load(sys.stdin)))')
[ "$got" = "ua-b" ] || fail "interfaces left in the domain: '$got' (expected ua-b)"
if ip netns exec "$ns" ip -o link show | grep -q 'drhot'; then
    fail "the attach's device is still there: $(ip netns exec "$ns" ip -o link show | grep drhot)"
fi
! grep -q '^device_add' "$log" || fail "QEMU was given a device: $(grep '^device_add' "$log")"
vsh destroy dr >/dev/null || fail "destroy"
finish
