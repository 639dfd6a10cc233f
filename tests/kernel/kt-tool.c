/* A helper of the kernel test scripts.
 *
 *   kt-tool links
 *       Every link of the current network namespace as the kernel reports it over netlink
 *       (vnic_nl_link_dump), one JSON array: the second witness next to `ip -d -j link`.
 *   kt-tool queues ROOT DOMAIN INDEX
 *       Open the queues of interface INDEX of DOMAIN (state under ROOT) through the public API
 *       and print, per fd, what the kernel says it is attached to (TUNGETIFF): one line
 *       "NAME vnet_hdr=yes|no multi_queue=yes|no". Exit 1 with vnic's message if it fails.
 *   kt-tool attach NODE NAME [mq] [vnet]
 *       Attach a queue to the existing tap NAME through the tun device node NODE, as a launcher
 *       would (TUNSETIFF); exit 0 if the kernel allowed it, 1 with the reason if not.
 *   kt-tool tap-create NAME
 *       Make a tap NAME with vnic's own TUNSETIFF path (vnic_tun_open) and let it go again;
 *       exit 0, or 1 with vnic's message.
 *   kt-tool mtu NAME MTU
 *       Change the mtu of NAME with vnic's RTM_SETLINK path; exit 0, or 1 with vnic's message
 *       (which carries the kernel's extended ack message, if it gave one).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <vnic/vnic.h>

#include "netlink.h"
#include "strutil.h"
#include "tun.h"

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static const char *mode_name(int mode)
{
    switch (mode) {
    case MACVLAN_MODE_PRIVATE:
        return "private";
    case MACVLAN_MODE_VEPA:
        return "vepa";
    case MACVLAN_MODE_BRIDGE:
        return "bridge";
    case MACVLAN_MODE_PASSTHRU:
        return "passthru";
    case MACVLAN_MODE_SOURCE:
        return "source";
    default:
        return NULL;
    }
}

static int cmd_links(void)
{
    struct nl_sock *sk = NULL;
    vnic_error *err = NULL;
    vnic_link_info *links = NULL;
    size_t n = 0;
    if (vnic_nl_open(&sk, &err) < 0 || vnic_nl_link_dump(sk, &links, &n, &err) < 0) {
        fprintf(stderr, "kt-tool: %s\n", err->message);
        vnic_error_free(err);
        vnic_nl_close(sk);
        return 1;
    }
    printf("[");
    for (size_t i = 0; i < n; i++) {
        const vnic_link_info *l = &links[i];
        printf("%s\n{\"ifindex\": %d, \"name\": ", i ? "," : "", l->ifindex);
        json_string(l->name);
        printf(", \"kind\": ");
        json_string(l->kind);
        printf(", \"alias\": ");
        json_string(l->alias);
        printf(", \"mac\": \"%02x:%02x:%02x:%02x:%02x:%02x\"", l->mac[0], l->mac[1], l->mac[2],
               l->mac[3], l->mac[4], l->mac[5]);
        printf(", \"mtu\": %u, \"up\": %s, \"group\": %u, \"link\": %d, \"mode\": ", l->mtu,
               (l->flags & IFF_UP) ? "true" : "false", l->group, l->link);
        const char *m = l->macvlan_mode >= 0 ? mode_name(l->macvlan_mode) : NULL;
        if (m)
            json_string(m);
        else
            printf("null");
        printf(", \"num_tx_queues\": %u, \"flags\": %u}", l->num_tx_queues, l->flags);
    }
    printf("\n]\n");
    free(links);
    vnic_nl_close(sk);
    return 0;
}

static int attach(const char *node, const char *name, bool mq, bool vnet)
{
    int fd = open(node, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "kt-tool: open %s: %s\n", node, strerror(errno));
        return -1;
    }
    struct ifreq ifr = {0};
    if (!vnic_strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name))) {
        close(fd);
        return -1;
    }
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (mq ? IFF_MULTI_QUEUE : 0) | (vnet ? IFF_VNET_HDR : 0);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        fprintf(stderr, "kt-tool: TUNSETIFF %s: %s\n", name, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static int cmd_queues(const char *root, const char *domain, const char *index)
{
    unsigned long idx;
    if (vnic_parse_uint(index, 0, 1024, &idx) < 0)
        return 2;
    char *uri = vnic_xasprintf("vnic:///embed?root=%s", root);
    vnic_conn *conn = NULL;
    vnic_error *err = NULL;
    int *fds = NULL;
    size_t n = 0;
    int status = 0;
    if (vnic_conn_open(uri, &conn, &err) < 0 ||
        vnic_domain_open_queues(conn, domain, (unsigned)idx, &fds, &n, &err) < 0) {
        fprintf(stderr, "kt-tool: %s\n", err->message);
        vnic_error_free(err);
        status = 1;
    }
    for (size_t i = 0; i < n; i++) {
        struct ifreq ifr = {0};
        if (ioctl(fds[i], TUNGETIFF, &ifr) < 0) {
            fprintf(stderr, "kt-tool: TUNGETIFF: %s\n", strerror(errno));
            status = 1;
        } else {
            printf("%.*s vnet_hdr=%s multi_queue=%s\n", IFNAMSIZ, ifr.ifr_name,
                   (ifr.ifr_flags & IFF_VNET_HDR) ? "yes" : "no",
                   (ifr.ifr_flags & IFF_MULTI_QUEUE) ? "yes" : "no");
        }
        close(fds[i]);
    }
    free(fds);
    vnic_conn_close(conn);
    free(uri);
    return status;
}

static int fail_with(vnic_error *err)
{
    fprintf(stderr, "kt-tool: %s\n", err ? err->message : "?");
    vnic_error_free(err);
    return 1;
}

static int cmd_tap_create(const char *name)
{
    vnic_error *err = NULL;
    int fd = -1;
    vnic_tun_open_args a = {.name = name, .exclusive = true};
    if (vnic_tun_open(&a, &fd, &err) < 0)
        return fail_with(err);
    close(fd);
    printf("created\n");
    return 0;
}

static int cmd_mtu(const char *name, const char *mtu)
{
    unsigned long v;
    if (vnic_parse_uint(mtu, 0, UINT32_MAX, &v) < 0)
        return 2;
    struct nl_sock *sk = NULL;
    vnic_error *err = NULL;
    unsigned ifindex = if_nametoindex(name);
    vnic_nl_link_change chg = {.mtu = (unsigned)v, .up = -1};
    int r = vnic_nl_open(&sk, &err);
    if (r == 0 && !ifindex)
        r = vnic_error_set_errno(&err, errno, "no device '%s'", name);
    if (r == 0)
        r = vnic_nl_link_change_apply(sk, (int)ifindex, &chg, &err);
    vnic_nl_close(sk);
    if (r < 0)
        return fail_with(err);
    printf("changed\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && vnic_streq(argv[1], "tap-create"))
        return cmd_tap_create(argv[2]);
    if (argc == 4 && vnic_streq(argv[1], "mtu"))
        return cmd_mtu(argv[2], argv[3]);
    if (argc == 5 && vnic_streq(argv[1], "queues"))
        return cmd_queues(argv[2], argv[3], argv[4]);
    if (argc == 2 && vnic_streq(argv[1], "links"))
        return cmd_links();
    if (argc >= 4 && vnic_streq(argv[1], "attach")) {
        bool mq = false, vnet = false;
        for (int i = 4; i < argc; i++) {
            if (vnic_streq(argv[i], "mq"))
                mq = true;
            else if (vnic_streq(argv[i], "vnet"))
                vnet = true;
            else
                goto usage;
        }
        int fd = attach(argv[2], argv[3], mq, vnet);
        if (fd < 0)
            return 1;
        close(fd);
        printf("attached\n");
        return 0;
    }
usage:
    fprintf(stderr,
            "usage: kt-tool links | queues ROOT DOMAIN INDEX | attach NODE NAME [mq] [vnet] | "
            "tap-create NAME | mtu NAME MTU\n");
    return 2;
}
