#!/bin/bash
# <script> and <downscript> of ethernet interfaces, with real scripts in a temporary
# directory: run with the device's name as their one argument and a minimal environment, after
# the device (and its addresses) exist — the kernel shows what the script changed; the
# downscript at destroy, at detach and when a start is rolled back after the script ran; a
# failing script and one past its time limit fail the start and nothing stays (the killed
# script's processes included); a file that is not root's alone (writable by others, owned by
# another user, a symbolic link, in a directory others may write) is refused before anything
# is made; and through vnicd, a client without root's rights is refused with "permission
# denied".
export VNIC_SCRIPT_TIMEOUT=2 # vnicd, started by common.sh in remote mode, gets it too
if [ "${VNIC_TEST_REMOTE:-0}" = 1 ]; then
    pol=$(mktemp)
    cat >"$pol" <<'POL'
<policy xmlns='http://vnic.dev/xmlns/policy/1.0'>
  <allow user='nobody'>
    <domain name='vs-*'/>
    <ethernet prefix='vs'/>
  </allow>
</policy>
POL
    export VD_POLICY=$pol
fi
source "$(dirname "$0")/common.sh"
# In remote mode tests/daemon/lib.sh replaces fail() with one that finish() does not count.
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
[ -n "${pol:-}" ] && rm -f "$pol"

# Scripts live in a directory only root may write (mktemp -d: 0700; /tmp is sticky).
sd=$(mktemp -d) || exit 1
trap 'cleanup; rm -rf "$sd"' EXIT
chmod 755 "$sd"
log=$sd/log
printf '%s\n' '#!/bin/sh' \
    'echo "up $# $1 $(env | cut -d= -f1 | sort | tr "\n" " ")" >>"$(dirname "$0")/log"' \
    'ip link set "$1" mtu 1300' >"$sd/up"
printf '%s\n' '#!/bin/sh' \
    'if ip link show "$1" >/dev/null 2>&1; then there=present; else there=absent; fi' \
    'echo "down $# $1 $there" >>"$(dirname "$0")/log"' >"$sd/down"
printf '%s\n' '#!/bin/sh' 'echo "some noise"' 'echo "no way for $1" >&2' 'exit 3' >"$sd/fail"
printf '%s\n' '#!/bin/sh' 'exec sleep 31.5' >"$sd/slow"
chmod 755 "$sd"/up "$sd"/down "$sd"/fail "$sd"/slow

iface() { # DEV SCRIPT DOWNSCRIPT
    echo "<interface type='ethernet'><target dev='$1'/>${2:+<script path='$2'/>}${3:+<downscript path='$3'/>}</interface>"
}
domain() { # NAME IFACES...
    local n=$1
    shift
    printf '<domain><name>%s</name><devices>\n%s\n</devices></domain>\n' "$n" "$*"
}

# ---- a script, the downscript at destroy ----
domain sc "$(iface sc0 "$sd/up" "$sd/down")" "$(iface sc1 "" "$sd/down")" >"$tmp/sc.xml"
out=$(vsh create "$tmp/sc.xml" 2>&1) || fail "create with scripts: $out"
[ "$(ip -n "$ns" -j link show sc0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["mtu"])')" = 1300 ] ||
    fail "the script did not set sc0's MTU"
read -r what argc dev envs <<<"$(head -n 1 "$log")"
[ "$what $argc $dev" = "up 1 sc0" ] || fail "the script's arguments: $(cat "$log")"
for v in $envs; do
    case $v in PATH | PWD | SHLVL | _) ;; *) fail "the script's environment has $v" ;; esac
done
[ "$(wc -l <"$log")" = 1 ] || fail "other scripts ran: $(cat "$log")"
vsh dumpxml sc | grep -q "<script path=\"$sd/up\"/>" || fail "dumpxml lost <script>"
: >"$log"
out=$(vsh destroy sc 2>&1) || fail "destroy: $out"
[ "$(sort "$log" | tr '\n' ' ')" = "down 1 sc0 present down 1 sc1 present " ] ||
    fail "downscripts at destroy (each with its device still there): $(cat "$log")"
[ -z "$(marked_devices)" ] || fail "devices left: $(marked_devices)"

# ---- a failing script: the start is undone, the downscript of the one set up runs ----
: >"$log"
domain sf "$(iface sf0 "$sd/up" "$sd/down")" "$(iface sf1 "$sd/fail" "$sd/down")" >"$tmp/sf.xml"
out=$(vsh create "$tmp/sf.xml" 2>&1) && fail "a failing script did not fail the start"
grep -qF "interface 2 of 2 (alias 'net1', line 2): script '$sd/fail' failed with exit status 3: no way for sf1" <<<"$out" ||
    fail "the error does not say which script failed and why: $out"
[ "$(cut -d' ' -f1-3 "$log" | tr '\n' ' ')" = "up 1 sf0 down 1 sf0 " ] ||
    fail "the rollback's scripts: $(cat "$log")"
grep -q "down 1 sf0 present" "$log" || fail "the rollback's downscript ran without its device"
[ -z "$(marked_devices)" ] || fail "devices left after a failed script: $(marked_devices)"
out=$(vsh list --all --json) || fail "list"
[ "$out" = "[]" ] || fail "a failed start left a domain: $out"

# ---- past the time limit: killed, with what it started ----
domain ss "$(iface ss0 "$sd/slow")" >"$tmp/ss.xml"
start=$(date +%s)
out=$(vsh create "$tmp/ss.xml" 2>&1) && fail "a script past its time limit did not fail the start"
grep -qF "script '$sd/slow' did not finish within 2 s and was killed" <<<"$out" ||
    fail "the timeout's error: $out"
[ $(($(date +%s) - start)) -lt 10 ] || fail "the timeout took $(($(date +%s) - start)) s"
pgrep -f "sleep 31.5" >/dev/null && fail "the script's process outlived its timeout"
[ -z "$(marked_devices)" ] || fail "devices left after a timeout: $(marked_devices)"

# ---- attach and detach ----
: >"$log"
domain sa "$(iface sa0)" >"$tmp/sa.xml"
iface sa1 "$sd/up" "$sd/down" >"$tmp/sa1.xml"
vsh create "$tmp/sa.xml" >/dev/null || fail "create sa"
out=$(vsh attach-interface sa "$tmp/sa1.xml" 2>&1) || fail "attach with a script: $out"
out=$(vsh detach-interface sa sa1 2>&1) || fail "detach: $out"
[ "$(cut -d' ' -f1-3 "$log" | tr '\n' ' ')" = "up 1 sa1 down 1 sa1 " ] || fail "attach/detach scripts: $(cat "$log")"
vsh destroy sa >/dev/null || fail "destroy sa"

# ---- files that are not root's alone: refused, nothing made ----
refused() { # WHAT SCRIPT MESSAGE
    domain sr "$(iface sr0 "$2")" >"$tmp/sr.xml"
    out=$(vsh create "$tmp/sr.xml" 2>&1) && fail "$1: the start succeeded"
    grep -qF "refusing to run script '$2': $3" <<<"$out" || fail "$1: $out"
    device_exists sr0 && fail "$1: sr0 was made"
    vsh destroy sr >/dev/null 2>&1
}
cp "$sd/up" "$sd/gw" && chmod 775 "$sd/gw"
refused "group-writable" "$sd/gw" "'$sd/gw' is writable by others than root"
cp "$sd/up" "$sd/nob" && chown 65534 "$sd/nob"
refused "owned by nobody" "$sd/nob" "'$sd/nob' is not owned by root"
ln -s "$sd/up" "$sd/link"
refused "a symbolic link" "$sd/link" "'$sd/link' is a symbolic link"
cp "$sd/up" "$sd/noexec" && chmod 644 "$sd/noexec"
refused "not executable" "$sd/noexec" "'$sd/noexec' is not executable"
mkdir "$sd/open" && chmod 777 "$sd/open" && cp "$sd/up" "$sd/open/up"
refused "in a directory anyone may write" "$sd/open/up" "'$sd/open' is writable by others than root"
mkdir "$sd/real" && cp "$sd/up" "$sd/real/up" && ln -s "$sd/real" "$sd/dirlink"
refused "under a symbolic link" "$sd/dirlink/up" "'$sd/dirlink' is a symbolic link"
mkdir "$sd/sticky" && chmod 1777 "$sd/sticky" && cp "$sd/up" "$sd/sticky/up"
domain sk "$(iface sk0 "$sd/sticky/up")" >"$tmp/sk.xml"
out=$(vsh create "$tmp/sk.xml" 2>&1) || fail "a root-owned script in a sticky directory: $out"
vsh destroy sk >/dev/null 2>&1

# ---- an unprivileged client of vnicd ----
if [ "${VNIC_TEST_REMOTE:-0}" = 1 ]; then
    chmod 755 "$tmp"
    domain vs-1 "$(iface vs0 "$sd/up")" >"$tmp/vs.xml"
    params=$(python3 -c 'import json,sys; print(json.dumps({"xml": open(sys.argv[1]).read(), "docname": "vs.xml"}))' "$tmp/vs.xml")
    out=$(vd_client_nobody io.vnic.Domain.Create "$params" 2>&1) && fail "nobody ran a script through vnicd"
    grep -q "PermissionDenied" <<<"$out" && grep -qF "permission denied: <script> runs a program as root" <<<"$out" ||
        fail "nobody's create with a script: $out"
    device_exists vs0 && fail "vs0 was made for nobody"
    domain vs-2 "$(iface vs1)" >"$tmp/vs2.xml"
    params=$(python3 -c 'import json,sys; print(json.dumps({"xml": open(sys.argv[1]).read(), "docname": "vs2.xml"}))' "$tmp/vs2.xml")
    out=$(vd_client_nobody io.vnic.Domain.Create "$params" 2>&1) || fail "nobody's create without scripts: $out"
    vd_client_nobody io.vnic.Domain.Destroy '{"name": "vs-2"}' >/dev/null || fail "destroy vs-2"
fi
[ -z "$(marked_devices)" ] || fail "devices left: $(marked_devices)"
finish
