/* Pipelined route netlink: up to VNIC_NL_BATCH_MAX requests written to the kernel in one send,
 * their acknowledgements collected after, each request keeping its own answer. The kernel
 * handles the messages of one send one after the other and acknowledges each; a refusal does
 * not stop the ones after it. For making many devices at once (the backends' create_batch).
 *
 * The requests go through the libnl socket's fd with sequence numbers of their own, outside
 * libnl's counters, and every answer is read before vnic_nl_batch_run returns: the next libnl
 * request on the socket finds it as it left it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include <vnic/backend.h>

#include "error.h"

/* Bounded so that the answers of one batch (at most a request's size each, with the kernel's
 * extended acknowledgement) fit the receive buffer vnic_nl_open gives the socket. */
#define VNIC_NL_BATCH_MAX 64

typedef struct vnic_nl_batch_req {
    struct nl_msg *msg;
    int error;         /* the kernel's answer: 0 or a negative errno */
    bool answered;     /* false: no answer came (error is -EIO); the request may have been done */
    char ext_msg[128]; /* the kernel's own words on a refusal (NETLINK_EXT_ACK), or "" */
} vnic_nl_batch_req;

typedef struct vnic_nl_batch {
    size_t n;
    vnic_nl_batch_req req[VNIC_NL_BATCH_MAX];
} vnic_nl_batch;

/* Queue MSG (taken in every case). Returns its index, or -ENOSPC when the batch is full. */
int vnic_nl_batch_add(vnic_nl_batch *b, struct nl_msg *msg);

/* Send every queued request and wait for every answer (at most a few seconds: the kernel
 * answers route requests while it handles the send, so an answer that is missing then is
 * lost, not late): 0 with each req[i].error set; a request without an answer gets -EIO. A
 * negative errno with *err set when the batch could not be sent: no request reached the
 * kernel then. The messages are freed either way; the answers stay until the next
 * vnic_nl_batch_reset. */
int vnic_nl_batch_run(struct nl_sock *sk, vnic_nl_batch *b, vnic_error **err);

/* Set *err from the answer to request I ("WHAT: the kernel's words (strerror)"); returns
 * req[i].error. */
int vnic_nl_batch_fail(const vnic_nl_batch *b, size_t i, const char *what, vnic_error **err);

/* Empty b for the next batch (freeing what is queued, if it never ran). */
void vnic_nl_batch_reset(vnic_nl_batch *b);

/* The message of the kernel's extended acknowledgement in the NLMSG_ERROR message HDR, of
 * which LEN bytes are readable, into buf (size > 0): "" when it has none. */
void vnic_nl_ext_ack_msg(const struct nlmsghdr *hdr, size_t len, char *buf, size_t size);

/* A backend's create_batch in chunks of at most VNIC_NL_BATCH_MAX devices, each made by CHUNK
 * with the arguments of create_batch from its first device on. */
typedef void vnic_nl_batch_chunk_fn(const vnic_backend_env *env, size_t n,
                                    const vnic_backend_iface *const *ifaces,
                                    const vnic_backend_create_args *args, vnic_iface_runtime *rts,
                                    int *results, vnic_error **errs);
void vnic_nl_batch_chunks(const vnic_backend_env *env, size_t n,
                          const vnic_backend_iface *const *ifaces,
                          const vnic_backend_create_args *args, vnic_iface_runtime *rts,
                          int *results, vnic_error **errs, vnic_nl_batch_chunk_fn *chunk);
