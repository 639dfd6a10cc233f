/* vnicsh's tables (list, domiflist): every column as wide as its widest cell, header included,
 * so that a long device name or alias moves the columns after it instead of running into
 * them. The legend (header and rule) can be left out for scripts (--no-legend). */
#include "config.h"

#include <wchar.h>

#include "vnicsh.h"

struct sh_table {
    size_t ncols;
    size_t nrows;
    char **cells; /* (nrows + 1) * ncols: the header first; owned */
};

sh_table *sh_table_new(size_t ncols, const char *const *headers)
{
    sh_table *t = sh_xcalloc(1, sizeof(*t));
    t->ncols = ncols;
    t->cells = sh_xcalloc(ncols, sizeof(char *));
    for (size_t c = 0; c < ncols; c++)
        t->cells[c] = sh_xstrdup(headers[c]);
    return t;
}

void sh_table_add_row(sh_table *t, const char *const *cells)
{
    size_t used = (t->nrows + 1) * t->ncols;
    t->cells = sh_xreallocarray(t->cells, used + t->ncols, sizeof(char *));
    for (size_t c = 0; c < t->ncols; c++)
        t->cells[used + c] = sh_xstrdup(cells[c] ? cells[c] : "-");
    t->nrows++;
}

/* The columns S takes on a terminal: headers are translated and names may be UTF-8, where
 * bytes are not columns. A string the locale cannot decode counts its bytes. */
static size_t text_width(const char *s)
{
    size_t n = mbstowcs(NULL, s, 0);
    if (n == (size_t)-1)
        return strlen(s);
    _cleanup_free_ wchar_t *w = sh_xcalloc(n + 1, sizeof(wchar_t));
    mbstowcs(w, s, n + 1);
    int width = wcswidth(w, n);
    return width < 0 ? strlen(s) : (size_t)width;
}

static void print_row(const sh_table *t, char *const *row, const size_t *widths)
{
    for (size_t c = 0; c < t->ncols; c++) {
        /* Two spaces between columns, none after the last: no trailing blanks. */
        fputs(c ? "  " : " ", stdout);
        fputs(row[c], stdout);
        if (c + 1 < t->ncols)
            for (size_t pad = text_width(row[c]); pad < widths[c]; pad++)
                putchar(' ');
    }
    putchar('\n');
}

void sh_table_print(const sh_table *t, bool legend)
{
    _cleanup_free_ size_t *widths = sh_xcalloc(t->ncols, sizeof(size_t));
    for (size_t r = legend ? 0 : 1; r <= t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t w = text_width(t->cells[r * t->ncols + c]);
            if (w > widths[c])
                widths[c] = w;
        }
    if (legend) {
        print_row(t, t->cells, widths);
        size_t total = 1;
        for (size_t c = 0; c < t->ncols; c++)
            total += widths[c] + (c ? 2 : 0);
        for (size_t i = 0; i < total; i++)
            putchar('-');
        putchar('\n');
    }
    for (size_t r = 1; r <= t->nrows; r++)
        print_row(t, t->cells + r * t->ncols, widths);
}

void sh_table_free(sh_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < (t->nrows + 1) * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
}
