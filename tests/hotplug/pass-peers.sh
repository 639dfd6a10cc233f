#!/bin/bash
# `vnicsh pass` and an untrusted peer: the peer must acknowledge the fds. One that never reads,
# one that closes at once and one that refuses make pass fail (exit 1) with a clear error
# within a bounded time.
source "$(dirname "$0")/../lifecycle/common.sh"
peer=$(dirname "$0")/fakepeer.py

cat >"$tmp/dom.xml" <<'XML'
<domain><name>pp</name><devices>
  <interface type='ethernet'><model type='virtio'/><driver queues='2'/><alias name='ua-t0'/></interface>
  <interface type='direct'><source dev='uplink0' mode='bridge'/><alias name='ua-m1'/></interface>
</devices></domain>
XML
vsh create "$tmp/dom.xml" >/dev/null || { fail "create"; finish; }

# MODE LIMIT-SECONDS EXPECTED-MESSAGE
try() {
    local mode=$1 limit=$2 want=$3 sock=$tmp/$1.sock
    python3 "$peer" pass "$mode" "$sock" &
    local pid=$!
    for _ in $(seq 1 200); do [ -S "$sock" ] && break; sleep 0.05; done
    local t0=$SECONDS
    out=$(vsh pass pp --socket "$sock" 2>&1); status=$?
    local took=$((SECONDS - t0))
    kill "$pid"; wait "$pid" 2>/dev/null
    [ $status -eq 1 ] || fail "$mode: pass exited $status: $out"
    echo "$out" | grep -Eq "vnicsh: error: .*($want)" || fail "$mode: pass said: $out"
    [ $took -le "$limit" ] || fail "$mode: pass took $took s (at most $limit expected)"
}

try noread 15 "the peer did not (acknowledge the fds|read) within 10 s"
try close 5 "the peer closed the connection without acknowledging the fds"
try refuse 5 "the peer refused the fds: no room for them"

vsh destroy pp >/dev/null || fail "destroy"
finish
