/*
 * test_sources.c - unit tests of the GENERATOR and FILE sources
 * (sources/generator.c, sources/file.c) and the FILE sink
 * (sinks/file.c), through the kinds' callbacks as the runtime calls them.
 *
 * Each test works in its own temporary directory (the data directory).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "formats/format.h"
#include "sources/sources.h"

extern const sl_sink_kind sl_sink_file;

static sl_mcxt *cx;
static sl_error err;
static char datadir[256];

static int setup(void **state)
{
    (void)state;
    cx = sl_mcxt_create(NULL, "test");
    snprintf(datadir, sizeof(datadir), "/tmp/sl_test_sources_XXXXXX");
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

/* Options from "name", "value" pairs (NULL-terminated); no declarations, so
 * the code's own defaults apply. */
static sl_options *options(const char *first, ...)
{
    sl_options *o = sl_pnew(cx, sl_options);
    va_list ap;
    const char *name = first;

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

typedef struct opened {
    void *state;
    const sl_schema *schema;
    bool bounded;
} opened;

static sl_status open_source(sl_status (*open)(const sl_source_open_args *, void **, sl_error *),
                             const sl_options *opts, const sl_schema *declared, opened *out)
{
    sl_source_open_args a = {.source_name = "src",
                             .query_name = "q",
                             .options = opts,
                             .schema = declared,
                             .confine = sl_confine_new(cx, datadir, "", &(sl_error){.sqlstate = ""}),
                             .cx = cx,
                             .schema_out = &out->schema,
                             .bounded_out = &out->bounded};

    sl_error_clear(&err);
    return open(&a, &out->state, &err);
}

static void write_file(const char *name, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", datadir, name);
    f = fopen(path, "a");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_whole(const char *name)
{
    char path[512];
    FILE *f;
    long n;
    char *s;

    snprintf(path, sizeof(path), "%s/%s", datadir, name);
    f = fopen(path, "r");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    s = sl_palloc(cx, (size_t)n + 1);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* ---- generator ---- */

/* Reads the whole (bounded) generator into batches of cap rows. */
static int64_t drain(sl_status (*rd)(void *, sl_batch *, bool *, int64_t *, sl_error *), void *st,
                     sl_batch *b, int64_t *errors, void (*each)(const sl_batch *, void *), void *arg)
{
    int64_t total = 0;
    bool eof = false;

    for (int i = 0; i < 1000000 && !eof; i++) {
        sl_batch_reset(b);
        assert_int_equal(rd(st, b, &eof, errors, &err), SL_OK);
        total += b->nrows;
        if (each != NULL && b->nrows > 0)
            each(b, arg);
    }
    assert_true(eof);
    return total;
}

/* drain()'s each: the longest text of column 1 (station) so far. */
static void longest_text(const sl_batch *b, void *arg)
{
    int32_t *longest = arg;

    for (int i = 0; i < b->nrows; i++)
        if (b->cols[1].v.text[i].len > *longest)
            *longest = b->cols[1].v.text[i].len;
}

typedef struct gen_check {
    int64_t rows;
    int64_t prev_ts;
    int64_t out_of_order;
    int64_t excursions;
    uint64_t hash;
} gen_check;

static void gen_each(const sl_batch *b, void *arg)
{
    gen_check *g = arg;

    for (int r = 0; r < b->nrows; r++) {
        int64_t ts = b->cols[0].v.i64[r];
        double ph = b->cols[2].v.f64[r];
        char want[32];

        snprintf(want, sizeof(want), "station-%02d", (int)(g->rows % 10) + 1);
        assert_int_equal(b->cols[1].v.text[r].len, strlen(want));
        assert_memory_equal(b->cols[1].v.text[r].ptr, want, strlen(want));
        for (int c = 0; c < 7; c++)
            assert_false(b->cols[c].nulls[r]);
        assert_true(b->event_time[r] == ts);
        if (ts < g->prev_ts)
            g->out_of_order++;
        g->prev_ts = ts;
        if (ph < 6.5 || ph > 8.5)
            g->excursions++;
        assert_true(ph > 3 && ph < 11);
        assert_true(b->cols[3].v.f64[r] >= 0);
        assert_true(b->cols[6].v.f64[r] > 100 && b->cols[6].v.f64[r] < 1000);
        /* Values are rounded to two decimals. */
        assert_true(fabs(ph * 100 - nearbyint(ph * 100)) < 1e-6);
        for (int c = 0; c < 7; c++) {
            uint64_t v = 0;
            if (c == 1)
                v = (uint64_t)b->cols[1].v.text[r].ptr[b->cols[1].v.text[r].len - 1];
            else
                memcpy(&v, &b->cols[c].v.i64[r], 8);
            g->hash = (g->hash ^ v) * 1099511628211ULL;
        }
        g->rows++;
    }
}

static void test_generator_schema_and_rows(void **state)
{
    opened o;
    sl_batch *b;
    gen_check g = {0};
    int64_t errors = 0;
    static const char *const names[] = {"ts",          "station",          "ph",          "turbidity",
                                        "temperature", "dissolved_oxygen", "conductivity"};

    (void)state;
    assert_int_equal(open_source(sl_generator_source_open, options("rows", "2500", NULL), NULL, &o), SL_OK);
    assert_true(o.bounded);
    assert_int_equal(o.schema->ncols, 7);
    for (int c = 0; c < 7; c++)
        assert_string_equal(o.schema->names[c], names[c]);
    assert_int_equal(o.schema->types[0], SL_TYPE_TIMESTAMP);
    assert_int_equal(o.schema->types[1], SL_TYPE_TEXT);
    assert_int_equal(o.schema->types[6], SL_TYPE_DOUBLE);
    b = sl_batch_new(cx, o.schema, 1000);
    g.prev_ts = INT64_MIN;
    assert_int_equal(drain(sl_generator_source_read, o.state, b, &errors, gen_each, &g), 2500);
    assert_int_equal(g.rows, 2500);
    assert_int_equal(g.out_of_order, 0);
    assert_true(g.excursions > 0 && g.excursions < 100);
    /* 100 ms per row from 2026-01-01 00:00:00 UTC. */
    assert_true(g.prev_ts == INT64_C(1767225600000000) + 2499 * INT64_C(100000));
    assert_int_equal(errors, 0);
    sl_generator_source_close(o.state);

    /* rows = 0: ends at once; absent: unbounded. */
    assert_int_equal(open_source(sl_generator_source_open, options("rows", "0", NULL), NULL, &o), SL_OK);
    b = sl_batch_new(cx, o.schema, 10);
    assert_int_equal(drain(sl_generator_source_read, o.state, b, &errors, NULL, NULL), 0);
    assert_int_equal(open_source(sl_generator_source_open, options(NULL, NULL), NULL, &o), SL_OK);
    assert_false(o.bounded);
}

static void test_generator_determinism(void **state)
{
    gen_check g1 = {0}, g2 = {0}, g3 = {0};
    opened o;
    sl_batch *b;
    int64_t errors = 0;

    (void)state;
    assert_int_equal(
        open_source(sl_generator_source_open, options("rows", "5000", "seed", "42", NULL), NULL, &o), SL_OK);
    b = sl_batch_new(cx, o.schema, 1024);
    drain(sl_generator_source_read, o.state, b, &errors, gen_each, &g1);
    /* Same seed, other batch sizes: the same rows. */
    assert_int_equal(
        open_source(sl_generator_source_open, options("rows", "5000", "seed", "42", NULL), NULL, &o), SL_OK);
    b = sl_batch_new(cx, o.schema, 77);
    drain(sl_generator_source_read, o.state, b, &errors, gen_each, &g2);
    assert_true(g1.hash == g2.hash);
    assert_int_equal(
        open_source(sl_generator_source_open, options("rows", "5000", "seed", "43", NULL), NULL, &o), SL_OK);
    b = sl_batch_new(cx, o.schema, 1024);
    drain(sl_generator_source_read, o.state, b, &errors, gen_each, &g3);
    assert_true(g1.hash != g3.hash);
}

static void test_generator_options(void **state)
{
    opened o;
    sl_batch *b;
    bool eof;
    int64_t errors = 0;
    int late = 0;
    static const char *const bad_names[] = {"x"};
    static const sl_type bad_types[] = {SL_TYPE_BIGINT};

    (void)state;
    assert_int_equal(open_source(sl_generator_source_open,
                                 options("rows", "2000", "stations", "120", "late_fraction", "0.1",
                                         "start_time", "2024-06-01 12:00:00", NULL),
                                 NULL, &o),
                     SL_OK);
    b = sl_batch_new(cx, o.schema, 2000);
    assert_int_equal(sl_generator_source_read(o.state, b, &eof, &errors, &err), SL_OK);
    assert_int_equal(b->nrows, 2000);
    assert_true(eof);
    /* Three digits for 120 stations; row 119 is the last station. */
    assert_int_equal(b->cols[1].v.text[0].len, 11);
    assert_memory_equal(b->cols[1].v.text[0].ptr, "station-001", 11);
    assert_memory_equal(b->cols[1].v.text[119].ptr, "station-120", 11);
    assert_memory_equal(b->cols[1].v.text[120].ptr, "station-001", 11);
    for (int r = 0; r < 2000; r++) {
        int64_t on_time = INT64_C(1717243200000000) + r * INT64_C(100000);
        int64_t ts = b->cols[0].v.i64[r];
        assert_true(ts <= on_time && ts >= on_time - 5000000);
        late += ts < on_time;
    }
    assert_true(late > 120 && late < 280);

    /* Declared columns must be the fixed ones; a bad start_time is named. */
    assert_int_equal(open_source(sl_generator_source_open, options(NULL, NULL),
                                 sl_schema_new(cx, 1, bad_names, bad_types), &o),
                     SL_ERROR);
    assert_string_equal(err.message, "source kind generator has fixed columns");
    assert_int_equal(open_source(sl_generator_source_open, options("start_time", "soon", NULL), NULL, &o),
                     SL_ERROR);
    assert_non_null(strstr(err.message, "start_time"));
}

static void test_generator_rate(void **state)
{
    opened o;
    sl_batch *b;
    bool eof = false;
    int64_t errors = 0, total = 0;
    struct timespec t0, t1;
    double secs;

    (void)state;
    assert_int_equal(
        open_source(sl_generator_source_open, options("rows", "50", "rate", "200", NULL), NULL, &o), SL_OK);
    b = sl_batch_new(cx, o.schema, 1024);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!eof) {
        sl_batch_reset(b);
        assert_int_equal(sl_generator_source_read(o.state, b, &eof, &errors, &err), SL_OK);
        total += b->nrows;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_int_equal(total, 50);
    /* 50 rows at 200/s: about a quarter of a second. */
    assert_true(secs > 0.2 && secs < 1.0);
}

/* ---- file source ---- */

static const char *const wq_names[] = {"ts", "station", "ph"};
static const sl_type wq_types[] = {SL_TYPE_TIMESTAMP, SL_TYPE_TEXT, SL_TYPE_DOUBLE};

typedef struct collected {
    char stations[64][16];
    int n;
} collected;

static void collect(const sl_batch *b, void *arg)
{
    collected *c = arg;

    for (int r = 0; r < b->nrows && c->n < 64; r++, c->n++) {
        if (b->cols[1].nulls[r])
            strcpy(c->stations[c->n], "NULL");
        else
            snprintf(c->stations[c->n], 16, "%.*s", (int)b->cols[1].v.text[r].len, b->cols[1].v.text[r].ptr);
    }
}

static void test_file_glob_order(void **state)
{
    const sl_schema *s = sl_schema_new(cx, 3, wq_names, wq_types);
    opened o;
    sl_batch *b;
    collected c = {0};
    int64_t errors = 0;

    (void)state;
    write_file("b.json", "{\"ts\":\"2026-01-01T00:00:02Z\",\"station\":\"b1\",\"ph\":7}\n"
                         "\n"
                         "{\"station\":\"b2\"}\r\n");
    write_file("a.json",
               "{\"station\":\"a1\"}\nnot json\n{\"station\":\"a2\",\"ph\":\"x\"}\n{\"station\":\"a3\"}");
    write_file("c.json", "{\"station\":\"c1\"}\n");
    write_file("skip.txt", "{\"station\":\"no\"}\n");
    assert_int_equal(open_source(sl_file_source_open, options("path", "*.json", NULL), s, &o), SL_OK);
    assert_true(o.bounded);
    assert_int_equal(o.schema->ncols, 3);
    b = sl_batch_new(cx, o.schema, 2);
    assert_int_equal(drain(sl_file_source_read, o.state, b, &errors, collect, &c), 5);
    assert_int_equal(errors, 2);
    assert_string_equal(c.stations[0], "a1");
    assert_string_equal(c.stations[1], "a3"); /* last line without a newline */
    assert_string_equal(c.stations[2], "b1");
    assert_string_equal(c.stations[3], "b2");
    assert_string_equal(c.stations[4], "c1");
    sl_file_source_close(o.state);
}

static void test_file_errors(void **state)
{
    const sl_schema *s = sl_schema_new(cx, 3, wq_names, wq_types);
    opened o;
    char want[512];

    (void)state;
    assert_int_equal(open_source(sl_file_source_open, options("path", "missing.json", NULL), s, &o),
                     SL_ERROR);
    snprintf(want, sizeof(want), "could not open file \"%s/missing.json\": No such file or directory",
             datadir);
    assert_string_equal(err.message, want);
    assert_string_equal(err.sqlstate, "58030");
    assert_int_equal(open_source(sl_file_source_open, options("path", "nothing*.json", NULL), s, &o),
                     SL_ERROR);
    assert_non_null(strstr(err.message, "no file matches"));
    write_file("x.json", "{}\n");
    assert_int_equal(open_source(sl_file_source_open, options("path", "x.json", NULL), NULL, &o), SL_ERROR);
    assert_string_equal(err.message, "source \"src\" of kind file has no columns");
    /* An absolute path is used as is. */
    snprintf(want, sizeof(want), "%s/x.json", datadir);
    assert_int_equal(open_source(sl_file_source_open, options("path", want, NULL), s, &o), SL_OK);
}

static void test_file_csv_and_big(void **state)
{
    const sl_schema *s = sl_schema_new(cx, 3, wq_names, wq_types);
    opened o;
    sl_batch *b;
    int64_t errors = 0, n;
    int32_t longest = 0;
    char path[512];
    FILE *f;

    (void)state;
    write_file("1.csv", "station,ts,ph\nn1,2026-01-01 00:00:00,7.5\nn2,1767225600,bad\n");
    write_file("2.csv", "ph,station\r\n6.5,n3\r\n");
    assert_int_equal(open_source(sl_file_source_open, options("path", "*.csv", "format", "csv", NULL), s, &o),
                     SL_OK);
    {
        collected c = {0};
        b = sl_batch_new(cx, o.schema, 16);
        assert_int_equal(drain(sl_file_source_read, o.state, b, &errors, collect, &c), 2);
        assert_int_equal(errors, 1);
        assert_string_equal(c.stations[0], "n1");
        assert_string_equal(c.stations[1], "n3");
    }

    /* Many lines (several read buffers) and one line longer than the buffer. */
    snprintf(path, sizeof(path), "%s/big.json", datadir);
    f = fopen(path, "w");
    for (int i = 0; i < 100000; i++)
        fprintf(f, "{\"ts\":%d,\"station\":\"station-%02d\",\"ph\":%d.%02d}\n", 1767225600 + i, i % 10,
                6 + i % 3, i % 100);
    fputs("{\"station\":\"", f);
    for (int i = 0; i < 3000000; i++)
        fputc('x', f);
    fputs("\"}\n", f);
    fclose(f);
    assert_int_equal(open_source(sl_file_source_open, options("path", "big.json", NULL), s, &o), SL_OK);
    b = sl_batch_new(cx, o.schema, 1024);
    errors = 0;
    n = drain(sl_file_source_read, o.state, b, &errors, longest_text, &longest);
    assert_int_equal(n, 100001);
    assert_int_equal(errors, 0);
    /* Seen in whichever batch it came: the read that reports the end may bring no rows. */
    assert_int_equal(longest, 3000000);
}

static void test_file_follow(void **state)
{
    const sl_schema *s = sl_schema_new(cx, 3, wq_names, wq_types);
    opened o;
    sl_batch *b;
    collected c = {0};
    int64_t errors = 0;
    bool eof = false;

    (void)state;
    write_file("log-1.json", "{\"station\":\"f1\"}\n{\"station\":\"f2");
    assert_int_equal(
        open_source(sl_file_source_open, options("path", "log-*.json", "follow", "true", NULL), s, &o),
        SL_OK);
    assert_false(o.bounded);
    b = sl_batch_new(cx, o.schema, 16);
    /* The complete line; the partial one waits for its newline. */
    for (int i = 0; i < 40 && c.n < 1; i++) {
        sl_batch_reset(b);
        assert_int_equal(sl_file_source_read(o.state, b, &eof, &errors, &err), SL_OK);
        collect(b, &c);
    }
    assert_false(eof);
    assert_int_equal(c.n, 1);
    write_file("log-1.json", "\"}\n");
    for (int i = 0; i < 100 && c.n < 2; i++) {
        sl_batch_reset(b);
        assert_int_equal(sl_file_source_read(o.state, b, &eof, &errors, &err), SL_OK);
        collect(b, &c);
    }
    assert_int_equal(c.n, 2);
    assert_string_equal(c.stations[1], "f2");
    /* A new matching file. */
    write_file("log-2.json", "{\"station\":\"g1\"}\n");
    for (int i = 0; i < 100 && c.n < 3; i++) {
        sl_batch_reset(b);
        assert_int_equal(sl_file_source_read(o.state, b, &eof, &errors, &err), SL_OK);
        collect(b, &c);
    }
    assert_int_equal(c.n, 3);
    assert_string_equal(c.stations[2], "g1");
    assert_false(eof);

    /* Truncated and written again (copytruncate): read from the start. */
    {
        char path[512];
        FILE *f;
        snprintf(path, sizeof(path), "%s/log-2.json", datadir);
        f = fopen(path, "w");
        fputs("{\"station\":\"h\"}\n", f);
        fclose(f);
    }
    for (int i = 0; i < 100 && c.n < 4; i++) {
        sl_batch_reset(b);
        assert_int_equal(sl_file_source_read(o.state, b, &eof, &errors, &err), SL_OK);
        collect(b, &c);
    }
    assert_int_equal(c.n, 4);
    assert_string_equal(c.stations[3], "h");

    /* Replaced under the same name (rename + create): the new file is read. */
    {
        char from[512], to[512];
        snprintf(from, sizeof(from), "%s/log-2.json", datadir);
        snprintf(to, sizeof(to), "%s/old-2.txt", datadir);
        assert_int_equal(rename(from, to), 0);
        write_file("log-2.json", "{\"station\":\"r\"}\n");
    }
    for (int i = 0; i < 100 && c.n < 5; i++) {
        sl_batch_reset(b);
        assert_int_equal(sl_file_source_read(o.state, b, &eof, &errors, &err), SL_OK);
        collect(b, &c);
    }
    assert_int_equal(c.n, 5);
    assert_string_equal(c.stations[4], "r");
    assert_int_equal(errors, 0);
    sl_file_source_close(o.state);
}

/* ---- file sink ---- */

static void test_file_sink(void **state)
{
    static const char *const names[] = {"window_start", "station", "avg_ph", "n"};
    static const sl_type types[] = {SL_TYPE_TIMESTAMP, SL_TYPE_TEXT, SL_TYPE_DOUBLE, SL_TYPE_BIGINT};
    const sl_schema *s = sl_schema_new(cx, 4, names, types);
    sl_batch *b = sl_batch_new(cx, s, 4);
    sl_sink_open_args a = {.sink_name = "out",
                           .query_name = "q",
                           .schema = s,
                           .confine = sl_confine_new(cx, datadir, "", &(sl_error){.sqlstate = ""}),
                           .cx = cx};
    void *st;

    (void)state;
    b->nrows = 2;
    b->cols[0].v.i64[0] = INT64_C(1767225660000000);
    b->cols[1].v.text[0] = sl_batch_text(b, "station-01", 10);
    b->cols[2].v.f64[0] = 7.05;
    b->cols[3].v.i64[0] = 600;
    b->cols[0].v.i64[1] = INT64_C(1767225660000000);
    b->cols[1].v.text[1] = sl_batch_text(b, "a,\"b\"", 5);
    b->cols[2].nulls[1] = 1;
    b->cols[3].v.i64[1] = 1;

    for (int round = 0; round < 2; round++) {
        a.options = options("path", "out.json", NULL);
        assert_int_equal(sl_sink_file.open(&a, &st, &err), SL_OK);
        assert_int_equal(sl_sink_file.write(st, b, &err), SL_OK);
        assert_int_equal(sl_sink_file.flush(st, &err), SL_OK);
        sl_sink_file.close(st);
    }
    assert_string_equal(
        read_whole("out.json"),
        "{\"window_start\":\"2026-01-01T00:01:00Z\",\"station\":\"station-01\",\"avg_ph\":7.05,"
        "\"n\":600}\n"
        "{\"window_start\":\"2026-01-01T00:01:00Z\",\"station\":\"a,\\\"b\\\"\",\"avg_ph\":null,"
        "\"n\":1}\n"
        "{\"window_start\":\"2026-01-01T00:01:00Z\",\"station\":\"station-01\",\"avg_ph\":7.05,"
        "\"n\":600}\n"
        "{\"window_start\":\"2026-01-01T00:01:00Z\",\"station\":\"a,\\\"b\\\"\",\"avg_ph\":null,"
        "\"n\":1}\n");

    /* CSV: the header only when the file is new. */
    for (int round = 0; round < 2; round++) {
        a.options = options("path", "out.csv", "format", "csv", NULL);
        assert_int_equal(sl_sink_file.open(&a, &st, &err), SL_OK);
        assert_int_equal(sl_sink_file.write(st, b, &err), SL_OK);
        assert_int_equal(sl_sink_file.flush(st, &err), SL_OK);
        sl_sink_file.close(st);
    }
    assert_string_equal(read_whole("out.csv"), "window_start,station,avg_ph,n\n"
                                               "2026-01-01T00:01:00Z,station-01,7.05,600\n"
                                               "2026-01-01T00:01:00Z,\"a,\"\"b\"\"\",,1\n"
                                               "2026-01-01T00:01:00Z,station-01,7.05,600\n"
                                               "2026-01-01T00:01:00Z,\"a,\"\"b\"\"\",,1\n");

    /* A directory that does not exist: the path and the OS's words. */
    a.options = options("path", "no/such/dir/out.json", NULL);
    assert_int_equal(sl_sink_file.open(&a, &st, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, "58030");
    assert_non_null(strstr(err.message, "no/such/dir/out.json\": No such file or directory"));
    /* Permission denied (unless running as root, which may write anywhere). */
    if (geteuid() != 0) {
        char dir[512];
        snprintf(dir, sizeof(dir), "%s/ro", datadir);
        assert_int_equal(mkdir(dir, 0500), 0);
        a.options = options("path", "ro/out.json", NULL);
        assert_int_equal(sl_sink_file.open(&a, &st, &err), SL_ERROR);
        assert_non_null(strstr(err.message, "Permission denied"));
    }
}

/* The sink's output read back by the file source gives the same rows. */
static void test_sink_to_source(void **state)
{
    const sl_schema *s = sl_schema_new(cx, 3, wq_names, wq_types);
    sl_sink_open_args a = {.sink_name = "out",
                           .query_name = "q",
                           .schema = s,
                           .confine = sl_confine_new(cx, datadir, "", &(sl_error){.sqlstate = ""}),
                           .cx = cx};
    opened gen, src;
    sl_batch *gb, *b;
    void *st;
    bool eof = false;
    int64_t errors = 0, total = 0;
    static const char *const gen_pick[] = {"ts", "station", "ph"};

    (void)state;
    (void)gen_pick;
    assert_int_equal(open_source(sl_generator_source_open, options("rows", "3000", NULL), NULL, &gen), SL_OK);
    gb = sl_batch_new(cx, gen.schema, 1024);
    a.options = options("path", "rt.json", NULL);
    /* The first three generator columns are exactly wq's columns. */
    assert_int_equal(sl_sink_file.open(&a, &st, &err), SL_OK);
    while (!eof) {
        sl_batch_reset(gb);
        assert_int_equal(sl_generator_source_read(gen.state, gb, &eof, &errors, &err), SL_OK);
        assert_int_equal(sl_sink_file.write(st, gb, &err), SL_OK);
    }
    sl_sink_file.close(st);

    assert_int_equal(open_source(sl_file_source_open, options("path", "rt.json", NULL), s, &src), SL_OK);
    b = sl_batch_new(cx, src.schema, 1024);
    assert_int_equal(open_source(sl_generator_source_open, options("rows", "3000", NULL), NULL, &gen), SL_OK);
    eof = false;
    while (!eof) {
        bool geof;
        sl_batch_reset(b);
        assert_int_equal(sl_file_source_read(src.state, b, &eof, &errors, &err), SL_OK);
        if (b->nrows == 0)
            continue;
        sl_batch_reset(gb);
        gb->capacity = b->nrows;
        assert_int_equal(sl_generator_source_read(gen.state, gb, &geof, &errors, &err), SL_OK);
        gb->capacity = 1024;
        assert_int_equal(gb->nrows, b->nrows);
        for (int r = 0; r < b->nrows; r++) {
            assert_true(b->cols[0].v.i64[r] == gb->cols[0].v.i64[r]);
            assert_int_equal(b->cols[1].v.text[r].len, gb->cols[1].v.text[r].len);
            assert_true(b->cols[2].v.f64[r] == gb->cols[2].v.f64[r]);
        }
        total += b->nrows;
    }
    assert_int_equal(total, 3000);
    assert_int_equal(errors, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_generator_schema_and_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generator_determinism, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generator_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generator_rate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_glob_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_csv_and_big, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_follow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_sink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sink_to_source, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
