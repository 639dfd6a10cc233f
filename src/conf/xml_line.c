#include "config.h"

#include <stdint.h>

#include <libxml/SAX2.h>

#include "xml_line.h"

#define LINE_FIELD_MAX 65535 /* node->line is an unsigned short */

static void start_element(void *data, const xmlChar *localname, const xmlChar *prefix,
                          const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                          int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
    xmlParserCtxtPtr ctxt = data;
    xmlSAX2StartElementNs(ctxt, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                          nb_defaulted, attributes);
    /* xmlSAX2StartElementNs made the element the context's current node. */
    if (ctxt->node && ctxt->node->type == XML_ELEMENT_NODE && ctxt->input &&
        ctxt->input->line >= LINE_FIELD_MAX)
        ctxt->node->psvi = (void *)(intptr_t)ctxt->input->line;
}

void vnic_xml_track_lines(xmlParserCtxtPtr ctxt)
{
    if (ctxt->sax && ctxt->sax->initialized == XML_SAX2_MAGIC &&
        ctxt->sax->startElementNs == xmlSAX2StartElementNs)
        ctxt->sax->startElementNs = start_element;
}

int vnic_xml_node_line(const xmlNode *node)
{
    if (!node)
        return 0;
    if (node->type == XML_ELEMENT_NODE && node->line >= LINE_FIELD_MAX && node->psvi) {
        intptr_t l = (intptr_t)node->psvi;
        return l > 0 && l < 1000000000 ? (int)l : 0;
    }
    long l = xmlGetLineNo(node);
    return l > 0 && l < 1000000000 ? (int)l : 0;
}
