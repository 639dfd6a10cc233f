#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "strutil.h"

/* The level plus one; 0 until the first use reads VNIC_DEBUG. libvnic, vnicsh and every backend
 * module carry their own copy of this file (a module links no private symbol of libvnic), so
 * each copy takes its level from the one environment instead of from a call of the program's.
 * Atomic: the first uses may race in threads of different connections. Default: only errors,
 * which library code does not log anyway. */
static int level_plus1;

static vnic_log_level current_level(void)
{
    int l = __atomic_load_n(&level_plus1, __ATOMIC_RELAXED);
    if (l == 0) {
        vnic_log_init();
        l = __atomic_load_n(&level_plus1, __ATOMIC_RELAXED);
    }
    return (vnic_log_level)(l - 1);
}

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
    int unset = 0;
    /* A bad value keeps the level there is (the default on the first reading). */
    if (level >= 0)
        __atomic_store_n(&level_plus1, level + 1, __ATOMIC_RELAXED);
    else
        __atomic_compare_exchange_n(&level_plus1, &unset, VNIC_LOG_ERROR + 1, false,
                                    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

void vnic_log_set_level(vnic_log_level level)
{
    if (level < VNIC_LOG_LAST)
        __atomic_store_n(&level_plus1, (int)level + 1, __ATOMIC_RELAXED);
}

vnic_log_level vnic_log_get_level(void)
{
    return current_level();
}

void vnic_log(vnic_log_level level, const char *func, const char *fmt, ...)
{
    if (level > current_level())
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
