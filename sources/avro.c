/*
 * avro.c - the AVRO source kind: records of Avro object container
 * files (an archive written by the AVRO sink, sinks/avro.c) as batches.
 *
 * Files.  `path` is a file or a glob inside file_roots (relative to its
 * first directory unless absolute; each file opened through
 * sluice/confine.h); the matching files are listed once at open and read one after
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
 * The file itself is read by formats/avro_file.c, which also validates
 * the AVRO sink's leftover temporary files after a crash.
 *
 * Checkpoints: the position is the file being read (its name) and the
 * records consumed in it (decoded or dropped); seek() skips the files
 * before it and that many records of it, block by block where a whole
 * block is consumed.  A file that is gone or now holds fewer records is an
 * error (XX001).
 *
 * Entry point: sl_source_avro.
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

#include "sources/sources.h"
#include "sluice/checkpoint.h"
#include "formats/format.h"
#include "formats/avro.h"
#include "formats/avro_file.h"
#include "sluice/batch.h"
#include "sluice/connector.h"
#include "sluice/errcodes.h"

static const sl_option_decl avro_source_options[] = {
    {.name = "path",
     .type = SL_OPT_STRING,
     .required = true,
     .reach = SL_REACH_FILE_READ,
     .help = "Avro container file or glob ('archive/*.avro') inside file_roots, read in name order; schema "
             "from the files"},
    {0},
};

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

/* ---- the source ---- */

typedef struct avro_source {
    sl_mcxt *cx;
    char *pattern; /* inside a file root; each file is checked again at open */
    const sl_confine *confine;
    const sl_schema *schema;
    bool declared;
    char **files;
    int nfiles, next;
    sl_avro_file *cur;
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
static const sl_schema *schema_from_file(sl_mcxt *cx, const sl_avro_file *f)
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
static sl_status plan_file(avro_source *as, sl_avro_file *f, sl_error *err)
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
        sl_error_hint(err, "Relative paths are relative to the first directory of file_roots.");
        return SL_ERROR;
    }
    qsort(as->files, (size_t)as->nfiles, sizeof(char *), cmp_names);
    return SL_OK;
}

/* Opens the next file as as->cur, checking its schema against the first. */
static sl_status next_file(avro_source *as, sl_error *err)
{
    int fd = sl_confine_open(as->confine, "path", as->files[as->next], O_RDONLY, 0, err);
    sl_avro_file *f = fd < 0 ? NULL : sl_avro_file_open_fd(as->cx, fd, as->files[as->next], err);

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
        sl_avro_file_close(f);
        return SL_ERROR;
    }
    if (as->schema == NULL)
        as->schema = schema_from_file(as->cx, f);
    if (plan_file(as, f, err) != SL_OK) {
        sl_avro_file_close(f);
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
    as->confine = args->confine;
    if (sl_confine_path(args->confine, "path", path, SL_PATH_GLOB, args->cx, &as->pattern, err) != SL_OK)
        return SL_ERROR;
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
static inline bool put_value(const fplan *fp, sl_avro_cur *c, sl_batch *batch, sl_vector *vec, int row,
                             bool *bad)
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
        if (!sl_avro_varint_get(&c->p, c->end, fp->op == OP_INT ? 5 : 10, &n))
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
        if (!sl_avro_varint_get(&c->p, c->end, 10, &n) || n < 0 || n > c->end - c->p || n > INT32_MAX)
            return false;
        if (!sl_utf8_valid(c->p, (size_t)n))
            *bad = true;
        else
            vec->v.text[row] = sl_batch_text(batch, (const char *)c->p, (int32_t)n);
        c->p += n;
        return true;
    case OP_ENUM: {
        const char *sym;
        if (!sl_avro_varint_get(&c->p, c->end, 5, &n) || n < 0 ||
            n >= avro_schema_enum_number_of_symbols(fp->val))
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
    sl_avro_file *f = as->cur;
    sl_avro_cur *c = &f->blk;
    int row = batch->nrows;
    bool bad = false;

    for (int i = 0; i < f->nfields; i++) {
        const fplan *fp = &as->plan[i];
        sl_vector *vec;

        if (fp->col < 0) {
            int64_t budget = (c->end - c->p) + 1024;
            if (!sl_avro_cur_skip(fp->s, c, &budget))
                return false;
            continue;
        }
        vec = &batch->cols[fp->col];
        if (fp->is_union) {
            int64_t b;
            /* Branch indexes are 0 or 1: one byte, zigzag 0 or 2. */
            if (!sl_avro_varint_get(&c->p, c->end, 5, &b))
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
        sl_avro_file *f = as->cur;
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
                return sl_avro_file_corrupt(err, f->path, "bytes after the last record of a block");
            int rc = sl_avro_file_block_next(f, err);
            if (rc < 0)
                return SL_ERROR;
            if (rc == 0) {
                sl_avro_file_close(f);
                as->cur = NULL;
                continue;
            }
        }
        while (f->left > 0 && batch->nrows < batch->capacity) {
            if (!decode_record(as, batch, decode_errors))
                return sl_avro_file_corrupt(err, f->path, "a record does not match the schema");
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
    sl_avro_file_close(as->cur);
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
    sl_avro_file *f;

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
        sl_avro_file_close(as->cur);
        as->cur = NULL;
        as->next = idx;
        if (next_file(as, err) != SL_OK)
            return SL_ERROR;
    }
    f = as->cur;
    while (as->consumed < n) {
        if (f->left == 0) {
            int rc = sl_avro_file_block_next(f, err);
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
            if (!sl_avro_file_skip_block(f))
                return sl_avro_file_corrupt(err, f->path, "a record does not match the schema");
        } else {
            int64_t budget = (f->blk.end - f->blk.p) + 1024;
            for (; as->consumed < n; as->consumed++, f->left--)
                if (!sl_avro_cur_skip(f->schema, &f->blk, &budget))
                    return sl_avro_file_corrupt(err, f->path, "a record does not match the schema");
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
