#!/bin/bash
# A domain that `vnicsh run` supervises belongs to that run's launcher: a second run (by name or
# by file) and `pass` are refused with exit 1, naming the domain and the supervisor's pid, and
# leave the first launcher's devices and fds alone; `start` and `destroy` are refused too. The
# first run then ends normally and removes what it started.
source "$(dirname "$0")/common.sh"
export PROBE=$fdprobe STOP=$tmp/stop

# Macvtaps only: a macvtap's queues can be opened again and again, so nothing but the
# supervision lock stands between two launchers (a single-queue tap would refuse by itself).
dom=$tmp/web1.xml
cat >"$dom" <<'XML'
<domain type='kvm'>
  <name>web1</name>
  <devices>
    <interface type='direct'>
      <mac address='52:54:00:6e:10:01'/>
      <source dev='uplink0' mode='bridge'/>
      <model type='virtio'/>
      <driver queues='2'/>
    </interface>
    <interface type='direct'>
      <source dev='uplink0' mode='vepa'/>
      <model type='virtio'/>
    </interface>
  </devices>
</domain>
XML
vsh define "$dom" >/dev/null || fail "define web1"

# The first launcher: notes its fds and its parent (the supervisor), waits for $STOP, then notes
# its fds again.
OUT=$tmp/one vsh run web1 --env -- sh -c '
    "$PROBE" >"$OUT.fds.tmp"; echo $PPID >"$OUT.ppid"; mv "$OUT.fds.tmp" "$OUT.fds"
    while [ ! -e "$STOP" ]; do sleep 0.1; done
    exec "$PROBE" >"$OUT.fds2"' 2>"$tmp/one.err" &
first=$!
bg_pids+=("$first")
for i in $(seq 200); do [ -s "$tmp/one.fds" ] && break; sleep 0.1; done
[ -s "$tmp/one.fds" ] || { fail "the first run did not start: $(cat "$tmp/one.err")"; finish; }
supervisor=$(cat "$tmp/one.ppid")
devices=$(marked_devices | sort)
[ -n "$devices" ] || fail "no devices while the first run runs"

refused() { # WHAT RC ERRFILE
    [ "$2" = 1 ] || fail "$1: exited with $2, expected 1: $(cat "$3")"
    grep -q "^vnicsh: error: domain 'web1' is run by a supervisor (vnicsh run, pid $supervisor)" "$3" ||
        fail "$1: the error does not name web1 and pid $supervisor: $(cat "$3")"
}

# 1. A second run by name: refused before its command runs.
vsh run web1 --env -- sh -c 'touch "$0"' "$tmp/ran" 2>"$tmp/err"
refused "second run by name" $? "$tmp/err"
[ -e "$tmp/ran" ] && fail "the second run's command ran"

# 2. By file: refused as well.
vsh run "$dom" --env -- sh -c 'touch "$0"' "$tmp/ran" 2>"$tmp/err"
refused "second run by file" $? "$tmp/err"
[ -e "$tmp/ran" ] && fail "the second run by file ran its command"

# 3. pass: refused before it connects anywhere (the socket does not exist).
vsh pass web1 --socket "$tmp/nosuch.sock" 2>"$tmp/err"
refused "pass" $? "$tmp/err"

# 4. start and destroy: refused, the domain stays as it is.
vsh start web1 >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] || fail "start of a supervised domain exited with $rc"
vsh destroy web1 >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] || fail "destroy of a supervised domain exited with $rc"
grep -q "web1.*supervisor" "$tmp/err" || fail "destroy: $(cat "$tmp/err")"

# 5. Looking is fine: qemu-args and domiflist of the supervised domain.
vsh qemu-args web1 >"$tmp/qa" 2>"$tmp/err" || fail "qemu-args of a supervised domain: $(cat "$tmp/err")"
grep -q 'fds=3:4' "$tmp/qa" || fail "qemu-args of a supervised domain: $(cat "$tmp/qa")"
vsh domiflist web1 >/dev/null 2>"$tmp/err" || fail "domiflist of a supervised domain: $(cat "$tmp/err")"

# The first launcher still has its devices and its fds.
[ "$(domains)" = "web1 active" ] || fail "web1 is '$(domains)' while the first run runs"
[ "$(marked_devices | sort)" = "$devices" ] || fail "devices changed: '$devices' -> '$(marked_devices | sort)'"
touch "$STOP"
wait "$first"
rc=$?
[ "$rc" = 0 ] || fail "the first run exited with $rc: $(cat "$tmp/one.err")"
diff -u "$tmp/one.fds" "$tmp/one.fds2" || fail "the first launcher's fds changed"
[ "$(cut -d' ' -f1 "$tmp/one.fds" | tr '\n' ' ')" = "3 4 5 " ] || fail "first launcher's fds: $(cat "$tmp/one.fds")"

# Afterwards web1 is defined again, nothing is left, and a new run works.
[ "$(domains)" = "web1 defined" ] || fail "after the first run web1 is '$(domains)'"
[ -z "$(marked_devices)" ] || fail "devices left: $(marked_devices)"
vsh run web1 --env -- sh -c 'touch "$0"' "$tmp/ran" 2>"$tmp/err" || fail "run after the end: $(cat "$tmp/err")"
[ -e "$tmp/ran" ] || fail "the run after the end did not run its command"
vsh undefine web1 >/dev/null || fail "undefine web1"
expect_all_gone "at the end"
finish
