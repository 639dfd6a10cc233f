#!/usr/bin/env python3
"""The launcher side of tests/lifecycle/hostnet-live.sh, run by `vnicsh run --env`.

    hostnet-traffic.py VNICSH URI DOMAIN OUT

With the queue fds of VNIC_FDS it plays the guest: it writes frames into each interface's
queue (the guest's transmit) while frames of another count are sent to it from the host
side (through the tap with a packet socket; through the macvtap's lower device's veth peer
to the macvtap's MAC), which it reads (the guest's receive). Around that it reads `vnicsh domifstat --json`
of each interface and writes the differences to OUT as JSON:
{"ua-tap": {"rx_packets": ..., ...}, "ua-mv": {...}}.
"""
import json
import os
import socket
import subprocess
import sys
import time

vnicsh, uri, domain, out = sys.argv[1:5]
FRAME = 100  # bytes of every frame, Ethernet header included
# Counts that tell the directions apart.
GUEST_TX = {"ua-tap": 5, "ua-mv": 3}
GUEST_RX = {"ua-tap": 7, "ua-mv": 4}
KEYS = ("rx_bytes", "rx_packets", "tx_bytes", "tx_packets")


def frame(dst, src):
    return dst + src + b"\x88\xb5" + bytes(FRAME - 14)


def mac(s):
    return bytes.fromhex(s.replace(":", ""))


def stats():
    got = {}
    for alias in GUEST_TX:
        r = subprocess.run([vnicsh, "-c", uri, "domifstat", "--json", domain, alias],
                           check=True, capture_output=True, text=True)
        got[alias] = json.loads(r.stdout)
    return got


ifaces = {}
for entry in os.environ["VNIC_FDS"].split(";"):
    ident, dev, m, vnet_hdr, fds = entry.split(" ")
    ifaces[ident] = (dev, mac(m), vnet_hdr == "1", [int(f) for f in fds.split(",")])

before = stats()
other = mac("52:54:00:00:99:99")
for alias, n in GUEST_TX.items():
    dev, m, hdr, fds = ifaces[alias]
    for _ in range(n):
        os.write(fds[0], (bytes(10) if hdr else b"") + frame(other, m))
for alias, n in GUEST_RX.items():
    dev, m, hdr, fds = ifaces[alias]
    # The tap's host side sends to the guest; a macvtap's guest hears what reaches its lower
    # device for its MAC, sent here from the veth's other end.
    via = dev if alias == "ua-tap" else "peer0"
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((via, 0))
    for _ in range(n):
        s.send(frame(m, other))
    s.close()
time.sleep(0.3)
# The guest reads what came: the kernel counts a tap's transmit when its queue is read.
for alias in GUEST_RX:
    fd = ifaces[alias][3][0]
    os.set_blocking(fd, False)
    try:
        while os.read(fd, 65536):
            pass
    except BlockingIOError:
        pass
after = stats()
delta = {a: {k: after[a][k] - before[a][k] for k in KEYS} for a in GUEST_TX}
delta["devices"] = {a: after[a]["device"] for a in GUEST_TX}
with open(out, "w") as f:
    json.dump(delta, f)
