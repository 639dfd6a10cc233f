#!/usr/bin/env python3
"""A varlink client written from the published protocol (varlink.org) alone, with nothing of
vnic's: NUL-terminated JSON objects over a unix stream socket; a call is {"method",
"parameters", "more"?, "oneway"?}; a reply is {"parameters", "continues"?} or {"error",
"parameters"}. vnicd's fds arrive with SCM_RIGHTS on the reply that lists them.

As a module: Client(path).call(method, params) -> (reply message, fds).
As a program: varlink_client.py SOCKET METHOD [PARAMS-JSON] [--more N] prints each reply as
one JSON line (with "_fds": the number of fds received) and exits 0, or 1 on an error reply."""
import array
import json
import os
import socket
import sys


class Client:
    def __init__(self, path, timeout=30):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self.fds = []

    def close(self):
        self.sock.close()
        for fd in self.fds:
            os.close(fd)
        self.fds = []

    def send(self, msg):
        self.sock.sendall(json.dumps(msg).encode() + b"\0")

    def recv(self):
        """The next message; raises EOFError when the server closed the connection."""
        while b"\0" not in self.buf:
            data, fds, _flags, _addr = socket.recv_fds(self.sock, 1 << 16, 64)
            self.fds.extend(fds)
            if not data:
                raise EOFError("connection closed")
            self.buf += data
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def take_fds(self, n):
        taken, self.fds = self.fds[:n], self.fds[n:]
        return taken

    def call(self, method, params=None, more=False, oneway=False):
        msg = {"method": method}
        if params is not None:
            msg["parameters"] = params
        if more:
            msg["more"] = True
        if oneway:
            msg["oneway"] = True
            self.send(msg)
            return None, []
        self.send(msg)
        reply = self.recv()
        nfds = len(reply.get("parameters", {}).get("fds", []) or []) if "error" not in reply else 0
        return reply, self.take_fds(nfds)


def main():
    args = sys.argv[1:]
    more = 0
    if "--more" in args:
        i = args.index("--more")
        more = int(args[i + 1])
        del args[i : i + 2]
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    path, method = args[0], args[1]
    params = json.loads(args[2]) if len(args) > 2 else None
    c = Client(path)
    reply, fds = c.call(method, params, more=more > 0)
    status = 0
    while True:
        out = dict(reply)
        out["_fds"] = len(fds)
        print(json.dumps(out), flush=True)
        for fd in fds:
            os.close(fd)
        if "error" in reply:
            status = 1
            break
        more -= 1
        if not reply.get("continues") or more <= 0:
            break
        reply, fds = c.recv(), []
    c.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
