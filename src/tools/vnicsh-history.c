/* The interactive shell's history file: $XDG_STATE_HOME/vnic/vnicsh_history, else
 * ~/.local/state/vnic/vnicsh_history, one line per entry, the newest last.
 *
 * The directory is made 0700 and must be a directory of the user's own: it is opened without
 * following a symlink, and the file in it is read without following one and replaced by
 * rename, never written through a link. A history is a convenience: any problem is a warning
 * and the shell goes on without it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>

#include "vnicsh.h"

#define HISTORY_FILE "vnicsh_history"
/* What is read of the file: its last MiB, ample for SHELL_HISTORY_MAX lines as they are typed;
 * a file grown huge (by hand, or a pasted monster) neither holds up the start nor is carried
 * on whole. */
#define HISTORY_READ_MAX (1 << 20)

static int history_dir = -1;

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *msg = sh_xvasprintf(fmt, ap);
    va_end(ap);
    fprintf(stderr, _("%s: warning: %s\n"), PROGRAM, msg);
}

/* mkdir -p PATH, each directory it makes 0700. */
static int mkdir_parents(const char *path)
{
    _cleanup_free_ char *p = sh_xstrdup(path);
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0700) < 0 && errno != EEXIST)
            return -errno;
        *s = c;
        if (!c)
            return 0;
    }
}

/* The directory of the history file, opened; -1 (after a warning, unless there is no home at
 * all) if it cannot be had safely. */
static int open_history_dir(void)
{
    const char *state = secure_getenv("XDG_STATE_HOME");
    _cleanup_free_ char *base = NULL;
    /* The XDG base directory rules: a relative path is to be ignored. */
    if (state && state[0] == '/') {
        base = sh_xstrdup(state);
    } else {
        const char *home = secure_getenv("HOME");
        if (!home || home[0] != '/')
            return -1;
        base = sh_xasprintf("%s/.local/state", home);
    }
    _cleanup_free_ char *dir = sh_xasprintf("%s/vnic", base);
    int r = mkdir_parents(dir);
    if (r < 0) {
        warn(_("not keeping the history: cannot make %s: %s"), dir, strerror(-r));
        return -1;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        int e = errno;
        struct stat lst;
        bool link = lstat(dir, &lst) == 0 && S_ISLNK(lst.st_mode);
        warn(_("not keeping the history: cannot open %s: %s"), dir,
             link ? _("it is a symbolic link") : strerror(e));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (st.st_uid != geteuid() || (st.st_mode & 0022)) {
        warn(_("not keeping the history: %s is not this user's, or others may write to it"), dir);
        close(fd);
        return -1;
    }
    return fd;
}

void shell_history_load(void)
{
    history_dir = open_history_dir();
    if (history_dir < 0)
        return;
    /* O_NONBLOCK: a FIFO (or a device) put there must not hold the shell up in open() before
     * the check below refuses it; on a regular file it changes nothing. */
    int fd = openat(history_dir, HISTORY_FILE,
                    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno != ENOENT)
            warn(_("cannot read the history %s: %s"), HISTORY_FILE,
                 errno == ELOOP ? _("it is a symbolic link") : strerror(errno));
        return;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        warn(_("cannot read the history %s: not a regular file"), HISTORY_FILE);
        close(fd);
        return;
    }
    FILE *f = fdopen(fd, "re");
    if (!f) {
        close(fd);
        return;
    }
    _cleanup_free_ char *line = NULL;
    size_t size = 0;
    ssize_t len;
    if (st.st_size > HISTORY_READ_MAX) {
        /* From a line's start: the one the seek lands in is cut short and left out. */
        if (fseeko(f, st.st_size - HISTORY_READ_MAX - 1, SEEK_SET) < 0 ||
            getline(&line, &size, f) < 0) {
            fclose(f);
            return;
        }
    }
    /* The history is stifled to SHELL_HISTORY_MAX entries: the oldest fall out. */
    while ((len = getline(&line, &size, f)) >= 0) {
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        if (len > 0)
            add_history(line);
    }
    fclose(f);
}

void shell_history_save(void)
{
    if (history_dir < 0)
        return;
    _cleanup_free_ char *tmp = sh_xasprintf("%s.%ld.tmp", HISTORY_FILE, (long)getpid());
    int fd = openat(history_dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "we") : NULL;
    if (!f) {
        warn(_("cannot save the history: %s"), strerror(errno));
        if (fd >= 0)
            close(fd);
        goto out;
    }
    int start = history_length > SHELL_HISTORY_MAX ? history_length - SHELL_HISTORY_MAX : 0;
    for (int i = start; i < history_length; i++) {
        HIST_ENTRY *e = history_get(history_base + i);
        if (e && e->line)
            fprintf(f, "%s\n", e->line);
    }
    bool failed = ferror(f) != 0;
    if (fclose(f) != 0)
        failed = true;
    if (failed || renameat(history_dir, tmp, history_dir, HISTORY_FILE) < 0) {
        warn(_("cannot save the history: %s"), strerror(errno));
        unlinkat(history_dir, tmp, 0);
    }
out:
    close(history_dir);
    history_dir = -1;
}
