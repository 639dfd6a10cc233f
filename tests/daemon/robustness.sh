#!/bin/bash
# Hostile clients (garbage, a 100 MB message, a half-sent message, calls never read) are each
# closed while another client is served promptly (robustness.py); vnicd's memory stays small
# (not checked under AddressSanitizer, whose quarantine keeps freed memory); the per-user
# connection limit; and vnicd still serves and stops cleanly afterwards.
source "$(dirname "$0")/lib.sh"

# Started with the usual soft fd limit, vnicd raises it to the hard one (256 clients).
[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -gt 1024 ] && ulimit -Sn 1024
vd_start || exit 1
soft=$(awk '/^Max open files/ {print $4}' "/proc/$VD_PID/limits")
hard=$(awk '/^Max open files/ {print $5}' "/proc/$VD_PID/limits")
check "vnicd's soft fd limit is the hard one ($soft, $hard)" [ "$soft" = "$hard" ]
check_rss=1
ldd "$VD_VNICD" 2>/dev/null | grep -q libasan && check_rss=0
check "robustness.py" python3 "$VD_DIR/robustness.py" "$VD_SOCK" "$VD_PID" "$check_rss"
check "vnicd still serves" vd_client io.vnic.Domain.List '{}' >/dev/null
vd_stop TERM
check "vnicd exits 0 on SIGTERM (got $VD_STATUS)" [ "$VD_STATUS" = 0 ]
vd_finish
