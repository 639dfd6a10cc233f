#!/bin/bash
# vnic's dump of every link (vnic_nl_link_dump: its own request without statistics, parsed
# without libnl's link objects) against ip -d -j link: the same links, and for each every
# field vnic reads (ifindex, name, kind, alias, MAC, MTU, flags, group, lower device, macvlan
# mode, transmit queues). Links of every kind vnic meets: veths, a bridge and a port of it, a
# macvtap and a macvlan with an alias and a group, taps (one multi-queue), a veth with more
# transmit than receive queues, one whose peer is in another namespace; then enough links
# (over 400) that the dump spans many messages.
source "$(dirname "$0")/lib.sh"

kt_netns ns
kt_netns other
kt_veth "$ns" uplink0 peer0
must ip -n "$ns" link add br0 type bridge
must ip -n "$ns" link set peer0 master br0
must ip -n "$ns" link set br0 up mtu 1400
must ip -n "$ns" link add link uplink0 name mvt0 type macvtap mode bridge
must ip -n "$ns" link set mvt0 alias 'vnic@0:dump/0' group 1986920001 address 52:54:00:d0:00:01 up
must ip -n "$ns" link add link uplink0 name mvl0 type macvlan mode private
must ip -n "$ns" link set mvl0 alias 'a "quoted" alias é' group 7 mtu 1300
must ip -n "$ns" link add link uplink0 name mvt1 type macvtap mode vepa
must ip -n "$ns" tuntap add dev tap0 mode tap
must ip -n "$ns" link set tap0 group 1986920001 alias 'vnic@0:dump/1' up
must ip -n "$ns" tuntap add dev tapmq mode tap multi_queue
must ip -n "$ns" link add xns0 type veth peer name xns0p netns "$other"
must ip -n "$ns" link add vq0 numtxqueues 3 numrxqueues 2 type veth peer name vq0p

check "macvtap as set" linkcheck "$ns" check mvt0 kind=macvtap mode=bridge lower=uplink0 \
    alias='vnic@0:dump/0' group=1986920001 mac=52:54:00:d0:00:01 up=yes
check "macvlan as set" linkcheck "$ns" check mvl0 kind=macvlan mode=private mtu=1300 group=7
check "tap as set" linkcheck "$ns" check tap0 kind=tun alias='vnic@0:dump/1' group=1986920001
check "every link, every field" linkcheck "$ns" same

# Over 400 links: the answer comes in many messages, each parsed.
kt_tmpdir dir
for i in $(seq 1 220); do echo "link add v$i group $i type veth peer name v${i}p"; done >"$dir/batch"
must ip -n "$ns" -batch "$dir/batch"
check "every link, every field, $(ip -n "$ns" -o link show | wc -l) links" linkcheck "$ns" same
check "the 440 veths are all there" test "$(ip netns exec "$ns" "$KT_TOOL" links |
    grep -c '"name": "v[0-9]*p\{0,1\}"')" -eq 440

kt_finish
