# Sourced by the tests of vnicsh's shell and completion, with vnicsh as $1: a network
# namespace of their own (removed on exit), a fresh state root $tmp/root ($uri) in which web1
# (interfaces ua-front and ua-back) and web2 are defined, and fail().
set -u
vnicsh=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ "$(id -u)" = 0 ] || { echo "needs root for a network namespace: skipped"; exit 77; }

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

ns=vnic-t-shell-$$-$RANDOM
tmp=$(mktemp -d) || exit 1
uri="vnic:///embed?root=$tmp/root"
trap 'ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"' EXIT
ip netns add "$ns" || exit 1
inns() { ip netns exec "$ns" "$@"; }

cat >"$tmp/web1.xml" <<'XML'
<domain type='kvm'>
  <name>web1</name>
  <devices>
    <interface type='ethernet'>
      <target dev='shf%d'/>
      <model type='virtio'/>
      <alias name='ua-front'/>
    </interface>
    <interface type='ethernet'>
      <target dev='shb%d'/>
      <alias name='ua-back'/>
    </interface>
  </devices>
</domain>
XML
sed -e 's/web1/web2/' -e '/<alias/d' "$tmp/web1.xml" >"$tmp/web2.xml"
for d in web1 web2; do
    inns "$vnicsh" -c "$uri" define "$tmp/$d.xml" >/dev/null || exit 1
done
