/* vnicsh's shell: `vnicsh` without a command reads commands, interactively on a terminal
 * (vnicsh-readline.c) or one per line from a script on standard input. Each line is split
 * into words (vnicsh-words.c) and run by the command line's own dispatcher,
 * run_command_words(), on one connection that stays open for the whole session. */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "vnicsh.h"

bool sh_in_shell;

const char *const shell_builtins[] = {"connect", "quit", "exit", NULL};

/* ---- the connection -------------------------------------------------------------------- */

static vnic_conn *shell_conn;
static char *connected_uri; /* the URI of the last 'connect'; sh_connect_uri points to it */

vnic_conn *shell_connection(unsigned flags)
{
    /* Opened on first use, so that a script of XML checks needs no driver; the first
     * command's flags (reconcile --dry-run: no quick pass) hold for the session. */
    if (shell_conn)
        return shell_conn;
    _cleanup_error_ vnic_error *err = NULL;
    if (vnic_conn_open_flags(sh_connect_uri, flags, &shell_conn, &err) < 0) {
        print_error("%s", err->message);
        shell_conn = NULL;
    }
    return shell_conn;
}

vnic_conn *shell_connection_if_open(void)
{
    return shell_conn;
}

void sh_conn_release(vnic_conn *conn)
{
    if (!sh_in_shell)
        vnic_conn_close(conn);
}

const char *shell_uri(void)
{
    /* As vnic_conn_open chooses it. */
    if (sh_connect_uri && *sh_connect_uri)
        return sh_connect_uri;
    const char *uri = secure_getenv("VNIC_DEFAULT_URI");
    if (uri && *uri)
        return uri;
    return geteuid() == 0 ? "vnic:///embed" : "vnic:///system";
}

/* ---- the shell's own commands ---------------------------------------------------------- */

typedef struct {
    const char *name;
    const char *usage;   /* untranslated syntax */
    const char *summary; /* N_() */
} builtin_help;

static const builtin_help builtin_helps[] = {
    {"connect", "URI", N_("Switch to URI (on failure the old connection stays).")},
    {"quit", "", N_("Leave the shell (as does exit, or end of input).")},
    {"exit", "", N_("Leave the shell (as does quit, or end of input).")},
};

static int builtin_usage(const char *name)
{
    for (size_t i = 0; i < ELEMENTSOF(builtin_helps); i++) {
        if (sh_streq(builtin_helps[i].name, name)) {
            printf(_("Usage: %s %s\n\n"), name, builtin_helps[i].usage);
            printf("%s\n", _(builtin_helps[i].summary));
            return EXIT_OK;
        }
    }
    return -1;
}

int cmd_help(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    if (argc == 1) {
        const command *c = find_command(argv[0]);
        if (c && !c->hidden) {
            command_help(c);
            return EXIT_OK;
        }
        if (sh_in_shell && builtin_usage(argv[0]) == EXIT_OK)
            return EXIT_OK;
        _cleanup_free_ char *shown = sh_word_shown(argv[0]);
        return usage_error(cmd, _("unknown command '%s'"), shown);
    }
    if (!sh_in_shell) {
        main_help();
        return EXIT_OK;
    }
    printf(_("Commands:\n"));
    print_command_list();
    printf(_("\nShell commands:\n"));
    for (size_t i = 0; i < ELEMENTSOF(builtin_helps); i++)
        printf("  %-20s %s\n", builtin_helps[i].name, _(builtin_helps[i].summary));
    printf(_("\nType 'help COMMAND' (or 'COMMAND --help') for the options of a command.\n"));
    return EXIT_OK;
}

static int shell_connect(int argc, char **argv)
{
    if (argc != 1)
        return usage_error(NULL, argc ? _("connect takes one URI") : _("missing the URI"));
    vnic_conn *conn = NULL;
    _cleanup_error_ vnic_error *err = NULL;
    if (vnic_conn_open(argv[0], &conn, &err) < 0) {
        print_error("%s", err->message);
        return EXIT_FAIL;
    }
    if (shell_conn)
        vnic_conn_close(shell_conn);
    shell_conn = conn;
    free(connected_uri);
    connected_uri = sh_xstrdup(argv[0]);
    sh_connect_uri = connected_uri;
    return EXIT_OK;
}

/* WORDS[0] is one of the shell's own commands: run it. Returns -1 if it is not. */
static int run_builtin(int nwords, char **words, bool *ret_quit)
{
    const char *name = words[0];
    bool known = false;
    for (const char *const *b = shell_builtins; *b; b++)
        known = known || sh_streq(*b, name);
    if (!known)
        return -1;
    if (nwords == 2 && (sh_streq(words[1], "--help") || sh_streq(words[1], "-h")))
        return builtin_usage(name);
    if (sh_streq(name, "connect"))
        return shell_connect(nwords - 1, words + 1);
    if (nwords > 1) {
        _cleanup_free_ char *shown = sh_word_shown(words[1]);
        return usage_error(NULL, _("unexpected argument '%s'"), shown);
    }
    *ret_quit = true;
    return EXIT_OK;
}

int shell_run_line(const char *line, unsigned lineno, bool *ret_quit)
{
    char **words = NULL;
    size_t n = 0;
    const char *error = NULL;

    *ret_quit = false;
    if (sh_split_words(line, &words, &n, &error) < 0) {
        if (lineno)
            print_error(_("line %u: %s"), lineno, _(error));
        else
            print_error("%s", _(error));
        return EXIT_USAGE;
    }
    int status = EXIT_OK;
    if (n > 0) {
        status = run_builtin((int)n, words, ret_quit);
        if (status < 0)
            status = run_command_words((int)n, words);
    }
    sh_strv_free(words);
    /* Each command's output whole before the next command's (and before stderr's). */
    fflush(stdout);
    return status;
}

/* ---- a script on standard input -------------------------------------------------------- */

static int run_script(bool keep_going)
{
    _cleanup_free_ char *line = NULL;
    size_t size = 0;
    unsigned lineno = 0;
    int first_failure = EXIT_OK;

    ssize_t len;
    while ((len = getline(&line, &size, stdin)) >= 0) {
        bool quit = false;
        int status;
        lineno++;
        /* A line is a C string from here on: one with a NUL in it would run cut short at
         * the NUL, a command other than the one written. */
        if (memchr(line, '\0', (size_t)len)) {
            print_error(_("line %u: %s"), lineno, _("a NUL byte in the line"));
            status = EXIT_USAGE;
        } else {
            /* The end of the line is no part of its last word: a backslash before it stands
             * for itself, as sh_split_words() says (a CR of a DOS line goes too). */
            if (len > 0 && line[len - 1] == '\n')
                line[--len] = '\0';
            if (len > 0 && line[len - 1] == '\r')
                line[--len] = '\0';
            status = shell_run_line(line, lineno, &quit);
        }
        if (status != EXIT_OK) {
            if (!keep_going) {
                print_error(_("stopped at line %u (exit status %d)"), lineno, status);
                return status;
            }
            /* The command's own message does not say which line it came from. */
            print_error(_("line %u failed (exit status %d)"), lineno, status);
            if (first_failure == EXIT_OK)
                first_failure = status;
        }
        if (quit)
            break;
    }
    /* A script that cannot be read (stdin a directory, an I/O error) did not run to its
     * end: that is no success. */
    if (ferror(stdin)) {
        print_error(_("cannot read standard input: %s"), strerror(errno));
        return first_failure == EXIT_OK ? EXIT_FAIL : first_failure;
    }
    return first_failure;
}

int shell_main(bool keep_going)
{
    sh_in_shell = true;
    int status;
    if (isatty(STDIN_FILENO)) {
        /* As virsh: say at once when the connection cannot be opened; the shell still
         * starts, for 'connect'. */
        shell_connection(0);
        status = shell_interactive();
    } else {
        status = run_script(keep_going);
    }
    if (shell_conn)
        vnic_conn_close(shell_conn);
    shell_conn = NULL;
    free(connected_uri);
    connected_uri = NULL;
    sh_connect_uri = NULL;
    return status;
}
