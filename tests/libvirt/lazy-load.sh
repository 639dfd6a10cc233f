#!/bin/bash
# libvirt is loaded on first use (src/launch/libvirt_sym.c), never linked:
#   - libvnic, vnicsh and vnicd have no NEEDED entry for libvirt (readelf -d);
#   - vnicsh commands that do not launch through libvirt (list, define, start, dumpxml,
#     reconcile, destroy) load no libvirt library (the dynamic loader's own trace, LD_DEBUG),
#     nor does vnicd serving them (its /proc/PID/maps); a reconcile that asks libvirt (a domain
#     marked for libvirt's test driver) does load it, and gets libvirt's answer through it;
#   - a libvirt that cannot be loaded (the fault step libvirt-load; a file that is no shared
#     object; a library without libvirt's functions, both under the name libvirt.so.0 on
#     LD_LIBRARY_PATH) fails run/attach-interface/detach-interface --libvirt with exit 1 and an
#     error naming libvirt.so.0 with the dynamic loader's words, and leaves nothing: no domain,
#     no device, the running domain unchanged; reconcile keeps the devices of the domain it
#     cannot ask about; vnicd says so to FollowLibvirt and in its log, and keeps serving.
# Usage: bash lazy-load.sh VNICD VNICSH LIBVNIC NOT_LIBVIRT (as root)
libvnic=$(realpath "$3")
not_libvirt=$(realpath "$4")
source "$(dirname "${BASH_SOURCE[0]}")/../daemon/lib.sh"

step() { printf '\n== %s\n' "$*"; }
not() { ! "$@"; }
has_domain() { vd_embed list --all | grep -qE "^ $1 +${2:-}"; } # NAME [STATE]

# needs_no_libvirt FILE: FILE has no NEEDED entry naming a libvirt library.
needs_no_libvirt() { ! readelf -d "$1" | grep -q 'NEEDED.*\[libvirt'; }

# loads_libvirt COMMAND...: the dynamic loader mapped a libvirt library while COMMAND ran (its
# output in $vd_tmp/out, the loader's trace and stderr in $vd_tmp/ld).
loads_libvirt() {
    LD_DEBUG=files "$@" >"$vd_tmp/out" 2>"$vd_tmp/ld"
    grep -q 'file=libvirt' "$vd_tmp/ld"
}
# works_without_libvirt COMMAND...: COMMAND succeeds, and no libvirt library was mapped.
works_without_libvirt() {
    LD_DEBUG=files "$@" >"$vd_tmp/out" 2>"$vd_tmp/ld" || { grep -v '^ *[0-9]*:' "$vd_tmp/ld"; return 1; }
    ! grep 'file=libvirt' "$vd_tmp/ld"
}
no_libvirt_loaded() { # WHAT COMMAND...
    local what=$1
    shift
    check "$what works and maps no libvirt library" works_without_libvirt "$@"
}

dom_xml() { # NAME TAP [EXTRA]
    echo "<domain><name>$1</name><uuid>$(cat /proc/sys/kernel/random/uuid)</uuid><devices><interface type='ethernet'><target dev='$2'/></interface></devices>${3:-}</domain>"
}
mark() { # URI
    echo "<vnic:libvirt xmlns:vnic='http://vnic.dev/xmlns/1.0' uri='$1' uuid='$(cat /proc/sys/kernel/random/uuid)'/>"
}
lvuri="qemu:///embed?root=$vd_tmp/lv" # never reached: every libvirt operation below fails first
load_error="vnicsh: error: cannot load libvirt (libvirt.so.0), which this operation needs: "

step "no NEEDED libvirt"
check "readelf reads libvnic (it needs libxml2)" bash -c "readelf -d '$libvnic' | grep -q 'NEEDED.*libxml2'"
for f in "$libvnic" "$VD_VNICSH" "$VD_VNICD"; do
    check "$(basename "$f") has no NEEDED libvirt" needs_no_libvirt "$f"
done

step "vnicsh without libvirt"
dom_xml web web0 >"$vd_tmp/web.xml"
echo "<interface type='ethernet'><target dev='web1'/></interface>" >"$vd_tmp/hot.xml"
no_libvirt_loaded "vnicsh list" vd_embed list --all
no_libvirt_loaded "vnicsh define" vd_embed define "$vd_tmp/web.xml"
no_libvirt_loaded "vnicsh start" vd_embed start web
check "web runs on web0" device_exists web0
no_libvirt_loaded "vnicsh dumpxml --libvirt" vd_embed dumpxml --libvirt web
no_libvirt_loaded "vnicsh reconcile" vd_embed reconcile

step "reconcile asking libvirt loads it"
dom_xml asked asked0 "$(mark test:///default)" >"$vd_tmp/asked.xml"
check "a domain marked for libvirt's test driver starts" vd_embed create "$vd_tmp/asked.xml"
check "reconcile --dry-run loads libvirt" loads_libvirt vd_embed reconcile --dry-run
check "and has libvirt's answer: $(cat "$vd_tmp/out")" \
    grep -q "domain 'asked' would be removed: libvirt at 'test:///default' no longer runs it" "$vd_tmp/out"

# fails_cleanly WHAT ERROR-PREFIX COMMAND...: COMMAND exits 1 with ERROR-PREFIX on stderr, and
# the store and the kernel are as before.
fails_cleanly() {
    local what=$1 want=$2
    shift 2
    local before after st
    before=$(vd_embed list --all; marked_devices | sort)
    "$@" >"$vd_tmp/out" 2>"$vd_tmp/err"
    st=$?
    after=$(vd_embed list --all; marked_devices | sort)
    check "$what: exit 1 (got $st)" test "$st" = 1
    check "$what: says why: $(cat "$vd_tmp/err")" grep -qF "$want" "$vd_tmp/err"
    check "$what: nothing changed" test "$before" = "$after"
}
dom_xml lz lz0 >"$vd_tmp/lz.xml"
launch_ops() { # ERROR-PREFIX WHY [VAR=VALUE...]: run, attach, detach --libvirt fail cleanly
    local want=$1 why=$2
    shift 2
    fails_cleanly "run --libvirt ($why)" "$want" env "$@" "$VD_VNICSH" -c "vnic:///embed?root=$vd_root" run --libvirt "$lvuri" "$vd_tmp/lz.xml"
    check "no domain lz" not has_domain lz
    check "no device lz0" not device_exists lz0
    fails_cleanly "attach-interface --libvirt ($why)" "$want" env "$@" "$VD_VNICSH" -c "vnic:///embed?root=$vd_root" attach-interface --libvirt "$lvuri" web "$vd_tmp/hot.xml"
    check "no device web1" not device_exists web1
    fails_cleanly "detach-interface --libvirt ($why)" "$want" env "$@" "$VD_VNICSH" -c "vnic:///embed?root=$vd_root" detach-interface --libvirt "$lvuri" web web0
    check "web0 stays" device_exists web0
}
step "libvirt.so.0 that is no shared object"
mkdir -p "$vd_tmp/bad" "$vd_tmp/notlv"
echo "not a shared object" >"$vd_tmp/bad/libvirt.so.0"
ln -s "$not_libvirt" "$vd_tmp/notlv/libvirt.so.0"
launch_ops "$load_error$vd_tmp/bad/libvirt.so.0: " "not an object" ip netns exec "$vd_ns" env LD_LIBRARY_PATH="$vd_tmp/bad"

step "libvirt.so.0 without libvirt's functions"
launch_ops "vnicsh: error: the libvirt loaded (libvirt.so.0) has no function virConnectClose: " \
    "no functions" ip netns exec "$vd_ns" env LD_LIBRARY_PATH="$vd_tmp/notlv"
check "... with the loader's words" grep -q "undefined symbol: virConnectClose" "$vd_tmp/err"

step "vnicd without libvirt"
vd_start || fail "vnicd did not start"
remote() { "$VD_VNICSH" -c "$(vd_uri)" "$@"; }
dom_xml rd rd0 >"$vd_tmp/rd.xml"
dom_xml fl fl0 "$(mark qemu:///system)" >"$vd_tmp/fl.xml"
check "vnicd lists" remote list --all
check "vnicd creates rd" remote create "$vd_tmp/rd.xml"
check "vnicd creates fl (marked for libvirt at qemu:///system)" remote create "$vd_tmp/fl.xml"
check "vnicd destroys rd" remote destroy rd
check "vnicd's maps are readable (it maps libxml2)" grep -q libxml2 "/proc/$VD_PID/maps"
check "vnicd maps no libvirt library" not grep libvirt "/proc/$VD_PID/maps"
vd_stop

if [ "${VNIC_TEST_FAULT_INJECTION:-0}" = 1 ]; then
    step "the fault step libvirt-load"
    launch_ops "$load_error/nonexistent/libvirt.so.0: cannot open shared object file" "fault" \
        ip netns exec "$vd_ns" env VNIC_FAULT_FAIL=libvirt-load
    # reconcile's answer for a libvirt it cannot ask: the domain's devices stay.
    VNIC_FAULT_FAIL=libvirt-load vd_embed reconcile >"$vd_tmp/out" 2>&1
    st=$?
    check "reconcile: exit 0 (got $st)" test "$st" = 0
    check "reconcile: cannot ask libvirt, says why: $(cat "$vd_tmp/out")" grep -q \
        "domain 'asked': cannot ask libvirt at 'test:///default' whether it still runs it, its devices stay: cannot load libvirt (libvirt.so.0)" \
        "$vd_tmp/out"
    check "asked0 stays" device_exists asked0

    step "vnicd: the fault step libvirt-load"
    # vnicd follows again, at its start, the domains marked for the local libvirt daemon.
    VNIC_FAULT_FAIL=libvirt-load vd_start || fail "vnicd did not start"
    out=$(vd_client io.vnic.Domain.FollowLibvirt '{"name": "fl"}' 2>&1)
    st=$?
    check "FollowLibvirt fails (status $st)" test "$st" = 1
    check "FollowLibvirt says why: $out" grep -qF "cannot load libvirt (libvirt.so.0), which this operation needs: /nonexistent/libvirt.so.0" <<<"$out"
    check "vnicd's start said so in its log" grep -q "cannot follow domain 'fl' in libvirt again: cannot load libvirt (libvirt.so.0)" "$VD_LOG"
    check "fl still runs" has_domain fl active
    check "fl0 stays" device_exists fl0
    check "vnicd still answers" remote list --all
    check "vnicd maps no libvirt library" not grep libvirt "/proc/$VD_PID/maps"
    vd_stop
else
    echo "a build without fault steps (-Dfault_injection=false): the fault step is not tried"
fi

vd_finish
