#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/relaxng.h>

#include "cleanup.h"
#include "i18n.h"
#include "schema.h"
#include "strutil.h"

const char *vnic_schema_dir(void)
{
    const char *env = secure_getenv("VNIC_SCHEMA_DIR");
    if (env && *env)
        return env;
    /* Installed schemas first; a binary run from the build tree finds the source tree's. */
    if (access(VNIC_SCHEMADIR "/domain.rng", R_OK) == 0)
        return VNIC_SCHEMADIR;
    if (access(VNIC_SOURCE_SCHEMADIR "/domain.rng", R_OK) == 0)
        return VNIC_SOURCE_SCHEMADIR;
    return VNIC_SCHEMADIR;
}

typedef struct {
    const char *file;
    vnic_diag_list *diags;
    vnic_diag_list *load_errors;
} collect_ctx;

/* libxml2 hands us its own (English) message with a trailing newline. */
static void collect(void *data, xmlErrorPtr e)
{
    collect_ctx *c = data;
    _cleanup_free_ char *msg = vnic_xstrdup(e->message ? e->message : "?");
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';

    if (c->load_errors)
        vnic_diag_add(c->load_errors, e->file ? e->file : c->file, e->line, "%s", msg);
    else
        vnic_diag_add(c->diags, c->file, e->line, _("schema: %s"), msg);
}

static void discard(void *data, xmlErrorPtr e)
{
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
    xmlRelaxNGParserCtxtPtr pctxt = xmlRelaxNGNewParserCtxt(path);
    if (!pctxt) {
        vnic_error_set(err, VNIC_ERR_NOMEM, _("cannot create a schema parser"));
        goto out;
    }
    xmlRelaxNGSetParserStructuredErrors(pctxt, collect, &cc);
    xmlSetStructuredErrorFunc(&cc, collect);
    rng = xmlRelaxNGParse(pctxt);
    xmlSetStructuredErrorFunc(NULL, discard);
    xmlRelaxNGFreeParserCtxt(pctxt);
    if (!rng) {
        vnic_error_set(err, VNIC_ERR_IO, _("cannot load schema '%s': %s"), path,
                       load_errors.count ? load_errors.items[0].message : _("unknown error"));
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

    xmlRelaxNGValidCtxtPtr vctxt = xmlRelaxNGNewValidCtxt(rng);
    if (!vctxt) {
        if (!cached)
            xmlRelaxNGFree(rng);
        vnic_error_set(err, VNIC_ERR_NOMEM, _("cannot create a schema validator"));
        goto out;
    }
    collect_ctx vc = {.file = file, .diags = diags};
    xmlRelaxNGSetValidStructuredErrors(vctxt, collect, &vc);
    int r = xmlRelaxNGValidateDoc(vctxt, doc);
    xmlRelaxNGFreeValidCtxt(vctxt);
    if (!cached)
        xmlRelaxNGFree(rng);

    if (r < 0) {
        vnic_error_set(err, VNIC_ERR_INTERNAL, _("schema validation of '%s' failed internally"),
                       file);
        goto out;
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
