#!/usr/bin/env python3
"""What an unprivileged launcher gets from vnicd, seen from inside (tests/daemon/policy.sh).

  policy_fds.py probe
      as a launcher under `vnicsh run`: describe the fds inherited from 3 on.
  policy_fds.py snapshot SOCKET XMLFILE
      as a client: io.vnic.Domain.Snapshot of the document with start and with_fds (the call
      `vnicsh run` makes), then describe the fds of the reply; the domain goes when this
      process disconnects (supervised).

Prints one JSON object per fd: its number, whether it is a character device and which
(rdev "MAJOR:MINOR"), the device name and flags the kernel gives for it (TUNGETIFF: taps and
macvtaps answer it), the tap's owner and group (sysfs), a macvtap's character device number
(sysfs), and how many bytes a write of a test frame into it took (the fd is usable). Exits 1
on an error reply."""
import fcntl
import json
import os
import stat
import struct
import sys

TUNGETIFF = 0x800454D2


def sysfs(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def describe(fd):
    st = os.fstat(fd)
    d = {"fd": fd, "chr": stat.S_ISCHR(st.st_mode)}
    if d["chr"]:
        d["rdev"] = "%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
    try:
        ifr = fcntl.ioctl(fd, TUNGETIFF, b"\0" * 40)
        name = ifr[:16].split(b"\0", 1)[0].decode()
        d["ifname"] = name
        base = "/sys/class/net/%s" % name
        owner, group = sysfs(base + "/owner"), sysfs(base + "/group")
        if owner is not None:
            d["owner"], d["group"] = int(owner), int(group)
        ifindex = sysfs(base + "/ifindex")
        if ifindex and os.path.isdir(base + "/macvtap"):
            d["macvtap_dev"] = sysfs("%s/macvtap/tap%s/dev" % (base, ifindex))
            d["ifindex"] = int(ifindex)
    except OSError as e:
        d["tungetiff"] = e.strerror
    # A broadcast frame of the local experimental EtherType; a virtio-net header first when the
    # queue has one (IFF_VNET_HDR in the flags TUNGETIFF gave).
    frame = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x88\xb5" + b"\0" * 46
    try:
        flags = struct.unpack("H", ifr[16:18])[0] if "ifname" in d else 0
        hdr = b"\0" * 12 if flags & 0x4000 else b""
        d["write"] = os.write(fd, hdr + frame) - len(hdr)
    except OSError as e:
        d["write"] = e.strerror
    return d


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "probe":
        fds = sorted(int(f) for f in os.listdir("/proc/self/fd") if int(f) >= 3)
        for fd in fds:
            try:
                print(json.dumps(describe(fd)))
            except OSError:
                pass  # the directory's own fd, gone by now
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "snapshot":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from varlink_client import Client

        with open(sys.argv[3]) as f:
            xml = f.read()
        c = Client(sys.argv[2])
        reply, fds = c.call(
            "io.vnic.Domain.Snapshot",
            {"xml": xml, "docname": os.path.basename(sys.argv[3]), "with_fds": True, "start": True},
        )
        if "error" in reply:
            print(json.dumps(reply))
            return 1
        for fd in fds:
            print(json.dumps(describe(fd)))
            os.close(fd)
        c.close()
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
