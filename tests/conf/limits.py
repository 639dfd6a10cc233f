#!/usr/bin/env python3
"""Generated documents that used to cost minutes and gigabytes, or lost their line numbers:
`vnicsh validate` must refuse (or accept) each with exactly the expected messages, within a
generous time (the benchmark in tests/bench measures the real cost).

Usage: limits.py VNICSH"""
import os
import subprocess
import sys
import tempfile

VNICSH = os.path.abspath(sys.argv[1])
TIMEOUT = 60  # seconds; before the fix the first two cases took minutes
failures = 0


def domain(devices, head="<name>d</name>\n"):
    return "<domain type='kvm'>\n" + head + "<devices>\n" + devices + "</devices>\n</domain>\n"


def check(name, text, expected, status=1):
    global failures
    with open(name, "w") as f:
        f.write(text)
    try:
        p = subprocess.run([VNICSH, "validate", name], capture_output=True, text=True,
                           timeout=TIMEOUT, env=dict(os.environ, LC_ALL="C", LANGUAGE=""))
    except subprocess.TimeoutExpired:
        print(f"FAIL {name}: still running after {TIMEOUT} s")
        failures += 1
        return
    if p.returncode != status or p.stderr != expected or p.stdout:
        print(f"FAIL {name}: status {p.returncode} (expected {status})")
        got, want = p.stderr.splitlines(), expected.splitlines()
        for i in range(max(len(got), len(want))):
            g = got[i] if i < len(got) else "<none>"
            w = want[i] if i < len(want) else "<none>"
            if g != w:
                print(f"  first difference at line {i + 1}:\n  got:  {g[:200]}\n  want: {w[:200]}")
                break
        failures += 1
    else:
        print(f"ok {name}")


workdir = tempfile.TemporaryDirectory(prefix="vnic-limits-")
os.chdir(workdir.name)

# 4000 interfaces with one MAC, one target and one alias: one error per duplicate (naming the
# first use), the first 100 printed, then one line for the rest. Interface i is on line 4 + i.
n = 4000
iface = ("<interface type='ethernet'><mac address='52:54:00:00:00:01'/>"
         "<target dev='tap0'/><alias name='ua-x'/></interface>\n")
errors = []
for i in range(1, n):
    line = 4 + i
    errors.append(f"dup.xml:{line}: error: duplicate MAC address '52:54:00:00:00:01' "
                  "(also used on line 4)")
    errors.append(f"dup.xml:{line}: error: duplicate target device 'tap0' (also used on line 4)")
    errors.append(f"dup.xml:{line}: error: duplicate alias 'ua-x' (also used on line 4)")
expected = "".join(e + "\n" for e in errors[:100])
expected += f"dup.xml: error: ... and {len(errors) - 100} more errors\n"
check("dup.xml", domain(iface * n), expected)

# The parser goes on after a namespace error: one per element, capped the same way.
expected = "".join(f"ns.xml:{i}: error: malformed XML: Namespace prefix x on a is not defined\n"
                   for i in range(1, 101)) + "ns.xml: error: ... and 200 more errors\n"
check("ns.xml", "<domain><name>d</name><metadata>" + "<x:a/>\n" * 300 + "</metadata></domain>\n",
      expected)

# 40,000 attributes on one element: refused before libxml2's parser and validator see it.
attrs = " ".join(f"a{i}='1'" for i in range(40000))
check("attrs.xml", domain(f"<interface type='ethernet'>\n<address {attrs}/>\n</interface>\n"),
      "attrs.xml:5: error: element <address> has more than 64 attributes\n")
# 64 are allowed (<address> is guest-only: vnic keeps what other namespaces put there).
attrs = " ".join(f"x:a{i}='1'" for i in range(64))
check("attrs64.xml", domain(f"<interface type='ethernet' xmlns:x='urn:x'>\n<address {attrs}/>\n"
                            "</interface>\n"),
      "", status=0)

# The scan before parsing counts attributes of start tags only: not in comments, CDATA or
# text, and values may hold '>'.
many = " ".join(f"a{i}='1'" for i in range(100))
check("scan.xml", domain("", head="<name>d</name>\n<!-- <x " + many + "/> -->\n<metadata>"
                         "<m " + " ".join(f"a{i}='>{i}'" for i in range(64)) + "/>"
                         "<t><![CDATA[<x " + many + "/>]]></t><t>" + many.replace("'", "") +
                         "</t></metadata>\n"),
      "", status=0)
check("scan-far.xml", domain("", head="<name>d</name>\n<metadata>\n<m a='\n\n' " +
                             " ".join(f"a{i}='>{i}'" for i in range(65)) + "/></metadata>\n"),
      "scan-far.xml:4: error: element <m> has more than 64 attributes\n")

# Too many children of one element, too many nodes, too deep.
check("children.xml", domain("", head="<name>d</name>\n<metadata>\n" + "<m/>\n" * 4097 +
                             "</metadata>\n"),
      "children.xml:3: error: element <metadata> has more than 4096 child nodes\n")
check("nodes.xml", domain("<disk/>\n" * 250000),
      "nodes.xml:250000: error: the document has more than 250000 nodes (elements, text and "
      "comments)\n")

# Lines past 65535: vnic's own checks and the schema's messages.
pad = "\n" * 70000
check("line-semantic.xml", domain("<interface type='ethernet'><mac address='zz'/></interface>\n",
                                  head=pad + "<name>d</name>\n"),
      "line-semantic.xml:70004: error: invalid MAC address 'zz'\n")
check("line-schema.xml", domain("", head=pad + "<name>d<x/></name>\n"),
      "line-schema.xml:70002: error: schema: Element name has extra content: x\n"
      "line-schema.xml:1: error: schema: Invalid sequence in interleave\n"
      "line-schema.xml:1: error: schema: Element domain failed to validate content\n")
# An element without text of its own: libxml2 reported 65535 here.
check("line-schema-empty.xml",
      domain("<interface type='ethernet'><mac address='52:54:00:00:00:01'/></interface>\n",
             head=pad + "<name>d</name>\n").replace("<devices>", "<devices foo='1'>"),
      "line-schema-empty.xml:70003: error: schema: Expecting an element interface, got nothing\n"
      "line-schema-empty.xml:1: error: schema: Extra element devices in interleave\n"
      "line-schema-empty.xml:1: error: schema: Element domain failed to validate content\n")
# A schema message libxml2 gives without a node gets the enclosing element's line.
check("line-none.xml", "<domain type='kvm'>\n<name>d</name>\n<devices/>\n\n<devices/>\n</domain>\n",
      "line-none.xml:1: error: schema: Extra element devices in interleave\n"
      "line-none.xml:1: error: schema: Element domain failed to validate content\n")

# Many children of <devices> are validated in slices: a valid document of 10,000 interfaces
# passes, and problems in any slice are still found.
uniq = "".join(f"<interface type='ethernet'><mac address='52:54:00:00:{i >> 8:02x}:{i & 255:02x}'/>"
               f"<target dev='t{i}'/><alias name='ua-{i}'/></interface>\n" for i in range(10000))
check("many.xml", domain(uniq), "", status=0)
disks = "<disk/>\n" * 3000
check("slice-text.xml", domain(disks + "oops\n" + disks),
      "slice-text.xml:3: error: schema: Extra element devices in interleave\n"
      "slice-text.xml:3: error: schema: Element domain failed to validate content\n")
check("slice-far.xml", domain(disks + "oops\n" + disks, head=pad + "<name>d</name>\n"),
      "slice-far.xml:70003: error: schema: Extra element devices in interleave\n"
      "slice-far.xml:70003: error: schema: Element domain failed to validate content\n")
check("slice-semantic.xml",
      domain(disks + "<interface type='ethernet'><boot order='x'/></interface>\n" + disks),
      "slice-semantic.xml:3004: error: invalid value 'x' for attribute 'order' of <boot> "
      "(expected a number from 1 to 2147483647)\n")

os.chdir("/")
workdir.cleanup()
sys.exit(1 if failures else 0)
