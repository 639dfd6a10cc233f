#!/usr/bin/env python3
"""A minimal QMP client for the end-to-end test (standard library only).

    qmp.py [--wait SECONDS] SOCKET COMMAND [ARGUMENTS-JSON]
        run one QMP command, print its "return" value as JSON on stdout; an error reply is
        printed on stderr and exits 1
    qmp.py [--wait SECONDS] SOCKET rx-filters
        query-rx-filter, one line per NIC: NAME MAIN-MAC
    qmp.py [--wait SECONDS] SOCKET pci-devices
        query-pci, one line per device with an id, bridges' buses walked: ID PARENT SLOT
        FUNCTION BUS-NUMBER (PARENT: the id of the bridge or port it sits behind, "-" on a
        root bus; a bus the firmware has not numbered yet shows nothing behind it)
    qmp.py [--wait SECONDS] SOCKET pci-wait ID...
        pci-devices once every ID is shown (the firmware numbers the buses a moment after
        the start), or after SECONDS with what is shown then, and exit 1

As a module (tests that talk to QEMU longer): session(SOCKET, WAIT) connects and negotiates;
its execute(COMMAND, ARGS) returns the reply, cmd(COMMAND, ARGS) the "return" value (an error
reply raises QMPError); pci_devices(conn) is what the pci-devices command prints, as a dict
ID -> (PARENT, SLOT, FUNCTION, BUS-NUMBER) with PARENT "" on a root bus.

SECONDS (default 60) bounds both the wait for the socket to accept a connection and every
read: QEMU serves one QMP client at a time, so a connection made while another client (say
vnicsh attach-interface) is talking waits for its greeting until that one is done.
Asynchronous events are skipped. After "quit", QEMU closing the connection counts as success.
"""
import json
import socket
import sys
import time


def connect(path, wait):
    deadline = time.monotonic() + wait
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            s.settimeout(wait)
            return s
        except OSError as e:
            s.close()
            if time.monotonic() >= deadline:
                sys.exit(f"qmp.py: cannot connect to {path}: {e}")
            time.sleep(0.2)


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def read(self):
        """The next message that is not an event; None at EOF."""
        while True:
            while b"\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return None
                self.buf += chunk
            line, self.buf = self.buf.split(b"\n", 1)
            if not line.strip():
                continue
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def execute(self, cmd, args=None):
        req = {"execute": cmd}
        if args:
            req["arguments"] = args
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        return self.read()


class QMPError(Exception):
    pass


def session(path, wait=60.0):
    """A negotiated connection to QEMU's QMP socket at PATH."""
    conn = Conn(connect(path, wait))
    greeting = conn.read()
    if not greeting or "QMP" not in greeting:
        sys.exit(f"qmp.py: no QMP greeting on {path}: {greeting!r}")
    reply = conn.execute("qmp_capabilities")
    if not reply or "return" not in reply:
        sys.exit(f"qmp.py: qmp_capabilities failed: {reply!r}")
    return conn


def cmd(conn, name, args=None):
    reply = conn.execute(name, args)
    if reply is None:
        raise QMPError(f"{name}: connection closed")
    if "error" in reply:
        err = reply["error"]
        raise QMPError(f"{name}: {err.get('class')}: {err.get('desc')}")
    return reply.get("return")


def pci_devices(conn):
    out = {}

    def walk(devices, parent):
        for d in devices:
            if d.get("qdev_id"):
                out[d["qdev_id"]] = (parent, d["slot"], d["function"], d["bus"])
            bridge = d.get("pci_bridge")
            if bridge:
                walk(bridge.get("devices", []), d.get("qdev_id") or "?")

    for bus in cmd(conn, "query-pci"):
        walk(bus["devices"], "")
    return out


Conn.cmd = cmd


def main(argv):
    wait = 60.0
    if len(argv) > 2 and argv[0] == "--wait":
        wait = float(argv[1])
        argv = argv[2:]
    if len(argv) < 2:
        sys.exit(__doc__)
    path, cmd = argv[0], argv[1]
    args = json.loads(argv[2]) if len(argv) > 2 and cmd != "pci-wait" else None

    conn = session(path, wait)
    if cmd in ("pci-devices", "pci-wait"):
        want = argv[2:] if cmd == "pci-wait" else []
        deadline = time.monotonic() + wait
        while True:
            devices = pci_devices(conn)
            missing = [w for w in want if w not in devices]
            if not missing or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        for qid, (parent, slot, function, bus) in sorted(devices.items()):
            print(qid, parent or "-", slot, function, bus)
        if missing:
            print(f"qmp.py: not shown after {wait} s: {' '.join(missing)}", file=sys.stderr)
            return 1
        return 0

    qmp_cmd = "query-rx-filter" if cmd == "rx-filters" else cmd
    reply = conn.execute(qmp_cmd, args)
    if reply is None:
        if cmd == "quit":
            return 0
        sys.exit(f"qmp.py: {cmd}: connection closed")
    if "error" in reply:
        err = reply["error"]
        print(f"qmp.py: {cmd}: {err.get('class')}: {err.get('desc')}", file=sys.stderr)
        return 1
    ret = reply.get("return")
    if cmd == "rx-filters":
        for nic in ret:
            print(nic.get("name"), nic.get("main-mac"))
    else:
        print(json.dumps(ret, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
