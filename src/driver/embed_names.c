/* Names from templates that outgrow the kernel's 15 bytes.
 *
 * Templates are filled with vnic's global counter, which only goes forward, so that a name
 * freed a moment ago (that a launcher may still refer to) is not handed out again. A template
 * with a long fixed part runs out of room: "abcdefghijklm%d" fits numbers up to 99 only. Then
 * the template gets a counter of its own, kept in the store: it starts at the lowest number,
 * takes the first name from there that no device and no record has, and moves past it; it
 * wraps to 0 only at the end of the range, so a freed name is reused only after every other
 * one was tried. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "fileutil.h"
#include "i18n.h"
#include "strutil.h"

#define WRAP_FILE "name-wrap"
#define WRAP_FILE_MAX (1U << 20)

char *vnic_embed_expand_template(const char *tmpl, unsigned long n)
{
    const char *pct = strstr(tmpl, "%d");
    return vnic_xasprintf("%.*s%lu%s", (int)(pct - tmpl), tmpl, n, pct + 2);
}

/* The per-template counters: lines "NEXT TEMPLATE" (a template has no white space). */
typedef struct {
    char **tmpl;
    unsigned long *next;
    size_t n;
} wrap_state;

static void wrap_state_clear(wrap_state *w)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->tmpl[i]);
    free(w->tmpl);
    free(w->next);
}

static int wrap_state_read(embed_priv *p, wrap_state *w, vnic_error **err)
{
    _cleanup_free_ char *path = vnic_xasprintf("%s/%s", p->run_dir, WRAP_FILE);
    _cleanup_free_ char *buf = NULL;
    /* Missing is the normal case; anything but a regular file is refused (see
     * vnic_embed_counter_reserve). */
    int r = vnic_file_read_at(p->run_fd, WRAP_FILE, path, WRAP_FILE_MAX, &buf, NULL, err);
    if (r == -ENOENT)
        return 0;
    if (r < 0)
        return r;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *sp = strchr(line, ' ');
        unsigned long v;
        if (!sp)
            continue;
        *sp = '\0';
        if (vnic_parse_uint(line, 0, 0x7fffffffUL, &v) < 0 || !sp[1])
            continue;
        w->tmpl = vnic_xreallocarray(w->tmpl, w->n + 1, sizeof(*w->tmpl));
        w->next = vnic_xreallocarray(w->next, w->n + 1, sizeof(*w->next));
        w->tmpl[w->n] = vnic_xstrdup(sp + 1);
        w->next[w->n++] = v;
    }
    return 0;
}

static int wrap_state_write(embed_priv *p, const wrap_state *w, vnic_error **err)
{
    _cleanup_free_ char *path = vnic_xasprintf("%s/%s", p->run_dir, WRAP_FILE);
    _cleanup_free_ char *out = vnic_xstrdup("");
    for (size_t i = 0; i < w->n; i++) {
        char *more = vnic_xasprintf("%s%lu %s\n", out, w->next[i], w->tmpl[i]);
        free(out);
        out = more;
    }
    return vnic_file_write_atomic_at(p->run_fd, WRAP_FILE, path, out, strlen(out), 0600, err);
}

/* Names that are not free: every link of the namespace, every name a record holds. */
typedef struct {
    char **names;
    size_t n;
} name_set;

static void name_set_add(name_set *s, const char *name)
{
    if (!*name)
        return;
    s->names = vnic_xreallocarray(s->names, s->n + 1, sizeof(*s->names));
    s->names[s->n++] = vnic_xstrdup(name);
}

static bool name_set_has(const name_set *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (vnic_streq(s->names[i], name))
            return true;
    return false;
}

static void name_set_clear(name_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->names[i]);
    free(s->names);
}

static int taken_names(embed_priv *p, name_set *s, vnic_error **err)
{
    vnic_link_info *links = NULL;
    size_t nlinks = 0;
    int r = vnic_nl_link_dump(p->nl, &links, &nlinks, err);
    if (r < 0)
        return r;
    for (size_t i = 0; i < nlinks; i++)
        name_set_add(s, links[i].name);
    free(links);

    char **names = NULL;
    size_t n = 0;
    if ((r = vnic_embed_list_names(p->domains_fd, p->domains_dir, &names, &n, err)) < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        vnic_record *rec = NULL;
        vnic_error *e = NULL;
        if (vnic_embed_record_read(p, names[i], &rec, &e) < 0) {
            vnic_error_free(e);
            continue;
        }
        for (size_t j = 0; j < rec->def->niface; j++) {
            name_set_add(s, rec->ifaces[j].intended);
            if (rec->ifaces[j].done)
                name_set_add(s, rec->ifaces[j].rt.name);
        }
        vnic_record_free(rec);
    }
    vnic_embed_free_names(names, n);
    return 0;
}

int vnic_embed_wrapped_name(embed_priv *p, const char *tmpl, char *ret, size_t size,
                            vnic_error **err)
{
    size_t fixed = strlen(tmpl) - 2;
    if (fixed >= VNIC_IFNAME_MAX)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("template '%s' leaves no room for a number"),
                              tmpl),
               -ENAMETOOLONG;
    /* Numbers 0 .. limit-1 fit. Nine digits at most: a template with more room never gets
     * here, the global counter stays below 2^31. */
    size_t digits = VNIC_IFNAME_MAX - fixed;
    unsigned long limit = 1;
    for (size_t i = 0; i < digits && i < 9; i++)
        limit *= 10;

    wrap_state w = {0};
    name_set taken = {0};
    int r = wrap_state_read(p, &w, err);
    if (r < 0)
        goto out;
    size_t slot = w.n;
    for (size_t i = 0; i < w.n; i++)
        if (vnic_streq(w.tmpl[i], tmpl))
            slot = i;
    if (slot == w.n) {
        w.tmpl = vnic_xreallocarray(w.tmpl, w.n + 1, sizeof(*w.tmpl));
        w.next = vnic_xreallocarray(w.next, w.n + 1, sizeof(*w.next));
        w.tmpl[w.n] = vnic_xstrdup(tmpl);
        w.next[w.n++] = 0;
    }
    unsigned long start = w.next[slot] < limit ? w.next[slot] : 0;

    if ((r = taken_names(p, &taken, err)) < 0)
        goto out;
    /* Ends after at most one more step than there are taken names. */
    r = -ENOSPC;
    for (unsigned long k = 0; k < limit; k++) {
        unsigned long cand = (start + k) % limit;
        _cleanup_free_ char *name = vnic_embed_expand_template(tmpl, cand);
        if (name_set_has(&taken, name))
            continue;
        w.next[slot] = cand + 1 < limit ? cand + 1 : 0;
        if ((r = wrap_state_write(p, &w, err)) < 0)
            goto out;
        vnic_strlcpy(ret, name, size);
        r = 0;
        break;
    }
    if (r == -ENOSPC)
        vnic_error_set(err, VNIC_ERR_INVALID, _("every name template '%s' can make is taken"),
                       tmpl);
out:
    name_set_clear(&taken);
    wrap_state_clear(&w);
    return r;
}
