/* vnicsh's live interface commands, in virsh's vocabulary: domifstat, domif-getlink,
 * domif-setlink. IFACE is an alias, a host device name or a MAC. */
#include "config.h"

#include <stdint.h>

#include "vnicsh.h"

int cmd_domifstat(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    vnic_interface_stats *s = NULL;
    int r = vnic_domain_interface_stats(conn, argv[0], argv[1], &s, &err);
    sh_conn_release(conn);
    if (r < 0) {
        print_error("%s", err->message);
        return EXIT_FAIL;
    }
    const struct {
        const char *name;
        uint64_t v;
    } rows[] = {
        {"rx_bytes", s->rx_bytes},  {"rx_packets", s->rx_packets}, {"rx_errs", s->rx_errors},
        {"rx_drop", s->rx_dropped}, {"tx_bytes", s->tx_bytes},     {"tx_packets", s->tx_packets},
        {"tx_errs", s->tx_errors},  {"tx_drop", s->tx_dropped},
    };
    if (o->json) {
        _cleanup_json_ json_object *j = json_object_new_object();
        json_add_string(j, "interface", argv[1]);
        json_add_string(j, "alias", s->alias);
        json_add_string(j, "device", s->device);
        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
            json_object_object_add(j, rows[i].name, json_object_new_uint64(rows[i].v));
        print_json(j, true);
    } else {
        /* virsh's lines: the interface as named, the counter, its value. */
        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
            printf("%s %s %llu\n", argv[1], rows[i].name, (unsigned long long)rows[i].v);
    }
    vnic_interface_stats_free(s);
    return EXIT_OK;
}

int cmd_domif_getlink(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    _cleanup_free_ char *device = NULL;
    bool up = false;
    int r = vnic_domain_interface_get_link(conn, argv[0], argv[1], &up, &device, &err);
    sh_conn_release(conn);
    if (r < 0) {
        print_error("%s", err->message);
        return EXIT_FAIL;
    }
    if (o->json) {
        _cleanup_json_ json_object *j = json_object_new_object();
        json_add_string(j, "interface", argv[1]);
        json_add_string(j, "device", device);
        json_add_string(j, "state", up ? "up" : "down");
        print_json(j, true);
    } else {
        printf("%s %s\n", argv[1], up ? "up" : "down");
    }
    return EXIT_OK;
}

int cmd_domif_setlink(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    bool up;
    if (sh_streq(argv[2], "up"))
        up = true;
    else if (sh_streq(argv[2], "down"))
        up = false;
    else
        return usage_error(cmd, _("invalid link state '%s' (expected up or down)"), argv[2]);
    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    int r = o->qmp ? vnic_qmp_interface_set_link(conn, argv[0], argv[1], up, o->qmp, &err)
                   : vnic_domain_interface_set_link(conn, argv[0], argv[1], up, &err);
    /* The device's name, as domif-getlink --json shows it; null if it vanished since. */
    _cleanup_free_ char *device = NULL;
    if (r == 0 && o->json) {
        bool now_up;
        vnic_error *gerr = NULL;
        (void)vnic_domain_interface_get_link(conn, argv[0], argv[1], &now_up, &device, &gerr);
        vnic_error_free(gerr);
    }
    sh_conn_release(conn);
    if (r < 0) {
        print_error("%s", err->message);
        return EXIT_FAIL;
    }
    if (o->json) {
        _cleanup_json_ json_object *j = json_object_new_object();
        json_add_string(j, "interface", argv[1]);
        json_add_string(j, "device", device);
        json_add_string(j, "state", up ? "up" : "down");
        json_add_bool(j, "guest", o->qmp != NULL);
        print_json(j, true);
    } else if (o->qmp) {
        printf(_("Link of interface '%s' of domain '%s' set %s (host device and guest)\n"), argv[1],
               argv[0], up ? "up" : "down");
    } else {
        printf(_("Link of interface '%s' of domain '%s' set %s (host device)\n"), argv[1], argv[0],
               up ? "up" : "down");
    }
    return EXIT_OK;
}
