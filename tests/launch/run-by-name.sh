#!/bin/bash
# `vnicsh run NAME`: a defined domain is started for the child (supervised) and destroyed
# afterwards, but stays defined; an already active domain (by name or by file) is only used:
# the child gets its queues and it keeps running afterwards.
source "$(dirname "$0")/common.sh"
export PROBE=$fdprobe

# The child records the domain's state while it runs, and the running devices.
child='"$VSH" -c "$VSH_URI" list --all --json >"$OUT.list"
       "$VSH" -c "$VSH_URI" domiflist --json web1 >"$OUT.json"
       exec "$PROBE" "$1" >"$OUT.fds"'
state_in() { # FILE NAME
    python3 -c '
import json, sys
print(" ".join(d["state"] for d in json.load(open(sys.argv[1])) if d["name"] == sys.argv[2]))' "$1" "$2"
}
# The probe's fds are the queues of the running devices, in order.
fds_match() { # WHAT
    python3 - "$tmp/out.fds" "$tmp/out.json" <<'PY' || fail "$1: the child's fds are not the domain's queues"
import json, sys
probe = [l.split() for l in open(sys.argv[1]).read().splitlines()]
want = [i["device"] for i in json.load(open(sys.argv[2])) for q in range(i["queues"])]
got = [p[1] for p in probe]
fds = [int(p[0]) for p in probe]
if got != want or fds != list(range(3, 3 + len(want))):
    print("  got %s, expected %s on fds 3.." % (probe, want), file=sys.stderr)
    sys.exit(1)
PY
}

# 1. A defined domain, run by name.
vsh define "$example" >/dev/null || fail "define web1"
OUT=$tmp/out vsh run web1 --env -- sh -c "$child" sh 5 2>"$tmp/err"
rc=$?
[ "$rc" = 5 ] || fail "run web1 (defined) exited with $rc: $(cat "$tmp/err")"
[ "$(state_in "$tmp/out.list" web1)" = active ] || fail "web1 was not active while the child ran: $(cat "$tmp/out.list")"
fds_match "defined domain"
[ "$(domains)" = "web1 defined" ] || fail "after the run web1 is '$(domains)', expected still defined"
[ -z "$(marked_devices)" ] || fail "devices left after running a defined domain: $(marked_devices)"
# And it can be started again normally (nothing stale left behind).
vsh start web1 >/dev/null 2>"$tmp/err" || fail "start after run: $(cat "$tmp/err")"
vsh destroy web1 >/dev/null || fail "destroy after start"

# 2. An active domain, run by name: used, not destroyed.
vsh start web1 >/dev/null || fail "start web1"
before=$(marked_devices | sort)
ifindexes=$(vsh domiflist --json web1 | python3 -c 'import json,sys; print([i["ifindex"] for i in json.load(sys.stdin)])')
OUT=$tmp/out vsh run web1 -- sh -c "$child" sh 0 2>"$tmp/err" || fail "run web1 (active): $(cat "$tmp/err")"
fds_match "active domain by name"
[ "$(domains)" = "web1 active" ] || fail "after running an active domain it is '$(domains)'"
[ "$(marked_devices | sort)" = "$before" ] || fail "devices changed: '$before' -> '$(marked_devices | sort)'"
[ "$(vsh domiflist --json web1 | python3 -c 'import json,sys; print([i["ifindex"] for i in json.load(sys.stdin)])')" = "$ifindexes" ] ||
    fail "the devices of the active domain were recreated"

# 3. The same domain by file while it runs: used, not destroyed.
OUT=$tmp/out vsh run "$example" --env -- sh -c "$child" sh 0 2>"$tmp/err" || fail "run web1.xml (active): $(cat "$tmp/err")"
fds_match "active domain by file"
[ "$(domains)" = "web1 active" ] || fail "after running the active domain's file it is '$(domains)'"
[ "$(marked_devices | sort)" = "$before" ] || fail "devices changed after running by file"
vsh destroy web1 >/dev/null || fail "destroy web1"
vsh undefine web1 >/dev/null || fail "undefine web1"

# 4. A transient domain created with `create`, run by name: not destroyed either.
vsh create "$example" >/dev/null || fail "create web1"
OUT=$tmp/out vsh run web1 --env -- sh -c "$child" sh 0 2>"$tmp/err" || fail "run web1 (created): $(cat "$tmp/err")"
[ "$(domains)" = "web1 active" ] || fail "after running a created domain it is '$(domains)'"
vsh destroy web1 >/dev/null || fail "destroy web1"

# 5. An unknown name: an error, nothing runs.
vsh run nosuchdomain -- sh -c 'touch "$0"' "$tmp/ran" 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] || fail "run of an unknown domain exited with $rc"
grep -q "^vnicsh: error: .*nosuchdomain" "$tmp/err" || fail "unknown domain: $(cat "$tmp/err")"
[ -e "$tmp/ran" ] && fail "the command ran for an unknown domain"
expect_all_gone "at the end"
finish
