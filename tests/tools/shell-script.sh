#!/bin/bash
# vnicsh reading commands from standard input (not a terminal): one per line, quoted as sh
# quotes, comments; the first failure stops it with that failure's status, --keep-going goes
# on; quit, help and connect; every line on one connection.
. "$(dirname "$0")/shell-lib.sh"

# run_script STATUS [OPTIONS...] < SCRIPT: run vnicsh on the script, output in $tmp/out and
# $tmp/err, check the exit status.
run_script() {
    local want=$1; shift
    inns "$vnicsh" -c "$uri" "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    [ "$got" -eq "$want" ] || fail "script exited $got, expected $want: $(cat "$tmp/err")"
}
has() { grep -qF -- "$2" "$tmp/$1" || fail "$1 lacks '$2': $(cat "$tmp/$1")"; }
lacks() { ! grep -qF -- "$2" "$tmp/$1" || fail "$1 has '$2': $(cat "$tmp/$1")"; }
count() { grep -cF -- "$2" "$tmp/$1"; }

# Quoting and comments: every dumpxml names web1; the file name has a blank and a quote.
mkdir "$tmp/a dir" && cp "$tmp/web1.xml" "$tmp/a dir/it's.xml"
{
    echo "# a comment, then a blank line"
    echo
    echo "list --all   # a comment after a command"
    echo "dumpxml 'web1'"
    echo "dumpxml \"we\"'b'1"
    echo "  dumpxml w\\eb\\1"
    echo "validate \"$tmp/a dir/it's.xml\""
    echo "validate $(printf '%q' "$tmp/a dir/it's.xml")"
} >"$tmp/quoting"
run_script 0 <"$tmp/quoting"
has out "web2"
[ "$(count out '<name>web1</name>')" = 3 ] || fail "three dumpxml: $(cat "$tmp/out")"
# validate is silent when the file is good: the status says both names arrived whole.
[ ! -s "$tmp/err" ] || fail "stderr: $(cat "$tmp/err")"
echo "validate $tmp/a\ dir/it\'s.xml $tmp/a dir" | run_script 1
has err "$tmp/a: "

# The first failure stops the script with its status; the line is named.
printf '%s\n' "list --all" "start nosuch" "dumpxml web1" >"$tmp/fails"
run_script 1 <"$tmp/fails"
has out "web2"
lacks out "<domain"
has err "domain 'nosuch'"
has err "vnicsh: error: stopped at line 2 (exit status 1)"

# --keep-going: every line runs; the status is the first failure's.
printf '%s\n' "start nosuch" "frobnicate" "dumpxml web1" >"$tmp/fails2"
run_script 1 --keep-going <"$tmp/fails2"
has out "<name>web1</name>"
has err "unknown command 'frobnicate'"
lacks err "stopped at line"
# Each failure names its line, as the first failure does without --keep-going.
has err "vnicsh: error: line 1 failed (exit status 1)"
has err "vnicsh: error: line 2 failed (exit status 2)"
echo list | run_script 0 --keep-going
# Only the shell takes it.
run_script 2 --keep-going list </dev/null
has err "--keep-going is for the shell"

# A usage error: status 2, and the hint fits the shell.
printf '%s\n' "frobnicate" "dumpxml web1" | run_script 2
has err "unknown command 'frobnicate'"
has err "Type 'help' for more information."
lacks out "<domain"
echo "list --bogus" | run_script 2
has err "Type 'help list' for more information."

# An unterminated quote: a usage error naming the line.
printf '%s\n' "list" "dumpxml 'web1" | run_script 2
has err "vnicsh: error: line 2: unterminated quote (')"

# A NUL byte in a line: refused by line, not the line cut short at it (which ran 'list'
# without what followed).
printf 'list\0 --bogus\n' | run_script 2
has err "vnicsh: error: line 1: "
lacks out "Name"

# A backslash at the end of a line stands for itself (there is no next line to join): the
# line's newline is no part of the last word.
printf 'list --all \\\n' | run_script 2
has err "unexpected argument '\\'"

# quit and exit end the script; what follows is not read. They take nothing.
printf '%s\n' "list" "quit" "start nosuch" | run_script 0
printf '%s\n' "exit" "start nosuch" | run_script 0
echo "quit now" | run_script 2

# Standard input that cannot be read (a directory) is a failure, not an empty script.
run_script 1 <"$tmp"
has err "vnicsh: error: cannot read standard input"

# An empty script.
run_script 0 </dev/null
[ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] || fail "an empty script printed something"

# help: the commands from the table (the hidden one left out) and the shell's own;
# help COMMAND.
printf '%s\n' "help" "help domifstat" "help connect" | run_script 0
for c in list dumpxml domifstat domif-setlink help connect quit exit; do
    grep -q "^  $c " "$tmp/out" || fail "help does not list '$c': $(cat "$tmp/out")"
done
grep -q "^  complete " "$tmp/out" && fail "help lists the hidden command complete"
has out "Usage: vnicsh domifstat"
has out "Usage: connect URI"
echo "help frobnicate" | run_script 2

# connect: another state root from then on (it has no domains); a bad URI keeps the old
# connection and fails the line.
printf '%s\n' "connect vnic:///embed?root=$tmp/root2" "list --all" | run_script 0
lacks out "web1"
echo "connect bogus:///x" | run_script 1
has err "vnicsh: error: stopped at line 1"
printf '%s\n' "connect bogus:///x" "list --all" | run_script 1 --keep-going
has out "web1"

# One connection for the whole script: the backend modules load once, not once per command
# (and once more after connect).
printf '%s\n' "list --all" "dumpxml web1" "domifstat web1 ua-front" "list" >"$tmp/four"
inns strace -f -e trace=openat -o "$tmp/trace" "$vnicsh" -c "$uri" --keep-going \
    <"$tmp/four" >/dev/null 2>&1
loads=$(grep -c '"tap.so", O_RDONLY' "$tmp/trace")
[ "$loads" = 1 ] || fail "four commands loaded the tap module $loads times, not once"
printf '%s\n' "list" "connect $uri" "list" >"$tmp/again"
inns strace -f -e trace=openat -o "$tmp/trace" "$vnicsh" -c "$uri" <"$tmp/again" >/dev/null 2>&1
loads=$(grep -c '"tap.so", O_RDONLY' "$tmp/trace")
[ "$loads" = 2 ] || fail "list, connect, list loaded the tap module $loads times, not twice"

exit $((failures > 0))
