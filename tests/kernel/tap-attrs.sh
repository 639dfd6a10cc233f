#!/bin/bash
# Taps as the XML says, checked against the kernel (ip -d -j, netlink, sysfs): fixed names
# and templates, the 'tap' synonym, the host-side MAC (the guest's with the first byte 0xfe,
# or 0xfa when the guest's is 0xfe; generated when the XML has none), MTU, link state,
# vnet_hdr per model, multi_queue per queue count, persistence, owner and group (by name, by
# number, each alone) — and that the owner really may attach a queue without privileges while
# anyone else may not — vnic's mark and the domain's link group; domiflist and dumpxml say the
# same; destroy removes everything.
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_tmpdir dir
root=$dir/state
cat >"$dir/attrs.xml" <<'XML'
<domain xmlns:vnic='http://vnic.dev/xmlns/1.0'>
  <name>attrs</name>
  <devices>
    <interface type='ethernet'>
      <mac address='52:54:00:e0:00:01'/>
      <target dev='tfix0'/>
      <model type='virtio'/>
      <mtu size='9000'/>
      <alias name='ua-fix'/>
      <vnic:owner user='nobody' group='nogroup'/>
    </interface>
    <interface type='ethernet'>
      <mac address='fe:54:00:e0:00:02'/>
      <target dev='tt-%d-x'/>
      <model type='e1000'/>
      <link state='down'/>
      <vnic:owner user='65534'/>
    </interface>
    <interface type='ethernet'>
      <model type='virtio'/>
      <driver queues='3'/>
      <vnic:owner group='65534'/>
    </interface>
    <interface type='tap'>
      <mac address='52:54:00:e0:00:04'/>
      <target dev='tsyn0'/>
      <mtu size='1280'/>
    </interface>
  </devices>
</domain>
XML

expect_ok "$ns" "$root" create "$dir/attrs.xml"
group=$(record_group "$root" attrs)
check "the domain has a link group of its own ($group)" test "${group:-0}" -gt 0

# Names: fixed, from the template (vnic's counter starts at 0 in a fresh state root; the
# template interfaces are numbered in order), the default template.
dev0=$(domif "$ns" "$root" attrs 0 device)
dev1=$(domif "$ns" "$root" attrs 1 device)
dev2=$(domif "$ns" "$root" attrs 2 device)
dev3=$(domif "$ns" "$root" attrs 3 device)
check "fixed name: $dev0" test "$dev0" = tfix0
check "template name: $dev1" test "$dev1" = tt-0-x
check "default template name: $dev2" test "$dev2" = vnet1
check "fixed name of a 'tap' interface: $dev3" test "$dev3" = tsyn0
for i in 0 1 2 3; do
    dev=$(domif "$ns" "$root" attrs $i device)
    check "domiflist ifindex of $dev is the kernel's" \
        test "$(domif "$ns" "$root" attrs $i ifindex)" = "$(link_get "$ns" "$dev" ifindex)"
done

# The generated MAC: unicast, and the host side is it with the first byte 0xfe.
mac2=$(domif "$ns" "$root" attrs 2 mac)
check "a MAC was generated: '$mac2'" python3 -c '
import sys; b = bytes.fromhex(sys.argv[1].replace(":", ""))
sys.exit(0 if len(b) == 6 and not b[0] & 1 and b != bytes(6) else 1)' "$mac2"
host2="fe:${mac2#*:}"
if [ "${mac2%%:*}" = fe ]; then host2="fa:${mac2#*:}"; fi

common="kind=tun tun_type=tap persist=yes"
check_link "$ns" tfix0 $common mac=fe:54:00:e0:00:01 mtu=9000 up=yes vnet_hdr=yes \
    multi_queue=no owner=65534 owner_group=65534 alias=$(kt_mark "$root")attrs/0 group="$group"
check_link "$ns" tt-0-x $common mac=fa:54:00:e0:00:02 mtu=1500 up=no vnet_hdr=no \
    multi_queue=no owner=65534 owner_group=-1 alias=$(kt_mark "$root")attrs/1 group="$group"
check_link "$ns" vnet1 $common mac="$host2" mtu=1500 up=yes vnet_hdr=yes \
    multi_queue=yes owner=-1 owner_group=65534 alias=$(kt_mark "$root")attrs/2 group="$group"
# Without vnic:owner the tap belongs to root, so no other user can attach to it.
check_link "$ns" tsyn0 $common mac=fe:54:00:e0:00:04 mtu=1280 up=yes vnet_hdr=no \
    multi_queue=no owner=0 owner_group=-1 alias=$(kt_mark "$root")attrs/3 group="$group"

# What vnic reports agrees.
vsh "$ns" "$root" domiflist --json attrs >"$dir/iflist.json"
check "domiflist --json describes the interfaces as made" python3 - "$dir/iflist.json" "$mac2" "$host2" <<'PY'
import json, sys
l = json.load(open(sys.argv[1]))
want = [
    dict(type="ethernet", backend="tap", device="tfix0", mac="52:54:00:e0:00:01",
         host_mac="fe:54:00:e0:00:01", mtu=9000, queues=1, vnet_hdr=True, managed=True,
         alias="ua-fix", model="virtio", source=None, mode=None),
    dict(type="ethernet", device="tt-0-x", mac="fe:54:00:e0:00:02", host_mac="fa:54:00:e0:00:02",
         mtu=1500, queues=1, vnet_hdr=False, model="e1000"),
    dict(type="ethernet", device="vnet1", mac=sys.argv[2], host_mac=sys.argv[3], queues=3,
         vnet_hdr=True, model="virtio"),
    dict(type="tap", device="tsyn0", mtu=1280, queues=1, vnet_hdr=False, model=None),
]
bad = [(i, k, l[i].get(k), v) for i, w in enumerate(want) for k, v in w.items() if l[i].get(k) != v]
for b in bad:
    print("interface %d: %s is %r, expected %r" % b, file=sys.stderr)
sys.exit(1 if bad or len(l) != 4 else 0)
PY
vsh "$ns" "$root" dumpxml attrs >"$dir/dump.xml"
check "dumpxml fills in the names made from templates and the generated MAC" python3 - "$dir/dump.xml" "$mac2" <<'PY'
import sys, xml.etree.ElementTree as E
ifs = E.parse(sys.argv[1]).getroot().find("devices").findall("interface")
names = [i.find("target").get("dev") for i in ifs]
macs = [i.find("mac").get("address") if i.find("mac") is not None else None for i in ifs]
ok = names == ["tfix0", "tt-0-x", "vnet1", "tsyn0"] and macs[2] == sys.argv[2]
if not ok:
    print(names, macs, file=sys.stderr)
sys.exit(0 if ok else 1)
PY

# The queues vnic opens carry the header the model needs.
check "the queues of tfix0 are tfix0's, with a virtio-net header" \
    test "$(ip netns exec "$ns" "$KT_TOOL" queues "$root" attrs 0)" = "tfix0 vnet_hdr=yes multi_queue=no"
check "the three queues of vnet1 are multi-queue, with a virtio-net header" test \
    "$(ip netns exec "$ns" "$KT_TOOL" queues "$root" attrs 2 | sort | uniq -c | tr -s ' ')" = \
    " 3 vnet1 vnet_hdr=yes multi_queue=yes"

# Ownership, as the kernel enforces it: a launcher without any privilege attaches a queue to a
# tap it owns (by user or by group), and to no other. The tun node is a private copy anyone may
# open, so only the tap's owner check decides.
mkdir "$dir/node"
must mknod -m 0666 "$dir/node/tun" c 10 200
chmod 0755 "$dir" "$dir/node"
as() { # as UID GID COMMAND...
    local uid=$1 gid=$2
    shift 2
    ip netns exec "$ns" setpriv --reuid="$uid" --regid="$gid" --clear-groups --inh-caps=-all \
        --bounding-set=-all "$@"
}
denied() { # denied UID GID COMMAND...: the kernel refuses TUNSETIFF with EPERM
    local out
    out=$(as "$@" 2>&1) && return 1
    grep -q "TUNSETIFF .*: Operation not permitted" <<<"$out" || { echo "$out" >&2; return 1; }
}
check "nobody (its owner) attaches to tfix0" as 65534 65534 "$KT_TOOL" attach "$dir/node/tun" tfix0 vnet
check "uid 65533 may not attach to tfix0" denied 65533 65533 "$KT_TOOL" attach "$dir/node/tun" tfix0 vnet
check "uid 65534 (its owner) attaches to tt-0-x" as 65534 65533 "$KT_TOOL" attach "$dir/node/tun" tt-0-x
check "uid 65533 may not attach to tt-0-x" denied 65533 65534 "$KT_TOOL" attach "$dir/node/tun" tt-0-x
check "group 65534 (its group) attaches to vnet1" as 65533 65534 "$KT_TOOL" attach "$dir/node/tun" vnet1 mq vnet
check "group 65533 may not attach to vnet1" denied 65533 65533 "$KT_TOOL" attach "$dir/node/tun" vnet1 mq vnet

expect_ok "$ns" "$root" destroy attrs
check_absent "$ns" tfix0 tt-0-x vnet1 tsyn0
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"
kt_finish
