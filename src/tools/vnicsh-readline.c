/* vnicsh's interactive shell on a terminal, with GNU readline: a prompt naming the
 * connection, line editing, history (vnicsh-history.c), Tab completion through
 * sh_complete() — the same candidates `vnicsh complete` gives bash — and Ctrl-C dropping the
 * line being typed rather than the shell. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "vnicsh.h"

/* ---- completion ------------------------------------------------------------------------ */

static sh_candidates candidates;
static size_t next_candidate;
static bool files_after; /* file names follow the candidates */

/* WORD as the line must hold it to be split back into WORD (vnicsh-words.c): as it stands if
 * it can, else in single quotes (a ' in it as '\''). Within a quote the user opened, readline
 * closes the quote itself. A domain's name may have blanks and quotes. */
static char *quoted_candidate(const char *word)
{
    if (rl_completion_quote_character || (!strpbrk(word, " \t\n\r'\"\\") && word[0] != '#'))
        return sh_xstrdup(word);
    size_t n = 2;
    for (const char *p = word; *p; p++)
        n += *p == '\'' ? 4 : 1;
    char *q = sh_xcalloc(n + 1, 1), *o = q;
    *o++ = '\'';
    for (const char *p = word; *p; p++) {
        if (*p == '\'') {
            memcpy(o, "'\\''", 4);
            o += 4;
        } else {
            *o++ = *p;
        }
    }
    *o = '\'';
    return q;
}

static char *candidate_generator(const char *text, int state)
{
    if (state == 0)
        next_candidate = 0;
    if (next_candidate < candidates.n)
        return quoted_candidate(candidates.items[next_candidate++]);
    if (!files_after)
        return NULL;
    /* readline's own file name generator, started afresh after our candidates. */
    char *file = rl_filename_completion_function(text, next_candidate++ - candidates.n);
    return file;
}

static char **attempt_completion(const char *text, int start, int end)
{
    /* The words before the one under the cursor, as a line splits; within quotes readline's
     * start is after the opening quote, which is no part of them. */
    size_t len = (size_t)start;
    if (rl_completion_quote_character && len > 0)
        len--;
    _cleanup_free_ char *before = sh_xasprintf("%.*s", (int)len, rl_line_buffer);
    char **words = NULL;
    size_t n = 0;
    const char *error;

    rl_attempted_completion_over = 1;
    if (sh_split_words(before, &words, &n, &error) < 0)
        return NULL;
    char **all = sh_xcalloc(n + 2, sizeof(char *));
    memcpy(all, words, n * sizeof(char *));
    all[n] = (char *)text;
    sh_candidates_clear(&candidates);
    sh_complete(all, n + 1, COMPLETE_SHELL, &candidates);
    free(all);
    sh_strv_free(words);

    if (candidates.files && candidates.n == 0) {
        /* readline's file name completion, with its quoting and its '/' after directories. */
        rl_attempted_completion_over = 0;
        return NULL;
    }
    files_after = candidates.files;
    return rl_completion_matches(text, candidate_generator);
}

/* ---- reading a line ------------------------------------------------------------------ */

/* readline's callback interface, with our own wait: SIGINT is blocked except inside ppoll(),
 * so a Ctrl-C is seen there and nowhere else, whenever it comes (readline's own handling,
 * rl_catch_signals, would see it at times in its wait and at times not, and end the line
 * being typed as if Enter had been pressed). */
static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    interrupted = 1;
}

static bool line_ready;
static char *line_read;

static void on_line(char *line)
{
    /* The terminal back as it was, before the line runs. */
    rl_callback_handler_remove();
    line_ready = true;
    line_read = line;
}

/* The next line typed (NULL: end of input), with SIGINT blocked by the caller; ORIG: the
 * signal mask to wait with. A Ctrl-C drops the line typed so far and shows a fresh prompt, as
 * bash does. */
static char *read_line(const char *prompt, const sigset_t *orig)
{
    line_ready = false;
    line_read = NULL;
    interrupted = 0;
    rl_callback_handler_install(prompt, on_line);
    while (!line_ready) {
        struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
        int r = ppoll(&p, 1, NULL, orig);
        if (r < 0 && errno != EINTR) {
            rl_callback_handler_remove();
            return NULL;
        }
        if (interrupted) {
            interrupted = 0;
            rl_echo_signal_char(SIGINT);
            rl_callback_sigcleanup();
            rl_replace_line("", 0);
            rl_crlf();
            rl_on_new_line();
            rl_redisplay();
            continue;
        }
        if (r > 0)
            rl_callback_read_char();
    }
    return line_read;
}

/* readline wants them writable. */
static char word_breaks[] = " \t\n";

/* ---- the loop -------------------------------------------------------------------------- */

int shell_interactive(void)
{
    rl_readline_name = PROGRAM; /* for $if vnicsh in ~/.inputrc */
    rl_attempted_completion_function = attempt_completion;
    /* Words are split as sh_split_words() splits them: at blanks, quotes kept apart. */
    rl_completer_word_break_characters = word_breaks;
    rl_completer_quote_characters = "'\"";
    /* SIGINT is ours (read_line); readline still follows the terminal's size. */
    rl_catch_signals = 0;
    using_history();
    stifle_history(SHELL_HISTORY_MAX);
    shell_history_load();

    struct sigaction sa = {.sa_handler = on_sigint}, old;
    sigaction(SIGINT, &sa, &old);
    sigset_t intr, orig;
    sigemptyset(&intr);
    sigaddset(&intr, SIGINT);

    printf(_("Welcome to %s, the shell of vnic %s, on %s.\n"
             "Type 'help' for the commands, 'quit' to leave.\n\n"),
           PROGRAM, vnic_version(), shell_uri());
    fflush(stdout);
    for (;;) {
        _cleanup_free_ char *prompt =
            sh_xasprintf("%s (%s) %c ", PROGRAM, shell_uri(), geteuid() == 0 ? '#' : '>');
        sigprocmask(SIG_BLOCK, &intr, &orig);
        _cleanup_free_ char *line = read_line(prompt, &orig);
        sigprocmask(SIG_SETMASK, &orig, NULL);
        if (!line) {
            /* End of input (Ctrl-D): the next prompt of the calling shell on a line of its
             * own. */
            putchar('\n');
            break;
        }
        /* The history file holds one entry per line: a line break typed into the line
         * (Ctrl-V Ctrl-J; a blank to the splitter) is kept as a blank, or the entry would
         * come back as two commands. */
        for (char *p = line; *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = ' ';
        /* A line starting with a blank stays out of the history, as in bash. */
        if (*line && *line != ' ' && *line != '\t') {
            HIST_ENTRY *last =
                history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
            if (!last || !sh_streq(last->line, line))
                add_history(line);
        }
        bool quit;
        shell_run_line(line, 0, &quit);
        /* A command (events, run) may have set its own handler for the time it ran. */
        sigaction(SIGINT, &sa, NULL);
        if (quit)
            break;
    }
    sigaction(SIGINT, &old, NULL);
    sh_candidates_clear(&candidates);
    shell_history_save();
    return EXIT_OK;
}
