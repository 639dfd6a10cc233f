/* vnicsh: the commands on XML files and on domains (define, start, list, events...). */
#include "config.h"

#include <errno.h>
#include <signal.h>

#include "vnicsh.h"

/* Is the first element of the file at PATH a <policy> (with any prefix)? Only a guess at
 * which checker to run: the library's parser decides what the document is. Looks past the XML
 * declaration, processing instructions, comments, a DOCTYPE and white space, in the first
 * 64 KiB. */
static bool looks_like_policy(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = buf;
    if (strncmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3;
    for (;;) {
        p += strspn(p, " \t\r\n");
        const char *end = NULL;
        if (strncmp(p, "<?", 2) == 0 && (end = strstr(p, "?>")))
            p = end + 2;
        else if (strncmp(p, "<!--", 4) == 0 && (end = strstr(p, "-->")))
            p = end + 3;
        else if (strncmp(p, "<!", 2) == 0 && strncmp(p, "<![", 3) != 0 && (end = strchr(p, '>')))
            p = end + 1;
        else
            break;
    }
    if (*p != '<')
        return false;
    size_t len = strcspn(++p, " \t\r\n/>");
    const char *colon = memchr(p, ':', len);
    if (colon) {
        len -= (size_t)(colon + 1 - p);
        p = colon + 1;
    }
    return len == 6 && strncmp(p, "policy", 6) == 0;
}

/* validate --json: FILE's result, its problems as objects rather than lines on stderr. */
static json_object *validation_json(const char *file, const vnic_diag_list *diags,
                                    const vnic_error *err)
{
    json_object *j = json_object_new_object();
    json_add_string(j, "file", file);
    json_add_bool(j, "valid", !err);
    json_object *errors = json_object_new_array();
    for (size_t i = 0; i < diags->count; i++) {
        const vnic_diag *d = diags->items[i];
        json_object *e = json_object_new_object();
        json_add_string(e, "file", d->file);
        json_object_object_add(e, "line", d->line > 0 ? json_object_new_int(d->line) : NULL);
        json_add_string(e, "message", d->message);
        json_object_array_add(errors, e);
    }
    if (err && !diags->count) {
        json_object *e = json_object_new_object();
        json_add_string(e, "file", file);
        json_object_object_add(e, "line", NULL);
        json_add_string(e, "message", err->message);
        json_object_array_add(errors, e);
    }
    json_object_object_add(j, "errors", errors);
    return j;
}

int cmd_validate(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    int status = EXIT_OK;
    _cleanup_json_ json_object *results = o->json ? json_object_new_array() : NULL;
    for (int i = 0; i < argc; i++) {
        vnic_diag_list diags = {0};
        _cleanup_error_ vnic_error *err = NULL;
        vnic_domain_def *def = NULL;
        int r;

        if (looks_like_policy(argv[i]))
            /* vnicd's access policy (README, "Access policy"). */
            r = vnic_policy_validate_file(argv[i], &diags, &err);
        else
            r = vnic_domain_def_parse_file(argv[i], o->parse_flags, &def, &diags, &err);
        if (r < 0) {
            status = EXIT_FAIL;
            if (!results)
                print_failure(&diags, err);
        }
        if (results)
            json_object_array_add(results, validation_json(argv[i], &diags, r < 0 ? err : NULL));
        vnic_domain_def_free(def);
        vnic_diag_clear(&diags);
    }
    if (results)
        print_json(results, true);
    return status;
}

int cmd_format(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    vnic_diag_list diags = {0};
    _cleanup_error_ vnic_error *err = NULL;
    vnic_domain_def *def = NULL;
    int status = EXIT_OK;

    if (vnic_domain_def_parse_file(argv[0], o->parse_flags, &def, &diags, &err) < 0) {
        print_failure(&diags, err);
        status = EXIT_FAIL;
    } else {
        _cleanup_free_ char *xml = vnic_domain_def_format(def, &err);
        if (!xml) {
            print_error("%s", err->message);
            status = EXIT_FAIL;
        } else if (fputs(xml, stdout) == EOF || fflush(stdout) == EOF) {
            print_error(_("cannot write the output"));
            status = EXIT_FAIL;
        }
    }
    vnic_domain_def_free(def);
    vnic_diag_clear(&diags);
    return status;
}

/* ---- commands that talk to a driver ---------------------------------------------------- */

vnic_conn *connect_flags_or_fail(unsigned flags)
{
    if (sh_in_shell)
        return shell_connection(flags);
    vnic_conn *conn = NULL;
    _cleanup_error_ vnic_error *err = NULL;
    if (vnic_conn_open_flags(sh_connect_uri, flags, &conn, &err) < 0) {
        print_error("%s", err->message);
        return NULL;
    }
    return conn;
}

vnic_conn *connect_or_fail(void)
{
    return connect_flags_or_fail(0);
}

int cmd_create(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;

    vnic_diag_list diags = {0};
    _cleanup_error_ vnic_error *err = NULL;
    vnic_domain_info *info = NULL;
    int status = EXIT_OK;
    if (vnic_domain_create_file(conn, argv[0], SKIP_AS(o, VNIC_CREATE_SKIP_UNSUPPORTED), &info,
                                &diags, &err) < 0) {
        print_failure(&diags, err);
        status = EXIT_FAIL;
    } else if (o->json) {
        print_domain_json(info);
    } else {
        printf(_("Domain '%s' created from %s\n"), info->name, argv[0]);
    }
    vnic_domain_info_free(info);
    vnic_diag_clear(&diags);
    sh_conn_release(conn);
    return status;
}

int cmd_destroy(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    int status = EXIT_OK;
    if (vnic_domain_destroy(conn, argv[0], &err) < 0) {
        print_error("%s", err->message);
        status = EXIT_FAIL;
    } else {
        printf(_("Domain '%s' destroyed\n"), argv[0]);
    }
    sh_conn_release(conn);
    return status;
}

int cmd_list(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    vnic_domain_info **list = NULL;
    size_t n = 0;
    int r = vnic_domain_list(conn, (o->given & OPT_ALL) ? VNIC_LIST_ALL : 0, &list, &n, &err);
    if (r < 0 && !list) {
        print_error("%s", err->message);
        sh_conn_release(conn);
        return EXIT_FAIL;
    }

    if (o->json) {
        _cleanup_json_ json_object *arr = json_object_new_array();
        for (size_t i = 0; i < n; i++) {
            json_object *j = json_domain_info(list[i], false);
            json_object_array_add(arr, j);
        }
        print_json(arr, true);
    } else {
        const char *headers[] = {_("Name"), _("State"), _("Persistent"), _("Interfaces")};
        _cleanup_table_ sh_table *t = sh_table_new(ELEMENTSOF(headers), headers);
        for (size_t i = 0; i < n; i++) {
            char count[32];
            snprintf(count, sizeof(count), "%zu", list[i]->ninterfaces);
            const char *row[] = {list[i]->name, list[i]->state,
                                 list[i]->persistent ? _("yes") : _("no"), count};
            sh_table_add_row(t, row);
        }
        sh_table_print(t, !(o->given & OPT_NO_LEGEND));
    }
    fflush(stdout);
    /* Domains whose state cannot be read are reported after the readable ones. */
    if (r < 0)
        print_error("%s", err->message);
    vnic_domain_info_list_free(list, n);
    sh_conn_release(conn);
    return r < 0 ? EXIT_FAIL : EXIT_OK;
}

int cmd_domiflist(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    vnic_domain_info *info = NULL;
    if (vnic_domain_lookup(conn, argv[0], &info, &err) < 0) {
        print_error("%s", err->message);
        sh_conn_release(conn);
        return EXIT_FAIL;
    }

    if (o->json) {
        _cleanup_json_ json_object *arr = json_object_new_array();
        for (size_t i = 0; i < info->ninterfaces; i++) {
            json_object *j = json_interface_info(info->interfaces[i]);
            json_object_array_add(arr, j);
        }
        print_json(arr, true);
    } else {
        const char *headers[] = {_("Alias"), _("Type"), _("Device"), _("Ifindex"), _("Mode"),
                                 _("MAC"),   _("MTU"),  _("Queues"), _("vnet_hdr")};
        _cleanup_table_ sh_table *t = sh_table_new(ELEMENTSOF(headers), headers);
        for (size_t i = 0; i < info->ninterfaces; i++) {
            const vnic_interface_info *f = info->interfaces[i];
            char ifindex[16], mtu[16], queues[16];
            snprintf(ifindex, sizeof(ifindex), "%d", f->ifindex);
            snprintf(mtu, sizeof(mtu), "%u", f->mtu);
            snprintf(queues, sizeof(queues), "%u", f->queues);
            const char *row[] = {f->alias, f->type, f->name,
                                 ifindex,  f->mode, f->mac,
                                 mtu,      queues,  f->vnet_hdr ? _("yes") : _("no")};
            sh_table_add_row(t, row);
        }
        sh_table_print(t, !(o->given & OPT_NO_LEGEND));
    }
    vnic_domain_info_free(info);
    sh_conn_release(conn);
    return EXIT_OK;
}

int cmd_dumpxml(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    _cleanup_free_ char *xml =
        (o->given & OPT_LIBVIRT_XML)
            ? vnic_domain_get_libvirt_xml(conn, argv[0], 0, &err)
            : vnic_domain_get_xml(conn, argv[0], (o->given & OPT_INACTIVE) ? VNIC_XML_INACTIVE : 0,
                                  &err);
    sh_conn_release(conn);
    if (!xml) {
        print_error("%s", err->message);
        return EXIT_FAIL;
    }
    fputs(xml, stdout);
    return EXIT_OK;
}

int cmd_define(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    vnic_diag_list diags = {0};
    _cleanup_error_ vnic_error *err = NULL;
    vnic_domain_info *info = NULL;
    int status = EXIT_OK;
    if (vnic_domain_define_file(conn, argv[0], SKIP_AS(o, VNIC_DEFINE_SKIP_UNSUPPORTED), &info,
                                &diags, &err) < 0) {
        print_failure(&diags, err);
        status = EXIT_FAIL;
    } else if (o->json) {
        print_domain_json(info);
    } else if (sh_streq(info->state, "defined")) {
        printf(_("Domain '%s' defined from %s\n"), info->name, argv[0]);
    } else {
        printf(_("Domain '%s' defined from %s (it keeps running on its old definition until "
                 "destroyed)\n"),
               info->name, argv[0]);
    }
    vnic_domain_info_free(info);
    vnic_diag_clear(&diags);
    sh_conn_release(conn);
    return status;
}

/* The shape of undefine, start: one domain name, one call. */
static int name_command(const cmd_options *o, const char *name,
                        int (*fn)(vnic_conn *, const char *, const cmd_options *, vnic_error **),
                        const char *done_fmt)
{
    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    int status = EXIT_OK;
    if (fn(conn, name, o, &err) < 0) {
        print_error("%s", err->message);
        status = EXIT_FAIL;
    } else {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        printf(done_fmt, name);
#pragma GCC diagnostic pop
    }
    sh_conn_release(conn);
    return status;
}

static int do_undefine(vnic_conn *conn, const char *name, const cmd_options *o, vnic_error **err)
{
    return vnic_domain_undefine(conn, name, (o->given & OPT_DESTROY) ? VNIC_UNDEFINE_DESTROY : 0,
                                err);
}

int cmd_undefine(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    return name_command(o, argv[0], do_undefine, _("Domain '%s' undefined\n"));
}

int cmd_start(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    vnic_domain_info *info = NULL;
    int status = EXIT_OK;
    if (vnic_domain_start(conn, argv[0], 0, o->json ? &info : NULL, &err) < 0) {
        print_error("%s", err->message);
        status = EXIT_FAIL;
    } else if (o->json) {
        print_domain_json(info);
    } else {
        printf(_("Domain '%s' started\n"), argv[0]);
    }
    vnic_domain_info_free(info);
    sh_conn_release(conn);
    return status;
}

int cmd_reconcile(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    /* A dry run must not change anything, not even through the quick pass on opening. */
    vnic_conn *conn = connect_flags_or_fail((o->given & OPT_DRY_RUN) ? VNIC_CONN_NO_RECONCILE : 0);
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    vnic_reconcile_action **acts = NULL;
    size_t n = 0;
    int r = vnic_reconcile(conn, (o->given & OPT_DRY_RUN) ? VNIC_RECONCILE_DRY_RUN : 0, &acts, &n,
                           &err);
    /* Then the domains run by libvirt (run --libvirt) that libvirt no longer runs. */
    if (r == 0) {
        vnic_reconcile_action **lacts = NULL;
        size_t ln = 0;
        r = vnic_libvirt_reconcile(
            conn, (o->given & OPT_DRY_RUN) ? VNIC_LIBVIRT_RECONCILE_DRY_RUN : 0, &lacts, &ln, &err);
        if (r == 0 && ln > 0) {
            acts = realloc(acts, (n + ln) * sizeof(*acts));
            if (!acts)
                abort();
            for (size_t i = 0; i < ln; i++)
                acts[n + i] = lacts[i];
            n += ln;
        }
        free(lacts);
    }
    if (o->json) {
        _cleanup_json_ json_object *arr = json_object_new_array();
        for (size_t i = 0; i < n; i++) {
            json_object *j = json_object_new_object();
            json_add_string(j, "action", acts[i]->action);
            json_add_string(j, "domain", acts[i]->domain);
            json_add_string(j, "device", acts[i]->device);
            json_add_string(j, "message", acts[i]->message);
            json_object_array_add(arr, j);
        }
        print_json(arr, true);
    } else {
        for (size_t i = 0; i < n; i++)
            printf("%s\n", acts[i]->message);
    }
    fflush(stdout);
    if (r < 0)
        print_error("%s", err->message);
    vnic_reconcile_actions_free(acts, n);
    sh_conn_release(conn);
    return r < 0 ? EXIT_FAIL : EXIT_OK;
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = 1;
}

static void print_event(const vnic_event *ev, void *opaque)
{
    const cmd_options *o = opaque;
    if (o->json) {
        _cleanup_json_ json_object *j = json_object_new_object();
        json_add_string(j, "event", ev->type);
        json_add_string(j, "domain", ev->domain);
        /* "index" as domiflist names the position; "interface", the number it was first
         * printed as, stays for the scripts that read it (elsewhere "interface" is IFACE as
         * given, a string). */
        json_add_int(j, "index", ev->index);
        json_add_int(j, "interface", ev->index);
        json_add_string(j, "device", ev->device);
        json_add_bool(j, "degraded", ev->degraded);
        print_json(j, false);
    } else {
        printf("%s domain=%s interface=%u device=%s%s\n", ev->type, ev->domain, ev->index,
               ev->device, ev->degraded ? " degraded" : "");
    }
    fflush(stdout);
}

int cmd_events(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    int id;
    cmd_options mine = *o; /* print_event()'s opaque is not const */
    if (vnic_event_register(conn, print_event, &mine, &id, &err) < 0) {
        print_error("%s", err->message);
        sh_conn_release(conn);
        return EXIT_FAIL;
    }
    /* In the shell, events may run again after an interrupt, and the shell's handlers come
     * back after it. */
    interrupted = 0;
    struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    /* Said once the subscription is in place, so that scripts know when to act. */
    fprintf(stderr, _("Listening for events (interrupt to stop)\n"));

    int r = 0;
    while (!interrupted) {
        r = vnic_event_run(conn, o->timeout_ms, &err);
        if (r < 0 && err->sys_errno == EINTR) {
            vnic_error_free(err);
            err = NULL;
            r = 0;
            continue;
        }
        break;
    }
    if (r < 0)
        print_error("%s", err->message);
    vnic_event_deregister(conn, id);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sh_conn_release(conn);
    return r < 0 ? EXIT_FAIL : EXIT_OK;
}
