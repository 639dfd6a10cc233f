/* vnic — host-side network devices for virtual machines.
 *
 * The public C API of libvnic. Every function returns 0 (or a pointer) on success and -1 (or
 * NULL) on failure with *err set; the caller owns and frees what it receives unless a
 * comment says otherwise. Nothing here prints. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ---------------------------------------------------------------------------- */

typedef enum {
    VNIC_ERR_NONE = 0,
    VNIC_ERR_INTERNAL,    /* a bug or an impossible state */
    VNIC_ERR_NOMEM,
    VNIC_ERR_IO,          /* reading or writing a file */
    VNIC_ERR_XML,         /* malformed or invalid XML; details are in the diagnostics */
    VNIC_ERR_INVALID,     /* a bad argument or value */
    VNIC_ERR_UNSUPPORTED,
    VNIC_ERR_SYSTEM,      /* a failed system call; sys_errno says which */
    VNIC_ERR_LAST
} vnic_error_code;

typedef struct vnic_error {
    vnic_error_code code;
    int sys_errno;  /* 0 unless a system call failed */
    char *message;  /* complete and translated, without a trailing newline */
} vnic_error;

/* Free an error; accepts NULL. */
void vnic_error_free(vnic_error *err);

/* One problem found in an XML file: where, and what (already translated). */
typedef struct vnic_diag {
    char *file;
    int line; /* 0 when unknown */
    char *message;
} vnic_diag;

typedef struct vnic_diag_list {
    vnic_diag *items;
    size_t count;
    size_t alloc;
} vnic_diag_list;

/* Free the items of a list (not the list itself) and reset it to empty. */
void vnic_diag_clear(vnic_diag_list *list);

/* "FILE:LINE: error: MESSAGE" (translated); the caller frees the result. */
char *vnic_diag_to_string(const vnic_diag *d);

/* ---- domain definitions ---------------------------------------------------------------- */

/* A parsed <domain> or standalone <interface> document. Opaque. */
typedef struct vnic_domain_def vnic_domain_def;

enum {
    /* Skip interfaces of types vnic does not handle (bridge, network, ...) instead of
     * reporting them; they stay in the document unchanged. */
    VNIC_PARSE_SKIP_UNSUPPORTED = 1 << 0,
    /* Do not validate against the RelaxNG schema (semantic checks still run). */
    VNIC_PARSE_NO_SCHEMA = 1 << 1,
};

/* Read, validate (schema and semantics) and parse PATH.
 *
 * On success *ret is a new definition owned by the caller (free with vnic_domain_def_free).
 * If the document has problems, every one is appended to diags, *ret is left untouched, and
 * -1 is returned with an error of code VNIC_ERR_XML. Other failures (an unusable schema
 * installation) set *err alone. */
int vnic_domain_def_parse_file(const char *path, unsigned flags, vnic_domain_def **ret,
                               vnic_diag_list *diags, vnic_error **err);

/* As vnic_domain_def_parse_file, on a string in memory; NAME is used in diagnostics. */
int vnic_domain_def_parse_string(const char *xml, const char *name, unsigned flags,
                                 vnic_domain_def **ret, vnic_diag_list *diags, vnic_error **err);

/* The canonical XML of a definition (2-space indent, stable order, no XML declaration,
 * a trailing newline). Formatting that output again gives the same bytes. Caller frees. */
char *vnic_domain_def_format(const vnic_domain_def *def, vnic_error **err);

/* The domain's name, or NULL for a standalone interface document. Owned by def. */
const char *vnic_domain_def_name(const vnic_domain_def *def);

/* How many interfaces vnic manages in the definition (skipped ones not counted). */
size_t vnic_domain_def_interface_count(const vnic_domain_def *def);

void vnic_domain_def_free(vnic_domain_def *def);

/* ---- misc ------------------------------------------------------------------------------ */

/* The library version, e.g. "0.1.0". Static storage. */
const char *vnic_version(void);

/* Directory of the installed RelaxNG schemas (or $VNIC_SCHEMA_DIR). Static storage. */
const char *vnic_schema_dir(void);

#ifdef __cplusplus
}
#endif
