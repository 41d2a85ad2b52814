/*
 * xlsx.c - the XLSX source kind: rows of one Excel sheet as batches.
 *
 * open() reads the header row (option header, default true) and up to
 * XLSX_LOOKAHEAD data rows, which it keeps: their cells give the column
 * types when the source does not declare its columns, and read() replays
 * them before it streams the rest of the sheet through formats/xlsx_reader.c.
 *
 * Columns.  With a header, names come from the first non-empty row, folded
 * to lower case and trimmed; an empty name becomes column_N (N = 1-based
 * position) and a repeated one gets _2, _3...  Without a header the
 * columns are col_1..col_N.  Declared columns are matched to header names
 * case-insensitively (by position without a header); a declared column the
 * sheet lacks is always NULL.  Inferred types, over the look-ahead rows'
 * non-empty cells: only dates -> TIMESTAMP, only booleans -> BOOLEAN, only
 * numbers -> BIGINT when all are integral, else DOUBLE; anything else or
 * nothing -> TEXT.
 *
 * Values.  Each cell is converted to its column's type; a cell that does
 * not convert (text in a BIGINT column, 2.5 in a BIGINT column) drops its
 * row, counted in *decode_errors; an empty string is NULL in a column of
 * any type but TEXT (and does not count when inferring).  Error cells (#N/A, #DIV/0!) become NULL
 * and are also counted in *decode_errors (the row is kept).  A plain number
 * in a TIMESTAMP column is read as an Excel serial date.
 *
 * rate: a token bucket on the monotonic clock, refilled at rate rows/s and
 * holding at most max(1, rate/10) rows; read() sleeps at most 50 ms for a
 * token and otherwise returns what the bucket allows (maybe nothing).
 *
 * loop: at the end of the sheet the reader starts again.  During the first
 * round the source records min and max over every TIMESTAMP value and
 * `gap`, the smallest positive difference between consecutive rows' values
 * of the first TIMESTAMP column (1 second when there is none); round k
 * (k = 0, 1, ...) adds k * (max - min + gap) to every TIMESTAMP value, so
 * each round follows the previous one as if the sheet went on.
 *
 * Checkpoints: the position is the round and the rows consumed in it
 * (decoded or not), plus the loop's time statistics; seek() reads and
 * drops that many rows (after rewinding for a later round) without
 * converting them, and an error (XX001) when the sheet is now shorter.
 *
 * Entry points: sl_xlsx_source_open, sl_xlsx_source_read,
 * sl_xlsx_source_close, sl_xlsx_source_bytes, sl_xlsx_source_position,
 * sl_xlsx_source_seek.
 */
#include <ctype.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sources/sources.h"
#include "sluice/clock.h"
#include "sluice/checkpoint.h"
#include "sluice/batch.h"
#include "sluice/connector.h"
#include "sluice/types.h"
#include "formats/xlsx_reader.h"

/* Rows read ahead at open to infer the column types. */
#define XLSX_LOOKAHEAD 100

typedef struct ahead_row {
    int ncells;
    sl_xlsx_cell *cells;
} ahead_row;

typedef struct xlsx_source {
    sl_mcxt *cx;
    sl_xlsx *rd;
    const char *name; /* the path as given, for messages */
    bool header;

    const sl_schema *schema;
    int ncols;
    int *src_col; /* per output column: 0-based sheet column, or -1 (always NULL) */

    ahead_row *ahead;
    int nahead, ahead_pos;
    bool sheet_done; /* the reader has no more rows in this round */

    /* rate */
    double rate, tokens, burst, last;

    /* loop */
    bool loop;
    int64_t round;
    int64_t round_rows;
    int64_t shift_step, shift;
    bool ts_seen, have_prev;
    int64_t ts_min, ts_max, gap, prev_ts;
    int first_ts_col;
} xlsx_source;

static const sl_xlsx_cell empty_cell = {.kind = SL_XLSX_EMPTY};

/* ---- columns ---- */

/* The header cell's text as a column name: trimmed, ASCII folded to lower case. */
static char *header_name(sl_mcxt *cx, const sl_xlsx_cell *c, int pos)
{
    char num[64];
    const char *s = NULL;
    size_t n = 0;

    switch (c->kind) {
    case SL_XLSX_TEXT:
        s = c->text;
        n = (size_t)c->len;
        break;
    case SL_XLSX_NUMBER:
    case SL_XLSX_DATE:
        n = (size_t)snprintf(num, sizeof(num), "%.15g", c->num);
        s = num;
        break;
    case SL_XLSX_BOOL:
        s = c->num != 0 ? "true" : "false";
        n = strlen(s);
        break;
    case SL_XLSX_EMPTY:
    case SL_XLSX_ERROR:
        break;
    }
    while (n > 0 && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 0)
        return sl_psprintf(cx, "column_%d", pos + 1);
    char *out = sl_pstrndup(cx, s, n);
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < 0x80)
            *p = (char)tolower((unsigned char)*p);
    return out;
}

static void make_unique(sl_mcxt *cx, char **names, int n)
{
    for (int i = 1; i < n; i++) {
        bool dup = false;
        for (int j = 0; j < i && !dup; j++)
            dup = strcmp(names[i], names[j]) == 0;
        if (!dup)
            continue;
        for (int k = 2;; k++) {
            char *cand = sl_psprintf(cx, "%s_%d", names[i], k);
            bool taken = false;
            for (int j = 0; j < n && !taken; j++)
                taken = j != i && strcmp(cand, names[j]) == 0;
            if (!taken) {
                names[i] = cand;
                break;
            }
        }
    }
}

static sl_type infer_type(const xlsx_source *s, int col)
{
    int nnum = 0, nint = 0, ndate = 0, nbool = 0, nother = 0;
    for (int r = 0; r < s->nahead; r++) {
        const sl_xlsx_cell *c = col < s->ahead[r].ncells ? &s->ahead[r].cells[col] : &empty_cell;
        switch (c->kind) {
        case SL_XLSX_NUMBER:
            nnum++;
            if (c->num == floor(c->num) && fabs(c->num) < 9007199254740992.0)
                nint++;
            break;
        case SL_XLSX_DATE:
            ndate++;
            break;
        case SL_XLSX_BOOL:
            nbool++;
            break;
        case SL_XLSX_TEXT:
            if (c->len > 0) /* an empty string is a blank cell to every type but TEXT */
                nother++;
            break;
        case SL_XLSX_EMPTY:
        case SL_XLSX_ERROR:
            break;
        }
    }
    int kinds = (nnum > 0) + (ndate > 0) + (nbool > 0) + (nother > 0);
    if (kinds != 1 || nother > 0)
        return SL_TYPE_TEXT;
    if (ndate)
        return SL_TYPE_TIMESTAMP;
    if (nbool)
        return SL_TYPE_BOOL;
    return nint == nnum ? SL_TYPE_BIGINT : SL_TYPE_DOUBLE;
}

/* Copies a row into the look-ahead (its text is only valid until the next row). */
static void keep_row(xlsx_source *s, const sl_xlsx_row *row)
{
    ahead_row *a = &s->ahead[s->nahead++];
    a->ncells = row->ncells;
    a->cells = sl_palloc(s->cx, sizeof(sl_xlsx_cell) * (size_t)(row->ncells > 0 ? row->ncells : 1));
    for (int i = 0; i < row->ncells; i++) {
        a->cells[i] = row->cells[i];
        if (row->cells[i].kind == SL_XLSX_TEXT || row->cells[i].kind == SL_XLSX_ERROR)
            a->cells[i].text = sl_pstrndup(s->cx, row->cells[i].text, (size_t)row->cells[i].len);
    }
}

/* ---- values ---- */

static sl_text text_of_number(sl_batch *b, double d)
{
    char buf[SL_VALUE_TEXT_MAX];
    int n;
    if (d == floor(d) && fabs(d) < 1e15)
        n = sl_format_bigint((int64_t)d, buf);
    else
        n = sl_format_double(d, buf);
    return sl_batch_text(b, buf, n);
}

/*
 * Converts one row's cells into row b->nrows of the batch.  Returns false
 * when a cell does not convert to its column's type (the row is then not
 * added); *errcells counts error cells made NULL.
 */
static bool put_row(xlsx_source *s, sl_batch *b, const sl_xlsx_cell *cells, int ncells, int64_t *errcells)
{
    int r = b->nrows;
    sl_error perr;

    for (int i = 0; i < s->ncols; i++) {
        sl_vector *v = &b->cols[i];
        int sc = s->src_col[i];
        const sl_xlsx_cell *c = sc >= 0 && sc < ncells ? &cells[sc] : &empty_cell;

        if (c->kind == SL_XLSX_EMPTY || c->kind == SL_XLSX_ERROR ||
            (c->kind == SL_XLSX_TEXT && c->len == 0 && v->type != SL_TYPE_TEXT)) {
            v->nulls[r] = 1;
            if (c->kind == SL_XLSX_ERROR)
                (*errcells)++;
            continue;
        }
        v->nulls[r] = 0;
        switch (v->type) {
        case SL_TYPE_DOUBLE:
            if (c->kind == SL_XLSX_NUMBER || c->kind == SL_XLSX_DATE)
                v->v.f64[r] = c->num;
            else if (c->kind != SL_XLSX_TEXT ||
                     sl_parse_double(c->text, c->len, &v->v.f64[r], &perr) != SL_OK)
                return false;
            break;
        case SL_TYPE_BIGINT:
            if (c->kind == SL_XLSX_NUMBER) {
                if (c->num != floor(c->num) || fabs(c->num) >= 9.2e18)
                    return false;
                v->v.i64[r] = (int64_t)c->num;
            } else if (c->kind != SL_XLSX_TEXT ||
                       sl_parse_bigint(c->text, c->len, &v->v.i64[r], &perr) != SL_OK) {
                return false;
            }
            break;
        case SL_TYPE_TIMESTAMP: {
            int64_t ts;
            if (c->kind == SL_XLSX_DATE)
                ts = c->ts;
            else if (c->kind == SL_XLSX_NUMBER)
                ts = sl_xlsx_serial_to_us(c->num, sl_xlsx_date1904(s->rd));
            else if (c->kind != SL_XLSX_TEXT || sl_parse_timestamp(c->text, c->len, &ts, &perr) != SL_OK)
                return false;
            v->v.i64[r] = ts + s->shift;
            break;
        }
        case SL_TYPE_BOOL:
            if (c->kind == SL_XLSX_BOOL || c->kind == SL_XLSX_NUMBER) {
                if (c->num != 0 && c->num != 1)
                    return false;
                v->v.b[r] = c->num != 0;
            } else if (c->kind != SL_XLSX_TEXT ||
                       sl_parse_bool(c->text, c->len, &v->v.b[r], &perr) != SL_OK) {
                return false;
            }
            break;
        case SL_TYPE_INTERVAL:
            /* Excel durations are fractions of a day */
            if (c->kind == SL_XLSX_NUMBER || c->kind == SL_XLSX_DATE)
                v->v.i64[r] = llround(c->num * 86400000.0) * 1000;
            else if (c->kind != SL_XLSX_TEXT ||
                     sl_parse_interval(c->text, c->len, &v->v.i64[r], &perr) != SL_OK)
                return false;
            break;
        case SL_TYPE_TEXT:
        case SL_TYPE_UNKNOWN:
            switch (c->kind) {
            case SL_XLSX_TEXT:
                v->v.text[r] = sl_batch_text(b, c->text, c->len);
                break;
            case SL_XLSX_NUMBER:
                v->v.text[r] = text_of_number(b, c->num);
                break;
            case SL_XLSX_DATE: {
                char buf[SL_VALUE_TEXT_MAX];
                int n = sl_format_timestamp(c->ts + s->shift, buf);
                v->v.text[r] = sl_batch_text(b, buf, n);
                break;
            }
            case SL_XLSX_BOOL:
                v->v.text[r] = c->num != 0 ? sl_batch_text(b, "true", 4) : sl_batch_text(b, "false", 5);
                break;
            case SL_XLSX_EMPTY:
            case SL_XLSX_ERROR:
                break;
            }
            break;
        }
    }
    return true;
}

/* Loop bookkeeping over the first round's TIMESTAMP values. */
static void note_times(xlsx_source *s, const sl_batch *b)
{
    int r = b->nrows - 1;
    for (int i = 0; i < s->ncols; i++) {
        if (s->schema->types[i] != SL_TYPE_TIMESTAMP || b->cols[i].nulls[r])
            continue;
        int64_t t = b->cols[i].v.i64[r];
        if (!s->ts_seen || t < s->ts_min)
            s->ts_min = t;
        if (!s->ts_seen || t > s->ts_max)
            s->ts_max = t;
        s->ts_seen = true;
        if (i == s->first_ts_col) {
            if (s->have_prev && t != s->prev_ts) {
                int64_t d = t > s->prev_ts ? t - s->prev_ts : s->prev_ts - t;
                if (s->gap == 0 || d < s->gap)
                    s->gap = d;
            }
            s->prev_ts = t;
            s->have_prev = true;
        }
    }
}

/* ---- open ---- */

sl_status sl_xlsx_source_open(const sl_source_open_args *args, void **state, sl_error *err)
{
    const sl_options *opts = args->options;
    const char *path = sl_options_get(opts, "path");
    sl_mcxt *cx = sl_mcxt_create(args->cx, "xlsx source");
    xlsx_source *s = sl_pnew(cx, xlsx_source);
    const sl_xlsx_row *row;

    *state = NULL;
    s->cx = cx;
    s->name = sl_pstrdup(cx, path ? path : "");
    s->header = sl_options_get_bool(opts, "header", true);
    s->rate = sl_options_given(opts, "rate") ? sl_options_get_number(opts, "rate", 0) : 0;
    s->loop = sl_options_get_bool(opts, "loop", false);
    s->first_ts_col = -1;

    if (!path || !*path) {
        sl_mcxt_delete(cx);
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "xlsx source needs option path");
    }
    int fd = sl_confine_open(args->confine, "path", path, O_RDONLY, 0, err);
    if (fd < 0 || sl_xlsx_open_fd(cx, fd, path, sl_options_get(opts, "sheet"), &s->rd, err) != SL_OK)
        goto fail;

    /* header row and look-ahead */
    char **names = NULL;
    int nheader = 0;
    if (s->header) {
        if (sl_xlsx_next(s->rd, &row, err) != SL_OK)
            goto fail;
        if (row) {
            nheader = row->ncells;
            names = sl_palloc(cx, sizeof(char *) * (size_t)(nheader > 0 ? nheader : 1));
            for (int i = 0; i < nheader; i++)
                names[i] = header_name(cx, &row->cells[i], i);
            make_unique(cx, names, nheader);
        }
    }
    s->ahead = sl_palloc(cx, sizeof(ahead_row) * XLSX_LOOKAHEAD);
    while (s->nahead < XLSX_LOOKAHEAD) {
        if (sl_xlsx_next(s->rd, &row, err) != SL_OK)
            goto fail;
        if (!row) {
            s->sheet_done = true;
            break;
        }
        keep_row(s, row);
    }
    if (!s->header) {
        for (int r = 0; r < s->nahead; r++)
            if (s->ahead[r].ncells > nheader)
                nheader = s->ahead[r].ncells;
        names = sl_palloc(cx, sizeof(char *) * (size_t)(nheader > 0 ? nheader : 1));
        for (int i = 0; i < nheader; i++)
            names[i] = sl_psprintf(cx, "col_%d", i + 1);
    }

    if (args->schema) {
        s->schema = sl_schema_new(args->cx, args->schema->ncols, args->schema->names, args->schema->types);
        s->ncols = s->schema->ncols;
        s->src_col = sl_palloc(cx, sizeof(int) * (size_t)(s->ncols > 0 ? s->ncols : 1));
        for (int i = 0; i < s->ncols; i++) {
            s->src_col[i] = -1;
            for (int j = 0; j < nheader; j++)
                if (strcasecmp(s->schema->names[i], names[j]) == 0) {
                    s->src_col[i] = j;
                    break;
                }
        }
    } else {
        if (nheader == 0) {
            sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                         "sheet \"%s\" of file \"%s\" has no columns", sl_xlsx_current_sheet(s->rd), path);
            sl_error_hint(err, "Declare the columns in CREATE SOURCE to read an empty sheet.");
            goto fail;
        }
        sl_type *types = sl_palloc(cx, sizeof(sl_type) * (size_t)nheader);
        s->src_col = sl_palloc(cx, sizeof(int) * (size_t)nheader);
        for (int i = 0; i < nheader; i++) {
            types[i] = infer_type(s, i);
            s->src_col[i] = i;
        }
        s->schema = sl_schema_new(args->cx, nheader, (const char *const *)names, types);
        s->ncols = nheader;
    }
    for (int i = 0; i < s->ncols && s->first_ts_col < 0; i++)
        if (s->schema->types[i] == SL_TYPE_TIMESTAMP)
            s->first_ts_col = i;

    if (s->rate > 0) {
        s->burst = s->rate / 10 > 1 ? s->rate / 10 : 1;
        s->tokens = 1;
        s->last = ((double)sl_clock_mono_us() / 1e6);
    }
    if (args->schema_out)
        *args->schema_out = s->schema;
    if (args->bounded_out)
        *args->bounded_out = !s->loop;
    *state = s;
    return SL_OK;

fail:
    sl_xlsx_close(s->rd);
    sl_mcxt_delete(cx);
    return SL_ERROR;
}

/* ---- read ---- */

/* Rows the token bucket allows now (sleeping at most 50 ms for one). */
static int paced_rows(xlsx_source *s, int want)
{
    double now = ((double)sl_clock_mono_us() / 1e6);
    s->tokens += (now - s->last) * s->rate;
    if (s->tokens > s->burst)
        s->tokens = s->burst;
    s->last = now;
    if (s->tokens < 1) {
        double wait = (1 - s->tokens) / s->rate;
        if (wait > 0.05)
            wait = 0.05;
        sl_sleep_us((int64_t)(wait * 1e6));
        now = ((double)sl_clock_mono_us() / 1e6);
        s->tokens += (now - s->last) * s->rate;
        if (s->tokens > s->burst)
            s->tokens = s->burst;
        s->last = now;
    }
    int n = (int)floor(s->tokens);
    return n < want ? n : want;
}

/* Starts the next round of a loop: the shift grows by the first round's span. */
static sl_status next_round(xlsx_source *s, sl_error *err)
{
    const sl_xlsx_row *row;
    if (s->round == 0)
        s->shift_step = s->ts_seen ? s->ts_max - s->ts_min + (s->gap > 0 ? s->gap : 1000000) : 0;
    s->round++;
    s->shift = s->round * s->shift_step;
    s->round_rows = 0;
    if (sl_xlsx_rewind(s->rd, err) != SL_OK)
        return SL_ERROR;
    if (s->header && sl_xlsx_next(s->rd, &row, err) != SL_OK)
        return SL_ERROR;
    s->sheet_done = false;
    return SL_OK;
}

sl_status sl_xlsx_source_read(void *state, sl_batch *batch, bool *eof, int64_t *decode_errors, sl_error *err)
{
    xlsx_source *s = state;
    int room = batch->capacity - batch->nrows;
    int64_t errs = 0;
    int consumed = 0;

    *eof = false;
    if (s->rate > 0)
        room = paced_rows(s, room);
    while (consumed < room) {
        const sl_xlsx_cell *cells;
        int ncells;
        if (s->ahead_pos < s->nahead) {
            cells = s->ahead[s->ahead_pos].cells;
            ncells = s->ahead[s->ahead_pos].ncells;
            s->ahead_pos++;
        } else {
            const sl_xlsx_row *row = NULL;
            if (!s->sheet_done && sl_xlsx_next(s->rd, &row, err) != SL_OK)
                return SL_ERROR;
            if (!row) {
                s->sheet_done = true;
                /* a round without rows would spin forever */
                if (!s->loop || s->round_rows == 0)
                    break;
                if (next_round(s, err) != SL_OK)
                    return SL_ERROR;
                continue;
            }
            cells = row->cells;
            ncells = row->ncells;
        }
        consumed++;
        s->round_rows++;
        int64_t errcells = 0;
        if (!put_row(s, batch, cells, ncells, &errcells)) {
            errs++;
            continue;
        }
        errs += errcells;
        batch->nrows++;
        if (s->loop && s->round == 0 && s->first_ts_col >= 0)
            note_times(s, batch);
    }
    if (s->rate > 0)
        s->tokens -= consumed;
    *decode_errors += errs;
    /* a loop ends only on a sheet without data rows */
    if (s->sheet_done && s->ahead_pos >= s->nahead && (!s->loop || s->round_rows == 0))
        *eof = true;
    return SL_OK;
}

void sl_xlsx_source_close(void *state)
{
    xlsx_source *s = state;
    if (!s)
        return;
    sl_xlsx_close(s->rd);
    sl_mcxt_delete(s->cx);
}

size_t sl_xlsx_source_bytes(void *state)
{
    xlsx_source *s = state;
    return sl_mcxt_bytes(s->cx) + sl_xlsx_bytes(s->rd);
}

/* ---- checkpoints ---- */

/* Position format: version byte 1, round, rows consumed in it, then the
 * loop statistics (shift_step, ts_seen, have_prev, ts_min, ts_max, gap,
 * prev_ts). */
#define XLSX_POS_VERSION 1

sl_status sl_xlsx_source_position(void *state, sl_mcxt *cx, char **pos, size_t *len, sl_error *err)
{
    xlsx_source *s = state;
    sl_ckpt_w w;

    (void)err;
    sl_ckpt_w_init(&w, cx);
    sl_ckpt_w_u8(&w, XLSX_POS_VERSION);
    sl_ckpt_w_i64(&w, s->round);
    sl_ckpt_w_i64(&w, s->round_rows);
    sl_ckpt_w_i64(&w, s->shift_step);
    sl_ckpt_w_u8(&w, s->ts_seen ? 1 : 0);
    sl_ckpt_w_u8(&w, s->have_prev ? 1 : 0);
    sl_ckpt_w_i64(&w, s->ts_min);
    sl_ckpt_w_i64(&w, s->ts_max);
    sl_ckpt_w_i64(&w, s->gap);
    sl_ckpt_w_i64(&w, s->prev_ts);
    *pos = w.data;
    *len = w.len;
    return SL_OK;
}

sl_status sl_xlsx_source_seek(void *state, const char *pos, size_t len, sl_error *err)
{
    xlsx_source *s = state;
    sl_ckpt_r r;
    int64_t round, rows;

    sl_ckpt_r_init(&r, pos, len);
    if (sl_ckpt_r_u8(&r) != XLSX_POS_VERSION)
        r.bad = true;
    round = sl_ckpt_r_i64(&r);
    rows = sl_ckpt_r_i64(&r);
    s->shift_step = sl_ckpt_r_i64(&r);
    s->ts_seen = sl_ckpt_r_bool(&r);
    s->have_prev = sl_ckpt_r_bool(&r);
    s->ts_min = sl_ckpt_r_i64(&r);
    s->ts_max = sl_ckpt_r_i64(&r);
    s->gap = sl_ckpt_r_i64(&r);
    s->prev_ts = sl_ckpt_r_i64(&r);
    if (!sl_ckpt_r_done(&r) || round < 0 || rows < 0 || (round > 0 && !s->loop))
        return sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED, "xlsx source \"%s\": position is corrupt",
                            s->name);
    if (round > 0) {
        /* A later round of a loop: from the top of the sheet again. */
        s->round = round;
        s->shift = round * s->shift_step;
        s->ahead_pos = s->nahead;
        if (sl_xlsx_rewind(s->rd, err) != SL_OK)
            return SL_ERROR;
        if (s->header) {
            const sl_xlsx_row *row;
            if (sl_xlsx_next(s->rd, &row, err) != SL_OK)
                return SL_ERROR;
        }
        s->sheet_done = false;
    }
    for (int64_t i = 0; i < rows; i++) {
        const sl_xlsx_row *row = NULL;
        if (s->ahead_pos < s->nahead) {
            s->ahead_pos++;
            continue;
        }
        if (sl_xlsx_next(s->rd, &row, err) != SL_OK)
            return SL_ERROR;
        if (row == NULL)
            return sl_error_set(
                err, SL_ERRCODE_DATA_CORRUPTED,
                "xlsx source \"%s\": the sheet has fewer rows than the checkpoint's position (%lld)", s->name,
                (long long)rows);
    }
    s->round_rows = rows;
    return SL_OK;
}

/* ---- the kind ---- */

static const sl_option_decl xlsx_source_options[] = {
    {.name = "path",
     .type = SL_OPT_STRING,
     .required = true,
     .reach = SL_REACH_FILE_READ,
     .help = "the .xlsx file, inside file_roots (relative: to its first directory)"},
    {.name = "sheet", .type = SL_OPT_STRING, .help = "sheet name or 1-based index; default: the first sheet"},
    {.name = "header",
     .type = SL_OPT_BOOL,
     .default_value = "true",
     .help = "the first row names the columns"},
    {.name = "rate",
     .type = SL_OPT_NUMBER,
     .min = 0.001,
     .max = 1e9,
     .help = "rows per second to replay at; default: as fast as possible"},
    {.name = "loop",
     .type = SL_OPT_BOOL,
     .default_value = "false",
     .help = "replay the sheet forever, shifting event times by the sheet's time span each round"},
    {0},
};

const sl_source_kind sl_source_xlsx = {
    .api_version = SL_SOURCE_API_VERSION,
    .name = "xlsx",
    .description = "rows of an Excel sheet, streamed (finite unless loop)",
    .options = xlsx_source_options,
    .open = sl_xlsx_source_open,
    .read = sl_xlsx_source_read,
    .close = sl_xlsx_source_close,
    .position = sl_xlsx_source_position,
    .seek = sl_xlsx_source_seek,
};
