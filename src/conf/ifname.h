/* Names of network devices: the checks shared by the parser, the backends and the driver. */
#pragma once

#include <stdbool.h>

#define VNIC_IFNAME_MAX 15 /* IFNAMSIZ - 1 */

/* A C0 or C1 control character (DEL included) at p, as a byte or as UTF-8 (U+0080..U+009F):
 * it has no place in a name or a path handed to a launcher. */
static inline bool vnic_is_control_char(const unsigned char *p)
{
    return *p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f);
}

/* Checks shared with the backends. Each returns NULL when the value is good, otherwise a
 * translated reason (static storage). */
const char *vnic_ifname_check(const char *name);
/* A target dev value: a plain name, or a template with exactly one %d. */
const char *vnic_ifname_template_check(const char *name, bool *ret_is_template);

bool vnic_ifname_is_template(const char *name);
