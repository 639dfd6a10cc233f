/* State records: one XML file per active domain under the run directory. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlsave.h>

#include "driver.h"
#include "i18n.h"
#include "xml_cleanup.h"

VNIC_ENUM_IMPL(vnic_record_status, vnic_record_status, VNIC_RECORD_STATUS_LAST, "starting",
               "active", "stopping", "degraded")

#define RECORD_VERSION "1"

void vnic_record_free(vnic_record *rec)
{
    if (!rec)
        return;
    vnic_domain_def_free(rec->def);
    free(rec->ifaces);
    free(rec->def_text);
    free(rec);
}

char *vnic_record_mark(const char *prefix, const char *domain, unsigned index)
{
    return vnic_xasprintf("%s%s/%u", prefix, domain, index);
}

/* The definition is the root's last child, so a record's text always ends
 *     DEF_OPEN <the definition's element, indented, and a newline> DEF_CLOSE
 * and nothing before it holds a line break of its own (a line break inside an attribute value
 * is written "&#10;"): the first DEF_OPEN is the definition's. */
#define DEF_OPEN "\n  <definition>\n"
#define DEF_CLOSE "  </definition>\n</vnicstate>\n"

char *vnic_record_def_text(const char *text)
{
    const char *start = strstr(text, DEF_OPEN);
    size_t len = strlen(text), close_len = strlen(DEF_CLOSE);
    if (!start)
        return NULL;
    start += strlen(DEF_OPEN);
    if ((size_t)(start - text) + close_len > len)
        return NULL;
    const char *end = text + len - close_len;
    if (!vnic_streq(end, DEF_CLOSE))
        return NULL;
    size_t n = (size_t)(end - start);
    char *s = vnic_xmalloc(n + 1);
    memcpy(s, start, n);
    s[n] = '\0';
    return s;
}

/* The definition's text as libxml2 writes it inside a record: the definition goes in as
 * elements (its <domain> or <interface> as the formatter writes it), not as escaped text, so
 * that the record is one XML document a reader can query. The formatter's tree is moved into
 * a record document, not copied (a copy of every node of a definition of 1000 interfaces was
 * about a fifth of writing its record): adopting it carries its namespace declarations along
 * and maps references to the formatter's document's own namespaces (xml:) to the record's. */
char *vnic_record_def_format(const vnic_domain_def *def)
{
    _cleanup_xmldoc_ xmlDoc *doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNode *root = doc ? xmlNewNode(NULL, BAD_CAST "vnicstate") : NULL;
    if (!root)
        abort();
    xmlDocSetRootElement(doc, root);
    _cleanup_xmldoc_ xmlDoc *defdoc = vnic_domain_def_format_doc(def, NULL);
    xmlNode *d = xmlNewChild(root, NULL, BAD_CAST "definition", NULL);
    xmlNode *top = defdoc ? xmlDocGetRootElement(defdoc) : NULL;
    if (!d || !top)
        abort();
    xmlUnlinkNode(top);
    if (xmlDOMWrapAdoptNode(NULL, defdoc, top, doc, d, 0) != 0 || !xmlAddChild(d, top))
        abort();
    xmlChar *out = NULL;
    int len = 0;
    xmlDocDumpFormatMemoryEnc(doc, &out, &len, "UTF-8", 1);
    char *text = out ? vnic_record_def_text((const char *)out) : NULL;
    xmlFree(out);
    if (!text)
        abort();
    return text;
}

/* An attribute as libxml2's serialiser writes it in a UTF-8 document: the five markup
 * characters and tab, newline and carriage return escaped, every other byte as it is. */
static void put_attr(FILE *f, const char *name, const char *value)
{
    static const char *const escaped[128] = {
        ['<'] = "&lt;",   ['>'] = "&gt;",   ['&'] = "&amp;", ['"'] = "&quot;",
        ['\n'] = "&#10;", ['\r'] = "&#13;", ['\t'] = "&#9;",
    };
    fprintf(f, " %s=\"", name);
    for (const unsigned char *c = (const unsigned char *)value; *c; c++)
        if (*c < 128 && escaped[*c])
            fputs(escaped[*c], f);
        else
            fputc(*c, f);
    fputc('"', f);
}

static void put_uint(FILE *f, const char *name, unsigned long v)
{
    fprintf(f, " %s=\"%lu\"", name, v);
}

static void put_mac(FILE *f, const char *name, const uint8_t mac[6])
{
    char buf[18];
    vnic_mac_format(mac, buf);
    fprintf(f, " %s=\"%s\"", name, buf);
}

/* The record: the root's attributes and one <iface> per interface, written directly (a few
 * stdio calls, where a libxml2 tree and its serialiser cost several times as much, cold, once
 * per start or destroy), then the definition's text. */
static char *format_record(const vnic_record *rec, const char *def_text)
{
    char *s = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&s, &len);
    if (!f)
        abort();
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vnicstate version=\"%s\" status=\"%s\"",
            RECORD_VERSION, vnic_record_status_to_string(rec->status));
    put_uint(f, "group", rec->group);
    if (rec->supervised)
        fputs(" supervised=\"yes\"", f);
    if (rec->next_alias)
        put_uint(f, "next_alias", rec->next_alias);
    fputs(">\n", f);
    for (size_t i = 0; i < rec->def->niface; i++) {
        const vnic_record_iface *ri = &rec->ifaces[i];
        fputs("  <iface", f);
        put_uint(f, "index", i);
        put_attr(f, "mark", ri->mark);
        put_attr(f, "backend", ri->backend);
        put_attr(f, "intended", ri->intended);
        fprintf(f, " done=\"%s\"", ri->done ? "yes" : "no");
        if (ri->detaching)
            fputs(" detaching=\"yes\"", f);
        if (ri->done) {
            const vnic_iface_runtime *rt = &ri->rt;
            put_attr(f, "name", rt->name);
            put_uint(f, "ifindex", (unsigned long)rt->ifindex);
            put_uint(f, "queues", rt->queues);
            fprintf(f, " vnet_hdr=\"%s\" multi_queue=\"%s\" created=\"%s\"",
                    rt->vnet_hdr ? "yes" : "no", rt->multi_queue ? "yes" : "no",
                    rt->created ? "yes" : "no");
            put_mac(f, "mac", rt->mac);
            put_uint(f, "mtu", rt->mtu);
            if (rt->lower_ifindex)
                put_uint(f, "lower_ifindex", (unsigned long)rt->lower_ifindex);
            if (rt->saved_lower_mac)
                put_mac(f, "lower_mac", rt->lower_mac);
        }
        fputs("/>\n", f);
    }
    fputs("  <definition>\n", f);
    fputs(def_text, f);
    fputs(DEF_CLOSE, f);
    if (fclose(f) != 0)
        abort();
    return s;
}

char *vnic_record_format(const vnic_record *rec)
{
    _cleanup_free_ char *def_text = vnic_record_def_format(rec->def);
    return format_record(rec, def_text);
}

char *vnic_record_format_with(const vnic_record *rec, const char *def_text)
{
    return format_record(rec, def_text);
}

static void ignore_error(void *data, xmlErrorPtr e)
{
    (void)data;
    (void)e;
}

/* What the peek found at the first start tag. */
typedef struct {
    bool ok;
    unsigned group;
} peek_state;

/* The value of the unprefixed attribute NAME among a SAX2 start tag's (five pointers each:
 * local name, prefix, URI, value, end of value), copied into buf; false if absent or longer. */
static bool sax_attr(const xmlChar **attrs, int n, const char *name, char *buf, size_t size)
{
    for (int i = 0; i < n; i++) {
        const xmlChar **a = attrs + 5 * i;
        if (a[1] || !xmlStrEqual(a[0], BAD_CAST name))
            continue;
        size_t len = (size_t)(a[4] - a[3]);
        if (len >= size)
            return false;
        memcpy(buf, a[3], len);
        buf[len] = '\0';
        return true;
    }
    return false;
}

static void peek_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                       const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                       int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
    (void)prefix;
    (void)nb_namespaces;
    (void)namespaces;
    (void)nb_defaulted;
    xmlParserCtxtPtr ctxt = ctx;
    peek_state *st = ctxt->_private;
    char version[8], group[16];
    unsigned long g;
    if (!uri && xmlStrEqual(localname, BAD_CAST "vnicstate") &&
        sax_attr(attributes, nb_attributes, "version", version, sizeof(version)) &&
        vnic_streq(version, RECORD_VERSION) &&
        sax_attr(attributes, nb_attributes, "group", group, sizeof(group)) &&
        vnic_parse_uint(group, 0, 0xffffffffUL, &g) == 0) {
        st->ok = true;
        st->group = (unsigned)g;
    }
    /* The root element is all it needs: nothing after its start tag is parsed. */
    xmlStopParser(ctxt);
}

int vnic_record_peek_group(const char *head, size_t len, unsigned *ret)
{
    /* A SAX parser that only looks at the first start tag and builds no tree; its errors
     * (head ends before the document does) go nowhere, the caller's libxml2 handlers are left
     * alone. */
    xmlSAXHandler sax = {0};
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = peek_start;
    sax.serror = ignore_error;
    if (len > INT_MAX)
        len = INT_MAX;
    xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, NULL);
    if (!ctxt)
        return -ENOMEM;
    peek_state st = {0};
    ctxt->_private = &st;
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlParseChunk(ctxt, head, (int)len, 0);
    xmlFreeParserCtxt(ctxt);
    if (!st.ok)
        return -EBADMSG;
    *ret = st.group;
    return 0;
}

static char *get(xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
    if (!v)
        return NULL;
    char *s = vnic_xstrdup((const char *)v);
    xmlFree(v);
    return s;
}

static bool get_uint(xmlNode *n, const char *name, unsigned long max, unsigned long *ret)
{
    _cleanup_free_ char *v = get(n, name);
    return v && vnic_parse_uint(v, 0, max, ret) == 0;
}

static bool get_bool(xmlNode *n, const char *name, bool *ret)
{
    _cleanup_free_ char *v = get(n, name);
    if (!v)
        return false;
    if (vnic_streq(v, "yes"))
        *ret = true;
    else if (vnic_streq(v, "no"))
        *ret = false;
    else
        return false;
    return true;
}

static bool get_mac(xmlNode *n, const char *name, uint8_t ret[6])
{
    _cleanup_free_ char *v = get(n, name);
    return v && vnic_mac_parse(v, ret) == 0;
}

static bool get_name(xmlNode *n, const char *name, char *buf, size_t size)
{
    _cleanup_free_ char *v = get(n, name);
    return v && vnic_strlcpy(buf, v, size);
}

/* The line of libxml2's first complaint, so that a damaged record is reported where it is.
 * Set as the parser context's own handler: the caller's libxml2 error handlers are left
 * alone. DATA is the context (libxml2 passes ctxt->userData, which is the context). */
static void note_error_line(void *data, xmlErrorPtr e)
{
    xmlParserCtxtPtr ctxt = data;
    int *line = ctxt ? ctxt->_private : NULL;
    if (line && *line <= 0 && e && e->line > 0)
        *line = e->line;
}

static xmlDoc *read_record(const char *xml, const char *path, int *ret_error_line)
{
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt || !ctxt->sax)
        abort();
    ctxt->_private = ret_error_line;
    ctxt->userData = ctxt;
    ctxt->sax->serror = note_error_line;
    xmlDoc *doc = xmlCtxtReadMemory(ctxt, xml, (int)strlen(xml), path, NULL,
                                    XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_BIG_LINES);
    xmlFreeParserCtxt(ctxt);
    return doc;
}

/* LINE <= 0: libxml2 did not say where; the message then names the file alone. */
static int corrupt(vnic_error **err, const char *path, int line, const char *what)
{
    if (line <= 0)
        return vnic_error_set(err, VNIC_ERR_XML, _("%s: error: corrupt state record: %s"), path,
                              what),
               -EBADMSG;
    return vnic_error_set(err, VNIC_ERR_XML, _("%s:%d: error: corrupt state record: %s"), path,
                          line, what),
           -EBADMSG;
}

/* The definition in a record: vnic wrote it after validating it, so it is read without the
 * schema (which may have changed since); the semantic checks still run, since the file may
 * have been damaged. Records of earlier versions hold it as text. */
static int read_definition(xmlNode *defnode, const char *path, vnic_domain_def **ret,
                           vnic_error **err)
{
    const unsigned flags = VNIC_PARSE_SKIP_UNSUPPORTED | VNIC_PARSE_NO_SCHEMA;
    xmlNode *elem = NULL;
    for (xmlNode *c = defnode->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (elem)
            return corrupt(err, path, (int)xmlGetLineNo(c),
                           _("<definition> holds more than one element"));
        elem = c;
    }

    vnic_diag_list diags = {0};
    vnic_error *perr = NULL;
    int r;
    if (elem) {
        r = vnic_domain_def_parse_node(elem, path, flags, ret, &diags, &perr);
    } else {
        xmlChar *text = xmlNodeGetContent(defnode);
        r = vnic_domain_def_parse_string(text ? (const char *)text : "", path, flags, ret, &diags,
                                         &perr);
        xmlFree(text);
    }
    if (r < 0) {
        /* Lines of the element are the record's; those of the old text form are not. */
        int line = elem && diags.count && diags.items[0]->line > 0 ? diags.items[0]->line
                                                                   : (int)xmlGetLineNo(defnode);
        const char *why = diags.count             ? diags.items[0]->message
                          : perr && perr->message ? perr->message
                                                  : "?";
        _cleanup_free_ char *what =
            vnic_xasprintf(_("the stored definition is not valid: %s"), why);
        r = corrupt(err, path, line, what);
    }
    vnic_error_free(perr);
    vnic_diag_clear(&diags);
    return r;
}

int vnic_record_parse(const char *xml, const char *path, vnic_record **ret, vnic_error **err)
{
    int r;
    int error_line = 0;
    _cleanup_xmldoc_ xmlDoc *doc = read_record(xml, path, &error_line);
    if (!doc)
        return corrupt(err, path, error_line, _("not well-formed XML (truncated?)"));

    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || !xmlStrEqual(root->name, BAD_CAST "vnicstate"))
        return corrupt(err, path, root ? (int)xmlGetLineNo(root) : 0,
                       _("the root element is not <vnicstate>"));
    _cleanup_free_ char *version = get(root, "version");
    if (!version || !vnic_streq(version, RECORD_VERSION))
        return corrupt(err, path, (int)xmlGetLineNo(root), _("unknown record version"));

    _cleanup_(vnic_record_freep) vnic_record *rec = vnic_xcalloc(1, sizeof(*rec));
    _cleanup_free_ char *status = get(root, "status");
    int st = vnic_record_status_from_string(status);
    unsigned long group;
    if (st < 0 || !get_uint(root, "group", 0xffffffffUL, &group))
        return corrupt(err, path, (int)xmlGetLineNo(root), _("bad status or group"));
    rec->status = (vnic_record_status)st;
    rec->group = (unsigned)group;
    get_bool(root, "supervised", &rec->supervised);
    /* Absent in records of older versions: attach then starts from the interface count. */
    unsigned long next_alias;
    if (get_uint(root, "next_alias", 1000000, &next_alias))
        rec->next_alias = (unsigned)next_alias;

    xmlNode *defnode = NULL;
    size_t nifaces = 0;
    for (xmlNode *c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (xmlStrEqual(c->name, BAD_CAST "definition"))
            defnode = c;
        else if (xmlStrEqual(c->name, BAD_CAST "iface"))
            nifaces++;
    }
    if (!defnode)
        return corrupt(err, path, (int)xmlGetLineNo(root), _("no <definition>"));

    if ((r = read_definition(defnode, path, &rec->def, err)) < 0)
        return r;

    if (nifaces != rec->def->niface)
        return corrupt(err, path, (int)xmlGetLineNo(root),
                       _("the number of <iface> records does not match the definition"));

    rec->ifaces = vnic_xcalloc(nifaces ? nifaces : 1, sizeof(*rec->ifaces));
    size_t i = 0;
    for (xmlNode *c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || !xmlStrEqual(c->name, BAD_CAST "iface"))
            continue;
        vnic_record_iface *ri = &rec->ifaces[i++];
        int line = (int)xmlGetLineNo(c);
        unsigned long v;
        if (!get_name(c, "mark", ri->mark, sizeof(ri->mark)) ||
            !get_name(c, "backend", ri->backend, sizeof(ri->backend)) ||
            !get_name(c, "intended", ri->intended, sizeof(ri->intended)) ||
            !get_bool(c, "done", &ri->done))
            return corrupt(err, path, line, _("bad <iface> record"));
        get_bool(c, "detaching", &ri->detaching);
        if (!ri->done)
            continue;
        vnic_iface_runtime *rt = &ri->rt;
        if (!get_name(c, "name", rt->name, sizeof(rt->name)) ||
            !get_uint(c, "ifindex", 0x7fffffffUL, &v))
            return corrupt(err, path, line, _("bad <iface> record"));
        rt->ifindex = (int)v;
        if (!get_uint(c, "queues", 256, &v))
            return corrupt(err, path, line, _("bad <iface> record"));
        rt->queues = (unsigned)v;
        if (!get_bool(c, "vnet_hdr", &rt->vnet_hdr) ||
            !get_bool(c, "multi_queue", &rt->multi_queue) ||
            !get_bool(c, "created", &rt->created) || !get_mac(c, "mac", rt->mac) ||
            !get_uint(c, "mtu", 65535, &v))
            return corrupt(err, path, line, _("bad <iface> record"));
        rt->mtu = (unsigned)v;
        if (get_uint(c, "lower_ifindex", 0x7fffffffUL, &v))
            rt->lower_ifindex = (int)v;
        rt->saved_lower_mac = get_mac(c, "lower_mac", rt->lower_mac);
    }

    *ret = TAKE_PTR(rec);
    return 0;
}
