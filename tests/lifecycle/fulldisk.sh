#!/bin/bash
# A full disk, for real: the store lives on a small tmpfs (in a private mount namespace) that
# is filled up. A start whose result cannot be written removes its devices and its record on
# the spot; destroy removes the devices and the record even though its "stopping" mark cannot
# be written; define fails cleanly. Nothing is left behind, and once space is freed the store
# works as before.
if [ -z "${VNIC_T_UNSHARED:-}" ]; then
    exec env VNIC_T_UNSHARED=1 unshare -m --propagation private bash "$0" "$@"
fi
source "$(dirname "$0")/common.sh"

mkdir -p "$root" && mount -t tmpfs -o size=256k,mode=0700 tmpfs "$root" || exit 1
trap 'umount "$root" 2>/dev/null; cleanup' EXIT
t() { timeout 30 ip netns exec "$ns" "$vnicsh" -c "vnic:///embed?root=$root" "$@"; }

# fill [PAGES]: fill the tmpfs, then free PAGES pages (4 KiB each) again.
fill() {
    dd if=/dev/zero of="$root/filler" bs=4096 2>/dev/null
    [ "$(df -B1 --output=avail "$root" | tail -1)" -eq 0 ] || fail "the tmpfs is not full"
    [ "${1:-0}" -eq 0 ] || truncate -s "-$((4096 * $1))" "$root/filler"
}
no_leftovers() { # WHAT
    [ -z "$(marked_devices)" ] || fail "$1: devices left: $(marked_devices)"
    [ -z "$(ls -A "$root/run/domains")" ] || fail "$1: files left: $(ls -A "$root/run/domains")"
    [ -z "$(ls -A "$root/lib/defs")" ] || fail "$1: definitions left: $(ls -A "$root/lib/defs")"
}

write_domain d 2 "$tmp/d.xml"
# Once through, so that the name counter exists (it is rewritten in place at every start).
t create "$tmp/d.xml" >/dev/null || fail "create d"
t destroy d >/dev/null || fail "destroy d"
[ "$(wc -c <"$root/run/domains/../name-counter")" -gt 0 ] || fail "no name counter"

# 1. One free page: the counter and the intent fit, the result does not (its temporary file
# needs a page while the intent still holds one). The devices exist by then.
fill 1
out=$(t create "$tmp/d.xml" 2>&1); status=$?
[ $status -eq 1 ] && echo "$out" | grep -q "No space left on device" ||
    fail "create on a full disk ($status): $out"
no_leftovers "a start that failed with ENOSPC"
out=$(t list 2>&1) && ! echo "$out" | grep -q '^ d ' || fail "list after the failed start: $out"

# 2. Destroy with no space at all: the "stopping" mark cannot be written, the devices and the
# record go anyway.
rm "$root/filler"
t create "$tmp/d.xml" >/dev/null || fail "create d with space"
[ "$(marked_devices | wc -l)" -eq 2 ] || fail "d's devices: $(marked_devices)"
fill 0
out=$(t destroy d 2>&1) || fail "destroy on a full disk: $out"
no_leftovers "destroy on a full disk"

# 3. Define with no space: refused, no half-written definition.
rm "$root/filler"
fill 0
out=$(t define "$tmp/d.xml" 2>&1); status=$?
[ $status -eq 1 ] && echo "$out" | grep -q "No space left on device" ||
    fail "define on a full disk ($status): $out"
no_leftovers "define on a full disk"

# Space again: everything works.
rm "$root/filler"
t create "$tmp/d.xml" >/dev/null || fail "create d after freeing space"
t destroy d >/dev/null || fail "destroy d after freeing space"
t reconcile >/dev/null || fail "reconcile"
no_leftovers "at the end"
finish
