/* vnic_policy_validate_file through the public header and libvnic.so alone: the return
 * convention of vnic.h (0, or -1 with an error; diags and err may be NULL, the first
 * diagnostic then folded into the error's message). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vnic/vnic.h>

#include "testutil.h"

static char tmpdir[] = "/tmp/vnic-policy-api-XXXXXX";

static char *write_file(const char *name, const char *text)
{
    size_t n = strlen(tmpdir) + strlen(name) + 2;
    char *path = malloc(n);
    if (!path)
        abort();
    snprintf(path, n, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) == EOF || fclose(f) != 0)
        abort();
    return path;
}

int main(void)
{
    if (!mkdtemp(tmpdir))
        return 2;
    char *good = write_file("good.xml", "<policy xmlns='http://vnic.dev/xmlns/policy/1.0'>\n"
                                        "  <allow user='0'><operations>read</operations></allow>\n"
                                        "</policy>\n");
    char *bad = write_file("bad.xml", "<policy xmlns='http://vnic.dev/xmlns/policy/1.0'>\n"
                                      "  <deny group='no-such-group-vnic'/>\n"
                                      "</policy>\n");
    char *domain = write_file("domain.xml", "<domain><name>x</name></domain>\n");
    vnic_diag_list diags = {0};
    vnic_error *err = NULL;

    CHECK(vnic_policy_validate_file(good, &diags, &err) == 0);
    CHECK(err == NULL && diags.count == 0);
    CHECK(vnic_policy_validate_file(good, NULL, NULL) == 0);

    CHECK(vnic_policy_validate_file(bad, &diags, &err) == -1);
    CHECK(err && err->code == VNIC_ERR_XML && strstr(err->message, "the policy is not valid"));
    CHECK(diags.count == 1 && diags.items[0]->line == 2 && strcmp(diags.items[0]->file, bad) == 0 &&
          strcmp(diags.items[0]->message, "<deny>: unknown group 'no-such-group-vnic'") == 0);
    vnic_diag_clear(&diags);
    vnic_error_free(err);
    err = NULL;

    /* Without diags, the first diagnostic is in the error's message. */
    CHECK(vnic_policy_validate_file(bad, NULL, &err) == -1);
    CHECK(err && strstr(err->message, "unknown group 'no-such-group-vnic'"));
    vnic_error_free(err);
    err = NULL;
    CHECK(vnic_policy_validate_file(bad, NULL, NULL) == -1);

    /* A domain is not a policy. */
    CHECK(vnic_policy_validate_file(domain, &diags, &err) == -1);
    CHECK(diags.count == 1 &&
          strcmp(diags.items[0]->message, "the root element must be <policy>, not <domain>") == 0);
    vnic_diag_clear(&diags);
    vnic_error_free(err);
    err = NULL;

    /* A missing file. */
    char *missing = write_file("x", "");
    unlink(missing);
    CHECK(vnic_policy_validate_file(missing, &diags, &err) == -1);
    CHECK(err && err->code == VNIC_ERR_IO && diags.count == 1);
    vnic_diag_clear(&diags);
    vnic_error_free(err);

    unlink(good);
    unlink(bad);
    unlink(domain);
    rmdir(tmpdir);
    free(good);
    free(bad);
    free(domain);
    free(missing);
    return test_result("policy-api");
}
