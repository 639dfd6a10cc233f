#!/bin/bash
# End-to-end: `vnicsh run` boots a tiny Linux guest under QEMU (TCG) with a macvtap and a
# tap, and the host pings the guest through each of them. Then (when vnicsh has them) a tap
# and a two-queue macvtap are hot-plugged over QMP with `vnicsh attach-interface`, pinged,
# and removed with `vnicsh detach-interface`. Finally QEMU is told to quit, and nothing may
# be left: no marked device, no domain, no QEMU.
#
# Usage: bash e2e.sh VNICSH      (as root; meson runs it with the build tree's vnicsh)
#
# Everything happens in a network namespace of the test's own (vnic-t-e2e-*), where a veth
# pair uplink0/peer0 stands in for the uplink; the host's interfaces are never touched. The
# guest is the installed Debian kernel (/boot/vmlinuz-*) with an initramfs made here from
# busybox and the kernel's virtio-net modules; its /init configures every NIC named on the
# kernel command line by MAC (vnic.nic=MAC=ADDR/PREFIX) as it appears, and says so on the
# serial console. Waits are bounded, but only to fail instead of hanging: nothing is timed.
set -u

if [ $# -lt 1 ]; then
    echo "usage: $0 VNICSH" >&2
    exit 2
fi
vnicsh=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
qmp_py=$here/qmp.py
# shellcheck source=guest.sh
source "$here/guest.sh"
t_start=$SECONDS

# ---------------------------------------------------------------------------------------
# What is needed. Only a missing QEMU or guest kernel is a skip; the rest is a failure.
qemu=$(command -v qemu-system-x86_64) || { echo "SKIP: qemu-system-x86_64 not found"; exit 77; }
find_guest_kernel
[ -n "$kernel" ] || { echo "SKIP: no /boot/vmlinuz-*"; exit 77; }
if [ "$(id -u)" != 0 ]; then
    echo "SKIP: needs root (network namespaces, taps)"
    exit 77
fi
kver=${kernel#/boot/vmlinuz-} # the guest kernel's version: not the host's `uname -r`
moddir=/lib/modules/$kver
busybox=$(command -v busybox || echo /bin/busybox)
if command -v ping >/dev/null; then ping_cmd=(ping); else ping_cmd=("$busybox" ping); fi

# shellcheck source=checks.sh
source "$here/checks.sh"
step() { printf '\n== [%3ds] %s\n' $((SECONDS - t_start)) "$*"; }

# wait_for SECONDS DESCRIPTION COMMAND...: poll until COMMAND succeeds; the bound only turns
# a hang into a failure. Returns 1 also at once when `vnicsh run` is gone.
wait_for() {
    local bound=$1 what=$2 i
    shift 2
    for ((i = 0; i < bound * 5; i++)); do
        "$@" && return 0
        if [ -n "${run_pid:-}" ] && ! kill -0 "$run_pid" 2>/dev/null; then
            echo "vnicsh run exited while waiting for: $what"
            return 1
        fi
        sleep 0.2
    done
    echo "gave up after ${bound}s waiting for: $what"
    return 1
}

# ---------------------------------------------------------------------------------------
# The namespace, a temporary directory, and a cleanup that leaves nothing behind.
ns=vnic-t-e2e-$$-$RANDOM
tmp=$(mktemp -d /tmp/vnic-e2e.XXXXXX)
root=$tmp/root
qmp_sock=$tmp/qmp.sock
serial=$tmp/serial.log
run_log=$tmp/run.log
run_pid=
qemu_pid=

# The QEMU started by this test: its pid from -pidfile, if that process is still the one.
our_qemu_alive() {
    [ -n "$qemu_pid" ] && [ -r "/proc/$qemu_pid/cmdline" ] &&
        tr '\0' ' ' <"/proc/$qemu_pid/cmdline" | grep -qF "$tmp/qemu.pid"
}

show_logs() {
    echo "--- vnicsh run's output ($run_log)"
    cat "$run_log" 2>/dev/null
    echo "--- guest serial console ($serial)"
    cat "$serial" 2>/dev/null
    echo "---"
}

cleanup() {
    local i
    if [ -n "$run_pid" ] && kill -0 "$run_pid" 2>/dev/null; then
        # vnicsh run forwards SIGTERM to QEMU and destroys the domain when QEMU is gone.
        kill -TERM "$run_pid" 2>/dev/null
        for ((i = 0; i < 150; i++)); do
            kill -0 "$run_pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$run_pid" 2>/dev/null # QEMU goes too (PR_SET_PDEATHSIG)
    fi
    if our_qemu_alive; then
        kill -KILL "$qemu_pid" 2>/dev/null
    fi
    [ -n "$run_pid" ] && wait "$run_pid" 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

in_ns() { ip netns exec "$ns" "$@"; }
vsh() { in_ns "$vnicsh" -c "vnic:///embed?root=$root" "$@"; }
qmp() { python3 "$qmp_py" "$qmp_sock" "$@"; }
# device_of ALIAS: the host device of the domain's interface ALIAS (domiflist --json).
device_of() {
    vsh domiflist --json e2e 2>/dev/null | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    if r.get("alias") == sys.argv[1]:
        print(r.get("device") or "")' "$1" 2>/dev/null
}
domiflist_has() { vsh domiflist e2e 2>/dev/null | grep -q "^ *$1 "; }

echo "guest kernel $kernel, modules $moddir, QEMU $("$qemu" --version | head -n 1)"
echo "namespace $ns, temporary directory $tmp"

# ---------------------------------------------------------------------------------------
step "build the guest's initramfs"
[ -r "$kernel" ] || fatal "cannot read $kernel"
[ -f "$moddir/modules.dep" ] || fatal "no $moddir/modules.dep: the guest kernel's modules are not installed"
[ -x "$busybox" ] || fatal "no busybox (package busybox-static)"
ldd "$busybox" >/dev/null 2>&1 && fatal "$busybox is linked dynamically: the guest needs busybox-static"

build_initramfs

# ---------------------------------------------------------------------------------------
step "the namespace: veth uplink0/peer0"
ip netns add "$ns" || fatal "ip netns add $ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add uplink0 type veth peer name peer0 || fatal "veth"
ip -n "$ns" link set uplink0 up || fatal "uplink0 up"
ip -n "$ns" link set peer0 up || fatal "peer0 up"

mac0=52:54:00:e2:e0:01 # the macvtap
mac1=52:54:00:e2:e0:02 # the tap
mac2=52:54:00:e2:e0:03 # the hot-plugged tap
mac3=52:54:00:e2:e0:04 # the hot-plugged macvtap
tap1=e2etap0
tap2=e2etap2
cat >"$tmp/dom.xml" <<EOF
<domain type='kvm'>
  <name>e2e</name>
  <devices>
    <interface type='direct'>
      <mac address='$mac0'/>
      <source dev='uplink0' mode='bridge'/>
      <model type='virtio'/>
      <driver queues='2'/>
      <alias name='ua-net0'/>
    </interface>
    <interface type='ethernet'>
      <mac address='$mac1'/>
      <target dev='$tap1'/>
      <model type='virtio'/>
      <alias name='ua-net1'/>
    </interface>
  </devices>
</domain>
EOF
cat >"$tmp/hot-mq.xml" <<EOF
<interface type='direct'>
  <mac address='$mac3'/>
  <source dev='uplink0' mode='bridge'/>
  <model type='virtio'/>
  <driver queues='2'/>
  <alias name='ua-hot1'/>
</interface>
EOF
cat >"$tmp/hot.xml" <<EOF
<interface type='ethernet'>
  <mac address='$mac2'/>
  <target dev='$tap2'/>
  <model type='virtio'/>
  <alias name='ua-hot0'/>
</interface>
EOF
check "the domain XML is valid" "$vnicsh" validate "$tmp/dom.xml"
check "the hot-plug interfaces' XML is valid" "$vnicsh" validate "$tmp/hot.xml" "$tmp/hot-mq.xml"

# ---------------------------------------------------------------------------------------
step "vnicsh run dom.xml -- qemu-system-x86_64 ..."
append="console=ttyS0 quiet panic=-1 vnic.nic=$mac0=10.0.0.2/24 vnic.nic=$mac1=10.0.1.2/24"
append+=" vnic.nic=$mac2=10.0.2.2/24 vnic.nic=$mac3=10.0.3.2/24"
qemu_argv=(
    "$qemu" -accel tcg -machine pc -m 256 -smp 1
    -nodefaults -no-reboot -display none
    -kernel "$kernel" -initrd "$tmp/initrd.cpio.gz" -append "$append"
    -serial "file:$serial"
    -qmp "unix:$qmp_sock,server=on,wait=off"
    -pidfile "$tmp/qemu.pid"
)
echo "vnicsh -c vnic:///embed?root=\$tmp/root run \$tmp/dom.xml -- ${qemu_argv[*]}"
echo "the options vnicsh adds:"
"$vnicsh" qemu-args "$tmp/dom.xml" | sed 's/^/    /'
: >"$serial"
# Not through a shell function: $! must be vnicsh itself (ip netns exec execs it), which
# gets the signals.
ip netns exec "$ns" "$vnicsh" -c "vnic:///embed?root=$root" run "$tmp/dom.xml" -- \
    "${qemu_argv[@]}" >"$run_log" 2>&1 &
run_pid=$!
t_run=$SECONDS

qemu_started() { [ -s "$tmp/qemu.pid" ]; }
if wait_for 60 "QEMU's pidfile" qemu_started; then
    qemu_pid=$(tr -dc 0-9 <"$tmp/qemu.pid")
    echo "vnicsh run is pid $run_pid, QEMU pid $qemu_pid"
else
    show_logs
    fatal "QEMU did not start"
fi
check "QEMU is a child of vnicsh run" \
    test "$(awk '{print $4}' "/proc/$qemu_pid/stat" 2>/dev/null)" = "$run_pid"

have_link() { ip -n "$ns" link show "$1" >/dev/null 2>&1; }
wait_for 60 "the tap $tap1" have_link "$tap1" || { show_logs; fatal "no $tap1"; }

step "vnicsh list / domiflist while the guest runs"
vsh list
vsh domiflist e2e
check "vnicsh list shows e2e active" sh -c \
    "ip netns exec '$ns' '$vnicsh' -c 'vnic:///embed?root=$root' list | grep -q '^ *e2e  *active '"
macvtap=$(device_of ua-net0)
echo "the macvtap is '${macvtap:-?}'"
check "the macvtap of ua-net0 exists" have_link "${macvtap:-none}"

step "host side: macvlan mvhost (bridge, on uplink0) 10.0.0.1/24; $tap1 10.0.1.1/24"
ip -n "$ns" link add mvhost link uplink0 type macvlan mode bridge || fatal "macvlan"
ip -n "$ns" addr add 10.0.0.1/24 dev mvhost || fatal "addr mvhost"
ip -n "$ns" link set mvhost up || fatal "mvhost up"
check "vnic brought $tap1 up" sh -c "ip -n '$ns' -o link show '$tap1' | grep -q '[<,]UP[,>]'"
ip -n "$ns" addr add 10.0.1.1/24 dev "$tap1" || fatal "addr $tap1"
ip -n "$ns" link set "$tap1" up

step "wait for the guest"
serial_has() { grep -q "$1" "$serial" 2>/dev/null; }
if wait_for 240 "the guest's ready marker" serial_has '^VNIC-GUEST-READY'; then
    echo "guest ready $((SECONDS - t_run)) s after vnicsh run started"
else
    show_logs
    fatal "the guest did not come up"
fi
check "the guest configured the macvtap's NIC ($mac0)" \
    wait_for 60 "NIC $mac0" serial_has "^VNIC-GUEST-NIC-UP $mac0 "
check "the guest configured the tap's NIC ($mac1)" \
    wait_for 60 "NIC $mac1" serial_has "^VNIC-GUEST-NIC-UP $mac1 "
grep '^VNIC-GUEST' "$serial" | sed 's/^/    guest: /'

step "QEMU's NICs (query-rx-filter)"
rx=$(qmp rx-filters)
echo "$rx" | sed 's/^/    /'
check "QEMU has NIC ua-net0 with $mac0" grep -qx "ua-net0 $mac0" <<<"$rx"
check "QEMU has NIC ua-net1 with $mac1" grep -qx "ua-net1 $mac1" <<<"$rx"

# ping_guest ADDR: print the result of `ping -c 3` from the namespace. A ping that gets no
# reply is repeated (a bounded number of times) before it counts as a failure.
ping_guest() {
    local out i
    for ((i = 1; i <= 10; i++)); do
        out=$(in_ns "${ping_cmd[@]}" -c 3 -W 2 "$1" 2>&1) && {
            echo "$out" | sed 's/^/    /'
            return 0
        }
        echo "    (attempt $i: no reply from $1)"
        kill -0 "$run_pid" 2>/dev/null || break
    done
    echo "$out" | sed 's/^/    /'
    return 1
}

step "ping the guest through the macvtap (mvhost -> uplink0 -> ${macvtap:-macvtap} -> guest)"
check "ping 10.0.0.2 through the macvtap" ping_guest 10.0.0.2
step "ping the guest through the tap ($tap1 -> guest)"
check "ping 10.0.1.2 through the tap" ping_guest 10.0.1.2

part1_failures=$failures

# ---------------------------------------------------------------------------------------
step "part 2: QMP hot-plug (vnicsh attach-interface / detach-interface)"
part2=SKIPPED

# hot_attach ALIAS FILE MAC: attach-interface, then the host device (marked, up), the
# record (domiflist), QEMU (query-rx-filter) and the guest (its NIC configured by MAC) must
# all have it. Writes the host device's name to fd 3.
hot_attach() {
    local alias=$1 file=$2 mac=$3 dev rx
    echo "vnicsh attach-interface e2e $(basename "$file") --qmp \$tmp/qmp.sock"
    check "attach-interface $alias" vsh attach-interface e2e "$file" --qmp "$qmp_sock" || return 1
    vsh domiflist e2e
    dev=$(device_of "$alias")
    echo "$alias is on '${dev:-?}'"
    echo "$dev" >&3
    check "the host device of $alias exists" have_link "${dev:-none}"
    check "${dev:-?} carries a vnic mark" sh -c \
        "ip -n '$ns' -d -j link show '${dev:-none}' | grep -q '\"ifalias\":\"vnic'"
    check "${dev:-?} is up" sh -c "ip -n '$ns' -o link show '${dev:-none}' | grep -q '[<,]UP[,>]'"
    rx=$(qmp rx-filters)
    echo "$rx" | sed 's/^/    /'
    check "QEMU has NIC $alias with $mac" grep -qx "$alias $mac" <<<"$rx"
    check "the guest configured the hot-plugged NIC ($mac)" \
        wait_for 120 "NIC $mac" serial_has "^VNIC-GUEST-NIC-UP $mac "
}

# hot_detach ALIAS MAC DEVICE: detach-interface, then the host device, the record's entry,
# QEMU's NIC and the guest's NIC must all be gone; the first two NICs stay.
hot_detach() {
    local alias=$1 mac=$2 dev=$3 rx
    echo "vnicsh detach-interface e2e $alias --qmp \$tmp/qmp.sock"
    check "detach-interface $alias" vsh detach-interface e2e "$alias" --qmp "$qmp_sock"
    check "$dev is gone from the host" wait_for 30 "$dev gone" eval "! have_link '$dev'"
    check "domiflist no longer shows $alias" eval "! domiflist_has '$alias'"
    rx=$(qmp rx-filters)
    echo "$rx" | sed 's/^/    /'
    check "QEMU has no NIC $alias any more" eval '! grep -q "^$alias " <<<"$rx"'
    check "QEMU still has ua-net0 and ua-net1" \
        eval 'grep -qx "ua-net0 $mac0" <<<"$rx" && grep -qx "ua-net1 $mac1" <<<"$rx"'
    check "the guest saw its NIC $mac go" \
        wait_for 60 "NIC $mac gone" serial_has "^VNIC-GUEST-NIC-GONE $mac "
}

if ! "$vnicsh" attach-interface --help >/dev/null 2>&1 ||
    ! "$vnicsh" detach-interface --help >/dev/null 2>&1; then
    echo "part 2 SKIPPED: this vnicsh has no attach-interface/detach-interface"
else
    f_before=$failures

    step "hot-plug a tap (ua-hot0, $mac2, $tap2)"
    hot_attach ua-hot0 "$tmp/hot.xml" "$mac2" 3>"$tmp/dev.hot0"
    if have_link "$tap2"; then
        ip -n "$ns" addr add 10.0.2.1/24 dev "$tap2"
        ip -n "$ns" link set "$tap2" up
        step "ping the guest through the hot-plugged tap ($tap2 -> guest)"
        check "ping 10.0.2.2 through the hot-plugged tap" ping_guest 10.0.2.2
    fi

    step "hot-plug a macvtap with two queues (ua-hot1, $mac3, bridge on uplink0)"
    hot_attach ua-hot1 "$tmp/hot-mq.xml" "$mac3" 3>"$tmp/dev.hot1"
    hot1_dev=$(cat "$tmp/dev.hot1")
    if [ -n "$hot1_dev" ] && have_link "$hot1_dev"; then
        # The guest answers ARP only on the NIC that has the address (arp_ignore=1), so this
        # ping goes through the new macvtap and not through ua-net0's on the same uplink.
        ip -n "$ns" addr add 10.0.3.1/24 dev mvhost
        step "ping the guest through the hot-plugged macvtap (mvhost -> uplink0 -> $hot1_dev -> guest)"
        check "ping 10.0.3.2 through the hot-plugged macvtap" ping_guest 10.0.3.2
        check "the guest answered from $mac3" sh -c \
            "ip -n '$ns' neigh show 10.0.3.2 dev mvhost | grep -q 'lladdr $mac3'"
    fi

    step "unplug both"
    hot_detach ua-hot0 "$mac2" "$tap2"
    [ -n "$hot1_dev" ] && hot_detach ua-hot1 "$mac3" "$hot1_dev"

    step "the first two NICs still work after the hot-plug"
    check "ping 10.0.0.2 through the macvtap again" ping_guest 10.0.0.2
    check "ping 10.0.1.2 through the tap again" ping_guest 10.0.1.2
    [ "$failures" -eq "$f_before" ] && part2=PASSED || part2=FAILED
fi

# ---------------------------------------------------------------------------------------
step "stop QEMU (QMP quit) and wait for vnicsh run"
check "QMP quit" eval 'qmp quit >/dev/null'
run_done() { ! kill -0 "$saved_pid" 2>/dev/null; }
saved_pid=$run_pid
run_pid= # wait_for must not stop early because vnicsh run is gone: that is the point here
if wait_for 120 "vnicsh run to exit" run_done; then
    wait "$saved_pid"
    run_status=$?
    check "vnicsh run exited with QEMU's status 0 (got $run_status)" test "$run_status" -eq 0
else
    run_pid=$saved_pid # the trap will deal with it
    fail "vnicsh run did not exit after QEMU's quit"
fi
echo "--- vnicsh run's output"
cat "$run_log"
echo "---"

step "nothing is left"
marked=$(ip -n "$ns" -d -j link show | python3 -c '
import json, sys
for l in json.load(sys.stdin):
    if l.get("ifalias", "").startswith("vnic"):
        print(l["ifname"], l["ifalias"])')
check "no device with a vnic mark in the namespace${marked:+ (left: $marked)}" test -z "$marked"
check "no tap $tap1" eval "! have_link $tap1"
check "no tap $tap2" eval "! have_link $tap2"
[ -n "${hot1_dev:-}" ] && check "no macvtap $hot1_dev" eval "! have_link $hot1_dev"
[ -n "$macvtap" ] && check "no macvtap $macvtap" eval "! have_link $macvtap"
vsh list --all
left=$(vsh list --all 2>&1 | grep -w e2e)
check "vnicsh list --all is empty${left:+ (got: $left)}" test -z "$left"
rec=$(vsh reconcile --dry-run 2>&1)
check "vnicsh reconcile --dry-run has nothing to do${rec:+ (said: $rec)}" test -z "$rec"
check "no QEMU process left" eval '! our_qemu_alive'
check "the QMP socket is closed" eval "! python3 '$qmp_py' --wait 1 '$qmp_sock' query-status >/dev/null 2>&1"

step "summary"
echo "guest serial console:"
grep -v '^$' "$serial" | sed 's/^/    /'
echo "part 1 (boot, ping through macvtap and tap): $([ "$part1_failures" -eq 0 ] && echo PASSED || echo FAILED)"
echo "part 2 (QMP hot-plug): $part2"
echo "took $((SECONDS - t_start)) s"
if [ "$failures" -ne 0 ]; then
    echo "e2e: $failures of $checks checks failed"
    exit 1
fi
echo "e2e: all $checks checks passed"
exit 0
