/* Unit test of vnic_place_fds: forked children arrange source fds in tricky layouts (sources
 * overlapping the target range, in reverse, duplicated, a keep fd inside the range, 300 fds,
 * leaked fds), call vnic_place_fds, check in the child that exactly the intended fds are open,
 * each on the right file (st_dev/st_ino of what the parent opened), the placed ones inherited
 * and the keep fd close-on-exec at FIRST + N, and then exec this program again in --verify
 * mode, which checks the same from the other side of exec (and that the keep fd is gone). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdplace.h"
#include "testutil.h"

#define MAX_FILES 320
#define MAX_FDS 1024
/* Where the child parks its copies of the parent's files while it builds a layout. */
#define PARK 640

static const char *self_exe;

/* Files the parent opened, each a distinct inode. */
static int files[MAX_FILES];
static struct stat file_st[MAX_FILES];
static int nfiles;

/* ---- in the child -------------------------------------------------------------------- */

static int child_failures;

static void cfail(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void cfail(const char *what, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "  [%s] ", what);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    child_failures++;
}

/* The fds open in this process from 3 on, except SKIP (the directory's own fd). */
static int list_fds(bool *open, int skip_self)
{
    memset(open, 0, MAX_FDS * sizeof(bool));
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int self = dirfd(d);
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        int fd = atoi(e->d_name);
        if ((skip_self && fd == self) || fd < 3)
            continue;
        if (fd >= MAX_FDS) {
            fprintf(stderr, "  unexpected fd %d >= %d open\n", fd, MAX_FDS);
            count++;
            continue;
        }
        open[fd] = true;
        count++;
    }
    closedir(d);
    return count;
}

static bool same_file(int fd, const struct stat *want)
{
    struct stat st;
    return fstat(fd, &st) == 0 && st.st_dev == want->st_dev && st.st_ino == want->st_ino;
}

typedef struct {
    const char *name;
    int first;
    /* The layout the child builds before placing: fd layout_fd[i] is file layout_file[i];
     * sources with an odd index get O_CLOEXEC, the others not (it must not matter). */
    int nlayout;
    int layout_fd[MAX_FILES + 8];
    int layout_file[MAX_FILES + 8];
    /* What to place, in order (fd numbers of the layout). */
    int n;
    int fds[MAX_FILES];
    /* The keep fd: -2 for KEEP == NULL, -1 for *KEEP == -1, else an fd of the layout. */
    int keep;
} fd_case;

/* The file an fd of the layout refers to, or -1. */
static int layout_file_of(const fd_case *c, int fd)
{
    for (int i = 0; i < c->nlayout; i++)
        if (c->layout_fd[i] == fd)
            return c->layout_file[i];
    return -1;
}

static void build_layout(const fd_case *c)
{
    int parked[MAX_FILES];
    for (int i = 0; i < nfiles; i++) {
        parked[i] = fcntl(files[i], F_DUPFD_CLOEXEC, PARK);
        if (parked[i] < 0) {
            perror("F_DUPFD_CLOEXEC");
            _exit(2);
        }
    }
    if (close_range(3, PARK - 1, 0) < 0) {
        perror("close_range");
        _exit(2);
    }
    for (int i = 0; i < c->nlayout; i++) {
        if (dup3(parked[c->layout_file[i]], c->layout_fd[i], (i & 1) ? O_CLOEXEC : 0) < 0) {
            perror("dup3");
            _exit(2);
        }
    }
    if (close_range(PARK, UINT_MAX, 0) < 0) {
        perror("close_range");
        _exit(2);
    }
}

/* Exec this program in --verify mode with "FD:FILE" for every fd that must survive exec. */
static void exec_verify(const fd_case *c, const int *want_file)
{
    char **argv = calloc(MAX_FDS + 4, sizeof(char *));
    int k = 0;
    argv[k++] = (char *)self_exe;
    argv[k++] = (char *)"--verify";
    argv[k++] = (char *)c->name;
    for (int fd = 3; fd < MAX_FDS; fd++) {
        if (want_file[fd] < 0)
            continue;
        char buf[64];
        snprintf(buf, sizeof(buf), "%d:%llu:%llu", fd,
                 (unsigned long long)file_st[want_file[fd]].st_dev,
                 (unsigned long long)file_st[want_file[fd]].st_ino);
        argv[k++] = strdup(buf);
    }
    argv[k] = NULL;
    execv(self_exe, argv);
    perror("execv");
    _exit(3);
}

static void child(const fd_case *c)
{
    build_layout(c);

    int *scratch = calloc((size_t)c->n + 1, sizeof(int));
    int keep = c->keep >= -1 ? c->keep : -1;
    int keep_file = c->keep >= 0 ? layout_file_of(c, c->keep) : -1;
    int r = vnic_place_fds(c->fds, (size_t)c->n, c->first, scratch, c->keep == -2 ? NULL : &keep);
    free(scratch);
    if (r < 0) {
        fprintf(stderr, "  [%s] vnic_place_fds failed: %s\n", c->name, strerror(-r));
        _exit(1);
    }

    /* What must be open now: fds of the layout below FIRST stay as they were, the placed
     * ones, and the keep fd at FIRST + N. */
    int want_file[MAX_FDS];
    bool want_cloexec[MAX_FDS];
    for (int fd = 0; fd < MAX_FDS; fd++)
        want_file[fd] = -1, want_cloexec[fd] = false;
    for (int i = 0; i < c->nlayout; i++)
        if (c->layout_fd[i] < c->first) {
            want_file[c->layout_fd[i]] = c->layout_file[i];
            want_cloexec[c->layout_fd[i]] = (i & 1) != 0;
        }
    for (int i = 0; i < c->n; i++)
        want_file[c->first + i] = layout_file_of(c, c->fds[i]);
    if (c->keep >= 0) {
        if (keep != c->first + c->n)
            cfail(c->name, "keep fd is %d, expected %d", keep, c->first + c->n);
        want_file[c->first + c->n] = keep_file;
        want_cloexec[c->first + c->n] = true;
    } else if (c->keep == -1 && keep != -1) {
        cfail(c->name, "*keep changed from -1 to %d", keep);
    }

    bool open[MAX_FDS];
    if (list_fds(open, 1) < 0)
        cfail(c->name, "cannot list /proc/self/fd: %s", strerror(errno));
    for (int fd = 3; fd < MAX_FDS; fd++) {
        if (want_file[fd] >= 0 && !open[fd]) {
            cfail(c->name, "fd %d is not open", fd);
            continue;
        }
        if (want_file[fd] < 0 && open[fd]) {
            cfail(c->name, "fd %d is open but should not be", fd);
            continue;
        }
        if (want_file[fd] < 0)
            continue;
        if (!same_file(fd, &file_st[want_file[fd]]))
            cfail(c->name, "fd %d is not file %d", fd, want_file[fd]);
        int fl = fcntl(fd, F_GETFD);
        if (fl < 0 || !!(fl & FD_CLOEXEC) != want_cloexec[fd])
            cfail(c->name, "fd %d: close-on-exec is %s, expected %s", fd,
                  fl < 0              ? "?"
                  : (fl & FD_CLOEXEC) ? "set"
                                      : "clear",
                  want_cloexec[fd] ? "set" : "clear");
    }
    if (child_failures)
        _exit(1);

    /* After exec only the inherited ones are left. */
    for (int fd = 3; fd < MAX_FDS; fd++)
        if (want_cloexec[fd])
            want_file[fd] = -1;
    exec_verify(c, want_file);
}

/* --verify NAME FD:DEV:INO...: exactly these fds from 3 on, on these files, inherited. */
static int verify(int argc, char **argv)
{
    const char *name = argv[2];
    bool open[MAX_FDS];
    bool wanted[MAX_FDS] = {false};
    if (list_fds(open, 1) < 0) {
        cfail(name, "cannot list /proc/self/fd after exec");
        return 1;
    }
    for (int i = 3; i < argc; i++) {
        int fd;
        unsigned long long dev, ino;
        if (sscanf(argv[i], "%d:%llu:%llu", &fd, &dev, &ino) != 3 || fd < 3 || fd >= MAX_FDS) {
            cfail(name, "bad argument '%s'", argv[i]);
            continue;
        }
        wanted[fd] = true;
        struct stat st;
        if (!open[fd] || fstat(fd, &st) < 0) {
            cfail(name, "after exec: fd %d is not open", fd);
            continue;
        }
        if ((unsigned long long)st.st_dev != dev || (unsigned long long)st.st_ino != ino)
            cfail(name, "after exec: fd %d is another file", fd);
        int fl = fcntl(fd, F_GETFD);
        if (fl < 0 || (fl & FD_CLOEXEC))
            cfail(name, "after exec: fd %d is close-on-exec", fd);
    }
    for (int fd = 3; fd < MAX_FDS; fd++)
        if (open[fd] && !wanted[fd])
            cfail(name, "after exec: fd %d is open but should not be", fd);
    return child_failures ? 1 : 0;
}

/* ---- in the parent ------------------------------------------------------------------- */

/* Runs case C in a child and frees it. */
static void run_case(fd_case *c)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        CHECK(pid >= 0);
        free(c);
        return;
    }
    if (pid == 0)
        child(c);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    test_checks++;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "FAIL: case '%s': child %s %d\n", c->name,
                WIFEXITED(status) ? "exited with" : "killed by signal",
                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        test_failures++;
    } else {
        printf("ok: %s\n", c->name);
    }
    free(c);
}

static fd_case *new_case(const char *name, int first)
{
    fd_case *c = calloc(1, sizeof(*c));
    c->name = name;
    c->first = first;
    c->keep = -2;
    return c;
}

static void add_layout(fd_case *c, int fd, int file)
{
    c->layout_fd[c->nlayout] = fd;
    c->layout_file[c->nlayout] = file;
    c->nlayout++;
}

/* Layout fds FDS[i] = file i, and place them in the order of ORDER (layout fd numbers). */
static fd_case *simple_case(const char *name, int first, const int *fds, int nfd, const int *order,
                            int n)
{
    fd_case *c = new_case(name, first);
    for (int i = 0; i < nfd; i++)
        add_layout(c, fds[i], i);
    for (int i = 0; i < n; i++)
        c->fds[i] = order[i];
    c->n = n;
    return c;
}

/* Error returns: a closed source or keep fd is -EBADF, in a child of its own (the call may
 * have closed fds before failing). */
static void test_errors(void)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int bad[2] = {files[0], 900};
        int scratch[3];
        close(900);
        int r = vnic_place_fds(bad, 2, 3, scratch, NULL);
        if (r != -EBADF) {
            fprintf(stderr, "  closed source: %d, expected -EBADF\n", r);
            _exit(1);
        }
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        int good[1] = {files[0]};
        int scratch[2];
        int keep = 901;
        close(901);
        int r = vnic_place_fds(good, 1, 3, scratch, &keep);
        if (r != -EBADF) {
            fprintf(stderr, "  closed keep fd: %d, expected -EBADF\n", r);
            _exit(1);
        }
        _exit(0);
    }
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--verify") == 0)
        return verify(argc, argv);

    /* /proc/self/exe is what the child execs: argv[0] may be relative to another cwd. */
    static char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len <= 0) {
        perror("readlink /proc/self/exe");
        return 1;
    }
    exe[len] = '\0';
    self_exe = exe;

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < MAX_FDS + 64) {
        rl.rlim_cur = rl.rlim_max < MAX_FDS + 64 ? rl.rlim_max : MAX_FDS + 64;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    /* Distinct files (memfds, each its own inode), close-on-exec in the parent. */
    for (nfiles = 0; nfiles < MAX_FILES; nfiles++) {
        char name[32];
        snprintf(name, sizeof(name), "fdplace-%d", nfiles);
        files[nfiles] = memfd_create(name, MFD_CLOEXEC);
        if (files[nfiles] < 0 || fstat(files[nfiles], &file_st[nfiles]) < 0) {
            perror("memfd_create");
            return 1;
        }
    }

    /* Already in place. */
    run_case(simple_case("identity", 3, (int[]){3, 4, 5}, 3, (int[]){3, 4, 5}, 3));
    /* fd 5 must become 3 while fd 3 must become 4 and fd 4 must become 5. */
    run_case(simple_case("rotate-5-3-4", 3, (int[]){3, 4, 5}, 3, (int[]){5, 3, 4}, 3));
    /* A swap: 3 <-> 4. */
    run_case(simple_case("swap", 3, (int[]){3, 4}, 2, (int[]){4, 3}, 2));
    /* In reverse. */
    run_case(simple_case("reverse", 3, (int[]){3, 4, 5, 6, 7, 8, 9}, 7,
                         (int[]){9, 8, 7, 6, 5, 4, 3}, 7));
    /* Sources far above the range, with gaps, and one exactly at FIRST + N. */
    run_case(simple_case("above-with-gaps", 3, (int[]){40, 12, 9, 6}, 4, (int[]){40, 12, 9, 6}, 4));
    /* The same fd twice: both targets on the one file. */
    run_case(simple_case("duplicate", 3, (int[]){7}, 1, (int[]){7, 7, 7}, 3));
    /* Leaked fds that are not placed must be closed: 3, 17 and 500 are not in the list. */
    run_case(simple_case("leaked-closed", 3, (int[]){3, 4, 17, 500, 10}, 5, (int[]){10, 4}, 2));
    /* Nothing to place: everything from FIRST on goes. */
    run_case(simple_case("none", 3, (int[]){3, 4, 9}, 3, NULL, 0));
    /* A FIRST above 3: fds below it are left alone, the range starts at 10. */
    run_case(simple_case("first-10", 10, (int[]){3, 4, 10, 11, 12}, 5, (int[]){12, 3, 10}, 3));

    /* Keep fds: at a target position (overwritten by a placed fd), exactly at FIRST + N,
     * far above, below the range, and none at all with *KEEP == -1. */
    fd_case *c = simple_case("keep-inside-range", 3, (int[]){3, 4, 5}, 3, (int[]){5, 4}, 2);
    c->keep = 3;
    run_case(c);
    c = simple_case("keep-at-top", 3, (int[]){3, 4, 5}, 3, (int[]){4, 3}, 2);
    c->keep = 5;
    run_case(c);
    c = simple_case("keep-above", 3, (int[]){3, 4, 200}, 3, (int[]){4, 3}, 2);
    c->keep = 200;
    run_case(c);
    c = simple_case("keep-is-a-source", 3, (int[]){3, 4}, 2, (int[]){4, 3}, 2);
    c->keep = 4;
    run_case(c);
    c = simple_case("keep-only", 3, (int[]){3, 8}, 2, NULL, 0);
    c->keep = 8;
    run_case(c);
    c = simple_case("keep-minus-one", 3, (int[]){3, 4, 5}, 3, (int[]){5, 3}, 2);
    c->keep = -1;
    run_case(c);

    /* 300 fds in a shuffled layout over 3..302, placed in another order, plus a keep fd in
     * the middle of the range and leaked fds above. */
    c = new_case("many-300", 3);
    int perm[300];
    for (int i = 0; i < 300; i++)
        perm[i] = i;
    unsigned seed = 12345;
    for (int i = 299; i > 0; i--) {
        seed = seed * 1103515245 + 12345;
        int j = (int)((seed >> 16) % (unsigned)(i + 1));
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (int i = 0; i < 300; i++)
        add_layout(c, 3 + i, perm[i]);
    add_layout(c, 303, 300); /* the keep fd, at FIRST + N already */
    add_layout(c, 450, 301); /* leaked */
    add_layout(c, 610, 302); /* leaked, near the parking area */
    for (int i = 0; i < 300; i++)
        c->fds[i] = 3 + (i * 7) % 300; /* 7 is prime to 300: a permutation */
    c->n = 300;
    c->keep = 303;
    run_case(c);

    c = new_case("many-300-reverse-keep-low", 3);
    for (int i = 0; i < 300; i++)
        add_layout(c, 3 + i, i);
    for (int i = 0; i < 300; i++)
        c->fds[i] = 302 - i;
    c->n = 300;
    c->keep = 150;
    run_case(c);

    test_errors();
    for (int i = 0; i < nfiles; i++)
        close(files[i]);
    return test_result("launch/fdplace");
}
