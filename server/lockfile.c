/*
 * lockfile.c - DATADIR/sluiced.pid (see lockfile.h).
 *
 * Why flock() and not only "is the PID alive": after a crash and a reboot,
 * or in a container, the PID in a stale file is often alive again as some
 * other process, and PostgreSQL users know the resulting "lock file already
 * exists" dance.  A lock held by the kernel ends with the process that held it.
 */
#include "server/lockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sluice/log.h"

static int lock_fd = -1;
static char lock_path[PATH_MAX];
static char lock_datadir[PATH_MAX];
static time_t lock_started;

/* Replaces the file's contents with text. */
static sl_status lock_write(const char *text, sl_error *err)
{
    size_t n = strlen(text);

    if (ftruncate(lock_fd, 0) != 0 || pwrite(lock_fd, text, n, 0) != (ssize_t)n || fsync(lock_fd) != 0)
        return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not write lock file \"%s\": %s", lock_path,
                            strerror(errno));
    return SL_OK;
}

sl_status sl_lockfile_acquire(const char *datadir, sl_error *err)
{
    char text[PATH_MAX + 128];

    if (realpath(datadir, lock_datadir) == NULL)
        snprintf(lock_datadir, sizeof(lock_datadir), "%s", datadir);
    if ((size_t)snprintf(lock_path, sizeof(lock_path), "%s/sluiced.pid", lock_datadir) >= sizeof(lock_path))
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "data directory path is too long");

    /* A few rounds: the file we opened may be unlinked by its exiting owner
     * between our open() and flock(); then we lock a file nobody sees. */
    for (int attempt = 0; attempt < 5; attempt++) {
        struct stat st_fd, st_path;
        char old[256] = "";
        ssize_t n;
        int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

        if (fd < 0)
            return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not create lock file \"%s\": %s", lock_path,
                                strerror(errno));
        n = pread(fd, old, sizeof(old) - 1, 0);
        old[n > 0 ? n : 0] = '\0';
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int saved = errno;
            long pid = strtol(old, NULL, 10);

            close(fd);
            if (saved != EWOULDBLOCK)
                return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not lock file \"%s\": %s", lock_path,
                                    strerror(saved));
            sl_error_set(err, SL_ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                         "data directory \"%s\" is locked by another running sluiced (PID %ld)", lock_datadir,
                         pid);
            sl_error_hint(err, "Stop that server first, or choose another data directory with -D.");
            return SL_ERROR;
        }
        if (fstat(fd, &st_fd) != 0 || stat(lock_path, &st_path) != 0 || st_fd.st_ino != st_path.st_ino ||
            st_fd.st_dev != st_path.st_dev) {
            close(fd);
            continue;
        }
        lock_fd = fd;
        if (old[0] != '\0') {
            long pid = strtol(old, NULL, 10);
            sl_log(SL_LOG_LOG, "taking over stale lock file \"%s\": PID %ld %s", lock_path, pid,
                   pid > 0 && kill((pid_t)pid, 0) == 0 ? "no longer holds it" : "is not running");
        }
        lock_started = time(NULL);
        snprintf(text, sizeof(text), "%d\n%s\n%lld\n", (int)getpid(), lock_datadir, (long long)lock_started);
        if (lock_write(text, err) != SL_OK) {
            sl_lockfile_release();
            return SL_ERROR;
        }
        return SL_OK;
    }
    return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not lock file \"%s\": it keeps being replaced",
                        lock_path);
}

sl_status sl_lockfile_set_info(int port, const char *socket_dir, const char *listen_addr, sl_error *err)
{
    char text[3 * PATH_MAX];

    if (lock_fd < 0)
        return SL_OK;
    snprintf(text, sizeof(text), "%d\n%s\n%lld\n%d\n%s\n%s\n", (int)getpid(), lock_datadir,
             (long long)lock_started, port, socket_dir, listen_addr);
    return lock_write(text, err);
}

void sl_lockfile_release(void)
{
    if (lock_fd < 0)
        return;
    /* Unlink before unlocking: a server starting now either sees our locked
     * file or none at all. */
    unlink(lock_path);
    close(lock_fd);
    lock_fd = -1;
}
