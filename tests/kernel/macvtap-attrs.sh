#!/bin/bash
# Macvtaps as the XML says, checked against the kernel (ip -d -j and netlink): every mode
# (vepa as the default when the XML names none), fixed names and templates, the guest MAC as
# the device's (generated when the XML has none), MTU, link state, the lower device, vnic's
# mark and the domain's link group, one and four queues with and without a virtio-net header;
# passthrough gives the lower device the guest MAC and destroy gives the old one back. What the
# kernel would refuse is refused with a reason, leaving nothing: an MTU above the lower
# device's, and passthrough on a lower device that already has macvtaps.
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_veth "$ns" uplink1 peer1
kt_tmpdir dir
root=$dir/state
uplink1_mac=$(link_get "$ns" uplink1 mac)
cat >"$dir/mattrs.xml" <<'XML'
<domain>
  <name>mattrs</name>
  <devices>
    <interface type='direct'>
      <mac address='52:54:00:f0:00:01'/>
      <source dev='uplink0'/>
      <target dev='mvfix0'/>
      <mtu size='1400'/>
    </interface>
    <interface type='direct'>
      <mac address='52:54:00:f0:00:02'/>
      <source dev='uplink0' mode='bridge'/>
      <target dev='mv-%d'/>
      <link state='down'/>
    </interface>
    <interface type='direct'>
      <source dev='uplink0' mode='private'/>
      <model type='virtio'/>
      <driver queues='4'/>
    </interface>
    <interface type='direct'>
      <mac address='52:54:00:f0:00:04'/>
      <source dev='uplink1' mode='passthrough'/>
      <link state='up'/>
    </interface>
  </devices>
</domain>
XML

expect_ok "$ns" "$root" create "$dir/mattrs.xml"
group=$(record_group "$root" mattrs)
check "the domain has a link group of its own ($group)" test "${group:-0}" -gt 0
mac2=$(domif "$ns" "$root" mattrs 2 mac)
dev2=$(domif "$ns" "$root" mattrs 2 device)
dev3=$(domif "$ns" "$root" mattrs 3 device)
check "template name mv-0: $(domif "$ns" "$root" mattrs 1 device)" \
    test "$(domif "$ns" "$root" mattrs 1 device)" = mv-0
check "default template name macvtap1: $dev2" test "$dev2" = macvtap1
check "default template name macvtap2: $dev3" test "$dev3" = macvtap2
check "a MAC was generated: '$mac2'" python3 -c '
import sys; b = bytes.fromhex(sys.argv[1].replace(":", ""))
sys.exit(0 if len(b) == 6 and not b[0] & 1 and b != bytes(6) else 1)' "$mac2"

check_link "$ns" mvfix0 kind=macvtap mode=vepa lower=uplink0 mac=52:54:00:f0:00:01 mtu=1400 \
    up=yes alias=$(kt_mark "$root")mattrs/0 group="$group"
check_link "$ns" mv-0 kind=macvtap mode=bridge lower=uplink0 mac=52:54:00:f0:00:02 mtu=1500 \
    up=no alias=$(kt_mark "$root")mattrs/1 group="$group"
check_link "$ns" "$dev2" kind=macvtap mode=private lower=uplink0 mac="$mac2" mtu=1500 \
    up=yes alias=$(kt_mark "$root")mattrs/2 group="$group"
check_link "$ns" "$dev3" kind=macvtap mode=passthru lower=uplink1 mac=52:54:00:f0:00:04 \
    mtu=1500 up=yes alias=$(kt_mark "$root")mattrs/3 group="$group"
check_link "$ns" uplink1 mac=52:54:00:f0:00:04 alias= group=0
check_link "$ns" uplink0 alias= group=0

vsh "$ns" "$root" domiflist --json mattrs >"$dir/iflist.json"
check "domiflist --json describes the interfaces as made" python3 - "$dir/iflist.json" "$mac2" <<'PY'
import json, sys
l = json.load(open(sys.argv[1]))
want = [
    dict(type="direct", backend="macvtap", device="mvfix0", source="uplink0", mode="vepa",
         mac="52:54:00:f0:00:01", host_mac="52:54:00:f0:00:01", mtu=1400, queues=1,
         vnet_hdr=False, managed=True),
    dict(device="mv-0", mode="bridge", mac="52:54:00:f0:00:02", queues=1, vnet_hdr=False),
    dict(device="macvtap1", mode="private", mac=sys.argv[2], host_mac=sys.argv[2], queues=4,
         vnet_hdr=True, model="virtio"),
    dict(device="macvtap2", source="uplink1", mode="passthrough", mac="52:54:00:f0:00:04",
         queues=1),
]
bad = [(i, k, l[i].get(k), v) for i, w in enumerate(want) for k, v in w.items() if l[i].get(k) != v]
for b in bad:
    print("interface %d: %s is %r, expected %r" % b, file=sys.stderr)
sys.exit(1 if bad or len(l) != 4 else 0)
PY
vsh "$ns" "$root" dumpxml mattrs >"$dir/dump.xml"
check "dumpxml writes the default mode out and fills in names" python3 - "$dir/dump.xml" <<'PY'
import sys, xml.etree.ElementTree as E
ifs = E.parse(sys.argv[1]).getroot().find("devices").findall("interface")
got = [(i.find("target").get("dev"), i.find("source").get("mode")) for i in ifs]
want = [("mvfix0", "vepa"), ("mv-0", "bridge"), ("macvtap1", "private"), ("macvtap2", "passthrough")]
if got != want:
    print(got, file=sys.stderr)
sys.exit(0 if got == want else 1)
PY

# The queues: one without a header, four with one, all on their own device.
check "mvfix0: one queue, no virtio-net header" \
    test "$(ip netns exec "$ns" "$KT_TOOL" queues "$root" mattrs 0)" = "mvfix0 vnet_hdr=no multi_queue=no"
check "macvtap1: four queues with a virtio-net header" test \
    "$(ip netns exec "$ns" "$KT_TOOL" queues "$root" mattrs 2 | sort | uniq -c | tr -s ' ')" = \
    " 4 macvtap1 vnet_hdr=yes multi_queue=no"

# Refusals, each with its reason and nothing left of the domain.
cat >"$dir/mtu.xml" <<'XML'
<domain>
  <name>bigmtu</name>
  <devices>
    <interface type='ethernet'/>
    <interface type='direct'>
      <source dev='uplink0' mode='bridge'/>
      <mtu size='1600'/>
    </interface>
  </devices>
</domain>
XML
expect_fail "$ns" "$root" "mtu 1600 is larger than the mtu 1500 of lower device 'uplink0'" \
    create "$dir/mtu.xml"
cat >"$dir/pt.xml" <<'XML'
<domain>
  <name>ptshare</name>
  <devices>
    <interface type='direct'>
      <source dev='uplink0' mode='passthrough'/>
    </interface>
  </devices>
</domain>
XML
expect_fail "$ns" "$root" "passthrough mode needs the lower device to itself" create "$dir/pt.xml"
assert_no_vnic_devices "$ns" "$(kt_mark "$root")bigmtu/"
assert_no_vnic_devices "$ns" "$(kt_mark "$root")ptshare/"
vrun "$ns" "$root" list --json
check "only mattrs is active: $out" python3 -c '
import json, sys; sys.exit(0 if [d["name"] for d in json.loads(sys.argv[1])] == ["mattrs"] else 1)' "$out"

expect_ok "$ns" "$root" destroy mattrs
check_absent "$ns" mvfix0 mv-0 "$dev2" "$dev3"
check_link "$ns" uplink1 mac="$uplink1_mac"
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"
kt_finish
