/* vnicsh — a virsh-like shell for vnic. Commands are declared in one table below. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vnic/vnic.h>

#include "cleanup.h"
#include "error.h"
#include "i18n.h"
#include "json.h"
#include "log.h"
#include "strutil.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

typedef struct command command;

typedef int (*command_fn)(const command *cmd, int argc, char **argv);

struct command {
    const char *name;
    const char *usage;   /* arguments after the name, untranslated syntax */
    const char *summary; /* N_() */
    const char *options; /* N_(): option help lines, or NULL */
    command_fn run;
};

static const char *program = "vnicsh";
/* The driver to talk to; the XML commands do not need one. */
static const char *connect_uri;

static void print_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void print_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *msg = vnic_xvasprintf(fmt, ap);
    va_end(ap);
    fprintf(stderr, _("%s: error: %s\n"), program, msg);
}

static int usage_error(const command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int usage_error(const command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *msg = vnic_xvasprintf(fmt, ap);
    va_end(ap);
    print_error("%s", msg);
    if (cmd)
        fprintf(stderr, _("Try '%s %s --help' for more information.\n"), program, cmd->name);
    else
        fprintf(stderr, _("Try '%s --help' for more information.\n"), program);
    return EXIT_USAGE;
}

static void print_diags(const vnic_diag_list *diags)
{
    for (size_t i = 0; i < diags->count; i++) {
        _cleanup_free_ char *line = vnic_diag_to_string(&diags->items[i]);
        fprintf(stderr, "%s\n", line);
    }
}

static void command_help(const command *cmd)
{
    printf(_("Usage: %s %s %s\n\n"), program, cmd->name, _(cmd->usage));
    printf("%s\n", _(cmd->summary));
    printf(_("\nOptions:\n"));
    if (cmd->options)
        printf("%s", _(cmd->options));
    printf(_("  -h, --help              show this help and exit\n"));
}

enum {
    OPT_SKIP = 1 << 0,     /* --skip-unsupported */
    OPT_JSON = 1 << 1,     /* --json */
    OPT_ALL = 1 << 2,      /* --all */
    OPT_INACTIVE = 1 << 3, /* --inactive */
    OPT_DESTROY = 1 << 4,  /* --destroy */
    OPT_DRY_RUN = 1 << 5,  /* --dry-run */
    OPT_TIMEOUT = 1 << 6,  /* --timeout S */
    OPT_QEMU = 1 << 7,     /* --qemu */
    OPT_ENV = 1 << 8,      /* --env */
    OPT_QMP = 1 << 9,      /* --qmp SOCKET */
    OPT_SOCKET = 1 << 10,  /* --socket PATH */
    OPT_PERMUTE = 1 << 15, /* options may follow operands, up to "--" */
};

typedef struct {
    unsigned parse_flags; /* VNIC_PARSE_* */
    unsigned given;       /* OPT_* seen */
    bool json;
    int timeout_ms;     /* -1: none */
    const char *qmp;    /* --qmp */
    const char *socket; /* --socket */
} cmd_options;

/* Parse the options a command accepts (ACCEPT: OPT_*). Returns the index of the first
 * operand, 0 after --help was shown, or -1 after a usage error was printed. */
static int parse_options(const command *cmd, int argc, char **argv, unsigned accept,
                         cmd_options *ret)
{
    static const struct option longopts[] = {
        {"skip-unsupported", no_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {"all", no_argument, NULL, 'a'},
        {"inactive", no_argument, NULL, 'i'},
        {"destroy", no_argument, NULL, 'D'},
        {"dry-run", no_argument, NULL, 'n'},
        {"timeout", required_argument, NULL, 't'},
        {"qemu", no_argument, NULL, 'Q'},
        {"qmp", required_argument, NULL, 'M'},
        {"socket", required_argument, NULL, 'S'},
        {"env", no_argument, NULL, 'E'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    static const struct {
        int c;
        unsigned opt;
    } simple[] = {
        {'a', OPT_ALL},     {'i', OPT_INACTIVE}, {'D', OPT_DESTROY},
        {'n', OPT_DRY_RUN}, {'Q', OPT_QEMU},     {'E', OPT_ENV},
    };
    int c;

    *ret = (cmd_options){.timeout_ms = -1};
    optind = 0; /* 0, not 1: glibc then also resets its permutation state */
    opterr = 0;
    while ((c = getopt_long(argc, argv, (accept & OPT_PERMUTE) ? "h" : "+h", longopts, NULL)) !=
           -1) {
        switch (c) {
        case 's':
            if (!(accept & OPT_SKIP))
                goto unknown;
            ret->parse_flags |= VNIC_PARSE_SKIP_UNSUPPORTED;
            break;
        case 'j':
            if (!(accept & OPT_JSON))
                goto unknown;
            ret->json = true;
            break;
        case 't': {
            unsigned long secs;
            if (!(accept & OPT_TIMEOUT))
                goto unknown;
            if (vnic_parse_uint(optarg, 0, 86400, &secs) < 0) {
                usage_error(cmd, _("invalid timeout '%s': expected seconds from 0 to 86400"),
                            optarg);
                return -1;
            }
            ret->timeout_ms = (int)secs * 1000;
            ret->given |= OPT_TIMEOUT;
            break;
        }
        case 'M':
            if (!(accept & OPT_QMP))
                goto unknown;
            ret->qmp = optarg;
            ret->given |= OPT_QMP;
            break;
        case 'S':
            if (!(accept & OPT_SOCKET))
                goto unknown;
            ret->socket = optarg;
            ret->given |= OPT_SOCKET;
            break;
        case 'h':
            command_help(cmd);
            return 0;
        default: {
            size_t i;
            for (i = 0; i < ELEMENTSOF(simple); i++)
                if (simple[i].c == c && (accept & simple[i].opt)) {
                    ret->given |= simple[i].opt;
                    break;
                }
            if (i == ELEMENTSOF(simple))
                goto unknown;
        }
        }
    }
    return optind;

unknown:
    if (c == '?' && optopt)
        usage_error(cmd, _("option '%s' needs an argument"), argv[optind - 1]);
    else
        usage_error(cmd, _("unknown option '%s'"), argv[optind - 1]);
    return -1;
}

/* Exactly N operands after the options, or a usage error. */
/* MISSING is the whole message for too few operands (a sentence of its own, for translators). */
static int want_operands(const command *cmd, int argc, int first, int n, const char *missing)
{
    if (argc - first < n) {
        usage_error(cmd, "%s", missing);
        return -1;
    }
    if (argc - first > n) {
        usage_error(cmd, _("too many arguments"));
        return -1;
    }
    return 0;
}

static int parse_xml_options(const command *cmd, int argc, char **argv, unsigned *ret_flags)
{
    cmd_options o;
    int first = parse_options(cmd, argc, argv, OPT_SKIP, &o);
    *ret_flags = o.parse_flags;
    return first;
}

static int cmd_validate(const command *cmd, int argc, char **argv)
{
    unsigned flags;
    int first = parse_xml_options(cmd, argc, argv, &flags);
    if (first <= 0)
        return first == 0 ? EXIT_OK : EXIT_USAGE;
    if (first >= argc)
        return usage_error(cmd, _("no file given"));

    int status = EXIT_OK;
    for (int i = first; i < argc; i++) {
        vnic_diag_list diags = {0};
        _cleanup_error_ vnic_error *err = NULL;
        vnic_domain_def *def = NULL;

        if (vnic_domain_def_parse_file(argv[i], flags, &def, &diags, &err) < 0) {
            if (diags.count)
                print_diags(&diags);
            else
                print_error("%s", err->message);
            status = EXIT_FAIL;
        }
        vnic_domain_def_free(def);
        vnic_diag_clear(&diags);
    }
    return status;
}

static int cmd_format(const command *cmd, int argc, char **argv)
{
    unsigned flags;
    int first = parse_xml_options(cmd, argc, argv, &flags);
    if (first <= 0)
        return first == 0 ? EXIT_OK : EXIT_USAGE;
    if (first >= argc)
        return usage_error(cmd, _("no file given"));
    if (argc - first > 1)
        return usage_error(cmd, _("only one file can be formatted at a time"));

    vnic_diag_list diags = {0};
    _cleanup_error_ vnic_error *err = NULL;
    vnic_domain_def *def = NULL;
    int status = EXIT_OK;

    if (vnic_domain_def_parse_file(argv[first], flags, &def, &diags, &err) < 0) {
        if (diags.count)
            print_diags(&diags);
        else
            print_error("%s", err->message);
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

static vnic_conn *connect_flags_or_fail(unsigned flags)
{
    vnic_conn *conn = NULL;
    _cleanup_error_ vnic_error *err = NULL;
    if (vnic_conn_open_flags(connect_uri, flags, &conn, &err) < 0) {
        print_error("%s", err->message);
        return NULL;
    }
    return conn;
}

static vnic_conn *connect_or_fail(void)
{
    return connect_flags_or_fail(0);
}

static int cmd_create(const command *cmd, int argc, char **argv)
{
    cmd_options o;
    int first = parse_options(cmd, argc, argv, OPT_SKIP, &o);
    if (first <= 0)
        return first == 0 ? EXIT_OK : EXIT_USAGE;
    if (want_operands(cmd, argc, first, 1, _("missing the domain XML file")) < 0)
        return EXIT_USAGE;

    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;

    vnic_diag_list diags = {0};
    _cleanup_error_ vnic_error *err = NULL;
    vnic_domain_info *info = NULL;
    int status = EXIT_OK;
    if (vnic_domain_create_file(conn, argv[first], o.parse_flags, &info, &diags, &err) < 0) {
        if (diags.count)
            print_diags(&diags);
        else
            print_error("%s", err->message);
        status = EXIT_FAIL;
    } else {
        printf(_("Domain '%s' created from %s\n"), info->name, argv[first]);
    }
    vnic_domain_info_free(info);
    vnic_diag_clear(&diags);
    vnic_conn_close(conn);
    return status;
}

static int cmd_destroy(const command *cmd, int argc, char **argv)
{
    cmd_options o;
    int first = parse_options(cmd, argc, argv, 0, &o);
    if (first <= 0)
        return first == 0 ? EXIT_OK : EXIT_USAGE;
    if (want_operands(cmd, argc, first, 1, _("missing the domain name")) < 0)
        return EXIT_USAGE;

    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    int status = EXIT_OK;
    if (vnic_domain_destroy(conn, argv[first], &err) < 0) {
        print_error("%s", err->message);
        status = EXIT_FAIL;
    } else {
        printf(_("Domain '%s' destroyed\n"), argv[first]);
    }
    vnic_conn_close(conn);
    return status;
}

static int cmd_list(const command *cmd, int argc, char **argv)
{
    cmd_options o;
    int first = parse_options(cmd, argc, argv, OPT_JSON | OPT_ALL, &o);
    if (first <= 0)
        return first == 0 ? EXIT_OK : EXIT_USAGE;
    if (want_operands(cmd, argc, first, 0, "") < 0)
        return EXIT_USAGE;

    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    vnic_domain_info **list = NULL;
    size_t n = 0;
    int r = vnic_domain_list(conn, (o.given & OPT_ALL) ? VNIC_LIST_ALL : 0, &list, &n, &err);
    if (r < 0 && !list) {
        print_error("%s", err->message);
        vnic_conn_close(conn);
        return EXIT_FAIL;
    }

    if (o.json) {
        vnic_json j;
        vnic_json_init(&j, stdout);
        vnic_json_begin_array(&j, NULL);
        for (size_t i = 0; i < n; i++) {
            vnic_json_begin_object(&j, NULL);
            vnic_json_string(&j, "name", list[i]->name);
            vnic_json_string(&j, "uuid", list[i]->uuid);
            vnic_json_string(&j, "state", list[i]->state);
            vnic_json_bool(&j, "persistent", list[i]->persistent);
            vnic_json_int(&j, "interfaces", (long long)list[i]->ninterfaces);
            vnic_json_end_object(&j);
        }
        vnic_json_end_array(&j);
    } else {
        printf(" %-24s %-10s %-11s %s\n", _("Name"), _("State"), _("Persistent"), _("Interfaces"));
        printf("%s\n", "-----------------------------------------------------------------");
        for (size_t i = 0; i < n; i++)
            printf(" %-24s %-10s %-11s %zu\n", list[i]->name, list[i]->state,
                   list[i]->persistent ? _("yes") : _("no"), list[i]->ninterfaces);
    }
    fflush(stdout);
    /* Domains whose state cannot be read are reported after the readable ones. */
    if (r < 0)
        print_error("%s", err->message);
    vnic_domain_info_list_free(list, n);
    vnic_conn_close(conn);
    return r < 0 ? EXIT_FAIL : EXIT_OK;
}

static int cmd_domiflist(const command *cmd, int argc, char **argv)
{
    cmd_options o;
    int first = parse_options(cmd, argc, argv, OPT_JSON, &o);
    if (first <= 0)
        return first == 0 ? EXIT_OK : EXIT_USAGE;
    if (want_operands(cmd, argc, first, 1, _("missing the domain name")) < 0)
        return EXIT_USAGE;

    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    vnic_domain_info *info = NULL;
    if (vnic_domain_lookup(conn, argv[first], &info, &err) < 0) {
        print_error("%s", err->message);
        vnic_conn_close(conn);
        return EXIT_FAIL;
    }

    if (o.json) {
        vnic_json j;
        vnic_json_init(&j, stdout);
        vnic_json_begin_array(&j, NULL);
        for (size_t i = 0; i < info->ninterfaces; i++) {
            const vnic_interface_info *f = &info->interfaces[i];
            vnic_json_begin_object(&j, NULL);
            vnic_json_int(&j, "index", f->index);
            vnic_json_string(&j, "alias", f->alias);
            vnic_json_string(&j, "type", f->type);
            vnic_json_string(&j, "backend", f->backend);
            vnic_json_string(&j, "device", f->name);
            vnic_json_int(&j, "ifindex", f->ifindex);
            vnic_json_string(&j, "source", f->source);
            vnic_json_string(&j, "mode", f->mode);
            vnic_json_string(&j, "mac", f->mac);
            vnic_json_string(&j, "host_mac", f->host_mac);
            vnic_json_string(&j, "model", f->model);
            vnic_json_int(&j, "mtu", f->mtu);
            vnic_json_int(&j, "queues", f->queues);
            vnic_json_bool(&j, "vnet_hdr", f->vnet_hdr);
            vnic_json_bool(&j, "managed", f->managed);
            vnic_json_end_object(&j);
        }
        vnic_json_end_array(&j);
    } else {
        printf(" %-10s %-9s %-15s %-7s %-11s %-17s %-5s %-6s %s\n", _("Alias"), _("Type"),
               _("Device"), _("Ifindex"), _("Mode"), _("MAC"), _("MTU"), _("Queues"),
               _("vnet_hdr"));
        printf("%s\n", "---------------------------------------------------------------------"
                       "-----------------------------");
        for (size_t i = 0; i < info->ninterfaces; i++) {
            const vnic_interface_info *f = &info->interfaces[i];
            printf(" %-10s %-9s %-15s %-7d %-11s %-17s %-5u %-6u %s\n", f->alias ? f->alias : "-",
                   f->type, f->name, f->ifindex, f->mode ? f->mode : "-", f->mac, f->mtu, f->queues,
                   f->vnet_hdr ? _("yes") : _("no"));
        }
    }
    vnic_domain_info_free(info);
    vnic_conn_close(conn);
    return EXIT_OK;
}

static int cmd_dumpxml(const command *cmd, int argc, char **argv)
{
    cmd_options o;
    int first = parse_options(cmd, argc, argv, OPT_INACTIVE, &o);
    if (first <= 0)
        return first == 0 ? EXIT_OK : EXIT_USAGE;
    if (want_operands(cmd, argc, first, 1, _("missing the domain name")) < 0)
        return EXIT_USAGE;

    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    _cleanup_free_ char *xml = vnic_domain_get_xml(
        conn, argv[first], (o.given & OPT_INACTIVE) ? VNIC_XML_INACTIVE : 0, &err);
    vnic_conn_close(conn);
    if (!xml) {
        print_error("%s", err->message);
        return EXIT_FAIL;
    }
    fputs(xml, stdout);
    return EXIT_OK;
}

static int cmd_define(const command *cmd, int argc, char **argv)
{
    cmd_options o;
    int first = parse_options(cmd, argc, argv, OPT_SKIP, &o);
    if (first <= 0)
        return first == 0 ? EXIT_OK : EXIT_USAGE;
    if (want_operands(cmd, argc, first, 1, _("missing the domain XML file")) < 0)
        return EXIT_USAGE;

    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    vnic_diag_list diags = {0};
    _cleanup_error_ vnic_error *err = NULL;
    vnic_domain_info *info = NULL;
    int status = EXIT_OK;
    if (vnic_domain_define_file(conn, argv[first], o.parse_flags, &info, &diags, &err) < 0) {
        if (diags.count)
            print_diags(&diags);
        else
            print_error("%s", err->message);
        status = EXIT_FAIL;
    } else if (vnic_streq(info->state, "defined")) {
        printf(_("Domain '%s' defined from %s\n"), info->name, argv[first]);
    } else {
        printf(_("Domain '%s' defined from %s (it keeps running on its old definition until "
                 "destroyed)\n"),
               info->name, argv[first]);
    }
    vnic_domain_info_free(info);
    vnic_diag_clear(&diags);
    vnic_conn_close(conn);
    return status;
}

/* The shape of undefine, start: one domain name, one call. */
static int name_command(const command *cmd, int argc, char **argv, unsigned accept,
                        int (*fn)(vnic_conn *, const char *, const cmd_options *, vnic_error **),
                        const char *done_fmt)
{
    cmd_options o;
    int first = parse_options(cmd, argc, argv, accept, &o);
    if (first <= 0)
        return first == 0 ? EXIT_OK : EXIT_USAGE;
    if (want_operands(cmd, argc, first, 1, _("missing the domain name")) < 0)
        return EXIT_USAGE;

    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    int status = EXIT_OK;
    if (fn(conn, argv[first], &o, &err) < 0) {
        print_error("%s", err->message);
        status = EXIT_FAIL;
    } else {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        printf(done_fmt, argv[first]);
#pragma GCC diagnostic pop
    }
    vnic_conn_close(conn);
    return status;
}

static int do_undefine(vnic_conn *conn, const char *name, const cmd_options *o, vnic_error **err)
{
    return vnic_domain_undefine(conn, name, (o->given & OPT_DESTROY) ? VNIC_UNDEFINE_DESTROY : 0,
                                err);
}

static int do_start(vnic_conn *conn, const char *name, const cmd_options *o, vnic_error **err)
{
    return vnic_domain_start(conn, name, 0, NULL, err);
}

static int cmd_undefine(const command *cmd, int argc, char **argv)
{
    return name_command(cmd, argc, argv, OPT_DESTROY, do_undefine, _("Domain '%s' undefined\n"));
}

static int cmd_start(const command *cmd, int argc, char **argv)
{
    return name_command(cmd, argc, argv, 0, do_start, _("Domain '%s' started\n"));
}

static int cmd_reconcile(const command *cmd, int argc, char **argv)
{
    cmd_options o;
    int first = parse_options(cmd, argc, argv, OPT_JSON | OPT_DRY_RUN, &o);
    if (first <= 0)
        return first == 0 ? EXIT_OK : EXIT_USAGE;
    if (want_operands(cmd, argc, first, 0, "") < 0)
        return EXIT_USAGE;

    /* A dry run must not change anything, not even through the quick pass on opening. */
    vnic_conn *conn = connect_flags_or_fail((o.given & OPT_DRY_RUN) ? VNIC_CONN_NO_RECONCILE : 0);
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    vnic_reconcile_action *acts = NULL;
    size_t n = 0;
    int r =
        vnic_reconcile(conn, (o.given & OPT_DRY_RUN) ? VNIC_RECONCILE_DRY_RUN : 0, &acts, &n, &err);
    if (o.json) {
        vnic_json j;
        vnic_json_init(&j, stdout);
        vnic_json_begin_array(&j, NULL);
        for (size_t i = 0; i < n; i++) {
            vnic_json_begin_object(&j, NULL);
            vnic_json_string(&j, "action", acts[i].action);
            vnic_json_string(&j, "domain", acts[i].domain);
            vnic_json_string(&j, "device", acts[i].device);
            vnic_json_string(&j, "message", acts[i].message);
            vnic_json_end_object(&j);
        }
        vnic_json_end_array(&j);
    } else {
        for (size_t i = 0; i < n; i++)
            printf("%s\n", acts[i].message);
    }
    fflush(stdout);
    if (r < 0)
        print_error("%s", err->message);
    vnic_reconcile_actions_free(acts, n);
    vnic_conn_close(conn);
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
        vnic_json j;
        vnic_json_init_compact(&j, stdout);
        vnic_json_begin_object(&j, NULL);
        vnic_json_string(&j, "event", ev->type);
        vnic_json_string(&j, "domain", ev->domain);
        vnic_json_int(&j, "interface", ev->index);
        vnic_json_string(&j, "device", ev->device);
        vnic_json_bool(&j, "degraded", ev->degraded);
        vnic_json_end_object(&j);
    } else {
        printf("%s domain=%s interface=%u device=%s%s\n", ev->type, ev->domain, ev->index,
               ev->device, ev->degraded ? " degraded" : "");
    }
    fflush(stdout);
}

static int cmd_events(const command *cmd, int argc, char **argv)
{
    cmd_options o;
    int first = parse_options(cmd, argc, argv, OPT_JSON | OPT_TIMEOUT, &o);
    if (first <= 0)
        return first == 0 ? EXIT_OK : EXIT_USAGE;
    if (want_operands(cmd, argc, first, 0, "") < 0)
        return EXIT_USAGE;

    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    int id;
    if (vnic_event_register(conn, print_event, &o, &id, &err) < 0) {
        print_error("%s", err->message);
        vnic_conn_close(conn);
        return EXIT_FAIL;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* Said once the subscription is in place, so that scripts know when to act. */
    fprintf(stderr, _("Listening for events (interrupt to stop)\n"));

    int r = 0;
    while (!interrupted) {
        r = vnic_event_run(conn, o.timeout_ms, &err);
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
    vnic_conn_close(conn);
    return r < 0 ? EXIT_FAIL : EXIT_OK;
}

static int cmd_run(const command *cmd, int argc, char **argv)
{
    cmd_options o;
    int first = parse_options(cmd, argc, argv, OPT_SKIP | OPT_QEMU | OPT_ENV | OPT_PERMUTE, &o);
    if (first <= 0)
        return first == 0 ? EXIT_OK : EXIT_USAGE;
    if (first >= argc)
        return usage_error(cmd, "%s", _("missing the domain name or XML file"));
    const char *target = argv[first++];
    if (first < argc && vnic_streq(argv[first], "--"))
        first++;
    if (first >= argc)
        return usage_error(cmd, _("missing the command to run after '--'"));
    if ((o.given & OPT_QEMU) && (o.given & OPT_ENV))
        return usage_error(cmd, _("--qemu and --env exclude each other"));

    unsigned flags = 0;
    if (o.given & OPT_QEMU)
        flags |= VNIC_RUN_QEMU;
    if (o.given & OPT_ENV)
        flags |= VNIC_RUN_ENV;
    if (o.parse_flags & VNIC_PARSE_SKIP_UNSUPPORTED)
        flags |= VNIC_RUN_SKIP_UNSUPPORTED;

    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    vnic_diag_list diags = {0};
    _cleanup_error_ vnic_error *err = NULL;
    int status = EXIT_FAIL;
    if (vnic_run(conn, target, flags, argv + first, &status, &diags, &err) < 0) {
        if (diags.count)
            print_diags(&diags);
        else
            print_error("%s", err->message);
        status = EXIT_FAIL;
    }
    vnic_diag_clear(&diags);
    vnic_conn_close(conn);
    return status;
}

static int cmd_qemu_args(const command *cmd, int argc, char **argv)
{
    cmd_options o;
    int first = parse_options(cmd, argc, argv, OPT_SKIP, &o);
    if (first <= 0)
        return first == 0 ? EXIT_OK : EXIT_USAGE;
    if (want_operands(cmd, argc, first, 1, _("missing the domain name or XML file")) < 0)
        return EXIT_USAGE;

    const char *target = argv[first];
    _cleanup_error_ vnic_error *err = NULL;
    vnic_diag_list diags = {0};
    char **args = NULL;
    int status = EXIT_OK;

    if (strchr(target, '/') ||
        (strlen(target) > 4 && vnic_streq(target + strlen(target) - 4, ".xml"))) {
        /* A file: what run would add for it, one fd per queue from 3 on. */
        vnic_domain_def *def = NULL;
        if (vnic_domain_def_parse_file(target, o.parse_flags, &def, &diags, &err) < 0) {
            if (diags.count)
                print_diags(&diags);
            else
                print_error("%s", err->message);
            vnic_diag_clear(&diags);
            return EXIT_FAIL;
        }
        size_t n = vnic_domain_def_interface_count(def);
        size_t *counts = vnic_xcalloc(n + 1, sizeof(size_t));
        for (size_t i = 0; i < n; i++)
            counts[i] = vnic_domain_def_interface_queues(def, i);
        args = vnic_domain_def_qemu_args(def, counts, 3);
        free(counts);
        vnic_domain_def_free(def);
    } else {
        vnic_conn *conn = connect_or_fail();
        if (!conn)
            return EXIT_FAIL;
        args = vnic_domain_qemu_args(conn, target, 3, &err);
        vnic_conn_close(conn);
        if (!args) {
            print_error("%s", err->message);
            return EXIT_FAIL;
        }
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

static int cmd_attach_interface(const command *cmd, int argc, char **argv)
{
    cmd_options o;
    int first = parse_options(cmd, argc, argv, OPT_SKIP | OPT_QMP | OPT_PERMUTE, &o);
    if (first <= 0)
        return first == 0 ? EXIT_OK : EXIT_USAGE;
    if (want_operands(cmd, argc, first, 2, _("missing the domain name or the interface XML file")) <
        0)
        return EXIT_USAGE;

    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    vnic_diag_list diags = {0};
    _cleanup_error_ vnic_error *err = NULL;
    _cleanup_free_ char *id = NULL;
    int r;
    if (o.qmp) {
        r = vnic_qmp_attach_interface(conn, argv[first], argv[first + 1], o.qmp, o.parse_flags, &id,
                                      &diags, &err);
    } else {
        unsigned index;
        r = vnic_domain_attach_interface_file(conn, argv[first], argv[first + 1], o.parse_flags,
                                              &index, &diags, &err);
        vnic_domain_info *info = NULL;
        vnic_error *lerr = NULL;
        if (r == 0 && vnic_domain_lookup(conn, argv[first], &info, &lerr) == 0 &&
            index < info->ninterfaces && info->interfaces[index].alias)
            id = vnic_xstrdup(info->interfaces[index].alias);
        vnic_error_free(lerr);
        vnic_domain_info_free(info);
    }
    if (r < 0) {
        if (diags.count)
            print_diags(&diags);
        else
            print_error("%s", err->message);
    } else {
        printf(_("Interface '%s' attached to domain '%s'\n"), id ? id : "?", argv[first]);
    }
    vnic_diag_clear(&diags);
    vnic_conn_close(conn);
    return r < 0 ? EXIT_FAIL : EXIT_OK;
}

static int cmd_detach_interface(const command *cmd, int argc, char **argv)
{
    cmd_options o;
    int first = parse_options(cmd, argc, argv, OPT_QMP | OPT_TIMEOUT | OPT_PERMUTE, &o);
    if (first <= 0)
        return first == 0 ? EXIT_OK : EXIT_USAGE;
    if (want_operands(cmd, argc, first, 2, _("missing the domain name or the interface's alias")) <
        0)
        return EXIT_USAGE;

    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    int r;
    if (o.qmp)
        r = vnic_qmp_detach_interface(conn, argv[first], argv[first + 1], o.qmp,
                                      o.timeout_ms >= 0 ? o.timeout_ms : 30000, &err);
    else
        r = vnic_domain_detach_interface(conn, argv[first], argv[first + 1], &err);
    if (r < 0)
        print_error("%s", err->message);
    else
        printf(_("Interface '%s' detached from domain '%s'\n"), argv[first + 1], argv[first]);
    vnic_conn_close(conn);
    return r < 0 ? EXIT_FAIL : EXIT_OK;
}

static int cmd_pass(const command *cmd, int argc, char **argv)
{
    cmd_options o;
    int first = parse_options(cmd, argc, argv, OPT_SOCKET | OPT_PERMUTE, &o);
    if (first <= 0)
        return first == 0 ? EXIT_OK : EXIT_USAGE;
    if (want_operands(cmd, argc, first, 1, _("missing the domain name")) < 0)
        return EXIT_USAGE;
    if (!o.socket)
        return usage_error(cmd, _("missing --socket PATH"));

    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    int r = vnic_pass_fds(conn, argv[first], o.socket, &err);
    if (r < 0)
        print_error("%s", err->message);
    vnic_conn_close(conn);
    return r < 0 ? EXIT_FAIL : EXIT_OK;
}

static const command commands[] = {
    {
        .name = "validate",
        .usage = N_("[--skip-unsupported] FILE..."),
        .summary = N_("Check interface or domain XML files against the schema and vnic's rules.\n"
                      "Every problem is reported as FILE:LINE: error: MESSAGE."),
        .options = N_("      --skip-unsupported  leave interfaces of other types (bridge, "
                      "network, ...) alone\n"),
        .run = cmd_validate,
    },
    {
        .name = "format",
        .usage = N_("[--skip-unsupported] FILE"),
        .summary = N_("Print the canonical form of an interface or domain XML file."),
        .options = N_("      --skip-unsupported  leave interfaces of other types (bridge, "
                      "network, ...) alone\n"),
        .run = cmd_format,
    },
    {
        .name = "create",
        .usage = N_("[--skip-unsupported] FILE"),
        .summary = N_("Start a transient domain from an XML file: make every interface's device.\n"
                      "All or nothing: if one interface fails, the ones made are removed."),
        .options = N_("      --skip-unsupported  leave interfaces of other types (bridge, "
                      "network, ...) alone\n"),
        .run = cmd_create,
    },
    {
        .name = "destroy",
        .usage = N_("NAME"),
        .summary = N_("Remove every device of an active domain. Devices already gone are fine."),
        .run = cmd_destroy,
    },
    {
        .name = "list",
        .usage = N_("[--all] [--json]"),
        .summary = N_("List the active domains (with --all the defined ones too) and their "
                      "states."),
        .options = N_("      --all               list defined, inactive domains too\n"
                      "      --json              print JSON\n"),
        .run = cmd_list,
    },
    {
        .name = "domiflist",
        .usage = N_("[--json] NAME"),
        .summary = N_("List the interfaces of an active domain with their host devices."),
        .options = N_("      --json              print JSON\n"),
        .run = cmd_domiflist,
    },
    {
        .name = "dumpxml",
        .usage = N_("[--inactive] NAME"),
        .summary = N_("Print a domain's XML: of an active one with the actual device names "
                      "filled in."),
        .options = N_("      --inactive          the stored definition, not the running one\n"),
        .run = cmd_dumpxml,
    },
    {
        .name = "define",
        .usage = N_("[--skip-unsupported] FILE"),
        .summary = N_("Store a domain definition (validated) for later starts.\n"
                      "Redefining an inactive domain replaces it; an active one keeps running on\n"
                      "its old definition until destroyed."),
        .options = N_("      --skip-unsupported  leave interfaces of other types (bridge, "
                      "network, ...) alone\n"),
        .run = cmd_define,
    },
    {
        .name = "undefine",
        .usage = N_("[--destroy] NAME"),
        .summary = N_("Forget a stored definition (refused while the domain is active)."),
        .options = N_("      --destroy           destroy the domain first if it is active\n"),
        .run = cmd_undefine,
    },
    {
        .name = "start",
        .usage = N_("NAME"),
        .summary = N_("Start a defined domain: make every interface's device, all or nothing."),
        .run = cmd_start,
    },
    {
        .name = "reconcile",
        .usage = N_("[--dry-run] [--json]"),
        .summary = N_("Make the state store and the kernel agree: finish starts and stops that "
                      "never\ncompleted, re-adopt running domains, remove orphan devices, mark "
                      "domains whose\ndevices vanished as degraded."),
        .options = N_("      --dry-run           report what would be done, change nothing\n"
                      "      --json              print JSON\n"),
        .run = cmd_reconcile,
    },
    {
        .name = "events",
        .usage = N_("[--timeout SECONDS] [--json]"),
        .summary = N_("Print link events of the domains' devices and lower devices as they "
                      "happen."),
        .options = N_("      --timeout SECONDS   stop after SECONDS (default: until "
                      "interrupted)\n"
                      "      --json              print one JSON object per line\n"),
        .run = cmd_events,
    },
    {
        .name = "run",
        .usage = N_("[--qemu|--env] [--skip-unsupported] DOMAIN|FILE -- COMMAND [ARGS...]"),
        .summary = N_("Start the domain if it is not running, run COMMAND with every queue as an\n"
                      "inherited fd from 3 on, forward SIGINT and SIGTERM to it, and destroy what\n"
                      "was started when it ends. Exits with COMMAND's status."),
        .options = N_("      --qemu              append QEMU -netdev/-device options (default for\n"
                      "                          qemu-system-*)\n"
                      "      --env               describe the fds in VNIC_FDS only\n"
                      "      --skip-unsupported  leave interfaces of other types alone\n"),
        .run = cmd_run,
    },
    {
        .name = "qemu-args",
        .usage = N_("[--skip-unsupported] DOMAIN|FILE"),
        .summary = N_("Print the QEMU options run would add (fds numbered from 3)."),
        .options = N_("      --skip-unsupported  leave interfaces of other types alone\n"),
        .run = cmd_qemu_args,
    },
    {
        .name = "attach-interface",
        .usage = N_("[--qmp SOCKET] [--skip-unsupported] NAME FILE"),
        .summary = N_("Add the <interface> of FILE to a running domain; with --qmp also hot-plug\n"
                      "it into the QEMU listening on SOCKET (getfd, netdev_add, device_add).\n"
                      "Any failure undoes everything."),
        .options = N_("      --qmp SOCKET        QEMU's QMP socket\n"
                      "      --skip-unsupported  leave interfaces of other types alone\n"),
        .run = cmd_attach_interface,
    },
    {
        .name = "detach-interface",
        .usage = N_("[--qmp SOCKET] [--timeout SECONDS] NAME ALIAS"),
        .summary = N_("Remove an interface from a running domain; with --qmp unplug it from QEMU\n"
                      "first (device_del, wait for DEVICE_DELETED, netdev_del)."),
        .options = N_("      --qmp SOCKET        QEMU's QMP socket\n"
                      "      --timeout SECONDS   how long the guest may take (default 30)\n"),
        .run = cmd_detach_interface,
    },
    {
        .name = "pass",
        .usage = N_("NAME --socket PATH"),
        .summary = N_("Send every queue fd of a running domain over a unix socket (SCM_RIGHTS),\n"
                      "one message per interface: a JSON line describing it, with its fds."),
        .options = N_("      --socket PATH       the unix socket to connect to\n"),
        .run = cmd_pass,
    },
};

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < ELEMENTSOF(commands); i++)
        if (vnic_streq(commands[i].name, name))
            return &commands[i];
    return NULL;
}

static void main_help(void)
{
    printf(_("Usage: %s [OPTIONS] COMMAND [ARGS...]\n\n"), program);
    printf(_("Manage the host-side network devices of virtual machines.\n\n"));
    printf(_("Options:\n"));
    printf(_("  -c, --connect URI       connection URI (default vnic:///embed)\n"));
    printf(_("  -d, --debug             log debugging messages to stderr\n"));
    printf(_("  -h, --help              show this help and exit\n"));
    printf(_("  -V, --version           show the version and exit\n"));
    printf(_("\nCommands:\n"));
    for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
        /* The first line of the summary only. */
        const char *s = _(commands[i].summary);
        const char *nl = strchr(s, '\n');
        printf("  %-20s %.*s\n", commands[i].name, nl ? (int)(nl - s) : (int)strlen(s), s);
    }
    printf(_("\nRun '%s COMMAND --help' for the options of a command.\n"), program);
}

/* Translations: LANGUAGE only takes effect when the locale is not "C"; a bare system (no
 * LANG) still gets its messages in the user's LANGUAGE through C.UTF-8. */
static void setup_locale(void)
{
    const char *loc = setlocale(LC_ALL, "");
    if (!loc || vnic_streq(loc, "C") || vnic_streq(loc, "POSIX")) {
        const char *language = getenv("LANGUAGE");
        if (language && *language)
            setlocale(LC_ALL, "C.UTF-8");
    }
    vnic_i18n_init();
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"connect", required_argument, NULL, 'c'},
        {"debug", no_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {0},
    };
    int c;

    setup_locale();
    vnic_log_init();

    opterr = 0;
    while ((c = getopt_long(argc, argv, "+c:dhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            connect_uri = optarg;
            break;
        case 'd':
            vnic_log_set_level(VNIC_LOG_DEBUG);
            break;
        case 'h':
            main_help();
            return EXIT_OK;
        case 'V':
            printf("vnicsh %s\n", vnic_version());
            return EXIT_OK;
        case '?':
            if (optopt)
                return usage_error(NULL, _("option '-%c' is unknown or needs an argument"), optopt);
            return usage_error(NULL, _("unknown option '%s'"), argv[optind - 1]);
        default:
            return usage_error(NULL, _("unknown option '%s'"), argv[optind - 1]);
        }
    }

    if (optind >= argc)
        return usage_error(NULL, _("no command given"));

    const command *cmd = find_command(argv[optind]);
    if (!cmd)
        return usage_error(NULL, _("unknown command '%s'"), argv[optind]);

    /* The command sees its own name as argv[0]. */
    return cmd->run(cmd, argc - optind, argv + optind);
}
