/* vnicsh — a virsh-like shell for vnic. Commands are declared in one table below. */
#include "config.h"

#include <errno.h>
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
typedef struct cmd_options cmd_options;

/* ARGV: the ARGC operands, options taken out. */
typedef int (*command_fn)(const command *cmd, const cmd_options *o, int argc, char **argv);

struct command {
    const char *name;
    const char *usage;   /* arguments after the name, untranslated syntax */
    const char *summary; /* N_() */
    const char *options; /* N_(): option help lines, or NULL */
    unsigned accept;     /* OPT_*: the options it takes besides --help */
    int min_operands;
    int max_operands;     /* -1: any number */
    int tail_at;          /* see parse_args() */
    const char *missing;  /* N_(): the error for fewer than min_operands */
    const char *too_many; /* N_(): the error for more than max_operands, or NULL */
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

/* ---- the command line ------------------------------------------------------------------ */

/* Every option vnicsh knows, global or of a command, in one table; a command accepts the
 * subset its entry names. One parser reads them all, so every command follows the same rules:
 * options may stand before or after operands, "--" ends options, an unknown option or a
 * missing operand is a usage error (exit 2) that names it. */
typedef enum {
    O_SKIP,
    O_JSON,
    O_ALL,
    O_INACTIVE,
    O_DESTROY,
    O_DRY_RUN,
    O_TIMEOUT,
    O_QEMU,
    O_ENV,
    O_QMP,
    O_SOCKET,
    O_HELP,
    O_CONNECT,
    O_DEBUG,
    O_VERSION,
    O__LAST,
} option_id;

#define OPT(id) (1u << (id))

enum {
    OPT_SKIP = OPT(O_SKIP),
    OPT_JSON = OPT(O_JSON),
    OPT_ALL = OPT(O_ALL),
    OPT_INACTIVE = OPT(O_INACTIVE),
    OPT_DESTROY = OPT(O_DESTROY),
    OPT_DRY_RUN = OPT(O_DRY_RUN),
    OPT_TIMEOUT = OPT(O_TIMEOUT),
    OPT_QEMU = OPT(O_QEMU),
    OPT_ENV = OPT(O_ENV),
    OPT_QMP = OPT(O_QMP),
    OPT_SOCKET = OPT(O_SOCKET),
    OPT_HELP = OPT(O_HELP),
    OPT_GLOBAL = OPT(O_CONNECT) | OPT(O_DEBUG) | OPT(O_HELP) | OPT(O_VERSION),
};

typedef struct {
    option_id id;
    const char *name; /* the long form, without "--" */
    char letter;      /* the short form, or 0 */
    bool has_arg;
} option_spec;

static const option_spec option_specs[] = {
    {O_SKIP, "skip-unsupported", 0, false},
    {O_JSON, "json", 0, false},
    {O_ALL, "all", 0, false},
    {O_INACTIVE, "inactive", 0, false},
    {O_DESTROY, "destroy", 0, false},
    {O_DRY_RUN, "dry-run", 0, false},
    {O_TIMEOUT, "timeout", 0, true},
    {O_QEMU, "qemu", 0, false},
    {O_ENV, "env", 0, false},
    {O_QMP, "qmp", 0, true},
    {O_SOCKET, "socket", 0, true},
    {O_HELP, "help", 'h', false},
    {O_CONNECT, "connect", 'c', true},
    {O_DEBUG, "debug", 'd', false},
    {O_VERSION, "version", 'V', false},
};

typedef struct {
    unsigned given;             /* OPT() of every option seen */
    const char *value[O__LAST]; /* the argument of an option that takes one (the last given) */
    char **operands;            /* NULL-terminated, pointing into argv; owned */
    int noperands;
} parsed_args;

static void parsed_args_clear(parsed_args *p)
{
    free(p->operands);
    p->operands = NULL;
}

static const option_spec *find_option(unsigned accept, const char *name, size_t len, char letter)
{
    for (size_t i = 0; i < ELEMENTSOF(option_specs); i++) {
        const option_spec *s = &option_specs[i];
        if (!(accept & OPT(s->id)))
            continue;
        if (letter ? s->letter == letter
                   : (strlen(s->name) == len && strncmp(s->name, name, len) == 0))
            return s;
    }
    return NULL;
}

/* Read ARGV (ARGC words, none of them the program or command name) for CMD (NULL: the global
 * options before the command). ACCEPT: OPT() of the options allowed. TAIL_AT: if not 0, the
 * TAIL_AT-th operand and every word after it are operands as they stand, options or not (the
 * command name after the global options; run's launcher command). Stops early at --help or
 * --version. Returns 0, or -1 after a usage error was printed. */
static int parse_args(const command *cmd, unsigned accept, int tail_at, int argc, char **argv,
                      parsed_args *ret)
{
    bool options_end = false;

    *ret = (parsed_args){.operands = vnic_xcalloc((size_t)argc + 1, sizeof(char *))};
    for (int i = 0; i < argc; i++) {
        char *a = argv[i];
        const option_spec *s = NULL;
        const char *value = NULL;

        if (options_end || a[0] != '-' || a[1] == '\0') {
            if (!options_end && tail_at && ret->noperands + 1 >= tail_at) {
                while (i < argc)
                    ret->operands[ret->noperands++] = argv[i++];
                break;
            }
            ret->operands[ret->noperands++] = a;
            continue;
        }
        if (vnic_streq(a, "--")) {
            options_end = true;
            continue;
        }
        if (a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            s = find_option(accept, name, len, 0);
            if (!s) {
                usage_error(cmd, _("unknown option '--%.*s'"), (int)len, name);
                goto fail;
            }
            if (eq && !s->has_arg) {
                usage_error(cmd, _("option '--%s' takes no argument"), s->name);
                goto fail;
            }
            if (eq)
                value = eq + 1;
        } else {
            /* A cluster of short options (-dh); one taking an argument ends it (-cURI). */
            for (size_t j = 1; a[j]; j++) {
                s = find_option(accept, NULL, 0, a[j]);
                if (!s) {
                    usage_error(cmd, _("unknown option '-%c'"), a[j]);
                    goto fail;
                }
                if (s->has_arg) {
                    if (a[j + 1])
                        value = a + j + 1;
                    break;
                }
                if (a[j + 1]) {
                    ret->given |= OPT(s->id);
                    if (s->id == O_HELP || s->id == O_VERSION)
                        return 0;
                }
            }
        }
        if (s->has_arg && !value) {
            if (i + 1 >= argc) {
                _cleanup_free_ char *label = a[1] == '-' ? vnic_xasprintf("--%s", s->name)
                                                         : vnic_xasprintf("-%c", s->letter);
                usage_error(cmd, _("option '%s' needs an argument"), label);
                goto fail;
            }
            value = argv[++i];
        }
        ret->given |= OPT(s->id);
        ret->value[s->id] = value;
        if (s->id == O_HELP || s->id == O_VERSION)
            return 0;
    }
    return 0;

fail:
    parsed_args_clear(ret);
    return -1;
}

struct cmd_options {
    unsigned given;       /* OPT() of every option seen */
    unsigned parse_flags; /* VNIC_PARSE_* */
    bool json;
    int timeout_ms;     /* -1: none */
    const char *qmp;    /* --qmp */
    const char *socket; /* --socket */
};

/* --skip-unsupported as the flag of the call at hand: each call has a flags enum of its own. */
#define SKIP_AS(o, flag) (((o)->parse_flags & VNIC_PARSE_SKIP_UNSUPPORTED) ? (unsigned)(flag) : 0u)

/* The options and operands of CMD from ARGV (after the command name). Returns EXIT_OK with
 * *RET_ARGS filled, or an exit status: EXIT_OK with RET_ARGS cleared after --help was shown,
 * EXIT_USAGE after a usage error was printed. */
static int parse_command_line(const command *cmd, int argc, char **argv, cmd_options *ret,
                              parsed_args *ret_args)
{
    parsed_args p;
    if (parse_args(cmd, cmd->accept | OPT_HELP, cmd->tail_at, argc, argv, &p) < 0)
        return EXIT_USAGE;
    if (p.given & OPT_HELP) {
        command_help(cmd);
        parsed_args_clear(&p);
        *ret_args = p;
        return EXIT_OK;
    }

    *ret = (cmd_options){
        .given = p.given,
        .json = p.given & OPT_JSON,
        .timeout_ms = -1,
        .qmp = p.value[O_QMP],
        .socket = p.value[O_SOCKET],
    };
    if (p.given & OPT_SKIP)
        ret->parse_flags |= VNIC_PARSE_SKIP_UNSUPPORTED;
    if (p.given & OPT_TIMEOUT) {
        unsigned long secs;
        if (vnic_parse_uint(p.value[O_TIMEOUT], 0, 86400, &secs) < 0) {
            usage_error(cmd, _("invalid timeout '%s': expected seconds from 0 to 86400"),
                        p.value[O_TIMEOUT]);
            goto usage;
        }
        ret->timeout_ms = (int)secs * 1000;
    }

    if (p.noperands < cmd->min_operands) {
        usage_error(cmd, "%s", _(cmd->missing));
        goto usage;
    }
    if (cmd->max_operands >= 0 && p.noperands > cmd->max_operands) {
        if (cmd->too_many)
            usage_error(cmd, "%s", _(cmd->too_many));
        else
            usage_error(cmd, _("unexpected argument '%s'"), p.operands[cmd->max_operands]);
        goto usage;
    }
    *ret_args = p;
    return EXIT_OK;

usage:
    parsed_args_clear(&p);
    return EXIT_USAGE;
}

static int cmd_validate(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    int status = EXIT_OK;
    for (int i = 0; i < argc; i++) {
        vnic_diag_list diags = {0};
        _cleanup_error_ vnic_error *err = NULL;
        vnic_domain_def *def = NULL;

        if (vnic_domain_def_parse_file(argv[i], o->parse_flags, &def, &diags, &err) < 0) {
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

static int cmd_format(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    vnic_diag_list diags = {0};
    _cleanup_error_ vnic_error *err = NULL;
    vnic_domain_def *def = NULL;
    int status = EXIT_OK;

    if (vnic_domain_def_parse_file(argv[0], o->parse_flags, &def, &diags, &err) < 0) {
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

static int cmd_create(const command *cmd, const cmd_options *o, int argc, char **argv)
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
        if (diags.count)
            print_diags(&diags);
        else
            print_error("%s", err->message);
        status = EXIT_FAIL;
    } else {
        printf(_("Domain '%s' created from %s\n"), info->name, argv[0]);
    }
    vnic_domain_info_free(info);
    vnic_diag_clear(&diags);
    vnic_conn_close(conn);
    return status;
}

static int cmd_destroy(const command *cmd, const cmd_options *o, int argc, char **argv)
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
    vnic_conn_close(conn);
    return status;
}

static int cmd_list(const command *cmd, const cmd_options *o, int argc, char **argv)
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
        vnic_conn_close(conn);
        return EXIT_FAIL;
    }

    if (o->json) {
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

static int cmd_domiflist(const command *cmd, const cmd_options *o, int argc, char **argv)
{

    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    vnic_domain_info *info = NULL;
    if (vnic_domain_lookup(conn, argv[0], &info, &err) < 0) {
        print_error("%s", err->message);
        vnic_conn_close(conn);
        return EXIT_FAIL;
    }

    if (o->json) {
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

static int cmd_dumpxml(const command *cmd, const cmd_options *o, int argc, char **argv)
{

    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    _cleanup_free_ char *xml =
        vnic_domain_get_xml(conn, argv[0], (o->given & OPT_INACTIVE) ? VNIC_XML_INACTIVE : 0, &err);
    vnic_conn_close(conn);
    if (!xml) {
        print_error("%s", err->message);
        return EXIT_FAIL;
    }
    fputs(xml, stdout);
    return EXIT_OK;
}

static int cmd_define(const command *cmd, const cmd_options *o, int argc, char **argv)
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
        if (diags.count)
            print_diags(&diags);
        else
            print_error("%s", err->message);
        status = EXIT_FAIL;
    } else if (vnic_streq(info->state, "defined")) {
        printf(_("Domain '%s' defined from %s\n"), info->name, argv[0]);
    } else {
        printf(_("Domain '%s' defined from %s (it keeps running on its old definition until "
                 "destroyed)\n"),
               info->name, argv[0]);
    }
    vnic_domain_info_free(info);
    vnic_diag_clear(&diags);
    vnic_conn_close(conn);
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

static int cmd_undefine(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    return name_command(o, argv[0], do_undefine, _("Domain '%s' undefined\n"));
}

static int cmd_start(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    return name_command(o, argv[0], do_start, _("Domain '%s' started\n"));
}

static int cmd_reconcile(const command *cmd, const cmd_options *o, int argc, char **argv)
{

    /* A dry run must not change anything, not even through the quick pass on opening. */
    vnic_conn *conn = connect_flags_or_fail((o->given & OPT_DRY_RUN) ? VNIC_CONN_NO_RECONCILE : 0);
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    vnic_reconcile_action *acts = NULL;
    size_t n = 0;
    int r = vnic_reconcile(conn, (o->given & OPT_DRY_RUN) ? VNIC_RECONCILE_DRY_RUN : 0, &acts, &n,
                           &err);
    if (o->json) {
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

static int cmd_events(const command *cmd, const cmd_options *o, int argc, char **argv)
{

    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    int id;
    cmd_options mine = *o; /* print_event()'s opaque is not const */
    if (vnic_event_register(conn, print_event, &mine, &id, &err) < 0) {
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
    vnic_conn_close(conn);
    return r < 0 ? EXIT_FAIL : EXIT_OK;
}

static int cmd_run(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    /* The operands are the target and, as given, the launcher's command line (parse_args()
     * stops reading options at it); a "--" between the two separates them even when an
     * earlier "--" already ended the options (run -- -odd-name -- COMMAND). */
    const char *target = argv[0];
    int first = 1;
    if (first < argc && vnic_streq(argv[first], "--"))
        first++;
    if (first >= argc)
        return usage_error(cmd, _("missing the command to run after '--'"));
    if ((o->given & OPT_QEMU) && (o->given & OPT_ENV))
        return usage_error(cmd, _("--qemu and --env exclude each other"));

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

static int cmd_qemu_args(const command *cmd, const cmd_options *o, int argc, char **argv)
{

    const char *target = argv[0];
    _cleanup_error_ vnic_error *err = NULL;
    vnic_diag_list diags = {0};
    char **args = NULL;
    int status = EXIT_OK;

    if (strchr(target, '/') ||
        (strlen(target) > 4 && vnic_streq(target + strlen(target) - 4, ".xml"))) {
        /* A file: what run would add for it, one fd per queue from 3 on. */
        vnic_domain_def *def = NULL;
        if (vnic_domain_def_parse_file(target, o->parse_flags, &def, &diags, &err) < 0) {
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

static int cmd_attach_interface(const command *cmd, const cmd_options *o, int argc, char **argv)
{

    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    vnic_diag_list diags = {0};
    _cleanup_error_ vnic_error *err = NULL;
    _cleanup_free_ char *id = NULL;
    int r;
    if (o->qmp) {
        r = vnic_qmp_attach_interface(conn, argv[0], argv[1], o->qmp,
                                      SKIP_AS(o, VNIC_QMP_ATTACH_SKIP_UNSUPPORTED), &id, &diags,
                                      &err);
    } else {
        unsigned index;
        r = vnic_domain_attach_interface_file(conn, argv[0], argv[1],
                                              SKIP_AS(o, VNIC_ATTACH_SKIP_UNSUPPORTED), &index,
                                              &diags, &err);
        vnic_domain_info *info = NULL;
        vnic_error *lerr = NULL;
        if (r == 0 && vnic_domain_lookup(conn, argv[0], &info, &lerr) == 0 &&
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
        printf(_("Interface '%s' attached to domain '%s'\n"), id ? id : "?", argv[0]);
    }
    vnic_diag_clear(&diags);
    vnic_conn_close(conn);
    return r < 0 ? EXIT_FAIL : EXIT_OK;
}

static int cmd_detach_interface(const command *cmd, const cmd_options *o, int argc, char **argv)
{

    vnic_conn *conn = connect_or_fail();
    if (!conn)
        return EXIT_FAIL;
    _cleanup_error_ vnic_error *err = NULL;
    int r;
    if (o->qmp)
        r = vnic_qmp_detach_interface(conn, argv[0], argv[1], o->qmp,
                                      o->timeout_ms >= 0 ? o->timeout_ms : 30000, &err);
    else
        r = vnic_domain_detach_interface(conn, argv[0], argv[1], &err);
    if (r < 0)
        print_error("%s", err->message);
    else
        printf(_("Interface '%s' detached from domain '%s'\n"), argv[1], argv[0]);
    vnic_conn_close(conn);
    return r < 0 ? EXIT_FAIL : EXIT_OK;
}

static int cmd_pass(const command *cmd, const cmd_options *o, int argc, char **argv)
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
        .accept = OPT_SKIP,
        .min_operands = 1,
        .max_operands = -1,
        .missing = N_("no file given"),
        .run = cmd_validate,
    },
    {
        .name = "format",
        .usage = N_("[--skip-unsupported] FILE"),
        .summary = N_("Print the canonical form of an interface or domain XML file."),
        .options = N_("      --skip-unsupported  leave interfaces of other types (bridge, "
                      "network, ...) alone\n"),
        .accept = OPT_SKIP,
        .min_operands = 1,
        .max_operands = 1,
        .missing = N_("no file given"),
        .too_many = N_("only one file can be formatted at a time"),
        .run = cmd_format,
    },
    {
        .name = "create",
        .usage = N_("[--skip-unsupported] FILE"),
        .summary = N_("Start a transient domain from an XML file: make every interface's device.\n"
                      "All or nothing: if one interface fails, the ones made are removed."),
        .options = N_("      --skip-unsupported  leave interfaces of other types (bridge, "
                      "network, ...) alone\n"),
        .accept = OPT_SKIP,
        .min_operands = 1,
        .max_operands = 1,
        .missing = N_("missing the domain XML file"),
        .run = cmd_create,
    },
    {
        .name = "destroy",
        .usage = N_("NAME"),
        .summary = N_("Remove every device of an active domain. Devices already gone are fine."),
        .min_operands = 1,
        .max_operands = 1,
        .missing = N_("missing the domain name"),
        .run = cmd_destroy,
    },
    {
        .name = "list",
        .usage = N_("[--all] [--json]"),
        .summary = N_("List the active domains (with --all the defined ones too) and their "
                      "states."),
        .options = N_("      --all               list defined, inactive domains too\n"
                      "      --json              print JSON\n"),
        .accept = OPT_ALL | OPT_JSON,
        .max_operands = 0,
        .run = cmd_list,
    },
    {
        .name = "domiflist",
        .usage = N_("[--json] NAME"),
        .summary = N_("List the interfaces of an active domain with their host devices."),
        .options = N_("      --json              print JSON\n"),
        .accept = OPT_JSON,
        .min_operands = 1,
        .max_operands = 1,
        .missing = N_("missing the domain name"),
        .run = cmd_domiflist,
    },
    {
        .name = "dumpxml",
        .usage = N_("[--inactive] NAME"),
        .summary = N_("Print a domain's XML: of an active one with the actual device names "
                      "filled in."),
        .options = N_("      --inactive          the stored definition, not the running one\n"),
        .accept = OPT_INACTIVE,
        .min_operands = 1,
        .max_operands = 1,
        .missing = N_("missing the domain name"),
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
        .accept = OPT_SKIP,
        .min_operands = 1,
        .max_operands = 1,
        .missing = N_("missing the domain XML file"),
        .run = cmd_define,
    },
    {
        .name = "undefine",
        .usage = N_("[--destroy] NAME"),
        .summary = N_("Forget a stored definition (refused while the domain is active)."),
        .options = N_("      --destroy           destroy the domain first if it is active\n"),
        .accept = OPT_DESTROY,
        .min_operands = 1,
        .max_operands = 1,
        .missing = N_("missing the domain name"),
        .run = cmd_undefine,
    },
    {
        .name = "start",
        .usage = N_("NAME"),
        .summary = N_("Start a defined domain: make every interface's device, all or nothing."),
        .min_operands = 1,
        .max_operands = 1,
        .missing = N_("missing the domain name"),
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
        .accept = OPT_DRY_RUN | OPT_JSON,
        .max_operands = 0,
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
        .accept = OPT_TIMEOUT | OPT_JSON,
        .max_operands = 0,
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
        .accept = OPT_QEMU | OPT_ENV | OPT_SKIP,
        .min_operands = 1,
        .max_operands = -1,
        .tail_at = 2,
        .missing = N_("missing the domain name or XML file"),
        .run = cmd_run,
    },
    {
        .name = "qemu-args",
        .usage = N_("[--skip-unsupported] DOMAIN|FILE"),
        .summary = N_("Print the QEMU options run would add (fds numbered from 3)."),
        .options = N_("      --skip-unsupported  leave interfaces of other types alone\n"),
        .accept = OPT_SKIP,
        .min_operands = 1,
        .max_operands = 1,
        .missing = N_("missing the domain name or XML file"),
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
        .accept = OPT_QMP | OPT_SKIP,
        .min_operands = 2,
        .max_operands = 2,
        .missing = N_("missing the domain name or the interface XML file"),
        .run = cmd_attach_interface,
    },
    {
        .name = "detach-interface",
        .usage = N_("[--qmp SOCKET] [--timeout SECONDS] NAME ALIAS"),
        .summary = N_("Remove an interface from a running domain; with --qmp unplug it from QEMU\n"
                      "first (device_del, wait for DEVICE_DELETED, netdev_del)."),
        .options = N_("      --qmp SOCKET        QEMU's QMP socket\n"
                      "      --timeout SECONDS   how long the guest may take (default 30)\n"),
        .accept = OPT_QMP | OPT_TIMEOUT,
        .min_operands = 2,
        .max_operands = 2,
        .missing = N_("missing the domain name or the interface's alias"),
        .run = cmd_detach_interface,
    },
    {
        .name = "pass",
        .usage = N_("NAME --socket PATH"),
        .summary = N_("Send every queue fd of a running domain over a unix socket (SCM_RIGHTS),\n"
                      "one message per interface: a JSON line describing it, with its fds."),
        .options = N_("      --socket PATH       the unix socket to connect to\n"),
        .accept = OPT_SOCKET,
        .min_operands = 1,
        .max_operands = 1,
        .missing = N_("missing the domain name"),
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
    printf(_("A command's options may stand before or after its operands; '--' ends them.\n"));
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
    setup_locale();
    vnic_log_init();

    /* The global options stand before the command; the command name and every word after it
     * are the command's (tail_at 1). */
    parsed_args global;
    if (parse_args(NULL, OPT_GLOBAL, 1, argc > 0 ? argc - 1 : 0, argv + (argc > 0), &global) < 0)
        return EXIT_USAGE;
    /* Kept for the whole run: connect_uri points into argv, not into the array. */
    _cleanup_free_ char **words = global.operands;
    if (global.given & OPT(O_HELP)) {
        main_help();
        return EXIT_OK;
    }
    if (global.given & OPT(O_VERSION)) {
        printf("vnicsh %s\n", vnic_version());
        return EXIT_OK;
    }
    if (global.given & OPT(O_DEBUG))
        vnic_log_set_level(VNIC_LOG_DEBUG);
    connect_uri = global.value[O_CONNECT];

    if (global.noperands == 0)
        return usage_error(NULL, _("no command given"));
    const command *cmd = find_command(words[0]);
    if (!cmd)
        return usage_error(NULL, _("unknown command '%s'"), words[0]);

    cmd_options o;
    parsed_args p;
    int status = parse_command_line(cmd, global.noperands - 1, words + 1, &o, &p);
    if (status != EXIT_OK || !p.operands)
        return status;
    status = cmd->run(cmd, &o, p.noperands, p.operands);
    parsed_args_clear(&p);
    return status;
}
