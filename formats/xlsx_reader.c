/*
 * xlsx_reader.c - streaming .xlsx reader on libzip, expat and a sheet scanner.
 *
 * An .xlsx file is a zip of XML parts.  We read, in order:
 *   _rels/.rels                 -> the workbook part (usually xl/workbook.xml)
 *   xl/workbook.xml             -> sheet names and relationship ids, date1904
 *   xl/_rels/workbook.xml.rels  -> the part of each sheet, shared strings, styles
 *   sharedStrings.xml           -> all strings, kept (the only size-dependent memory)
 *   styles.xml                  -> which cell styles (cellXfs) show dates
 * with expat (small parts, read once), and then stream the sheet part, the
 * bulk of the file, through the hand-written scanner of formats/xlsx_sheet_scan.c
 * (expat took three quarters of the time there): it pulls zip_fread chunks
 * and stops after each </row>, so the caller pulls one row at a time and
 * nothing holds more than a chunk and a row.  The element handlers are
 * written once for both tokenizers: sl_xlsx_use_expat switches a reader to
 * expat so that tests can compare the two cell by cell.  Handlers do no
 * allocation: character data accumulates in one reusable buffer, numbers
 * are parsed once (parse_number).
 *
 * Producers differ (see DESIGN.md): openpyxl writes inline strings only,
 * XlsxWriter and LibreOffice shared strings; numbers come with and without
 * t="n"; missing cells are absent <c> elements or gaps in the r references;
 * element names may carry a namespace prefix (x:c), so we compare local names.
 *
 * Entry points: see formats/xlsx_reader.h.
 */
#include "formats/xlsx_reader.h"
#include "formats/xlsx_sheet_scan.h"
#include "sluice/types.h"

#include <ctype.h>
#include <errno.h>
#include <expat.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zip.h>

/* Sheet data is read (by the scanner, or expat) in chunks this large: few calls, and still
 * small next to a sheet. */
#define XLSX_CHUNK (256 * 1024)
/* Excel's limit (column XFD); cells beyond it are ignored. */
#define XLSX_MAX_COLS 16384

typedef enum cell_type {
    CT_NUMBER, /* no t, or t="n" */
    CT_SHARED, /* t="s" */
    CT_STR,    /* t="str": formula string */
    CT_INLINE, /* t="inlineStr" */
    CT_BOOL,   /* t="b" */
    CT_ERROR,  /* t="e" */
    CT_DATE,   /* t="d": ISO 8601 text */
} cell_type;

typedef struct xlsx_sheet {
    const char *name;
    const char *rid;  /* relationship id in workbook.xml.rels */
    const char *part; /* zip entry name, resolved */
} xlsx_sheet;

/* A growable byte buffer in a context. */
typedef struct xbuf {
    char *data;
    size_t len, cap;
} xbuf;

struct sl_xlsx {
    sl_mcxt *cx;
    const char *name; /* the file as messages call it */
    zip_t *zip;
    bool date1904;

    xlsx_sheet *sheets;
    int nsheets;
    int cur_sheet;

    /* shared strings: text of string i is sst_data + sst_off[i], sst_len[i] bytes */
    char *sst_data;
    uint32_t *sst_off;
    int32_t *sst_len;
    int nsst;

    /* styles: xf_date[i] tells whether cellXfs entry i shows a date */
    bool *xf_date;
    int nxf;

    /* sheet streaming: the scanner, or expat when use_expat (tests) */
    sl_xml_scan *scan;
    bool use_expat;
    XML_Parser parser;
    sl_xml_attr *eatts; /* expat's attributes as the handlers take them */
    int eatts_cap;
    zip_file_t *zf;
    bool suspended;  /* expat is suspended after a row */
    bool input_done; /* zip entry fully fed */
    bool data_done;  /* </sheetData> seen: the rest of the part is ignored */
    bool row_ready;
    bool failed; /* a callback found a problem: see fail_msg */
    char fail_msg[256];

    /* the row being built */
    sl_xlsx_row row;
    sl_xlsx_cell *cells;
    int32_t *toff; /* for text cells copied into rtext: offset (resolved at </row>) */
    int cells_cap;
    int ncells;
    int nvalues; /* non-empty cells in the row */
    int64_t row_number;
    int64_t last_row_number;
    xbuf rtext; /* text of this row's inline/formula/error cells */

    /* the cell being parsed */
    bool in_cell, in_is, in_rph, collect, has_v;
    int col, last_col;
    cell_type ctype;
    int style;
    xbuf cbuf; /* character data of <v> or <is><t> */
};

/* ---- small helpers ---- */

static void xbuf_reserve(sl_mcxt *cx, xbuf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t ncap = b->cap ? b->cap * 2 : 256;
    while (ncap < b->len + extra + 1)
        ncap *= 2;
    b->data = b->data ? sl_prealloc(cx, b->data, b->cap, ncap) : sl_palloc(cx, ncap);
    b->cap = ncap;
}

static void xbuf_append(sl_mcxt *cx, xbuf *b, const char *s, size_t n)
{
    xbuf_reserve(cx, b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

/* The element or attribute name without its namespace prefix ("x:c" -> "c"). */
static inline const char *local_name(const char *n)
{
    for (const char *p = n; *p; p++)
        if (*p == ':')
            return p + 1;
    return n;
}

static const char *attr(const XML_Char **atts, const char *name)
{
    for (int i = 0; atts[i]; i += 2)
        if (strcmp(local_name(atts[i]), name) == 0)
            return atts[i + 1];
    return NULL;
}

/*
 * Decodes OOXML's _xHHHH_ escapes (how producers store control characters
 * such as CR in strings) in place; returns the new length.  UTF-8 output of
 * one code unit takes at most 3 bytes, less than the 7 of the escape.
 */
static size_t decode_x_escapes(char *s, size_t n)
{
    if (!memchr(s, '_', n))
        return n;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] == '_' && i + 6 < n && s[i + 1] == 'x' && s[i + 6] == '_') {
            int h0 = sl_hex_digit(s[i + 2]), h1 = sl_hex_digit(s[i + 3]), h2 = sl_hex_digit(s[i + 4]),
                h3 = sl_hex_digit(s[i + 5]);
            if (h0 >= 0 && h1 >= 0 && h2 >= 0 && h3 >= 0) {
                unsigned cp = (unsigned)(h0 << 12 | h1 << 8 | h2 << 4 | h3);
                if (cp < 0x80) {
                    s[o++] = (char)cp;
                } else if (cp < 0x800) {
                    s[o++] = (char)(0xC0 | cp >> 6);
                    s[o++] = (char)(0x80 | (cp & 0x3F));
                } else {
                    s[o++] = (char)(0xE0 | cp >> 12);
                    s[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                    s[o++] = (char)(0x80 | (cp & 0x3F));
                }
                i += 7;
                continue;
            }
        }
        s[o++] = s[i++];
    }
    return o;
}

/* ---- dates ---- */

int64_t sl_xlsx_serial_to_us(double serial, bool date1904)
{
    double days;
    int64_t epoch_days;

    /* Excel's dates end at serial 2958465 (9999-12-31); a cell can still
     * hold any double.  Beyond +-100 million days (273,000 years) the
     * microseconds would leave int64: such serials (and NaN) are clamped
     * there, a defined if meaningless instant, never an overflow. */
    if (!(serial >= -1e8))
        serial = -1e8;
    else if (serial > 1e8)
        serial = 1e8;
    days = serial;

    if (date1904) {
        epoch_days = 24107; /* 1904-01-01 .. 1970-01-01 */
    } else {
        /* Excel counts the nonexistent 1900-02-29 as serial 60: before it,
         * serial 1 is 1900-01-01, i.e. days from 1899-12-31. */
        if (serial < 61)
            days += 1;
        epoch_days = 25569; /* 1899-12-30 .. 1970-01-01 */
    }
    /* LibreOffice writes 15 significant digits: round to the millisecond. */
    int64_t ms = llround(days * 86400000.0) - epoch_days * 86400000LL;
    return ms * 1000;
}

bool sl_xlsx_builtin_is_date(int id)
{
    /* 14-22: the locale's dates and times; 45-47: mm:ss, [h]:mm:ss,
     * mmss.0; 27-36 and 50-58: East Asian locales' date formats. */
    return (id >= 14 && id <= 22) || (id >= 45 && id <= 47) || (id >= 27 && id <= 36) ||
           (id >= 50 && id <= 58);
}

bool sl_xlsx_format_is_date(const char *code)
{
    for (const char *p = code; *p; p++) {
        switch (*p) {
        case '"': /* literal text: "days" */
            p++;
            while (*p && *p != '"')
                p++;
            if (!*p)
                return false;
            break;
        case '\\': /* escaped character: LibreOffice's yyyy\-mm\-dd */
        case '_':  /* padding the width of the next character */
        case '*':  /* fill with the next character */
            if (p[1])
                p++;
            break;
        case '[': {
            /* [Red], [$-409], [>=100] are colours, locales, conditions;
             * [h], [mm], [ss] are elapsed times. */
            const char *e = strchr(p, ']');
            if (!e)
                return false;
            if (e > p + 1) {
                char c0 = (char)tolower((unsigned char)p[1]);
                bool elapsed = (c0 == 'h' || c0 == 'm' || c0 == 's');
                for (const char *q = p + 1; q < e && elapsed; q++)
                    if (tolower((unsigned char)*q) != c0)
                        elapsed = false;
                if (elapsed)
                    return true;
            }
            p = e;
            break;
        }
        case 'y':
        case 'Y':
        case 'm':
        case 'M':
        case 'd':
        case 'D':
        case 'h':
        case 'H':
        case 's':
        case 'S':
            return true;
        default:
            break;
        }
    }
    return false;
}

/* ---- reading small parts ---- */

/*
 * Streams the zip entry `part` through a fresh expat parser with the given
 * handlers.  Returns SL_ERROR with a message naming the file and the part
 * when the entry cannot be read or is not well-formed XML.
 */
static sl_status parse_part(sl_xlsx *x, const char *part, XML_StartElementHandler start,
                            XML_EndElementHandler end, XML_CharacterDataHandler text, void *ud, sl_error *err)
{
    zip_file_t *zf = zip_fopen(x->zip, part, 0);
    if (!zf)
        return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not read \"%s\" in file \"%s\": %s", part,
                            x->name, zip_strerror(x->zip));
    XML_Parser p = XML_ParserCreate("UTF-8");
    if (!p) {
        zip_fclose(zf);
        return sl_error_set(err, SL_ERRCODE_OUT_OF_MEMORY, "out of memory");
    }
    XML_SetUserData(p, ud);
    XML_SetElementHandler(p, start, end);
    if (text)
        XML_SetCharacterDataHandler(p, text);
    sl_status st = SL_OK;
    for (;;) {
        void *buf = XML_GetBuffer(p, 65536);
        if (!buf) {
            st = sl_error_set(err, SL_ERRCODE_OUT_OF_MEMORY, "out of memory");
            break;
        }
        zip_int64_t n = zip_fread(zf, buf, 65536);
        if (n < 0) {
            st = sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not read \"%s\" in file \"%s\": %s", part,
                              x->name, zip_file_strerror(zf));
            break;
        }
        if (XML_ParseBuffer(p, (int)n, n == 0) == XML_STATUS_ERROR) {
            st = sl_error_set(
                err, SL_ERRCODE_IO_ERROR, "malformed XML in \"%s\" of file \"%s\": %s at line %lu", part,
                x->name, XML_ErrorString(XML_GetErrorCode(p)), (unsigned long)XML_GetCurrentLineNumber(p));
            break;
        }
        if (n == 0)
            break;
    }
    XML_ParserFree(p);
    zip_fclose(zf);
    return st;
}

static bool part_exists(sl_xlsx *x, const char *part)
{
    return zip_name_locate(x->zip, part, 0) >= 0;
}

/* Resolves a relationship target against the directory of the part that
 * owns the relationships ("xl/") and normalises "." and "..". */
static char *resolve_target(sl_mcxt *cx, const char *base_dir, const char *target)
{
    char *joined = target[0] == '/' ? sl_pstrdup(cx, target + 1) : sl_psprintf(cx, "%s%s", base_dir, target);
    char *out = sl_palloc(cx, strlen(joined) + 1);
    size_t o = 0;
    for (char *seg = joined; *seg;) {
        char *slash = strchr(seg, '/');
        size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
        if (len == 0 || (len == 1 && seg[0] == '.')) {
            /* skip */
        } else if (len == 2 && seg[0] == '.' && seg[1] == '.') {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--; /* drop the slash too */
            while (o > 0 && out[o - 1] != '/')
                o--;
        } else {
            memcpy(out + o, seg, len);
            o += len;
            if (slash)
                out[o++] = '/';
        }
        seg += len + (slash ? 1 : 0);
    }
    out[o] = '\0';
    return out;
}

/* relationships: Id -> (Type, Target) */
typedef struct rel {
    const char *id, *type, *target;
} rel;

typedef struct rels_ctx {
    sl_xlsx *x;
    rel *rels;
    int n, cap;
} rels_ctx;

static void rels_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    rels_ctx *rc = ud;
    if (strcmp(local_name(name), "Relationship") != 0)
        return;
    const char *id = attr(atts, "Id"), *type = attr(atts, "Type"), *target = attr(atts, "Target");
    const char *mode = attr(atts, "TargetMode");
    if (!id || !type || !target || (mode && strcmp(mode, "External") == 0))
        return;
    if (rc->n == rc->cap) {
        int ncap = rc->cap ? rc->cap * 2 : 16;
        rc->rels = rc->rels ? sl_prealloc(rc->x->cx, rc->rels, sizeof(rel) * (size_t)rc->cap,
                                          sizeof(rel) * (size_t)ncap)
                            : sl_palloc(rc->x->cx, sizeof(rel) * (size_t)ncap);
        rc->cap = ncap;
    }
    rc->rels[rc->n].id = sl_pstrdup(rc->x->cx, id);
    rc->rels[rc->n].type = sl_pstrdup(rc->x->cx, type);
    rc->rels[rc->n].target = sl_pstrdup(rc->x->cx, target);
    rc->n++;
}

static void ignore_end(void *ud, const XML_Char *name)
{
    (void)ud;
    (void)name;
}

static bool type_is(const char *type, const char *suffix)
{
    size_t lt = strlen(type), ls = strlen(suffix);
    return lt >= ls && strcmp(type + lt - ls, suffix) == 0;
}

/* ---- workbook.xml ---- */

typedef struct wb_ctx {
    sl_xlsx *x;
    int cap;
} wb_ctx;

static void wb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    wb_ctx *wc = ud;
    sl_xlsx *x = wc->x;
    const char *ln = local_name(name);

    if (strcmp(ln, "workbookPr") == 0) {
        const char *v = attr(atts, "date1904");
        x->date1904 = v && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0);
    } else if (strcmp(ln, "sheet") == 0) {
        const char *sname = attr(atts, "name");
        const char *rid = NULL;
        /* r:id: the relationships namespace's id, whatever its prefix */
        for (int i = 0; atts[i]; i += 2)
            if (strchr(atts[i], ':') && strcmp(local_name(atts[i]), "id") == 0)
                rid = atts[i + 1];
        if (!sname || !rid)
            return;
        if (x->nsheets == wc->cap) {
            int ncap = wc->cap ? wc->cap * 2 : 8;
            x->sheets = x->sheets ? sl_prealloc(x->cx, x->sheets, sizeof(xlsx_sheet) * (size_t)wc->cap,
                                                sizeof(xlsx_sheet) * (size_t)ncap)
                                  : sl_palloc(x->cx, sizeof(xlsx_sheet) * (size_t)ncap);
            wc->cap = ncap;
        }
        x->sheets[x->nsheets].name = sl_pstrdup(x->cx, sname);
        x->sheets[x->nsheets].rid = sl_pstrdup(x->cx, rid);
        x->sheets[x->nsheets].part = NULL;
        x->nsheets++;
    }
}

/* ---- sharedStrings.xml ---- */

typedef struct sst_ctx {
    sl_xlsx *x;
    xbuf data; /* all strings, back to back */
    xbuf cur;  /* the <si> being read */
    uint32_t *off;
    int32_t *len;
    int cap;
    bool in_si, in_t, in_rph;
} sst_ctx;

static void sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    sst_ctx *sc = ud;
    const char *ln = local_name(name);
    if (strcmp(ln, "si") == 0) {
        sc->in_si = true;
        sc->cur.len = 0;
    } else if (strcmp(ln, "t") == 0) {
        sc->in_t = sc->in_si && !sc->in_rph;
    } else if (strcmp(ln, "rPh") == 0) {
        sc->in_rph = true; /* phonetic guide: not part of the text */
    } else if (strcmp(ln, "sst") == 0) {
        const char *u = attr(atts, "uniqueCount");
        long n = u ? strtol(u, NULL, 10) : 0;
        if (n > 0 && n < 10000000 && sc->cap == 0) {
            sc->cap = (int)n;
            sc->off = sl_palloc(sc->x->cx, sizeof(uint32_t) * (size_t)n);
            sc->len = sl_palloc(sc->x->cx, sizeof(int32_t) * (size_t)n);
        }
    }
}

static void sst_end(void *ud, const XML_Char *name)
{
    sst_ctx *sc = ud;
    sl_xlsx *x = sc->x;
    const char *ln = local_name(name);
    if (strcmp(ln, "t") == 0) {
        sc->in_t = false;
    } else if (strcmp(ln, "rPh") == 0) {
        sc->in_rph = false;
    } else if (strcmp(ln, "si") == 0) {
        sc->in_si = false;
        if (x->nsst == sc->cap) {
            int ncap = sc->cap ? sc->cap * 2 : 1024;
            sc->off = sc->off ? sl_prealloc(x->cx, sc->off, sizeof(uint32_t) * (size_t)sc->cap,
                                            sizeof(uint32_t) * (size_t)ncap)
                              : sl_palloc(x->cx, sizeof(uint32_t) * (size_t)ncap);
            sc->len = sc->len ? sl_prealloc(x->cx, sc->len, sizeof(int32_t) * (size_t)sc->cap,
                                            sizeof(int32_t) * (size_t)ncap)
                              : sl_palloc(x->cx, sizeof(int32_t) * (size_t)ncap);
            sc->cap = ncap;
        }
        size_t n = sc->cur.len ? decode_x_escapes(sc->cur.data, sc->cur.len) : 0;
        if (sc->data.len + n >= UINT32_MAX) {
            x->failed = true;
            snprintf(x->fail_msg, sizeof(x->fail_msg), "shared strings larger than 4 GB");
            return;
        }
        sc->off[x->nsst] = (uint32_t)sc->data.len;
        sc->len[x->nsst] = (int32_t)n;
        if (n)
            xbuf_append(x->cx, &sc->data, sc->cur.data, n);
        x->nsst++;
    }
}

static void sst_text(void *ud, const XML_Char *s, int len)
{
    sst_ctx *sc = ud;
    if (sc->in_t)
        xbuf_append(sc->x->cx, &sc->cur, s, (size_t)len);
}

/* ---- styles.xml ---- */

typedef struct fmt_entry {
    int id;
    bool is_date;
} fmt_entry;

typedef struct styles_ctx {
    sl_xlsx *x;
    fmt_entry *fmts;
    int nfmts, fmts_cap;
    int *xf_fmt; /* numFmtId of each cellXfs entry */
    int nxf, xf_cap;
    bool in_cellxfs;
} styles_ctx;

static void styles_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    styles_ctx *sc = ud;
    sl_mcxt *cx = sc->x->cx;
    const char *ln = local_name(name);
    if (strcmp(ln, "numFmt") == 0) {
        const char *id = attr(atts, "numFmtId"), *code = attr(atts, "formatCode");
        if (!id || !code)
            return;
        if (sc->nfmts == sc->fmts_cap) {
            int ncap = sc->fmts_cap ? sc->fmts_cap * 2 : 16;
            sc->fmts = sc->fmts ? sl_prealloc(cx, sc->fmts, sizeof(fmt_entry) * (size_t)sc->fmts_cap,
                                              sizeof(fmt_entry) * (size_t)ncap)
                                : sl_palloc(cx, sizeof(fmt_entry) * (size_t)ncap);
            sc->fmts_cap = ncap;
        }
        sc->fmts[sc->nfmts].id = atoi(id);
        sc->fmts[sc->nfmts].is_date = sl_xlsx_format_is_date(code);
        sc->nfmts++;
    } else if (strcmp(ln, "cellXfs") == 0) {
        sc->in_cellxfs = true;
    } else if (strcmp(ln, "xf") == 0 && sc->in_cellxfs) {
        const char *id = attr(atts, "numFmtId");
        if (sc->nxf == sc->xf_cap) {
            int ncap = sc->xf_cap ? sc->xf_cap * 2 : 64;
            sc->xf_fmt = sc->xf_fmt ? sl_prealloc(cx, sc->xf_fmt, sizeof(int) * (size_t)sc->xf_cap,
                                                  sizeof(int) * (size_t)ncap)
                                    : sl_palloc(cx, sizeof(int) * (size_t)ncap);
            sc->xf_cap = ncap;
        }
        sc->xf_fmt[sc->nxf++] = id ? atoi(id) : 0;
    }
}

static void styles_end(void *ud, const XML_Char *name)
{
    styles_ctx *sc = ud;
    if (strcmp(local_name(name), "cellXfs") == 0)
        sc->in_cellxfs = false;
}

static sl_status load_styles(sl_xlsx *x, const char *part, sl_error *err)
{
    styles_ctx sc = {.x = x};
    if (parse_part(x, part, styles_start, styles_end, NULL, &sc, err) != SL_OK)
        return SL_ERROR;
    x->nxf = sc.nxf;
    x->xf_date = sl_pzalloc(x->cx, sizeof(bool) * (size_t)(sc.nxf > 0 ? sc.nxf : 1));
    for (int i = 0; i < sc.nxf; i++) {
        int id = sc.xf_fmt[i];
        bool custom = false, is_date = false;
        /* a custom code with a built-in's id overrides the built-in */
        for (int f = 0; f < sc.nfmts; f++)
            if (sc.fmts[f].id == id) {
                custom = true;
                is_date = sc.fmts[f].is_date;
            }
        x->xf_date[i] = custom ? is_date : sl_xlsx_builtin_is_date(id);
    }
    return SL_OK;
}

/* ---- the sheet stream ---- */

/*
 * The sheet's elements arrive through the handlers below, from the scanner
 * (formats/xlsx_sheet_scan.c) or, for tests that compare the two, from expat; both
 * give names as written and decoded attribute values with lengths.
 */

static void row_reset(sl_xlsx *x)
{
    x->ncells = 0;
    x->nvalues = 0;
    x->rtext.len = 0;
    x->last_col = -1;
}

static bool cells_reserve(sl_xlsx *x, int col)
{
    if (col < x->cells_cap)
        return true;
    if (col >= XLSX_MAX_COLS)
        return false;
    int ncap = x->cells_cap ? x->cells_cap : 16;
    while (ncap <= col)
        ncap *= 2;
    if (ncap > XLSX_MAX_COLS)
        ncap = XLSX_MAX_COLS;
    x->cells = x->cells ? sl_prealloc(x->cx, x->cells, sizeof(sl_xlsx_cell) * (size_t)x->cells_cap,
                                      sizeof(sl_xlsx_cell) * (size_t)ncap)
                        : sl_palloc(x->cx, sizeof(sl_xlsx_cell) * (size_t)ncap);
    x->toff = x->toff ? sl_prealloc(x->cx, x->toff, sizeof(int32_t) * (size_t)x->cells_cap,
                                    sizeof(int32_t) * (size_t)ncap)
                      : sl_palloc(x->cx, sizeof(int32_t) * (size_t)ncap);
    x->cells_cap = ncap;
    return true;
}

/* The name without its namespace prefix ("x:c" -> "c"), as a length. */
static inline const char *local_name_n(const char *n, int32_t *len)
{
    const char *colon = memchr(n, ':', (size_t)*len);
    if (!colon)
        return n;
    *len -= (int32_t)(colon + 1 - n);
    return colon + 1;
}

static inline bool name_is(const char *n, int32_t len, const char *lit, int32_t litlen)
{
    return len == litlen && memcmp(n, lit, (size_t)litlen) == 0;
}

/* An integer attribute the way strtoll reads it (leading space, sign,
 * digits, the rest ignored), saturating instead of overflowing. */
static int64_t attr_int(const char *v, int32_t n)
{
    int32_t i = 0;
    bool neg = false;
    uint64_t acc = 0;
    while (i < n && (v[i] == ' ' || (v[i] >= '\t' && v[i] <= '\r')))
        i++;
    if (i < n && (v[i] == '-' || v[i] == '+'))
        neg = v[i++] == '-';
    for (; i < n && v[i] >= '0' && v[i] <= '9'; i++) {
        acc = acc * 10 + (uint64_t)(v[i] - '0');
        if (acc > (uint64_t)INT64_MAX)
            return neg ? INT64_MIN : INT64_MAX;
    }
    return neg ? -(int64_t)acc : (int64_t)acc;
}

static void cell_start(sl_xlsx *x, const sl_xml_attr *atts, int natts)
{
    int col = -1;
    x->ctype = CT_NUMBER;
    x->style = -1;
    for (int i = 0; i < natts; i++) {
        const char *an = atts[i].name, *av = atts[i].value;
        int32_t avlen = atts[i].vlen;
        if (atts[i].nlen != 1)
            continue;
        if (an[0] == 'r') {
            int c = 0;
            for (int32_t k = 0;
                 k < avlen && ((av[k] >= 'A' && av[k] <= 'Z') || (av[k] >= 'a' && av[k] <= 'z')); k++) {
                c = c * 26 + ((av[k] | 0x20) - 'a' + 1);
                if (c > XLSX_MAX_COLS)
                    break;
            }
            if (c > 0)
                col = c - 1;
        } else if (an[0] == 't') {
            switch (avlen > 0 ? av[0] : '\0') {
            case 's':
                x->ctype = avlen > 1 && av[1] == 't' ? CT_STR : CT_SHARED;
                break;
            case 'i':
                x->ctype = CT_INLINE;
                break;
            case 'b':
                x->ctype = CT_BOOL;
                break;
            case 'e':
                x->ctype = CT_ERROR;
                break;
            case 'd':
                x->ctype = CT_DATE;
                break;
            default:
                x->ctype = CT_NUMBER;
                break;
            }
        } else if (an[0] == 's') {
            int64_t st = attr_int(av, avlen);
            x->style = st < INT32_MIN ? INT32_MIN : st > INT32_MAX ? INT32_MAX : (int)st;
        }
    }
    /* no r attribute: the cell after the previous one */
    x->col = col >= 0 ? col : x->last_col + 1;
    x->in_cell = true;
    x->has_v = false;
    x->cbuf.len = 0;
}

static void store_text_cell(sl_xlsx *x, sl_xlsx_cell *c, sl_xlsx_kind kind, bool decode)
{
    size_t n = x->cbuf.len;
    if (decode && n)
        n = decode_x_escapes(x->cbuf.data, n);
    c->kind = kind;
    c->len = (int32_t)n;
    x->toff[x->col] = (int32_t)x->rtext.len;
    c->text = NULL; /* resolved at </row>: rtext may move while the row grows */
    if (n)
        xbuf_append(x->cx, &x->rtext, x->cbuf.data, n);
}

/*
 * A cell's number: what strtod makes of the whole text (trailing spaces
 * allowed).  Plain decimals with at most 19 significant digits that fit in
 * 53 bits and a power of ten up to 22 are computed directly: one correctly
 * rounded multiplication or division of two exact doubles gives the same
 * double as strtod, several times faster.  The rest goes to strtod.
 */
static bool parse_number(const char *v, size_t n, double *out)
{
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const char *p = v, *e = v + n;
    bool neg = false, any = false;
    uint64_t m = 0;
    int digits = 0, exp10 = 0;

    if (p < e && (*p == '-' || *p == '+'))
        neg = *p++ == '-';
    for (; p < e && *p >= '0' && *p <= '9'; p++) {
        any = true;
        if (m == 0 && *p == '0')
            continue;
        if (++digits > 19)
            goto slow;
        m = m * 10 + (uint64_t)(*p - '0');
    }
    if (p < e && *p == '.') {
        for (p++; p < e && *p >= '0' && *p <= '9'; p++) {
            any = true;
            if (m == 0 && *p == '0') {
                exp10--;
                continue;
            }
            if (++digits > 19)
                goto slow;
            m = m * 10 + (uint64_t)(*p - '0');
            exp10--;
        }
    }
    if (!any)
        goto slow;
    if (p < e && (*p == 'e' || *p == 'E')) {
        bool eneg = false;
        int ev = 0;
        p++;
        if (p < e && (*p == '-' || *p == '+'))
            eneg = *p++ == '-';
        if (p >= e || *p < '0' || *p > '9')
            goto slow;
        for (; p < e && *p >= '0' && *p <= '9'; p++)
            if (ev < 10000)
                ev = ev * 10 + (*p - '0');
        exp10 += eneg ? -ev : ev;
    }
    while (p < e && *p == ' ')
        p++;
    if (p != e)
        goto slow;
    if (m == 0) {
        *out = neg ? -0.0 : 0.0;
        return true;
    }
    if (m > (UINT64_C(1) << 53) || exp10 < -22 || exp10 > 22)
        goto slow;
    double d = (double)m;
    d = exp10 < 0 ? d / pow10[-exp10] : d * pow10[exp10];
    *out = neg ? -d : d;
    return true;

slow:;
    char *end;
    double d2 = strtod(v, &end);
    while (*end == ' ')
        end++;
    if (end == v || *end)
        return false;
    *out = d2;
    return true;
}

static void cell_end(sl_xlsx *x)
{
    x->in_cell = false;
    int col = x->col;
    x->last_col = col;
    if (!cells_reserve(x, col))
        return;
    /* columns skipped since the previous cell are empty */
    for (int i = x->ncells; i < col; i++) {
        x->cells[i].kind = SL_XLSX_EMPTY;
        x->toff[i] = -1;
    }
    if (col >= x->ncells)
        x->ncells = col + 1;
    sl_xlsx_cell *c = &x->cells[col];
    c->kind = SL_XLSX_EMPTY;
    x->toff[col] = -1;

    if (!x->has_v && x->ctype != CT_INLINE)
        return;
    if (x->cbuf.data == NULL)
        xbuf_reserve(x->cx, &x->cbuf, 64);
    x->cbuf.data[x->cbuf.len] = '\0';
    const char *v = x->cbuf.data;

    switch (x->ctype) {
    case CT_NUMBER: {
        if (x->cbuf.len == 0)
            return;
        double d;
        if (!parse_number(v, x->cbuf.len, &d)) {
            store_text_cell(x, c, SL_XLSX_TEXT, false); /* not a number: keep the text */
            break;
        }
        c->num = d;
        if (x->style >= 0 && x->style < x->nxf && x->xf_date[x->style]) {
            c->kind = SL_XLSX_DATE;
            c->ts = sl_xlsx_serial_to_us(d, x->date1904);
        } else {
            c->kind = SL_XLSX_NUMBER;
        }
        break;
    }
    case CT_SHARED: {
        if (x->cbuf.len == 0)
            return;
        long idx = strtol(v, NULL, 10);
        if (idx < 0 || idx >= x->nsst) {
            x->failed = true;
            snprintf(x->fail_msg, sizeof(x->fail_msg), "shared string %ld does not exist (row %lld)", idx,
                     (long long)x->row_number);
            return;
        }
        c->kind = SL_XLSX_TEXT;
        c->text = x->sst_data + x->sst_off[idx];
        c->len = x->sst_len[idx];
        break;
    }
    case CT_STR:
    case CT_INLINE:
        store_text_cell(x, c, SL_XLSX_TEXT, true);
        break;
    case CT_BOOL:
        if (x->cbuf.len == 0)
            return;
        c->kind = SL_XLSX_BOOL;
        c->num = (v[0] == '1' || v[0] == 't' || v[0] == 'T') ? 1 : 0;
        break;
    case CT_ERROR:
        store_text_cell(x, c, SL_XLSX_ERROR, false);
        break;
    case CT_DATE: {
        int64_t us;
        sl_error perr;
        if (x->cbuf.len == 0)
            return;
        if (sl_parse_timestamp(v, (int32_t)x->cbuf.len, &us, &perr) != SL_OK) {
            store_text_cell(x, c, SL_XLSX_TEXT, false);
            break;
        }
        c->kind = SL_XLSX_DATE;
        c->ts = us;
        c->num = (double)us / 86400e6 + (x->date1904 ? 24107 : 25569);
        break;
    }
    }
    if (c->kind != SL_XLSX_EMPTY)
        x->nvalues++;
}

/* Makes the parser return to sl_xlsx_next after the current element. */
static void sheet_pause(sl_xlsx *x, bool resumable)
{
    if (x->use_expat)
        XML_StopParser(x->parser, resumable ? XML_TRUE : XML_FALSE);
    else
        sl_xml_scan_stop(x->scan);
}

static void sheet_text(void *ud, const char *s, int32_t len)
{
    sl_xlsx *x = ud;
    if (x->collect)
        xbuf_append(x->cx, &x->cbuf, s, (size_t)len);
}

static void sheet_start(void *ud, const char *name, int32_t nlen, const sl_xml_attr *atts, int natts)
{
    sl_xlsx *x = ud;
    const char *ln = local_name_n(name, &nlen);

    switch (ln[0]) {
    case 'c':
        if (nlen == 1 && x->row_number > 0)
            cell_start(x, atts, natts);
        break;
    case 'v':
        if (nlen == 1 && x->in_cell) {
            x->collect = true;
            x->has_v = true;
            x->cbuf.len = 0;
        }
        break;
    case 't':
        /* inline string text; runs (<r><t>) are concatenated */
        if (nlen == 1 && x->in_is && !x->in_rph)
            x->collect = true;
        break;
    case 'i':
        if (name_is(ln, nlen, "is", 2) && x->in_cell) {
            x->in_is = true;
            x->cbuf.len = 0;
        }
        break;
    case 'r':
        if (name_is(ln, nlen, "row", 3)) {
            const sl_xml_attr *r = NULL;
            for (int i = 0; i < natts && !r; i++) {
                int32_t alen = atts[i].nlen;
                const char *al = local_name_n(atts[i].name, &alen);
                if (name_is(al, alen, "r", 1))
                    r = &atts[i];
            }
            /* Row numbers start at 1; a bad r (0, negative, not a number)
             * counts as a missing one: the row after the last (found by
             * fuzz/fuzz_xlsx; saturated, as r may be huge). */
            x->row_number = r ? attr_int(r->value, r->vlen) : 0;
            if (x->row_number < 1)
                x->row_number = x->last_row_number < INT64_MAX ? x->last_row_number + 1 : INT64_MAX;
            row_reset(x);
        } else if (name_is(ln, nlen, "rPh", 3)) {
            x->in_rph = true;
        }
        break;
    default:
        break;
    }
}

static void sheet_end(void *ud, const char *name, int32_t nlen)
{
    sl_xlsx *x = ud;
    const char *ln = local_name_n(name, &nlen);

    switch (ln[0]) {
    case 'c':
        if (nlen == 1 && x->in_cell)
            cell_end(x);
        break;
    case 'v':
    case 't':
        if (nlen == 1)
            x->collect = false;
        break;
    case 'i':
        if (name_is(ln, nlen, "is", 2))
            x->in_is = false;
        break;
    case 'r':
        if (name_is(ln, nlen, "row", 3)) {
            x->last_row_number = x->row_number;
            if (x->nvalues > 0) {
                for (int i = 0; i < x->ncells; i++)
                    if (x->toff[i] >= 0)
                        x->cells[i].text = x->rtext.data + x->toff[i];
                /* trailing empty cells are not part of the row */
                while (x->ncells > 0 && x->cells[x->ncells - 1].kind == SL_XLSX_EMPTY)
                    x->ncells--;
                x->row.number = x->row_number;
                x->row.ncells = x->ncells;
                x->row.cells = x->cells;
                x->row_ready = true;
                sheet_pause(x, true);
            }
            x->row_number = 0;
        } else if (name_is(ln, nlen, "rPh", 3)) {
            x->in_rph = false;
        }
        break;
    case 's':
        if (name_is(ln, nlen, "sheetData", 9)) {
            /* nothing after the data concerns us (merged cells, page setup) */
            x->data_done = true;
            sheet_pause(x, false);
        }
        break;
    default:
        break;
    }
    if (x->failed && !x->row_ready && !x->data_done)
        sheet_pause(x, false);
}

static const sl_xml_handlers sheet_handlers = {.start = sheet_start, .end = sheet_end, .text = sheet_text};

/* expat's view of the same handlers (for tests that compare the two) */

static void XMLCALL sheet_expat_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    sl_xlsx *x = ud;
    int n = 0;
    while (atts[2 * n])
        n++;
    if (n > x->eatts_cap) {
        x->eatts = sl_palloc(x->cx, sizeof(sl_xml_attr) * (size_t)n);
        x->eatts_cap = n;
    }
    for (int i = 0; i < n; i++) {
        x->eatts[i].name = atts[2 * i];
        x->eatts[i].nlen = (int32_t)strlen(atts[2 * i]);
        x->eatts[i].value = atts[2 * i + 1];
        x->eatts[i].vlen = (int32_t)strlen(atts[2 * i + 1]);
    }
    sheet_start(x, name, (int32_t)strlen(name), x->eatts, n);
}

static void XMLCALL sheet_expat_end(void *ud, const XML_Char *name)
{
    sheet_end(ud, name, (int32_t)strlen(name));
}

static void XMLCALL sheet_expat_text(void *ud, const XML_Char *s, int len)
{
    sheet_text(ud, s, len);
}

static int64_t sheet_read(void *ud, char *buf, size_t cap)
{
    sl_xlsx *x = ud;
    return zip_fread(x->zf, buf, cap);
}

static void sheet_stream_close(sl_xlsx *x)
{
    if (x->zf) {
        zip_fclose(x->zf);
        x->zf = NULL;
    }
}

static sl_status sheet_stream_open(sl_xlsx *x, sl_error *err)
{
    const char *part = x->sheets[x->cur_sheet].part;

    sheet_stream_close(x);
    x->zf = zip_fopen(x->zip, part, 0);
    if (!x->zf)
        return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not read sheet \"%s\" of file \"%s\": %s",
                            x->sheets[x->cur_sheet].name, x->name, zip_strerror(x->zip));
    if (x->use_expat) {
        if (!x->parser) {
            x->parser = XML_ParserCreate("UTF-8");
            if (!x->parser)
                return sl_error_set(err, SL_ERRCODE_OUT_OF_MEMORY, "out of memory");
        } else {
            XML_ParserReset(x->parser, "UTF-8");
        }
        XML_SetUserData(x->parser, x);
        XML_SetElementHandler(x->parser, sheet_expat_start, sheet_expat_end);
        XML_SetCharacterDataHandler(x->parser, sheet_expat_text);
    } else {
        if (!x->scan)
            x->scan = sl_xml_scan_create(x->cx, XLSX_CHUNK);
        sl_xml_scan_reset(x->scan, sheet_read, x, &sheet_handlers, x);
    }
    x->suspended = x->input_done = x->data_done = x->row_ready = x->failed = false;
    x->in_cell = x->in_is = x->in_rph = x->collect = false;
    x->row_number = 0;
    x->last_row_number = 0;
    row_reset(x);
    return SL_OK;
}

static sl_status sheet_read_error(sl_xlsx *x, sl_error *err)
{
    return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not read sheet \"%s\" of file \"%s\": %s",
                        x->sheets[x->cur_sheet].name, x->name, zip_file_strerror(x->zf));
}

static sl_status sheet_bad_data(sl_xlsx *x, sl_error *err)
{
    return sl_error_set(err, SL_ERRCODE_IO_ERROR, "bad data in sheet \"%s\" of file \"%s\": %s",
                        x->sheets[x->cur_sheet].name, x->name, x->fail_msg);
}

/* sl_xlsx_next on expat (tests only) */
static sl_status next_expat(sl_xlsx *x, const sl_xlsx_row **row, sl_error *err)
{
    for (;;) {
        enum XML_Status st;
        if (x->suspended) {
            x->suspended = false;
            st = XML_ResumeParser(x->parser);
        } else if (x->input_done || x->data_done) {
            return SL_OK;
        } else {
            void *buf = XML_GetBuffer(x->parser, XLSX_CHUNK);
            if (!buf)
                return sl_error_set(err, SL_ERRCODE_OUT_OF_MEMORY, "out of memory");
            zip_int64_t n = zip_fread(x->zf, buf, XLSX_CHUNK);
            if (n < 0)
                return sheet_read_error(x, err);
            x->input_done = n == 0;
            st = XML_ParseBuffer(x->parser, (int)n, n == 0);
        }
        if (x->failed)
            return sheet_bad_data(x, err);
        if (st == XML_STATUS_ERROR) {
            if (x->data_done && XML_GetErrorCode(x->parser) == XML_ERROR_ABORTED)
                return SL_OK;
            return sl_error_set(
                err, SL_ERRCODE_IO_ERROR, "malformed XML in sheet \"%s\" of file \"%s\": %s at line %lu",
                x->sheets[x->cur_sheet].name, x->name, XML_ErrorString(XML_GetErrorCode(x->parser)),
                (unsigned long)XML_GetCurrentLineNumber(x->parser));
        }
        if (st == XML_STATUS_SUSPENDED)
            x->suspended = true;
        if (x->row_ready) {
            x->row_ready = false;
            *row = &x->row;
            return SL_OK;
        }
    }
}

sl_status sl_xlsx_next(sl_xlsx *x, const sl_xlsx_row **row, sl_error *err)
{
    *row = NULL;
    if (x->use_expat)
        return next_expat(x, row, err);
    while (!x->input_done && !x->data_done) {
        sl_xml_scan_result r = sl_xml_scan_run(x->scan);
        if (x->failed)
            return sheet_bad_data(x, err);
        switch (r) {
        case SL_XML_SCAN_STOPPED:
            break;
        case SL_XML_SCAN_END:
            x->input_done = true;
            break;
        case SL_XML_SCAN_READ_ERROR:
            return sheet_read_error(x, err);
        case SL_XML_SCAN_MALFORMED:
            return sl_error_set(err, SL_ERRCODE_IO_ERROR,
                                "malformed XML in sheet \"%s\" of file \"%s\": %s at byte %lld of %s",
                                x->sheets[x->cur_sheet].name, x->name, sl_xml_scan_error(x->scan),
                                (long long)sl_xml_scan_offset(x->scan), x->sheets[x->cur_sheet].part);
        }
        if (x->row_ready) {
            x->row_ready = false;
            *row = &x->row;
            return SL_OK;
        }
    }
    return SL_OK;
}

sl_status sl_xlsx_rewind(sl_xlsx *x, sl_error *err)
{
    return sheet_stream_open(x, err);
}

sl_status sl_xlsx_use_expat(sl_xlsx *x, bool on, sl_error *err)
{
    x->use_expat = on;
    return sheet_stream_open(x, err);
}

/* ---- open/close ---- */

static sl_status not_xlsx(sl_xlsx *x, const char *why, sl_error *err)
{
    sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "file \"%s\" is not an xlsx workbook", x->name);
    sl_error_detail(err, "%s", why);
    return SL_ERROR;
}

/* Opens path, or fd when fd >= 0 (taken over: closed here on failure). */
static sl_status open_workbook(sl_xlsx *x, const char *path, int fd, const char *sheet, sl_error *err)
{
    int zerr = 0;
    if (fd >= 0) {
        x->zip = zip_fdopen(fd, 0, &zerr);
        if (!x->zip)
            close(fd);
    } else {
        x->zip = zip_open(path, ZIP_RDONLY, &zerr);
    }
    if (!x->zip) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        sl_status st;
        if (zerr == ZIP_ER_NOZIP)
            st = not_xlsx(x, "It is not a zip archive.", err);
        else if (zerr == ZIP_ER_NOENT || zerr == ZIP_ER_OPEN || zerr == ZIP_ER_READ)
            st = sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not open file \"%s\": %s", x->name,
                              zerr == ZIP_ER_NOENT ? strerror(ENOENT) : zip_error_strerror(&ze));
        else
            st = sl_error_set(err, SL_ERRCODE_IO_ERROR, "file \"%s\" is a corrupt zip archive: %s", x->name,
                              zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return st;
    }

    /* the workbook part, from the package relationships */
    const char *wb_part = NULL;
    if (part_exists(x, "_rels/.rels")) {
        rels_ctx rc = {.x = x};
        if (parse_part(x, "_rels/.rels", rels_start, ignore_end, NULL, &rc, err) != SL_OK)
            return SL_ERROR;
        for (int i = 0; i < rc.n; i++)
            if (type_is(rc.rels[i].type, "/officeDocument"))
                wb_part = resolve_target(x->cx, "", rc.rels[i].target);
    }
    if (!wb_part || !part_exists(x, wb_part))
        wb_part = "xl/workbook.xml";
    if (!part_exists(x, wb_part))
        return not_xlsx(x, "The zip archive has no workbook part (xl/workbook.xml).", err);

    wb_ctx wc = {.x = x};
    if (parse_part(x, wb_part, wb_start, ignore_end, NULL, &wc, err) != SL_OK)
        return SL_ERROR;
    if (x->nsheets == 0)
        return not_xlsx(x, "The workbook lists no sheets.", err);

    /* its relationships: sheets, shared strings, styles */
    const char *slash = strrchr(wb_part, '/');
    char *base = slash ? sl_pstrndup(x->cx, wb_part, (size_t)(slash - wb_part + 1)) : sl_pstrdup(x->cx, "");
    char *rels_part = sl_psprintf(x->cx, "%s_rels/%s.rels", base, slash ? slash + 1 : wb_part);
    rels_ctx rc = {.x = x};
    if (part_exists(x, rels_part) &&
        parse_part(x, rels_part, rels_start, ignore_end, NULL, &rc, err) != SL_OK)
        return SL_ERROR;
    const char *sst_part = NULL, *styles_part = NULL;
    for (int i = 0; i < rc.n; i++) {
        if (type_is(rc.rels[i].type, "/sharedStrings"))
            sst_part = resolve_target(x->cx, base, rc.rels[i].target);
        else if (type_is(rc.rels[i].type, "/styles"))
            styles_part = resolve_target(x->cx, base, rc.rels[i].target);
        for (int s = 0; s < x->nsheets; s++)
            if (strcmp(x->sheets[s].rid, rc.rels[i].id) == 0)
                x->sheets[s].part = resolve_target(x->cx, base, rc.rels[i].target);
    }

    /* choose the sheet: exact name, case-insensitive name, 1-based index */
    x->cur_sheet = -1;
    if (!sheet || !*sheet) {
        x->cur_sheet = 0;
    } else {
        for (int s = 0; s < x->nsheets && x->cur_sheet < 0; s++)
            if (strcmp(x->sheets[s].name, sheet) == 0)
                x->cur_sheet = s;
        for (int s = 0; s < x->nsheets && x->cur_sheet < 0; s++)
            if (strcasecmp(x->sheets[s].name, sheet) == 0)
                x->cur_sheet = s;
        if (x->cur_sheet < 0 && sheet[strspn(sheet, "0123456789")] == '\0') {
            long idx = strtol(sheet, NULL, 10);
            if (idx >= 1 && idx <= x->nsheets)
                x->cur_sheet = (int)idx - 1;
        }
    }
    if (x->cur_sheet < 0) {
        size_t cap = 64;
        for (int s = 0; s < x->nsheets; s++)
            cap += strlen(x->sheets[s].name) + 4;
        char *list = sl_palloc(x->cx, cap);
        list[0] = '\0';
        for (int s = 0; s < x->nsheets; s++) {
            strcat(list, s ? ", \"" : "\"");
            strcat(list, x->sheets[s].name);
            strcat(list, "\"");
        }
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "sheet \"%s\" does not exist in file \"%s\"",
                     sheet, x->name);
        sl_error_hint(err, "The workbook's sheets are %s; give a name or a 1-based index.", list);
        return SL_ERROR;
    }
    xlsx_sheet *sh = &x->sheets[x->cur_sheet];
    if (!sh->part) /* no relationship: try the usual name */
        sh->part = sl_psprintf(x->cx, "%sworksheets/sheet%d.xml", base, x->cur_sheet + 1);
    if (!part_exists(x, sh->part))
        return not_xlsx(x, "A sheet's part is missing from the zip archive.", err);

    if (!sst_part && part_exists(x, "xl/sharedStrings.xml"))
        sst_part = "xl/sharedStrings.xml";
    if (sst_part && part_exists(x, sst_part)) {
        sst_ctx sc = {.x = x};
        if (parse_part(x, sst_part, sst_start, sst_end, sst_text, &sc, err) != SL_OK)
            return SL_ERROR;
        if (x->failed)
            return sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT_EXCEEDED, "file \"%s\": %s", x->name,
                                x->fail_msg);
        xbuf_reserve(x->cx, &sc.data, 0);
        x->sst_data = sc.data.data;
        x->sst_off = sc.off;
        x->sst_len = sc.len;
    }
    if (!styles_part && part_exists(x, "xl/styles.xml"))
        styles_part = "xl/styles.xml";
    if (styles_part && part_exists(x, styles_part) && load_styles(x, styles_part, err) != SL_OK)
        return SL_ERROR;

    xbuf_reserve(x->cx, &x->cbuf, 256);
    xbuf_reserve(x->cx, &x->rtext, 256);
    cells_reserve(x, 15);
    return sheet_stream_open(x, err);
}

static sl_status open_reader(sl_mcxt *parent, const char *path, int fd, const char *name, const char *sheet,
                             sl_xlsx **out, sl_error *err)
{
    sl_mcxt *cx = sl_mcxt_create(parent, "xlsx reader");
    sl_xlsx *x = sl_pnew(cx, sl_xlsx);

    x->cx = cx;
    x->name = sl_pstrdup(cx, name ? name : path);
    *out = NULL;
    if (open_workbook(x, path, fd, sheet, err) != SL_OK) {
        sl_xlsx_close(x);
        return SL_ERROR;
    }
    *out = x;
    return SL_OK;
}

sl_status sl_xlsx_open(sl_mcxt *parent, const char *path, const char *name, const char *sheet, sl_xlsx **out,
                       sl_error *err)
{
    return open_reader(parent, path, -1, name, sheet, out, err);
}

sl_status sl_xlsx_open_fd(sl_mcxt *parent, int fd, const char *name, const char *sheet, sl_xlsx **out,
                          sl_error *err)
{
    return open_reader(parent, name, fd, name, sheet, out, err);
}

void sl_xlsx_close(sl_xlsx *x)
{
    if (!x)
        return;
    sheet_stream_close(x);
    if (x->parser)
        XML_ParserFree(x->parser);
    if (x->zip)
        zip_discard(x->zip);
    sl_mcxt_delete(x->cx);
}

int sl_xlsx_sheet_count(const sl_xlsx *x)
{
    return x->nsheets;
}

const char *sl_xlsx_sheet_name(const sl_xlsx *x, int i)
{
    return i >= 0 && i < x->nsheets ? x->sheets[i].name : NULL;
}

const char *sl_xlsx_current_sheet(const sl_xlsx *x)
{
    return x->sheets[x->cur_sheet].name;
}

bool sl_xlsx_date1904(const sl_xlsx *x)
{
    return x->date1904;
}

int sl_xlsx_shared_count(const sl_xlsx *x)
{
    return x->nsst;
}

size_t sl_xlsx_bytes(const sl_xlsx *x)
{
    return sl_mcxt_bytes(x->cx);
}
