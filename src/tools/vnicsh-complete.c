/* vnicsh: completion of a command line, for the shell's Tab and for the bash completion
 * script (through the hidden command `complete`). Everything it offers comes from the
 * command table (commands, their options, what each operand is) and from the connection
 * (domain names, the interfaces of a domain), so the help, the shell and bash agree. */
#include "config.h"

#include "vnicsh.h"

typedef struct {
    char **items;
    size_t n, cap;
} strv_builder;

static void add_candidate(strv_builder *b, const char *prefix, const char *word)
{
    if (!word || strncmp(word, prefix, strlen(prefix)) != 0)
        return;
    sh_strv_push(&b->items, &b->n, &b->cap, sh_xstrdup(word));
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void sh_candidates_clear(sh_candidates *c)
{
    sh_strv_free(c->items);
    *c = (sh_candidates){0};
}

/* ---- the connection -------------------------------------------------------------------- */

/* Completion asks the connection only for names, and must change nothing and print nothing:
 * the shell's connection if it is open; else (bash) one of its own without reconcile's quick
 * pass, from -c in the words or the global -c, kept for the rest of this run. */
static vnic_conn *own_conn;
static bool own_conn_tried;

static vnic_conn *complete_conn(const char *uri)
{
    if (sh_in_shell)
        return shell_connection_if_open();
    if (!own_conn_tried) {
        own_conn_tried = true;
        vnic_error *err = NULL;
        if (vnic_conn_open_flags(uri ? uri : sh_connect_uri, VNIC_CONN_NO_RECONCILE, &own_conn,
                                 &err) < 0)
            own_conn = NULL;
        vnic_error_free(err);
    }
    return own_conn;
}

/* The domains of the connection; KIND: all of them, the active ones or the inactive ones. */
static void add_domains(strv_builder *b, vnic_conn *conn, operand_kind kind, const char *prefix)
{
    vnic_domain_info **list = NULL;
    size_t n = 0;
    vnic_error *err = NULL;
    /* A record that cannot be read does not hide the others (vnic_domain_list). */
    if (!conn || vnic_domain_list(conn, VNIC_LIST_ALL, &list, &n, &err) < 0)
        n = 0;
    for (size_t i = 0; i < n; i++) {
        bool inactive = sh_streq(list[i]->state, "defined");
        if ((kind == OPERAND_DOMAIN_ACTIVE && inactive) ||
            (kind == OPERAND_DOMAIN_INACTIVE && !inactive))
            continue;
        add_candidate(b, prefix, list[i]->name);
    }
    vnic_domain_info_list_free(list, n);
    vnic_error_free(err);
}

/* The interfaces of domain NAME by alias; by host device name those without one. */
static void add_ifaces(strv_builder *b, vnic_conn *conn, const char *name, const char *prefix)
{
    vnic_domain_info *info = NULL;
    vnic_error *err = NULL;
    if (conn && name && vnic_domain_lookup(conn, name, &info, &err) == 0) {
        for (size_t i = 0; i < info->ninterfaces; i++) {
            const vnic_interface_info *f = info->interfaces[i];
            add_candidate(b, prefix, f->alias ? f->alias : f->name);
        }
    }
    vnic_domain_info_free(info);
    vnic_error_free(err);
}

/* ---- the words ------------------------------------------------------------------------- */

static const option_spec *find_spec(const char *word, unsigned accept)
{
    for (size_t i = 0; i < noption_specs; i++) {
        const option_spec *s = &option_specs[i];
        if (!(accept & OPT(s->id)))
            continue;
        if (word[1] == '-' ? sh_streq(word + 2, s->name) : (word[1] == s->letter && !word[2]))
            return s;
    }
    return NULL;
}

static void add_options(strv_builder *b, unsigned accept, unsigned exclusive, unsigned given,
                        const char *prefix)
{
    for (size_t i = 0; i < noption_specs; i++) {
        const option_spec *s = &option_specs[i];
        if (!(accept & OPT(s->id)) || (given & OPT(s->id)) || s->hidden)
            continue;
        if ((exclusive & OPT(s->id)) && (given & exclusive))
            continue; /* another of a set that excludes each other is given */
        _cleanup_free_ char *word = sh_xasprintf("--%s", s->name);
        add_candidate(b, prefix, word);
    }
}

static void add_commands(strv_builder *b, unsigned flags, const char *prefix)
{
    for (size_t i = 0; i < ncommands; i++)
        if (!commands[i].hidden)
            add_candidate(b, prefix, commands[i].name);
    if (flags & COMPLETE_SHELL)
        for (const char *const *w = shell_builtins; *w; w++)
            add_candidate(b, prefix, *w);
}

/* Walk the options before the command (-c URI ...) as main() reads them. Returns the index
 * of the first word after them; *RET_URI: the value of the last -c. *RET_PENDING: the last of
 * them takes an argument that is still to come. */
static size_t skip_global_options(char *const *words, size_t n, const char **ret_uri,
                                  const option_spec **ret_pending)
{
    size_t i = 0;
    *ret_pending = NULL;
    while (i < n && words[i][0] == '-' && words[i][1]) {
        const char *w = words[i];
        const char *eq = strchr(w, '=');
        const option_spec *s = NULL;
        if (w[1] == '-' && eq) {
            _cleanup_free_ char *name = sh_xasprintf("%.*s", (int)(eq - w), w);
            s = find_spec(name, OPT_GLOBAL);
            if (s && s->id == O_CONNECT)
                *ret_uri = eq + 1;
            i++;
            continue;
        }
        s = find_spec(w, OPT_GLOBAL);
        if (!s && w[1] != '-' && w[2]) {
            /* -cURI */
            if (w[1] == 'c')
                *ret_uri = w + 2;
            i++;
            continue;
        }
        i++;
        if (s && s->has_arg) {
            if (i >= n) {
                *ret_pending = s;
                break;
            }
            if (s->id == O_CONNECT)
                *ret_uri = words[i];
            i++;
        }
    }
    return i;
}

static bool names_domain(operand_kind kind)
{
    return kind == OPERAND_DOMAIN || kind == OPERAND_DOMAIN_ACTIVE ||
           kind == OPERAND_DOMAIN_INACTIVE || kind == OPERAND_DOMAIN_OR_FILE;
}

void sh_complete(char *const *words, size_t nwords, unsigned flags, sh_candidates *ret)
{
    strv_builder b = {0};
    bool files = false;
    const char *uri = NULL;
    const char *cur = words[nwords - 1];
    size_t prev = nwords - 1; /* the words before the one being completed */
    size_t i = 0;

    if (flags & COMPLETE_GLOBAL) {
        const option_spec *pending;
        i = skip_global_options(words, prev, &uri, &pending);
        if (pending) {
            /* The URI of -c: nothing to offer. */
            goto done;
        }
    }
    if (i == prev) {
        if ((flags & COMPLETE_GLOBAL) && cur[0] == '-')
            add_options(&b, OPT_GLOBAL, 0, 0, cur);
        else
            add_commands(&b, flags, cur);
        goto done;
    }

    const command *cmd = find_command(words[i]);
    if (!cmd || cmd->hidden)
        goto done;

    /* The command's words as parse_args() reads them. */
    unsigned accept = cmd->accept | OPT_HELP;
    unsigned given = 0;
    bool options_end = false;
    const option_spec *pending = NULL;
    size_t noperands = 0;
    const char *domain = NULL;
    for (i++; i < prev; i++) {
        const char *w = words[i];
        if (pending) {
            pending = NULL;
            continue;
        }
        if (!options_end && sh_streq(w, "--")) {
            options_end = true;
            continue;
        }
        if (!options_end && w[0] == '-' && w[1]) {
            /* --name=value carries its value: nothing pending after it. */
            const char *eq = w[1] == '-' ? strchr(w, '=') : NULL;
            _cleanup_free_ char *name = eq ? sh_xasprintf("%.*s", (int)(eq - w), w) : NULL;
            const option_spec *s = find_spec(name ? name : w, accept);
            if (s) {
                given |= OPT(s->id);
                if (s->has_arg && !eq)
                    pending = s;
            }
            continue;
        }
        if (cmd->tail_at && noperands + 1 >= (size_t)cmd->tail_at) {
            /* run's launcher command and its arguments. */
            files = true;
            goto done;
        }
        size_t k = noperands < ELEMENTSOF(cmd->operand_kinds) ? noperands
                                                              : ELEMENTSOF(cmd->operand_kinds) - 1;
        if (names_domain(cmd->operand_kinds[k]))
            domain = w;
        noperands++;
    }

    if (pending) {
        files = pending->path_arg;
        goto done;
    }
    if (!options_end && cur[0] == '-') {
        add_options(&b, accept, cmd->exclusive, given, cur);
        goto done;
    }
    if (cmd->tail_at && noperands + 1 >= (size_t)cmd->tail_at) {
        files = true;
        goto done;
    }
    if (cmd->max_operands >= 0 && noperands >= (size_t)cmd->max_operands)
        goto done;

    /* The kind of operand NOPERANDS: past the ones given, the last given repeats. */
    operand_kind kind = OPERAND_OTHER;
    for (size_t k = 0; k < ELEMENTSOF(cmd->operand_kinds); k++) {
        if (cmd->operand_kinds[k] == OPERAND_OTHER && k > 0)
            break;
        kind = cmd->operand_kinds[k];
        if (k == noperands)
            break;
    }
    switch (kind) {
    case OPERAND_FILE:
        files = true;
        break;
    case OPERAND_DOMAIN_OR_FILE:
        files = true;
        /* fall through */
    case OPERAND_DOMAIN:
    case OPERAND_DOMAIN_ACTIVE:
    case OPERAND_DOMAIN_INACTIVE:
        add_domains(&b, complete_conn(uri), kind, cur);
        break;
    case OPERAND_IFACE:
        add_ifaces(&b, complete_conn(uri), domain, cur);
        break;
    case OPERAND_LINK_STATE:
        add_candidate(&b, cur, "down");
        add_candidate(&b, cur, "up");
        break;
    case OPERAND_COMMAND:
        add_commands(&b, flags, cur);
        break;
    case OPERAND_OTHER:
        break;
    }

done:
    if (b.n)
        qsort(b.items, b.n, sizeof(char *), compare_strings);
    /* Without duplicates (quit and exit are two words, but a domain may be called "list"). */
    size_t kept = 0;
    for (size_t k = 0; k < b.n; k++) {
        if (kept && sh_streq(b.items[kept - 1], b.items[k]))
            free(b.items[k]);
        else
            b.items[kept++] = b.items[k];
    }
    if (!b.items)
        b.items = sh_xcalloc(1, sizeof(char *));
    b.items[kept] = NULL;
    *ret = (sh_candidates){.items = b.items, .n = kept, .files = files};
}

/* complete -- WORDS...: the candidates, one per line. Exit status 1 says that file names fit
 * too (the script then lets bash offer them); any other failure of vnicsh gives a status
 * other than 0 as well, so bash falls back to file names rather than to nothing. */
int cmd_complete(const command *cmd, const cmd_options *o, int argc, char **argv)
{
    char *empty[] = {(char *)"", NULL};
    sh_candidates c;
    if (argc == 0)
        sh_complete(empty, 1, COMPLETE_GLOBAL, &c);
    else
        sh_complete(argv, (size_t)argc, COMPLETE_GLOBAL, &c);
    for (size_t i = 0; i < c.n; i++)
        printf("%s\n", c.items[i]);
    bool files = c.files;
    sh_candidates_clear(&c);
    if (own_conn) {
        vnic_conn_close(own_conn);
        own_conn = NULL;
    }
    return files ? EXIT_FAIL : EXIT_OK;
}
