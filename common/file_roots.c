/*
 * file_roots.c - paths of sources and sinks stay under file_roots.
 *
 * A path is resolved the way the kernel will: relative to the first root,
 * symbolic links and .. followed (realpath); for what does not exist yet,
 * the real path of its nearest existing ancestor and then the missing
 * names, which may not be . or ..  The result must lie inside a root and
 * must not name one of the server's own files.  That check at CREATE time
 * is advice; the one that holds is at open: sl_confine_open opens the
 * directory, asks the kernel where that descriptor really is
 * (/proc/self/fd), and opens the last name relative to it with O_NOFOLLOW,
 * so nothing swapped in between the check and the open leads outside.
 *
 * Entry points: sl_confine_new, sl_confine_roots_text, sl_confine_path,
 * sl_confine_open, sl_confine_mkdir (sluice/confine.h).
 */
#include "common/confine.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice/errcodes.h"

/* The names of the server's own files, never reachable even inside a root:
 * the catalog (and its -wal, -shm, -journal), the settings, the lock file,
 * keys and certificates. */
static bool forbidden_name(const char *base)
{
    static const char *const exact[] = {"sluiced.conf", "sluice_hba.conf", "sluiced.pid", "server.crt",
                                        "secret.key"};
    size_t n = strlen(base);

    for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
        if (strcmp(base, exact[i]) == 0)
            return true;
    return strncmp(base, "catalog.db", 10) == 0 || (n >= 4 && strcmp(base + n - 4, ".key") == 0);
}

sl_confine *sl_confine_new(sl_mcxt *cx, const char *file_roots, const char *allowed_hosts, sl_error *err)
{
    sl_confine *c = sl_pnew(cx, sl_confine);
    const char *p = file_roots != NULL ? file_roots : "";
    int cap = 1;
    char *text = sl_pstrdup(cx, "");

    for (const char *q = p; *q; q++)
        cap += *q == ',';
    c->roots = sl_palloc(cx, sizeof(char *) * (size_t)cap);
    const char *b, *e;

    while (sl_confine_list_next(&p, &b, &e)) {
        char want[PATH_MAX], real[PATH_MAX];

        if ((size_t)(e - b) >= sizeof(want) || *b != '/') {
            sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                         "file_roots: \"%.*s\" is not an absolute directory name", (int)(e - b), b);
            return NULL;
        }
        memcpy(want, b, (size_t)(e - b));
        want[e - b] = '\0';
        if (realpath(want, real) == NULL) {
            sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "file_roots: directory \"%s\": %s", want,
                         strerror(errno));
            return NULL;
        }
        c->roots[c->nroots++] = sl_pstrdup(cx, real);
        text = sl_psprintf(cx, "%s%s%s", text, c->nroots > 1 ? ", " : "", real);
    }
    c->roots_text = text;
    if (sl_confine_hosts_parse(c, cx, allowed_hosts, err) != SL_OK)
        return NULL;
    return c;
}

const char *sl_confine_roots_text(const sl_confine *c)
{
    return c != NULL && c->nroots > 0 ? c->roots_text : "(none)";
}

/* The root real lies in (real itself when may_be_root), or -1. */
static int root_of(const sl_confine *c, const char *real, bool may_be_root)
{
    for (int i = 0; i < c->nroots; i++) {
        const char *r = c->roots[i];
        size_t n = strlen(r);

        if (strcmp(r, "/") == 0)
            return real[0] == '/' && (may_be_root || real[1] != '\0') ? i : -1;
        if (strncmp(real, r, n) == 0 && (real[n] == '/' || (real[n] == '\0' && may_be_root)))
            return i;
    }
    return -1;
}

static sl_status outside(const sl_confine *c, const char *option, const char *path, const char *why,
                         sl_error *err)
{
    sl_error_set(err, SL_ERRCODE_INSUFFICIENT_PRIVILEGE, "option \"%s\": path \"%s\" %s", option, path, why);
    sl_error_detail(err, "Files are confined to the directories of the server setting file_roots: %s.",
                    sl_confine_roots_text(c));
    sl_error_hint(err, "Use a path inside file_roots (a relative path is relative to its first directory); "
                       "only sluiced.conf or -c on the server's command line can change file_roots.");
    return SL_ERROR;
}

/* A path resolved: real[0..exist) exists and is real; the rest, if any,
 * follows after a '/' and does not exist yet (nor contains . or ..). */
typedef struct resolved {
    char real[PATH_MAX];
    size_t exist;
} resolved;

static bool has_wildcard(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '*' || s[i] == '?' || s[i] == '[')
            return true;
    return false;
}

/* True when full (absolute) has a component ".." or "." at or after from. */
static bool dot_component(const char *full, size_t from)
{
    const char *p = full + from;

    while (*p != '\0') {
        size_t n = strcspn(p, "/");
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return true;
        p += n;
        while (*p == '/')
            p++;
    }
    return false;
}

static sl_status resolve(const sl_confine *c, const char *option, const char *path, sl_path_use use,
                         resolved *r, sl_error *err)
{
    char full[PATH_MAX], head[PATH_MAX];
    size_t cut, n;
    int written;
    const char *base;

    if (path == NULL || path[0] == '\0')
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "option \"%s\" must not be empty",
                            option);
    if (c == NULL || c->nroots == 0)
        return outside(c, option, path, "cannot be used: no file roots are set", err);
    written = path[0] == '/' ? snprintf(full, sizeof(full), "%s", path)
                             : snprintf(full, sizeof(full), "%s/%s", c->roots[0], path);
    if (written < 0 || (size_t)written >= sizeof(full))
        return sl_error_set(err, SL_ERRCODE_NAME_TOO_LONG, "option \"%s\": path \"%s\" is too long", option,
                            path);
    n = strlen(full);
    while (n > 1 && full[n - 1] == '/')
        full[--n] = '\0';
    /* cut: where the part that must exist (or be resolved) ends. */
    cut = n;
    if (use == SL_PATH_GLOB) {
        for (size_t i = 0, start = 0; i <= n; i++)
            if (full[i] == '/' || full[i] == '\0') {
                if (has_wildcard(full + start, i - start)) {
                    cut = start > 1 ? start - 1 : 1;
                    break;
                }
                start = i + 1;
            }
    }
    /* Walk up to the nearest ancestor that exists. */
    for (;;) {
        memcpy(head, full, cut);
        head[cut] = '\0';
        if (realpath(head, r->real) != NULL)
            break;
        if (errno != ENOENT && errno != ENOTDIR)
            return outside(c, option, path, "cannot be resolved", err);
        while (cut > 1 && full[cut - 1] != '/')
            cut--;
        cut = cut > 1 ? cut - 1 : 1;
    }
    r->exist = strlen(r->real);
    if (cut < n) {
        if (dot_component(full, cut + 1))
            return outside(c, option, path, "has . or .. after a name that does not exist", err);
        if ((size_t)snprintf(r->real + r->exist, sizeof(r->real) - r->exist, "%s%s", r->exist > 1 ? "/" : "",
                             full + cut + 1) >= sizeof(r->real) - r->exist)
            return sl_error_set(err, SL_ERRCODE_NAME_TOO_LONG, "option \"%s\": path \"%s\" is too long",
                                option, path);
    }
    if (root_of(c, r->real, use == SL_PATH_DIR || use == SL_PATH_GLOB) < 0)
        return outside(c, option, path, "is outside the file roots", err);
    base = strrchr(r->real, '/') + 1;
    if (forbidden_name(base))
        return outside(c, option, path, "names a file of the server", err);
    return SL_OK;
}

sl_status sl_confine_path(const sl_confine *c, const char *option, const char *path, sl_path_use use,
                          sl_mcxt *cx, char **out, sl_error *err)
{
    resolved r;

    if (resolve(c, option, path, use, &r, err) != SL_OK)
        return SL_ERROR;
    *out = sl_pstrdup(cx, r.real);
    return SL_OK;
}

/* Checks that descriptor fd (a directory) really is inside a root. */
static sl_status check_fd(const sl_confine *c, const char *option, const char *path, int fd, sl_error *err)
{
    char link[64], real[PATH_MAX];
    ssize_t n;

    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, real, sizeof(real) - 1);
    if (n < 0)
        return sl_error_set(err, SL_ERRCODE_IO_ERROR, "option \"%s\": could not check path \"%s\": %s",
                            option, path, strerror(errno));
    real[n] = '\0';
    if (root_of(c, real, true) < 0)
        return outside(c, option, path, "is outside the file roots", err);
    return SL_OK;
}

/* -1 with err and errno set (callers may tolerate ENOENT). */
static int os_error(const char *op, const char *path, int e, sl_error *err)
{
    sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not %s file \"%s\": %s", op, path, strerror(e));
    errno = e;
    return -1;
}

int sl_confine_open(const sl_confine *c, const char *option, const char *path, int flags, mode_t mode,
                    sl_error *err)
{
    resolved r;
    char *slash;
    int dfd, fd, e;

    if (resolve(c, option, path, (flags & O_CREAT) ? SL_PATH_CREATE : SL_PATH_READ, &r, err) != SL_OK) {
        errno = EACCES;
        return -1;
    }
    slash = strrchr(r.real, '/');
    *slash = '\0';
    dfd = open(slash == r.real ? "/" : r.real, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return os_error("open", path, errno, err);
    if (check_fd(c, option, path, dfd, err) != SL_OK) {
        close(dfd);
        errno = EACCES;
        return -1;
    }
    fd = openat(dfd, slash + 1, flags | O_NOFOLLOW | O_CLOEXEC, mode);
    e = errno;
    close(dfd);
    if (fd < 0 && e == ELOOP) {
        outside(c, option, path, "is a symbolic link", err);
        errno = EACCES;
        return -1;
    }
    if (fd < 0)
        return os_error("open", path, e, err);
    return fd;
}

/* The OS error of making directory real (58030, 53100 for a full disk). */
static sl_status mkdir_error(const char *real, int e, sl_error *err)
{
    return sl_error_set(err, e == ENOSPC || e == EDQUOT ? SL_ERRCODE_DISK_FULL : SL_ERRCODE_IO_ERROR,
                        "could not create directory \"%s\": %s", real, strerror(e));
}

sl_status sl_confine_mkdir(const sl_confine *c, const char *option, const char *path, sl_mcxt *cx, char **out,
                           sl_error *err)
{
    resolved r;
    char *p;
    int fd;

    if (resolve(c, option, path, SL_PATH_DIR, &r, err) != SL_OK)
        return SL_ERROR;
    *out = sl_pstrdup(cx, r.real);
    /* From the existing ancestor down, one name at a time, never following
     * a link: what is created stays where the check said. */
    r.real[r.exist] = '\0';
    fd = open(r.real, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return mkdir_error(*out, errno, err);
    if (check_fd(c, option, path, fd, err) != SL_OK) {
        close(fd);
        return SL_ERROR;
    }
    p = *out + r.exist;
    while (*p == '/')
        p++;
    while (*p != '\0') {
        size_t n = strcspn(p, "/");
        char name[NAME_MAX + 1];
        int next;

        snprintf(name, sizeof(name), "%.*s", (int)n, p);
        if (mkdirat(fd, name, 0755) != 0 && errno != EEXIST) {
            int e = errno;
            close(fd);
            return mkdir_error(*out, e, err);
        }
        next = openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(fd);
        if (next < 0)
            return mkdir_error(*out, errno == ELOOP ? ENOTDIR : errno, err);
        fd = next;
        p += n;
        while (*p == '/')
            p++;
    }
    close(fd);
    return SL_OK;
}
