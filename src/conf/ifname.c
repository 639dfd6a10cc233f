/* Names of network devices: what vnic accepts as a name or a name template. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "ifname.h"
#include "strutil.h"

const char *vnic_ifname_check(const char *name)
{
    size_t len = strlen(name);

    if (len == 0)
        return _("the name is empty");
    if (len > VNIC_IFNAME_MAX)
        return _("the name is longer than 15 bytes");
    if (vnic_streq(name, ".") || vnic_streq(name, ".."))
        return _("'.' and '..' are not valid names");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p == '/')
            return _("the name contains '/'");
        if (*p == ':')
            return _("the name contains ':'");
        if (*p == '%')
            return _("the name contains '%'");
        if (isspace(*p))
            return _("the name contains white space");
        if (vnic_is_control_char(p))
            return _("the name contains a control character");
        /* The kernel takes these, but launchers get names in formats they separate:
         * VNIC_FDS (';' between entries, ' ' between fields, ',' between fds) and QEMU's
         * options (',' and '='). One rule for every name, so no format needs quoting. */
        if (*p == ';' || *p == ',' || *p == '=')
            return _("the name contains ';', ',' or '=', which launchers use as separators");
    }
    return NULL;
}

bool vnic_ifname_is_template(const char *name)
{
    return strchr(name, '%') != NULL;
}

const char *vnic_ifname_template_check(const char *name, bool *ret_is_template)
{
    bool tmpl = vnic_ifname_is_template(name);
    if (ret_is_template)
        *ret_is_template = tmpl;
    if (!tmpl)
        return vnic_ifname_check(name);

    if (vnic_str_count(name, "%d") != 1 || vnic_str_count(name, "%") != 1)
        return _("a name template must contain exactly one '%d' and no other '%'");

    /* The name made from the template must fit with at least two digits of the counter:
     * with room for one only, every start fails once the counter reaches 10 (the counter
     * wraps, at start time, to the lowest number that fits). */
    size_t len = strlen(name) - 2 + 2;
    if (len > VNIC_IFNAME_MAX)
        return _("the template leaves no room for 2 digits of the counter in a 15-byte name: "
                 "at most 13 bytes besides '%d'");

    char probe[VNIC_IFNAME_MAX + 2];
    const char *pct = strstr(name, "%d");
    snprintf(probe, sizeof(probe), "%.*s0%s", (int)(pct - name), name, pct + 2);
    return vnic_ifname_check(probe);
}
