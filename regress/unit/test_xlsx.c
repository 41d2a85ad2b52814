/*
 * test_xlsx.c - unit tests of the xlsx reader and the XLSX source kind.
 *
 * The fixtures are written at test time by regress/fixtures/make_xlsx.py
 * (openpyxl, XlsxWriter and raw XML through zipfile) into a temporary
 * directory; the water-quality workbooks are compared cell by cell with the
 * CSV the same script writes from the same rows.
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
#include <time.h>

#include "sluice/batch.h"
#include "sluice/connector.h"
#include "sluice/types.h"
#include "xlsx_reader.h"

#define BIG_ROWS 200000

static char dir[256];
static sl_mcxt *root;

/* ---- helpers ---- */

static int setup_all(void **state)
{
    (void)state;
    const char *src = getenv("SL_SRCDIR");
    char cmd[1024];
    strcpy(dir, "/tmp/sl_xlsx_XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s/regress/fixtures/make_xlsx.py %s --big %d",
             src ? src : ".", dir, BIG_ROWS);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not run %s\n", cmd);
        return -1;
    }
    sl_sources_register_builtin();
    return 0;
}

static int teardown_all(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int setup(void **state)
{
    (void)state;
    root = sl_mcxt_create(NULL, "test");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sl_mcxt_delete(root);
    return 0;
}

typedef struct opened {
    void *state;
    const sl_schema *schema;
    bool bounded;
    sl_batch *batch;
} opened;

/* Opens the XLSX source over file with "name=value" options (NULL-ended). */
static sl_status open_src(opened *o, const sl_schema *declared, sl_error *err, const char *file, ...)
{
    const sl_source_kind *kind = sl_source_kind_find("xlsx");
    const sl_option_decl *const decls[] = {kind->options, sl_source_framework_options, NULL};
    const char *names[16], *texts[16];
    int n = 0, bad;
    bool bad_value;
    va_list ap;
    sl_options opts;

    names[n] = "path";
    texts[n++] = file;
    va_start(ap, file);
    for (const char *kv; (kv = va_arg(ap, const char *)) != NULL;) {
        const char *eq = strchr(kv, '=');
        names[n] = sl_pstrndup(root, kv, (size_t)(eq - kv));
        texts[n++] = eq + 1;
    }
    va_end(ap);
    assert_int_equal(sl_options_build(decls, "source kind xlsx", n, names, texts, true, root, &opts, &bad,
                                      &bad_value, err),
                     SL_OK);
    sl_source_open_args args = {.source_name = "s",
                                .query_name = "q",
                                .options = &opts,
                                .schema = declared,
                                .datadir = dir,
                                .cx = root,
                                .schema_out = &o->schema,
                                .bounded_out = &o->bounded};
    memset(o, 0, sizeof(*o));
    sl_status st = sl_xlsx_source_open(&args, &o->state, err);
    if (st == SL_OK)
        o->batch = sl_batch_new(root, o->schema, SL_BATCH_ROWS);
    return st;
}

/* Reads until eof (or max rows); returns rows read, adds decode errors. */
static int read_all(opened *o, int64_t *errors, int max)
{
    sl_error err;
    bool eof = false;
    int total = 0;
    while (!eof && total < max) {
        sl_batch_reset(o->batch);
        assert_int_equal(sl_xlsx_source_read(o->state, o->batch, &eof, errors, &err), SL_OK);
        total += o->batch->nrows;
    }
    return total;
}

static int64_t ts_of(int y, int mo, int d, int h, int mi, int s, int ms)
{
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s};
    return (int64_t)timegm(&tm) * 1000000 + (int64_t)ms * 1000;
}

static void check_text(const sl_vector *v, int r, const char *want)
{
    assert_false(v->nulls[r]);
    assert_int_equal(v->v.text[r].len, (int)strlen(want));
    assert_memory_equal(v->v.text[r].ptr, want, strlen(want));
}

static void check_double(double got, double want)
{
    assert_true(fabs(got - want) <= 1e-12 * fabs(want) + 1e-300);
}

/* ---- pure functions ---- */

static void test_format_is_date(void **state)
{
    (void)state;
    assert_true(sl_xlsx_format_is_date("yyyy-mm-dd"));
    assert_true(sl_xlsx_format_is_date("yyyy\\-mm\\-dd\\ hh:mm:ss"));
    assert_true(sl_xlsx_format_is_date("YYYY\\-MM\\-DD"));
    assert_true(sl_xlsx_format_is_date("[h]:mm:ss"));
    assert_true(sl_xlsx_format_is_date("[HH]"));
    assert_true(sl_xlsx_format_is_date("[$-409]d-mmm-yy;@"));
    assert_true(sl_xlsx_format_is_date("[Red]hh:mm"));
    assert_false(sl_xlsx_format_is_date("General"));
    assert_false(sl_xlsx_format_is_date("0.00"));
    assert_false(sl_xlsx_format_is_date("[Red]0.00"));
    assert_false(sl_xlsx_format_is_date("#,##0 \"days\""));
    assert_false(sl_xlsx_format_is_date("0\\d"));
    assert_false(sl_xlsx_format_is_date("_-* #,##0.00_-;-* #,##0.00_-"));
    assert_false(sl_xlsx_format_is_date("[>=100]0;0.0"));
    assert_false(sl_xlsx_format_is_date("0.00E+00"));
    assert_false(sl_xlsx_format_is_date("@"));
    assert_true(sl_xlsx_builtin_is_date(14));
    assert_true(sl_xlsx_builtin_is_date(22));
    assert_true(sl_xlsx_builtin_is_date(46));
    assert_false(sl_xlsx_builtin_is_date(0));
    assert_false(sl_xlsx_builtin_is_date(49));
}

static void test_serial(void **state)
{
    (void)state;
    assert_int_equal(sl_xlsx_serial_to_us(25569, false), 0);
    assert_int_equal(sl_xlsx_serial_to_us(1, false), ts_of(1900, 1, 1, 0, 0, 0, 0));
    assert_int_equal(sl_xlsx_serial_to_us(59, false), ts_of(1900, 2, 28, 0, 0, 0, 0));
    assert_int_equal(sl_xlsx_serial_to_us(60, false), ts_of(1900, 3, 1, 0, 0, 0, 0));
    assert_int_equal(sl_xlsx_serial_to_us(61, false), ts_of(1900, 3, 1, 0, 0, 0, 0));
    assert_int_equal(sl_xlsx_serial_to_us(45352.5, false), ts_of(2024, 3, 1, 12, 0, 0, 0));
    /* 15 significant digits round to the millisecond */
    assert_int_equal(sl_xlsx_serial_to_us(45352.5001426274, false), ts_of(2024, 3, 1, 12, 0, 12, 323));
    assert_int_equal(sl_xlsx_serial_to_us(0, true), ts_of(1904, 1, 1, 0, 0, 0, 0));
    assert_int_equal(sl_xlsx_serial_to_us(24107, true), 0);
}

/* ---- the water workbooks against the CSV ---- */

static void check_water(const char *file)
{
    opened o;
    sl_error err;
    int64_t errors = 0;
    static const char *const names[] = {"ts",          "station",          "ph",          "turbidity",
                                        "temperature", "dissolved_oxygen", "conductivity"};
    static const sl_type types[] = {SL_TYPE_TIMESTAMP, SL_TYPE_TEXT,   SL_TYPE_DOUBLE, SL_TYPE_DOUBLE,
                                    SL_TYPE_DOUBLE,    SL_TYPE_DOUBLE, SL_TYPE_BIGINT};

    assert_int_equal(open_src(&o, NULL, &err, file, "sheet=readings", NULL), SL_OK);
    assert_true(o.bounded);
    assert_int_equal(o.schema->ncols, 7);
    for (int i = 0; i < 7; i++) {
        assert_string_equal(o.schema->names[i], names[i]);
        assert_int_equal(o.schema->types[i], types[i]);
    }

    char path[512], line[512];
    snprintf(path, sizeof(path), "%s/water.csv", dir);
    FILE *csv = fopen(path, "r");
    assert_non_null(csv);
    assert_non_null(fgets(line, sizeof(line), csv)); /* header */

    bool eof = false;
    int rows = 0, nulls = 0;
    while (!eof) {
        sl_batch_reset(o.batch);
        assert_int_equal(sl_xlsx_source_read(o.state, o.batch, &eof, &errors, &err), SL_OK);
        for (int r = 0; r < o.batch->nrows; r++, rows++) {
            assert_non_null(fgets(line, sizeof(line), csv));
            line[strcspn(line, "\n")] = '\0';
            char *fields[7], *p = line;
            for (int f = 0; f < 7; f++) {
                fields[f] = p;
                p = strchr(p, ',');
                if (p)
                    *p++ = '\0';
                else
                    assert_int_equal(f, 6);
            }
            int y, mo, d, h, mi, s, ms;
            assert_int_equal(sscanf(fields[0], "%d-%d-%d %d:%d:%d.%d", &y, &mo, &d, &h, &mi, &s, &ms), 7);
            assert_false(o.batch->cols[0].nulls[r]);
            assert_int_equal(o.batch->cols[0].v.i64[r], ts_of(y, mo, d, h, mi, s, ms));
            check_text(&o.batch->cols[1], r, fields[1]);
            for (int c = 2; c < 7; c++) {
                const sl_vector *v = &o.batch->cols[c];
                if (fields[c][0] == '\0') {
                    assert_true(v->nulls[r]);
                    nulls++;
                } else if (c == 6) {
                    assert_false(v->nulls[r]);
                    assert_int_equal(v->v.i64[r], atoll(fields[c]));
                } else {
                    assert_false(v->nulls[r]);
                    check_double(v->v.f64[r], strtod(fields[c], NULL));
                }
            }
        }
    }
    assert_null(fgets(line, sizeof(line), csv));
    fclose(csv);
    assert_int_equal(rows, 3000);
    assert_true(nulls > 100);
    assert_int_equal(errors, 0);
    sl_xlsx_source_close(o.state);
}

static void test_water_openpyxl(void **state)
{
    (void)state;
    check_water("water_openpyxl.xlsx");
}

static void test_water_xlsxwriter(void **state)
{
    (void)state;
    check_water("water_xlsxwriter.xlsx");
}

/* the reader itself: shared strings vs inline strings */
static void test_reader_producers(void **state)
{
    (void)state;
    sl_xlsx *x;
    sl_error err;
    char path[512];
    const sl_xlsx_row *row;

    snprintf(path, sizeof(path), "%s/water_xlsxwriter.xlsx", dir);
    assert_int_equal(sl_xlsx_open(root, path, "w.xlsx", NULL, &x, &err), SL_OK);
    assert_true(sl_xlsx_shared_count(x) >= 5 + 7);
    assert_int_equal(sl_xlsx_sheet_count(x), 2);
    assert_string_equal(sl_xlsx_sheet_name(x, 1), "notes");
    assert_string_equal(sl_xlsx_current_sheet(x), "readings");
    assert_false(sl_xlsx_date1904(x));
    assert_int_equal(sl_xlsx_next(x, &row, &err), SL_OK);
    assert_int_equal(row->number, 1);
    assert_int_equal(row->ncells, 7);
    sl_xlsx_close(x);

    snprintf(path, sizeof(path), "%s/water_openpyxl.xlsx", dir);
    assert_int_equal(sl_xlsx_open(root, path, "w.xlsx", "2", &x, &err), SL_OK);
    assert_int_equal(sl_xlsx_shared_count(x), 0);
    assert_string_equal(sl_xlsx_current_sheet(x), "notes");
    assert_int_equal(sl_xlsx_next(x, &row, &err), SL_OK);
    assert_int_equal(row->ncells, 1);
    assert_int_equal(row->cells[0].kind, SL_XLSX_TEXT);
    assert_int_equal(row->cells[0].len, 12);
    assert_memory_equal(row->cells[0].text, "nothing here", 12);
    assert_int_equal(sl_xlsx_next(x, &row, &err), SL_OK);
    assert_null(row);
    /* rewind starts the sheet again */
    assert_int_equal(sl_xlsx_rewind(x, &err), SL_OK);
    assert_int_equal(sl_xlsx_next(x, &row, &err), SL_OK);
    assert_non_null(row);
    sl_xlsx_close(x);
}

/* ---- edge cases ---- */

static void test_edge_openpyxl(void **state)
{
    (void)state;
    opened o;
    sl_error err;
    int64_t errors = 0;
    static const char *const names[] = {"name",    "flag", "value",    "when",
                                        "elapsed", "red",  "column_7", "name_2"};
    static const sl_type types[] = {SL_TYPE_TEXT,      SL_TYPE_BOOL,   SL_TYPE_DOUBLE, SL_TYPE_TIMESTAMP,
                                    SL_TYPE_TIMESTAMP, SL_TYPE_DOUBLE, SL_TYPE_TEXT,   SL_TYPE_TEXT};

    assert_int_equal(open_src(&o, NULL, &err, "edge_openpyxl.xlsx", NULL), SL_OK);
    assert_int_equal(o.schema->ncols, 8);
    for (int i = 0; i < 8; i++) {
        assert_string_equal(o.schema->names[i], names[i]);
        assert_int_equal(o.schema->types[i], types[i]);
    }
    assert_int_equal(read_all(&o, &errors, 1000), 3);
    /* all rows fit in the first batch: the batch of the last read is empty, read again */
    sl_xlsx_source_close(o.state);

    errors = 0;
    assert_int_equal(open_src(&o, NULL, &err, "edge_openpyxl.xlsx", NULL), SL_OK);
    bool eof;
    assert_int_equal(sl_xlsx_source_read(o.state, o.batch, &eof, &errors, &err), SL_OK);
    assert_true(eof);
    sl_batch *b = o.batch;
    assert_int_equal(b->nrows, 3);
    assert_int_equal(errors, 2); /* #N/A and #DIV/0! */
    check_text(&b->cols[0], 0, "alpha");
    check_text(&b->cols[0], 2, "gamma");
    assert_true(b->cols[1].v.b[0]);
    assert_false(b->cols[1].v.b[1]);
    assert_true(b->cols[1].nulls[2]);
    check_double(b->cols[2].v.f64[0], 1.5);
    assert_true(b->cols[2].nulls[1]);
    assert_true(b->cols[2].nulls[2]);
    assert_int_equal(b->cols[3].v.i64[0], ts_of(2024, 1, 2, 3, 4, 5, 0));
    assert_int_equal(b->cols[3].v.i64[1], ts_of(2023, 12, 31, 23, 59, 59, 0));
    assert_int_equal(b->cols[3].v.i64[2], ts_of(1900, 1, 1, 0, 0, 0, 0));
    /* [h]:mm:ss 1.25 days: a date-styled serial */
    assert_int_equal(b->cols[4].v.i64[0], sl_xlsx_serial_to_us(1.25, false));
    assert_true(b->cols[4].nulls[1]);
    check_double(b->cols[5].v.f64[0], -3.5);
    check_text(&b->cols[6], 0, "x");
    check_text(&b->cols[7], 0, "dup");
    assert_true(b->cols[7].nulls[1]);
    sl_xlsx_source_close(o.state);
}

static void test_edge_xlsxwriter(void **state)
{
    (void)state;
    opened o;
    sl_error err;
    int64_t errors = 0;
    bool eof;

    assert_int_equal(open_src(&o, NULL, &err, "edge_xlsxwriter.xlsx", NULL), SL_OK);
    const sl_schema *s = o.schema;
    assert_int_equal(s->ncols, 7);
    assert_int_equal(s->types[1], SL_TYPE_TEXT); /* 5 and "text result" */
    assert_int_equal(s->types[2], SL_TYPE_TEXT);
    assert_int_equal(s->types[3], SL_TYPE_BOOL);
    assert_int_equal(s->types[4], SL_TYPE_TIMESTAMP);
    assert_int_equal(s->types[5], SL_TYPE_TIMESTAMP);
    assert_int_equal(s->types[6], SL_TYPE_TEXT); /* only an error cell */
    assert_int_equal(sl_xlsx_source_read(o.state, o.batch, &eof, &errors, &err), SL_OK);
    sl_batch *b = o.batch;
    assert_int_equal(b->nrows, 2);
    assert_true(eof);
    assert_int_equal(errors, 1);
    check_text(&b->cols[1], 0, "5");
    check_text(&b->cols[1], 1, "text result");
    check_text(&b->cols[2], 0, "abcdef");
    check_text(&b->cols[2], 1, "alpha");
    assert_true(b->cols[3].v.b[0]);
    assert_false(b->cols[3].v.b[1]);
    assert_int_equal(b->cols[4].v.i64[0], ts_of(2024, 2, 29, 0, 0, 0, 0));
    assert_int_equal(b->cols[4].v.i64[1], ts_of(1999, 12, 31, 0, 0, 0, 0));
    assert_int_equal(b->cols[5].v.i64[0], ts_of(2024, 2, 29, 13, 14, 15, 0));
    assert_int_equal(b->cols[5].v.i64[1], ts_of(2000, 1, 1, 0, 0, 0, 500));
    assert_true(b->cols[6].nulls[0]);
    assert_true(b->cols[6].nulls[1]);
    sl_xlsx_source_close(o.state);
}

static void test_dates1904(void **state)
{
    (void)state;
    opened o;
    sl_error err;
    int64_t errors = 0;
    bool eof;

    assert_int_equal(open_src(&o, NULL, &err, "dates1904.xlsx", NULL), SL_OK);
    assert_int_equal(o.schema->types[0], SL_TYPE_TIMESTAMP);
    assert_int_equal(o.schema->types[1], SL_TYPE_BIGINT);
    assert_int_equal(sl_xlsx_source_read(o.state, o.batch, &eof, &errors, &err), SL_OK);
    assert_int_equal(o.batch->nrows, 3);
    assert_int_equal(o.batch->cols[0].v.i64[0], ts_of(1904, 1, 1, 0, 0, 0, 0));
    assert_int_equal(o.batch->cols[0].v.i64[1], ts_of(2024, 3, 1, 12, 0, 0, 0));
    assert_int_equal(o.batch->cols[0].v.i64[2], 0);
    assert_int_equal(o.batch->cols[1].v.i64[2], 2);
    sl_xlsx_source_close(o.state);
}

static void test_handmade(void **state)
{
    (void)state;
    sl_xlsx *x;
    sl_error err;
    char path[512];
    const sl_xlsx_row *row;

    snprintf(path, sizeof(path), "%s/handmade.xlsx", dir);
    assert_int_equal(sl_xlsx_open(root, path, "handmade.xlsx", "data", &x, &err), SL_OK);
    assert_false(sl_xlsx_date1904(x)); /* "false" */
    /* header: cells without r follow each other */
    assert_int_equal(sl_xlsx_next(x, &row, &err), SL_OK);
    assert_int_equal(row->ncells, 5);
    assert_memory_equal(row->cells[0].text, "id", 2);
    assert_memory_equal(row->cells[4].text, "Flag", 4);
    /* row 2 */
    assert_int_equal(sl_xlsx_next(x, &row, &err), SL_OK);
    assert_int_equal(row->number, 2);
    assert_int_equal(row->cells[0].kind, SL_XLSX_NUMBER);
    assert_int_equal(row->cells[1].len, 10);
    assert_memory_equal(row->cells[1].text, "  padded  ", 10);
    assert_int_equal(row->cells[2].kind, SL_XLSX_NUMBER); /* [Red]0.00 */
    assert_int_equal(row->cells[3].kind, SL_XLSX_DATE);
    assert_int_equal(row->cells[3].ts, ts_of(2024, 3, 1, 12, 0, 12, 323));
    assert_int_equal(row->cells[4].kind, SL_XLSX_BOOL);
    /* row 3 is blank: skipped; row 5 has gaps */
    assert_int_equal(sl_xlsx_next(x, &row, &err), SL_OK);
    assert_int_equal(row->number, 5);
    assert_int_equal(row->ncells, 5);
    assert_int_equal(row->cells[1].kind, SL_XLSX_EMPTY);
    assert_int_equal(row->cells[2].kind, SL_XLSX_NUMBER); /* "y"0: quoted, not a date */
    assert_true(row->cells[2].num == -7);
    assert_int_equal(row->cells[3].kind, SL_XLSX_EMPTY);
    assert_int_equal(row->cells[4].num, 0);
    /* row 6 */
    assert_int_equal(sl_xlsx_next(x, &row, &err), SL_OK);
    assert_int_equal(row->number, 6);
    assert_true(row->cells[0].num == 3);
    assert_int_equal(row->cells[1].len, 9);
    assert_memory_equal(row->cells[1].text, "Rich text", 9); /* runs joined, phonetic run left out */
    assert_int_equal(row->cells[2].kind, SL_XLSX_ERROR);
    assert_memory_equal(row->cells[2].text, "#VALUE!", 7);
    assert_int_equal(row->cells[3].kind, SL_XLSX_DATE);
    assert_int_equal(row->cells[3].ts, ts_of(2024, 3, 1, 10, 0, 0, 0));
    assert_int_equal(row->cells[4].kind, SL_XLSX_TEXT);
    assert_memory_equal(row->cells[4].text, "true", 4);
    /* row 7 */
    assert_int_equal(sl_xlsx_next(x, &row, &err), SL_OK);
    assert_int_equal(row->cells[1].len, 12);
    assert_memory_equal(row->cells[1].text, "line1\r\nline2", 12);
    assert_int_equal(row->cells[2].kind, SL_XLSX_NUMBER); /* 0\d */
    assert_int_equal(row->cells[3].kind, SL_XLSX_DATE);
    assert_int_equal(row->cells[3].ts, ts_of(1900, 3, 1, 0, 0, 0, 0));
    assert_int_equal(row->cells[4].kind, SL_XLSX_EMPTY);
    assert_int_equal(row->cells[5].kind, SL_XLSX_DATE); /* [HH]:MM */
    /* row 8 */
    assert_int_equal(sl_xlsx_next(x, &row, &err), SL_OK);
    assert_int_equal(row->cells[1].len, (int)strlen("caf\xc3\xa9 & <tags>"));
    assert_memory_equal(row->cells[1].text, "caf\xc3\xa9 & <tags>", row->cells[1].len);
    assert_int_equal(row->cells[2].kind, SL_XLSX_TEXT);
    assert_int_equal(row->cells[2].len, 0);
    assert_int_equal(row->cells[3].ts, ts_of(1900, 3, 1, 0, 0, 0, 0)); /* serial 60 */
    assert_int_equal(sl_xlsx_next(x, &row, &err), SL_OK);
    assert_null(row);
    sl_xlsx_close(x);

    /* an empty sheet: no rows */
    assert_int_equal(sl_xlsx_open(root, path, "handmade.xlsx", "Empty", &x, &err), SL_OK);
    assert_int_equal(sl_xlsx_next(x, &row, &err), SL_OK);
    assert_null(row);
    sl_xlsx_close(x);

    /* prefixed element names, date1904="true" */
    snprintf(path, sizeof(path), "%s/prefixed.xlsx", dir);
    assert_int_equal(sl_xlsx_open(root, path, "prefixed.xlsx", NULL, &x, &err), SL_OK);
    assert_true(sl_xlsx_date1904(x));
    assert_int_equal(sl_xlsx_next(x, &row, &err), SL_OK);
    assert_memory_equal(row->cells[0].text, "a", 1);
    assert_int_equal(sl_xlsx_next(x, &row, &err), SL_OK);
    assert_true(row->cells[0].num == 42);
    sl_xlsx_close(x);
}

static void test_handmade_source(void **state)
{
    (void)state;
    opened o;
    sl_error err;
    int64_t errors = 0;
    bool eof;

    assert_int_equal(open_src(&o, NULL, &err, "handmade.xlsx", NULL), SL_OK);
    assert_string_equal(o.schema->names[1], "text");
    assert_int_equal(o.schema->types[0], SL_TYPE_BIGINT);
    assert_int_equal(o.schema->types[1], SL_TYPE_TEXT);
    assert_int_equal(o.schema->types[2], SL_TYPE_DOUBLE);
    assert_int_equal(o.schema->types[3], SL_TYPE_TIMESTAMP);
    assert_int_equal(o.schema->types[4], SL_TYPE_TEXT); /* booleans and the text "true" */
    assert_int_equal(sl_xlsx_source_read(o.state, o.batch, &eof, &errors, &err), SL_OK);
    assert_int_equal(o.batch->nrows, 5);
    assert_int_equal(errors, 1);
    check_text(&o.batch->cols[4], 0, "true");
    check_text(&o.batch->cols[4], 1, "false");
    sl_xlsx_source_close(o.state);

    /* an empty sheet needs declared columns */
    assert_int_equal(open_src(&o, NULL, &err, "handmade.xlsx", "sheet=empty", NULL), SL_ERROR);
    assert_string_equal(err.sqlstate, "22023");
    assert_non_null(strstr(err.message, "handmade.xlsx"));
}

/* ---- errors ---- */

static void test_errors(void **state)
{
    (void)state;
    opened o;
    sl_error err;
    int64_t errors = 0;

    assert_int_equal(open_src(&o, NULL, &err, "missing.xlsx", NULL), SL_ERROR);
    assert_string_equal(err.sqlstate, "58030");
    assert_string_equal(err.message, "could not open file \"missing.xlsx\": No such file or directory");

    assert_int_equal(open_src(&o, NULL, &err, "text.xlsx", NULL), SL_ERROR);
    assert_string_equal(err.sqlstate, "22023");
    assert_string_equal(err.message, "file \"text.xlsx\" is not an xlsx workbook");
    assert_string_equal(err.detail, "It is not a zip archive.");

    assert_int_equal(open_src(&o, NULL, &err, "not_xlsx.xlsx", NULL), SL_ERROR);
    assert_string_equal(err.sqlstate, "22023");
    assert_string_equal(err.message, "file \"not_xlsx.xlsx\" is not an xlsx workbook");
    assert_non_null(strstr(err.detail, "no workbook"));

    assert_int_equal(open_src(&o, NULL, &err, "water_openpyxl.xlsx", "sheet=Sheet9", NULL), SL_ERROR);
    assert_string_equal(err.sqlstate, "22023");
    assert_string_equal(err.message, "sheet \"Sheet9\" does not exist in file \"water_openpyxl.xlsx\"");
    assert_non_null(strstr(err.hint, "\"readings\", \"notes\""));
    assert_int_equal(open_src(&o, NULL, &err, "water_openpyxl.xlsx", "sheet=3", NULL), SL_ERROR);

    /* a damaged zip: at open or, at the latest, while reading */
    sl_status st = open_src(&o, NULL, &err, "corrupt.xlsx", NULL);
    if (st == SL_OK) {
        bool eof = false;
        while (st == SL_OK && !eof) {
            sl_batch_reset(o.batch);
            st = sl_xlsx_source_read(o.state, o.batch, &eof, &errors, &err);
        }
        sl_xlsx_source_close(o.state);
    }
    assert_int_equal(st, SL_ERROR);
    assert_string_equal(err.sqlstate, "58030");
    assert_non_null(strstr(err.message, "\"corrupt.xlsx\""));
}

/* ---- declared columns, no header ---- */

static void test_declared(void **state)
{
    (void)state;
    opened o;
    sl_error err;
    int64_t errors = 0;
    bool eof;
    static const char *const names[] = {"station", "PH", "nothere", "conductivity", "ts"};
    static const sl_type types[] = {SL_TYPE_TEXT, SL_TYPE_DOUBLE, SL_TYPE_BIGINT, SL_TYPE_TEXT,
                                    SL_TYPE_TIMESTAMP};
    sl_schema *decl = sl_schema_new(root, 5, names, types);

    assert_int_equal(open_src(&o, decl, &err, "water_xlsxwriter.xlsx", NULL), SL_OK);
    assert_int_equal(o.schema->ncols, 5);
    assert_string_equal(o.schema->names[1], "PH");
    assert_int_equal(sl_xlsx_source_read(o.state, o.batch, &eof, &errors, &err), SL_OK);
    assert_int_equal(o.batch->nrows, SL_BATCH_ROWS);
    check_text(&o.batch->cols[0], 0, "north");
    check_double(o.batch->cols[1].v.f64[0], 7.92);
    assert_true(o.batch->cols[2].nulls[0]);
    check_text(&o.batch->cols[3], 0, "309");
    assert_int_equal(o.batch->cols[4].v.i64[0], ts_of(2024, 3, 1, 0, 0, 0, 0));
    assert_int_equal(errors, 0);
    sl_xlsx_source_close(o.state);

    /* a text column declared BIGINT: every row is a decode error */
    static const char *const names2[] = {"station", "ph"};
    static const sl_type types2[] = {SL_TYPE_BIGINT, SL_TYPE_DOUBLE};
    decl = sl_schema_new(root, 2, names2, types2);
    assert_int_equal(open_src(&o, decl, &err, "water_openpyxl.xlsx", NULL), SL_OK);
    assert_int_equal(read_all(&o, &errors, 100000), 0);
    assert_int_equal(errors, 3000);
    sl_xlsx_source_close(o.state);
}

static void test_no_header(void **state)
{
    (void)state;
    opened o;
    sl_error err;
    int64_t errors = 0;
    bool eof;

    assert_int_equal(open_src(&o, NULL, &err, "edge_openpyxl.xlsx", "header=false", "sheet=other", NULL),
                     SL_OK);
    assert_int_equal(o.schema->ncols, 2);
    assert_string_equal(o.schema->names[0], "col_1");
    assert_string_equal(o.schema->names[1], "col_2");
    assert_int_equal(o.schema->types[1], SL_TYPE_TEXT); /* "v", 1, 2 */
    assert_int_equal(sl_xlsx_source_read(o.state, o.batch, &eof, &errors, &err), SL_OK);
    assert_int_equal(o.batch->nrows, 3);
    check_text(&o.batch->cols[0], 0, "k");
    check_text(&o.batch->cols[1], 2, "2");
    sl_xlsx_source_close(o.state);
}

/* ---- memory, speed, pacing, loop ---- */

static void test_big_memory(void **state)
{
    (void)state;
    opened o;
    sl_error err;
    int64_t errors = 0;
    bool eof = false;
    size_t early = 0;
    int rows = 0, batches = 0;

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(open_src(&o, NULL, &err, "big.xlsx", NULL), SL_OK);
    assert_int_equal(o.schema->types[0], SL_TYPE_TIMESTAMP);
    assert_int_equal(o.schema->types[6], SL_TYPE_BIGINT);
    while (!eof) {
        sl_batch_reset(o.batch);
        assert_int_equal(sl_xlsx_source_read(o.state, o.batch, &eof, &errors, &err), SL_OK);
        rows += o.batch->nrows;
        if (++batches == 10)
            early = sl_xlsx_source_bytes(o.state);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    size_t late = sl_xlsx_source_bytes(o.state);
    printf(
        "xlsx: %d rows x 7 columns in %.3f s: %.0f rows/s; source memory %zu bytes after 10 batches, %zu at "
        "the end\n",
        rows, secs, rows / secs, early, late);
    assert_int_equal(rows, BIG_ROWS);
    assert_int_equal(errors, 0);
    assert_true(late == early);
    assert_true(late < 1024 * 1024);
    /* the last row */
    int r = o.batch->nrows - 1;
    assert_int_equal(o.batch->cols[6].v.i64[r], 100 + (BIG_ROWS - 1) % 1400);
    sl_xlsx_source_close(o.state);
}

static void test_rate(void **state)
{
    (void)state;
    opened o;
    sl_error err;
    int64_t errors = 0;
    bool eof = false;
    int calls = 0, rows = 0;

    assert_int_equal(open_src(&o, NULL, &err, "water_openpyxl.xlsx", "rate=100", NULL), SL_OK);
    while (rows < 30) {
        sl_batch_reset(o.batch);
        assert_int_equal(sl_xlsx_source_read(o.state, o.batch, &eof, &errors, &err), SL_OK);
        assert_true(o.batch->nrows <= 10); /* the bucket holds a tenth of a second */
        rows += o.batch->nrows;
        calls++;
    }
    assert_true(calls >= 3);
    assert_false(eof);
    sl_xlsx_source_close(o.state);
}

static void test_loop(void **state)
{
    (void)state;
    opened o;
    sl_error err;
    int64_t errors = 0;
    bool eof = false;
    int64_t *ts = malloc(sizeof(int64_t) * 6000);
    int rows = 0;

    assert_int_equal(open_src(&o, NULL, &err, "water_xlsxwriter.xlsx", "loop=true", NULL), SL_OK);
    assert_false(o.bounded);
    while (rows < 6000) {
        sl_batch_reset(o.batch);
        assert_int_equal(sl_xlsx_source_read(o.state, o.batch, &eof, &errors, &err), SL_OK);
        assert_false(eof);
        for (int r = 0; r < o.batch->nrows && rows < 6000; r++)
            ts[rows++] = o.batch->cols[0].v.i64[r];
    }
    int64_t mn = ts[0], mx = ts[0], gap = 0;
    for (int i = 0; i < 3000; i++) {
        if (ts[i] < mn)
            mn = ts[i];
        if (ts[i] > mx)
            mx = ts[i];
        if (i > 0 && ts[i] != ts[i - 1]) {
            int64_t d = llabs(ts[i] - ts[i - 1]);
            if (gap == 0 || d < gap)
                gap = d;
        }
    }
    for (int i = 0; i < 3000; i++)
        assert_int_equal(ts[3000 + i], ts[i] + (mx - mn + gap));
    free(ts);
    sl_xlsx_source_close(o.state);
}

static void test_registered(void **state)
{
    (void)state;
    const sl_source_kind *k = sl_source_kind_find("xlsx");
    assert_non_null(k);
    assert_ptr_equal(k->open, sl_xlsx_source_open);
    assert_ptr_equal(k->read, sl_xlsx_source_read);
    assert_ptr_equal(k->close, sl_xlsx_source_close);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_is_date),
        cmocka_unit_test(test_serial),
        cmocka_unit_test_setup_teardown(test_water_openpyxl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_water_xlsxwriter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_producers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edge_openpyxl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edge_xlsxwriter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dates1904, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handmade, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handmade_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_declared, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loop, setup, teardown),
        cmocka_unit_test(test_registered),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
