#!/usr/bin/env python3
"""Load: N concurrent clients, each defining, starting, destroying its own domain (a tap and a
macvtap) R times, then undefining it, within a time bound. Prints the elapsed time; exits 1
on any error or when over the bound.

Usage: load.py SOCKET N R SECONDS"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from varlink_client import Client  # noqa: E402


def main():
    sock, n, rounds, bound = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    errors = []

    def worker(i):
        name = f"ld{i}"
        xml = (f"<domain><name>{name}</name><devices><interface type='ethernet'/>"
               "<interface type='direct'><source dev='uplink0' mode='bridge'/></interface>"
               "</devices></domain>")
        try:
            c = Client(sock, timeout=bound)
            for k in range(rounds):
                for method, params in (("Define", {"xml": xml, "docname": f"{name}.xml"}),
                                       ("Start", {"name": name}), ("Destroy", {"name": name})):
                    r, _ = c.call("io.vnic.Domain." + method, params)
                    if "error" in r:
                        errors.append(f"client {i} round {k} {method}: {r}")
                        return
            r, _ = c.call("io.vnic.Domain.Undefine", {"name": name})
            if "error" in r:
                errors.append(f"client {i} Undefine: {r}")
            c.close()
        except Exception as e:  # noqa: BLE001
            errors.append(f"client {i}: {e!r}")

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    print(f"load: {n} clients x {rounds} rounds in {elapsed:.1f} s, {len(errors)} errors")
    for e in errors[:10]:
        print("FAIL:", e, file=sys.stderr)
    if elapsed > bound:
        print(f"FAIL: over the bound of {bound} s", file=sys.stderr)
        return 1
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
