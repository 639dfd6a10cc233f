#!/usr/bin/env python3
"""The varlink conformance of vnicd, from a client that is not vnic's (varlink_client.py):
org.varlink.service.GetInfo and GetInterfaceDescription (the text of the .varlink files in the
tree), io.vnic.Domain's methods on a small domain with a tap (the queues' fds received and
checked with fstat), and the errors of the protocol: unknown method and interface, invalid
parameters, a bad XML document's diagnostics with the caller's document name and lines.

Usage: conformance.py SOCKET SRCDIR NS"""
import os
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from varlink_client import Client  # noqa: E402

failures = 0
checks = 0


def check(what, ok, detail=""):
    global failures, checks
    checks += 1
    if not ok:
        failures += 1
        print(f"FAIL: {what} {detail}", file=sys.stderr)


def error_of(reply):
    return reply.get("error")


def main():
    sock, srcdir, ns = sys.argv[1:4]
    c = Client(sock)

    # --- introspection -----------------------------------------------------------------------
    r, _ = c.call("org.varlink.service.GetInfo")
    p = r.get("parameters", {})
    check("GetInfo answers", "error" not in r, r)
    for k in ("vendor", "product", "version", "url"):
        check(f"GetInfo.{k} is a string", isinstance(p.get(k), str), p)
    check("GetInfo lists io.vnic.Domain and io.vnic.Events",
          {"io.vnic.Domain", "io.vnic.Events", "org.varlink.service"} <= set(p.get("interfaces", [])), p)
    for name in ("io.vnic.Domain", "io.vnic.Events"):
        r, _ = c.call("org.varlink.service.GetInterfaceDescription", {"interface": name})
        with open(os.path.join(srcdir, "src", "daemon", name + ".varlink"), encoding="utf-8") as f:
            text = f.read()
        check(f"GetInterfaceDescription({name}) is the file in the tree",
              r.get("parameters", {}).get("description") == text, r.get("error"))
    r, _ = c.call("org.varlink.service.GetInterfaceDescription", {"interface": "no.such.Iface"})
    check("an unknown interface's description: InterfaceNotFound",
          error_of(r) == "org.varlink.service.InterfaceNotFound"
          and r.get("parameters", {}).get("interface") == "no.such.Iface", r)

    # --- protocol errors (the connection stays) ---------------------------------------------------
    r, _ = c.call("io.vnic.Domain.NoSuchMethod", {})
    check("unknown method: MethodNotFound", error_of(r) == "org.varlink.service.MethodNotFound"
          and r["parameters"].get("method") == "io.vnic.Domain.NoSuchMethod", r)
    r, _ = c.call("no.such.Interface.Method", {})
    check("unknown interface: InterfaceNotFound",
          error_of(r) == "org.varlink.service.InterfaceNotFound", r)
    for params, bad in (({}, "name"), ({"name": 5}, "name"), ({"name": "x", "extra": 1}, "extra"),
                        ({"name": "x", "index": -1}, "index"), ({"name": "x", "index": "0"}, "index"),
                        ({"name": "x\u0000y", "index": 0}, "name")):
        r, _ = c.call("io.vnic.Domain.OpenQueues", params)
        check(f"OpenQueues {params}: InvalidParameter {bad}",
              error_of(r) == "org.varlink.service.InvalidParameter"
              and r["parameters"].get("parameter") == bad, r)
    r, _ = c.call("io.vnic.Events.Watch", {})
    check("Watch without more: ExpectedMore", error_of(r) == "org.varlink.service.ExpectedMore", r)
    r, _ = c.call("io.vnic.Domain.Lookup", {"name": "nosuch"})
    check("Lookup of an unknown domain: Failed", error_of(r) == "io.vnic.Domain.Failed"
          and isinstance(r["parameters"].get("message"), str)
          and r["parameters"].get("code") in ("invalid", "system", "io"), r)

    # A bad document: its diagnostics name the caller's document and line.
    bad_xml = "<domain>\n  <name>d1</name>\n  <devices>\n    <interface type='ethernet'>\n" \
              "      <filterref filter='clean-traffic'/>\n    </interface>\n  </devices>\n</domain>\n"
    r, _ = c.call("io.vnic.Domain.Create", {"xml": bad_xml, "docname": "my/doc.xml"})
    diags = r.get("parameters", {}).get("diagnostics", [])
    check("Create of a bad document: Failed with code xml",
          error_of(r) == "io.vnic.Domain.Failed" and r["parameters"].get("code") == "xml", r)
    check("its diagnostics name the document and line 5",
          any(d.get("file") == "my/doc.xml" and d.get("line") == 5 for d in diags), diags)

    # --- a domain with a tap and a macvtap ---------------------------------------------------------
    xml = ("<domain><name>conf1</name><devices>"
           "<interface type='ethernet'><target dev='conf1-tap'/><model type='virtio'/>"
           "<driver queues='2'/><alias name='ua-t'/></interface>"
           "<interface type='direct'><source dev='uplink0' mode='bridge'/><alias name='ua-m'/>"
           "</interface></devices></domain>")
    r, _ = c.call("io.vnic.Domain.Create", {"xml": xml, "docname": "conf1.xml"})
    check("Create answers with info", "error" not in r, r)
    info = r.get("parameters", {}).get("info", {})
    check("info: name, state, two interfaces", info.get("name") == "conf1"
          and info.get("state") == "active" and len(info.get("interfaces", [])) == 2, info)
    links = subprocess.run(["ip", "-n", ns, "-o", "link", "show", "conf1-tap"],
                           capture_output=True, text=True)
    check("the tap exists in the namespace", links.returncode == 0, links.stderr)

    r, fds = c.call("io.vnic.Domain.OpenAllQueues", {"name": "conf1"})
    p = r.get("parameters", {})
    check("OpenAllQueues: counts [2, 1]", p.get("counts") == [2, 1], r)
    check("OpenAllQueues: fds describe interface/queue",
          p.get("fds") == [{"interface": 0, "queue": 0}, {"interface": 0, "queue": 1},
                           {"interface": 1, "queue": 0}], p.get("fds"))
    check("OpenAllQueues: three fds received", len(fds) == 3, len(fds))
    tun = os.stat("/dev/net/tun").st_rdev
    for i, fd in enumerate(fds):
        st = os.fstat(fd)
        check(f"fd {i} is a character device", stat.S_ISCHR(st.st_mode), oct(st.st_mode))
        if i < 2:
            check(f"fd {i} is a tun queue", st.st_rdev == tun, (os.major(st.st_rdev), os.minor(st.st_rdev)))
        os.close(fd)

    r, fds = c.call("io.vnic.Domain.OpenQueues", {"name": "conf1", "index": 1})
    check("OpenQueues of the macvtap: one fd, described",
          len(fds) == 1 and r["parameters"].get("fds") == [{"interface": 1, "queue": 0}], r)
    for fd in fds:
        check("the macvtap queue is a character device", stat.S_ISCHR(os.fstat(fd).st_mode))
        os.close(fd)

    r, _ = c.call("io.vnic.Domain.Lookup", {"name": "conf1"})
    check("Lookup", r.get("parameters", {}).get("info", {}).get("name") == "conf1", r)
    r, _ = c.call("io.vnic.Domain.List", {})
    names = [d["name"] for d in r.get("parameters", {}).get("domains", [])]
    check("List shows conf1", names == ["conf1"], r)
    r, _ = c.call("io.vnic.Domain.GetXML", {"name": "conf1"})
    check("GetXML has the live device name", "conf1-tap" in r.get("parameters", {}).get("xml", ""), r)

    r, fds = c.call("io.vnic.Domain.Snapshot", {"name": "conf1", "with_fds": True})
    p = r.get("parameters", {})
    check("Snapshot with fds: counts, ids, 3 fds", p.get("counts") == [2, 1]
          and p.get("ids") == ["ua-t", "ua-m"] and len(fds) == 3 and p.get("started") is False, r)
    for fd in fds:
        os.close(fd)
    r, _ = c.call("io.vnic.Domain.Snapshot", {})
    check("Snapshot without name or xml: InvalidParameter",
          error_of(r) == "org.varlink.service.InvalidParameter", r)

    iface = "<interface type='ethernet'><alias name='ua-hp'/></interface>"
    r, _ = c.call("io.vnic.Domain.AttachInterface",
                  {"name": "conf1", "xml": iface, "docname": "hp.xml"})
    check("AttachInterface: index 2, alias ua-hp",
          r.get("parameters") == {"index": 2, "alias": "ua-hp"}, r)
    r, _ = c.call("io.vnic.Domain.DetachInterface", {"name": "conf1", "alias": "ua-hp"})
    check("DetachInterface", "error" not in r, r)

    r, _ = c.call("io.vnic.Domain.Destroy", {"name": "conf1"})
    check("Destroy", "error" not in r, r)
    links = subprocess.run(["ip", "-n", ns, "-o", "link", "show", "conf1-tap"],
                           capture_output=True, text=True)
    check("the tap is gone", links.returncode != 0)

    # Define, Start, Undefine with destroy; Reconcile.
    r, _ = c.call("io.vnic.Domain.Define", {"xml": xml.replace("conf1", "conf2"), "docname": "c2"})
    check("Define", r.get("parameters", {}).get("info", {}).get("state") == "defined", r)
    r, _ = c.call("io.vnic.Domain.Start", {"name": "conf2"})
    check("Start", r.get("parameters", {}).get("info", {}).get("state") == "active", r)
    r, _ = c.call("io.vnic.Domain.Undefine", {"name": "conf2"})
    check("Undefine of an active domain without destroy: Failed",
          error_of(r) == "io.vnic.Domain.Failed", r)
    r, _ = c.call("io.vnic.Domain.Reconcile", {"dry_run": True})
    check("Reconcile dry run", isinstance(r.get("parameters", {}).get("actions"), list), r)
    r, _ = c.call("io.vnic.Domain.Undefine", {"name": "conf2", "destroy": True})
    check("Undefine with destroy", "error" not in r, r)
    r, _ = c.call("io.vnic.Domain.List", {"all": True})
    check("nothing listed at the end", r.get("parameters", {}).get("domains") == [], r)

    # A oneway call gets no reply: the next reply is the next call's.
    c.call("org.varlink.service.GetInfo", oneway=True)
    r, _ = c.call("io.vnic.Domain.List", {})
    check("after a oneway call the next reply is the next call's",
          "domains" in r.get("parameters", {}), r)

    # Out-of-shape messages: an error, then the connection closes.
    for msg, bad in (({"method": "io.vnic.Domain.List", "junk": 1}, "junk"),
                     ({"parameters": {}}, "method"),
                     ({"method": "io.vnic.Domain.List", "parameters": []}, "parameters")):
        d = Client(sock)
        d.send(msg)
        r = d.recv()
        check(f"{msg}: InvalidParameter {bad}",
              error_of(r) == "org.varlink.service.InvalidParameter"
              and r["parameters"].get("parameter") == bad, r)
        try:
            d.recv()
            closed = False
        except (EOFError, ConnectionResetError):
            closed = True
        check(f"{msg}: then the connection is closed", closed)
        d.close()

    # A Watch streams until the client goes: a call sent meanwhile is out of order, gets an
    # error, and the connection is closed.
    w = Client(sock)
    r, _ = w.call("io.vnic.Events.Watch", {}, more=True)
    check("Watch: the first reply continues, without an event",
          r.get("continues") is True and "event" not in r.get("parameters", {}), r)
    w.send({"method": "io.vnic.Domain.List"})
    r = w.recv()
    check("a call during Watch: InvalidParameter", error_of(r) == "org.varlink.service.InvalidParameter", r)
    try:
        w.recv()
        closed = False
    except (EOFError, ConnectionResetError):
        closed = True
    check("then the connection is closed", closed)
    w.close()

    c.close()
    print(f"conformance: {checks - failures} of {checks} checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
