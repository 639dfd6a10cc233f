#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "i18n.h"
#include "script.h"
#include "strutil.h"

/* What the script's output may add to an error message. */
#define OUTPUT_KEEP 512

/* FMT names the script, then the part of its path that is not safe. */
static int __attribute__((format(printf, 2, 3))) refuse(vnic_error **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *msg = vnic_xvasprintf(fmt, ap);
    va_end(ap);
    vnic_error_set(err, VNIC_ERR_INVALID, "%s", msg);
    if (err && *err)
        (*err)->sys_errno = EPERM;
    return -EPERM;
}

/* A failed system call: its errno, saved before the error is made. */
static int __attribute__((format(printf, 2, 3))) sys_fail(vnic_error **err, const char *fmt, ...)
{
    int e = errno;
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *msg = vnic_xvasprintf(fmt, ap);
    va_end(ap);
    vnic_error_set_errno(err, e, "%s", msg);
    return -e;
}

int vnic_script_open(const char *path, int *ret_fd, vnic_error **err)
{
    if (path[0] != '/')
        return vnic_error_set(err, VNIC_ERR_INVALID, _("script '%s' is not an absolute path"),
                              path),
               -EINVAL;
    _cleanup_close_ int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return sys_fail(err, _("cannot open '%s'"), "/");
    _cleanup_free_ char *copy = vnic_xstrdup(path);
    _cleanup_free_ char *sofar = vnic_xstrdup("/");
    bool last = false;
    for (char *comp = copy + 1, *next; !last; comp = next) {
        struct stat st;
        if (fstat(fd, &st) < 0)
            return sys_fail(err, _("cannot check '%s'"), sofar);
        /* fd is a directory here: who could change what it holds? */
        if (st.st_uid != 0)
            return refuse(err, _("refusing to run script '%s': '%s' is not owned by root"), path,
                          sofar);
        if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
            return refuse(err,
                          _("refusing to run script '%s': '%s' is writable by others than root"),
                          path, sofar);

        while (*comp == '/')
            comp++;
        next = strchr(comp, '/');
        if (next)
            *next++ = '\0';
        if (next) {
            /* "/a/b/" ends with a directory: no file to run. */
            const char *rest = next;
            while (*rest == '/')
                rest++;
            last = !*rest;
        } else {
            last = true;
        }
        if (!*comp || vnic_streq(comp, ".") || vnic_streq(comp, ".."))
            return refuse(err,
                          _("refusing to run script '%s': '%s' is not a plain path (empty, '.' or "
                            "'..' part)"),
                          path, path);
        char *joined = vnic_xasprintf("%s%s%s", sofar, vnic_streq(sofar, "/") ? "" : "/", comp);
        free(sofar);
        sofar = joined;

        int child = openat(fd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (child < 0)
            return sys_fail(err, _("cannot open script '%s'"), path);
        close(fd);
        fd = child;
        if (fstat(fd, &st) < 0)
            return sys_fail(err, _("cannot check '%s'"), sofar);
        if (S_ISLNK(st.st_mode))
            return refuse(err, _("refusing to run script '%s': '%s' is a symbolic link"), path,
                          sofar);
        if (!last && !S_ISDIR(st.st_mode))
            return refuse(err, _("refusing to run script '%s': '%s' is not a directory"), path,
                          sofar);
        if (last) {
            if (!S_ISREG(st.st_mode))
                return refuse(err, _("refusing to run script '%s': '%s' is not a regular file"),
                              path, sofar);
            if (st.st_uid != 0)
                return refuse(err, _("refusing to run script '%s': '%s' is not owned by root"),
                              path, sofar);
            if (st.st_mode & (S_IWGRP | S_IWOTH))
                return refuse(
                    err, _("refusing to run script '%s': '%s' is writable by others than root"),
                    path, sofar);
            if (!(st.st_mode & S_IXUSR))
                return refuse(err, _("refusing to run script '%s': '%s' is not executable"), path,
                              sofar);
        }
    }
    *ret_fd = TAKE_FD(fd);
    return 0;
}

static int script_timeout_ms(void)
{
    const char *v = secure_getenv("VNIC_SCRIPT_TIMEOUT");
    unsigned long s;
    if (v && vnic_parse_uint(v, 1, 3600, &s) == 0)
        return (int)s * 1000;
    return VNIC_SCRIPT_TIMEOUT_S * 1000;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the child, between fork and exec: async-signal-safe calls only. */
static void __attribute__((noreturn)) child_exec(int out_fd, char *const argv[], char *const envp[])
{
    setpgid(0, 0);
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    for (int sig = 1; sig < NSIG; sig++)
        signal(sig, SIG_DFL);
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
        _exit(127);
    /* Nothing else of ours goes to the script (every fd of vnic's is close-on-exec already;
     * this covers what a program using the library left open). */
    syscall(SYS_close_range, 3U, ~0U, 0U);
    /* By its path, as libvirt runs it (the script's $0 is its path): the check just made
     * showed that nobody but root can change any part of that path. */
    execve(argv[0], argv, envp);
    static const char msg[] = "vnic: cannot execute the script\n";
    ssize_t w = write(2, msg, sizeof(msg) - 1);
    (void)w;
    _exit(127);
}

/* Keep the last OUTPUT_KEEP bytes of what the script wrote. */
static void keep_output(char *out, size_t *nout, const char *buf, ssize_t k)
{
    for (ssize_t i = 0; i < k; i++) {
        if (*nout == OUTPUT_KEEP) {
            memmove(out, out + 1, OUTPUT_KEEP - 1);
            (*nout)--;
        }
        out[(*nout)++] = buf[i];
    }
}

int vnic_script_run(const char *path, const char *arg, vnic_error **err)
{
    _cleanup_close_ int script_fd = -1;
    int r = vnic_script_open(path, &script_fd, err);
    if (r < 0)
        return r;
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return sys_fail(err, _("cannot make a pipe for script '%s'"), path);
    _cleanup_close_ int out_r = pipefd[0];
    char *argv[] = {(char *)path, (char *)arg, NULL};
    char *envp[] = {(char *)"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    NULL};
    int timeout = script_timeout_ms();

    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(pipefd[1]);
        return vnic_error_set_errno(err, e, _("cannot start script '%s'"), path), -e;
    }
    if (pid == 0)
        child_exec(pipefd[1], argv, envp);
    close(pipefd[1]);
    setpgid(pid, pid); /* also here: no window in which the group does not exist yet */

    _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    char out[OUTPUT_KEEP + 1];
    size_t nout = 0;
    bool exited = false, timed_out = false, out_open = true;
    long long deadline = now_ms() + timeout;
    while (!exited) {
        long long left = deadline - now_ms();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd pf[2];
        nfds_t npf = 0;
        int out_i = -1;
        if (pidfd >= 0)
            pf[npf++] = (struct pollfd){.fd = pidfd, .events = POLLIN};
        if (out_open) {
            out_i = (int)npf;
            pf[npf++] = (struct pollfd){.fd = out_r, .events = POLLIN};
        }
        /* Without a pidfd (kernels before 5.3), wake up now and then to look. */
        int wait_ms = (int)(left > 60000 ? 60000 : left);
        if (pidfd < 0 && wait_ms > 50)
            wait_ms = 50;
        if (poll(pf, npf, wait_ms) < 0 && errno != EINTR) {
            timed_out = true;
            break;
        }
        if (out_i >= 0 && (pf[out_i].revents & (POLLIN | POLLHUP | POLLERR))) {
            char buf[4096];
            ssize_t k = read(out_r, buf, sizeof(buf));
            if (k <= 0) {
                out_open = false;
            } else {
                keep_output(out, &nout, buf, k);
            }
        }
        int status;
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            exited = true;
            r = status;
        }
    }
    if (timed_out) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        vnic_error_set(err, VNIC_ERR_SYSTEM,
                       _("script '%s' did not finish within %d s and was killed"), path,
                       timeout / 1000);
        if (err && *err)
            (*err)->sys_errno = ETIMEDOUT;
        return -ETIMEDOUT;
    }
    int status = r;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;

    /* What it wrote last, without waiting for whatever it left running with the pipe. */
    if (out_open && fcntl(out_r, F_SETFL, O_NONBLOCK) == 0) {
        char buf[4096];
        ssize_t k;
        while ((k = read(out_r, buf, sizeof(buf))) > 0)
            keep_output(out, &nout, buf, k);
    }

    /* The last line the script printed says why, usually. */
    out[nout] = '\0';
    while (nout && (out[nout - 1] == '\n' || out[nout - 1] == '\r'))
        out[--nout] = '\0';
    char *line = strrchr(out, '\n');
    line = line ? line + 1 : out;
    for (char *p = line; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    if (WIFEXITED(status))
        vnic_error_set(err, VNIC_ERR_SYSTEM, _("script '%s' failed with exit status %d%s%s"), path,
                       WEXITSTATUS(status), *line ? ": " : "", line);
    else
        vnic_error_set(err, VNIC_ERR_SYSTEM, _("script '%s' was killed by signal %d%s%s"), path,
                       WTERMSIG(status), *line ? ": " : "", line);
    return -EIO;
}
