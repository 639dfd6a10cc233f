#include "config.h"

#include <locale.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

void vnic_i18n_init(void)
{
    /* Not from the environment of a setuid or file-capability caller. */
    const char *dir = secure_getenv("VNIC_LOCALEDIR");
    bindtextdomain(GETTEXT_PACKAGE, dir && *dir ? dir : VNIC_LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
}

/* The most arguments a checked format may take. */
#define MAX_ARGS 32

/* The argument types a printf format consumes, by position: sig[i] is a short code for
 * argument i (length modifier and conversion class). Returns the number of arguments, or -1
 * for a format that is malformed, mixes numbered and unnumbered arguments, takes too many,
 * or writes through a pointer (%n). */
static int format_signature(const char *f, char sig[MAX_ARGS][4])
{
    int n = 0, next = 0;
    int numbered = -1; /* unknown, 0 no, 1 yes */
    memset(sig, 0, sizeof(char[MAX_ARGS][4]));

    /* One argument at (1-based) position POS, or the next one if POS is 0. */
#define TAKE(pos, code)                                                                            \
    do {                                                                                           \
        int is_num_ = (pos) > 0;                                                                   \
        if (numbered >= 0 && numbered != is_num_)                                                  \
            return -1;                                                                             \
        numbered = is_num_;                                                                        \
        int at_ = is_num_ ? (pos)-1 : next++;                                                      \
        if (at_ >= MAX_ARGS || (sig[at_][0] && strcmp(sig[at_], (code)) != 0))                     \
            return -1;                                                                             \
        strcpy(sig[at_], (code));                                                                  \
        if (at_ + 1 > n)                                                                           \
            n = at_ + 1;                                                                           \
    } while (0)

    for (const char *p = f; *p; p++) {
        if (*p != '%')
            continue;
        p++;
        if (*p == '%')
            continue;
        /* %N$ */
        int pos = 0;
        const char *q = p;
        while (*q >= '0' && *q <= '9')
            q++;
        if (q > p && *q == '$') {
            pos = atoi(p);
            if (pos < 1)
                return -1;
            p = q + 1;
        }
        while (*p && strchr("-+ #0'I", *p))
            p++;
        /* Width and precision: digits, or '*' taking an int (numbered as '*N$'). */
        for (int part = 0; part < 2; part++) {
            if (part == 1) {
                if (*p != '.')
                    break;
                p++;
            }
            if (*p == '*') {
                p++;
                int wpos = 0;
                q = p;
                while (*q >= '0' && *q <= '9')
                    q++;
                if (q > p && *q == '$') {
                    wpos = atoi(p);
                    if (wpos < 1)
                        return -1;
                    p = q + 1;
                }
                TAKE(wpos, "d");
            } else {
                while (*p >= '0' && *p <= '9')
                    p++;
            }
        }
        char code[4] = {0};
        size_t len = 0;
        while (*p && strchr("hljztLq", *p) && len < 2)
            code[len++] = *p++;
        if (!*p)
            return -1;
        switch (*p) {
        case 'd':
        case 'i':
            code[len] = 'd';
            break;
        case 'o':
        case 'u':
        case 'x':
        case 'X':
            code[len] = 'u';
            break;
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G':
        case 'a':
        case 'A':
            code[len] = 'f';
            break;
        case 'c':
        case 's':
        case 'p':
            code[len] = *p;
            break;
        case 'm': /* glibc's strerror(errno): no argument */
            continue;
        default: /* %n and anything unknown */
            return -1;
        }
        TAKE(pos, code);
    }
#undef TAKE
    /* Every argument up to the last used must be used (a gap would misread the va_list). */
    for (int i = 0; i < n; i++)
        if (!sig[i][0])
            return -1;
    return n;
}

const char *vnic_gettext(const char *msgid)
{
    const char *t = dgettext(GETTEXT_PACKAGE, msgid);
    if (t == msgid || (!strchr(msgid, '%') && !strchr(t, '%')))
        return t;
    /* A catalogue is data from outside the program: a translation whose directives do not
     * take the same arguments as the original would make printf read or write the wrong
     * things. The original is shown instead. */
    char a[MAX_ARGS][4], b[MAX_ARGS][4];
    int na = format_signature(msgid, a);
    int nb = format_signature(t, b);
    if (na < 0 || nb != na || memcmp(a, b, sizeof(a)) != 0)
        return msgid;
    return t;
}
