/* The varlink wire (varlink.org): NUL-terminated JSON messages over a unix stream socket, and
 * the fds that travel with a message (SCM_RIGHTS on its first byte). Both ends use it: the
 * remote driver (src/remote) and vnicd (src/daemon).
 *
 * The peer is hostile: one message is bounded in size (max_message), a message once begun
 * must arrive in full within the timeout, a send must complete within it, JSON nesting is
 * bounded, and received fds are bounded in number (VNIC_VARLINK_MAX_FDS not yet taken).
 *
 * Which fd belongs to which message: the kernel may hand over the fds of a message together
 * with bytes of the message before it, so fds are queued in the order they arrive and a
 * message says how many it carries (the protocol's "fds" member); the reader takes that many
 * from the queue once the message is read (vnic_varlink_take_fds). The sender attaches them to
 * the message's first byte, so they are always queued by the time the message is complete. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <vnic/vnic.h>

struct json_object;

/* Received fds not yet taken, at most: more is a protocol error. */
#define VNIC_VARLINK_MAX_FDS 1024
/* JSON nesting, at most. */
#define VNIC_VARLINK_MAX_DEPTH 32

typedef struct vnic_varlink vnic_varlink;

/* Wrap the connected unix stream socket FD (taken: closed by vnic_varlink_free, also when this
 * fails). The socket is made non-blocking. max_message: the largest message accepted, in bytes
 * before its NUL; timeout_ms: how long a message begun may take to arrive in full, and a send
 * to complete (-1: no limit). Returns NULL only when out of memory (and closes fd). */
vnic_varlink *vnic_varlink_new(int fd, size_t max_message, int timeout_ms);

/* Connect to the unix socket PATH. Errors name PATH. */
int vnic_varlink_connect(const char *path, size_t max_message, int timeout_ms, vnic_varlink **ret,
                         vnic_error **err);

/* Close the socket and every queued fd; NULL is fine. */
void vnic_varlink_free(vnic_varlink *v);

/* The socket, for poll (owned by v). */
int vnic_varlink_fd(const vnic_varlink *v);

/* Send MSG (serialised compactly, then a NUL) with NFDS fds attached to its first byte (they
 * stay the caller's). Blocks at most the timeout. 0, or -errno with *err set (-EPIPE when the
 * peer has gone, -ETIMEDOUT, -EMSGSIZE for a message over max_message). */
int vnic_varlink_send(vnic_varlink *v, struct json_object *msg, const int *fds, size_t nfds,
                      vnic_error **err);

/* Receive the next message, waiting up to wait_ms (-1: for ever; 0: only what is pending) for
 * its first byte. Returns:
 *    1  *ret is the message, a JSON object (the caller puts it);
 *    0  the peer closed the connection cleanly between two messages;
 *   -EAGAIN  nothing arrived within wait_ms (err untouched);
 *   other -errno with *err set: the peer closed in the middle of a message (-ECONNRESET), a
 *     message over max_message (-EMSGSIZE), not JSON or not an object, too deep, a NUL-less
 *     tail at close (-EBADMSG), truncated ancillary data or too many fds (-EBADMSG), a
 *     message begun but not finished within the timeout (-ETIMEDOUT).
 * After a failure the connection is unusable: the caller closes it. */
int vnic_varlink_recv(vnic_varlink *v, int wait_ms, struct json_object **ret, vnic_error **err);

/* Whether a complete or partial next message is already buffered (poll on the fd would not
 * say so): call vnic_varlink_recv with wait_ms 0 before polling again. */
bool vnic_varlink_has_buffered(const vnic_varlink *v);

/* Take the first N queued fds (received with the messages read so far, in order) into RET,
 * N ints that the caller then owns (O_CLOEXEC). -EBADMSG with *err set if fewer are queued. */
int vnic_varlink_take_fds(vnic_varlink *v, size_t n, int *ret, vnic_error **err);

/* Received fds not taken yet. */
size_t vnic_varlink_queued_fds(const vnic_varlink *v);

/* ---- messages (each builder takes ownership of params, which may be NULL: {}) ---------- */

enum {
    VNIC_VARLINK_MORE = 1 << 0,    /* the call wants a stream of replies ("more": true) */
    VNIC_VARLINK_ONEWAY = 1 << 1,  /* no reply wanted ("oneway": true) */
};

/* {"method": METHOD, "parameters": PARAMS[, "more": true][, "oneway": true]} */
struct json_object *vnic_varlink_call_new(const char *method, struct json_object *params,
                                          unsigned flags);
/* {"parameters": PARAMS[, "continues": true]} */
struct json_object *vnic_varlink_reply_new(struct json_object *params, bool continues);
/* {"error": NAME, "parameters": PARAMS} */
struct json_object *vnic_varlink_error_new(const char *name, struct json_object *params);
