#!/bin/bash
# Definitions and states: define, start, destroy, undefine, list --all, dumpxml --inactive,
# and the refusals of the transition table, each naming the state.
source "$(dirname "$0")/common.sh"

write_domain web1 2 "$tmp/web1.xml"
write_domain web1 4 "$tmp/web1-v2.xml"

state_of() { vsh list --all --json | python3 -c "
import json, sys
print(next((d['state'] for d in json.load(sys.stdin) if d['name'] == '$1'), 'none'))"; }

expect_error() { # MESSAGE CMD...
    local msg=$1; shift
    out=$(vsh "$@" 2>&1); status=$?
    [ $status -eq 1 ] || fail "'$*' exited $status, expected 1"
    [ "$out" = "vnicsh: error: $msg" ] || fail "'$*' said '$out', expected '$msg'"
}

expect_error "domain 'web1' is not defined" start web1
expect_error "domain 'web1' is not active" destroy web1
expect_error "domain 'web1' is not defined" undefine web1

vsh define "$tmp/web1.xml" >/dev/null || fail "define"
[ "$(state_of web1)" = defined ] || fail "state after define: $(state_of web1)"
[ -z "$(vsh list --json | python3 -c 'import json,sys; print(json.load(sys.stdin) or "")')" ] ||
    fail "list without --all shows an inactive domain"
vsh dumpxml --inactive web1 >"$tmp/stored.xml" || fail "dumpxml --inactive"
# The canonical input, plus the MACs it lacked: made once at define and stored.
[ "$(grep -c '<mac address=' "$tmp/stored.xml")" = 2 ] || fail "define stored no generated MACs"
vsh format "$tmp/web1.xml" | grep -v '<mac address=' >"$tmp/canon.xml"
grep -v '<mac address=' "$tmp/stored.xml" | cmp -s - "$tmp/canon.xml" ||
    fail "the stored definition is not the canonical input"
expect_error "domain 'web1' is not active" destroy web1

vsh start web1 >/dev/null || fail "start"
[ "$(state_of web1)" = active ] || fail "state after start: $(state_of web1)"
[ "$(marked_devices | wc -l)" -eq 2 ] || fail "start made $(marked_devices | wc -l) devices, expected 2"
expect_error "domain 'web1' is already active" start web1
expect_error "domain 'web1' is already active" create "$tmp/web1.xml"
expect_error "domain 'web1' is active; destroy it first, or undefine it with --destroy" undefine web1

# Redefining an active domain: it keeps running on the old definition until destroyed.
vsh define "$tmp/web1-v2.xml" >/dev/null || fail "redefine while active"
[ "$(vsh domiflist --json web1 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 2 ] ||
    fail "the running domain changed with the redefinition"
[ "$(vsh dumpxml --inactive web1 | grep -c '<interface')" = 4 ] || fail "the new definition was not stored"
vsh destroy web1 >/dev/null || fail "destroy"
[ "$(state_of web1)" = defined ] || fail "state after destroy: $(state_of web1)"
[ -z "$(marked_devices)" ] || fail "devices left after destroy: $(marked_devices)"
vsh start web1 >/dev/null || fail "start with the new definition"
[ "$(marked_devices | wc -l)" -eq 4 ] || fail "the new definition made $(marked_devices | wc -l) devices, expected 4"

# undefine --destroy removes both.
vsh undefine --destroy web1 >/dev/null || fail "undefine --destroy"
[ "$(state_of web1)" = none ] || fail "state after undefine --destroy: $(state_of web1)"
[ -z "$(marked_devices)" ] || fail "devices left after undefine --destroy: $(marked_devices)"

# A transient domain is not persistent and is gone after destroy.
vsh create "$tmp/web1.xml" >/dev/null || fail "create"
[ "$(vsh list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["persistent"])')" = False ] ||
    fail "a created domain claims to be persistent"
expect_error "domain 'web1' is not defined (it runs transiently)" undefine web1
vsh destroy web1 >/dev/null || fail "destroy transient"
[ "$(state_of web1)" = none ] || fail "a transient domain outlived destroy"

# Where state lives and how it is protected.
[ "$(stat -c %a "$root/run/domains")" = 700 ] || fail "domains dir mode"
[ "$(stat -c %a "$root/lib/defs")" = 700 ] || fail "defs dir mode"
vsh define "$tmp/web1.xml" >/dev/null
[ "$(stat -c %a "$root/lib/defs/web1.xml")" = 600 ] || fail "definition file mode"
finish
