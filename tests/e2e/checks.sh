# The checks of the tests that boot a guest (tests/e2e/e2e.sh, tests/libvirt): source it.
#   check DESCRIPTION COMMAND...   counts a check; prints "ok: ..." or counts a failure
#   fail MESSAGE, fatal MESSAGE    a failure; fatal ends the test (status 1)
# $failures and $checks hold the counts.
failures=0
checks=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    checks=$((checks + 1))
    if "$@"; then echo "ok: $what"; else fail "$what"; fi
}
fatal() {
    echo "FATAL: $*"
    exit 1
}
