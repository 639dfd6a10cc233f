/* Cleanup functions for libxml2 objects. */
#pragma once

#include <libxml/tree.h>
#include <libxml/xmlstring.h>

#include "cleanup.h"

VNIC_DEFINE_CLEANUP(xmlDoc, xmlFreeDoc)
VNIC_DEFINE_CLEANUP(xmlChar, xmlFree)

#define _cleanup_xmldoc_ _cleanup_(xmlFreeDocp)
#define _cleanup_xmlstr_ _cleanup_(xmlFreep)
