#!/bin/bash
# Properties of `vnicsh qemu-args` beyond the golden files, for inputs where vnic may either
# refuse the XML or produce options; whatever it produces must be a sound QEMU command line:
#  - ids: an interface without an alias gets netN from its position, which must not collide
#    with another interface's alias (QEMU: "Duplicate ID 'net1' for device");
#  - guest-only values (boot order, ACPI index, ROM) may not add options of their own to
#    -device (a comma in a value is QEMU's separator unless doubled), and attributes of
#    other namespaces on guest-only elements are kept by `format` but never become options.
set -u
vnicsh=$1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# Refused (exit 1), or sound: QEMU ids unique, each -device's properties as expected.
# EXPECTED_KEYS: per -device, the property names it must have, in any order.
check() { # WHAT FILE EXPECTED_KEYS...
    local what=$1 file=$2
    shift 2
    if ! "$vnicsh" qemu-args "$file" >"$tmp/out" 2>"$tmp/err"; then
        echo "ok: $what: refused: $(cat "$tmp/err")"
        return
    fi
    python3 - "$tmp/out" "$@" <<'PY' || fail "$what: $(cat "$tmp/out")"
import re, shlex, sys
words = shlex.split(open(sys.argv[1]).read().replace("\\\n", " "))
want = [sorted(k.split(",")) for k in sys.argv[2:]]
def props(value):
    # QEMU's option syntax: ',' separates, ',,' is a literal comma.
    parts = re.split(r"(?<!,),(?!,)", value)
    return parts[0], [p.split("=", 1)[0] for p in parts[1:]]
ids, devs, bad = [], [], 0
for opt, val in zip(words[0::2], words[1::2]):
    kind, keys = props(val)
    if len(keys) != len(set(keys)):
        print("  %s %s: a property given twice" % (opt, val), file=sys.stderr)
        bad += 1
    vals = dict(p.split("=", 1) for p in re.split(r"(?<!,),(?!,)", val)[1:] if "=" in p)
    ids.append(("netdev" if opt == "-netdev" else "device", vals.get("id")))
    if opt == "-device":
        devs.append(sorted(keys))
dup = sorted(set(i for i in ids if ids.count(i) > 1))
if dup:
    print("  duplicate QEMU ids: %s" % dup, file=sys.stderr)
    bad += 1
for n, (got, exp) in enumerate(zip(devs, want)):
    if got != exp:
        print("  -device %d has properties %s, expected %s" % (n, got, exp), file=sys.stderr)
        bad += 1
sys.exit(1 if bad else 0)
PY
}

# An alias that is another interface's generated id.
cat >"$tmp/ids.xml" <<'XML'
<domain>
  <name>ids</name>
  <devices>
    <interface type='ethernet'>
      <alias name='net1'/>
    </interface>
    <interface type='ethernet'/>
  </devices>
</domain>
XML
check "alias net1 next to a second interface without alias" "$tmp/ids.xml" \
    "netdev,id" "netdev,id"

# A boot order that carries another property.
cat >"$tmp/boot.xml" <<'XML'
<domain>
  <name>boot</name>
  <devices>
    <interface type='ethernet'>
      <boot order='1,romfile=/tmp/evil.rom'/>
    </interface>
  </devices>
</domain>
XML
check "boot order with a comma" "$tmp/boot.xml" "netdev,id,bootindex"

# An ACPI index that carries another property.
cat >"$tmp/acpi.xml" <<'XML'
<domain>
  <name>acpi</name>
  <devices>
    <interface type='ethernet'>
      <model type='virtio'/>
      <acpi index='3,mq=on'/>
    </interface>
  </devices>
</domain>
XML
check "acpi index with a comma" "$tmp/acpi.xml" "netdev,id,acpi-index"

# A ROM file name with a comma: one romfile property (doubled comma), nothing else.
cat >"$tmp/rom.xml" <<'XML'
<domain>
  <name>rom</name>
  <devices>
    <interface type='ethernet'>
      <rom file='/opt/a,bootindex=9'/>
    </interface>
  </devices>
</domain>
XML
check "rom file with a comma" "$tmp/rom.xml" "netdev,id,romfile"

# Look-alikes in other namespaces on every guest-only element: `format` keeps them, and not
# one reaches the QEMU options; the options are exactly those of the no-namespace values.
cat >"$tmp/foreign.xml" <<'XML'
<domain xmlns:x='urn:example:x' xmlns:y='urn:example:y' xmlns:z='urn:example:z'>
  <name>foreign</name>
  <devices>
    <interface type='ethernet'>
      <boot x:order='9,romfile=/tmp/evil-x.rom' y:order='9&#10;-device&#10;e1000' order='4'/>
      <acpi y:index='9,mq=on' x:index='evil=1' index='5'/>
      <rom z:file='/tmp/evil-z.rom' z:bar='on,evil=1' z:enabled='no' x:file='a=b,,c' bar='off'/>
      <address x:bootindex='9,romfile=/tmp/evil-a.rom' type='pci' slot='0x09'/>
    </interface>
    <interface type='ethernet'>
      <rom z:file='/tmp/evil-z2.rom' z:enabled='no'><z:file>/tmp/evil-e.rom</z:file></rom>
      <address y:slot='0x0a,evil=1'/>
    </interface>
  </devices>
</domain>
XML
if ! "$vnicsh" format "$tmp/foreign.xml" >"$tmp/fmt" 2>"$tmp/err"; then
    fail "foreign look-alikes: format refused: $(cat "$tmp/err")"
else
    for kept in 'x:order="9,romfile=/tmp/evil-x.rom"' 'y:order="9&#10;-device&#10;e1000"' \
        'y:index="9,mq=on"' 'x:index="evil=1"' 'z:file="/tmp/evil-z.rom"' \
        'z:bar="on,evil=1"' 'z:enabled="no"' 'x:file="a=b,,c"' \
        'x:bootindex="9,romfile=/tmp/evil-a.rom"' 'z:file="/tmp/evil-z2.rom"' \
        '<z:file>/tmp/evil-e.rom</z:file>' 'y:slot="0x0a,evil=1"'; do
        grep -qF -- "$kept" "$tmp/fmt" || fail "foreign look-alikes: format lost $kept"
    done
fi
if ! "$vnicsh" qemu-args "$tmp/foreign.xml" >"$tmp/args" 2>"$tmp/err"; then
    fail "foreign look-alikes: qemu-args refused: $(cat "$tmp/err")"
else
    if grep -E 'evil|e1000|mq=on|=9|romfile=( |$|\\)' "$tmp/args"; then
        fail "foreign look-alikes reached the QEMU options"
    fi
    check "foreign look-alikes" "$tmp/foreign.xml" \
        "netdev,id,rombar,bootindex,acpi-index,bus,addr" "netdev,id"
    grep -q 'rombar=0,bootindex=4,acpi-index=5,bus=pci.0,addr=0x9' "$tmp/args" ||
        fail "foreign look-alikes: the no-namespace values are not the options: $(cat "$tmp/args")"
fi

[ "$failures" -eq 0 ] || { echo "$failures failures"; exit 1; }
echo "qemuargs-checks: all checks passed"
