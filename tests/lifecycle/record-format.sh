#!/bin/bash
# The state record holds the definition as XML elements (<definition><domain>...), not as
# escaped text; records of the older text form still read. Stored definitions (records and
# the store's defs) are read without the schema, which may have changed since vnic wrote
# them, but with the semantic checks: a damaged definition is refused naming the file.
source "$(dirname "$0")/common.sh"

write_domain rf 2 "$tmp/rf.xml"
vsh create "$tmp/rf.xml" >/dev/null || { fail "create"; finish; }
rec=$root/run/domains/rf.xml
cp "$rec" "$tmp/rec.orig"

# 1. The definition is an element, queryable as such.
[ "$(xmllint --xpath 'count(/vnicstate/definition/domain)' "$rec")" = 1 ] ||
    fail "the record's <definition> holds no <domain>: $(cat "$rec")"
[ "$(xmllint --xpath 'string(/vnicstate/definition/domain/name)' "$rec")" = rf ] ||
    fail "the record's <domain> is not rf's"
[ "$(xmllint --xpath 'count(/vnicstate/definition/domain/devices/interface)' "$rec")" = 2 ] ||
    fail "the record's <domain> does not have the 2 interfaces"
[ -z "$(xmllint --xpath 'normalize-space(/vnicstate/definition/text())' "$rec" 2>/dev/null)" ] ||
    fail "the record's <definition> holds text"
vsh dumpxml rf >"$tmp/dump.new" || fail "dumpxml"

# 2. A record of the old form (the definition as escaped text) still reads, the same.
python3 - "$tmp/rec.orig" "$rec" <<'PY' || fail "cannot write the old form"
import sys
import xml.etree.ElementTree as ET
tree = ET.parse(sys.argv[1])
d = tree.getroot().find("definition")
dom = d.find("domain")
d.remove(dom)
d.text = ET.tostring(dom, encoding="unicode")
tree.write(sys.argv[2], encoding="UTF-8", xml_declaration=True)
PY
[ "$(xmllint --xpath 'count(/vnicstate/definition/domain)' "$rec")" = 0 ] || fail "the old form has an element"
vsh dumpxml rf >"$tmp/dump.old" 2>"$tmp/err" || fail "an old-form record does not read: $(cat "$tmp/err")"
diff -u "$tmp/dump.new" "$tmp/dump.old" || fail "the old-form record reads differently"
vsh domiflist rf >/dev/null || fail "domiflist of an old-form record"

# 3. What the schema refuses and the semantic checks allow (a second, empty <devices>) is
# still read, in the record and in the store.
python3 - "$tmp/rec.orig" "$rec" <<'PY' || fail "cannot edit the record"
import sys
import xml.etree.ElementTree as ET
tree = ET.parse(sys.argv[1])
ET.SubElement(tree.getroot().find("definition/domain"), "devices")
tree.write(sys.argv[2], encoding="UTF-8", xml_declaration=True)
PY
echo "<domain><name>x</name><devices/><devices/></domain>" >"$tmp/two-devices.xml"
vsh validate "$tmp/two-devices.xml" >/dev/null 2>&1 && fail "the schema no longer refuses two <devices> (pick another case)"
vsh domiflist rf >/dev/null 2>"$tmp/err" || fail "a record the schema refuses is not read: $(cat "$tmp/err")"
write_domain sd 1 "$tmp/sd.xml"
vsh define "$tmp/sd.xml" >/dev/null || fail "define sd"
def=$root/lib/defs/sd.xml
sed -i 's|</devices>|</devices><devices/>|' "$def"
grep -q '<devices/>' "$def" || fail "cannot edit the stored definition: $(cat "$def")"
vsh dumpxml --inactive sd >/dev/null 2>"$tmp/err" ||
    fail "a stored definition the schema refuses is not read: $(cat "$tmp/err")"
vsh undefine sd >/dev/null || fail "undefine sd"

# 4. A damaged definition (a MAC no parser takes) is refused, naming the file, the line of
# the element and what is wrong; the old form too.
sed 's|<interface type=.ethernet.>|&<mac address="zz:00"/>|' "$tmp/rec.orig" >"$rec"
grep -q 'zz:00' "$rec" || fail "cannot damage the record"
out=$(vsh domiflist rf 2>&1); status=$?
[ $status -eq 1 ] || fail "a damaged definition: domiflist exited $status"
echo "$out" | grep -qE "^vnicsh: error: $rec:[1-9][0-9]*: error: corrupt state record: the stored definition is not valid: .*zz:00" ||
    fail "a damaged definition: $out"
python3 - "$rec" <<'PY' || fail "cannot write the old form"
import sys
import xml.etree.ElementTree as ET
tree = ET.parse(sys.argv[1])
d = tree.getroot().find("definition")
dom = d.find("domain")
d.remove(dom)
d.text = ET.tostring(dom, encoding="unicode")
tree.write(sys.argv[1], encoding="UTF-8", xml_declaration=True)
PY
out=$(vsh domiflist rf 2>&1); status=$?
[ $status -eq 1 ] && echo "$out" | grep -qE "^vnicsh: error: $rec:[1-9][0-9]*: error: corrupt state record: the stored definition is not valid: .*zz:00" ||
    fail "a damaged old-form definition: $status $out"

cp "$tmp/rec.orig" "$rec"
vsh destroy rf >/dev/null || fail "destroy"
[ -z "$(marked_devices)" ] || fail "devices left: $(marked_devices)"
finish
