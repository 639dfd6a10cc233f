#!/bin/bash
# `vnicsh run` with QEMU: a fake launcher that records its argv. With --qemu, or by default when
# the command's basename starts with qemu-system (called by path or found on PATH), the
# appended options are exactly `vnicsh qemu-args` of the file (the example has MACs, so the
# running domain gives the same) and of the running domain; with --env, or for another
# command, nothing is appended.
source "$(dirname "$0")/common.sh"

mkdir "$tmp/bin"
cat >"$tmp/bin/qemu-system-fake" <<'SH'
#!/bin/sh
# Record argv (one word a line) and the running domain's options, then exit 0.
for a in "$@"; do printf '%s\n' "$a"; done >"$OUT.argv"
"$VSH" -c "$VSH_URI" qemu-args web1 >"$OUT.running" 2>&1
exec "$PROBE" >"$OUT.fds"
SH
chmod +x "$tmp/bin/qemu-system-fake"
cp "$tmp/bin/qemu-system-fake" "$tmp/bin/launcher-fake"
export PROBE=$fdprobe

# The expected words: the file-mode output, split as the shell would.
"$vnicsh" qemu-args "$example" >"$tmp/golden" || fail "qemu-args $example"
sh -c 'eval "set -- $(cat "$1")"; for a in "$@"; do printf "%s\n" "$a"; done' sh "$tmp/golden" \
    >"$tmp/golden.words"
[ "$(wc -l <"$tmp/golden.words")" = 8 ] || fail "expected 8 words from qemu-args: $(cat "$tmp/golden.words")"

check() { # WHAT EXPECTED-ARGV-FILE
    if ! diff -u "$2" "$tmp/out.argv"; then
        fail "$1: the launcher's arguments differ"
    fi
    if ! diff -u "$tmp/golden" "$tmp/out.running"; then
        fail "$1: qemu-args of the running domain differs from the file's"
    fi
    # Three fds, on the macvtap (2 queues) and the tap.
    [ "$(cut -d' ' -f1 "$tmp/out.fds" | tr '\n' ' ')" = "3 4 5 " ] ||
        fail "$1: the launcher's fds are $(cat "$tmp/out.fds")"
    expect_all_gone "$1"
    rm -f "$tmp"/out.*
}

# 1. Called by path, no option: the qemu-system prefix makes it QEMU.
{ printf '%s\n' -name guest -S; cat "$tmp/golden.words"; } >"$tmp/want"
OUT=$tmp/out vsh run "$example" -- "$tmp/bin/qemu-system-fake" -name guest -S 2>"$tmp/err" ||
    fail "run qemu-system-fake by path: $(cat "$tmp/err")"
check "by path" "$tmp/want"

# 2. Found on PATH.
cp "$tmp/golden.words" "$tmp/want"
OUT=$tmp/out PATH=$tmp/bin:$PATH vsh run "$example" -- qemu-system-fake 2>"$tmp/err" ||
    fail "run qemu-system-fake on PATH: $(cat "$tmp/err")"
check "on PATH" "$tmp/want"

# 3. --qemu with another name.
printf '%s\n' -m 64 | cat - "$tmp/golden.words" >"$tmp/want"
OUT=$tmp/out vsh run --qemu "$example" -- "$tmp/bin/launcher-fake" -m 64 2>"$tmp/err" ||
    fail "run --qemu launcher-fake: $(cat "$tmp/err")"
check "--qemu" "$tmp/want"

# 4. --env with a qemu-system name: nothing appended.
printf '%s\n' -m 64 >"$tmp/want"
OUT=$tmp/out vsh run --env "$example" -- "$tmp/bin/qemu-system-fake" -m 64 2>"$tmp/err" ||
    fail "run --env qemu-system-fake: $(cat "$tmp/err")"
check "--env" "$tmp/want"

# 5. Another name, no option: nothing appended.
: >"$tmp/want"
OUT=$tmp/out vsh run "$example" -- "$tmp/bin/launcher-fake" 2>"$tmp/err" ||
    fail "run launcher-fake: $(cat "$tmp/err")"
check "no option" "$tmp/want"

# 6. A name that only contains qemu-system further on is not QEMU.
cp "$tmp/bin/launcher-fake" "$tmp/bin/my-qemu-system-x"
OUT=$tmp/out vsh run "$example" -- "$tmp/bin/my-qemu-system-x" 2>"$tmp/err" ||
    fail "run my-qemu-system-x: $(cat "$tmp/err")"
check "prefix only" "$tmp/want"

# --qemu and --env together: a usage error, nothing started.
vsh run --qemu --env "$example" -- true 2>"$tmp/err"
rc=$?
[ "$rc" = 2 ] || fail "--qemu --env exited with $rc, expected 2"
grep -q -- "--qemu and --env exclude each other" "$tmp/err" || fail "--qemu --env: $(cat "$tmp/err")"
expect_all_gone "after the usage error"

# qemu-args of a domain that is only defined: what run would add, and nothing is created
# (tests/launch/qemuargs-inactive.sh compares it with what run passes).
vsh define "$example" >/dev/null || fail "define"
vsh qemu-args web1 >"$tmp/out" 2>"$tmp/err" || fail "qemu-args of a defined domain: $(cat "$tmp/err")"
diff -u "$tmp/golden" "$tmp/out" || fail "qemu-args of the defined domain differs from the file's"
[ -z "$(marked_devices)" ] || fail "qemu-args of a defined domain made devices: $(marked_devices)"
vsh undefine web1 >/dev/null || fail "undefine"
finish
