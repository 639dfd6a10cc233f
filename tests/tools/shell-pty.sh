#!/bin/bash
# vnicsh's interactive shell through a real pseudo-terminal (shell-pty.py does the typing):
# prompt, Tab completion of commands, domains, aliases and options, output, Ctrl-C, quit and
# Ctrl-D, and the history file.
. "$(dirname "$0")/shell-lib.sh"

mkdir -m 0755 "$tmp/state"
inns python3 "$(dirname "$0")/shell-pty.py" "$vnicsh" "$uri" "$tmp/state" || fail "the pty session"
exit $((failures > 0))
