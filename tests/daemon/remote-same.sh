#!/bin/bash
# The same vnicsh commands over the remote driver (through vnicd) and embedded (in vnicsh, on
# the same state root): byte-identical stdout and stderr and the same exit status. Every
# invalid document of tests/conf/invalid given to create (diagnostics with the caller's file
# name and lines), failures of every command on a missing domain, a failing start rolled back,
# and every read-only command on a running and a defined domain.
#   bash remote-same.sh VNICD VNICSH CONF-INVALID-DIR
source "$(dirname "$0")/lib.sh"
invalid=$3
vd_start || { fail "vnicd did not start"; vd_finish; }
uri=$(vd_uri)
remote() { vd_in_ns "$VD_VNICSH" -c "$uri" "$@"; }
n=0

# same ARGS...: run both ways (remote first), compare.
same() {
    n=$((n + 1))
    remote "$@" >"$vd_tmp/r.out" 2>"$vd_tmp/r.err"
    local rs=$?
    vd_embed "$@" >"$vd_tmp/e.out" 2>"$vd_tmp/e.err"
    local es=$?
    check "'$*': exit status $rs remote, $es embedded" [ "$rs" = "$es" ]
    check "'$*': stdout differs: $(diff "$vd_tmp/e.out" "$vd_tmp/r.out" | head -n 6)" \
        cmp -s "$vd_tmp/e.out" "$vd_tmp/r.out"
    check "'$*': stderr differs: $(diff "$vd_tmp/e.err" "$vd_tmp/r.err" | head -n 6)" \
        cmp -s "$vd_tmp/e.err" "$vd_tmp/r.err"
}

# 1. Invalid documents: one create each (nothing is made, so both runs see the same store).
for f in "$invalid"/*.xml; do
    same create "$f"
done
same create "$vd_tmp/no-such-file.xml"
same define "$invalid/$(ls "$invalid" | grep -m1 '\.xml$')"

# 2. A domain that does not exist.
for cmd in "start nosuch" "destroy nosuch" "undefine nosuch" "undefine --destroy nosuch" \
    "dumpxml nosuch" "dumpxml --inactive nosuch" "domiflist nosuch" "domiflist --json nosuch" \
    "qemu-args nosuch" "detach-interface nosuch net0" "pass nosuch --socket $vd_tmp/x.sock" \
    "run nosuch -- true" "start -- -odd"; do
    # shellcheck disable=SC2086 # the words of the command
    same $cmd
done

# 3. A start that fails on the kernel (the lower device is missing) and is rolled back.
cat >"$vd_tmp/bad-lower.xml" <<'XML'
<domain><name>bl</name><devices>
  <interface type='ethernet'><target dev='bl-tap0'/><alias name='ua-t0'/></interface>
  <interface type='direct'><source dev='nosuchdev' mode='bridge'/><target dev='bl-mv0'/><alias name='ua-m0'/></interface>
</devices></domain>
XML
same create "$vd_tmp/bad-lower.xml"
check "the failed start left devices: $(marked_devices)" [ -z "$(marked_devices)" ]

# 4. Read-only commands on a running and a defined domain (fixed device names, so that both
# ways read the same state), and the refusals the state causes.
cat >"$vd_tmp/web.xml" <<'XML'
<domain><name>web</name><uuid>6f1c2a9e-3b4d-4e8f-9a0b-1c2d3e4f5a6c</uuid><devices>
  <interface type='direct'><mac address='52:54:00:6e:10:01'/><source dev='uplink0' mode='bridge'/><target dev='web-mv0'/><model type='virtio'/><driver queues='2'/><alias name='ua-net0'/></interface>
  <interface type='ethernet'><mac address='52:54:00:6e:10:02'/><target dev='web-tap1'/><model type='virtio'/><alias name='ua-net1'/></interface>
</devices></domain>
XML
sed -e 's/<name>web</<name>idle</' -e 's/web-/idle-/g' -e 's/5a6c/5a6d/' -e 's/10:0/10:1/' \
    "$vd_tmp/web.xml" >"$vd_tmp/idle.xml"
check "define web" remote define "$vd_tmp/web.xml"
check "start web" remote start web
check "define idle" remote define "$vd_tmp/idle.xml"
for cmd in "list" "list --all" "list --json" "list --all --json" "domiflist web" \
    "domiflist --json web" "dumpxml web" "dumpxml --inactive web" "dumpxml idle" \
    "qemu-args web" "qemu-args idle" "reconcile --dry-run" "reconcile --dry-run --json" \
    "start web" "create $vd_tmp/web.xml" "undefine web" "domiflist idle" \
    "detach-interface web nosuch" "destroy idle" "events --timeout 1"; do
    # shellcheck disable=SC2086 # the words of the command
    same $cmd
done
check "destroy web" remote destroy web
check "undefine web" remote undefine web
check "undefine idle" remote undefine idle
check "devices left: $(marked_devices)" [ -z "$(marked_devices)" ]
echo "remote-same: $n commands compared"
vd_finish
