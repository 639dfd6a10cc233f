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
