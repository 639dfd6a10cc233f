/* vnic_run with a QMP socket: once the launcher runs, the guest link of every interface with
 * <link state='down'/> goes down (QMP set_link on the NIC's id), as libvirt does right after
 * it starts QEMU. QEMU has no device property for a NIC's link, so there is no way to say it
 * on the command line: it takes a QMP connection, and the launcher's socket appears some time
 * after the exec. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "i18n.h"
#include "launch.h"
#include "qemu.h"
#include "qmp.h"
#include "strutil.h"

/* How long a launcher may take to create its QMP socket and answer on it. */
#define RUN_QMP_WAIT_MS VNIC_QMP_TIMEOUT_MS
/* How often to look for the socket meanwhile (there is no event for a path appearing that
 * works for every directory; inotify does not see a socket bound in another namespace). */
#define RUN_QMP_RETRY_MS 50

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool vnic_run_needs_qmp(const vnic_domain_def *def)
{
    for (size_t i = 0; i < def->niface; i++)
        if (def->ifaces[i]->link == VNIC_LINK_DOWN)
            return true;
    return false;
}

/* Has CHILD ended? It is not reaped: the supervisor's waitpid still collects it. */
static bool child_gone(pid_t child)
{
    siginfo_t si = {0};
    if (waitid(P_PID, (id_t)child, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
        return errno != EINTR;
    return si.si_pid == child;
}

/* Connect to SOCKET, waiting (bounded) for the launcher to create it and listen. */
static int open_when_there(const char *socket, pid_t child, vnic_qmp **ret, vnic_error **err)
{
    long long deadline = now_ms() + RUN_QMP_WAIT_MS;
    for (;;) {
        vnic_error *e = NULL;
        long long left = deadline - now_ms();
        int r = vnic_qmp_open(socket, left > 0 ? (int)left : 1, ret, &e);
        if (r == 0)
            return 0;
        /* Not there yet (ENOENT) or not listening yet (ECONNREFUSED): look again, as long as
         * the launcher lives and time is left. Anything else is the answer. */
        if ((r != -ENOENT && r != -ECONNREFUSED) || now_ms() >= deadline) {
            *err = e;
            return r;
        }
        vnic_error_free(e);
        if (child_gone(child))
            return vnic_error_set(err, VNIC_ERR_IO,
                                  _("the launcher ended before its QMP socket '%s' took a "
                                    "connection"),
                                  socket),
                   -ECHILD;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = RUN_QMP_RETRY_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
}

int vnic_run_guest_links(const vnic_domain_def *def, const char *socket, pid_t child,
                         vnic_error **err)
{
    vnic_qmp *q = NULL;
    int r = open_when_there(socket, child, &q, err);
    if (r < 0)
        return r;
    for (size_t i = 0; i < def->niface && r == 0; i++) {
        if (def->ifaces[i]->link != VNIC_LINK_DOWN)
            continue;
        /* The id the command line gave the NIC (-device ...,id=): QEMU takes the NIC and its
         * netdev down together. */
        _cleanup_free_ char *id = vnic_qemu_domain_iface_id(def, i);
        if ((r = vnic_qmp_set_link(q, id, false, err)) < 0)
            vnic_error_prefix(err, _("setting the guest's link of '%s' down"), id);
    }
    vnic_qmp_close(q);
    return r;
}

void vnic_run_stop_child(pid_t child)
{
    /* SIGTERM first (QEMU then exits cleanly), SIGKILL when it takes longer than 5 s. The
     * child is not reaped here. */
    kill(child, SIGTERM);
    long long deadline = now_ms() + 5000;
    while (!child_gone(child)) {
        if (now_ms() >= deadline) {
            kill(child, SIGKILL);
            return;
        }
        struct timespec ts = {.tv_sec = 0, .tv_nsec = RUN_QMP_RETRY_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
}
