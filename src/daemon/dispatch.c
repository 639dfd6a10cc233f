/* One call: the message checked for the shape of a varlink call, the method found, its
 * parameters checked against the method's spec, and the reply sent with its fds.
 * org.varlink.service (GetInfo, GetInterfaceDescription) is answered here. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cleanup.h"
#include "dispatch.h"
#include "error.h"
#include "fault.h"
#include "i18n.h"
#include "marshal.h"
#include "strutil.h"

#define SERVICE "org.varlink.service"
#define ERR_INVALID_PARAMETER SERVICE ".InvalidParameter"
#define ERR_METHOD_NOT_FOUND SERVICE ".MethodNotFound"
#define ERR_INTERFACE_NOT_FOUND SERVICE ".InterfaceNotFound"
#define ERR_EXPECTED_MORE SERVICE ".ExpectedMore"

void vnicd_add(json_object *o, const char *key, json_object *val)
{
    json_object_object_add(o, key, val);
}

void vnicd_add_partial_error(json_object *p, const vnic_error *e)
{
    if (!e)
        return;
    json_object *o = json_object_new_object();
    vnicd_add(o, "code", json_object_new_string(vnic_marshal_error_code(e->code)));
    vnicd_add(o, "errno", json_object_new_int(e->sys_errno));
    vnicd_add(o, "message", json_object_new_string(e->message ? e->message : ""));
    vnicd_add(p, "error", o);
}

const char *vnicd_pstr(json_object *params, const char *name)
{
    json_object *v;
    if (!params || !json_object_object_get_ex(params, name, &v) || !v)
        return NULL;
    return json_object_get_string(v);
}

bool vnicd_phas(json_object *params, const char *name)
{
    json_object *v;
    return params && json_object_object_get_ex(params, name, &v) && v;
}

bool vnicd_pbool(json_object *params, const char *name)
{
    json_object *v;
    return params && json_object_object_get_ex(params, name, &v) && v && json_object_get_boolean(v);
}

unsigned vnicd_puint(json_object *params, const char *name)
{
    json_object *v;
    if (!params || !json_object_object_get_ex(params, name, &v) || !v)
        return 0;
    return (unsigned)json_object_get_int64(v);
}

void vnicd_reply_ok(vnicd_reply *r, json_object *params)
{
    r->msg = vnic_varlink_reply_new(params, false);
}

void vnicd_reply_failure(vnicd_reply *r, const vnic_error *err, const vnic_diag_list *diags)
{
    r->msg = vnic_marshal_failure(err, diags);
}

void vnicd_reply_invalid(vnicd_reply *r, const char *parameter)
{
    json_object *p = json_object_new_object();
    vnicd_add(p, "parameter", json_object_new_string(parameter));
    r->msg = vnic_varlink_error_new(ERR_INVALID_PARAMETER, p);
}

/* Do PARAMS (an object or NULL) match SPEC: known members only, of the right types, the
 * required ones present? Returns NULL, or the name of the first member that is wrong. */
static const char *check_params(json_object *params, const vnicd_param *spec, size_t n)
{
    if (params) {
        json_object_object_foreach(params, key, val)
        {
            const vnicd_param *p = NULL;
            for (size_t i = 0; i < n; i++)
                if (vnic_streq(spec[i].name, key))
                    p = &spec[i];
            if (!p)
                return key;
            if (!val) {
                if (!p->optional)
                    return key;
                continue;
            }
            switch (p->type) {
            case VNICD_P_STRING:
                /* A C string it must be: an embedded NUL would cut it short unseen. */
                if (!json_object_is_type(val, json_type_string) ||
                    strlen(json_object_get_string(val)) != (size_t)json_object_get_string_len(val))
                    return key;
                break;
            case VNICD_P_BOOL:
                if (!json_object_is_type(val, json_type_boolean))
                    return key;
                break;
            case VNICD_P_INT: {
                if (!json_object_is_type(val, json_type_int))
                    return key;
                errno = 0;
                int64_t x = json_object_get_int64(val);
                if (errno || x < 0 || x > INT_MAX)
                    return key;
                break;
            }
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!spec[i].optional && !vnicd_phas(params, spec[i].name))
            return spec[i].name;
    return NULL;
}

static void get_info(vnicd_reply *r)
{
    json_object *p = json_object_new_object();
    vnicd_add(p, "vendor", json_object_new_string("vnic"));
    vnicd_add(p, "product", json_object_new_string("vnicd"));
    vnicd_add(p, "version", json_object_new_string(vnic_version()));
    vnicd_add(p, "url", json_object_new_string("https://vnic.dev"));
    json_object *ifs = json_object_new_array();
    for (size_t i = 0; i < vnicd_ninterfaces; i++)
        json_object_array_add(ifs, json_object_new_string(vnicd_interfaces[i].name));
    vnicd_add(p, "interfaces", ifs);
    vnicd_reply_ok(r, p);
}

static void get_interface_description(json_object *params, vnicd_reply *r)
{
    const char *name = vnicd_pstr(params, "interface");
    for (size_t i = 0; i < vnicd_ninterfaces; i++)
        if (vnic_streq(vnicd_interfaces[i].name, name)) {
            json_object *p = json_object_new_object();
            vnicd_add(p, "description", json_object_new_string(vnicd_interfaces[i].text));
            vnicd_reply_ok(r, p);
            return;
        }
    json_object *p = json_object_new_object();
    vnicd_add(p, "interface", json_object_new_string(name));
    r->msg = vnic_varlink_error_new(ERR_INTERFACE_NOT_FOUND, p);
}

static bool known_interface(const char *method)
{
    const char *dot = strrchr(method, '.');
    if (!dot)
        return false;
    size_t len = (size_t)(dot - method);
    for (size_t i = 0; i < vnicd_ninterfaces; i++)
        if (strlen(vnicd_interfaces[i].name) == len &&
            strncmp(vnicd_interfaces[i].name, method, len) == 0)
            return true;
    return false;
}

static const vnicd_param interface_param[] = {{"interface", VNICD_P_STRING, false}};

/* The call's shape: an object with a string "method", an object (or absent) "parameters",
 * booleans "more", "oneway" and "upgrade", nothing else. Returns the offending member, or
 * NULL. */
static const char *check_call(json_object *call, const char **ret_method, json_object **ret_params,
                              bool *ret_more, bool *ret_oneway)
{
    json_object *method = NULL;
    *ret_params = NULL;
    *ret_more = *ret_oneway = false;
    json_object_object_foreach(call, key, val)
    {
        if (vnic_streq(key, "method")) {
            if (!json_object_is_type(val, json_type_string))
                return "method";
            method = val;
        } else if (vnic_streq(key, "parameters")) {
            if (val && !json_object_is_type(val, json_type_object))
                return "parameters";
            *ret_params = val;
        } else if (vnic_streq(key, "more") || vnic_streq(key, "oneway") ||
                   vnic_streq(key, "upgrade")) {
            if (val && !json_object_is_type(val, json_type_boolean))
                return key;
            bool b = val && json_object_get_boolean(val);
            /* Upgrading the connection to another protocol: vnicd speaks none. */
            if (vnic_streq(key, "upgrade") && b)
                return key;
            if (vnic_streq(key, "more"))
                *ret_more = b;
            else if (vnic_streq(key, "oneway"))
                *ret_oneway = b;
        } else {
            return key;
        }
    }
    if (!method)
        return "method";
    *ret_method = json_object_get_string(method);
    return NULL;
}

typedef struct fd_batch {
    int *fds;
    size_t nfds;
} fd_batch;

static void close_batch(int *fds, size_t nfds)
{
    for (size_t i = 0; i < nfds; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(fds);
}

/* Threads that close one batch together: each last close of a macvtap queue waits for a
 * grace period, and waiting ones share them, so N queues take about N / CLOSERS periods. */
#define CLOSERS 32

typedef struct close_slice {
    const int *fds;
    size_t nfds, first, step;
} close_slice;

static void *close_slice_main(void *arg)
{
    const close_slice *s = arg;
    for (size_t i = s->first; i < s->nfds; i += s->step)
        if (s->fds[i] >= 0)
            close(s->fds[i]);
    return NULL;
}

static void *close_batch_main(void *arg)
{
    fd_batch *b = arg;
    vnic_fault_pause("vnicd-close-sent");
    size_t nthreads = b->nfds < CLOSERS ? b->nfds : CLOSERS;
    pthread_t threads[CLOSERS];
    close_slice slices[CLOSERS];
    size_t started = 0;
    pthread_attr_t attr;
    bool attr_ok = pthread_attr_init(&attr) == 0;
    if (attr_ok)
        (void)pthread_attr_setstacksize(&attr, 64 * 1024);
    /* Slice 0 is this thread's own; a slice whose thread cannot start is closed here too. */
    for (size_t t = 1; attr_ok && t < nthreads; t++) {
        slices[t] = (close_slice){.fds = b->fds, .nfds = b->nfds, .first = t, .step = nthreads};
        if (pthread_create(&threads[t], &attr, close_slice_main, &slices[t]) != 0)
            break;
        started = t;
    }
    if (attr_ok)
        pthread_attr_destroy(&attr);
    slices[0] = (close_slice){.fds = b->fds, .nfds = b->nfds, .first = 0, .step = nthreads};
    close_slice_main(&slices[0]);
    for (size_t t = started + 1; t < nthreads; t++) {
        slices[t] = (close_slice){.fds = b->fds, .nfds = b->nfds, .first = t, .step = nthreads};
        close_slice_main(&slices[t]);
    }
    for (size_t t = 1; t <= started; t++)
        pthread_join(threads[t], NULL);
    free(b->fds);
    free(b);
    return NULL;
}

void vnicd_client_wait_closes(vnicd_client *c)
{
    if (!c->closing)
        return;
    pthread_join(c->closer, NULL);
    c->closing = false;
}

/* The daemon's copies of fds it has sent to C. When the client has already closed its own,
 * the daemon's close is the last one, and closing a macvtap queue then waits for an RCU grace
 * period in the kernel (about 10 ms a queue): done here, one by one, it held the client's
 * next call (typically its destroy) for that long times the number of queues. A thread of
 * the client closes them instead, and the client's next call waits for it unless the call
 * cannot meet those fds (needs_closed); if no thread can be started, they are closed here. */
static void close_sent_fds(vnicd_client *c, int *fds, size_t nfds)
{
    if (nfds == 0) {
        free(fds);
        return;
    }
    vnicd_client_wait_closes(c);
    fd_batch *b = malloc(sizeof(*b));
    if (b) {
        *b = (fd_batch){.fds = fds, .nfds = nfds};
        if (pthread_create(&c->closer, NULL, close_batch_main, b) == 0) {
            c->closing = true;
            return;
        }
        free(b);
    }
    close_batch(fds, nfds);
}

/* Must the daemon's copies of the fds it sent this client be closed before METHOD runs? A
 * queue that is still open here makes a single-queue tap busy for the client's next open; and
 * a destroy (Destroy, or Undefine with destroy) that does not wait returns while this daemon
 * still holds queues of the devices it removed, and overlaps their last closes (benchmark runs
 * where the daemon still held them saw destroys of 16 macvtaps take about 220 ms instead of
 * 20). Only the calls that read wait for nothing. */
static bool needs_closed(const char *method)
{
    static const char *const unaffected[] = {
        VNIC_VARLINK_DOMAIN ".Lookup",           VNIC_VARLINK_DOMAIN ".List",
        VNIC_VARLINK_DOMAIN ".GetXML",           VNIC_VARLINK_DOMAIN ".InterfaceStats",
        VNIC_VARLINK_DOMAIN ".InterfaceGetLink", VNIC_VARLINK_DOMAIN ".GetInterfaceBandwidth",
    };
    for (size_t i = 0; i < ELEMENTSOF(unaffected); i++)
        if (vnic_streq(method, unaffected[i]))
            return false;
    return true;
}

static void reply_clear(vnicd_client *c, vnicd_reply *r)
{
    json_object_put(r->msg);
    r->msg = NULL;
    close_sent_fds(c, r->fds, r->nfds);
    r->fds = NULL;
    r->nfds = 0;
}

int vnicd_dispatch(vnicd_client *c, json_object *call)
{
    vnicd_reply r = {0};
    const char *method = NULL;
    json_object *params = NULL;
    bool more = false, oneway = false;

    /* Nothing vnicd serves takes fds: fds sent to it are a protocol error (and would pile
     * up). */
    if (vnic_varlink_queued_fds(c->link) > 0) {
        vnicd_log(LOG_WARNING, "client %lu: sent fds, closing", c->id);
        vnicd_reply_invalid(&r, "fds");
        (void)vnicd_send(c, r.msg, NULL, 0);
        reply_clear(c, &r);
        return -1;
    }
    const char *bad = check_call(call, &method, &params, &more, &oneway);
    if (bad) {
        vnicd_log(LOG_WARNING, "client %lu: not a varlink call (member '%s'), closing", c->id, bad);
        vnicd_reply_invalid(&r, bad);
        (void)vnicd_send(c, r.msg, NULL, 0);
        reply_clear(c, &r);
        return -1;
    }

    if (needs_closed(method))
        vnicd_client_wait_closes(c);

    const vnicd_method *m = NULL;
    for (size_t i = 0; i < vnicd_ndomain_methods; i++)
        if (vnic_streq(vnicd_domain_methods[i].name, method))
            m = &vnicd_domain_methods[i];

    int ret = 0;
    if (vnic_streq(method, VNIC_VARLINK_EVENTS ".Watch")) {
        if ((bad = check_params(params, NULL, 0))) {
            vnicd_reply_invalid(&r, bad);
        } else if (!more) {
            r.msg = vnic_varlink_error_new(ERR_EXPECTED_MORE, NULL);
        } else {
            vnicd_log(LOG_INFO, "client %lu: %s", c->id, method);
            return vnicd_watch(c, params, more);
        }
    } else if (vnic_streq(method, SERVICE ".GetInfo")) {
        if ((bad = check_params(params, NULL, 0)))
            vnicd_reply_invalid(&r, bad);
        else
            get_info(&r);
    } else if (vnic_streq(method, SERVICE ".GetInterfaceDescription")) {
        if ((bad = check_params(params, interface_param, ELEMENTSOF(interface_param))))
            vnicd_reply_invalid(&r, bad);
        else
            get_interface_description(params, &r);
    } else if (m) {
        if ((bad = check_params(params, m->params, m->nparams))) {
            vnicd_reply_invalid(&r, bad);
        } else {
            vnicd_log(LOG_INFO, "client %lu: %s", c->id, method);
            if (m->fn(c, params, &r) < 0)
                ret = -1;
        }
    } else {
        json_object *p = json_object_new_object();
        if (known_interface(method)) {
            vnicd_add(p, "method", json_object_new_string(method));
            r.msg = vnic_varlink_error_new(ERR_METHOD_NOT_FOUND, p);
        } else {
            const char *dot = strrchr(method, '.');
            vnicd_add(p, "interface",
                      dot ? json_object_new_string_len(method, (int)(dot - method))
                          : json_object_new_string(method));
            r.msg = vnic_varlink_error_new(ERR_INTERFACE_NOT_FOUND, p);
        }
    }

    if (!r.msg) {
        vnic_error e = {.size = sizeof(e), .code = VNIC_ERR_INTERNAL, .message = (char *)"?"};
        vnicd_reply_failure(&r, &e, NULL);
    }
    /* A oneway call wants no reply: its fds are closed unsent. */
    if (!oneway && vnicd_send(c, r.msg, r.fds, r.nfds) < 0)
        ret = -1;
    reply_clear(c, &r);
    return ret;
}
