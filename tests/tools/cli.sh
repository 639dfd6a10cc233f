#!/bin/bash
# vnicsh's command line: help, version, exit statuses, error forms, several files at once,
# and the German translation.
set -u
vnicsh=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
data=$2   # tests/conf

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# expect STATUS CMD...: run, keep stdout/stderr in $tmp/out and $tmp/err, check the status.
expect() {
    local want=$1; shift
    "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    [ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want: $(cat "$tmp/err")"
}

expect 0 "$vnicsh" --help
cp "$tmp/out" "$tmp/help"
grep -q '^Usage: vnicsh' "$tmp/help" || fail "--help has no usage line"
for c in validate format create destroy list domiflist dumpxml; do
    grep -q "^  $c " "$tmp/help" || fail "--help does not list '$c'"
    expect 0 "$vnicsh" "$c" --help
    grep -q "^Usage: vnicsh $c" "$tmp/out" || fail "$c --help has no usage line"
done

expect 0 "$vnicsh" --version
grep -qE '^vnicsh [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/out" || fail "--version prints '$(cat "$tmp/out")'"

# Usage errors: exit 2, "vnicsh: error:" and a hint.
expect 2 "$vnicsh"
grep -q '^vnicsh: error: no command given$' "$tmp/err" || fail "no command: $(cat "$tmp/err")"
expect 2 "$vnicsh" frobnicate
grep -q "^vnicsh: error: unknown command 'frobnicate'$" "$tmp/err" || fail "unknown command"
grep -q "^Try 'vnicsh --help'" "$tmp/err" || fail "no hint after a usage error"
expect 2 "$vnicsh" --bogus
expect 2 "$vnicsh" validate
grep -q "^vnicsh: error: no file given$" "$tmp/err" || fail "validate without file"
expect 2 "$vnicsh" validate --bogus x.xml
expect 2 "$vnicsh" format a.xml b.xml

# Several files: all problems of all files, in order, exit 1; valid files say nothing.
good=$data/xml2xml/in/ethernet-minimal.xml
cat >"$tmp/bad1.xml" <<'XML'
<interface type='direct'>
  <mac address='01:00:5e:00:00:01'/>
  <mtu size='20'/>
</interface>
XML
printf '<interface type="ethernet">\n  <link state="sideways"/>\n' >"$tmp/bad2.xml"
(
    cd "$tmp" || exit 1
    expect 1 "$vnicsh" validate "$good" bad1.xml missing.xml bad2.xml
    cat >"$tmp/want" <<'TXT'
bad1.xml:1: error: interface type 'direct' requires a <source> element
bad1.xml:2: error: MAC address '01:00:5e:00:00:01' is a multicast address, not a unicast one
bad1.xml:3: error: MTU must be an integer from 68 to 65535, not '20'
TXT
    head -n 3 "$tmp/err" | diff -u "$tmp/want" - || fail "messages for bad1.xml"
    grep -q "^missing.xml: error: cannot open file: No such file or directory$" "$tmp/err" ||
        fail "unreadable file: $(cat "$tmp/err")"
    grep -q "^bad2.xml:[0-9]*: error: malformed XML: " "$tmp/err" || fail "malformed XML"
    [ "$(wc -l <"$tmp/err")" -ge 5 ] || fail "expected at least 5 lines: $(cat "$tmp/err")"
    [ -s "$tmp/out" ] && fail "validate printed on stdout"
    exit "$failures"
) || failures=$((failures + $?))

expect 0 "$vnicsh" validate "$good"
[ -s "$tmp/err" ] && fail "a valid file produced messages: $(cat "$tmp/err")"

# Translations: LANGUAGE=de gives German messages, also without LANG set.
(
    cd "$tmp" || exit 1
    LC_ALL= LANG= LANGUAGE=de "$vnicsh" validate bad1.xml 2>"$tmp/de" >/dev/null
    grep -q "^bad1.xml:1: Fehler: " "$tmp/de" || fail "no German message: $(cat "$tmp/de")"
    grep -q "Multicast" "$tmp/de" || fail "MAC message not translated: $(cat "$tmp/de")"
    LC_ALL= LANG= LANGUAGE=de "$vnicsh" --help >"$tmp/de-help"
    grep -q "^Aufruf: vnicsh" "$tmp/de-help" || fail "help not translated: $(head -n 1 "$tmp/de-help")"
    exit "$failures"
) || failures=$((failures + $?))

[ "$failures" -eq 0 ] || { echo "$failures failures"; exit 1; }
echo "cli: all checks passed"
