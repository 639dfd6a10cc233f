#!/bin/bash
# The varlink conformance check (conformance.py, a client written from the varlink spec alone)
# against a real vnicd in a namespace of its own; then SIGTERM stops it with exit 0 and the
# socket file it made is gone.
source "$(dirname "$0")/lib.sh"
srcdir=$(cd "$VD_DIR/../.." && pwd)

vd_start || exit 1
check "conformance.py" python3 "$VD_DIR/conformance.py" "$VD_SOCK" "$srcdir" "$vd_ns"
vd_stop TERM
check "vnicd exits 0 on SIGTERM (got $VD_STATUS)" [ "$VD_STATUS" = 0 ]
check "the socket file is removed" [ ! -e "$VD_SOCK" ]
check "no marked device left" [ -z "$(marked_devices)" ]
vd_finish
