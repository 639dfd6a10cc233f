/* libvnic leaves the calling program's libxml2 error handler alone: a program that installs
 * its own structured handler (xmlSetStructuredErrorFunc) keeps receiving its own libxml2
 * errors after vnic parsed broken, valid and schema-invalid documents and loaded a broken
 * schema, and vnic's messages never reach that handler; vnic's diagnostics still name file and
 * line. Argument: the directory of invalid documents (tests/conf/invalid), all parsed too.
 * Needs VNIC_SCHEMA_DIR (the source tree's schemas). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <vnic/vnic.h>

#include "testutil.h"

static int program_errors;
static int program_cookie;

/* The program's own handler: counts what reaches it, and checks the context it registered. */
static void program_handler(void *data, xmlErrorPtr e)
{
    if (data != &program_cookie) {
        fprintf(stderr, "program handler called with a foreign context\n");
        test_failures++;
    }
    program_errors++;
    if (e && e->message)
        fprintf(stderr, "  (program handler: %s:%d: %s)", e->file ? e->file : "?", e->line,
                e->message);
}

/* diags holds a diagnostic for FILE at LINE whose message contains WANT. */
static int has_diag(const vnic_diag_list *diags, const char *file, int line, const char *want)
{
    for (size_t i = 0; i < diags->count; i++) {
        const vnic_diag *d = diags->items[i];
        if (d->file && strcmp(d->file, file) == 0 && d->line == line && strstr(d->message, want))
            return 1;
    }
    for (size_t i = 0; i < diags->count; i++)
        fprintf(stderr, "  diag: %s:%d: %s\n", diags->items[i]->file, diags->items[i]->line,
                diags->items[i]->message);
    return 0;
}

static void parse_bad(const char *xml, const char *name, int line, const char *want)
{
    vnic_domain_def *def = NULL;
    vnic_diag_list diags = {0};
    vnic_error *err = NULL;
    int r = vnic_domain_def_parse_string(xml, name, 0, &def, &diags, &err);
    if (r != -1)
        fprintf(stderr, "%s: parsed\n", name);
    CHECK(r == -1);
    CHECK(def == NULL);
    vnic_domain_def_free(def);
    CHECK(err && err->code == VNIC_ERR_XML);
    CHECK(has_diag(&diags, name, line, want));
    vnic_error_free(err);
    vnic_diag_clear(&diags);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "we");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* The program's own parse of a broken document reaches the program's handler. */
static int program_parse_reports(void)
{
    int before = program_errors;
    xmlDoc *doc = xmlReadMemory("<a><b></a>", 10, "mine.xml", NULL, XML_PARSE_NONET);
    CHECK(doc == NULL);
    CHECK(program_errors > before);
    xmlFreeDoc(doc);
    return program_errors;
}

static const char valid[] = "<domain type='kvm'>\n"
                            "  <name>web1</name>\n"
                            "  <devices>\n"
                            "    <interface type='ethernet'>\n"
                            "      <target dev='vnet-x%d' managed='yes'/>\n"
                            "    </interface>\n"
                            "  </devices>\n"
                            "</domain>\n";

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s INVALID-DIR\n", argv[0]);
        return 2;
    }
    xmlInitParser();
    xmlSetStructuredErrorFunc(&program_cookie, program_handler);
    int seen = program_parse_reports();

    /* Not well-formed: the mismatched end tag on line 4. */
    parse_bad("<domain>\n<name>x</name>\n<devices>\n</domain>\n", "broken.xml", 4, "malformed XML");
    /* Namespace and encoding trouble, which libxml2 reports by other paths. */
    parse_bad("<domain>\n  <a:b/>\n</domain>\n", "ns.xml", 2, "malformed XML");
    parse_bad("<?xml version='1.0' encoding='no-such-encoding'?>\n<domain/>\n", "enc.xml", 1,
              "malformed XML");
    parse_bad("<domain>\n\n<name>&undefined;</name></domain>\n", "entity.xml", 3, "malformed XML");
    /* Well-formed, refused by the schema alone (libxml2 names the <domain> on line 1). */
    parse_bad("<domain type='kvm'>\n  <name>web1</name>\n  <devices/>\n  <devices/>\n</domain>\n",
              "schema.xml", 1, "schema:");
    CHECK(program_errors == seen);

    vnic_domain_def *def = NULL;
    vnic_error *err = NULL;
    CHECK(vnic_domain_def_parse_string(valid, "valid.xml", 0, &def, NULL, &err) == 0);
    CHECK(def && !err);
    char *text = def ? vnic_domain_def_format(def, &err) : NULL;
    CHECK(text != NULL);
    free(text);
    vnic_domain_def_free(def);
    vnic_error_free(err);
    err = NULL;

    /* Every document of the invalid corpus. */
    DIR *d = opendir(argv[1]);
    CHECK(d != NULL);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".xml") != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", argv[1], e->d_name);
        vnic_diag_list diags = {0};
        def = NULL;
        CHECK(vnic_domain_def_parse_file(path, 0, &def, &diags, &err) == -1);
        CHECK(diags.count > 0 || err);
        vnic_domain_def_free(def);
        vnic_diag_clear(&diags);
        vnic_error_free(err);
        err = NULL;
        n++;
    }
    if (d)
        closedir(d);
    CHECK(n > 10);
    CHECK(program_errors == seen);

    /* A schema directory whose domain.rng includes a broken file: loading it fails with the
     * broken file's name and line, not through the program's handler. */
    char dir[] = "/tmp/vnic-xml-errors-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char rng[4200], inc[4200];
    snprintf(rng, sizeof(rng), "%s/domain.rng", dir);
    snprintf(inc, sizeof(inc), "%s/part.rng", dir);
    write_file(rng, "<grammar xmlns='http://relaxng.org/ns/structure/1.0'>\n"
                    "  <include href='part.rng'/>\n"
                    "</grammar>\n");
    write_file(inc, "<grammar xmlns='http://relaxng.org/ns/structure/1.0'>\n"
                    "  <start><element name='domain'><empty/></element></start>\n"
                    "  <define name='x'>\n"
                    "</grammar>\n");
    const char *saved = getenv("VNIC_SCHEMA_DIR");
    char *saved_copy = saved ? strdup(saved) : NULL;
    setenv("VNIC_SCHEMA_DIR", dir, 1);
    def = NULL;
    CHECK(vnic_domain_def_parse_string(valid, "valid.xml", 0, &def, NULL, &err) == -1);
    CHECK(err && strstr(err->message, "part.rng:4:"));
    if (err)
        fprintf(stderr, "broken schema: %s\n", err->message);
    vnic_error_free(err);
    err = NULL;
    unlink(inc);
    unlink(rng);
    rmdir(dir);
    if (saved_copy)
        setenv("VNIC_SCHEMA_DIR", saved_copy, 1);
    free(saved_copy);
    CHECK(program_errors == seen);

    /* And the program's libxml2 still reports to the program. */
    CHECK(program_parse_reports() > seen);
    return test_result("xml-errors");
}
