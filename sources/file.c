/*
 * file.c - the FILE source: JSON lines or CSV from a file or a glob.
 *
 * The files matching `path` (inside file_roots, relative to its first
 * directory unless absolute; each opened through sluice/confine.h) are
 * read one after another in name order (strcmp, whatever
 * the locale), with large read() calls into one buffer that lines are cut
 * from in place; each line goes to the JSON or CSV decoder (format.h),
 * which writes it straight into the batch.  Blank lines are skipped; a line
 * that does not decode is counted in *decode_errors and skipped (with a
 * dead_letter sink it also goes to the engine's reject callback).  The
 * last line of a file may lack its newline.  A line longer than
 * FILE_MAX_LINE fails the query (54000): it is not a line of text, and a
 * device such as /dev/zero would otherwise be read for ever.
 *
 * No read() blocks and none runs for long, so the query's worker sees DROP
 * QUERY, PAUSE and shutdown at least every FILE_READ_BUDGET_US: files are
 * opened with O_NONBLOCK (opening a fifo with no writer does not wait); a
 * fifo, device or socket is polled with a timeout before each read
 * (a fifo ends when a writer came and left, the poll's POLLHUP); and a
 * call returns what it has once it has spent its budget reading, even
 * with no row (an endless line, a slow device).
 *
 * follow = false: the source ends after the last file (bounded).
 * follow = true (tail -F): at the end of the last file the source waits for
 * appended lines (a partial last line waits for its newline), notices a
 * file that was truncated (reads it again from the start) or replaced under
 * the same name (drains the old one, then reads the new one), and picks up
 * new files matching the glob (checked every FILE_RESCAN_US while idle).
 * Lines appended to a file after the source moved on to a later one are
 * not read.
 *
 * Checkpoints: the position is the current file's name, the byte offset
 * just after the last line consumed and the number of lines consumed in
 * it.  seek() skips the files before that one (name order) and, in it,
 * every line that ends at or before the offset (a CSV header line is
 * still read, so the columns map as before).  A file that is shorter than
 * the offset now, or missing, is an error: it is not the data the
 * checkpoint covered.  A fifo or device is read on from where it is.
 *
 * Entry points: sl_file_source_open, sl_file_source_read, sl_file_source_close,
 * sl_file_source_position, sl_file_source_seek.
 */
#include "sources/sources.h"
#include "formats/format.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sluice/clock.h"
#include "sluice/checkpoint.h"
#include "sluice/errcodes.h"

#define FILE_BUF_SIZE      (1024 * 1024)
#define FILE_MAX_LINE      (16 * 1024 * 1024)
#define FILE_RESCAN_US     250000
#define FILE_IDLE_SLEEP_US 10000 /* slept by a follow read that found nothing */
/* A read() call returns after this much reading, rows or not, so the
 * worker checks for stop and cancel at least every 100 ms. */
#define FILE_READ_BUDGET_US 50000

typedef struct file_state {
    sl_mcxt *cx;
    const sl_schema *schema;
    char *pattern; /* absolute, inside a file root (each match is checked again at open) */
    const sl_confine *confine;
    bool is_glob;
    bool follow;
    bool csv_header; /* format csv with header = true */
    sl_json_decoder *json;
    sl_csv_decoder *csv;

    /* Files not read yet, sorted; queue[qpos..nqueue). */
    char **queue;
    int nqueue, qpos, queue_cap;
    /* Files read or being read, sorted (follow: never read twice). */
    char **done;
    int ndone, done_cap;

    /* The file being read. */
    int fd;
    const char *cur;
    dev_t dev;
    ino_t ino;
    off_t off;
    bool replaced; /* follow: cur now names another file; drain fd, then move on */
    bool polled;   /* not a regular file: poll before reading (fifo, device, socket) */
    bool fifo;

    char *buf;
    size_t cap, start, end; /* unread bytes: buf[start..end) */

    int64_t lines; /* lines consumed in the current file */

    /* seek(): in file skip_name, lines ending at or before skip_off are
     * not decoded (but a CSV header is). */
    char *skip_name;
    off_t skip_off;
    int64_t skip_lines;
    bool skip_active;
    bool skip_header_done;

    int64_t last_scan_us;
    sl_error row_err; /* the last decode error (for diagnostics) */
    int64_t errors;   /* decode errors so far */
    /* dead letters (sl_source_open_args.reject), NULL when none */
    void (*reject)(void *arg, const char *raw, size_t len, const sl_error *why);
    void *reject_arg;
} file_state;

static sl_status file_os_error(sl_error *err, const char *what, const char *path, int e)
{
    char buf[256];
    const char *msg = strerror_r(e, buf, sizeof(buf));

    return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not %s file \"%s\": %s", what, path, msg);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Index of name in the sorted done list, or -(insertion point) - 1. */
static int done_find(const file_state *fs, const char *name)
{
    int lo = 0, hi = fs->ndone - 1;

    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int c = strcmp(fs->done[mid], name);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -lo - 1;
}

static void done_add(file_state *fs, const char *name)
{
    int at = done_find(fs, name);

    if (at >= 0)
        return;
    at = -at - 1;
    if (fs->ndone == fs->done_cap) {
        int cap = fs->done_cap ? fs->done_cap * 2 : 16;
        fs->done = sl_prealloc(fs->cx, fs->done, sizeof(char *) * (size_t)fs->done_cap,
                               sizeof(char *) * (size_t)cap);
        fs->done_cap = cap;
    }
    memmove(&fs->done[at + 1], &fs->done[at], sizeof(char *) * (size_t)(fs->ndone - at));
    fs->done[at] = (char *)name;
    fs->ndone++;
}

static void done_remove(file_state *fs, const char *name)
{
    int at = done_find(fs, name);

    if (at < 0)
        return;
    memmove(&fs->done[at], &fs->done[at + 1], sizeof(char *) * (size_t)(fs->ndone - at - 1));
    fs->ndone--;
}

static void queue_push(file_state *fs, const char *name)
{
    if (fs->nqueue == fs->queue_cap) {
        int cap = fs->queue_cap ? fs->queue_cap * 2 : 16;
        fs->queue = sl_prealloc(fs->cx, fs->queue, sizeof(char *) * (size_t)fs->queue_cap,
                                sizeof(char *) * (size_t)cap);
        fs->queue_cap = cap;
    }
    fs->queue[fs->nqueue++] = sl_pstrdup(fs->cx, name);
}

/*
 * Fills the (empty) queue with the matching files not read yet, in name
 * order.  Only new names are copied, so a follow source that rescans for
 * days does not grow.
 */
static sl_status file_scan(file_state *fs, sl_error *err)
{
    struct stat st;

    fs->nqueue = fs->qpos = 0;
    fs->last_scan_us = sl_clock_mono_us();
    if (!fs->is_glob) {
        if (done_find(fs, fs->pattern) < 0 && stat(fs->pattern, &st) == 0)
            queue_push(fs, fs->pattern);
        return SL_OK;
    }
    {
        glob_t g;
        int rc = glob(fs->pattern, GLOB_NOSORT, NULL, &g);

        if (rc == GLOB_NOMATCH) {
            globfree(&g);
            return SL_OK;
        }
        if (rc != 0) {
            globfree(&g);
            return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not list files matching \"%s\"",
                                fs->pattern);
        }
        for (size_t i = 0; i < g.gl_pathc; i++) {
            const char *name = g.gl_pathv[i];
            if (done_find(fs, name) >= 0)
                continue;
            if (stat(name, &st) != 0 || S_ISDIR(st.st_mode))
                continue;
            queue_push(fs, name);
        }
        globfree(&g);
    }
    qsort(fs->queue, (size_t)fs->nqueue, sizeof(char *), cmp_names);
    return SL_OK;
}

/* Opens the next queued file; *opened false when the queue is empty. */
static sl_status file_open_next(file_state *fs, bool *opened, sl_error *err)
{
    struct stat st;
    const char *name;
    int fd;

    *opened = false;
    if (fs->qpos >= fs->nqueue)
        return SL_OK;
    name = fs->queue[fs->qpos++];
    fd = sl_confine_open(fs->confine, "path", name, O_RDONLY | O_NONBLOCK, 0, err);
    if (fd < 0) {
        /* A follow source tolerates a file that vanished between the scan
         * and the open (rotation); otherwise the file is gone: an error. */
        if (fs->follow && errno == ENOENT) {
            sl_error_clear(err);
            return SL_OK;
        }
        return SL_ERROR;
    }
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return file_os_error(err, "stat", name, e);
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return file_os_error(err, "read", name, EISDIR);
    }
    fs->fd = fd;
    fs->cur = name;
    fs->dev = st.st_dev;
    fs->ino = st.st_ino;
    fs->off = 0;
    fs->replaced = false;
    fs->polled = !S_ISREG(st.st_mode);
    fs->fifo = S_ISFIFO(st.st_mode);
    fs->start = fs->end = 0;
    fs->lines = 0;
    /* A fifo or device cannot be read again: what it gave is gone, its
     * offset means nothing, and reading goes on with what comes now. */
    fs->skip_active = S_ISREG(st.st_mode) && fs->skip_name != NULL && strcmp(name, fs->skip_name) == 0;
    fs->skip_header_done = false;
    if (fs->skip_active && st.st_size < fs->skip_off) {
        close(fd);
        fs->fd = -1;
        return sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED,
                            "file \"%s\" is shorter than the checkpoint's position (%lld bytes)", name,
                            (long long)fs->skip_off);
    }
    done_add(fs, name);
    if (fs->csv)
        sl_csv_decoder_reset(fs->csv);
    *opened = true;
    return SL_OK;
}

/* True when the line that ends at byte end of the current file (its newline
 * excluded) was consumed before the checkpoint seek() restored. */
static bool file_skip_line(file_state *fs, off_t end, const char *p, size_t len)
{
    if (!fs->skip_active)
        return false;
    if (end > fs->skip_off) {
        fs->skip_active = false;
        return false;
    }
    if (fs->csv != NULL && !fs->skip_header_done) {
        size_t i;
        for (i = 0; i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'); i++)
            ;
        /* The first non-blank line of a CSV file: the decoder wants it (a
         * header, or without header a row consumed before). */
        if (i < len) {
            fs->skip_header_done = true;
            return !fs->csv_header;
        }
    }
    return true;
}

static void file_line(file_state *fs, const char *p, size_t len, sl_batch *batch, int64_t *decode_errors)
{
    size_t i;
    sl_status st;

    for (i = 0; i < len; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            break;
    if (i == len)
        return; /* blank line */
    if (fs->json)
        st = sl_json_decode_line(fs->json, p, len, batch, &fs->row_err);
    else
        st = sl_csv_decode_line(fs->csv, p, len, batch, &fs->row_err);
    if (st != SL_OK) {
        (*decode_errors)++;
        fs->errors++;
        if (fs->reject != NULL)
            fs->reject(fs->reject_arg, p, len, &fs->row_err);
    }
}

/* The current file is done: its last line may lack a newline. */
static void file_finish(file_state *fs, sl_batch *batch, int64_t *decode_errors)
{
    if (fs->end > fs->start) {
        fs->lines++;
        if (!file_skip_line(fs, fs->off, fs->buf + fs->start, fs->end - fs->start))
            file_line(fs, fs->buf + fs->start, fs->end - fs->start, batch, decode_errors);
    }
    fs->start = fs->end = 0;
    fs->skip_active = false;
    close(fs->fd);
    fs->fd = -1;
}

sl_status sl_file_source_read(void *state, sl_batch *batch, bool *eof, int64_t *decode_errors, sl_error *err)
{
    file_state *fs = state;
    int row0 = batch->nrows;
    int64_t began = sl_clock_mono_us(), now;

    *eof = false;
    while (batch->nrows < batch->capacity) {
        char *nl;
        ssize_t n;
        bool hangup = false;

        /* A complete line in the buffer? */
        nl = fs->end > fs->start ? memchr(fs->buf + fs->start, '\n', fs->end - fs->start) : NULL;
        if (nl != NULL) {
            const char *p = fs->buf + fs->start;
            size_t len = (size_t)(nl - p);
            fs->start += len + 1;
            fs->lines++;
            if (!file_skip_line(fs, fs->off - (off_t)(fs->end - fs->start), p, len))
                file_line(fs, p, len, batch, decode_errors);
            continue;
        }

        /* No file open: the next one, or the end. */
        if (fs->fd < 0) {
            bool opened;
            if (fs->qpos >= fs->nqueue && fs->follow &&
                sl_clock_mono_us() - fs->last_scan_us >= FILE_RESCAN_US && file_scan(fs, err) != SL_OK)
                return SL_ERROR;
            if (file_open_next(fs, &opened, err) != SL_OK)
                return SL_ERROR;
            if (opened)
                continue;
            if (!fs->follow) {
                *eof = true;
                return SL_OK;
            }
            break; /* follow: nothing new yet */
        }

        /* Make room: move the partial line to the front, grow for a long line. */
        if (fs->start > 0) {
            memmove(fs->buf, fs->buf + fs->start, fs->end - fs->start);
            fs->end -= fs->start;
            fs->start = 0;
        }
        if (fs->end == fs->cap) {
            if (fs->cap >= FILE_MAX_LINE) {
                sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT_EXCEEDED,
                             "line %lld of file \"%s\" is longer than %d bytes", (long long)fs->lines + 1,
                             fs->cur, FILE_MAX_LINE);
                sl_error_hint(err, "A FILE source reads text: JSON or CSV lines ended by a newline.");
                return SL_ERROR;
            }
            fs->buf = sl_prealloc(fs->cx, fs->buf, fs->cap, fs->cap * 2);
            fs->cap *= 2;
        }

        /* Out of budget: give back what there is (maybe nothing). */
        now = sl_clock_mono_us();
        if (now - began >= FILE_READ_BUDGET_US)
            break;
        if (fs->polled) {
            struct pollfd pfd = {.fd = fs->fd, .events = POLLIN};
            int left_ms = (int)((FILE_READ_BUDGET_US - (now - began) + 999) / 1000);
            int rc = poll(&pfd, 1, left_ms);
            if (rc < 0 && errno != EINTR)
                return file_os_error(err, "poll", fs->cur, errno);
            if (rc <= 0)
                break; /* nothing yet (a fifo nobody writes, a quiet device) */
            hangup = (pfd.revents & (POLLHUP | POLLERR)) != 0;
        }
        n = read(fs->fd, fs->buf + fs->end, fs->cap - fs->end);
        if (n > 0) {
            fs->end += (size_t)n;
            fs->off += n;
            continue;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break; /* a writer is there, with nothing yet */
            return file_os_error(err, "read", fs->cur, errno);
        }
        if (fs->fifo && !hangup)
            break; /* no writer came yet: wait for one, as a blocking open would */

        /* End of this file. */
        if (fs->follow && !fs->replaced && fs->qpos >= fs->nqueue) {
            struct stat st;

            if (sl_clock_mono_us() - fs->last_scan_us < FILE_RESCAN_US)
                break; /* checked recently: wait for appends */
            if (stat(fs->cur, &st) != 0 || st.st_dev != fs->dev || st.st_ino != fs->ino) {
                /* Renamed away or replaced: read what the old file still
                 * holds, then the new one under the same name. */
                fs->replaced = true;
                if (stat(fs->cur, &st) == 0)
                    done_remove(fs, fs->cur);
                continue;
            }
            if (st.st_size < fs->off) {
                /* Truncated (copytruncate rotation): from the start again. */
                lseek(fs->fd, 0, SEEK_SET);
                fs->off = 0;
                fs->lines = 0;
                fs->skip_active = false;
                fs->start = fs->end = 0;
                fs->last_scan_us = sl_clock_mono_us();
                continue;
            }
            if (file_scan(fs, err) != SL_OK)
                return SL_ERROR;
            if (fs->qpos >= fs->nqueue)
                break; /* nothing new: the partial line (if any) waits for its newline */
        }
        file_finish(fs, batch, decode_errors);
    }
    if (fs->follow && batch->nrows == row0) {
        /* Nothing to give: sleep a little rather than have the worker spin. */
        sl_sleep_us(FILE_IDLE_SLEEP_US);
    }
    return SL_OK;
}

sl_status sl_file_source_open(const sl_source_open_args *args, void **state, sl_error *err)
{
    const sl_options *opts = args->options;
    file_state *fs;
    const char *path = sl_options_get(opts, "path");
    const char *format = sl_options_get(opts, "format");
    const char *unit = sl_options_get(opts, "timestamp_unit");
    sl_decode_options dopts = {0};

    if (args->schema == NULL || args->schema->ncols == 0) {
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "source \"%s\" of kind file has no columns",
                     args->source_name ? args->source_name : "?");
        sl_error_hint(err, "Declare the columns to read: CREATE SOURCE name (ts timestamp, station text, "
                           "ph double) FROM FILE WITH (path = '...').");
        return SL_ERROR;
    }
    if (path == NULL || path[0] == '\0')
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "option \"path\" is required");
    if (!sl_timestamp_unit_parse(unit, &dopts.ts_unit_us))
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                            "option \"timestamp_unit\" must be s, ms or us, not \"%s\"", unit);
    dopts.header = sl_options_get_bool(opts, "header", true);

    fs = sl_pnew(args->cx, file_state);
    fs->cx = args->cx;
    fs->fd = -1;
    fs->schema = sl_schema_new(args->cx, args->schema->ncols, args->schema->names, args->schema->types);
    fs->follow = sl_options_get_bool(opts, "follow", false);
    fs->reject = args->reject;
    fs->reject_arg = args->reject_arg;
    fs->confine = args->confine;
    if (sl_confine_path(args->confine, "path", path, SL_PATH_GLOB, args->cx, &fs->pattern, err) != SL_OK)
        return SL_ERROR;
    fs->is_glob = strpbrk(fs->pattern, "*?[") != NULL;
    if (format == NULL || strcmp(format, "json") == 0)
        fs->json = sl_json_decoder_new(args->cx, fs->schema, &dopts);
    else if (strcmp(format, "csv") == 0) {
        fs->csv = sl_csv_decoder_new(args->cx, fs->schema, &dopts);
        fs->csv_header = dopts.header;
    } else
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                            "option \"format\" must be json or csv, not \"%s\"", format);
    fs->cap = FILE_BUF_SIZE;
    fs->buf = sl_palloc(args->cx, fs->cap);

    if (file_scan(fs, err) != SL_OK)
        return SL_ERROR;
    if (!fs->is_glob) {
        /* A single file must be there and readable now: say so at once. */
        int fd = sl_confine_open(fs->confine, "path", fs->pattern, O_RDONLY | O_NONBLOCK, 0, err);
        if (fd < 0)
            return SL_ERROR;
        close(fd);
    } else if (fs->nqueue == 0 && !fs->follow) {
        sl_error_set(err, SL_ERRCODE_IO_ERROR, "no file matches \"%s\"", fs->pattern);
        sl_error_hint(
            err,
            "Relative paths are relative to the first directory of file_roots; use follow = true to wait "
            "for files.");
        return SL_ERROR;
    }

    *args->schema_out = fs->schema;
    *args->bounded_out = !fs->follow;
    *state = fs;
    return SL_OK;
}

void sl_file_source_close(void *state)
{
    file_state *fs = state;

    if (fs != NULL && fs->fd >= 0) {
        close(fs->fd);
        fs->fd = -1;
    }
}

/* Position format: version byte 1, the file (absolute name; empty before
 * the first file), the byte offset after the last line consumed, the lines
 * consumed in it. */
#define FILE_POS_VERSION 1

sl_status sl_file_source_position(void *state, sl_mcxt *cx, char **pos, size_t *len, sl_error *err)
{
    file_state *fs = state;
    sl_ckpt_w w;
    const char *name = "";
    int64_t off = 0, lines = 0;

    (void)err;
    if (fs->cur != NULL) {
        name = fs->cur;
        off = (int64_t)(fs->off - (off_t)(fs->end - fs->start));
        lines = fs->lines;
    } else if (fs->skip_name != NULL) {
        /* Seeked, no file opened since: the restored position still holds. */
        name = fs->skip_name;
        off = (int64_t)fs->skip_off;
        lines = fs->skip_lines;
    }
    sl_ckpt_w_init(&w, cx);
    sl_ckpt_w_u8(&w, FILE_POS_VERSION);
    sl_ckpt_w_str(&w, name, strlen(name));
    sl_ckpt_w_i64(&w, off);
    sl_ckpt_w_i64(&w, lines);
    *pos = w.data;
    *len = w.len;
    return SL_OK;
}

sl_status sl_file_source_seek(void *state, const char *pos, size_t len, sl_error *err)
{
    file_state *fs = state;
    sl_ckpt_r r;
    const char *name;
    size_t nlen;
    int64_t off, lines;

    sl_ckpt_r_init(&r, pos, len);
    if (sl_ckpt_r_u8(&r) != FILE_POS_VERSION)
        r.bad = true;
    name = sl_ckpt_r_str(&r, &nlen);
    off = sl_ckpt_r_i64(&r);
    lines = sl_ckpt_r_i64(&r);
    if (!sl_ckpt_r_done(&r) || off < 0 || lines < 0 || memchr(name, '\0', nlen) != NULL)
        return sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED, "file source position is corrupt");
    if (nlen == 0)
        return SL_OK; /* nothing was read yet */
    fs->skip_name = sl_pstrndup(fs->cx, name, nlen);
    fs->skip_off = (off_t)off;
    fs->skip_lines = lines;
    /* The files before it (name order) were read completely. */
    while (fs->qpos < fs->nqueue && strcmp(fs->queue[fs->qpos], fs->skip_name) < 0) {
        done_add(fs, fs->queue[fs->qpos]);
        fs->qpos++;
    }
    if (fs->qpos >= fs->nqueue || strcmp(fs->queue[fs->qpos], fs->skip_name) != 0) {
        if (!fs->follow)
            return sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED,
                                "file \"%s\" of the checkpoint's position is no longer there", fs->skip_name);
    }
    return SL_OK;
}

/* ---- the kind ---- */

static const sl_option_decl file_source_options[] = {
    {.name = "path",
     .type = SL_OPT_STRING,
     .required = true,
     .reach = SL_REACH_FILE_READ,
     .help = "file or glob, read in name order, inside file_roots (relative: to its first directory)"},
    {.name = "format",
     .type = SL_OPT_ENUM,
     .default_value = "json",
     .choices = SL_CHOICES("json", "csv"),
     .help = "JSON lines or CSV"},
    {.name = "follow",
     .type = SL_OPT_BOOL,
     .default_value = "false",
     .help = "keep reading appended lines and new matching files (like tail -F); else the source ends"},
    {.name = "timestamp_unit",
     .type = SL_OPT_ENUM,
     .default_value = "s",
     .choices = SL_CHOICES("s", "ms", "us"),
     .help = "unit of TIMESTAMP values given as epoch numbers (ISO-8601 text is always accepted)"},
    {.name = "header",
     .type = SL_OPT_BOOL,
     .default_value = "true",
     .help = "format csv: the first line names the columns (else columns by position)"},
    {.name = "dead_letter",
     .type = SL_OPT_STRING,
     .help = "sink that receives lines that fail to decode, with the error text"},
    {0},
};

const sl_source_kind sl_source_file = {
    .api_version = SL_SOURCE_API_VERSION,
    .name = "file",
    .description = "JSON lines or CSV files",
    .options = file_source_options,
    .open = sl_file_source_open,
    .read = sl_file_source_read,
    .close = sl_file_source_close,
    .position = sl_file_source_position,
    .seek = sl_file_source_seek,
};
