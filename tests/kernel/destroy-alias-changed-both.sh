#!/bin/bash
# Two devices of one domain whose alias was changed by hand (a tap and a macvtap): destroy
# leaves both and its error names both, with the reason — the operator learns of every device
# left behind, not just of the first one.
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_veth "$ns" uplink0 peer0
kt_tmpdir dir
root=$dir/state
cat >"$dir/al.xml" <<'XML'
<domain>
  <name>al</name>
  <devices>
    <interface type='ethernet'><target dev='altap0'/></interface>
    <interface type='direct'><source dev='uplink0' mode='bridge'/><target dev='almvt0'/></interface>
    <interface type='ethernet'><target dev='alrest0'/></interface>
  </devices>
</domain>
XML
expect_ok "$ns" "$root" create "$dir/al.xml"
must ip -n "$ns" link set altap0 alias "mine now"
must ip -n "$ns" link set almvt0 alias "mine too"
vrun "$ns" "$root" destroy al
echo "destroy al: $out"
check "destroy exits 1: $status" test "$status" -eq 1
check "the error names altap0 and why" grep -qE "device 'altap0' .*alias is 'mine now'" <<<"$out"
check "the error names almvt0 and why" grep -qE "device 'almvt0' .*alias is 'mine too'" <<<"$out"
check_link "$ns" altap0 exists=yes alias="mine now"
check_link "$ns" almvt0 exists=yes alias="mine too"
check_absent "$ns" alrest0
kt_finish
