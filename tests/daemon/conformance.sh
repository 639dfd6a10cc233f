#!/bin/bash
# The varlink conformance check (conformance.py, a client written from the varlink spec alone)
# against a real vnicd in a namespace of its own; then SIGTERM stops it with exit 0 and the
# socket file it made is gone.
source "$(dirname "$0")/lib.sh"
srcdir=$(cd "$VD_DIR/../.." && pwd)

vd_start || exit 1
check "conformance.py" python3 "$VD_DIR/conformance.py" "$VD_SOCK" "$srcdir" "$vd_ns"

# The daemon's failures are the embedded driver's, word for word: a missing domain, and a bad
# document's diagnostics (file, line, message) under the caller's document name.
msg_of() { python3 -c 'import json, sys; print(json.load(sys.stdin)["parameters"]["message"])'; }
remote=$(vd_client io.vnic.Domain.Lookup '{"name": "nosuch"}' | msg_of)
embedded=$(vd_embed domiflist nosuch 2>&1 | sed 's/^vnicsh: error: //')
check "Lookup's message is the embedded driver's ('$remote' vs '$embedded')" [ "$remote" = "$embedded" ]
printf "<domain>\n  <name>d1</name>\n  <devices>\n    <interface type='ethernet'>\n      <filterref filter='clean-traffic'/>\n    </interface>\n  </devices>\n</domain>\n" >"$vd_tmp/bad.xml"
remote=$(vd_client io.vnic.Domain.Create "$(python3 -c 'import json, sys; print(json.dumps({"xml": open(sys.argv[1]).read(), "docname": sys.argv[1]}))' "$vd_tmp/bad.xml")" |
    python3 -c '
import json, sys
for d in json.load(sys.stdin)["parameters"]["diagnostics"]:
    print("%s:%d: error: %s" % (d["file"], d["line"], d["message"]))')
embedded=$(vd_embed create "$vd_tmp/bad.xml" 2>&1)
check "Create's diagnostics are the embedded driver's ('$remote' vs '$embedded')" [ "$remote" = "$embedded" ]

vd_stop TERM
check "vnicd exits 0 on SIGTERM (got $VD_STATUS)" [ "$VD_STATUS" = 0 ]
check "the socket file is removed" [ ! -e "$VD_SOCK" ]
check "no marked device left" [ -z "$(marked_devices)" ]
vd_finish
