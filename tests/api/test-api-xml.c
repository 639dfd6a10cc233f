/* The XML-text calls of vnic.h (create_xml, define_xml, attach_interface_xml), in-process
 * against libvnic through the public header only: they work from a string, their diagnostics
 * name the document name given (or "<string>") and the lines of that string, each refuses the
 * flags of other calls, and the _file calls give exactly the diagnostics of the text they read.
 * Run inside a private network namespace (api.sh): it makes taps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vnic/vnic.h>

#include "testutil.h"

#define UNKNOWN_FLAG (1u << 20)

static char tmpdir[] = "/tmp/vnic-api-xml-XXXXXX";

/* An error is set with CODE, its message ends with TAIL (if not NULL) and contains WANT (if
 * not NULL); the error is freed. */
static void check_err(int line, vnic_error **err, vnic_error_code code, const char *want,
                      const char *tail)
{
    test_checks++;
    if (!*err) {
        fprintf(stderr, "line %d: no error set\n", line);
        test_failures++;
        return;
    }
    const char *m = (*err)->message;
    size_t ml = strlen(m), tl = tail ? strlen(tail) : 0;
    if ((*err)->code != code || (want && !strstr(m, want)) ||
        (tail && (ml < tl || strcmp(m + ml - tl, tail) != 0))) {
        fprintf(stderr,
                "line %d: error code %d, message '%s' (wanted code %d, '%s', ending '%s')\n", line,
                (*err)->code, m, code, want ? want : "", tail ? tail : "");
        test_failures++;
    }
    vnic_error_free(*err);
    *err = NULL;
}
#define ERR(code, want) check_err(__LINE__, &err, code, want, NULL)
/* Refused flags: the message names exactly these bits. */
#define ERR_FLAGS(bits) check_err(__LINE__, &err, VNIC_ERR_INVALID, "unsupported flags", bits)

/* The first diagnostic names FILE and LINE. */
static void check_diag(int line, vnic_diag_list *diags, const char *file, int want_line)
{
    test_checks++;
    if (diags->count == 0 || strcmp(diags->items[0]->file, file) != 0 ||
        diags->items[0]->line != want_line) {
        fprintf(stderr, "line %d: diagnostics %zu, first %s:%d (wanted %s:%d)\n", line,
                diags->count, diags->count ? diags->items[0]->file : "-",
                diags->count ? diags->items[0]->line : -1, file, want_line);
        test_failures++;
    }
    vnic_diag_clear(diags);
}
#define DIAG(file, line) check_diag(__LINE__, &diags, file, line)

/* Two runs gave the same diagnostics and the same error, byte for byte. */
static void check_same(int line, vnic_diag_list *a, vnic_diag_list *b, vnic_error **ea,
                       vnic_error **eb)
{
    test_checks++;
    bool same = a->count > 0 && a->count == b->count && *ea && *eb && (*ea)->code == (*eb)->code &&
                strcmp((*ea)->message, (*eb)->message) == 0;
    for (size_t i = 0; same && i < a->count; i++)
        same = strcmp(a->items[i]->file, b->items[i]->file) == 0 &&
               a->items[i]->line == b->items[i]->line &&
               strcmp(a->items[i]->message, b->items[i]->message) == 0;
    if (!same) {
        fprintf(stderr, "line %d: the diagnostics differ (%zu vs %zu; '%s' vs '%s')\n", line,
                a->count, b->count, *ea ? (*ea)->message : "-", *eb ? (*eb)->message : "-");
        test_failures++;
    }
    vnic_diag_clear(a);
    vnic_diag_clear(b);
    vnic_error_free(*ea);
    vnic_error_free(*eb);
    *ea = *eb = NULL;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "we");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* A domain with one tap. */
static const char dom_x1[] = "<domain>\n"
                             "  <name>x1</name>\n"
                             "  <devices>\n"
                             "    <interface type='ethernet'><target dev='vx1'/></interface>\n"
                             "  </devices>\n"
                             "</domain>\n";
/* An element vnic does not know, on line 3 of the string. */
static const char dom_bad[] =
    "<domain>\n"
    "<name>xbad</name>\n"
    "<devices><interface type='ethernet'><nosuch/></interface></devices>\n"
    "</domain>\n";
/* A tap and an interface type vnic does not handle. */
static const char dom_bridge[] = "<domain>\n"
                                 "<name>x2</name>\n"
                                 "<devices>\n"
                                 "<interface type='ethernet'><target dev='vx2'/></interface>\n"
                                 "<interface type='bridge'><source bridge='br0'/></interface>\n"
                                 "</devices>\n"
                                 "</domain>\n";
static const char if_ok[] = "<interface type='ethernet'>\n"
                            "  <target dev='vx1b'/>\n"
                            "</interface>\n";
static const char if_bad[] = "<interface type='ethernet'>\n"
                             "  <target dev='vx1c'/>\n"
                             "  <nosuch/>\n"
                             "</interface>\n";
static const char if_bridge[] = "<interface type='bridge'><source bridge='br0'/></interface>\n";

static void test_create(vnic_conn *conn)
{
    vnic_error *err = NULL;
    vnic_diag_list diags = {0};
    vnic_domain_info *info = NULL;

    /* A broken document: the diagnostics name the document name and the string's line. */
    CHECK(vnic_domain_create_xml(conn, dom_bad, "mem-bad.xml", 0, &info, &diags, &err) == -1);
    ERR(VNIC_ERR_XML, "mem-bad.xml");
    DIAG("mem-bad.xml", 3);
    /* No document name: the placeholder, still with the line. */
    CHECK(vnic_domain_create_xml(conn, dom_bad, NULL, 0, &info, &diags, &err) == -1);
    ERR(VNIC_ERR_XML, NULL);
    DIAG(VNIC_XML_DOCNAME_DEFAULT, 3);
    CHECK(strcmp(VNIC_XML_DOCNAME_DEFAULT, "<string>") == 0);
    /* Without diags, the error carries the first one. */
    CHECK(vnic_domain_create_xml(conn, dom_bad, NULL, 0, &info, NULL, &err) == -1);
    ERR(VNIC_ERR_XML, "<string>:3");
    CHECK(vnic_domain_create_xml(conn, dom_bad, "mem-bad.xml", 0, &info, NULL, NULL) == -1);
    CHECK(vnic_domain_create_xml(conn, NULL, "none.xml", 0, &info, NULL, NULL) == -1);
    CHECK(vnic_domain_create_xml(conn, NULL, "none.xml", 0, &info, NULL, &err) == -1);
    ERR(VNIC_ERR_INVALID, NULL);

    /* Flags: unknown bits, and the bits of other calls (start, parse, define). */
    CHECK(vnic_domain_create_xml(conn, dom_x1, "m.xml", UNKNOWN_FLAG, &info, NULL, NULL) == -1);
    CHECK(vnic_domain_create_xml(conn, dom_x1, "m.xml", UNKNOWN_FLAG | VNIC_CREATE_SUPERVISED,
                                 &info, &diags, &err) == -1);
    ERR_FLAGS("0x100000");
    CHECK(vnic_domain_create_xml(conn, dom_x1, "m.xml", VNIC_START_SUPERVISED, &info, NULL, &err) ==
          -1);
    ERR_FLAGS("vnic_domain_create_xml: unsupported flags 0x100");
    CHECK(vnic_domain_create_xml(conn, dom_x1, "m.xml", VNIC_PARSE_SKIP_UNSUPPORTED, &info, NULL,
                                 &err) == -1);
    ERR_FLAGS("unsupported flags 0x1");
    CHECK(vnic_domain_create_file(conn, "/nonexistent.xml", VNIC_START_SUPERVISED, &info, NULL,
                                  &err) == -1);
    ERR_FLAGS("vnic_domain_create_file: unsupported flags 0x100");
    CHECK(info == NULL);
    CHECK(diags.count == 0);

    /* Skipping unsupported interfaces is create's own flag, passed on to the parser. */
    CHECK(vnic_domain_create_xml(conn, dom_bridge, "br.xml", 0, &info, &diags, &err) == -1);
    ERR(VNIC_ERR_XML, NULL);
    DIAG("br.xml", 5);
    CHECK(vnic_domain_create_xml(conn, dom_bridge, "br.xml", VNIC_CREATE_SKIP_UNSUPPORTED, &info,
                                 &diags, &err) == 0);
    CHECK(err == NULL);
    CHECK(info && info->ninterfaces == 1 && strcmp(info->interfaces[0]->name, "vx2") == 0);
    vnic_domain_info_free(info);
    info = NULL;
    CHECK(vnic_domain_destroy(conn, "x2", NULL) == 0);

    /* Success, from a string. */
    CHECK(vnic_domain_create_xml(conn, dom_x1, "mem-x1.xml", 0, &info, &diags, &err) == 0);
    CHECK(err == NULL);
    CHECK(diags.count == 0);
    CHECK(info && strcmp(info->name, "x1") == 0 && strcmp(info->state, "active") == 0 &&
          info->ninterfaces == 1 && strcmp(info->interfaces[0]->name, "vx1") == 0);
    vnic_domain_info_free(info);
}

static void test_attach(vnic_conn *conn)
{
    vnic_error *err = NULL;
    vnic_diag_list diags = {0};
    unsigned index = 99;

    CHECK(vnic_domain_attach_interface_xml(conn, "x1", if_bad, "if-bad.xml", 0, &index, &diags,
                                           &err) == -1);
    ERR(VNIC_ERR_XML, "if-bad.xml");
    DIAG("if-bad.xml", 3);
    CHECK(vnic_domain_attach_interface_xml(conn, "x1", if_bad, NULL, 0, &index, &diags, &err) ==
          -1);
    ERR(VNIC_ERR_XML, NULL);
    DIAG("<string>", 3);
    CHECK(vnic_domain_attach_interface_xml(conn, "x1", if_bad, NULL, 0, &index, NULL, &err) == -1);
    ERR(VNIC_ERR_XML, "<string>:3");
    CHECK(vnic_domain_attach_interface_xml(conn, "x1", if_bad, NULL, 0, &index, NULL, NULL) == -1);
    CHECK(vnic_domain_attach_interface_xml(conn, "x1", NULL, NULL, 0, &index, NULL, &err) == -1);
    ERR(VNIC_ERR_INVALID, NULL);
    /* A whole domain is not an interface: the message names the document. */
    CHECK(vnic_domain_attach_interface_xml(conn, "x1", dom_x1, "mem-dom.xml", 0, &index, NULL,
                                           &err) == -1);
    ERR(VNIC_ERR_INVALID, "mem-dom.xml: ");

    CHECK(vnic_domain_attach_interface_xml(conn, "x1", if_ok, "m.xml", UNKNOWN_FLAG, &index, NULL,
                                           NULL) == -1);
    CHECK(vnic_domain_attach_interface_xml(conn, "x1", if_ok, "m.xml",
                                           UNKNOWN_FLAG | VNIC_ATTACH_NO_SCHEMA, &index, NULL,
                                           &err) == -1);
    ERR_FLAGS("vnic_domain_attach_interface_xml: unsupported flags 0x100000");
    CHECK(vnic_domain_attach_interface_xml(conn, "x1", if_ok, "m.xml", VNIC_PARSE_NO_SCHEMA, &index,
                                           NULL, &err) == -1);
    ERR_FLAGS("unsupported flags 0x2");
    CHECK(vnic_domain_attach_interface_xml(conn, "x1", if_ok, "m.xml",
                                           VNIC_QMP_ATTACH_SKIP_UNSUPPORTED, &index, NULL,
                                           &err) == -1);
    ERR_FLAGS("unsupported flags 0x800");
    CHECK(vnic_domain_attach_interface_file(conn, "x1", "/nonexistent.xml", VNIC_PARSE_NO_SCHEMA,
                                            &index, NULL, &err) == -1);
    ERR_FLAGS("vnic_domain_attach_interface_file: unsupported flags 0x2");

    /* Attach's skip flag is its own and accepted, but a standalone interface of another type
     * is still refused (skipping it would leave nothing to attach). */
    CHECK(vnic_domain_attach_interface_xml(conn, "x1", if_bridge, "ifbr.xml", 0, &index, &diags,
                                           &err) == -1);
    ERR(VNIC_ERR_XML, NULL);
    DIAG("ifbr.xml", 1);
    CHECK(vnic_domain_attach_interface_xml(conn, "x1", if_bridge, "ifbr.xml",
                                           VNIC_ATTACH_SKIP_UNSUPPORTED, &index, &diags,
                                           &err) == -1);
    ERR(VNIC_ERR_XML, "ifbr.xml: ");
    DIAG("ifbr.xml", 1);
    CHECK(index == 99);

    CHECK(vnic_domain_attach_interface_xml(conn, "x1", if_ok, "mem-if.xml", 0, &index, &diags,
                                           &err) == 0);
    CHECK(err == NULL);
    CHECK(index == 1);
    vnic_domain_info *info = NULL;
    CHECK(vnic_domain_lookup(conn, "x1", &info, NULL) == 0);
    CHECK(info && info->ninterfaces == 2 && strcmp(info->interfaces[1]->name, "vx1b") == 0);
    vnic_domain_info_free(info);
    CHECK(vnic_domain_destroy(conn, "x1", &err) == 0);
    CHECK(err == NULL);
}

static void test_define(vnic_conn *conn)
{
    vnic_error *err = NULL;
    vnic_diag_list diags = {0};
    vnic_domain_info *info = NULL;

    CHECK(vnic_domain_define_xml(conn, dom_bad, "def-bad.xml", 0, &info, &diags, &err) == -1);
    ERR(VNIC_ERR_XML, "def-bad.xml");
    DIAG("def-bad.xml", 3);
    CHECK(vnic_domain_define_xml(conn, dom_bad, NULL, 0, &info, &diags, &err) == -1);
    ERR(VNIC_ERR_XML, NULL);
    DIAG("<string>", 3);
    CHECK(vnic_domain_define_xml(conn, dom_bad, NULL, 0, &info, NULL, &err) == -1);
    ERR(VNIC_ERR_XML, "<string>:3");
    CHECK(vnic_domain_define_xml(conn, dom_bad, NULL, 0, &info, NULL, NULL) == -1);
    CHECK(vnic_domain_define_xml(conn, NULL, NULL, 0, &info, NULL, &err) == -1);
    ERR(VNIC_ERR_INVALID, NULL);

    CHECK(vnic_domain_define_xml(conn, dom_x1, "m.xml", UNKNOWN_FLAG, &info, NULL, NULL) == -1);
    CHECK(vnic_domain_define_xml(conn, dom_x1, "m.xml", UNKNOWN_FLAG | VNIC_DEFINE_NO_SCHEMA, &info,
                                 NULL, &err) == -1);
    ERR_FLAGS("vnic_domain_define_xml: unsupported flags 0x100000");
    CHECK(vnic_domain_define_xml(conn, dom_x1, "m.xml", VNIC_CREATE_SUPERVISED, &info, NULL,
                                 &err) == -1);
    ERR_FLAGS("unsupported flags 0x10");
    CHECK(vnic_domain_define_xml(conn, dom_x1, "m.xml", VNIC_START_SUPERVISED, &info, NULL, &err) ==
          -1);
    ERR_FLAGS("unsupported flags 0x100");
    CHECK(vnic_domain_define_file(conn, "/nonexistent.xml", VNIC_CREATE_NO_SCHEMA, &info, NULL,
                                  &err) == -1);
    ERR_FLAGS("vnic_domain_define_file: unsupported flags 0x8");
    CHECK(info == NULL);

    /* Define's own skip flag reaches the parser. */
    CHECK(vnic_domain_define_xml(conn, dom_bridge, "br.xml", 0, &info, &diags, &err) == -1);
    ERR(VNIC_ERR_XML, NULL);
    DIAG("br.xml", 5);
    CHECK(vnic_domain_define_xml(conn, dom_bridge, "br.xml", VNIC_DEFINE_SKIP_UNSUPPORTED, &info,
                                 &diags, &err) == 0);
    CHECK(info && strcmp(info->name, "x2") == 0 && strcmp(info->state, "defined") == 0);
    vnic_domain_info_free(info);
    info = NULL;
    CHECK(vnic_domain_undefine(conn, "x2", 0, NULL) == 0);

    CHECK(vnic_domain_define_xml(conn, dom_x1, "mem-x1.xml", 0, &info, &diags, &err) == 0);
    CHECK(err == NULL);
    CHECK(diags.count == 0);
    CHECK(info && strcmp(info->name, "x1") == 0 && strcmp(info->state, "defined") == 0 &&
          info->persistent);
    vnic_domain_info_free(info);
    /* What was stored is what the string said. */
    char *xml = vnic_domain_get_xml(conn, "x1", VNIC_XML_INACTIVE, NULL);
    CHECK(xml && strstr(xml, "<target dev=\"vx1\"/>"));
    free(xml);
    CHECK(vnic_domain_start(conn, "x1", 0, NULL, NULL) == 0);
    CHECK(vnic_domain_undefine(conn, "x1", VNIC_UNDEFINE_DESTROY, &err) == 0);
    CHECK(err == NULL);
}

/* The _file calls: the text of the file, named by its path, gives what the _xml calls give. */
static void test_file_wrappers(vnic_conn *conn)
{
    char path_dom[256], path_if[256];
    snprintf(path_dom, sizeof(path_dom), "%s/bad.xml", tmpdir);
    snprintf(path_if, sizeof(path_if), "%s/if-bad.xml", tmpdir);
    write_file(path_dom, dom_bad);
    write_file(path_if, if_bad);

    vnic_error *ea = NULL, *eb = NULL;
    vnic_diag_list a = {0}, b = {0};
    vnic_domain_info *info = NULL;
    unsigned index;
    CHECK(vnic_domain_create_file(conn, path_dom, 0, &info, &a, &ea) == -1);
    CHECK(vnic_domain_create_xml(conn, dom_bad, path_dom, 0, &info, &b, &eb) == -1);
    CHECK(a.count && strcmp(a.items[0]->file, path_dom) == 0 && a.items[0]->line == 3);
    check_same(__LINE__, &a, &b, &ea, &eb);
    CHECK(vnic_domain_define_file(conn, path_dom, 0, &info, &a, &ea) == -1);
    CHECK(vnic_domain_define_xml(conn, dom_bad, path_dom, 0, &info, &b, &eb) == -1);
    check_same(__LINE__, &a, &b, &ea, &eb);
    CHECK(vnic_domain_attach_interface_file(conn, "x1", path_if, 0, &index, &a, &ea) == -1);
    CHECK(vnic_domain_attach_interface_xml(conn, "x1", if_bad, path_if, 0, &index, &b, &eb) == -1);
    check_same(__LINE__, &a, &b, &ea, &eb);
    /* Without diags, the folded-in first diagnostic is the same too. */
    CHECK(vnic_domain_create_file(conn, path_dom, 0, &info, NULL, &ea) == -1);
    CHECK(vnic_domain_create_xml(conn, dom_bad, path_dom, 0, &info, NULL, &eb) == -1);
    CHECK(ea && eb && strcmp(ea->message, eb->message) == 0);
    vnic_error_free(ea);
    vnic_error_free(eb);
    ea = eb = NULL;

    /* A file that cannot be read is named, as before the _xml calls existed. */
    char path_missing[256];
    snprintf(path_missing, sizeof(path_missing), "%s/missing.xml", tmpdir);
    CHECK(vnic_domain_create_file(conn, path_missing, 0, &info, &a, &ea) == -1);
    CHECK(ea && ea->code == VNIC_ERR_IO && strstr(ea->message, "missing.xml"));
    CHECK(a.count == 1 && strcmp(a.items[0]->file, path_missing) == 0);
    vnic_diag_clear(&a);
    vnic_error_free(ea);
    CHECK(info == NULL);
}

int main(int argc, char **argv)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    /* An embedded connection on a fresh root, or the URI given (the remote copy of this test
     * runs through vnicd: tests/lifecycle/in-netns.sh's remote mode). */
    char uri[512];
    snprintf(uri, sizeof(uri), "vnic:///embed?root=%s/root", tmpdir);
    if (argc > 1)
        snprintf(uri, sizeof(uri), "%s", argv[1]);
    vnic_error *err = NULL;
    vnic_conn *conn = NULL;
    if (vnic_conn_open(uri, &conn, &err) < 0) {
        fprintf(stderr, "cannot open %s: %s\n", uri, err ? err->message : "?");
        return 1;
    }

    test_create(conn);
    test_attach(conn);
    test_define(conn);
    test_file_wrappers(conn);

    /* Nothing is left behind. */
    vnic_domain_info **list = NULL;
    size_t n = 99;
    CHECK(vnic_domain_list(conn, VNIC_LIST_ALL, &list, &n, NULL) == 0);
    CHECK(n == 0);
    vnic_domain_info_list_free(list, n);
    vnic_conn_close(conn);

    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", tmpdir);
    return test_result("api-xml");
}
