#!/bin/bash
# vnic with a real libvirtd (qemu:///system): the test starts virtlogd and libvirtd of its own
# with `ip netns exec NS`, inside a private mount namespace whose /run/libvirt,
# /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt and /etc/libvirt are empty tmpfs
# (nothing of the host's libvirt is read or changed), and stops them by pid at the end.
#   - vnicsh run --libvirt qemu:///system: `virsh domiflist` shows vnic's devices, the guest
#     answers pings through the 2-queue macvtap and the tap;
#   - hot-plug (a tap, a 2-queue macvtap): attach-interface --libvirt, the guest's new NIC
#     answers pings, detach-interface
#     --libvirt removes it from the guest and the device from the host; `virsh
#     detach-interface` has vnicsh run remove the device (libvirt's device-removed event); an
#     interface libvirt refuses leaves no device;
#   - `virsh destroy`: vnicsh run exits 3 and the devices are gone;
#   - a domain libvirt has defined under the name is the one started (its UUID), on vnic's
#     devices, and keeps its own definition;
#   - vnicsh run killed with SIGKILL: the domain runs on in libvirt, reconcile leaves it; once
#     libvirt no longer runs it (virsh destroy), reconcile removes its devices; the same for a
#     vnic domain started by name, whose mark is in its runtime state only (a later plain
#     vnicsh start carries none, reconcile leaves it);
#   - through vnicd (VNIC_TEST_REMOTE=1), vnicd follows the domain itself: with vnicsh run
#     killed, `virsh destroy` has vnicd remove the devices (no reconcile needed), also after a
#     restart of vnicd or of libvirtd (vnicd connects again), and a domain libvirt stopped while
#     vnicd was down goes when it starts.
# Skips when a libvirtd (or virtqemud) already runs on the host.
# Usage: bash libvirtd.sh VNICSH (as root)
set -u
vnicsh=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lv_prerequisites
[ -x /usr/sbin/libvirtd ] && [ -x /usr/sbin/virtlogd ] ||
    { echo "SKIP: no libvirtd/virtlogd (libvirt-daemon, libvirt-daemon-system)"; exit 77; }
if pgrep -x libvirtd >/dev/null || pgrep -x virtqemud >/dev/null; then
    echo "SKIP: a libvirtd already runs on this host"
    exit 77
fi
command -v unshare >/dev/null || { echo "SKIP: no unshare (util-linux)"; exit 77; }
if [ -z "${VNIC_LV_PRIVATE_MOUNTS:-}" ]; then
    exec unshare --mount --propagation private env VNIC_LV_PRIVATE_MOUNTS=1 bash "$0" "$@"
fi
for d in /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt /etc/libvirt; do
    [ -d "$d" ] || fatal "no $d"
    mount -t tmpfs -o mode=0755 tmpfs "$d" || fatal "cannot mount a tmpfs on $d"
done

run_pid=
daemon_pids=()
stop_daemons() {
    local p i
    for p in "${daemon_pids[@]}"; do
        kill -TERM "$p" 2>/dev/null
        for ((i = 0; i < 50; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$p" 2>/dev/null
    done
    daemon_pids=()
}
restart_libvirtd() {
    local p=${daemon_pids[1]} i
    kill -TERM "$p"
    for ((i = 0; i < 50; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$p" 2>/dev/null && fatal "libvirtd did not stop on SIGTERM"
    rm -f "$tmp/libvirtd.pid"
    in_ns /usr/sbin/libvirtd --daemon --pid-file "$tmp/libvirtd.pid" || fatal "libvirtd"
    wait_for 30 "libvirtd's pid file" test -s "$tmp/libvirtd.pid" || fatal "libvirtd did not start again"
    daemon_pids[1]=$(cat "$tmp/libvirtd.pid")
    wait_for 60 "libvirtd answers" virsh_ns version >/dev/null || fatal "libvirtd does not answer"
}
trap 'lv_cleanup; stop_daemons' EXIT
trap 'exit 130' INT TERM HUP
lv_setup lvd lvdtap0
lv_qemu_conf /etc/libvirt/qemu.conf logd
uri=qemu:///system
virsh_ns() { in_ns virsh -q -c "$uri" "$@"; }

step "virtlogd and libvirtd in the namespace $ns"
in_ns /usr/sbin/virtlogd --daemon --pid-file "$tmp/virtlogd.pid" || fatal "virtlogd"
wait_for 30 "virtlogd's pid file" test -s "$tmp/virtlogd.pid" || fatal "virtlogd did not start"
daemon_pids+=("$(cat "$tmp/virtlogd.pid")")
in_ns /usr/sbin/libvirtd --daemon --pid-file "$tmp/libvirtd.pid" || fatal "libvirtd"
wait_for 30 "libvirtd's pid file" test -s "$tmp/libvirtd.pid" || fatal "libvirtd did not start"
daemon_pids+=("$(cat "$tmp/libvirtd.pid")")
wait_for 60 "libvirtd answers" virsh_ns version >/dev/null || fatal "libvirtd does not answer"
echo "virtlogd and libvirtd: pids ${daemon_pids[*]}"

step "vnicsh run --libvirt $uri"
ip netns exec "$ns" "$vnicsh" -c "$vnic_uri" run --libvirt "$uri" "$tmp/dom.xml" \
    >"$tmp/run.log" 2>&1 &
run_pid=$!
wait_for 120 "QEMU" qemu_runs || { cat "$tmp/run.log"; fatal "QEMU did not start"; }
mv=$(device_of lvd ua-mv0)
iflist=$(virsh_ns domiflist lvd)
echo "$iflist"
check "virsh domiflist shows the macvtap ${mv:-?} vnic made" grep -q "^ *$mv  *ethernet" <<<"$iflist"
check "virsh domiflist shows the tap lvdtap0 vnic made" grep -q "^ *lvdtap0  *ethernet" <<<"$iflist"
wait_for 240 "the guest" serial_has '^VNIC-GUEST-READY' || { cat "$tmp/serial.log"; fatal "no guest"; }
ip -n "$ns" addr add 10.0.1.1/24 dev lvdtap0
check "ping the guest through the macvtap" ping_guest 10.0.0.2
check "ping the guest through the tap" ping_guest 10.0.1.2

step "hot-plug through libvirt"
out=$(vsh attach-interface --libvirt "$uri" lvd "$tmp/hot.xml" 2>&1)
echo "$out"
check "attach-interface --libvirt" grep -q "attached to domain 'lvd'" <<<"$out"
check "vnic made the tap lvdtap0h" have_link lvdtap0h
check "virsh domiflist shows lvdtap0h" eval 'virsh_ns domiflist lvd | grep -q "^ *lvdtap0h "'
check "the guest has its new NIC" wait_for 120 "NIC $mac2" serial_has "^VNIC-GUEST-NIC-UP $mac2 "
ip -n "$ns" addr add 10.0.2.1/24 dev lvdtap0h
check "ping the guest through the hot-plugged tap" ping_guest 10.0.2.2
out=$(vsh detach-interface --libvirt "$uri" lvd lvdtap0h 2>&1)
echo "$out"
check "detach-interface --libvirt" grep -q "detached from domain 'lvd'" <<<"$out"
check "the tap lvdtap0h is gone" eval '! have_link lvdtap0h'
check "virsh domiflist no longer shows it" eval '! virsh_ns domiflist lvd | grep -q "lvdtap0h"'
check "the guest saw its NIC go" wait_for 60 "NIC gone" serial_has "^VNIC-GUEST-NIC-GONE $mac2 "

step "hot-plug a 2-queue macvtap through libvirt"
out=$(vsh attach-interface --libvirt "$uri" lvd "$tmp/hot-mv.xml" 2>&1)
echo "$out"
check "attach-interface --libvirt (macvtap)" grep -q "attached to domain 'lvd'" <<<"$out"
hotmv=$(vsh domiflist --json lvd | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    if r.get("mac") == sys.argv[1]:
        print(r.get("device") or "")' "$mac3")
check "vnic made the macvtap ${hotmv:-?}" have_link "${hotmv:-none}"
check "virsh domiflist shows it" eval 'virsh_ns domiflist lvd | grep -q "^ *$hotmv  *ethernet"'
check "the guest has its new NIC" wait_for 120 "NIC $mac3" serial_has "^VNIC-GUEST-NIC-UP $mac3 "
ip -n "$ns" addr add 10.0.3.1/24 dev mvhost
check "ping the guest through the hot-plugged macvtap" ping_guest 10.0.3.2
check "the guest answered from $mac3" eval "ip -n '$ns' neigh show 10.0.3.2 dev mvhost | grep -q 'lladdr $mac3'"
check "detach-interface --libvirt (macvtap)" vsh detach-interface --libvirt "$uri" lvd "$hotmv"
check "the macvtap $hotmv is gone" eval "! have_link $hotmv"

step "virsh detach-interface: vnicsh run sees libvirt's device-removed event and removes the device"
check "attach-interface --libvirt again" vsh attach-interface --libvirt "$uri" lvd "$tmp/hot.xml"
check "vnic made the tap lvdtap0h" have_link lvdtap0h
check "virsh detach-interface" virsh_ns detach-interface lvd ethernet --mac "$mac2"
check "vnicsh run removed the tap lvdtap0h" wait_for 60 "lvdtap0h gone" eval '! have_link lvdtap0h'
check "and the interface from vnic's domain" \
    wait_for 30 "2 interfaces" eval \
    '[ "$(vsh domiflist --json lvd | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")" = 2 ]'

step "a hot-plug libvirt refuses leaves no device"
sed "s/<model type='virtio'\/>/<model type='no-such-nic'\/>/" "$tmp/hot.xml" >"$tmp/hot-bad.xml"
out=$(vsh attach-interface --libvirt "$uri" lvd "$tmp/hot-bad.xml" 2>&1)
st=$?
echo "$out"
check "attach-interface --libvirt failed (status $st)" test "$st" = 1
check "with libvirt's message (naming the model)" grep -q "no-such-nic" <<<"$out"
check "no tap lvdtap0h is left" eval '! have_link lvdtap0h'
check "vnic's domain has its two interfaces only" \
    test "$(vsh domiflist --json lvd | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 2

step "virsh destroy"
virsh_ns destroy lvd
wait_run 60
cat "$tmp/run.log"
check "vnicsh run exited 3, destroyed (got $run_status)" test "$run_status" = 3
nothing_left lvd lvdtap0

step "a domain libvirt has defined is the one started, on vnic's devices"
uuid=5b0c1d2e-3f40-4a51-8b62-7c83d94ea5f6
# libvirt's own definition of lvd: the same guest, without NICs.
sed -e "s|<name>lvd</name>|<name>lvd</name><uuid>$uuid</uuid>|" \
    -e '/<interface/,/<\/interface>/d' "$tmp/dom.xml" >"$tmp/defined.xml"
check "virsh define" virsh_ns define "$tmp/defined.xml"
ip netns exec "$ns" "$vnicsh" -c "$vnic_uri" run --libvirt "$uri" "$tmp/dom.xml" \
    >"$tmp/run.log" 2>&1 &
run_pid=$!
lv_running() { virsh_ns domstate lvd 2>/dev/null | grep -q running; }
# Through vnicd, run --libvirt has vnicd follow the domain right after libvirt started it: a
# SIGKILL must come after that (vnicd logs it), not merely once libvirt runs the domain.
follows_seen() { grep -c "follows libvirt" "$tmp/vnicd.log" 2>/dev/null; }
run_file() {
    follows_before=$(follows_seen)
    ip netns exec "$ns" "$vnicsh" -c "$vnic_uri" run --libvirt "$uri" "$tmp/dom.xml" \
        >"$tmp/run.log" 2>&1 &
    run_pid=$!
    wait_for 120 "libvirt runs lvd" lv_running || { cat "$tmp/run.log"; fatal "lvd did not start"; }
}
kill_run() {
    if remote; then
        wait_for 30 "vnicd follows lvd" eval '[ "$(follows_seen)" -gt "$follows_before" ]' ||
            { cat "$tmp/run.log" "$tmp/vnicd.log"; fatal "vnicd does not follow lvd"; }
    fi
    kill -KILL "$run_pid"
    wait "$run_pid" 2>/dev/null
    run_pid=
}
wait_for 60 "libvirt runs lvd" lv_running || { cat "$tmp/run.log"; fatal "lvd did not start"; }
check "libvirt runs its defined domain (its UUID)" test "$(virsh_ns domuuid lvd)" = "$uuid"
check "which stays persistent" eval 'virsh_ns dominfo lvd | grep -q "^Persistent: *yes"'
check "on vnic's tap" eval 'virsh_ns domiflist lvd | grep -q "^ *lvdtap0  *ethernet"'
virsh_ns destroy lvd
wait_run 60
check "vnicsh run exited 3 (got $run_status)" test "$run_status" = 3
nothing_left lvd lvdtap0
check "libvirt keeps its definition of lvd" eval 'virsh_ns list --all --name | grep -qx lvd'
check "without vnic's devices in it" eval '! virsh_ns dumpxml --inactive lvd | grep -q "<interface"'
virsh_ns undefine lvd >/dev/null

step "vnicsh run --libvirt killed with SIGKILL: reconcile asks libvirt (through vnicd: vnicd follows)"
run_file
check "vnic's definition names the libvirt that runs it" \
    eval "vsh dumpxml lvd | grep -q \"<vnic:libvirt .*uri=.$uri.\""
check "dumpxml --libvirt does not" eval '! vsh dumpxml --libvirt lvd | grep -q "vnic:"'
kill_run
check "libvirt still runs the domain" lv_running
check "its tap stays" have_link lvdtap0
out=$(vsh reconcile 2>&1)
echo "$out"
check "reconcile leaves a domain libvirt still runs" eval '! grep -q "no longer runs" <<<"$out"'
check "and its devices" have_link lvdtap0
virsh_ns destroy lvd
if remote; then
    check "vnicd, which follows the domain, removed it once libvirt stopped it" \
        wait_for 30 "lvd gone" eval '! vsh list --all | grep -qw lvd'
    grep "libvirt" "$tmp/vnicd.log"
else
    out=$(vsh reconcile --dry-run 2>&1)
    echo "$out"
    check "reconcile --dry-run would remove it" grep -q "domain 'lvd' would be removed: libvirt at '$uri' no longer runs it" <<<"$out"
    check "and changes nothing" have_link lvdtap0
    out=$(vsh reconcile 2>&1)
    echo "$out"
    check "reconcile removes it" grep -q "domain 'lvd' removed: libvirt at '$uri' no longer runs it" <<<"$out"
fi
nothing_left lvd lvdtap0

if remote; then
    step "vnicd restarted while libvirt runs the domain: it follows it again"
    run_file
    kill_run
    restart_vnicd
    check "after the restart the domain runs on" lv_running
    check "and its tap stays" have_link lvdtap0
    virsh_ns destroy lvd
    check "vnicd removed it once libvirt stopped it" \
        wait_for 30 "lvd gone" eval '! vsh list --all | grep -qw lvd'
    nothing_left lvd lvdtap0

    step "libvirtd restarted while vnicd follows the domain: vnicd connects again"
    run_file
    kill_run
    restart_libvirtd
    check "libvirt runs the domain on after its restart" lv_running
    check "vnicd connected to libvirtd again" \
        wait_for 30 "vnicd connects again" grep -q "connected to libvirt at $uri again" "$tmp/vnicd.log"
    check "the tap stays" have_link lvdtap0
    virsh_ns destroy lvd
    check "vnicd removed it once libvirt stopped it" \
        wait_for 30 "lvd gone" eval '! vsh list --all | grep -qw lvd'
    nothing_left lvd lvdtap0

    step "libvirt stops the domain while vnicd is down: vnicd removes it when it starts"
    run_file
    kill_run
    stop_vnicd
    virsh_ns destroy lvd
    check "the tap stays while vnicd is down" have_link lvdtap0
    lv_start_vnic
    nothing_left lvd lvdtap0
fi

step "a domain started by name: the mark is in its runtime state, not its definition"
check "vnicsh define" vsh define "$tmp/dom.xml"
# Only the devices and the active domain go: the definition stays (nothing_left wants none).
gone_but_defined() { # DOMAIN TAP
    local left
    left=$(marked_devices)
    check "no device with a vnic mark is left${left:+ (left: $left)}" test -z "$left"
    check "no tap $2 is left" eval "! have_link $2"
    check "vnic's domain $1 is not active" eval "! vsh list | grep -qw '$1'"
    check "and stays defined" eval "vsh list --all | grep -qw '$1'"
}
run_by_name() {
    follows_before=$(follows_seen)
    ip netns exec "$ns" "$vnicsh" -c "$vnic_uri" run --libvirt "$uri" lvd >"$tmp/run.log" 2>&1 &
    run_pid=$!
    wait_for 120 "libvirt runs lvd" lv_running || { cat "$tmp/run.log"; fatal "lvd did not start"; }
}
run_by_name
check "vnic's runtime state names the libvirt that runs it" \
    eval "vsh dumpxml lvd | grep -q \"<vnic:libvirt .*uri=.$uri.\""
check "with libvirt's UUID of the domain" \
    eval "vsh dumpxml lvd | grep -q \"<vnic:libvirt .*uuid=.\$(virsh_ns domuuid lvd).\""
check "its stored definition does not" eval '! vsh dumpxml --inactive lvd | grep -q "vnic:libvirt"'
virsh_ns destroy lvd
wait_run 60
check "vnicsh run exited 3 (got $run_status)" test "$run_status" = 3
gone_but_defined lvd lvdtap0
check "a plain start carries no mark" vsh start lvd
check "(no mark in its runtime state)" eval '! vsh dumpxml lvd | grep -q "vnic:libvirt"'
out=$(vsh reconcile 2>&1)
echo "$out"
check "reconcile does not ask libvirt about it" eval '! grep -q "libvirt" <<<"$out"'
check "and leaves its tap" have_link lvdtap0
check "vnicsh destroy" vsh destroy lvd

step "a domain started by name, vnicsh run killed with SIGKILL: reconcile asks libvirt"
run_by_name
kill_run
check "libvirt still runs the domain" lv_running
out=$(vsh reconcile 2>&1)
echo "$out"
check "reconcile leaves a domain libvirt still runs" eval '! grep -q "no longer runs" <<<"$out"'
check "and its tap" have_link lvdtap0
virsh_ns destroy lvd
if remote; then
    check "vnicd, which follows the domain, removed its devices once libvirt stopped it" \
        wait_for 30 "lvd inactive" eval '! vsh list | grep -qw lvd'
else
    out=$(vsh reconcile 2>&1)
    echo "$out"
    check "reconcile removes it" grep -q "domain 'lvd' removed: libvirt at '$uri' no longer runs it" <<<"$out"
fi
gone_but_defined lvd lvdtap0
check "vnicsh undefine" vsh undefine lvd

step "stop libvirtd and virtlogd"
stop_daemons
finish
