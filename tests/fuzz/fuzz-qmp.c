/* The QMP client's reader: whatever a QMP peer sends (greeting, replies, events, garbage, in
 * any split), the client ends each call with a result or an error, and never crashes, hangs
 * or leaks.
 *
 * The reader is not separable from its socket, so the input is played by a peer thread on a
 * real unix socket: it accepts the client's connection, sends the input, shuts its sending
 * side and reads (and drops) what the client says until the client hangs up. The client
 * connects, negotiates, executes two commands (one passing an fd) and query-pci (its answer
 * searched for a bus and a device) and waits for an event, as hot-plug does. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fuzz.h"
#include "qmp.h"

static char sock_dir[64];
static char sock_path[96];
static int listen_fd = -1;
static int devnull_fd = -1;

static void cleanup(void)
{
    if (listen_fd >= 0)
        close(listen_fd);
    unlink(sock_path);
    rmdir(sock_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(sock_dir, sizeof(sock_dir), "%s/vnic-fuzz-qmp.XXXXXX",
             tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
    if (!mkdtemp(sock_dir)) {
        perror("mkdtemp");
        abort();
    }
    snprintf(sock_path, sizeof(sock_path), "%s/qmp", sock_dir);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
    listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(listen_fd, 4) < 0) {
        perror("qmp peer socket");
        abort();
    }
    devnull_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull_fd < 0)
        abort();
    atexit(cleanup);
    return 0;
}

typedef struct {
    const uint8_t *data;
    size_t size;
} peer_args;

static void *peer(void *arg)
{
    const peer_args *a = arg;
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
        perror("accept");
        abort();
    }
    size_t done = 0;
    while (done < a->size) {
        ssize_t w = send(fd, a->data + done, a->size - done, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            break; /* the client gave up and hung up */
        done += (size_t)w;
    }
    shutdown(fd, SHUT_WR);
    char buf[4096];
    for (;;) {
        ssize_t r = read(fd, buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
    }
    close(fd);
    return NULL;
}

/* Every failure carries a message. */
static void check_result(int r, vnic_error **err)
{
    if (r < 0) {
        FUZZ_CHECK(*err && (*err)->message && *(*err)->message, "a failure without a message");
        vnic_error_free(*err);
        *err = NULL;
    } else {
        FUZZ_CHECK(!*err, "success with an error set: %s", (*err)->message);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    peer_args a = {.data = data, .size = size};
    pthread_t t;
    if (pthread_create(&t, NULL, peer, &a) != 0)
        abort();

    vnic_qmp *q = NULL;
    vnic_error *err = NULL;
    int r = vnic_qmp_open(sock_path, 1000, &q, &err);
    check_result(r, &err);
    if (r == 0) {
        FUZZ_CHECK(q, "open succeeded without a connection");
        json_object *args = json_object_new_object();
        json_object_object_add(args, "id", json_object_new_string("hostnet0"));
        json_object *ret = NULL;
        r = vnic_qmp_execute(q, "netdev_add", args, -1, &ret, &err);
        check_result(r, &err);
        json_object_put(ret);
        ret = NULL;
        json_object_put(args);

        args = json_object_new_object();
        json_object_object_add(args, "fdname", json_object_new_string("fd-net0"));
        r = vnic_qmp_execute(q, "getfd", args, devnull_fd, &ret, &err);
        check_result(r, &err);
        json_object_put(ret);
        json_object_put(args);

        /* query-pci, and its answer searched as hot-plug searches it. */
        json_object *pci = NULL;
        r = vnic_qmp_query_pci(q, &pci, &err);
        check_result(r, &err);
        if (r == 0) {
            FUZZ_CHECK(json_object_is_type(pci, json_type_array), "query-pci gave no list");
            (void)vnic_qmp_pci_has_bus(pci, "pci.1");
            vnic_pci_location loc = {0};
            if (vnic_qmp_pci_locate(pci, "net0", "pci.0", &loc))
                FUZZ_CHECK(loc.found && loc.bus && loc.slot <= 0xffff, "a place half filled");
            else
                FUZZ_CHECK(!loc.found && !loc.bus, "no place, but *ret changed");
            vnic_pci_location_clear(&loc);
            json_object_put(pci);
        }

        /* The peer has stopped sending: this ends with the connection, never by timeout. */
        r = vnic_qmp_wait_event(q, "DEVICE_DELETED", "net0", 60000, &err);
        check_result(r, &err);
        vnic_qmp_close(q);
    }
    pthread_join(t, NULL);
    return 0;
}
