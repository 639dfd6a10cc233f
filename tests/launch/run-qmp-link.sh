#!/bin/bash
# `vnicsh run --qmp SOCKET`: once the launcher runs, the guest link of every interface with
# <link state='down'/> goes down over QMP (set_link on the NIC's id).
# - A real QEMU (TCG, no guest kernel: SeaBIOS gives the NICs their I/O BARs): the link bit
#   (VIRTIO_NET_S_LINK_UP, the status word after the MAC in a legacy virtio-net's config, read
#   with the monitor's `i /w`) is clear on the NIC whose link is down and set on the other;
#   the host device is down too. QEMU creates its socket after the exec: it is waited for.
# - A launcher whose QMP refuses set_link (a fake peer) is stopped, run fails naming the NIC,
#   and nothing is left; so when the launcher ends before its socket takes a connection.
# - Without a down link the socket is not used.
source "$(dirname "$0")/common.sh"
peer=$here/../hotplug/fakepeer.py
qmp=$here/../e2e/qmp.py

cat >"$tmp/dom.xml" <<'XML'
<domain type='qemu'>
  <name>qlink</name>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <interface type='ethernet'>
      <target dev='qdown0'/>
      <model type='virtio'/>
      <rom enabled='no'/>
      <link state='down'/>
      <alias name='ua-down'/>
    </interface>
    <interface type='ethernet'>
      <target dev='qup0'/>
      <model type='virtio'/>
      <rom enabled='no'/>
      <alias name='ua-up'/>
    </interface>
  </devices>
</domain>
XML
sed -e "/<link state='down'\/>/d" -e 's/qlink/qlinkup/' "$tmp/dom.xml" >"$tmp/up.xml"

link_up() { # DEV: yes or no, as the kernel has it
    ip -n "$ns" -j link show "$1" | python3 -c 'import json,sys; print("yes" if "UP" in json.load(sys.stdin)[0]["flags"] else "no")'
}

if command -v qemu-system-x86_64 >/dev/null; then
    sock=$tmp/qmp.sock
    timeout 120 ip netns exec "$ns" "$vnicsh" -c "$uri" run --qmp "$sock" "$tmp/dom.xml" -- \
        qemu-system-x86_64 -machine pc,accel=tcg -nodefaults -display none \
        -qmp "unix:$sock,server=on,wait=off" >"$tmp/qemu.out" 2>"$tmp/qemu.err" &
    pid=$!
    bg_pids+=("$pid")
    python3 - "$qmp" "$sock" >"$tmp/check" 2>&1 <<'PY'
import os, sys, time
sys.path.insert(0, os.path.dirname(sys.argv[1]))
import qmp
# QEMU creates its socket after the exec, and serves one QMP client at a time: the greeting
# comes once vnicsh has let go.
conn = qmp.session(sys.argv[2], 90)
deadline = time.monotonic() + 90

def io_bars():
    bars = {}
    for bus in conn.cmd("query-pci"):
        for d in bus["devices"]:
            for r in d.get("regions", []):
                if d.get("qdev_id") and r["bar"] == 0 and r["type"] == "io":
                    bars[d["qdev_id"]] = r["address"]
    return bars

def status(port):  # the legacy virtio-net status word: config (offset 20) after the MAC
    out = conn.cmd("human-monitor-command", {"command-line": "i /w 0x%x" % (port + 26)})
    return int(out.strip().split("=")[-1], 16)

# The firmware maps the BARs a moment after the start.
while True:
    bars = io_bars()
    if all(0 < bars.get(n, 0) < 0xffff for n in ("ua-down", "ua-up")):
        up, down = status(bars["ua-up"]), status(bars["ua-down"])
        if up != 0xffff and down != 0xffff:
            break
    if time.monotonic() > deadline:
        sys.exit("the firmware did not map the NICs' BARs: %s" % bars)
    time.sleep(0.2)
print("ua-up", up & 1, "ua-down", down & 1)
conn.execute("quit")
PY
    [ "$(cat "$tmp/check")" = "ua-up 1 ua-down 0" ] ||
        fail "guest links: $(cat "$tmp/check"); vnicsh: $(cat "$tmp/qemu.err")"
    wait "$pid"
    st=$?
    [ "$st" = 0 ] || fail "run with QEMU exited $st: $(cat "$tmp/qemu.err")"
    expect_all_gone "after QEMU quit"
else
    echo "note: qemu-system-x86_64 is missing: the real QEMU part did not run"
fi

# The host device stays down meanwhile (as without --qmp); the child sees it before the set_link
# is even tried, so a fake peer that takes everything serves here.
sock=$tmp/good.sock log=$tmp/good.log
: >"$log"
python3 "$peer" qmp good "$sock" "$log" &
gpid=$!
bg_pids+=("$gpid")
for _ in $(seq 1 200); do [ -S "$sock" ] && break; sleep 0.05; done
ip netns exec "$ns" "$vnicsh" -c "$uri" run --env --qmp "$sock" "$tmp/dom.xml" -- \
    sh -c 'ip -j link show qdown0 | grep -q "\"UP\"" && exit 3; sleep 0.5' >"$tmp/out" 2>&1
st=$?
[ "$st" = 0 ] || fail "run with a good peer exited $st (3: qdown0 up): $(cat "$tmp/out")"
[ "$(grep -v '^qmp_capabilities ' "$log")" = 'set_link {"name": "ua-down", "up": false}' ] ||
    fail "the peer's commands: $(cat "$log")"
kill "$gpid"; wait "$gpid" 2>/dev/null
expect_all_gone "after the good peer"

# QEMU refuses: the launcher is stopped (long before its 60 s), run fails, nothing is left.
sock=$tmp/refuse.sock
python3 "$peer" qmp refuse-set_link "$sock" "$tmp/refuse.log" &
rpid=$!
bg_pids+=("$rpid")
for _ in $(seq 1 200); do [ -S "$sock" ] && break; sleep 0.05; done
start=$SECONDS
ip netns exec "$ns" "$vnicsh" -c "$uri" run --env --qmp "$sock" "$tmp/dom.xml" -- \
    sleep 60 >"$tmp/out" 2>&1
st=$?
[ "$st" = 1 ] || fail "run with a refusing peer exited $st, not 1: $(cat "$tmp/out")"
[ $((SECONDS - start)) -lt 20 ] || fail "the launcher was not stopped: $((SECONDS - start)) s"
grep -q "ua-down" "$tmp/out" && grep -q "set_link" "$tmp/out" ||
    fail "the error names neither the NIC nor set_link: $(cat "$tmp/out")"
kill "$rpid"; wait "$rpid" 2>/dev/null
expect_all_gone "after the refusal"

# The launcher ends before its socket exists: no 30 s wait, a clear failure.
start=$SECONDS
ip netns exec "$ns" "$vnicsh" -c "$uri" run --env --qmp "$tmp/never.sock" "$tmp/dom.xml" -- \
    true >"$tmp/out" 2>&1
st=$?
[ "$st" = 1 ] || fail "run whose launcher made no socket exited $st, not 1: $(cat "$tmp/out")"
[ $((SECONDS - start)) -lt 20 ] || fail "waited $((SECONDS - start)) s for a dead launcher"
grep -q "never.sock" "$tmp/out" || fail "the error does not name the socket: $(cat "$tmp/out")"
expect_all_gone "after the launcher without a socket"

# No down link: the socket is not used (a missing one is no error).
ip netns exec "$ns" "$vnicsh" -c "$uri" run --env --qmp "$tmp/never.sock" "$tmp/up.xml" -- \
    true >"$tmp/out" 2>&1 || fail "run without a down link: $(cat "$tmp/out")"
expect_all_gone "after the run without a down link"
finish
