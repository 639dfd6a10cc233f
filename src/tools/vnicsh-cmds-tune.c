/* vnicsh domiftune: the bandwidth of one interface, shown or changed (virsh's command and
 * its rate syntax, AVG[,PEAK[,BURST]]). */
#include "config.h"

#include "vnicsh.h"

static const char *const param_names[VNIC_BANDWIDTH_NPARAMS] = {"average", "peak", "burst"};

/* "AVG[,PEAK[,BURST[,FLOOR]]]" into v; an empty field is 0. virsh's fourth field, the floor, is
 * refused unless 0, as in the XML. Returns 0, or EXIT_USAGE after a message. */
static int parse_rate(const command *cmd, const char *opt, const char *s,
                      unsigned long long v[VNIC_BANDWIDTH_NPARAMS])
{
    _cleanup_free_ char *copy = sh_xstrdup(s);
    char *p = copy;
    size_t n = 0;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        unsigned long x = 0;
        if (n > VNIC_BANDWIDTH_NPARAMS || (*p && sh_parse_uint(p, 0, 0xffffffffUL, &x) < 0))
            return usage_error(cmd,
                               _("invalid value '%s' for --%s: expected AVERAGE[,PEAK[,BURST]] "
                                 "(KiB/s, KiB/s, KiB)"),
                               s, opt);
        if (n == VNIC_BANDWIDTH_NPARAMS) {
            if (x)
                return usage_error(cmd,
                                   _("--%s: a floor is only for interfaces of type 'network'; "
                                     "vnic's ethernet and direct interfaces have none"),
                                   opt);
        } else {
            v[n] = x;
        }
        n++;
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}

static json_object *rate_json(const unsigned long long v[VNIC_BANDWIDTH_NPARAMS])
{
    json_object *o = json_object_new_object();
    for (size_t i = 0; i < VNIC_BANDWIDTH_NPARAMS; i++)
        json_add_int(o, param_names[i], (long long)v[i]);
    return o;
}

/* IFACE: the interface as given, as domifstat and domif-getlink name it in their JSON. */
static void print_bandwidth(const vnic_interface_bandwidth *bw, const char *iface, bool json)
{
    if (json) {
        _cleanup_json_ json_object *j = json_object_new_object();
        json_add_string(j, "interface", iface);
        json_add_string(j, "alias", bw->alias);
        json_add_string(j, "device", bw->device);
        json_object_object_add(j, "inbound", rate_json(bw->inbound));
        json_object_object_add(j, "outbound", rate_json(bw->outbound));
        print_json(j, true);
        return;
    }
    for (size_t i = 0; i < VNIC_BANDWIDTH_NPARAMS; i++)
        printf("inbound.%-8s: %llu\n", param_names[i], bw->inbound[i]);
    for (size_t i = 0; i < VNIC_BANDWIDTH_NPARAMS; i++)
        printf("outbound.%-7s: %llu\n", param_names[i], bw->outbound[i]);
}

int cmd_domiftune(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    (void)argc;
    unsigned long long in[VNIC_BANDWIDTH_NPARAMS] = {0}, out[VNIC_BANDWIDTH_NPARAMS] = {0};
    int r;
    if (o->inbound && (r = parse_rate(cmd, "inbound", o->inbound, in)) != 0)
        return r;
    if (o->outbound && (r = parse_rate(cmd, "outbound", o->outbound, out)) != 0)
        return r;

    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    int status = EXIT_OK;
    if ((o->inbound || o->outbound) &&
        vnic_domain_set_interface_bandwidth(conn, argv[0], argv[1], o->inbound ? in : NULL,
                                            o->outbound ? out : NULL, &err) < 0) {
        print_error("%s", err->message);
        status = EXIT_FAIL;
    } else if (!(o->inbound || o->outbound) || o->json) {
        /* Without a change it shows the settings; after one, --json shows the new ones. */
        vnic_interface_bandwidth *bw = NULL;
        if (vnic_domain_get_interface_bandwidth(conn, argv[0], argv[1], &bw, &err) < 0) {
            print_error("%s", err->message);
            status = EXIT_FAIL;
        } else {
            print_bandwidth(bw, argv[1], o->json);
            vnic_interface_bandwidth_free(bw);
        }
    }
    sh_conn_release(conn);
    return status;
}
