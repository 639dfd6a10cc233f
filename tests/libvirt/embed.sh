#!/bin/bash
# vnicsh run --libvirt through libvirt's embedded QEMU driver (qemu:///embed?root=DIR: libvirt
# in vnicsh's own process, no daemon), with a TCG guest on a 2-queue macvtap and a tap in a
# network namespace of the test's own:
#   - a model libvirt refuses: vnicsh fails with libvirt's message, no device is left;
#   - the guest boots on vnic's devices (libvirt opened them: fds=A:B and fd=C, the macvtap
#     through /dev/tap<ifindex>), answers pings through both; QEMU killed with SIGKILL ->
#     vnicsh run exits 5 and the devices are gone;
#   - SIGTERM to vnicsh run -> the domain is destroyed, exit 128+15, nothing left;
#   - /dev/tap<ifindex> of another device is refused with a clear error; a missing one is
#     made for libvirt and removed again.
#   - a vnicsh run killed after making that node: the next run removes it (its journal).
# (libvirt's embedded driver is one process's: virsh cannot join it while vnicsh runs; the
# virsh side is in libvirtd.sh.)
# Usage: bash embed.sh VNICSH (as root)
set -u
vnicsh=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lv_prerequisites
run_pid=
trap lv_cleanup EXIT
trap 'exit 130' INT TERM HUP
lv_setup lvembed lvtap0
lvroot=$tmp/lv
mkdir -p "$lvroot/etc"
lv_qemu_conf "$lvroot/etc/qemu.conf"
lvuri="qemu:///embed?root=$lvroot"
echo "namespace $ns, temporary directory $tmp, libvirt $lvuri"

start_run() { # FILE|NAME
    ip netns exec "$ns" "$vnicsh" -c "$vnic_uri" run --libvirt "$lvuri" "$1" \
        >"$tmp/run.log" 2>&1 &
    run_pid=$!
}

step "usage"
"$vnicsh" run --libvirt "$lvuri" "$tmp/dom.xml" -- true 2>"$tmp/usage.log"
st=$?
check "run --libvirt with a command is a usage error (status $st)" test "$st" = 2
check "that says so" grep -q "takes no command" "$tmp/usage.log"
"$vnicsh" run --libvirt "$lvuri" --qemu "$tmp/dom.xml" 2>/dev/null
st=$?
check "run --libvirt --qemu is a usage error (status $st)" test "$st" = 2
"$vnicsh" dumpxml --libvirt --inactive lvembed 2>/dev/null
st=$?
check "dumpxml --libvirt --inactive is a usage error (status $st)" test "$st" = 2

step "a model libvirt refuses"
sed "0,/<model type='virtio'\/>/s//<model type='no-such-nic'\/>/" "$tmp/dom.xml" >"$tmp/bad.xml"
start_run "$tmp/bad.xml"
wait_run 120
cat "$tmp/run.log"
check "vnicsh run --libvirt failed with status 1 (got $run_status)" test "$run_status" = 1
check "the error says libvirt did not start the domain" grep -q "libvirt did not start domain 'lvembed'" "$tmp/run.log"
check "the error carries libvirt's message (it names the model)" grep -q "no-such-nic" "$tmp/run.log"
nothing_left lvembed lvtap0

step "the guest on vnic's devices"
: >"$tmp/serial.log"
start_run "$tmp/dom.xml"
wait_for 120 "QEMU" qemu_runs || { cat "$tmp/run.log"; fatal "QEMU did not start"; }
qpid=$(test_qemus | head -n 1)
vsh domiflist lvembed
mv=$(device_of lvembed ua-mv0)
mvidx=$(ip -n "$ns" -o link show "$mv" | cut -d: -f1)
check "the macvtap $mv exists" have_link "${mv:-none}"
check "the tap lvtap0 exists" have_link lvtap0
args=$(tr '\0' '\n' <"/proc/$qpid/cmdline")
check "QEMU got the macvtap's two queues as fds (fds=A:B)" grep -q '"fds":"[0-9]*:[0-9]*"' <<<"$args"
check "QEMU got the tap as an fd (fd=C)" grep -q '"type":"tap","fd":"[0-9]*"' <<<"$args"
opened=$(ls -l "/proc/$qpid/fd" | grep -c "/dev/tap$mvidx\$")
check "QEMU holds two fds of /dev/tap$mvidx (got $opened)" test "$opened" = 2
wait_for 240 "the guest" serial_has '^VNIC-GUEST-READY' || { cat "$tmp/serial.log"; fatal "no guest"; }
ip -n "$ns" addr add 10.0.1.1/24 dev lvtap0
check "ping the guest through the macvtap" ping_guest 10.0.0.2
check "ping the guest through the tap" ping_guest 10.0.1.2

step "QEMU killed with SIGKILL"
kill -KILL "$qpid"
wait_run 60
check "vnicsh run exited 5, QEMU failed (got $run_status)" test "$run_status" = 5
nothing_left lvembed lvtap0

step "SIGTERM to vnicsh run"
start_run "$tmp/dom.xml"
wait_for 120 "QEMU" qemu_runs || { cat "$tmp/run.log"; fatal "QEMU did not start"; }
kill -TERM "$run_pid"
wait_run 60
check "vnicsh run exited 143 (128 + SIGTERM; got $run_status)" test "$run_status" = 143
check "QEMU is gone" wait_for 30 "QEMU gone" eval '! qemu_runs'
nothing_left lvembed lvtap0

step "/dev/tap<ifindex>: another device's node is refused, a missing one is made"
check "vnicsh create" vsh create "$tmp/dom.xml"
mv=$(device_of lvembed ua-mv0)
mvidx=$(ip -n "$ns" -o link show "$mv" | cut -d: -f1)
node=/dev/tap$mvidx
rdev=$(ip netns exec "$ns" cat "/sys/class/net/$mv/macvtap/tap$mvidx/dev")
# Only our own device's node is touched.
if [ -e "$node" ]; then
    [ "$(stat -c '%t:%T' "$node" | { IFS=: read -r a b; echo "$((16#$a)):$((16#$b))"; })" = "$rdev" ] ||
        fatal "$node is not $mv's node: another test's device, not touched"
fi
rm -f "$node"
mknod -m 600 "$node" c 1 3 # a device that is not the macvtap
start_run lvembed
wait_run 60
cat "$tmp/run.log"
check "refused (status 1, got $run_status)" test "$run_status" = 1
check "the error names $node and says it is not $mv's node" \
    grep -q "$node is not the node of the macvtap '$mv'" "$tmp/run.log"
check "the foreign node was left alone" test "$(stat -c '%t:%T' "$node")" = 1:3
rm -f "$node"
start_run lvembed
wait_for 120 "QEMU" qemu_runs || { cat "$tmp/run.log"; fatal "QEMU did not start"; }
qpid=$(test_qemus | head -n 1)
opened=$(ls -l "/proc/$qpid/fd" | grep -c "$node\$")
check "libvirt opened the macvtap through the node vnic made (got $opened fds)" test "$opened" = 2
check "the node vnic made is removed once libvirt has it" \
    wait_for 60 "$node removed" test ! -e "$node"
kill -TERM "$run_pid"
wait_run 60
check "vnicsh run exited 143 (got $run_status)" test "$run_status" = 143
check "the domain it did not start stays in vnic" have_link "$mv"

step "vnicsh killed between making the node and libvirt opening it: the next run removes it"
journal=${VNIC_LIBVIRT_NODES_DIR:?}/tap$mvidx
if [ "${VNIC_TEST_FAULT_INJECTION:-0}" = 1 ]; then
    VNIC_FAULT_TRACE=1 VNIC_FAULT_PAUSE_AT="libvirt: tap node made" VNIC_FAULT_PAUSE_MS=60000 \
        start_run lvembed
    check "vnicsh run pauses right after it made $node" wait_for 60 "the pause" \
        grep -q "vnic-fault-step [0-9]* libvirt: tap node made" "$tmp/run.log"
fi
if [ "${VNIC_TEST_FAULT_INJECTION:-0}" = 1 ] &&
    grep -q "vnic-fault-step [0-9]* libvirt: tap node made" "$tmp/run.log"; then
    kill -KILL "$run_pid"
    wait_run 10
    check "the killed run left $node" test -c "$node"
    check "and its journal entry $journal" test -f "$journal"
    # The device goes and comes back with another ifindex: the node left names a device
    # number nobody may have, and nothing but the journal tells it is vnic's.
    vsh destroy lvembed
    check "vnicsh create again" vsh create "$tmp/dom.xml"
    mv2=$(device_of lvembed ua-mv0)
    mvidx2=$(ip -n "$ns" -o link show "$mv2" | cut -d: -f1)
    start_run lvembed
    wait_for 120 "QEMU" qemu_runs || { cat "$tmp/run.log"; fatal "QEMU did not start"; }
    check "the next run removed the node the killed one left ($node)" test ! -e "$node"
    check "and its journal entry" test ! -e "$journal"
    qpid=$(test_qemus | head -n 1)
    opened=$(ls -l "/proc/$qpid/fd" | grep -c "/dev/tap$mvidx2\$")
    check "libvirt opened the new macvtap through /dev/tap$mvidx2 (got $opened fds)" test "$opened" = 2
    kill -TERM "$run_pid"
    wait_run 60
    check "vnicsh run exited 143 (got $run_status)" test "$run_status" = 143
    mv=$mv2
    node=/dev/tap$mvidx2
elif [ "${VNIC_TEST_FAULT_INJECTION:-0}" = 1 ]; then
    cat "$tmp/run.log"
    kill -KILL "$run_pid" 2>/dev/null
    wait_run 10
else
    echo "SKIP: this build has no fault injection (-Dfault_injection=true)"
fi
vsh destroy lvembed
# The node the kernel (devtmpfs) made for the device went with it; nothing of this test's is
# left in /dev (a node made with mknod would outlive the device, stale).
check "no $node is left" wait_for 10 "$node gone" test ! -e "$node"
nothing_left lvembed lvtap0
finish
