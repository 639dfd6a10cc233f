/* The thread-safety contract of vnic.h, exercised: WORKERS threads, each with a connection of
 * its own to one state root (so they contend on the store's locks, name counter and link
 * groups), create, look up, list, read back and destroy domains of taps and macvtaps in a
 * loop, while PARSERS threads parse and format definitions (valid, not well-formed, refused by
 * the schema), sharing definitions they parsed once. Every call must succeed (or fail exactly
 * as it should), and at the end no device and no record is left. Run by
 * tests/lifecycle/in-netns.sh (argv[1] is the URI, with a fresh root); meant for ASan and TSan
 * builds too. */
#include <dirent.h>
#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vnic/vnic.h>

#define WORKERS 4
#define PARSERS 2
#define ROUNDS 6
#define PARSE_ROUNDS 40

static atomic_int failures;
static const char *uri;
static char tmpdir[4096];

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            flockfile(stderr);                                                                     \
            fprintf(stderr, "FAIL (line %d): ", __LINE__);                                         \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            funlockfile(stderr);                                                                   \
            atomic_fetch_add(&failures, 1);                                                        \
        }                                                                                          \
    } while (0)

static const char *msg(const vnic_error *err)
{
    return err && err->message ? err->message : "(no error)";
}

static const char domain_fmt[] = "<domain type='kvm' xmlns:vnic='http://vnic.dev/xmlns/1.0'>\n"
                                 "  <name>%s</name>\n"
                                 "  <devices>\n"
                                 "    <interface type='direct'>\n"
                                 "      <source dev='uplink0' mode='bridge'/>\n"
                                 "      <model type='virtio'/>\n"
                                 "    </interface>\n"
                                 "    <interface type='ethernet'>\n"
                                 "      <target dev='t%d-%%d'/>\n"
                                 "      <model type='virtio'/>\n"
                                 "      <driver queues='2'/>\n"
                                 "    </interface>\n"
                                 "    <interface type='ethernet'>\n"
                                 "      <model type='virtio'/>\n"
                                 /* names, not numbers: user and group lookups in parallel */
                                 "      <vnic:owner user='nobody' group='nogroup'/>\n"
                                 "    </interface>\n"
                                 "  </devices>\n"
                                 "</domain>\n";

static bool listed(vnic_conn *conn, const char *name)
{
    vnic_domain_info **list = NULL;
    size_t n = 0;
    vnic_error *err = NULL;
    bool found = false;
    if (vnic_domain_list(conn, VNIC_LIST_ALL, &list, &n, &err) < 0) {
        CHECK(0, "list: %s", msg(err));
        vnic_error_free(err);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        found |= strcmp(list[i]->name, name) == 0;
    vnic_domain_info_list_free(list, n);
    return found;
}

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    vnic_conn *conn = NULL;
    vnic_error *err = NULL;
    if (vnic_conn_open(uri, &conn, &err) < 0) {
        CHECK(0, "worker %d: open: %s", id, msg(err));
        vnic_error_free(err);
        return NULL;
    }
    char path[4200];
    snprintf(path, sizeof(path), "%s/worker%d.xml", tmpdir, id);
    for (int round = 0; round < ROUNDS; round++) {
        char name[64];
        snprintf(name, sizeof(name), "thr%d-%d", id, round);
        FILE *f = fopen(path, "we");
        if (!f || fprintf(f, domain_fmt, name, id) < 0 || fclose(f) != 0) {
            CHECK(0, "cannot write %s", path);
            break;
        }

        vnic_domain_info *info = NULL;
        vnic_diag_list diags = {0};
        if (vnic_domain_create_file(conn, path, 0, &info, &diags, &err) < 0) {
            CHECK(0, "worker %d: create %s: %s", id, name, msg(err));
            vnic_error_free(err);
            err = NULL;
            vnic_diag_clear(&diags);
            continue;
        }
        CHECK(info->ninterfaces == 3, "%s: %zu interfaces", name, info->ninterfaces);
        char devs[3][IF_NAMESIZE + 1] = {{0}};
        for (size_t i = 0; i < info->ninterfaces && i < 3; i++) {
            snprintf(devs[i], sizeof(devs[i]), "%s", info->interfaces[i]->name);
            CHECK((int)if_nametoindex(devs[i]) == info->interfaces[i]->ifindex,
                  "%s: device %s is not there", name, devs[i]);
        }
        vnic_domain_info_free(info);

        vnic_domain_info *looked = NULL;
        if (vnic_domain_lookup(conn, name, &looked, &err) < 0) {
            CHECK(0, "lookup %s: %s", name, msg(err));
            vnic_error_free(err);
            err = NULL;
        } else {
            CHECK(strcmp(looked->state, "active") == 0, "%s is %s", name, looked->state);
            vnic_domain_info_free(looked);
        }
        CHECK(listed(conn, name), "%s is not listed", name);
        char *xml = vnic_domain_get_xml(conn, name, 0, &err);
        CHECK(xml && strstr(xml, devs[1]), "get_xml %s: %s", name, xml ? "no device" : msg(err));
        free(xml);
        vnic_error_free(err);
        err = NULL;

        if (vnic_domain_destroy(conn, name, &err) < 0) {
            CHECK(0, "destroy %s: %s", name, msg(err));
            vnic_error_free(err);
            err = NULL;
        }
        for (size_t i = 0; i < 3; i++)
            CHECK(!devs[i][0] || if_nametoindex(devs[i]) == 0, "%s: %s left", name, devs[i]);
        CHECK(vnic_domain_lookup(conn, name, &looked, &err) < 0, "%s still there", name);
        vnic_error_free(err);
        err = NULL;
    }
    unlink(path);
    vnic_conn_close(conn);
    return NULL;
}

static const vnic_domain_def *shared_def;

static void *parser(void *arg)
{
    int id = (int)(intptr_t)arg;
    char name[64], valid[2048];
    snprintf(name, sizeof(name), "parsed%d", id);
    snprintf(valid, sizeof(valid), domain_fmt, name, id);
    char *shared_text = vnic_domain_def_format(shared_def, NULL);
    CHECK(shared_text, "format of the shared definition");

    for (int round = 0; round < PARSE_ROUNDS; round++) {
        vnic_domain_def *def = NULL;
        vnic_error *err = NULL;
        if (vnic_domain_def_parse_string(valid, "valid.xml", 0, &def, NULL, &err) < 0) {
            CHECK(0, "parse: %s", msg(err));
            vnic_error_free(err);
            continue;
        }
        CHECK(strcmp(vnic_domain_def_name(def), name) == 0, "name");
        char *a = vnic_domain_def_format(def, NULL);
        vnic_domain_def_free(def);
        def = NULL;
        CHECK(a && vnic_domain_def_parse_string(a, "formatted.xml", 0, &def, NULL, NULL) == 0,
              "the formatted text does not parse");
        char *b = def ? vnic_domain_def_format(def, NULL) : NULL;
        CHECK(a && b && strcmp(a, b) == 0, "formatting is not stable");
        free(a);
        free(b);
        vnic_domain_def_free(def);

        /* A definition another thread parsed, read here (definitions are immutable). */
        char *s = vnic_domain_def_format(shared_def, NULL);
        CHECK(s && shared_text && strcmp(s, shared_text) == 0, "shared definition changed");
        CHECK(vnic_domain_def_interface_count(shared_def) == 3, "shared count");
        free(s);

        /* Not well-formed (line 3), and refused by the schema: each named right. */
        static const char *const bad[] = {
            "<domain>\n<name>x</name>\n</devices>\n</domain>\n",
            "<domain type='kvm'>\n  <name>x</name>\n  <devices/>\n  <devices/>\n</domain>\n",
        };
        static const int bad_line[] = {3, 1};
        static const char *const bad_what[] = {"malformed XML", "schema:"};
        for (size_t i = 0; i < 2; i++) {
            char doc[64];
            snprintf(doc, sizeof(doc), "bad%d-%zu.xml", id, i);
            vnic_diag_list diags = {0};
            def = NULL;
            CHECK(vnic_domain_def_parse_string(bad[i], doc, 0, &def, &diags, &err) < 0, "%s parsed",
                  doc);
            CHECK(diags.count > 0 && strcmp(diags.items[0]->file, doc) == 0 &&
                      diags.items[0]->line == bad_line[i] &&
                      strstr(diags.items[0]->message, bad_what[i]),
                  "%s: diagnostic %s:%d: %s", doc, diags.count ? diags.items[0]->file : "-",
                  diags.count ? diags.items[0]->line : 0,
                  diags.count ? diags.items[0]->message : "none");
            vnic_diag_clear(&diags);
            vnic_error_free(err);
            err = NULL;
        }
    }
    free(shared_text);
    return NULL;
}

/* The names in /sys/class/net, sorted, as one string. */
static char *devices(void)
{
    struct dirent **names = NULL;
    int n = scandir("/sys/class/net", &names, NULL, alphasort);
    size_t len = 0;
    char *s = calloc(1, 1);
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.') {
            size_t l = strlen(names[i]->d_name);
            s = realloc(s, len + l + 2);
            memcpy(s + len, names[i]->d_name, l);
            len += l;
            s[len++] = ' ';
            s[len] = '\0';
        }
        free(names[i]);
    }
    free(names);
    return s;
}

/* Records or definitions (*.xml) anywhere under DIR. */
static int count_xml(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) < 0)
            continue;
        size_t l = strlen(e->d_name);
        if (S_ISDIR(st.st_mode))
            n += count_xml(path);
        else if (l > 4 && strcmp(e->d_name + l - 4, ".xml") == 0) {
            fprintf(stderr, "left: %s\n", path);
            n++;
        }
    }
    closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 2 || strncmp(argv[1], "vnic:///embed?root=", 19) != 0) {
        fprintf(stderr, "usage: %s vnic:///embed?root=DIR (see in-netns.sh)\n", argv[0]);
        return 2;
    }
    uri = argv[1];
    const char *root = argv[1] + 19;
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof(tmpdir), "%s", t ? t : "/tmp");
    char *before = devices();

    char text[2048];
    snprintf(text, sizeof(text), domain_fmt, "shared", 99);
    vnic_domain_def *shared = NULL;
    vnic_error *err = NULL;
    if (vnic_domain_def_parse_string(text, "shared.xml", 0, &shared, NULL, &err) < 0)
        return fprintf(stderr, "parse: %s\n", msg(err)), 1;
    shared_def = shared;

    pthread_t th[WORKERS + PARSERS];
    for (int i = 0; i < WORKERS + PARSERS; i++) {
        void *(*fn)(void *) = i < WORKERS ? worker : parser;
        if (pthread_create(&th[i], NULL, fn, (void *)(intptr_t)i) != 0)
            return perror("pthread_create"), 1;
    }
    for (int i = 0; i < WORKERS + PARSERS; i++)
        pthread_join(th[i], NULL);
    vnic_domain_def_free(shared);

    /* Nothing left: no domain, no record, no device. */
    vnic_conn *conn = NULL;
    if (vnic_conn_open(uri, &conn, &err) < 0)
        return fprintf(stderr, "open: %s\n", msg(err)), 1;
    vnic_domain_info **list = NULL;
    size_t n = 0;
    CHECK(vnic_domain_list(conn, VNIC_LIST_ALL, &list, &n, &err) == 0, "list: %s", msg(err));
    CHECK(n == 0, "%zu domains left", n);
    vnic_domain_info_list_free(list, n);
    vnic_conn_close(conn);
    CHECK(count_xml(root) == 0, "records left under %s", root);
    char *after = devices();
    CHECK(strcmp(before, after) == 0, "devices before: %s; after: %s", before, after);
    free(before);
    free(after);

    int f = atomic_load(&failures);
    printf("threads: %d workers x %d domains, %d parsers x %d rounds, %d failures\n", WORKERS,
           ROUNDS, PARSERS, PARSE_ROUNDS, f);
    return f ? 1 : 0;
}
