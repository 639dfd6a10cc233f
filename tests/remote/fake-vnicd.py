#!/usr/bin/env python3
# A scripted varlink peer for the remote driver's tests: it answers each call with the next
# reply the scenario holds for its method, exactly as written (good or hostile), with as many
# fds (of /dev/null) as the step says, and logs every call it got. Not vnicd: the driver's
# handling of what a daemon may send is what is tested here.
#
#   fake-vnicd.py SOCKET SCENARIO.json LOG
#
# SCENARIO: {"io.vnic.Domain.Lookup": [STEP, ...], ...}; a STEP is
#   {"msg": {...}}             one message (a reply or an error), then wait for the next call
#   {"msg": {...}, "fds": N}   with N fds on its first byte
#   {"close": true}            close the connection without answering
#   {"msgs": [{...}, ...]}     several messages (a stream: Watch), then keep the connection
# A call without a step left is answered with org.varlink.service.MethodNotFound.
# "@accept": [STEP, ...]: for the next connections, STEP's message is sent as soon as the
# connection is accepted and the connection is closed (a daemon refusing a client).
import json
import os
import socket
import sys
import threading

sock_path, scenario_path, log_path = sys.argv[1:4]
with open(scenario_path) as f:
    scenario = json.load(f)
lock = threading.Lock()


def log(entry):
    with lock, open(log_path, "a") as f:
        f.write(json.dumps(entry) + "\n")


def send(conn, msg, nfds=0):
    data = json.dumps(msg).encode() + b"\0"
    if nfds:
        fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(nfds)]
        socket.send_fds(conn, [data[:1]], fds)
        for fd in fds:
            os.close(fd)
        conn.sendall(data[1:])
    else:
        conn.sendall(data)


def serve(conn):
    with lock:
        steps = scenario.get("@accept", [])
        refusal = steps.pop(0) if steps else None
    if refusal is not None:
        log({"method": "@accept"})
        send(conn, refusal["msg"])
        conn.shutdown(socket.SHUT_RDWR)
        conn.close()
        return
    buf = b""
    while True:
        while b"\0" not in buf:
            chunk = conn.recv(65536)
            if not chunk:
                conn.close()
                return
            buf += chunk
        raw, buf = buf.split(b"\0", 1)
        call = json.loads(raw)
        method = call.get("method", "")
        log({"method": method, "parameters": call.get("parameters", {})})
        with lock:
            steps = scenario.get(method, [])
            step = steps.pop(0) if steps else None
        if step is None:
            send(conn, {"error": "org.varlink.service.MethodNotFound",
                        "parameters": {"method": method}})
        elif step.get("close"):
            conn.close()
            return
        elif "msgs" in step:
            for m in step["msgs"]:
                send(conn, m)
        else:
            send(conn, step["msg"], step.get("fds", 0))


srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sock_path)
srv.listen(16)
print("ready", flush=True)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
