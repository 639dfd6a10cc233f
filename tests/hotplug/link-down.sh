#!/bin/bash
# <link state='down'/> in a hot-plug: the host device stays down (the kernel as witness) and
# the guest's link goes down too: set_link {name: the device id, up: false} right after
# device_add (a fake QMP peer logs every command); no set_link for a link that is up. A real
# QEMU (paused, no guest) takes the set_link for the device it just added.
source "$(dirname "$0")/../lifecycle/common.sh"
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); } # counted in remote mode too
peer=$(dirname "$0")/fakepeer.py

cat >"$tmp/dom.xml" <<'XML'
<domain><name>ld</name><devices>
  <interface type='ethernet'><model type='virtio'/><alias name='ua-base'/></interface>
</devices></domain>
XML
cat >"$tmp/down.xml" <<'XML'
<interface type='ethernet'>
  <target dev='ldown0'/>
  <model type='virtio'/>
  <link state='down'/>
  <alias name='ua-down'/>
</interface>
XML
cat >"$tmp/up.xml" <<'XML'
<interface type='ethernet'>
  <target dev='lup0'/>
  <model type='virtio'/>
  <alias name='ua-up'/>
</interface>
XML
vsh create "$tmp/dom.xml" >/dev/null || { fail "create"; finish; }

link_up() { # DEV: yes or no, as the kernel has it
    ip -n "$ns" -j link show "$1" | python3 -c 'import json,sys; print("yes" if "UP" in json.load(sys.stdin)[0]["flags"] else "no")'
}

sock=$tmp/qmp.sock log=$tmp/qmp.log
: >"$log"
python3 "$peer" qmp good "$sock" "$log" &
pid=$!
for _ in $(seq 1 200); do [ -S "$sock" ] && break; sleep 0.05; done
vsh attach-interface ld "$tmp/down.xml" --qmp "$sock" >"$tmp/out" 2>&1 || fail "attach down: $(cat "$tmp/out")"
[ "$(link_up ldown0)" = no ] || fail "ldown0 is up"
# (vnicsh asks query-pci at the end where the NIC landed: that changes nothing.)
grep -v '^query-pci ' "$log" >"$log.cmds"
last=$(tail -n 2 "$log.cmds" | cut -d' ' -f1 | tr '\n' ' ')
[ "$last" = "device_add set_link " ] || fail "not device_add then set_link: $(cat "$log")"
[ "$(tail -n 1 "$log.cmds")" = 'set_link {"name": "ua-down", "up": false}' ] ||
    fail "set_link's arguments: $(tail -n 1 "$log.cmds")"
: >"$log"
vsh attach-interface ld "$tmp/up.xml" --qmp "$sock" >"$tmp/out" 2>&1 || fail "attach up: $(cat "$tmp/out")"
[ "$(link_up lup0)" = yes ] || fail "lup0 is down"
grep -q set_link "$log" && fail "set_link for a link that is up: $(cat "$log")"
grep -q device_add "$log" || fail "no device_add for ua-up: $(cat "$log")"
kill "$pid"; wait "$pid" 2>/dev/null
vsh destroy ld >/dev/null || fail "destroy"

if qemu=$(command -v qemu-system-x86_64); then
    vsh create "$tmp/dom.xml" >/dev/null || fail "create again"
    rm -f "$sock"
    ip netns exec "$ns" "$qemu" -nodefaults -display none -S -accel tcg \
        -qmp "unix:$sock,server=on,wait=off" >"$tmp/qemu.log" 2>&1 &
    qemu_pid=$!
    for _ in $(seq 1 200); do [ -S "$sock" ] && break; sleep 0.05; done
    vsh attach-interface ld "$tmp/down.xml" --qmp "$sock" >"$tmp/out" 2>&1 ||
        fail "attach down to QEMU: $(cat "$tmp/out")"
    n=$(vsh domiflist --json ld | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
    [ "$n" = 2 ] || fail "ld has $n interfaces after the attach, not 2"
    kill "$qemu_pid"; wait "$qemu_pid" 2>/dev/null
    vsh destroy ld >/dev/null || fail "destroy after QEMU"
else
    echo "note: qemu-system-x86_64 is missing: the real QEMU part did not run"
fi
[ -z "$(marked_devices)" ] || fail "devices left: $(marked_devices)"
finish
