/*
 * test_xlsx.c - unit tests of the xlsx reader and the XLSX source kind.
 *
 * The fixtures are written at test time by regress/fixtures/make_xlsx.py
 * (openpyxl, XlsxWriter and raw XML through zipfile) into a temporary
 * directory; the water-quality workbooks are compared cell by cell with the
 * CSV the same script writes from the same rows.  The sheet scanner is
 * checked against expat: event by event on small documents (read one byte
 * at a time and more), on random damage to a sheet, and cell by cell on
 * every fixture.  Speed is measured by `make bench` (bench/run), not here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <expat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zip.h>

#include "sluice/batch.h"
#include "server/connectors/builtin.h"
#include "server/connectors/registry.h"
#include "sources/sources.h"
#include "sluice/types.h"
#include "formats/xlsx_reader.h"
#include "formats/xlsx_sheet_scan.h"

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
    sl_connectors_register_builtin();
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
                                .confine = sl_confine_new(root, dir, "", err),
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
    /* absurd serials are clamped, not overflowed (found by fuzz/fuzz_xlsx) */
    assert_int_equal(sl_xlsx_serial_to_us(-1e300, false), sl_xlsx_serial_to_us(-1e8, false));
    assert_int_equal(sl_xlsx_serial_to_us(1e300, true), sl_xlsx_serial_to_us(1e8, true));
    assert_int_equal(sl_xlsx_serial_to_us(NAN, false), sl_xlsx_serial_to_us(-1e8, false));
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

/* ---- the sheet scanner ---- */

/* In-memory input handed out chunk bytes at a time. */
typedef struct memin {
    const char *data;
    size_t len, pos, chunk;
} memin;

static int64_t memin_read(void *ud, char *buf, size_t cap)
{
    memin *m = ud;
    size_t n = m->len - m->pos;
    if (n > m->chunk)
        n = m->chunk;
    if (n > cap)
        n = cap;
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return (int64_t)n;
}

/* The events of a document as text: <name a=[v]> text </name>. */
typedef struct trace {
    char *buf;
    size_t len, cap;
    sl_xml_scan *scan;
    bool stop_at_end;
} trace;

static void trace_put(trace *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->buf = realloc(t->buf, t->cap);
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

static void trace_start(void *ud, const char *name, int32_t nlen, const sl_xml_attr *atts, int natts)
{
    trace *t = ud;
    trace_put(t, "<", 1);
    trace_put(t, name, (size_t)nlen);
    for (int i = 0; i < natts; i++) {
        trace_put(t, " ", 1);
        trace_put(t, atts[i].name, (size_t)atts[i].nlen);
        trace_put(t, "=[", 2);
        trace_put(t, atts[i].value, (size_t)atts[i].vlen);
        trace_put(t, "]", 1);
    }
    trace_put(t, ">", 1);
}

static void trace_end(void *ud, const char *name, int32_t nlen)
{
    trace *t = ud;
    trace_put(t, "</", 2);
    trace_put(t, name, (size_t)nlen);
    trace_put(t, ">", 1);
    if (t->stop_at_end)
        sl_xml_scan_stop(t->scan);
}

static void trace_text(void *ud, const char *s, int32_t len)
{
    trace_put(ud, s, (size_t)len);
}

static const sl_xml_handlers trace_handlers = {.start = trace_start, .end = trace_end, .text = trace_text};

/*
 * Scans doc with reads of chunk bytes; returns the result, the events in
 * *out (malloc'd) and the error message in msg.
 */
static sl_xml_scan_result scan_doc(const char *doc, size_t len, size_t chunk, bool stop_at_end, char **out,
                                   char *msg, size_t msgsize)
{
    sl_mcxt *cx = sl_mcxt_create(root, "scan");
    memin m = {.data = doc, .len = len, .chunk = chunk};
    trace t = {.stop_at_end = stop_at_end};
    t.scan = sl_xml_scan_create(cx, chunk);
    sl_xml_scan_reset(t.scan, memin_read, &m, &trace_handlers, &t);
    trace_put(&t, "", 0);
    sl_xml_scan_result r;
    while ((r = sl_xml_scan_run(t.scan)) == SL_XML_SCAN_STOPPED)
        assert_true(stop_at_end);
    if (msg)
        snprintf(msg, msgsize, "%s", sl_xml_scan_error(t.scan));
    sl_mcxt_delete(cx);
    *out = t.buf;
    return r;
}

/* expat's events for the same document (expat splits text; the trace joins it) */
static void XMLCALL ex_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    sl_xml_attr a[64];
    int n = 0;
    for (; atts[2 * n] && n < 64; n++) {
        a[n].name = atts[2 * n];
        a[n].nlen = (int32_t)strlen(atts[2 * n]);
        a[n].value = atts[2 * n + 1];
        a[n].vlen = (int32_t)strlen(atts[2 * n + 1]);
    }
    trace_start(ud, name, (int32_t)strlen(name), a, n);
}

static void XMLCALL ex_end(void *ud, const XML_Char *name)
{
    trace_end(ud, name, (int32_t)strlen(name));
}

static void XMLCALL ex_text(void *ud, const XML_Char *s, int len)
{
    trace_text(ud, s, len);
}

static bool expat_doc(const char *doc, size_t len, char **out)
{
    XML_Parser p = XML_ParserCreate("UTF-8");
    trace t = {0};
    trace_put(&t, "", 0);
    XML_SetUserData(p, &t);
    XML_SetElementHandler(p, ex_start, ex_end);
    XML_SetCharacterDataHandler(p, ex_text);
    bool ok = XML_Parse(p, doc, (int)len, 1) == XML_STATUS_OK;
    XML_ParserFree(p);
    *out = t.buf;
    return ok;
}

/* A well-formed document: same events as expat, whatever the read size. */
static void check_same_as_expat(const char *doc)
{
    size_t len = strlen(doc);
    char *want, *got;
    assert_true(expat_doc(doc, len, &want));
    static const size_t chunks[] = {1, 2, 3, 7, 64, 65536};
    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        char msg[200];
        sl_xml_scan_result r = scan_doc(doc, len, chunks[i], i % 2 == 1, &got, msg, sizeof(msg));
        if (r != SL_XML_SCAN_END || strcmp(got, want) != 0)
            fail_msg("chunk %zu: %s\n  got  %s\n  want %s\n  doc  %s", chunks[i], msg, got, want, doc);
        free(got);
    }
    free(want);
}

/* A malformed document: an error mentioning why, with any read size. */
static void check_malformed(const char *doc, size_t len, const char *why)
{
    static const size_t chunks[] = {1, 5, 65536};
    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        char msg[200], *got;
        sl_xml_scan_result r = scan_doc(doc, len, chunks[i], false, &got, msg, sizeof(msg));
        free(got);
        if (r != SL_XML_SCAN_MALFORMED || !strstr(msg, why))
            fail_msg("chunk %zu: result %d, message \"%s\", expected \"%s\" for %.200s", chunks[i], (int)r,
                     msg, why, doc);
    }
}

static void test_scan_wellformed(void **state)
{
    (void)state;
    /* a sheet like XlsxWriter's, then the odd things producers (or people) write */
    check_same_as_expat("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
                        "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
                        "<sheetData><row r=\"1\" spans=\"1:2\"><c r=\"A1\" t=\"s\"><v>0</v></c>"
                        "<c r=\"B1\" s=\"1\"><v>45352.0001157407</v></c></row></sheetData></worksheet>");
    /* prefixes, either quote, spaces around =, attributes in any order, self-closing cells */
    check_same_as_expat(
        "<x:worksheet xmlns:x='urn:x'><x:sheetData><x:row r = '2' ><x:c s='3' r=\"B2\" t='n'/>"
        "<x:c t=\"inlineStr\" r='C2'><x:is><x:t>a</x:t></x:is></x:c></x:row ></x:sheetData>"
        "</x:worksheet >");
    /* entities and character references, in text and attribute values */
    check_same_as_expat(
        "<a b=\"&lt;&amp;&gt;&quot;&apos;&#65;&#x42;&#xe9;&#x1F600;\">&lt;x&gt; &amp; &quot;q&quot; "
        "&apos;&#10;&#x20AC;&#128512;</a>");
    /* line ends: CR LF and CR become LF; TAB, CR, LF in attribute values become spaces */
    check_same_as_expat("<a v=\"1\t2\r\n3\r4\n5&#13;&#10;\">x\r\ny\rz\n\r\n</a>");
    /* rich text runs, formulas, comments, processing instructions, CDATA */
    check_same_as_expat("<!-- lead --><?pi data?><r><c><f>SUM(A1:A2)</f><v>3</v></c><!-- in - side -->"
                        "<is><r><rPr><b/></rPr><t xml:space=\"preserve\"> a </t></r><r><t>b</t></r></is>"
                        "<t><![CDATA[<not> & markup ]] > ]]></t><?x?></r><!-- tail -->\n");
    /* UTF-8: two, three and four bytes, a BOM */
    check_same_as_expat("\xEF\xBB\xBF<a n=\"caf\xC3\xA9\">\xE2\x82\xAC \xF0\x9F\x98\x80 \xC3\xA9</a>");
    /* names with digits, dots, dashes, underscores; empty values; > in text */
    check_same_as_expat("<a_1.b-c d=\"\" e=''>1 > 0</a_1.b-c>");
    /* a long text that crosses many reads */
    char *big = malloc(300000);
    strcpy(big, "<a><t>");
    size_t n = strlen(big);
    for (int i = 0; i < 20000; i++)
        n += (size_t)sprintf(big + n, "%d&amp;", i % 10);
    strcpy(big + n, "</t></a>");
    check_same_as_expat(big);
    free(big);
}

static void test_scan_malformed(void **state)
{
    (void)state;
#define BAD(doc, why) check_malformed(doc, sizeof(doc) - 1, why)
    BAD("", "no document element");
    BAD("   ", "no document element");
    BAD("<a>", "\"a\" is not closed");
    BAD("<a><b></a>", "mismatched tag");
    BAD("<a></b>", "mismatched tag");
    BAD("</a>", "without a start tag");
    BAD("<a/><b/>", "junk after the document element");
    BAD("<a/>x", "junk after the document element");
    BAD("x<a/>", "text before the document element");
    /* truncated tags */
    BAD("<a><c r=\"A1\"", "unexpected end of data");
    BAD("<a><c r=\"A1", "unexpected end of data");
    BAD("<a><", "unexpected end of data");
    BAD("<a></a", "unexpected end of data");
    BAD("<a><!-- x", "unexpected end of data");
    BAD("<a><![CDATA[x", "unexpected end of data");
    /* attributes */
    BAD("<a b=1/>", "quoted value expected");
    BAD("<a b/>", "\"=\" expected");
    BAD("<a b=\"1\"c=\"2\"/>", "white space expected");
    BAD("<a b=\"1\" b=\"2\"/>", "duplicate attribute");
    BAD("<a b=\"<\"/>", "\"<\" in an attribute value");
    BAD("<a b=\"&foo;\"/>", "undefined entity");
    BAD("<a b=\"&amp\"/>", "unterminated entity");
    BAD("<a / >", "\"/\" not followed by");
    /* names */
    BAD("<1a/>", "a name was expected");
    BAD("< a/>", "a name was expected");
    BAD("<a></ a>", "a name was expected");
    /* text */
    BAD("<a>&bogus;</a>", "undefined entity");
    BAD("<a>&amp</a>", "unterminated entity");
    BAD("<a>&#0;</a>", "invalid character");
    BAD("<a>&#xD800;</a>", "invalid character");
    BAD("<a>&#x110000;</a>", "out of range");
    BAD("<a>&#12a;</a>", "malformed character reference");
    BAD("<a>&#x;</a>", "malformed character reference");
    BAD("<a>]]></a>", "\"]]>\" in text");
    BAD("<a>\x01</a>", "control character");
    BAD("<a>\xC3</a>", "invalid UTF-8");
    BAD("<a>\xC0\xAF</a>", "invalid UTF-8");
    BAD("<a>\xED\xA0\x80</a>", "invalid UTF-8");
    BAD("<a>\xEF\xBF\xBE</a>", "invalid UTF-8");
    BAD("<a>\xF4\x90\x80\x80</a>", "invalid UTF-8");
    BAD("<a>\x00</a>", "control character");
    /* comments, declarations, CDATA */
    BAD("<a><!-- a -- b --></a>", "\"--\" in a comment");
    BAD("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", "document type declarations are not allowed");
    BAD("<a/><![CDATA[x]]>", "CDATA section outside");
    BAD("<a><!x></a>", "malformed markup");
    BAD("<a><?xml version=\"1.0\"?></a>", "XML declaration not at the start");
    BAD("<a><?"
        "?></a>",
        "a name was expected");
    BAD("<a><?x-y?z?></a>", "malformed processing instruction");
    BAD("<?xml?><a/>", "without a version");
    BAD("<?xml version=\"\"?><a/>", "malformed XML declaration");
    BAD("<?XML version=\"1.0\"?><a/>", "reserved processing instruction name");
    BAD("<?xml encoding=\"UTF-8\" version=\"1.0\"?><a/>", "malformed XML declaration");
    BAD("<?xml version=\"1.0\" standalone=\"maybe\"?><a/>", "malformed XML declaration");
    BAD(" <?xml version=\"1.0\"?><a/>", "XML declaration not at the start");
    /* limits */
    char deep[256 * 3 + 16] = "";
    for (int i = 0; i < 257; i++)
        strcat(deep, "<a>");
    check_malformed(deep, strlen(deep), "nested more than");
#undef BAD

    /* a huge attribute value, a huge unterminated one, a huge name */
    size_t n = SL_XML_SCAN_MAX_TOKEN + 100;
    char *doc = malloc(n + 16);
    memcpy(doc, "<a b=\"", 6);
    memset(doc + 6, 'x', n - 6);
    memcpy(doc + n, "\"/>", 4);
    check_malformed(doc, n + 3, "longer than");
    check_malformed(doc, n, "longer than");
    doc[0] = '<';
    memset(doc + 1, 'n', 1000);
    memcpy(doc + 1001, "/>", 3);
    check_malformed(doc, 1003, "name longer than");
    free(doc);
}

/* Random damage to a sheet: the scanner must never crash (ASan, valgrind),
 * and must agree with expat about well-formedness. */
static void test_scan_mutations(void **state)
{
    (void)state;
    static const char base[] =
        "<?xml version=\"1.0\"?>\n<worksheet xmlns:r=\"urn:r\"><sheetData>"
        "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>caf\xC3\xA9 &amp; &#x41;</t></is></c>"
        "<c r=\"B1\" s=\"1\"><f>A1</f><v>1.5</v></c><!-- note --><c r='C1'/></row>"
        "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v></c><c r=\"B2\"><v><![CDATA[2]]></v></c></row>"
        "</sheetData></worksheet>";
    size_t blen = sizeof(base) - 1;
    char doc[sizeof(base) + 8];
    unsigned seed = 12345;
    int disagree = 0;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(doc, base, blen);
        size_t len = blen;
        int edits = 1 + iter % 3;
        for (int k = 0; k < edits && len > 0; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % len;
            seed = seed * 1103515245u + 12345u;
            switch ((seed >> 16) % 4) {
            case 0: /* a byte changed to one that matters to XML */
                doc[at] = "<>&;\"'/=!?-[]x \r\n\x80\xC3#"[(seed >> 4) % 21];
                break;
            case 1: /* a byte removed */
                memmove(doc + at, doc + at + 1, len - at - 1);
                len--;
                break;
            case 2: /* truncated */
                len = at;
                break;
            default: /* a byte flipped */
                doc[at] ^= (char)(1 << ((seed >> 4) % 8));
                break;
            }
        }
        char *got, *want;
        sl_xml_scan_result r = scan_doc(doc, len, 1 + iter % 13, false, &got, NULL, 0);
        bool ok = expat_doc(doc, len, &want);
        if ((r == SL_XML_SCAN_END) != ok || (ok && strcmp(got, want) != 0)) {
            if (disagree++ < 20)
                fprintf(stderr, "scanner %d, expat %d on: %.*s\n", (int)r, ok, (int)len, doc);
        }
        free(got);
        free(want);
    }
    assert_int_equal(disagree, 0);
}

/* ---- the scanner against expat on every fixture ---- */

static void compare_readers(const char *file)
{
    sl_xlsx *a, *b;
    sl_error err;
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    assert_int_equal(sl_xlsx_open(root, path, file, NULL, &a, &err), SL_OK);
    int nsheets = sl_xlsx_sheet_count(a);
    sl_xlsx_close(a);
    for (int s = 1; s <= nsheets; s++) {
        char sheet[16];
        snprintf(sheet, sizeof(sheet), "%d", s);
        assert_int_equal(sl_xlsx_open(root, path, file, sheet, &a, &err), SL_OK);
        assert_int_equal(sl_xlsx_open(root, path, file, sheet, &b, &err), SL_OK);
        assert_int_equal(sl_xlsx_use_expat(b, true, &err), SL_OK);
        for (int64_t n = 0;; n++) {
            const sl_xlsx_row *ra, *rb;
            assert_int_equal(sl_xlsx_next(a, &ra, &err), SL_OK);
            assert_int_equal(sl_xlsx_next(b, &rb, &err), SL_OK);
            if (!ra || !rb) {
                assert_null(ra);
                assert_null(rb);
                break;
            }
            assert_int_equal(ra->number, rb->number);
            assert_int_equal(ra->ncells, rb->ncells);
            for (int i = 0; i < ra->ncells; i++) {
                const sl_xlsx_cell *ca = &ra->cells[i], *cb = &rb->cells[i];
                assert_int_equal(ca->kind, cb->kind);
                switch (ca->kind) {
                case SL_XLSX_TEXT:
                case SL_XLSX_ERROR:
                    assert_int_equal(ca->len, cb->len);
                    assert_memory_equal(ca->text, cb->text, (size_t)ca->len);
                    break;
                case SL_XLSX_DATE:
                    assert_int_equal(ca->ts, cb->ts);
                    /* fall through */
                case SL_XLSX_NUMBER:
                case SL_XLSX_BOOL:
                    assert_memory_equal(&ca->num, &cb->num, sizeof(double)); /* bit for bit */
                    break;
                case SL_XLSX_EMPTY:
                    break;
                }
            }
        }
        sl_xlsx_close(a);
        sl_xlsx_close(b);
    }
}

static void test_scan_vs_expat_fixtures(void **state)
{
    (void)state;
    static const char *const files[] = {
        "water_openpyxl.xlsx", "water_xlsxwriter.xlsx", "edge_openpyxl.xlsx", "edge_xlsxwriter.xlsx",
        "dates1904.xlsx",      "handmade.xlsx",         "prefixed.xlsx",      "big.xlsx"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        compare_readers(files[i]);
}

/* A workbook of one sheet whose XML is sheet (the reader needs no more parts). */
static void write_sheet_xlsx(const char *path, const char *sheet, size_t len)
{
    static const char wb[] =
        "<workbook xmlns:r=\"urn:r\"><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/>"
        "</sheets></workbook>";
    int zerr;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    assert_non_null(z);
    zip_source_t *s1 = zip_source_buffer(z, wb, sizeof(wb) - 1, 0);
    assert_true(zip_file_add(z, "xl/workbook.xml", s1, 0) >= 0);
    zip_source_t *s2 = zip_source_buffer(z, sheet, len, 0);
    assert_true(zip_file_add(z, "xl/worksheets/sheet1.xml", s2, 0) >= 0);
    assert_int_equal(zip_close(z), 0);
}

/* Malformed sheet XML through the reader: 58030 naming the file and the part. */
static void test_scan_reader_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row><row r=\"2\"><c r=\"A2\"><v>2</v>",
        "<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row><row r=\"2\"><c r=\"A2\" t=\"s",
        "<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row><row r=\"2\"><c "
        "r=\"A2\"><v>&x;</v></c>",
        "<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row><row r=\"2\"></c></row>",
    };
    char path[512];
    snprintf(path, sizeof(path), "%s/bad_sheet.xlsx", dir);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sl_xlsx *x;
        sl_error err;
        const sl_xlsx_row *row;
        write_sheet_xlsx(path, bad[i], strlen(bad[i]));
        assert_int_equal(sl_xlsx_open(root, path, "bad_sheet.xlsx", NULL, &x, &err), SL_OK);
        assert_int_equal(sl_xlsx_next(x, &row, &err), SL_OK); /* row 1 is fine */
        assert_true(row->cells[0].num == 1);
        assert_int_equal(sl_xlsx_next(x, &row, &err), SL_ERROR);
        assert_string_equal(err.sqlstate, "58030");
        assert_non_null(strstr(err.message, "malformed XML in sheet \"S\" of file \"bad_sheet.xlsx\""));
        assert_non_null(strstr(err.message, "xl/worksheets/sheet1.xml"));
        /* the error sticks */
        assert_int_equal(sl_xlsx_next(x, &row, &err), SL_ERROR);
        sl_xlsx_close(x);
    }

    /* the same sheet, well-formed, with what the scanner must handle */
    static const char good[] =
        "\xEF\xBB\xBF<?xml version='1.0'?><!-- c --><x:worksheet xmlns:x=\"urn:x\"><x:sheetData>"
        "<x:row r='1'><x:c t='inlineStr' "
        "r='B1'><x:is><x:r><x:t>a&amp;</x:t></x:r><x:r><x:t>b_x000D_</x:t></x:r>"
        "</x:is></x:c><x:c s = '0' "
        "t=\"str\"><x:f>1</x:f><x:v>&#x3C;</x:v></x:c><x:c><x:v><![CDATA[7]]></x:v></x:c>"
        "</x:row></x:sheetData></x:worksheet>";
    sl_xlsx *x;
    sl_error err;
    const sl_xlsx_row *row;
    write_sheet_xlsx(path, good, sizeof(good) - 1);
    assert_int_equal(sl_xlsx_open(root, path, "bad_sheet.xlsx", NULL, &x, &err), SL_OK);
    assert_int_equal(sl_xlsx_next(x, &row, &err), SL_OK);
    assert_int_equal(row->ncells, 4);
    assert_int_equal(row->cells[0].kind, SL_XLSX_EMPTY);
    assert_int_equal(row->cells[1].len, 4);
    assert_memory_equal(row->cells[1].text, "a&b\r", 4);
    assert_int_equal(row->cells[2].len, 1);
    assert_memory_equal(row->cells[2].text, "<", 1);
    assert_true(row->cells[3].num == 7);
    assert_int_equal(sl_xlsx_next(x, &row, &err), SL_OK);
    assert_null(row);
    sl_xlsx_close(x);
    compare_readers("bad_sheet.xlsx");
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
        cmocka_unit_test_setup_teardown(test_scan_wellformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_mutations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_vs_expat_fixtures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_reader_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
