# Shared by the libvirt tests (vnicsh run/attach-interface/detach-interface --libvirt against a
# real libvirt): the prerequisites, a network namespace with a veth uplink, the e2e guest
# (tests/e2e/guest.sh) and a libvirt domain of a 2-queue macvtap and a tap booting it. Source
# it after setting $vnicsh; then call lv_setup.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../e2e/guest.sh
source "$here/../e2e/guest.sh"

# shellcheck source=../e2e/checks.sh
source "$here/../e2e/checks.sh"
step() { printf '\n== %s\n' "$*"; }
finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$failures of $checks checks failed"
        exit 1
    fi
    echo "all $checks checks passed"
    exit 0
}

# wait_for SECONDS DESCRIPTION COMMAND...: poll until COMMAND succeeds (the bound only turns a
# hang into a failure).
wait_for() {
    local bound=$1 what=$2 i
    shift 2
    for ((i = 0; i < bound * 5; i++)); do
        "$@" && return 0
        sleep 0.2
    done
    echo "gave up after ${bound}s waiting for: $what"
    return 1
}

# What is needed: only what is truly missing is a skip.
lv_prerequisites() {
    [ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
    qemu=$(command -v qemu-system-x86_64) || { echo "SKIP: no qemu-system-x86_64"; exit 77; }
    command -v virsh >/dev/null || { echo "SKIP: no virsh (libvirt-clients)"; exit 77; }
    ls /usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so >/dev/null 2>&1 ||
        { echo "SKIP: no libvirt QEMU driver (libvirt-daemon-driver-qemu)"; exit 77; }
    find_guest_kernel
    [ -n "$kernel" ] || { echo "SKIP: no /boot/vmlinuz-*"; exit 77; }
    busybox=$(command -v busybox || echo /bin/busybox)
    [ -x "$busybox" ] || fatal "no busybox (package busybox-static)"
    if command -v ping >/dev/null; then ping_cmd=(ping); else ping_cmd=("$busybox" ping); fi
}

in_ns() { ip netns exec "$ns" "$@"; }
vsh() { in_ns "$vnicsh" -c "$vnic_uri" "$@"; }
have_link() { ip -n "$ns" link show "$1" >/dev/null 2>&1; }
serial_has() { grep -q "$1" "$tmp/serial.log" 2>/dev/null; }
# The devices with a vnic mark in the namespace, one "NAME MARK" a line.
marked_devices() {
    ip -n "$ns" -d -j link show | python3 -c '
import json, sys
for l in json.load(sys.stdin):
    if l.get("ifalias", "").startswith("vnic"):
        print(l["ifname"], l["ifalias"])'
}
# device_of DOMAIN ALIAS: vnic's host device of the interface ALIAS.
device_of() {
    vsh domiflist --json "$1" 2>/dev/null | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    if r.get("alias") == sys.argv[1]:
        print(r.get("device") or "")' "$2" 2>/dev/null
}
# ping_guest ADDR: a few tries before it counts as a failure.
ping_guest() {
    local i
    for ((i = 1; i <= 10; i++)); do
        in_ns "${ping_cmd[@]}" -c 2 -W 2 "$1" >/dev/null 2>&1 && return 0
    done
    in_ns "${ping_cmd[@]}" -c 2 -W 2 "$1"
    return 1
}

mac0=52:54:00:1b:00:01 # the macvtap
mac1=52:54:00:1b:00:02 # the tap
mac2=52:54:00:1b:00:03 # the hot-plugged tap
mac3=52:54:00:1b:00:04 # the hot-plugged 2-queue macvtap

# vnic's side: the embedded driver on a state root of the test's own, or (VNIC_TEST_REMOTE=1, the
# 'remote' suite) a vnicd ($VNICD) the test starts in its namespace on that root and stops by
# its pid: the libvirt side is the client's either way.
lv_start_vnic() {
    vnic_uri="vnic:///embed?root=$tmp/vnic"
    [ "${VNIC_TEST_REMOTE:-0}" = 1 ] || return 0
    ip netns exec "$ns" "$VNICD" --root "$tmp/vnic" --socket "$tmp/vnicd.sock" \
        >>"$tmp/vnicd.log" 2>&1 &
    vnicd_pid=$!
    vnic_uri="vnic+unix:///system?socket=$tmp/vnicd.sock"
    wait_for 10 "vnicd's socket" test -S "$tmp/vnicd.sock" ||
        { cat "$tmp/vnicd.log"; fatal "vnicd did not start"; }
    echo "vnicd (pid $vnicd_pid) at $vnic_uri"
}

remote() { [ "${VNIC_TEST_REMOTE:-0}" = 1 ]; }
stop_vnicd() {
    local i
    kill -TERM "$vnicd_pid"
    for ((i = 0; i < 100; i++)); do kill -0 "$vnicd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$vnicd_pid" 2>/dev/null && fatal "vnicd did not stop on SIGTERM"
    wait "$vnicd_pid" 2>/dev/null
    vnicd_pid=
}
restart_vnicd() { stop_vnicd; lv_start_vnic; }

# lv_setup: $ns (veth uplink0/peer0, a macvlan mvhost on uplink0 with 10.0.0.1/24 to reach the
# guest's macvtap), $tmp with the guest's initramfs, and the domain XML $tmp/dom.xml (domain
# "$1") of a 2-queue macvtap on uplink0 and a tap "$2", guest addresses 10.0.0.2 and 10.0.1.2.
lv_setup() {
    local name=$1 tap=$2
    ns=vnic-t-lv-$$-$RANDOM
    tmp=$(mktemp -d /tmp/vnic-lv.XXXXXX)
    moddir=/lib/modules/${kernel#/boot/vmlinuz-}
    build_initramfs >/dev/null
    ip netns add "$ns" || fatal "ip netns add"
    ip -n "$ns" link set lo up
    ip -n "$ns" link add uplink0 type veth peer name peer0 || fatal "veth"
    ip -n "$ns" link set uplink0 up
    ip -n "$ns" link set peer0 up
    ip -n "$ns" link add mvhost link uplink0 type macvlan mode bridge || fatal "macvlan"
    # libvirt opens a macvtap through /dev/tap<ifindex>, and /dev is shared with every other
    # namespace (other tests' too, running at the same time). The kernel gives ifindexes in
    # turn: devices are made and deleted until the index is past every /dev/tap<N> there is,
    # so that the nodes of this test's macvtaps (a few dozen indexes on) are its own.
    local idx i top
    top=$(ls /dev 2>/dev/null | sed -n 's/^tap\([0-9][0-9]*\)$/\1/p' | sort -n | tail -n 1)
    idx=$(ip -n "$ns" -o link show mvhost | cut -d: -f1)
    if [ "${top:-0}" -gt "$idx" ]; then
        # Made in one batch and deleted as one group (the kernel's batch path: fast).
        for ((i = idx; i < top; i++)); do
            echo "link add lvb$i group 77 link uplink0 type macvlan"
        done | ip -n "$ns" -batch - || fatal "cannot move the namespace's ifindexes on"
        ip -n "$ns" link del group 77 || fatal "cannot delete group 77"
    fi
    ip -n "$ns" addr add 10.0.0.1/24 dev mvhost
    ip -n "$ns" link set mvhost up
    lv_start_vnic
    local append="console=ttyS0 quiet panic=-1 vnic.nic=$mac0=10.0.0.2/24"
    append+=" vnic.nic=$mac1=10.0.1.2/24 vnic.nic=$mac2=10.0.2.2/24 vnic.nic=$mac3=10.0.3.2/24"
    cat >"$tmp/dom.xml" <<XML
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$kernel</kernel>
    <initrd>$tmp/initrd.cpio.gz</initrd>
    <cmdline>$append</cmdline>
  </os>
  <features>
    <acpi/>
  </features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>$qemu</emulator>
    <interface type='direct'>
      <mac address='$mac0'/>
      <source dev='uplink0' mode='bridge'/>
      <model type='virtio'/>
      <driver queues='2'/>
      <alias name='ua-mv0'/>
    </interface>
    <interface type='ethernet'>
      <mac address='$mac1'/>
      <target dev='$tap'/>
      <model type='virtio'/>
      <alias name='ua-tap0'/>
    </interface>
    <serial type='file'>
      <source path='$tmp/serial.log'/>
    </serial>
    <memballoon model='none'/>
  </devices>
  <seclabel type='none'/>
</domain>
XML
    cat >"$tmp/hot-mv.xml" <<XML
<interface type='direct'>
  <mac address='$mac3'/>
  <source dev='uplink0' mode='bridge'/>
  <model type='virtio'/>
  <driver queues='2'/>
</interface>
XML
    cat >"$tmp/hot.xml" <<XML
<interface type='ethernet'>
  <mac address='$mac2'/>
  <target dev='${tap}h'/>
  <model type='virtio'/>
</interface>
XML
}

# The qemu.conf of a test's libvirt: QEMU as root and no relabelling (the guest's files are the
# test's), and its output to a file unless virtlogd runs.
lv_qemu_conf() { # FILE [logd]
    {
        echo 'user = "+0"'
        echo 'group = "+0"'
        echo 'dynamic_ownership = 0'
        [ "${2:-}" = logd ] || echo 'stdio_handler = "file"'
    } >"$1"
}

# The QEMU processes running this test's guests (their command line names $tmp/initrd; not
# libvirt's probes of QEMU's capabilities), one pid a line.
test_qemus() {
    local p
    for p in $(pgrep -f qemu-system-x86_64); do
        tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF "$tmp/initrd" && echo "$p"
    done
}
qemu_runs() { [ -n "$(test_qemus)" ]; }
run_gone() { ! kill -0 "$run_pid" 2>/dev/null; }
# wait_run SECONDS: wait for vnicsh run (bounded), its status in $run_status (-1: still runs).
wait_run() {
    run_status=-1
    wait_for "$1" "vnicsh run to exit" run_gone || return 1
    wait "$run_pid"
    run_status=$?
    run_pid=
}
# The devices vnic made are gone, and so is the vnic domain.
nothing_left() { # DOMAIN TAP
    local left
    left=$(marked_devices)
    check "no device with a vnic mark is left${left:+ (left: $left)}" test -z "$left"
    check "no tap $2 is left" eval "! have_link $2"
    check "vnic has no domain $1 any more" eval "! vsh list --all | grep -qw '$1'"
}
lv_cleanup() {
    local p i
    if [ -n "${run_pid:-}" ] && kill -0 "$run_pid" 2>/dev/null; then
        kill -TERM "$run_pid"
        for ((i = 0; i < 100; i++)); do kill -0 "$run_pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$run_pid" 2>/dev/null
    fi
    for p in $(test_qemus); do kill -KILL "$p"; done
    if [ -n "${vnicd_pid:-}" ]; then
        kill -TERM "$vnicd_pid" 2>/dev/null
        for ((i = 0; i < 100; i++)); do kill -0 "$vnicd_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$vnicd_pid" 2>/dev/null
    fi
    [ -n "${ns:-}" ] && ip netns del "$ns" 2>/dev/null
    [ -n "${tmp:-}" ] && rm -rf "$tmp"
}
