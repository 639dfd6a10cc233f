/* main() for builds without libFuzzer: run the target once on every file named on the
 * command line, or on every file of a directory named there (in name order, so that a
 * failure is reproducible), and say how many ran. Any failed check aborts the process. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* libFuzzer's default -max_len is far below this; inputs of the corpus are small. */
#define REPLAY_MAX_SIZE (16 * 1024 * 1024)

static int run_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t len = 0, alloc = 4096;
    uint8_t *buf = malloc(alloc);
    for (;;) {
        if (!buf) {
            fprintf(stderr, "replay: out of memory\n");
            abort();
        }
        if (len == alloc) {
            alloc *= 2;
            buf = realloc(buf, alloc);
            continue;
        }
        ssize_t r = read(fd, buf + len, alloc - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 || len > REPLAY_MAX_SIZE) {
            fprintf(stderr, "replay: cannot read %s: %s\n", path,
                    r < 0 ? strerror(errno) : "too large");
            free(buf);
            close(fd);
            return -1;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    fprintf(stderr, "replay: %s\n", path);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns the number of inputs run, or -1. */
static long run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return run_file(path) < 0 ? -1 : 1;

    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        names = realloc(names, (n + 1) * sizeof(*names));
        if (!names || !(names[n] = strdup(e->d_name)))
            abort();
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_names);

    long count = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(path) + strlen(names[i]) + 2;
        char *full = malloc(len);
        if (!full)
            abort();
        snprintf(full, len, "%s/%s", path, names[i]);
        long r = run_path(full);
        free(full);
        if (r < 0)
            count = -1;
        else if (count >= 0)
            count += r;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return count;
}

int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    long total = 0;
    bool failed = false;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-') /* libFuzzer's options: nothing to do without it */
            continue;
        long r = run_path(argv[i]);
        if (r < 0)
            failed = true;
        else
            total += r;
    }
    if (total == 0 && !failed) {
        fprintf(stderr, "replay: no inputs\n");
        return 1;
    }
    printf("replayed %ld inputs\n", total);
    return failed ? 1 : 0;
}
