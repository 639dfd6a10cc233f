/* vnicsh: a line of the shell split into words, quoted as a POSIX shell quotes, so that a
 * script of vnicsh commands reads as the same commands typed after "vnicsh" in sh would:
 *   '...'   everything up to the next ' as it stands;
 *   "..."   everything up to the next unescaped ", a backslash escaping \ " $ and ` only
 *           (before another character it stays, as in sh);
 *   \C      outside quotes, the character C as it stands (a space, a quote, a #);
 *   #       at the start of a word, a comment to the end of the line.
 * Nothing is expanded: no variables, globs or command substitution. */
#include "config.h"

#include "vnicsh.h"

void sh_strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

void sh_strv_push(char ***v, size_t *n, size_t *cap, char *item)
{
    if (*n + 2 > *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        char **grown = sh_xcalloc(c, sizeof(char *));
        if (*n)
            memcpy(grown, *v, *n * sizeof(char *));
        free(*v);
        *v = grown;
        *cap = c;
    }
    (*v)[(*n)++] = item;
    (*v)[*n] = NULL;
}

typedef struct {
    char **words;
    size_t n, cap;
    char *cur; /* the word being read: at most as long as the line */
    size_t len;
} splitter;

static void push_word(splitter *s)
{
    s->cur[s->len] = '\0';
    sh_strv_push(&s->words, &s->n, &s->cap, sh_xstrdup(s->cur));
    s->len = 0;
}

int sh_split_words(const char *line, char ***ret, size_t *ret_n, const char **ret_error)
{
    splitter s = {.cur = sh_xcalloc(strlen(line) + 1, 1)};
    bool in_word = false;
    const char *error = NULL;

    for (const char *p = line; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
            if (in_word)
                push_word(&s);
            in_word = false;
            continue;
        }
        if (*p == '#' && !in_word)
            break;
        in_word = true;
        if (*p == '\\') {
            /* A backslash at the very end stands for itself: there is no next line to join. */
            if (p[1])
                p++;
            s.cur[s.len++] = *p;
        } else if (*p == '\'') {
            const char *end = strchr(p + 1, '\'');
            if (!end) {
                error = N_("unterminated quote (')");
                goto fail;
            }
            memcpy(s.cur + s.len, p + 1, (size_t)(end - p - 1));
            s.len += (size_t)(end - p - 1);
            p = end;
        } else if (*p == '"') {
            for (p++; *p != '"'; p++) {
                if (!*p) {
                    error = N_("unterminated quote (\")");
                    goto fail;
                }
                if (*p == '\\' && p[1] && strchr("\\\"$`", p[1]))
                    p++;
                s.cur[s.len++] = *p;
            }
        } else {
            s.cur[s.len++] = *p;
        }
    }
    if (in_word)
        push_word(&s);
    if (!s.words)
        s.words = sh_xcalloc(1, sizeof(char *));
    free(s.cur);
    *ret = s.words;
    *ret_n = s.n;
    return 0;

fail:
    free(s.cur);
    sh_strv_free(s.words);
    *ret_error = error;
    return -1;
}
