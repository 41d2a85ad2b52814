/*
 * source_avro.c - the AVRO source kind: records of Avro object container
 * files (an archive written by the AVRO sink, sinks/avro.c) as batches.
 *
 * Files.  `path` is a file or a glob (relative to the data directory unless
 * absolute); the matching files are listed once at open and read one after
 * another in name order (strcmp, whatever the locale), so an archive whose
 * names sort by time replays in time order.  The source ends after the last
 * file (bounded).  No match is an error at open, as for the FILE source.
 *
 * Columns.  open() reads the first file's header.  Without declared
 * columns every record field of a supported type becomes a column of the
 * same name: a union of "null" and one type (nullable) or the type alone;
 * long with logicalType timestamp-micros or timestamp-millis -> TIMESTAMP,
 * int/long -> BIGINT, float/double -> DOUBLE, string and enum -> TEXT,
 * boolean -> BOOLEAN.  Fields of other types (bytes, fixed, records,
 * arrays, maps, unions of several non-null types) are skipped.  Declared
 * columns pick the field of the same name (exact, else case-insensitive)
 * like the Kafka Avro decoder: a column with no such field is always NULL;
 * int/long fit BIGINT, DOUBLE, TIMESTAMP (the logical unit; a plain long is
 * microseconds) and INTERVAL (microseconds), float/double fit DOUBLE,
 * string/enum fit TEXT, boolean fits BOOLEAN; anything else is an error at
 * open naming the file and field.  Every later file must have the same
 * writer schema as the first (libavro-c's avro_schema_equal plus the same
 * timestamp units), else read() fails naming the file: an archive holds
 * one query's output, and silently mixing shapes would hide a mistake.
 *
 * Reading.  The container framing is read here, not by libavro-c's
 * avro_file_reader: libavro-c 1.11 drops logicalType attributes (the
 * timestamps' types are scanned from the header's JSON text below), trusts
 * the lengths it reads (a corrupt block length becomes a huge malloc) and
 * cannot tell a clean end of file from a truncated block.  A block's
 * count, size and sync marker are checked against the file before it is
 * read; a deflate block is inflated with zlib into a buffer bounded by
 * AVRO_MAX_BLOCK; records are decoded straight into the batch's vectors
 * with every length checked against the block (text copied into the
 * batch's memory, nothing allocated per row), and a block must end exactly
 * after its last record.  A malformed block or header fails the query with
 * the file's name (XX001); a string that is not UTF-8 drops its row,
 * counted as a decode error.  libavro-c parses the schema (structure,
 * equality, enum symbols).
 *
 * The same block walker validates the AVRO sink's leftover temporary files
 * after a crash (sl_avro_file_salvage): it reports where the last complete
 * block ends so the sink can cut a torn tail off.
 *
 * Checkpoints: the position is the file being read (its name) and the
 * records consumed in it (decoded or dropped); seek() skips the files
 * before it and that many records of it, block by block where a whole
 * block is consumed.  A file that is gone or now holds fewer records is an
 * error (XX001).
 *
 * Entry points: sl_source_avro, sl_avro_file_salvage.
 */
#include <avro.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "checkpoint.h"
#include "format.h"
#include "format_avro.h"
#include "sluice/batch.h"
#include "sluice/connector.h"
#include "sluice/errcodes.h"

/* Largest block (compressed or not) and header accepted: far above what any
 * writer produces, low enough that a corrupt length cannot exhaust memory. */
#define AVRO_MAX_BLOCK  (256 * 1024 * 1024)
#define AVRO_MAX_HEADER (16 * 1024 * 1024)
/* Deepest schema nesting the skipper follows (recursive schemas). */
#define AVRO_MAX_DEPTH  64
#define AVRO_READ_CHUNK (1024 * 1024)

sl_status sl_avro_file_salvage(const char *path, int64_t *good_len, int64_t *records, sl_error *err);

static const sl_option_decl avro_source_options[] = {
    {.name = "path",
     .type = SL_OPT_STRING,
     .required = true,
     .help = "Avro container file or glob ('archive/*.avro'), read in name order; schema from the files"},
    {0},
};

/* ---- buffered reading of one file ---- */

typedef struct avro_rd {
    int fd;
    int64_t size;       /* at open */
    int64_t off;        /* file offset of buf[0] */
    unsigned char *buf; /* malloc'd; buf[pos..len) not consumed yet */
    size_t cap, pos, len;
} avro_rd;

static int64_t rd_tell(const avro_rd *rd)
{
    return rd->off + (int64_t)rd->pos;
}

/* Makes n bytes available at rd->buf + rd->pos; false at the end of the
 * file (or a read error: errno set, not 0) before that. */
static bool rd_need(avro_rd *rd, size_t n)
{
    if (rd->len - rd->pos >= n)
        return true;
    errno = 0;
    if ((int64_t)n > rd->size - rd_tell(rd))
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
static bool rd_varint(avro_rd *rd, int maxbytes, int64_t *out)
{
    uint64_t v = 0;

    for (int i = 0; i < maxbytes; i++) {
        if (!rd_need(rd, 1))
            return false;
        uint8_t b = rd->buf[rd->pos++];
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
            return true;
        }
    }
    return false;
}

/* ---- decoding from memory ---- */

typedef struct cur {
    const unsigned char *p, *end;
} cur;

static inline bool cur_varint(cur *c, int maxbytes, int64_t *out)
{
    uint64_t v = 0;

    for (int i = 0; i < maxbytes; i++) {
        if (c->p >= c->end)
            return false;
        uint8_t b = *c->p++;
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
            return true;
        }
    }
    return false;
}

/* Skips one value of schema s (format_avro.c's walker); false when the
 * bytes do not hold one.  *budget bounds array and map items. */
static bool skip_value(avro_schema_t s, cur *c, int64_t *budget)
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

/* ---- one container file ---- */

/* How a record field becomes a column. */
enum { OP_SKIP, OP_BOOL, OP_INT, OP_LONG, OP_FLOAT, OP_DOUBLE, OP_STRING, OP_ENUM };

typedef struct fplan {
    avro_schema_t s; /* the field's schema (OP_SKIP) */
    int col;         /* output column, -1 when the field is skipped */
    int op;          /* decoding of the (non-null) value */
    bool is_union;   /* [null, T] or [T, null] */
    int null_branch, val_branch;
    int64_t unit;      /* TIMESTAMP columns: microseconds per unit */
    avro_schema_t val; /* the value's schema (enum symbols) */
} fplan;

typedef struct avro_file {
    sl_mcxt *cx; /* header, plan; deleted when the file is closed */
    const char *path;
    avro_rd rd;
    bool deflate;
    unsigned char sync[16];
    const char *json; /* the header's schema text */
    size_t json_len;
    avro_schema_t schema; /* the record */
    int nfields;
    int64_t *units; /* per field: timestamp unit from logicalType, 0 none */
    int64_t min_record;
    /* the current block */
    unsigned char *zbuf; /* inflated data, malloc'd */
    size_t zcap;
    z_stream zs;
    bool zinit;
    cur blk;
    int64_t left; /* records left in the block */
} avro_file;

static sl_status file_error(sl_error *err, const char *path, const char *what)
{
    return sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED, "avro file \"%s\" is corrupt: %s", path, what);
}

static sl_status os_error(sl_error *err, const char *what, const char *path, int e)
{
    char tmp[256];
    const char *msg = strerror_r(e, tmp, sizeof(tmp));

    return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not %s file \"%s\": %s", what, path, msg);
}

static void file_close(avro_file *f)
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
static sl_status short_read(avro_file *f, sl_error *err, const char *what)
{
    if (errno != 0)
        return os_error(err, "read", f->path, errno);
    return file_error(err, f->path, what);
}

/*
 * Opens path and reads its header into a new avro_file (in a child of cx).
 * On error returns NULL with err set: an OS error (58030) or a malformed
 * header (XX001), naming the file.
 */
static avro_file *file_open(sl_mcxt *cx, const char *path, sl_error *err)
{
    sl_mcxt *fcx = sl_mcxt_create(cx, "avro file");
    avro_file *f = sl_pnew(fcx, avro_file);
    struct stat st;
    int64_t count, n, entries = 0;
    const char *codec = "null";
    size_t codec_len = 4;

    f->cx = fcx;
    f->path = sl_pstrdup(fcx, path);
    f->rd.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (f->rd.fd < 0 || fstat(f->rd.fd, &st) != 0) {
        os_error(err, "open", path, errno);
        goto fail;
    }
    f->rd.size = st.st_size;
    if (!rd_need(&f->rd, 4)) {
        short_read(f, err, "no container header");
        goto fail;
    }
    if (memcmp(f->rd.buf, "Obj\x01", 4) != 0) {
        file_error(err, path, "not an avro object container file");
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
            file_error(err, path, "too many header entries");
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
        file_error(err, path, "no avro.schema in the header");
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
    file_close(f);
    return NULL;
}

/* Inflates n bytes at p into f->zbuf; the data as f->blk. */
static sl_status block_inflate(avro_file *f, const unsigned char *p, size_t n, sl_error *err)
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
                return file_error(err, f->path, "a deflate block inflates to more than 256MB");
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
            return file_error(err, f->path, "a deflate block does not inflate");
        if (rc == Z_OK && f->zs.avail_in == 0 && f->zs.avail_out > 0)
            return file_error(err, f->path, "a deflate block is cut short");
    }
    if (f->zs.avail_in != 0)
        return file_error(err, f->path, "bytes after a deflate stream");
    f->blk.p = f->zbuf;
    f->blk.end = f->zbuf + out;
    return SL_OK;
}

/*
 * Reads the next block header and data: 1 with f->blk and f->left set,
 * 0 at a clean end of file, -1 on error (err set).
 */
static int block_next(avro_file *f, sl_error *err)
{
    int64_t count, size;

    if (rd_tell(&f->rd) == f->rd.size)
        return 0;
    if (!rd_varint(&f->rd, 10, &count) || !rd_varint(&f->rd, 10, &size)) {
        short_read(f, err, "truncated block header");
        return -1;
    }
    if (count <= 0 || size < 0 || size > AVRO_MAX_BLOCK) {
        file_error(err, f->path, "bad block header");
        return -1;
    }
    if (!rd_need(&f->rd, (size_t)size + 16)) {
        short_read(f, err, "truncated block");
        return -1;
    }
    if (memcmp(f->rd.buf + f->rd.pos + size, f->sync, 16) != 0) {
        file_error(err, f->path, "sync marker mismatch");
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
        file_error(err, f->path, "block record count exceeds its size");
        return -1;
    }
    f->left = count;
    return 1;
}

/* Skips every record of the current block; false when they do not fit it exactly. */
static bool block_skip_all(avro_file *f)
{
    int64_t budget = (f->blk.end - f->blk.p) + 1024;

    for (; f->left > 0; f->left--)
        if (!skip_value(f->schema, &f->blk, &budget))
            return false;
    return f->blk.p == f->blk.end;
}

sl_status sl_avro_file_salvage(const char *path, int64_t *good_len, int64_t *records, sl_error *err)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "avro salvage");
    avro_file *f;
    sl_error ferr;
    int rc;

    *good_len = 0;
    *records = 0;
    sl_error_clear(&ferr);
    f = file_open(cx, path, &ferr);
    if (f == NULL) {
        sl_mcxt_delete(cx);
        if (strcmp(ferr.sqlstate, SL_ERRCODE_IO_ERROR) == 0) {
            *err = ferr;
            return SL_ERROR;
        }
        return SL_OK; /* no usable header: nothing to keep */
    }
    *good_len = rd_tell(&f->rd);
    while ((rc = block_next(f, &ferr)) == 1) {
        int64_t n = f->left;
        if (!block_skip_all(f))
            break;
        *records += n;
        *good_len = rd_tell(&f->rd);
    }
    if (rc < 0 && strcmp(ferr.sqlstate, SL_ERRCODE_IO_ERROR) == 0) {
        *err = ferr;
        file_close(f);
        sl_mcxt_delete(cx);
        return SL_ERROR;
    }
    file_close(f);
    sl_mcxt_delete(cx);
    return SL_OK;
}

/* ---- the source ---- */

typedef struct avro_source {
    sl_mcxt *cx;
    const char *pattern;
    const sl_schema *schema;
    bool declared;
    char **files;
    int nfiles, next;
    avro_file *cur;
    /* the first file's schema: every file must match it */
    avro_schema_t first;
    int64_t *first_units;
    int first_nfields;
    fplan *plan;  /* per field of the current file */
    int *missing; /* columns no field fills (always NULL) */
    int nmissing;
    int64_t consumed; /* records of files[next - 1] read so far (position) */
} avro_source;

static const char *avro_type_word(avro_schema_t s)
{
    return avro_schema_type_name(s) != NULL ? avro_schema_type_name(s) : "?";
}

/* The value schema of a field: T for T, [null, T] or [T, null]; NULL otherwise. */
static avro_schema_t field_value(avro_schema_t fs, bool *is_union, int *null_branch, int *val_branch)
{
    *is_union = false;
    *null_branch = *val_branch = -1;
    if (avro_typeof(fs) == AVRO_LINK)
        return NULL;
    if (avro_typeof(fs) != AVRO_UNION)
        return fs;
    if (avro_schema_union_size(fs) != 2)
        return NULL;
    for (int b = 0; b < 2; b++) {
        avro_schema_t br = avro_schema_union_branch(fs, b);
        if (avro_typeof(br) == AVRO_NULL)
            *null_branch = b;
        else
            *val_branch = b;
    }
    if (*null_branch < 0 || *val_branch < 0)
        return NULL;
    *is_union = true;
    return avro_schema_union_branch(fs, *val_branch);
}

/* The decoding op of a value schema, OP_SKIP when it is not supported. */
static int value_op(avro_schema_t v)
{
    if (v == NULL)
        return OP_SKIP;
    switch (avro_typeof(v)) {
    case AVRO_BOOLEAN:
        return OP_BOOL;
    case AVRO_INT32:
        return OP_INT;
    case AVRO_INT64:
        return OP_LONG;
    case AVRO_FLOAT:
        return OP_FLOAT;
    case AVRO_DOUBLE:
        return OP_DOUBLE;
    case AVRO_STRING:
        return OP_STRING;
    case AVRO_ENUM:
        return OP_ENUM;
    default:
        return OP_SKIP;
    }
}

/* The column type a field gets when the columns are not declared. */
static bool op_type(int op, int64_t unit, sl_type *t)
{
    switch (op) {
    case OP_BOOL:
        *t = SL_TYPE_BOOL;
        return true;
    case OP_INT:
        *t = SL_TYPE_BIGINT;
        return true;
    case OP_LONG:
        *t = unit != 0 ? SL_TYPE_TIMESTAMP : SL_TYPE_BIGINT;
        return true;
    case OP_FLOAT:
    case OP_DOUBLE:
        *t = SL_TYPE_DOUBLE;
        return true;
    case OP_STRING:
    case OP_ENUM:
        *t = SL_TYPE_TEXT;
        return true;
    default:
        return false;
    }
}

/* Whether a value decoded by op fits a column of type t. */
static bool op_fits(int op, sl_type t)
{
    switch (t) {
    case SL_TYPE_BOOL:
        return op == OP_BOOL;
    case SL_TYPE_BIGINT:
    case SL_TYPE_TIMESTAMP:
    case SL_TYPE_INTERVAL:
        return op == OP_INT || op == OP_LONG;
    case SL_TYPE_DOUBLE:
        return op == OP_INT || op == OP_LONG || op == OP_FLOAT || op == OP_DOUBLE;
    case SL_TYPE_TEXT:
        return op == OP_STRING || op == OP_ENUM;
    default:
        return false;
    }
}

/* Builds the source's columns from the first file's fields (no declared columns). */
static const sl_schema *schema_from_file(sl_mcxt *cx, const avro_file *f)
{
    const char **names = sl_palloc(cx, sizeof(char *) * (size_t)(f->nfields + 1));
    sl_type *types = sl_palloc(cx, sizeof(sl_type) * (size_t)(f->nfields + 1));
    int n = 0;

    for (int i = 0; i < f->nfields; i++) {
        bool u;
        int nb, vb;
        avro_schema_t v = field_value(avro_schema_record_field_get_by_index(f->schema, i), &u, &nb, &vb);
        if (op_type(value_op(v), f->units[i], &types[n]))
            names[n++] = avro_schema_record_field_name(f->schema, i);
    }
    return sl_schema_new(cx, n, names, types);
}

/* Plans the decoding of f's fields into the source's columns. */
static sl_status plan_file(avro_source *as, avro_file *f, sl_error *err)
{
    const sl_schema *s = as->schema;
    bool *filled = sl_pzalloc(f->cx, sizeof(bool) * (size_t)(s->ncols + 1));

    as->plan = sl_pzalloc(f->cx, sizeof(fplan) * (size_t)(f->nfields + 1));
    for (int i = 0; i < f->nfields; i++) {
        fplan *fp = &as->plan[i];
        fp->s = avro_schema_record_field_get_by_index(f->schema, i);
        fp->val = field_value(fp->s, &fp->is_union, &fp->null_branch, &fp->val_branch);
        fp->op = value_op(fp->val);
        fp->col = -1;
        fp->unit = f->units[i] != 0 ? f->units[i] : 1;
    }
    for (int c = 0; c < s->ncols; c++) {
        int f_ = -1;
        for (int i = 0; i < f->nfields && f_ < 0; i++)
            if (as->plan[i].col < 0 && strcmp(avro_schema_record_field_name(f->schema, i), s->names[c]) == 0)
                f_ = i;
        for (int i = 0; i < f->nfields && f_ < 0; i++)
            if (as->plan[i].col < 0 &&
                strcasecmp(avro_schema_record_field_name(f->schema, i), s->names[c]) == 0)
                f_ = i;
        if (f_ < 0)
            continue;
        if (!op_fits(as->plan[f_].op, s->types[c])) {
            sl_error_set(err, SL_ERRCODE_DATATYPE_MISMATCH,
                         "avro field \"%s\" of file \"%s\" (%s) does not fit column \"%s\" of type %s",
                         avro_schema_record_field_name(f->schema, f_), f->path,
                         avro_type_word(as->plan[f_].val != NULL ? as->plan[f_].val : as->plan[f_].s),
                         s->names[c], sl_type_name(s->types[c]));
            return SL_ERROR;
        }
        as->plan[f_].col = c;
        filled[c] = true;
    }
    as->nmissing = 0;
    as->missing = sl_palloc(f->cx, sizeof(int) * (size_t)(s->ncols + 1));
    for (int c = 0; c < s->ncols; c++)
        if (!filled[c])
            as->missing[as->nmissing++] = c;
    return SL_OK;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static sl_status list_files(avro_source *as, sl_error *err)
{
    glob_t g;
    int rc;
    struct stat st;

    if (strpbrk(as->pattern, "*?[") == NULL) {
        as->files = sl_palloc(as->cx, sizeof(char *));
        as->files[0] = sl_pstrdup(as->cx, as->pattern);
        as->nfiles = 1;
        return SL_OK;
    }
    rc = glob(as->pattern, GLOB_NOSORT, NULL, &g);
    if (rc != 0 && rc != GLOB_NOMATCH) {
        globfree(&g);
        return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not list files matching \"%s\"", as->pattern);
    }
    as->files = sl_palloc(as->cx, sizeof(char *) * (rc == 0 ? g.gl_pathc + 1 : 1));
    for (size_t i = 0; rc == 0 && i < g.gl_pathc; i++)
        if (stat(g.gl_pathv[i], &st) == 0 && !S_ISDIR(st.st_mode))
            as->files[as->nfiles++] = sl_pstrdup(as->cx, g.gl_pathv[i]);
    globfree(&g);
    if (as->nfiles == 0) {
        sl_error_set(err, SL_ERRCODE_IO_ERROR, "no file matches \"%s\"", as->pattern);
        sl_error_hint(err, "Relative paths are relative to the data directory.");
        return SL_ERROR;
    }
    qsort(as->files, (size_t)as->nfiles, sizeof(char *), cmp_names);
    return SL_OK;
}

/* Opens the next file as as->cur, checking its schema against the first. */
static sl_status next_file(avro_source *as, sl_error *err)
{
    avro_file *f = file_open(as->cx, as->files[as->next], err);

    if (f == NULL)
        return SL_ERROR;
    as->next++;
    as->consumed = 0;
    if (as->first == NULL) {
        as->first = avro_schema_incref(f->schema);
        as->first_nfields = f->nfields;
        as->first_units = sl_palloc(as->cx, sizeof(int64_t) * (size_t)(f->nfields + 1));
        memcpy(as->first_units, f->units, sizeof(int64_t) * (size_t)(f->nfields + 1));
    } else if (!avro_schema_equal(as->first, f->schema) || f->nfields != as->first_nfields ||
               memcmp(as->first_units, f->units, sizeof(int64_t) * (size_t)f->nfields) != 0) {
        sl_error_set(err, SL_ERRCODE_DATATYPE_MISMATCH, "avro file \"%s\" has a different schema than \"%s\"",
                     f->path, as->files[0]);
        sl_error_hint(err,
                      "Every file a FROM AVRO source reads must have the same schema; use one source per "
                      "schema.");
        file_close(f);
        return SL_ERROR;
    }
    if (as->schema == NULL)
        as->schema = schema_from_file(as->cx, f);
    if (plan_file(as, f, err) != SL_OK) {
        file_close(f);
        return SL_ERROR;
    }
    as->cur = f;
    return SL_OK;
}

static sl_status avro_source_open(const sl_source_open_args *args, void **state, sl_error *err)
{
    avro_source *as = sl_pnew(args->cx, avro_source);
    const char *path = sl_options_get(args->options, "path");

    if (path == NULL || path[0] == '\0')
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "option \"path\" is required");
    as->cx = args->cx;
    if (path[0] == '/' || args->datadir == NULL || args->datadir[0] == '\0')
        as->pattern = sl_pstrdup(args->cx, path);
    else
        as->pattern = sl_psprintf(args->cx, "%s/%s", args->datadir, path);
    if (args->schema != NULL) {
        as->schema = sl_schema_new(args->cx, args->schema->ncols, args->schema->names, args->schema->types);
        as->declared = true;
    }
    if (list_files(as, err) != SL_OK)
        return SL_ERROR;
    /* The first file gives the columns now; read() starts with it. */
    if (next_file(as, err) != SL_OK) {
        if (as->first != NULL)
            avro_schema_decref(as->first);
        return SL_ERROR;
    }
    *args->schema_out = as->schema;
    *args->bounded_out = true;
    *state = as;
    return SL_OK;
}

/* Decodes one value of fp into row of vec; false when the bytes are bad. */
static inline bool put_value(const fplan *fp, cur *c, sl_batch *batch, sl_vector *vec, int row, bool *bad)
{
    int64_t n;

    switch (fp->op) {
    case OP_BOOL:
        if (c->p >= c->end || *c->p > 1)
            return false;
        vec->v.b[row] = *c->p++ != 0;
        return true;
    case OP_INT:
    case OP_LONG:
        if (!cur_varint(c, fp->op == OP_INT ? 5 : 10, &n))
            return false;
        switch (vec->type) {
        case SL_TYPE_DOUBLE:
            vec->v.f64[row] = (double)n;
            break;
        case SL_TYPE_TIMESTAMP:
            if (fp->unit != 1) {
                if (n > INT64_MAX / fp->unit || n < INT64_MIN / fp->unit) {
                    *bad = true; /* out of range: drop the row */
                    n = 0;
                }
                n *= fp->unit;
            }
            vec->v.i64[row] = n;
            break;
        default:
            vec->v.i64[row] = n;
        }
        return true;
    case OP_FLOAT: {
        float f32;
        if (c->end - c->p < 4)
            return false;
        memcpy(&f32, c->p, 4); /* little-endian, as the machine */
        c->p += 4;
        vec->v.f64[row] = f32;
        return true;
    }
    case OP_DOUBLE:
        if (c->end - c->p < 8)
            return false;
        memcpy(&vec->v.f64[row], c->p, 8);
        c->p += 8;
        return true;
    case OP_STRING:
        if (!cur_varint(c, 10, &n) || n < 0 || n > c->end - c->p || n > INT32_MAX)
            return false;
        if (!sl_utf8_valid(c->p, (size_t)n))
            *bad = true;
        else
            vec->v.text[row] = sl_batch_text(batch, (const char *)c->p, (int32_t)n);
        c->p += n;
        return true;
    case OP_ENUM: {
        const char *sym;
        if (!cur_varint(c, 5, &n) || n < 0 || n >= avro_schema_enum_number_of_symbols(fp->val))
            return false;
        sym = avro_schema_enum_get(fp->val, (int)n);
        vec->v.text[row] = sl_batch_text(batch, sym, (int32_t)strlen(sym));
        return true;
    }
    default:
        return false;
    }
}

/* Decodes the next record of the current block into the batch (or drops it). */
static bool decode_record(avro_source *as, sl_batch *batch, int64_t *decode_errors)
{
    avro_file *f = as->cur;
    cur *c = &f->blk;
    int row = batch->nrows;
    bool bad = false;

    for (int i = 0; i < f->nfields; i++) {
        const fplan *fp = &as->plan[i];
        sl_vector *vec;

        if (fp->col < 0) {
            int64_t budget = (c->end - c->p) + 1024;
            if (!skip_value(fp->s, c, &budget))
                return false;
            continue;
        }
        vec = &batch->cols[fp->col];
        if (fp->is_union) {
            int64_t b;
            /* Branch indexes are 0 or 1: one byte, zigzag 0 or 2. */
            if (!cur_varint(c, 5, &b))
                return false;
            if (b == fp->null_branch) {
                vec->nulls[row] = 1;
                continue;
            }
            if (b != fp->val_branch)
                return false;
        }
        vec->nulls[row] = 0;
        if (!put_value(fp, c, batch, vec, row, &bad))
            return false;
    }
    for (int m = 0; m < as->nmissing; m++)
        batch->cols[as->missing[m]].nulls[row] = 1;
    if (bad)
        (*decode_errors)++;
    else
        batch->nrows++;
    return true;
}

static sl_status avro_source_read(void *state, sl_batch *batch, bool *eof, int64_t *decode_errors,
                                  sl_error *err)
{
    avro_source *as = state;

    *eof = false;
    while (batch->nrows < batch->capacity) {
        avro_file *f = as->cur;
        if (f == NULL) {
            if (as->next >= as->nfiles) {
                *eof = true;
                return SL_OK;
            }
            if (next_file(as, err) != SL_OK)
                return SL_ERROR;
            continue;
        }
        if (f->left == 0) {
            if (f->blk.p != f->blk.end)
                return file_error(err, f->path, "bytes after the last record of a block");
            int rc = block_next(f, err);
            if (rc < 0)
                return SL_ERROR;
            if (rc == 0) {
                file_close(f);
                as->cur = NULL;
                continue;
            }
        }
        while (f->left > 0 && batch->nrows < batch->capacity) {
            if (!decode_record(as, batch, decode_errors))
                return file_error(err, f->path, "a record does not match the schema");
            f->left--;
            as->consumed++;
        }
    }
    return SL_OK;
}

static void avro_source_close(void *state)
{
    avro_source *as = state;

    if (as == NULL)
        return;
    file_close(as->cur);
    as->cur = NULL;
    if (as->first != NULL)
        avro_schema_decref(as->first);
    as->first = NULL;
}

/* ---- checkpoints ---- */

/* Position format: version byte 1, the file's name, records consumed in it. */
#define AVRO_POS_VERSION 1

static sl_status avro_source_position(void *state, sl_mcxt *cx, char **pos, size_t *len, sl_error *err)
{
    avro_source *as = state;
    const char *name = as->files[as->next > 0 ? as->next - 1 : 0];
    sl_ckpt_w w;

    (void)err;
    sl_ckpt_w_init(&w, cx);
    sl_ckpt_w_u8(&w, AVRO_POS_VERSION);
    sl_ckpt_w_str(&w, name, strlen(name));
    sl_ckpt_w_i64(&w, as->consumed);
    *pos = w.data;
    *len = w.len;
    return SL_OK;
}

static sl_status avro_source_seek(void *state, const char *pos, size_t len, sl_error *err)
{
    avro_source *as = state;
    sl_ckpt_r r;
    const char *name;
    size_t nlen;
    int64_t n;
    int idx = -1;
    avro_file *f;

    sl_ckpt_r_init(&r, pos, len);
    if (sl_ckpt_r_u8(&r) != AVRO_POS_VERSION)
        r.bad = true;
    name = sl_ckpt_r_str(&r, &nlen);
    n = sl_ckpt_r_i64(&r);
    if (!sl_ckpt_r_done(&r) || n < 0)
        return sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED, "avro source position is corrupt");
    for (int i = 0; i < as->nfiles && idx < 0; i++)
        if (strlen(as->files[i]) == nlen && memcmp(as->files[i], name, nlen) == 0)
            idx = i;
    if (idx < 0)
        return sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED,
                            "avro file \"%.*s\" of the checkpoint's position is no longer there", (int)nlen,
                            name);
    if (idx != as->next - 1 || as->cur == NULL) {
        file_close(as->cur);
        as->cur = NULL;
        as->next = idx;
        if (next_file(as, err) != SL_OK)
            return SL_ERROR;
    }
    f = as->cur;
    while (as->consumed < n) {
        if (f->left == 0) {
            int rc = block_next(f, err);
            if (rc < 0)
                return SL_ERROR;
            if (rc == 0)
                return sl_error_set(
                    err, SL_ERRCODE_DATA_CORRUPTED,
                    "avro file \"%s\" has fewer records than the checkpoint's position (%lld)", f->path,
                    (long long)n);
        }
        if (n - as->consumed >= f->left) {
            as->consumed += f->left;
            if (!block_skip_all(f))
                return file_error(err, f->path, "a record does not match the schema");
        } else {
            int64_t budget = (f->blk.end - f->blk.p) + 1024;
            for (; as->consumed < n; as->consumed++, f->left--)
                if (!skip_value(f->schema, &f->blk, &budget))
                    return file_error(err, f->path, "a record does not match the schema");
        }
    }
    return SL_OK;
}

const sl_source_kind sl_source_avro = {
    .api_version = SL_SOURCE_API_VERSION,
    .name = "avro",
    .description = "records of Avro container files, e.g. an archive written by an AVRO sink (finite)",
    .options = avro_source_options,
    .open = avro_source_open,
    .read = avro_source_read,
    .close = avro_source_close,
    .position = avro_source_position,
    .seek = avro_source_seek,
};
