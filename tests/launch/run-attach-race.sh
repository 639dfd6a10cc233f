#!/bin/bash
# `vnicsh run` takes one snapshot of the domain (definition, queue counts, ids and fds) under
# the domain's lock: an interface attached by another process while run starts never makes
# the fds the launcher gets disagree with what VNIC_FDS and the QEMU options say (before, an
# attach between run's lookup and its reading of the definition made it read its queue counts
# out of bounds). The attach is placed at those points with the fault-injection pause
# (VNIC_FAULT_PAUSE_AT; a build with -Dfault_injection=true).
source "$(dirname "$0")/common.sh"
export PROBE=$fdprobe

cat >"$tmp/race.xml" <<'XML'
<domain>
  <name>race</name>
  <devices>
    <interface type='ethernet'><target dev='rctap%d'/><model type='virtio'/><driver queues='2'/></interface>
    <interface type='ethernet'><target dev='rctap%d'/><model type='e1000'/></interface>
  </devices>
</domain>
XML
cat >"$tmp/hot.xml" <<'XML'
<interface type='ethernet'><target dev='rchot%d'/><model type='virtio'/><driver queues='3'/></interface>
XML

# The child notes VNIC_FDS and the QEMU options it was given, then becomes the probe, once the
# test says so ($OUT.go): the domain then still runs when the test attaches to it.
mkdir "$tmp/bin"
cat >"$tmp/bin/qemu-system-race" <<'SH'
#!/bin/sh
printf '%s\n' "$VNIC_FDS" >"$OUT.env"
i=0
while [ ! -e "$OUT.go" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
for a in "$@"; do printf '%s\n' "$a"; done >"$OUT.argv"
exec "$PROBE" >"$OUT.fds"
SH
chmod +x "$tmp/bin/qemu-system-race"

# The launcher's fds, VNIC_FDS and the QEMU options agree: NIFACE interfaces, each fd a queue
# of the device VNIC_FDS names for it, fds 3.. exactly those VNIC_FDS and the options list.
agree() { # WHAT OUT NIFACE
    python3 - "$2" "$3" <<'PY' || fail "$1: the launcher's fds, VNIC_FDS and the options disagree"
import re, sys
out, niface = sys.argv[1], int(sys.argv[2])
bad = []
env = open(out + ".env").read().strip()
entries = [e.split(" ") for e in env.split(";")] if env else []
probe = [l.split() for l in open(out + ".fds").read().splitlines()]
argv = open(out + ".argv").read().splitlines()
if len(entries) != niface:
    bad.append("VNIC_FDS has %d interfaces, not %d: %s" % (len(entries), niface, env))
env_fds = {}
for e in entries:
    if len(e) != 5:
        bad.append("bad VNIC_FDS entry %s" % e)
        continue
    for fd in e[4].split(","):
        env_fds[int(fd) if fd.isdigit() else fd] = e[1]
got = {int(p[0]): p[1] for p in probe}
if env_fds != got:
    bad.append("VNIC_FDS says %s, the launcher has %s" % (env_fds, got))
if sorted(got) != list(range(3, 3 + len(got))):
    bad.append("the launcher's fds are not 3.. : %s" % sorted(got))
opt_fds = []
for a in argv:
    m = re.match(r"tap,.*?\bfds?=([0-9:]+)", a)
    if m:
        opt_fds += [int(x) for x in m.group(1).split(":")]
if sorted(opt_fds) != sorted(got):
    bad.append("the -netdev options name fds %s, the launcher has %s" % (opt_fds, sorted(got)))
if sum(a == "-device" for a in argv) != niface:
    bad.append("%d -device options for %d interfaces" % (sum(a == "-device" for a in argv), niface))
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

iface_count() { vsh domiflist --json race | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'; }

# A run paused at STEP (VNIC_FAULT_PAUSE_AT) while another vnicsh attaches an interface; prints
# how long the attach took, in ms. TARGET: the file or the name.
race_run() { # WHAT STEP TARGET
    local what=$1 step=$2 target=$3
    rm -f "$tmp/run.err" "$tmp/out.go"
    OUT=$tmp/out VNIC_FAULT_TRACE=1 VNIC_FAULT_PAUSE_AT=$step VNIC_FAULT_PAUSE_MS=3000 \
        vsh run "$target" -- "$tmp/bin/qemu-system-race" 2>"$tmp/run.err" &
    local pid=$!
    bg_pids+=("$pid")
    if ! wait_for_line "$tmp/run.err" "vnic-fault-step [0-9]* $step\$"; then
        wait "$pid"
        if ! grep -q '^vnic-fault-step ' "$tmp/run.err"; then
            echo "SKIP: built without -Dfault_injection"
            exit 77
        fi
        fail "$what: run never reached '$step': $(cat "$tmp/run.err")"
        return
    fi
    local t0 t1
    t0=$(date +%s%N)
    vsh attach-interface race "$tmp/hot.xml" >/dev/null 2>"$tmp/attach.err" ||
        fail "$what: attach during the run: $(cat "$tmp/attach.err")"
    t1=$(date +%s%N)
    attach_ms=$(((t1 - t0) / 1000000))
    [ "$(iface_count)" = 3 ] || fail "$what: the attach did not add the interface"
    touch "$tmp/out.go"
    wait "$pid"
    local rc=$?
    [ "$rc" = 0 ] || fail "$what: run exited with $rc: $(grep -v '^vnic-fault-step' "$tmp/run.err")"
}

# 1. run FILE, an attach right after run learnt the domain (the old window between the lookup
#    and reading the definition): the launcher gets the two interfaces it was told of.
race_run "file, attach after the snapshot" "run: snapshot taken" "$tmp/race.xml"
agree "file, attach after the snapshot" "$tmp/out" 2
expect_all_gone "after run 1"

# 2. run NAME of a defined domain, an attach while the snapshot is being taken: the attach
#    waits for the domain's lock (about the 3 s pause), and run gets a consistent domain.
vsh define "$tmp/race.xml" >/dev/null || fail "define race"
race_run "name, attach during the snapshot" "snapshot: state read" race
agree "name, attach during the snapshot" "$tmp/out" 2
[ "$attach_ms" -ge 1500 ] || fail "the attach took $attach_ms ms: it did not wait for the snapshot's lock"
[ "$(domains)" = "race defined" ] || fail "after run 2 race is '$(domains)'"
[ -z "$(marked_devices)" ] || fail "devices left after run 2: $(marked_devices)"

# 3. An active domain with the attached interface: run gets all three, in agreement.
vsh start race >/dev/null || fail "start race"
vsh attach-interface race "$tmp/hot.xml" >/dev/null || fail "attach to the active domain"
touch "$tmp/out3.go"
OUT=$tmp/out3 vsh run race -- "$tmp/bin/qemu-system-race" 2>"$tmp/err" || fail "run 3: $(cat "$tmp/err")"
agree "active domain with a hot-plugged interface" "$tmp/out3" 3
[ "$(grep -o 'fds\?=[0-9:]*' "$tmp/out3.argv" | tr '\n' ' ')" = "fds=3:4 fd=5 fds=6:7:8 " ] ||
    fail "run 3: options $(grep -o 'fds\?=[0-9:]*' "$tmp/out3.argv" | tr '\n' ' ')"
vsh destroy race >/dev/null || fail "destroy race"
vsh undefine race >/dev/null || fail "undefine race"
expect_all_gone "at the end"
finish
