#!/usr/bin/env python3
"""Hostile clients against vnicd, all at once: one sends garbage, one a 100 MB message, one
holds a half-sent message, one sends calls without ever reading the replies. Each must be
closed by the daemon (bounded waits), while a well-behaved client keeps getting answers
promptly; afterwards vnicd's memory is back to small, and the per-user connection limit
refuses the 65th connection with an error.

Usage: robustness.py SOCKET VNICD-PID CHECK-RSS(0|1)"""
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from varlink_client import Client  # noqa: E402

failures = 0
checks = 0
lock = threading.Lock()


def check(what, ok, detail=""):
    global failures, checks
    with lock:
        checks += 1
        if not ok:
            failures += 1
            print(f"FAIL: {what} {detail}", file=sys.stderr, flush=True)


def closed_within(sock, seconds):
    """Read (and drop) until the peer closes; True if it did within SECONDS."""
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        sock.settimeout(left)
        try:
            if not sock.recv(1 << 20):
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


results = {}


def garbage(path):
    s = connect(path)
    s.sendall(b"\x01\x02this is not json}}\0")
    results["garbage"] = closed_within(s, 10)
    s.close()


def huge(path):
    s = connect(path)
    chunk = b"a" * (1 << 20)
    sent = 0
    s.settimeout(20)
    try:
        s.sendall(b'{"method": "io.vnic.Domain.List", "parameters": {"x": "')
        while sent < 100 << 20:
            s.sendall(chunk)
            sent += len(chunk)
        s.sendall(b'"}}\0')
    except (BrokenPipeError, ConnectionResetError):
        pass
    except socket.timeout:
        results["huge"] = False
        s.close()
        return
    results["huge"] = closed_within(s, 20)
    results["huge_sent_mib"] = sent >> 20
    s.close()


def half(path):
    s = connect(path)
    s.sendall(b'{"method": "io.vnic.Domain.Li')
    results["half"] = closed_within(s, 25)
    s.close()


def no_reader(path):
    s = connect(path)
    s.setblocking(False)
    call = b'{"method":"org.varlink.service.GetInterfaceDescription","parameters":{"interface":"io.vnic.Domain"}}\0'
    deadline = time.monotonic() + 5
    # Fill the daemon's side until our sends block: it cannot send its replies any more.
    while time.monotonic() < deadline:
        try:
            s.send(call)
        except BlockingIOError:
            time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            break
    s.setblocking(True)
    # Still not reading for a while: the daemon's send must time out and drop us.
    time.sleep(12)
    results["no_reader"] = closed_within(s, 30)
    s.close()


def good_client(path, stop, latencies):
    while not stop.is_set():
        t0 = time.monotonic()
        try:
            c = Client(path, timeout=3)
            r, _ = c.call("io.vnic.Domain.List", {"all": True})
            ok = "domains" in r.get("parameters", {})
            c.close()
        except Exception as e:  # noqa: BLE001
            ok = False
            print(f"good client: {e!r}", file=sys.stderr)
        latencies.append((ok, time.monotonic() - t0))
        time.sleep(0.1)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main():
    path, pid, check_rss = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
    stop = threading.Event()
    latencies = []
    good = threading.Thread(target=good_client, args=(path, stop, latencies))
    good.start()
    hostile = [threading.Thread(target=f, args=(path,)) for f in (garbage, huge, half, no_reader)]
    for t in hostile:
        t.start()
    for t in hostile:
        t.join(90)
    stop.set()
    good.join(10)

    check("the garbage client is closed within 10 s", results.get("garbage") is True, results)
    check("the 100 MB client is closed", results.get("huge") is True, results)
    check("the 100 MB client was cut off well before 100 MB",
          results.get("huge_sent_mib", 100) < 100, results)
    check("the half-sent client is closed within 25 s", results.get("half") is True, results)
    check("the client that never reads is closed", results.get("no_reader") is True, results)
    check("the good client was served meanwhile", len(latencies) >= 20, len(latencies))
    bad = [x for x in latencies if not x[0] or x[1] > 2.0]
    check("every answer to the good client came within 2 s", not bad, bad[:5])

    if check_rss:
        rss = rss_kib(pid)
        check("vnicd's RSS after the 100 MB client is below 48 MiB", 0 < rss < 48 * 1024,
              f"{rss} KiB")

    # At most 64 connections of one user: the 65th gets an error and is closed.
    conns = [Client(path, timeout=5) for _ in range(64)]
    r, _ = conns[0].call("org.varlink.service.GetInfo")
    check("64 connections of one user are served", "error" not in r, r)
    extra = Client(path, timeout=5)
    try:
        r = extra.recv()
    except EOFError:
        r = {}
    check("the 65th connection is refused with Failed 'too many connections'",
          r.get("error") == "io.vnic.Domain.Failed"
          and "too many connections" in r.get("parameters", {}).get("message", ""), r)
    extra.close()
    for c in conns:
        c.close()
    # Once they are gone, a new connection is served again (bounded wait).
    deadline, served = time.monotonic() + 10, False
    while time.monotonic() < deadline and not served:
        c = Client(path, timeout=5)
        try:
            r, _ = c.call("org.varlink.service.GetInfo")
            served = "error" not in r
        except EOFError:
            pass
        c.close()
        if not served:
            time.sleep(0.2)
    check("after they closed, a new connection is served", served)

    print(f"robustness: {checks - failures} of {checks} checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
