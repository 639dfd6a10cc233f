/* Line numbers of elements, past libxml2's 16-bit limit. */
#pragma once

#include <libxml/parser.h>
#include <libxml/tree.h>

/* Make the parser remember the real line of every element that starts past line 65535
 * (libxml2 stores 65535 for those, and XML_PARSE_BIG_LINES only helps text nodes). Call
 * before parsing with ctxt; the line goes into the element's psvi field, which the tree does
 * not use. libxml2's RelaxNG validator reuses that field while it runs and clears it at the
 * end: read lines before validating, or during it for the node an error names. */
void vnic_xml_track_lines(xmlParserCtxtPtr ctxt);

/* The line on which node starts, or 0 when unknown. */
int vnic_xml_node_line(const xmlNode *node);
