/* Scope-bound cleanup in the style of systemd's _cleanup_ attributes, without GLib. */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void vnic_freep(void *p)
{
    free(*(void **)p);
}

static inline void vnic_closep(int *fd)
{
    if (*fd >= 0) {
        int saved = errno;
        close(*fd);
        errno = saved;
    }
}

#define _cleanup_free_ _cleanup_(vnic_freep)
#define _cleanup_close_ _cleanup_(vnic_closep)

/* Take ownership out of a cleanup variable: the variable is reset so the cleanup is a no-op. */
#define TAKE_PTR(p)                                                                                \
    ({                                                                                             \
        __typeof__(p) _tp = (p);                                                                   \
        (p) = NULL;                                                                                \
        _tp;                                                                                       \
    })

#define TAKE_FD(fd)                                                                                \
    ({                                                                                             \
        int _tf = (fd);                                                                            \
        (fd) = -1;                                                                                 \
        _tf;                                                                                       \
    })

/* Define a pointer cleanup function for a type with a NULL-accepting or NULL-checked destructor. */
#define VNIC_DEFINE_CLEANUP(type, func)                                                            \
    static inline void func##p(type **p)                                                           \
    {                                                                                              \
        if (*p)                                                                                    \
            func(*p);                                                                              \
    }

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
