#!/bin/bash
# vnicd's access policy against the real kernel, with unprivileged clients (setpriv, uid 65534
# "nobody" and others) on a private vnicd: refused without a rule with nothing created (no
# marked device, no stored definition, no record); the domain glob, deny-beats-allow, the
# lower device, the macvtap mode and the quotas, each both ways; a run hands over working
# queues: taps owned by the caller (sysfs owner and group), macvtap queues the caller could not
# have opened itself; another user's domains invisible and untouchable; vnic:owner of someone
# else and managed='no' on a foreign tap refused; a bad policy keeps vnicd from starting, with
# file:line.
source "$(dirname "$0")/lib.sh"

# Unprivileged clients must reach the socket and read the documents.
chmod 0711 "$vd_tmp"
docs=$vd_tmp/docs
mkdir -m 0755 "$docs"
vd_in_ns ip link add uplink1 type veth peer name peer1 || exit 1
vd_in_ns ip link set uplink1 up

# as UID COMMAND...: in the namespace, as UID (and its own group), with no other group.
as() {
    local uid=$1
    shift
    vd_in_ns setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"
}
# A python3 that an unprivileged user may run (not one under root's home).
upy=
for p in /usr/bin/python3 /usr/local/bin/python3 "$(command -v python3)"; do
    if [ -x "$p" ] && setpriv --reuid=65534 --regid=65534 --clear-groups "$p" -c '' 2>/dev/null; then
        upy=$p
        break
    fi
done
if [ -z "$upy" ]; then
    echo "$VD_NAME: no python3 that uid 65534 may run" >&2
    exit 77
fi
# call UID METHOD [PARAMS]: the reply (one JSON line); status 1 on an error reply.
call() {
    local uid=$1
    shift
    as "$uid" "$upy" "$VD_DIR/varlink_client.py" "$VD_SOCK" "$@"
}
# doc NAME XML: a document file readable by every client.
doc() {
    printf '%s\n' "$2" >"$docs/$1.xml"
    chmod 0644 "$docs/$1.xml"
    echo "$docs/$1.xml"
}
# params FILE [EXTRA-JSON]: the parameters of Create/Define for the document FILE.
params() {
    python3 -c 'import json, os, sys
d = {"xml": open(sys.argv[1]).read(), "docname": os.path.basename(sys.argv[1])}
d.update(json.loads(sys.argv[2]) if len(sys.argv) > 2 else {})
print(json.dumps(d))' "$@"
}
# tap NAME DEV, direct NAME LOWER MODE [DEV]: one-interface domains.
tap() { doc "$1" "<domain><name>$1</name><devices><interface type='ethernet'><target dev='$2'/></interface></devices></domain>"; }
direct() {
    doc "$1" "<domain><name>$1</name><devices><interface type='direct'><source dev='$2' mode='$3'/>${4:+<target dev='$4'/>}</interface></devices></domain>"
}

# nothing_made NAME: no device with a mark, no stored definition, no record (the kernel and
# the store as witnesses).
nothing_made() {
    local what=$1 devs
    devs=$(marked_devices)
    check "$what: no marked device (found: $devs)" [ -z "$devs" ]
    check "$what: no stored definition" [ ! -e "$vd_root/lib/defs/$what.xml" ]
    check "$what: no state record" [ ! -e "$vd_root/run/domains/$what.xml" ]
}

# refused WHAT EXPECTED UID METHOD PARAMS: PermissionDenied, naming EXPECTED.
refused() {
    local what=$1 expected=$2 out status
    shift 2
    out=$(call "$@")
    status=$?
    check "$what: refused (status $status): $out" [ $status = 1 ]
    check "$what: PermissionDenied" grep -q '"io.vnic.Domain.PermissionDenied"' <<<"$out"
    check "$what: the message names what is missing: $out" grep -qF -- "$expected" <<<"$out"
}
# allowed WHAT UID METHOD PARAMS
allowed() {
    local what=$1 out status
    shift
    out=$(call "$@")
    status=$?
    check "$what: allowed (status $status): $out" [ $status = 0 ]
}

# ---- a bad policy keeps vnicd from starting ----------------------------------------------------
printf '<policy xmlns="http://vnic.dev/xmlns/policy/1.0">\n  <allow user="no-such-user-vnic"/>\n</policy>\n' \
    >"$vd_tmp/bad.xml"
out=$(vd_in_ns "$VD_VNICD" --root "$vd_root" --socket "$vd_tmp/bad.sock" --policy "$vd_tmp/bad.xml" 2>&1)
status=$?
check "a bad policy: vnicd exits 1 (got $status)" [ $status = 1 ]
check "... naming file, line and element: $out" \
    grep -qF "$vd_tmp/bad.xml:2: error: <allow>: unknown user 'no-such-user-vnic'" <<<"$out"
check "... and serves nothing" [ ! -e "$vd_tmp/bad.sock" ]

printf '<policy xmlns="http://vnic.dev/xmlns/policy/1.0"/>\n' >"$vd_tmp/loose.xml"
chmod 0666 "$vd_tmp/loose.xml"
out=$(vd_in_ns "$VD_VNICD" --root "$vd_root" --socket "$vd_tmp/bad.sock" --policy "$vd_tmp/loose.xml" 2>&1)
status=$?
check "a policy anyone may write: vnicd exits 1 (got $status)" [ $status = 1 ]
check "... saying why: $out" grep -qF "may be written by other users (mode 0666)" <<<"$out"

# ---- no policy: nobody but root ------------------------------------------------------------------
vd_start || exit 1
f=$(tap vm-1 vm0)
refused "no policy, create" "no policy allows user 'nobody' (65534) to start domain 'vm-1'" \
    65534 io.vnic.Domain.Create "$(params "$f")"
nothing_made vm-1
refused "no policy, define" "no policy allows user 'nobody' (65534) to define domain 'vm-1'" \
    65534 io.vnic.Domain.Define "$(params "$f")"
nothing_made vm-1
vd_stop

# ---- the policy ------------------------------------------------------------------------------------
VD_POLICY=$vd_tmp/policy.xml
cat >"$VD_POLICY" <<'EOF'
<policy xmlns='http://vnic.dev/xmlns/policy/1.0'>
  <allow user='nobody'>
    <domain name='vm-*'/>
    <direct dev='uplink0' modes='bridge private'/>
    <ethernet prefix='vm'/>
    <limit interfaces='3' queues='4'/>
    <operations>define undefine start destroy run attach detach read</operations>
  </allow>
  <deny user='nobody'>
    <domain name='vm-secret*'/>
  </deny>
  <allow user='65533'>
    <domain name='vm-*'/>
    <ethernet prefix='vm'/>
  </allow>
  <allow group='4242'>
    <domain name='grp-*'/>
    <ethernet prefix='vg'/>
  </allow>
</policy>
EOF
vd_start || exit 1

# Without a rule (uid 65532 has none): refused, nothing made.
refused "no rule, create" "no rule allows user 65532 to start domain 'vm-1'" \
    65532 io.vnic.Domain.Create "$(params "$f")"
nothing_made vm-1
refused "no rule, list" "no rule allows user 65532 to read" 65532 io.vnic.Domain.List

# A group rule matches a supplementary group of the peer (as the kernel gave it at connect
# time), and only that.
gf=$(tap grp-1 vg0)
refused "a group rule, without the group" "no rule allows user 65532 to start domain 'grp-1'" \
    65532 io.vnic.Domain.Create "$(params "$gf")"
nothing_made grp-1
out=$(vd_in_ns setpriv --reuid=65532 --regid=65532 --groups=4242 "$upy" "$VD_DIR/varlink_client.py" \
    "$VD_SOCK" io.vnic.Domain.Create "$(params "$gf")")
check "a group rule, with the group as a supplementary one: $out" [ $? = 0 ]
check "... vg0 made, owned by the peer" [ "$(vd_in_ns cat /sys/class/net/vg0/owner 2>&1)" = 65532 ]
check "... and its group" [ "$(vd_in_ns cat /sys/class/net/vg0/group 2>&1)" = 65532 ]
out=$(vd_in_ns setpriv --reuid=65532 --regid=65532 --groups=4242 "$upy" "$VD_DIR/varlink_client.py" \
    "$VD_SOCK" io.vnic.Domain.Destroy '{"name": "grp-1"}')
check "... destroyed by its owner: $out" [ $? = 0 ]

# The domain glob, both ways.
g=$(tap db-1 vm0)
refused "a name outside the glob" "no rule allows user 'nobody' (65534) to start domain 'db-1'" \
    65534 io.vnic.Domain.Create "$(params "$g")"
nothing_made db-1
allowed "a name in the glob" 65534 io.vnic.Domain.Create "$(params "$f")"
check "vm0 made" device_exists vm0
# FollowLibvirt is the 'run' operation: refused without it; with it, the policy lets the call
# through to its own refusal (vm-1 was not started for libvirt).
refused "FollowLibvirt without a rule" "no rule allows user 65532 to run domain 'vm-1'" \
    65532 io.vnic.Domain.FollowLibvirt '{"name": "vm-1"}'
out=$(call 65534 io.vnic.Domain.FollowLibvirt '{"name": "vm-1"}')
check "FollowLibvirt with 'run': past the policy, Failed for want of a mark: $out" \
    grep -q '"io.vnic.Domain.Failed".*no <vnic:libvirt> mark' <<<"$out"
allowed "destroy of one's own domain" 65534 io.vnic.Domain.Destroy '{"name": "vm-1"}'
check "vm0 gone" bash -c "! ip -n $vd_ns link show vm0 >/dev/null 2>&1"

# Deny beats allow: vm-secret1 is in the allow rule's glob too.
s=$(tap vm-secret1 vm1)
refused "deny beats allow" "the <deny> rule at $VD_POLICY:9 refuses user 'nobody' (65534) to start domain 'vm-secret1'" \
    65534 io.vnic.Domain.Create "$(params "$s")"
nothing_made vm-secret1

# The lower device, both ways; the mode, both ways.
d=$(direct vm-d uplink1 bridge vmd0)
refused "another lower device" "interface 1 (direct, dev 'uplink1', mode 'bridge'): no <direct dev='uplink1' modes='bridge'> rule allows it" \
    65534 io.vnic.Domain.Create "$(params "$d")"
nothing_made vm-d
d=$(direct vm-d uplink0 vepa vmd0)
refused "another mode" "interface 1 (direct, dev 'uplink0', mode 'vepa'): no <direct dev='uplink0' modes='vepa'> rule allows it" \
    65534 io.vnic.Domain.Create "$(params "$d")"
nothing_made vm-d
d=$(direct vm-d uplink0 private vmd0)
allowed "the allowed lower device and mode" 65534 io.vnic.Domain.Create "$(params "$d")"
check "vmd0 made" device_exists vmd0
allowed "destroy" 65534 io.vnic.Domain.Destroy '{"name": "vm-d"}'

# Tap names: the prefix, both ways; no target dev (vnic would say vnet%d).
t=$(tap vm-t tap0)
refused "a tap name outside the prefix" "interface 1 (ethernet, target dev 'tap0'): no <ethernet prefix='...'> rule allows that name" \
    65534 io.vnic.Domain.Create "$(params "$t")"
nothing_made vm-t
t=$(doc vm-t "<domain><name>vm-t</name><devices><interface type='ethernet'/></devices></domain>")
refused "a tap without a name" "vnic names it 'vnet%d'): no <ethernet prefix='...'> rule allows that name" \
    65534 io.vnic.Domain.Create "$(params "$t")"
nothing_made vm-t

# Quotas, both ways: 3 interfaces and 4 queues per domain.
iface() { echo "<interface type='ethernet'><target dev='$1'/><model type='virtio'/><driver queues='$2'/></interface>"; }
q=$(doc vm-q "<domain><name>vm-q</name><devices>$(iface vmq0 1)$(iface vmq1 1)$(iface vmq2 1)$(iface vmq3 1)</devices></domain>")
refused "4 interfaces" "domain 'vm-q' has 4 interfaces; no <limit> rule allows user 'nobody' (65534) more than 3" \
    65534 io.vnic.Domain.Create "$(params "$q")"
nothing_made vm-q
q=$(doc vm-q "<domain><name>vm-q</name><devices>$(iface vmq0 3)$(iface vmq1 2)</devices></domain>")
refused "5 queues" "domain 'vm-q' has 5 queues in all; no <limit> rule allows user 'nobody' (65534) more than 4" \
    65534 io.vnic.Domain.Create "$(params "$q")"
nothing_made vm-q
q=$(doc vm-q "<domain><name>vm-q</name><devices>$(iface vmq0 2)$(iface vmq1 1)</devices></domain>")
allowed "3 queues on 2 interfaces" 65534 io.vnic.Domain.Create "$(params "$q")"
# A hot-plug counts the whole domain: a third interface fits, a fourth queue... does not.
a=$(doc if-a "$(iface vmq2 2)")
refused "an attach past the queue quota" "domain 'vm-q' has 5 queues in all" \
    65534 io.vnic.Domain.AttachInterface "$(python3 -c 'import json, sys
print(json.dumps({"name": "vm-q", "xml": open(sys.argv[1]).read(), "docname": "if-a.xml"}))' "$a")"
check "vmq2 not made" bash -c "! ip -n $vd_ns link show vmq2 >/dev/null 2>&1"
a=$(doc if-a "$(iface vmq2 1)")
allowed "an attach within the quotas" 65534 io.vnic.Domain.AttachInterface "$(python3 -c 'import json, sys
print(json.dumps({"name": "vm-q", "xml": open(sys.argv[1]).read(), "docname": "if-a.xml"}))' "$a")"
check "the attached tap belongs to nobody" [ "$(vd_in_ns cat /sys/class/net/vmq2/owner)" = 65534 ]
allowed "destroy" 65534 io.vnic.Domain.Destroy '{"name": "vm-q"}'

# vnic:owner of someone else; managed='no' on a tap that is not the caller's.
o=$(doc vm-o "<domain xmlns:vnic='http://vnic.dev/xmlns/1.0'><name>vm-o</name><devices><interface type='ethernet'><target dev='vmo0'/><vnic:owner user='0'/></interface></devices></domain>")
refused "vnic:owner of root" "interface 1 (ethernet, target dev 'vmo0'): vnic:owner user '0' is not user 'nobody' (65534)" \
    65534 io.vnic.Domain.Create "$(params "$o")"
nothing_made vm-o
vd_in_ns ip tuntap add dev vmroot0 mode tap
vd_in_ns ip tuntap add dev vmmine0 mode tap user 65534
u=$(doc vm-u "<domain><name>vm-u</name><devices><interface type='ethernet'><target dev='vmroot0' managed='no'/></interface></devices></domain>")
refused "managed='no' on root's tap" "managed='no' on tap 'vmroot0', which user 'nobody' (65534) does not own" \
    65534 io.vnic.Domain.Create "$(params "$u")"
check "no record for vm-u" [ ! -e "$vd_root/run/domains/vm-u.xml" ]
u=$(doc vm-u "<domain><name>vm-u</name><devices><interface type='ethernet'><target dev='vmmine0' managed='no'/></interface></devices></domain>")
allowed "managed='no' on one's own tap" 65534 io.vnic.Domain.Create "$(params "$u")"
allowed "destroy" 65534 io.vnic.Domain.Destroy '{"name": "vm-u"}'
check "the unmanaged tap stays" device_exists vmmine0
vd_in_ns ip link del vmroot0
vd_in_ns ip link del vmmine0

# ---- a run: the queues a launcher gets ------------------------------------------------------------
r=$(doc vm-run "<domain><name>vm-run</name><devices>
<interface type='ethernet'><target dev='vmr0'/><model type='virtio'/><driver queues='2'/></interface>
<interface type='direct'><source dev='uplink0' mode='bridge'/><target dev='vmr1'/></interface>
</devices></domain>")
out=$(as 65534 "$upy" "$VD_DIR/policy_fds.py" snapshot "$VD_SOCK" "$r")
status=$?
check "run as nobody (status $status): $out" [ $status = 0 ]
# Checked against the kernel's word for each fd: three queues (two of the tap, one of the
# macvtap), character devices, usable (a frame written), the tap's owned by nobody, the
# macvtap's the very device sysfs names.
check_fds() {
    python3 -c '
import json, sys
fds = [json.loads(l) for l in sys.stdin if l.strip()]
assert len(fds) == 3, "3 fds, got %d" % len(fds)
for d in fds:
    assert d["chr"], "fd %d is not a character device" % d["fd"]
    assert d["write"] == 60, "fd %d: a write gave %s" % (d["fd"], d["write"])
taps = [d for d in fds if d.get("ifname") == "vmr0"]
macv = [d for d in fds if d.get("ifname") == "vmr1"]
assert len(taps) == 2 and len(macv) == 1, "names: %s" % [d.get("ifname") for d in fds]
for d in taps:
    assert d["rdev"] == "10:200", "a tap queue is /dev/net/tun, not %s" % d["rdev"]
    assert d["owner"] == 65534 and d["group"] == 65534, "tap owner %s group %s" % (d["owner"], d["group"])
m = macv[0]
assert m["rdev"] == m["macvtap_dev"], "macvtap fd %s, sysfs %s" % (m["rdev"], m["macvtap_dev"])
print(m["rdev"], m["ifindex"])
' <<<"$1"
}
macvtap=$(check_fds "$out")
check "the fds: $out" [ -n "$macvtap" ]
# The caller has no access to the macvtap's character device itself: a node of it that root
# made (as udev would, 0600) does not open for nobody.
if [ -n "$macvtap" ]; then
    set -- $macvtap
    node=$vd_tmp/tapnode
    mknod -m 0600 "$node" c "${1%%:*}" "${1##*:}"
    check "nobody cannot open the macvtap's node" \
        bash -c "! setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'exec 3<>$node' 2>/dev/null"
fi
# The run was supervised by that connection: it ends with it (bounded wait).
gone_within() {
    local until=$((SECONDS + $1))
    while ip -n "$vd_ns" link show "$2" >/dev/null 2>&1; do
        [ $SECONDS -lt $until ] || return 1
        sleep 0.1
    done
}
check "the run's domain went with its client" gone_within 20 vmr0

# The same through vnicsh over the remote driver, as a VM manager's user runs it: `vnicsh run`
# places the fds for the launcher (here the probe) as with the embedded driver.
vsh() { # UID ARGS...: vnicsh as UID on this vnicd
    local uid=$1
    shift
    as "$uid" "$VD_VNICSH" -c "$(vd_uri)" "$@"
}
out=$(vsh 65534 run "$r" -- "$upy" "$VD_DIR/policy_fds.py" probe 2>&1)
status=$?
check "vnicsh run as nobody (status $status): $out" [ $status = 0 ]
macvtap=$(check_fds "$(grep '^{' <<<"$out")")
check "vnicsh run: the launcher's fds: $out" [ -n "$macvtap" ]
check "vnicsh run: the domain went with vnicsh" gone_within 20 vmr0
out=$(vsh 65534 create "$g" 2>&1)
status=$?
check "vnicsh create refused: exit 1 (got $status)" [ $status = 1 ]
check "... with vnicsh's error line: $out" grep -qxF \
    "vnicsh: error: permission denied: no rule allows user 'nobody' (65534) to start domain 'db-1'" <<<"$out"
nothing_made db-1
out=$(vsh 65534 run "$(direct vm-d uplink0 vepa vmd0)" -- true 2>&1)
status=$?
check "vnicsh run of a refused mode: exit 1 (got $status)" [ $status = 1 ]
check "... naming the rule: $out" grep -qF "no <direct dev='uplink0' modes='vepa'> rule allows it" <<<"$out"
nothing_made vm-d

# ---- events: only of one's own domains --------------------------------------------------------------
out=$(call 65532 io.vnic.Events.Watch --more 1)
check "a Watch without a rule: PermissionDenied: $out" \
    grep -q '"io.vnic.Events.PermissionDenied".*no rule allows user 65532 to read' <<<"$out"
allowed "nobody's domain vm-ev" 65534 io.vnic.Domain.Create "$(params "$(tap vm-ev vmev0)")"
allowed "root's domain vm-rootev" 0 io.vnic.Domain.Create "$(params "$(tap vm-rootev vmrev0)")"
as 65534 timeout 20 "$upy" "$VD_DIR/varlink_client.py" "$VD_SOCK" io.vnic.Events.Watch --more 2 \
    >"$vd_tmp/watch.out" 2>&1 &
watch_pid=$!
watching() { grep -q '"continues": true' "$vd_tmp/watch.out"; }
until=$((SECONDS + 10))
until watching || [ $SECONDS -ge $until ]; do sleep 0.05; done
check "nobody's watch is in place" watching
# Root's device first: had it reached nobody, it would be the reply after the first.
vd_in_ns ip link set vmrev0 down
vd_in_ns ip link set vmev0 down
wait "$watch_pid"
out=$(sed -n 2p "$vd_tmp/watch.out")
check "nobody's watch got its own domain's event: $out" grep -q '"domain": "vm-ev"' <<<"$out"
check "... and none of root's" bash -c "! grep -q vm-rootev '$vd_tmp/watch.out'"
allowed "destroy vm-ev" 65534 io.vnic.Domain.Destroy '{"name": "vm-ev"}'
allowed "destroy vm-rootev" 0 io.vnic.Domain.Destroy '{"name": "vm-rootev"}'

# ---- other users' domains ------------------------------------------------------------------------
allowed "root defines vm-root" 0 io.vnic.Domain.Define "$(params "$(tap vm-root vmroot1)")"
allowed "65533 defines vm-other" 65533 io.vnic.Domain.Define "$(params "$(tap vm-other vmoth0)")"
allowed "nobody defines vm-mine" 65534 io.vnic.Domain.Define "$(params "$(tap vm-mine vmmine1)")"
out=$(call 65534 io.vnic.Domain.List '{"all": true}')
check "nobody's list: $out" grep -q '"name": "vm-mine"' <<<"$out"
check "... without root's domain" bash -c "! grep -q vm-root <<<'$out'"
check "... without 65533's domain" bash -c "! grep -q vm-other <<<'$out'"
out=$(vsh 65534 list --all --json)
check "vnicsh list as nobody: $out" grep -q '"vm-mine"' <<<"$out"
check "... without the others'" bash -c "! grep -qE 'vm-root|vm-other' <<<'$out'"
out=$(call 0 io.vnic.Domain.List '{"all": true}')
check "root's list has all three: $out" bash -c "grep -q vm-root <<<'$out' && grep -q vm-other <<<'$out' && grep -q vm-mine <<<'$out'"
for m in Lookup GetXML Start Undefine; do
    refused "$m of another user's domain" "user 'nobody' (65534) owns no domain 'vm-other'" \
        65534 io.vnic.Domain.$m '{"name": "vm-other"}'
    refused "$m of root's domain" "user 'nobody' (65534) owns no domain 'vm-root'" \
        65534 io.vnic.Domain.$m '{"name": "vm-root"}'
done
refused "redefining another user's domain" "user 'nobody' (65534) owns no domain 'vm-other'" \
    65534 io.vnic.Domain.Define "$(params "$(tap vm-other vmoth1)")"
check "vm-other's definition is untouched" grep -q vmoth0 "$vd_root/lib/defs/vm-other.xml"
check "vm-root is still defined" [ -e "$vd_root/lib/defs/vm-root.xml" ]
allowed "nobody starts its own" 65534 io.vnic.Domain.Start '{"name": "vm-mine"}'
check "vmmine1 belongs to nobody" [ "$(vd_in_ns cat /sys/class/net/vmmine1/owner)" = 65534 ]
allowed "nobody undefines its own" 65534 io.vnic.Domain.Undefine '{"name": "vm-mine", "destroy": true}'
check "vmmine1 gone" bash -c "! ip -n $vd_ns link show vmmine1 >/dev/null 2>&1"
allowed "root undefines" 0 io.vnic.Domain.Undefine '{"name": "vm-root"}'
allowed "65533 undefines" 65533 io.vnic.Domain.Undefine '{"name": "vm-other"}'

# A start is checked against the policy of the day, not the one the definition was stored
# under.
allowed "nobody defines vm-later (a macvtap on uplink0)" 65534 io.vnic.Domain.Define \
    "$(params "$(direct vm-later uplink0 bridge vml0)")"
vd_stop
sed -i "/<direct dev='uplink0'/d" "$VD_POLICY"
vd_start || exit 1
refused "a start the new policy does not allow" "interface 1 (direct, dev 'uplink0', mode 'bridge'): no <direct dev='uplink0' modes='bridge'> rule allows it" \
    65534 io.vnic.Domain.Start '{"name": "vm-later"}'
check "vml0 not made" bash -c "! ip -n $vd_ns link show vml0 >/dev/null 2>&1"
check "no record for vm-later" [ ! -e "$vd_root/run/domains/vm-later.xml" ]
allowed "its owner still undefines it" 65534 io.vnic.Domain.Undefine '{"name": "vm-later"}'

# <backend> chooses device nodes that vnicd opens as root and hands to the client: refused to
# a client that is not root, at define and at start, nothing made; root may.
bk=$(doc vm-bk "<domain><name>vm-bk</name><devices><interface type='ethernet'><target dev='vmbk0'/><model type='virtio'/><backend vhost='/dev/null'/></interface></devices></domain>")
for m in Create Define; do
    out=$(call 65534 io.vnic.Domain.$m "$(params "$bk")")
    status=$?
    check "<backend> from nobody, $m: refused (status $status): $out" [ $status = 1 ]
    check "... saying why: $out" grep -qF "element <backend> (other device nodes) is reserved to root" <<<"$out"
    nothing_made vm-bk
done
allowed "root creates a domain with <backend>" 0 io.vnic.Domain.Create "$(params "$bk")"
allowed "root destroys it" 0 io.vnic.Domain.Destroy '{"name": "vm-bk"}'

vd_stop
check "vnicd stopped cleanly (status $VD_STATUS)" [ "$VD_STATUS" = 0 ]
devs=$(marked_devices)
check "no device left: $devs" [ -z "$devs" ]
vd_finish
