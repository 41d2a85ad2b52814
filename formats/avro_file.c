/*
 * avro_file.c - reading Avro object container files (see avro_file.h).
 */
#include "formats/avro_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/avro.h"
#include "sluice/errcodes.h"

/* Largest block (compressed or not) and header accepted: far above what any
 * writer produces, low enough that a corrupt length cannot exhaust memory. */
#define AVRO_MAX_BLOCK  (256 * 1024 * 1024)
#define AVRO_MAX_HEADER (16 * 1024 * 1024)
/* Deepest schema nesting the skipper follows (recursive schemas). */
#define AVRO_MAX_DEPTH  64
#define AVRO_READ_CHUNK (1024 * 1024)

/* ---- buffered reading of one file ---- */

int64_t sl_avro_rd_tell(const sl_avro_rd *rd)
{
    return rd->off + (int64_t)rd->pos;
}

/* Makes n bytes available at rd->buf + rd->pos; false at the end of the
 * file (or a read error: errno set, not 0) before that. */
static bool rd_need(sl_avro_rd *rd, size_t n)
{
    if (rd->len - rd->pos >= n)
        return true;
    errno = 0;
    if ((int64_t)n > rd->size - sl_avro_rd_tell(rd))
        return false; /* the file cannot hold it: never allocate for it */
    if (rd->pos > 0) {
        memmove(rd->buf, rd->buf + rd->pos, rd->len - rd->pos);
        rd->off += (int64_t)rd->pos;
        rd->len -= rd->pos;
        rd->pos = 0;
    }
    if (n > rd->cap) {
        size_t cap = rd->cap ? rd->cap : AVRO_READ_CHUNK;
        while (cap < n)
            cap *= 2;
        unsigned char *b = realloc(rd->buf, cap);
        if (b == NULL)
            abort(); /* as the memory contexts do */
        rd->buf = b;
        rd->cap = cap;
    }
    while (rd->len < n) {
        ssize_t r = pread(rd->fd, rd->buf + rd->len, rd->cap - rd->len, rd->off + (off_t)rd->len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        if (r == 0) {
            errno = 0;
            return false;
        }
        rd->len += (size_t)r;
    }
    return true;
}

/* A zigzag varint of at most maxbytes bytes from the file. */
static bool rd_varint(sl_avro_rd *rd, int maxbytes, int64_t *out)
{
    int64_t left = rd->size - sl_avro_rd_tell(rd);
    size_t n = left < maxbytes ? (size_t)(left > 0 ? left : 0) : (size_t)maxbytes;
    const unsigned char *p, *start;

    if (!rd_need(rd, n))
        return false;
    start = p = rd->buf + rd->pos;
    if (!sl_avro_varint_get(&p, start + n, maxbytes, out)) {
        errno = 0;
        return false;
    }
    rd->pos += (size_t)(p - start);
    return true;
}

bool sl_avro_cur_skip(avro_schema_t s, sl_avro_cur *c, int64_t *budget)
{
    return sl_avro_skip_value(s, &c->p, c->end, budget);
}

/* Fewest bytes a value of s takes (bounds a block's record count). */
static int64_t min_size(avro_schema_t s, int depth)
{
    int64_t n = 0;

    if (depth > AVRO_MAX_DEPTH)
        return 0;
    switch (avro_typeof(s)) {
    case AVRO_NULL:
        return 0;
    case AVRO_FLOAT:
        return 4;
    case AVRO_DOUBLE:
        return 8;
    case AVRO_FIXED:
        return avro_schema_fixed_size(s);
    case AVRO_RECORD:
        for (size_t i = 0; i < avro_schema_record_size(s); i++)
            n += min_size(avro_schema_record_field_get_by_index(s, (int)i), depth + 1);
        return n;
    case AVRO_LINK:
        return 0; /* a recursive reference: be conservative */
    default:
        return 1;
    }
}

sl_status sl_avro_file_corrupt(sl_error *err, const char *path, const char *what)
{
    return sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED, "avro file \"%s\" is corrupt: %s", path, what);
}

static sl_status os_error(sl_error *err, const char *what, const char *path, int e)
{
    char tmp[256];
    const char *msg = strerror_r(e, tmp, sizeof(tmp));

    return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not %s file \"%s\": %s", what, path, msg);
}

void sl_avro_file_close(sl_avro_file *f)
{
    if (f == NULL)
        return;
    if (f->rd.fd >= 0)
        close(f->rd.fd);
    f->rd.fd = -1;
    free(f->rd.buf);
    f->rd.buf = NULL;
    free(f->zbuf);
    f->zbuf = NULL;
    if (f->zinit)
        inflateEnd(&f->zs);
    f->zinit = false;
    if (f->schema != NULL)
        avro_schema_decref(f->schema);
    f->schema = NULL;
    sl_mcxt_delete(f->cx);
}

/* A truncated or unreadable header/block: what to say. */
static sl_status short_read(sl_avro_file *f, sl_error *err, const char *what)
{
    if (errno != 0)
        return os_error(err, "read", f->path, errno);
    return sl_avro_file_corrupt(err, f->path, what);
}

/*
 * Opens path and reads its header into a new sl_avro_file (in a child of cx).
 * On error returns NULL with err set: an OS error (58030) or a malformed
 * header (XX001), naming the file.
 */
sl_avro_file *sl_avro_file_open(sl_mcxt *cx, const char *path, sl_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        os_error(err, "open", path, errno);
        return NULL;
    }
    return sl_avro_file_open_fd(cx, fd, path, err);
}

sl_avro_file *sl_avro_file_open_fd(sl_mcxt *cx, int fd, const char *path, sl_error *err)
{
    sl_mcxt *fcx = sl_mcxt_create(cx, "avro file");
    sl_avro_file *f = sl_pnew(fcx, sl_avro_file);
    struct stat st;
    int64_t count, n, entries = 0;
    const char *codec = "null";
    size_t codec_len = 4;

    f->cx = fcx;
    f->path = sl_pstrdup(fcx, path);
    f->rd.fd = fd;
    if (fstat(f->rd.fd, &st) != 0) {
        os_error(err, "open", path, errno);
        goto fail;
    }
    f->rd.size = st.st_size;
    if (!rd_need(&f->rd, 4)) {
        short_read(f, err, "no container header");
        goto fail;
    }
    if (memcmp(f->rd.buf, "Obj\x01", 4) != 0) {
        sl_avro_file_corrupt(err, path, "not an avro object container file");
        goto fail;
    }
    f->rd.pos = 4;
    /* The metadata map: blocks of (key string, value bytes) pairs. */
    for (;;) {
        if (!rd_varint(&f->rd, 10, &count)) {
            short_read(f, err, "truncated header");
            goto fail;
        }
        if (count == 0)
            break;
        if (count < 0) {
            if (count == INT64_MIN || !rd_varint(&f->rd, 10, &n)) {
                short_read(f, err, "bad header");
                goto fail;
            }
            count = -count;
        }
        if ((entries += count) > 4096) {
            sl_avro_file_corrupt(err, path, "too many header entries");
            goto fail;
        }
        for (int64_t i = 0; i < count; i++) {
            int64_t klen, vlen;
            char key[32];
            if (!rd_varint(&f->rd, 10, &klen) || klen < 0 || klen > AVRO_MAX_HEADER ||
                !rd_need(&f->rd, (size_t)klen)) {
                short_read(f, err, "bad header key");
                goto fail;
            }
            snprintf(key, sizeof(key), "%.*s", (int)(klen < 31 ? klen : 31),
                     (const char *)f->rd.buf + f->rd.pos);
            if (klen >= 31)
                key[0] = '\0'; /* a long key is none of ours */
            f->rd.pos += (size_t)klen;
            if (!rd_varint(&f->rd, 10, &vlen) || vlen < 0 || vlen > AVRO_MAX_HEADER ||
                !rd_need(&f->rd, (size_t)vlen)) {
                short_read(f, err, "bad header value");
                goto fail;
            }
            if (strcmp(key, "avro.schema") == 0) {
                f->json = sl_pstrndup(fcx, (const char *)f->rd.buf + f->rd.pos, (size_t)vlen);
                f->json_len = (size_t)vlen;
            } else if (strcmp(key, "avro.codec") == 0) {
                codec = sl_pstrndup(fcx, (const char *)f->rd.buf + f->rd.pos, (size_t)vlen);
                codec_len = (size_t)vlen;
            }
            f->rd.pos += (size_t)vlen;
        }
    }
    if (!rd_need(&f->rd, 16)) {
        short_read(f, err, "truncated header");
        goto fail;
    }
    memcpy(f->sync, f->rd.buf + f->rd.pos, 16);
    f->rd.pos += 16;

    if (codec_len == 7 && memcmp(codec, "deflate", 7) == 0)
        f->deflate = true;
    else if (!(codec_len == 4 && memcmp(codec, "null", 4) == 0)) {
        sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "avro file \"%s\" uses codec \"%.*s\"", path,
                     (int)(codec_len > 64 ? 64 : codec_len), codec);
        sl_error_hint(err, "Supported codecs: null, deflate.");
        goto fail;
    }
    if (f->json == NULL) {
        sl_avro_file_corrupt(err, path, "no avro.schema in the header");
        goto fail;
    }
    if (avro_schema_from_json_length(f->json, f->json_len, &f->schema) != 0) {
        f->schema = NULL;
        sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED, "avro file \"%s\" has an invalid schema: %s", path,
                     avro_strerror());
        goto fail;
    }
    if (avro_typeof(f->schema) != AVRO_RECORD) {
        sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "avro file \"%s\" does not hold records but %s",
                     path, avro_schema_type_name(f->schema));
        goto fail;
    }
    f->nfields = (int)avro_schema_record_size(f->schema);
    f->min_record = min_size(f->schema, 0);
    if (f->min_record <= 0) {
        /* Records of no bytes would let a corrupt count spin for ever. */
        sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                     "avro file \"%s\": records of its schema take no bytes", path);
        goto fail;
    }
    f->units = sl_pzalloc(fcx, sizeof(int64_t) * (size_t)(f->nfields + 1));
    sl_avro_time_units(fcx, f->json, f->json_len, f->nfields, f->units);
    if (f->deflate) {
        memset(&f->zs, 0, sizeof(f->zs));
        if (inflateInit2(&f->zs, -15) != Z_OK) {
            sl_error_set(err, SL_ERRCODE_OUT_OF_MEMORY, "could not start inflating \"%s\"", path);
            goto fail;
        }
        f->zinit = true;
    }
    return f;
fail:
    sl_avro_file_close(f);
    return NULL;
}

/* Inflates n bytes at p into f->zbuf; the data as f->blk. */
static sl_status block_inflate(sl_avro_file *f, const unsigned char *p, size_t n, sl_error *err)
{
    size_t out = 0;
    int rc;

    inflateReset(&f->zs);
    f->zs.next_in = (unsigned char *)p;
    f->zs.avail_in = (uInt)n;
    for (;;) {
        if (out == f->zcap) {
            size_t cap = f->zcap ? f->zcap * 2 : 4 * n + 4096;
            if (cap > AVRO_MAX_BLOCK)
                cap = AVRO_MAX_BLOCK;
            if (cap <= f->zcap)
                return sl_avro_file_corrupt(err, f->path, "a deflate block inflates to more than 256MB");
            unsigned char *b = realloc(f->zbuf, cap);
            if (b == NULL)
                abort();
            f->zbuf = b;
            f->zcap = cap;
        }
        f->zs.next_out = f->zbuf + out;
        f->zs.avail_out = (uInt)(f->zcap - out);
        rc = inflate(&f->zs, Z_NO_FLUSH);
        out = f->zcap - f->zs.avail_out;
        if (rc == Z_STREAM_END)
            break;
        if (rc != Z_OK && !(rc == Z_BUF_ERROR && f->zs.avail_out == 0))
            return sl_avro_file_corrupt(err, f->path, "a deflate block does not inflate");
        if (rc == Z_OK && f->zs.avail_in == 0 && f->zs.avail_out > 0)
            return sl_avro_file_corrupt(err, f->path, "a deflate block is cut short");
    }
    if (f->zs.avail_in != 0)
        return sl_avro_file_corrupt(err, f->path, "bytes after a deflate stream");
    f->blk.p = f->zbuf;
    f->blk.end = f->zbuf + out;
    return SL_OK;
}

/*
 * Reads the next block header and data: 1 with f->blk and f->left set,
 * 0 at a clean end of file, -1 on error (err set).
 */
int sl_avro_file_block_next(sl_avro_file *f, sl_error *err)
{
    int64_t count, size;

    if (sl_avro_rd_tell(&f->rd) == f->rd.size)
        return 0;
    if (!rd_varint(&f->rd, 10, &count) || !rd_varint(&f->rd, 10, &size)) {
        short_read(f, err, "truncated block header");
        return -1;
    }
    if (count <= 0 || size < 0 || size > AVRO_MAX_BLOCK) {
        sl_avro_file_corrupt(err, f->path, "bad block header");
        return -1;
    }
    if (!rd_need(&f->rd, (size_t)size + 16)) {
        short_read(f, err, "truncated block");
        return -1;
    }
    if (memcmp(f->rd.buf + f->rd.pos + size, f->sync, 16) != 0) {
        sl_avro_file_corrupt(err, f->path, "sync marker mismatch");
        return -1;
    }
    if (f->deflate) {
        if (block_inflate(f, f->rd.buf + f->rd.pos, (size_t)size, err) != SL_OK)
            return -1;
    } else {
        f->blk.p = f->rd.buf + f->rd.pos;
        f->blk.end = f->blk.p + size;
    }
    /* Consumed now; the data stays where it is until the next rd_need. */
    f->rd.pos += (size_t)size + 16;
    if (count > (f->blk.end - f->blk.p) / f->min_record) {
        sl_avro_file_corrupt(err, f->path, "block record count exceeds its size");
        return -1;
    }
    f->left = count;
    return 1;
}

/* Skips every record of the current block; false when they do not fit it exactly. */
bool sl_avro_file_skip_block(sl_avro_file *f)
{
    int64_t budget = (f->blk.end - f->blk.p) + 1024;

    for (; f->left > 0; f->left--)
        if (!sl_avro_cur_skip(f->schema, &f->blk, &budget))
            return false;
    return f->blk.p == f->blk.end;
}

sl_status sl_avro_file_salvage(const char *path, int64_t *good_len, int64_t *records, sl_error *err)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "avro salvage");
    sl_avro_file *f;
    sl_error ferr;
    int rc;

    *good_len = 0;
    *records = 0;
    sl_error_clear(&ferr);
    f = sl_avro_file_open(cx, path, &ferr);
    if (f == NULL) {
        sl_mcxt_delete(cx);
        if (strcmp(ferr.sqlstate, SL_ERRCODE_IO_ERROR) == 0) {
            *err = ferr;
            return SL_ERROR;
        }
        return SL_OK; /* no usable header: nothing to keep */
    }
    *good_len = sl_avro_rd_tell(&f->rd);
    while ((rc = sl_avro_file_block_next(f, &ferr)) == 1) {
        int64_t n = f->left;
        if (!sl_avro_file_skip_block(f))
            break;
        *records += n;
        *good_len = sl_avro_rd_tell(&f->rd);
    }
    if (rc < 0 && strcmp(ferr.sqlstate, SL_ERRCODE_IO_ERROR) == 0) {
        *err = ferr;
        sl_avro_file_close(f);
        sl_mcxt_delete(cx);
        return SL_ERROR;
    }
    sl_avro_file_close(f);
    sl_mcxt_delete(cx);
    return SL_OK;
}
