#!/bin/bash
# The binaries that get installed hold no path of the build or source tree: run from the
# build tree, vnic finds its backends, schemas and translations through the environment
# (VNIC_BACKEND_DIR, VNIC_SCHEMA_DIR, VNIC_LOCALEDIR), never through a fallback baked in.
# Debug information is left out of the check: it names the compilation directory in every
# build, is not loaded at run time, and distributions split it off.
# Usage: no-build-paths.sh BUILD_ROOT SOURCE_ROOT BINARY...
set -uo pipefail
build_root=$1 source_root=$2
shift 2
command -v objcopy >/dev/null && command -v strings >/dev/null || {
    echo "objcopy or strings (binutils) missing; skipped"
    exit 77
}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

status=0
for bin in "$@"; do
    objcopy --strip-debug "$bin" "$tmp/stripped" || { echo "objcopy $bin failed"; exit 1; }
    for root in "$build_root" "$source_root"; do
        if hits=$(strings -a "$tmp/stripped" | grep -F -- "$root"); then
            echo "$(basename "$bin") holds the path $root:"
            echo "$hits" | sed 's/^/    /'
            status=1
        fi
    done
    echo "$(basename "$bin"): checked"
done
exit $status
