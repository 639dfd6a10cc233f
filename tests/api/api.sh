#!/bin/sh
# Runs an in-process API test in a private network namespace of its own: the test makes
# devices fail on purpose (a tap named 'lo') and must never touch the host's interfaces.
exec unshare -n -- "$@"
