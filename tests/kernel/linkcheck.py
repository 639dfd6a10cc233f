#!/usr/bin/env python3
"""Check what the kernel says about links in a network namespace, through independent
witnesses: `ip -d -j link` (iproute2), vnic's netlink dump (`kt-tool links`, libnl) and, for
taps, sysfs (tun_flags, owner, group).

  linkcheck.py NS KTTOOL check DEV KEY=VALUE...   every witness that knows KEY must agree
  linkcheck.py NS KTTOOL absent DEV...             no such device (both witnesses)
  linkcheck.py NS KTTOOL novnic [PREFIX]           no device's alias starts with PREFIX
                                                   ("vnic:", vnic's mark, by default)
  linkcheck.py NS KTTOOL get DEV KEY               print one value (as ip reports it)
  linkcheck.py NS KTTOOL same                      the same links, and every field vnic reads
                                                   the same, according to ip and netlink

Keys: exists, ifindex, kind, mode, lower (a name), mac, mtu, up, alias, group (a number,
0 for "default"), tun_type, vnet_hdr, multi_queue, persist, owner, owner_group (numbers, -1 for
none), numqueues. Booleans are yes/no. Exit 1 with one line per mismatch.
"""
import grp
import json
import pwd
import subprocess
import sys

IFF_TAP = 0x0002
IFF_MULTI_QUEUE = 0x0100
IFF_PERSIST = 0x0800
IFF_VNET_HDR = 0x4000


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def ip_links(ns):
    return {l["ifname"]: l for l in json.loads(run(["ip", "-n", ns, "-d", "-j", "link", "show"]))}


def nl_links(ns, tool):
    return {l["name"]: l for l in json.loads(run(["ip", "netns", "exec", ns, tool, "links"]))}


def sysfs(ns, dev, attr):
    r = subprocess.run(["ip", "netns", "exec", ns, "cat", f"/sys/class/net/{dev}/{attr}"],
                       capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def yn(b):
    return "yes" if b else "no"


def ip_value(links, dev, key):
    """What ip -d -j says, or None if it does not report KEY for DEV."""
    l = links.get(dev)
    if key == "exists":
        return yn(l is not None)
    if l is None:
        return None
    info = l.get("linkinfo", {})
    data = info.get("info_data", {})
    if key == "ifindex":
        return str(l["ifindex"])
    if key == "kind":
        return info.get("info_kind", "")
    if key == "mode":
        return data.get("mode")
    if key == "lower":
        return l.get("link", "")
    if key == "mac":
        return l.get("address")
    if key == "mtu":
        return str(l["mtu"])
    if key == "up":
        return yn("UP" in l.get("flags", []))
    if key == "alias":
        return l.get("ifalias", "")
    if key == "group":
        g = l.get("group", "default")
        return "0" if g == "default" else str(g)
    if info.get("info_kind") == "tun":
        if key == "tun_type":
            return data.get("type")
        if key in ("vnet_hdr", "multi_queue", "persist"):
            return yn(data.get(key))
        if key == "owner":
            u = data.get("user")
            if u is None:
                return "-1"
            try:
                return str(pwd.getpwnam(u).pw_uid)
            except KeyError:
                return str(u)
        if key == "owner_group":
            g = data.get("group")
            if g is None:
                return "-1"
            try:
                return str(grp.getgrnam(g).gr_gid)
            except KeyError:
                return str(g)
        if key == "numqueues":
            return str(data.get("numqueues"))
    return None


def nl_value(links, dev, key):
    l = links.get(dev)
    if key == "exists":
        return yn(l is not None)
    if l is None:
        return None
    if key == "ifindex":
        return str(l["ifindex"])
    if key == "kind":
        return l["kind"]
    if key == "mode":
        return l["mode"]
    if key == "lower":
        if not l["link"]:
            return ""
        names = [n for n, x in links.items() if x["ifindex"] == l["link"]]
        return names[0] if names else f"if{l['link']}"
    if key == "mac":
        return l["mac"]
    if key == "mtu":
        return str(l["mtu"])
    if key == "up":
        return yn(l["up"])
    if key == "alias":
        return l["alias"]
    if key == "group":
        return str(l["group"])
    return None


# The interface flags ip prints by name (it adds NO-CARRIER and M-DOWN of its own).
IFF_NAMES = {"UP": 0x1, "BROADCAST": 0x2, "LOOPBACK": 0x8, "POINTOPOINT": 0x10, "NOARP": 0x80,
             "PROMISC": 0x100, "ALLMULTI": 0x200, "MULTICAST": 0x1000, "LOWER_UP": 0x10000,
             "DORMANT": 0x20000}


def same(ipl, nll):
    """Every field of vnic's dump against ip's view of the same link."""
    bad = []
    if set(ipl) != set(nll):
        bad.append(f"links differ: ip {sorted(ipl)}, netlink {sorted(nll)}")
    for name in sorted(set(ipl) & set(nll)):
        i, n = ipl[name], nll[name]
        info = i.get("linkinfo", {})
        kind = info.get("info_kind", "")
        g = i.get("group", "default")
        lower = ""
        if n["link"]:
            names = [x for x, v in nll.items() if v["ifindex"] == n["link"]]
            lower = names[0] if names else f"if{n['link']}"
        flags = 0
        for f in i.get("flags", []):
            flags |= IFF_NAMES.get(f, 0)
        pairs = {
            "ifindex": (i["ifindex"], n["ifindex"]),
            "kind": (kind, n["kind"]),
            "alias": (i.get("ifalias", ""), n["alias"]),
            "mac": (i.get("address", "00:00:00:00:00:00"), n["mac"]),
            "mtu": (i["mtu"], n["mtu"]),
            "group": (0 if g == "default" else int(g), n["group"]),
            "lower": (i.get("link", ""), lower),
            "mode": (info.get("info_data", {}).get("mode") if kind in ("macvtap", "macvlan")
                     else None, n["mode"]),
            "num_tx_queues": (i["num_tx_queues"], n["num_tx_queues"]),
            "flags": (flags, n["flags"] & sum(IFF_NAMES.values())),
        }
        if "link_netnsid" in i:
            # The peer is in another namespace: IFLA_LINK is an ifindex there.
            pairs["lower"] = (f"if{i.get('link_index')}", f"if{n['link']}")
        for key, (a, b) in pairs.items():
            if a != b:
                bad.append(f"{name}: {key} is '{a}' according to ip, '{b}' according to netlink")
    if not nll:
        bad.append("netlink reports no link at all")
    return bad


def sysfs_value(ns, dev, key):
    if key in ("vnet_hdr", "multi_queue", "persist", "tun_type"):
        f = sysfs(ns, dev, "tun_flags")
        if f is None:
            return None
        flags = int(f, 16)
        bit = {"vnet_hdr": IFF_VNET_HDR, "multi_queue": IFF_MULTI_QUEUE, "persist": IFF_PERSIST,
               "tun_type": IFF_TAP}[key]
        if key == "tun_type":
            return "tap" if flags & IFF_TAP else "tun"
        return yn(flags & bit)
    if key == "owner":
        return sysfs(ns, dev, "owner")
    if key == "owner_group":
        return sysfs(ns, dev, "group")
    if key == "ifindex":
        return sysfs(ns, dev, "ifindex")
    if key == "mac":
        return sysfs(ns, dev, "address")
    if key == "mtu":
        return sysfs(ns, dev, "mtu")
    if key == "alias":
        return sysfs(ns, dev, "ifalias")
    return None


def main():
    ns, tool, cmd = sys.argv[1:4]
    args = sys.argv[4:]
    ipl = ip_links(ns)
    nll = nl_links(ns, tool)
    bad = []
    if cmd == "check":
        dev = args[0]
        for kv in args[1:]:
            key, want = kv.split("=", 1)
            seen = {"ip": ip_value(ipl, dev, key), "netlink": nl_value(nll, dev, key)}
            if key not in ("exists",) and dev in ipl:
                seen["sysfs"] = sysfs_value(ns, dev, key)
            seen = {w: v for w, v in seen.items() if v is not None}
            if "ip" not in seen:
                bad.append(f"{dev}: ip -d -j does not report {key} (expected {want})")
            for w, v in seen.items():
                if v != want:
                    bad.append(f"{dev}: {key} is '{v}' according to {w}, expected '{want}'")
    elif cmd == "absent":
        for dev in args:
            if dev in ipl:
                bad.append(f"{dev} exists according to ip")
            if dev in nll:
                bad.append(f"{dev} exists according to netlink")
    elif cmd == "novnic":
        prefix = args[0] if args else "vnic"
        for witness, links, key in (("ip", ipl, "ifalias"), ("netlink", nll, "alias")):
            for name, l in links.items():
                if l.get(key, "").startswith(prefix):
                    bad.append(f"{name} carries vnic's mark '{l[key]}' according to {witness}")
    elif cmd == "same":
        bad = same(ipl, nll)
    elif cmd == "get":
        v = ip_value(ipl, args[0], args[1])
        if v is None:
            print(f"linkcheck: no {args[1]} for {args[0]}", file=sys.stderr)
            return 1
        print(v)
        return 0
    else:
        print(f"linkcheck: unknown command {cmd}", file=sys.stderr)
        return 2
    for b in bad:
        print(b, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
