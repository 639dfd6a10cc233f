#!/bin/bash
# A QMP peer is untrusted: one that floods events, sends a line without end, never answers or
# closes in the middle of a reply makes attach-interface fail with a clear error within a
# bounded time, and the attach is undone: no device in the namespace, no entry in the
# record, and the steps QEMU may have done are undone over a fresh connection.
source "$(dirname "$0")/../lifecycle/common.sh"
peer=$(dirname "$0")/fakepeer.py

cat >"$tmp/dom.xml" <<'XML'
<domain><name>qp</name><devices>
  <interface type='ethernet'><model type='virtio'/><alias name='ua-base'/></interface>
</devices></domain>
XML
cat >"$tmp/hot.xml" <<'XML'
<interface type='ethernet'><mac address='52:54:00:aa:01:02'/><model type='virtio'/><alias name='ua-hot'/></interface>
XML
vsh create "$tmp/dom.xml" >/dev/null || { fail "create"; finish; }
ifcount() { vsh domiflist --json qp | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

# MODE LIMIT-SECONDS EXPECTED-MESSAGE
try() {
    local mode=$1 limit=$2 want=$3 sock=$tmp/$1.sock log=$tmp/$1.log
    : >"$log"
    python3 "$peer" qmp "$mode" "$sock" "$log" &
    local pid=$!
    for _ in $(seq 1 200); do [ -S "$sock" ] && break; sleep 0.05; done
    local t0=$SECONDS
    out=$(vsh attach-interface qp "$tmp/hot.xml" --qmp "$sock" 2>&1); status=$?
    local took=$((SECONDS - t0))
    kill "$pid"; wait "$pid" 2>/dev/null
    [ $status -eq 1 ] || fail "$mode: attach exited $status: $out"
    echo "$out" | grep -q "vnicsh: error: .*$want" || fail "$mode: attach said: $out"
    [ $took -le "$limit" ] || fail "$mode: attach took $took s (at most $limit expected)"
    [ "$(ifcount)" = 1 ] || fail "$mode: the failed attach left an interface in the record"
    [ "$(marked_devices | wc -l)" -eq 1 ] || fail "$mode: the failed attach left a device: $(marked_devices)"
    # The fd in flight may have reached QEMU: it is closed over a new connection.
    grep -q '^closefd {"fdname": "vnic-ua-hot-0"}$' "$log" || fail "$mode: no closefd in the rollback: $(cat "$log")"
}

try flood 10 "QMP command 'getfd': QEMU sent more than 256 events"
try longline 10 "QMP command 'getfd': QEMU sent a message longer than 1048576 bytes"
try close 10 "QMP command 'getfd': the QMP connection broke"
# QEMU has 30 s to answer a command; the rollback's own steps 5 s each.
try silent 45 "QMP command 'getfd': QEMU did not answer in time"

vsh destroy qp >/dev/null || fail "destroy"
[ -z "$(marked_devices)" ] || fail "devices left: $(marked_devices)"
finish
