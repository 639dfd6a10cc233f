/* The remote driver against a scripted peer (fake-vnicd.py with remote-driver.json): a Failed
 * reply becomes the daemon's error and diagnostics; a List's partial error is kept; fds come
 * with the reply that lists them and are checked against it, and on every bad reply none stays
 * open; a snapshot whose reply cannot be read undoes the start the daemon made for it; a
 * connection that broke says so; events stream over a connection of their own.
 *
 *   test-remote-driver URI   (the peer runs on the URI's socket) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vnic/vnic.h>

#include "snapshot.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static const char *msg(const vnic_error *e)
{
    return e && e->message ? e->message : "(no error)";
}

static vnic_conn *connect_to(const char *uri)
{
    vnic_conn *c = NULL;
    vnic_error *err = NULL;
    if (vnic_conn_open(uri, &c, &err) < 0) {
        fprintf(stderr, "cannot open %s: %s\n", uri, msg(err));
        exit(1);
    }
    return c;
}

static bool is_null_dev(int fd)
{
    struct stat st;
    int fl = fcntl(fd, F_GETFD);
    return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && fl >= 0 && (fl & FD_CLOEXEC);
}

static int events_seen;
static char last_event[256];

static void on_event(const vnic_event *ev, void *opaque)
{
    (void)opaque;
    events_seen++;
    snprintf(last_event, sizeof(last_event), "%s/%u/%s/%s/%d", ev->domain, ev->index, ev->device,
             ev->type, ev->degraded);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s URI\n", argv[0]);
        return 2;
    }
    const char *uri = argv[1];
    vnic_error *err = NULL;
    vnic_diag_list diags = {0};

    /* R: the daemon refuses the connection (with a reason, then closes it) before the first
     * call is sent: the reason is the error, not the broken pipe. */
    vnic_conn *refused = connect_to(uri);
    usleep(300 * 1000);
    vnic_domain_info **rlist = NULL;
    size_t rn = 0;
    CHECK(vnic_domain_list(refused, 0, &rlist, &rn, &err) == -1, "a refused connection listed");
    CHECK(err && err->code == VNIC_ERR_SYSTEM && err->sys_errno == 11 &&
              strcmp(err->message, "too many connections (at most 256, and 64 of one user)") == 0,
          "refused: %s", msg(err));
    vnic_error_free(err);
    err = NULL;
    vnic_conn_close(refused);

    /* A: errors, the partial list, fds good and bad. */
    vnic_conn *a = connect_to(uri);
    int base = open_fds();

    vnic_domain_info *info = NULL;
    CHECK(vnic_domain_lookup(a, "nope", &info, &err) == -1, "lookup succeeded");
    CHECK(err && err->code == VNIC_ERR_INVALID && err->sys_errno == 0 &&
              strcmp(err->message, "domain 'nope' is not active (and not defined)") == 0,
          "lookup's error: %s", msg(err));
    vnic_error_free(err);
    err = NULL;

    CHECK(vnic_domain_create_xml(a, "<domain/>", "my.xml", 0, NULL, &diags, &err) == -1,
          "create succeeded");
    CHECK(err && err->code == VNIC_ERR_XML &&
              strcmp(err->message, "my.xml: the document is not valid") == 0,
          "create's error: %s", msg(err));
    CHECK(diags.count == 1 && strcmp(diags.items[0]->file, "my.xml") == 0 &&
              diags.items[0]->line == 3 && strcmp(diags.items[0]->message, "bad thing") == 0,
          "create's diagnostics: %zu", diags.count);
    vnic_diag_clear(&diags);
    vnic_error_free(err);
    err = NULL;

    vnic_domain_info **list = NULL;
    size_t n = 99;
    /* A partial result, as the embedded driver gives it: the list, *err, and -1. */
    CHECK(vnic_domain_list(a, 0, &list, &n, &err) == -1, "list's status: %s", msg(err));
    CHECK(list && n == 0 && err && err->code == VNIC_ERR_IO && err->sys_errno == 13 &&
              strcmp(err->message, "cannot read x") == 0,
          "list's partial error: %s", msg(err));
    vnic_domain_info_list_free(list, n);
    vnic_error_free(err);
    err = NULL;

    int *fds = NULL;
    size_t *counts = NULL, nif = 0;
    CHECK(vnic_domain_open_all_queues(a, "d", &fds, &counts, &nif, &err) == 0,
          "open_all_queues: %s", msg(err));
    if (fds && counts) {
        CHECK(nif == 2 && counts[0] == 2 && counts[1] == 1, "counts: %zu interfaces", nif);
        for (size_t i = 0; i < 3 && nif == 2; i++) {
            CHECK(is_null_dev(fds[i]), "fd %zu is not the device sent, or not O_CLOEXEC", i);
            close(fds[i]);
        }
    }
    free(fds);
    free(counts);
    fds = NULL;
    counts = NULL;
    CHECK(open_fds() == base, "fds open: %d, before: %d", open_fds(), base);

    /* The fds listed out of order: refused, none kept. */
    CHECK(vnic_domain_open_all_queues(a, "d", &fds, &counts, &nif, &err) == -1,
          "a misordered fd list was taken");
    CHECK(err && strstr(err->message, "invalid reply from vnicd: reply member 'fds[0]'"),
          "misordered: %s", msg(err));
    vnic_error_free(err);
    err = NULL;
    CHECK(open_fds() == base, "misordered: fds open: %d, before: %d", open_fds(), base);

    /* More fds than listed: refused, none kept, and the connection is not used again. */
    CHECK(vnic_domain_open_queues(a, "d", 0, &fds, &n, &err) == -1, "extra fds were taken");
    CHECK(err && strstr(err->message, "1 fds more than its member 'fds' lists"), "extra: %s",
          msg(err));
    vnic_error_free(err);
    err = NULL;
    CHECK(open_fds() == base - 1, "extra: fds open: %d, before: %d (less the socket)", open_fds(),
          base);
    CHECK(vnic_domain_lookup(a, "nope", &info, &err) == -1, "a lost connection answered");
    CHECK(err && strstr(err->message, "the connection to vnicd at '") &&
              strstr(err->message, "' was lost earlier"),
          "lost: %s", msg(err));
    vnic_error_free(err);
    err = NULL;
    vnic_conn_close(a);

    /* B: fewer fds than listed. */
    base = open_fds();
    vnic_conn *b = connect_to(uri);
    CHECK(vnic_domain_open_all_queues(b, "d", &fds, &counts, &nif, &err) == -1,
          "missing fds were not noticed");
    vnic_error_free(err);
    err = NULL;
    vnic_conn_close(b);
    CHECK(open_fds() == base, "missing: fds open: %d, before: %d", open_fds(), base);

    /* C: a snapshot whose definition cannot be read; the start it made is undone (the peer
     * logs the Destroy); then a good one. */
    vnic_conn *c = connect_to(uri);
    base = open_fds();
    vnic_domain_snapshot *s = NULL;
    CHECK(vnic_conn_domain_snapshot(c, "s1", NULL, NULL, 0, VNIC_SNAPSHOT_FDS | VNIC_SNAPSHOT_START,
                                    &s, NULL, &err) == -1,
          "a bad snapshot was taken");
    CHECK(err && strstr(err->message, "the domain's definition cannot be read"), "snapshot: %s",
          msg(err));
    vnic_error_free(err);
    err = NULL;
    CHECK(open_fds() == base, "snapshot: fds open: %d, before: %d", open_fds(), base);

    CHECK(vnic_conn_domain_snapshot(c, "s1", NULL, NULL, 0, VNIC_SNAPSHOT_FDS, &s, NULL, &err) == 0,
          "snapshot: %s", msg(err));
    if (s) {
        CHECK(s->niface == 2 && s->counts[0] == 1 && s->counts[1] == 2 && s->nfds == 3 &&
                  !s->started && strcmp(s->ids[1], "net1") == 0 && s->ids[2] == NULL &&
                  strcmp(vnic_domain_def_name(s->def), "s1") == 0 &&
                  strcmp(s->info->interfaces[1]->name, "t1") == 0,
              "the snapshot's contents");
        for (size_t i = 0; i < s->nfds; i++)
            CHECK(is_null_dev(s->fds[i]), "snapshot fd %zu", i);
        vnic_domain_snapshot_free(s);
    }
    CHECK(open_fds() == base, "snapshot: fds open: %d, before: %d", open_fds(), base);

    /* vhost-net: a reply whose last fd is not marked as a vhost fd is refused, every fd
     * closed; then a good one, its fds split into queue fds and vhost fds. */
    unsigned vflags = VNIC_SNAPSHOT_FDS | VNIC_SNAPSHOT_VHOST;
    CHECK(vnic_conn_domain_snapshot(c, "s1", NULL, NULL, 0, vflags, &s, NULL, &err) == -1,
          "a snapshot with a bad vhost fd list was taken");
    CHECK(err && strstr(err->message, "is not the vhost fd of queue 1 of interface 1"), "vhost: %s",
          msg(err));
    vnic_error_free(err);
    err = NULL;
    CHECK(open_fds() == base, "bad vhost: fds open: %d, before: %d", open_fds(), base);
    s = NULL;
    CHECK(vnic_conn_domain_snapshot(c, "s1", NULL, NULL, 0, vflags, &s, NULL, &err) == 0,
          "vhost snapshot: %s", msg(err));
    if (s) {
        CHECK(s->nfds == 3 && s->nvhostfds == 2 && s->vhost_counts && s->vhost_counts[0] == 0 &&
                  s->vhost_counts[1] == 2,
              "the vhost snapshot's fds: %zu queues, %zu vhost", s->nfds, s->nvhostfds);
        for (size_t i = 0; i < s->nvhostfds; i++)
            CHECK(is_null_dev(s->vhostfds[i]), "vhost fd %zu", i);
        vnic_domain_snapshot_free(s);
    }
    CHECK(open_fds() == base, "vhost snapshot: fds open: %d, before: %d", open_fds(), base);

    /* The daemon closes without an answer. */
    CHECK(vnic_domain_destroy(c, "s1", &err) == -1, "an unanswered destroy succeeded");
    CHECK(err && strstr(err->message, "vnicd closed the connection before it answered"),
          "closed: %s", msg(err));
    vnic_error_free(err);
    err = NULL;
    vnic_conn_close(c);

    /* D: events on a connection of their own. */
    vnic_conn *d = connect_to(uri);
    int id = 0;
    CHECK(vnic_event_register(d, on_event, NULL, &id, &err) == 0, "register: %s", msg(err));
    int fd = vnic_event_get_fd(d, &err);
    CHECK(fd >= 0 && fd == vnic_event_get_fd(d, NULL), "get_fd: %s", msg(err));
    for (int i = 0; i < 50 && events_seen < 2 && fd >= 0; i++) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 100) > 0)
            CHECK(vnic_event_dispatch(d, &err) == 0, "dispatch: %s", msg(err));
    }
    CHECK(events_seen == 2 && strcmp(last_event, "s1/0/uplink0/lower-removed/0") == 0,
          "events: %d, the last: %s", events_seen, last_event);
    CHECK(vnic_event_run(d, 100, &err) == 0, "run: %s", msg(err));
    CHECK(vnic_event_deregister(d, id) == 0 && vnic_event_deregister(d, id) == -1, "deregister");
    vnic_conn_close(d);

    if (failures) {
        fprintf(stderr, "%d failures\n", failures);
        return 1;
    }
    printf("remote-driver: all checks passed\n");
    return 0;
}
