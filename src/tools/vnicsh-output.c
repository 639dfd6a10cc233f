/* vnicsh: what it prints besides a command's own lines (errors, diagnostics, JSON), and the
 * small helpers its files share. */
#include "config.h"

#include <errno.h>

#include "vnicsh.h"

static void oom(void)
{
    fputs("vnicsh: out of memory\n", stderr);
    abort();
}

void *sh_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *sh_xreallocarray(void *p, size_t n, size_t size)
{
    void *q = reallocarray(p, n ? n : 1, size ? size : 1);
    if (!q)
        oom();
    return q;
}

char *sh_xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        oom();
    return p;
}

char *sh_xvasprintf(const char *fmt, va_list ap)
{
    char *p;
    if (vasprintf(&p, fmt, ap) < 0)
        oom();
    return p;
}

char *sh_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = sh_xvasprintf(fmt, ap);
    va_end(ap);
    return p;
}

int sh_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *ret)
{
    /* strtoul alone would take signs and leading spaces. */
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*end != '\0' || errno == ERANGE || v < min || v > max)
        return -1;
    *ret = v;
    return 0;
}

void print_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *msg = sh_xvasprintf(fmt, ap);
    va_end(ap);
    fprintf(stderr, _("%s: error: %s\n"), PROGRAM, msg);
}

int sh_finish_output(int status)
{
    /* fflush() reports what is still buffered; ferror() a failure of an earlier write, whose
     * errno is gone by now. */
    int e = fflush(stdout) != 0 ? errno : 0;
    if (!e && !ferror(stdout))
        return status;
    if (e)
        print_error(_("cannot write the output: %s"), strerror(e));
    else
        print_error(_("cannot write the output"));
    return status == EXIT_OK ? EXIT_FAIL : status;
}

char *sh_word_shown(const char *word)
{
    enum { MAX_SHOWN = 64 };
    size_t len = strlen(word), n = len;
    if (n > MAX_SHOWN) {
        n = MAX_SHOWN;
        while (n > 0 && ((unsigned char)word[n] & 0xc0) == 0x80)
            n--; /* not inside a UTF-8 sequence */
    }
    char *out = sh_xcalloc(n * 4 + 4, 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)word[i];
        if (c < 0x20 || c == 0x7f)
            o += sprintf(o, "\\x%02x", c);
        else
            *o++ = (char)c;
    }
    if (n < len)
        strcpy(o, "...");
    return out;
}

int usage_error(const command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *msg = sh_xvasprintf(fmt, ap);
    va_end(ap);
    print_error("%s", msg);
    if (sh_in_shell && cmd)
        fprintf(stderr, _("Type 'help %s' for more information.\n"), cmd->name);
    else if (sh_in_shell)
        fprintf(stderr, _("Type 'help' for more information.\n"));
    else if (cmd)
        fprintf(stderr, _("Try '%s %s --help' for more information.\n"), PROGRAM, cmd->name);
    else
        fprintf(stderr, _("Try '%s --help' for more information.\n"), PROGRAM);
    return EXIT_USAGE;
}

void print_diags(const vnic_diag_list *diags)
{
    for (size_t i = 0; i < diags->count; i++) {
        _cleanup_free_ char *line = vnic_diag_to_string(diags->items[i]);
        fprintf(stderr, "%s\n", line);
    }
}

void print_failure(const vnic_diag_list *diags, const vnic_error *err)
{
    if (diags->count)
        print_diags(diags);
    else
        print_error("%s", err->message);
}

void print_json(json_object *j, bool pretty)
{
    /* An empty array is "[]" (json-c's pretty form would break it over two lines); "/" is not
     * escaped. */
    if (json_object_is_type(j, json_type_array) && json_object_array_length(j) == 0) {
        puts("[]");
        return;
    }
    int flags = JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE;
    if (pretty)
        flags |= JSON_C_TO_STRING_PRETTY;
    puts(json_object_to_json_string_ext(j, flags));
}

void json_add_string(json_object *o, const char *key, const char *value)
{
    json_object_object_add(o, key, value ? json_object_new_string(value) : NULL);
}

void json_add_int(json_object *o, const char *key, long long value)
{
    json_object_object_add(o, key, json_object_new_int64(value));
}

void json_add_bool(json_object *o, const char *key, bool value)
{
    json_object_object_add(o, key, json_object_new_boolean(value));
}
