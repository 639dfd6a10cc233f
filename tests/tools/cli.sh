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

# The list of commands gives each one's first sentence whole (not its first line, which cut
# sentences short), wrapped under the summaries' column within 79 columns.
sed -n '/^Commands:/,/^$/p' "$tmp/help" | sed '1d;/^$/d' >"$tmp/summaries"
awk 'length($0) > 79 { print "too wide: " $0 }
     /^  [a-z]/ && prev != "" && prev !~ /[.)]$/ { print "cut short: " prev }
     /^  [a-z]/ { prev = "" } { prev = $0 }
     END { if (prev !~ /[.)]$/) print "cut short: " prev }' "$tmp/summaries" >"$tmp/cut"
[ -s "$tmp/cut" ] && fail "--help's command list: $(cat "$tmp/cut")"
grep -q "^                       policy) against the schema and vnic's rules\.$" "$tmp/summaries" ||
    fail "validate's summary not wrapped under its column: $(grep -A1 '^  validate' "$tmp/summaries")"

# help [COMMAND]: the same text as --help.
expect 0 "$vnicsh" help
cmp -s "$tmp/out" "$tmp/help" || fail "help differs from --help"
expect 0 "$vnicsh" help domiflist
grep -q "^Usage: vnicsh domiflist" "$tmp/out" || fail "help domiflist: $(cat "$tmp/out")"
expect 2 "$vnicsh" help frobnicate

expect 0 "$vnicsh" --version
grep -qE '^vnicsh [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/out" || fail "--version prints '$(cat "$tmp/out")'"
# Nothing may follow --version; --help COMMAND is help COMMAND, another word an error.
expect 2 "$vnicsh" --version extra
grep -q "^vnicsh: error: unexpected argument 'extra'$" "$tmp/err" || fail "--version extra: $(cat "$tmp/err")"
[ ! -s "$tmp/out" ] || fail "--version extra printed: $(cat "$tmp/out")"
expect 2 "$vnicsh" -dV --json
expect 0 "$vnicsh" --help domiflist
grep -q "^Usage: vnicsh domiflist" "$tmp/out" || fail "--help domiflist: $(cat "$tmp/out")"
expect 2 "$vnicsh" --help frobnicate
expect 2 "$vnicsh" --help list extra

# A word of the user's in a usage error is cut at 64 bytes and shows control characters
# escaped: a 100 kB argument is not repeated, a terminal escape not written.
long=$(head -c 100000 /dev/zero | tr '\0' 'x')
"$vnicsh" "$long" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] || fail "a 100 kB unknown command: not a usage error"
[ "$(wc -c <"$tmp/err")" -lt 400 ] || fail "a 100 kB unknown command is repeated: $(wc -c <"$tmp/err") bytes"
grep -q "^vnicsh: error: unknown command 'x\{64\}\.\.\.'$" "$tmp/err" || fail "long command: $(head -c 300 "$tmp/err")"
"$vnicsh" list --timeout "$long" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && [ "$(wc -c <"$tmp/err")" -lt 400 ] || fail "a 100 kB option value is repeated"
expect 2 "$vnicsh" domiflist a $'b\033[31m'
grep -qF "unexpected argument 'b\x1b[31m'" "$tmp/err" || fail "escape in an argument: $(cat -v "$tmp/err")"
! grep -q $'\033' "$tmp/err" || fail "a terminal escape was written to stderr"

# Usage errors: exit 2, "vnicsh: error:" and a hint.
# No command: the shell, here reading an empty script (tests/tools/shell-*.sh check it).
expect 0 "$vnicsh" </dev/null
[ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] || fail "no command: $(cat "$tmp/out" "$tmp/err")"
expect 2 "$vnicsh" frobnicate
grep -q "^vnicsh: error: unknown command 'frobnicate'$" "$tmp/err" || fail "unknown command"
grep -q "^Try 'vnicsh --help'" "$tmp/err" || fail "no hint after a usage error"
expect 2 "$vnicsh" --bogus
expect 2 "$vnicsh" validate
grep -q "^vnicsh: error: no file given$" "$tmp/err" || fail "validate without file"
expect 2 "$vnicsh" validate --bogus x.xml
expect 2 "$vnicsh" format a.xml b.xml

# Option order (the virsh convention): options after operands, "--" ends the options, and
# usage errors (exit 2) name the unknown option or the missing operand. The commands that need
# a driver are checked in cli-order.sh.
good=$data/xml2xml/in/ethernet-minimal.xml
err_is() { [ "$(head -n 1 "$tmp/err")" = "vnicsh: error: $1" ] || fail "wanted '$1', got: $(cat "$tmp/err")"; }
expect 0 "$vnicsh" format "$data/xml2xml/in/domain-unsupported-skip.xml" --skip-unsupported
expect 0 "$vnicsh" validate "$data/xml2xml/in/domain-unsupported-skip.xml" --skip-unsupported
expect 0 "$vnicsh" qemu-args "$data/xml2xml/in/domain-unsupported-skip.xml" --skip-unsupported
expect 0 "$vnicsh" domiflist nosuch --help
grep -q "^Usage: vnicsh domiflist" "$tmp/out" || fail "domiflist NAME --help"
cp "$data/xml2xml/in/ethernet-minimal.xml" "$tmp/-dash.xml"
(
    cd "$tmp" || exit 1
    expect 0 "$vnicsh" validate -- -dash.xml
    expect 0 "$vnicsh" format -- -dash.xml
    expect 2 "$vnicsh" validate -dash.xml
    err_is "unknown option '-d'"
    exit "$failures"
) || failures=$((failures + $?))
# After "--" an option is a file: it does not exist.
expect 1 "$vnicsh" validate -- "$good" --skip-unsupported
grep -q "^--skip-unsupported: error: cannot open file" "$tmp/err" || fail "-- then an option: $(cat "$tmp/err")"
expect 2 "$vnicsh" validate "$good" --bogus
err_is "unknown option '--bogus'"
expect 2 "$vnicsh" domiflist
err_is "missing the domain name"
expect 2 "$vnicsh" domiflist a b
err_is "unexpected argument 'b'"
expect 2 "$vnicsh" list --json=yes
err_is "option '--json' takes no argument"
expect 2 "$vnicsh" events --timeout
err_is "option '--timeout' needs an argument"
expect 2 "$vnicsh" events --timeout=-1
err_is "invalid timeout '-1': expected seconds from 0 to 86400"
expect 2 "$vnicsh" run
err_is "missing the domain name or XML file"
expect 2 "$vnicsh" run web1
err_is "missing the command to run after '--'"
expect 2 "$vnicsh" attach-interface web1
err_is "missing the domain name or the interface XML file"
# The global options: before the command only, with the same rules.
expect 2 "$vnicsh" -c
err_is "option '-c' needs an argument"
expect 2 "$vnicsh" --connect
err_is "option '--connect' needs an argument"
expect 2 "$vnicsh" -dc
err_is "option '-c' needs an argument"
expect 2 "$vnicsh" -x list
err_is "unknown option '-x'"
expect 2 "$vnicsh" list -c vnic:///embed
err_is "unknown option '-c'"
expect 0 "$vnicsh" -dV
grep -q '^vnicsh ' "$tmp/out" || fail "-dV: $(cat "$tmp/out")"
expect 0 "$vnicsh" -c vnic:///nosuch validate "$good"
expect 0 "$vnicsh" --connect=vnic:///nosuch -- validate "$good"

# Several files: all problems of all files, in order, exit 1; valid files say nothing.
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

# Output that cannot be written is a failure (exit 1, said on stderr), not a silent success
# a script would take for the data.
if [ -w /dev/full ]; then
    "$vnicsh" --version >/dev/full 2>"$tmp/full-err"
    [ $? -eq 1 ] || fail "--version to /dev/full: exit status not 1"
    grep -q '^vnicsh: error: ' "$tmp/full-err" || fail "--version to /dev/full: no error: $(cat "$tmp/full-err")"
    "$vnicsh" format "$data/xml2xml/in/$(ls "$data/xml2xml/in" | head -n 1)" >/dev/full 2>"$tmp/full-err"
    [ $? -eq 1 ] || fail "format to /dev/full: exit status not 1: $(cat "$tmp/full-err")"
    "$vnicsh" --help >/dev/full 2>/dev/null
    [ $? -eq 1 ] || fail "--help to /dev/full: exit status not 1"
fi

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
