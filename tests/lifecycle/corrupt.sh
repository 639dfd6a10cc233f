#!/bin/bash
# A truncated or corrupt state record: a clear error naming the file, and the rest of the
# store still usable (list shows the others, they can be destroyed, new domains start).
source "$(dirname "$0")/common.sh"

write_domain good 2 "$tmp/good.xml"
write_domain bad 2 "$tmp/bad.xml"
write_domain third 2 "$tmp/third.xml"
vsh create "$tmp/good.xml" >/dev/null || fail "create good"
vsh create "$tmp/bad.xml" >/dev/null || fail "create bad"
vsh define "$tmp/bad.xml" >/dev/null || fail "define bad"

for how in truncate garbage; do
    rec=$root/run/domains/bad.xml
    cp "$rec" "$tmp/bad-record.xml"
    case $how in
    truncate) head -c 200 "$tmp/bad-record.xml" >"$rec" ;;
    garbage) sed 's/status="active"/status="exploded"/' "$tmp/bad-record.xml" >"$rec" ;;
    esac

    out=$(vsh list 2>"$tmp/err"); status=$?
    [ $status -eq 1 ] || fail "$how: list exited $status with a corrupt record"
    echo "$out" | grep -q '^ good ' || fail "$how: list does not show the readable domain: $out"
    echo "$out" | grep -q '^ bad  *broken ' || fail "$how: list does not show bad as broken: $out"
    # The file, and a real line or none (never line 0).
    grep -qE "^vnicsh: error: $rec(:[1-9][0-9]*)?: error: corrupt state record: " "$tmp/err" ||
        fail "$how: the error does not name the file (or a real line): $(cat "$tmp/err")"
    # The intact definition stays visible, the record's problem reported apart.
    out=$(vsh list --all 2>"$tmp/err"); status=$?
    [ $status -eq 1 ] || fail "$how: list --all exited $status with a corrupt record"
    echo "$out" | grep -qE '^ bad +broken +yes +2$' ||
        fail "$how: list --all hides bad's definition: $out"
    echo "$out" | grep -q '^ good ' || fail "$how: list --all does not show good: $out"
    grep -q "$rec" "$tmp/err" || fail "$how: list --all does not report the record: $(cat "$tmp/err")"
    out=$(vsh domiflist bad 2>&1); status=$?
    [ $status -eq 1 ] && echo "$out" | grep -q "$rec" || fail "$how: domiflist bad: $out"
    vsh domiflist good >/dev/null || fail "$how: domiflist of the readable domain"

    # Reconcile reports it and, lacking an owner for its devices, deletes nothing of them.
    vsh reconcile >"$tmp/rec.out" 2>&1
    grep -q "corrupt state record" "$tmp/rec.out" || fail "$how: reconcile does not report the record: $(cat "$tmp/rec.out")"
    [ "$(marked_devices | wc -l)" -eq 4 ] || fail "$how: reconcile removed devices of an unreadable record"
    cp "$tmp/bad-record.xml" "$rec"
done

vsh create "$tmp/third.xml" >/dev/null || fail "a new domain cannot start next to a corrupt record"
vsh destroy third >/dev/null || fail "destroy third"
vsh destroy good >/dev/null || fail "destroy good"
vsh destroy bad >/dev/null || fail "destroy bad after its record was repaired"
vsh undefine bad >/dev/null || fail "undefine bad"
[ -z "$(marked_devices)" ] || fail "devices left: $(marked_devices)"
finish
