# Sourced by the vnicsh tests that need a driver (cli-order.sh, json.sh), after `set -u`, with
# vnicsh's path as $1: a network namespace of their own with a fresh state root, and
#   vsh ARGS...           vnicsh ARGS in the namespace on that root
#   expect STATUS ARGS... vsh ARGS, its output in $tmp/out and $tmp/err, checks the status
#   err_is TEXT           the first line on stderr is "vnicsh: error: TEXT"
#   fail MESSAGE          counts a failure; finish NAME ends the test with the verdict
#   on_exit+=(COMMAND)    run (eval) at exit, before the namespace is removed
vnicsh=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ "$(id -u)" = 0 ] || { echo "needs root for a network namespace: skipped"; exit 77; }

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
finish() {
    [ "$failures" -eq 0 ] || { echo "$failures failures"; exit 1; }
    echo "$1: all checks passed"
    exit 0
}

ns=vnic-t-$(basename "$0" .sh)-$$-$RANDOM
tmp=$(mktemp -d) || exit 1
uri="vnic:///embed?root=$tmp/root"
on_exit=()
trap 'for c in "${on_exit[@]}"; do eval "$c"; done; ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"' EXIT
ip netns add "$ns" || exit 1

vsh() { ip netns exec "$ns" "$vnicsh" -c "$uri" "$@"; }
expect() {
    local want=$1; shift
    vsh "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    [ "$got" -eq "$want" ] || fail "'vnicsh $*' exited $got, expected $want: $(cat "$tmp/err")"
}
err_is() { [ "$(head -n 1 "$tmp/err")" = "vnicsh: error: $1" ] || fail "wanted '$1', got: $(cat "$tmp/err")"; }
