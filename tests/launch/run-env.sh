#!/bin/bash
# `vnicsh run FILE --env -- COMMAND`: the child inherits exactly the domain's queues as fds
# 3, 4, ... (interface after interface, each a queue of the right device, not close-on-exec),
# no other fd from 3 on, VNIC_FDS describes them as launch.h says, `run` exits with the
# child's status, and the transient domain is gone afterwards.
source "$(dirname "$0")/common.sh"

cat >"$tmp/env.xml" <<'XML'
<domain type='kvm'>
  <name>envtest</name>
  <devices>
    <interface type='direct'>
      <mac address='52:54:00:41:00:01'/>
      <source dev='uplink0' mode='bridge'/>
      <model type='virtio'/>
      <driver queues='2'/>
      <alias name='ua-mvt'/>
    </interface>
    <interface type='ethernet'>
      <mac address='52:54:00:41:00:02'/>
      <target dev='envtap%d'/>
      <model type='e1000'/>
      <driver queues='3'/>
    </interface>
    <interface type='tap'>
      <model type='virtio'/>
      <alias name='ua-one'/>
    </interface>
  </devices>
</domain>
XML

# The child records VNIC_FDS and the running domain's interfaces, then becomes the probe.
child='printf "%s\n" "$VNIC_FDS" >"$OUT.env"
       "$VSH" -c "$VSH_URI" domiflist --json envtest >"$OUT.json" 3>&- 4>&- 5>&- 6>&- 7>&- 8>&-
       exec "$PROBE" 7'
OUT=$tmp/env PROBE=$fdprobe vsh run "$tmp/env.xml" --env -- sh -c "$child" >"$tmp/probe" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 7 ] || fail "run exited with $rc, expected the child's 7: $(cat "$tmp/err")"
[ -s "$tmp/err" ] && fail "unexpected stderr: $(cat "$tmp/err")"

python3 - "$tmp/probe" "$tmp/env.json" "$tmp/env.env" <<'PY' || fail "fds or VNIC_FDS are wrong (see above)"
import json, sys
probe = [l.split() for l in open(sys.argv[1]).read().splitlines()]
ifaces = json.load(open(sys.argv[2]))
env = open(sys.argv[3]).read().rstrip("\n")
bad = 0
def no(msg):
    global bad
    print("  " + msg, file=sys.stderr)
    bad += 1

# Expected: fd -> (device, vnet_hdr, multi_queue or None for macvtaps)
want = {}
fd = 3
entries = []
ids = ["ua-mvt", "net1", "ua-one"]
# e1000 is no virtio model: one queue, whatever <driver queues='3'> says (libvirt's rule).
if [i["queues"] for i in ifaces] != [2, 1, 1]:
    no("queues per interface are %s" % [i["queues"] for i in ifaces])
for k, i in enumerate(ifaces):
    fds = []
    for q in range(i["queues"]):
        mq = None if i["type"] == "direct" else (1 if i["queues"] > 1 else 0)
        want[fd] = (i["device"], 1 if i["vnet_hdr"] else 0, mq)
        fds.append(str(fd))
        fd += 1
    entries.append("%s %s %s %d %s" % (ids[k], i["device"], i["mac"], 1 if i["vnet_hdr"] else 0,
                                       ",".join(fds)))
if [i["vnet_hdr"] for i in ifaces] != [True, False, True]:
    no("vnet_hdr per interface: %s" % [i["vnet_hdr"] for i in ifaces])

got = {}
for p in probe:
    got[int(p[0])] = p
if sorted(got) != sorted(want):
    no("open fds from 3 on are %s, expected %s: %s" % (sorted(got), sorted(want), probe))
for fd, (dev, vh, mq) in want.items():
    p = got.get(fd)
    if not p:
        continue
    if p[1] != dev:
        no("fd %d is a queue of %s, expected %s (%s)" % (fd, p[1], dev, p))
    if p[2] != str(vh):
        no("fd %d: vnet_hdr %s, expected %d" % (fd, p[2], vh))
    if mq is not None and p[3] != str(mq):
        no("fd %d: multi_queue %s, expected %d" % (fd, p[3], mq))
    if p[4] != "0":
        no("fd %d is close-on-exec" % fd)

# launch.h: "ID DEVICE MAC VNET_HDR FD[,FD...]" per interface, separated by ';'.
expected_env = ";".join(entries)
if env != expected_env:
    no("VNIC_FDS is\n    %r, expected\n    %r" % (env, expected_env))
# The generated MAC of the third interface is a real one.
if ifaces[2]["mac"] in (None, "-", ""):
    no("no MAC generated for interface 2")
sys.exit(1 if bad else 0)
PY
expect_all_gone "after run --env"

# A VNIC_FDS of the caller's is replaced, not passed on next to the new one.
VNIC_FDS=stale vsh run "$tmp/env.xml" --env -- sh -c 'env | grep -c "^VNIC_FDS="; case $VNIC_FDS in stale) exit 1;; esac' \
    >"$tmp/count" 2>"$tmp/err" || fail "run with a stale VNIC_FDS: $(cat "$tmp/err")"
[ "$(cat "$tmp/count")" = 1 ] || fail "the child sees $(cat "$tmp/count") VNIC_FDS variables"
expect_all_gone "after the VNIC_FDS run"

# Only the vnic interfaces of a domain with a bridge interface (--skip-unsupported): the
# tap and the macvtap, fds 3 and 4,5.
sed 's/eth0/uplink0/' "$here/qemuargs/domain-bridge-skip.xml" >"$tmp/skip.xml"
vsh run "$tmp/skip.xml" -- sh -c 'echo "VNIC_FDS=$VNIC_FDS" && exec "$0"' "$fdprobe" \
    >"$tmp/skip" 2>"$tmp/err" && fail "a domain with a bridge interface ran without --skip-unsupported"
vsh run --skip-unsupported "$tmp/skip.xml" -- sh -c 'echo "VNIC_FDS=$VNIC_FDS" && exec "$0"' "$fdprobe" \
    >"$tmp/skip" 2>"$tmp/err" || fail "run --skip-unsupported: $(cat "$tmp/err")"
grep -Eq '^VNIC_FDS=net0 [^ ]+ 52:54:00:dd:00:02 1 3;ua-skip [^ ]+ 52:54:00:dd:00:04 1 4,5$' "$tmp/skip" ||
    fail "VNIC_FDS of the skip domain: $(cat "$tmp/skip")"
[ "$(grep -c '^[0-9]' "$tmp/skip")" = 3 ] || fail "skip domain: fds are $(cat "$tmp/skip")"
grep -Eq '^3 [a-z]' "$tmp/skip" && grep -Eq '^4 [a-z]' "$tmp/skip" && grep -Eq '^5 [a-z]' "$tmp/skip" ||
    fail "skip domain: fds 3-5 are not all queues: $(cat "$tmp/skip")"
expect_all_gone "after the skip run"

# A domain without interfaces: no fd, an empty VNIC_FDS, the status still passed on.
printf '<domain><name>empty</name><devices/></domain>\n' >"$tmp/empty.xml"
vsh run "$tmp/empty.xml" -- sh -c 'printf "[%s]\n" "$VNIC_FDS"; exec "$0" 3' "$fdprobe" \
    >"$tmp/empty" 2>"$tmp/err"
rc=$?
[ "$rc" = 3 ] || fail "empty domain: exit $rc: $(cat "$tmp/err")"
[ "$(cat "$tmp/empty")" = "[]" ] || fail "empty domain: child saw $(cat "$tmp/empty")"
expect_all_gone "after the empty run"
finish
