/* vnic's structs as the JSON of io.vnic.Domain and io.vnic.Events, and back (marshal.h).
 *
 * Marshalling trusts its input (the daemon's own results); unmarshalling trusts nothing: every
 * member is checked before anything is allocated for the caller, and the first bad one is
 * named by its path under WHAT ("reply member 'info.interfaces[2].ifindex': ..."). What this
 * allocates is allocated as the embedded driver does (driver/conn.c frees both alike), so a
 * caller cannot tell which driver filled a struct. */
#include "config.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "i18n.h"
#include "marshal.h"
#include "strutil.h"

/* The highest errno a peer may claim: the kernel's own bound (MAX_ERRNO). */
#define MARSHAL_MAX_ERRNO 4095
/* How much of a foreign error's name and parameters goes into our message. */
#define MARSHAL_FOREIGN_MAX 512

/* ---- checked access to members --------------------------------------------------------- */

/* "WHAT.KEY", or the one of them that is given. Caller frees. */
static char *member_path(const char *what, const char *key)
{
    if (what && *what && key)
        return vnic_xasprintf("%s.%s", what, key);
    return vnic_xstrdup(key ? key : what ? what : "");
}

/* Set *err naming member WHAT.KEY and the problem; returns -EBADMSG. */
static int bad_member(vnic_error **err, const char *what, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int bad_member(vnic_error **err, const char *what, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *problem = vnic_xvasprintf(fmt, ap);
    va_end(ap);
    _cleanup_free_ char *path = member_path(what, key);
    vnic_error_set(err, VNIC_ERR_IO, _("reply member '%s': %s"), path, problem);
    return -EBADMSG;
}

/* Member KEY of O (O itself when KEY is NULL) of json type TYPE into *ret; absent or null is
 * *ret = NULL, an error only if REQUIRED. */
static int get_typed(json_object *o, const char *what, const char *key, json_type type,
                     bool required, json_object **ret, vnic_error **err)
{
    json_object *m = o;
    if (key && (!o || !json_object_object_get_ex(o, key, &m)))
        m = NULL;
    if (!m) {
        if (required)
            return bad_member(err, what, key, "%s", _("missing"));
        *ret = NULL;
        return 0;
    }
    if (!json_object_is_type(m, type)) {
        const char *want = type == json_type_string    ? _("not a string")
                           : type == json_type_int     ? _("not an integer")
                           : type == json_type_boolean ? _("not a boolean")
                           : type == json_type_array   ? _("not an array")
                                                       : _("not an object");
        return bad_member(err, what, key, "%s", want);
    }
    *ret = m;
    return 0;
}

static int get_string(json_object *o, const char *what, const char *key, bool required,
                      const char **ret, vnic_error **err)
{
    json_object *m;
    int r = get_typed(o, what, key, json_type_string, required, &m, err);
    if (r < 0)
        return r;
    if (!m) {
        *ret = NULL;
        return 0;
    }
    size_t len = (size_t)json_object_get_string_len(m);
    const char *s = json_object_get_string(m);
    if (len > VNIC_MARSHAL_MAX_STRING)
        return bad_member(err, what, key, _("longer than %u bytes"), VNIC_MARSHAL_MAX_STRING);
    if (strlen(s) != len)
        return bad_member(err, what, key, "%s", _("contains a NUL character"));
    *ret = s;
    return 0;
}

/* A string that must be one of the NULL-terminated VALUES (when present). */
static int get_enum(json_object *o, const char *what, const char *key, bool required,
                    const char *const *values, const char **ret, vnic_error **err)
{
    const char *s;
    int r = get_string(o, what, key, required, &s, err);
    if (r < 0)
        return r;
    for (size_t i = 0; s && values[i]; i++)
        if (strcmp(s, values[i]) == 0) {
            *ret = s;
            return 0;
        }
    if (s)
        return bad_member(err, what, key, _("unknown value '%.64s'"), s);
    *ret = NULL;
    return 0;
}

static int get_int(json_object *o, const char *what, const char *key, long long min, long long max,
                   long long *ret, vnic_error **err)
{
    json_object *m;
    int r = get_typed(o, what, key, json_type_int, true, &m, err);
    if (r < 0)
        return r;
    /* json-c clamps what int64 cannot hold: out of any range asked for here. */
    long long v = json_object_get_int64(m);
    if (v < min || v > max)
        return bad_member(err, what, key, _("%s is out of range (%lld to %lld)"),
                          json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN), min, max);
    *ret = v;
    return 0;
}

static int get_bool(json_object *o, const char *what, const char *key, bool *ret, vnic_error **err)
{
    json_object *m;
    int r = get_typed(o, what, key, json_type_boolean, true, &m, err);
    if (r < 0)
        return r;
    *ret = json_object_get_boolean(m);
    return 0;
}

static int get_array(json_object *o, const char *what, const char *key, bool required,
                     json_object **ret, size_t *ret_n, vnic_error **err)
{
    json_object *m;
    int r = get_typed(o, what, key, json_type_array, required, &m, err);
    if (r < 0)
        return r;
    size_t n = m ? json_object_array_length(m) : 0;
    if (n > VNIC_MARSHAL_MAX_ITEMS)
        return bad_member(err, what, key, _("more than %u items"), VNIC_MARSHAL_MAX_ITEMS);
    *ret = m;
    *ret_n = n;
    return 0;
}

/* Item I of array KEY: an object, and its path ("WHAT.KEY[I]", caller frees). */
static int get_item(json_object *arr, const char *what, const char *key, size_t i,
                    json_object **ret, char **ret_path, vnic_error **err)
{
    _cleanup_free_ char *base = member_path(what, key);
    char *path = vnic_xasprintf("%s[%zu]", base, i);
    json_object *m;
    int r =
        get_typed(json_object_array_get_idx(arr, i), path, NULL, json_type_object, true, &m, err);
    if (r < 0) {
        free(path);
        return r;
    }
    *ret = m;
    *ret_path = path;
    return 0;
}

/* ---- building -------------------------------------------------------------------------- */

static void add_string(json_object *o, const char *key, const char *s)
{
    json_object_object_add(o, key, json_object_new_string(s ? s : ""));
}

/* An optional member (?string): omitted when NULL. */
static void add_opt_string(json_object *o, const char *key, const char *s)
{
    if (s)
        json_object_object_add(o, key, json_object_new_string(s));
}

static void add_int(json_object *o, const char *key, long long v)
{
    json_object_object_add(o, key, json_object_new_int64(v));
}

static void add_bool(json_object *o, const char *key, bool v)
{
    json_object_object_add(o, key, json_object_new_boolean(v));
}

/* ---- Info ------------------------------------------------------------------------------ */

static const char *const domain_states[] = {"defined",  "active", "degraded", "starting",
                                            "stopping", "broken", NULL};
static const char *const iface_types[] = {"ethernet", "tap", "direct", NULL};
static const char *const macvtap_modes[] = {"vepa", "bridge", "private", "passthrough", NULL};

static json_object *marshal_iface(const vnic_interface_info *i)
{
    json_object *o = json_object_new_object();
    add_int(o, "index", i->index);
    add_opt_string(o, "alias", i->alias);
    add_string(o, "type", i->type);
    add_string(o, "backend", i->backend);
    add_string(o, "name", i->name);
    add_int(o, "ifindex", i->ifindex);
    add_opt_string(o, "source", i->source);
    add_opt_string(o, "mode", i->mode);
    add_string(o, "mac", i->mac);
    add_string(o, "host_mac", i->host_mac);
    add_opt_string(o, "model", i->model);
    add_int(o, "mtu", i->mtu);
    add_int(o, "queues", i->queues);
    add_bool(o, "vnet_hdr", i->vnet_hdr);
    add_bool(o, "managed", i->managed);
    return o;
}

json_object *vnic_marshal_info(const vnic_domain_info *info)
{
    json_object *o = json_object_new_object();
    add_string(o, "name", info->name);
    add_opt_string(o, "uuid", info->uuid);
    add_string(o, "state", info->state);
    add_bool(o, "persistent", info->persistent);
    json_object *arr = json_object_new_array_ext((int)info->ninterfaces);
    for (size_t i = 0; i < info->ninterfaces; i++)
        json_object_array_add(arr, marshal_iface(info->interfaces[i]));
    json_object_object_add(o, "interfaces", arr);
    return o;
}

/* A MAC as vnic formats it ("52:54:00:12:34:56") into DST, or the empty string (none). */
static int get_mac(json_object *o, const char *what, const char *key, char dst[18],
                   vnic_error **err)
{
    const char *s;
    int r = get_string(o, what, key, true, &s, err);
    if (r < 0)
        return r;
    bool ok = *s == '\0' || strlen(s) == 17;
    for (size_t i = 0; ok && s[i]; i++)
        ok = i % 3 == 2 ? s[i] == ':' : strchr("0123456789abcdefABCDEF", s[i]) != NULL;
    if (!ok)
        return bad_member(err, what, key, "%s", _("not a MAC address"));
    memcpy(dst, s, strlen(s) + 1);
    return 0;
}

static char *dup_null(const char *s)
{
    return vnic_xstrdup_null(s);
}

static int unmarshal_iface(json_object *o, const char *what, vnic_interface_info *f,
                           vnic_error **err)
{
    const char *alias, *type, *backend, *name, *source, *mode, *model;
    long long index, ifindex, mtu, queues;
    int r;
    if ((r = get_int(o, what, "index", 0, UINT_MAX, &index, err)) < 0 ||
        (r = get_string(o, what, "alias", false, &alias, err)) < 0 ||
        (r = get_enum(o, what, "type", true, iface_types, &type, err)) < 0 ||
        (r = get_string(o, what, "backend", true, &backend, err)) < 0 ||
        (r = get_string(o, what, "name", true, &name, err)) < 0 ||
        (r = get_int(o, what, "ifindex", 0, INT_MAX, &ifindex, err)) < 0 ||
        (r = get_string(o, what, "source", false, &source, err)) < 0 ||
        (r = get_enum(o, what, "mode", false, macvtap_modes, &mode, err)) < 0 ||
        (r = get_mac(o, what, "mac", f->mac, err)) < 0 ||
        (r = get_mac(o, what, "host_mac", f->host_mac, err)) < 0 ||
        (r = get_string(o, what, "model", false, &model, err)) < 0 ||
        (r = get_int(o, what, "mtu", 0, UINT_MAX, &mtu, err)) < 0 ||
        (r = get_int(o, what, "queues", 0, UINT_MAX, &queues, err)) < 0 ||
        (r = get_bool(o, what, "vnet_hdr", &f->vnet_hdr, err)) < 0 ||
        (r = get_bool(o, what, "managed", &f->managed, err)) < 0)
        return r;
    f->index = (unsigned)index;
    f->alias = dup_null(alias);
    f->type = vnic_xstrdup(type);
    f->backend = vnic_xstrdup(backend);
    f->name = vnic_xstrdup(name);
    f->ifindex = (int)ifindex;
    f->source = dup_null(source);
    f->mode = dup_null(mode);
    f->model = dup_null(model);
    f->mtu = (unsigned)mtu;
    f->queues = (unsigned)queues;
    return 0;
}

int vnic_unmarshal_info(json_object *o, const char *what, vnic_domain_info **ret, vnic_error **err)
{
    const char *name, *uuid, *state;
    bool persistent;
    json_object *arr;
    size_t n;
    int r;
    if ((r = get_typed(o, what, NULL, json_type_object, true, &o, err)) < 0 ||
        (r = get_string(o, what, "name", true, &name, err)) < 0 ||
        (r = get_string(o, what, "uuid", false, &uuid, err)) < 0 ||
        (r = get_enum(o, what, "state", true, domain_states, &state, err)) < 0 ||
        (r = get_bool(o, what, "persistent", &persistent, err)) < 0 ||
        (r = get_array(o, what, "interfaces", true, &arr, &n, err)) < 0)
        return r;

    /* Laid out as the embedded driver lays it out (embed_query.c): a NULL after the last. */
    vnic_domain_info *info = vnic_xcalloc(1, sizeof(*info));
    info->size = sizeof(*info);
    info->name = vnic_xstrdup(name);
    info->uuid = dup_null(uuid);
    info->state = vnic_xstrdup(state);
    info->persistent = persistent;
    info->interfaces = vnic_xcalloc(n + 1, sizeof(*info->interfaces));
    info->ninterfaces = n;
    for (size_t i = 0; i < n; i++) {
        json_object *item;
        _cleanup_free_ char *path = NULL;
        vnic_interface_info *f = vnic_xcalloc(1, sizeof(*f));
        f->size = sizeof(*f);
        info->interfaces[i] = f;
        if ((r = get_item(arr, what, "interfaces", i, &item, &path, err)) < 0 ||
            (r = unmarshal_iface(item, path, f, err)) < 0) {
            vnic_domain_info_free(info);
            return r;
        }
    }
    *ret = info;
    return 0;
}

/* ---- Diagnostic ------------------------------------------------------------------------ */

json_object *vnic_marshal_diags(const vnic_diag_list *list)
{
    json_object *arr = json_object_new_array();
    for (size_t i = 0; list && i < list->count; i++) {
        const vnic_diag *d = list->items[i];
        json_object *o = json_object_new_object();
        add_string(o, "file", d->file);
        add_int(o, "line", d->line);
        add_string(o, "message", d->message);
        json_object_array_add(arr, o);
    }
    return arr;
}

/* Check every diagnostic of O; with LIST, append them (only once all are good). */
static int diags_read(json_object *o, const char *what, vnic_diag_list *list, vnic_error **err)
{
    size_t n;
    int r = get_array(o, what, NULL, true, &o, &n, err);
    for (int pass = 0; r == 0 && pass < (list ? 2 : 1); pass++) {
        for (size_t i = 0; r == 0 && i < n; i++) {
            json_object *item;
            _cleanup_free_ char *path = NULL;
            const char *file, *message;
            long long line;
            if ((r = get_item(o, what, NULL, i, &item, &path, err)) < 0 ||
                (r = get_string(item, path, "file", true, &file, err)) < 0 ||
                (r = get_int(item, path, "line", 0, INT_MAX, &line, err)) < 0 ||
                (r = get_string(item, path, "message", true, &message, err)) < 0)
                break;
            if (pass == 1)
                vnic_diag_add(list, file, (int)line, "%s", message);
        }
    }
    return r;
}

int vnic_unmarshal_diags(json_object *o, const char *what, vnic_diag_list *list, vnic_error **err)
{
    return diags_read(o, what, list, err);
}

/* ---- ReconcileAction ------------------------------------------------------------------- */

static const char *const reconcile_actions[] = {
    "removed-unfinished",   "removed-orphan", "degraded", "adopted", "removed-record",
    "removed-unsupervised", "corrupt-record", "error",    NULL};

json_object *vnic_marshal_actions(vnic_reconcile_action *const *acts, size_t n)
{
    json_object *arr = json_object_new_array_ext((int)n);
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_new_object();
        add_opt_string(o, "domain", acts[i]->domain);
        add_opt_string(o, "device", acts[i]->device);
        add_string(o, "action", acts[i]->action);
        add_string(o, "message", acts[i]->message);
        json_object_array_add(arr, o);
    }
    return arr;
}

int vnic_unmarshal_actions(json_object *o, const char *what, vnic_reconcile_action ***ret,
                           size_t *ret_n, vnic_error **err)
{
    size_t n;
    int r = get_array(o, what, NULL, true, &o, &n, err);
    if (r < 0)
        return r;
    vnic_reconcile_action **acts = vnic_xcalloc(n + 1, sizeof(*acts));
    for (size_t i = 0; i < n; i++) {
        json_object *item;
        _cleanup_free_ char *path = NULL;
        const char *domain, *device, *action, *message;
        if ((r = get_item(o, what, NULL, i, &item, &path, err)) < 0 ||
            (r = get_string(item, path, "domain", false, &domain, err)) < 0 ||
            (r = get_string(item, path, "device", false, &device, err)) < 0 ||
            (r = get_enum(item, path, "action", true, reconcile_actions, &action, err)) < 0 ||
            (r = get_string(item, path, "message", true, &message, err)) < 0) {
            vnic_reconcile_actions_free(acts, i);
            return r;
        }
        vnic_reconcile_action *a = vnic_xcalloc(1, sizeof(*a));
        *a = (vnic_reconcile_action){
            .size = sizeof(*a),
            .domain = dup_null(domain),
            .device = dup_null(device),
            .action = vnic_xstrdup(action),
            .message = vnic_xstrdup(message),
        };
        acts[i] = a;
    }
    *ret = acts;
    *ret_n = n;
    return 0;
}

/* ---- Event ----------------------------------------------------------------------------- */

static const char *const event_types[] = {
    "device-removed", "device-down", "device-up", "lower-removed", "lower-down", "lower-up", NULL};

json_object *vnic_marshal_event(const vnic_event *ev)
{
    json_object *o = json_object_new_object();
    add_string(o, "domain", ev->domain);
    add_int(o, "index", ev->index);
    add_string(o, "device", ev->device);
    add_string(o, "type", ev->type);
    add_bool(o, "degraded", ev->degraded);
    return o;
}

int vnic_unmarshal_event(json_object *o, const char *what, vnic_event *ev, vnic_error **err)
{
    const char *domain, *device, *type;
    long long index;
    bool degraded;
    int r;
    if ((r = get_typed(o, what, NULL, json_type_object, true, &o, err)) < 0 ||
        (r = get_string(o, what, "domain", true, &domain, err)) < 0 ||
        (r = get_int(o, what, "index", 0, UINT_MAX, &index, err)) < 0 ||
        (r = get_string(o, what, "device", true, &device, err)) < 0 ||
        (r = get_enum(o, what, "type", true, event_types, &type, err)) < 0 ||
        (r = get_bool(o, what, "degraded", &degraded, err)) < 0)
        return r;
    *ev = (vnic_event){
        .size = sizeof(*ev),
        .domain = domain,
        .index = (unsigned)index,
        .device = device,
        .type = type,
        .degraded = degraded,
    };
    return 0;
}

/* ---- errors ---------------------------------------------------------------------------- */

static const char *const error_codes[VNIC_ERR_LAST] = {
    [VNIC_ERR_INTERNAL] = "internal",
    [VNIC_ERR_NOMEM] = "nomem",
    [VNIC_ERR_IO] = "io",
    [VNIC_ERR_XML] = "xml",
    [VNIC_ERR_INVALID] = "invalid",
    [VNIC_ERR_UNSUPPORTED] = "unsupported",
    [VNIC_ERR_SYSTEM] = "system",
};

const char *vnic_marshal_error_code(vnic_error_code code)
{
    if (code <= VNIC_ERR_NONE || code >= VNIC_ERR_LAST)
        return error_codes[VNIC_ERR_INTERNAL];
    return error_codes[code];
}

vnic_error_code vnic_unmarshal_error_code(const char *name)
{
    for (int c = VNIC_ERR_NONE + 1; name && c < VNIC_ERR_LAST; c++)
        if (strcmp(name, error_codes[c]) == 0)
            return (vnic_error_code)c;
    return VNIC_ERR_INTERNAL;
}

json_object *vnic_marshal_failure(const vnic_error *e, const vnic_diag_list *diags)
{
    json_object *p = json_object_new_object();
    add_string(p, "code", vnic_marshal_error_code(e ? e->code : VNIC_ERR_INTERNAL));
    add_int(p, "errno", e ? e->sys_errno : 0);
    add_string(p, "message", e && e->message ? e->message : _("internal error"));
    json_object_object_add(p, "diagnostics", vnic_marshal_diags(diags));
    json_object *o = json_object_new_object();
    add_string(o, "error", VNIC_VARLINK_ERROR_FAILED);
    json_object_object_add(o, "parameters", p);
    return o;
}

/* Set *err (when still empty) to exactly this error: no strerror appended, the message as the
 * daemon had it. */
static void set_error_as_is(vnic_error **err, vnic_error_code code, int sys_errno,
                            const char *message)
{
    if (!err || *err)
        return;
    vnic_error *e = vnic_xcalloc(1, sizeof(*e));
    *e = (vnic_error){
        .size = sizeof(*e),
        .code = code,
        .sys_errno = sys_errno,
        .message = vnic_xstrdup(message),
    };
    *err = e;
}

/* The error names of both interfaces that mean the same. */
#define EVENTS_ERROR_FAILED VNIC_VARLINK_EVENTS ".Failed"
#define EVENTS_ERROR_DENIED VNIC_VARLINK_EVENTS ".PermissionDenied"

int vnic_unmarshal_failure(json_object *msg, vnic_error **err, vnic_diag_list *diags)
{
    const char *name, *code, *message;
    json_object *params, *dl;
    long long sys_errno;
    int r;
    if ((r = get_typed(msg, NULL, NULL, json_type_object, true, &msg, err)) < 0 ||
        (r = get_string(msg, NULL, "error", true, &name, err)) < 0 ||
        (r = get_typed(msg, NULL, "parameters", json_type_object, false, &params, err)) < 0)
        return r;

    if (vnic_streq(name, VNIC_VARLINK_ERROR_FAILED) || vnic_streq(name, EVENTS_ERROR_FAILED)) {
        /* Everything checked before anything is set. */
        if ((r = get_typed(msg, NULL, "parameters", json_type_object, true, &params, err)) < 0 ||
            (r = get_string(params, "parameters", "code", true, &code, err)) < 0 ||
            (r = get_int(params, "parameters", "errno", 0, MARSHAL_MAX_ERRNO, &sys_errno, err)) <
                0 ||
            (r = get_string(params, "parameters", "message", true, &message, err)) < 0 ||
            (r = get_typed(params, "parameters", "diagnostics", json_type_array, false, &dl, err)) <
                0 ||
            (dl && (r = diags_read(dl, "parameters.diagnostics", NULL, err)) < 0))
            return r;
        if (dl && diags)
            diags_read(dl, "parameters.diagnostics", diags, NULL);
        set_error_as_is(err, vnic_unmarshal_error_code(code), (int)sys_errno, message);
        return sys_errno ? -(int)sys_errno : -EIO;
    }
    if (vnic_streq(name, VNIC_VARLINK_ERROR_DENIED) || vnic_streq(name, EVENTS_ERROR_DENIED)) {
        if ((r = get_typed(msg, NULL, "parameters", json_type_object, true, &params, err)) < 0 ||
            (r = get_string(params, "parameters", "message", true, &message, err)) < 0)
            return r;
        set_error_as_is(err, VNIC_ERR_INVALID, EACCES, message);
        return -EACCES;
    }

    /* Not vnic's (org.varlink.service.MethodNotFound, ...): say what it was. */
    const char *text =
        params ? json_object_to_json_string_ext(params, JSON_C_TO_STRING_PLAIN) : "{}";
    vnic_error_set(err, VNIC_ERR_INTERNAL, _("the peer answered with the varlink error %.*s %.*s"),
                   MARSHAL_FOREIGN_MAX, name, MARSHAL_FOREIGN_MAX, text);
    return -EIO;
}

json_object *vnic_marshal_fds(const size_t *ifaces, const size_t *counts, size_t n)
{
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        for (size_t q = 0; q < counts[i]; q++) {
            json_object *o = json_object_new_object();
            add_int(o, "interface", (long long)ifaces[i]);
            add_int(o, "queue", (long long)q);
            json_object_array_add(arr, o);
        }
    return arr;
}

/* ---- InterfaceStats (issue 11) ---------------------------------------------------------- */

/* The counters in the order of the varlink type InterfaceStats. */
#define STATS_FIELDS(X)                                                                            \
    X(rx_bytes)                                                                                    \
    X(rx_packets) X(rx_errors) X(rx_dropped) X(tx_bytes) X(tx_packets) X(tx_errors) X(tx_dropped)

/* varlink's int is JSON's: a counter past INT64_MAX (centuries of traffic) is sent clamped. */
static long long counter_to_wire(uint64_t v)
{
    return v > (uint64_t)INT64_MAX ? INT64_MAX : (long long)v;
}

json_object *vnic_marshal_interface_stats(const vnic_interface_stats *s)
{
    json_object *o = json_object_new_object();
    add_opt_string(o, "alias", s->alias);
    add_string(o, "device", s->device);
#define ADD(f) add_int(o, #f, counter_to_wire(s->f));
    STATS_FIELDS(ADD)
#undef ADD
    return o;
}

int vnic_unmarshal_interface_stats(json_object *o, const char *what, vnic_interface_stats **ret,
                                   vnic_error **err)
{
    const char *alias, *device;
    long long v;
    int r;
    if ((r = get_typed(o, what, NULL, json_type_object, true, &o, err)) < 0 ||
        (r = get_string(o, what, "alias", false, &alias, err)) < 0 ||
        (r = get_string(o, what, "device", true, &device, err)) < 0)
        return r;
    vnic_interface_stats *s = vnic_xcalloc(1, sizeof(*s));
    s->size = sizeof(*s);
#define GET(f)                                                                                     \
    if ((r = get_int(o, what, #f, 0, INT64_MAX, &v, err)) < 0) {                                   \
        free(s);                                                                                   \
        return r;                                                                                  \
    }                                                                                              \
    s->f = (uint64_t)v;
    STATS_FIELDS(GET)
#undef GET
    s->alias = dup_null(alias);
    s->device = vnic_xstrdup(device);
    *ret = s;
    return 0;
}
