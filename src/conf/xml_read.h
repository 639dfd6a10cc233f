/* Reading XML documents without process-wide side effects. */
#pragma once

#include <stddef.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "error.h"

/* One of libxml2's messages about the document being read (warnings too: see e->level). */
typedef void (*vnic_xml_error_fn)(void *opaque, const xmlError *e);

/* libxml2's message of e without its trailing newline and blanks ("?" if it has none).
 * Caller frees. */
char *vnic_xml_error_text(const xmlError *e);

/* Initialise libxml2 once per process, safely from any thread. vnic_xml_read_memory calls it;
 * other code that uses libxml2 before reading a document calls it first. */
void vnic_xml_init(void);

/* Parse LEN bytes of BUF as a document named DOCNAME (what libxml2's messages and the
 * document's URL say) with libxml2's parser OPTIONS (XML_PARSE_*). Each of libxml2's messages
 * goes to on_error(opaque, ...) through a parser context of this call alone: the process-wide
 * handlers (xmlSetStructuredErrorFunc, xmlSetGenericErrorFunc), which belong to the program
 * that links vnic, are neither used nor changed, so concurrent calls in other threads and the
 * program's own use of libxml2 are unaffected. Elements past line 65535 keep their real line
 * for vnic_xml_node_line. on_error may be NULL (messages dropped). Returns the document, owned
 * by the caller (xmlFreeDoc), or NULL if it is not well-formed (on_error has been told why
 * unless LEN exceeds INT_MAX) or memory ran out. */
xmlDoc *vnic_xml_read_memory(const char *buf, size_t len, const char *docname, int options,
                             vnic_xml_error_fn on_error, void *opaque);

/* Read the file at PATH whole, at most MAX bytes; a NUL byte is appended (not counted in
 * *ret_len). Returns a buffer owned by the caller, or NULL with one diagnostic in DIAGS naming
 * PATH and the reason. */
char *vnic_xml_file_read(const char *path, size_t max, size_t *ret_len, vnic_diag_list *diags);
