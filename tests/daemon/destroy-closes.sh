#!/bin/bash
# vnicd keeps its own copies of the queue fds it sends a client, and closes them in a thread
# of its own after the reply. A Destroy, or an Undefine that destroys, must wait for those
# closes: when it returns, vnicd holds no fd of the devices it removed. The closing thread is held back at its start
# (VNIC_FAULT_PAUSE_AT=vnicd-close-sent, builds with -Dfault_injection=true only), so that
# the Destroy comes while vnicd still holds the queues: deterministic, not a race.
source "$(dirname "$0")/lib.sh"

if [ "${VNIC_TEST_FAULT_INJECTION:-0}" != 1 ]; then
    echo "SKIP: built without -Dfault_injection"
    exit 77
fi

export VNIC_FAULT_PAUSE_AT=vnicd-close-sent VNIC_FAULT_PAUSE_MS=1500
vd_start || exit 1

out=$(python3 - "$VD_DIR" "$VD_SOCK" "$VD_PID" <<'EOF'
import json, os, sys
sys.path.insert(0, sys.argv[1])
from varlink_client import Client

sock, pid = sys.argv[2], sys.argv[3]
xml = """<domain><name>dc</name><devices>
<interface type='direct'><source dev='uplink0' mode='bridge'/><target dev='dc-m0'/></interface>
<interface type='direct'><source dev='uplink0' mode='vepa'/><target dev='dc-m1'/></interface>
<interface type='ethernet'><target dev='dc-t0'/></interface>
</devices></domain>"""

def held():
    """vnicd's open fds, as fd -> what it points to."""
    d = "/proc/%s/fd" % pid
    out = {}
    for fd in os.listdir(d):
        try:
            out[fd] = os.readlink(os.path.join(d, fd))
        except OSError:
            pass
    return out

def call(c, method, params):
    reply, fds = c.call(method, params)
    if "error" in reply:
        print("FAIL: %s: %s" % (method, json.dumps(reply)))
        sys.exit(1)
    return fds

c = Client(sock)
create = {"xml": xml, "docname": "dc.xml"}
# Once without sending fds: whatever vnicd opens on its first start (netlink) is in the
# reference set.
call(c, "io.vnic.Domain.Create", create)
call(c, "io.vnic.Domain.Destroy", {"name": "dc"})
before = held()

def held_after(method, params, start):
    """START the domain, open its queues, close the client's fds, then METHOD: the fds vnicd
    holds when METHOD has returned and did not hold before."""
    start()
    fds = call(c, "io.vnic.Domain.OpenAllQueues", {"name": "dc"})
    if len(fds) != 3:
        print("FAIL: OpenAllQueues sent %d fds, not 3" % len(fds))
        sys.exit(1)
    extra = {fd: t for fd, t in held().items() if before.get(fd) != t}
    if len(extra) < 3:
        print("FAIL: vnicd holds %d new fds after sending 3 (the pause did not hold its copies): %s"
              % (len(extra), extra))
        sys.exit(1)
    for fd in fds:
        os.close(fd)
    call(c, method, params)
    return {fd: t for fd, t in held().items() if before.get(fd) != t}

left = held_after("io.vnic.Domain.Destroy", {"name": "dc"},
                  lambda: call(c, "io.vnic.Domain.Create", create))
if left:
    print("FAIL: after Destroy returned, vnicd still holds %s" % left)
    sys.exit(1)

def define_and_start():
    call(c, "io.vnic.Domain.Define", create)
    call(c, "io.vnic.Domain.Start", {"name": "dc"})

left = held_after("io.vnic.Domain.Undefine", {"name": "dc", "destroy": True}, define_and_start)
if left:
    print("FAIL: after Undefine (destroy) returned, vnicd still holds %s" % left)
    sys.exit(1)
print("ok: vnicd held none of the queues it sent after Destroy, nor after Undefine")
EOF
)
st=$?
echo "$out"
check "the queues vnicd sent are closed when Destroy and Undefine return" [ $st -eq 0 ]
check "no device left" [ -z "$(marked_devices)" ]
vd_stop TERM
check "vnicd stops cleanly (status $VD_STATUS)" [ "$VD_STATUS" = 0 ]
vd_finish
