#include "config.h"

#include <string.h>

#include "cleanup.h"
#include "i18n.h"
#include "strutil.h"
#include "xml_limits.h"
#include "xml_line.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Where the text from p on contains needle, or end. Counts the newlines skipped. */
static const char *skip_past(const char *p, const char *end, const char *needle, int *line)
{
    size_t n = strlen(needle);
    for (; p + n <= end; p++) {
        if (*p == '\n')
            (*line)++;
        else if (*p == needle[0] && memcmp(p, needle, n) == 0)
            return p + n;
    }
    return end;
}

/* A lexer for start tags only, just good enough to count attributes: it never counts fewer
 * than libxml2 would parse before finding an error. Comments, CDATA sections and processing
 * instructions are skipped; the rest between '<' and '>' that does not start with a name is
 * left to libxml2. */
bool vnic_xml_prescan(const char *buf, size_t len, const char *file, vnic_diag_list *diags)
{
    const char *p = buf, *end = buf + len;
    int line = 1;

    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt)
            break;
        for (const char *q = p; q < lt; q++)
            line += *q == '\n';
        p = lt + 1;
        if (end - p >= 3 && memcmp(p, "!--", 3) == 0) {
            p = skip_past(p + 3, end, "-->", &line);
            continue;
        }
        if (end - p >= 8 && memcmp(p, "![CDATA[", 8) == 0) {
            p = skip_past(p + 8, end, "]]>", &line);
            continue;
        }
        if (p < end && *p == '?') {
            p = skip_past(p + 1, end, "?>", &line);
            continue;
        }
        if (p >= end || *p == '!' || *p == '/' || is_space(*p))
            continue;

        /* A start tag: the name, then name = 'value' pairs up to '>' or '/>'. */
        int tag_line = line;
        const char *name = p;
        while (p < end && !is_space(*p) && *p != '>' && *p != '/' && *p != '<')
            p++;
        int name_len = (int)(p - name);
        size_t nattr = 0;
        for (;;) {
            while (p < end && is_space(*p))
                line += *p++ == '\n';
            if (p >= end || *p == '>' || *p == '/' || *p == '<')
                break;
            while (p < end && *p != '=' && *p != '>' && *p != '<' && !is_space(*p))
                p++;
            while (p < end && is_space(*p))
                line += *p++ == '\n';
            if (p >= end || *p != '=')
                break;
            p++;
            while (p < end && is_space(*p))
                line += *p++ == '\n';
            if (p >= end || (*p != '\'' && *p != '"'))
                break;
            const char *close = memchr(p + 1, *p, (size_t)(end - p - 1));
            if (!close)
                break;
            for (const char *q = p + 1; q < close; q++)
                line += *q == '\n';
            p = close + 1;
            if (++nattr > VNIC_XML_MAX_ATTRS) {
                _cleanup_free_ char *en =
                    vnic_xasprintf("%.*s", name_len > 100 ? 100 : name_len, name);
                vnic_diag_add(diags, file, tag_line, _("element <%s> has more than %d attributes"),
                              en, VNIC_XML_MAX_ATTRS);
                return false;
            }
        }
    }
    return true;
}

static char *qname(const xmlNode *node)
{
    if (node->ns && node->ns->prefix)
        return vnic_xasprintf("%s:%s", (const char *)node->ns->prefix, (const char *)node->name);
    return vnic_xstrdup((const char *)node->name);
}

static bool is_plain(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && !n->ns && xmlStrEqual(n->name, BAD_CAST name);
}

bool vnic_xml_check_limits(xmlNode *root, const char *file, vnic_diag_list *diags)
{
    bool domain = is_plain(root, "domain");
    size_t nodes = 0;
    unsigned depth = 1;

    /* One walk in document order, without recursion. */
    for (xmlNode *n = root; n;) {
        if (++nodes > VNIC_XML_MAX_NODES) {
            vnic_diag_add(diags, file, vnic_xml_node_line(n),
                          _("the document has more than %d nodes (elements, text and comments)"),
                          VNIC_XML_MAX_NODES);
            return false;
        }
        if (n->type == XML_ELEMENT_NODE) {
            size_t nattr = 0, nchild = 0;
            for (xmlAttr *a = n->properties; a && nattr <= VNIC_XML_MAX_ATTRS; a = a->next)
                nattr++;
            for (xmlNs *ns = n->nsDef; ns && nattr <= VNIC_XML_MAX_ATTRS; ns = ns->next)
                nattr++;
            bool sliced = domain && n->parent == root && is_plain(n, "devices");
            for (xmlNode *c = n->children; c && (sliced || nchild <= VNIC_XML_MAX_CHILDREN);
                 c = c->next)
                nchild++;
            /* libxml2 writes a namespace name back between quotes as it is, without escaping
             * '<' or '&': a document declaring one would be written (as a state record, by
             * format) into text that no XML parser reads back. */
            for (xmlNs *ns = n->nsDef; ns; ns = ns->next)
                if (ns->href && strpbrk((const char *)ns->href, "<&")) {
                    _cleanup_free_ char *en = qname(n);
                    vnic_diag_add(diags, file, vnic_xml_node_line(n),
                                  _("element <%s> declares a namespace name with '<' or '&', "
                                    "which vnic cannot write back"),
                                  en);
                    return false;
                }
            bool deep = depth > VNIC_XML_MAX_DEPTH, wide = nattr > VNIC_XML_MAX_ATTRS;
            bool full = !sliced && nchild > VNIC_XML_MAX_CHILDREN;
            if (deep || wide || full) {
                _cleanup_free_ char *en = qname(n);
                int line = vnic_xml_node_line(n);
                if (deep)
                    vnic_diag_add(diags, file, line,
                                  _("element <%s> is nested more than %d levels deep"), en,
                                  VNIC_XML_MAX_DEPTH);
                else if (wide)
                    vnic_diag_add(diags, file, line, _("element <%s> has more than %d attributes"),
                                  en, VNIC_XML_MAX_ATTRS);
                else
                    vnic_diag_add(diags, file, line, _("element <%s> has more than %d child nodes"),
                                  en, VNIC_XML_MAX_CHILDREN);
                return false;
            }
            if (n->children) {
                n = n->children;
                depth++;
                continue;
            }
        }
        while (n != root && !n->next) {
            n = n->parent;
            depth--;
        }
        n = n == root ? NULL : n->next;
    }
    return true;
}
