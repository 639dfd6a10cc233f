#!/bin/sh
# Golden test: `vnicsh format IN` must print exactly OUT, and formatting OUT again must give
# the same bytes. Files whose name ends in -skip.xml are formatted with --skip-unsupported.
# VNIC_TEST_REGENERATE=1 rewrites OUT from the current output instead of comparing.
set -u
vnicsh=$1 in=$2 out=$3

opts=
case $in in *-skip.xml) opts=--skip-unsupported ;; esac

tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp" "$tmp.2"' EXIT

if ! "$vnicsh" format $opts "$in" >"$tmp"; then
    echo "FAIL: vnicsh format $opts $in exited with status $?" >&2
    exit 1
fi
if [ "${VNIC_TEST_REGENERATE:-0}" = 1 ]; then
    cp "$tmp" "$out"
    echo "regenerated $out"
fi
if ! diff -u "$out" "$tmp"; then
    echo "FAIL: output of $in differs from $out" >&2
    exit 1
fi
if ! "$vnicsh" format $opts "$out" >"$tmp.2" || ! cmp -s "$out" "$tmp.2"; then
    diff -u "$out" "$tmp.2"
    echo "FAIL: formatting $out again does not give the same bytes" >&2
    exit 1
fi
exit 0
