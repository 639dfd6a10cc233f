#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "strutil.h"

/* Default: only errors, which library code does not log anyway. Atomic: every thread reads
 * it, and a caller may change it while others run. */
static _Atomic vnic_log_level current_level = VNIC_LOG_ERROR;

static const char *const level_names[VNIC_LOG_LAST] = {"error", "warning", "info", "debug"};

int vnic_log_level_from_string(const char *s)
{
    unsigned long v;
    if (!s)
        return -1;
    if (vnic_parse_uint(s, 0, VNIC_LOG_LAST - 1, &v) == 0)
        return (int)v;
    return vnic_enum_from_string(level_names, VNIC_LOG_LAST, s);
}

void vnic_log_init(void)
{
    int level = vnic_log_level_from_string(secure_getenv("VNIC_DEBUG"));
    if (level >= 0)
        current_level = (vnic_log_level)level;
}

void vnic_log_set_level(vnic_log_level level)
{
    if (level < VNIC_LOG_LAST)
        current_level = level;
}

vnic_log_level vnic_log_get_level(void)
{
    return current_level;
}

void vnic_log(vnic_log_level level, const char *func, const char *fmt, ...)
{
    if (level > current_level)
        return;

    int saved = errno;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);

    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[%5ld.%06ld] vnic %s: %s: ", (long)ts.tv_sec, ts.tv_nsec / 1000,
            level_names[level], func);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    errno = saved;
}
