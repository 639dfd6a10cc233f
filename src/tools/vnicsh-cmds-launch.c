/* vnicsh: the commands that hand a domain's queues to a VM (run, qemu-args, pass) and
 * hot-plug. */
#include "config.h"

#include "vnicsh.h"

/* run --libvirt: libvirt runs the domain; the exit status says how it ended (vnic.h,
 * VNIC_LIBVIRT_END_*). */
static int run_libvirt(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    if (argc > 1)
        return usage_error(cmd, _("--libvirt takes no command to run"));
    if (o->given & (OPT_QEMU | OPT_ENV | OPT_QMP))
        return usage_error(cmd, _("--libvirt excludes --qemu, --env and --qmp"));
    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    vnic_diag_list diags = {0};
    _cleanup_error_ vnic_error *err = NULL;
    int status = EXIT_FAIL;
    if (vnic_run_libvirt(conn, o->libvirt, argv[0], SKIP_AS(o, VNIC_RUN_LIBVIRT_SKIP_UNSUPPORTED),
                         &status, &diags, &err) < 0) {
        print_failure(&diags, err);
        status = EXIT_FAIL;
    }
    vnic_diag_clear(&diags);
    sh_conn_release(conn);
    return status;
}

int cmd_run(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    if (o->libvirt)
        return run_libvirt(cmd, o, argc, argv);

    /* The operands are the target and, as given, the launcher's command line (parse_args()
     * stops reading options at it); a "--" between the two separates them even when an
     * earlier "--" already ended the options (run -- -odd-name -- COMMAND). */
    const char *target = argv[0];
    int first = 1;
    if (first < argc && sh_streq(argv[first], "--"))
        first++;
    if (first >= argc)
        return usage_error(cmd, _("missing the command to run after '--'"));

    unsigned flags = 0;
    if (o->given & OPT_QEMU)
        flags |= VNIC_RUN_QEMU;
    if (o->given & OPT_ENV)
        flags |= VNIC_RUN_ENV;
    if (o->parse_flags & VNIC_PARSE_SKIP_UNSUPPORTED)
        flags |= VNIC_RUN_SKIP_UNSUPPORTED;

    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    vnic_diag_list diags = {0};
    _cleanup_error_ vnic_error *err = NULL;
    int status = EXIT_FAIL;
    int r = o->qmp ? vnic_run_qmp(conn, target, flags, argv + first, o->qmp, &status, &diags, &err)
                   : vnic_run(conn, target, flags, argv + first, &status, &diags, &err);
    if (r < 0) {
        print_failure(&diags, err);
        status = EXIT_FAIL;
    }
    vnic_diag_clear(&diags);
    sh_conn_release(conn);
    return status;
}

int cmd_qemu_args(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    const char *target = argv[0];
    _cleanup_error_ vnic_error *err = NULL;
    vnic_diag_list diags = {0};
    char **args = NULL;
    int status = EXIT_OK;

    if (strchr(target, '/') ||
        (strlen(target) > 4 && sh_streq(target + strlen(target) - 4, ".xml"))) {
        /* A file: what run would add for it, one fd per queue from 3 on. */
        vnic_domain_def *def = NULL;
        if (vnic_domain_def_parse_file(target, o->parse_flags, &def, &diags, &err) < 0) {
            print_failure(&diags, err);
            vnic_diag_clear(&diags);
            return EXIT_FAIL;
        }
        size_t n = vnic_domain_def_interface_count(def);
        size_t *counts = sh_xcalloc(n + 1, sizeof(size_t));
        size_t *vhost = sh_xcalloc(n + 1, sizeof(size_t));
        for (size_t i = 0; i < n; i++) {
            counts[i] = vnic_domain_def_interface_queues(def, i);
            /* --vhost: what run adds where the node opens (a virtio model, not
             * <driver name='qemu'>), found out from the XML alone. */
            if (o->given & OPT_VHOST)
                vhost[i] = vnic_domain_def_interface_vhost(def, i) ? counts[i] : 0;
        }
        args = vnic_domain_def_qemu_args_vhost(def, counts, vhost, 3);
        free(counts);
        free(vhost);
        vnic_domain_def_free(def);
    } else {
        vnic_conn *conn = connect_or_fail();
        if (!conn)
            return EXIT_FAIL;
        args = vnic_domain_qemu_args(conn, target, 3, &err);
        sh_conn_release(conn);
        if (!args) {
            print_error("%s", err->message);
            return EXIT_FAIL;
        }
    }

    if (o->json) {
        /* The words as they are, unquoted: for programs that exec QEMU themselves. */
        _cleanup_json_ json_object *arr = json_object_new_array();
        for (size_t i = 0; args[i]; i++)
            json_object_array_add(arr, json_object_new_string(args[i]));
        print_json(arr, true);
        vnic_strv_free(args);
        return status;
    }
    /* Shell words, an option and its value per line, ready to paste after a QEMU command. */
    for (size_t i = 0; args[i]; i++) {
        _cleanup_free_ char *q = vnic_shell_quote(args[i]);
        bool option = args[i][0] == '-';
        printf("%s%s", q, option && args[i + 1] ? " " : (args[i + 1] ? " \\\n" : "\n"));
    }
    vnic_strv_free(args);
    return status;
}

int cmd_attach_interface(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    vnic_diag_list diags = {0};
    _cleanup_error_ vnic_error *err = NULL;
    _cleanup_free_ char *id = NULL;
    vnic_domain_info *info = NULL;
    const vnic_interface_info *attached = NULL;
    vnic_pci_location where = {0};
    int r;
    if (o->libvirt) {
        r = vnic_libvirt_attach_interface(conn, o->libvirt, argv[0], argv[1], 0, &id, &diags, &err);
    } else if (o->qmp) {
        r = vnic_qmp_attach_interface_at(conn, argv[0], argv[1], o->qmp,
                                         SKIP_AS(o, VNIC_QMP_ATTACH_SKIP_UNSUPPORTED), &id, &where,
                                         &diags, &err);
    } else {
        unsigned index;
        r = vnic_domain_attach_interface_file(
            conn, argv[0], argv[1], SKIP_AS(o, VNIC_ATTACH_SKIP_UNSUPPORTED), &index, &diags, &err);
        vnic_error *lerr = NULL;
        if (r == 0 && vnic_domain_lookup(conn, argv[0], &info, &lerr) == 0 &&
            index < info->ninterfaces) {
            attached = info->interfaces[index];
            if (attached->alias)
                id = sh_xstrdup(attached->alias);
        }
        vnic_error_free(lerr);
    }
    if (r == 0 && o->json && !attached && id) {
        /* Over QMP the call names the interface by its id, which is its alias. */
        vnic_error *lerr = NULL;
        if (vnic_domain_lookup(conn, argv[0], &info, &lerr) == 0)
            for (size_t i = 0; i < info->ninterfaces && !attached; i++)
                if (info->interfaces[i]->alias && sh_streq(info->interfaces[i]->alias, id))
                    attached = info->interfaces[i];
        vnic_error_free(lerr);
    }
    if (r < 0) {
        print_failure(&diags, err);
    } else if (o->json) {
        /* The interface as domiflist --json shows it (only the domain and the id if the
         * domain vanished since), and with --qmp where QEMU put it. */
        _cleanup_json_ json_object *j =
            attached ? json_interface_info(attached) : json_object_new_object();
        json_add_string(j, "domain", argv[0]);
        json_add_string(j, "id", id);
        if (where.found) {
            json_object *pci = json_object_new_object();
            json_add_string(pci, "bus", where.bus);
            json_add_int(pci, "bus_number", where.bus_number);
            json_add_int(pci, "slot", where.slot);
            json_add_int(pci, "function", where.function);
            json_object_object_add(j, "pci", pci);
        }
        print_json(j, true);
    } else {
        printf(_("Interface '%s' attached to domain '%s'\n"), id ? id : "?", argv[0]);
        /* Where QEMU put it, as its query-pci says, and the bus number the guest sees. */
        if (where.found)
            printf(_("PCI address in the guest: bus %s (0x%02x) slot 0x%02x function 0x%x\n"),
                   where.bus ? where.bus : _("root"), where.bus_number, where.slot, where.function);
    }
    vnic_domain_info_free(info);
    vnic_pci_location_clear(&where);
    vnic_diag_clear(&diags);
    sh_conn_release(conn);
    return r < 0 ? EXIT_FAIL : EXIT_OK;
}

int cmd_detach_interface(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    int r;
    if (o->libvirt)
        r = vnic_libvirt_detach_interface(conn, o->libvirt, argv[0], argv[1],
                                          o->timeout_ms >= 0 ? o->timeout_ms : 30000, &err);
    else if (o->qmp)
        r = vnic_qmp_detach_interface(conn, argv[0], argv[1], o->qmp,
                                      o->timeout_ms >= 0 ? o->timeout_ms : 30000, &err);
    else
        r = vnic_domain_detach_interface(conn, argv[0], argv[1], &err);
    if (r < 0)
        print_error("%s", err->message);
    else
        printf(_("Interface '%s' detached from domain '%s'\n"), argv[1], argv[0]);
    sh_conn_release(conn);
    return r < 0 ? EXIT_FAIL : EXIT_OK;
}

int cmd_pass(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    if (!o->socket)
        return usage_error(cmd, _("missing --socket PATH"));

    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    int r = vnic_pass_fds(conn, argv[0], o->socket, &err);
    if (r < 0)
        print_error("%s", err->message);
    sh_conn_release(conn);
    return r < 0 ? EXIT_FAIL : EXIT_OK;
}
