#!/bin/bash
# <bandwidth> as traffic control on the devices vnic makes, with the kernel as witness
# (tc -j qdisc, tc -d class, tc -j filter) and a bounded blast of frames through a shaped tap:
# - a tap's inbound (towards the guest: what the tap sends) is a root HTB qdisc 1: with the
#   default class 1:1 at the average rate, the peak as ceiling and the burst; a macvtap's
#   outbound is the same on the macvtap (what it sends is the guest's traffic);
# - a blast through the shaped tap arrives near the configured rate (broad bounds), and one
#   through an unshaped tap does not (the bound means something);
# - the other direction is an ingress qdisc with a policing filter where the kernel has the
#   police action; where it has not, the start fails naming it, half way (the HTB was made),
#   and nothing is left;
# - a failure half way through the traffic control (fault hook) fails the start or the attach
#   with the device named, and leaves no device and no record;
# - hot-plug applies the same; destroy removes the devices, and the kernel their qdiscs.
#   bandwidth.sh VNICSH KT_TOOL BACKEND_DIR KT_BLAST
source "$(dirname "$0")/lib.sh"
blast=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_tmpdir dir
root=$dir/state

# qdiscs NS DEV: "KIND HANDLE PARENT-OR-root DEFAULT" per qdisc of DEV, sorted, from tc -j.
qdiscs() {
    ip netns exec "$1" tc -j qdisc show dev "$2" | python3 -c '
import json, sys
for q in json.load(sys.stdin):
    print(q["kind"], q["handle"], "root" if q.get("root") else q.get("parent"),
          q.get("options", {}).get("default", "-"))' | sort | tr '\n' ';'
}
# check_class NS DEV RATE CEIL BURST: the HTB class 1:1 of DEV has these (bytes/s, bytes/s,
# bytes), within 1% (tc prints rounded units). tc has no JSON for HTB classes: its text.
check_class() {
    check "class 1:1 of $2: rate $3 B/s, ceil $4 B/s, burst $5 B" python3 - "$3" "$4" "$5" \
        "$(ip netns exec "$1" tc -d class show dev "$2")" <<'PY'
import re, sys
want = [float(v) for v in sys.argv[1:4]]
text = sys.argv[4]
m = re.search(r"class htb 1:1 root .*? rate (\S+) ceil (\S+) .*?burst (\S+?)(?:/\d+)? .*?cburst (\S+?)(?:/\d+)? ", text)
if not m:
    sys.exit("no class htb 1:1 in: " + text)
bits = {"bit": 1, "Kbit": 1e3, "Mbit": 1e6, "Gbit": 1e9}
size = {"b": 1, "Kb": 1024, "Mb": 1024 * 1024}
def num(v, units):
    for u in sorted(units, key=len, reverse=True):
        if v.endswith(u):
            return float(v[:-len(u)]) * units[u]
    sys.exit("unit of " + v)
got = [num(m.group(1), bits) / 8, num(m.group(2), bits) / 8, num(m.group(3), size),
       num(m.group(4), size)]
ok = all(abs(g - w) <= w / 100 for g, w in zip(got, want + [want[2]]))
print("class 1:1:", got, "want", want)
sys.exit(0 if ok else 1)
PY
}

cat >"$dir/bw.xml" <<'XML'
<domain>
  <name>bw</name>
  <devices>
    <interface type='ethernet'>
      <target dev='bwt0'/>
      <bandwidth>
        <inbound average='256' peak='512' burst='32'/>
      </bandwidth>
    </interface>
    <interface type='direct'>
      <source dev='uplink0' mode='bridge'/>
      <target dev='bwm0'/>
      <bandwidth>
        <outbound average='1000' peak='2000' burst='100'/>
      </bandwidth>
    </interface>
    <interface type='ethernet'>
      <target dev='bwfree0'/>
    </interface>
  </devices>
</domain>
XML
expect_ok "$ns" "$root" create "$dir/bw.xml"
check "bwt0: a root HTB 1: with default class 1, and nothing on ingress ($(qdiscs "$ns" bwt0))" \
    test "$(qdiscs "$ns" bwt0)" = "htb 1: root 0x1;"
check_class "$ns" bwt0 $((256 * 1024)) $((512 * 1024)) $((32 * 1024))
check "bwm0 (macvtap: the guest's outbound is what it sends): a root HTB 1: ($(qdiscs "$ns" bwm0))" \
    test "$(qdiscs "$ns" bwm0)" = "htb 1: root 0x1;"
check_class "$ns" bwm0 $((1000 * 1024)) $((2000 * 1024)) $((100 * 1024))
check "bwfree0 has no HTB ($(qdiscs "$ns" bwfree0))" test "$(qdiscs "$ns" bwfree0 | grep -c htb)" = 0
vsh "$ns" "$root" dumpxml bw >"$dir/dump.xml"
check "dumpxml shows the bandwidth" grep -q "<inbound average=\"256\" peak=\"512\" burst=\"32\"/>" "$dir/dump.xml"

# The rate, measured: 3 s of 1000-byte frames as fast as the kernel takes them. HTB lets
# 256 KiB/s and the 32 KiB burst through; the bounds are a factor 2 either way. Without a
# limit the same blast runs at many MiB/s: the check cannot pass by accident.
shaped=$(ip netns exec "$ns" "$blast" "$root" bw 0 3)
echo "shaped blast: $shaped"
check "a blast through bwt0 arrives at about 256 KiB/s ($shaped)" python3 -c '
import json, sys; r = json.loads(sys.argv[1])["kib_per_s"]; sys.exit(0 if 128 <= r <= 512 else 1)' "$shaped"
free=$(ip netns exec "$ns" "$blast" "$root" bw 2 1)
echo "unshaped blast: $free"
check "a blast through the unshaped bwfree0 is far faster ($free)" python3 -c '
import json, sys; r = json.loads(sys.argv[1])["kib_per_s"]; sys.exit(0 if r > 2048 else 1)' "$free"

expect_ok "$ns" "$root" destroy bw
check_absent "$ns" bwt0 bwm0 bwfree0
check "no HTB is left in the namespace (the kernel deleted the qdiscs with the devices)" \
    test "$(ip netns exec "$ns" tc -j qdisc show | grep -c '"htb"')" = 0

# The policed direction: a tap's outbound. Does this kernel have the police action? Asked on a
# veth of the test's own.
must ip -n "$ns" link add probe0 type veth peer name probe0p
must ip netns exec "$ns" tc qdisc add dev probe0 ingress
if ip netns exec "$ns" tc filter add dev probe0 parent ffff: protocol all u32 match u32 0 0 \
    police rate 1mbit burst 10k drop 2>/dev/null; then
    police=yes
else
    police=no
fi
must ip -n "$ns" link del probe0
echo "the kernel has the police action: $police"

cat >"$dir/out.xml" <<'XML'
<domain>
  <name>bwout</name>
  <devices>
    <interface type='ethernet'>
      <target dev='bwo0'/>
      <bandwidth>
        <inbound average='512'/>
        <outbound average='128' burst='16'/>
      </bandwidth>
    </interface>
  </devices>
</domain>
XML
if [ $police = yes ]; then
    expect_ok "$ns" "$root" create "$dir/out.xml"
    check "bwo0: HTB and ingress ($(qdiscs "$ns" bwo0))" \
        test "$(qdiscs "$ns" bwo0)" = "htb 1: root 0x1;ingress ffff: ffff:fff1 -;"
    check "bwo0: a u32 filter on ingress polices at 128 KiB/s" python3 -c '
import json, sys
f = json.loads(sys.argv[1])
txt = json.dumps(f)
sys.exit(0 if "u32" in txt and "police" in txt and str(128 * 1024 * 8) in txt.replace(",", "") or "1Mbit" in txt else 1)' \
        "$(ip netns exec "$ns" tc -j filter show dev bwo0 ingress)"
    expect_ok "$ns" "$root" destroy bwo0
else
    expect_fail "$ns" "$root" "cannot police the guest's outbound traffic (<bandwidth><outbound>) on device 'bwo0'" \
        create "$dir/out.xml"
    check "the error names the missing police action: $out" grep -qF "act_police" <<<"$out"
fi
check_absent "$ns" bwo0
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"

# Half way, by the fault hook: the second interface's traffic control fails after its HTB
# (tc-police) or at once (tc-shape); the first interface was made by then.
cat >"$dir/half.xml" <<'XML'
<domain>
  <name>half</name>
  <devices>
    <interface type='ethernet'>
      <target dev='bwh0'/>
    </interface>
    <interface type='direct'>
      <source dev='uplink0' mode='bridge'/>
      <target dev='bwh1'/>
      <alias name='ua-h1'/>
      <bandwidth><inbound average='100'/><outbound average='100'/></bandwidth>
    </interface>
  </devices>
</domain>
XML
for step in tc-shape tc-police; do
    out=$(VNIC_FAULT_FAIL=$step vsh "$ns" "$root" create "$dir/half.xml" 2>&1)
    status=$?
    check "with $step failing the create exits 1 ($status): $out" test $status = 1
    check "the error names the interface and the device: $out" \
        grep -qF "interface 2 of 2 (alias 'ua-h1', line 7): cannot" <<<"$out"
    check "... and the device bwh1: $out" grep -qF "on device 'bwh1'" <<<"$out"
    check_absent "$ns" bwh0 bwh1
    assert_no_vnic_devices "$ns"
    assert_no_records "$ns" "$root"
done

# Hot-plug: the same traffic control on an attached interface; a failing one leaves nothing.
cat >"$dir/base.xml" <<'XML'
<domain>
  <name>hp</name>
  <devices>
    <interface type='ethernet'><target dev='bwb0'/></interface>
  </devices>
</domain>
XML
cat >"$dir/hot.xml" <<'XML'
<interface type='ethernet'>
  <target dev='bwp0'/>
  <alias name='ua-hot'/>
  <bandwidth><inbound average='300' burst='30'/></bandwidth>
</interface>
XML
expect_ok "$ns" "$root" create "$dir/base.xml"
expect_ok "$ns" "$root" attach-interface hp "$dir/hot.xml"
check "the attached bwp0 has the root HTB ($(qdiscs "$ns" bwp0))" test "$(qdiscs "$ns" bwp0)" = "htb 1: root 0x1;"
check_class "$ns" bwp0 $((300 * 1024)) $((300 * 1024)) $((30 * 1024))
expect_ok "$ns" "$root" detach-interface hp ua-hot
check_absent "$ns" bwp0
out=$(VNIC_FAULT_FAIL=tc-shape vsh "$ns" "$root" attach-interface hp "$dir/hot.xml" 2>&1)
status=$?
check "an attach whose traffic control fails exits 1 ($status): $out" test $status = 1
check "... naming the device: $out" grep -qF "on device 'bwp0'" <<<"$out"
check_absent "$ns" bwp0
check "the domain still has its one interface" test "$(vsh "$ns" "$root" domiflist --json hp | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1
expect_ok "$ns" "$root" destroy hp
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"
kt_finish
