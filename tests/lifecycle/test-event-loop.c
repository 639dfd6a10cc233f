/* Events in an event loop of the caller's own, through the public API only: the fd of
 * vnic_event_get_fd polled with poll(), vnic_event_dispatch when it is readable. Then the
 * kernel is made to drop messages (the fd's receive buffer shrunk to the minimum and filled
 * by many link changes while nobody reads), and every change to a watched device that
 * happened meanwhile must still be reported. Run by in-netns.sh: argv[1] is the URI. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <vnic/vnic.h>

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

/* Every event heard, as "TYPE DEVICE DOMAIN INDEX DEGRADED" lines. */
static char heard[65536];

static void on_event(const vnic_event *ev, void *opaque)
{
    (void)opaque;
    size_t len = strlen(heard);
    snprintf(heard + len, sizeof(heard) - len, "%s %s %s %u %d\n", ev->type, ev->device, ev->domain,
             ev->index, ev->degraded);
}

static bool heard_event(const char *type, const char *device)
{
    char want[128];
    snprintf(want, sizeof(want), "%s %s ", type, device);
    for (const char *l = heard; *l;) {
        if (strncmp(l, want, strlen(want)) == 0)
            return true;
        const char *nl = strchr(l, '\n');
        l = nl ? nl + 1 : l + strlen(l);
    }
    return false;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The caller's own loop: poll the fd, dispatch when readable, until QUIET_MS pass without
 * anything to read (or, with UNTIL, until that event is heard), at most 20 s. */
static void loop(vnic_conn *conn, int fd, int quiet_ms, const char *until_type,
                 const char *until_dev)
{
    long long end = now_ms() + 20000;
    while (now_ms() < end) {
        if (until_type && heard_event(until_type, until_dev))
            return;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int n = poll(&pfd, 1, quiet_ms);
        if (n < 0 && errno == EINTR)
            continue;
        CHECK(n >= 0, "poll: %s", strerror(errno));
        if (n <= 0 && !until_type)
            return;
        if (n <= 0)
            continue;
        vnic_error *err = NULL;
        CHECK(vnic_event_dispatch(conn, &err) == 0, "dispatch: %s", err ? err->message : "?");
        vnic_error_free(err);
    }
    CHECK(!until_type, "no %s event for %s within 20 s; heard:\n%s", until_type, until_dev, heard);
}

static void sh(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    int r = system(cmd);
    CHECK(r == 0, "'%s' failed (%d)", cmd, r);
}

/* How many messages the kernel dropped for the netlink socket FD (/proc/net/netlink, found by
 * the socket's inode; reading it does not clear the socket's pending error). */
static long drops_of(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -1;
    FILE *f = fopen("/proc/net/netlink", "re");
    if (!f)
        return -1;
    char line[512];
    long drops = -1;
    while (fgets(line, sizeof(line), f)) {
        char sk[32];
        unsigned long inode;
        long d;
        int proto, rmem, wmem, dump, locks;
        unsigned pid, groups;
        if (sscanf(line, "%31s %d %u %x %d %d %d %d %ld %lu", sk, &proto, &pid, &groups, &rmem,
                   &wmem, &dump, &locks, &d, &inode) == 10 &&
            inode == (unsigned long)st.st_ino)
            drops = d;
    }
    fclose(f);
    return drops;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s URI\n", argv[0]);
        return 2;
    }
    alarm(120); /* a hang is a failure, not a stuck suite */

    const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char path[4096];
    snprintf(path, sizeof(path), "%s/evl.xml", tmpdir);
    FILE *f = fopen(path, "we");
    if (!f)
        return perror(path), 1;
    fputs("<domain><name>evl</name><devices>"
          "<interface type='direct'><source dev='uplink0' mode='bridge'/></interface>"
          "<interface type='direct'><source dev='uplink1' mode='bridge'/></interface>"
          "<interface type='ethernet'/>"
          "<interface type='ethernet'/>"
          "</devices></domain>\n",
          f);
    fclose(f);

    vnic_conn *conn = NULL;
    vnic_error *err = NULL;
    if (vnic_conn_open(argv[1], &conn, &err) < 0)
        return fprintf(stderr, "open: %s\n", err->message), 1;
    vnic_domain_info *info = NULL;
    if (vnic_domain_create_file(conn, path, 0, &info, NULL, &err) < 0)
        return fprintf(stderr, "create: %s\n", err->message), 1;
    if (info->ninterfaces != 4)
        return fprintf(stderr, "create: %zu interfaces\n", info->ninterfaces), 1;
    char mv0[32], mv1[32], tap2[32], tap3[32];
    snprintf(mv0, sizeof(mv0), "%s", info->interfaces[0]->name);
    snprintf(mv1, sizeof(mv1), "%s", info->interfaces[1]->name);
    snprintf(tap2, sizeof(tap2), "%s", info->interfaces[2]->name);
    snprintf(tap3, sizeof(tap3), "%s", info->interfaces[3]->name);
    vnic_domain_info_free(info);
    /* Both taps up before anyone listens, whatever state they were made in. */
    sh("ip link set %s up && ip link set %s up", tap2, tap3);

    int id = 0;
    CHECK(vnic_event_register(conn, on_event, NULL, &id, &err) == 0, "register");

    /* The fd: valid, close-on-exec, the same on every call. */
    int fd = vnic_event_get_fd(conn, &err);
    CHECK(fd >= 0, "get_fd: %s", err ? err->message : "?");
    if (fd < 0)
        return 1;
    CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC, "the event fd is not close-on-exec");
    CHECK(vnic_event_get_fd(conn, NULL) == fd, "a second get_fd gives another fd");

    /* Nothing pending: dispatch returns at once, hearing nothing. */
    long long t0 = now_ms();
    CHECK(vnic_event_dispatch(conn, NULL) == 0, "dispatch with nothing pending");
    CHECK(now_ms() - t0 < 1000, "dispatch with nothing pending blocked");
    CHECK(heard[0] == '\0', "events out of nowhere:\n%s", heard);

    /* One change, one poll wake-up, one dispatch. */
    sh("ip link set %s down", tap2);
    loop(conn, fd, 100, "device-down", tap2);
    loop(conn, fd, 300, NULL, NULL); /* settle */
    CHECK(heard_event("device-down", tap2), "no device-down for %s:\n%s", tap2, heard);
    fprintf(stderr, "heard before the overrun:\n%s", heard);
    heard[0] = '\0';

    /* The overrun: the smallest receive buffer the kernel allows, filled by noise nobody
     * reads, and then the changes that matter, which the kernel must drop. */
    /* Over the remote driver (VNIC_TEST_REMOTE) the fd is not the netlink socket: the burst
     * goes to vnicd's monitor, and every change must still come over the stream. */
    bool remote = getenv("VNIC_TEST_REMOTE") && strcmp(getenv("VNIC_TEST_REMOTE"), "1") == 0;
    int one = 1;
    CHECK(remote || setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &one, sizeof(one)) == 0, "SO_RCVBUF: %s",
          strerror(errno));
    char batch[4096];
    snprintf(batch, sizeof(batch), "%s/batch", tmpdir);
    f = fopen(batch, "we");
    if (!f)
        return perror(batch), 1;
    for (int i = 0; i < 100; i++)
        fprintf(f, "link set noise0 %s\n", i % 2 ? "up" : "down");
    fprintf(f, "link set %s up\nlink set %s down\nlink del %s\nlink set uplink1 down\n", tap2, tap3,
            mv0);
    fclose(f);
    long before = drops_of(fd);
    sh("ip -batch %s", batch);
    long after = drops_of(fd);
    CHECK(remote || (before >= 0 && after > before),
          "the kernel dropped no message (drops %ld -> %ld)", before, after);
    fprintf(stderr, "messages dropped by the kernel: %ld\n", after - before);

    loop(conn, fd, 500, NULL, NULL);
    fprintf(stderr, "heard after the overrun:\n%s", heard);
    CHECK(heard_event("device-up", tap2), "the lost device-up of %s was not reported", tap2);
    CHECK(heard_event("device-down", tap3), "the lost device-down of %s was not reported", tap3);
    CHECK(heard_event("device-removed", mv0), "the lost device-removed of %s was not reported",
          mv0);
    CHECK(heard_event("lower-down", "uplink1"), "the lost lower-down of uplink1 was not reported");
    CHECK(!heard_event("device-removed", mv1) && !heard_event("device-down", mv1),
          "an event for %s, which did not change", mv1);

    /* Reported once, not again on the next resync or batch. */
    heard[0] = '\0';
    sh("ip link set noise0 up");
    loop(conn, fd, 300, NULL, NULL);
    CHECK(heard[0] == '\0', "events repeated:\n%s", heard);

    /* The lost removal degraded the domain. */
    if (vnic_domain_lookup(conn, "evl", &info, &err) == 0) {
        CHECK(strcmp(info->state, "degraded") == 0, "state after the overrun: %s", info->state);
        vnic_domain_info_free(info);
    } else {
        CHECK(0, "lookup: %s", err->message);
        vnic_error_free(err);
        err = NULL;
    }

    CHECK(vnic_event_deregister(conn, id) == 0, "deregister");
    CHECK(vnic_domain_destroy(conn, "evl", &err) == 0, "destroy");
    vnic_error_free(err);
    vnic_conn_close(conn);
    if (failures) {
        fprintf(stderr, "%d failures\n", failures);
        return 1;
    }
    printf("test-event-loop: all checks passed\n");
    return 0;
}
