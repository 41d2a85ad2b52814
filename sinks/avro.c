/*
 * avro.c - the AVRO sink: an archive of Avro object container files.
 *
 * Files.  `path` is a directory inside file_roots (sluice/confine.h;
 * relative to its first directory unless absolute), created with its
 * parents at open.  Each query writing into
 * the sink gets files named
 *     <query>-YYYYMMDDTHHMMSS.uuuuuuZ-<seq>.avro
 * (UTC wall clock when the file was started, then a per-sink counter), so
 * names sort by time and the glob `*.avro` in that directory replays them in order (FROM AVRO,
 * sources/avro.c).  A file is written as `.<name>.tmp`, which that
 * glob never matches, and renamed to its name when complete: when it
 * reaches `rotate` bytes (checked after each block, so a file exceeds it
 * by less than one block), when it is `rotate_interval` old (checked when
 * rows arrive and at each flush), and at close (the query finished, was
 * dropped or the server stops).  A file is started by its first block, so
 * a query that writes nothing leaves no file.
 *
 * Schema.  The writer schema is formats/avro.c's derivation from the
 * query's output columns (a record "sluice.row", one nullable union per
 * column, TIMESTAMP as long with logicalType timestamp-micros), checked by
 * libavro-c.  Rows are encoded here, straight from the batch's vectors into
 * the block buffer (zigzag varints, little-endian doubles): one bound per
 * batch, no allocation or library call per row.
 *
 * Framing.  The container format (header with avro.schema and avro.codec,
 * blocks of count + size + data + sync marker) is written here rather than
 * by libavro-c's avro_file_writer: libavro-c 1.11 writes the header from
 * its parsed schema, which has lost the logicalType attributes (timestamps
 * would read back as plain longs everywhere), and its file writer ignores
 * fflush errors, so a full disk would lose rows that were reported
 * written.  Codec deflate is zlib's raw deflate (RFC 1951) as the Avro
 * specification asks, at level 1: on readings about 4x the speed of the
 * default level for 20% more bytes, and an archive must keep up with its
 * stream; null stores the block as is.  Blocks of about
 * rotate/8 (4 kB .. 1 MB) are written with one writev(2); a failed write
 * is cut off again with ftruncate(2), so a file only ever holds complete
 * blocks.
 *
 * Delivery.  write() encodes rows straight into the block buffer and
 * writes a block each time it reaches the block size, rotating between
 * blocks.  When a block write fails, the batch's rows still in the buffer
 * are taken out again and the sink remembers how many of the batch's rows
 * are already in a file, so the framework's resend of the same batch
 * writes each row once (ENOSPC/EDQUOT are SL_RETRY: the query waits for
 * space; other errors are permanent).  flush() writes the pending block
 * and fdatasyncs the temporary file (and the directory after a rename),
 * so every checkpointed row is durable; a file is fdatasynced before it
 * is renamed.
 *
 * Crash recovery.  At open, leftover temporary files of the same query
 * (`.<query>-<time>-<seq>.avro.tmp`) are checked block by block with the
 * container file reader (formats/avro_file.h, sl_avro_file_salvage: block framing, sync
 * marker, deflate, every record against the schema).  Everything up to
 * the end of the last complete block is kept: the file is truncated there
 * (dropping a torn tail written after the last flush), synced and renamed
 * to its final name; a file without one complete record is deleted.  Rows
 * written after the last checkpoint are replayed by the source afterwards,
 * so they may appear twice (at-least-once).
 *
 * Entry point: sl_sink_avro.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "formats/avro.h"
#include "formats/avro_file.h"
#include "sluice/clock.h"
#include "sluice/log.h"
#include "sluice/batch.h"
#include "sluice/connector.h"
#include "sluice/errcodes.h"

#define AVRO_BLOCK_MIN (4 * 1024)
#define AVRO_BLOCK_MAX (1024 * 1024)

static const sl_option_decl avro_options[] = {
    {.name = "path",
     .type = SL_OPT_STRING,
     .required = true,
     .reach = SL_REACH_DIR_WRITE,
     .help = "directory of the archive, created inside file_roots (relative: to its first directory)"},
    {.name = "codec",
     .type = SL_OPT_ENUM,
     .default_value = "deflate",
     .choices = SL_CHOICES("deflate", "null"),
     .help = "block compression"},
    {.name = "rotate",
     .type = SL_OPT_SIZE,
     .default_value = "64MB",
     .min = 4096,
     .max = 1099511627776.0,
     .help = "start a new file when the current one reaches this size"},
    {.name = "rotate_interval",
     .type = SL_OPT_INTERVAL,
     .default_value = "1 hour",
     .help = "start a new file after this long even if it is smaller"},
    {0},
};

typedef struct avro_sink {
    sl_mcxt *cx;
    const char *what; /* 'sink "x"' for messages */
    char *dir;
    char *prefix; /* the query's name, made safe for a file name */
    const sl_schema *schema;
    bool deflate;
    int64_t rotate, interval_us;
    size_t block_target;
    size_t row_fixed; /* bytes a row takes at most, text bytes aside */

    unsigned char *head; /* header without the sync marker */
    size_t head_len;

    /* the open file (fd < 0: none) */
    int fd;
    char *tmp_path, *final_path;
    unsigned char sync[16];
    int64_t file_bytes, file_rows, synced_bytes;
    int64_t opened_us; /* monotonic */
    unsigned seq;
    int resend_skip; /* rows of a resent batch already written (see avro_sink_write) */
    bool dir_dirty;  /* a rename since the directory was last synced */

    /* the block being filled */
    unsigned char *blk;
    size_t blk_len, blk_cap;
    int64_t blk_rows;

    /* deflate */
    z_stream zs;
    bool zinit;
    unsigned char *zbuf;
    size_t zcap;
} avro_sink;

static sl_status os_error(avro_sink *as, sl_error *err, const char *what, const char *path, int e)
{
    char tmp[256];
    const char *msg = strerror_r(e, tmp, sizeof(tmp));

    (void)as;
    if (e == ENOSPC || e == EDQUOT) {
        sl_error_set(err, SL_ERRCODE_DISK_FULL, "could not %s \"%s\": %s", what, path, msg);
        err->retriable = true;
        return SL_RETRY;
    }
    return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not %s \"%s\": %s", what, path, msg);
}

static void buf_reserve(unsigned char **buf, size_t *cap, size_t need)
{
    size_t c = *cap ? *cap : 64 * 1024;
    unsigned char *b;

    if (need <= *cap)
        return;
    while (c < need)
        c *= 2;
    b = realloc(*buf, c);
    if (b == NULL)
        abort(); /* as the memory contexts do */
    *buf = b;
    *cap = c;
}

/* Whether name is ".<prefix>-YYYYMMDDTHHMMSS.uuuuuuZ-<digits>.avro.tmp". */
static bool is_leftover(const char *name, const char *prefix)
{
    static const char shape[] = "dddddddd"
                                "T"
                                "dddddd"
                                "."
                                "dddddd"
                                "Z-";
    size_t pl = strlen(prefix), nl = strlen(name);
    const char *p;

    if (name[0] != '.' || strncmp(name + 1, prefix, pl) != 0 || name[1 + pl] != '-')
        return false;
    if (nl < 9 || strcmp(name + nl - 9, ".avro.tmp") != 0)
        return false;
    p = name + 2 + pl;
    for (const char *s = shape; *s; s++, p++) {
        if (*p == '\0')
            return false;
        if (*s == 'd' ? (*p < '0' || *p > '9') : *p != *s)
            return false;
    }
    if (*p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9')
        p++;
    return strcmp(p, ".avro.tmp") == 0;
}

static sl_status sync_dir(avro_sink *as, sl_error *err)
{
    int fd = open(as->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0)
        return os_error(as, err, "open directory", as->dir, errno);
    if (fsync(fd) != 0 && errno != EINVAL) {
        int e = errno;
        close(fd);
        return os_error(as, err, "sync directory", as->dir, e);
    }
    close(fd);
    as->dir_dirty = false;
    return SL_OK;
}

/* Renames without replacing an existing file (which would lose an archive). */
static int rename_new(const char *from, const char *to)
{
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    /* A file system without RENAME_NOREPLACE: names are unique by construction. */
    return rename(from, to);
}

/* Keeps the complete blocks of a leftover temporary file (see the header comment). */
static sl_status recover_one(avro_sink *as, const char *name, sl_error *err)
{
    char *tmp = sl_psprintf(as->cx, "%s/%s", as->dir, name);
    char *final = sl_psprintf(as->cx, "%s/%.*s", as->dir, (int)(strlen(name) - 5), name + 1);
    int64_t good = 0, records = 0;
    struct stat st;
    int fd;

    if (sl_avro_file_salvage(tmp, &good, &records, err) != SL_OK)
        return SL_ERROR;
    if (records == 0) {
        if (unlink(tmp) != 0)
            return os_error(as, err, "remove file", tmp, errno);
        sl_log(SL_LOG_LOG, "%s: removed \"%s\", left over without a complete record", as->what, tmp);
        return SL_OK;
    }
    fd = open(tmp, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return os_error(as, err, "open file", tmp, errno);
    if (fstat(fd, &st) != 0 || (st.st_size > good && ftruncate(fd, good) != 0) || fdatasync(fd) != 0) {
        int e = errno;
        close(fd);
        return os_error(as, err, "recover file", tmp, e);
    }
    close(fd);
    if (rename_new(tmp, final) != 0)
        return os_error(as, err, "rename file", tmp, errno);
    as->dir_dirty = true;
    sl_log(SL_LOG_LOG, "%s: recovered %lld record(s) of \"%s\" as \"%s\"%s", as->what, (long long)records,
           tmp, final, st.st_size > good ? " (a torn last block was cut off)" : "");
    return SL_OK;
}

static sl_status recover_leftovers(avro_sink *as, sl_error *err)
{
    DIR *d = opendir(as->dir);
    struct dirent *de;
    char **names = NULL;
    int n = 0, cap = 0;
    sl_status st = SL_OK;

    if (d == NULL)
        return os_error(as, err, "open directory", as->dir, errno);
    while ((de = readdir(d)) != NULL) {
        if (!is_leftover(de->d_name, as->prefix))
            continue;
        if (n == cap) {
            int ncap = cap ? cap * 2 : 8;
            names = sl_prealloc(as->cx, names, sizeof(char *) * (size_t)cap, sizeof(char *) * (size_t)ncap);
            cap = ncap;
        }
        names[n++] = sl_pstrdup(as->cx, de->d_name);
    }
    closedir(d);
    for (int i = 0; i < n && st == SL_OK; i++)
        st = recover_one(as, names[i], err);
    if (st == SL_OK && as->dir_dirty)
        st = sync_dir(as, err);
    return st;
}

/* Writes all of the iovecs, or fails with errno set. */
static bool writev_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t w = writev(fd, iov, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        while (n > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return true;
}

/* Starts a new temporary file with its header. */
static sl_status file_start(avro_sink *as, sl_error *err)
{
    struct timespec now;
    struct tm tm;
    char stamp[64];
    struct iovec iov[2];

    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    snprintf(stamp, sizeof(stamp), "%04d%02d%02dT%02d%02d%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec / 1000);
    for (int attempt = 0;; attempt++) {
        char *name = sl_psprintf(as->cx, "%s-%s-%06u.avro", as->prefix, stamp, ++as->seq);
        as->tmp_path = sl_psprintf(as->cx, "%s/.%s.tmp", as->dir, name);
        as->final_path = sl_psprintf(as->cx, "%s/%s", as->dir, name);
        if (access(as->final_path, F_OK) == 0 && attempt < 100)
            continue;
        as->fd = open(as->tmp_path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (as->fd >= 0)
            break;
        if (errno != EEXIST || attempt >= 100)
            return os_error(as, err, "create file", as->tmp_path, errno);
    }
    /* A random sync marker, as the specification asks: it must not occur in the data by chance. */
    if (getrandom(as->sync, sizeof(as->sync), 0) != (ssize_t)sizeof(as->sync)) {
        uint64_t x = (uint64_t)now.tv_nsec * 0x9E3779B97F4A7C15u ^ (uint64_t)getpid() ^ as->seq;
        for (size_t i = 0; i < sizeof(as->sync); i++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            as->sync[i] = (unsigned char)(x >> 56);
        }
    }
    iov[0] = (struct iovec){.iov_base = as->head, .iov_len = as->head_len};
    iov[1] = (struct iovec){.iov_base = as->sync, .iov_len = sizeof(as->sync)};
    if (!writev_all(as->fd, iov, 2)) {
        int e = errno;
        close(as->fd);
        as->fd = -1;
        unlink(as->tmp_path);
        return os_error(as, err, "write to file", as->tmp_path, e);
    }
    as->file_bytes = (int64_t)(as->head_len + sizeof(as->sync));
    as->synced_bytes = 0;
    as->file_rows = 0;
    as->opened_us = sl_clock_mono_us();
    return SL_OK;
}

/* Writes the pending rows as one block (starting a file if none is open). */
static sl_status block_write(avro_sink *as, sl_error *err)
{
    unsigned char hdr[24], *h = hdr;
    const unsigned char *data = as->blk;
    size_t len = as->blk_len;
    struct iovec iov[3];
    sl_status st;

    if (as->blk_rows == 0)
        return SL_OK;
    if (as->fd < 0 && (st = file_start(as, err)) != SL_OK)
        return st;
    if (as->deflate) {
        int rc;
        deflateReset(&as->zs);
        buf_reserve(&as->zbuf, &as->zcap, deflateBound(&as->zs, (uLong)len));
        as->zs.next_in = as->blk;
        as->zs.avail_in = (uInt)len;
        as->zs.next_out = as->zbuf;
        as->zs.avail_out = (uInt)as->zcap;
        rc = deflate(&as->zs, Z_FINISH);
        if (rc != Z_STREAM_END)
            return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "%s: deflate failed (%d)", as->what, rc);
        data = as->zbuf;
        len = as->zcap - as->zs.avail_out;
    }
    h = sl_avro_varint_put(h, as->blk_rows);
    h = sl_avro_varint_put(h, (int64_t)len);
    iov[0] = (struct iovec){.iov_base = hdr, .iov_len = (size_t)(h - hdr)};
    iov[1] = (struct iovec){.iov_base = (void *)data, .iov_len = len};
    iov[2] = (struct iovec){.iov_base = as->sync, .iov_len = sizeof(as->sync)};
    if (!writev_all(as->fd, iov, 3)) {
        int e = errno;
        /* Only complete blocks stay in the file (O_APPEND: the next block follows them). */
        if (ftruncate(as->fd, as->file_bytes) != 0) {
            /* the write error is the one to report */
        }
        return os_error(as, err, "write to file", as->tmp_path, e);
    }
    as->file_bytes += (int64_t)((size_t)(h - hdr) + len + sizeof(as->sync));
    as->file_rows += as->blk_rows;
    as->blk_len = 0;
    as->blk_rows = 0;
    return SL_OK;
}

/* Syncs and renames the open file into place (a file without rows is removed). */
static sl_status file_finish(avro_sink *as, sl_error *err)
{
    int fd = as->fd;

    if (fd < 0)
        return SL_OK;
    if (as->file_rows == 0) {
        close(fd);
        as->fd = -1;
        unlink(as->tmp_path);
        return SL_OK;
    }
    if (as->synced_bytes != as->file_bytes && fdatasync(fd) != 0)
        return os_error(as, err, "sync file", as->tmp_path, errno);
    close(fd);
    as->fd = -1;
    if (rename_new(as->tmp_path, as->final_path) != 0)
        return os_error(as, err, "rename file", as->tmp_path, errno);
    as->dir_dirty = true;
    return SL_OK;
}

static bool rotation_due(const avro_sink *as)
{
    return as->fd >= 0 &&
           (as->file_bytes >= as->rotate || sl_clock_mono_us() - as->opened_us >= as->interval_us);
}

/* Makes room in the block buffer for rows [from, batch->nrows) (one bound per call). */
static void reserve_rows(avro_sink *as, const sl_batch *batch, int from)
{
    const sl_schema *s = as->schema;
    size_t bound = as->row_fixed * (size_t)(batch->nrows - from);

    for (int c = 0; c < s->ncols; c++)
        if (s->types[c] == SL_TYPE_TEXT)
            for (int r = from; r < batch->nrows; r++)
                if (!batch->cols[c].nulls[r])
                    bound += (size_t)batch->cols[c].v.text[r].len;
    buf_reserve(&as->blk, &as->blk_cap, as->blk_len + bound);
}

/*
 * Appends rows from, from + 1, ... of batch to the block buffer until it
 * reaches the block size or the batch ends; returns the next row.  The
 * room was reserved by reserve_rows.
 */
static int encode_rows(avro_sink *as, const sl_batch *batch, int from)
{
    const sl_schema *s = as->schema;
    unsigned char *p = as->blk + as->blk_len, *stop = as->blk + as->block_target;
    int r;

    for (r = from; r < batch->nrows && p < stop; r++) {
        for (int c = 0; c < s->ncols; c++) {
            const sl_vector *vec = &batch->cols[c];
            if (vec->nulls[r]) {
                *p++ = 0; /* union branch 0: null */
                continue;
            }
            *p++ = 2; /* union branch 1 (zigzag) */
            switch (s->types[c]) {
            case SL_TYPE_BOOL:
                *p++ = vec->v.b[r] ? 1 : 0;
                break;
            case SL_TYPE_DOUBLE:
                memcpy(p, &vec->v.f64[r], 8); /* little-endian, as the machine */
                p += 8;
                break;
            case SL_TYPE_TEXT: {
                const sl_text *t = &vec->v.text[r];
                p = sl_avro_varint_put(p, t->len);
                memcpy(p, t->ptr, (size_t)t->len);
                p += t->len;
                break;
            }
            default: /* BIGINT, TIMESTAMP (microseconds), INTERVAL (microseconds) */
                p = sl_avro_varint_put(p, vec->v.i64[r]);
                break;
            }
        }
    }
    as->blk_rows += r - from;
    as->blk_len = (size_t)(p - as->blk);
    return r;
}

/*
 * Writes the rows of batch, a block each time the buffer reaches the block
 * size, rotating between blocks.  When a block write fails, the batch's
 * rows still in the buffer are taken out again and as->resend_skip
 * remembers how many of its rows are already in a file, so the framework's
 * resend of the same batch (after SL_RETRY) writes each row once.
 */
static sl_status avro_sink_write(void *state, const sl_batch *batch, sl_error *err)
{
    avro_sink *as = state;
    int r = as->resend_skip < batch->nrows ? as->resend_skip : batch->nrows;
    size_t mine = as->blk_len; /* where this batch's rows begin in the buffer */
    int64_t mine_rows = as->blk_rows;
    sl_status st;

    as->resend_skip = 0;
    if (r >= batch->nrows)
        return SL_OK;
    reserve_rows(as, batch, r);
    for (;;) {
        int next = encode_rows(as, batch, r);
        bool full = as->blk_len >= as->block_target;
        if (!full && !rotation_due(as))
            break; /* the rest waits in the buffer for more rows or a flush */
        if ((st = block_write(as, err)) != SL_OK) {
            as->blk_len = mine;
            as->blk_rows = mine_rows;
            as->resend_skip = r;
            return st;
        }
        mine = 0;
        mine_rows = 0;
        r = next;
        if (rotation_due(as) && file_finish(as, err) != SL_OK)
            return SL_ERROR; /* the rows are in the file: a resend would duplicate them */
    }
    return SL_OK;
}

static sl_status avro_sink_flush(void *state, sl_error *err)
{
    avro_sink *as = state;
    sl_status st;

    if ((st = block_write(as, err)) != SL_OK)
        return st;
    if (rotation_due(as)) {
        if ((st = file_finish(as, err)) != SL_OK)
            return st;
    } else if (as->fd >= 0 && as->synced_bytes != as->file_bytes) {
        if (fdatasync(as->fd) != 0)
            return os_error(as, err, "sync file", as->tmp_path, errno);
        as->synced_bytes = as->file_bytes;
    }
    if (as->dir_dirty)
        return sync_dir(as, err);
    return SL_OK;
}

static void avro_sink_close(void *state)
{
    avro_sink *as = state;
    sl_error err;

    if (as == NULL)
        return;
    sl_error_clear(&err);
    if (block_write(as, &err) != SL_OK || file_finish(as, &err) != SL_OK ||
        (as->dir_dirty && sync_dir(as, &err) != SL_OK)) {
        /* The temporary file stays; the next open of this query recovers it. */
        sl_log(SL_LOG_WARNING, "%s: %s", as->what, err.message);
        if (as->fd >= 0)
            close(as->fd);
        as->fd = -1;
    }
    free(as->blk);
    as->blk = NULL;
    free(as->zbuf);
    as->zbuf = NULL;
    if (as->zinit)
        deflateEnd(&as->zs);
    as->zinit = false;
}

/* The container header up to (without) the sync marker. */
static void build_header(avro_sink *as, const char *json)
{
    const char *codec = as->deflate ? "deflate" : "null";
    size_t jl = strlen(json), cl = strlen(codec);
    unsigned char *p = sl_palloc(as->cx, jl + cl + 64);

    as->head = p;
    memcpy(p, "Obj\x01", 4);
    p += 4;
    p = sl_avro_varint_put(p, 2); /* one map block of two entries */
    p = sl_avro_varint_put(p, 11);
    memcpy(p, "avro.schema", 11);
    p += 11;
    p = sl_avro_varint_put(p, (int64_t)jl);
    memcpy(p, json, jl);
    p += jl;
    p = sl_avro_varint_put(p, 10);
    memcpy(p, "avro.codec", 10);
    p += 10;
    p = sl_avro_varint_put(p, (int64_t)cl);
    memcpy(p, codec, cl);
    p += cl;
    p = sl_avro_varint_put(p, 0); /* end of the map */
    as->head_len = (size_t)(p - as->head);
}

static sl_status avro_sink_open(const sl_sink_open_args *args, void **state, sl_error *err)
{
    avro_sink *as = sl_pnew(args->cx, avro_sink);
    const char *path = sl_options_get(args->options, "path");
    const char *codec = sl_options_get(args->options, "codec");
    const char *qname = args->query_name != NULL ? args->query_name : args->sink_name;
    sl_avro_encoder *enc;
    char *q;

    as->cx = args->cx;
    as->fd = -1;
    as->schema = args->schema;
    as->what = sl_psprintf(args->cx, "sink \"%s\"", args->sink_name ? args->sink_name : "avro");
    if (path == NULL || path[0] == '\0')
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "option \"path\" is required");
    as->prefix = sl_pstrdup(args->cx, qname != NULL && qname[0] ? qname : "archive");
    for (q = as->prefix; *q; q++)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '_'))
            *q = '_'; /* '-' too: it separates the name from the time */
    as->deflate = codec == NULL || strcmp(codec, "deflate") == 0;
    as->rotate = sl_options_get_size(args->options, "rotate", INT64_C(64) << 20);
    as->interval_us = sl_options_get_interval_us(args->options, "rotate_interval", INT64_C(3600000000));
    as->block_target = (size_t)(as->rotate / 8);
    if (as->block_target < AVRO_BLOCK_MIN)
        as->block_target = AVRO_BLOCK_MIN;
    if (as->block_target > AVRO_BLOCK_MAX)
        as->block_target = AVRO_BLOCK_MAX;
    for (int c = 0; c < as->schema->ncols; c++)
        as->row_fixed += 1 + (as->schema->types[c] == SL_TYPE_DOUBLE ? 8 : 10);

    enc = sl_avro_encoder_new(args->cx, args->schema, err);
    if (enc == NULL)
        return SL_ERROR;
    build_header(as, sl_avro_encoder_schema_json(enc));
    sl_avro_encoder_free(enc);

    /* Created inside a root only; the files in it are the sink's own names,
     * created with O_EXCL (which follows no link). */
    if (sl_confine_mkdir(args->confine, "path", path, args->cx, &as->dir, err) != SL_OK)
        return SL_ERROR; /* at open, even a full disk is reported at once */
    if (recover_leftovers(as, err) != SL_OK)
        return SL_ERROR;
    if (as->deflate) {
        memset(&as->zs, 0, sizeof(as->zs));
        if (deflateInit2(&as->zs, Z_BEST_SPEED, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return sl_error_set(err, SL_ERRCODE_OUT_OF_MEMORY, "%s: could not start deflate", as->what);
        as->zinit = true;
    }
    *state = as;
    return SL_OK;
}

const sl_sink_kind sl_sink_avro = {
    .api_version = SL_SINK_API_VERSION,
    .name = "avro",
    .description = "Avro object container files, rotated by size and time (readable by FROM AVRO)",
    .options = avro_options,
    .open = avro_sink_open,
    .write = avro_sink_write,
    .flush = avro_sink_flush,
    .close = avro_sink_close,
};
