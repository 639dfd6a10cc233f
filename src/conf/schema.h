/* RelaxNG validation of input documents against vnic's installed schemas. */
#pragma once

#include <libxml/tree.h>

#include "error.h"

/* Validate doc against SCHEMA ("interface.rng" or "domain.rng"), appending one diagnostic per
 * problem (file FILE). Returns 0 when valid, 1 when invalid, -1 with *err set when the
 * schema itself cannot be loaded. */
int vnic_schema_validate(xmlDoc *doc, const char *schema, const char *file, vnic_diag_list *diags,
                         vnic_error **err);
