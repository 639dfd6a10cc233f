/* The command table as text: the list of commands of `vnicsh --help` and the shell's `help`
 * (translated), and vnicsh --help-rst, the command reference of vnicsh(1), printed from the
 * table itself (as reStructuredText, which the build turns into the man page), so that the
 * page and `vnicsh COMMAND --help` cannot drift apart. The reference is the table's own text,
 * untranslated: the man page is English. */
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

/* ---- the list of commands ------------------------------------------------------------- */

/* The columns of the list of commands: a name, then its summary from column 24 on, within 79. */
#define LIST_INDENT 23
#define LIST_WIDTH 79

/* The characters of the N bytes at S (UTF-8: a translation's), for the wrapping below. */
static size_t text_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xc0) != 0x80;
    return c;
}

/* The first sentence of SUMMARY (up to a '.' before a blank or the end; the summary's line
 * breaks are only where --help of the command wraps it), wrapped at blanks under the
 * summaries' column. */
static void print_first_sentence(const char *summary)
{
    size_t len = strlen(summary);
    for (const char *p = summary; *p; p++)
        if (*p == '.' && (p[1] == '\0' || p[1] == ' ' || p[1] == '\n')) {
            len = (size_t)(p + 1 - summary);
            break;
        }
    size_t col = LIST_INDENT;
    const char *p = summary, *end = summary + len;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\n'))
            p++;
        size_t n = strcspn(p, " \n");
        if (p + n > end)
            n = (size_t)(end - p);
        if (!n)
            break;
        size_t w = text_chars(p, n);
        if (col > LIST_INDENT && col + 1 + w > LIST_WIDTH) {
            printf("\n%*s", LIST_INDENT, "");
            col = LIST_INDENT;
        } else if (col > LIST_INDENT) {
            putchar(' ');
            col++;
        }
        fwrite(p, 1, n, stdout);
        col += w;
        p += n;
    }
    putchar('\n');
}

void print_command_list(void)
{
    for (size_t i = 0; i < ncommands; i++) {
        if (commands[i].hidden)
            continue;
        printf("  %-20s ", commands[i].name);
        print_first_sentence(_(commands[i].summary));
    }
}
