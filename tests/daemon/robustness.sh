#!/bin/bash
# Hostile clients (garbage, a 100 MB message, a half-sent message, calls never read) are each
# closed while another client is served promptly (robustness.py); vnicd's memory stays small
# (not checked under AddressSanitizer, whose quarantine keeps freed memory); the per-user
# connection limit; and vnicd still serves and stops cleanly afterwards.
source "$(dirname "$0")/lib.sh"

vd_start || exit 1
check_rss=1
ldd "$VD_VNICD" 2>/dev/null | grep -q libasan && check_rss=0
check "robustness.py" python3 "$VD_DIR/robustness.py" "$VD_SOCK" "$VD_PID" "$check_rss"
check "vnicd still serves" vd_client io.vnic.Domain.List '{}' >/dev/null
vd_stop TERM
check "vnicd exits 0 on SIGTERM (got $VD_STATUS)" [ "$VD_STATUS" = 0 ]
vd_finish
