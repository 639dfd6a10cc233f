/* A module that proves it was loaded: its constructor creates the file named by
 * $VNIC_TEST_MARKER. It has no ops table; loading it is an error after the fact. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void mark(void)
{
    const char *path = getenv("VNIC_TEST_MARKER");
    if (path) {
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0)
            close(fd);
    }
}
