#!/usr/bin/env python3
"""Misbehaving peers for vnic's QMP client and for `vnicsh pass` (standard library only).

    fakepeer.py qmp MODE SOCKET LOG
        A QMP server. The first connection greets, answers qmp_capabilities and then, at
        the first getfd, misbehaves according to MODE:
          flood     sends events without end and never the reply
          longline  sends one line that never ends
          silent    never answers
          close     sends half a reply and closes the connection
          good      does not misbehave: the first connection is served as the later ones
          refuse-COMMAND  every connection is served as the later ones, except that
                    COMMAND (netdev_add, ...) is answered with an error
        Every later connection (a rollback) is served correctly: each command is answered
        with an empty return and written to LOG as "COMMAND ARGUMENTS-JSON".
    fakepeer.py pass MODE SOCKET
        A peer for `vnicsh pass`:
          noread    accepts and never reads
          close     accepts and closes at once
          refuse    reads everything and refuses with an error in its acknowledgement
The server exits when killed.
"""
import json
import os
import socket
import sys
import threading


def serve_rollback(conn, log, refuse=None):
    f = conn.makefile("rwb")
    f.write(b'{"QMP": {"version": {}, "capabilities": []}}\n')
    f.flush()
    for line in f:
        if not line.strip():
            continue
        msg = json.loads(line)
        with open(log, "a") as out:
            out.write("%s %s\n" % (msg.get("execute"), json.dumps(msg.get("arguments", {}),
                                                                   sort_keys=True)))
        if refuse and msg.get("execute") == refuse:
            f.write(b'{"error": {"class": "GenericError", "desc": "refused by the test"}}\n')
        else:
            f.write(b'{"return": {}}\n')
        f.flush()
    conn.close()


def misbehave(conn, mode):
    f = conn.makefile("rwb")
    f.write(b'{"QMP": {"version": {}, "capabilities": []}}\n')
    f.flush()
    while True:
        line = f.readline()
        if not line:
            return
        msg = json.loads(line)
        if msg.get("execute") == "qmp_capabilities":
            f.write(b'{"return": {}}\n')
            f.flush()
            continue
        break
    try:
        if mode == "flood":
            ev = b'{"event": "NIC_RX_FILTER_CHANGED", "data": {"path": "/x"}, ' \
                 b'"timestamp": {"seconds": 1, "microseconds": 2}}\n'
            while True:
                conn.sendall(ev * 1000)
        elif mode == "longline":
            conn.sendall(b'{"return": "')
            chunk = b"x" * 65536
            while True:
                conn.sendall(chunk)
        elif mode == "silent":
            while conn.recv(65536):
                pass
            return
        elif mode == "close":
            conn.sendall(b'{"return": {"a')
            conn.close()
            return
    except OSError:
        return


def qmp(mode, path, log):
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(4)
    first = True
    while True:
        conn, _ = srv.accept()
        if mode.startswith("refuse-"):
            threading.Thread(target=serve_rollback, args=(conn, log, mode[len("refuse-"):]),
                             daemon=True).start()
        elif first and mode != "good":
            first = False
            threading.Thread(target=misbehave, args=(conn, mode), daemon=True).start()
        else:
            threading.Thread(target=serve_rollback, args=(conn, log), daemon=True).start()


def pass_peer(mode, path):
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(4)
    held = []
    while True:
        conn, _ = srv.accept()
        if mode == "noread":
            held.append(conn)
        elif mode == "close":
            conn.close()
        elif mode == "refuse":
            buf = b""
            while b'"done"' not in buf:
                data = conn.recv(65536)
                if not data:
                    break
                buf += data
            conn.sendall(b'{"ack": false, "error": "no room for them"}\n')
            conn.close()


def main(argv):
    if len(argv) >= 4 and argv[0] == "qmp":
        qmp(argv[1], argv[2], argv[3])
    elif len(argv) >= 3 and argv[0] == "pass":
        pass_peer(argv[1], argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
