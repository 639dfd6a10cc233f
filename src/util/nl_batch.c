#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>

#include "cleanup.h"
#include "i18n.h"
#include "log.h"
#include "nl_batch.h"
#include "strutil.h"

/* How long an answer may be missing before it counts as lost. The kernel answers every route
 * request of a send before the send returns, so this only bounds the wait on a socket whose
 * answers were dropped (a full receive buffer) or never come. */
#define ANSWER_TIMEOUT_MS 2000
/* Larger than any answer: the acknowledgement of a refusal carries the request it answers
 * (unless NETLINK_CAP_ACK) and the kernel's message. */
#define RECV_BUF 16384

/* The batches' sequence numbers: from 2^31 up, apart from libnl's own (which start from the
 * time of day in seconds), so that an answer can never be taken for the other's. */
static _Thread_local uint32_t next_seq;

static uint32_t take_seqs(size_t n)
{
    if (next_seq < 0x80000000U || next_seq > 0xfffff000U)
        next_seq = 0x80000000U;
    uint32_t first = next_seq;
    next_seq += (uint32_t)n;
    return first;
}

int vnic_nl_batch_add(vnic_nl_batch *b, struct nl_msg *msg)
{
    if (b->n == VNIC_NL_BATCH_MAX) {
        nlmsg_free(msg);
        return -ENOSPC;
    }
    b->req[b->n] = (vnic_nl_batch_req){.msg = msg};
    return (int)b->n++;
}

static void free_msgs(vnic_nl_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        nlmsg_free(b->req[i].msg);
        b->req[i].msg = NULL;
    }
}

void vnic_nl_batch_reset(vnic_nl_batch *b)
{
    free_msgs(b);
    b->n = 0;
}

void vnic_nl_ext_ack_msg(const struct nlmsghdr *hdr, size_t len, char *buf, size_t size)
{
    buf[0] = '\0';
    if (len > hdr->nlmsg_len)
        len = hdr->nlmsg_len;
    const struct nlmsgerr *e = (const struct nlmsgerr *)((const char *)hdr + NLMSG_HDRLEN);
    if (!(hdr->nlmsg_flags & NLM_F_ACK_TLVS) || len < NLMSG_HDRLEN + sizeof(*e))
        return;
    /* The attributes follow the error and, unless capped, the whole request it answers. */
    size_t off = NLMSG_HDRLEN + sizeof(*e);
    if (!(hdr->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len >= NLMSG_HDRLEN)
        off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
    while (off + NLA_HDRLEN <= len) {
        const struct nlattr *a = (const struct nlattr *)((const char *)hdr + off);
        if (a->nla_len < NLA_HDRLEN || off + a->nla_len > len)
            return;
        size_t alen = a->nla_len - NLA_HDRLEN;
        if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG && alen > 0) {
            if (alen > size)
                alen = size;
            memcpy(buf, (const char *)a + NLA_HDRLEN, alen);
            buf[alen - 1] = '\0';
            return;
        }
        off += NLA_ALIGN(a->nla_len);
    }
}

/* Take the answers in one datagram: an acknowledgement (NLMSG_ERROR) of a request of the
 * batch that has none yet. Anything else (a stray message) is skipped. */
static size_t take_answers(vnic_nl_batch *b, uint32_t first, const char *data, size_t len)
{
    size_t got = 0;
    for (const struct nlmsghdr *h = (const struct nlmsghdr *)data; NLMSG_OK(h, len);
         h = NLMSG_NEXT(h, len)) {
        uint32_t i = h->nlmsg_seq - first;
        if (h->nlmsg_type != NLMSG_ERROR || i >= b->n || b->req[i].answered ||
            h->nlmsg_len < NLMSG_LENGTH(sizeof(int))) {
            VNIC_DEBUG("netlink batch: skipping a message of type %u, sequence %u",
                       (unsigned)h->nlmsg_type, (unsigned)h->nlmsg_seq);
            continue;
        }
        const struct nlmsgerr *e = NLMSG_DATA(h);
        b->req[i].error = e->error > 0 ? -e->error : e->error;
        vnic_nl_ext_ack_msg(h, len, b->req[i].ext_msg, sizeof(b->req[i].ext_msg));
        b->req[i].answered = true;
        got++;
    }
    return got;
}

int vnic_nl_batch_run(struct nl_sock *sk, vnic_nl_batch *b, vnic_error **err)
{
    if (b->n == 0)
        return 0;
    size_t total = 0;
    for (size_t i = 0; i < b->n; i++)
        total += NLMSG_ALIGN(nlmsg_hdr(b->req[i].msg)->nlmsg_len);
    /* One buffer for the requests, then for the answers: aligned for struct nlmsghdr. */
    _cleanup_free_ char *buf = vnic_xmalloc(total > RECV_BUF ? total : RECV_BUF);
    uint32_t first = take_seqs(b->n);
    size_t off = 0;
    for (size_t i = 0; i < b->n; i++) {
        struct nlmsghdr *h = nlmsg_hdr(b->req[i].msg);
        h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
        h->nlmsg_seq = first + (uint32_t)i;
        h->nlmsg_pid = 0; /* the kernel knows the sender */
        memcpy(buf + off, h, h->nlmsg_len);
        memset(buf + off + h->nlmsg_len, 0, NLMSG_ALIGN(h->nlmsg_len) - h->nlmsg_len);
        off += NLMSG_ALIGN(h->nlmsg_len);
        b->req[i].error = -EIO; /* until answered */
        b->req[i].answered = false;
        b->req[i].ext_msg[0] = '\0';
    }
    free_msgs(b);

    int fd = nl_socket_get_fd(sk);
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    ssize_t s;
    do
        s = sendto(fd, buf, total, 0, (const struct sockaddr *)&kernel, sizeof(kernel));
    while (s < 0 && errno == EINTR);
    if (s < 0) {
        int e = errno;
        return vnic_error_set_errno(err, e, _("cannot send %zu netlink requests"), b->n), -e;
    }

    size_t pending = b->n;
    bool dropped = false;
    while (pending > 0) {
        ssize_t n = recv(fd, buf, RECV_BUF, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == ENOBUFS) {
            /* The socket overran: some answers are gone. Take what is there. */
            dropped = true;
            continue;
        }
        if (n < 0 && errno == EAGAIN && !dropped) {
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            int p = poll(&pfd, 1, ANSWER_TIMEOUT_MS);
            if (p > 0 || (p < 0 && errno == EINTR))
                continue;
        }
        if (n <= 0)
            break;
        pending -= take_answers(b, first, buf, (size_t)n);
    }
    if (pending)
        VNIC_WARN("netlink batch: %zu of %zu requests got no answer%s", pending, b->n,
                  dropped ? " (the socket's receive buffer overran)" : "");
    return 0;
}

int vnic_nl_batch_fail(const vnic_nl_batch *b, size_t i, const char *what, vnic_error **err)
{
    int e = b->req[i].error;
    if (e >= 0)
        return e;
    if (b->req[i].ext_msg[0])
        vnic_error_set(err, VNIC_ERR_SYSTEM, "%s: %s (%s)", what, b->req[i].ext_msg, strerror(-e));
    else
        vnic_error_set_errno(err, -e, "%s", what);
    if (err && *err)
        (*err)->sys_errno = -e;
    return e;
}

void vnic_nl_batch_chunks(const vnic_backend_env *env, size_t n,
                          const vnic_backend_iface *const *ifaces,
                          const vnic_backend_create_args *args, vnic_iface_runtime *rts,
                          int *results, vnic_error **errs, vnic_nl_batch_chunk_fn *chunk)
{
    for (size_t from = 0; from < n; from += VNIC_NL_BATCH_MAX) {
        size_t k = n - from < VNIC_NL_BATCH_MAX ? n - from : VNIC_NL_BATCH_MAX;
        chunk(env, k, ifaces + from, args + from, rts + from, results + from, errs + from);
    }
}
