/* The error object carried out of the library, and the list of diagnostics for XML input.
 *
 * Library code never prints: it fills a vnic_error at the failure and callers wrap it with
 * context on the way up (vnic_error_prefix). Only the tools print, once. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <vnic/vnic.h>

/* Set *err (if err is non-NULL and *err is still empty) from a printf-style message.
 * Always returns -1 so callers can `return vnic_error_set(...)`. */
int vnic_error_set(vnic_error **err, vnic_error_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* As vnic_error_set, appending ": strerror(errnum)" and recording errnum. */
int vnic_error_set_errno(vnic_error **err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix an existing error's message with context ("context: message"). Returns -1. */
int vnic_error_prefix(vnic_error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vnic_error_prefixv(vnic_error **err, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static inline void vnic_error_freep(vnic_error **e)
{
    vnic_error_free(*e);
}
#define _cleanup_error_ __attribute__((cleanup(vnic_error_freep)))

/* Append a diagnostic; on allocation failure aborts (diagnostics are never dropped silently). */
void vnic_diag_add(vnic_diag_list *list, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Append every diagnostic of src to dst, in order. */
void vnic_diag_append(vnic_diag_list *dst, const vnic_diag_list *src);

/* Sort diagnostics by file order of appearance and line, keeping the order of equal lines. */
void vnic_diag_sort(vnic_diag_list *list);

/* ---- the API layer's guard ------------------------------------------------------------- */

/* Every public entry point wraps its work in one of these, so that the return convention of
 * vnic.h holds everywhere and no internal code ever sees a NULL err or diags:
 *
 *     vnic_api_call c;
 *     if (vnic_api_begin(&c, __func__, err, diags, flags, ALLOWED_FLAGS) < 0)
 *         return vnic_api_end(&c, -EINVAL);
 *     return vnic_api_end(&c, do_the_work(..., c.diags, c.err));
 *
 * Inside, negative errno values may travel as they like; vnic_api_end turns any negative
 * result into -1 with an error set (carrying the errno when no error was set). The struct
 * points into itself: it must not be copied. */
typedef struct vnic_api_call {
    const char *func;
    vnic_error **err;      /* never NULL: the caller's, or &local_err */
    vnic_diag_list *diags; /* never NULL: the caller's, or &local_diags */
    bool own_err;
    bool own_diags;
    vnic_error *local_err;
    vnic_diag_list local_diags;
} vnic_api_call;

/* Set up c for a call to FUNC. Refuses flag bits outside ALLOWED with VNIC_ERR_INVALID naming
 * them (returns -EINVAL); otherwise returns 0. */
int vnic_api_begin(vnic_api_call *c, const char *func, vnic_error **err, vnic_diag_list *diags,
                   unsigned flags, unsigned allowed);

/* Finish the call with result R: R >= 0 is returned as is; a negative R becomes -1 with
 * *err set. A local error or diagnostic list is freed (a caller without diags gets the first
 * diagnostic folded into the error's message). */
int vnic_api_end(vnic_api_call *c, int r);

/* The same for calls returning a pointer: NULL means failure. */
void *vnic_api_end_ptr(vnic_api_call *c, void *p);
