/* What vnic_run does to the calling process is undone on every path: the dispositions of
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT, the signal mask and RLIMIT_NOFILE are the caller's
 * again after a fork that fails (fault injection: root cannot be refused a fork otherwise),
 * an exec that fails, and a child that ran. In-process, through the public API; run by
 * in-netns.sh: argv[1] is the URI, argv[2] a domain file. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <vnic/vnic.h>

/* The flag the C library adds to every disposition it gives the kernel (its return
 * trampoline): a SIG_DFL never set reads without it, the same SIG_DFL put back reads with it. */
#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL (line %d): ", __LINE__);                                         \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define NSIGS (sizeof(sigs) / sizeof(sigs[0]))

static volatile sig_atomic_t caught[NSIG];

static void on_signal(int sig)
{
    caught[sig]++;
}

typedef struct {
    struct sigaction sa[NSIGS];
    sigset_t mask;
    struct rlimit nofile;
} proc_state;

static void snapshot(proc_state *s)
{
    for (size_t i = 0; i < NSIGS; i++)
        sigaction(sigs[i], NULL, &s->sa[i]);
    sigprocmask(SIG_SETMASK, NULL, &s->mask);
    getrlimit(RLIMIT_NOFILE, &s->nofile);
}

static void compare(const char *when, const proc_state *a)
{
    proc_state b;
    snapshot(&b);
    for (size_t i = 0; i < NSIGS; i++) {
        CHECK(a->sa[i].sa_handler == b.sa[i].sa_handler, "%s: the handler of %s changed", when,
              strsignal(sigs[i]));
        CHECK((a->sa[i].sa_flags & ~SA_RESTORER) == (b.sa[i].sa_flags & ~SA_RESTORER),
              "%s: the flags of %s changed", when, strsignal(sigs[i]));
    }
    for (int sig = 1; sig < NSIG; sig++)
        CHECK(sigismember(&a->mask, sig) == sigismember(&b.mask, sig),
              "%s: signal %d's blocking changed", when, sig);
    CHECK(a->nofile.rlim_cur == b.nofile.rlim_cur && a->nofile.rlim_max == b.nofile.rlim_max,
          "%s: RLIMIT_NOFILE is %llu/%llu, was %llu/%llu", when,
          (unsigned long long)b.nofile.rlim_cur, (unsigned long long)b.nofile.rlim_max,
          (unsigned long long)a->nofile.rlim_cur, (unsigned long long)a->nofile.rlim_max);

    /* The caller's handlers work again: SIGINT and SIGTERM are not no-ops. */
    for (int sig = SIGINT; sig; sig = sig == SIGINT ? SIGTERM : 0) {
        sig_atomic_t before = caught[sig];
        raise(sig);
        CHECK(caught[sig] == before + 1, "%s: %s did not reach the caller's handler", when,
              strsignal(sig));
    }
}

static void gone(vnic_conn *conn, const char *when)
{
    vnic_domain_info *info = NULL;
    vnic_error *err = NULL;
    int r = vnic_domain_lookup(conn, "web1", &info, &err);
    CHECK(r < 0, "%s: domain web1 is still there (%s)", when, r == 0 ? info->state : "");
    vnic_domain_info_free(info);
    vnic_error_free(err);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s URI DOMAIN-FILE\n", argv[0]);
        return 2;
    }
    alarm(120);

    /* A caller with handlers of its own (one with flags), one signal ignored, one blocked, and
     * a soft limit on open files below the hard one, which vnic_run raises. */
    struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
    sigaction(SIGINT, &sa, NULL);
    sa.sa_flags = 0;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &(struct sigaction){.sa_handler = SIG_IGN}, NULL);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_max > 256 && rl.rlim_cur != 256) {
        rl.rlim_cur = 256;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            return perror("setrlimit"), 1;
    }
    CHECK(rl.rlim_cur < rl.rlim_max, "cannot set a soft limit below the hard one");

    proc_state start;
    snapshot(&start);

    vnic_conn *conn = NULL;
    vnic_error *err = NULL;
    if (vnic_conn_open(argv[1], &conn, &err) < 0)
        return fprintf(stderr, "open: %s\n", err->message), 1;

    int status = -1;
#ifdef VNIC_FAULT_INJECTION
    /* fork fails */
    setenv("VNIC_FAULT_FAIL", "run-fork", 1);
    char *true_argv[] = {"true", NULL};
    int r = vnic_run(conn, argv[2], VNIC_RUN_ENV, true_argv, &status, NULL, &err);
    unsetenv("VNIC_FAULT_FAIL");
    CHECK(r < 0, "vnic_run succeeded although fork failed");
    CHECK(err && strstr(err->message, "cannot fork"), "failed fork: the error is '%s'",
          err ? err->message : "(none)");
    vnic_error_free(err);
    err = NULL;
    compare("after a failed fork", &start);
    gone(conn, "after a failed fork");
#else
    fprintf(stderr, "fault injection is off in this build: the failed fork is not tested\n");
#endif

    /* exec fails */
    char *missing_argv[] = {"/nonexistent/vnic-test", NULL};
    CHECK(vnic_run(conn, argv[2], VNIC_RUN_ENV, missing_argv, &status, NULL, &err) < 0,
          "vnic_run of a missing program succeeded");
    CHECK(err && strstr(err->message, "cannot run"), "failed exec: the error is '%s'",
          err ? err->message : "(none)");
    vnic_error_free(err);
    err = NULL;
    compare("after a failed exec", &start);
    gone(conn, "after a failed exec");

    /* the child runs; it sees the raised limit (its soft limit is the hard one) */
    char check[128];
    snprintf(check, sizeof(check), "test \"$(ulimit -Sn)\" = \"$(ulimit -Hn)\"");
    char *sh_argv[] = {"sh", "-c", check, NULL};
    status = -1;
    CHECK(vnic_run(conn, argv[2], VNIC_RUN_ENV, sh_argv, &status, NULL, &err) == 0, "vnic_run: %s",
          err ? err->message : "?");
    CHECK(status == 0, "the child's soft RLIMIT_NOFILE was not raised (status %d)", status);
    vnic_error_free(err);
    err = NULL;
    compare("after a child that ran", &start);
    gone(conn, "after a child that ran");

    vnic_conn_close(conn);
    if (failures) {
        fprintf(stderr, "%d failures\n", failures);
        return 1;
    }
    printf("test-run-restore: all checks passed\n");
    return 0;
}
