#!/bin/bash
# Many queues: two taps of 256 queues and a macvtap of 8 reach the child as fds 3..522, each
# on the right device, nothing else open. Then the same under the usual soft limit of 1024
# open files: the supervisor can hold the 520 queues, so the child must get them too (moving
# them into place may not need a second full set of fds, or run raises its soft limit).
source "$(dirname "$0")/common.sh"

cat >"$tmp/big.xml" <<'XML'
<domain type='kvm'>
  <name>big</name>
  <devices>
    <interface type='ethernet'>
      <model type='virtio'/>
      <driver queues='256'/>
    </interface>
    <interface type='direct'>
      <source dev='uplink0' mode='bridge'/>
      <model type='virtio'/>
      <driver queues='8'/>
    </interface>
    <interface type='ethernet'>
      <model type='virtio'/>
      <driver queues='256'/>
    </interface>
  </devices>
</domain>
XML

check_probe() { # WHAT
    python3 - "$tmp/probe" "$tmp/ifaces.json" <<'PY' || fail "$1: the child's fds are wrong"
import json, sys
probe = [l.split() for l in open(sys.argv[1]).read().splitlines()]
want = [i["device"] for i in json.load(open(sys.argv[2])) for q in range(i["queues"])]
if len(want) != 520:
    print("  %d queues, expected 520" % len(want), file=sys.stderr)
    sys.exit(1)
fds = [int(p[0]) for p in probe]
if fds != list(range(3, 3 + len(want))):
    print("  open fds: %d of them, from %s to %s" % (len(fds), fds[:1], fds[-1:]), file=sys.stderr)
    sys.exit(1)
bad = [p for p, w in zip(probe, want) if p[1] != w or p[4] != "0"]
if bad:
    print("  wrong fds: %s" % bad[:5], file=sys.stderr)
    sys.exit(1)
PY
}

child='"$VSH" -c "$VSH_URI" domiflist --json big >"$0" && exec "$1"'
(
    ulimit -n 4096 2>/dev/null
    vsh run "$tmp/big.xml" -- sh -c "$child" "$tmp/ifaces.json" "$fdprobe" >"$tmp/probe" 2>"$tmp/err"
) || fail "run with 520 queues: $(cat "$tmp/err")"
check_probe "520 queues"
expect_all_gone "after 520 queues"

rm -f "$tmp/probe" "$tmp/ifaces.json"
(
    ulimit -S -n 1024
    vsh run "$tmp/big.xml" -- sh -c "$child" "$tmp/ifaces.json" "$fdprobe" >"$tmp/probe" 2>"$tmp/err"
) || fail "run with 520 queues and a soft limit of 1024 open files: $(cat "$tmp/err")"
[ -s "$tmp/probe" ] && check_probe "520 queues, limit 1024"
expect_all_gone "after 520 queues with a limit of 1024"
finish
