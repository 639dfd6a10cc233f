#!/bin/bash
# Option order in every vnicsh command (the virsh convention): options may stand before or
# after operands, "--" ends the options, and run's launcher command is passed as it stands,
# its own options and "--" included. Against the kernel, in a network namespace of its own
# with a fresh state root. Usage errors without a driver are in cli.sh.
set -u
source "$(dirname "$0")/netns-lib.sh"
json_len() { python3 -c 'import json, sys; print(len(json.load(sys.stdin)))' <"$tmp/out"; }

cat >"$tmp/dom.xml" <<'XML'
<domain type='kvm'>
  <name>ord1</name>
  <devices>
    <interface type='ethernet'>
      <mac address='52:54:00:0d:00:01'/>
      <target dev='ord%d'/>
      <model type='virtio'/>
    </interface>
  </devices>
</domain>
XML
# Valid only with --skip-unsupported: it has a bridge interface.
sed -e 's/ord1/ord2/; s/ord%d/ordb%d/' -e 's|<devices>|<devices>\n    <interface type="bridge"><source bridge="br0"/></interface>|' \
    "$tmp/dom.xml" >"$tmp/skip.xml"
cat >"$tmp/if.xml" <<'XML'
<interface type='ethernet'>
  <target dev='ordx%d'/>
  <model type='virtio'/>
</interface>
XML

# The XML commands: the option after the file counts (without it the file is refused).
expect 1 validate "$tmp/skip.xml"
expect 0 validate "$tmp/skip.xml" --skip-unsupported
expect 0 format "$tmp/skip.xml" --skip-unsupported
grep -q '<interface type="bridge"' "$tmp/out" || fail "format: $(cat "$tmp/out")"
expect 0 qemu-args "$tmp/skip.xml" --skip-unsupported
grep -q -- '-netdev' "$tmp/out" || fail "qemu-args: $(cat "$tmp/out")"

# create, destroy.
expect 0 create "$tmp/skip.xml" --skip-unsupported
expect 0 domiflist ord2 --json
[ "$(json_len)" = 1 ] || fail "domiflist ord2: $(cat "$tmp/out")"
expect 2 destroy ord2 --bogus
err_is "unknown option '--bogus'"
expect 0 destroy -- ord2

# define, list, dumpxml, start, domiflist, attach, detach, pass, run, reconcile, events, undefine.
expect 0 define "$tmp/dom.xml" --skip-unsupported
expect 0 list --json --all
grep -q '"ord1"' "$tmp/out" || fail "list --json --all: $(cat "$tmp/out")"
expect 0 dumpxml ord1 --inactive
grep -q '<name>ord1</name>' "$tmp/out" || fail "dumpxml ord1 --inactive: $(cat "$tmp/out")"
expect 2 start ord1 --all # not an option of start
err_is "unknown option '--all'"
expect 0 start ord1
expect 0 domiflist ord1 --json
[ "$(json_len)" = 1 ] || fail "domiflist ord1: $(cat "$tmp/out")"
expect 0 attach-interface ord1 "$tmp/if.xml" --skip-unsupported
alias=$(sed -n "s/^Interface '\(.*\)' attached.*/\1/p" "$tmp/out")
[ -n "$alias" ] || fail "attach-interface said: $(cat "$tmp/out")"
expect 0 domiflist --json ord1
[ "$(json_len)" = 2 ] || fail "domiflist after attach: $(cat "$tmp/out")"
expect 0 detach-interface ord1 "$alias" --timeout 5
expect 0 domiflist ord1 --json
[ "$(json_len)" = 1 ] || fail "domiflist after detach: $(cat "$tmp/out")"
# Connecting to a socket nobody listens on fails (1), after the option was read (no usage error).
expect 1 pass ord1 --socket "$tmp/nobody"
grep -q "missing --socket" "$tmp/err" && fail "pass NAME --socket PATH: --socket not read"
expect 1 pass ord1 --socket="$tmp/nobody"
expect 2 pass ord1
err_is "missing --socket PATH"

# run: after the domain, the launcher's words are its own, exactly as given: options of vnicsh's
# commands, "--" and "--help" included; run's own options may still follow the domain.
cat >"$tmp/launcher" <<'SH'
#!/bin/sh
for a in "$@"; do printf '%s\n' "$a"; done >"$ARGV"
SH
chmod +x "$tmp/launcher"
printf '%s\n' -accel kvm --json -- -x --help --env >"$tmp/want"
for form in "ord1 --env -- L" "--env ord1 -- L" "-- ord1 -- L" "ord1 --env L" "--env -- ord1 L"; do
    rm -f "$tmp/argv"
    # shellcheck disable=SC2086 # FORM is split into words on purpose
    set -- $form
    set -- "${@/#L/$tmp/launcher}"
    ARGV=$tmp/argv expect 0 run "$@" -accel kvm --json -- -x --help --env
    diff -u "$tmp/want" "$tmp/argv" >&2 || fail "run $form: the launcher's argv differ"
done
ARGV=$tmp/argv expect 2 run ord1 --qemu --env -- "$tmp/launcher"
err_is "--qemu and --env exclude each other"
# The same for every pair that excludes each other, found before any connection is made.
expect 2 dumpxml --inactive --libvirt ord1
err_is "--inactive and --libvirt exclude each other"
expect 2 attach-interface --qmp "$tmp/none.sock" --libvirt qemu:///system ord1 "$tmp/skip.xml"
err_is "--qmp and --libvirt exclude each other"
expect 2 detach-interface --libvirt=qemu:///system --qmp="$tmp/none.sock" ord1 net0
err_is "--qmp and --libvirt exclude each other"
expect 2 run ord1 --
err_is "missing the command to run after '--'"

expect 0 reconcile --json --dry-run
expect 0 events --json --timeout 0
expect 0 events --timeout=0 --json
expect 2 events --timeout
err_is "option '--timeout' needs an argument"
expect 0 undefine ord1 --destroy
expect 0 list --all --json
[ "$(json_len)" = 0 ] || fail "domains left: $(cat "$tmp/out")"

# "--" ends the options: a name that starts with '-' is an operand after it only.
expect 2 dumpxml -odd
err_is "unknown option '-o'"
expect 1 dumpxml -- -odd
grep -q "'-odd'" "$tmp/err" || fail "dumpxml -- -odd: $(cat "$tmp/err")"
expect 1 dumpxml --inactive -- --json
grep -q "'--json'" "$tmp/err" || fail "dumpxml --inactive -- --json: $(cat "$tmp/err")"

finish cli-order
