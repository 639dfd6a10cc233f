/* The accept loop and the clients: one thread per client, so that a slow, stuck or hostile
 * client holds up nobody but itself. Its limits are the wire's (message size, the time a
 * message begun and a reply may take) and the server's (clients at once, of one uid). */
#include "config.h"

#include <errno.h>
#include <json-c/json.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "cleanup.h"
#include "daemon.h"
#include "driver.h"
#include "error.h"
#include "i18n.h"
#include "marshal.h"
#include "strutil.h"

int vnicd_client_conn(vnicd_client *c, vnic_error **err)
{
    if (c->conn)
        return 0;
    /* The daemon's start reconciled already; a client's connection must not race the others
     * by reconciling again. */
    vnic_conn *conn = NULL;
    if (vnic_conn_open_flags(c->srv->uri, VNIC_CONN_NO_RECONCILE, &conn, err) < 0)
        return -1;
    /* Taps without vnic:owner belong to the unprivileged caller they are made for. */
    if (c->peer.uid != 0 && vnic_conn_set_client(conn, c->peer.uid, c->peer.gid, err) < 0) {
        vnic_conn_close(conn);
        return -1;
    }
    /* A domain this client supervises names the client's pid to those it refuses. */
    if (c->peer.pid > 0 && vnic_conn_set_client_pid(conn, c->peer.pid, err) < 0) {
        vnic_conn_close(conn);
        return -1;
    }
    c->conn = conn;
    return 0;
}

void vnicd_client_supervise(vnicd_client *c, const char *name)
{
    for (size_t i = 0; i < c->nsupervised; i++)
        if (vnic_streq(c->supervised[i], name))
            return;
    c->supervised = vnic_xreallocarray(c->supervised, c->nsupervised + 1, sizeof(char *));
    c->supervised[c->nsupervised++] = vnic_xstrdup(name);
}

void vnicd_client_unsupervise(vnicd_client *c, const char *name)
{
    for (size_t i = 0; i < c->nsupervised; i++)
        if (vnic_streq(c->supervised[i], name)) {
            free(c->supervised[i]);
            c->supervised[i] = c->supervised[--c->nsupervised];
            return;
        }
}

void vnicd_client_release(vnicd_client *c)
{
    /* The client supervised these domains: with it gone, nobody will stop their launchers'
     * use of them, so they go too (as `vnicsh run` destroys what it started). */
    for (size_t i = 0; i < c->nsupervised; i++) {
        const char *name = c->supervised[i];
        _cleanup_error_ vnic_error *err = NULL;
        vnic_domain_info *info = NULL;
        bool transient = vnic_domain_lookup(c->conn, name, &info, NULL) == 0 && !info->persistent;
        vnic_domain_info_free(info);
        if (vnic_domain_destroy(c->conn, name, &err) < 0) {
            vnicd_log(LOG_ERR, "client %lu: cannot destroy supervised domain '%s': %s", c->id, name,
                      err && err->message ? err->message : "?");
        } else {
            vnicd_log(LOG_INFO, "client %lu: destroyed supervised domain '%s' (its client is gone)",
                      c->id, name);
            if (transient)
                vnicd_access_forget(c->srv->access, name);
        }
        free(c->supervised[i]);
    }
    free(c->supervised);
    c->supervised = NULL;
    c->nsupervised = 0;
    vnic_conn_close(c->conn);
    c->conn = NULL;
}

int vnicd_send(vnicd_client *c, struct json_object *msg, const int *fds, size_t nfds)
{
    _cleanup_error_ vnic_error *err = NULL;
    int r = vnic_varlink_send(c->link, msg, fds, nfds, &err);
    if (r < 0)
        vnicd_log(r == -EPIPE ? LOG_INFO : LOG_WARNING, "client %lu: dropped: %s", c->id,
                  err && err->message ? err->message : strerror(-r));
    return r < 0 ? -1 : 0;
}

/* The wire refused what the client sent: say why (best effort) before closing. */
static void refuse_message(vnicd_client *c, int r, const vnic_error *err)
{
    vnicd_log(LOG_WARNING, "client %lu: bad message, closing: %s", c->id,
              err && err->message ? err->message : strerror(-r));
    if (r == -ECONNRESET)
        return;
    json_object *msg = vnic_marshal_failure(err, NULL);
    (void)vnicd_send(c, msg, NULL, 0);
    json_object_put(msg);
}

static void *client_main(void *arg)
{
    vnicd_client *c = arg;
    for (;;) {
        json_object *msg = NULL;
        _cleanup_error_ vnic_error *err = NULL;
        int r = vnic_varlink_recv(c->link, -1, &msg, &err);
        if (r == 0)
            break;
        if (r < 0) {
            refuse_message(c, r, err);
            break;
        }
        r = vnicd_dispatch(c, msg);
        json_object_put(msg);
        if (r < 0)
            break;
    }
    vnicd_client_wait_closes(c);
    vnicd_client_release(c);
    vnicd_log(LOG_INFO, "client %lu: disconnected", c->id);

    vnicd_server *srv = c->srv;
    pthread_mutex_lock(&srv->lock);
    c->done = true;
    pthread_mutex_unlock(&srv->lock);
    uint64_t one = 1;
    (void)!write(srv->reap_fd, &one, sizeof(one));
    return NULL;
}

static void client_free(vnicd_client *c)
{
    vnic_varlink_free(c->link);
    vnicd_peer_clear(&c->peer);
    free(c);
}

/* Join the threads that have finished (with ALL, wait for every one). */
static void reap(vnicd_server *srv, bool all)
{
    for (;;) {
        vnicd_client *found = NULL;
        pthread_mutex_lock(&srv->lock);
        for (vnicd_client **pp = &srv->clients; *pp; pp = &(*pp)->next)
            if ((*pp)->done || all) {
                found = *pp;
                *pp = found->next;
                srv->nclients--;
                break;
            }
        pthread_mutex_unlock(&srv->lock);
        if (!found)
            break;
        pthread_join(found->thread, NULL);
        client_free(found);
    }
    /* A client's large request has been freed: hand the memory back. */
    malloc_trim(0);
}

static void refuse_client(int fd, unsigned long id, const char *why)
{
    vnicd_log(LOG_WARNING, "client %lu: refused: %s", id, why);
    /* A fresh connection's send buffer is empty: this small reply does not wait. */
    vnic_varlink *link = vnic_varlink_new(fd, VNICD_MAX_MESSAGE, 1000);
    if (!link)
        return;
    vnic_error e = {
        .size = sizeof(e), .code = VNIC_ERR_SYSTEM, .sys_errno = EAGAIN, .message = (char *)why};
    json_object *msg = vnic_marshal_failure(&e, NULL);
    (void)vnic_varlink_send(link, msg, NULL, 0, NULL);
    json_object_put(msg);
    vnic_varlink_free(link);
}

/* Has the peer of C closed its end? Its thread may not have noticed yet (it is still finishing
 * the connection), but a connection its client has left does not count against that user. */
static bool peer_gone(const vnicd_client *c)
{
    struct pollfd p = {.fd = vnic_varlink_fd(c->link), .events = POLLRDHUP};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP));
}

static void accept_client(vnicd_server *srv, int fd)
{
    unsigned long id = ++srv->next_id;
    vnicd_peer peer = {0};
    _cleanup_error_ vnic_error *err = NULL;
    if (vnicd_peer_read(fd, &peer, &err) < 0) {
        vnicd_log(LOG_WARNING, "client %lu: cannot read its credentials: %s", id,
                  err && err->message ? err->message : "?");
        close(fd);
        return;
    }
    size_t of_uid = 0;
    pthread_mutex_lock(&srv->lock);
    for (vnicd_client *o = srv->clients; o; o = o->next)
        if (!o->done && o->peer.uid == peer.uid && !peer_gone(o))
            of_uid++;
    size_t total = srv->nclients;
    pthread_mutex_unlock(&srv->lock);
    if (total >= VNICD_MAX_CLIENTS || of_uid >= VNICD_MAX_CLIENTS_PER_UID) {
        _cleanup_free_ char *why =
            vnic_xasprintf(_("too many connections (at most %u, and %u of one user)"),
                           VNICD_MAX_CLIENTS, VNICD_MAX_CLIENTS_PER_UID);
        refuse_client(fd, id, why);
        vnicd_peer_clear(&peer);
        return;
    }

    vnicd_client *c = vnic_xcalloc(1, sizeof(*c));
    c->srv = srv;
    c->id = id;
    c->peer = peer;
    c->link = vnic_varlink_new(fd, VNICD_MAX_MESSAGE, VNICD_IO_TIMEOUT_MS);
    if (!c->link) {
        vnicd_log(LOG_ERR, "client %lu: out of memory", id);
        client_free(c);
        return;
    }
    pthread_mutex_lock(&srv->lock);
    int r = pthread_create(&c->thread, NULL, client_main, c);
    if (r == 0) {
        c->next = srv->clients;
        srv->clients = c;
        srv->nclients++;
    }
    pthread_mutex_unlock(&srv->lock);
    if (r != 0) {
        vnicd_log(LOG_ERR, "client %lu: cannot start its thread: %s", id, strerror(r));
        client_free(c);
        return;
    }
    vnicd_log(LOG_INFO, "client %lu: connected (pid %ld, uid %ld, gid %ld)", id, (long)c->peer.pid,
              (long)c->peer.uid, (long)c->peer.gid);
}

int vnicd_server_run(vnicd_server *srv)
{
    int ret = 0;
    for (;;) {
        struct pollfd p[] = {
            {.fd = srv->stop_fd, .events = POLLIN},
            {.fd = srv->reap_fd, .events = POLLIN},
            {.fd = srv->listen_fd, .events = POLLIN},
        };
        if (poll(p, ELEMENTSOF(p), -1) < 0) {
            if (errno == EINTR)
                continue;
            vnicd_log(LOG_ERR, "poll: %s", strerror(errno));
            ret = -1;
            break;
        }
        if (p[0].revents) {
            struct signalfd_siginfo si;
            if (read(srv->stop_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                vnicd_log(LOG_INFO, "stopping (%s)", strsignal((int)si.ssi_signo));
                break;
            }
        }
        if (p[1].revents) {
            uint64_t n;
            (void)!read(srv->reap_fd, &n, sizeof(n));
            reap(srv, false);
        }
        if (p[2].revents) {
            int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0) {
                accept_client(srv, fd);
            } else if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                /* Out of fds or memory: wait a little for clients to go rather than spin. */
                vnicd_log(LOG_WARNING, "cannot accept a client: %s", strerror(errno));
                poll(NULL, 0, 100);
            }
        }
    }

    sd_notify(0, "STOPPING=1");
    /* No new client from now on: one that connects meanwhile is refused at once instead of
     * waiting in the backlog. */
    close(srv->listen_fd);
    srv->listen_fd = -1;
    if (srv->socket_path)
        unlink(srv->socket_path);
    /* End every client: their threads see the connection close, destroy what they supervise
     * and finish. */
    pthread_mutex_lock(&srv->lock);
    for (vnicd_client *c = srv->clients; c; c = c->next)
        shutdown(vnic_varlink_fd(c->link), SHUT_RDWR);
    pthread_mutex_unlock(&srv->lock);
    reap(srv, true);
    return ret;
}
