/* The varlink wire (src/util/varlink.c) over real unix sockets: framing, fds, limits and
 * timeouts, with a peer that writes raw bytes where the test needs a misbehaving one. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "testutil.h"
#include "varlink.h"

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t count_open_fds(void)
{
    size_t n = 0;
    DIR *d = opendir("/proc/self/fd");
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

/* A varlink end (max, timeout) and the raw socket of its peer in *peer. */
static vnic_varlink *pair(size_t max, int timeout_ms, int *peer)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        abort();
    *peer = sv[1];
    return vnic_varlink_new(sv[0], max, timeout_ms);
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            abort();
        p += w;
        n -= (size_t)w;
    }
}

/* Receive with a fresh error; *msg (may be NULL) gets the error's message (static copy). */
static int recv_one(vnic_varlink *v, int wait_ms, json_object **ret, char *msg, size_t msglen)
{
    vnic_error *err = NULL;
    json_object *o = NULL;
    int r = vnic_varlink_recv(v, wait_ms, &o, &err);
    if (msg)
        snprintf(msg, msglen, "%s", err ? err->message : "");
    CHECK((r < 0 && r != -EAGAIN) == (err != NULL));
    vnic_error_free(err);
    if (ret)
        *ret = o;
    else
        json_object_put(o);
    return r;
}

static const char *member(json_object *o, const char *key)
{
    json_object *m;
    return json_object_object_get_ex(o, key, &m)
               ? json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN)
               : NULL;
}

static void test_builders(void)
{
    json_object *p = json_object_new_object();
    json_object_object_add(p, "name", json_object_new_string("vm1"));
    json_object *c = vnic_varlink_call_new("io.vnic.Domain.Start", p, VNIC_VARLINK_MORE);
    CHECK_STREQ(json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN),
                "{\"method\":\"io.vnic.Domain.Start\",\"parameters\":{\"name\":\"vm1\"},"
                "\"more\":true}");
    json_object_put(c);
    c = vnic_varlink_call_new("a.b.C", NULL, VNIC_VARLINK_ONEWAY);
    CHECK_STREQ(json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN),
                "{\"method\":\"a.b.C\",\"parameters\":{},\"oneway\":true}");
    json_object_put(c);
    c = vnic_varlink_reply_new(NULL, true);
    CHECK_STREQ(json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN),
                "{\"parameters\":{},\"continues\":true}");
    json_object_put(c);
    c = vnic_varlink_reply_new(NULL, false);
    CHECK_STREQ(json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN), "{\"parameters\":{}}");
    json_object_put(c);
    c = vnic_varlink_error_new("x.y.Failed", NULL);
    CHECK_STREQ(json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN),
                "{\"error\":\"x.y.Failed\",\"parameters\":{}}");
    json_object_put(c);
}

static void test_round_trip(void)
{
    int peer;
    vnic_varlink *a = pair(1 << 20, 2000, &peer);
    vnic_varlink *b = vnic_varlink_new(peer, 1 << 20, 2000);
    vnic_error *err = NULL;

    /* Without fds, then with three (pipes: the received ones must work and be O_CLOEXEC). */
    json_object *m = vnic_varlink_call_new("io.vnic.Domain.Lookup", NULL, 0);
    CHECK(vnic_varlink_send(a, m, NULL, 0, &err) == 0);
    json_object_put(m);
    int p[3][2];
    for (int i = 0; i < 3; i++)
        CHECK(pipe2(p[i], O_CLOEXEC) == 0);
    int fds[3] = {p[0][1], p[1][1], p[2][1]};
    m = vnic_varlink_reply_new(NULL, false);
    CHECK(vnic_varlink_send(a, m, fds, 3, &err) == 0);
    json_object_put(m);
    CHECK(err == NULL);

    json_object *o = NULL;
    CHECK(recv_one(b, 1000, &o, NULL, 0) == 1);
    CHECK_STREQ(member(o, "method"), "\"io.vnic.Domain.Lookup\"");
    json_object_put(o);
    CHECK(recv_one(b, 1000, &o, NULL, 0) == 1);
    CHECK_STREQ(member(o, "parameters"), "{}");
    json_object_put(o);
    CHECK(vnic_varlink_queued_fds(b) == 3);
    CHECK(!vnic_varlink_has_buffered(b));
    int got[4];
    CHECK(vnic_varlink_take_fds(b, 4, got, &err) == -EBADMSG && err);
    vnic_error_free(err);
    err = NULL;
    CHECK(vnic_varlink_take_fds(b, 3, got, &err) == 0);
    for (int i = 0; i < 3; i++) {
        char c = (char)('x' + i), r = 0;
        CHECK(fcntl(got[i], F_GETFD) & FD_CLOEXEC);
        CHECK(write(got[i], &c, 1) == 1);
        CHECK(read(p[i][0], &r, 1) == 1 && r == c);
        close(got[i]);
        close(p[i][0]);
        close(p[i][1]);
    }
    CHECK(vnic_varlink_queued_fds(b) == 0);

    /* Nothing pending: -EAGAIN at once; a closed peer between messages: 0. */
    CHECK(recv_one(b, 0, NULL, NULL, 0) == -EAGAIN);
    vnic_varlink_free(a);
    CHECK(recv_one(b, 1000, NULL, NULL, 0) == 0);
    vnic_varlink_free(b);
}

static void test_several_in_one_write(void)
{
    int peer;
    vnic_varlink *v = pair(1 << 20, 2000, &peer);
    static const char three[] = "{\"n\":1}\0{\"n\":2} \0{\"n\":3}\0{\"n\"";
    write_all(peer, three, sizeof(three) - 1);
    for (int i = 1; i <= 3; i++) {
        json_object *o = NULL;
        CHECK(recv_one(v, 0, &o, NULL, 0) == 1);
        CHECK(json_object_get_int(json_object_object_get(o, "n")) == i);
        json_object_put(o);
        CHECK(vnic_varlink_has_buffered(v)); /* the start of the fourth */
    }
    write_all(peer, ":4}", 4);
    json_object *o = NULL;
    CHECK(recv_one(v, 0, &o, NULL, 0) == 1);
    CHECK(json_object_get_int(json_object_object_get(o, "n")) == 4);
    json_object_put(o);
    CHECK(!vnic_varlink_has_buffered(v));
    close(peer);
    vnic_varlink_free(v);
}

struct writer {
    int fd;
    const char *data;
    size_t len, step;
    int pause_us;
    size_t written; /* for the flood: how much the peer took */
    bool flood;
};

static void *writer_main(void *opaque)
{
    struct writer *w = opaque;
    if (w->flood) {
        static char chunk[65536];
        memset(chunk, 'a', sizeof(chunk));
        chunk[0] = '"';
        while (w->written < 100u << 20) {
            ssize_t n = send(w->fd, chunk, sizeof(chunk), MSG_NOSIGNAL);
            if (n <= 0)
                break;
            __atomic_add_fetch(&w->written, (size_t)n, __ATOMIC_SEQ_CST);
        }
        return NULL;
    }
    for (size_t off = 0; off < w->len; off += w->step) {
        size_t n = w->len - off < w->step ? w->len - off : w->step;
        if (send(w->fd, w->data + off, n, MSG_NOSIGNAL) != (ssize_t)n)
            break; /* the reader gave up */
        usleep((useconds_t)w->pause_us);
    }
    return NULL;
}

static void test_split(void)
{
    int peer;
    vnic_varlink *v = pair(1 << 20, 5000, &peer);
    char msg[400];
    int n =
        snprintf(msg, sizeof(msg), "{\"method\":\"x.y.Z\",\"parameters\":{\"s\":\"%0300d\"}}", 7);
    struct writer w = {.fd = peer, .data = msg, .len = (size_t)n + 1, .step = 7, .pause_us = 500};
    pthread_t t;
    pthread_create(&t, NULL, writer_main, &w);
    json_object *o = NULL;
    CHECK(recv_one(v, 5000, &o, NULL, 0) == 1);
    CHECK_STREQ(member(o, "method"), "\"x.y.Z\"");
    json_object_put(o);
    pthread_join(t, NULL);
    close(peer);
    vnic_varlink_free(v);
}

/* Message 2's fds come with the bytes of message 1 in one recvmsg: they are queued, not
 * taken by message 1, and are there for message 2. */
static void test_fds_ahead(void)
{
    int peer;
    vnic_varlink *a = pair(1 << 20, 2000, &peer);
    vnic_varlink *b = vnic_varlink_new(peer, 1 << 20, 2000);
    json_object *m1 = vnic_varlink_reply_new(NULL, true);
    json_object *m2 = vnic_varlink_reply_new(NULL, false);
    int fds[2] = {0, 1};
    CHECK(vnic_varlink_send(a, m1, NULL, 0, NULL) == 0);
    CHECK(vnic_varlink_send(a, m2, fds, 2, NULL) == 0);
    json_object_put(m1);
    json_object_put(m2);

    json_object *o = NULL;
    CHECK(recv_one(b, 1000, &o, NULL, 0) == 1);
    CHECK_STREQ(member(o, "continues"), "true");
    json_object_put(o);
    CHECK(vnic_varlink_queued_fds(b) == 2);
    CHECK(vnic_varlink_has_buffered(b));
    CHECK(recv_one(b, 0, &o, NULL, 0) == 1);
    CHECK(member(o, "continues") == NULL);
    json_object_put(o);
    int got[2];
    CHECK(vnic_varlink_take_fds(b, 2, got, NULL) == 0);
    close(got[0]);
    close(got[1]);
    vnic_varlink_free(a);
    vnic_varlink_free(b);
}

static void test_limit_boundary(void)
{
    int peer;
    vnic_varlink *v = pair(10, 2000, &peer);
    char err[256];
    write_all(peer, "{\"a\":\"12\"}", 11); /* exactly 10 bytes and the NUL */
    CHECK(recv_one(v, 1000, NULL, err, sizeof(err)) == 1);
    write_all(peer, "{\"a\":\"123\"}", 12);
    CHECK(recv_one(v, 1000, NULL, err, sizeof(err)) == -EMSGSIZE);
    CHECK(strstr(err, "limit of 10 bytes") != NULL);
    /* After a failure the connection is done with. */
    CHECK(recv_one(v, 0, NULL, NULL, 0) == -ENOTCONN);
    close(peer);
    vnic_varlink_free(v);

    /* A sender refuses what is over its limit, before sending anything. */
    v = pair(10, 2000, &peer);
    json_object *m = vnic_varlink_reply_new(NULL, true);
    vnic_error *e = NULL;
    CHECK(vnic_varlink_send(v, m, NULL, 0, &e) == -EMSGSIZE && e);
    vnic_error_free(e);
    json_object_put(m);
    m = vnic_varlink_reply_new(NULL, false); /* {"parameters":{}}: 17 bytes */
    CHECK(vnic_varlink_send(v, m, NULL, 0, NULL) == -EMSGSIZE);
    json_object_put(m);
    close(peer);
    vnic_varlink_free(v);
}

/* A peer sending 100 MB without a NUL is refused after max_message bytes: the reader never
 * takes much more than that from the socket (the writer is blocked for the rest). */
static void test_flood(void)
{
    int peer;
    const size_t max = 1 << 20;
    vnic_varlink *v = pair(max, 30000, &peer);
    struct writer w = {.fd = peer, .flood = true};
    pthread_t t;
    pthread_create(&t, NULL, writer_main, &w);
    char err[256];
    long long t0 = now_ms();
    CHECK(recv_one(v, 10000, NULL, err, sizeof(err)) == -EMSGSIZE);
    CHECK(now_ms() - t0 < 10000);
    usleep(100000); /* the writer fills whatever room the socket has */
    size_t written = __atomic_load_n(&w.written, __ATOMIC_SEQ_CST);
    /* What was read (at most max + 1) plus the socket's own buffer. */
    CHECK(written < max + (4u << 20));
    CHECK(written > max);
    vnic_varlink_free(v); /* the writer gets EPIPE */
    pthread_join(t, NULL);
    close(peer);
}

static void expect_bad(const char *raw, size_t len, int want, const char *needle)
{
    int peer;
    vnic_varlink *v = pair(1 << 20, 2000, &peer);
    write_all(peer, raw, len);
    char err[256];
    int r = recv_one(v, 1000, NULL, err, sizeof(err));
    CHECK(r == want);
    if (r != want || !strstr(err, needle))
        fprintf(stderr, "for %.40s: %d, '%s'\n", raw, r, err);
    CHECK(strstr(err, needle) != NULL);
    close(peer);
    vnic_varlink_free(v);
}

static void test_malformed(void)
{
    expect_bad("{\"a\":}", 7, -EBADMSG, "not JSON");
    expect_bad("[1,2]", 6, -EBADMSG, "not a JSON object");
    expect_bad("42", 3, -EBADMSG, "not JSON");
    expect_bad("\"s\"", 4, -EBADMSG, "not a JSON object");
    expect_bad("{} x", 5, -EBADMSG, "not JSON");
    expect_bad("", 1, -EBADMSG, "not JSON");
    expect_bad("{\"a\":\"\xff\"}", 10, -EBADMSG, "not JSON");

    /* Nesting: 31 levels inside the object are fine, 32 are too deep. */
    char deep[200];
    for (int levels = 31; levels <= 32; levels++) {
        size_t n = 0;
        deep[n++] = '{';
        deep[n++] = '"';
        deep[n++] = 'a';
        deep[n++] = '"';
        deep[n++] = ':';
        for (int i = 0; i < levels; i++)
            deep[n++] = '[';
        for (int i = 0; i < levels; i++)
            deep[n++] = ']';
        deep[n++] = '}';
        deep[n++] = '\0';
        if (levels == 32) {
            expect_bad(deep, n, -EBADMSG, "deeper than 32");
        } else {
            int peer;
            vnic_varlink *v = pair(1 << 20, 2000, &peer);
            write_all(peer, deep, n);
            CHECK(recv_one(v, 1000, NULL, NULL, 0) == 1);
            close(peer);
            vnic_varlink_free(v);
        }
    }
}

static void test_eof(void)
{
    int peer;
    char err[256];
    vnic_varlink *v = pair(1 << 20, 2000, &peer);
    write_all(peer, "{\"a\":", 5);
    close(peer);
    CHECK(recv_one(v, 1000, NULL, err, sizeof(err)) == -ECONNRESET);
    CHECK(strstr(err, "in the middle of a message") != NULL);
    vnic_varlink_free(v);

    v = pair(1 << 20, 2000, &peer);
    write_all(peer, "{}\0{}", 5);
    close(peer);
    CHECK(recv_one(v, 1000, NULL, NULL, 0) == 1);
    CHECK(recv_one(v, 1000, NULL, err, sizeof(err)) == -EBADMSG);
    CHECK(strstr(err, "without its terminating NUL") != NULL);
    vnic_varlink_free(v);
}

static void test_timeouts(void)
{
    int peer;
    char err[256];
    vnic_varlink *v = pair(4 << 20, 200, &peer);

    /* Nothing at all: wait_ms, not the timeout, bounds the wait. */
    long long t0 = now_ms();
    CHECK(recv_one(v, 50, NULL, NULL, 0) == -EAGAIN);
    CHECK(now_ms() - t0 >= 40);

    /* Half a message: the timeout counts from its first byte, even with wait_ms -1. */
    write_all(peer, "{\"a\":", 5);
    t0 = now_ms();
    CHECK(recv_one(v, -1, NULL, err, sizeof(err)) == -ETIMEDOUT);
    long long took = now_ms() - t0;
    CHECK(took >= 150 && took < 3000);
    CHECK(strstr(err, "within 200 ms") != NULL);
    vnic_varlink_free(v);
    close(peer);

    /* A peer that trickles a message a byte at a time never lets the socket run dry, and
     * still cannot take longer than the timeout. */
    v = pair(4 << 20, 200, &peer);
    static char slow[4000];
    memset(slow, ' ', sizeof(slow));
    slow[0] = '{';
    struct writer w = {.fd = peer, .data = slow, .len = sizeof(slow), .step = 1, .pause_us = 1000};
    pthread_t t;
    pthread_create(&t, NULL, writer_main, &w);
    t0 = now_ms();
    CHECK(recv_one(v, 5000, NULL, err, sizeof(err)) == -ETIMEDOUT);
    took = now_ms() - t0;
    CHECK(took >= 150 && took < 2000);
    vnic_varlink_free(v);
    pthread_join(t, NULL);
    close(peer);

    /* The start of a message that sat unread in the buffer longer than the timeout: the
     * reader's delay is not the peer's, and the rest is read. */
    v = pair(4 << 20, 200, &peer);
    write_all(peer, "{}\0{\"late\":", 11);
    CHECK(recv_one(v, 1000, NULL, NULL, 0) == 1);
    usleep(300000);
    write_all(peer, "1}", 3);
    json_object *late = NULL;
    CHECK(recv_one(v, 1000, &late, NULL, 0) == 1);
    CHECK_STREQ(member(late, "late"), "1");
    json_object_put(late);
    vnic_varlink_free(v);
    close(peer);

    /* A peer that does not read: the send of a message larger than the socket's buffers
     * gives up after the timeout, and the half-sent stream is unusable. */
    v = pair(4 << 20, 200, &peer);
    json_object *p = json_object_new_object();
    char *big = malloc(3 << 20);
    memset(big, 'b', 3 << 20);
    big[(3 << 20) - 1] = '\0';
    json_object_object_add(p, "s", json_object_new_string(big));
    free(big);
    json_object *m = vnic_varlink_reply_new(p, false);
    vnic_error *e = NULL;
    t0 = now_ms();
    CHECK(vnic_varlink_send(v, m, NULL, 0, &e) == -ETIMEDOUT);
    took = now_ms() - t0;
    CHECK(took >= 150 && took < 3000);
    CHECK(e && strstr(e->message, "did not take the message within 200 ms"));
    vnic_error_free(e);
    e = NULL;
    CHECK(vnic_varlink_send(v, m, NULL, 0, &e) == -ENOTCONN && e);
    vnic_error_free(e);
    json_object_put(m);
    vnic_varlink_free(v);
    close(peer);

    /* A peer that has gone. */
    v = pair(4 << 20, 200, &peer);
    close(peer);
    m = vnic_varlink_reply_new(NULL, false);
    e = NULL;
    CHECK(vnic_varlink_send(v, m, NULL, 0, &e) == -EPIPE && e && e->sys_errno == EPIPE);
    vnic_error_free(e);
    json_object_put(m);
    vnic_varlink_free(v);
}

/* More fds than one sendmsg takes travel on the first bytes; more than VNIC_VARLINK_MAX_FDS
 * not taken are refused, and every one received is closed. */
static void test_many_fds(void)
{
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_max < 4096) {
        printf("many-fds: skipped, RLIMIT_NOFILE hard limit %lu\n", (unsigned long)rl.rlim_max);
        return;
    }
    struct rlimit want = {.rlim_cur = 4096, .rlim_max = rl.rlim_max};
    setrlimit(RLIMIT_NOFILE, &want);

    int peer;
    vnic_varlink *a = pair(1 << 20, 2000, &peer);
    vnic_varlink *b = vnic_varlink_new(peer, 1 << 20, 2000);
    static int fds[VNIC_VARLINK_MAX_FDS + 1];
    for (size_t i = 0; i < ELEMENTSOF(fds); i++)
        fds[i] = 0; /* the same fd many times: the kernel passes each as a new one */
    json_object *m = vnic_varlink_reply_new(NULL, false);
    vnic_error *e = NULL;
    CHECK(vnic_varlink_send(a, m, fds, VNIC_VARLINK_MAX_FDS + 1, &e) == -EINVAL && e);
    vnic_error_free(e);

    size_t before = count_open_fds();
    CHECK(vnic_varlink_send(a, m, fds, 600, NULL) == 0);
    CHECK(recv_one(b, 1000, NULL, NULL, 0) == 1);
    CHECK(vnic_varlink_queued_fds(b) == 600);
    CHECK(count_open_fds() == before + 600);
    CHECK(vnic_varlink_send(a, m, fds, 424, NULL) == 0);
    CHECK(recv_one(b, 1000, NULL, NULL, 0) == 1);
    CHECK(vnic_varlink_queued_fds(b) == VNIC_VARLINK_MAX_FDS);
    CHECK(vnic_varlink_send(a, m, fds, 1, NULL) == 0);
    char err[256];
    CHECK(recv_one(b, 1000, NULL, err, sizeof(err)) == -EBADMSG);
    CHECK(strstr(err, "more than 1024 fds") != NULL);
    CHECK(vnic_varlink_queued_fds(b) == VNIC_VARLINK_MAX_FDS);
    CHECK(count_open_fds() == before + VNIC_VARLINK_MAX_FDS);
    json_object_put(m);
    vnic_varlink_free(b);
    CHECK(count_open_fds() == before - 1);
    vnic_varlink_free(a);
    setrlimit(RLIMIT_NOFILE, &rl);
}

static void test_connect(void)
{
    char dir[] = "/tmp/test-varlink-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof(path), "%s/sock", dir);
    vnic_varlink *v = NULL;
    vnic_error *e = NULL;

    CHECK(vnic_varlink_connect(path, 1 << 20, 1000, &v, &e) == -ENOENT);
    CHECK(e && strstr(e->message, path) && e->sys_errno == ENOENT);
    vnic_error_free(e);
    e = NULL;

    char longp[200];
    memset(longp, 'x', sizeof(longp) - 1);
    longp[0] = '/';
    longp[sizeof(longp) - 1] = '\0';
    CHECK(vnic_varlink_connect(longp, 1 << 20, 1000, &v, &e) == -ENAMETOOLONG);
    CHECK(e && strstr(e->message, longp) && strstr(e->message, "longer than 107 bytes"));
    vnic_error_free(e);
    e = NULL;

    int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, path, strlen(path) + 1);
    CHECK(bind(l, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(l, 4) == 0);
    CHECK(vnic_varlink_connect(path, 1 << 20, 1000, &v, &e) == 0 && v);
    CHECK(fcntl(vnic_varlink_fd(v), F_GETFD) & FD_CLOEXEC);
    CHECK(fcntl(vnic_varlink_fd(v), F_GETFL) & O_NONBLOCK);
    vnic_varlink *s = vnic_varlink_new(accept4(l, NULL, NULL, SOCK_CLOEXEC), 1 << 20, 1000);
    json_object *m = vnic_varlink_call_new("org.varlink.service.GetInfo", NULL, 0);
    CHECK(vnic_varlink_send(v, m, NULL, 0, NULL) == 0);
    json_object_put(m);
    json_object *o = NULL;
    CHECK(recv_one(s, 1000, &o, NULL, 0) == 1);
    CHECK_STREQ(member(o, "method"), "\"org.varlink.service.GetInfo\"");
    json_object_put(o);
    vnic_varlink_free(s);
    vnic_varlink_free(v);
    close(l);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    test_builders();
    test_round_trip();
    test_several_in_one_write();
    test_split();
    test_fds_ahead();
    test_limit_boundary();
    test_flood();
    test_malformed();
    test_eof();
    test_timeouts();
    test_many_fds();
    test_connect();
    return test_result("varlink");
}
