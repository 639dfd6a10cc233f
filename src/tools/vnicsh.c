/* vnicsh — a virsh-like shell for vnic. Commands are declared in one table below. */
#include "config.h"

#include <errno.h>
#include <locale.h>

#include "vnicsh.h"

const char *sh_connect_uri;

void command_help(const command *cmd)
{
    printf(_("Usage: %s %s %s\n\n"), PROGRAM, cmd->name, _(cmd->usage));
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
const option_spec option_specs[] = {
    {O_SKIP, "skip-unsupported", 0, false},
    {O_JSON, "json", 0, false},
    {O_ALL, "all", 0, false},
    {O_INACTIVE, "inactive", 0, false},
    {O_DESTROY, "destroy", 0, false},
    {O_DRY_RUN, "dry-run", 0, false},
    {O_TIMEOUT, "timeout", 0, true},
    {O_QEMU, "qemu", 0, false},
    {O_ENV, "env", 0, false},
    {O_QMP, "qmp", 0, true, .path_arg = true},
    {O_SOCKET, "socket", 0, true, .path_arg = true},
    {O_VHOST, "vhost", 0, false},
    {O_HELP, "help", 'h', false},
    {O_CONNECT, "connect", 'c', true},
    {O_DEBUG, "debug", 'd', false},
    {O_VERSION, "version", 'V', false},
    {O_KEEP_GOING, "keep-going", 'k', false},
    {O_INBOUND, "inbound", 0, true},
    {O_OUTBOUND, "outbound", 0, true},
    {O_NO_LEGEND, "no-legend", 0, false},
    {O_HELP_RST, "help-rst", 0, false, .hidden = true},
    {O_LIBVIRT, "libvirt", 0, true},
    {O_LIBVIRT_XML, "libvirt", 0, false},
};
const size_t noption_specs = ELEMENTSOF(option_specs);

typedef struct {
    unsigned given;             /* OPT() of every option seen */
    const char *value[O__LAST]; /* the argument of an option that takes one (the last given) */
    char **operands;            /* NULL-terminated, pointing into argv; owned */
    int noperands;
    char **after_stop; /* the words after the --help or --version that stopped the reading */
    int nafter_stop;
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

    *ret = (parsed_args){.operands = sh_xcalloc((size_t)argc + 1, sizeof(char *))};
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
        if (sh_streq(a, "--")) {
            options_end = true;
            continue;
        }
        if (a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            s = find_option(accept, name, len, 0);
            if (!s) {
                _cleanup_free_ char *nm = strndup(name, len);
                _cleanup_free_ char *shown = sh_word_shown(nm ? nm : "");
                usage_error(cmd, _("unknown option '--%s'"), shown);
                goto fail;
            }
            if (eq && !s->has_arg) {
                usage_error(cmd, _("option '--%s' takes no argument"), s->name);
                goto fail;
            }
            if (eq)
                value = eq + 1;
        } else {
            /* A cluster of short options (-dh); one taking an argument ends it (-cURI). a[1]
             * is not '\0' (see above): the loop runs at least once. */
            size_t j = 1;
            do {
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
                    if (s->id == O_HELP || s->id == O_VERSION) {
                        ret->after_stop = argv + i + 1;
                        ret->nafter_stop = argc - i - 1;
                        return 0;
                    }
                }
            } while (a[++j]);
        }
        if (s->has_arg && !value) {
            if (i + 1 >= argc) {
                _cleanup_free_ char *label =
                    a[1] == '-' ? sh_xasprintf("--%s", s->name) : sh_xasprintf("-%c", s->letter);
                usage_error(cmd, _("option '%s' needs an argument"), label);
                goto fail;
            }
            value = argv[++i];
        }
        ret->given |= OPT(s->id);
        ret->value[s->id] = value;
        if (s->id == O_HELP || s->id == O_VERSION) {
            ret->after_stop = argv + i + 1;
            ret->nafter_stop = argc - i - 1;
            return 0;
        }
    }
    return 0;

fail:
    parsed_args_clear(ret);
    return -1;
}

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
        .libvirt = p.value[O_LIBVIRT],
        .socket = p.value[O_SOCKET],
        .inbound = p.value[O_INBOUND],
        .outbound = p.value[O_OUTBOUND],
    };
    if (p.given & OPT_SKIP)
        ret->parse_flags |= VNIC_PARSE_SKIP_UNSUPPORTED;
    if (p.given & OPT_TIMEOUT) {
        unsigned long secs;
        if (sh_parse_uint(p.value[O_TIMEOUT], 0, 86400, &secs) < 0) {
            _cleanup_free_ char *shown = sh_word_shown(p.value[O_TIMEOUT]);
            usage_error(cmd, _("invalid timeout '%s': expected seconds from 0 to 86400"), shown);
            goto usage;
        }
        ret->timeout_ms = (int)secs * 1000;
    }
    if (__builtin_popcount(p.given & cmd->exclusive) > 1) {
        const option_spec *both[2] = {NULL, NULL};
        for (size_t i = 0; i < noption_specs && !both[1]; i++)
            if (p.given & cmd->exclusive & OPT(option_specs[i].id))
                both[both[0] ? 1 : 0] = &option_specs[i];
        usage_error(cmd, _("--%s and --%s exclude each other"), both[0]->name, both[1]->name);
        goto usage;
    }

    if (p.noperands < cmd->min_operands) {
        usage_error(cmd, "%s", _(cmd->missing));
        goto usage;
    }
    if (cmd->max_operands >= 0 && p.noperands > cmd->max_operands) {
        if (cmd->too_many)
            usage_error(cmd, "%s", _(cmd->too_many));
        else {
            _cleanup_free_ char *shown = sh_word_shown(p.operands[cmd->max_operands]);
            usage_error(cmd, _("unexpected argument '%s'"), shown);
        }
        goto usage;
    }
    *ret_args = p;
    return EXIT_OK;

usage:
    parsed_args_clear(&p);
    return EXIT_USAGE;
}

const command commands[] = {
    {
        .name = "validate",
        .usage = N_("[--skip-unsupported] [--json] FILE..."),
        .summary = N_("Check interface or domain XML files (or vnicd's access policy) against\n"
                      "the schema and vnic's rules.\n"
                      "Every problem is reported as FILE:LINE: error: MESSAGE."),
        .options = N_("      --skip-unsupported  leave interfaces of other types (bridge, "
                      "network, ...) alone\n"
                      "      --json              print each file's result and problems as JSON\n"),
        .accept = OPT_SKIP | OPT_JSON,
        .min_operands = 1,
        .max_operands = -1,
        .missing = N_("no file given"),
        .run = cmd_validate,
        .operand_kinds = {OPERAND_FILE},
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
        .operand_kinds = {OPERAND_FILE},
    },
    {
        .name = "create",
        .usage = N_("[--skip-unsupported] [--json] FILE"),
        .summary = N_("Start a transient domain from an XML file: make every interface's device.\n"
                      "All or nothing: if one interface fails, the ones made are removed."),
        .options = N_("      --skip-unsupported  leave interfaces of other types (bridge, "
                      "network, ...) alone\n"
                      "      --json              print the domain and its devices as JSON\n"),
        .accept = OPT_SKIP | OPT_JSON,
        .min_operands = 1,
        .max_operands = 1,
        .missing = N_("missing the domain XML file"),
        .run = cmd_create,
        .operand_kinds = {OPERAND_FILE},
    },
    {
        .name = "destroy",
        .usage = N_("NAME"),
        .summary = N_("Remove every device of an active domain. Devices already gone are fine."),
        .min_operands = 1,
        .max_operands = 1,
        .missing = N_("missing the domain name"),
        .run = cmd_destroy,
        .operand_kinds = {OPERAND_DOMAIN_ACTIVE},
    },
    {
        .name = "list",
        .usage = N_("[--all] [--json] [--no-legend]"),
        .summary = N_("List the active domains (with --all the defined ones too) and their "
                      "states."),
        .options = N_("      --all               list defined, inactive domains too\n"
                      "      --json              print JSON\n"
                      "      --no-legend         print the rows only, no header\n"),
        .accept = OPT_ALL | OPT_JSON | OPT_NO_LEGEND,
        .max_operands = 0,
        .run = cmd_list,
    },
    {
        .name = "domiflist",
        .usage = N_("[--json] [--no-legend] NAME"),
        .summary = N_("List the interfaces of an active domain with their host devices."),
        .options = N_("      --json              print JSON\n"
                      "      --no-legend         print the rows only, no header\n"),
        .accept = OPT_JSON | OPT_NO_LEGEND,
        .min_operands = 1,
        .max_operands = 1,
        .missing = N_("missing the domain name"),
        .run = cmd_domiflist,
        .operand_kinds = {OPERAND_DOMAIN_ACTIVE},
    },
    {
        .name = "dumpxml",
        .usage = N_("[--inactive|--libvirt] NAME"),
        .summary = N_("Print a domain's XML: of an active one with the actual device names "
                      "filled in."),
        .options = N_("      --inactive          the stored definition, not the running one\n"
                      "      --libvirt           the domain libvirt is given by run --libvirt\n"
                      "                          (vnic's interfaces as managed='no' ethernet)\n"),
        .accept = OPT_INACTIVE | OPT_LIBVIRT_XML,
        .min_operands = 1,
        .max_operands = 1,
        .missing = N_("missing the domain name"),
        .run = cmd_dumpxml,
        .exclusive = OPT_INACTIVE | OPT_LIBVIRT_XML,
        .operand_kinds = {OPERAND_DOMAIN},
    },
    {
        .name = "define",
        .usage = N_("[--skip-unsupported] [--json] FILE"),
        .summary = N_("Store a domain definition (validated) for later starts.\n"
                      "Redefining an inactive domain replaces it; an active one keeps running on\n"
                      "its old definition until destroyed."),
        .options = N_("      --skip-unsupported  leave interfaces of other types (bridge, "
                      "network, ...) alone\n"
                      "      --json              print the domain as JSON\n"),
        .accept = OPT_SKIP | OPT_JSON,
        .min_operands = 1,
        .max_operands = 1,
        .missing = N_("missing the domain XML file"),
        .run = cmd_define,
        .operand_kinds = {OPERAND_FILE},
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
        .operand_kinds = {OPERAND_DOMAIN},
    },
    {
        .name = "start",
        .usage = N_("[--json] NAME"),
        .summary = N_("Start a defined domain: make every interface's device, all or nothing."),
        .options = N_("      --json              print the domain and its devices as JSON\n"),
        .accept = OPT_JSON,
        .min_operands = 1,
        .max_operands = 1,
        .missing = N_("missing the domain name"),
        .run = cmd_start,
        .operand_kinds = {OPERAND_DOMAIN_INACTIVE},
    },
    {
        .name = "reconcile",
        .usage = N_("[--dry-run] [--json]"),
        .summary = N_("Make the state store and the kernel agree: finish starts and stops that "
                      "never\ncompleted, re-adopt running domains, remove orphan devices, mark "
                      "domains whose\ndevices vanished as degraded, and remove the devices of "
                      "domains run by\nlibvirt (run --libvirt FILE) that libvirt no longer "
                      "runs."),
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
        .usage = N_("[--qemu|--env] [--qmp SOCKET] [--skip-unsupported] DOMAIN|FILE -- COMMAND "
                    "[ARGS...]\n       vnicsh run --libvirt URI [--skip-unsupported] DOMAIN|FILE"),
        .summary = N_("Start the domain if it is not running, run COMMAND with every queue as an\n"
                      "inherited fd from 3 on, forward SIGINT and SIGTERM to it, and destroy what\n"
                      "was started when it ends. Exits with COMMAND's status.\n"
                      "With --libvirt, libvirt at URI runs the domain on vnic's devices instead,\n"
                      "and vnicsh follows it until it stops, then removes the devices. Exit\n"
                      "status: 0 shut down, 3 destroyed, 4 crashed, 5 QEMU failed or was killed,\n"
                      "6 saved or migrated, 128+N vnicsh got signal N (SIGINT, SIGTERM, SIGHUP)\n"
                      "and destroyed the domain, 1 failure."),
        .options = N_("      --qemu              append QEMU -netdev/-device options (default for\n"
                      "                          qemu-system-*)\n"
                      "      --env               describe the fds in VNIC_FDS only\n"
                      "      --qmp SOCKET        the launcher's QMP socket: set the guest links\n"
                      "                          of <link state='down'/> down once it runs (a\n"
                      "                          failure stops the launcher)\n"
                      "      --skip-unsupported  leave interfaces of other types alone\n"
                      "      --libvirt URI       libvirt runs the domain (qemu:///system,\n"
                      "                          qemu:///embed?root=DIR, ...)\n"),
        .accept = OPT_QEMU | OPT_ENV | OPT_QMP | OPT_SKIP | OPT_LIBVIRT,
        .min_operands = 1,
        .max_operands = -1,
        .tail_at = 2,
        .missing = N_("missing the domain name or XML file"),
        .run = cmd_run,
        .exclusive = OPT_QEMU | OPT_ENV,
        .operand_kinds = {OPERAND_DOMAIN_OR_FILE},
    },
    {
        .name = "qemu-args",
        .usage = N_("[--skip-unsupported] [--vhost] [--json] DOMAIN|FILE"),
        .summary = N_("Print the QEMU options run would add (fds numbered from 3)."),
        .options = N_("      --skip-unsupported  leave interfaces of other types alone\n"
                      "      --vhost             FILE: as where vhost-net opens (a vhost fd per\n"
                      "                          queue of each virtio interface)\n"
                      "      --json              print the words as a JSON array\n"),
        .accept = OPT_SKIP | OPT_VHOST | OPT_JSON,
        .min_operands = 1,
        .max_operands = 1,
        .missing = N_("missing the domain name or XML file"),
        .run = cmd_qemu_args,
        .operand_kinds = {OPERAND_DOMAIN_OR_FILE},
    },
    {
        .name = "attach-interface",
        .usage = N_("[--qmp SOCKET|--libvirt URI] [--skip-unsupported] [--json] NAME FILE"),
        .summary = N_("Add the <interface> of FILE to a running domain; with --qmp also hot-plug\n"
                      "it into the QEMU listening on SOCKET (getfd, netdev_add, device_add); with\n"
                      "--libvirt into the domain libvirt at URI runs (as a managed='no' ethernet\n"
                      "interface). Any failure undoes everything."),
        .options = N_("      --qmp SOCKET        QEMU's QMP socket\n"
                      "      --libvirt URI       the libvirt that runs the domain\n"
                      "      --skip-unsupported  leave interfaces of other types alone\n"
                      "      --json              print the attached interface (and with --qmp\n"
                      "                          the PCI address QEMU gave it) as JSON\n"),
        .accept = OPT_QMP | OPT_SKIP | OPT_JSON | OPT_LIBVIRT,
        .min_operands = 2,
        .max_operands = 2,
        .missing = N_("missing the domain name or the interface XML file"),
        .run = cmd_attach_interface,
        .exclusive = OPT_QMP | OPT_LIBVIRT,
        .operand_kinds = {OPERAND_DOMAIN_ACTIVE, OPERAND_FILE},
    },
    {
        .name = "detach-interface",
        .usage = N_("[--qmp SOCKET|--libvirt URI] [--timeout SECONDS] NAME ALIAS"),
        .summary = N_("Remove an interface from a running domain; with --qmp unplug it from QEMU\n"
                      "first (device_del, wait for DEVICE_DELETED, netdev_del); with --libvirt\n"
                      "ask libvirt at URI to unplug it (ALIAS: libvirt's or vnic's alias, or the\n"
                      "device) and wait until libvirt reports it gone."),
        .options = N_("      --qmp SOCKET        QEMU's QMP socket\n"
                      "      --libvirt URI       the libvirt that runs the domain\n"
                      "      --timeout SECONDS   how long the guest may take (default 30)\n"),
        .accept = OPT_QMP | OPT_TIMEOUT | OPT_LIBVIRT,
        .min_operands = 2,
        .max_operands = 2,
        .missing = N_("missing the domain name or the interface's alias"),
        .run = cmd_detach_interface,
        .exclusive = OPT_QMP | OPT_LIBVIRT,
        .operand_kinds = {OPERAND_DOMAIN_ACTIVE, OPERAND_IFACE},
    },
    {
        .name = "domiftune",
        .usage = N_("[--inbound AVG[,PEAK[,BURST]]] [--outbound AVG[,PEAK[,BURST]]] [--json] "
                    "NAME IFACE"),
        .summary = N_("Show the bandwidth of an interface (its alias, device or MAC); with\n"
                      "--inbound or --outbound change it on the running device and in the\n"
                      "live definition. Rates in KiB/s, bursts in KiB; an average of 0 lifts\n"
                      "that direction's limit."),
        .options = N_("      --inbound AVG[,PEAK[,BURST]]   traffic towards the guest\n"
                      "      --outbound AVG[,PEAK[,BURST]]  traffic from the guest\n"
                      "      --json              print the settings as JSON\n"),
        .accept = OPT_INBOUND | OPT_OUTBOUND | OPT_JSON,
        .min_operands = 2,
        .max_operands = 2,
        .missing = N_("missing the domain name or the interface"),
        .run = cmd_domiftune,
        .operand_kinds = {OPERAND_DOMAIN, OPERAND_IFACE},
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
        .operand_kinds = {OPERAND_DOMAIN_ACTIVE},
    },
    /* Live interface state (issue 11). */
    {
        .name = "domifstat",
        .usage = N_("[--json] NAME IFACE"),
        .summary = N_("Print an interface's counters from the guest's point of view (IFACE: an\n"
                      "alias, a host device name or a MAC)."),
        .options = N_("      --json              print JSON\n"),
        .accept = OPT_JSON,
        .min_operands = 2,
        .max_operands = 2,
        .missing = N_("missing the domain name or the interface"),
        .run = cmd_domifstat,
        .operand_kinds = {OPERAND_DOMAIN_ACTIVE, OPERAND_IFACE},
    },
    {
        .name = "domif-getlink",
        .usage = N_("[--json] NAME IFACE"),
        .summary = N_("Print whether an interface's host device is up or down."),
        .options = N_("      --json              print JSON\n"),
        .accept = OPT_JSON,
        .min_operands = 2,
        .max_operands = 2,
        .missing = N_("missing the domain name or the interface"),
        .run = cmd_domif_getlink,
        .operand_kinds = {OPERAND_DOMAIN_ACTIVE, OPERAND_IFACE},
    },
    {
        .name = "domif-setlink",
        .usage = N_("[--qmp SOCKET] [--json] NAME IFACE up|down"),
        .summary = N_("Set an interface's host device up or down; with --qmp also the guest's\n"
                      "link (QMP set_link) in the QEMU listening on SOCKET."),
        .options = N_("      --qmp SOCKET        QEMU's QMP socket\n"
                      "      --json              print JSON\n"),
        .accept = OPT_QMP | OPT_JSON,
        .min_operands = 3,
        .max_operands = 3,
        .missing = N_("missing the domain name, the interface or the state (up or down)"),
        .run = cmd_domif_setlink,
        .operand_kinds = {OPERAND_DOMAIN_ACTIVE, OPERAND_IFACE, OPERAND_LINK_STATE},
    },
    {
        .name = "help",
        .usage = N_("[COMMAND]"),
        .summary = N_("List the commands, or show the usage and options of COMMAND."),
        .max_operands = 1,
        .too_many = N_("help takes one command at most"),
        .run = cmd_help,
        .operand_kinds = {OPERAND_COMMAND},
    },
    /* For the bash completion script: what can follow the words of a command line. */
    {
        .name = "complete",
        .usage = N_("-- WORDS..."),
        .summary = N_("Print what can stand in place of the last of WORDS (vnicsh's global\n"
                      "options, a command and its options and operands), one per line. Exits 1\n"
                      "when file names fit the last word too."),
        .min_operands = 0,
        .max_operands = -1,
        .tail_at = 1,
        .run = cmd_complete,
        .hidden = true,
    },
};

const size_t ncommands = ELEMENTSOF(commands);

const command *find_command(const char *name)
{
    for (size_t i = 0; i < ncommands; i++)
        if (sh_streq(commands[i].name, name))
            return &commands[i];
    return NULL;
}

int run_command_words(int nwords, char **words)
{
    const command *cmd = find_command(words[0]);
    if (!cmd) {
        _cleanup_free_ char *shown = sh_word_shown(words[0]);
        return usage_error(NULL, _("unknown command '%s'"), shown);
    }

    cmd_options o;
    parsed_args p;
    int status = parse_command_line(cmd, nwords - 1, words + 1, &o, &p);
    if (status != EXIT_OK || !p.operands)
        return status;
    status = cmd->run(cmd, &o, p.noperands, p.operands);
    parsed_args_clear(&p);
    return status;
}

void main_help(void)
{
    printf(_("Usage: %s [OPTIONS] COMMAND [ARGS...]\n\n"), PROGRAM);
    printf(_("Manage the host-side network devices of virtual machines.\n\n"));
    printf(_("Options:\n"));
    printf(_("  -c, --connect URI       connection URI (default $VNIC_DEFAULT_URI, else\n"
             "                          vnic:///embed for root, vnic:///system for others)\n"));
    printf(_("  -d, --debug             log debugging messages to stderr\n"));
    printf(_("  -h, --help              show this help and exit\n"));
    printf(_("  -V, --version           show the version and exit\n"));
    printf(_("  -k, --keep-going        without COMMAND, reading commands from a script: go on\n"
             "                          after a failure (the exit status is the first one's)\n"));
    printf(_("\nCommands:\n"));
    print_command_list();
    printf(_("\nRun '%s COMMAND --help' for the options of a command.\n"), PROGRAM);
    printf(_("Without COMMAND, %s is a shell: commands typed at its prompt (Tab completes\n"
             "them, 'help' lists them) or read from standard input, one per line.\n"),
           PROGRAM);
    printf(_("A command's options may stand before or after its operands; '--' ends them.\n"));
}

/* Translations: LANGUAGE only takes effect when the locale is not "C"; a bare system (no
 * LANG) still gets its messages in the user's LANGUAGE through C.UTF-8. The catalogue is
 * vnic's (the library's messages and vnicsh's share it), from VNIC_LOCALEDIR if set, as
 * libvnic reads it. */
static void setup_locale(void)
{
    const char *loc = setlocale(LC_ALL, "");
    if (!loc || sh_streq(loc, "C") || sh_streq(loc, "POSIX")) {
        const char *language = getenv("LANGUAGE");
        if (language && *language)
            setlocale(LC_ALL, "C.UTF-8");
    }
    const char *dir = secure_getenv("VNIC_LOCALEDIR");
    bindtextdomain(GETTEXT_PACKAGE, dir && *dir ? dir : VNIC_LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
}

static int run_main(int argc, char **argv)
{

    /* The global options stand before the command; the command name and every word after it
     * are the command's (tail_at 1). */
    parsed_args global;
    if (parse_args(NULL, OPT_GLOBAL, 1, argc > 0 ? argc - 1 : 0, argv + (argc > 0), &global) < 0)
        return EXIT_USAGE;
    /* Kept for the whole run: sh_connect_uri points into argv, not into the array. */
    _cleanup_free_ char **words = global.operands;
    /* Nothing may follow --version; --help COMMAND is help COMMAND. A word left unread
     * would be a silent surprise (vnicsh --version --json, vnicsh --help frobnicate). */
    if (global.nafter_stop > 0 && (global.given & OPT(O_HELP)) && global.nafter_stop == 1) {
        char *help_words[] = {(char *)"help", global.after_stop[0], NULL};
        return run_command_words(2, help_words);
    }
    if (global.nafter_stop > 0) {
        _cleanup_free_ char *shown = sh_word_shown(global.after_stop[0]);
        return usage_error(NULL, _("unexpected argument '%s'"), shown);
    }
    if (global.given & OPT(O_HELP)) {
        main_help();
        return EXIT_OK;
    }
    if (global.given & OPT(O_HELP_RST)) {
        /* Hidden: how the build makes vnicsh(1)'s command reference from the table above. */
        sh_print_commands_rst(commands, ELEMENTSOF(commands));
        return EXIT_OK;
    }
    if (global.given & OPT(O_VERSION)) {
        printf("vnicsh %s\n", vnic_version());
        return EXIT_OK;
    }
    /* libvnic (and each backend module) reads its log level from the environment when it
     * first logs, which is after this. */
    if ((global.given & OPT(O_DEBUG)) && setenv("VNIC_DEBUG", "debug", 1) < 0) {
        print_error(_("cannot turn on debugging: %s"), strerror(errno));
        return EXIT_FAIL;
    }
    sh_connect_uri = global.value[O_CONNECT];

    /* No command: the shell, on this one connection. */
    if (global.noperands == 0)
        return shell_main(global.given & OPT(O_KEEP_GOING));
    if (global.given & OPT(O_KEEP_GOING))
        return usage_error(NULL, _("--keep-going is for the shell (no command)"));
    return run_command_words(global.noperands, words);
}

int main(int argc, char **argv)
{
    setup_locale();
    return sh_finish_output(run_main(argc, argv));
}
