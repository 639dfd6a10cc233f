#!/bin/sh
# Invalid input: `vnicsh validate NAME.xml` must exit 1 and print exactly NAME.err on stderr
# (run from the file's directory so messages name the file as NAME.xml), and print nothing on
# stdout. VNIC_TEST_REGENERATE=1 rewrites NAME.err instead of comparing.
set -u
vnicsh=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
in=$2
dir=$(dirname "$in") base=$(basename "$in" .xml)
expected="$dir/$base.err"

tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp" "$tmp.out"' EXIT

cd "$dir" || exit 1
LC_ALL=C LANGUAGE= "$vnicsh" validate "$base.xml" >"$tmp.out" 2>"$tmp"
status=$?
if [ "${VNIC_TEST_REGENERATE:-0}" = 1 ]; then
    cp "$tmp" "$expected"
    echo "regenerated $expected"
fi
if [ "$status" -ne 1 ]; then
    echo "FAIL: expected exit status 1, got $status" >&2
    cat "$tmp" >&2
    exit 1
fi
if [ -s "$tmp.out" ]; then
    echo "FAIL: validate printed on stdout:" >&2
    cat "$tmp.out" >&2
    exit 1
fi
if [ ! -s "$tmp" ]; then
    echo "FAIL: no error message" >&2
    exit 1
fi
if ! diff -u "$base.err" "$tmp"; then
    echo "FAIL: messages differ from $base.err" >&2
    exit 1
fi
exit 0
