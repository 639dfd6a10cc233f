#!/bin/bash
# Reconcile: orphans (marked devices no record owns) are removed and reported, --dry-run only
# reports, active domains are re-adopted, vanished devices make a domain degraded, and a
# device without vnic's mark is never touched.
source "$(dirname "$0")/common.sh"

write_domain keep 2 "$tmp/keep.xml"
write_domain lost 2 "$tmp/lost.xml"
vsh create "$tmp/keep.xml" >/dev/null || fail "create keep"
vsh create "$tmp/lost.xml" >/dev/null || fail "create lost"
mapfile -t lost < <(vsh domiflist --json lost | python3 -c '
import json, sys
for i in json.load(sys.stdin): print(i["device"])')

# Orphans: the record of 'lost' disappears (as if someone removed the file).
rm "$root/run/domains/lost.xml"
# A foreign device that only looks like vnic's, without the mark: never touched.
ip -n "$ns" link add stranger type veth peer name stranger-p
ip -n "$ns" link set stranger alias "not-vnic"

vsh reconcile --dry-run >"$tmp/dry" || fail "dry run failed"
for d in "${lost[@]}"; do
    grep -q "would remove orphan device $d " "$tmp/dry" || fail "dry run does not report orphan $d: $(cat "$tmp/dry")"
    device_exists "$d" || fail "dry run removed $d"
done

vsh reconcile --json >"$tmp/real" || fail "reconcile failed"
for d in "${lost[@]}"; do
    python3 -c "
import json, sys
a = json.load(open('$tmp/real'))
sys.exit(0 if any(x['action'] == 'removed-orphan' and x['device'] == '$d' for x in a) else 1)" ||
        fail "reconcile does not report removing $d: $(cat "$tmp/real")"
    device_exists "$d" && fail "orphan $d still exists"
done
grep -q '"adopted"' "$tmp/real" || fail "the healthy domain was not re-adopted: $(cat "$tmp/real")"
device_exists stranger || fail "reconcile removed a device without vnic's mark"

# A device of an active domain vanishes: degraded.
mapfile -t keep < <(vsh domiflist --json keep | python3 -c '
import json, sys
for i in json.load(sys.stdin): print(i["device"])')
ip -n "$ns" link del "${keep[1]}"
vsh reconcile >"$tmp/deg" || fail "reconcile with a vanished device"
grep -q "domain 'keep' is degraded: device ${keep[1]}" "$tmp/deg" || fail "not reported degraded: $(cat "$tmp/deg")"
state=$(vsh list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["state"])')
[ "$state" = degraded ] || fail "state is $state, expected degraded"
vsh destroy keep >/dev/null || fail "destroy a degraded domain"
[ -z "$(marked_devices)" ] || fail "devices left: $(marked_devices)"
finish
