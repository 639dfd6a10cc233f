/* Shared by the fuzz targets: the libFuzzer entry points and a check that stops the run.
 *
 * A target is built either against libFuzzer (-Dfuzzing=true, clang) or with replay.c, a
 * main() that feeds it every file of its corpus, so the same checks run in every build. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the input broke: say which and abort, so that libFuzzer keeps the input as a
 * crash artifact and the replay test fails. stderr stays open in the timed runs for this. */
#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond);          \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The input as a C string, or NULL when it has a NUL byte (which every reader refuses
 * before parsing: files with NUL bytes never reach the parsers). Caller frees. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
    for (size_t i = 0; i < size; i++)
        if (data[i] == 0)
            return NULL;
    char *s = malloc(size + 1);
    if (!s)
        abort();
    for (size_t i = 0; i < size; i++)
        s[i] = (char)data[i];
    s[size] = '\0';
    return s;
}
