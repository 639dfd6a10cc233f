/* vnicsh --help-rst: the command reference of vnicsh(1), printed from the command table itself
 * (as reStructuredText, which the build turns into the man page), so that the page and
 * `vnicsh COMMAND --help` cannot drift apart. The text is the table's own, untranslated: the
 * man page is English. */
#include "config.h"

#include "vnicsh.h"

/* TEXT as reST body text: the characters that would start markup (emphasis, literals,
 * substitutions, references) escaped. LEN: its bytes. */
static void put_escaped(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (strchr("\\*`|_", text[i]))
            putchar('\\');
        putchar(text[i]);
    }
}

/* A multi-line summary as one paragraph: its line breaks are the terminal's, not the text's. */
static void put_paragraph(const char *text)
{
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        put_escaped(p, n);
        p += n;
        if (*p == '\n' && *++p)
            putchar(' ');
    }
    putchar('\n');
}

/* The help lines of a command's options ("      --qmp SOCKET        QEMU's QMP socket", a
 * continuation indented further) as a definition list: the option and its argument as the
 * term, the rest as its definition. */
static void put_options(const char *options)
{
    bool open = false;
    for (const char *p = options; *p;) {
        size_t n = strcspn(p, "\n");
        const char *line = p;
        p += n;
        if (*p == '\n')
            p++;
        size_t lead = strspn(line, " ");
        if (lead >= n)
            continue;
        const char *text = line + lead;
        size_t len = n - lead;
        if (text[0] == '-') {
            /* The term ends at the first run of two spaces. */
            const char *gap = NULL;
            for (size_t i = 0; i + 1 < len; i++)
                if (text[i] == ' ' && text[i + 1] == ' ') {
                    gap = text + i;
                    break;
                }
            size_t tlen = gap ? (size_t)(gap - text) : len;
            printf("%s``%.*s``\n   ", open ? "\n\n" : "", (int)tlen, text);
            open = true;
            if (gap) {
                const char *desc = gap + strspn(gap, " ");
                putchar(' ');
                put_escaped(desc, (size_t)(text + len - desc));
            }
        } else if (open) {
            putchar(' ');
            put_escaped(text, len);
        }
    }
    if (open)
        puts("\n");
}

void sh_print_commands_rst(const command *cmds, size_t n)
{
    puts("COMMANDS\n========\n");
    puts("Every command takes ``-h`` or ``--help``, which shows its options and exits.\n");
    for (size_t i = 0; i < n; i++) {
        const command *c = &cmds[i];
        size_t len = strlen(c->name);
        printf("%s\n", c->name);
        for (size_t j = 0; j < len; j++)
            putchar('-');
        puts("\n");
        printf("**%s %s** ", PROGRAM, c->name);
        put_escaped(c->usage, strlen(c->usage));
        puts("\n");
        put_paragraph(c->summary);
        putchar('\n');
        if (c->options)
            put_options(c->options);
    }
}
