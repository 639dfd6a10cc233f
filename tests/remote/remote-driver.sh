#!/bin/bash
# The remote driver against a scripted peer: runs test-remote-driver on it, then checks from
# the peer's log what the driver sent (the document with its name, the snapshot's flags, and
# the Destroy that undoes a start whose snapshot could not be read).
#   remote-driver.sh TEST-PROGRAM FAKE-PEER SCENARIO
set -u
prog=$1 peer=$2 scenario=$3
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

python3 "$peer" "$tmp/s.sock" "$scenario" "$tmp/log" >"$tmp/peer.out" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
    grep -q ready "$tmp/peer.out" 2>/dev/null && break
    sleep 0.05
done
grep -q ready "$tmp/peer.out" || { echo "the scripted peer did not start: $(cat "$tmp/peer.out")"; exit 1; }

"$prog" "vnic+unix:///system?socket=$tmp/s.sock" || fail "test-remote-driver"

python3 - "$tmp/log" <<'PY' || fail "what the driver sent: $(cat "$tmp/log")"
import json, sys
calls = [json.loads(l) for l in open(sys.argv[1])]
# The refused connection sent nothing the peer read.
assert calls[0]["method"] == "@accept", calls[0]
calls = calls[1:]
methods = [c["method"].rsplit(".", 1)[1] for c in calls]
def first(m):
    return next(c["parameters"] for c in calls if c["method"].endswith("." + m))
create = first("Create")
assert create == {"xml": "<domain/>", "docname": "my.xml"}, create
snap = [c["parameters"] for c in calls if c["method"].endswith(".Snapshot")]
assert snap[0] == {"name": "s1", "with_fds": True, "start": True}, snap[0]
assert snap[1] == {"name": "s1", "with_fds": True}, snap[1]
# The start of the bad snapshot is undone at once, before anything else.
i = methods.index("Snapshot")
assert methods[i + 1] == "Destroy" and calls[i + 1]["parameters"] == {"name": "s1"}, methods
assert first("List") == {} and first("Lookup") == {"name": "nope"}
# The lookup on the broken connection never reached the peer.
assert methods.count("Lookup") == 1, methods
assert methods.count("Watch") == 1, methods
PY
[ "$failures" -eq 0 ] || { echo "$failures failures"; exit 1; }
echo "remote-driver: all checks passed"
