#!/bin/bash
# An outside backend module plugs in. The build is installed into a temporary root and the
# module (bridgeport.c) is compiled there the way a third party would: with the installed
# <vnic/backend.h> and `pkg-config vnic-backend`, nothing of vnic's tree. With its directory
# first in VNIC_BACKEND_DIR it serves <interface type='ethernet'> (it makes a bridge device,
# which no vnic backend does); a module of another ABI version and a missing module are clear
# errors. Runs in a network namespace of its own.
set -u
vnicsh=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2 build=$3 builtin_dir=$4

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

ns=vnic-t-plugin-$$-$RANDOM
tmp=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

# ---- the SDK as installed ----------------------------------------------------------------
meson install -C "$build" --destdir "$tmp/inst" --no-rebuild --quiet >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; echo "FAIL: meson install" >&2; exit 1; }
pc=$(find "$tmp/inst" -name vnic-backend.pc -print -quit)
[ -n "$pc" ] || { echo "FAIL: vnic-backend.pc is not installed" >&2; exit 1; }
# The installed .pc files name the configured prefix; relocate them into the temporary root
# (pkg-config's --define-prefix and sysroot would move the system's libnl along with it).
prefix=$(sed -n 's/^prefix=//p' "$pc")
mkdir "$tmp/pc"
for f in "$(dirname "$pc")"/vnic*.pc; do
    sed "s|^prefix=.*|prefix=$tmp/inst$prefix|" "$f" >"$tmp/pc/$(basename "$f")"
done
pkgc() { PKG_CONFIG_PATH=$tmp/pc pkg-config "$@"; }
pkgc --print-requires vnic-backend | grep -q '^libnl-route-3.0' ||
    fail "vnic-backend does not require libnl-route-3.0: $(pkgc --print-requires vnic-backend)"
backenddir=$(pkgc --variable=backenddir vnic-backend)
[ -f "$backenddir/tap.so" ] && [ -f "$backenddir/macvtap.so" ] ||
    fail "backenddir '$backenddir' does not hold the installed backends"
hdr_abi=$(sed -n 's/^#define VNIC_BACKEND_ABI_VERSION \([0-9]*\)$/\1/p' \
    "$(pkgc --variable=includedir vnic-backend)/vnic/backend.h")
[ -n "$hdr_abi" ] && [ "$(pkgc --variable=backend_abi_version vnic-backend)" = "$hdr_abi" ] ||
    fail "backend_abi_version of vnic-backend.pc differs from the installed header's ($hdr_abi)"

mkdir "$tmp/good" "$tmp/bad" "$tmp/empty"
# Only the installed headers are on the include path: the module cannot reach vnic's
# internals. --no-undefined: every symbol it uses comes from libvnic or libnl.
cflags=$(pkgc --cflags vnic-backend) libs=$(pkgc --libs vnic-backend)
# shellcheck disable=SC2086
${CC:-cc} -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -shared -fPIC \
    -Wl,--no-undefined -o "$tmp/good/bridgeport.so" "$src" $cflags $libs ||
    { echo "FAIL: the outside module does not build against the installed SDK" >&2; exit 1; }
# shellcheck disable=SC2086
${CC:-cc} -std=gnu11 -shared -fPIC -DTEST_ABI_VERSION=999 -o "$tmp/bad/bridgeport-badabi.so" \
    "$src" $cflags $libs || { echo "FAIL: building the bad-ABI module" >&2; exit 1; }
# A module of ABI version 2 (before create_batch) still loads; its table is shorter, and
# where create_batch would be lies a trap that aborts if vnic reads it.
mkdir "$tmp/abi2"
# shellcheck disable=SC2086
${CC:-cc} -std=gnu11 -shared -fPIC -DTEST_ABI_VERSION=2 -DTEST_ABI2_TRAP \
    -o "$tmp/abi2/bridgeport.so" "$src" $cflags $libs ||
    { echo "FAIL: building the ABI 2 module" >&2; exit 1; }

# ---- the module at work --------------------------------------------------------------------
ip netns add "$ns" || exit 1
cat >"$tmp/dom.xml" <<'XML'
<domain>
  <name>plug</name>
  <devices>
    <interface type='ethernet'><target dev='bp%d'/><mtu size='1400'/><alias name='ua-p0'/></interface>
  </devices>
</domain>
XML
vsh() { ip netns exec "$ns" "$vnicsh" -c "vnic:///embed?root=$tmp/root" "$@"; }
good=$tmp/good:$builtin_dir

VNIC_BACKEND_DIR=$good vsh create "$tmp/dom.xml" || fail "create with the plugin"
kind=$(ip -n "$ns" -d -j link show bp0 | python3 -c 'import json,sys; l=json.load(sys.stdin)[0]; print(l["linkinfo"]["info_kind"], l.get("ifalias",""), l["mtu"], "UP" in l["flags"])')
[[ "$kind" =~ ^bridge\ vnic@[0-9a-f]{8}:plug/0\ 1400\ True$ ]] ||
    fail "the plugin did not make bp0 as a marked bridge, up, with the XML's MTU: '$kind'"
VNIC_BACKEND_DIR=$good vsh domiflist --json plug | grep -q '"backend": "bridgeport"' ||
    fail "domiflist does not name the plugin backend"
VNIC_BACKEND_DIR=$good vsh destroy plug || fail "destroy with the plugin"
ip -n "$ns" link show bp0 >/dev/null 2>&1 && fail "bp0 still exists after destroy"

# The ABI 2 module serves a domain of two of its interfaces (a batch, were it ABI 3): made
# one by one through create, never through what follows its table.
cat >"$tmp/dom-abi2.xml" <<'XML'
<domain>
  <name>plugv2</name>
  <devices>
    <interface type='ethernet'><target dev='bq0'/></interface>
    <interface type='ethernet'><target dev='bq1'/></interface>
  </devices>
</domain>
XML
abi2=$tmp/abi2:$builtin_dir
out=$(VNIC_BACKEND_DIR=$abi2 vsh --debug create "$tmp/dom-abi2.xml" 2>&1) ||
    fail "create with the ABI 2 module: $out"
echo "$out" | grep -q "loaded backend bridgeport (ABI 2) for type ethernet" ||
    fail "the ABI 2 module was not loaded as such: $out"
for d in bq0 bq1; do
    ip -n "$ns" -d -j link show "$d" 2>/dev/null | grep -q '"info_kind":"bridge"' ||
        fail "the ABI 2 module did not make $d"
done
VNIC_BACKEND_DIR=$abi2 vsh destroy plugv2 >/dev/null || fail "destroy with the ABI 2 module"
ip -n "$ns" link show bq0 >/dev/null 2>&1 && fail "bq0 still exists after destroy"

# The registry, not the driver, names the backend of a defined domain's interfaces.
VNIC_BACKEND_DIR=$good vsh define "$tmp/dom.xml" >/dev/null || fail "define with the plugin"
VNIC_BACKEND_DIR=$good vsh domiflist --json plug | grep -q '"backend": "bridgeport"' ||
    fail "domiflist of a defined domain does not name the plugin backend"
VNIC_BACKEND_DIR=$good vsh undefine plug >/dev/null || fail "undefine"

# The snapshot of the links reaches the module (a direct interface makes the driver take
# one): a taken fixed name is refused by the module's verify, and nothing is made.
ip -n "$ns" link add lowr type veth peer name bpx || exit 1
cat >"$tmp/dom2.xml" <<'XML'
<domain>
  <name>plug2</name>
  <devices>
    <interface type='ethernet'><target dev='bpx'/></interface>
    <interface type='direct'><source dev='lowr' mode='bridge'/></interface>
  </devices>
</domain>
XML
out=$(VNIC_BACKEND_DIR=$good vsh create "$tmp/dom2.xml" 2>&1); status=$?
[ $status -eq 1 ] || fail "taken name: exit $status"
echo "$out" | grep -q "bridgeport: 'bpx' is taken (seen in the snapshot): File exists" ||
    fail "taken name message: $out"
[ "$(ip -n "$ns" -o link | wc -l)" -eq 3 ] || fail "devices were left: $(ip -n "$ns" -o link)"

# A module built for another ABI version is refused by name.
out=$(VNIC_BACKEND_DIR=$tmp/bad vsh list 2>&1); status=$?
[ $status -eq 1 ] || fail "bad ABI: exit $status"
echo "$out" | grep -q "was built for backend ABI version 999, but this vnic needs version 2 or $hdr_abi" ||
    fail "bad ABI message: $out"

# Two modules for one type in one directory: a conflict, naming both.
cp "$tmp/good/bridgeport.so" "$builtin_dir/tap.so" "$tmp/empty/" 2>/dev/null
out=$(VNIC_BACKEND_DIR=$tmp/empty vsh list 2>&1); status=$?
[ $status -eq 1 ] || fail "conflict: exit $status"
echo "$out" | grep -q "backend modules '.*/bridgeport.so' and '.*/tap.so' both serve interface type 'ethernet'" ||
    fail "conflict message: $out"
rm -f "$tmp/empty/"*.so

# No module for the type: a clear error, and nothing made.
out=$(VNIC_BACKEND_DIR=$tmp/empty vsh create "$tmp/dom.xml" 2>&1); status=$?
[ $status -eq 1 ] || fail "missing module: exit $status"
echo "$out" | grep -q "interface 1 of 1 (alias 'ua-p0', line 4): no backend module for interface type 'ethernet'" ||
    fail "missing module message: $out"
[ -z "$(ls "$tmp/root/run/domains")" ] || fail "a record was left after the failed create"

[ $failures -eq 0 ] || exit 1
echo "plugin: all checks passed"
