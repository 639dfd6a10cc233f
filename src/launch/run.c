/* vnicsh run: start a domain (if it is not running), hand every queue fd to a launcher it
 * runs as a child, supervise the child, and destroy what it started when the child ends. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "domain_conf.h"
#include "fault.h"
#include "fdplace.h"
#include "i18n.h"
#include "launch.h"
#include "log.h"
#include "qemu.h"
#include "strutil.h"
#include "tun.h"

extern char **environ;

static volatile sig_atomic_t child_pid;

static void forward_signal(int sig)
{
    if (child_pid > 0)
        kill((pid_t)child_pid, sig);
}

bool vnic_launch_target_is_file(const char *s)
{
    size_t len = strlen(s);
    return strchr(s, '/') || (len > 4 && vnic_streq(s + len - 4, ".xml"));
}

int vnic_launch_destroy(vnic_conn *conn, const char *name, int r, vnic_error **err)
{
    vnic_error *derr = NULL;
    if (vnic_domain_destroy(conn, name, &derr) == 0)
        return r;
    if (r < 0) {
        vnic_error_free(derr);
        return r;
    }
    *err = derr;
    return -EIO;
}

char *vnic_fds_env(const vnic_domain_snapshot *snap, int first_fd)
{
    const vnic_domain_def *def = snap->def;
    char *out = vnic_xstrdup("");
    int fd = first_fd;
    for (size_t i = 0; i < snap->niface; i++) {
        const vnic_iface_def *d = def->ifaces[i];
        char mac[18] = "-";
        if (d->has_mac)
            vnic_mac_format(d->mac, mac);
        char *fds = vnic_xstrdup("");
        for (size_t q = 0; q < snap->counts[i]; q++) {
            char *next = vnic_xasprintf("%s%s%d", fds, q ? "," : "", fd++);
            free(fds);
            fds = next;
        }
        /* The vhost-net fds, one per queue, as a sixth field: only where there are some, so
         * that an entry without is what it always was. */
        size_t nv = snap->vhost_counts ? snap->vhost_counts[i] : 0;
        for (size_t q = 0; q < nv; q++) {
            char *next = vnic_xasprintf("%s%s%d", fds, q ? "," : " ", fd++);
            free(fds);
            fds = next;
        }
        char *next = vnic_xasprintf("%s%s%s %s %s %d %s", out, i ? ";" : "", snap->ids[i],
                                    d->target_dev ? d->target_dev : "-", mac,
                                    vnic_model_uses_vnet_hdr(d->model) ? 1 : 0, fds);
        free(fds);
        free(out);
        out = next;
    }
    return out;
}

/* qemu-args: one snapshot without fds. Of a domain that is only defined, what `run NAME`
 * would add after starting it (the driver gives the stored definition, whose MACs were made
 * at define, with one fd per queue); nothing is created. */
static char **domain_qemu_args(vnic_conn *conn, const char *name, int first_fd, vnic_error **err)
{
    _cleanup_(vnic_domain_snapshot_freep) vnic_domain_snapshot *snap = NULL;
    if (vnic_conn_domain_snapshot(conn, name, NULL, NULL, 0, VNIC_SNAPSHOT_VHOST, &snap, NULL,
                                  err) < 0)
        return NULL;
    return vnic_qemu_domain_args_vhost(snap->def, snap->counts, snap->vhost_counts, first_fd, NULL);
}

/* The snapshot of the domain to run, with every fd: a domain's name (started if it is only
 * defined) or a document (started transiently unless its domain runs), in one locked driver
 * operation, so that nothing comes between learning the interfaces and opening them. */
static int take_snapshot(vnic_conn *conn, const char *target, unsigned flags,
                         vnic_domain_snapshot **ret, vnic_diag_list *diags, vnic_error **err)
{
    unsigned sflags = VNIC_SNAPSHOT_FDS | VNIC_SNAPSHOT_START | VNIC_SNAPSHOT_VHOST;
    if (!vnic_launch_target_is_file(target))
        return vnic_conn_domain_snapshot(conn, target, NULL, NULL, 0, sflags, ret, diags, err);
    if (flags & VNIC_RUN_SKIP_UNSUPPORTED)
        sflags |= VNIC_SNAPSHOT_SKIP_UNSUPPORTED;
    _cleanup_free_ char *xml = NULL;
    /* Read once: the driver parses it (once) and learns from it which domain to run. */
    int r = vnic_domain_def_read_file(target, &xml, diags, err);
    if (r < 0)
        return r;
    /* The one place a document enters the driver on this path (XML text, named by its file
     * for the diagnostics). */
    return vnic_conn_domain_snapshot(conn, NULL, xml, target, 0, sflags, ret, diags, err);
}

static bool want_qemu(unsigned flags, char *const argv[])
{
    if (flags & VNIC_RUN_QEMU)
        return true;
    if (flags & VNIC_RUN_ENV)
        return false;
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    return vnic_str_has_prefix(base, "qemu-system");
}

static int run(vnic_conn *conn, const char *target, unsigned flags, char *const argv[],
               const char *qmp_socket, int *ret_status, vnic_diag_list *diags, vnic_error **err)
{
    _cleanup_(vnic_domain_snapshot_freep) vnic_domain_snapshot *snap = NULL;
    int r;

    if (!argv || !argv[0])
        return vnic_error_set(err, VNIC_ERR_INVALID, _("no command to run")), -EINVAL;
    if ((r = take_snapshot(conn, target, flags, &snap, diags, err)) < 0)
        return r;
    vnic_fault_step("run: snapshot taken");

    /* Everything below comes from the one snapshot: the definition, the queue counts, the
     * ids and the fds agree with each other whatever happens to the domain meanwhile. */
    const char *name = snap->info->name;
    bool started = snap->started;
    const vnic_domain_def *def = snap->def;
    const size_t *counts = snap->counts;
    /* The fds in the order the child gets them: each interface's queues, then its vhost-net
     * fds (the snapshot keeps the two apart). Taken over from the snapshot. */
    size_t total = snap->nfds + snap->nvhostfds;
    int *fds = vnic_xcalloc(total + 1, sizeof(int));
    {
        size_t k = 0, qoff = 0, voff = 0;
        for (size_t i = 0; i < snap->niface; i++) {
            for (size_t q = 0; q < counts[i] && qoff < snap->nfds; q++, qoff++)
                fds[k++] = TAKE_FD(snap->fds[qoff]);
            size_t nv = snap->vhost_counts ? snap->vhost_counts[i] : 0;
            for (size_t q = 0; q < nv && voff < snap->nvhostfds; q++, voff++)
                fds[k++] = TAKE_FD(snap->vhostfds[voff]);
        }
    }
    char **child_argv = NULL, **child_env = NULL;
    int *scratch = NULL;
    int pipefd[2] = {-1, -1};
    /* What this call changes in the process, put back on every path out (see vnic.h). */
    struct rlimit saved_nofile;
    bool nofile_raised = false;
    int sigs[4] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    struct sigaction saved[4];
    bool handlers_set = false;

    /* The child's command line and environment, made before fork. */
    size_t argc = 0;
    while (argv[argc])
        argc++;
    size_t nextra = 0;
    char **extra =
        want_qemu(flags, argv)
            ? vnic_qemu_domain_args_launcher(def, counts, snap->vhost_counts, 3, argv, &nextra)
            : NULL;
    child_argv = vnic_xcalloc(argc + nextra + 1, sizeof(char *));
    for (size_t i = 0; i < argc; i++)
        child_argv[i] = vnic_xstrdup(argv[i]);
    for (size_t i = 0; i < nextra; i++)
        child_argv[argc + i] = extra[i];
    free(extra);

    size_t nenv = 0;
    while (environ[nenv])
        nenv++;
    child_env = vnic_xcalloc(nenv + 2, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; i < nenv; i++)
        if (!vnic_str_has_prefix(environ[i], "VNIC_FDS="))
            child_env[k++] = vnic_xstrdup(environ[i]);
    char *fdsenv = vnic_fds_env(snap, 3);
    child_env[k++] = vnic_xasprintf("VNIC_FDS=%s", fdsenv);
    free(fdsenv);

    scratch = vnic_xcalloc(total + 1, sizeof(int));
    /* Placing the fds needs a second copy of each for a moment, and a launcher with hundreds
     * of queues needs them all: lift the soft limit on open files to the hard one, as
     * service managers do. */
    if (getrlimit(RLIMIT_NOFILE, &saved_nofile) == 0 &&
        saved_nofile.rlim_cur < saved_nofile.rlim_max) {
        struct rlimit rl = {.rlim_cur = saved_nofile.rlim_max, .rlim_max = saved_nofile.rlim_max};
        nofile_raised = setrlimit(RLIMIT_NOFILE, &rl) == 0;
    }
    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        r = -errno;
        vnic_error_set_errno(err, -r, _("cannot create a pipe"));
        goto out;
    }

    /* Signals the supervisor forwards: blocked across fork so none is lost in between. */
    sigset_t fwd, old;
    sigemptyset(&fwd);
    sigaddset(&fwd, SIGINT);
    sigaddset(&fwd, SIGTERM);
    sigaddset(&fwd, SIGHUP);
    sigaddset(&fwd, SIGQUIT);
    sigprocmask(SIG_BLOCK, &fwd, &old);
    struct sigaction sa = {.sa_handler = forward_signal};
    for (int i = 0; i < 4; i++)
        sigaction(sigs[i], &sa, &saved[i]);
    handlers_set = true;

    pid_t parent = getpid();
    int fail = vnic_fault_fail("run-fork");
    pid_t pid = fail ? (errno = fail, -1) : fork();
    if (pid < 0) {
        r = -errno;
        vnic_error_set_errno(err, -r, _("cannot fork"));
        sigprocmask(SIG_SETMASK, &old, NULL);
        goto out;
    }
    if (pid == 0) {
        /* The child: only async-signal-safe calls until exec. If the supervisor dies, so
         * does the launcher, and reconcile can remove the devices safely. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        for (int i = 0; i < 4; i++)
            sigaction(sigs[i], &dfl, NULL);
        sigprocmask(SIG_SETMASK, &old, NULL);
        int errfd = pipefd[1];
        int report[2] = {1, -vnic_place_fds(fds, total, 3, scratch, &errfd)};
        if (report[1]) {
            (void)!write(errfd, report, sizeof(report));
            _exit(127);
        }
        execvpe(child_argv[0], child_argv, child_env);
        report[0] = 2;
        report[1] = errno;
        (void)!write(errfd, report, sizeof(report));
        _exit(127);
    }

    child_pid = pid;
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(pipefd[1]);
    pipefd[1] = -1;
    /* The child has the queues now; the supervisor keeps none. */
    vnic_close_fds(fds, total);

    /* {stage, errno} if the child failed before the program ran: 1 placing fds, 2 exec. */
    int report[2] = {0, 0};
    ssize_t got;
    do
        got = read(pipefd[0], report, sizeof(report));
    while (got < 0 && errno == EINTR);

    /* With a QMP socket: the guest links that start down go down now that the launcher runs.
     * Where that fails the launcher is stopped and the run fails, as libvirt refuses to
     * start a domain whose links it cannot set: a guest that comes up with a link the XML
     * says is down would be on a network it must not be on. */
    bool links_failed = false;
    if (got == 0 && qmp_socket && vnic_run_needs_qmp(def) &&
        (r = vnic_run_guest_links(def, qmp_socket, pid, err)) < 0) {
        links_failed = true;
        vnic_run_stop_child(pid);
    }

    int wstatus = 0;
    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
        ;
    child_pid = 0;

    if (links_failed) {
        /* r and *err say why */
    } else if (got == sizeof(report)) {
        if (report[0] == 1)
            vnic_error_set_errno(err, report[1], _("cannot hand %zu fds to '%s'"), total, argv[0]);
        else
            vnic_error_set_errno(err, report[1], _("cannot run '%s'"), argv[0]);
        r = -report[1];
    } else {
        *ret_status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
        r = 0;
    }

out:
    if (handlers_set)
        for (int i = 0; i < 4; i++)
            sigaction(sigs[i], &saved[i], NULL);
    if (nofile_raised)
        setrlimit(RLIMIT_NOFILE, &saved_nofile);
    if (pipefd[0] >= 0)
        close(pipefd[0]);
    if (pipefd[1] >= 0)
        close(pipefd[1]);
    vnic_close_fds(fds, total); /* already -1 once the child has them */
    free(fds);
    free(scratch);
    vnic_strv_free(child_argv);
    vnic_strv_free(child_env);
    if (started)
        r = vnic_launch_destroy(conn, name, r, err);
    return r;
}

/* The public entry points: the return convention and flag check of vnic.h (error.h). */

char **vnic_domain_qemu_args(vnic_conn *conn, const char *name, int first_fd, vnic_error **err)
{
    vnic_api_call c;
    vnic_api_begin(&c, __func__, err, NULL, 0, 0);
    return vnic_api_end_ptr(&c, domain_qemu_args(conn, name, first_fd, c.err));
}

int vnic_run(vnic_conn *conn, const char *target, unsigned flags, char *const argv[],
             int *ret_status, vnic_diag_list *diags, vnic_error **err)
{
    const unsigned known = VNIC_RUN_QEMU | VNIC_RUN_ENV | VNIC_RUN_SKIP_UNSUPPORTED;
    vnic_api_call c;
    if (vnic_api_begin(&c, __func__, err, diags, flags, known) < 0)
        return vnic_api_end(&c, -EINVAL);
    return vnic_api_end(&c, run(conn, target, flags, argv, NULL, ret_status, c.diags, c.err));
}

int vnic_run_qmp(vnic_conn *conn, const char *target, unsigned flags, char *const argv[],
                 const char *qmp_socket, int *ret_status, vnic_diag_list *diags, vnic_error **err)
{
    const unsigned known = VNIC_RUN_QEMU | VNIC_RUN_ENV | VNIC_RUN_SKIP_UNSUPPORTED;
    vnic_api_call c;
    if (vnic_api_begin(&c, __func__, err, diags, flags, known) < 0)
        return vnic_api_end(&c, -EINVAL);
    if (!qmp_socket)
        return vnic_api_end(
            &c, (vnic_error_set(c.err, VNIC_ERR_INVALID, _("no QMP socket given")), -EINVAL));
    return vnic_api_end(&c, run(conn, target, flags, argv, qmp_socket, ret_status, c.diags, c.err));
}
