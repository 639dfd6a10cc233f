#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/relaxng.h>
#include <libxml/uri.h>

#include "cleanup.h"
#include "i18n.h"
#include "schema.h"
#include "strutil.h"
#include "xml_cleanup.h"
#include "xml_line.h"
#include "xml_read.h"

const char *vnic_schema_dir(void)
{
    const char *env = secure_getenv("VNIC_SCHEMA_DIR");
    if (env && *env)
        return env;
    /* Only the installed schemas: the source tree's are found through the variable (the tests
     * and `meson devenv` set it), never through a path baked into the library. */
    return VNIC_SCHEMADIR;
}

typedef struct {
    const char *file;
    vnic_diag_list *diags;
    vnic_diag_list *load_errors;
    /* While a slice of <devices> is validated in a stand-in document (see validate_sliced),
     * its elements stand for the real ones in messages; the real ones' failures are
     * reported once. */
    const xmlNode *stand_root, *stand_devices;
    const xmlNode *root, *devices;
    int root_line, devices_line; /* taken before libxml2 reuses the nodes' psvi field */
    size_t container[16];        /* the diagnostics about those two, by index */
    size_t ncontainer;
} collect_ctx;

/* libxml2 hands us its own (English) message with a trailing newline. */
static void collect(void *data, xmlErrorPtr e)
{
    collect_ctx *c = data;
    _cleanup_free_ char *msg = vnic_xml_error_text(e);

    if (c->load_errors) {
        vnic_diag_add(c->load_errors, e->file ? e->file : c->file, e->line, "%s", msg);
        return;
    }

    const xmlNode *node = e->node;
    if (node && node == c->stand_root)
        node = c->root;
    else if (node && node == c->stand_devices)
        node = c->devices;
    /* libxml2's own line stops at 65535 for elements; the node knows better. */
    int line = node ? vnic_xml_node_line(node) : e->line;
    if (node && c->devices && node == c->root)
        line = c->root_line;
    else if (node && c->devices && node == c->devices)
        line = c->devices_line;
    _cleanup_free_ char *text = vnic_xasprintf(_("schema: %s"), msg);
    if (c->devices && (!node || node == c->root || node == c->devices)) {
        /* Every slice that fails repeats the failure of <devices> and <domain>. */
        for (size_t i = 0; i < c->ncontainer; i++) {
            const vnic_diag *d = c->diags->items[c->container[i]];
            if (d->line == line && vnic_streq(d->message, text))
                return;
        }
        if (c->ncontainer < ELEMENTSOF(c->container))
            c->container[c->ncontainer++] = c->diags->count;
    }
    vnic_diag_add(c->diags, c->file, line, "%s", text);
}

#define RNG_NS "http://relaxng.org/ns/structure/1.0"
#define SCHEMA_FILE_MAX (4U << 20)
#define SCHEMA_DEPTH_MAX 8

static void note_load_error(void *data, const xmlError *e)
{
    vnic_diag_list *errors = data;
    if (e->level < XML_ERR_ERROR)
        return;
    _cleanup_free_ char *msg = vnic_xml_error_text(e);
    vnic_diag_add(errors, e->file ? e->file : "?", e->line, "%s", msg);
}

static bool is_rng(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns && xmlStrEqual(n->ns->href, BAD_CAST RNG_NS) &&
           xmlStrEqual(n->name, BAD_CAST name);
}

/* libxml2's schema parser reads the schema and the files it includes with the process-wide
 * error handlers, which belong to the program that links vnic. Read them first through parser
 * contexts of our own: a file that is missing or not well-formed is reported here, with its
 * line, and libxml2 then reads only files that it reads without a message. */
static bool schema_files_readable(const char *path, unsigned depth, vnic_diag_list *errors)
{
    if (depth > SCHEMA_DEPTH_MAX) {
        vnic_diag_add(errors, path, 0, _("schema files include each other too deeply"));
        return false;
    }
    size_t len;
    _cleanup_free_ char *buf = vnic_xml_file_read(path, SCHEMA_FILE_MAX, &len, errors);
    if (!buf)
        return false;
    _cleanup_xmldoc_ xmlDoc *doc =
        vnic_xml_read_memory(buf, len, path, XML_PARSE_NONET, note_load_error, errors);
    if (!doc) {
        if (!errors->count)
            vnic_diag_add(errors, path, 0, _("malformed XML"));
        return false;
    }
    /* Every element in document order, without recursion. */
    xmlNode *root = xmlDocGetRootElement(doc);
    for (xmlNode *n = root; n;) {
        if (is_rng(n, "include") || is_rng(n, "externalRef")) {
            _cleanup_xmlstr_ xmlChar *href = xmlGetProp(n, BAD_CAST "href");
            _cleanup_xmlstr_ xmlChar *base = xmlNodeGetBase(doc, n);
            _cleanup_xmlstr_ xmlChar *uri = href ? xmlBuildURI(href, base) : NULL;
            /* A reference libxml2 cannot resolve, or one written as a URI with a scheme or
             * escapes, is left to libxml2, which reports it through the schema parser's own
             * context. */
            if (uri && !strpbrk((const char *)uri, ":%") &&
                !schema_files_readable((const char *)uri, depth + 1, errors))
                return false;
        }
        if (n->children && n->type == XML_ELEMENT_NODE) {
            n = n->children;
            continue;
        }
        while (n && n != root && !n->next)
            n = n->parent;
        n = n && n != root ? n->next : NULL;
    }
    return true;
}

/* Compiled schemas, kept for the life of the process: compiling one costs far more than
 * validating a document with it. */
static struct {
    char *path;
    xmlRelaxNGPtr rng;
} cache[4];
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static xmlRelaxNGPtr load_schema(const char *path, vnic_error **err)
{
    for (size_t i = 0; i < ELEMENTSOF(cache); i++)
        if (cache[i].path && vnic_streq(cache[i].path, path))
            return cache[i].rng;

    vnic_diag_list load_errors = {0};
    collect_ctx cc = {.file = path, .load_errors = &load_errors};
    xmlRelaxNGPtr rng = NULL;
    /* Only schema files that read without a message reach libxml2's schema parser. */
    if (schema_files_readable(path, 0, &load_errors)) {
        xmlRelaxNGParserCtxtPtr pctxt = xmlRelaxNGNewParserCtxt(path);
        if (!pctxt) {
            vnic_error_set(err, VNIC_ERR_NOMEM, _("cannot create a schema parser"));
            goto out;
        }
        xmlRelaxNGSetParserStructuredErrors(pctxt, collect, &cc);
        rng = xmlRelaxNGParse(pctxt);
        xmlRelaxNGFreeParserCtxt(pctxt);
    }
    if (!rng) {
        if (!load_errors.count)
            vnic_error_set(err, VNIC_ERR_IO, _("cannot load schema '%s': %s"), path,
                           _("unknown error"));
        else if (load_errors.items[0]->line > 0)
            vnic_error_set(err, VNIC_ERR_IO, _("cannot load schema '%s': %s:%d: %s"), path,
                           load_errors.items[0]->file, load_errors.items[0]->line,
                           load_errors.items[0]->message);
        else
            vnic_error_set(err, VNIC_ERR_IO, _("cannot load schema '%s': %s: %s"), path,
                           load_errors.items[0]->file, load_errors.items[0]->message);
        goto out;
    }
    for (size_t i = 0; i < ELEMENTSOF(cache); i++)
        if (!cache[i].path) {
            cache[i].path = vnic_xstrdup(path);
            cache[i].rng = rng;
            goto out;
        }
    /* The cache is full (schema directories changed at run time): use it once. */
out:
    vnic_diag_clear(&load_errors);
    return rng;
}

static int validate_doc(xmlRelaxNGPtr rng, xmlDoc *doc, collect_ctx *vc)
{
    xmlRelaxNGValidCtxtPtr vctxt = xmlRelaxNGNewValidCtxt(rng);
    if (!vctxt)
        return -2;
    xmlRelaxNGSetValidStructuredErrors(vctxt, collect, vc);
    int r = xmlRelaxNGValidateDoc(vctxt, doc);
    xmlRelaxNGFreeValidCtxt(vctxt);
    return r;
}

/* The children of <devices> validated this many at a time. */
#define DEVICES_SLICE 256

/* libxml2 validates a repeated choice with a wildcard in it (the content of <devices>) by
 * keeping one state per number of children consumed so far, each compared with all the
 * others: O(n^2) in the children (10,000 interfaces took seconds, 100,000 elements minutes).
 * The content of <devices> is zeroOrMore of a choice, so each child is valid or not on its
 * own: validate the document with the first slice of children in place, then every further
 * slice under a stand-in <domain><name/><devices/> document. The nodes are lent to the
 * stand-in (only its children pointers change), and every pointer is restored. */
static xmlNode *devices_to_slice(xmlDoc *doc)
{
    xmlNode *root = xmlDocGetRootElement(doc), *devices = NULL;
    if (!root || root->ns || !xmlStrEqual(root->name, BAD_CAST "domain"))
        return NULL;
    for (xmlNode *c = root->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !c->ns && xmlStrEqual(c->name, BAD_CAST "devices")) {
            if (devices)
                return NULL; /* the schema refuses this anyway: let it say so */
            devices = c;
        }
    size_t n = 0;
    for (xmlNode *c = devices ? devices->children : NULL; c && n <= DEVICES_SLICE; c = c->next)
        n++;
    return n > DEVICES_SLICE ? devices : NULL;
}

static xmlNode *slice_end(xmlNode *first)
{
    xmlNode *last = first;
    for (size_t i = 1; i < DEVICES_SLICE && last->next; i++)
        last = last->next;
    return last;
}

static int validate_sliced(xmlRelaxNGPtr rng, xmlDoc *doc, xmlNode *devices, collect_ctx *vc)
{
    xmlNode *first = devices->children, *last = devices->last;
    vc->root = xmlDocGetRootElement(doc);
    vc->devices = devices;
    vc->root_line = vnic_xml_node_line(vc->root);
    vc->devices_line = vnic_xml_node_line(devices);

    /* The whole document, with only the first slice in <devices>. */
    xmlNode *end = slice_end(first), *rest = end->next;
    end->next = NULL;
    devices->last = end;
    int r = validate_doc(rng, doc, vc);
    end->next = rest;
    devices->last = last;
    if (r < 0 || !rest)
        return r;

    _cleanup_xmldoc_ xmlDoc *stand = xmlNewDoc(BAD_CAST "1.0");
    xmlNode *sroot = stand ? xmlNewDocNode(stand, NULL, BAD_CAST "domain", NULL) : NULL;
    if (!sroot)
        return -2;
    xmlDocSetRootElement(stand, sroot);
    xmlNode *sdevices = NULL;
    if (!xmlNewChild(sroot, NULL, BAD_CAST "name", BAD_CAST "slice") ||
        !(sdevices = xmlNewChild(sroot, NULL, BAD_CAST "devices", NULL)))
        return -2;
    vc->stand_root = sroot;
    vc->stand_devices = sdevices;

    int ret = r;
    for (xmlNode *a = rest; a && ret >= 0;) {
        xmlNode *b = slice_end(a), *next = b->next, *prev = a->prev;
        a->prev = NULL;
        b->next = NULL;
        sdevices->children = a;
        sdevices->last = b;
        r = validate_doc(rng, stand, vc);
        sdevices->children = sdevices->last = NULL;
        a->prev = prev;
        b->next = next;
        if (r != 0)
            ret = r;
        a = next;
    }
    vc->stand_root = vc->stand_devices = NULL;
    return ret;
}

int vnic_schema_validate(xmlDoc *doc, const char *schema, const char *file, vnic_diag_list *diags,
                         vnic_error **err)
{
    _cleanup_free_ char *path = vnic_xasprintf("%s/%s", vnic_schema_dir(), schema);
    int ret = -1;

    pthread_mutex_lock(&cache_lock);
    xmlRelaxNGPtr rng = load_schema(path, err);
    if (!rng)
        goto out;
    bool cached = false;
    for (size_t i = 0; i < ELEMENTSOF(cache); i++)
        cached |= cache[i].rng == rng;

    size_t before = diags->count;
    collect_ctx vc = {.file = file, .diags = diags};
    int next_line = vnic_xml_node_line(xmlDocGetRootElement(doc));
    xmlNode *devices = vnic_streq(schema, "domain.rng") ? devices_to_slice(doc) : NULL;
    int r = devices ? validate_sliced(rng, doc, devices, &vc) : validate_doc(rng, doc, &vc);
    if (!cached)
        xmlRelaxNGFree(rng);

    if (r == -2) {
        vnic_error_set(err, VNIC_ERR_NOMEM, _("cannot create a schema validator"));
        goto out;
    }
    if (r < 0) {
        vnic_error_set(err, VNIC_ERR_INTERNAL, _("schema validation of '%s' failed internally"),
                       file);
        goto out;
    }
    /* Some of libxml2's messages come without a node (an extra element in an interleave):
     * give them the line of the next message that has one, which is about the element whose
     * content failed, or else the root's. */
    for (size_t i = diags->count; i-- > before;) {
        if (diags->items[i]->line > 0)
            next_line = diags->items[i]->line;
        else
            diags->items[i]->line = next_line;
    }
    ret = r == 0 ? 0 : 1;
out:
    pthread_mutex_unlock(&cache_lock);
    return ret;
}

/* Free the compiled schemas at exit, so that leak checkers see a clean process. */
__attribute__((destructor)) static void schema_cache_free(void)
{
    for (size_t i = 0; i < ELEMENTSOF(cache); i++) {
        if (cache[i].rng)
            xmlRelaxNGFree(cache[i].rng);
        free(cache[i].path);
        cache[i].rng = NULL;
        cache[i].path = NULL;
    }
}
