#!/bin/bash
# The ABI of libvnic.so: it exports exactly the functions declared in the installed headers
# (every header under include/vnic/, so a new public header is covered as soon as it exists),
# each with a version node, and its SONAME is libvnic.so.1.
# Usage: symbols.sh LIBVNIC_SO HEADER_DIR
set -u
lib=$1
hdrdir=$2
here=$(dirname "$0")
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
[ "$soname" = libvnic.so.1 ] || fail "SONAME is '$soname', not libvnic.so.1"

python3 "$here/header-symbols.py" "$hdrdir"/*.h >"$tmp/declared" || fail "cannot parse the headers"
[ -s "$tmp/declared" ] || fail "no function found in $hdrdir/*.h"

# Functions (T) and weak symbols (W) the library defines, as NAME@@VERSION.
nm -D --defined-only "$lib" | awk '$2 ~ /^[TtWw]$/ { print $3 }' >"$tmp/exported-versioned" ||
    fail "nm failed"
sed 's/@.*//' "$tmp/exported-versioned" | sort -u >"$tmp/exported"
grep -v '@@\?VNIC_' "$tmp/exported-versioned" >"$tmp/unversioned"
[ -s "$tmp/unversioned" ] && fail "exported without a VNIC_* version node: $(tr '\n' ' ' <"$tmp/unversioned")"
# Data symbols would be ABI too (their size is part of it): there are none.
nm -D --defined-only "$lib" | awk '$2 ~ /^[BDGRSV]$/ && $3 !~ /^VNIC_/ { print $3 }' >"$tmp/data"
[ -s "$tmp/data" ] && fail "exported data symbols: $(tr '\n' ' ' <"$tmp/data")"

extra=$(comm -23 "$tmp/exported" "$tmp/declared")
missing=$(comm -13 "$tmp/exported" "$tmp/declared")
[ -z "$extra" ] || fail "exported but in no public header ($(echo "$extra" | wc -l)): $(echo $extra)"
[ -z "$missing" ] || fail "declared in a public header but not exported: $(echo $missing)"

[ $failures -eq 0 ] || exit 1
echo "symbols: $(wc -l <"$tmp/exported") functions exported, all declared in $hdrdir; SONAME $soname"
