# Sourced by tests that use vnic as installed, not from the build tree: install the build into
# a temporary root and find the installed pieces there. Needs $tmp (a directory the caller
# removes) and a function fail.
#
#   vnic_install_into_tmp BUILD_DIR
# sets:
#   VNIC_ROOT         the temporary root (DESTDIR)
#   VNIC_PREFIX       the configured prefix, e.g. /usr/local (inside VNIC_ROOT)
#   VNIC_LIBDIR       VNIC_ROOT + the library directory (libvnic.so.1 is there)
#   VNIC_PCDIR        the directory of vnic.pc
#   VNIC_INCLUDEDIR   VNIC_ROOT + the directory holding vnic/vnic.h
#   VNIC_INST_BACKENDS, VNIC_INST_SCHEMAS  the installed backend modules and schemas
# and exports PKG_CONFIG_PATH (the installed .pc files first). Returns 1 after fail().
#
#   vnic_pkg_config ARGS...
# pkg-config with the installed .pc files relocated into the temporary root (their prefix
# redefined), e.g. vnic_pkg_config --cflags --libs vnic.
vnic_install_into_tmp() {
    local build=$1
    VNIC_ROOT=$tmp/root
    # --no-rebuild: meson test has built everything; a test must not start a build.
    if ! meson install -C "$build" --destdir "$VNIC_ROOT" --no-rebuild --quiet >"$tmp/install.log" 2>&1; then
        fail "meson install: $(cat "$tmp/install.log")"
        return 1
    fi
    VNIC_PREFIX=$(meson introspect "$build" --buildoptions |
        python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
    local pc
    pc=$(find "$VNIC_ROOT" -name vnic.pc -print -quit)
    if [ -z "$pc" ]; then
        fail "no vnic.pc installed"
        return 1
    fi
    VNIC_PCDIR=$(dirname "$pc")
    VNIC_LIBDIR=$(dirname "$VNIC_PCDIR")
    VNIC_INCLUDEDIR=$VNIC_ROOT$VNIC_PREFIX/include
    VNIC_INST_BACKENDS=$VNIC_LIBDIR/vnic/backends
    VNIC_INST_SCHEMAS=$VNIC_ROOT$VNIC_PREFIX/share/vnic/schemas
    export PKG_CONFIG_PATH=$VNIC_PCDIR${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
    local f
    for f in "$VNIC_LIBDIR/libvnic.so.1" "$VNIC_INCLUDEDIR/vnic/vnic.h" "$VNIC_INST_BACKENDS" \
        "$VNIC_INST_SCHEMAS"; do
        [ -e "$f" ] || { fail "not installed: $f"; return 1; }
    done
}

vnic_pkg_config() {
    pkg-config --define-variable=prefix="$VNIC_ROOT$VNIC_PREFIX" "$@"
}
