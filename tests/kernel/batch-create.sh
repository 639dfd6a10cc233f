#!/bin/bash
# A start makes a backend's devices in one batch (create_batch: the netlink requests of many
# devices in one send): 40 taps and 40 macvtaps come out as one by one would make them (name,
# mark, MAC, group, MTU, link state, queues), with far fewer netlink sends than devices; the
# same connection goes on working (hot-plug, detach, destroy). A device of a batch that
# fails (a fixed name a foreign device has; a macvtap whose MAC a foreign macvlan took after
# the checks, so that only bringing it up fails) fails the start with the message of the one
# by one path, and nothing of the domain is left. Template names taken by foreign devices get
# the next free numbers, as one by one. A start killed in the middle of a batch (fault
# injection builds) leaves what reconcile removes.
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_tmpdir dir
root=$dir/state
mark=$(kt_mark "$root")
N=40

# ---- (a) 40 taps and 40 macvtaps -----------------------------------------------------------
# Taps kbtI (MTU 1400 on even I, link down on I=7), macvtaps kbmI (bridge mode, MTU 1450 on
# odd I, link down on I=9), interleaved; every MAC given: 52:54:00:0K:00:II.
{
    echo "<domain><name>big</name><devices>"
    for i in $(seq 0 $((N - 1))); do
        x=$(printf '%02x' "$i")
        mtu="" down=""
        [ $((i % 2)) -eq 0 ] && mtu="<mtu size='1400'/>"
        [ "$i" -eq 7 ] && down="<link state='down'/>"
        echo "<interface type='ethernet'><target dev='kbt$i'/><mac address='52:54:00:01:00:$x'/><model type='virtio'/>$mtu$down</interface>"
        mtu="" down=""
        [ $((i % 2)) -eq 1 ] && mtu="<mtu size='1450'/>"
        [ "$i" -eq 9 ] && down="<link state='down'/>"
        echo "<interface type='direct'><source dev='uplink0' mode='bridge'/><target dev='kbm$i'/><mac address='52:54:00:02:00:$x'/><model type='virtio'/>$mtu$down</interface>"
    done
    echo "</devices></domain>"
} >"$dir/big.xml"

# Under strace when there is one: the netlink sends of the start, and the sockets it made,
# counted.
sends="" sockets=""
if command -v strace >/dev/null; then
    # (LeakSanitizer cannot run under ptrace: off for this one run of a sanitizer build.)
    out=$(ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
        ip netns exec "$ns" strace -f -qq -e trace=sendto,sendmsg,socket -o "$dir/strace" \
        "$KT_VNICSH" -c "vnic:///embed?root=$root" --debug create "$dir/big.xml" 2>&1)
    status=$?
    # Only the netlink ones (the log goes to stderr with write, not send).
    sends=$(grep -cE '(sendto|sendmsg)\(.*(AF_NETLINK|nlmsg_len)' "$dir/strace")
    sockets=$(grep -cE '(^|[0-9] )socket\(' "$dir/strace")
else
    vrun "$ns" "$root" --debug create "$dir/big.xml"
fi
kt_checks=$((kt_checks + 1))
[ "$status" -eq 0 ] || fail "create of 40 taps and 40 macvtaps exited $status: $out"
check "the taps were made in one batch" grep -q "backend tap: batch made $N of $N devices" <<<"$out"
check "the macvtaps were made in one batch" grep -q "backend macvtap: batch made $N of $N devices" <<<"$out"
if [ -n "$sends" ]; then
    echo "netlink sends of the start of $((2 * N)) devices: $sends"
    # One by one: one request per tap and two per macvtap (120). Batched: the link dump, one
    # send of the taps' changes, two of the macvtaps'.
    check "the start sent its requests in batches ($sends sends for $((2 * N)) devices)" \
        test "$sends" -le 8
    # The ifindex of each new device is asked on the netlink socket: not one socket each (an
    # if_nametoindex makes one per call, 80 here).
    echo "sockets made by the start of $((2 * N)) devices: $sockets"
    check "the start made no socket per device ($sockets for $((2 * N)) devices)" \
        test "$sockets" -le 8
else
    echo "no strace: the sends are not counted"
fi

group=$(record_group "$root" big)
# Every device as the XML says, from one `ip -d -j link` dump (linkcheck below is per device).
check "every device is as the XML says" python3 - "$mark" "$group" "$N" <<PY "$(ip -n "$ns" -d -j link show)"
import json, sys
mark, group, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
links = {l["ifname"]: l for l in json.loads(sys.argv[4])}
bad = []
def want(name, key, got, exp):
    if got != exp:
        bad.append("%s: %s is %r, not %r" % (name, key, got, exp))
for i in range(n):
    for kind, name, idx, mac, mtu, down in (
            ("tun", "kbt%d" % i, 2 * i, "fe:54:00:01:00:%02x" % i, 1400 if i % 2 == 0 else 1500, i == 7),
            ("macvtap", "kbm%d" % i, 2 * i + 1, "52:54:00:02:00:%02x" % i, 1450 if i % 2 else 1500, i == 9)):
        l = links.get(name)
        if not l:
            bad.append(name + " does not exist")
            continue
        want(name, "kind", l.get("linkinfo", {}).get("info_kind"), kind)
        want(name, "alias", l.get("ifalias"), "%sbig/%d" % (mark, idx))
        want(name, "mac", l.get("address"), mac)
        want(name, "mtu", l.get("mtu"), mtu)
        g = l.get("group", "default")
        want(name, "group", 0 if g == "default" else int(g), group)
        want(name, "up", "UP" in l["flags"], not down)
        if kind == "macvtap":
            want(name, "lower", l.get("link"), "uplink0")
            want(name, "mode", l["linkinfo"]["info_data"].get("mode"), "bridge")
print("\n".join(bad) or "all %d devices as the XML says" % (2 * n))
sys.exit(1 if bad else 0)
PY
# Two of them through every witness (ip, vnic's netlink dump, sysfs for the tap).
check_link "$ns" kbt4 kind=tun alias="${mark}big/8" mac=fe:54:00:01:00:04 mtu=1400 up=yes \
    group="$group" vnet_hdr=yes persist=yes multi_queue=no
check_link "$ns" kbm5 kind=macvtap mode=bridge lower=uplink0 alias="${mark}big/11" \
    mac=52:54:00:02:00:05 mtu=1450 up=yes group="$group"
# Their queues open and are attached to them.
check "the queue of a batched tap opens" \
    grep -q "^kbt4 vnet_hdr=yes" <(ip netns exec "$ns" "$KT_TOOL" queues "$root" big 8)
check "the queue of a batched macvtap opens" \
    grep -q "^kbm5 vnet_hdr=yes" <(ip netns exec "$ns" "$KT_TOOL" queues "$root" big 11)

# The same connection goes on (the batch left libnl's sequence numbers as it found them):
# a hot-plugged tap and macvtap, a detach, the destroy, one vnicsh reading a script.
echo "<interface type='ethernet'><target dev='kbtx'/><alias name='ua-x'/></interface>" >"$dir/x.xml"
echo "<interface type='direct'><source dev='uplink0' mode='bridge'/><target dev='kbmy'/><alias name='ua-y'/></interface>" >"$dir/y.xml"
expect_ok "$ns" "$root" destroy big
printf 'create %s\nattach-interface big %s\nattach-interface big %s\ndetach-interface big ua-x\ndomiflist big\n' \
    "$dir/big.xml" "$dir/x.xml" "$dir/y.xml" >"$dir/script"
out=$(ip netns exec "$ns" "$KT_VNICSH" -c "vnic:///embed?root=$root" <"$dir/script" 2>&1)
status=$?
kt_checks=$((kt_checks + 1))
[ "$status" -eq 0 ] || fail "batch start, attach, attach, detach on one connection exited $status: $out"
check_link "$ns" kbmy kind=macvtap alias="${mark}big/$((2 * N + 1))" up=yes
check_absent "$ns" kbtx
printf 'destroy big\n' | ip netns exec "$ns" "$KT_VNICSH" -c "vnic:///embed?root=$root" >/dev/null 2>&1
check "the domain is destroyed" test "$?" -eq 0
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"

# ---- (b) one device of a batch fails -------------------------------------------------------
must ip -n "$ns" link add taken0 type veth peer name taken0p
taken=$(link_get "$ns" taken0 ifindex)
{
    echo "<domain><name>half</name><devices>"
    for i in 0 1 2 3 4 5; do
        dev=kft$i
        [ "$i" -eq 3 ] && dev=taken0
        echo "<interface type='ethernet'><target dev='$dev'/><alias name='ua-t$i'/></interface>"
    done
    echo "</devices></domain>"
} >"$dir/half.xml"
expect_fail "$ns" "$root" "interface 4 of 6 (alias 'ua-t3', line 5): device 'taken0' already exists" \
    --debug create "$dir/half.xml"
check "the taps around the failed one were made in one batch" \
    grep -q "backend tap: batch made 5 of 6 devices" <<<"$out"
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"
check "no tap is left" test "$(count_links "$ns" tun)" = 0
check_link "$ns" taken0 ifindex="$taken" kind=veth alias= group=0

# A macvtap whose MAC a foreign macvlan takes after the start checked it (the start paused
# right after its intent, with fault injection): its creation works, bringing it up does not.
{
    echo "<domain><name>clash</name><devices>"
    for i in 0 1 2 3 4 5; do
        echo "<interface type='direct'><source dev='uplink0' mode='bridge'/><target dev='kfm$i'/><mac address='52:54:00:03:00:0$i'/><alias name='ua-m$i'/></interface>"
    done
    echo "</devices></domain>"
} >"$dir/clash.xml"
(VNIC_FAULT_PAUSE_AT="start: intent written" VNIC_FAULT_PAUSE_MS=3000 \
    vsh "$ns" "$root" --debug create "$dir/clash.xml" >"$dir/clash.out" 2>&1
echo $? >"$dir/clash.status") &
clash_pid=$!
# Once the intent is on disk (the pause has begun), the foreign macvlan takes kfm2's MAC.
for _ in $(seq 1 100); do
    [ -e "$root/run/domains/clash.xml" ] && break
    sleep 0.02
done
paused=no
[ -e "$root/run/domains/clash.xml" ] && paused=yes
must ip -n "$ns" link add clash0 link uplink0 address 52:54:00:03:00:02 type macvlan mode bridge
must ip -n "$ns" link set clash0 up
wait "$clash_pid"
out=$(cat "$dir/clash.out")
status=$(cat "$dir/clash.status")
if [ "${VNIC_TEST_FAULT_INJECTION:-0}" = 1 ]; then
    check "the start paused with its intent on disk" test "$paused" = yes
    kt_checks=$((kt_checks + 1))
    [ "$status" -eq 1 ] || fail "the start with a MAC clash exited $status: $out"
    check "the clash is reported as one by one reports it: $out" grep -qF \
        "vnicsh: error: interface 3 of 6 (alias 'ua-m2', line 4): cannot bring 'kfm2' up: MAC 52:54:00:03:00:02 is already used by 'clash0' on lower device 'uplink0'" <<<"$out"
    check "the macvtaps were made in one batch, the clashing one again alone" \
        grep -q "backend macvtap: batch made 5 of 6 devices" <<<"$out"
    assert_no_vnic_devices "$ns"
    assert_no_records "$ns" "$root"
    check "no macvtap is left on uplink0" test "$(count_links "$ns" macvtap uplink0)" = 0
    check_link "$ns" clash0 kind=macvlan mac=52:54:00:03:00:02 up=yes alias= group=0
else
    echo "built without -Dfault_injection (no pause at the intent): the MAC clash is not checked"
    vsh "$ns" "$root" destroy clash >/dev/null 2>&1
fi
must ip -n "$ns" link del clash0

# ---- (c) template names taken among a batch -----------------------------------------------
# A fresh store counts from 0: bt2, bt5 and bm7 are taken; the batches make the others.
root2=$dir/state2
must ip -n "$ns" link add bt2 type veth peer name bt2p
must ip -n "$ns" link add bt5 type veth peer name bt5p
{
    echo "<domain><name>tmpl</name><devices>"
    for i in 0 1 2 3 4 5; do
        echo "<interface type='ethernet'><target dev='bt%d'/></interface>"
    done
    for i in 0 1 2 3; do
        echo "<interface type='direct'><source dev='uplink0' mode='bridge'/><target dev='bm%d'/></interface>"
    done
    echo "</devices></domain>"
} >"$dir/tmpl.xml"
must ip -n "$ns" link add bm7 type veth peer name bm7p
expect_ok "$ns" "$root2" --debug create "$dir/tmpl.xml"
check "the taps were made in a batch, two names left over" \
    grep -q "backend tap: batch made 4 of 6 devices" <<<"$out"
names=$(vsh "$ns" "$root2" domiflist --json tmpl | python3 -c '
import json, sys
print(" ".join(i["device"] for i in json.load(sys.stdin)))')
# The start reserves 0-5 for the taps and 6-9 for the macvtaps; the taken bt2, bt5 and bm7
# then take 10, 11 and 12, in the order of the interfaces, as one by one.
echo "names: $names"
check "template names skip the taken ones as one by one ($names)" \
    test "$names" = "bt0 bt1 bt10 bt3 bt4 bt11 bm6 bm12 bm8 bm9"
expect_ok "$ns" "$root2" destroy tmpl
check_link "$ns" bt2 kind=veth alias=
check_link "$ns" bm7 kind=veth alias=

# ---- (d) killed in the middle of a batch ---------------------------------------------------
{
    echo "<domain><name>crash</name><devices>"
    for i in 0 1 2 3 4 5; do
        echo "<interface type='ethernet'/><interface type='direct'><source dev='uplink0' mode='bridge'/></interface>"
    done
    echo "</devices></domain>"
} >"$dir/crash.xml"
VNIC_FAULT_TRACE=1 vrun "$ns" "$root" create "$dir/crash.xml"
if [ "${VNIC_TEST_FAULT_INJECTION:-0}" = 1 ]; then
    steps=$(grep '^vnic-fault-step ' <<<"$out")
    expect_ok "$ns" "$root" destroy crash
    # The third tap of the batch made (not yet persistent), and the macvtaps created, not
    # yet marked.
    tap_step=$(grep 'tap: made, not yet persistent' <<<"$steps" | sed -n 3p | cut -d' ' -f2)
    mv_step=$(grep 'macvtap: created, not yet marked' <<<"$steps" | head -n1 | cut -d' ' -f2)
    check "the trace shows the batches' steps ($tap_step, $mv_step)" test -n "$tap_step" -a -n "$mv_step"
    for at in $tap_step $mv_step; do
        VNIC_FAULT_KILL_AT=$at vrun "$ns" "$root" create "$dir/crash.xml"
        check "the start killed at step $at died ($status)" test "$status" -eq 137
        expect_ok "$ns" "$root" reconcile
        assert_no_vnic_devices "$ns"
        check "no tap is left after reconcile (killed at step $at)" test "$(count_links "$ns" tun)" = 0
        check "no macvtap is left after reconcile (killed at step $at)" \
            test "$(count_links "$ns" macvtap uplink0)" = 0
        assert_no_records "$ns" "$root"
    done
else
    echo "built without -Dfault_injection: no kill in the middle of a batch"
    expect_ok "$ns" "$root" destroy crash
fi
kt_finish
