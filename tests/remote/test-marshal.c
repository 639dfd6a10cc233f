/* vnic's structs through the JSON of io.vnic.Domain and io.vnic.Events (src/remote/marshal.c):
 * every type makes the round trip unchanged, and every bad member a hostile peer could send is
 * refused, named by its path, with nothing handed out. */
#include "config.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "marshal.h"
#include "strutil.h"
#include "testutil.h"

/* The text O would travel as, parsed again as the other end does. */
static json_object *over_the_wire(json_object *o)
{
    json_object *back =
        json_tokener_parse(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return back;
}

static const char *text(json_object *o)
{
    return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

static vnic_interface_info *iface(unsigned index, bool full)
{
    vnic_interface_info *f = vnic_xcalloc(1, sizeof(*f));
    f->size = sizeof(*f);
    f->index = index;
    f->type = vnic_xstrdup(full ? "direct" : "ethernet");
    f->backend = vnic_xstrdup(full ? "macvtap" : "tap");
    f->name = vnic_xstrdup(full ? "macvtap7" : "vnet0");
    f->ifindex = full ? 2147483647 : 0;
    if (full) {
        f->alias = vnic_xstrdup("net1");
        f->source = vnic_xstrdup("eth0");
        f->mode = vnic_xstrdup("passthrough");
        f->model = vnic_xstrdup("virtio");
        strcpy(f->mac, "52:54:00:AB:cd:01");
        strcpy(f->host_mac, "52:54:00:ab:cd:02");
    }
    f->mtu = full ? 4294967295u : 1500;
    f->queues = full ? 16 : 1;
    f->vnet_hdr = full;
    f->managed = !full;
    return f;
}

static vnic_domain_info *sample_info(void)
{
    vnic_domain_info *info = vnic_xcalloc(1, sizeof(*info));
    info->size = sizeof(*info);
    info->name = vnic_xstrdup("vm-\xc3\xa9t\xc3\xa9 \"quoted\"");
    info->uuid = vnic_xstrdup("c7a5fdbd-edaf-9455-926a-d65c16db1809");
    info->state = vnic_xstrdup("degraded");
    info->persistent = true;
    info->ninterfaces = 2;
    info->interfaces = vnic_xcalloc(3, sizeof(*info->interfaces));
    info->interfaces[0] = iface(0, false);
    info->interfaces[1] = iface(1, true);
    return info;
}

static void test_info(void)
{
    vnic_domain_info *info = sample_info();
    json_object *o = vnic_marshal_info(info);
    char *first = vnic_xstrdup(text(o));
    /* Optional members are omitted when NULL. */
    json_object *i0 = json_object_array_get_idx(json_object_object_get(o, "interfaces"), 0);
    CHECK(!json_object_object_get_ex(i0, "alias", NULL));
    CHECK(!json_object_object_get_ex(i0, "source", NULL));
    CHECK(!json_object_object_get_ex(i0, "model", NULL));
    o = over_the_wire(o);

    vnic_domain_info *back = NULL;
    vnic_error *err = NULL;
    CHECK(vnic_unmarshal_info(o, "info", &back, &err) == 0 && back && !err);
    if (!back)
        return;
    CHECK(back->size == sizeof(*back));
    CHECK_STREQ(back->name, info->name);
    CHECK_STREQ(back->uuid, info->uuid);
    CHECK_STREQ(back->state, "degraded");
    CHECK(back->persistent);
    CHECK(back->ninterfaces == 2 && back->interfaces[2] == NULL);
    for (size_t i = 0; i < 2; i++) {
        const vnic_interface_info *a = info->interfaces[i], *b = back->interfaces[i];
        CHECK(b->size == sizeof(*b));
        CHECK(a->index == b->index && a->ifindex == b->ifindex && a->mtu == b->mtu);
        CHECK(a->queues == b->queues && a->vnet_hdr == b->vnet_hdr && a->managed == b->managed);
        CHECK(vnic_streq_null(a->alias, b->alias) && vnic_streq_null(a->source, b->source));
        CHECK(vnic_streq_null(a->mode, b->mode) && vnic_streq_null(a->model, b->model));
        CHECK_STREQ(a->type, b->type);
        CHECK_STREQ(a->backend, b->backend);
        CHECK_STREQ(a->name, b->name);
        CHECK_STREQ(a->mac, b->mac);
        CHECK_STREQ(a->host_mac, b->host_mac);
    }
    json_object *again = vnic_marshal_info(back);
    CHECK_STREQ(text(again), first);
    json_object_put(again);
    vnic_domain_info_free(back);
    json_object_put(o);

    /* null for an optional member reads as absent; unknown members are ignored. */
    o = json_tokener_parse(first);
    json_object_object_add(o, "uuid", NULL);
    json_object_object_add(o, "from_the_future", json_object_new_int(1));
    back = NULL;
    CHECK(vnic_unmarshal_info(o, "info", &back, NULL) == 0 && back && back->uuid == NULL);
    vnic_domain_info_free(back);
    json_object_put(o);

    /* No interfaces. */
    vnic_domain_info_free(info);
    info = vnic_xcalloc(1, sizeof(*info));
    info->size = sizeof(*info);
    info->name = vnic_xstrdup("a");
    info->state = vnic_xstrdup("defined");
    o = over_the_wire(vnic_marshal_info(info));
    back = NULL;
    CHECK(vnic_unmarshal_info(o, "info", &back, NULL) == 0 && back && back->ninterfaces == 0);
    CHECK(back && back->interfaces && back->uuid == NULL && !back->persistent);
    vnic_domain_info_free(back);
    vnic_domain_info_free(info);
    json_object_put(o);
    free(first);
}

static void test_diags(void)
{
    vnic_diag_list list = {0};
    vnic_diag_add(&list, "vm1.xml", 3, "%s", "bad <thing> \"here\"");
    vnic_diag_add(&list, "other.xml", 0, "%s", "no line");
    json_object *o = over_the_wire(vnic_marshal_diags(&list));
    vnic_diag_list back = {0};
    vnic_diag_add(&back, "first", 1, "already there");
    CHECK(vnic_unmarshal_diags(o, "diagnostics", &back, NULL) == 0);
    CHECK(back.count == 3);
    for (size_t i = 0; i < 2 && back.count == 3; i++) {
        CHECK_STREQ(back.items[i + 1]->file, list.items[i]->file);
        CHECK(back.items[i + 1]->line == list.items[i]->line);
        CHECK_STREQ(back.items[i + 1]->message, list.items[i]->message);
        CHECK(back.items[i + 1]->size == sizeof(vnic_diag));
    }
    json_object_put(o);
    o = vnic_marshal_diags(NULL);
    CHECK_STREQ(text(o), "[]");
    json_object_put(o);
    vnic_diag_clear(&list);
    vnic_diag_clear(&back);
}

static void test_actions(void)
{
    vnic_reconcile_action a = {.size = sizeof(a),
                               .domain = "vm1",
                               .device = "vnet3",
                               .action = "removed-orphan",
                               .message = "gone"};
    vnic_reconcile_action b = {.size = sizeof(b), .action = "error", .message = "x"};
    vnic_reconcile_action *acts[] = {&a, &b};
    json_object *o = over_the_wire(vnic_marshal_actions(acts, 2));
    vnic_reconcile_action **back = NULL;
    size_t n = 0;
    CHECK(vnic_unmarshal_actions(o, "actions", &back, &n, NULL) == 0 && n == 2);
    if (n == 2) {
        CHECK_STREQ(back[0]->domain, "vm1");
        CHECK_STREQ(back[0]->device, "vnet3");
        CHECK_STREQ(back[0]->action, "removed-orphan");
        CHECK_STREQ(back[0]->message, "gone");
        CHECK(back[1]->domain == NULL && back[1]->device == NULL);
        CHECK_STREQ(back[1]->action, "error");
        CHECK(back[0]->size == sizeof(vnic_reconcile_action));
    }
    vnic_reconcile_actions_free(back, n);
    json_object_put(o);

    o = over_the_wire(vnic_marshal_actions(NULL, 0));
    back = NULL;
    n = 7;
    CHECK(vnic_unmarshal_actions(o, "actions", &back, &n, NULL) == 0 && n == 0 && back);
    vnic_reconcile_actions_free(back, n);
    json_object_put(o);
}

static void test_event(void)
{
    vnic_event ev = {.size = sizeof(ev),
                     .domain = "vm1",
                     .index = 3,
                     .device = "eth0",
                     .type = "lower-down",
                     .degraded = true};
    json_object *o = over_the_wire(vnic_marshal_event(&ev));
    vnic_event back = {0};
    CHECK(vnic_unmarshal_event(o, "event", &back, NULL) == 0);
    CHECK(back.size == sizeof(back) && back.index == 3 && back.degraded);
    CHECK_STREQ(back.domain, "vm1");
    CHECK_STREQ(back.device, "eth0");
    CHECK_STREQ(back.type, "lower-down");
    json_object_put(o);
}

static void test_error_codes(void)
{
    for (int c = VNIC_ERR_INTERNAL; c < VNIC_ERR_LAST; c++)
        CHECK((int)vnic_unmarshal_error_code(vnic_marshal_error_code((vnic_error_code)c)) == c);
    CHECK_STREQ(vnic_marshal_error_code(VNIC_ERR_XML), "xml");
    CHECK_STREQ(vnic_marshal_error_code(VNIC_ERR_NONE), "internal");
    CHECK_STREQ(vnic_marshal_error_code(VNIC_ERR_LAST), "internal");
    CHECK(vnic_unmarshal_error_code("exploded") == VNIC_ERR_INTERNAL);
    CHECK(vnic_unmarshal_error_code(NULL) == VNIC_ERR_INTERNAL);
}

/* The daemon's error and diagnostics, as the client rebuilds them. */
static void test_failure(void)
{
    vnic_error *e = NULL;
    vnic_error_set_errno(&e, ENOENT, "cannot open %s", "/x");
    vnic_diag_list diags = {0};
    vnic_diag_add(&diags, "vm.xml", 12, "element 'foo': no");
    json_object *o = over_the_wire(vnic_marshal_failure(e, &diags));
    CHECK_STREQ(json_object_get_string(json_object_object_get(o, "error")),
                VNIC_VARLINK_ERROR_FAILED);
    vnic_error *back = NULL;
    vnic_diag_list bd = {0};
    CHECK(vnic_unmarshal_failure(o, &back, &bd) == -ENOENT);
    CHECK(back && back->code == VNIC_ERR_SYSTEM && back->sys_errno == ENOENT);
    CHECK(back && back->size == sizeof(*back));
    CHECK_STREQ(back ? back->message : NULL, e->message);
    CHECK(bd.count == 1 && bd.items[0]->line == 12);
    CHECK_STREQ(bd.count ? bd.items[0]->message : NULL, "element 'foo': no");
    /* An error already set stays; diags NULL is fine. */
    CHECK(vnic_unmarshal_failure(o, &back, NULL) == -ENOENT);
    CHECK_STREQ(back->message, e->message);
    vnic_error_free(back);
    vnic_diag_clear(&bd);
    vnic_diag_clear(&diags);
    json_object_put(o);
    vnic_error_free(e);

    /* Without errno: -EIO; without error: internal. */
    e = NULL;
    vnic_error_set(&e, VNIC_ERR_XML, "document is invalid");
    o = over_the_wire(vnic_marshal_failure(e, NULL));
    back = NULL;
    CHECK(vnic_unmarshal_failure(o, &back, &bd) == -EIO && bd.count == 0);
    CHECK(back && back->code == VNIC_ERR_XML && back->sys_errno == 0);
    CHECK_STREQ(back->message, "document is invalid");
    vnic_error_free(back);
    vnic_error_free(e);
    json_object_put(o);
    o = over_the_wire(vnic_marshal_failure(NULL, NULL));
    back = NULL;
    CHECK(vnic_unmarshal_failure(o, &back, NULL) == -EIO && back);
    CHECK(back && back->code == VNIC_ERR_INTERNAL && back->message[0]);
    vnic_error_free(back);
    json_object_put(o);

    /* The events interface's Failed has no diagnostics. */
    o = json_tokener_parse("{\"error\":\"io.vnic.Events.Failed\",\"parameters\":{\"code\":\"io\","
                           "\"errno\":5,\"message\":\"m\"}}");
    back = NULL;
    CHECK(vnic_unmarshal_failure(o, &back, &bd) == -EIO && back && back->code == VNIC_ERR_IO);
    vnic_error_free(back);
    json_object_put(o);

    /* PermissionDenied, of either interface. */
    for (int i = 0; i < 2; i++) {
        o = json_object_new_object();
        json_object *p = json_object_new_object();
        json_object_object_add(p, "message",
                               json_object_new_string("permission denied: no rule allows start"));
        json_object_object_add(o, "error",
                               json_object_new_string(i ? VNIC_VARLINK_EVENTS ".PermissionDenied"
                                                        : VNIC_VARLINK_ERROR_DENIED));
        json_object_object_add(o, "parameters", p);
        back = NULL;
        CHECK(vnic_unmarshal_failure(o, &back, &bd) == -EACCES);
        CHECK(back && back->code == VNIC_ERR_INVALID && back->sys_errno == EACCES);
        CHECK_STREQ(back ? back->message : NULL, "permission denied: no rule allows start");
        vnic_error_free(back);
        json_object_put(o);
    }

    /* Someone else's error. */
    o = json_tokener_parse("{\"error\":\"org.varlink.service.MethodNotFound\","
                           "\"parameters\":{\"method\":\"io.vnic.Domain.Fly\"}}");
    back = NULL;
    CHECK(vnic_unmarshal_failure(o, &back, NULL) == -EIO);
    CHECK(back && back->code == VNIC_ERR_INTERNAL);
    CHECK(back && strstr(back->message, "org.varlink.service.MethodNotFound") &&
          strstr(back->message, "{\"method\":\"io.vnic.Domain.Fly\"}"));
    vnic_error_free(back);
    json_object_put(o);
}

static void test_fds(void)
{
    size_t ifaces[] = {0, 2, 5}, counts[] = {2, 1, 0};
    json_object *o = vnic_marshal_fds(ifaces, counts, 3);
    CHECK_STREQ(text(o), "[{\"interface\":0,\"queue\":0},{\"interface\":0,\"queue\":1},"
                         "{\"interface\":2,\"queue\":0}]");
    json_object_put(o);
}

/* ---- rejections ------------------------------------------------------------------------ */

/* Replace (value NULL: delete) the member at PATH ("interfaces.1.ifindex") of ROOT. */
static void mutate(json_object *root, const char *path, const char *value)
{
    char *copy = vnic_xstrdup(path), *save = NULL;
    json_object *o = root;
    char *key = strtok_r(copy, ".", &save);
    for (char *next; (next = strtok_r(NULL, ".", &save)); key = next)
        o = json_object_is_type(o, json_type_array) ? json_object_array_get_idx(o, atoi(key))
                                                    : json_object_object_get(o, key);
    json_object *v = value ? json_tokener_parse(value) : NULL;
    if (value && strcmp(value, "null") != 0 && !v)
        abort(); /* a typo in the table */
    if (json_object_is_type(o, json_type_array))
        json_object_array_put_idx(o, (size_t)atoi(key), v);
    else if (!value)
        json_object_object_del(o, key);
    else
        json_object_object_add(o, key, v);
    free(copy);
}

struct bad {
    const char *path, *value; /* value NULL: the member is deleted */
    const char *want;         /* in the message */
};

static const struct bad bad_info[] = {
    {"name", NULL, "'info.name': missing"},
    {"name", "null", "'info.name': missing"},
    {"name", "42", "'info.name': not a string"},
    {"name", "\"a\\u0000b\"", "'info.name': contains a NUL character"},
    {"uuid", "5", "'info.uuid': not a string"},
    {"state", "\"running\"", "'info.state': unknown value 'running'"},
    {"persistent", "\"yes\"", "'info.persistent': not a boolean"},
    {"persistent", "1", "'info.persistent': not a boolean"},
    {"interfaces", NULL, "'info.interfaces': missing"},
    {"interfaces", "{}", "'info.interfaces': not an array"},
    {"interfaces.1", "1", "'info.interfaces[1]': not an object"},
    {"interfaces.0.index", "-1", "'info.interfaces[0].index': -1 is out of range"},
    {"interfaces.0.index", "4294967296", "'info.interfaces[0].index': 4294967296 is out of"},
    {"interfaces.1.alias", "[]", "'info.interfaces[1].alias': not a string"},
    {"interfaces.1.type", "\"bridge\"", "'info.interfaces[1].type': unknown value"},
    {"interfaces.0.backend", NULL, "'info.interfaces[0].backend': missing"},
    {"interfaces.0.name", "null", "'info.interfaces[0].name': missing"},
    {"interfaces.1.ifindex", "2147483648", "'info.interfaces[1].ifindex': 2147483648 is out"},
    {"interfaces.1.ifindex", "1.5", "'info.interfaces[1].ifindex': not an integer"},
    {"interfaces.1.ifindex", "\"7\"", "'info.interfaces[1].ifindex': not an integer"},
    {"interfaces.1.ifindex", "99999999999999999999999", "'info.interfaces[1].ifindex': "},
    {"interfaces.1.source", "{}", "'info.interfaces[1].source': not a string"},
    {"interfaces.1.mode", "\"sideways\"", "'info.interfaces[1].mode': unknown value"},
    {"interfaces.1.mac", "\"52:54:00:12:34\"", "'info.interfaces[1].mac': not a MAC"},
    {"interfaces.1.mac", "\"52:54:00:12:34:5g\"", "'info.interfaces[1].mac': not a MAC"},
    {"interfaces.1.mac", "\"52:54:00:12:34:567\"", "'info.interfaces[1].mac': not a MAC"},
    {"interfaces.1.host_mac", "\"52-54-00-12-34-56\"", "'info.interfaces[1].host_mac': not"},
    {"interfaces.0.mac", NULL, "'info.interfaces[0].mac': missing"},
    {"interfaces.1.model", "true", "'info.interfaces[1].model': not a string"},
    {"interfaces.0.mtu", "-1", "'info.interfaces[0].mtu': -1 is out of range"},
    {"interfaces.0.queues", "\"1\"", "'info.interfaces[0].queues': not an integer"},
    {"interfaces.0.queues", "4294967296", "'info.interfaces[0].queues': 4294967296 is out"},
    {"interfaces.0.vnet_hdr", "0", "'info.interfaces[0].vnet_hdr': not a boolean"},
    {"interfaces.1.managed", NULL, "'info.interfaces[1].managed': missing"},
};

static void test_bad_info(void)
{
    vnic_domain_info *info = sample_info();
    json_object *g = vnic_marshal_info(info);
    char *good = vnic_xstrdup(text(g));
    json_object_put(g);
    vnic_domain_info_free(info);

    for (size_t i = 0; i < ELEMENTSOF(bad_info); i++) {
        json_object *o = json_tokener_parse(good);
        mutate(o, bad_info[i].path, bad_info[i].value);
        vnic_domain_info *sentinel = (vnic_domain_info *)&good, *ret = sentinel;
        vnic_error *err = NULL;
        int r = vnic_unmarshal_info(o, "info", &ret, &err);
        CHECK(r == -EBADMSG && ret == sentinel && err && err->code == VNIC_ERR_IO);
        char want[256];
        snprintf(want, sizeof(want), "reply member %s", bad_info[i].want);
        if (!err || !strstr(err->message, want)) {
            fprintf(stderr, "%s = %s: got '%s'\n", bad_info[i].path,
                    bad_info[i].value ? bad_info[i].value : "(deleted)",
                    err ? err->message : "(no error)");
            CHECK(!"the message names the member");
        }
        vnic_error_free(err);
        json_object_put(o);
    }

    /* Not an object at all; strings and arrays over the limits. */
    vnic_domain_info *ret = NULL;
    vnic_error *err = NULL;
    json_object *o = json_object_new_int(3);
    CHECK(vnic_unmarshal_info(o, "info", &ret, &err) == -EBADMSG && !ret);
    CHECK(err && strstr(err->message, "reply member 'info': not an object"));
    vnic_error_free(err);
    json_object_put(o);

    char *huge = malloc(VNIC_MARSHAL_MAX_STRING + 2);
    memset(huge, 'x', VNIC_MARSHAL_MAX_STRING + 1);
    huge[VNIC_MARSHAL_MAX_STRING + 1] = '\0';
    o = json_tokener_parse(good);
    json_object_object_add(o, "name", json_object_new_string(huge));
    err = NULL;
    CHECK(vnic_unmarshal_info(o, "info", &ret, &err) == -EBADMSG && !ret);
    CHECK(err && strstr(err->message, "'info.name': longer than 16777216 bytes"));
    vnic_error_free(err);
    huge[VNIC_MARSHAL_MAX_STRING] = '\0'; /* exactly the limit is fine */
    json_object_object_add(o, "name", json_object_new_string(huge));
    CHECK(vnic_unmarshal_info(o, "info", &ret, NULL) == 0 && ret);
    vnic_domain_info_free(ret);
    ret = NULL;
    free(huge);

    json_object *arr = json_object_new_array();
    for (unsigned i = 0; i <= VNIC_MARSHAL_MAX_ITEMS; i++)
        json_object_array_add(arr, json_object_new_int(0));
    json_object_object_add(o, "interfaces", arr);
    err = NULL;
    CHECK(vnic_unmarshal_info(o, "info", &ret, &err) == -EBADMSG && !ret);
    CHECK(err && strstr(err->message, "'info.interfaces': more than 65536 items"));
    vnic_error_free(err);
    json_object_put(o);
    free(good);
}

/* Unmarshal TEXT with FN and expect a refusal mentioning WANT. */
#define EXPECT_BAD(textv, want, call)                                                              \
    do {                                                                                           \
        json_object *o = json_tokener_parse(textv);                                                \
        vnic_error *err = NULL;                                                                    \
        CHECK(o != NULL);                                                                          \
        int r = (call);                                                                            \
        CHECK(r == -EBADMSG);                                                                      \
        if (!err || !strstr(err->message, want)) {                                                 \
            fprintf(stderr, "%s: got '%s'\n", textv, err ? err->message : "(no error)");           \
            CHECK(!"the message names the member");                                                \
        }                                                                                          \
        vnic_error_free(err);                                                                      \
        json_object_put(o);                                                                        \
    } while (0)

static void test_bad_others(void)
{
    vnic_diag_list list = {0};
    vnic_diag_add(&list, "keep", 1, "kept");
#define DIAGS(t, w) EXPECT_BAD(t, w, vnic_unmarshal_diags(o, "diagnostics", &list, &err))
    DIAGS("{}", "'diagnostics': not an array");
    DIAGS("[1]", "'diagnostics[0]': not an object");
    DIAGS("[{\"line\":1,\"message\":\"m\"}]", "'diagnostics[0].file': missing");
    DIAGS("[{\"file\":\"f\",\"line\":-1,\"message\":\"m\"}]", "'diagnostics[0].line': -1 is out");
    DIAGS("[{\"file\":\"f\",\"line\":\"3\",\"message\":\"m\"}]",
          "'diagnostics[0].line': not an integer");
    /* A bad second item: the good first one is not appended either. */
    DIAGS(
        "[{\"file\":\"f\",\"line\":3,\"message\":\"m\"},{\"file\":\"f\",\"line\":3,\"message\":5}]",
        "'diagnostics[1].message': not a string");
    CHECK(list.count == 1);
    vnic_diag_clear(&list);

    vnic_reconcile_action **acts = NULL;
    size_t n = 99;
#define ACTS(t, w) EXPECT_BAD(t, w, vnic_unmarshal_actions(o, "actions", &acts, &n, &err))
    ACTS("{}", "'actions': not an array");
    ACTS("[{\"action\":\"exploded\",\"message\":\"m\"}]", "'actions[0].action': unknown value");
    ACTS("[{\"action\":\"error\",\"message\":\"m\"},{\"domain\":5,\"action\":\"error\","
         "\"message\":\"m\"}]",
         "'actions[1].domain': not a string");
    ACTS("[{\"action\":\"adopted\"}]", "'actions[0].message': missing");
    CHECK(acts == NULL && n == 99);

    vnic_event ev = {0};
#define EVENT(t, w) EXPECT_BAD(t, w, vnic_unmarshal_event(o, "event", &ev, &err))
    EVENT("[]", "'event': not an object");
    EVENT("{\"index\":0,\"device\":\"d\",\"type\":\"device-up\",\"degraded\":false}",
          "'event.domain': missing");
    EVENT("{\"domain\":\"v\",\"index\":-1,\"device\":\"d\",\"type\":\"device-up\","
          "\"degraded\":false}",
          "'event.index': -1 is out of range");
    EVENT("{\"domain\":\"v\",\"index\":0,\"device\":\"d\",\"type\":\"device-sideways\","
          "\"degraded\":false}",
          "'event.type': unknown value 'device-sideways'");
    EVENT("{\"domain\":\"v\",\"index\":0,\"device\":\"d\",\"type\":\"device-up\"}",
          "'event.degraded': missing");
    CHECK(ev.size == 0 && ev.domain == NULL);

    /* Failures: a bad one sets the protocol error, never a half-read daemon error, and
     * appends no diagnostic. */
    vnic_diag_list fd = {0};
#define FAIL(t, w) EXPECT_BAD(t, w, vnic_unmarshal_failure(o, &err, &fd))
    FAIL("{\"parameters\":{}}", "'error': missing");
    FAIL("{\"error\":7}", "'error': not a string");
    FAIL("{\"error\":\"io.vnic.Domain.Failed\"}", "'parameters': missing");
    FAIL("{\"error\":\"io.vnic.Domain.Failed\",\"parameters\":[]}", "'parameters': not an object");
    FAIL("{\"error\":\"io.vnic.Domain.Failed\",\"parameters\":{\"errno\":0,\"message\":\"m\","
         "\"diagnostics\":[]}}",
         "'parameters.code': missing");
    FAIL("{\"error\":\"io.vnic.Domain.Failed\",\"parameters\":{\"code\":\"io\",\"errno\":4096,"
         "\"message\":\"m\",\"diagnostics\":[]}}",
         "'parameters.errno': 4096 is out of range");
    FAIL("{\"error\":\"io.vnic.Domain.Failed\",\"parameters\":{\"code\":\"io\",\"errno\":-2,"
         "\"message\":\"m\",\"diagnostics\":[]}}",
         "'parameters.errno': -2 is out of range");
    FAIL("{\"error\":\"io.vnic.Domain.Failed\",\"parameters\":{\"code\":\"io\",\"errno\":0,"
         "\"diagnostics\":[]}}",
         "'parameters.message': missing");
    FAIL("{\"error\":\"io.vnic.Domain.Failed\",\"parameters\":{\"code\":\"io\",\"errno\":0,"
         "\"message\":\"m\",\"diagnostics\":\"x\"}}",
         "'parameters.diagnostics': not an array");
    FAIL("{\"error\":\"io.vnic.Domain.Failed\",\"parameters\":{\"code\":\"io\",\"errno\":0,"
         "\"message\":\"m\",\"diagnostics\":[{\"file\":\"f\",\"line\":1,\"message\":\"ok\"},"
         "{\"file\":\"f\",\"line\":true,\"message\":\"m\"}]}}",
         "'parameters.diagnostics[1].line': not an integer");
    FAIL("{\"error\":\"io.vnic.Domain.PermissionDenied\",\"parameters\":{}}",
         "'parameters.message': missing");
    FAIL("{\"error\":\"io.vnic.Events.PermissionDenied\"}", "'parameters': missing");
    CHECK(fd.count == 0);
}

int main(void)
{
    test_info();
    test_diags();
    test_actions();
    test_event();
    test_error_codes();
    test_failure();
    test_fds();
    test_bad_info();
    test_bad_others();
    return test_result("marshal");
}
