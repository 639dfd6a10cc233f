#!/bin/bash
# Hot-plug and crashes: kill vnicsh with SIGKILL at every step of attach-interface and of
# detach-interface; the next command's quick pass (and then reconcile) must leave the new
# interface either fully attached (device there and marked, in the record, its queues opened
# in order) or fully gone, never half there and never a running domain degraded for good.
# Also: aliases that hot-plug generates are never handed out twice. Needs a build with
# -Dfault_injection=true (.ci/test's) for the crash part; skipped without.
source "$(dirname "$0")/common.sh"

# ---- generated aliases are never reused --------------------------------------------------
cat >"$tmp/al.xml" <<'EOF'
<domain><name>al</name><devices>
<interface type='ethernet'><model type='virtio'/></interface>
</devices></domain>
EOF
echo "<interface type='ethernet'><model type='virtio'/></interface>" >"$tmp/plain.xml"
vsh create "$tmp/al.xml" >/dev/null || fail "create al"
aliases_of() { vsh domiflist --json "$1" | python3 -c '
import json, sys
print(" ".join(str(i["alias"]) for i in json.load(sys.stdin)))'; }
aliases() { aliases_of al; }
vsh attach-interface al "$tmp/plain.xml" >/dev/null || fail "first attach"
vsh attach-interface al "$tmp/plain.xml" >/dev/null || fail "second attach"
[ "$(aliases)" = "net0 net1 net2" ] || fail "aliases after two attaches: $(aliases)"
vsh detach-interface al net1 >/dev/null || fail "detach net1"
out=$(vsh attach-interface al "$tmp/plain.xml" 2>&1) || fail "attach after detaching net1: $out"
[ "$(aliases)" = "net0 net2 net3" ] || fail "aliases after detaching net1 and attaching: $(aliases)"
# The last one detached: its alias is not handed out again either.
vsh detach-interface al net3 >/dev/null || fail "detach net3"
vsh attach-interface al "$tmp/plain.xml" >/dev/null || fail "attach after detaching net3"
[ "$(aliases)" = "net0 net2 net4" ] || fail "aliases after detaching net3 and attaching: $(aliases)"
# An alias the user chose is skipped by the counter.
echo "<interface type='ethernet'><model type='virtio'/><alias name='net5'/></interface>" \
    >"$tmp/net5.xml"
vsh attach-interface al "$tmp/net5.xml" >/dev/null || fail "attach with alias net5"
vsh attach-interface al "$tmp/plain.xml" >/dev/null || fail "attach after net5"
[ "$(aliases)" = "net0 net2 net4 net5 net6" ] || fail "aliases after net5: $(aliases)"
vsh destroy al >/dev/null || fail "destroy al"

# Every interface has its id from the start: interface i is "net<i>" unless an alias of the
# XML has that, then the next free number. The definition's qemu-args (what run would add),
# the running domain's qemu-args and its XML agree.
cat >"$tmp/ids.xml" <<'EOF'
<domain><name>ids</name><devices>
<interface type='ethernet'><model type='virtio'/><mac address='52:54:00:1d:00:01'/></interface>
<interface type='ethernet'><model type='virtio'/><mac address='52:54:00:1d:00:02'/><alias name='net0'/></interface>
<interface type='ethernet'><model type='virtio'/><mac address='52:54:00:1d:00:03'/></interface>
</devices></domain>
EOF
ids() { grep -o 'id=net[0-9]*' | tr '\n' ' '; }
vsh define "$tmp/ids.xml" >/dev/null || fail "define ids"
before=$(vsh qemu-args ids | ids)
[ "$before" = "id=net3 id=net0 id=net2 " ] || fail "ids of the defined domain: '$before'"
vsh start ids >/dev/null || fail "start ids"
[ "$(vsh qemu-args ids | ids)" = "$before" ] || fail "ids after start: $(vsh qemu-args ids | ids)"
got=$(vsh dumpxml ids | grep -o '<alias name="[^"]*"' | cut -d'"' -f2 | tr '\n' ' ')
[ "$got" = "net3 net0 net2 " ] ||
    fail "aliases in the running domain's XML: $got"
vsh attach-interface ids "$tmp/plain.xml" >/dev/null || fail "attach to ids"
[ "$(aliases_of ids)" = "net3 net0 net2 net4" ] || fail "aliases after attach: $(aliases_of ids)"
vsh destroy ids >/dev/null || fail "destroy ids"
vsh undefine ids >/dev/null || fail "undefine ids"

# ---- SIGKILL at every step of attach and detach ------------------------------------------
write_domain hp 2 "$tmp/hp.xml"
vsh create "$tmp/hp.xml" >/dev/null || { fail "create hp"; finish; }

cat >"$tmp/hot-tap.xml" <<'EOF'
<interface type='ethernet'><model type='virtio'/><driver queues='2'/><alias name='ua-hot'/></interface>
EOF
cat >"$tmp/hot-macvtap.xml" <<'EOF'
<interface type='direct'><source dev='uplink0' mode='bridge'/><model type='virtio'/><alias name='ua-hot'/></interface>
EOF

VNIC_FAULT_TRACE=1 vsh attach-interface hp "$tmp/hot-tap.xml" >/dev/null 2>"$tmp/trace" ||
    fail "the trace run failed: $(cat "$tmp/trace")"
if ! grep -q '^vnic-fault-step ' "$tmp/trace"; then
    echo "SKIP: built without -Dfault_injection"
    exit 77
fi
vsh detach-interface hp ua-hot >/dev/null || fail "detach after the trace run"

# The state after a killed hot-plug, as the next command (WHO: a plain command whose quick
# pass runs first, or reconcile) leaves it. Prints "attached" or "gone".
check_state() { # WHAT [STATE]
    local what=$1 state
    if [ $# -gt 1 ]; then
        state=$(vsh list --json | python3 -c "
import json, sys
print(next((d['state'] for d in json.load(sys.stdin) if d['name'] == 'hp'), 'none'))")
        [ "$state" = active ] || fail "$what: the domain is '$state', not active"
    fi
    vsh domiflist --json hp >"$tmp/ifl.json" || { fail "$what: domiflist"; return; }
    local names
    names=$(python3 -c '
import json, sys
for i in json.load(open(sys.argv[1])): print(i["device"])' "$tmp/ifl.json" | sort)
    grep -qx None <<<"$names" && fail "$what: an interface without a device: $names"
    for d in $names; do
        device_exists "$d" || fail "$what: the record names $d, which does not exist"
    done
    [ "$(marked_devices | sort)" = "$names" ] ||
        fail "$what: marked devices '$(marked_devices | sort | tr '\n' ' ')' differ from the record's '$(echo $names)'"
    # Every queue gets its fd, numbered from 3 in interface order.
    vsh qemu-args hp >"$tmp/args" 2>&1 || fail "$what: qemu-args: $(cat "$tmp/args")"
    python3 - "$tmp/ifl.json" "$tmp/args" <<'PY' || fail "$what: qemu-args do not match the interfaces"
import json, re, sys
ifaces = json.load(open(sys.argv[1]))
args = open(sys.argv[2]).read()
got = []
for m in re.finditer(r"-netdev tap,id=[^,]*,(fds?)=([^,\s]*)", args):
    fds = m.group(2).split(":")
    if not all(f.isdigit() for f in fds):
        sys.exit("bad fds %r" % m.group(2))
    got.append(len(fds))
flat = [int(f) for m in re.finditer(r"fds?=([0-9:]+)", args) for f in m.group(1).split(":")]
if got != [i["queues"] for i in ifaces] or flat != list(range(3, 3 + len(flat))):
    sys.exit("queues %r, fds %r, interfaces %r" % (got, flat, [i["queues"] for i in ifaces]))
PY
    local n
    n=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$tmp/ifl.json")
    if grep -q '"ua-hot"' "$tmp/ifl.json"; then
        [ "$n" -eq 3 ] || fail "$what: $n interfaces with the hot one"
        hot_state=attached
    else
        [ "$n" -eq 2 ] || fail "$what: $n interfaces without the hot one"
        hot_state=gone
    fi
    [ -z "$(ls "$root/run/domains"/*.tmp.* 2>/dev/null)" ] || fail "$what: temporary files left"
}

# Check after the quick pass of the next command, then again after reconcile (which must
# find nothing degraded and agree with the quick pass).
check_both() { # WHAT
    check_state "$1 (next command)"
    local first=$hot_state
    vsh reconcile >"$tmp/reconcile.out" 2>&1 || fail "$1: reconcile failed: $(cat "$tmp/reconcile.out")"
    grep -q degraded "$tmp/reconcile.out" && fail "$1: reconcile: $(cat "$tmp/reconcile.out")"
    check_state "$1 (reconcile)" state
    [ "$hot_state" = "$first" ] || fail "$1: reconcile changed '$first' to '$hot_state'"
}

for kind in tap macvtap; do
    steps=0
    for n in $(seq 1 50); do
        VNIC_FAULT_KILL_AT=$n vsh attach-interface hp "$tmp/hot-$kind.xml" >/dev/null 2>&1
        status=$?
        if [ $status -eq 0 ]; then
            check_both "$kind attach completed"
            [ "$hot_state" = attached ] || fail "$kind attach completed, but the interface is $hot_state"
            vsh detach-interface hp ua-hot >/dev/null || fail "detach after the $kind attach"
            break
        fi
        [ $status -eq 137 ] || fail "$kind attach killed at step $n exited $status, not by SIGKILL"
        steps=$n
        check_both "$kind attach killed at step $n"
        if [ "$hot_state" = attached ]; then
            vsh detach-interface hp ua-hot >/dev/null || fail "detach after $kind attach step $n"
        fi
    done
    [ "$steps" -ge 3 ] || fail "$kind attach had only $steps steps to kill at (intent, device, result)"
    echo "$kind attach: killed at each of $steps steps"

    steps=0
    for n in $(seq 1 50); do
        grep -q '"ua-hot"' <(vsh domiflist --json hp) ||
            vsh attach-interface hp "$tmp/hot-$kind.xml" >/dev/null || fail "attach before detach round $n"
        hotdev=$(vsh domiflist --json hp | python3 -c '
import json, sys
print(next(i["device"] for i in json.load(sys.stdin) if i["alias"] == "ua-hot"))')
        VNIC_FAULT_KILL_AT=$n vsh detach-interface hp ua-hot >/dev/null 2>&1
        status=$?
        if [ $status -eq 0 ]; then
            check_both "$kind detach completed"
            [ "$hot_state" = gone ] || fail "$kind detach completed, but the interface is $hot_state"
            break
        fi
        [ $status -eq 137 ] || fail "$kind detach killed at step $n exited $status, not by SIGKILL"
        steps=$n
        check_both "$kind detach killed at step $n"
        [ "$hot_state" = gone ] && device_exists "$hotdev" && fail "$kind detach step $n: $hotdev is left"
    done
    [ "$steps" -ge 3 ] || fail "$kind detach had only $steps steps to kill at (intent, device, record)"
    echo "$kind detach: killed at each of $steps steps"
done

vsh destroy hp >/dev/null || fail "destroy hp"
[ -z "$(marked_devices)" ] || fail "devices left at the end: $(marked_devices)"
finish
