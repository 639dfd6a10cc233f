#!/bin/sh
# A valid policy must be accepted by policy.rng as xmllint reads it (an outside witness, not
# vnic's own code) and by `vnicsh validate`, which tells a policy from a domain by its root
# element (after the XML declaration and a comment here).
set -u
vnicsh=$1 schemadir=$2 file=$3
xmllint --noout --relaxng "$schemadir/policy.rng" "$file" || exit 1
"$vnicsh" validate "$file" || exit 1
exit 0
