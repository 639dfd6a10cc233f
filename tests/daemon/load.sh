#!/bin/bash
# Load: 64 concurrent clients, each defining, starting and destroying its own domain 20 times
# (load.py), bounded in time: zero errors, and zero devices left (the kernel as witness).
source "$(dirname "$0")/lib.sh"

vd_start || exit 1
check "64 clients x 20 rounds" python3 "$VD_DIR/load.py" "$VD_SOCK" 64 20 180
check "no marked device left: $(marked_devices | head -3)" [ -z "$(marked_devices)" ]
out=$(vd_client io.vnic.Domain.List '{"all": true}')
check "nothing listed: $out" grep -q '"domains": \[\]' <<<"$out"
vd_stop TERM
check "vnicd exits 0 on SIGTERM (got $VD_STATUS)" [ "$VD_STATUS" = 0 ]
vd_finish
