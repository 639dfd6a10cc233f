#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "i18n.h"
#include "strutil.h"

static int error_setv(vnic_error **err, vnic_error_code code, int errnum, const char *fmt,
                      va_list ap)
{
    if (!err || *err)
        return -1;

    vnic_error *e = vnic_xcalloc(1, sizeof(*e));
    e->size = sizeof(*e);
    char *msg = vnic_xvasprintf(fmt, ap);
    if (errnum) {
        e->message = vnic_xasprintf("%s: %s", msg, strerror(errnum));
        free(msg);
    } else {
        e->message = msg;
    }
    e->code = code;
    e->sys_errno = errnum;
    *err = e;
    return -1;
}

int vnic_error_set(vnic_error **err, vnic_error_code code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_setv(err, code, 0, fmt, ap);
    va_end(ap);
    return -1;
}

int vnic_error_set_errno(vnic_error **err, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_setv(err, errnum == ENOMEM ? VNIC_ERR_NOMEM : VNIC_ERR_SYSTEM, errnum, fmt, ap);
    va_end(ap);
    return -1;
}

int vnic_error_prefixv(vnic_error **err, const char *fmt, va_list ap)
{
    if (!err || !*err)
        return -1;
    char *ctx = vnic_xvasprintf(fmt, ap);
    char *msg = vnic_xasprintf("%s: %s", ctx, (*err)->message);
    free(ctx);
    free((*err)->message);
    (*err)->message = msg;
    return -1;
}

int vnic_error_prefix(vnic_error **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vnic_error_prefixv(err, fmt, ap);
    va_end(ap);
    return r;
}

void vnic_error_free(vnic_error *err)
{
    if (!err)
        return;
    free(err->message);
    free(err);
}

static void diag_push(vnic_diag_list *list, const char *file, int line, char *message)
{
    if (list->count == list->alloc) {
        size_t n = list->alloc ? list->alloc * 2 : 8;
        list->items = vnic_xreallocarray(list->items, n, sizeof(*list->items));
        list->alloc = n;
    }
    vnic_diag *d = vnic_xcalloc(1, sizeof(*d));
    *d = (vnic_diag){
        .size = sizeof(*d),
        .file = vnic_xstrdup(file ? file : "-"),
        .line = line,
        .message = message,
    };
    list->items[list->count++] = d;
}

void vnic_diag_add(vnic_diag_list *list, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vnic_xvasprintf(fmt, ap);
    va_end(ap);
    diag_push(list, file, line, msg);
}

void vnic_diag_append(vnic_diag_list *dst, const vnic_diag_list *src)
{
    for (size_t i = 0; i < src->count; i++)
        diag_push(dst, src->items[i]->file, src->items[i]->line,
                  vnic_xstrdup(src->items[i]->message));
}

void vnic_diag_clear(vnic_diag_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i]->file);
        free(list->items[i]->message);
        free(list->items[i]);
    }
    free(list->items);
    *list = (vnic_diag_list){0};
}

char *vnic_diag_to_string(const vnic_diag *d)
{
    if (d->line > 0)
        return vnic_xasprintf(_("%s:%d: error: %s"), d->file, d->line, d->message);
    return vnic_xasprintf(_("%s: error: %s"), d->file, d->message);
}

typedef struct {
    size_t file_rank; /* order in which the file first appears */
    size_t index;     /* position before sorting, which keeps the sort stable */
    vnic_diag *d;
} diag_key;

static int diag_key_cmp(const void *x, const void *y)
{
    const diag_key *a = x, *b = y;
    if (a->file_rank != b->file_rank)
        return a->file_rank < b->file_rank ? -1 : 1;
    if (a->d->line != b->d->line)
        return a->d->line < b->d->line ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

void vnic_diag_sort(vnic_diag_list *list)
{
    /* O(n log n) whatever the input order: a document can produce many thousands of
     * diagnostics, in two runs (per element, then per duplicate) that interleave. */
    if (list->count < 2)
        return;
    diag_key *keys = vnic_xreallocarray(NULL, list->count, sizeof(*keys));
    size_t nfiles = 0;
    for (size_t i = 0; i < list->count; i++) {
        size_t rank = 0;
        /* Diagnostics of one document nearly always name one file: look back to the first
         * item of each distinct file seen so far. */
        while (rank < nfiles &&
               !vnic_streq(list->items[keys[rank].index]->file, list->items[i]->file))
            rank++;
        if (rank == nfiles)
            keys[nfiles++].index = i;
        keys[i].file_rank = rank;
    }
    for (size_t i = 0; i < list->count; i++) {
        keys[i].index = i;
        keys[i].d = list->items[i];
    }
    qsort(keys, list->count, sizeof(*keys), diag_key_cmp);
    for (size_t i = 0; i < list->count; i++)
        list->items[i] = keys[i].d;
    free(keys);
}

/* ---- the API layer's guard ------------------------------------------------------------- */

int vnic_api_begin(vnic_api_call *c, const char *func, vnic_error **err, vnic_diag_list *diags,
                   unsigned flags, unsigned allowed)
{
    *c = (vnic_api_call){.func = func};
    c->own_err = !err;
    c->err = err ? err : &c->local_err;
    c->own_diags = !diags;
    c->diags = diags ? diags : &c->local_diags;
    if (flags & ~allowed) {
        vnic_error_set(c->err, VNIC_ERR_INVALID, _("%s: unsupported flags 0x%x"), func,
                       flags & ~allowed);
        return -EINVAL;
    }
    return 0;
}

static void api_finish(vnic_api_call *c, bool failed, int errnum)
{
    if (failed && !*c->err) {
        if (errnum > 0)
            vnic_error_set_errno(c->err, errnum, _("%s failed"), c->func);
        else
            vnic_error_set(c->err, VNIC_ERR_INTERNAL, _("%s failed"), c->func);
    }
    if (c->own_diags) {
        /* Without a list of its own, the caller still learns what was wrong. */
        if (failed && !c->own_err && *c->err && c->local_diags.count > 0) {
            char *d = vnic_diag_to_string(c->local_diags.items[0]);
            char *msg = vnic_xasprintf("%s (%s)", (*c->err)->message, d);
            free(d);
            free((*c->err)->message);
            (*c->err)->message = msg;
        }
        vnic_diag_clear(&c->local_diags);
    }
    if (c->own_err) {
        vnic_error_free(c->local_err);
        c->local_err = NULL;
    }
}

int vnic_api_end(vnic_api_call *c, int r)
{
    api_finish(c, r < 0, r < 0 ? -r : 0);
    return r < 0 ? -1 : r;
}

void *vnic_api_end_ptr(vnic_api_call *c, void *p)
{
    api_finish(c, !p, 0);
    return p;
}
