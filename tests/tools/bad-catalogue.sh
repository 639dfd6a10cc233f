#!/bin/bash
# A message catalogue is data from outside: one whose translations take other printf
# arguments than their originals (%n, a %d where %s belongs, more directives than
# arguments) must not crash vnicsh; the message falls back to English. A well-formed
# translation of the same catalogue, with its arguments reordered (%2$s), is still used.
# The catalogue is compiled with msgfmt without -c, as an attacker would.
set -u
vnicsh=$1
msgfmt=$(command -v msgfmt) || { echo "SKIP: msgfmt is missing"; exit 77; }
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/locale/de/LC_MESSAGES"
cat >"$tmp/bad.po" <<'PO'
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"

msgid "unknown command '%s'"
msgstr "UNBEKANNT %n %s"

msgid "cannot open file: %s"
msgstr "KAPUTT: %d"

msgid "Try '%s --help' for more information.\n"
msgstr "VERSUCH %s %s %s %s %s --help\n"

msgid "Try '%s %s --help' for more information.\n"
msgstr "GELADEN '%2$s' bei '%1$s'\n"
PO
"$msgfmt" -o "$tmp/locale/de/LC_MESSAGES/vnic.mo" "$tmp/bad.po" || { fail "msgfmt"; exit 1; }

run() { out=$(VNIC_LOCALEDIR=$tmp/locale LANGUAGE=de "$vnicsh" "$@" 2>&1); status=$?; }

run frobnicate
[ $status -eq 2 ] || fail "unknown command: exit $status: $out"
grep -qF "unknown command 'frobnicate'" <<<"$out" || fail "%n: no English fallback: $out"
grep -q "UNBEKANNT" <<<"$out" && fail "%n: the bad translation was used: $out"
grep -qF "Try 'vnicsh --help' for more information." <<<"$out" || fail "extra directives: no English fallback: $out"

run validate "$tmp/nonexistent.xml"
[ $status -eq 1 ] || fail "missing file: exit $status: $out"
grep -qF "cannot open file: " <<<"$out" || fail "%d for %s: no English fallback: $out"

# The good translation is used: the catalogue was loaded.
run validate
[ $status -eq 2 ] || fail "validate without operand: exit $status: $out"
grep -qF "GELADEN 'validate' bei 'vnicsh'" <<<"$out" || fail "the good translation is not used: $out"

[ $failures -eq 0 ] || exit 1
echo "bad-catalogue: all checks passed"
