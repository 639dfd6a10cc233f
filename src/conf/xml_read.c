#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parserInternals.h>
#include <libxml/xmlversion.h>

#include "cleanup.h"
#include "i18n.h"
#include "strutil.h"
#include "xml_line.h"
#include "xml_read.h"

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init_once(void)
{
    xmlInitParser();
}

void vnic_xml_init(void)
{
    /* libxml2 asks to be initialised before threads use it; a library cannot know which of
     * its caller's threads comes first. */
    pthread_once(&xml_once, xml_init_once);
}

/* And when the library is loaded, which happens in one thread before any can call it: code
 * that builds or saves documents without reading one first (records, formatting) then finds
 * libxml2's encoding tables ready too. */
__attribute__((constructor)) static void xml_init_at_load(void)
{
    vnic_xml_init();
}

typedef struct {
    vnic_xml_error_fn fn;
    void *opaque;
} error_sink;

#if LIBXML_VERSION >= 21200
typedef const xmlError *handler_error; /* libxml2 2.12 made the handler's error const */
#else
typedef xmlErrorPtr handler_error;
#endif

/* libxml2 hands a parser context's structured handler (sax->serror, used instead of the
 * process-wide one when set; 2.13's xmlCtxtSetErrorHandler is a newer way to the same) the
 * context's userData, which the SAX2 tree builder needs to be the context itself; ours rides
 * in _private, which libxml2 leaves to its users. */
static void context_error(void *user_data, handler_error e)
{
    xmlParserCtxtPtr ctxt = user_data;
    const error_sink *sink = ctxt ? ctxt->_private : NULL;
    if (sink && sink->fn && e)
        sink->fn(sink->opaque, e);
}

xmlDoc *vnic_xml_read_memory(const char *buf, size_t len, const char *docname, int options,
                             vnic_xml_error_fn on_error, void *opaque)
{
    vnic_xml_init();
    if (len > INT_MAX)
        return NULL;
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt)
        return NULL;
    error_sink sink = {.fn = on_error, .opaque = opaque};
    ctxt->_private = &sink;
    /* xmlNewParserCtxt gives every context a SAX2 handler of its own, so this changes no
     * other parse. */
    if (!ctxt->sax || ctxt->sax->initialized != XML_SAX2_MAGIC) {
        xmlFreeParserCtxt(ctxt);
        return NULL;
    }
    ctxt->sax->serror = context_error;
    vnic_xml_track_lines(ctxt);
    xmlDoc *doc = xmlCtxtReadMemory(ctxt, buf, (int)len, docname, NULL, options);
    xmlFreeParserCtxt(ctxt);
    return doc;
}

char *vnic_xml_file_read(const char *path, size_t max, size_t *ret_len, vnic_diag_list *diags)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        vnic_diag_add(diags, path, 0, _("cannot open file: %s"), strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        vnic_diag_add(diags, path, 0, _("cannot read file: %s"), strerror(errno));
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        vnic_diag_add(diags, path, 0, _("cannot read file: %s"), strerror(EISDIR));
        return NULL;
    }

    size_t len = 0, alloc = 8192;
    _cleanup_free_ char *buf = vnic_xmalloc(alloc);
    for (;;) {
        if (alloc - len < 4096) {
            alloc *= 2;
            buf = vnic_xreallocarray(buf, alloc, 1);
        }
        ssize_t r = read(fd, buf + len, alloc - len - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            vnic_diag_add(diags, path, 0, _("cannot read file: %s"), strerror(errno));
            return NULL;
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len > max) {
            vnic_diag_add(diags, path, 0, _("file is larger than %d MiB"),
                          (int)(max / (1024 * 1024)));
            return NULL;
        }
    }
    buf[len] = '\0';
    *ret_len = len;
    return TAKE_PTR(buf);
}

char *vnic_xml_error_text(const xmlError *e)
{
    char *msg = vnic_xstrdup(e->message ? e->message : "?");
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    return msg;
}
