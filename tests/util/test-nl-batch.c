/* Pipelined netlink (src/util/nl_batch.c) against the kernel, in a network namespace of its
 * own: every request of a send keeps its own answer (done, refused, refused with the kernel's
 * words); answers the socket had no room for are missing, reported as such and not waited
 * for; and libnl's next request on the same socket works after either. Needs root. */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <netlink/msg.h>

#include "cleanup.h"
#include "netlink.h"
#include "nl_batch.h"
#include "strutil.h"
#include "testutil.h"
#include "tun.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void add_change(vnic_nl_batch *b, int ifindex, const vnic_nl_link_change *chg)
{
    struct nl_msg *msg = NULL;
    vnic_error *err = NULL;
    CHECK(vnic_nl_link_change_msg(ifindex, chg, &msg, &err) == 0);
    vnic_error_free(err);
    CHECK(vnic_nl_batch_add(b, msg) >= 0);
}

/* Three answers in one send: done, no such device, refused with the kernel's message (an
 * MTU below a tap's minimum). */
static void test_answers(struct nl_sock *sk, int tap)
{
    _cleanup_free_ vnic_nl_batch *b = vnic_xcalloc(1, sizeof(*b));
    add_change(b, 1, &(vnic_nl_link_change){.alias = "nl-batch-test", .up = -1});
    add_change(b, 0x7ffffff0, &(vnic_nl_link_change){.alias = "nobody", .up = -1});
    add_change(b, tap, &(vnic_nl_link_change){.mtu = 10, .up = -1});
    vnic_error *err = NULL;
    CHECK(vnic_nl_batch_run(sk, b, &err) == 0);
    CHECK(b->n == 3);
    CHECK(b->req[0].answered && b->req[0].error == 0);
    CHECK(b->req[1].answered && b->req[1].error == -ENODEV);
    CHECK(b->req[2].answered && b->req[2].error == -EINVAL);
    printf("the kernel on an MTU of 10: '%s'\n", b->req[2].ext_msg);
    CHECK(b->req[2].ext_msg[0] != '\0');
    CHECK(vnic_nl_batch_fail(b, 2, "changing the tap", &err) == -EINVAL);
    CHECK(err && strstr(err->message, "changing the tap: ") && err->sys_errno == EINVAL);
    vnic_error_free(err);
    vnic_nl_batch_reset(b);
    CHECK(b->n == 0);

    /* libnl's next request on the socket: the first request of the batch was done. */
    vnic_link_info info;
    err = NULL;
    CHECK(vnic_nl_link_get(sk, 1, NULL, &info, &err) == 0);
    CHECK_STREQ(info.alias, "nl-batch-test");
    vnic_error_free(err);
}

/* A receive buffer with room for a few answers only: the others are missing, at once. */
static void test_overrun(struct nl_sock *sk)
{
    int fd = nl_socket_get_fd(sk);
    int small = 1; /* the kernel's minimum */
    CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) == 0);
    _cleanup_free_ vnic_nl_batch *b = vnic_xcalloc(1, sizeof(*b));
    for (int i = 0; i < VNIC_NL_BATCH_MAX; i++)
        add_change(b, 0x7ffffff0, &(vnic_nl_link_change){.alias = "nobody", .up = -1});
    CHECK(vnic_nl_batch_add(b, nlmsg_alloc()) == -ENOSPC);
    vnic_error *err = NULL;
    double t0 = now_s();
    CHECK(vnic_nl_batch_run(sk, b, &err) == 0);
    double took = now_s() - t0;
    size_t answered = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->req[i].answered)
            CHECK(b->req[i].error == -ENODEV);
        else
            CHECK(b->req[i].error == -EIO);
        answered += b->req[i].answered;
    }
    printf("overrun: %zu of %zu answered, in %.3f s\n", answered, b->n, took);
    CHECK(answered < b->n);
    CHECK(took < 1.0); /* the missing ones are not waited for */
    vnic_nl_batch_reset(b);

    nl_socket_set_buffer_size(sk, 1 << 20, 1 << 20);
    vnic_link_info info;
    CHECK(vnic_nl_link_get(sk, 1, NULL, &info, &err) == 0);
    vnic_error_free(err);
}

int main(void)
{
    if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
        printf("needs root (a network namespace of its own)\n");
        return 77;
    }
    struct nl_sock *sk = NULL;
    vnic_error *err = NULL;
    if (vnic_nl_open(&sk, &err) < 0) {
        fprintf(stderr, "%s\n", err->message);
        return 1;
    }
    /* A tap (made without netlink), held by its fd for the test's duration. */
    int fd = -1;
    if (vnic_tun_open(&(vnic_tun_open_args){.name = "nlbt0", .exclusive = true}, &fd, &err) < 0) {
        fprintf(stderr, "%s\n", err->message);
        return 1;
    }
    int tap = (int)if_nametoindex("nlbt0");
    CHECK(tap > 0);
    test_answers(sk, tap);
    test_overrun(sk);
    test_answers(sk, tap);
    close(fd);
    vnic_nl_close(sk);
    return test_result("nl-batch");
}
