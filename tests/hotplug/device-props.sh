#!/bin/bash
# One builder for a QEMU NIC: the device_add and netdev_add that hot-plug sends hold the same
# properties as the -device and -netdev that `qemu-args` prints for the same interface, guest
# options (boot order, ROM, ACPI index, the PCI address named for the domain's machine, the
# virtio-net tuning of <driver>) included; only the fds differ (getfd names over QMP, numbers on
# a command line). A well-behaved fake QMP peer logs what it gets. (The machine is pc: q35's
# root bus takes no hot-plug, which hotplug/pci-place shows with a real QEMU.)
source "$(dirname "$0")/../lifecycle/common.sh"
peer=$(dirname "$0")/fakepeer.py

cat >"$tmp/dom.xml" <<'XML'
<domain><name>dp</name><os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os><devices>
  <interface type='ethernet'><model type='virtio'/><alias name='ua-base'/></interface>
</devices></domain>
XML
cat >"$tmp/hot.xml" <<'XML'
<interface type='ethernet'>
  <mac address='52:54:00:aa:02:02'/>
  <model type='virtio'/>
  <driver queues='2' txmode='iothread' rx_queue_size='512' packed='on'>
    <host csum='off'/>
    <guest tso4='off'/>
  </driver>
  <mtu size='1400'/>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x0c' function='0x0'/>
  <rom bar='off' file='/usr/share/qemu/pxe,virtio.rom'/>
  <boot order='4'/>
  <acpi index='9'/>
  <alias name='ua-hot'/>
</interface>
XML
vsh create "$tmp/dom.xml" >/dev/null || { fail "create"; finish; }

sock=$tmp/qmp.sock log=$tmp/qmp.log
: >"$log"
python3 "$peer" qmp good "$sock" "$log" &
pid=$!
for _ in $(seq 1 200); do [ -S "$sock" ] && break; sleep 0.05; done
vsh attach-interface dp "$tmp/hot.xml" --qmp "$sock" >"$tmp/out" 2>&1 || fail "attach: $(cat "$tmp/out")"
kill "$pid"; wait "$pid" 2>/dev/null
vsh qemu-args dp >"$tmp/args" || fail "qemu-args"

python3 - "$log" "$tmp/args" <<'PY' || fail "QMP and command line differ (above)"
import json, re, shlex, sys

log, args = sys.argv[1], sys.argv[2]
qmp = {}
for line in open(log):
    cmd, _, rest = line.partition(" ")
    if cmd in ("netdev_add", "device_add"):
        qmp[cmd] = json.loads(rest)
words = shlex.split(open(args).read().replace("\\\n", " "))

def options(value, implied):
    """A QEMU option string as a dict: ',,' is a comma within a value."""
    parts = re.split(r"(?<!,),(?!,)", value)
    out = {implied: parts[0].replace(",,", ",")}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        out[k] = v.replace(",,", ",")
    return out

def cmdline(opt, implied, ident):
    for i, w in enumerate(words[:-1]):
        if w == opt:
            o = options(words[i + 1], implied)
            if o.get("id") == ident:
                return o
    sys.exit("no %s with id=%s in: %s" % (opt, ident, words))

def as_cmdline(d):
    return {k: ("on" if v else "off") if isinstance(v, bool) else str(v) for k, v in d.items()}

bad = False
dev = qmp.get("device_add")
if dev is None:
    sys.exit("no device_add in the log")
want = {"driver": "virtio-net-pci", "id": "ua-hot", "netdev": "hostua-hot",
        "mac": "52:54:00:aa:02:02", "mq": True, "vectors": 6, "host_mtu": 1400,
        "tx": "bh", "rx_queue_size": 512, "packed": True, "csum": False, "guest_tso4": False,
        "rombar": 0, "romfile": "/usr/share/qemu/pxe,virtio.rom", "bootindex": 4,
        "acpi-index": 9, "bus": "pci.0", "addr": "0xc"}
if dev != want:
    print("device_add: %s\n  expected: %s" % (dev, want))
    bad = True
cdev = cmdline("-device", "driver", "ua-hot")
if as_cmdline(dev) != cdev:
    print("device_add: %s\n  -device:  %s" % (as_cmdline(dev), cdev))
    bad = True

net = qmp.get("netdev_add")
cnet = cmdline("-netdev", "type", "hostua-hot")
if net is None or net.get("fds") != "vnic-ua-hot-0:vnic-ua-hot-1":
    print("netdev_add does not name the getfd fds: %s" % net)
    bad = True
else:
    net = as_cmdline(net)
    if not re.fullmatch(r"\d+:\d+", cnet.get("fds", "")):
        print("-netdev has no numbered fds: %s" % cnet)
        bad = True
    del net["fds"], cnet["fds"]
    # vhost-net fds (where the node opens) are named as differently as the queue fds.
    for k in ("vhostfd", "vhostfds"):
        if (k in net) != (k in cnet):
            print("%s in only one of netdev_add and -netdev: %s, %s" % (k, net, cnet))
            bad = True
        net.pop(k, None), cnet.pop(k, None)
    if net != cnet:
        print("netdev_add: %s\n  -netdev:    %s" % (net, cnet))
        bad = True
sys.exit(1 if bad else 0)
PY

vsh destroy dp >/dev/null || fail "destroy"
[ -z "$(marked_devices)" ] || fail "devices left: $(marked_devices)"
finish
