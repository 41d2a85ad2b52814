/*
 * print.c - psql-compatible output: aligned and expanded tables, error and
 * notice messages with the `LINE n:` excerpt and caret.
 *
 * Entry points (see print.h): sl_print_table_begin / _add / _flush /
 * _finish / _free for result sets, sl_print_message for ErrorResponse and
 * NoticeResponse, sl_print_position for the caret, sl_print_text_width.
 *
 * Layout rules (psql's default `\pset format aligned`, border 1):
 *   - every cell line is " text " and columns are joined by '|';
 *   - headers are centered, numeric columns right aligned, others left
 *     aligned, and the last column is not padded unless something follows;
 *   - a cell with several lines marks each continued line with '+' in the
 *     column's right margin;
 *   - tabs expand to 8-column stops, other control characters print as \xHH;
 *   - widths count screen columns of UTF-8 text, not bytes.
 *
 * Rows are copied into a batch memory context that is reset after each
 * flush, so a push query that streams forever holds one batch at a time.
 */
#include "client/print.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/mcxt.h"

/* psql truncates the LINE excerpt to about this many screen columns ... */
#define SL_PRINT_DISPLAY_SIZE 60
/* ... while keeping at least this many columns right of the caret. */
#define SL_PRINT_MIN_RIGHT_CUT 10

/* Type OIDs psql right-aligns (pg_type.dat). */
#define SL_OID_INT8    20
#define SL_OID_INT2    21
#define SL_OID_INT4    23
#define SL_OID_OID     26
#define SL_OID_XID     28
#define SL_OID_CID     29
#define SL_OID_FLOAT4  700
#define SL_OID_FLOAT8  701
#define SL_OID_MONEY   790
#define SL_OID_NUMERIC 1700
#define SL_OID_XID8    5069

/* One formatted cell: display text with '\n' between its lines. */
typedef struct sl_cell {
    const char *text;
    int width; /* widest line, in screen columns */
} sl_cell;

struct sl_table {
    sl_mcxt *cx;       /* the table itself: headers, widths */
    sl_mcxt *batch_cx; /* rows not yet printed; reset by each flush */
    int ncols;
    sl_cell *headers;
    bool *right;         /* column is right aligned */
    int *widths;         /* aligned: fixed by the first flush */
    const char **cursor; /* scratch: current line of each cell while printing */
    sl_cell **rows;
    size_t nrows, cap;
    bool expanded;
    bool started;
    long total;      /* rows received so far */
    int hwidth;      /* expanded: widest column name */
    int dwidth;      /* expanded: widest value seen so far */
    bool dmultiline; /* expanded: some value had several lines */
};

/* ---- UTF-8 and screen width ---- */

typedef struct sl_range {
    uint32_t lo, hi;
} sl_range;

/* Combining marks and zero-width characters (the common blocks). */
static const sl_range sl_zero_width[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x05BF, 0x05BF}, {0x05C1, 0x05C2},
    {0x05C4, 0x05C5}, {0x05C7, 0x05C7}, {0x0610, 0x061A}, {0x064B, 0x065F}, {0x0670, 0x0670},
    {0x06D6, 0x06DC}, {0x06DF, 0x06E4}, {0x06E7, 0x06E8}, {0x06EA, 0x06ED}, {0x0E31, 0x0E31},
    {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F},
    {0x202A, 0x202E}, {0x2060, 0x2064}, {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F},
    {0xFEFF, 0xFEFF},
};

/* East Asian wide and fullwidth characters, and the wide emoji blocks. */
static const sl_range sl_double_width[] = {
    {0x1100, 0x115F}, {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},
    {0xA000, 0xA4CF}, {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE30, 0xFE4F},   {0xFF00, 0xFF60},
    {0xFFE0, 0xFFE6}, {0x1F300, 0x1F64F}, {0x1F900, 0x1F9FF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

static bool sl_in_ranges(uint32_t cp, const sl_range *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (cp >= r[i].lo && cp <= r[i].hi)
            return true;
    }
    return false;
}

/* Screen columns of one code point; -1 for a control character. */
static int sl_cp_width(uint32_t cp)
{
    if (cp < 0x20 || cp == 0x7F)
        return -1;
    if (cp < 0x300)
        return 1;
    if (sl_in_ranges(cp, sl_zero_width, sizeof(sl_zero_width) / sizeof(sl_zero_width[0])))
        return 0;
    if (sl_in_ranges(cp, sl_double_width, sizeof(sl_double_width) / sizeof(sl_double_width[0])))
        return 2;
    return 1;
}

/*
 * Decodes the UTF-8 character at s (len > 0 bytes available) into *cp and
 * returns its length in bytes.  An invalid byte is one character of its own
 * (U+FFFD, width 1), so that broken input still prints and aligns.
 */
static size_t sl_utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t v;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xE0) == 0xC0) {
        n = 2;
        v = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        v = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4;
        v = c & 0x07;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    if (n > len) {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return n;
}

int sl_print_text_width(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    int width = 0;

    while (len > 0) {
        uint32_t cp;
        size_t n = sl_utf8_next(p, len, &cp);
        int w = sl_cp_width(cp);

        width += w < 0 ? 1 : w;
        p += n;
        len -= n;
    }
    return width;
}

/* ---- cells ---- */

/*
 * One pass of cell formatting: writes the display form of s into out (when
 * not NULL) and returns its length; *width gets the widest line.  Run once
 * to size the buffer and once to fill it.
 */
static size_t sl_format_pass(const char *s, char *out, int *width)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s);
    size_t o = 0;
    int lw = 0;

    *width = 0;
    while (len > 0) {
        uint32_t cp;
        size_t n = sl_utf8_next(p, len, &cp);

        if (cp == '\n') {
            if (out)
                out[o] = '\n';
            o++;
            if (lw > *width)
                *width = lw;
            lw = 0;
        } else if (cp == '\t') {
            do {
                if (out)
                    out[o] = ' ';
                o++;
                lw++;
            } while (lw % 8 != 0);
        } else if (cp == '\r') {
            /* psql shows a carriage return as \r, other controls as \xHH */
            if (out)
                memcpy(out + o, "\\r", 2);
            o += 2;
            lw += 2;
        } else if (sl_cp_width(cp) < 0) {
            if (out)
                snprintf(out + o, 5, "\\x%02X", (unsigned)cp);
            o += 4;
            lw += 4;
        } else {
            if (out)
                memcpy(out + o, p, n);
            o += n;
            lw += cp == 0xFFFD && n == 1 ? 1 : sl_cp_width(cp);
        }
        p += n;
        len -= n;
    }
    if (lw > *width)
        *width = lw;
    return o;
}

static sl_cell sl_format_cell(sl_mcxt *cx, const char *s)
{
    sl_cell cell;
    size_t len = sl_format_pass(s, NULL, &cell.width);
    char *text = sl_palloc(cx, len + 5); /* room for snprintf's NUL */

    sl_format_pass(s, text, &cell.width);
    text[len] = '\0';
    cell.text = text;
    return cell;
}

/* Length of the current line of a cell and where the next one starts. */
static size_t sl_cell_line(const char *p, const char **next)
{
    const char *nl = strchr(p, '\n');

    if (nl == NULL) {
        *next = NULL;
        return strlen(p);
    }
    *next = nl + 1;
    return (size_t)(nl - p);
}

static void sl_put_repeat(FILE *out, int c, int n)
{
    for (int i = 0; i < n; i++)
        fputc(c, out);
}

static bool sl_oid_is_numeric(Oid type)
{
    switch (type) {
    case SL_OID_INT2:
    case SL_OID_INT4:
    case SL_OID_INT8:
    case SL_OID_FLOAT4:
    case SL_OID_FLOAT8:
    case SL_OID_NUMERIC:
    case SL_OID_OID:
    case SL_OID_XID:
    case SL_OID_XID8:
    case SL_OID_CID:
    case SL_OID_MONEY:
        return true;
    default:
        return false;
    }
}

/* ---- tables ---- */

sl_table *sl_print_table_begin(const PGresult *res, bool expanded)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "result table");
    sl_table *t = sl_pnew(cx, sl_table);
    int n = PQnfields(res);

    t->cx = cx;
    t->batch_cx = sl_mcxt_create(cx, "result rows");
    t->ncols = n;
    t->expanded = expanded;
    t->headers = sl_pzalloc(cx, sizeof(sl_cell) * (size_t)(n + 1));
    t->right = sl_pzalloc(cx, sizeof(bool) * (size_t)(n + 1));
    t->widths = sl_pzalloc(cx, sizeof(int) * (size_t)(n + 1));
    t->cursor = sl_pzalloc(cx, sizeof(char *) * (size_t)(n + 1));
    for (int j = 0; j < n; j++) {
        t->headers[j] = sl_format_cell(cx, PQfname(res, j));
        t->right[j] = sl_oid_is_numeric(PQftype(res, j));
        if (t->headers[j].width > t->hwidth)
            t->hwidth = t->headers[j].width;
    }
    return t;
}

void sl_print_table_add(sl_table *t, const PGresult *res)
{
    int nrows = PQntuples(res);

    for (int i = 0; i < nrows; i++) {
        sl_cell *row = sl_palloc(t->batch_cx, sizeof(sl_cell) * (size_t)(t->ncols + 1));

        for (int j = 0; j < t->ncols; j++)
            row[j] = sl_format_cell(t->batch_cx, PQgetisnull(res, i, j) ? "" : PQgetvalue(res, i, j));
        if (t->nrows == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 64;

            t->rows = sl_prealloc(t->batch_cx, t->rows, t->cap * sizeof(sl_cell *), cap * sizeof(sl_cell *));
            t->cap = cap;
        }
        t->rows[t->nrows++] = row;
        t->total++;
    }
}

size_t sl_print_table_pending(const sl_table *t)
{
    return t->nrows;
}

bool sl_print_table_started(const sl_table *t)
{
    return t->started;
}

/*
 * Prints one header or data row of the aligned format, line by line until
 * every cell has run out of lines.  Header cells are centered and always
 * padded; data cells follow their column's alignment.
 */
static void sl_print_aligned_row(sl_table *t, FILE *out, const sl_cell *cells, bool header)
{
    int n = t->ncols;

    for (int j = 0; j < n; j++)
        t->cursor[j] = cells[j].text;
    for (;;) {
        bool any = false;

        for (int j = 0; j < n; j++)
            any = any || t->cursor[j] != NULL;
        if (!any)
            break;
        for (int j = 0; j < n; j++) {
            bool last = j == n - 1;
            const char *p = t->cursor[j];

            fputc(' ', out);
            if (p != NULL) {
                const char *next;
                size_t len = sl_cell_line(p, &next);
                int pad = t->widths[j] - sl_print_text_width(p, len);

                if (pad < 0)
                    pad = 0;
                if (header) {
                    sl_put_repeat(out, ' ', pad / 2);
                    fwrite(p, 1, len, out);
                    sl_put_repeat(out, ' ', pad - pad / 2);
                    fputc(next ? '+' : ' ', out);
                } else {
                    if (t->right[j])
                        sl_put_repeat(out, ' ', pad);
                    fwrite(p, 1, len, out);
                    if (!t->right[j] && (!last || next))
                        sl_put_repeat(out, ' ', pad);
                    if (next)
                        fputc('+', out);
                    else if (!last)
                        fputc(' ', out);
                }
                t->cursor[j] = next;
            } else if (header || !last) {
                sl_put_repeat(out, ' ', t->widths[j] + 1);
            }
            if (!last)
                fputc('|', out);
        }
        fputc('\n', out);
    }
}

static void sl_print_aligned_header(sl_table *t, FILE *out)
{
    for (int j = 0; j < t->ncols; j++) {
        t->widths[j] = t->headers[j].width;
        for (size_t i = 0; i < t->nrows; i++) {
            if (t->rows[i][j].width > t->widths[j])
                t->widths[j] = t->rows[i][j].width;
        }
    }
    if (t->ncols == 0) {
        /* psql draws a bare "--" rule for a result without columns. */
        fputs("--\n", out);
        return;
    }
    sl_print_aligned_row(t, out, t->headers, true);
    for (int j = 0; j < t->ncols; j++) {
        if (j > 0)
            fputc('+', out);
        sl_put_repeat(out, '-', t->widths[j] + 2);
    }
    fputc('\n', out);
}

/*
 * Prints one record of the expanded format:
 *   -[ RECORD 1 ]-+----
 *   name          | value
 * The '+' of the rule sits over the '|' when the label leaves room for it.
 */
static void sl_print_record(sl_table *t, FILE *out, const sl_cell *cells, long recno)
{
    int hw = t->hwidth, dw = t->dwidth;
    int ll = fprintf(out, "-[ RECORD %ld ]", recno);

    if (t->ncols > 0) {
        if (ll <= hw + 1) {
            sl_put_repeat(out, '-', hw + 1 - ll);
            fputc('+', out);
            sl_put_repeat(out, '-', dw + 1);
        } else {
            sl_put_repeat(out, '-', hw + dw + 3 - ll);
        }
    }
    fputc('\n', out);
    for (int j = 0; j < t->ncols; j++) {
        const char *np = t->headers[j].text;
        const char *vp = cells[j].text;

        while (np != NULL || vp != NULL) {
            if (np != NULL) {
                const char *next;
                size_t len = sl_cell_line(np, &next);
                int w = sl_print_text_width(np, len);

                fwrite(np, 1, len, out);
                sl_put_repeat(out, ' ', hw - w);
                fputc(next ? '+' : ' ', out);
                np = next;
            } else {
                sl_put_repeat(out, ' ', hw + 1);
            }
            fputc('|', out);
            if (vp != NULL) {
                const char *next;
                size_t len = sl_cell_line(vp, &next);

                fputc(' ', out);
                fwrite(vp, 1, len, out);
                if (next) {
                    sl_put_repeat(out, ' ', dw - sl_print_text_width(vp, len));
                    fputc('+', out);
                }
                vp = next;
            }
            fputc('\n', out);
        }
    }
}

void sl_print_table_flush(sl_table *t, FILE *out)
{
    if (!t->expanded) {
        if (!t->started) {
            sl_print_aligned_header(t, out);
            t->started = true;
        }
        if (t->ncols > 0) {
            for (size_t i = 0; i < t->nrows; i++)
                sl_print_aligned_row(t, out, t->rows[i], false);
        }
    } else {
        long recno = t->total - (long)t->nrows;
        char label[64];
        int need;

        for (size_t i = 0; i < t->nrows; i++) {
            for (int j = 0; j < t->ncols; j++) {
                if (t->rows[i][j].width > t->dwidth)
                    t->dwidth = t->rows[i][j].width;
                if (strchr(t->rows[i][j].text, '\n') != NULL)
                    t->dmultiline = true;
            }
        }
        /*
         * Like psql, widen the value column so that a data line (with its '+'
         * marker, if values have several lines) is as wide as the widest
         * record label.
         */
        need = snprintf(label, sizeof(label), "-[ RECORD %ld ]", t->total) - t->hwidth - 3 -
               (t->dmultiline ? 1 : 0);
        if (t->ncols > 0 && need > t->dwidth)
            t->dwidth = need;
        /* Records without columns are not drawn; finish counts them like psql. */
        for (size_t i = 0; i < t->nrows && t->ncols > 0; i++)
            sl_print_record(t, out, t->rows[i], ++recno);
        if (t->nrows > 0)
            t->started = true;
    }
    sl_mcxt_reset(t->batch_cx);
    t->rows = NULL;
    t->nrows = t->cap = 0;
    fflush(out);
}

void sl_print_table_finish(sl_table *t, FILE *out)
{
    sl_print_table_flush(t, out);
    if (!t->expanded || t->total == 0 || t->ncols == 0)
        fprintf(out, "(%ld %s)\n", t->total, t->total == 1 ? "row" : "rows");
    fputc('\n', out);
    fflush(out);
}

void sl_print_table_free(sl_table *t)
{
    if (t != NULL)
        sl_mcxt_delete(t->cx);
}

/* ---- messages ---- */

void sl_print_position(FILE *out, const char *query, int pos)
{
    const unsigned char *q = (const unsigned char *)query;
    size_t qlen = strlen(query);
    size_t nchars = 0, loc, lstart = 0, lend, beg, fin, i, b;
    size_t *off;
    int *scr;
    int lineno = 1, prefix;
    bool beg_trunc = false, end_trunc = false;

    if (pos < 1)
        return;
    for (b = 0; b < qlen; nchars++) {
        uint32_t cp;
        b += sl_utf8_next(q + b, qlen - b, &cp);
    }
    loc = (size_t)pos - 1;
    if (loc > nchars)
        return;

    /* Byte offset of every character, plus one past the end. */
    off = malloc(sizeof(size_t) * (nchars + 1));
    scr = malloc(sizeof(int) * (nchars + 1));
    if (off == NULL || scr == NULL) {
        free(off);
        free(scr);
        return;
    }
    for (i = 0, b = 0; i < nchars; i++) {
        uint32_t cp;
        off[i] = b;
        b += sl_utf8_next(q + b, qlen - b, &cp);
    }
    off[nchars] = qlen;

    /* The line holding loc: "\r\n", "\n" and a lone "\r" each end a line. */
    for (i = 0; i < loc; i++) {
        unsigned char c = q[off[i]];

        if (c == '\n' || (c == '\r' && (i + 1 >= nchars || q[off[i + 1]] != '\n'))) {
            lineno++;
            lstart = i + 1;
        }
    }
    for (lend = lstart; lend < nchars && q[off[lend]] != '\n' && q[off[lend]] != '\r'; lend++)
        ;
    if (lend < loc)
        lend = loc;

    /* Screen column of each character from the start of the line; a tab is one column. */
    scr[lstart] = 0;
    for (i = lstart; i < lend; i++) {
        uint32_t cp;
        int w;

        sl_utf8_next(q + off[i], qlen - off[i], &cp);
        w = sl_cp_width(cp);
        scr[i + 1] = scr[i] + (w < 0 ? 1 : w);
    }

    /*
     * Too long for the screen: cut on the right if the caret stays clear of
     * the cut, otherwise keep a few columns right of the caret and cut on the
     * left until the excerpt fits.
     */
    beg = lstart;
    fin = lend;
    if (scr[fin] - scr[beg] > SL_PRINT_DISPLAY_SIZE) {
        if (scr[loc] + SL_PRINT_MIN_RIGHT_CUT < SL_PRINT_DISPLAY_SIZE) {
            while (scr[fin] - scr[beg] > SL_PRINT_DISPLAY_SIZE) {
                fin--;
                end_trunc = true;
            }
        } else {
            while (scr[loc] + SL_PRINT_MIN_RIGHT_CUT < scr[fin]) {
                fin--;
                end_trunc = true;
            }
            while (scr[fin] - scr[beg] > SL_PRINT_DISPLAY_SIZE) {
                beg++;
                beg_trunc = true;
            }
        }
    }

    prefix = fprintf(out, "LINE %d: ", lineno);
    if (beg_trunc)
        fputs("...", out);
    for (i = beg; i < fin; i++) {
        if (q[off[i]] == '\t')
            fputc(' ', out);
        else
            fwrite(q + off[i], 1, off[i + 1] - off[i], out);
    }
    if (end_trunc)
        fputs("...", out);
    fputc('\n', out);
    sl_put_repeat(out, ' ', prefix + (beg_trunc ? 3 : 0) + scr[loc] - scr[beg]);
    fputs("^\n", out);

    free(off);
    free(scr);
}

static void sl_print_field(FILE *out, const PGresult *res, int field, const char *label)
{
    const char *v = PQresultErrorField(res, field);

    if (v != NULL)
        fprintf(out, "%s:  %s\n", label, v);
}

void sl_print_message(FILE *out, const PGresult *res, const char *query)
{
    const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY);
    const char *plain = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    const char *pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
    const char *ipos = PQresultErrorField(res, PG_DIAG_INTERNAL_POSITION);
    const char *iquery = PQresultErrorField(res, PG_DIAG_INTERNAL_QUERY);
    bool is_error;

    if (primary == NULL) {
        /* An error libpq made itself (connection lost ...): no fields, print it whole. */
        const char *raw = PQresultErrorMessage(res);
        size_t len = strlen(raw);

        fputs(raw, out);
        if (len == 0 || raw[len - 1] != '\n')
            fputc('\n', out);
        return;
    }
    if (severity == NULL)
        severity = "ERROR";
    if (plain == NULL)
        plain = severity;
    is_error = strcmp(plain, "ERROR") == 0 || strcmp(plain, "FATAL") == 0 || strcmp(plain, "PANIC") == 0;

    fprintf(out, "%s:  %s\n", severity, primary);
    if (pos != NULL && query != NULL)
        sl_print_position(out, query, atoi(pos));
    else if (ipos != NULL && iquery != NULL)
        sl_print_position(out, iquery, atoi(ipos));
    sl_print_field(out, res, PG_DIAG_MESSAGE_DETAIL, "DETAIL");
    sl_print_field(out, res, PG_DIAG_MESSAGE_HINT, "HINT");
    sl_print_field(out, res, PG_DIAG_INTERNAL_QUERY, "QUERY");
    /* psql's default SHOW_CONTEXT=errors: context for errors, not for notices. */
    if (is_error)
        sl_print_field(out, res, PG_DIAG_CONTEXT, "CONTEXT");
}
