/* A minimal assertion harness for the unit tests: every CHECK that fails is reported with its
 * location, and the test exits non-zero if any did. */
#pragma once

#include <stdio.h>
#include <string.h>

static int test_failures;
static int test_checks;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        test_checks++;                                                                             \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            test_failures++;                                                                       \
        }                                                                                          \
    } while (0)

#define CHECK_STREQ(a, b)                                                                          \
    do {                                                                                           \
        const char *_a = (a), *_b = (b);                                                           \
        test_checks++;                                                                             \
        if (!_a || !_b || strcmp(_a, _b) != 0) {                                                   \
            fprintf(stderr, "%s:%d: '%s' != '%s' (%s vs %s)\n", __FILE__, __LINE__,                \
                    _a ? _a : "(null)", _b ? _b : "(null)", #a, #b);                               \
            test_failures++;                                                                       \
        }                                                                                          \
    } while (0)

static inline int test_result(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, test_checks, test_failures);
    return test_failures ? 1 : 0;
}
