/*
 * test_avro_file.c - unit tests of the AVRO sink (sinks/avro.c) and the
 * AVRO source (sources/avro.c), through the kinds' callbacks as the
 * runtime calls them: a batch of every type (NULLs, timestamps, extremes)
 * written and read back by the source and by libavro-c's own
 * avro_file_reader (an independent reader), both codecs; rotation by size
 * into several complete files with sortable names; temporary files never
 * matched by the glob and gone after close; recovery of a crashed writer's
 * temporary file with a torn tail; and the source's errors (a different
 * schema, a truncated file, not Avro, declared columns that do not fit,
 * every prefix and many corruptions of a file: rows or an error, never a
 * crash); a block write failing half way through a batch, then the resend.
 *
 * Each test works in its own temporary data directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <avro.h>
#include <dirent.h>
#include <glob.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/format.h"

/* libavro-c 1.11's generic reader (used here only as the independent
 * reader of check_with_libavro) leaks part of a record schema per file
 * read, also for files written by Python's avro package; not ours. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:avro_schema_record\n";
}

extern const sl_sink_kind sl_sink_avro;
extern const sl_source_kind sl_source_avro;

static sl_mcxt *cx;
static sl_error err;
static char datadir[256];

static int setup(void **state)
{
    (void)state;
    cx = sl_mcxt_create(NULL, "test");
    snprintf(datadir, sizeof(datadir), "/tmp/sl_test_avro_file_XXXXXX");
    assert_non_null(mkdtemp(datadir));
    return 0;
}

static int teardown(void **state)
{
    char cmd[512];

    (void)state;
    sl_mcxt_delete(cx);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", datadir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

/* Options from "name", "value" pairs (NULL-terminated), defaults from decls. */
static sl_options *options(const sl_option_decl *decls, const char *first, ...)
{
    sl_options *o = sl_pnew(cx, sl_options);
    const sl_option_decl **d = sl_palloc(cx, sizeof(*d) * 2);
    va_list ap;
    const char *name = first;

    d[0] = decls;
    d[1] = NULL;
    o->decls = d;
    o->values = sl_palloc(cx, sizeof(sl_option_value) * 16);
    va_start(ap, first);
    while (name != NULL) {
        o->values[o->count].name = name;
        o->values[o->count].value = va_arg(ap, const char *);
        o->count++;
        name = va_arg(ap, const char *);
    }
    va_end(ap);
    return o;
}

static void *sink_open(const char *query, const sl_schema *s, const sl_options *o)
{
    void *st = NULL;
    sl_sink_open_args a = {.sink_name = "arch",
                           .query_name = query,
                           .options = o,
                           .schema = s,
                           .confine = sl_confine_new(cx, datadir, "", &(sl_error){.sqlstate = ""}),
                           .cx = cx};

    sl_error_clear(&err);
    assert_int_equal(sl_sink_avro.open(&a, &st, &err), SL_OK);
    return st;
}

typedef struct opened {
    void *state;
    const sl_schema *schema;
    bool bounded;
} opened;

static sl_status source_open(const char *path, const sl_schema *declared, opened *out)
{
    sl_source_open_args a = {.source_name = "replay",
                             .query_name = "r",
                             .options = options(sl_source_avro.options, "path", path, NULL),
                             .schema = declared,
                             .confine = sl_confine_new(cx, datadir, "", &(sl_error){.sqlstate = ""}),
                             .cx = cx,
                             .schema_out = &out->schema,
                             .bounded_out = &out->bounded};

    sl_error_clear(&err);
    return sl_source_avro.open(&a, &out->state, &err);
}

/* Names in dir (relative to the data dir) that start with start_char or
 * not, sorted; their number. */
static int list_dir(const char *dir, bool hidden, char names[][256], int max)
{
    char path[512];
    DIR *d;
    struct dirent *de;
    int n = 0;

    snprintf(path, sizeof(path), "%s/%s", datadir, dir);
    d = opendir(path);
    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if ((de->d_name[0] == '.') != hidden)
            continue;
        assert_true(n < max);
        snprintf(names[n++], 256, "%s", de->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, 256, (int (*)(const void *, const void *))strcmp);
    return n;
}

/* ---- every type, both codecs ---- */

static const char *const all_names[] = {"ts", "station", "ph", "n", "ok", "gap"};
static const sl_type all_types[] = {SL_TYPE_TIMESTAMP, SL_TYPE_TEXT, SL_TYPE_DOUBLE,
                                    SL_TYPE_BIGINT,    SL_TYPE_BOOL, SL_TYPE_INTERVAL};

#define T0 INT64_C(1767225660123456) /* 2026-01-01T00:01:00.123456Z */

/* Row 0: ordinary values; row 1: all NULL; row 2: extremes. */
static sl_batch *all_batch(const sl_schema *s)
{
    sl_batch *b = sl_batch_new(cx, s, 4);

    b->nrows = 3;
    for (int c = 0; c < 6; c++)
        b->cols[c].nulls[0] = b->cols[c].nulls[2] = 0;
    for (int c = 0; c < 6; c++)
        b->cols[c].nulls[1] = 1;
    b->cols[0].v.i64[0] = T0;
    b->cols[1].v.text[0] = sl_batch_text(b, "st-\xc3\xa9", 5);
    b->cols[2].v.f64[0] = 7.25;
    b->cols[3].v.i64[0] = -123456789012LL;
    b->cols[4].v.b[0] = true;
    b->cols[5].v.i64[0] = 60000000;
    b->cols[0].v.i64[2] = -1; /* 1969-12-31T23:59:59.999999Z */
    b->cols[1].v.text[2] = sl_batch_text(b, "", 0);
    b->cols[2].v.f64[2] = -0.0;
    b->cols[3].v.i64[2] = INT64_MIN;
    b->cols[4].v.b[2] = false;
    b->cols[5].v.i64[2] = INT64_MAX;
    return b;
}

static void check_all_rows(const sl_batch *b)
{
    assert_int_equal(b->nrows, 3);
    assert_false(b->cols[0].nulls[0]);
    assert_int_equal(b->cols[0].v.i64[0], T0);
    assert_int_equal(b->cols[1].v.text[0].len, 5);
    assert_memory_equal(b->cols[1].v.text[0].ptr, "st-\xc3\xa9", 5);
    assert_true(b->cols[2].v.f64[0] == 7.25);
    assert_int_equal(b->cols[3].v.i64[0], -123456789012LL);
    assert_true(b->cols[4].v.b[0]);
    assert_int_equal(b->cols[5].v.i64[0], 60000000);
    for (int c = 0; c < 6; c++)
        assert_true(b->cols[c].nulls[1]);
    for (int c = 0; c < 6; c++)
        assert_false(b->cols[c].nulls[2]);
    assert_int_equal(b->cols[0].v.i64[2], -1);
    assert_int_equal(b->cols[1].v.text[2].len, 0);
    assert_true(b->cols[2].v.f64[2] == 0.0 && signbit(b->cols[2].v.f64[2]));
    assert_true(b->cols[3].v.i64[2] == INT64_MIN);
    assert_false(b->cols[4].v.b[2]);
    assert_true(b->cols[5].v.i64[2] == INT64_MAX);
}

/* Reads the file with libavro-c's container reader: rows and row 0's values. */
static void check_with_libavro(const char *path)
{
    avro_file_reader_t r;
    avro_schema_t s;
    avro_value_iface_t *iface;
    avro_value_t v, f, br;
    int rows = 0;

    assert_int_equal(avro_file_reader(path, &r), 0);
    s = avro_file_reader_get_writer_schema(r);
    assert_int_equal(avro_typeof(s), AVRO_RECORD);
    assert_int_equal(avro_schema_record_size(s), 6);
    iface = avro_generic_class_from_schema(s);
    assert_int_equal(avro_generic_value_new(iface, &v), 0);
    while (avro_file_reader_read_value(r, &v) == 0) {
        int64_t l;
        const char *str;
        size_t len;
        if (rows == 0) {
            avro_value_get_by_name(&v, "ts", &f, NULL);
            avro_value_get_current_branch(&f, &br);
            avro_value_get_long(&br, &l);
            assert_int_equal(l, T0);
            avro_value_get_by_name(&v, "station", &f, NULL);
            avro_value_get_current_branch(&f, &br);
            avro_value_get_string(&br, &str, &len);
            assert_string_equal(str, "st-\xc3\xa9");
        } else if (rows == 1) {
            avro_value_get_by_name(&v, "n", &f, NULL);
            avro_value_get_current_branch(&f, &br);
            assert_int_equal(avro_value_get_type(&br), AVRO_NULL);
        }
        rows++;
    }
    assert_int_equal(rows, 3);
    avro_value_decref(&v);
    avro_value_iface_decref(iface);
    avro_file_reader_close(r);
}

static void roundtrip(const char *codec)
{
    const sl_schema *s = sl_schema_new(cx, 6, all_names, all_types);
    sl_options *o = options(sl_sink_avro.options, "path", "arch", "codec", codec, NULL);
    void *st = sink_open("q", s, o);
    char names[8][256], path[512];
    opened src;
    sl_batch *b;
    bool eof = false;
    int64_t errors = 0;
    FILE *f;
    char head[4096];
    size_t n;

    assert_int_equal(sl_sink_avro.write(st, all_batch(s), &err), SL_OK);
    assert_int_equal(sl_sink_avro.flush(st, &err), SL_OK);
    sl_sink_avro.close(st);
    assert_int_equal(list_dir("arch", false, names, 8), 1);
    assert_int_equal(list_dir("arch", true, names + 1, 7), 0);
    list_dir("arch", false, names, 8);
    /* q-YYYYMMDDTHHMMSS.uuuuuuZ-000001.avro */
    assert_int_equal(strlen(names[0]), strlen("q-20260101T000100.123456Z-000001.avro"));
    assert_int_equal(strncmp(names[0], "q-", 2), 0);
    assert_string_equal(names[0] + strlen(names[0]) - 12, "-000001.avro");

    snprintf(path, sizeof(path), "%s/arch/%s", datadir, names[0]);
    f = fopen(path, "rb");
    assert_non_null(f);
    n = fread(head, 1, sizeof(head) - 1, f);
    fclose(f);
    head[n] = '\0';
    assert_memory_equal(head, "Obj\x01", 4);
    /* The header keeps the logical type (libavro-c's own writer would drop it). */
    assert_non_null(memmem(head, n, "\"logicalType\": \"timestamp-micros\"", 33));
    assert_non_null(memmem(head, n, codec, strlen(codec)));
    check_with_libavro(path);

    assert_int_equal(source_open("arch/*.avro", NULL, &src), SL_OK);
    assert_true(src.bounded);
    assert_int_equal(src.schema->ncols, 6);
    assert_int_equal(src.schema->types[0], SL_TYPE_TIMESTAMP);
    assert_int_equal(src.schema->types[1], SL_TYPE_TEXT);
    assert_int_equal(src.schema->types[2], SL_TYPE_DOUBLE);
    assert_int_equal(src.schema->types[3], SL_TYPE_BIGINT);
    assert_int_equal(src.schema->types[4], SL_TYPE_BOOL);
    assert_int_equal(src.schema->types[5], SL_TYPE_BIGINT); /* INTERVAL: a plain long */
    for (int c = 0; c < 6; c++)
        assert_string_equal(src.schema->names[c], all_names[c]);
    b = sl_batch_new(cx, src.schema, 16);
    assert_int_equal(sl_source_avro.read(src.state, b, &eof, &errors, &err), SL_OK);
    check_all_rows(b);
    if (!eof) {
        sl_batch_reset(b);
        assert_int_equal(sl_source_avro.read(src.state, b, &eof, &errors, &err), SL_OK);
        assert_int_equal(b->nrows, 0);
    }
    assert_true(eof);
    assert_int_equal(errors, 0);
    sl_source_avro.close(src.state);
}

static void test_roundtrip_null(void **state)
{
    (void)state;
    roundtrip("null");
}

static void test_roundtrip_deflate(void **state)
{
    (void)state;
    roundtrip("deflate");
}

/* ---- rotation, temporary files ---- */

static const char *const seq_names[] = {"station", "seq"};
static const sl_type seq_types[] = {SL_TYPE_TEXT, SL_TYPE_BIGINT};

static sl_batch *seq_batch(const sl_schema *s, int64_t first, int n)
{
    sl_batch *b = sl_batch_new(cx, s, n);

    for (int i = 0; i < n; i++) {
        char name[32];
        int len = snprintf(name, sizeof(name), "station-%02d", (int)((first + i) % 7));
        b->cols[0].nulls[i] = b->cols[1].nulls[i] = 0;
        b->cols[0].v.text[i] = sl_batch_text(b, name, len);
        b->cols[1].v.i64[i] = first + i;
    }
    b->nrows = n;
    return b;
}

/* Reads path (a file or glob) to the end; checks seq runs first, first+1, ... */
static int64_t read_seq(const char *path, int64_t first)
{
    opened src;
    sl_batch *b;
    bool eof = false;
    int64_t errors = 0, next = first;

    assert_int_equal(source_open(path, NULL, &src), SL_OK);
    b = sl_batch_new(cx, src.schema, 333);
    for (int i = 0; i < 100000 && !eof; i++) {
        sl_batch_reset(b);
        assert_int_equal(sl_source_avro.read(src.state, b, &eof, &errors, &err), SL_OK);
        for (int r = 0; r < b->nrows; r++)
            assert_int_equal(b->cols[1].v.i64[r], next++);
    }
    assert_true(eof);
    assert_int_equal(errors, 0);
    sl_source_avro.close(src.state);
    return next - first;
}

static void test_rotation_by_size(void **state)
{
    const sl_schema *s = sl_schema_new(cx, 2, seq_names, seq_types);
    void *st = sink_open(
        "raw", s, options(sl_sink_avro.options, "path", "a/b", "codec", "null", "rotate", "4kB", NULL));
    static char names[200][256];
    int n, hidden;
    int64_t total = 0;

    (void)state;
    for (int i = 0; i < 40; i++) {
        assert_int_equal(sl_sink_avro.write(st, seq_batch(s, i * 50, 50), &err), SL_OK);
        if (i % 3 == 0)
            assert_int_equal(sl_sink_avro.flush(st, &err), SL_OK);
    }
    /* The open file is hidden: only complete files match the glob. */
    hidden = list_dir("a/b", true, names, 200);
    assert_int_equal(hidden, 1);
    assert_int_equal(names[0][0], '.');
    assert_string_equal(names[0] + strlen(names[0]) - 9, ".avro.tmp");
    sl_sink_avro.close(st);
    assert_int_equal(list_dir("a/b", true, names, 200), 0);
    n = list_dir("a/b", false, names, 200);
    assert_true(n >= 4); /* 2000 rows of ~14 bytes in 4 kB files */
    for (int i = 0; i < n; i++) {
        char path[600];
        struct stat stt;
        assert_int_equal(strncmp(names[i], "raw-", 4), 0);
        if (i > 0)
            assert_true(strcmp(names[i - 1], names[i]) < 0);
        snprintf(path, sizeof(path), "%s/a/b/%.255s", datadir, names[i]);
        assert_int_equal(stat(path, &stt), 0);
        /* Rotated after the block that reached 4 kB: blocks are 4 kB at most plus one batch. */
        if (i < n - 1)
            assert_true(stt.st_size >= 4096 && stt.st_size < 3 * 4096);
        /* Each file is complete on its own, and the files continue each other in name order. */
        snprintf(path, sizeof(path), "a/b/%.255s", names[i]);
        total += read_seq(path, total);
    }
    assert_int_equal(total, 2000);
    assert_int_equal(read_seq("a/b/*.avro", 0), 2000);
}

static void test_nothing_written_no_file(void **state)
{
    const sl_schema *s = sl_schema_new(cx, 2, seq_names, seq_types);
    void *st = sink_open("idle", s, options(sl_sink_avro.options, "path", "idle", NULL));
    char names[4][256];

    (void)state;
    assert_int_equal(sl_sink_avro.flush(st, &err), SL_OK);
    sl_sink_avro.close(st);
    assert_int_equal(list_dir("idle", false, names, 4), 0);
    assert_int_equal(list_dir("idle", true, names, 4), 0);
}

/* A block write that fails half way through a batch: the resend of the same
 * batch writes each row once (RLIMIT_FSIZE makes the 4th block fail). */
static void test_resend_after_failed_block(void **state)
{
    const sl_schema *s = sl_schema_new(cx, 2, seq_names, seq_types);
    void *st = sink_open(
        "q", s, options(sl_sink_avro.options, "path", "resend", "codec", "null", "rotate", "64kB", NULL));
    sl_batch *b = seq_batch(s, 0, 3000);
    struct rlimit old, lim;

    (void)state;
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 30000;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    sl_error_clear(&err);
    assert_int_equal(sl_sink_avro.write(st, b, &err), SL_ERROR);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    assert_non_null(strstr(err.message, "File too large"));
    assert_int_equal(sl_sink_avro.write(st, b, &err), SL_OK);
    assert_int_equal(sl_sink_avro.write(st, seq_batch(s, 3000, 10), &err), SL_OK);
    sl_sink_avro.close(st);
    assert_int_equal(read_seq("resend/*.avro", 0), 3010);
}

/* ---- crash recovery ---- */

static void append_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "ab");

    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

static void test_recovery(void **state)
{
    const sl_schema *s = sl_schema_new(cx, 2, seq_names, seq_types);
    sl_options *o = options(sl_sink_avro.options, "path", "rec", "codec", "deflate", NULL);
    void *crashed = sink_open("q", s, o), *st;
    static char names[8][256];
    char path[600], other[600], empty[600];
    static const unsigned char torn[] = {0x14, 0x80, 0x01,
                                         'x',  'y',  'z'}; /* 10 records, 64 bytes: cut short */
    struct stat before, after;

    (void)state;
    assert_int_equal(sl_sink_avro.write(crashed, seq_batch(s, 0, 700), &err), SL_OK);
    assert_int_equal(sl_sink_avro.flush(crashed, &err), SL_OK);
    assert_int_equal(sl_sink_avro.write(crashed, seq_batch(s, 700, 300), &err), SL_OK);
    assert_int_equal(sl_sink_avro.flush(crashed, &err), SL_OK);
    /* The writer "crashes" here (never closed) and a torn block follows. */
    assert_int_equal(list_dir("rec", true, names, 8), 1);
    snprintf(path, sizeof(path), "%s/rec/%s", datadir, names[0]);
    append_bytes(path, torn, sizeof(torn));
    assert_int_equal(stat(path, &before), 0);
    /* Another query's leftover is not ours to touch; a header-only one of ours goes. */
    snprintf(other, sizeof(other), "%s/rec/.q2-20260101T000000.000000Z-000001.avro.tmp", datadir);
    append_bytes(other, "Obj\x01", 4);
    snprintf(empty, sizeof(empty), "%s/rec/.q-20200101T000000.000000Z-000009.avro.tmp", datadir);
    append_bytes(empty, "Obj\x01\x02", 5);

    st = sink_open("q", s, o);
    assert_int_equal(list_dir("rec", true, names, 8), 1);
    assert_string_equal(names[0], ".q2-20260101T000000.000000Z-000001.avro.tmp");
    assert_int_equal(list_dir("rec", false, names, 8), 1);
    snprintf(path, sizeof(path), "%s/rec/%s", datadir, names[0]);
    assert_int_equal(stat(path, &after), 0);
    assert_int_equal(after.st_size, before.st_size - (off_t)sizeof(torn));
    assert_int_equal(read_seq("rec/*.avro", 0), 1000);

    /* The new writer goes on after the recovered rows. */
    assert_int_equal(sl_sink_avro.write(st, seq_batch(s, 1000, 10), &err), SL_OK);
    sl_sink_avro.close(st);
    assert_int_equal(list_dir("rec", false, names, 8), 2);
    assert_int_equal(read_seq("rec/*.avro", 0), 1010);
    /* The crashed writer's state is let go (its rename finds nothing: a warning). */
    sl_sink_avro.close(crashed);
    assert_int_equal(list_dir("rec", false, names, 8), 2);
}

/* ---- source errors and declared columns ---- */

static void write_seq_file(const char *dir, const char *query, int64_t first, int n)
{
    const sl_schema *s = sl_schema_new(cx, 2, seq_names, seq_types);
    void *st = sink_open(query, s, options(sl_sink_avro.options, "path", dir, NULL));

    assert_int_equal(sl_sink_avro.write(st, seq_batch(s, first, n), &err), SL_OK);
    sl_sink_avro.close(st);
}

static void test_source_schema_mismatch(void **state)
{
    const sl_schema *s = sl_schema_new(cx, 6, all_names, all_types);
    void *st;
    opened src;
    sl_batch *b;
    bool eof = false;
    int64_t errors = 0;
    sl_status rc = SL_OK;

    (void)state;
    write_seq_file("mix", "a", 0, 10);
    st = sink_open("b", s, options(sl_sink_avro.options, "path", "mix", NULL));
    assert_int_equal(sl_sink_avro.write(st, all_batch(s), &err), SL_OK);
    sl_sink_avro.close(st);
    assert_int_equal(source_open("mix/*.avro", NULL, &src), SL_OK);
    b = sl_batch_new(cx, src.schema, 4);
    for (int i = 0; i < 100 && !eof && rc == SL_OK; i++) {
        sl_batch_reset(b);
        rc = sl_source_avro.read(src.state, b, &eof, &errors, &err);
    }
    assert_int_equal(rc, SL_ERROR);
    assert_string_equal(err.sqlstate, "42804");
    assert_non_null(strstr(err.message, "/mix/b-"));
    assert_non_null(strstr(err.message, "has a different schema"));
    sl_source_avro.close(src.state);
}

static void test_source_corrupt(void **state)
{
    char names[4][256], path[600], bad[600];
    struct stat st;
    opened src;
    sl_batch *b;
    bool eof = false;
    int64_t errors = 0;

    (void)state;
    write_seq_file("cut", "q", 0, 500);
    assert_int_equal(list_dir("cut", false, names, 4), 1);
    snprintf(path, sizeof(path), "%s/cut/%s", datadir, names[0]);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(truncate(path, st.st_size - 20), 0);
    assert_int_equal(source_open("cut/*.avro", NULL, &src), SL_OK);
    b = sl_batch_new(cx, src.schema, 1024);
    assert_int_equal(sl_source_avro.read(src.state, b, &eof, &errors, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, "XX001");
    assert_non_null(strstr(err.message, names[0]));
    assert_non_null(strstr(err.message, "truncated"));
    sl_source_avro.close(src.state);

    snprintf(bad, sizeof(bad), "%s/cut/z.avro", datadir);
    append_bytes(bad, "{\"not\": \"avro\"}\n", 16);
    assert_int_equal(source_open("cut/z.avro", NULL, &src), SL_ERROR);
    assert_non_null(strstr(err.message, "not an avro object container file"));
    assert_non_null(strstr(err.message, "z.avro"));

    assert_int_equal(source_open("nothing/*.avro", NULL, &src), SL_ERROR);
    assert_non_null(strstr(err.message, "no file matches"));
}

static void test_source_declared_columns(void **state)
{
    static const char *const dn[] = {"SEQ", "missing", "station"};
    static const sl_type dt[] = {SL_TYPE_DOUBLE, SL_TYPE_BOOL, SL_TYPE_TEXT};
    static const char *const bn[] = {"station"};
    static const sl_type bt[] = {SL_TYPE_BIGINT};
    opened src;
    sl_batch *b;
    bool eof = false;
    int64_t errors = 0;

    (void)state;
    write_seq_file("decl", "q", 40, 20);
    assert_int_equal(source_open("decl/*.avro", sl_schema_new(cx, 3, dn, dt), &src), SL_OK);
    assert_int_equal(src.schema->ncols, 3);
    b = sl_batch_new(cx, src.schema, 64);
    assert_int_equal(sl_source_avro.read(src.state, b, &eof, &errors, &err), SL_OK);
    assert_int_equal(b->nrows, 20);
    for (int r = 0; r < 20; r++) {
        char name[32];
        snprintf(name, sizeof(name), "station-%02d", (40 + r) % 7);
        assert_true(b->cols[0].v.f64[r] == 40.0 + r); /* long -> DOUBLE, name case-insensitive */
        assert_true(b->cols[1].nulls[r]);             /* no such field: NULL */
        assert_int_equal(b->cols[2].v.text[r].len, (int)strlen(name));
        assert_memory_equal(b->cols[2].v.text[r].ptr, name, strlen(name));
    }
    sl_source_avro.close(src.state);

    assert_int_equal(source_open("decl/*.avro", sl_schema_new(cx, 1, bn, bt), &src), SL_ERROR);
    assert_string_equal(err.sqlstate, "42804");
    assert_non_null(strstr(err.message, "avro field \"station\""));
    assert_non_null(strstr(err.message, "/decl/q-"));
}

/* Reads path to the end or the first error; the rows read. */
static int64_t read_any(const char *path)
{
    opened src;
    sl_batch *b;
    bool eof = false;
    int64_t errors = 0, rows = 0;

    if (source_open(path, NULL, &src) != SL_OK)
        return -1;
    b = sl_batch_new(cx, src.schema, 64);
    for (int i = 0; i < 100000 && !eof; i++) {
        sl_batch_reset(b);
        if (sl_source_avro.read(src.state, b, &eof, &errors, &err) != SL_OK)
            break;
        rows += b->nrows;
    }
    sl_source_avro.close(src.state);
    return rows;
}

/* Every prefix and many single-byte corruptions of valid files give rows
 * or an error, never a crash or a hang (run under ASan / valgrind). */
static void test_source_garbage(void **state)
{
    static const char *const codecs[] = {"null", "deflate"};

    (void)state;
    for (int k = 0; k < 2; k++) {
        const sl_schema *s = sl_schema_new(cx, 6, all_names, all_types);
        char dir[32], names[4][256], path[600], bad[600];
        void *st;
        FILE *f;
        unsigned char *data;
        long n;

        snprintf(dir, sizeof(dir), "g_%s", codecs[k]);
        st = sink_open("q", s, options(sl_sink_avro.options, "path", dir, "codec", codecs[k], NULL));
        for (int i = 0; i < 3; i++) {
            assert_int_equal(sl_sink_avro.write(st, all_batch(s), &err), SL_OK);
            assert_int_equal(sl_sink_avro.flush(st, &err), SL_OK); /* a block each */
        }
        sl_sink_avro.close(st);
        assert_int_equal(list_dir(dir, false, names, 4), 1);
        snprintf(path, sizeof(path), "%s/%s/%.255s", datadir, dir, names[0]);
        f = fopen(path, "rb");
        assert_non_null(f);
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        data = sl_palloc(cx, (size_t)n);
        assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
        fclose(f);
        snprintf(bad, sizeof(bad), "%s/bad.avro", datadir);
        for (long len = 0; len <= n; len++) {
            f = fopen(bad, "wb");
            fwrite(data, 1, (size_t)len, f);
            fclose(f);
            int64_t rows = read_any("bad.avro");
            assert_true(rows <= 9);
            if (len == n)
                assert_int_equal(rows, 9);
        }
        for (long at = 0; at < n; at++) {
            for (int x = 0; x < 3; x++) {
                static const unsigned char flips[] = {0xff, 0x01, 0x80};
                data[at] ^= flips[x];
                f = fopen(bad, "wb");
                fwrite(data, 1, (size_t)n, f);
                fclose(f);
                assert_true(read_any("bad.avro") <= 9);
                data[at] ^= flips[x];
            }
        }
    }
}

/* An unwritable directory: the OS error, at open. */
static void test_sink_bad_directory(void **state)
{
    const sl_schema *s = sl_schema_new(cx, 2, seq_names, seq_types);
    char path[600];
    void *st = NULL;
    sl_sink_open_args a = {.sink_name = "arch",
                           .query_name = "q",
                           .options = options(sl_sink_avro.options, "path", "plain/sub", NULL),
                           .schema = s,
                           .confine = sl_confine_new(cx, datadir, "", &(sl_error){.sqlstate = ""}),
                           .cx = cx};

    (void)state;
    snprintf(path, sizeof(path), "%s/plain", datadir);
    append_bytes(path, "x", 1);
    sl_error_clear(&err);
    assert_int_equal(sl_sink_avro.open(&a, &st, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, "58030");
    assert_non_null(strstr(err.message, "plain/sub"));
    assert_non_null(strstr(err.message, "Not a directory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip_null, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_deflate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation_by_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_written_no_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resend_after_failed_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recovery, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_schema_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_declared_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sink_bad_directory, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
