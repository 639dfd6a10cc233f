#!/bin/sh
# Every valid data file must be accepted by vnic's own schema, checked by xmllint (an outside
# witness, not vnicsh), and by `vnicsh validate`.
set -u
vnicsh=$1 schemadir=$2 file=$3

root=$(xmllint --xpath 'name(/*)' "$file") || exit 1
case $root in
    domain) rng=$schemadir/domain.rng ;;
    interface) rng=$schemadir/interface.rng ;;
    *) echo "FAIL: unexpected root element <$root>" >&2; exit 1 ;;
esac
xmllint --noout --relaxng "$rng" "$file" || exit 1

opts=
case $file in *-skip.xml) opts=--skip-unsupported ;; esac
"$vnicsh" validate $opts "$file" || exit 1
exit 0
