/* vnicd — serves vnic's embedded driver over varlink to clients of other privileges. Runs in
 * the foreground and logs to stderr (one line per event); systemd's socket activation and
 * readiness notification through sd-daemon. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <systemd/sd-daemon.h>

#include "cleanup.h"
#include "daemon.h"
#include "follow.h"
#include "error.h"
#include "i18n.h"
#include "strutil.h"

#define PROGRAM "vnicd"
#define DEFAULT_SOCKET VNIC_RUNSTATEDIR "/vnicd.sock"
#define DEFAULT_POLICY "/etc/vnic/policy.xml"

static bool log_to_journal;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void vnicd_log(int priority, const char *fmt, ...)
{
    _cleanup_free_ char *line = NULL;
    va_list ap;
    va_start(ap, fmt);
    line = vnic_xvasprintf(fmt, ap);
    va_end(ap);
    /* One write per line: lines of different threads never interleave. Under the journal, the
     * priority prefix ("<3>") sets the entry's level. */
    pthread_mutex_lock(&log_lock);
    if (log_to_journal)
        fprintf(stderr, "<%d>%s\n", priority, line);
    else
        fprintf(stderr, "%s: %s\n", PROGRAM, line);
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
}

static void setup_locale(void)
{
    const char *loc = setlocale(LC_ALL, "");
    if (!loc || vnic_streq(loc, "C") || vnic_streq(loc, "POSIX")) {
        const char *language = getenv("LANGUAGE");
        if (language && *language)
            setlocale(LC_ALL, "C.UTF-8");
    }
    vnic_i18n_init();
}

static void usage(FILE *f)
{
    fprintf(f, _("Usage: %s [OPTION]...\n\n"), PROGRAM);
    fputs(_("Serve vnic's domains over varlink (io.vnic.Domain, io.vnic.Events).\n"), f);
    fputs(_("\nOptions:\n"), f);
    fprintf(f, _("  --socket PATH    listen on PATH (default %s)\n"), DEFAULT_SOCKET);
    fputs(_("  --root DIR       keep the state under DIR (default /run/vnic, /var/lib/vnic)\n"), f);
    fprintf(f,
            _("  --policy FILE    the access policy (default %s; without it only root may act)\n"),
            DEFAULT_POLICY);
    fputs(_("  -h, --help       show this help and exit\n"), f);
    fputs(_("  -V, --version    show the version and exit\n"), f);
}

static void print_error(const char *msg)
{
    fprintf(stderr, _("%s: error: %s\n"), PROGRAM, msg);
}

/* mkdir -p with MODE for the directories that are missing. */
static int make_dirs(const char *path, mode_t mode)
{
    _cleanup_free_ char *p = vnic_xstrdup(path);
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, mode) < 0 && errno != EEXIST)
            return -errno;
        *s = c;
        if (!c)
            return 0;
    }
}

/* Bind and listen on PATH (its directory made if missing). A socket file left by a daemon
 * that died is replaced; one that someone still listens on is refused. */
static int listen_on(const char *path, int *ret_fd)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (!vnic_strlcpy(sa.sun_path, path, sizeof(sa.sun_path))) {
        _cleanup_free_ char *m = vnic_xasprintf(_("socket path '%s' is too long"), path);
        print_error(m);
        return -1;
    }
    _cleanup_free_ char *dir = vnic_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        int r = make_dirs(dir, 0755);
        if (r < 0) {
            _cleanup_free_ char *m =
                vnic_xasprintf(_("cannot create directory '%s': %s"), dir, strerror(-r));
            print_error(m);
            return -1;
        }
    }
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        _cleanup_free_ char *m = vnic_xasprintf(_("cannot create a socket: %s"), strerror(errno));
        print_error(m);
        return -1;
    }
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        _cleanup_close_ int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            _cleanup_free_ char *m = vnic_xasprintf(_("another daemon is listening on '%s'"), path);
            print_error(m);
            return -1;
        }
        unlink(path);
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0 ||
        listen(fd, SOMAXCONN) < 0) {
        _cleanup_free_ char *m =
            vnic_xasprintf(_("cannot listen on '%s': %s"), path, strerror(errno));
        print_error(m);
        return -1;
    }
    *ret_fd = TAKE_FD(fd);
    return 0;
}

/* The socket systemd passed (LISTEN_FDS): none (0, *ret_fd -1), exactly one unix stream
 * socket (0), or anything else (-1, said why). */
static int activation_socket(int *ret_fd)
{
    *ret_fd = -1;
    int n = sd_listen_fds(1);
    if (n < 0) {
        _cleanup_free_ char *m =
            vnic_xasprintf(_("cannot read the sockets systemd passed: %s"), strerror(-n));
        print_error(m);
        return -1;
    }
    if (n == 0)
        return 0;
    if (n != 1 || sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1, NULL, 0) <= 0) {
        _cleanup_free_ char *m = vnic_xasprintf(
            _("systemd passed %d sockets: expected one listening unix stream socket"), n);
        print_error(m);
        for (int i = 0; i < n; i++)
            close(SD_LISTEN_FDS_START + i);
        return -1;
    }
    *ret_fd = SD_LISTEN_FDS_START;
    return 0;
}

static int open_policy(const char *path, bool given, const char *state_dir, vnicd_access **ret)
{
    /* Without a policy file at the default place, only root may act; a policy named on the
     * command line must exist. */
    if (!given && access(path, F_OK) < 0 && errno == ENOENT)
        path = NULL;
    vnic_diag_list diags = {0};
    _cleanup_error_ vnic_error *err = NULL;
    int r = vnicd_access_open(path, state_dir, ret, &diags, &err);
    for (size_t i = 0; i < diags.count; i++) {
        _cleanup_free_ char *s = vnic_diag_to_string(diags.items[i]);
        fprintf(stderr, "%s\n", s);
    }
    vnic_diag_clear(&diags);
    if (r < 0) {
        print_error(err && err->message ? err->message : _("cannot load the access policy"));
        return -1;
    }
    return 0;
}

enum { OPT_SOCKET = 256, OPT_ROOT, OPT_POLICY };

int main(int argc, char **argv)
{
    setup_locale();
    const char *journal = getenv("JOURNAL_STREAM");
    log_to_journal = journal && *journal;

    static const struct option options[] = {
        {"socket", required_argument, NULL, OPT_SOCKET},
        {"root", required_argument, NULL, OPT_ROOT},
        {"policy", required_argument, NULL, OPT_POLICY},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {0},
    };
    const char *socket_path = DEFAULT_SOCKET, *root = NULL, *policy = DEFAULT_POLICY;
    bool policy_given = false;
    int o;
    opterr = 0;
    while ((o = getopt_long(argc, argv, ":hV", options, NULL)) != -1) {
        switch (o) {
        case OPT_SOCKET:
            socket_path = optarg;
            break;
        case OPT_ROOT:
            root = optarg;
            break;
        case OPT_POLICY:
            policy = optarg;
            policy_given = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("%s %s\n", PROGRAM, vnic_version());
            return 0;
        case ':':
            fprintf(stderr, _("%s: option '%s' needs an argument\n"), PROGRAM, argv[optind - 1]);
            usage(stderr);
            return 2;
        default:
            fprintf(stderr, _("%s: unknown option '%s'\n"), PROGRAM, argv[optind - 1]);
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, _("%s: unexpected argument '%s'\n"), PROGRAM, argv[optind]);
        usage(stderr);
        return 2;
    }
    if (!*socket_path || (root && !*root)) {
        print_error(_("empty path"));
        return 2;
    }

    /* A request's large buffer goes back to the system when freed: glibc's threshold for
     * mmap would otherwise grow to the largest block freed, and a 32 MiB request would stay in
     * the heap for good. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    /* libxml2 sets up its global state once, here, before the client threads parse XML at
     * the same time. */
    xmlInitParser();
    /* Each client holds its socket and its embedded connection's fds, and a reply may carry
     * hundreds of queues: 256 clients need more than the usual soft limit of 1024. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);

    _cleanup_free_ char *abs_root = NULL;
    if (root) {
        if (root[0] == '/') {
            abs_root = vnic_xstrdup(root);
        } else {
            _cleanup_free_ char *cwd = getcwd(NULL, 0);
            if (!cwd) {
                print_error(strerror(errno));
                return 1;
            }
            abs_root = vnic_xasprintf("%s/%s", cwd, root);
        }
    }
    _cleanup_free_ char *uri = abs_root ? vnic_xasprintf("vnic:///embed?root=%s", abs_root)
                                        : vnic_xstrdup("vnic:///embed");
    _cleanup_free_ char *state_dir = abs_root ? vnic_xasprintf("%s/lib/vnicd", abs_root)
                                              : vnic_xstrdup(VNIC_LOCALSTATEDIR "/vnicd");
    int r = make_dirs(state_dir, 0700);
    if (r < 0) {
        _cleanup_free_ char *m =
            vnic_xasprintf(_("cannot create directory '%s': %s"), state_dir, strerror(-r));
        print_error(m);
        return 1;
    }

    vnicd_server srv = {.uri = uri, .listen_fd = -1, .stop_fd = -1, .reap_fd = -1};
    pthread_mutex_init(&srv.lock, NULL);
    if (open_policy(policy, policy_given, state_dir, &srv.access) < 0)
        return 1;

    /* SIGTERM and SIGINT arrive on a signalfd; blocked before any thread exists, so that no
     * client thread takes them. */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    pthread_sigmask(SIG_BLOCK, &mask, NULL);
    srv.stop_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    srv.reap_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (srv.stop_fd < 0 || srv.reap_fd < 0) {
        print_error(strerror(errno));
        vnicd_access_free(srv.access);
        return 1;
    }

    /* Finish what a daemon killed in the middle of an operation left half done, and re-adopt
     * the running domains, before anyone is served. */
    {
        vnic_conn *conn = NULL;
        _cleanup_error_ vnic_error *err = NULL;
        if (vnic_conn_open(uri, &conn, &err) < 0) {
            print_error(err && err->message ? err->message : uri);
            vnicd_access_free(srv.access);
            return 1;
        }
        /* The domains that the clients of a killed daemon supervised have nobody to end them
         * now: a full reconcile destroys them (their supervisor's lock is free), as it does
         * the remains of anything else that died half way. */
        vnic_reconcile_action **acts = NULL;
        size_t nacts = 0;
        _cleanup_error_ vnic_error *rerr = NULL;
        if (vnic_reconcile(conn, 0, &acts, &nacts, &rerr) < 0)
            vnicd_log(LOG_WARNING, "reconcile: %s", rerr && rerr->message ? rerr->message : "?");
        for (size_t i = 0; i < nacts; i++)
            vnicd_log(LOG_INFO, "reconcile: %s", acts[i]->message);
        vnic_reconcile_actions_free(acts, nacts);

        /* Domains made outside vnicd (vnic:///embed on the same root) are root's. */
        vnic_domain_info **list = NULL;
        size_t n = 0;
        _cleanup_error_ vnic_error *lerr = NULL;
        (void)vnic_domain_list(conn, VNIC_LIST_ALL, &list, &n, &lerr);
        for (size_t i = 0; i < n; i++) {
            _cleanup_error_ vnic_error *aerr = NULL;
            if (vnicd_access_adopt(srv.access, list[i]->name, &aerr) < 0)
                vnicd_log(LOG_WARNING, "cannot record the owner of '%s': %s", list[i]->name,
                          aerr && aerr->message ? aerr->message : "?");
        }
        vnic_domain_info_list_free(list, n);
        /* What vnicd followed in libvirt before it stopped is followed again (and what
         * libvirt stopped meanwhile goes). */
        vnicd_follow_rearm(&srv, conn);
        vnic_conn_close(conn);
    }

    bool created = false;
    if (activation_socket(&srv.listen_fd) < 0) {
        vnicd_access_free(srv.access);
        return 1;
    }
    if (srv.listen_fd < 0) {
        if (listen_on(socket_path, &srv.listen_fd) < 0) {
            vnicd_access_free(srv.access);
            return 1;
        }
        created = true;
    }
    vnicd_log(LOG_INFO, "listening on %s (state: %s, policy: %s)",
              created ? socket_path : "the socket systemd passed", uri,
              policy_given || access(policy, F_OK) == 0 ? policy : "none, only root may act");
    sd_notify(0, "READY=1\nSTATUS=serving");

    if (created)
        srv.socket_path = socket_path;
    r = vnicd_server_run(&srv);

    close(srv.stop_fd);
    close(srv.reap_fd);
    vnicd_access_free(srv.access);
    pthread_mutex_destroy(&srv.lock);
    vnicd_log(LOG_INFO, "stopped");
    return r < 0 ? 1 : 0;
}
