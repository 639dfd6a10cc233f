/* Safe string and memory helpers. The x-variants abort on allocation failure: vnic treats
 * running out of memory as fatal, as most system daemons do, so error paths stay simple. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *vnic_xmalloc(size_t n);
void *vnic_xcalloc(size_t n, size_t size);
void *vnic_xreallocarray(void *p, size_t n, size_t size);
char *vnic_xstrdup(const char *s);
/* NULL in, NULL out. */
char *vnic_xstrdup_null(const char *s);
char *vnic_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *vnic_xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Copy src into dst of size dstsize, always NUL-terminating. Returns false if truncated. */
bool vnic_strlcpy(char *dst, const char *src, size_t dstsize);

bool vnic_streq(const char *a, const char *b);
/* NULL-safe equality: two NULLs are equal. */
bool vnic_streq_null(const char *a, const char *b);
bool vnic_str_has_prefix(const char *s, const char *prefix);

/* Parse a whole string as an unsigned decimal number in [min, max]. Leading '+', spaces,
 * signs and trailing garbage are refused. Returns 0 or -EINVAL/-ERANGE; *ret untouched on
 * failure. */
int vnic_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *ret);

/* Count non-overlapping occurrences of needle in s. */
size_t vnic_str_count(const char *s, const char *needle);

/* Map an enum to and from its string; tables end at the _LAST sentinel. */
const char *vnic_enum_to_string(const char *const *table, size_t n, int value);
int vnic_enum_from_string(const char *const *table, size_t n, const char *s);

#define VNIC_ENUM_DECL(name, type)                                                                 \
    const char *name##_to_string(type v);                                                          \
    int name##_from_string(const char *s)

#define VNIC_ENUM_IMPL(name, type, last, ...)                                                      \
    static const char *const name##_table[] = {__VA_ARGS__};                                       \
    _Static_assert(sizeof(name##_table) / sizeof(name##_table[0]) == (last),                       \
                   "enum table size mismatch for " #name);                                         \
    const char *name##_to_string(type v)                                                           \
    {                                                                                              \
        return vnic_enum_to_string(name##_table, last, (int)v);                                    \
    }                                                                                              \
    int name##_from_string(const char *s)                                                          \
    {                                                                                              \
        return vnic_enum_from_string(name##_table, last, s);                                       \
    }
