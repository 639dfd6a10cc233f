#!/bin/bash
# The installed layout: `meson install --destdir` into an empty root gives exactly the files
# of install-layout.txt (headers, pkg-config files, backend modules, schemas, varlink
# interfaces, systemd units, man pages, completion, translations, the example policy), and
# the version is the project's everywhere it shows: `vnicsh --version`, `vnicd --version`,
# vnic.pc; the library's SONAME is libvnic.so.1 (README, "ABI"). The example policy is valid
# against the installed policy.rng.
# Usage: install-layout.sh BUILD_DIR SOURCE_DIR
set -u
build=$1 src=$2
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
source "$src/tests/api/installed-lib.sh"
vnic_install_into_tmp "$build" || exit 1

option() {
    meson introspect "$build" --buildoptions |
        python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == sys.argv[1]))' "$1"
}
prefix=$(option prefix)
libdir=$(option libdir)
case $libdir in /*) ;; *) libdir=$prefix/$libdir ;; esac
# As src/daemon/meson.build chooses it.
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
[ -n "$unitdir" ] || unitdir=$prefix/lib/systemd/system

# The installed files as the list writes them.
(cd "$VNIC_ROOT" && find . \( -type f -o -type l \) | sed 's|^\.||') | while read -r f; do
    case $f in
    "$unitdir"/*) echo "@unitdir@/${f#"$unitdir"/}" ;;
    "$libdir"/*) echo "@libdir@/${f#"$libdir"/}" ;;
    "$prefix"/*) echo "${f#"$prefix"/}" ;;
    *) echo "$f" ;;
    esac
done | LC_ALL=C sort >"$tmp/installed"
grep -v '^#' "$src/tests/release/install-layout.txt" | LC_ALL=C sort >"$tmp/expected"
if ! diff -u "$tmp/expected" "$tmp/installed" >"$tmp/diff"; then
    fail "the installed files differ from tests/release/install-layout.txt (- expected, + installed):
$(sed -n '3,$p' "$tmp/diff" | grep '^[-+]')"
fi

# One version: the project's.
version=$(meson introspect "$build" --projectinfo |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
out=$(LD_LIBRARY_PATH=$VNIC_LIBDIR "$VNIC_ROOT$prefix/bin/vnicsh" --version)
[ "$out" = "vnicsh $version" ] || fail "installed vnicsh --version says '$out', not 'vnicsh $version'"
out=$(LD_LIBRARY_PATH=$VNIC_LIBDIR "$VNIC_ROOT$prefix/sbin/vnicd" --version)
[ "$out" = "vnicd $version" ] || fail "installed vnicd --version says '$out', not 'vnicd $version'"
out=$(vnic_pkg_config --modversion vnic)
[ "$out" = "$version" ] || fail "vnic.pc's version is '$out', not '$version'"
soname=$(readelf -d "$VNIC_LIBDIR/libvnic.so.1.0.0" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libvnic.so.1 ] || fail "the library's SONAME is '$soname'"
[ "$(readlink "$VNIC_LIBDIR/libvnic.so.1")" = libvnic.so.1.0.0 ] || fail "libvnic.so.1 -> $(readlink "$VNIC_LIBDIR/libvnic.so.1")"

# The example policy, against the installed schema (xmllint) and by the installed vnicsh.
example=$VNIC_ROOT$prefix/share/doc/vnic/policy.xml.example
xmllint --noout --relaxng "$VNIC_ROOT$prefix/share/vnic/schemas/policy.rng" "$example" 2>"$tmp/xmllint" ||
    fail "the example policy is invalid: $(cat "$tmp/xmllint")"
VNIC_SCHEMA_DIR=$VNIC_ROOT$prefix/share/vnic/schemas LD_LIBRARY_PATH=$VNIC_LIBDIR \
    "$VNIC_ROOT$prefix/bin/vnicsh" validate "$example" 2>"$tmp/validate" ||
    fail "vnicsh validate rejects the example policy: $(cat "$tmp/validate")"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "install-layout: $(wc -l <"$tmp/installed") files as listed, version $version"
