#!/bin/bash
# The release tarball: `meson dist` (without its own full test run) from a git checkout, the
# tarball unpacked alone into an empty directory, configured, vnicsh and its man pages built,
# and a small part of the suite run there (the command line, the man pages, the bundled
# example): the tarball carries everything the build needs and nothing of the checkout.
# `meson dist` packs the last commit (HEAD): changes not committed are not in the tarball.
# Usage: dist.sh BUILD_DIR SOURCE_DIR
set -u
build=$1 src=$2
[ -d "$src/.git" ] || [ -f "$src/.git" ] || { echo "not a git checkout: skipped"; exit 77; }
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

version=$(meson introspect "$build" --projectinfo |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
if ! meson dist -C "$build" --no-tests --allow-dirty --formats xztar >"$tmp/dist.log" 2>&1; then
    echo "FAIL: meson dist: $(tail -20 "$tmp/dist.log")" >&2
    exit 1
fi
tarball=$build/meson-dist/vnic-$version.tar.xz
[ -f "$tarball" ] || { echo "FAIL: no $tarball: $(cat "$tmp/dist.log")" >&2; exit 1; }
(cd "$build/meson-dist" && sha256sum -c "vnic-$version.tar.xz.sha256sum" >/dev/null) ||
    fail "the tarball's checksum file does not match"

tar -C "$tmp" -xJf "$tarball" || { echo "FAIL: cannot unpack $tarball" >&2; exit 1; }
top=$tmp/vnic-$version
[ -f "$top/meson.build" ] || { echo "FAIL: the tarball has no vnic-$version/meson.build" >&2; exit 1; }
[ -e "$top/.git" ] && fail "the tarball carries .git"
# Exactly the files git tracks at HEAD.
(cd "$top" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) >"$tmp/in-tarball"
git -C "$src" ls-tree -r --name-only HEAD | LC_ALL=C sort >"$tmp/in-git"
diff "$tmp/in-git" "$tmp/in-tarball" >"$tmp/files.diff" ||
    fail "the tarball's files are not git's: $(head -20 "$tmp/files.diff")"

# Built from the tarball alone: vnicsh, the man pages and the translations, then a few tests.
if ! meson setup "$tmp/b" "$top" -Dwerror=true >"$tmp/setup.log" 2>&1; then
    echo "FAIL: meson setup in the unpacked tarball: $(tail -20 "$tmp/setup.log")" >&2
    exit 1
fi
if ! ninja -C "$tmp/b" src/tools/vnicsh src/tools/vnicsh.1 src/tools/vnicd.8 src/tools/vnic-xml.5 vnic-gmo \
    >"$tmp/ninja.log" 2>&1; then
    echo "FAIL: building from the tarball: $(tail -20 "$tmp/ninja.log")" >&2
    exit 1
fi
out=$("$tmp/b/src/tools/vnicsh" --version)
[ "$out" = "vnicsh $version" ] || fail "vnicsh from the tarball says '$out'"
meson test -C "$tmp/b" --no-rebuild --num-processes 1 tools/cli tools/man examples/web1 \
    >"$tmp/test.log" 2>&1 || fail "the suite from the tarball: $(sed -n '/^stdout:\|^stderr:/,/^==*$/p' "$tmp/b/meson-logs/testlog.txt" | head -40)"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "dist: vnic-$version.tar.xz builds and passes tools/cli, tools/man, examples/web1"
