#!/bin/bash
# attach-interface / detach-interface, with and without QMP, and vnicsh pass. QMP runs against
# a real QEMU that is paused with no guest (-S): device_add works on a paused machine, and a
# device_del that no guest answers shows the timeout path. Devices live in a namespace of the
# test's own.
source "$(dirname "$0")/../lifecycle/common.sh"
qemu=$(command -v qemu-system-x86_64) || { echo "SKIP: qemu-system-x86_64 is missing"; exit 77; }

cat >"$tmp/dom.xml" <<'XML'
<domain><name>hp</name><devices>
  <interface type='direct'><mac address='52:54:00:aa:00:01'/><source dev='uplink0' mode='bridge'/><model type='virtio'/><alias name='ua-m0'/></interface>
</devices></domain>
XML
cat >"$tmp/hot.xml" <<'XML'
<interface type='ethernet'><mac address='52:54:00:aa:00:02'/><model type='virtio'/><driver queues='2' rx_queue_size='1024'><host mrg_rxbuf='off'/></driver><boot order='2'/><acpi index='7'/><address type='pci' bus='0' slot='0x0b'/><alias name='ua-hot'/></interface>
XML
cat >"$tmp/bad-model.xml" <<'XML'
<interface type='ethernet'><mac address='52:54:00:aa:00:03'/><model type='nosuchnic'/><alias name='ua-bad'/></interface>
XML
vsh create "$tmp/dom.xml" >/dev/null || { fail "create"; finish; }

qmp="python3 $(cd "$(dirname "$0")/../e2e" && pwd)/qmp.py --wait 30"
qmp_query() { $qmp "$tmp/qmp.sock" rx-filters; } # what QEMU has: "id mac" per NIC
qom_get() { # DEVICE-ID PROPERTY: the value QEMU's device has, as JSON
    $qmp "$tmp/qmp.sock" qom-get "{\"path\": \"/machine/peripheral/$1\", \"property\": \"$2\"}" 2>&1
}
ifcount() { vsh domiflist --json hp | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

ip netns exec "$ns" "$qemu" -nodefaults -display none -S -accel tcg \
    -qmp "unix:$tmp/qmp.sock,server=on,wait=off" >"$tmp/qemu.log" 2>&1 &
qemu_pid=$!
for _ in $(seq 1 200); do [ -S "$tmp/qmp.sock" ] && break; sleep 0.05; done

# Hot-plug: the device is made, QEMU gets its two queues and shows the NIC.
vsh attach-interface hp "$tmp/hot.xml" --qmp "$tmp/qmp.sock" >"$tmp/out" 2>&1 || fail "attach: $(cat "$tmp/out")"
grep -q "^ua-hot 52:54:00:aa:00:02$" <(qmp_query) || fail "QEMU does not have ua-hot: $(qmp_query)"
[ "$(ifcount)" = 2 ] || fail "the record does not have the new interface"
# The guest options reach QEMU with the hot-plugged device too.
[ "$(qom_get ua-hot bootindex)" = 2 ] || fail "ua-hot's bootindex: $(qom_get ua-hot bootindex)"
[ "$(qom_get ua-hot acpi-index)" = 7 ] || fail "ua-hot's acpi-index: $(qom_get ua-hot acpi-index)"
# Its PCI address (QOM's addr is slot << 3 | function: 0x0b.0 is 88) and <driver>'s tuning.
[ "$(qom_get ua-hot addr)" = 88 ] || fail "ua-hot's addr: $(qom_get ua-hot addr), not slot 0x0b"
[ "$(qom_get ua-hot rx_queue_size)" = 1024 ] || fail "ua-hot's rx_queue_size: $(qom_get ua-hot rx_queue_size)"
[ "$(qom_get ua-hot mrg_rxbuf)" = false ] || fail "ua-hot's mrg_rxbuf: $(qom_get ua-hot mrg_rxbuf)"
hotdev=$(vsh domiflist --json hp | python3 -c 'import json,sys; print(json.load(sys.stdin)[1]["device"])')
device_exists "$hotdev" || fail "the hot-plugged tap $hotdev does not exist"
[ "$(marked_devices | wc -l)" -eq 2 ] || fail "expected 2 marked devices: $(marked_devices)"

# A refused device_add: everything is undone (fds, netdev, device, record).
out=$(vsh attach-interface hp "$tmp/bad-model.xml" --qmp "$tmp/qmp.sock" 2>&1); status=$?
[ $status -eq 1 ] || fail "attach with a bad model exited $status"
echo "$out" | grep -q "QEMU refused 'device_add'" || fail "attach with a bad model said: $out"
[ "$(ifcount)" = 2 ] || fail "the failed attach left an interface in the record"
[ "$(marked_devices | wc -l)" -eq 2 ] || fail "the failed attach left a device: $(marked_devices)"
qmp_query | grep -q ua-bad && fail "QEMU kept the failed NIC"

# No QEMU at the socket: nothing is made.
out=$(vsh attach-interface hp "$tmp/bad-model.xml" --qmp "$tmp/nowhere.sock" 2>&1)
echo "$out" | grep -q "cannot connect to QMP socket" || fail "no QEMU: $out"
[ "$(ifcount)" = 2 ] || fail "attach without QEMU changed the record"

# Unplug without a guest: device_del is never confirmed; the interface stays.
out=$(vsh detach-interface --timeout 1 hp ua-hot --qmp "$tmp/qmp.sock" 2>&1); status=$?
[ $status -eq 1 ] && echo "$out" | grep -q "did not report DEVICE_DELETED" || fail "unconfirmed unplug: $status $out"
[ "$(ifcount)" = 2 ] || fail "an unconfirmed unplug removed the interface"
kill "$qemu_pid"; wait "$qemu_pid" 2>/dev/null

# Without QMP: the record and the device only.
vsh detach-interface hp ua-hot >/dev/null || fail "detach without QMP"
device_exists "$hotdev" && fail "$hotdev still exists after detach"
[ "$(ifcount)" = 1 ] || fail "detach left the interface in the record"
vsh attach-interface hp "$tmp/hot.xml" >/dev/null || fail "attach without QMP"
[ "$(ifcount)" = 2 ] || fail "attach without QMP did not record the interface"
out=$(vsh attach-interface hp "$tmp/hot.xml" 2>&1)
echo "$out" | grep -q "already has an interface with alias 'ua-hot'" || fail "a duplicate alias: $out"

# pass: one JSON line per interface with its fds, then the end marker, which the peer
# acknowledges.
python3 - "$tmp/pass.sock" >"$tmp/pass.out" 2>&1 <<'PY' &
import array, json, os, socket, stat, sys
srv = socket.socket(socket.AF_UNIX)
srv.bind(sys.argv[1]); srv.listen(1)
c, _ = srv.accept()
buf, fds = b"", []
while True:
    data, anc, flags, _ = c.recvmsg(4096, socket.CMSG_SPACE(253 * 4))
    for level, typ, cdata in anc:
        if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            a = array.array("i"); a.frombytes(cdata[:len(cdata) - len(cdata) % 4]); fds.append(list(a))
    if not data:
        break
    buf += data
    if b'"done"' in buf and buf.endswith(b"\n"):
        c.sendall(b'{"ack": true}\n')
        break
lines = [json.loads(l) for l in buf.decode().splitlines()]
for l, f in zip(lines, fds):
    kinds = {stat.S_ISCHR(os.fstat(x).st_mode) for x in f}
    print(l["id"], l["queues"], len(f), kinds == {True})
print(json.dumps(lines[-1]))
print("raw:", buf.decode().splitlines()[-1])
PY
pass_pid=$!
for _ in $(seq 1 200); do [ -S "$tmp/pass.sock" ] && break; sleep 0.05; done
vsh pass hp --socket "$tmp/pass.sock" || fail "pass failed"
wait $pass_pid
grep -q "^ua-m0 1 1 True$" "$tmp/pass.out" || fail "pass: macvtap line: $(cat "$tmp/pass.out")"
grep -q "^ua-hot 2 2 True$" "$tmp/pass.out" || fail "pass: tap line: $(cat "$tmp/pass.out")"
grep -q '"done": true, "interfaces": 2' "$tmp/pass.out" || fail "pass: end marker: $(cat "$tmp/pass.out")"
# Every line is json-c's compact JSON, the end marker too.
grep -qx 'raw: {"done":true,"interfaces":2}' "$tmp/pass.out" || fail "pass: raw end marker: $(cat "$tmp/pass.out")"

vsh destroy hp >/dev/null || fail "destroy"
[ -z "$(marked_devices)" ] || fail "devices left: $(marked_devices)"
finish
