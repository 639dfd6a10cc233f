#!/bin/bash
# Opening a macvtap's queues right after vnic made it: the record names the device, and /sys
# showing it with the interface's mark, ifindex and MAC proves it is this namespace's, so no
# netlink request is made (it would make the kernel settle the new device's link events
# first). A device that no longer looks as recorded (its MAC changed by hand) is asked of the
# kernel instead, and its queues still open. The fds are checked with TUNGETIFF (kt-tool).
source "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null; then
    echo "$KT_NAME: needs strace" >&2
    exit 77
fi

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_tmpdir dir
root=$dir/state
cat >"$dir/known.xml" <<'XML'
<domain>
  <name>known</name>
  <devices>
    <interface type='direct'>
      <mac address='52:54:00:f1:00:01'/>
      <source dev='uplink0' mode='bridge'/>
      <target dev='mvk0'/>
    </interface>
    <interface type='direct'>
      <mac address='52:54:00:f1:00:02'/>
      <source dev='uplink0' mode='bridge'/>
      <target dev='mvk1'/>
      <model type='virtio'/>
      <driver queues='2'/>
    </interface>
  </devices>
</domain>
XML
expect_ok "$ns" "$root" create "$dir/known.xml"

# queues INDEX: open them under strace; $out has kt-tool's lines, $getlinks the number of
# RTM_GETLINK requests made.
queues() {
    # LeakSanitizer cannot run under ptrace (the ASan build of the suite).
    out=$(ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 ip netns exec "$ns" \
        strace -f -qq -e trace=sendmsg,sendto -o "$dir/trace" \
        "$KT_TOOL" queues "$root" known "$1" 2>&1)
    status=$?
    getlinks=$(grep -c RTM_GETLINK "$dir/trace")
}

queues 1
check "the two queues of mvk1 open: $out" test "$status" -eq 0
check "both fds are mvk1's with a virtio-net header: $out" \
    test "$(grep -c '^mvk1 vnet_hdr=yes' <<<"$out")" -eq 2
check "no RTM_GETLINK to open the queues of a device as recorded ($getlinks)" test "$getlinks" -eq 0

queues 0
check "the queue of mvk0 opens: $out" test "$status" -eq 0 -a "$(grep -c '^mvk0 ' <<<"$out")" -eq 1
check "no RTM_GETLINK for mvk0 either ($getlinks)" test "$getlinks" -eq 0

# Changed behind vnic's back: the MAC no longer is the recorded one. The kernel is asked.
must ip -n "$ns" link set dev mvk0 address 52:54:00:f1:00:09
queues 0
check "mvk0's queue still opens after its MAC changed: $out" \
    test "$status" -eq 0 -a "$(grep -c '^mvk0 ' <<<"$out")" -eq 1
check "the kernel was asked about the changed device ($getlinks RTM_GETLINK)" test "$getlinks" -ge 1

expect_ok "$ns" "$root" destroy known
assert_no_vnic_devices "$ns"
assert_no_records "$ns" "$root"
kt_finish
