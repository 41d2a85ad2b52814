/*
 * file.c - the FILE sink: rows appended to one file as JSON lines or CSV.
 *
 * The file (inside file_roots, relative paths to its first directory; see
 * sluice/confine.h) is opened once with O_APPEND and created when missing; a CSV file that is new or
 * empty gets a header line first (header = true).  write() encodes the
 * whole batch into one buffer (formats/format.h encoders: TIMESTAMPs as
 * ISO-8601 UTC text) and hands it to the kernel with write(2), so other
 * readers see complete lines as soon as write() returns; flush() makes
 * the data durable with fdatasync(2).  When a write fails half way (disk
 * full), the file is truncated back to where the batch began, so the file
 * never ends in a partial line; the error (58030, with the OS's text and
 * the path) goes back to the framework.
 *
 * Entry point: sl_sink_file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/format.h"
#include "sluice/connector.h"
#include "sluice/errcodes.h"

static const sl_option_decl file_options[] = {
    {.name = "path",
     .type = SL_OPT_STRING,
     .required = true,
     .reach = SL_REACH_FILE_WRITE,
     .help = "file to append to, inside file_roots (relative: to its first directory)"},
    {.name = "format",
     .type = SL_OPT_ENUM,
     .default_value = "json",
     .choices = SL_CHOICES("json", "csv"),
     .help = "JSON lines (one object per row) or CSV"},
    {.name = "header",
     .type = SL_OPT_BOOL,
     .default_value = "true",
     .help = "format csv: write a header line when the file is new"},
    SL_SINK_OPTION_BATCH_ROWS_UNBUFFERED, /* it buffers by itself: write(2) into the page cache */
    {0},
};

typedef struct file_sink {
    char *path;
    int fd;
    bool csv;
    bool header; /* csv: write the header before the first row */
    sl_json_encoder *json_enc;
    sl_csv_encoder *csv_enc;
    sl_buf buf;
} file_sink;

static sl_status file_sink_os_error(sl_error *err, const char *what, const char *path, int e)
{
    char tmp[256];
    const char *msg = strerror_r(e, tmp, sizeof(tmp));

    sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not %s file \"%s\": %s", what, path, msg);
    return SL_ERROR;
}

static sl_status file_sink_open(const sl_sink_open_args *args, void **state, sl_error *err)
{
    file_sink *fs = sl_pnew(args->cx, file_sink);
    const char *path = sl_options_get(args->options, "path");
    const char *format = sl_options_get(args->options, "format");
    struct stat st;

    if (path == NULL || path[0] == '\0')
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "option \"path\" is required");
    fs->path = sl_pstrdup(args->cx, path);
    fs->csv = format != NULL && strcmp(format, "csv") == 0;
    if (fs->csv)
        fs->csv_enc = sl_csv_encoder_new(args->cx, args->schema);
    else
        fs->json_enc = sl_json_encoder_new(args->cx, args->schema);
    sl_buf_init(&fs->buf);

    fs->fd = sl_confine_open(args->confine, "path", path, O_WRONLY | O_CREAT | O_APPEND, 0644, err);
    if (fs->fd < 0)
        return SL_ERROR;
    if (fstat(fs->fd, &st) != 0) {
        int e = errno;
        close(fs->fd);
        return file_sink_os_error(err, "stat", fs->path, e);
    }
    fs->header = fs->csv && sl_options_get_bool(args->options, "header", true) && st.st_size == 0;
    *state = fs;
    return SL_OK;
}

/* Writes all of p, or fails with errno set. */
static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static sl_status file_sink_write(void *state, const sl_batch *batch, sl_error *err)
{
    file_sink *fs = state;
    off_t before;

    if (batch->nrows == 0)
        return SL_OK;
    sl_buf_reset(&fs->buf, 16 * 1024 * 1024); /* keeps the usual batch's buffer */
    if (fs->header)
        sl_csv_encode_header(fs->csv_enc, &fs->buf);
    if (fs->csv)
        sl_csv_encode_batch(fs->csv_enc, batch, &fs->buf);
    else
        sl_json_encode_batch(fs->json_enc, batch, &fs->buf);
    before = lseek(fs->fd, 0, SEEK_END);
    if (!write_all(fs->fd, fs->buf.data, fs->buf.len)) {
        int e = errno;
        /* Drop the partial batch so the file keeps whole lines; the
         * framework retries or fails the query. */
        if (before >= 0 && ftruncate(fs->fd, before) != 0) {
            /* nothing better to do: the write error is the one to report */
        }
        return file_sink_os_error(err, "write to", fs->path, e);
    }
    fs->header = false;
    return SL_OK;
}

static sl_status file_sink_flush(void *state, sl_error *err)
{
    file_sink *fs = state;

    if (fdatasync(fs->fd) != 0 && errno != EINVAL) /* EINVAL: a pipe or device, nothing to sync */
        return file_sink_os_error(err, "sync", fs->path, errno);
    return SL_OK;
}

static void file_sink_close(void *state)
{
    file_sink *fs = state;

    if (fs == NULL)
        return;
    if (fs->fd >= 0) {
        close(fs->fd);
        fs->fd = -1;
    }
    sl_buf_free(&fs->buf);
}

const sl_sink_kind sl_sink_file = {
    .api_version = SL_SINK_API_VERSION,
    .name = "file",
    .description = "JSON lines or CSV appended to a file",
    .options = file_options,
    .open = file_sink_open,
    .write = file_sink_write,
    .flush = file_sink_flush,
    .close = file_sink_close,
};
