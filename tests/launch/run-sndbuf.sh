#!/bin/bash
# <tune><sndbuf>: every queue fd a launcher gets has the send buffer set, the kernel as
# witness (TUNGETSNDBUF on the fds the launcher inherited, which taps answer); 0 (no limit)
# and values above INT_MAX are INT_MAX, as QEMU reads its sndbuf=. Macvtaps take
# TUNSETSNDBUF but do not answer TUNGETSNDBUF: with the embedded driver, strace shows the
# kernel accepting the ioctl on every queue, the macvtap's included.
source "$(dirname "$0")/common.sh"
sndprobe=$(dirname "$fdprobe")/sndprobe

cat >"$tmp/s.xml" <<'XML'
<domain type='kvm'>
  <name>snd</name>
  <devices>
    <interface type='ethernet'>
      <model type='virtio'/>
      <driver queues='2'/>
      <tune><sndbuf>65536</sndbuf></tune>
    </interface>
    <interface type='direct'>
      <source dev='uplink0' mode='bridge'/>
      <model type='virtio'/>
      <driver queues='2'/>
      <tune><sndbuf>32768</sndbuf></tune>
    </interface>
    <interface type='ethernet'>
      <model type='e1000'/>
      <tune><sndbuf>99999999999</sndbuf></tune>
    </interface>
    <interface type='ethernet'>
      <model type='virtio'/>
      <tune><sndbuf>4096</sndbuf></tune>
    </interface>
  </devices>
</domain>
XML

vsh run --env "$tmp/s.xml" -- "$sndprobe" >"$tmp/probe" 2>"$tmp/err" || fail "run: $(cat "$tmp/err")"
# fds 3,4: the tap's queues; 5,6: the macvtap's; 7: e1000 (INT_MAX); 8: 4096.
[ "$(tr '\n' ' ' <"$tmp/probe")" = "3 65536 4 65536 5 - 6 - 7 2147483647 8 4096 " ] ||
    fail "the send buffers the kernel reports: $(tr '\n' ' ' <"$tmp/probe")"
expect_all_gone "after run"

if [ "${VNIC_TEST_REMOTE:-0}" != 1 ] && command -v strace >/dev/null; then
    # (LeakSanitizer cannot run under ptrace: a sanitizer build checks leaks elsewhere.)
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 ip netns exec "$ns" strace -f -qq -e trace=ioctl -e signal=none -o "$tmp/strace" \
        "$vnicsh" -c "$uri" run --env "$tmp/s.xml" -- true 2>"$tmp/err" ||
        fail "run under strace: $(cat "$tmp/err")"
    # strace does not decode the value: each of the 6 queues (the 2 macvtap queues among them)
    # once, each accepted.
    n=$(grep -c 'ioctl([0-9]*, TUNSETSNDBUF, .*) = 0$' "$tmp/strace")
    all=$(grep -c 'TUNSETSNDBUF' "$tmp/strace")
    [ "$n" = 6 ] && [ "$all" = 6 ] ||
        fail "TUNSETSNDBUF accepted $n times of $all (6 queues): $(grep SNDBUF "$tmp/strace")"
    expect_all_gone "after run under strace"
fi
finish
