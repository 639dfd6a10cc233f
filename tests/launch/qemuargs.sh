#!/bin/sh
# Golden test of QEMU command lines, like libvirt's xml2argv: `vnicsh qemu-args IN` (file mode:
# fds numbered from 3, one per queue) must print exactly EXPECTED. Files whose name ends in
# -skip.xml are read with --skip-unsupported, and those ending in -vhostfds.xml with --vhost
# (as where vhost-net opens: each virtio interface's vhost fds after its queue fds). VNIC_TEST_REGENERATE=1 rewrites EXPECTED from the
# current output instead of comparing (check every rewritten file by eye before keeping it).
set -u
vnicsh=$1 in=$2 expected=$3

opts=
case $in in
*-skip.xml) opts=--skip-unsupported ;;
*-vhostfds.xml) opts=--vhost ;;
esac

tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT

if ! "$vnicsh" qemu-args $opts "$in" >"$tmp"; then
    echo "FAIL: vnicsh qemu-args $opts $in exited with status $?" >&2
    exit 1
fi
if [ "${VNIC_TEST_REGENERATE:-0}" = 1 ]; then
    cp "$tmp" "$expected"
    echo "regenerated $expected"
fi
if ! diff -u "$expected" "$tmp"; then
    echo "FAIL: QEMU options of $in differ from $expected" >&2
    exit 1
fi
exit 0
