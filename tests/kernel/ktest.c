#include "ktest.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "strutil.h"

static const uint8_t magic[8] = {'V', 'N', 'I', 'C', 'K', 'T', '0', '1'};

void kt_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FATAL: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

void kt_pin_cpu(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) < 0)
        kt_die("sched_getaffinity: %s", strerror(errno));
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set)) {
            CPU_ZERO(&set);
            CPU_SET(c, &set);
            if (sched_setaffinity(0, sizeof(set), &set) < 0)
                kt_die("sched_setaffinity: %s", strerror(errno));
            return;
        }
    kt_die("no CPU to run on");
}

char *kt_write_file(const char *dir, const char *name, const char *content)
{
    char *path = vnic_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "we");
    if (!f || fputs(content, f) == EOF || fclose(f) != 0)
        kt_die("cannot write %s", path);
    return path;
}

void kt_mac_parse(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
        kt_die("bad MAC '%s'", s);
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)v[i];
}

const char *kt_mac_str(const uint8_t mac[6])
{
    static char bufs[4][18];
    static unsigned next;
    char *b = bufs[next++ % 4];
    snprintf(b, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
    return b;
}

int kt_link(int ifindex, const char *name, vnic_link_info *ret)
{
    struct nl_sock *sk = NULL;
    vnic_error *err = NULL;
    if (vnic_nl_open(&sk, &err) < 0)
        kt_die("netlink: %s", err->message);
    int r = vnic_nl_link_get(sk, ifindex, name, ret, &err);
    vnic_nl_close(sk);
    if (r < 0 && r != -ENODEV)
        kt_die("netlink lookup of %s/%d: %s", name ? name : "", ifindex, err->message);
    vnic_error_free(err);
    return r;
}

char kt_mark_prefix[32];

vnic_conn *kt_connect(const char *root)
{
    unsigned h = 2166136261U;
    for (const char *c = root; *c; c++)
        h = (h ^ (unsigned char)*c) * 16777619U;
    snprintf(kt_mark_prefix, sizeof(kt_mark_prefix), "vnic@%08x:", h);
    char *uri = vnic_xasprintf("vnic:///embed?root=%s", root);
    vnic_conn *conn = NULL;
    vnic_error *err = NULL;
    if (vnic_conn_open(uri, &conn, &err) < 0)
        kt_die("cannot connect to %s: %s", uri, err->message);
    free(uri);
    return conn;
}

vnic_domain_info *kt_create(vnic_conn *conn, const char *path)
{
    vnic_domain_info *info = NULL;
    vnic_diag_list diags = {0};
    vnic_error *err = NULL;
    if (vnic_domain_create_file(conn, path, 0, &info, &diags, &err) < 0) {
        for (size_t i = 0; i < diags.count; i++) {
            char *line = vnic_diag_to_string(diags.items[i]);
            fprintf(stderr, "%s\n", line);
            free(line);
        }
        kt_die("cannot create the domain of %s: %s", path, err ? err->message : "?");
    }
    vnic_diag_clear(&diags);
    return info;
}

int kt_destroy(vnic_conn *conn, const char *name)
{
    vnic_error *err = NULL;
    if (vnic_domain_destroy(conn, name, &err) < 0) {
        fprintf(stderr, "destroy %s: %s\n", name, err->message);
        vnic_error_free(err);
        return -1;
    }
    return 0;
}

dev_t kt_macvtap_devnum(const char *name, int ifindex)
{
    char path[128];
    snprintf(path, sizeof(path), "/sys/class/net/%s/macvtap/tap%d/dev", name, ifindex);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    unsigned maj, min;
    int n = fscanf(f, "%u:%u", &maj, &min);
    fclose(f);
    return n == 2 ? makedev(maj, min) : 0;
}

int kt_packet_socket(int ifindex)
{
    /* Protocol 0 until bound: no frame of another device is queued in between. */
    int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s < 0)
        kt_die("AF_PACKET socket: %s", strerror(errno));
    int buf = 8 << 20;
    if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
        kt_die("SO_RCVBUFFORCE: %s", strerror(errno));
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(ETH_P_ALL),
        .sll_ifindex = ifindex,
    };
    if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0)
        kt_die("bind AF_PACKET to ifindex %d: %s", ifindex, strerror(errno));
    return s;
}

int kt_packet_socket_in_netns(const char *ns, const char *ifname, int *ret_ifindex)
{
    char path[256];
    snprintf(path, sizeof(path), "/run/netns/%s", ns);
    int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    int other = open(path, O_RDONLY | O_CLOEXEC);
    if (self < 0 || other < 0)
        kt_die("cannot open the network namespaces (%s): %s", path, strerror(errno));
    if (setns(other, CLONE_NEWNET) < 0)
        kt_die("setns %s: %s", path, strerror(errno));
    int ifindex = (int)if_nametoindex(ifname);
    int s = ifindex > 0 ? kt_packet_socket(ifindex) : -1;
    if (setns(self, CLONE_NEWNET) < 0)
        kt_die("setns back: %s", strerror(errno));
    close(self);
    close(other);
    if (s < 0)
        kt_die("no device %s in namespace %s", ifname, ns);
    *ret_ifindex = ifindex;
    return s;
}

size_t kt_frame(uint8_t *buf, size_t len, const uint8_t dst[6], const uint8_t src[6],
                uint32_t token)
{
    if (len < 60)
        len = 60;
    memcpy(buf, dst, 6);
    memcpy(buf + 6, src, 6);
    buf[12] = KT_ETHERTYPE >> 8;
    buf[13] = KT_ETHERTYPE & 0xff;
    memcpy(buf + 14, magic, sizeof(magic));
    uint32_t t = htonl(token);
    memcpy(buf + 22, &t, 4);
    for (size_t i = 26; i < len; i++)
        buf[i] = (uint8_t)(i * 7 + token);
    return len;
}

bool kt_frame_token(const uint8_t *buf, size_t len, uint32_t *token)
{
    if (len < 26 || buf[12] != (KT_ETHERTYPE >> 8) || buf[13] != (KT_ETHERTYPE & 0xff) ||
        memcmp(buf + 14, magic, sizeof(magic)) != 0)
        return false;
    uint32_t t;
    memcpy(&t, buf + 22, 4);
    *token = ntohl(t);
    /* The pattern must be intact too: a frame cut or changed on the way is no match. */
    for (size_t i = 26; i < len; i++)
        if (buf[i] != (uint8_t)(i * 7 + *token))
            return false;
    return true;
}

int kt_packet_send(int sock, int ifindex, const uint8_t *frame, size_t len)
{
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(KT_ETHERTYPE),
        .sll_ifindex = ifindex,
        .sll_halen = 6,
    };
    memcpy(sll.sll_addr, frame, 6);
    ssize_t n = sendto(sock, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll));
    if (n != (ssize_t)len) {
        fprintf(stderr, "sendto ifindex %d: %s\n", ifindex, n < 0 ? strerror(errno) : "short");
        return -1;
    }
    return 0;
}

/* The failure bound: KT_WAIT_MS, and short once a frame was lost, so that a broken data path
 * fails the test quickly instead of running into meson's timeout frame by frame. */
static int wait_ms = KT_WAIT_MS;

static void lost(void)
{
    wait_ms = 2000;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int kt_packet_wait(int sock, uint32_t token, uint8_t *ret_frame, size_t *ret_len, unsigned *others,
                   uint32_t *others_tokens)
{
    long long deadline = now_ms() + wait_ms;
    uint8_t buf[2048];
    for (;;) {
        struct sockaddr_ll from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(sock, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR)
                kt_die("recvfrom: %s", strerror(errno));
            long long left = deadline - now_ms();
            if (left <= 0) {
                lost();
                return -ETIMEDOUT;
            }
            struct pollfd p = {.fd = sock, .events = POLLIN};
            poll(&p, 1, (int)left);
            continue;
        }
        if (from.sll_pkttype == PACKET_OUTGOING)
            continue;
        uint32_t t;
        if (!kt_frame_token(buf, (size_t)n, &t))
            continue;
        if (t == token) {
            if (ret_frame)
                memcpy(ret_frame, buf, (size_t)n);
            if (ret_len)
                *ret_len = (size_t)n;
            return 0;
        }
        if (others) {
            if (others_tokens && *others < 16)
                others_tokens[*others] = t;
            (*others)++;
        }
    }
}

int kt_fd_write_frame(int fd, bool vnet, const uint8_t *frame, size_t len)
{
    uint8_t buf[4096];
    size_t off = vnet ? KT_VNET_HDR_LEN : 0;
    if (len + off > sizeof(buf))
        kt_die("frame too long");
    memset(buf, 0, off);
    memcpy(buf + off, frame, len);
    ssize_t n = write(fd, buf, len + off);
    if (n != (ssize_t)(len + off)) {
        fprintf(stderr, "write to queue fd %d: %s\n", fd, n < 0 ? strerror(errno) : "short");
        return -1;
    }
    return 0;
}

/* Read one frame from a ready fd; returns its token match state. */
static int read_one(int fd, bool vnet, uint32_t token, uint8_t *hdr)
{
    uint8_t buf[70000];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0)
        kt_die("read from queue fd %d: %s", fd, strerror(errno));
    size_t off = vnet ? KT_VNET_HDR_LEN : 0;
    if ((size_t)n < off)
        return -1;
    uint32_t t;
    if (!kt_frame_token(buf + off, (size_t)n - off, &t))
        return -1;
    if (t != token)
        return 0;
    if (hdr && vnet)
        memcpy(hdr, buf, KT_VNET_HDR_LEN);
    return 1;
}

int kt_fds_wait(const int *fds, size_t n, bool vnet, uint32_t token, unsigned *others, uint8_t *hdr)
{
    long long deadline = now_ms() + wait_ms;
    struct pollfd p[64];
    if (n > 64)
        kt_die("too many fds");
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0) {
            lost();
            return -1;
        }
        for (size_t i = 0; i < n; i++)
            p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
        if (poll(p, n, (int)left) < 0 && errno != EINTR)
            kt_die("poll: %s", strerror(errno));
        for (size_t i = 0; i < n; i++) {
            if (!(p[i].revents & POLLIN))
                continue;
            int m = read_one(fds[i], vnet, token, hdr);
            if (m == 1)
                return (int)i;
            if (m == 0 && others)
                (*others)++;
        }
    }
}

unsigned kt_fds_drain_count(const int *fds, size_t n, bool vnet, uint32_t token)
{
    unsigned count = 0;
    for (;;) {
        bool any = false;
        for (size_t i = 0; i < n; i++) {
            struct pollfd p = {.fd = fds[i], .events = POLLIN};
            if (poll(&p, 1, 0) == 1 && (p.revents & POLLIN)) {
                any = true;
                count += read_one(fds[i], vnet, token, NULL) == 1;
            }
        }
        if (!any)
            return count;
    }
}

char *kt_run(const char *cmd)
{
    FILE *f = popen(cmd, "r");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *out = vnic_xmalloc(cap);
    size_t k;
    while ((k = fread(out + len, 1, cap - len - 1, f)) > 0) {
        len += k;
        if (cap - len < 2) {
            cap *= 2;
            out = vnic_xreallocarray(out, cap, 1);
        }
    }
    out[len] = '\0';
    if (pclose(f) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

bool kt_ip_has(const char *dev, const char *needle)
{
    char *cmd = vnic_xasprintf("ip -d -j link show dev %s", dev);
    char *out = kt_run(cmd);
    bool ok = out && strstr(out, needle);
    if (!ok)
        fprintf(stderr, "'ip -d -j link show dev %s' does not say %s: %s\n", dev, needle,
                out ? out : "(failed)");
    free(out);
    free(cmd);
    return ok;
}
