#!/bin/bash
# The public API as a program outside the tree sees it: install into a temporary root, build
# tests/api/test-api.c, test-api-xml.c and test-threads.c against the installed header with
# pkg-config alone, and run them with the installed library, backends and schemas (the return
# convention, NULL err and diags, unknown flags, the XML-text calls and their diagnostics,
# threads). Checks the installed library's exported symbols against the installed
# headers, and that each installed backend module needs nothing from libvnic but exports.
# Usage: installed.sh BUILD_DIR SOURCE_DIR
set -u
build=$1
src=$2
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
finish() {
    [ $failures -eq 0 ] || exit 1
    echo "installed: all checks passed"
    exit 0
}
command -v pkg-config >/dev/null || { echo "SKIP: pkg-config is missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$src/tests/api/installed-lib.sh"
vnic_install_into_tmp "$build" || finish

# The library: SONAME and exports, against the headers as installed.
bash "$src/tests/api/symbols.sh" "$VNIC_LIBDIR/libvnic.so.1" "$VNIC_INCLUDEDIR/vnic" ||
    fail "the installed libvnic.so.1 exports other symbols than its headers declare"

# A client built from the installed files only: pkg-config gives every flag.
flags=$(vnic_pkg_config --cflags --libs vnic) || fail "pkg-config vnic"
case $flags in
*"$VNIC_ROOT"*) ;;
*) fail "pkg-config's flags do not point into the install root: $flags" ;;
esac
cc=${CC:-cc}
# A sanitizer build installs an instrumented library: the client needs the same runtime.
sanitize=$(meson introspect "$build" --buildoptions |
    python3 -c 'import json,sys; print(next((o["value"] for o in json.load(sys.stdin) if o["name"] == "b_sanitize"), "none"))')
case $sanitize in
none | "" | "[]") ;;
*) flags="$flags -fsanitize=$(echo "$sanitize" | tr -d "[]' ")" ;;
esac
# The clients: the return convention (test-api), the XML-text calls and their diagnostics
# (test-api-xml), threads (test-threads).
for t in test-api test-api-xml test-threads; do
    extra=
    [ "$t" = test-threads ] && extra=-pthread
    # shellcheck disable=SC2086 # the flags are words
    if ! $cc -std=gnu11 -Wall -Werror $extra -I"$src/tests" -o "$tmp/$t" "$src/tests/api/$t.c" \
        $flags >"$tmp/cc.log" 2>&1; then
        fail "building $t against the installed header: $(cat "$tmp/cc.log")"
        finish
    fi
done
# It must load the installed library, not one from the build tree.
lib=$(LD_LIBRARY_PATH=$VNIC_LIBDIR ldd "$tmp/test-api" | awk '$1 == "libvnic.so.1" { print $3 }')
[ "$lib" = "$VNIC_LIBDIR/libvnic.so.1" ] || fail "test-api loads libvnic.so.1 from '$lib'"

# Every vnic symbol a module leaves undefined is one the installed library exports (the
# modules carry their own util helpers; the library's private symbols are not exported).
nm -D --defined-only "$VNIC_LIBDIR/libvnic.so.1" | awk '{ sub(/@.*/, "", $3); print $3 }' |
    sort -u >"$tmp/exports"
for m in "$VNIC_INST_BACKENDS"/*.so; do
    nm -D -u "$m" | awk '{ sub(/@.*/, "", $2); print $2 }' | grep '^vnic_' | sort -u >"$tmp/needs"
    missing=$(comm -23 "$tmp/needs" "$tmp/exports")
    [ -z "$missing" ] || fail "$(basename "$m") needs symbols libvnic does not export: $(echo $missing)"
    exported=$(nm -D --defined-only "$m" | awk '$2 != "A" { print $3 }' | tr '\n' ' ')
    [ "$exported" = "vnic_backend " ] || fail "$(basename "$m") exports more than its ops table: $exported"
done

# Run them as the in-tree tests run, with the installed backends and schemas.
for t in test-api test-api-xml; do
    if ! LD_LIBRARY_PATH=$VNIC_LIBDIR VNIC_BACKEND_DIR=$VNIC_INST_BACKENDS \
        VNIC_SCHEMA_DIR=$VNIC_INST_SCHEMAS unshare -n -- "$tmp/$t" >"$tmp/run.log" 2>&1; then
        fail "$t against the installed library: $(cat "$tmp/run.log")"
    fi
done
if ! LD_LIBRARY_PATH=$VNIC_LIBDIR VNIC_BACKEND_DIR=$VNIC_INST_BACKENDS \
    VNIC_SCHEMA_DIR=$VNIC_INST_SCHEMAS bash "$src/tests/lifecycle/in-netns.sh" \
    "$tmp/test-threads" >"$tmp/run.log" 2>&1; then
    fail "test-threads against the installed library: $(cat "$tmp/run.log")"
fi
finish
