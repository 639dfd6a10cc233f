#!/bin/bash
# Backend modules are code run as the caller (often root): they are loaded only from
# directories and files that belong to root or the running user and that nobody else can
# write, with every directory on the way safe too (sticky ones like /tmp allowed). Anything
# else is a clear error, and the module's code never runs (its constructor leaves a marker).
set -u
vnicsh=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
marker_so=$2

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
export VNIC_TEST_MARKER=$tmp/loaded

# NAME DIR EXPECTED-MESSAGE: `vnicsh list` with DIR as the backend directory fails, says so,
# and loaded nothing.
refused() {
    rm -f "$VNIC_TEST_MARKER"
    out=$(VNIC_BACKEND_DIR=$2 "$vnicsh" -c "vnic:///embed?root=$tmp/root" list 2>&1); status=$?
    [ $status -eq 1 ] || fail "$1: exit $status: $out"
    grep -q "^vnicsh: error: " <<<"$out" && grep -qF -- "$3" <<<"$out" || fail "$1: the error does not say: $3
  it says: $out"
    [ ! -e "$VNIC_TEST_MARKER" ] || fail "$1: the module was loaded"
}
setup() { # DIR [MODE]: a directory holding the marker module
    mkdir -p "$1"
    chmod "${2:-755}" "$1"
    install -m 755 "$marker_so" "$1/marker.so"
}

setup "$tmp/ww" 777
refused "world-writable directory" "$tmp/ww" \
    "backend directory '$tmp/ww' is refused: '$tmp/ww' is writable by group or others"
setup "$tmp/gw" 775
refused "group-writable directory" "$tmp/gw" \
    "backend directory '$tmp/gw' is refused: '$tmp/gw' is writable by group or others"
setup "$tmp/sticky" 1777
refused "sticky world-writable directory" "$tmp/sticky" \
    "backend directory '$tmp/sticky' is refused: '$tmp/sticky' is writable by group or others"
setup "$tmp/other"
chown 65534 "$tmp/other"
refused "directory of another user" "$tmp/other" \
    "backend directory '$tmp/other' is refused: '$tmp/other' belongs to uid 65534"
mkdir -p "$tmp/open/deep"
chmod 777 "$tmp/open"
setup "$tmp/open/deep/mods"
refused "world-writable directory on the way" "$tmp/open/deep/mods" \
    "backend directory '$tmp/open/deep/mods' is refused: '$tmp/open' is writable by group or others"
# Through a symbolic link: the resolved path is what is checked.
ln -s "$tmp/ww" "$tmp/link"
refused "link to a world-writable directory" "$tmp/link" \
    "backend directory '$tmp/ww' is refused: '$tmp/ww' is writable by group or others"

setup "$tmp/fw"
chmod 666 "$tmp/fw/marker.so"
refused "world-writable module" "$tmp/fw" \
    "backend module '$tmp/fw/marker.so' is refused: it is writable by group or others"
setup "$tmp/fo"
chown 65534 "$tmp/fo/marker.so"
refused "module of another user" "$tmp/fo" \
    "backend module '$tmp/fo/marker.so' is refused: it belongs to uid 65534"
mkdir -p "$tmp/fl"
ln -s "$tmp/fw/marker.so" "$tmp/fl/marker.so"
refused "symbolic link as module" "$tmp/fl" "cannot open backend module '$tmp/fl/marker.so'"

# The control: the same module in a safe directory (under the sticky /tmp) is loaded, and is
# an error only afterwards, for having no ops table.
setup "$tmp/safe"
rm -f "$VNIC_TEST_MARKER"
out=$(VNIC_BACKEND_DIR=$tmp/safe "$vnicsh" -c "vnic:///embed?root=$tmp/root" list 2>&1)
[ -e "$VNIC_TEST_MARKER" ] || fail "the module in a safe directory was not loaded: $out"
grep -qF "backend module '$tmp/safe/marker.so' has no" <<<"$out" || fail "safe directory: $out"

[ $failures -eq 0 ] || exit 1
echo "untrusted: all checks passed"
