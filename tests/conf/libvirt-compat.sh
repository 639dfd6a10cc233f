#!/bin/sh
# A document in libvirt's own vocabulary, once formatted by vnic, must validate against
# libvirt's domain schema. Its interfaces are wrapped in a minimal <domain>. Files that use
# vnic's additions (vnic: elements, the 'tap' synonym, a %d template) or other namespaces
# inside interfaces are skipped (77).
set -u
vnicsh=$1 file=$2
libvirt_rng=${LIBVIRT_DOMAIN_RNG:-/usr/share/libvirt/schemas/domain.rng}

if [ ! -r "$libvirt_rng" ]; then
    echo "SKIP: $libvirt_rng is missing (install libvirt0)"
    exit 77
fi

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

opts=
case $file in *-skip.xml) opts=--skip-unsupported ;; esac
"$vnicsh" format $opts "$file" >"$tmp/formatted.xml" || exit 1

if grep -q -e 'http://vnic.dev/xmlns' -e "type=\"tap\"" -e '%d' "$tmp/formatted.xml"; then
    echo "SKIP: uses vnic's own vocabulary"
    exit 77
fi

count=$(xmllint --xpath 'count(/interface | /domain/devices/interface)' "$tmp/formatted.xml")
if [ "$count" = 0 ]; then
    echo "SKIP: no interfaces"
    exit 77
fi

# Attributes and elements of other namespaces on guest-only elements are kept, as libvirt
# keeps what it does not know, but libvirt's schema has no room for them.
if xmllint --xpath '/interface | /domain/devices/interface' "$tmp/formatted.xml" |
    grep -q 'xmlns:'; then
    echo "SKIP: interfaces carry content of other namespaces"
    exit 77
fi

{
    echo "<domain type='kvm'>"
    echo "  <name>compat</name>"
    echo "  <memory>131072</memory>"
    echo "  <os><type>hvm</type></os>"
    echo "  <devices>"
    xmllint --xpath '/interface | /domain/devices/interface' "$tmp/formatted.xml"
    echo
    echo "  </devices>"
    echo "</domain>"
} >"$tmp/wrapped.xml" || exit 1

if ! xmllint --noout --relaxng "$libvirt_rng" "$tmp/wrapped.xml"; then
    cat "$tmp/wrapped.xml" >&2
    exit 1
fi
exit 0
