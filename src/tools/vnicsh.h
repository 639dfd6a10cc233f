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
void *sh_xreallocarray(void *p, size_t n, size_t size);
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
    O_INBOUND,  /* domiftune */
    O_OUTBOUND, /* domiftune */
    O_NO_LEGEND,
    O_HELP_RST,    /* hidden: the command reference as reStructuredText, for vnicsh(1) */
    O_KEEP_GOING,  /* the shell reading a script: go on after a failure */
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
    OPT_NO_LEGEND = OPT(O_NO_LEGEND),
    OPT_LIBVIRT = OPT(O_LIBVIRT),
    OPT_LIBVIRT_XML = OPT(O_LIBVIRT_XML),
    OPT_GLOBAL = OPT(O_CONNECT) | OPT(O_DEBUG) | OPT(O_HELP) | OPT(O_VERSION) | OPT(O_HELP_RST) |
                 OPT(O_KEEP_GOING),
};

/* One option of option_specs (vnicsh.c). */
typedef struct {
    option_id id;
    const char *name; /* the long form, without "--" */
    char letter;      /* the short form, or 0 */
    bool has_arg;
    bool path_arg; /* the argument is a file name (completion leaves it to the file system) */
    bool hidden;   /* for vnic's own build (--help-rst): not offered by completion */
} option_spec;

extern const option_spec option_specs[];
extern const size_t noption_specs;

/* What an operand is, for completion (vnicsh-complete.c). */
typedef enum {
    OPERAND_OTHER = 0, /* nothing to offer */
    OPERAND_FILE,
    OPERAND_DOMAIN,
    OPERAND_DOMAIN_ACTIVE,   /* one that is running (not only defined) */
    OPERAND_DOMAIN_INACTIVE, /* one that is only defined */
    OPERAND_DOMAIN_OR_FILE,
    OPERAND_IFACE, /* an interface of the domain named by the OPERAND_DOMAIN before it */
    OPERAND_LINK_STATE,
    OPERAND_COMMAND, /* a command's name (help) */
} operand_kind;

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
    unsigned exclusive; /* OPT_*: options of which at most one may be given (0: none) */
    bool hidden;        /* left out of the help and of completion (complete) */
    /* What each operand is, for completion; when max_operands is -1 the last one given
     * stands for every further operand. */
    operand_kind operand_kinds[3];
};

/* The command table (vnicsh.c): the one source of the commands, their options, help and
 * completion. */
extern const command commands[];
extern const size_t ncommands;

const command *find_command(const char *name);
/* CMD's usage, summary and options, on stdout. */
void command_help(const command *cmd);
/* One line for each command that is not hidden: its name and the first line of its
 * summary. */
void print_command_list(void);
/* vnicsh --help. */
void main_help(void);
/* Run the command WORDS[0] with the options and operands WORDS[1..NWORDS-1], as the command
 * line and the shell both do. Returns its exit status. */
int run_command_words(int nwords, char **words);

/* --skip-unsupported as the flag of the call it is passed to (each call has its own enum). */
#define SKIP_AS(o, flag) (((o)->parse_flags & VNIC_PARSE_SKIP_UNSUPPORTED) ? (unsigned)(flag) : 0u)

#define PROGRAM "vnicsh"

/* The connection URI of --connect, or NULL. */
extern const char *sh_connect_uri;

/* ---- the shell (vnicsh-shell.c) ------------------------------------------------------ */

/* Whether the commands run inside the shell (interactive or reading a script). */
extern bool sh_in_shell;

/* Read commands from standard input: with line editing, history and completion on a
 * terminal, else one per line, stopping at the first failure unless KEEP_GOING. Returns the
 * exit status. */
int shell_main(bool keep_going);
/* The shell's connection, opened (with FLAGS: VNIC_CONN_*) on first use and kept until
 * 'connect' or the end; NULL after its error was printed. */
vnic_conn *shell_connection(unsigned flags);
/* The shell's connection if it is open, else NULL; prints nothing. */
vnic_conn *shell_connection_if_open(void);
/* The URI of the shell's connection, as vnic_conn_open chooses it (for the prompt). */
const char *shell_uri(void);
/* Run one LINE of the shell (words as sh_split_words splits them; a command or one of the
 * shell's own). LINENO: the line of a script (0: typed), for errors. Returns the exit status
 * (EXIT_OK for an empty line); *RET_QUIT: quit or exit was given. */
int shell_run_line(const char *line, unsigned lineno, bool *ret_quit);
/* The interactive shell (vnicsh-readline.c): prompt, line editing, history, completion.
 * Returns the exit status. */
int shell_interactive(void);
/* The words the shell takes besides the commands (connect, quit, exit), NULL-ended. */
extern const char *const shell_builtins[];

/* Give back the connection a command got from connect_or_fail(): closed outside the shell,
 * kept open inside it. */
void sh_conn_release(vnic_conn *conn);

/* ---- history (vnicsh-history.c) ------------------------------------------------------- */

/* The interactive shell's history, in $XDG_STATE_HOME/vnic/vnicsh_history (else
 * ~/.local/state/vnic/vnicsh_history): read into readline's history, and written back
 * (the last SHELL_HISTORY_MAX lines). A problem is a warning; the shell goes on without. */
#define SHELL_HISTORY_MAX 1000
void shell_history_load(void);
void shell_history_save(void);

/* ---- words (vnicsh-words.c) ------------------------------------------------------------ */

/* Split LINE into words, quoted as in a POSIX shell (see vnicsh-words.c). Returns 0 with
 * *RET (NULL-terminated; free with sh_strv_free) and *RET_N, or -1 with *RET_ERROR (a static
 * N_() message) for an unterminated quote. */
int sh_split_words(const char *line, char ***ret, size_t *ret_n, const char **ret_error);
void sh_strv_free(char **v);
/* Append ITEM (owned from then on) to the NULL-terminated array *V of *N items, room for
 * *CAP, growing it. */
void sh_strv_push(char ***v, size_t *n, size_t *cap, char *item);

/* ---- completion (vnicsh-complete.c) ---------------------------------------------------- */

enum {
    COMPLETE_GLOBAL = 1 << 0, /* WORDS start with vnicsh's global options (bash) */
    COMPLETE_SHELL = 1 << 1,  /* a line of the shell: its builtins are commands too */
};

typedef struct {
    char **items; /* NULL-terminated, sorted, no duplicates */
    size_t n;
    bool files; /* file names fit the word too: left to bash or readline */
} sh_candidates;

/* What may stand in place of the last of WORDS (NWORDS >= 1; the last is the prefix typed
 * so far, maybe ""), from the command table, the connection's domains and their interfaces.
 * flags: COMPLETE_*. The caller clears *RET with sh_candidates_clear. */
void sh_complete(char *const *words, size_t nwords, unsigned flags, sh_candidates *ret);
void sh_candidates_clear(sh_candidates *c);

int cmd_complete(const command *cmd, const cmd_options *o, int argc, char **argv);
/* vnicsh-shell.c: help [COMMAND], in the shell with its own commands too. */
int cmd_help(const command *cmd, const cmd_options *o, int argc, char **argv);

/* ---- output (vnicsh-output.c) ---------------------------------------------------------- */

void print_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* STATUS, or EXIT_FAIL (after saying so) if standard output could not all be written: data
 * lost on a full disk or a closed pipe must not look like success to a script. */
int sh_finish_output(int status);
/* Print a usage error for CMD (NULL: the global command line); returns EXIT_USAGE. */
int usage_error(const command *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A word of the user's as a message shows it: at most 64 bytes (cut at a character boundary,
 * "..." after), control characters as \xNN. A usage error must not repeat a 50 MB argument
 * or write terminal escapes. The caller frees it. */
char *sh_word_shown(const char *word);
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

/* ---- JSON objects (vnicsh-json.c) ------------------------------------------------------ */

/* New objects, owned by the caller. DEVICES: add "devices", the interfaces' objects. */
json_object *json_interface_info(const vnic_interface_info *f);
json_object *json_domain_info(const vnic_domain_info *info, bool devices);
/* INFO as json_domain_info(info, true), on stdout. */
void print_domain_json(const vnic_domain_info *info);

/* ---- tables (vnicsh-table.c) ----------------------------------------------------------- */

/* A table of NCOLS columns whose widths follow the cells (HEADERS: the column titles, copied). */
typedef struct sh_table sh_table;
sh_table *sh_table_new(size_t ncols, const char *const *headers);
/* One row: NCOLS strings, copied; NULL prints as "-". */
void sh_table_add_row(sh_table *t, const char *const *cells);
/* LEGEND: the header and a rule above the rows (no --no-legend). */
void sh_table_print(const sh_table *t, bool legend);
void sh_table_free(sh_table *t);
#define _cleanup_table_ _cleanup_(sh_table_freep)
static inline void sh_table_freep(sh_table **t)
{
    sh_table_free(*t);
}

/* ---- the man page's command reference (vnicsh-doc.c) ---------------------------------- */

/* The N commands of CMDS as the COMMANDS section of vnicsh(1), in reStructuredText. */
void sh_print_commands_rst(const command *cmds, size_t n);

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
