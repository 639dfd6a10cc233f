#!/bin/sh
# Golden test of the libvirt rewrite: `test-libvirt-xml IN` must print exactly EXPECTED, and
# what it prints must be valid for libvirt (virt-xml-validate, libvirt's own schema; a
# standalone <interface> is checked inside a minimal domain). VNIC_TEST_REGENERATE=1 rewrites
# EXPECTED from the current output instead of comparing (check it by eye before keeping it).
set -u
prog=$1 in=$2 expected=$3

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

if ! "$prog" "$in" >"$tmp/out.xml"; then
    echo "FAIL: test-libvirt-xml $in exited with status $?" >&2
    exit 1
fi
if [ "${VNIC_TEST_REGENERATE:-0}" = 1 ]; then
    cp "$tmp/out.xml" "$expected"
    echo "regenerated $expected"
fi
if ! diff -u "$expected" "$tmp/out.xml"; then
    echo "FAIL: the libvirt rewrite of $in differs from $expected" >&2
    exit 1
fi
if ! command -v virt-xml-validate >/dev/null; then
    echo "virt-xml-validate not installed (libvirt-clients): not validated against libvirt's schema"
    exit 0
fi
if grep -q '^<interface' "$tmp/out.xml"; then
    { printf "<domain type='qemu'><name>w</name><memory>65536</memory><os><type>hvm</type></os><devices>\n"
      cat "$tmp/out.xml"
      printf "</devices></domain>\n"; } >"$tmp/check.xml"
else
    cp "$tmp/out.xml" "$tmp/check.xml"
fi
if ! virt-xml-validate "$tmp/check.xml" domain >"$tmp/v.log" 2>&1; then
    cat "$tmp/v.log" >&2
    echo "FAIL: the libvirt rewrite of $in is not valid for libvirt's domain schema" >&2
    exit 1
fi
exit 0
