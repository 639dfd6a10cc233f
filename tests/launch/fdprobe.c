/* A stand-in launcher for the `vnicsh run` tests: prints one line per fd it inherited from 3
 * on, "FD IFNAME VNET_HDR MULTI_QUEUE CLOEXEC" (TUNGETIFF on the fd: taps and macvtaps answer
 * it with their device's name and flags; "FD - - - CLOEXEC TARGET" for any other fd), then
 * exits with the status given as its argument (0 by default). */
#include <dirent.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

int main(int argc, char **argv)
{
    int fds[4096];
    size_t n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d) {
        perror("fdprobe: /proc/self/fd");
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
        int fd = fds[i];
        int fl = fcntl(fd, F_GETFD);
        struct ifreq ifr;
        memset(&ifr, 0, sizeof(ifr));
        if (ioctl(fd, TUNGETIFF, &ifr) == 0) {
            printf("%d %s %d %d %d\n", fd, ifr.ifr_name, !!(ifr.ifr_flags & IFF_VNET_HDR),
                   !!(ifr.ifr_flags & IFF_MULTI_QUEUE), fl >= 0 && (fl & FD_CLOEXEC));
        } else {
            char path[64], target[4096];
            snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
            ssize_t len = readlink(path, target, sizeof(target) - 1);
            target[len > 0 ? len : 0] = '\0';
            printf("%d - - - %d %s\n", fd, fl >= 0 && (fl & FD_CLOEXEC), target);
        }
    }
    fflush(stdout);
    return argc > 1 ? atoi(argv[1]) : 0;
}
