/* vnic-bench: what vnic's start and destroy of a domain cost, against the floor of the same
 * kernel work done with bare system calls, and against `ip -batch`.
 *
 * For each kind (tap, macvtap) and each size N it times, on CLOCK_MONOTONIC:
 *
 *   vnic   vnic_domain_create_file of a generated domain of N interfaces (create), then
 *          vnic_domain_open_all_queues (open), closing every fd (close, timed apart: it is
 *          kernel work only, and in neither start nor destroy), then vnic_domain_destroy
 *          (destroy); start = create + open;
 *   floor  the same kernel work as a bare loop: taps are made with /dev/net/tun + TUNSETIFF,
 *          one hand-written RTM_SETLINK (alias, MAC, group, up) and TUNSETPERSIST; macvtaps
 *          with RTM_NEWLINK + RTM_SETLINK (alias, up); the queues are opened again (TUNSETIFF
 *          on /dev/net/tun, or the macvtap's character device through a private node made
 *          from its major:minor in sysfs); everything is deleted with one RTM_DELLINK by
 *          IFLA_GROUP;
 *   ip     one `ip -batch` file making the devices (tuntap add / link add, and link set for
 *          alias, MAC, group and up) and one deleting them (N `link del`: one by one). ip opens
 *          no queues, so its start is creation only.
 *
 * It must run as root inside a network namespace of its own that has the lower device (see
 * run-bench.sh, which makes one). It prints a table of per-interface costs, the ratios
 * vnic/floor, the targets (as information, never as a failure) and the results as one line of
 * JSON ("BENCH-JSON {...}", also written to --json FILE). Exit status: 0, or 1 when vnic
 * failed where the floor succeeded, 2 for a usage or setup error. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "vnic/vnic.h"

extern char **environ;

#define MAX_SIZES 16
#define MAX_REPS 64
#define VNET_HDR_SIZE 12

/* Link groups of the floor's and ip's devices (vnic picks its own, from 0x766e0001 on). */
#define FLOOR_GROUP 0x626e0001U
#define IP_GROUP 0x626e0002U
#define BACKGROUND_GROUP 0x626e0003U

enum { KIND_TAP, KIND_MACVTAP, KIND_COUNT };
/* M_REMOTE: vnic's same calls through vnicd (the remote driver), when --remote gives its URI.
 * M_PIPE: the floor's kernel work with its netlink requests pipelined (sent in batches, the
 * acknowledgements collected after): what a batch path could reach below the floor. */
enum { M_VNIC, M_FLOOR, M_IP, M_REMOTE, M_PIPE, M_COUNT };

static const char *const kind_name[KIND_COUNT] = {"tap", "macvtap"};
static const char *const method_name[M_COUNT] = {"vnic", "floor", "ip", "remote", "pipe"};
/* Name prefixes: vnic's come from a template and its own counter. */
static const char *const name_prefix[M_COUNT][KIND_COUNT] = {
    {"bvt", "bvm"}, {"bft", "bfm"}, {"bit", "bim"}, {"brt", "brm"}, {"bpt", "bpm"}};

/* One repetition of one method: totals in microseconds. */
typedef struct {
    double create, open, close, destroy;
} sample;

typedef struct {
    int nsamples;
    sample s[MAX_REPS];
    bool failed;
    char error[512];
    /* medians */
    double create, open, close, start, destroy;
} method_result;

typedef struct {
    int kind;
    int n;
    int reps;
    bool ran;
    method_result m[M_COUNT];
} row;

static struct {
    const char *root;
    const char *lower;
    const char *ip;
    const char *json_path;
    bool kinds[KIND_COUNT];
    int sizes[MAX_SIZES];
    int nsizes;
    int reps; /* 0: by size */
    bool methods[M_COUNT];
    int background; /* devices that exist during the whole run, like other VMs' */
    bool no_ipv6;
    int settle_ms;
    bool verbose;
    const char *remote_uri; /* vnicd's URI: the remote method and the round trip */
    bool methods_given;
    int rtt_calls;
} opt = {
    .settle_ms = 50,
    .lower = "uplink0",
    .ip = "ip",
    .kinds = {true, true},
    .sizes = {1, 16, 256, 1024},
    .nsizes = 4,
    .methods = {true, true, true, false, true},
    .rtt_calls = 2000,
};

static vnic_conn *conn;
static vnic_conn *rconn; /* through vnicd, with --remote */
static int nl_fd = -1;
static int ioctl_fd = -1;
static uint32_t nl_seq;
static int lower_ifindex;
static char nodes_dir[4096];
static unsigned long run_counter;

/* ---- small helpers --------------------------------------------------------------------- */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("vnic-bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static void seterr(method_result *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void seterr(method_result *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!m->failed)
        vsnprintf(m->error, sizeof(m->error), fmt, ap);
    va_end(ap);
    m->failed = true;
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    if (n <= 0)
        return 0;
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void mac_of(uint8_t first, int method, int kind, int i, uint8_t mac[6])
{
    mac[0] = first;
    mac[1] = 0x54;
    mac[2] = 0x00;
    mac[3] = (uint8_t)(0x10 * (method + 1) + kind);
    mac[4] = (uint8_t)(i >> 8);
    mac[5] = (uint8_t)i;
}

static void mac_str(const uint8_t mac[6], char buf[18])
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
}

static int write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "we");
    if (!f)
        return -errno;
    size_t w = fwrite(data, 1, len, f);
    int r = fclose(f);
    return w == len && r == 0 ? 0 : -EIO;
}

/* A growing string. */
typedef struct {
    char *s;
    size_t len, alloc;
} buf;

static void bprintf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bprintf(buf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->alloc - b->len;
        int n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0)
            die("formatting failed");
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        b->alloc = (b->alloc + (size_t)n + 1) * 2;
        b->s = realloc(b->s, b->alloc);
        if (!b->s)
            die("out of memory");
    }
}

/* ---- raw route netlink ----------------------------------------------------------------- */

typedef struct {
    struct nlmsghdr h;
    struct ifinfomsg ifi;
    char attrs[1024];
} nlreq;

static void req_init(nlreq *r, uint16_t type, uint16_t flags)
{
    memset(r, 0, sizeof(*r));
    r->h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
    r->h.nlmsg_type = type;
    r->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
    r->ifi.ifi_family = AF_UNSPEC;
}

static struct rtattr *req_put(nlreq *r, unsigned short type, const void *data, size_t len)
{
    size_t off = NLMSG_ALIGN(r->h.nlmsg_len);
    size_t alen = RTA_LENGTH(len);
    if (off + RTA_ALIGN(alen) > sizeof(*r))
        die("netlink request too large");
    struct rtattr *a = (struct rtattr *)(void *)((char *)r + off);
    a->rta_type = type;
    a->rta_len = (unsigned short)alen;
    if (len)
        memcpy(RTA_DATA(a), data, len);
    r->h.nlmsg_len = (uint32_t)(off + RTA_ALIGN(alen));
    return a;
}

static void req_put_u32(nlreq *r, unsigned short type, uint32_t v)
{
    req_put(r, type, &v, sizeof(v));
}

static void req_put_str(nlreq *r, unsigned short type, const char *s)
{
    req_put(r, type, s, strlen(s) + 1);
}

static void req_nest_end(nlreq *r, struct rtattr *a)
{
    a->rta_len = (unsigned short)((char *)r + r->h.nlmsg_len - (char *)a);
}

/* Pipelined requests: up to PIPE_BATCH of them in one send, then their acknowledgements.
 * The kernel handles the messages of one send one after the other and acknowledges each
 * (an error does not stop the rest), so every request keeps its own answer. Batches are
 * bounded so that the acknowledgements fit the socket's receive buffer. */
#define PIPE_BATCH 64

typedef struct {
    union {
        char b[PIPE_BATCH * sizeof(nlreq)];
        struct nlmsghdr align;
    } buf;
    size_t len;
    int n;
    uint32_t first_seq;
    int err[PIPE_BATCH];
} nlpipe;

static void pipe_add(nlpipe *p, nlreq *r)
{
    if (p->n == 0)
        p->first_seq = nl_seq + 1;
    r->h.nlmsg_seq = ++nl_seq;
    memcpy(p->buf.b + p->len, r, r->h.nlmsg_len);
    p->len += NLMSG_ALIGN(r->h.nlmsg_len);
    p->err[p->n++] = 1; /* no answer yet */
}

/* Send the batch and collect every acknowledgement: 0 when all were sent and answered (each
 * answer in p->err[i]), or a negative errno. */
static int pipe_flush(nlpipe *p)
{
    if (p->n == 0)
        return 0;
    if (send(nl_fd, p->buf.b, p->len, 0) < 0)
        return -errno;
    int pending = p->n;
    while (pending > 0) {
        union {
            char b[16384];
            struct nlmsghdr align;
        } in;
        ssize_t n = recv(nl_fd, in.b, sizeof(in.b), 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        for (const struct nlmsghdr *h = &in.align; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
            uint32_t i = h->nlmsg_seq - p->first_seq;
            if (h->nlmsg_type != NLMSG_ERROR || i >= (uint32_t)p->n || p->err[i] != 1)
                continue;
            p->err[i] = ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
            pending--;
        }
    }
    return 0;
}

/* Send one request and wait for its acknowledgement: 0 or a negative errno. */
static int nl_talk(nlreq *r)
{
    static nlpipe p;
    p.len = 0;
    p.n = 0;
    pipe_add(&p, r);
    int e = pipe_flush(&p);
    return e < 0 ? e : p.err[0];
}

/* One RTM_DELLINK for every link of GROUP: the kernel's batch path. */
static int delete_group(uint32_t group)
{
    nlreq r;
    req_init(&r, RTM_DELLINK, 0);
    req_put_u32(&r, IFLA_GROUP, group);
    return nl_talk(&r);
}

/* ---- the floor: taps ------------------------------------------------------------------- */

static int tun_attach(const char *name, unsigned short flags, int *ret_fd)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    ifr.ifr_flags = (short)flags;
    int sz = VNET_HDR_SIZE;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    *ret_fd = fd;
    return 0;
}

static int floor_tap_create(int n, method_result *m)
{
    for (int i = 0; i < n; i++) {
        char name[IFNAMSIZ], alias[64];
        uint8_t mac[6];
        snprintf(name, sizeof(name), "%s%d", name_prefix[M_FLOOR][KIND_TAP], i);
        snprintf(alias, sizeof(alias), "bench:floor-tap-%lu/%d", run_counter, i);
        mac_of(0xfe, M_FLOOR, KIND_TAP, i, mac);

        int fd;
        int r = tun_attach(name, IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_TUN_EXCL, &fd);
        if (r < 0)
            return seterr(m, "TUNSETIFF %s: %s", name, strerror(-r)), r;
        nlreq q;
        req_init(&q, RTM_SETLINK, 0);
        q.ifi.ifi_flags = IFF_UP;
        q.ifi.ifi_change = IFF_UP;
        req_put_str(&q, IFLA_IFNAME, name);
        req_put_str(&q, IFLA_IFALIAS, alias);
        req_put(&q, IFLA_ADDRESS, mac, 6);
        req_put_u32(&q, IFLA_GROUP, FLOOR_GROUP);
        r = nl_talk(&q);
        if (r < 0) {
            close(fd);
            return seterr(m, "RTM_SETLINK %s: %s", name, strerror(-r)), r;
        }
        if (ioctl(fd, TUNSETPERSIST, 1UL) < 0) {
            r = -errno;
            close(fd);
            return seterr(m, "TUNSETPERSIST %s: %s", name, strerror(-r)), r;
        }
        close(fd);
    }
    return 0;
}

static int floor_tap_open(int method, int n, int *fds, method_result *m)
{
    for (int i = 0; i < n; i++) {
        char name[IFNAMSIZ];
        snprintf(name, sizeof(name), "%s%d", name_prefix[method][KIND_TAP], i);
        int r = tun_attach(name, IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, &fds[i]);
        if (r < 0)
            return seterr(m, "attaching to %s: %s", name, strerror(-r)), r;
    }
    return 0;
}

/* ---- the pipelined floor --------------------------------------------------------------- */

/* Send the requests of devices [from, to) that fill() builds, PIPE_BATCH at a time; the first
 * refusal is reported with its device. */
static int pipe_requests(int kind, int from, int to, const char *what,
                         void (*fill)(nlreq *q, int kind, int i), method_result *m)
{
    static nlpipe p;
    for (int b = from; b < to; b += PIPE_BATCH) {
        p.len = 0;
        p.n = 0;
        int end = b + PIPE_BATCH < to ? b + PIPE_BATCH : to;
        for (int i = b; i < end; i++) {
            nlreq q;
            fill(&q, kind, i);
            pipe_add(&p, &q);
        }
        int r = pipe_flush(&p);
        if (r < 0)
            return seterr(m, "%s: %s", what, strerror(-r)), r;
        for (int i = 0; i < p.n; i++)
            if (p.err[i] < 0)
                return seterr(m, "%s of device %d: %s", what, b + i + 1, strerror(-p.err[i])),
                       p.err[i];
    }
    return 0;
}

static void pipe_name(int kind, int i, char name[IFNAMSIZ])
{
    snprintf(name, IFNAMSIZ, "%s%d", name_prefix[M_PIPE][kind], i);
}

static void fill_newlink(nlreq *q, int kind, int i)
{
    char name[IFNAMSIZ];
    uint8_t mac[6];
    pipe_name(kind, i, name);
    mac_of(0x52, M_PIPE, kind, i, mac);
    req_init(q, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    req_put_str(q, IFLA_IFNAME, name);
    req_put_u32(q, IFLA_LINK, (uint32_t)lower_ifindex);
    req_put(q, IFLA_ADDRESS, mac, 6);
    req_put_u32(q, IFLA_GROUP, FLOOR_GROUP);
    struct rtattr *li = req_put(q, IFLA_LINKINFO, NULL, 0);
    req_put_str(q, IFLA_INFO_KIND, "macvtap");
    struct rtattr *data = req_put(q, IFLA_INFO_DATA, NULL, 0);
    req_put_u32(q, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
    req_nest_end(q, data);
    req_nest_end(q, li);
}

/* Mark and up; for a tap also MAC and group (a tap gets them only after TUNSETIFF). */
static void fill_setlink(nlreq *q, int kind, int i)
{
    char name[IFNAMSIZ], alias[64];
    pipe_name(kind, i, name);
    snprintf(alias, sizeof(alias), "bench:pipe-%s-%lu/%d", kind_name[kind], run_counter, i);
    req_init(q, RTM_SETLINK, 0);
    q->ifi.ifi_flags = IFF_UP;
    q->ifi.ifi_change = IFF_UP;
    req_put_str(q, IFLA_IFNAME, name);
    req_put_str(q, IFLA_IFALIAS, alias);
    if (kind == KIND_TAP) {
        uint8_t mac[6];
        mac_of(0xfe, M_PIPE, kind, i, mac);
        req_put(q, IFLA_ADDRESS, mac, 6);
        req_put_u32(q, IFLA_GROUP, FLOOR_GROUP);
    }
}

/* Taps: TUNSETIFF for a batch (each fd kept open), their RTM_SETLINKs pipelined, then
 * TUNSETPERSIST and close; macvtaps: every RTM_NEWLINK pipelined, then every RTM_SETLINK. */
static int pipe_create(int kind, int n, method_result *m)
{
    if (kind == KIND_MACVTAP) {
        int r = pipe_requests(kind, 0, n, "RTM_NEWLINK macvtap", fill_newlink, m);
        return r < 0 ? r : pipe_requests(kind, 0, n, "RTM_SETLINK", fill_setlink, m);
    }
    int fds[PIPE_BATCH];
    for (int b = 0; b < n; b += PIPE_BATCH) {
        int end = b + PIPE_BATCH < n ? b + PIPE_BATCH : n, r = 0, made = 0;
        for (int i = b; i < end && r == 0; i++, made++) {
            char name[IFNAMSIZ];
            pipe_name(kind, i, name);
            r = tun_attach(name, IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_TUN_EXCL, &fds[i - b]);
            if (r < 0) {
                seterr(m, "TUNSETIFF %s: %s", name, strerror(-r));
                break;
            }
        }
        if (r == 0)
            r = pipe_requests(kind, b, end, "RTM_SETLINK", fill_setlink, m);
        for (int i = 0; i < made; i++) {
            if (r == 0 && ioctl(fds[i], TUNSETPERSIST, 1UL) < 0) {
                r = -errno;
                seterr(m, "TUNSETPERSIST of device %d: %s", b + i + 1, strerror(-r));
            }
            close(fds[i]);
        }
        if (r < 0)
            return r;
    }
    return 0;
}

/* ---- the floor: macvtaps --------------------------------------------------------------- */

static int floor_macvtap_create(int n, method_result *m)
{
    for (int i = 0; i < n; i++) {
        char name[IFNAMSIZ], alias[64];
        uint8_t mac[6];
        snprintf(name, sizeof(name), "%s%d", name_prefix[M_FLOOR][KIND_MACVTAP], i);
        snprintf(alias, sizeof(alias), "bench:floor-macvtap-%lu/%d", run_counter, i);
        mac_of(0x52, M_FLOOR, KIND_MACVTAP, i, mac);

        nlreq q;
        req_init(&q, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
        req_put_str(&q, IFLA_IFNAME, name);
        req_put_u32(&q, IFLA_LINK, (uint32_t)lower_ifindex);
        req_put(&q, IFLA_ADDRESS, mac, 6);
        req_put_u32(&q, IFLA_GROUP, FLOOR_GROUP);
        struct rtattr *li = req_put(&q, IFLA_LINKINFO, NULL, 0);
        req_put_str(&q, IFLA_INFO_KIND, "macvtap");
        struct rtattr *data = req_put(&q, IFLA_INFO_DATA, NULL, 0);
        req_put_u32(&q, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
        req_nest_end(&q, data);
        req_nest_end(&q, li);
        int r = nl_talk(&q);
        if (r < 0)
            return seterr(m, "RTM_NEWLINK macvtap %s (device %d): %s", name, i + 1, strerror(-r)),
                   r;

        req_init(&q, RTM_SETLINK, 0);
        q.ifi.ifi_flags = IFF_UP;
        q.ifi.ifi_change = IFF_UP;
        req_put_str(&q, IFLA_IFNAME, name);
        req_put_str(&q, IFLA_IFALIAS, alias);
        r = nl_talk(&q);
        if (r < 0)
            return seterr(m, "RTM_SETLINK %s: %s", name, strerror(-r)), r;
    }
    return 0;
}

/* K macvtaps on the lower device (persistent taps when the run has no macvtaps)
 * that stay for the whole run: a host that already has other VMs' devices. */
static void make_background(int k)
{
    for (int i = 0; i < k; i++) {
        char name[IFNAMSIZ];
        uint8_t mac[6];
        snprintf(name, sizeof(name), "bbg%d", i);
        mac_of(0x52, M_COUNT, 0, i, mac);
        nlreq q;
        int r;
        if (lower_ifindex) {
            req_init(&q, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
            q.ifi.ifi_flags = IFF_UP;
            q.ifi.ifi_change = IFF_UP;
            req_put_str(&q, IFLA_IFNAME, name);
            req_put_u32(&q, IFLA_LINK, (uint32_t)lower_ifindex);
            req_put(&q, IFLA_ADDRESS, mac, 6);
            req_put_u32(&q, IFLA_GROUP, BACKGROUND_GROUP);
            struct rtattr *li = req_put(&q, IFLA_LINKINFO, NULL, 0);
            req_put_str(&q, IFLA_INFO_KIND, "macvtap");
            struct rtattr *data = req_put(&q, IFLA_INFO_DATA, NULL, 0);
            req_put_u32(&q, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
            req_nest_end(&q, data);
            req_nest_end(&q, li);
            r = nl_talk(&q);
        } else {
            int fd;
            r = tun_attach(name, IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_TUN_EXCL, &fd);
            if (r == 0) {
                req_init(&q, RTM_SETLINK, 0);
                q.ifi.ifi_flags = IFF_UP;
                q.ifi.ifi_change = IFF_UP;
                req_put_str(&q, IFLA_IFNAME, name);
                req_put_u32(&q, IFLA_GROUP, BACKGROUND_GROUP);
                r = nl_talk(&q);
                if (r == 0 && ioctl(fd, TUNSETPERSIST, 1UL) < 0)
                    r = -errno;
                close(fd);
            }
        }
        if (r < 0) {
            delete_group(BACKGROUND_GROUP);
            die("cannot make background device %d of %d: %s", i + 1, k, strerror(-r));
        }
    }
}

static int read_small(const char *path, char *out, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, out, size - 1);
    int e = errno;
    close(fd);
    if (n < 0)
        return -e;
    out[n] = '\0';
    return 0;
}

/* Open the macvtap's character device as vnic does: the device number from this namespace's
 * sysfs, a private node for it, opened and unlinked at once. */
static int macvtap_queue_open(const char *name, int *ret_fd)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (ioctl(ioctl_fd, SIOCGIFINDEX, &ifr) < 0)
        return -errno;
    char path[128], text[32];
    snprintf(path, sizeof(path), "/sys/class/net/%s/macvtap/tap%d/dev", name, ifr.ifr_ifindex);
    int r = read_small(path, text, sizeof(text));
    if (r < 0)
        return r;
    unsigned maj, min;
    if (sscanf(text, "%u:%u", &maj, &min) != 2)
        return -EINVAL;
    char node[4200];
    snprintf(node, sizeof(node), "%s/floor-%s", nodes_dir, name);
    if (mknod(node, S_IFCHR | 0600, makedev(maj, min)) < 0)
        return -errno;
    int fd = open(node, O_RDWR | O_CLOEXEC | O_NOCTTY);
    int e = errno;
    unlink(node);
    if (fd < 0)
        return -e;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    int sz = VNET_HDR_SIZE;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0) {
        e = errno;
        close(fd);
        return -e;
    }
    *ret_fd = fd;
    return 0;
}

static int floor_macvtap_open(int method, int n, int *fds, method_result *m)
{
    for (int i = 0; i < n; i++) {
        char name[IFNAMSIZ];
        snprintf(name, sizeof(name), "%s%d", name_prefix[method][KIND_MACVTAP], i);
        int r = macvtap_queue_open(name, &fds[i]);
        if (r < 0)
            return seterr(m, "opening the queue of %s: %s", name, strerror(-r)), r;
    }
    return 0;
}

static void close_fds(int *fds, int n)
{
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0) {
            close(fds[i]);
            fds[i] = -1;
        }
}

/* Closing a macvtap queue waits for a whole RCU grace period (tap_put_queue calls
 * synchronize_rcu), about 10 ms here: 1024 fds closed one after another take over 10 s, the
 * same for vnic and the floor. So the fds are closed by up to CLOSE_THREADS threads at once,
 * whose waits overlap. */
#define CLOSE_THREADS 64

typedef struct {
    int *fds;
    int n, first, step;
} close_job;

static void *close_worker(void *data)
{
    const close_job *j = data;
    for (int i = j->first; i < j->n; i += j->step)
        if (j->fds[i] >= 0) {
            close(j->fds[i]);
            j->fds[i] = -1;
        }
    return NULL;
}

static void close_fds_parallel(int *fds, int n)
{
    int nt = n < CLOSE_THREADS ? n : CLOSE_THREADS;
    if (nt <= 1) {
        close_fds(fds, n);
        return;
    }
    pthread_t th[CLOSE_THREADS];
    close_job jobs[CLOSE_THREADS];
    int started = 0;
    for (int t = 0; t < nt; t++) {
        jobs[t] = (close_job){.fds = fds, .n = n, .first = t, .step = nt};
        if (pthread_create(&th[t], NULL, close_worker, &jobs[t]) != 0)
            break;
        started++;
    }
    for (int t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    close_fds(fds, n); /* whatever a thread that did not start left */
}

/* The floor (METHOD M_FLOOR) or the pipelined floor (M_PIPE): the same opens and destroy. */
static void run_floor(int method, int kind, int n, method_result *m)
{
    int *fds = malloc(sizeof(int) * (size_t)n);
    if (!fds)
        die("out of memory");
    for (int i = 0; i < n; i++)
        fds[i] = -1;
    sample s = {0};

    double t0 = now_us();
    int r = method == M_PIPE   ? pipe_create(kind, n, m)
            : kind == KIND_TAP ? floor_tap_create(n, m)
                               : floor_macvtap_create(n, m);
    double t1 = now_us();
    if (r == 0)
        r = kind == KIND_TAP ? floor_tap_open(method, n, fds, m)
                             : floor_macvtap_open(method, n, fds, m);
    double t2 = now_us();
    close_fds_parallel(fds, n);
    double tc = now_us();
    int d = delete_group(FLOOR_GROUP);
    double t3 = now_us();
    free(fds);
    if (r == 0 && d < 0)
        seterr(m, "RTM_DELLINK by group: %s", strerror(-d));
    if (r < 0 || d < 0)
        return;
    s.create = t1 - t0;
    s.open = t2 - t1;
    s.close = tc - t2;
    s.destroy = t3 - tc;
    m->s[m->nsamples++] = s;
}

/* ---- vnic ------------------------------------------------------------------------------ */

static char *domain_xml(int method, int kind, int n, const char *name)
{
    buf b = {0};
    bprintf(&b, "<domain>\n  <name>%s</name>\n  <devices>\n", name);
    for (int i = 0; i < n; i++) {
        uint8_t mac[6];
        char ms[18];
        mac_of(0x52, method, kind, i, mac);
        mac_str(mac, ms);
        if (kind == KIND_TAP)
            bprintf(&b,
                    "    <interface type='ethernet'>\n"
                    "      <mac address='%s'/>\n"
                    "      <target dev='%s%%d'/>\n"
                    "      <model type='virtio'/>\n"
                    "    </interface>\n",
                    ms, name_prefix[method][kind]);
        else
            bprintf(&b,
                    "    <interface type='direct'>\n"
                    "      <mac address='%s'/>\n"
                    "      <source dev='%s' mode='bridge'/>\n"
                    "      <target dev='%s%%d'/>\n"
                    "      <model type='virtio'/>\n"
                    "    </interface>\n",
                    ms, opt.lower, name_prefix[method][kind]);
    }
    bprintf(&b, "  </devices>\n</domain>\n");
    return b.s;
}

static void vnic_fail(method_result *m, const char *what, vnic_error *err, vnic_diag_list *diags)
{
    char extra[256] = "";
    if (diags && diags->count) {
        char *d = vnic_diag_to_string(diags->items[0]);
        snprintf(extra, sizeof(extra), " (%s)", d ? d : "");
        free(d);
    }
    seterr(m, "%s: %s%s", what, err && err->message ? err->message : "failed", extra);
}

/* vnic's create, open and destroy on connection C: the embedded driver (M_VNIC) or vnicd
 * through the remote driver (M_REMOTE). */
static void run_vnic(vnic_conn *c, int method, int kind, int n, method_result *m)
{
    char name[64], path[4200];
    snprintf(name, sizeof(name), "%s-%s-%d-%lu", method == M_REMOTE ? "rbench" : "bench",
             kind_name[kind], n, run_counter);
    snprintf(path, sizeof(path), "%s/%s.xml", opt.root, name);
    char *xml = domain_xml(method, kind, n, name);
    if (write_file(path, xml, strlen(xml)) < 0)
        die("cannot write %s", path);
    free(xml);

    vnic_error *err = NULL;
    vnic_diag_list diags = {0};
    sample s = {0};
    int *fds = NULL;
    size_t *counts = NULL, nif = 0;

    double t0 = now_us();
    int r = vnic_domain_create_file(c, path, 0, NULL, &diags, &err);
    double t1 = now_us();
    if (r < 0) {
        vnic_fail(m, "vnic_domain_create_file", err, &diags);
        goto out;
    }
    r = vnic_domain_open_all_queues(c, name, &fds, &counts, &nif, &err);
    double t2 = now_us();
    if (r == 0) {
        size_t total = 0;
        for (size_t i = 0; i < nif; i++)
            total += counts[i];
        close_fds_parallel(fds, (int)total);
        if (nif != (size_t)n || total != (size_t)n)
            seterr(m, "vnic_domain_open_all_queues gave %zu interfaces and %zu fds, not %d", nif,
                   total, n);
    } else {
        vnic_fail(m, "vnic_domain_open_all_queues", err, NULL);
        vnic_error_free(err);
        err = NULL;
    }
    double tc = now_us();
    int d = vnic_domain_destroy(c, name, &err);
    double t3 = now_us();
    if (d < 0) {
        vnic_fail(m, "vnic_domain_destroy", err, NULL);
        goto out;
    }
    if (r == 0 && !m->failed) {
        s.create = t1 - t0;
        s.open = t2 - t1;
        s.close = tc - t2;
        s.destroy = t3 - tc;
        m->s[m->nsamples++] = s;
    }
out:
    free(fds);
    free(counts);
    vnic_error_free(err);
    vnic_diag_clear(&diags);
    unlink(path);
}

/* ---- ip -batch ------------------------------------------------------------------------- */

static int run_ip_batch(const char *file, method_result *m)
{
    char *argv[] = {(char *)opt.ip, (char *)"-batch", (char *)file, NULL};
    pid_t pid;
    int r = posix_spawnp(&pid, opt.ip, NULL, NULL, argv, environ);
    if (r != 0)
        return seterr(m, "cannot run %s: %s", opt.ip, strerror(r)), -r;
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return seterr(m, "waitpid: %s", strerror(errno)), -ECHILD;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return seterr(m, "%s -batch %s failed (status %d)", opt.ip, file, status), -EIO;
    return 0;
}

static void run_ip(int kind, int n, method_result *m)
{
    char add_path[4200], del_path[4200];
    snprintf(add_path, sizeof(add_path), "%s/ip-add.batch", opt.root);
    snprintf(del_path, sizeof(del_path), "%s/ip-del.batch", opt.root);
    buf add = {0}, del = {0};
    for (int i = 0; i < n; i++) {
        char name[IFNAMSIZ], ms[18];
        uint8_t mac[6];
        snprintf(name, sizeof(name), "%s%d", name_prefix[M_IP][kind], i);
        if (kind == KIND_TAP) {
            mac_of(0xfe, M_IP, kind, i, mac);
            mac_str(mac, ms);
            bprintf(&add, "tuntap add dev %s mode tap vnet_hdr\n", name);
            bprintf(&add, "link set dev %s address %s alias bench:ip-tap-%lu/%d group %u up\n",
                    name, ms, run_counter, i, IP_GROUP);
        } else {
            mac_of(0x52, M_IP, kind, i, mac);
            mac_str(mac, ms);
            bprintf(&add, "link add link %s name %s address %s group %u type macvtap mode bridge\n",
                    opt.lower, name, ms, IP_GROUP);
            bprintf(&add, "link set dev %s alias bench:ip-macvtap-%lu/%d up\n", name, run_counter,
                    i);
        }
        bprintf(&del, "link del dev %s\n", name);
    }
    if (write_file(add_path, add.s, add.len) < 0 || write_file(del_path, del.s, del.len) < 0)
        die("cannot write the ip batch files under %s", opt.root);
    free(add.s);
    free(del.s);

    sample s = {0};
    double t0 = now_us();
    int r = run_ip_batch(add_path, m);
    double t1 = now_us();
    int d = r == 0 ? run_ip_batch(del_path, m) : -1;
    double t2 = now_us();
    if (r == 0 && d == 0) {
        s.create = t1 - t0;
        s.open = 0;
        s.destroy = t2 - t1;
        m->s[m->nsamples++] = s;
    }
    delete_group(IP_GROUP); /* whatever a failed batch left */
    unlink(add_path);
    unlink(del_path);
}

/* ---- the run --------------------------------------------------------------------------- */

static int default_reps(int n)
{
    if (opt.reps > 0)
        return opt.reps;
    /* A start of one interface or of 16 moves by a fifth from one run to the next on this
     * shared machine, and a destroy of 1 or 16 is one RCU grace period of the kernel's (16 to
     * 24 ms): their medians are of 31 runs (about 3 s a size and kind). */
    if (n <= 16)
        return 31;
    /* The destroys of 256 and 1024 scatter by a third between runs: a median of 3 moved with
     * single runs. */
    if (n <= 256)
        return 7;
    return 5;
}

/* ip deletes one by one (about 18 ms a device): at large N one run of it is plenty. */
static int ip_reps(int n, int reps)
{
    return n >= 256 && opt.reps == 0 ? 1 : reps;
}

static void finish(method_result *m)
{
    double c[MAX_REPS], o[MAX_REPS], cl[MAX_REPS], st[MAX_REPS], d[MAX_REPS];
    for (int i = 0; i < m->nsamples; i++) {
        c[i] = m->s[i].create;
        o[i] = m->s[i].open;
        cl[i] = m->s[i].close;
        st[i] = m->s[i].create + m->s[i].open;
        d[i] = m->s[i].destroy;
    }
    m->create = median(c, m->nsamples);
    m->open = median(o, m->nsamples);
    m->close = median(cl, m->nsamples);
    m->start = median(st, m->nsamples);
    m->destroy = median(d, m->nsamples);
}

static bool have(const row *r, int method)
{
    return r && r->ran && r->m[method].nsamples > 0;
}

static void run_row(row *r)
{
    r->ran = true;
    for (int rep = 0; rep < r->reps; rep++) {
        /* Rotate the order, so no method always runs right after another's deletions. */
        for (int k = 0; k < M_COUNT; k++) {
            int method = (rep + k) % M_COUNT;
            method_result *m = &r->m[method];
            if (m->failed || !opt.methods[method] ||
                (method == M_IP && rep >= ip_reps(r->n, r->reps)))
                continue;
            run_counter++;
            /* Let the kernel finish what the previous run left to workers (RCU callbacks,
             * link-watch events, sysfs removals) before the clock starts again. */
            if (opt.settle_ms)
                usleep((useconds_t)opt.settle_ms * 1000);
            if (method == M_VNIC)
                run_vnic(conn, M_VNIC, r->kind, r->n, m);
            else if (method == M_REMOTE)
                run_vnic(rconn, M_REMOTE, r->kind, r->n, m);
            else if (method == M_FLOOR || method == M_PIPE)
                run_floor(method, r->kind, r->n, m);
            else
                run_ip(r->kind, r->n, m);
            if (m->failed)
                fprintf(stderr, "vnic-bench: %s %s N=%d: %s\n", method_name[method],
                        kind_name[r->kind], r->n, m->error);
        }
        if (opt.verbose)
            fprintf(stderr, "vnic-bench: %s N=%d rep %d/%d done\n", kind_name[r->kind], r->n,
                    rep + 1, r->reps);
    }
    for (int k = 0; k < M_COUNT; k++)
        finish(&r->m[k]);
}

/* ---- the fixed cost -------------------------------------------------------------------- */

/* What a start and a destroy cost besides their devices: vnic's same calls on a domain of no
 * interfaces (the parse with the schema, the checks, the locks, the intent and the final
 * record; the lookup and lock of the open; the destroy's records), cold as every other figure
 * (each after the settle pause), and warm (back to back, the first not counted). A start with
 * direct interfaces also takes a link snapshot, which this leaves out. */
static method_result fixed_cold, fixed_warm;

static void run_fixed(void)
{
    int reps = opt.reps > 0 ? opt.reps : default_reps(1);
    for (int rep = 0; rep < reps && !fixed_cold.failed; rep++) {
        run_counter++;
        if (opt.settle_ms)
            usleep((useconds_t)opt.settle_ms * 1000);
        run_vnic(conn, M_VNIC, KIND_TAP, 0, &fixed_cold);
    }
    /* Back to back: the first run warms up and is not counted. */
    run_counter++;
    run_vnic(conn, M_VNIC, KIND_TAP, 0, &fixed_warm);
    fixed_warm.nsamples = 0;
    for (int rep = 0; rep < reps && !fixed_warm.failed; rep++) {
        run_counter++;
        run_vnic(conn, M_VNIC, KIND_TAP, 0, &fixed_warm);
    }
    if (fixed_cold.failed)
        fprintf(stderr, "vnic-bench: vnic, a domain of no interfaces: %s\n", fixed_cold.error);
    else if (fixed_warm.failed)
        fprintf(stderr, "vnic-bench: vnic, a domain of no interfaces, back to back: %s\n",
                fixed_warm.error);
    finish(&fixed_cold);
    finish(&fixed_warm);
}

static bool have_fixed(const method_result *m)
{
    return !m->failed && m->nsamples > 0;
}

static void print_fixed(void)
{
    printf("\nFixed cost: vnic on a domain of no interfaces, medians of %d (us)\n\n",
           fixed_cold.nsamples);
    printf("  %-13s %9s %9s %9s %9s\n", "", "create", "open", "start", "destroy");
    const method_result *ms[] = {&fixed_cold, &fixed_warm};
    const char *names[] = {"cold", "back to back"};
    for (int i = 0; i < 2; i++) {
        if (!have_fixed(ms[i]))
            printf("  %-13s %s\n", names[i], ms[i]->failed ? ms[i]->error : "no samples");
        else
            printf("  %-13s %9.1f %9.1f %9.1f %9.1f\n", names[i], ms[i]->create, ms[i]->open,
                   ms[i]->start, ms[i]->destroy);
    }
}

/* ---- reporting ------------------------------------------------------------------------- */

static double per_if(double total, int n)
{
    return total / n;
}

static void cell(char *out, size_t size, const row *r, int method, double v)
{
    if (!have(r, method))
        snprintf(out, size, "%s",
                 r->m[method].failed    ? "FAIL"
                 : !opt.methods[method] ? "skip"
                                        : "-");
    else
        snprintf(out, size, "%.1f", v);
}

static void ratio_cell(char *out, size_t size, bool ok, double a, double b)
{
    if (!ok || b <= 0)
        snprintf(out, size, "-");
    else
        snprintf(out, size, "%.2fx", a / b);
}

/* METHOD's create, and its open (or with START its start), against the floor's, per
 * interface; COLS are the six column heads. */
static void print_vs_floor(const row *rows, int nrows, int method, const char *const cols[6],
                           bool start)
{
    printf("%-7s %5s | %8s %8s %6s | %8s %8s %6s\n", "kind", "N", cols[0], cols[1], cols[2],
           cols[3], cols[4], cols[5]);
    for (int i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        if (!r->ran)
            continue;
        int n = r->n;
        const method_result *v = &r->m[method], *f = &r->m[M_FLOOR];
        bool both = have(r, method) && have(r, M_FLOOR);
        double v2 = start ? v->start : v->open, f2 = start ? f->start : f->open;
        char c[6][32];
        cell(c[0], 32, r, method, per_if(v->create, n));
        cell(c[1], 32, r, M_FLOOR, per_if(f->create, n));
        ratio_cell(c[2], 32, both, v->create, f->create);
        cell(c[3], 32, r, method, per_if(v2, n));
        cell(c[4], 32, r, M_FLOOR, per_if(f2, n));
        ratio_cell(c[5], 32, both, v2, f2);
        printf("%-7s %5d | %8s %8s %6s | %8s %8s %6s\n", kind_name[r->kind], n, c[0], c[1], c[2],
               c[3], c[4], c[5]);
    }
}

static void print_table(row *rows, int nrows)
{
    printf("\nPer-interface cost in microseconds (medians). start = create + open of the queues;\n"
           "close (of the queue fds) is timed apart and in neither start nor destroy.\n"
           "ip opens no queues: its start is creation only, and it deletes one by one.\n\n");
    printf("%-7s %5s %4s | %8s %8s %8s %8s %8s | %8s %8s %8s %8s | %8s %8s | %6s %6s\n", "kind",
           "N", "reps", "v.create", "v.open", "v.START", "v.close", "v.DESTR", "f.START", "f.close",
           "f.DESTR", "f.dst.ms", "ip.start", "ip.destr", "v/f.st", "v/f.ds");
    for (int i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        if (!r->ran)
            continue;
        int n = r->n;
        const method_result *v = &r->m[M_VNIC], *f = &r->m[M_FLOOR], *p = &r->m[M_IP];
        char c[16][32];
        cell(c[0], 32, r, M_VNIC, per_if(v->create, n));
        cell(c[1], 32, r, M_VNIC, per_if(v->open, n));
        cell(c[2], 32, r, M_VNIC, per_if(v->start, n));
        cell(c[3], 32, r, M_VNIC, per_if(v->close, n));
        cell(c[4], 32, r, M_VNIC, per_if(v->destroy, n));
        cell(c[5], 32, r, M_FLOOR, per_if(f->start, n));
        cell(c[6], 32, r, M_FLOOR, per_if(f->close, n));
        cell(c[7], 32, r, M_FLOOR, per_if(f->destroy, n));
        cell(c[8], 32, r, M_FLOOR, f->destroy / 1000);
        cell(c[9], 32, r, M_IP, per_if(p->start, n));
        cell(c[10], 32, r, M_IP, per_if(p->destroy, n));
        ratio_cell(c[11], 32, have(r, M_VNIC) && have(r, M_FLOOR), v->start, f->start);
        ratio_cell(c[12], 32, have(r, M_VNIC) && have(r, M_FLOOR), v->destroy, f->destroy);
        printf("%-7s %5d %4d | %8s %8s %8s %8s %8s | %8s %8s %8s %8s | %8s %8s | %6s %6s\n",
               kind_name[r->kind], n, r->reps, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8],
               c[9], c[10], c[11], c[12]);
    }
    printf("\nv.*: vnic; f.*: the floor (bare system calls); f.dst.ms: the floor's whole destroy "
           "in ms;\nv/f: vnic's cost over the floor's.\n");

    printf("\nPhases, microseconds per interface (medians):\n\n");
    static const char *const phase_cols[] = {"v.create", "f.create", "v/f",
                                             "v.open",   "f.open",   "v/f"};
    print_vs_floor(rows, nrows, M_VNIC, phase_cols, false);
    printf("\nPipelined netlink (the floor's work, its requests sent %d at a time and the\n"
           "acknowledgements collected after), microseconds per interface (medians):\n\n",
           PIPE_BATCH);
    static const char *const pipe_cols[] = {"p.create", "f.create", "p/f",
                                            "p.START",  "f.START",  "p/f"};
    print_vs_floor(rows, nrows, M_PIPE, pipe_cols, true);
    for (int i = 0; i < nrows; i++)
        for (int k = 0; k < M_COUNT; k++)
            if (rows[i].ran && rows[i].m[k].failed)
                printf("  %s %s N=%d failed: %s\n", method_name[k], kind_name[rows[i].kind],
                       rows[i].n, rows[i].m[k].error);
}

/* ---- through the daemon ---------------------------------------------------------------- */

/* The round trip of a trivial call: vnic_domain_list of an empty store, CALLS times. */
typedef struct {
    bool ran;
    int calls;
    double p50, p99, max; /* microseconds */
    char error[512];
} round_trip;

static round_trip rtt_remote, rtt_embed;

static void measure_round_trip(vnic_conn *c, round_trip *rt)
{
    double *t = calloc((size_t)opt.rtt_calls, sizeof(*t));
    if (!t)
        die("out of memory");
    for (int i = 0; i < opt.rtt_calls; i++) {
        vnic_domain_info **list = NULL;
        size_t n = 0;
        vnic_error *err = NULL;
        double t0 = now_us();
        int r = vnic_domain_list(c, 0, &list, &n, &err);
        t[i] = now_us() - t0;
        vnic_domain_info_list_free(list, n);
        if (r < 0 || n != 0) {
            snprintf(rt->error, sizeof(rt->error), "vnic_domain_list: %s",
                     r < 0 ? (err && err->message ? err->message : "failed")
                           : "the store is not empty");
            vnic_error_free(err);
            free(t);
            return;
        }
        vnic_error_free(err);
    }
    qsort(t, (size_t)opt.rtt_calls, sizeof(*t), cmp_double);
    rt->ran = true;
    rt->calls = opt.rtt_calls;
    rt->p50 = t[opt.rtt_calls / 2];
    rt->p99 = t[(int)((opt.rtt_calls - 1) * 0.99)];
    rt->max = t[opt.rtt_calls - 1];
    free(t);
}

static void print_remote(const row *rows, int nrows)
{
    printf("\nThrough vnicd (the remote driver) against the embedded driver, microseconds per\n"
           "interface (medians):\n\n");
    printf("%-7s %5s | %8s %8s %8s | %8s %8s %6s | %8s %8s %6s\n", "kind", "N", "r.create",
           "r.open", "r.close", "r.START", "v.START", "r/v", "r.DESTR", "v.DESTR", "r/v");
    for (int i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        if (!r->ran)
            continue;
        int n = r->n;
        const method_result *x = &r->m[M_REMOTE], *v = &r->m[M_VNIC];
        bool both = have(r, M_REMOTE) && have(r, M_VNIC);
        char c[9][32];
        cell(c[0], 32, r, M_REMOTE, per_if(x->create, n));
        cell(c[1], 32, r, M_REMOTE, per_if(x->open, n));
        cell(c[2], 32, r, M_REMOTE, per_if(x->close, n));
        cell(c[3], 32, r, M_REMOTE, per_if(x->start, n));
        cell(c[4], 32, r, M_VNIC, per_if(v->start, n));
        ratio_cell(c[5], 32, both, x->start, v->start);
        cell(c[6], 32, r, M_REMOTE, per_if(x->destroy, n));
        cell(c[7], 32, r, M_VNIC, per_if(v->destroy, n));
        ratio_cell(c[8], 32, both, x->destroy, v->destroy);
        printf("%-7s %5d | %8s %8s %8s | %8s %8s %6s | %8s %8s %6s\n", kind_name[r->kind], n, c[0],
               c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8]);
    }
    const round_trip *rts[] = {&rtt_remote, &rtt_embed};
    const char *names[] = {"remote", "embedded"};
    printf("\nRound trip of a trivial call (vnic_domain_list of an empty store):\n");
    for (int i = 0; i < 2; i++) {
        if (rts[i]->ran)
            printf("  %-8s %d calls: p50 %.1f us, p99 %.1f us, max %.1f us\n", names[i],
                   rts[i]->calls, rts[i]->p50, rts[i]->p99, rts[i]->max);
        else
            printf("  %-8s not measured%s%s\n", names[i], rts[i]->error[0] ? ": " : "",
                   rts[i]->error);
    }
}

typedef struct {
    char name[64];
    const char *kind;
    char detail[512];
    double value, limit;
    int state; /* 1 met, 0 not met, -1 not evaluated */
} target;

static const row *find_row(const row *rows, int nrows, int kind, int n)
{
    for (int i = 0; i < nrows; i++)
        if (rows[i].ran && rows[i].kind == kind && rows[i].n == n)
            return &rows[i];
    return NULL;
}

static int evaluate(const row *rows, int nrows, target *t)
{
    int nt = 0;
    for (int kind = 0; kind < KIND_COUNT; kind++) {
        if (!opt.kinds[kind])
            continue;

        /* 1: start per interface within 1.5x the floor, at every N. */
        target *a = &t[nt++];
        snprintf(a->name, sizeof(a->name), "start-vs-floor");
        a->kind = kind_name[kind];
        a->limit = 1.5;
        a->state = -1;
        a->value = 0;
        size_t off = 0;
        for (int i = 0; i < nrows; i++) {
            const row *r = &rows[i];
            if (r->kind != kind || !have(r, M_VNIC) || !have(r, M_FLOOR))
                continue;
            double q = r->m[M_VNIC].start / r->m[M_FLOOR].start;
            if (q > a->value)
                a->value = q;
            a->state = a->state == 0 || q > a->limit ? 0 : 1;
            off += (size_t)snprintf(a->detail + off, sizeof(a->detail) - off,
                                    "%sN=%d: %.1f vs %.1f us = %.3fx", off ? "; " : "", r->n,
                                    r->m[M_VNIC].start / r->n, r->m[M_FLOOR].start / r->n, q);
            if (off >= sizeof(a->detail))
                off = sizeof(a->detail) - 1;
        }

        /* 2: destroy of 256 within 3x destroy of 1 (whole destroy, not per interface). */
        target *b = &t[nt++];
        snprintf(b->name, sizeof(b->name), "destroy-256-vs-1");
        b->kind = kind_name[kind];
        b->limit = 3.0;
        b->state = -1;
        const row *r1 = find_row(rows, nrows, kind, 1), *r256 = find_row(rows, nrows, kind, 256);
        if (have(r1, M_VNIC) && have(r256, M_VNIC)) {
            b->value = r256->m[M_VNIC].destroy / r1->m[M_VNIC].destroy;
            b->state = b->value <= b->limit;
            snprintf(b->detail, sizeof(b->detail),
                     "vnic destroy of 256: %.2f ms, of 1: %.2f ms = %.3fx",
                     r256->m[M_VNIC].destroy / 1000, r1->m[M_VNIC].destroy / 1000, b->value);
            if (have(r1, M_FLOOR) && have(r256, M_FLOOR)) {
                size_t l = strlen(b->detail);
                snprintf(b->detail + l, sizeof(b->detail) - l,
                         " (floor: %.2f ms vs %.2f ms = %.3fx)", r256->m[M_FLOOR].destroy / 1000,
                         r1->m[M_FLOOR].destroy / 1000,
                         r256->m[M_FLOOR].destroy / r1->m[M_FLOOR].destroy);
            }
        } else {
            snprintf(b->detail, sizeof(b->detail), "needs N=1 and N=256 of vnic");
        }

        /* 3: start per interface at 1024 within 1.25x that at 16. */
        target *c = &t[nt++];
        snprintf(c->name, sizeof(c->name), "start-1024-vs-16");
        c->kind = kind_name[kind];
        c->limit = 1.25;
        c->state = -1;
        const row *r16 = find_row(rows, nrows, kind, 16), *r1k = find_row(rows, nrows, kind, 1024);
        if (have(r16, M_VNIC) && have(r1k, M_VNIC)) {
            double a16 = r16->m[M_VNIC].start / 16, a1k = r1k->m[M_VNIC].start / 1024;
            c->value = a1k / a16;
            c->state = c->value <= c->limit;
            snprintf(c->detail, sizeof(c->detail),
                     "vnic start per interface at 1024: %.1f us, at 16: %.1f us = %.3fx", a1k, a16,
                     c->value);
            if (have(r16, M_FLOOR) && have(r1k, M_FLOOR)) {
                double f16 = r16->m[M_FLOOR].start / 16, f1k = r1k->m[M_FLOOR].start / 1024;
                size_t l = strlen(c->detail);
                snprintf(c->detail + l, sizeof(c->detail) - l,
                         " (floor: %.1f us vs %.1f us = %.3fx)", f1k, f16, f1k / f16);
            }
        } else {
            snprintf(c->detail, sizeof(c->detail), "needs N=16 and N=1024 of vnic%s",
                     r1k && r1k->m[M_VNIC].failed ? " (N=1024 failed)" : "");
        }

        /* 4: through vnicd, the start of 16 interfaces within 1.2x the embedded driver's. */
        if (!opt.methods[M_REMOTE])
            continue;
        target *d = &t[nt++];
        snprintf(d->name, sizeof(d->name), "remote-start-16");
        d->kind = kind_name[kind];
        d->limit = 1.2;
        d->state = -1;
        if (have(r16, M_REMOTE) && have(r16, M_VNIC)) {
            d->value = r16->m[M_REMOTE].start / r16->m[M_VNIC].start;
            d->state = d->value <= d->limit;
            snprintf(d->detail, sizeof(d->detail),
                     "start of 16 through vnicd: %.2f ms, embedded: %.2f ms = %.3fx",
                     r16->m[M_REMOTE].start / 1000, r16->m[M_VNIC].start / 1000, d->value);
        } else {
            snprintf(d->detail, sizeof(d->detail), "needs N=16 of vnic and remote%s",
                     r16 && r16->m[M_REMOTE].failed ? " (remote failed)" : "");
        }
    }
    /* 5: the fixed cost of one start (create + open of a domain of no interfaces), cold. */
    if (opt.methods[M_VNIC]) {
        target *f = &t[nt++];
        snprintf(f->name, sizeof(f->name), "fixed-cost");
        f->kind = "-";
        f->limit = 300; /* microseconds, not a ratio */
        f->state = -1;
        if (have_fixed(&fixed_cold)) {
            f->value = fixed_cold.start;
            f->state = f->value <= f->limit;
            char warm[64] = "not measured";
            if (have_fixed(&fixed_warm))
                snprintf(warm, sizeof(warm), "%.1f us", fixed_warm.start);
            snprintf(f->detail, sizeof(f->detail),
                     "start of a domain of no interfaces: %.1f us cold (create %.1f, open "
                     "%.1f), back to back %s; destroy %.1f us cold",
                     fixed_cold.start, fixed_cold.create, fixed_cold.open, warm,
                     fixed_cold.destroy);
        } else {
            snprintf(f->detail, sizeof(f->detail), "a domain of no interfaces: %.400s",
                     fixed_cold.failed ? fixed_cold.error : "not run");
        }
    }
    return nt;
}

static const char *state_str(int s)
{
    return s == 1 ? "MET" : s == 0 ? "NOT MET" : "NOT EVALUATED";
}

static void print_targets(const target *t, int nt)
{
    printf("\nTargets (information only, never a failure):\n");
    for (int i = 0; i < nt; i++)
        printf("  %-7s %-17s (<= %.2f%s): %-13s %s\n", t[i].kind, t[i].name, t[i].limit,
               strcmp(t[i].name, "fixed-cost") == 0 ? " us" : "x", state_str(t[i].state),
               t[i].detail);
}

static void json_str(buf *b, const char *s)
{
    bprintf(b, "\"");
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            bprintf(b, "\\%c", ch);
        else if (ch < 0x20)
            bprintf(b, "\\u%04x", ch);
        else
            bprintf(b, "%c", ch);
    }
    bprintf(b, "\"");
}

static void json_method(buf *b, const row *r, int k)
{
    const method_result *m = &r->m[k];
    bprintf(b, "\"%s\":{", method_name[k]);
    if (!have(r, k)) {
        bprintf(b, "\"error\":");
        json_str(b, m->failed ? m->error : !opt.methods[k] ? "skipped" : "no samples");
        bprintf(b, "}");
        return;
    }
    bprintf(b,
            "\"samples\":%d,\"create_us\":%.1f,\"open_us\":%.1f,\"start_us\":%.1f,"
            "\"close_us\":%.1f,\"destroy_us\":%.1f,\"start_per_if_us\":%.2f,"
            "\"destroy_per_if_us\":%.2f",
            m->nsamples, m->create, m->open, m->start, m->close, m->destroy, m->start / r->n,
            m->destroy / r->n);
    if (m->failed) {
        bprintf(b, ",\"error\":");
        json_str(b, m->error);
    }
    bprintf(b, "}");
}

/* The CPU's model name, for the machine's description in the JSON ("?" if unknown). */
static void cpu_model(char *out, size_t size)
{
    snprintf(out, size, "?");
    FILE *f = fopen("/proc/cpuinfo", "re");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        const char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) != 0 || !colon)
            continue;
        snprintf(out, size, "%s", colon + 2);
        out[strcspn(out, "\n")] = '\0';
        break;
    }
    fclose(f);
}

static char *make_json(const row *rows, int nrows, const target *t, int nt)
{
    buf b = {0};
    struct utsname u;
    uname(&u);
    char model[256], date[64];
    cpu_model(model, sizeof(model));
    time_t now = time(NULL);
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    bprintf(&b, "{\"benchmark\":\"vnic\",\"version\":");
    json_str(&b, vnic_version());
    bprintf(&b, ",\"date\":\"%s\",\"cpu\":", date);
    json_str(&b, model);
    bprintf(&b, ",\"memory_kib\":%lld",
            (long long)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE) / 1024);
    bprintf(&b, ",\"kernel\":");
    json_str(&b, u.release);
    bprintf(&b, ",\"cpus\":%ld,\"background\":%d,\"ipv6\":%s,\"unit\":\"us\",\"results\":[",
            sysconf(_SC_NPROCESSORS_ONLN), opt.background, opt.no_ipv6 ? "false" : "true");
    bool first = true;
    for (int i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        if (!r->ran)
            continue;
        bprintf(&b, "%s{\"kind\":\"%s\",\"n\":%d,\"reps\":%d,", first ? "" : ",",
                kind_name[r->kind], r->n, r->reps);
        first = false;
        for (int k = 0; k < M_COUNT; k++) {
            json_method(&b, r, k);
            bprintf(&b, ",");
        }
        if (have(r, M_VNIC) && have(r, M_REMOTE))
            bprintf(&b, "\"remote_over_vnic\":{\"start\":%.3f,\"destroy\":%.3f},",
                    r->m[M_REMOTE].start / r->m[M_VNIC].start,
                    r->m[M_REMOTE].destroy / r->m[M_VNIC].destroy);
        if (have(r, M_PIPE) && have(r, M_FLOOR))
            bprintf(&b, "\"pipe_over_floor\":{\"create\":%.3f,\"start\":%.3f},",
                    r->m[M_PIPE].create / r->m[M_FLOOR].create,
                    r->m[M_PIPE].start / r->m[M_FLOOR].start);
        bool vf = have(r, M_VNIC) && have(r, M_FLOOR);
        if (vf)
            bprintf(&b, "\"vnic_over_floor\":{\"start\":%.3f,\"destroy\":%.3f}}",
                    r->m[M_VNIC].start / r->m[M_FLOOR].start,
                    r->m[M_VNIC].destroy / r->m[M_FLOOR].destroy);
        else
            bprintf(&b, "\"vnic_over_floor\":null}");
    }
    bprintf(&b, "],\"fixed\":{");
    const method_result *fx[] = {&fixed_cold, &fixed_warm};
    const char *fx_names[] = {"cold", "warm"};
    for (int i = 0; i < 2; i++) {
        bprintf(&b, "%s\"%s\":", i ? "," : "", fx_names[i]);
        if (have_fixed(fx[i]))
            bprintf(&b,
                    "{\"samples\":%d,\"create_us\":%.1f,\"open_us\":%.1f,\"start_us\":%.1f,"
                    "\"destroy_us\":%.1f}",
                    fx[i]->nsamples, fx[i]->create, fx[i]->open, fx[i]->start, fx[i]->destroy);
        else
            bprintf(&b, "null");
    }
    bprintf(&b, "},\"round_trip\":{");
    const round_trip *rts[] = {&rtt_remote, &rtt_embed};
    const char *rt_names[] = {"remote", "embedded"};
    for (int i = 0; i < 2; i++) {
        bprintf(&b, "%s\"%s\":", i ? "," : "", rt_names[i]);
        if (rts[i]->ran)
            bprintf(&b, "{\"calls\":%d,\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f}",
                    rts[i]->calls, rts[i]->p50, rts[i]->p99, rts[i]->max);
        else
            bprintf(&b, "null");
    }
    bprintf(&b, "},\"targets\":[");
    for (int i = 0; i < nt; i++) {
        bprintf(&b, "%s{\"name\":\"%s\",\"kind\":\"%s\",\"limit\":%.2f,", i ? "," : "", t[i].name,
                t[i].kind, t[i].limit);
        if (t[i].state >= 0)
            bprintf(&b, "\"value\":%.3f,", t[i].value);
        else
            bprintf(&b, "\"value\":null,");
        bprintf(&b, "\"state\":\"%s\",\"detail\":", state_str(t[i].state));
        json_str(&b, t[i].detail);
        bprintf(&b, "}");
    }
    bprintf(&b, "]}");
    return b.s;
}

/* ---- setup ----------------------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f, "usage: vnic-bench --root DIR [options]\n"
               "Run as root in a network namespace of its own (run-bench.sh makes one).\n"
               "  --root DIR        vnic's state root and scratch directory (required)\n"
               "  --lower DEV       lower device of the macvtaps (default uplink0)\n"
               "  --sizes LIST      comma-separated domain sizes (default 1,16,256,1024)\n"
               "  --kinds LIST      tap,macvtap (default both)\n"
               "  --reps K          repetitions of every size (default 31/31/7/5 for\n"
               "                    1/16/256/1024; ip runs once from 256 on)\n"
               "  --methods LIST    vnic,floor,ip,remote,pipe (default all, remote with\n"
               "                    --remote; pipe: the floor with pipelined netlink)\n"
               "  --remote URI      vnicd's URI: the same create, open and destroy through\n"
               "                    the daemon, and the round trip of a trivial call\n"
               "  --rtt-calls K     calls timed for the round trip (default 2000)\n"
               "  --no-ip           skip the ip -batch comparison (--methods vnic,floor)\n"
               "  --background K    K other devices exist during the run (a busy host)\n"
               "  --settle MS       pause before every timed run (default 50)\n"
               "  --no-ipv6         disable IPv6 in the namespace (its per-device work grows\n"
               "                    with the number of devices)\n"
               "  --ip PATH         the ip program (default ip)\n"
               "  --json FILE       also write the JSON results to FILE\n"
               "  -v, --verbose     progress on stderr\n");
}

static void parse_args(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"root", required_argument, NULL, 'r'},
        {"lower", required_argument, NULL, 'l'},
        {"sizes", required_argument, NULL, 's'},
        {"kinds", required_argument, NULL, 'k'},
        {"reps", required_argument, NULL, 'n'},
        {"no-ip", no_argument, NULL, 'N'},
        {"ip", required_argument, NULL, 'i'},
        {"json", required_argument, NULL, 'j'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"methods", required_argument, NULL, 'm'},
        {"background", required_argument, NULL, 'b'},
        {"no-ipv6", no_argument, NULL, '6'},
        {"settle", required_argument, NULL, 'S'},
        {"remote", required_argument, NULL, 'R'},
        {"rtt-calls", required_argument, NULL, 'T'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            opt.root = optarg;
            break;
        case 'l':
            opt.lower = optarg;
            break;
        case 's': {
            opt.nsizes = 0;
            char *save = NULL;
            for (char *t = strtok_r(optarg, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                char *end;
                long v = strtol(t, &end, 10);
                if (*end || v < 1 || v > 65535 || opt.nsizes == MAX_SIZES)
                    die("bad size '%s' (1 to 65535, at most %d sizes)", t, MAX_SIZES);
                opt.sizes[opt.nsizes++] = (int)v;
            }
            if (!opt.nsizes)
                die("no sizes given");
            break;
        }
        case 'k': {
            opt.kinds[KIND_TAP] = opt.kinds[KIND_MACVTAP] = false;
            char *save = NULL;
            for (char *t = strtok_r(optarg, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                if (!strcmp(t, "tap"))
                    opt.kinds[KIND_TAP] = true;
                else if (!strcmp(t, "macvtap"))
                    opt.kinds[KIND_MACVTAP] = true;
                else
                    die("unknown kind '%s' (tap, macvtap)", t);
            }
            break;
        }
        case 'n': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > MAX_REPS)
                die("bad repetition count '%s' (1 to %d)", optarg, MAX_REPS);
            opt.reps = (int)v;
            break;
        }
        case 'N':
            opt.methods[M_IP] = false;
            break;
        case 'b': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0 || v > 65535)
                die("bad background count '%s' (0 to 65535)", optarg);
            opt.background = (int)v;
            break;
        }
        case '6':
            opt.no_ipv6 = true;
            break;
        case 'S': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0 || v > 10000)
                die("bad settle time '%s' (0 to 10000 ms)", optarg);
            opt.settle_ms = (int)v;
            break;
        }
        case 'R':
            opt.remote_uri = optarg;
            break;
        case 'T': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 1000000)
                die("bad call count '%s' (1 to 1000000)", optarg);
            opt.rtt_calls = (int)v;
            break;
        }
        case 'm': {
            opt.methods_given = true;
            memset(opt.methods, 0, sizeof(opt.methods));
            char *save = NULL;
            for (char *t = strtok_r(optarg, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                int k = 0;
                while (k < M_COUNT && strcmp(t, method_name[k]))
                    k++;
                if (k == M_COUNT)
                    die("unknown method '%s' (vnic, floor, ip, remote, pipe)", t);
                opt.methods[k] = true;
            }
            break;
        }
        case 'i':
            opt.ip = optarg;
            break;
        case 'j':
            opt.json_path = optarg;
            break;
        case 'v':
            opt.verbose = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            exit(2);
        }
    }
    if (optind != argc || !opt.root || opt.root[0] != '/') {
        usage(stderr);
        exit(2);
    }
    if (opt.remote_uri && !opt.methods_given)
        opt.methods[M_REMOTE] = true;
    if (opt.methods[M_REMOTE] && !opt.remote_uri)
        die("the remote method needs --remote URI");
}

static void setup(void)
{
    if (geteuid() != 0)
        die("needs root (it makes network devices)");

    /* Every queue of the largest domain is open at once. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rlim_t want = 1024;
        for (int i = 0; i < opt.nsizes; i++)
            if ((rlim_t)opt.sizes[i] + 256 > want)
                want = (rlim_t)opt.sizes[i] + 256;
        if (rl.rlim_cur < want) {
            rl.rlim_cur = want;
            if (rl.rlim_max < want)
                rl.rlim_max = want;
            if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                die("cannot raise the limit of open files to %lu: %s", (unsigned long)want,
                    strerror(errno));
        }
    }

    /* Never on the host's own devices: the namespace must be another than process 1's. */
    struct stat self, init;
    if (stat("/proc/self/ns/net", &self) == 0 && stat("/proc/1/ns/net", &init) == 0 &&
        self.st_ino == init.st_ino && self.st_dev == init.st_dev)
        die("refusing to run in the network namespace of process 1; use run-bench.sh");

    nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (nl_fd < 0)
        die("cannot open a route netlink socket: %s", strerror(errno));
    ioctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (ioctl_fd < 0)
        die("cannot open a socket: %s", strerror(errno));

    if (opt.kinds[KIND_MACVTAP]) {
        lower_ifindex = (int)if_nametoindex(opt.lower);
        if (!lower_ifindex)
            die("lower device '%s' does not exist here", opt.lower);
    }

    if (opt.no_ipv6) {
        static const char *const knobs[] = {"/proc/sys/net/ipv6/conf/all/disable_ipv6",
                                            "/proc/sys/net/ipv6/conf/default/disable_ipv6"};
        for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
            if (write_file(knobs[i], "1\n", 2) < 0)
                die("cannot write %s", knobs[i]);
    }

    snprintf(nodes_dir, sizeof(nodes_dir), "%s/floor-nodes", opt.root);
    if (mkdir(nodes_dir, 0700) < 0 && errno != EEXIST)
        die("cannot create %s: %s", nodes_dir, strerror(errno));

    /* Leftovers of an interrupted run of the floor or of ip. */
    delete_group(FLOOR_GROUP);
    delete_group(IP_GROUP);
    delete_group(BACKGROUND_GROUP);
    if (opt.background > 0)
        make_background(opt.background);

    char uri[4200];
    snprintf(uri, sizeof(uri), "vnic:///embed?root=%s/state", opt.root);
    vnic_error *err = NULL;
    if (vnic_conn_open(uri, &conn, &err) < 0)
        die("cannot open %s: %s", uri, err && err->message ? err->message : "failed");
    if (opt.remote_uri && vnic_conn_open(opt.remote_uri, &rconn, &err) < 0)
        die("cannot open %s: %s", opt.remote_uri, err && err->message ? err->message : "failed");
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    parse_args(argc, argv);
    setup();

    row rows[KIND_COUNT * MAX_SIZES];
    int nrows = 0;
    memset(rows, 0, sizeof(rows));
    for (int kind = 0; kind < KIND_COUNT; kind++)
        for (int i = 0; i < opt.nsizes && opt.kinds[kind]; i++) {
            row *r = &rows[nrows++];
            r->kind = kind;
            r->n = opt.sizes[i];
            r->reps = default_reps(r->n);
        }

    struct utsname u;
    uname(&u);
    printf("vnic-bench: vnic %s, kernel %s, %ld CPUs, state under %s, macvtap lower %s, "
           "%d background devices, IPv6 %s\n",
           vnic_version(), u.release, sysconf(_SC_NPROCESSORS_ONLN), opt.root, opt.lower,
           opt.background, opt.no_ipv6 ? "off" : "on");
    double t0 = now_us();
    for (int i = 0; i < nrows; i++) {
        double ts = now_us();
        run_row(&rows[i]);
        const row *r = &rows[i];
        printf("  %-7s N=%-5d %2d reps: vnic start %8.1f us/if, destroy %8.1f us/if | floor "
               "%8.1f, %8.1f  (%.1f s)\n",
               kind_name[r->kind], r->n, r->reps, r->m[M_VNIC].start / r->n,
               r->m[M_VNIC].destroy / r->n, r->m[M_FLOOR].start / r->n,
               r->m[M_FLOOR].destroy / r->n, (now_us() - ts) / 1e6);
        if (rconn)
            printf("  %-7s N=%-5d %2d reps: through vnicd start %8.1f us/if, destroy %8.1f us/if\n",
                   kind_name[r->kind], r->n, r->reps, r->m[M_REMOTE].start / r->n,
                   r->m[M_REMOTE].destroy / r->n);
    }

    if (opt.methods[M_VNIC])
        run_fixed();

    /* The round trip, on stores the runs left empty: the daemon's, and the embedded one. */
    if (rconn) {
        measure_round_trip(rconn, &rtt_remote);
        measure_round_trip(conn, &rtt_embed);
    }

    print_table(rows, nrows);
    if (opt.methods[M_VNIC])
        print_fixed();
    if (rconn)
        print_remote(rows, nrows);
    target t[KIND_COUNT * 4 + 1];
    int nt = evaluate(rows, nrows, t);
    print_targets(t, nt);
    printf("\nTotal time: %.1f s\n", (now_us() - t0) / 1e6);

    char *json = make_json(rows, nrows, t, nt);
    printf("BENCH-JSON %s\n", json);
    if (opt.json_path && write_file(opt.json_path, json, strlen(json)) < 0)
        fprintf(stderr, "vnic-bench: cannot write %s\n", opt.json_path);
    free(json);

    vnic_conn_close(conn);
    vnic_conn_close(rconn);
    if (opt.background > 0)
        delete_group(BACKGROUND_GROUP);
    close(nl_fd);
    close(ioctl_fd);

    /* vnic failing where the bare system calls succeed is a bug worth a non-zero status. */
    for (int i = 0; i < nrows; i++)
        if ((rows[i].m[M_VNIC].failed || rows[i].m[M_REMOTE].failed) && !rows[i].m[M_FLOOR].failed)
            return 1;
    return 0;
}
