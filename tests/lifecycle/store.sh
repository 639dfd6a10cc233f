#!/bin/bash
# The state store trusts none of its files: a FIFO, a symbolic link (to /dev/zero or to a
# real record), an oversized file in place of a record or a definition is refused with an
# error naming it, no command hangs or runs out of memory, and the other domains keep
# working. A symlinked, foreign-owned or group-writable store directory is refused (and not
# chmodded through the link). Every command runs under a bounded timeout, so a hang fails.
source "$(dirname "$0")/common.sh"

# t ARGS...: vnicsh with a time limit; exit status 124 means it hung.
t() { timeout 20 ip netns exec "$ns" "$vnicsh" -c "vnic:///embed?root=$root" "$@"; }

write_domain good 2 "$tmp/good.xml"
write_domain bad 2 "$tmp/bad.xml"
write_domain third 1 "$tmp/third.xml"
t create "$tmp/good.xml" >/dev/null || fail "create good"
t define "$tmp/good.xml" >/dev/null || fail "define good"
t create "$tmp/bad.xml" >/dev/null || fail "create bad"
mv "$root/run/domains/bad.xml" "$tmp/bad-record.xml"
t define "$tmp/bad.xml" >/dev/null || fail "define bad"
mv "$root/lib/defs/bad.xml" "$tmp/bad-def.xml"
ndev=$(marked_devices | wc -l)

# plant KIND FILE: put something that is not a regular file of its own at FILE.
plant() {
    rm -f "$2"
    case $1 in
    fifo) mkfifo "$2" ;;
    zero) ln -s /dev/zero "$2" ;;
    link) ln -s "$3" "$2" ;;
    big) truncate -s 17M "$2" ;;
    esac
}
# The message each kind gets.
expect_msg() {
    case $1 in
    fifo) echo "is not a regular file" ;;
    zero | link) echo "is a symbolic link" ;;
    big) echo "is larger than" ;;
    esac
}

# Others still work next to it.
others_work() { # WHAT
    t domiflist good >/dev/null || fail "$1: domiflist good"
    t create "$tmp/third.xml" >/dev/null || fail "$1: a new domain cannot start"
    t destroy third >/dev/null || fail "$1: destroy third"
}

for kind in fifo zero link big; do
    rec=$root/run/domains/bad.xml
    plant $kind "$rec" "$tmp/bad-record.xml"
    msg=$(expect_msg $kind)

    out=$(t list 2>"$tmp/err"); status=$?
    [ $status -eq 1 ] || fail "record $kind: list exited $status"
    echo "$out" | grep -q '^ good  *active ' || fail "record $kind: list does not show good: $out"
    echo "$out" | grep -q '^ bad  *broken ' || fail "record $kind: list does not show bad as broken: $out"
    grep -qF "vnicsh: error: '$rec' $msg" "$tmp/err" ||
        fail "record $kind: the error does not name the file: $(cat "$tmp/err")"
    out=$(t domiflist bad 2>&1); status=$?
    [ $status -eq 1 ] && echo "$out" | grep -qF "'$rec' $msg" || fail "record $kind: domiflist bad ($status): $out"
    out=$(t reconcile 2>&1); status=$?
    [ $status -eq 1 ] && echo "$out" | grep -qF "'$rec' $msg" || fail "record $kind: reconcile ($status): $out"
    others_work "record $kind"
    [ "$(marked_devices | wc -l)" -eq "$ndev" ] || fail "record $kind: devices were removed"
    rm -f "$rec"
done

# The same for a definition.
for kind in fifo zero link big; do
    def=$root/lib/defs/bad.xml
    plant $kind "$def" "$tmp/bad-def.xml"
    msg=$(expect_msg $kind)
    out=$(t list --all 2>"$tmp/err"); status=$?
    [ $status -eq 1 ] || fail "definition $kind: list --all exited $status"
    echo "$out" | grep -q '^ good  *active ' || fail "definition $kind: list --all does not show good: $out"
    grep -qF "'$def' $msg" "$tmp/err" || fail "definition $kind: list --all: $(cat "$tmp/err")"
    out=$(t start bad 2>&1); status=$?
    [ $status -eq 1 ] && echo "$out" | grep -qF "'$def' $msg" || fail "definition $kind: start bad ($status): $out"
    others_work "definition $kind"
    rm -f "$def"
done

# The name counter (taking an unreadable one for 0 would hand out names freed a moment ago)
# and lock files.
cp "$root/run/name-counter" "$tmp/counter"
plant link "$root/run/name-counter" "$tmp/counter"
out=$(t create "$tmp/third.xml" 2>&1); status=$?
[ $status -eq 1 ] && echo "$out" | grep -qF "'$root/run/name-counter' is a symbolic link" ||
    fail "symlinked counter: create ($status): $out"
rm "$root/run/name-counter"
cp "$tmp/counter" "$root/run/name-counter"
plant fifo "$root/run/locks/third.lock"
out=$(t create "$tmp/third.xml" 2>&1); status=$?
[ $status -eq 1 ] && echo "$out" | grep -qF "'$root/run/locks/third.lock' is not a regular file" ||
    fail "FIFO lock: create ($status): $out"
rm "$root/run/locks/third.lock"
[ "$(marked_devices | wc -l)" -eq "$ndev" ] || fail "counter and lock: devices changed"
others_work "counter and lock repaired"

# A symlinked store directory is refused, and the directory it points to keeps its mode.
for d in run/domains lib/defs; do
    mv "$root/$d" "$root/$d.real"
    chmod 0755 "$root/$d.real"
    ln -s "$(basename "$d").real" "$root/$d"
    out=$(t list 2>&1); status=$?
    [ $status -eq 1 ] && echo "$out" | grep -qF "'$root/$d' is a symbolic link" ||
        fail "symlinked $d: list ($status): $out"
    [ "$(stat -c %a "$root/$d.real")" = 755 ] || fail "symlinked $d: its target was chmodded"
    rm "$root/$d"
    mv "$root/$d.real" "$root/$d"
    chmod 0700 "$root/$d"
done

# A store directory of another user, or one others may write to.
for d in run run/domains run/locks lib/defs; do
    chown 65534 "$root/$d"
    out=$(t list 2>&1); status=$?
    [ $status -eq 1 ] && echo "$out" | grep -qF "'$root/$d' belongs to user 65534" ||
        fail "foreign-owned $d: list ($status): $out"
    chown 0 "$root/$d"
    chmod 0770 "$root/$d"
    out=$(t list 2>&1); status=$?
    [ $status -eq 1 ] && echo "$out" | grep -qF "'$root/$d' may be written by other users" ||
        fail "group-writable $d: list ($status): $out"
    chmod 0700 "$root/$d"
done

t list >/dev/null || fail "the repaired store does not work"

# Opening an existing store makes no directory again: no mkdir of the path's components
# (one failed mkdir each, 28 in one create before).
if command -v strace >/dev/null; then
    ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 ip netns exec "$ns" strace -f -qq -o "$root/mkdir.trace" \
        -e trace=mkdir,mkdirat "$vnicsh" -c "vnic:///embed?root=$root" list >/dev/null ||
        fail "list under strace"
    [ ! -s "$root/mkdir.trace" ] || fail "an existing store's directories made again: $(cat "$root/mkdir.trace")"
    rm -f "$root/mkdir.trace"
fi
t destroy good >/dev/null || fail "destroy good"
ip netns exec "$ns" "$vnicsh" -c "vnic:///embed?root=$root" reconcile >/dev/null 2>&1
[ -z "$(marked_devices)" ] || fail "devices left: $(marked_devices)"
finish
