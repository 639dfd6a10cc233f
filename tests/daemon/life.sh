#!/bin/bash
# vnicd's life: its options; socket activation (systemd-socket-activate) and READY=1 to
# $NOTIFY_SOCKET; a domain supervised by a client goes when that client disconnects and when
# it is killed; events stream to a watcher; SIGTERM stops it with exit 0, removes the socket
# it made, destroys what its clients supervised and leaves running domains running, which a
# restarted vnicd lists as active.
source "$(dirname "$0")/lib.sh"

# ---- options ---------------------------------------------------------------------------------
check "--help exits 0" "$VD_VNICD" --help >/dev/null
check "--version prints the version" bash -c "'$VD_VNICD' --version | grep -q '^vnicd [0-9]'"
"$VD_VNICD" --bogus >/dev/null 2>&1
check "an unknown option exits 2" [ $? = 2 ]
out=$("$VD_VNICD" --root "$vd_root" --socket "$vd_tmp/x.sock" --policy "$vd_tmp/missing.xml" 2>&1)
status=$?
check "a missing --policy file refuses to start (exit 1, got $status)" [ $status = 1 ]
check "... naming the file: $out" grep -q "missing.xml" <<<"$out"
check "... and leaves no socket" [ ! -e "$vd_tmp/x.sock" ]
printf '<policy>\n  <allow\n</policy>\n' >"$vd_tmp/bad.xml"
out=$("$VD_VNICD" --root "$vd_root" --socket "$vd_tmp/x.sock" --policy "$vd_tmp/bad.xml" 2>&1)
status=$?
check "a bad policy refuses to start (exit 1, got $status)" [ $status = 1 ]
check "... with file:line diagnostics: $out" grep -q "bad.xml:[0-9]" <<<"$out"

domain_xml() { # NAME TAP
    echo "<domain><name>$1</name><devices><interface type='ethernet'><target dev='$2'/></interface></devices></domain>"
}
params() { # NAME TAP [SUPERVISED]
    python3 -c 'import json, sys; print(json.dumps({"xml": sys.argv[1], "docname": "t.xml", **({"supervised": True} if sys.argv[2] == "1" else {})}))' "$(domain_xml "$1" "$2")" "${3:-0}"
}
# wait_until SECONDS COMMAND...: bounded.
wait_until() {
    local until=$((SECONDS + $1))
    shift
    until "$@"; do
        [ $SECONDS -lt "$until" ] || return 1
        sleep 0.1
    done
}
gone() { ! device_exists "$1"; }

# ---- socket activation -------------------------------------------------------------------------
# As systemd does it (sd_listen_fds(3)): the listening socket as fd 3, LISTEN_FDS=1 and
# LISTEN_PID naming vnicd's own pid, NOTIFY_SOCKET for READY=1. A small launcher of our own
# binds the socket and execs vnicd in its own process, so that LISTEN_PID is right and $! is
# vnicd's pid (systemd-socket-activate is in Debian's systemd package, which a machine
# need not have).
{
    act_sock=$vd_tmp/act.sock
    notify=$vd_tmp/notify.sock
    python3 - "$notify" >"$vd_tmp/notify.out" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
try:
    while True:
        msg = s.recv(4096).decode()
        print(msg.replace("\n", " "), flush=True)
        if "STOPPING=1" in msg:
            break
except socket.timeout:
    pass
EOF
    notify_pid=$!
    wait_until 5 test -S "$notify"
    # systemd-socket-activate passes NOTIFY_SOCKET only when told (-E); started directly
    # (not through a shell function, which would fork), so that $! is vnicd's pid once it execs.
    cat >"$vd_tmp/activate.py" <<'EOF'
import os, socket, sys
path, notify, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(16)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
env = dict(os.environ, LISTEN_FDS="1", LISTEN_PID=str(os.getpid()), NOTIFY_SOCKET=notify)
os.execve(argv[0], argv, env)
EOF
    ip netns exec "$vd_ns" python3 "$vd_tmp/activate.py" "$act_sock" "$notify" \
        "$VD_VNICD" --root "$vd_root" --socket "$vd_tmp/not-this.sock" >>"$VD_LOG" 2>&1 &
    act_pid=$!
    wait_until 10 test -S "$act_sock"
    out=$(timeout 20 python3 "$VD_DIR/varlink_client.py" "$act_sock" org.varlink.service.GetInfo)
    check "socket-activated vnicd answers: $out" grep -q '"product": "vnicd"' <<<"$out"
    check "it sent READY=1" wait_until 10 grep -q "READY=1" "$vd_tmp/notify.out"
    check "it did not make a socket of its own" [ ! -e "$vd_tmp/not-this.sock" ]
    kill -TERM "$act_pid"
    wait_until 20 bash -c "! kill -0 $act_pid 2>/dev/null"
    wait "$act_pid"
    status=$?
    check "socket-activated vnicd exits 0 on SIGTERM (got $status)" [ $status = 0 ]
    check "it sent STOPPING=1" wait_until 10 grep -q "STOPPING=1" "$vd_tmp/notify.out"
    check "it left the socket it did not make" [ -S "$act_sock" ]
    kill "$notify_pid" 2>/dev/null
    wait "$notify_pid" 2>/dev/null
}

# ---- supervision -------------------------------------------------------------------------------
vd_start || exit 1

# A supervised domain lives as long as its client's connection.
cat >"$vd_tmp/supervise.py" <<EOF
import json, os, sys, time
sys.path.insert(0, "$VD_DIR")
from varlink_client import Client
c = Client(sys.argv[1])
r, _ = c.call("io.vnic.Domain.Create", json.loads(sys.argv[2]))
print(json.dumps(r), flush=True)
if "error" in r:
    sys.exit(1)
if sys.argv[3] == "hold":
    time.sleep(600)
c.close()
EOF
out=$(python3 "$vd_tmp/supervise.py" "$VD_SOCK" "$(params sup1 sup1-tap 1)" close)
check "a supervised Create: $out" grep -q '"state": "active"' <<<"$out"
check "the supervised domain goes when its client disconnects" wait_until 10 gone sup1-tap

python3 "$vd_tmp/supervise.py" "$VD_SOCK" "$(params sup2 sup2-tap 1)" hold >"$vd_tmp/sup2.out" &
sup_pid=$!
check "the held supervised domain is created" wait_until 10 device_exists sup2-tap
kill -KILL "$sup_pid"
wait "$sup_pid" 2>/dev/null
check "the supervised domain goes when its client is killed" wait_until 10 gone sup2-tap
out=$(vd_client io.vnic.Domain.List '{"all": true}')
check "neither is listed any more: $out" grep -q '"domains": \[\]' <<<"$out"

# A daemon killed with SIGKILL ends no client: the restarted one destroys what they
# supervised (their supervisor is gone), and keeps the rest.
python3 "$vd_tmp/supervise.py" "$VD_SOCK" "$(params sup4 sup4-tap 1)" hold >"$vd_tmp/sup4.out" &
sup_pid=$!
check "a supervised domain before vnicd's SIGKILL" wait_until 10 device_exists sup4-tap
check "a plain one too" vd_client io.vnic.Domain.Create "$(params plain4 plain4-tap)" >/dev/null
vd_stop KILL
check "vnicd died by SIGKILL (got $VD_STATUS)" [ "$VD_STATUS" = 137 ]
kill "$sup_pid" 2>/dev/null
wait "$sup_pid" 2>/dev/null
vd_start || exit 1
check "the restarted vnicd destroyed the orphaned supervised domain" gone sup4-tap
out=$(vd_client io.vnic.Domain.List '{}')
check "and keeps the plain one active: $out" grep -q '"name": "plain4".*"state": "active"' <<<"$out"
vd_client io.vnic.Domain.Destroy '{"name": "plain4"}' >/dev/null

# ---- events ------------------------------------------------------------------------------------
# Deleting an up device gives device-down, then device-removed.
check "a plain domain is created" vd_client io.vnic.Domain.Create "$(params keep1 keep1-tap)" >/dev/null
check "a domain to lose a device" vd_client io.vnic.Domain.Create "$(params ev1 ev1-tap)" >/dev/null
python3 "$VD_DIR/varlink_client.py" "$VD_SOCK" io.vnic.Events.Watch --more 3 >"$vd_tmp/watch.out" &
watch_pid=$!
check "the watch is in place" wait_until 10 grep -q '"continues": true' "$vd_tmp/watch.out"
ip -n "$vd_ns" link del ev1-tap
check "the watcher gets device-removed of ev1" \
    wait_until 10 grep -q '"domain": "ev1".*"type": "device-removed"' "$vd_tmp/watch.out"
wait_until 10 bash -c "! kill -0 $watch_pid 2>/dev/null" || kill "$watch_pid"
wait "$watch_pid" 2>/dev/null
out=$(vd_client io.vnic.Domain.Lookup '{"name": "ev1"}')
check "ev1 is degraded: $out" grep -q '"state": "degraded"' <<<"$out"
vd_client io.vnic.Domain.Destroy '{"name": "ev1"}' >/dev/null

# ---- without a policy, only root may act -----------------------------------------------------------
out=$(vd_client_nobody io.vnic.Domain.Create "$(params nb1 nb1-tap)")
check "an unprivileged Create without a policy: PermissionDenied: $out" \
    grep -q '"error": "io.vnic.Domain.PermissionDenied"' <<<"$out"
check "... and nothing made" gone nb1-tap
out=$(vd_client_nobody io.vnic.Domain.List '{"all": true}')
check "an unprivileged List without a policy: PermissionDenied (no root's domain seen): $out" \
    grep -q '"error": "io.vnic.Domain.PermissionDenied"' <<<"$out"
out=$(vd_client_nobody io.vnic.Domain.Destroy '{"name": "keep1"}')
check "an unprivileged Destroy of root's domain: PermissionDenied: $out" \
    grep -q '"error": "io.vnic.Domain.PermissionDenied"' <<<"$out"
check "... which keeps running" device_exists keep1-tap

# ---- SIGTERM -------------------------------------------------------------------------------------
python3 "$vd_tmp/supervise.py" "$VD_SOCK" "$(params sup3 sup3-tap 1)" hold >"$vd_tmp/sup3.out" &
sup_pid=$!
check "a supervised domain before SIGTERM" wait_until 10 device_exists sup3-tap
vd_stop TERM
check "vnicd exits 0 on SIGTERM (got $VD_STATUS)" [ "$VD_STATUS" = 0 ]
check "the socket file is removed" [ ! -e "$VD_SOCK" ]
check "the running domain keeps its device" device_exists keep1-tap
check "the supervised domain was destroyed" gone sup3-tap
kill "$sup_pid" 2>/dev/null
wait "$sup_pid" 2>/dev/null

vd_start || exit 1
out=$(vd_client io.vnic.Domain.List '{}')
check "the restarted vnicd lists keep1 as active: $out" \
    grep -q '"name": "keep1", "uuid": null, "state": "active"\|"name": "keep1".*"state": "active"' <<<"$out"
check "destroy through the restarted vnicd" vd_client io.vnic.Domain.Destroy '{"name": "keep1"}' >/dev/null
check "the device is gone" gone keep1-tap
vd_stop TERM
check "vnicd exits 0 again (got $VD_STATUS)" [ "$VD_STATUS" = 0 ]

# ---- an unprivileged client with a policy ------------------------------------------------------
# Its domain is its own (root redefining it leaves it so), its tap is owned by it (the
# connection's client), and it sees nothing of root's.
cat >"$vd_tmp/policy.xml" <<'EOF'
<policy xmlns='http://vnic.dev/xmlns/policy/1.0'>
  <allow user='65534'>
    <domain name='nb-*'/>
    <ethernet prefix='nb'/>
    <operations>define undefine start destroy read</operations>
  </allow>
</policy>
EOF
VD_POLICY=$vd_tmp/policy.xml
vd_start || exit 1
check "root's domain" vd_client io.vnic.Domain.Create "$(params rootdom root-tap)" >/dev/null
out=$(vd_client_nobody io.vnic.Domain.Define "$(params nb-1 nb1-tap)")
check "the unprivileged Define: $out" grep -q '"state": "defined"' <<<"$out"
check "root redefines it" vd_client io.vnic.Domain.Define "$(params nb-1 nb1-tap)" >/dev/null
out=$(vd_client_nobody io.vnic.Domain.Start '{"name": "nb-1"}')
check "after root's redefinition it is still the user's: Start: $out" grep -q '"state": "active"' <<<"$out"
check "its tap is the user's" [ "$(vd_in_ns cat /sys/class/net/nb1-tap/owner 2>&1)" = 65534 ]
out=$(vd_client_nobody io.vnic.Domain.List '{"all": true}')
check "the user lists its own domain only: $out" \
    python3 -c 'import json, sys; sys.exit([d["name"] for d in json.loads(sys.argv[1])["parameters"]["domains"]] != ["nb-1"])' "$out"
out=$(vd_client_nobody io.vnic.Domain.Undefine '{"name": "nb-1", "destroy": true}')
check "the user undefines it: $out" grep -q '"parameters": {}' <<<"$out"
vd_client io.vnic.Domain.Destroy '{"name": "rootdom"}' >/dev/null
vd_stop TERM
check "no marked device left" [ -z "$(marked_devices)" ]
vd_finish
