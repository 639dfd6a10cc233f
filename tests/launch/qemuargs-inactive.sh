#!/bin/bash
# `vnicsh qemu-args NAME` of a defined, inactive domain prints what `vnicsh run NAME` adds, with
# the fds where run places them, and creates nothing. MACs the XML lacks are made once (at
# define, or at create for a transient domain) and stored: define, qemu-args and every run
# agree on them.
source "$(dirname "$0")/common.sh"
export PROBE=$fdprobe

mkdir "$tmp/bin"
cat >"$tmp/bin/qemu-system-fake" <<'SH'
#!/bin/sh
for a in "$@"; do printf '%s\n' "$a"; done >"$OUT.argv"
"$VSH" -c "$VSH_URI" qemu-args web1 >"$OUT.running" 2>&1
exec "$PROBE" >"$OUT.fds"
SH
chmod +x "$tmp/bin/qemu-system-fake"

# The example without its MACs.
sed '/<mac /d' "$example" >"$tmp/nomac.xml"
grep -q '<mac' "$tmp/nomac.xml" && fail "the test domain still has a MAC"
words() { sh -c 'eval "set -- $(cat "$1")"; for a in "$@"; do printf "%s\n" "$a"; done' sh "$1"; }
macs() { grep -o 'mac=[0-9a-f:]*' "$1" | tr '\n' ' '; }

# 1. Defined: the stored definition has a MAC for each interface, and keeps it.
vsh define "$tmp/nomac.xml" >/dev/null || fail "define"
vsh dumpxml --inactive web1 >"$tmp/def1" || fail "dumpxml --inactive"
[ "$(grep -c '<mac address=' "$tmp/def1")" = 2 ] || fail "define stored no MACs: $(cat "$tmp/def1")"

# 2. qemu-args of the inactive domain: succeeds, has the stored MACs, creates nothing.
vsh qemu-args web1 >"$tmp/inactive" 2>"$tmp/err" || fail "qemu-args of a defined domain: $(cat "$tmp/err")"
[ "$(domains)" = "web1 defined" ] || fail "qemu-args changed the domain: $(domains)"
[ -z "$(marked_devices)" ] || fail "qemu-args created devices: $(marked_devices)"
words "$tmp/inactive" >"$tmp/inactive.words"
[ "$(wc -l <"$tmp/inactive.words")" = 8 ] || fail "expected 8 words: $(cat "$tmp/inactive.words")"
for m in $(grep -o "address='[^']*'" "$tmp/def1" | cut -d"'" -f2); do
    grep -q "mac=$m" "$tmp/inactive" || fail "qemu-args lacks the stored MAC $m: $(cat "$tmp/inactive")"
done

# 3. run passes exactly that, on fds 3 4 5 (the macvtap's two queues and the tap), twice.
for n in 1 2; do
    OUT=$tmp/run$n vsh run web1 -- "$tmp/bin/qemu-system-fake" 2>"$tmp/err" || fail "run $n: $(cat "$tmp/err")"
    diff -u "$tmp/inactive.words" "$tmp/run$n.argv" || fail "run $n passes other options than qemu-args printed"
    diff -u "$tmp/inactive" "$tmp/run$n.running" || fail "run $n: qemu-args of the running domain differs"
    [ "$(cut -d' ' -f1 "$tmp/run$n.fds" | tr '\n' ' ')" = "3 4 5 " ] || fail "run $n: the launcher's fds: $(cat "$tmp/run$n.fds")"
    [ "$(domains)" = "web1 defined" ] || fail "after run $n web1 is '$(domains)'"
done
vsh qemu-args web1 >"$tmp/after" || fail "qemu-args after the runs"
diff -u "$tmp/inactive" "$tmp/after" || fail "qemu-args changed after the runs"
vsh dumpxml --inactive web1 | diff -u "$tmp/def1" - || fail "the stored definition changed"

# 4. start/destroy keeps the MACs too.
vsh start web1 >/dev/null || fail "start"
[ "$(macs "$tmp/inactive")" = "$(vsh qemu-args web1 | grep -o 'mac=[0-9a-f:]*' | tr '\n' ' ')" ] ||
    fail "the started domain has other MACs"
vsh destroy web1 >/dev/null || fail "destroy"
vsh undefine web1 >/dev/null || fail "undefine"

# 5. Transient: made at create, so the running domain's qemu-args equals what run passed.
OUT=$tmp/tr vsh run "$tmp/nomac.xml" -- "$tmp/bin/qemu-system-fake" 2>"$tmp/err" || fail "run file: $(cat "$tmp/err")"
words "$tmp/tr.running" >"$tmp/tr.words"
diff -u "$tmp/tr.words" "$tmp/tr.argv" || fail "transient: qemu-args of the running domain differs from run's"
[ "$(grep -c 'mac=' "$tmp/tr.argv")" = 2 ] || fail "transient: run passed no MACs: $(cat "$tmp/tr.argv")"

# 6. An unknown name still fails.
vsh qemu-args nosuch >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] || fail "qemu-args of an unknown domain exited with $rc"
expect_all_gone "at the end"
finish
