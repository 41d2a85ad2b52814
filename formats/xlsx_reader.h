/*
 * xlsx_reader.h - a streaming reader of .xlsx workbooks (libzip, expat and
 * a sheet scanner), which the XLSX source kind (sources/xlsx.c) reads from.
 *
 * The reader opens a workbook, finds a sheet by name or 1-based index
 * through workbook.xml and its relationships (never by file name), loads
 * the shared strings and the styles' number formats (to know which cells
 * are dates), then streams the sheet's XML row by row: a dedicated scanner
 * (formats/xlsx_sheet_scan.h) is fed from zip_fread in large chunks and stops at
 * the end of each row, so memory does not depend on the sheet's size (only
 * on its shared strings).
 *
 * Entry points: sl_xlsx_open, sl_xlsx_open_fd, sl_xlsx_next, sl_xlsx_rewind, sl_xlsx_close,
 * sl_xlsx_use_expat (tests),
 * sl_xlsx_sheet_count, sl_xlsx_sheet_name, sl_xlsx_date1904,
 * sl_xlsx_serial_to_us, sl_xlsx_format_is_date.
 */
#ifndef SL_XLSX_READER_H
#define SL_XLSX_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/batch.h"
#include "sluice/connector.h"
#include "sluice/error.h"
#include "sluice/mcxt.h"

typedef struct sl_xlsx sl_xlsx;

typedef enum sl_xlsx_kind {
    SL_XLSX_EMPTY = 0, /* no <c>, or a <c> without a value */
    SL_XLSX_NUMBER,    /* num */
    SL_XLSX_DATE,      /* a number styled with a date/time format: num (serial) and ts */
    SL_XLSX_BOOL,      /* num is 0 or 1 */
    SL_XLSX_TEXT,      /* shared, inline or formula string: text, len */
    SL_XLSX_ERROR,     /* an error value (#N/A, #DIV/0!...): text, len */
} sl_xlsx_kind;

typedef struct sl_xlsx_cell {
    sl_xlsx_kind kind;
    int32_t len;      /* TEXT, ERROR: bytes of text */
    const char *text; /* TEXT, ERROR: UTF-8, not NUL-terminated; valid until the next row */
    double num;       /* NUMBER, DATE (the Excel serial), BOOL */
    int64_t ts;       /* DATE: microseconds since 1970-01-01 UTC, rounded to the millisecond */
} sl_xlsx_cell;

typedef struct sl_xlsx_row {
    int64_t number; /* 1-based row number in the sheet */
    int ncells;     /* cells[i] is column i+1 (A = 0); columns after the last value are absent */
    const sl_xlsx_cell *cells;
} sl_xlsx_row;

/*
 * Opens the workbook at path and positions the reader before the first
 * row of the sheet named sheet (exact name, then case-insensitive, then a
 * 1-based index; NULL: the first sheet).  name is how messages call the
 * file (the path as the user wrote it).  The reader's memory is a child
 * context of parent; sl_xlsx_close frees it and the library handles.
 * Errors: 58030 for a file that cannot be read or a corrupt zip, 22023
 * for a file that is not an xlsx workbook or a missing sheet (the hint
 * lists the sheets).
 */
sl_status sl_xlsx_open(sl_mcxt *parent, const char *path, const char *name, const char *sheet, sl_xlsx **out,
                       sl_error *err);
/* The same for a descriptor open for reading (a file opened through
 * sluice/confine.h), which the reader owns from here on, also on error. */
sl_status sl_xlsx_open_fd(sl_mcxt *parent, int fd, const char *name, const char *sheet, sl_xlsx **out,
                          sl_error *err);

/*
 * The next row that holds at least one value (blank rows are skipped), or
 * *row = NULL at the end of the sheet.  The row and its text are valid
 * until the next call.  Errors (58030): unreadable or malformed sheet data.
 */
sl_status sl_xlsx_next(sl_xlsx *x, const sl_xlsx_row **row, sl_error *err);

/* Starts the sheet again from its first row (for loop replay). */
sl_status sl_xlsx_rewind(sl_xlsx *x, sl_error *err);

/*
 * For tests: reads the sheet with expat (on) or the sheet scanner (off, the
 * default) from now on, starting again from its first row.
 */
sl_status sl_xlsx_use_expat(sl_xlsx *x, bool on, sl_error *err);

/* Closes the zip and the parser and frees the reader's context. NULL is allowed. */
void sl_xlsx_close(sl_xlsx *x);

int sl_xlsx_sheet_count(const sl_xlsx *x);
const char *sl_xlsx_sheet_name(const sl_xlsx *x, int i); /* 0-based */
const char *sl_xlsx_current_sheet(const sl_xlsx *x);
bool sl_xlsx_date1904(const sl_xlsx *x);
/* Number of shared strings loaded (for tests). */
int sl_xlsx_shared_count(const sl_xlsx *x);
/* Bytes held by the reader's own context (for tests of bounded memory). */
size_t sl_xlsx_bytes(const sl_xlsx *x);

/*
 * An Excel serial date to microseconds since the Unix epoch, rounded to
 * the millisecond.  1900 system: serials below 61 count from 1899-12-31
 * (Excel's phantom 1900-02-29, serial 60, becomes 1900-03-01), later ones
 * from 1899-12-30.  1904 system: from 1904-01-01.  Serials beyond +-1e8
 * days (and NaN) are clamped to that range.
 */
int64_t sl_xlsx_serial_to_us(double serial, bool date1904);

/* True when a custom number format code shows a date or time: y, m, d, h
 * or s outside quoted text, escaped characters and [...] sections, or an
 * elapsed-time section [h], [mm], [ss]. */
bool sl_xlsx_format_is_date(const char *code);

/* True when a built-in number format id is a date/time format. */
bool sl_xlsx_builtin_is_date(int id);

#endif
