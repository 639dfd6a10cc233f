# Shared by the kernel test scripts; sourced, never run. A script is started by meson as
#   bash SCRIPT VNICSH KT_TOOL BACKEND_DIR [ARGS...]
# and gets: private network namespaces (vnic-t-*) with veth pairs, fresh state roots, a
# vnicsh wrapper, witnesses of the kernel's view, and check accounting. Everything it makes
# is removed on exit, whatever happens.
set -u

if [ $# -lt 3 ]; then
    echo "usage: $0 VNICSH KT_TOOL BACKEND_DIR [ARGS...]" >&2
    exit 2
fi
KT_VNICSH=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
KT_TOOL=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
export VNIC_BACKEND_DIR=$3
shift 3
KT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KT_NAME=$(basename "$0" .sh)
# Keep names short: a namespace name becomes a file name, and devices are named after nothing.
KT_ID="$$-$RANDOM"

if [ "$(id -u)" != 0 ]; then
    echo "$KT_NAME: needs root (network namespaces)" >&2
    exit 77
fi

kt_failures=0
kt_checks=0
KT_NAMESPACES=()
KT_DIRS=()

kt_cleanup() {
    local ns d
    for ns in "${KT_NAMESPACES[@]}"; do
        ip netns del "$ns" 2>/dev/null
    done
    for d in "${KT_DIRS[@]}"; do
        rm -rf "$d"
    done
}
trap kt_cleanup EXIT
trap 'exit 130' INT TERM HUP

fail() {
    echo "FAIL: $*" >&2
    kt_failures=$((kt_failures + 1))
}

# check DESCRIPTION COMMAND...: counts a check; a failing command is a failure.
check() {
    local what=$1
    shift
    kt_checks=$((kt_checks + 1))
    if ! "$@"; then
        fail "$what"
    fi
}

# Set-up that must work, or nothing after it means anything.
must() {
    if ! "$@"; then
        echo "FATAL: set-up step failed: $*" >&2
        exit 1
    fi
}

kt_finish() {
    if [ $kt_failures -ne 0 ]; then
        echo "$KT_NAME: $kt_failures of $kt_checks checks failed"
        exit 1
    fi
    if [ $kt_checks -eq 0 ]; then
        echo "$KT_NAME: no checks ran" >&2
        exit 1
    fi
    echo "$KT_NAME: all $kt_checks checks passed"
    exit 0
}

# kt_netns VAR: a new network namespace, name in $VAR, IPv6 off (no stray ND/MLD frames), lo
# up. Removed on exit.
kt_netns() {
    local name="vnic-t-$KT_NAME-$KT_ID-${#KT_NAMESPACES[@]}"
    must ip netns add "$name"
    KT_NAMESPACES+=("$name")
    must ip netns exec "$name" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1
    must ip -n "$name" link set lo up
    printf -v "$1" '%s' "$name"
}

# kt_veth NS A B: a veth pair A (the lower device vnic uses) and B (its peer), both up.
kt_veth() {
    must ip -n "$1" link add "$2" type veth peer name "$3"
    must ip -n "$1" link set "$2" up
    must ip -n "$1" link set "$3" up
}

# kt_tmpdir VAR: a fresh directory (mktemp -d), removed on exit.
kt_tmpdir() {
    local d
    d=$(mktemp -d) || exit 1
    KT_DIRS+=("$d")
    printf -v "$1" '%s' "$d"
}

# kt_mark ROOT: the prefix of the marks (IFLA_IFALIAS) a store under ROOT gives its devices,
# "vnic@HASH:" with HASH the FNV-1a of the root's path, as src/driver/embed.c computes it.
kt_mark() {
    python3 -c '
import sys
h = 2166136261
for b in sys.argv[1].encode():
    h = ((h ^ b) * 16777619) & 0xffffffff
print("vnic@%08x:" % h)' "$1"
}

# vsh NS ROOT ARGS...: vnicsh inside NS with its state under ROOT.
vsh() {
    local ns=$1 root=$2
    shift 2
    ip netns exec "$ns" "$KT_VNICSH" -c "vnic:///embed?root=$root" "$@"
}

# vrun NS ROOT ARGS...: vsh, with its output (stdout and stderr) in $out and exit in $status.
vrun() {
    out=$(vsh "$@" 2>&1)
    status=$?
}

# expect_fail NS ROOT MESSAGE ARGS...: vnicsh exits 1 with "vnicsh: error: " and MESSAGE.
expect_fail() {
    local ns=$1 root=$2 msg=$3
    shift 3
    vrun "$ns" "$root" "$@"
    kt_checks=$((kt_checks + 1))
    if [ "$status" -ne 1 ]; then
        fail "vnicsh $* exited $status, not 1: $out"
        return 1
    fi
    if ! grep -qF -- "vnicsh: error: " <<<"$out" || ! grep -qF -- "$msg" <<<"$out"; then
        fail "vnicsh $*: the error does not say: $msg
  it says: $out"
        return 1
    fi
    echo "ok (expected failure): $out"
}

# expect_ok NS ROOT ARGS...: vnicsh exits 0.
expect_ok() {
    vrun "$@"
    kt_checks=$((kt_checks + 1))
    if [ "$status" -ne 0 ]; then
        fail "vnicsh ${*:3} exited $status: $out"
        return 1
    fi
}

# The kernel's view, through ip -d -j, vnic's netlink dump and sysfs (see linkcheck.py).
linkcheck() {
    python3 "$KT_DIR/linkcheck.py" "$1" "$KT_TOOL" "${@:2}"
}

# check_link NS DEV KEY=VALUE...: every witness agrees with each expectation.
check_link() {
    check "$2 in $1: $(echo "${@:3}")" linkcheck "$1" check "$2" "${@:3}"
}

# check_absent NS DEV...: no such devices.
check_absent() {
    check "absent in $1: ${*:2}" linkcheck "$1" absent "${@:2}"
}

# link_get NS DEV KEY: one value as ip reports it (empty and a failure if unknown).
link_get() {
    linkcheck "$1" get "$2" "$3"
}

# assert_no_vnic_devices NS [PREFIX]: no device in NS carries an alias starting with "vnic"
# (any vnic mark; or PREFIX, e.g. "$(kt_mark "$root")DOMAIN/": none of that domain's marks).
assert_no_vnic_devices() {
    check "no device with a mark '${2:-vnic}...' is left in $1" linkcheck "$1" novnic "${2:-vnic}"
}

# assert_no_records NS ROOT: no state record (nor a temporary one) under ROOT, and vnicsh
# lists no domain.
assert_no_records() {
    local ns=$1 root=$2 left=""
    if [ -d "$root/run/domains" ]; then
        left=$(ls -A "$root/run/domains")
    fi
    check "no state record is left under $root/run/domains (found: $left)" test -z "$left"
    vrun "$ns" "$root" list --json
    check "vnicsh list --json shows no domain: $out" \
        python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1]) == [] else 1)' "$out"
}

# domif NS ROOT DOMAIN INDEX FIELD: one field of vnicsh domiflist --json.
domif() {
    vsh "$1" "$2" domiflist --json "$3" |
        python3 -c 'import json,sys; v=json.load(sys.stdin)[int(sys.argv[1])][sys.argv[2]]; print("null" if v is None else str(v).lower() if isinstance(v, bool) else v)' "$4" "$5"
}

# record_group ROOT DOMAIN: the link group vnic's record holds for DOMAIN.
record_group() {
    python3 -c 'import sys, xml.etree.ElementTree as E; print(E.parse(sys.argv[1]).getroot().get("group"))' \
        "$1/run/domains/$2.xml"
}

# count_links NS KIND [LOWER]: how many devices of KIND (on LOWER) ip reports in NS; prints
# nothing (so that a comparison fails) if ip does not answer.
count_links() {
    ip -n "$1" -d -j link show | python3 -c '
import json, sys
links = json.load(sys.stdin)
print(sum(1 for l in links if l.get("linkinfo", {}).get("info_kind") == sys.argv[1]
          and (len(sys.argv) < 3 or l.get("link") == sys.argv[2])))' "${@:2}"
}
