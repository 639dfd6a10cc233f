/* vnicsh's private header: what its files share. vnicsh is a client of the public API only: it
 * includes <vnic/vnic.h> and system headers, never one of libvnic's internal headers, and
 * links no private symbol of libvnic. */
#pragma once

#include <libintl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <vnic/vnic.h>

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* ---- translations ---------------------------------------------------------------------- */

/* MSGID's translation in vnic's text domain, or MSGID itself when the translation's printf
 * directives take other arguments (a catalogue is data from outside and must not crash
 * vnicsh). The implementation is src/util/i18n.c's, compiled into vnicsh as a copy of its own;
 * libvnic does not export it. */
const char *vnic_gettext(const char *msgid) __attribute__((format_arg(1)));
#define _(s) vnic_gettext(s)
#define N_(s) s

/* ---- small helpers --------------------------------------------------------------------- */

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(sh_freep)
#define _cleanup_error_ _cleanup_(sh_error_freep)
#define _cleanup_json_ _cleanup_(sh_json_putp)

static inline void sh_freep(void *p)
{
    free(*(void **)p);
}

static inline void sh_error_freep(vnic_error **e)
{
    vnic_error_free(*e);
}

static inline void sh_json_putp(json_object **j)
{
    json_object_put(*j);
}

static inline bool sh_streq(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

/* Allocation that cannot fail: out of memory ends vnicsh with a message. */
void *sh_xcalloc(size_t n, size_t size);
char *sh_xstrdup(const char *s);
char *sh_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *sh_xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* A whole string as a decimal number in [min, max]: 0, or -1. */
int sh_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *ret);

/* ---- commands -------------------------------------------------------------------------- */

/* Every option vnicsh knows, global or of a command (see option_specs in vnicsh.c). */
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
    O_VHOST,
    O_HELP,
    O_CONNECT,
    O_DEBUG,
    O_VERSION,
    O_INBOUND,     /* domiftune */
    O_OUTBOUND,    /* domiftune */
    O_LIBVIRT,     /* --libvirt URI: run, attach-interface, detach-interface */
    O_LIBVIRT_XML, /* --libvirt, no argument: dumpxml */
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
    OPT_VHOST = OPT(O_VHOST),
    OPT_HELP = OPT(O_HELP),
    OPT_INBOUND = OPT(O_INBOUND),
    OPT_OUTBOUND = OPT(O_OUTBOUND),
    OPT_LIBVIRT = OPT(O_LIBVIRT),
    OPT_LIBVIRT_XML = OPT(O_LIBVIRT_XML),
    OPT_GLOBAL = OPT(O_CONNECT) | OPT(O_DEBUG) | OPT(O_HELP) | OPT(O_VERSION),
};

typedef struct command command;

typedef struct cmd_options {
    unsigned given;       /* OPT() of every option seen */
    unsigned parse_flags; /* VNIC_PARSE_* */
    bool json;
    int timeout_ms;       /* -1: none */
    const char *qmp;      /* --qmp */
    const char *socket;   /* --socket */
    const char *inbound;  /* --inbound (domiftune) */
    const char *outbound; /* --outbound (domiftune) */
    const char *libvirt;  /* --libvirt URI */
} cmd_options;

/* ARGV: the ARGC operands, options taken out. Returns the exit status. */
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

/* --skip-unsupported as the flag of the call it is passed to (each call has its own enum). */
#define SKIP_AS(o, flag) (((o)->parse_flags & VNIC_PARSE_SKIP_UNSUPPORTED) ? (unsigned)(flag) : 0u)

#define PROGRAM "vnicsh"

/* The connection URI of --connect, or NULL. */
extern const char *sh_connect_uri;

/* ---- output (vnicsh-output.c) ---------------------------------------------------------- */

void print_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a usage error for CMD (NULL: the global command line); returns EXIT_USAGE. */
int usage_error(const command *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void print_diags(const vnic_diag_list *diags);
/* The diagnostics if there are any, else the error's message. */
void print_failure(const vnic_diag_list *diags, const vnic_error *err);

/* JSON output: a document on stdout, followed by a newline. PRETTY: 2-space indent, one
 * member per line; else one line. */
void print_json(json_object *j, bool pretty);
/* Members that keep a NULL string as JSON null. */
void json_add_string(json_object *o, const char *key, const char *value);
void json_add_int(json_object *o, const char *key, long long value);
void json_add_bool(json_object *o, const char *key, bool value);

/* ---- the commands (vnicsh-cmds-*.c) ---------------------------------------------------- */

vnic_conn *connect_flags_or_fail(unsigned flags);
vnic_conn *connect_or_fail(void);

int cmd_validate(const command *cmd, const cmd_options *o, int argc, char **argv);
int cmd_format(const command *cmd, const cmd_options *o, int argc, char **argv);
int cmd_create(const command *cmd, const cmd_options *o, int argc, char **argv);
int cmd_destroy(const command *cmd, const cmd_options *o, int argc, char **argv);
int cmd_list(const command *cmd, const cmd_options *o, int argc, char **argv);
int cmd_domiflist(const command *cmd, const cmd_options *o, int argc, char **argv);
int cmd_dumpxml(const command *cmd, const cmd_options *o, int argc, char **argv);
int cmd_define(const command *cmd, const cmd_options *o, int argc, char **argv);
int cmd_undefine(const command *cmd, const cmd_options *o, int argc, char **argv);
int cmd_start(const command *cmd, const cmd_options *o, int argc, char **argv);
int cmd_reconcile(const command *cmd, const cmd_options *o, int argc, char **argv);
int cmd_events(const command *cmd, const cmd_options *o, int argc, char **argv);
int cmd_run(const command *cmd, const cmd_options *o, int argc, char **argv);
int cmd_qemu_args(const command *cmd, const cmd_options *o, int argc, char **argv);
int cmd_attach_interface(const command *cmd, const cmd_options *o, int argc, char **argv);
int cmd_detach_interface(const command *cmd, const cmd_options *o, int argc, char **argv);
int cmd_pass(const command *cmd, const cmd_options *o, int argc, char **argv);
int cmd_domiftune(const command *cmd, const cmd_options *o, int argc, char **argv);

/* vnicsh-cmds-live.c: live interface state. */
int cmd_domifstat(const command *cmd, const cmd_options *o, int argc, char **argv);
int cmd_domif_getlink(const command *cmd, const cmd_options *o, int argc, char **argv);
int cmd_domif_setlink(const command *cmd, const cmd_options *o, int argc, char **argv);
