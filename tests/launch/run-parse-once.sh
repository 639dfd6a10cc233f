#!/bin/bash
# `vnicsh run FILE` reads and parses its document once: the text goes to the driver, which
# learns the domain's name from it and starts the domain from the same definition (before,
# run parsed the file to learn the name, and creating the domain parsed it again). Problems in
# the document are still reported with its file name and line.
source "$(dirname "$0")/common.sh"

command -v strace >/dev/null || { echo "SKIP: no strace"; exit 77; }
# Traced: LeakSanitizer cannot work under ptrace (the other tests check for leaks).
traced() { ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 ip netns exec "$ns" strace -f -qq -e trace=open,openat,openat2 "$@"; }

cat >"$tmp/once.xml" <<'XML'
<domain>
  <name>once</name>
  <devices>
    <interface type='ethernet'><target dev='oncetap%d'/><model type='virtio'/></interface>
  </devices>
</domain>
XML

# The file is opened once, by run, and the domain really ran (and is gone afterwards).
traced -o "$tmp/trace" \
    "$vnicsh" -c "$uri" run "$tmp/once.xml" --env -- sh -c 'printf "%s\n" "$VNIC_FDS" >"$0"' \
    "$tmp/env" 2>"$tmp/err" || fail "run: $(cat "$tmp/err")"
# (The store's own files are opened relative to its directories, never by this path.)
opens=$(grep -cF "\"$tmp/once.xml\"" "$tmp/trace")
[ "$opens" = 1 ] || fail "run opened the document $opens times: $(grep -F "$tmp/once.xml" "$tmp/trace")"
grep -q '^net0 oncetap[0-9]* ' "$tmp/env" || fail "the child's VNIC_FDS: $(cat "$tmp/env")"
expect_all_gone "after the run"

# The domain runs already: used, the document opened once all the same.
vsh create "$tmp/once.xml" >/dev/null || fail "create once"
traced -o "$tmp/trace2" \
    "$vnicsh" -c "$uri" run "$tmp/once.xml" --env -- true 2>"$tmp/err" || fail "run of the running domain: $(cat "$tmp/err")"
opens=$(grep -cF "\"$tmp/once.xml\"" "$tmp/trace2")
[ "$opens" = 1 ] || fail "run of a running domain opened the document $opens times"
[ "$(domains)" = "once active" ] || fail "run destroyed a domain it did not start: $(domains)"
vsh destroy once >/dev/null || fail "destroy once"

# A document with a problem: named with its file and line, nothing created.
cat >"$tmp/bad.xml" <<'XML'
<domain>
  <name>bad</name>
  <devices>
    <interface type='ethernet'><target dev='badtap%d'/><model type='virtio'/><filterref filter='clean-traffic'/></interface>
  </devices>
</domain>
XML
vsh run "$tmp/bad.xml" -- true >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] || fail "run of a bad document exited with $rc"
grep -q "bad\.xml:4: error: .*filterref" "$tmp/err" || fail "the error names no file and line: $(cat "$tmp/err")"
expect_all_gone "after the bad document"
finish
