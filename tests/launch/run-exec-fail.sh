#!/bin/bash
# Failures of `vnicsh run`: a command that cannot be executed is exit 1 with
# "cannot run 'CMD': REASON", and the domain it started is gone (a defined one is defined
# again); usage errors are exit 2 and start nothing; a domain that cannot start runs nothing.
source "$(dirname "$0")/common.sh"

expect_error() { # WHAT EXPECTED-STDERR (exact) ARGS...
    local what=$1 want=$2
    shift 2
    vsh run "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ "$rc" = 1 ] || fail "$what: exit $rc, expected 1"
    [ "$(cat "$tmp/err")" = "$want" ] || fail "$what: stderr is '$(cat "$tmp/err")', expected '$want'"
}

expect_error "/nonexistent" \
    "vnicsh: error: cannot run '/nonexistent': No such file or directory" \
    "$example" -- /nonexistent
expect_all_gone "after /nonexistent"

expect_error "not on PATH" \
    "vnicsh: error: cannot run 'vnic-no-such-command': No such file or directory" \
    "$example" -- vnic-no-such-command arg
expect_all_gone "after a command not on PATH"

printf '#!/bin/sh\nexit 0\n' >"$tmp/noexec"
chmod 644 "$tmp/noexec"
expect_error "not executable" \
    "vnicsh: error: cannot run '$tmp/noexec': Permission denied" \
    "$example" -- "$tmp/noexec"
expect_all_gone "after a file that is not executable"

expect_error "a directory" \
    "vnicsh: error: cannot run '$tmp': Permission denied" \
    "$example" -- "$tmp"
expect_all_gone "after a directory"

# A defined domain run by name: defined again afterwards.
vsh define "$example" >/dev/null || fail "define"
expect_error "defined domain" \
    "vnicsh: error: cannot run '/nonexistent': No such file or directory" \
    web1 -- /nonexistent
[ "$(domains)" = "web1 defined" ] || fail "after a failed exec web1 is '$(domains)'"
[ -z "$(marked_devices)" ] || fail "devices left: $(marked_devices)"
vsh undefine web1 >/dev/null || fail "undefine"

# An active domain: still active after a failed exec.
vsh create "$example" >/dev/null || fail "create"
expect_error "active domain" \
    "vnicsh: error: cannot run '/nonexistent': No such file or directory" \
    web1 -- /nonexistent
[ "$(domains)" = "web1 active" ] || fail "after a failed exec the active web1 is '$(domains)'"
vsh destroy web1 >/dev/null || fail "destroy"
expect_all_gone "after destroy"

# Usage errors: exit 2, nothing started.
for args in "run" "run $example" "run $example --" "run --qemu --env $example -- true" \
    "run --bogus $example -- true"; do
    # shellcheck disable=SC2086
    vsh $args >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ "$rc" = 2 ] || fail "'vnicsh $args': exit $rc, expected 2 ($(cat "$tmp/err"))"
    grep -q '^vnicsh: error: ' "$tmp/err" || fail "'vnicsh $args': no error message: $(cat "$tmp/err")"
done
expect_all_gone "after the usage errors"

# Nothing runs when the domain cannot be made: a standalone interface, an invalid file, a
# missing lower device, a missing file.
cat >"$tmp/iface.xml" <<'XML'
<interface type='ethernet'/>
XML
cat >"$tmp/invalid.xml" <<'XML'
<domain><name>bad</name><devices><interface type='ethernet'><mtu size='10'/></interface></devices></domain>
XML
sed 's/uplink0/nolower0/' "$example" >"$tmp/nolower.xml"
for f in "$tmp/iface.xml" "$tmp/invalid.xml" "$tmp/nolower.xml" "$tmp/missing.xml"; do
    vsh run "$f" -- sh -c 'touch "$0"' "$tmp/ran" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ "$rc" = 1 ] || fail "run $(basename "$f"): exit $rc, expected 1"
    [ -s "$tmp/err" ] || fail "run $(basename "$f"): no message"
    [ -e "$tmp/ran" ] && fail "run $(basename "$f"): the command ran"
    rm -f "$tmp/ran"
    expect_all_gone "after run $(basename "$f")"
done
grep -q "standalone <interface> cannot be run" <(vsh run "$tmp/iface.xml" -- true 2>&1) ||
    fail "the standalone interface's message"
finish
