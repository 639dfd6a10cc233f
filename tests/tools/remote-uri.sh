#!/bin/bash
# The remote driver's URIs without a daemon: a bad URI is refused naming it, a daemon that does
# not run is named by its socket (and said not to run), and the default URI of a user who is
# not root is the daemon's (vnic:///system), unless $VNIC_DEFAULT_URI says otherwise.
set -u
vnicsh=$1
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect STATUS STDERR-LINE vnicsh ARGS...: the exit status and the whole of stderr.
expect() {
    local want=$1 line=$2
    shift 2
    local out status
    out=$("$@" 2>&1 >/dev/null)
    status=$?
    [ "$status" = "$want" ] || fail "$*: exit status $status, expected $want ($out)"
    [ "$out" = "$line" ] || fail "$*: stderr
  got:      $out
  expected: $line"
}

missing=$tmp/no-such.sock
expect 1 "vnicsh: error: cannot connect to 'vnic:///system?socket=$missing': the daemon's socket '$missing' does not exist: is vnicd running?" \
    "$vnicsh" -c "vnic:///system?socket=$missing" list
expect 1 "vnicsh: error: cannot connect to 'vnic+unix:///system?socket=$missing': the daemon's socket '$missing' does not exist: is vnicd running?" \
    "$vnicsh" -c "vnic+unix:///system?socket=$missing" list

# A socket nobody listens on (bound, then its process gone): refused.
python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$tmp/dead.sock"
expect 1 "vnicsh: error: cannot connect to 'vnic+unix:///system?socket=$tmp/dead.sock': nobody listens on the daemon's socket '$tmp/dead.sock': is vnicd running?" \
    "$vnicsh" -c "vnic+unix:///system?socket=$tmp/dead.sock" list

# Bad URIs: each named, nothing tried.
expect 1 "vnicsh: error: cannot connect to 'vnic:///system?root=/x': unsupported parameters in connection URI 'vnic:///system?root=/x' (only socket=PATH is known)" \
    "$vnicsh" -c "vnic:///system?root=/x" list
expect 1 "vnicsh: error: cannot connect to 'vnic:///system?socket=/a&socket=/b': unsupported parameters in connection URI 'vnic:///system?socket=/a&socket=/b' (only socket=PATH is known)" \
    "$vnicsh" -c "vnic:///system?socket=/a&socket=/b" list
expect 1 "vnicsh: error: cannot connect to 'vnic+unix:///system?socket=rel.sock': the socket in connection URI 'vnic+unix:///system?socket=rel.sock' must be an absolute path" \
    "$vnicsh" -c "vnic+unix:///system?socket=rel.sock" list
expect 1 "vnicsh: error: cannot connect to 'vnic+unix:///session': unsupported connection URI 'vnic+unix:///session' (the daemon's is vnic:///system or vnic+unix:///system?socket=PATH)" \
    "$vnicsh" -c "vnic+unix:///session" list
expect 1 "vnicsh: error: no driver serves connection URI 'vnic:///other'" \
    "$vnicsh" -c "vnic:///other" list

# The default for a user who is not root: the daemon, on its usual socket (which this test
# cannot create: only its name is checked), or $VNIC_DEFAULT_URI.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null &&
    setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$vnicsh"; then
    nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env -u VNIC_DEFAULT_URI "$@"; }
    out=$(nobody "$vnicsh" list 2>&1)
    status=$?
    [ "$status" = 1 ] || fail "list as nobody without a daemon: exit status $status ($out)"
    case $out in
    "vnicsh: error: cannot connect to 'vnic:///system': "*/run/vnic/vnicd.sock*) ;;
    *) fail "list as nobody does not try the daemon's socket: $out" ;;
    esac
    gone=/nonexistent-vnic-test/vnicd.sock
    out=$(nobody VNIC_DEFAULT_URI="vnic:///system?socket=$gone" "$vnicsh" list 2>&1)
    [ "$out" = "vnicsh: error: cannot connect to 'vnic:///system?socket=$gone': the daemon's socket '$gone' does not exist: is vnicd running?" ] ||
        fail "VNIC_DEFAULT_URI for nobody: $out"
else
    echo "(the default URI of other users is not checked: not root, or no setpriv)"
fi

[ "$failures" -eq 0 ] || { echo "$failures failures"; exit 1; }
echo "remote-uri: all checks passed"
