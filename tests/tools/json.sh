#!/bin/bash
# --json of every command that prints data (parsed with Python's json, field by field, as
# vnicsh(1) documents them) and the tables of list and domiflist: columns as wide as their
# widest cell (a 64-character alias and a 15-character device name keep the columns in line),
# --no-legend without header and rule. Against the kernel, in a network namespace of its own
# with a veth as the macvtap's lower device and a fresh state root.
set -u
source "$(dirname "$0")/netns-lib.sh"
evpid=
on_exit+=('[ -n "$evpid" ] && kill "$evpid" 2>/dev/null')
ip -n "$ns" link add up0 type veth peer name up0p || exit 1
ip -n "$ns" link set up0 up && ip -n "$ns" link set up0p up || exit 1

# jcheck WHAT EXPR: EXPR, a Python expression over d (the JSON document on stdout), is true.
jcheck() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$tmp/out" "$2" 2>"$tmp/py" ||
        fail "$1: not ($2) in: $(cat "$tmp/out" "$tmp/py")"
}
# aligned WHAT HEADER...: in the table on stdout, every row has a cell starting exactly under
# each header (the header line first, then the rule).
aligned() {
    local what=$1; shift
    python3 -c 'import sys
lines = open(sys.argv[1]).read().splitlines()
head, rule, rows = lines[0], lines[1], lines[2:]
assert set(rule) == {"-"} and len(rule) >= len(head), "rule: " + rule
assert rows, "no rows"
starts = [head.index(" " + h + " " if h != sys.argv[-1] else " " + h) + 1 for h in sys.argv[2:]]
for row in rows:
    for s in starts:
        assert row[s - 1] == " " and row[s] != " ", "column at %d broken in %r" % (s, row)
' "$tmp/out" "$@" 2>"$tmp/py" || fail "$what: $(cat "$tmp/py" "$tmp/out")"
}

long_alias=ua-$(printf 'a%.0s' $(seq 61))   # 64 characters, the longest alias
cat >"$tmp/dom.xml" <<XML
<domain type='kvm'>
  <name>js1</name>
  <uuid>6f0e8d4c-3a9b-4d57-9b1a-2c4e5f607182</uuid>
  <devices>
    <interface type='ethernet'>
      <mac address='52:54:00:1a:00:01'/>
      <target dev='jsonlongdevname'/>
      <model type='virtio'/>
      <driver queues='2'/>
      <alias name='$long_alias'/>
    </interface>
    <interface type='direct'>
      <mac address='52:54:00:1a:00:02'/>
      <source dev='up0' mode='bridge'/>
      <alias name='ua-m'/>
    </interface>
  </devices>
</domain>
XML
cat >"$tmp/bad.xml" <<'XML'
<interface type='ethernet'>
  <mtu size='1'/>
</interface>
XML
cat >"$tmp/if.xml" <<'XML'
<interface type='ethernet'>
  <target dev='jsx%d'/>
  <alias name='ua-hot'/>
</interface>
XML

# validate: one object per file, problems with their lines.
expect 1 validate --json "$tmp/dom.xml" "$tmp/bad.xml"
jcheck "validate --json" 'len(d) == 2 and d[0]["valid"] is True and d[0]["errors"] == []'
jcheck "validate --json, the bad file" 'd[1]["valid"] is False and d[1]["file"].endswith("bad.xml") and d[1]["errors"][0]["line"] == 2 and "MTU" in d[1]["errors"][0]["message"]'
[ -s "$tmp/err" ] && fail "validate --json also wrote to stderr: $(cat "$tmp/err")"

# qemu-args: the words, unquoted.
expect 0 qemu-args --json "$tmp/dom.xml"
jcheck "qemu-args --json" 'd[0] == "-netdev" and d.count("-device") == 2 and all(isinstance(w, str) for w in d) and any("fds=3:4" in w for w in d)'

# define, start: the domain, and with start its devices.
expect 0 define --json "$tmp/dom.xml"
jcheck "define --json" 'd["name"] == "js1" and d["state"] == "defined" and d["persistent"] is True and d["uuid"] == "6f0e8d4c-3a9b-4d57-9b1a-2c4e5f607182" and d["interfaces"] == 2 and len(d["devices"]) == 2'
expect 0 start --json js1
jcheck "start --json" 'd["state"] == "active" and [f["device"] for f in d["devices"]][0] == "jsonlongdevname" and d["devices"][1]["type"] == "direct"'
mdev=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["devices"][1]["device"])' "$tmp/out")

# list: JSON, the table, --no-legend.
expect 0 list --json
jcheck "list --json" 'len(d) == 1 and d[0]["name"] == "js1" and d[0]["state"] == "active" and d[0]["interfaces"] == 2 and d[0]["persistent"] is True and "devices" not in d[0]'
expect 0 list
aligned "list" Name State Persistent Interfaces
expect 0 list --no-legend
[ "$(cat "$tmp/out")" = " js1  active  yes  2" ] || fail "list --no-legend: '$(cat "$tmp/out")'"

# domiflist: every field; the table with the long alias; --no-legend.
expect 0 domiflist --json js1
jcheck "domiflist --json (tap)" 'd[0] == {"index": 0, "alias": "'"$long_alias"'", "type": "ethernet", "backend": "tap", "device": "jsonlongdevname", "ifindex": d[0]["ifindex"], "source": None, "mode": None, "mac": "52:54:00:1a:00:01", "host_mac": d[0]["host_mac"], "model": "virtio", "mtu": 1500, "queues": 2, "vnet_hdr": True, "managed": True} and d[0]["ifindex"] > 0'
jcheck "domiflist --json (macvtap)" 'd[1]["source"] == "up0" and d[1]["mode"] == "bridge" and d[1]["backend"] == "macvtap" and d[1]["index"] == 1 and d[1]["model"] is None'
expect 0 domiflist js1
aligned "domiflist" Alias Type Device Ifindex Mode MAC MTU Queues vnet_hdr
grep -q "^ $long_alias  ethernet  jsonlongdevname  " "$tmp/out" || fail "domiflist row: $(cat "$tmp/out")"
expect 0 domiflist --no-legend js1
[ "$(wc -l <"$tmp/out")" = 2 ] || fail "domiflist --no-legend: $(cat "$tmp/out")"
grep -q -e '^-' -e 'Alias' "$tmp/out" && fail "domiflist --no-legend has a legend: $(cat "$tmp/out")"
# The columns of --no-legend follow the rows alone: the alias column as wide as the long alias.
grep -qE "^ ua-m {62}direct {4}$mdev " "$tmp/out" || fail "domiflist --no-legend rows: $(cat "$tmp/out")"

# domifstat, domif-getlink, domif-setlink, domiftune.
expect 0 domifstat --json js1 jsonlongdevname
jcheck "domifstat --json" 'd["interface"] == "jsonlongdevname" and d["alias"] == "'"$long_alias"'" and d["device"] == "jsonlongdevname" and all(isinstance(d[k], int) and d[k] >= 0 for k in ("rx_bytes", "rx_packets", "rx_errs", "rx_drop", "tx_bytes", "tx_packets", "tx_errs", "tx_drop"))'
expect 0 domif-setlink --json js1 ua-m down
jcheck "domif-setlink --json" 'd == {"interface": "ua-m", "device": "'"$mdev"'", "state": "down", "guest": False}'
expect 0 domif-getlink --json js1 ua-m
jcheck "domif-getlink --json" 'd == {"interface": "ua-m", "device": "'"$mdev"'", "state": "down"}'
expect 0 domiftune --json js1 ua-m
jcheck "domiftune --json" 'd["interface"] == "ua-m" and d["alias"] == "ua-m" and d["device"] == "'"$mdev"'" and d["inbound"] == {"average": 0, "peak": 0, "burst": 0} and d["outbound"] == {"average": 0, "peak": 0, "burst": 0}'
expect 0 domiftune --json --inbound 1000,2000,64 js1 jsonlongdevname
jcheck "domiftune --inbound --json" 'd["interface"] == "jsonlongdevname" and d["inbound"] == {"average": 1000, "peak": 2000, "burst": 64} and d["device"] == "jsonlongdevname"'

# attach-interface: the new interface as domiflist shows it.
expect 0 attach-interface --json js1 "$tmp/if.xml"
jcheck "attach-interface --json" 'd["alias"] == "ua-hot" and d["index"] == 2 and d["device"].startswith("jsx") and d["type"] == "ethernet"'
expect 0 detach-interface js1 ua-hot

# events: one object per line, as it happens.
ip netns exec "$ns" "$vnicsh" -c "$uri" events --json --timeout 20 >"$tmp/events" 2>"$tmp/events.err" &
evpid=$!
for _ in $(seq 100); do grep -q Listening "$tmp/events.err" && break; sleep 0.1; done
ip -n "$ns" link set jsonlongdevname down
for _ in $(seq 100); do [ -s "$tmp/events" ] && break; sleep 0.1; done
kill "$evpid"; wait "$evpid" 2>/dev/null; evpid=
head -n 1 "$tmp/events" >"$tmp/out"
# The interface's position is "index", as in domiflist ("interface" is a string, IFACE as
# given, in domifstat and the other interface commands; events keeps its number too).
jcheck "events --json" 'd == {"event": "device-down", "domain": "js1", "index": 0, "interface": 0, "device": "jsonlongdevname", "degraded": d["degraded"]} and isinstance(d["degraded"], bool)'

# reconcile: a vanished device leaves the domain degraded.
ip -n "$ns" link del "$mdev"
expect 0 reconcile --json --dry-run
jcheck "reconcile --json" 'len(d) >= 1 and all(set(a) == {"action", "domain", "device", "message"} for a in d) and any(a["action"] == "degraded" and a["domain"] == "js1" for a in d)'

# create: a transient domain and its devices.
sed -e 's/js1/js2/; s/jsonlongdevname/js2tap/; /<uuid>/d; /ua-m/d' -e '/type=.direct./,/<\/interface>/d' "$tmp/dom.xml" >"$tmp/dom2.xml"
expect 0 create --json "$tmp/dom2.xml"
jcheck "create --json" 'd["name"] == "js2" and d["uuid"] is None and d["persistent"] is False and d["state"] == "active" and d["devices"][0]["device"] == "js2tap"'
expect 0 destroy js2
expect 0 undefine --destroy js1

finish json
