/* The return convention of vnic.h, checked in-process against libvnic through the public
 * header only: on a failure path every entry point returns exactly -1 (or NULL) with *err
 * set, survives NULL err and NULL diags, and refuses flag bits it does not know with a
 * message naming them. Run inside a private network namespace (api.sh). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <vnic/vnic.h>

#include "testutil.h"

#define UNKNOWN_FLAG (1u << 20)
#define UNKNOWN_TEXT "0x100000"

static char tmpdir[] = "/tmp/vnic-api-XXXXXX";
static char path_lo[256], path_bad[256], path_iface[256], path_missing[256], path_ok[256];

/* err is set, exactly one error, and (if want is not NULL) its message contains want. */
static void check_err(int line, vnic_error **err, vnic_error_code code, const char *want)
{
    test_checks++;
    if (!*err) {
        fprintf(stderr, "line %d: no error set\n", line);
        test_failures++;
        return;
    }
    /* The ABI: every result struct says how much of it the library filled. */
    if ((*err)->size != sizeof(vnic_error)) {
        fprintf(stderr, "line %d: error size %zu, not %zu\n", line, (*err)->size,
                sizeof(vnic_error));
        test_failures++;
    }
    if ((code != VNIC_ERR_NONE && (*err)->code != code) ||
        (want && !strstr((*err)->message, want))) {
        fprintf(stderr, "line %d: error code %d, message '%s' (wanted code %d, '%s')\n", line,
                (*err)->code, (*err)->message, code, want ? want : "");
        test_failures++;
    }
    vnic_error_free(*err);
    *err = NULL;
}
#define ERR(code, want) check_err(__LINE__, &err, code, want)

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "we");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static void on_alarm(int sig)
{
    (void)sig;
}

static void dummy_cb(const vnic_event *ev, void *opaque)
{
    (void)ev;
    (void)opaque;
}

static void count_event_cb(const vnic_event *ev, void *opaque)
{
    int *seen = opaque;
    CHECK(ev->size == sizeof(vnic_event));
    CHECK(VNIC_HAS_MEMBER(ev, vnic_event, degraded));
    CHECK(ev->domain && strcmp(ev->domain, "abi1") == 0);
    (*seen)++;
}

/* The ABI of the result structs (vnic.h, "ABI"): each begins with its size as the library
 * filled it, and arrays of them are arrays of pointers, on the success paths too. A domain
 * with one tap is made, its device removed behind vnic's back (an event, and an action of
 * reconcile), then destroyed. */
static void test_result_abi(vnic_conn *conn, const char *ok_xml)
{
    vnic_error *err = NULL;
    vnic_diag_list diags = {0};

    vnic_domain_def *def = NULL;
    CHECK(vnic_domain_def_parse_string("<domain><name>x</name><devices>\n"
                                       "<interface type='ethernet'><nosuch/></interface>\n"
                                       "</devices></domain>",
                                       "abi.xml", 0, &def, &diags, NULL) == -1);
    CHECK(def == NULL);
    CHECK(diags.count > 0);
    for (size_t i = 0; i < diags.count; i++) {
        CHECK(diags.items[i]->size == sizeof(vnic_diag));
        CHECK(VNIC_HAS_MEMBER(diags.items[i], vnic_diag, message));
    }
    vnic_diag_clear(&diags);
    CHECK(diags.items == NULL && diags.count == 0);

    vnic_domain_info *info = NULL;
    CHECK(vnic_domain_create_file(conn, ok_xml, 0, &info, NULL, &err) == 0);
    if (!info) {
        fprintf(stderr, "create abi1: %s\n", err ? err->message : "?");
        test_failures++;
        vnic_error_free(err);
        return;
    }
    CHECK(info->size == sizeof(vnic_domain_info));
    CHECK(VNIC_HAS_MEMBER(info, vnic_domain_info, interfaces));
    CHECK(info->ninterfaces == 2);
    for (size_t i = 0; i < info->ninterfaces; i++) {
        const vnic_interface_info *f = info->interfaces[i];
        CHECK(f->size == sizeof(vnic_interface_info));
        CHECK(VNIC_HAS_MEMBER(f, vnic_interface_info, managed));
        CHECK(f->index == i);
    }
    if (info->ninterfaces == 2)
        CHECK_STREQ(info->interfaces[1]->name, "abitap1");
    vnic_domain_info_free(info);

    vnic_domain_info **list = NULL;
    size_t n = 0;
    CHECK(vnic_domain_list(conn, 0, &list, &n, NULL) == 0);
    CHECK(n == 1 && list[0]->size == sizeof(vnic_domain_info));
    vnic_domain_info_list_free(list, n);

    /* A device gone: an event for it, and reconcile has something to say. */
    int seen = 0, id = -1;
    CHECK(vnic_event_register(conn, count_event_cb, &seen, &id, NULL) == 0);
    CHECK(vnic_event_get_fd(conn, NULL) >= 0);
    /* The watch list follows the records at each dispatch: take in the new domain. */
    CHECK(vnic_event_dispatch(conn, NULL) == 0);
    CHECK(system("ip link del abitap1") == 0);
    for (int tries = 0; tries < 50 && seen == 0; tries++) {
        CHECK(vnic_event_run(conn, 100, NULL) == 0);
    }
    CHECK(seen > 0);
    vnic_reconcile_action **acts = NULL;
    CHECK(vnic_reconcile(conn, VNIC_RECONCILE_DRY_RUN, &acts, &n, NULL) == 0);
    CHECK(n > 0 && acts != NULL);
    for (size_t i = 0; i < n; i++) {
        CHECK(acts[i]->size == sizeof(vnic_reconcile_action));
        CHECK(VNIC_HAS_MEMBER(acts[i], vnic_reconcile_action, message));
        CHECK(acts[i]->message != NULL);
    }
    vnic_reconcile_actions_free(acts, n);
    vnic_reconcile_actions_free(NULL, 0);

    CHECK(vnic_event_deregister(conn, id) == 0);
    CHECK(vnic_domain_destroy(conn, "abi1", NULL) == 0);
}

int main(int argc, char **args)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path_lo, sizeof(path_lo), "%s/lo.xml", tmpdir);
    snprintf(path_bad, sizeof(path_bad), "%s/bad.xml", tmpdir);
    snprintf(path_iface, sizeof(path_iface), "%s/iface.xml", tmpdir);
    snprintf(path_missing, sizeof(path_missing), "%s/missing.xml", tmpdir);
    /* A tap named like an existing device: creation fails in the backend. */
    write_file(path_lo, "<domain><name>lo1</name><devices>\n"
                        "<interface type='ethernet'><target dev='lo'/></interface>\n"
                        "</devices></domain>\n");
    write_file(path_bad, "<domain><name>bad</name>\n<devices><interface type='ethernet'>\n"
                         "<nosuch/></interface></devices></domain>\n");
    write_file(path_iface, "<interface type='ethernet'/>\n");
    snprintf(path_ok, sizeof(path_ok), "%s/ok.xml", tmpdir);
    write_file(path_ok, "<domain><name>abi1</name><devices>\n"
                        "<interface type='ethernet'><target dev='abitap0'/></interface>\n"
                        "<interface type='ethernet'><target dev='abitap1'/></interface>\n"
                        "</devices></domain>\n");

    /* An embedded connection on a fresh root, or the URI given (the remote copy of this test
     * runs through vnicd: tests/lifecycle/in-netns.sh's remote mode). */
    char uri[512];
    snprintf(uri, sizeof(uri), "vnic:///embed?root=%s/root", tmpdir);
    if (argc > 1)
        snprintf(uri, sizeof(uri), "%s", args[1]);

    vnic_error *err = NULL;
    vnic_diag_list diags = {0};
    vnic_conn *conn = NULL;
    int r;

    /* ---- connections ---- */
    CHECK(vnic_conn_open("nosuch:///x", &conn, NULL) == -1);
    CHECK(vnic_conn_open("nosuch:///x", &conn, &err) == -1);
    ERR(VNIC_ERR_INVALID, "nosuch:///x");
    CHECK(vnic_conn_open_flags(uri, UNKNOWN_FLAG, &conn, NULL) == -1);
    CHECK(vnic_conn_open_flags(uri, UNKNOWN_FLAG | VNIC_CONN_NO_RECONCILE, &conn, &err) == -1);
    ERR(VNIC_ERR_INVALID, UNKNOWN_TEXT);
    CHECK(conn == NULL);
    r = vnic_conn_open(uri, &conn, &err);
    CHECK(r == 0);
    if (r < 0) {
        fprintf(stderr, "cannot open %s: %s\n", uri, err ? err->message : "?");
        return 1;
    }

    /* ---- parsing ---- */
    vnic_domain_def *def = NULL;
    CHECK(vnic_domain_def_parse_file(path_missing, 0, &def, NULL, NULL) == -1);
    CHECK(vnic_domain_def_parse_file(path_missing, 0, &def, &diags, &err) == -1);
    ERR(VNIC_ERR_IO, NULL);
    vnic_diag_clear(&diags);
    CHECK(vnic_domain_def_parse_file(path_bad, 0, &def, NULL, NULL) == -1);
    /* Without a diagnostics list the error still says where the problem is. */
    CHECK(vnic_domain_def_parse_file(path_bad, 0, &def, NULL, &err) == -1);
    ERR(VNIC_ERR_XML, "bad.xml:3");
    CHECK(vnic_domain_def_parse_file(path_bad, 0, &def, &diags, &err) == -1);
    ERR(VNIC_ERR_XML, NULL);
    CHECK(diags.count > 0);
    vnic_diag_clear(&diags);
    CHECK(vnic_domain_def_parse_file(path_lo, UNKNOWN_FLAG, &def, NULL, &err) == -1);
    ERR(VNIC_ERR_INVALID, UNKNOWN_TEXT);
    CHECK(vnic_domain_def_parse_string("<domain", "mem.xml", 0, &def, NULL, NULL) == -1);
    CHECK(vnic_domain_def_parse_string("<domain", "mem.xml", 0, &def, NULL, &err) == -1);
    ERR(VNIC_ERR_XML, "mem.xml:1");
    CHECK(vnic_domain_def_parse_string("<interface type='ethernet'/>", "m.xml", UNKNOWN_FLAG, &def,
                                       NULL, &err) == -1);
    ERR(VNIC_ERR_INVALID, UNKNOWN_TEXT);
    CHECK(def == NULL);
    /* vnic_domain_def_format has no failure path short of memory; NULL err on success. */
    CHECK(vnic_domain_def_parse_file(path_lo, 0, &def, NULL, NULL) == 0);
    char *xml = vnic_domain_def_format(def, NULL);
    CHECK(xml && strstr(xml, "<target dev=\"lo\"/>"));
    free(xml);
    vnic_domain_def_free(def);

    /* ---- create, define, start ---- */
    vnic_domain_info *info = NULL;
    /* The backend fails on 'lo'; with NULL err this crashed in tap.c. */
    CHECK(vnic_domain_create_file(conn, path_lo, 0, &info, NULL, NULL) == -1);
    CHECK(vnic_domain_create_file(conn, path_lo, 0, &info, &diags, &err) == -1);
    ERR(VNIC_ERR_NONE, "lo");
    CHECK(vnic_domain_create_file(conn, path_bad, 0, &info, NULL, NULL) == -1);
    CHECK(vnic_domain_create_file(conn, path_missing, 0, &info, NULL, &err) == -1);
    ERR(VNIC_ERR_IO, NULL);
    CHECK(vnic_domain_create_file(conn, path_lo, UNKNOWN_FLAG | VNIC_CREATE_SUPERVISED, &info, NULL,
                                  &err) == -1);
    ERR(VNIC_ERR_INVALID, UNKNOWN_TEXT);
    CHECK(info == NULL);
    vnic_diag_clear(&diags);

    CHECK(vnic_domain_define_file(conn, path_bad, 0, &info, NULL, NULL) == -1);
    CHECK(vnic_domain_define_file(conn, path_bad, 0, &info, NULL, &err) == -1);
    ERR(VNIC_ERR_XML, "bad.xml:3");
    CHECK(vnic_domain_define_file(conn, path_lo, VNIC_START_SUPERVISED, &info, NULL, &err) == -1);
    ERR(VNIC_ERR_INVALID, "0x100");

    CHECK(vnic_domain_start(conn, "nosuch", 0, &info, NULL) == -1);
    CHECK(vnic_domain_start(conn, "nosuch", 0, &info, &err) == -1);
    ERR(VNIC_ERR_NONE, "nosuch");
    CHECK(vnic_domain_start(conn, "nosuch", UNKNOWN_FLAG, &info, &err) == -1);
    ERR(VNIC_ERR_INVALID, UNKNOWN_TEXT);
    /* A defined domain whose device cannot be made: the start fails in the backend. */
    CHECK(vnic_domain_define_file(conn, path_lo, 0, NULL, NULL, &err) == 0);
    CHECK(err == NULL);
    CHECK(vnic_domain_start(conn, "lo1", 0, &info, NULL) == -1);
    CHECK(vnic_domain_start(conn, "lo1", 0, &info, &err) == -1);
    ERR(VNIC_ERR_NONE, "lo");
    CHECK(info == NULL);

    /* ---- queries ---- */
    CHECK(vnic_domain_destroy(conn, "nosuch", NULL) == -1);
    CHECK(vnic_domain_destroy(conn, "nosuch", &err) == -1);
    ERR(VNIC_ERR_NONE, "nosuch");
    CHECK(vnic_domain_lookup(conn, "nosuch", &info, NULL) == -1);
    CHECK(vnic_domain_lookup(conn, "nosuch", &info, &err) == -1);
    ERR(VNIC_ERR_NONE, "nosuch");
    vnic_domain_info **list = NULL;
    size_t n = 0;
    CHECK(vnic_domain_list(conn, UNKNOWN_FLAG, &list, &n, NULL) == -1);
    CHECK(vnic_domain_list(conn, UNKNOWN_FLAG | VNIC_LIST_ALL, &list, &n, &err) == -1);
    ERR(VNIC_ERR_INVALID, UNKNOWN_TEXT);
    CHECK(vnic_domain_list(conn, VNIC_LIST_ALL, &list, &n, NULL) == 0);
    CHECK(n == 1);
    vnic_domain_info_list_free(list, n);
    CHECK(vnic_domain_get_xml(conn, "nosuch", 0, NULL) == NULL);
    CHECK(vnic_domain_get_xml(conn, "nosuch", 0, &err) == NULL);
    ERR(VNIC_ERR_NONE, "nosuch");
    CHECK(vnic_domain_get_xml(conn, "lo1", UNKNOWN_FLAG, &err) == NULL);
    ERR(VNIC_ERR_INVALID, UNKNOWN_TEXT);
    int *fds = NULL;
    size_t *counts = NULL;
    CHECK(vnic_domain_open_queues(conn, "nosuch", 0, &fds, &n, NULL) == -1);
    CHECK(vnic_domain_open_queues(conn, "nosuch", 0, &fds, &n, &err) == -1);
    ERR(VNIC_ERR_NONE, "nosuch");
    CHECK(vnic_domain_open_all_queues(conn, "lo1", &fds, &counts, &n, NULL) == -1);
    CHECK(vnic_domain_open_all_queues(conn, "lo1", &fds, &counts, &n, &err) == -1);
    ERR(VNIC_ERR_NONE, "lo1");

    /* ---- hot-plug ---- */
    unsigned index;
    CHECK(vnic_domain_attach_interface_file(conn, "lo1", path_iface, 0, &index, NULL, NULL) == -1);
    CHECK(vnic_domain_attach_interface_file(conn, "lo1", path_iface, 0, &index, NULL, &err) == -1);
    ERR(VNIC_ERR_NONE, "lo1");
    CHECK(vnic_domain_attach_interface_file(conn, "lo1", path_lo, 0, &index, NULL, &err) == -1);
    ERR(VNIC_ERR_INVALID, "<interface>");
    CHECK(vnic_domain_attach_interface_file(conn, "lo1", path_iface, UNKNOWN_FLAG, &index, NULL,
                                            &err) == -1);
    ERR(VNIC_ERR_INVALID, UNKNOWN_TEXT);
    CHECK(vnic_domain_detach_interface(conn, "lo1", "net0", NULL) == -1);
    CHECK(vnic_domain_detach_interface(conn, "lo1", "net0", &err) == -1);
    ERR(VNIC_ERR_NONE, "lo1");

    /* ---- interface bandwidth ---- */
    vnic_interface_bandwidth *bw = NULL;
    const unsigned long long rate[VNIC_BANDWIDTH_NPARAMS] = {100, 0, 0};
    CHECK(vnic_domain_get_interface_bandwidth(conn, "nosuch", "net0", &bw, NULL) == -1);
    CHECK(vnic_domain_get_interface_bandwidth(conn, "nosuch", "net0", &bw, &err) == -1);
    ERR(VNIC_ERR_NONE, "nosuch");
    CHECK(vnic_domain_get_interface_bandwidth(conn, "lo1", NULL, &bw, &err) == -1);
    ERR(VNIC_ERR_INVALID, "no interface given");
    CHECK(vnic_domain_get_interface_bandwidth(conn, "lo1", "net0", NULL, &err) == -1);
    ERR(VNIC_ERR_INVALID, "no place for the result");
    CHECK(vnic_domain_get_interface_bandwidth(conn, "lo1", "nosuch0", &bw, &err) == -1);
    ERR(VNIC_ERR_NONE, "nosuch0");
    CHECK(bw == NULL);
    CHECK(vnic_domain_set_interface_bandwidth(conn, "lo1", "net0", rate, NULL, NULL) == -1);
    CHECK(vnic_domain_set_interface_bandwidth(conn, "lo1", "net0", rate, NULL, &err) == -1);
    ERR(VNIC_ERR_NONE, "not active");
    CHECK(vnic_domain_set_interface_bandwidth(conn, "lo1", NULL, NULL, rate, &err) == -1);
    ERR(VNIC_ERR_INVALID, "no interface given");
    vnic_interface_bandwidth_free(NULL);
    /* ---- live interface state (issue 11) ---- */
    vnic_interface_stats *stats = NULL;
    bool up = true;
    CHECK(vnic_domain_interface_stats(conn, "lo1", "net0", &stats, NULL) == -1);
    CHECK(vnic_domain_interface_stats(conn, "lo1", "net0", &stats, &err) == -1 && !stats);
    ERR(VNIC_ERR_INVALID, "lo1");
    CHECK(vnic_domain_interface_stats(conn, "lo1", NULL, &stats, &err) == -1);
    ERR(VNIC_ERR_INVALID, NULL);
    CHECK(vnic_domain_interface_stats(conn, "lo1", "net0", NULL, &err) == -1);
    ERR(VNIC_ERR_INVALID, NULL);
    CHECK(vnic_domain_interface_get_link(conn, "lo1", "net0", &up, NULL, NULL) == -1);
    CHECK(vnic_domain_interface_get_link(conn, "nosuch", "net0", &up, NULL, &err) == -1);
    ERR(VNIC_ERR_NONE, "nosuch");
    CHECK(vnic_domain_interface_get_link(conn, "lo1", "net0", NULL, NULL, &err) == -1);
    ERR(VNIC_ERR_INVALID, NULL);
    CHECK(vnic_domain_interface_set_link(conn, "lo1", "net0", false, NULL) == -1);
    CHECK(vnic_domain_interface_set_link(conn, "lo1", "net0", false, &err) == -1);
    ERR(VNIC_ERR_INVALID, "lo1");
    CHECK(vnic_qmp_interface_set_link(conn, "lo1", "net0", false, NULL, &err) == -1);
    ERR(VNIC_ERR_INVALID, NULL);
    vnic_interface_stats_free(NULL);

    /* ---- undefine, reconcile ---- */
    CHECK(vnic_domain_undefine(conn, "nosuch", 0, NULL) == -1);
    CHECK(vnic_domain_undefine(conn, "nosuch", 0, &err) == -1);
    ERR(VNIC_ERR_NONE, "nosuch");
    CHECK(vnic_domain_undefine(conn, "lo1", UNKNOWN_FLAG, &err) == -1);
    ERR(VNIC_ERR_INVALID, UNKNOWN_TEXT);
    vnic_reconcile_action **actions = NULL;
    CHECK(vnic_reconcile(conn, UNKNOWN_FLAG, &actions, &n, NULL) == -1);
    CHECK(vnic_reconcile(conn, UNKNOWN_FLAG | VNIC_RECONCILE_DRY_RUN, &actions, &n, &err) == -1);
    ERR(VNIC_ERR_INVALID, UNKNOWN_TEXT);

    /* ---- events ---- */
    CHECK(vnic_event_deregister(conn, 42) == -1);
    int id = -1;
    CHECK(vnic_event_register(conn, dummy_cb, NULL, &id, NULL) == 0);
    CHECK(vnic_event_deregister(conn, id) == 0);
    CHECK(vnic_event_deregister(conn, id) == -1);
    /* A signal ends the wait: -1 with the errno in the error, not -EINTR. */
    struct sigaction sa = {.sa_handler = on_alarm};
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {.it_value = {.tv_usec = 100000}};
    setitimer(ITIMER_REAL, &it, NULL);
    CHECK(vnic_event_run(conn, -1, &err) == -1);
    CHECK(err && err->sys_errno == EINTR);
    ERR(VNIC_ERR_NONE, NULL);
    setitimer(ITIMER_REAL, &it, NULL);
    CHECK(vnic_event_run(conn, -1, NULL) == -1);
    CHECK(vnic_event_run(conn, 10, NULL) == 0);

    /* ---- launchers ---- */
    char *const argv[] = {"true", NULL};
    char *const noargv[] = {NULL};
    int status = -1;
    CHECK(vnic_run(conn, "nosuch", 0, argv, &status, NULL, NULL) == -1);
    CHECK(vnic_run(conn, "nosuch", 0, argv, &status, NULL, &err) == -1);
    ERR(VNIC_ERR_NONE, "nosuch");
    CHECK(vnic_run(conn, path_lo, 0, argv, &status, NULL, NULL) == -1);
    CHECK(vnic_run(conn, path_bad, 0, argv, &status, NULL, &err) == -1);
    ERR(VNIC_ERR_XML, "bad.xml:3");
    CHECK(vnic_run(conn, "lo1", 0, noargv, &status, NULL, &err) == -1);
    ERR(VNIC_ERR_INVALID, NULL);
    CHECK(vnic_run(conn, "lo1", UNKNOWN_FLAG | VNIC_RUN_ENV, argv, &status, NULL, &err) == -1);
    ERR(VNIC_ERR_INVALID, UNKNOWN_TEXT);
    CHECK(status == -1);
    char *qid = NULL;
    char sock[300];
    snprintf(sock, sizeof(sock), "%s/nosuch.sock", tmpdir);
    CHECK(vnic_qmp_attach_interface(conn, "lo1", path_iface, sock, 0, &qid, NULL, NULL) == -1);
    CHECK(vnic_qmp_attach_interface(conn, "lo1", path_iface, sock, 0, &qid, NULL, &err) == -1);
    ERR(VNIC_ERR_NONE, "nosuch.sock");
    CHECK(vnic_qmp_attach_interface(conn, "lo1", path_iface, sock, UNKNOWN_FLAG, &qid, NULL,
                                    &err) == -1);
    ERR(VNIC_ERR_INVALID, UNKNOWN_TEXT);
    CHECK(qid == NULL);
    /* The same with the PCI place: unknown flags refused, the place untouched on failure. */
    vnic_pci_location where = {.slot = 77};
    CHECK(vnic_qmp_attach_interface_at(conn, "lo1", path_iface, sock, UNKNOWN_FLAG, &qid, &where,
                                       NULL, &err) == -1);
    ERR(VNIC_ERR_INVALID, UNKNOWN_TEXT);
    CHECK(vnic_qmp_attach_interface_at(conn, "lo1", path_iface, sock, 0, &qid, &where, NULL,
                                       &err) == -1);
    ERR(VNIC_ERR_NONE, "nosuch.sock");
    CHECK(qid == NULL && where.slot == 77 && !where.found && where.bus == NULL);
    vnic_pci_location_clear(&where);
    vnic_pci_location_clear(NULL);
    CHECK(where.slot == 0);
    CHECK(vnic_qmp_detach_interface(conn, "nosuch", "net0", sock, 100, NULL) == -1);
    CHECK(vnic_qmp_detach_interface(conn, "lo1", "net0", sock, 100, &err) == -1);
    ERR(VNIC_ERR_NONE, "lo1");
    CHECK(vnic_pass_fds(conn, "nosuch", sock, NULL) == -1);
    CHECK(vnic_pass_fds(conn, "nosuch", sock, &err) == -1);
    ERR(VNIC_ERR_NONE, "nosuch");
    CHECK(vnic_domain_qemu_args(conn, "nosuch", 3, NULL) == NULL);
    CHECK(vnic_domain_qemu_args(conn, "nosuch", 3, &err) == NULL);
    ERR(VNIC_ERR_NONE, "nosuch");

    test_result_abi(conn, path_ok);

    CHECK(vnic_domain_undefine(conn, "lo1", 0, &err) == 0);
    CHECK(err == NULL);
    vnic_error_free(err);
    vnic_conn_close(conn);

    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", tmpdir);
    return test_result("api");
}
