#!/bin/bash
# An outside backend module plugs in: with its directory first in VNIC_BACKEND_DIR it serves
# <interface type='ethernet'> (it makes a bridge device, which no vnic backend does); a module
# of another ABI version and a missing module are clear errors. Runs in a namespace of its own.
set -u
vnicsh=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
plugin=$2 badabi=$3 builtin_dir=$4

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

ns=vnic-t-plugin-$$-$RANDOM
tmp=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
ip netns add "$ns" || exit 1

mkdir "$tmp/good" "$tmp/bad" "$tmp/empty"
cp "$plugin" "$tmp/good/"
cp "$badabi" "$tmp/bad/"
cat >"$tmp/dom.xml" <<'XML'
<domain>
  <name>plug</name>
  <devices>
    <interface type='ethernet'><target dev='bp%d'/><alias name='ua-p0'/></interface>
  </devices>
</domain>
XML
vsh() { ip netns exec "$ns" "$vnicsh" -c "vnic:///embed?root=$tmp/root" "$@"; }

VNIC_BACKEND_DIR=$tmp/good:$builtin_dir vsh create "$tmp/dom.xml" || fail "create with the plugin"
kind=$(ip -n "$ns" -d -j link show bp0 | python3 -c 'import json,sys; l=json.load(sys.stdin)[0]; print(l["linkinfo"]["info_kind"], l.get("ifalias",""))')
[[ "$kind" =~ ^bridge\ vnic@[0-9a-f]{8}:plug/0$ ]] || fail "the plugin did not make bp0 as a marked bridge: '$kind'"
VNIC_BACKEND_DIR=$tmp/good:$builtin_dir vsh domiflist --json plug | grep -q '"backend": "bridgeport"' ||
    fail "domiflist does not name the plugin backend"
VNIC_BACKEND_DIR=$tmp/good:$builtin_dir vsh destroy plug || fail "destroy with the plugin"
ip -n "$ns" link show bp0 >/dev/null 2>&1 && fail "bp0 still exists after destroy"

# A module built for another ABI version is refused by name.
out=$(VNIC_BACKEND_DIR=$tmp/bad vsh list 2>&1); status=$?
[ $status -eq 1 ] || fail "bad ABI: exit $status"
echo "$out" | grep -q "was built for backend ABI version 999, but this vnic needs version" ||
    fail "bad ABI message: $out"

# No module for the type: a clear error, and nothing made.
out=$(VNIC_BACKEND_DIR=$tmp/empty vsh create "$tmp/dom.xml" 2>&1); status=$?
[ $status -eq 1 ] || fail "missing module: exit $status"
echo "$out" | grep -q "interface 1 of 1 (alias 'ua-p0', line 4): no backend module for interface type 'ethernet'" ||
    fail "missing module message: $out"
[ -z "$(ls "$tmp/root/run/domains")" ] || fail "a record was left after the failed create"

[ $failures -eq 0 ] || exit 1
echo "plugin: all checks passed"
