/* vnicd's own pieces: the server (accept loop, one thread per client, limits), the methods
 * (io.vnic.Domain, io.vnic.Events, org.varlink.service) and the log. Internal to the daemon. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <vnic/vnic.h>

#include "access.h"
#include "varlink.h"

struct json_object;

/* Limits of one client: the largest request, how long a message begun may take to arrive and
 * a reply to be sent; how many clients at once, and of one uid. */
#define VNICD_MAX_MESSAGE (32u << 20)
#define VNICD_IO_TIMEOUT_MS 10000
#define VNICD_MAX_CLIENTS 256
#define VNICD_MAX_CLIENTS_PER_UID 64

typedef struct vnicd_server vnicd_server;

typedef struct vnicd_client {
    vnicd_server *srv;
    unsigned long id; /* for the log */
    vnic_varlink *link;
    vnicd_peer peer;
    vnic_conn *conn;   /* opened at the first request that needs it */
    char **supervised; /* domains this client supervises: destroyed when it goes */
    size_t nsupervised;
    pthread_t thread;
    bool done; /* the thread has finished (set under the server's lock) */
    /* The thread closing the daemon's copies of the fds last sent (closing: it runs). */
    pthread_t closer;
    bool closing;
    struct vnicd_client *next;
} vnicd_client;

struct vnicd_server {
    const char *uri; /* the embedded driver's URI */
    vnicd_access *access;
    int listen_fd;
    const char *socket_path; /* the socket file vnicd made (removed on stop), or NULL */
    int stop_fd;             /* signalfd of SIGTERM and SIGINT */
    int reap_fd;             /* eventfd: a client thread has finished */
    pthread_mutex_t lock;
    vnicd_client *clients;
    size_t nclients;
    unsigned long next_id;
};

/* Serve until SIGTERM or SIGINT, then end every client. 0, or -1 after logging why. */
int vnicd_server_run(vnicd_server *srv);

/* Handle one call message of client C (a JSON object read from its socket). Returns 0 to go
 * on reading calls, or -1 to close the connection (the reply, if any, was sent). */
int vnicd_dispatch(vnicd_client *c, struct json_object *call);

/* The client's embedded connection, opened on first use. */
int vnicd_client_conn(vnicd_client *c, vnic_error **err);

/* Destroy what client C supervises (its supervisor is gone) and close its connection. */
void vnicd_client_release(vnicd_client *c);

/* Remember that C supervises NAME, or that it no longer does. */
void vnicd_client_supervise(vnicd_client *c, const char *name);
void vnicd_client_unsupervise(vnicd_client *c, const char *name);

/* Wait until the daemon's copies of the fds it sent C are closed (dispatch.c). */
void vnicd_client_wait_closes(vnicd_client *c);

/* Send a message with fds; a failure is logged and means the client is gone. */
int vnicd_send(vnicd_client *c, struct json_object *msg, const int *fds, size_t nfds);

/* io.vnic.Events.Watch: streams until the client goes. Returns -1: close the connection. */
int vnicd_watch(vnicd_client *c, struct json_object *params, bool more);

/* One line on stderr (journal-friendly: a priority prefix when stderr is the journal). */
void vnicd_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The embedded interface descriptions (generated from the .varlink files at build time). */
typedef struct vnicd_interface_text {
    const char *name;
    const char *text;
} vnicd_interface_text;
extern const vnicd_interface_text vnicd_interfaces[];
extern const size_t vnicd_ninterfaces;
