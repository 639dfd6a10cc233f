/* A stand-in launcher for the send buffer tests: prints "FD SNDBUF" for every fd it inherited
 * from 3 on, the kernel's own value read back with TUNGETSNDBUF ("FD -" where the device does
 * not answer it), then exits 0. */
#include <dirent.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

int main(void)
{
    int fds[4096];
    size_t n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d) {
        perror("sndprobe: /proc/self/fd");
        return 99;
    }
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && atoi(e->d_name) >= 3 && atoi(e->d_name) != dirfd(d) &&
            n < sizeof(fds) / sizeof(fds[0]))
            fds[n++] = atoi(e->d_name);
    closedir(d);
    qsort(fds, n, sizeof(int), cmp_int);
    for (size_t i = 0; i < n; i++) {
        int sndbuf = 0;
        if (ioctl(fds[i], TUNGETSNDBUF, &sndbuf) == 0)
            printf("%d %d\n", fds[i], sndbuf);
        else
            printf("%d -\n", fds[i]);
    }
    return 0;
}
