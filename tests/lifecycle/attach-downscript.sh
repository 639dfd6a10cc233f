#!/bin/bash
# An attach that fails only at its last step, writing the record once the device is made and
# its <script> has run: the device goes again, and its <downscript> runs first, with the device
# still there (as at destroy or detach); the domain keeps its other interface and its record
# says nothing of the new one. The write's failure is injected (VNIC_FAULT_FAIL, a build with
# -Dfault_injection=true; skipped without); embedded only, where the writing process is vnicsh.
source "$(dirname "$0")/common.sh"

# Scripts live in a directory only root may write (mktemp -d: 0700; /tmp is sticky).
sd=$(mktemp -d) || exit 1
trap 'cleanup; rm -rf "$sd"' EXIT
chmod 755 "$sd"
log=$sd/log
printf '%s\n' '#!/bin/sh' 'echo "up $1" >>"$(dirname "$0")/log"' >"$sd/up"
printf '%s\n' '#!/bin/sh' \
    'if ip link show "$1" >/dev/null 2>&1; then there=present; else there=absent; fi' \
    'echo "down $1 $there" >>"$(dirname "$0")/log"' >"$sd/down"
chmod 755 "$sd"/up "$sd"/down

printf '%s\n' "<domain><name>ad</name><devices>" \
    "<interface type='ethernet'><target dev='adbase0'/><alias name='ua-base'/></interface>" \
    "</devices></domain>" >"$tmp/dom.xml"
printf '%s\n' "<interface type='ethernet'><target dev='adhot0'/>" \
    "<script path='$sd/up'/><downscript path='$sd/down'/><alias name='ua-hot'/></interface>" \
    >"$tmp/hot.xml"
vsh create "$tmp/dom.xml" >/dev/null || { fail "create"; finish; }

VNIC_FAULT_TRACE=1 vsh attach-interface ad "$tmp/hot.xml" >/dev/null 2>"$tmp/trace" ||
    fail "the trace run failed: $(cat "$tmp/trace")"
if ! grep -q '^vnic-fault-step ' "$tmp/trace"; then
    echo "SKIP: built without -Dfault_injection"
    exit 77
fi
vsh detach-interface ad ua-hot >/dev/null || fail "detach after the trace run"
[ "$(cat "$log")" = "up adhot0
down adhot0 present" ] || fail "the scripts of the plain attach and detach: $(cat "$log")"
: >"$log"

out=$(VNIC_FAULT_FAIL=attach-record-write vsh attach-interface ad "$tmp/hot.xml" 2>&1) &&
    fail "the attach whose record write failed succeeded: $out"
echo "as expected: $out"
grep -q "cannot write the record of domain 'ad'" <<<"$out" || fail "the error: $out"
[ "$(cat "$log")" = "up adhot0
down adhot0 present" ] || fail "script and downscript of the failed attach: $(cat "$log")"
ip -n "$ns" link show adhot0 >/dev/null 2>&1 && fail "adhot0 outlived the failed attach"
n=$(vsh domiflist --json ad | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n" = 1 ] || fail "ad has $n interfaces after the failed attach, not 1"
[ "$(marked_devices)" = adbase0 ] || fail "devices: $(marked_devices)"

vsh destroy ad >/dev/null || fail "destroy"
[ -z "$(marked_devices)" ] || fail "devices left: $(marked_devices)"
finish
