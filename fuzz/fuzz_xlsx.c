/*
 * fuzz_xlsx.c - fuzz harness of the xlsx reader (formats/xlsx_reader.h):
 * libzip, the expat parsers of the workbook's small parts, and the sheet
 * scanner (formats/xlsx_sheet_scan.c).
 *
 * The reader opens a path, so each input becomes a file in a temporary
 * directory.  Three kinds of input:
 *   - "PK..." : a zip archive as is (the zip layer; a mutated deflate
 *     stream mostly fails its CRC, so this reaches the XML rarely);
 *   - "== name\n" sections: the XML parts of a workbook, zipped here
 *     (stored, correct CRCs) over a default minimal workbook, so the
 *     mutations reach the XML parsers: "== xl/sharedStrings.xml" replaces
 *     that part, "== xl/worksheets/sheet2.xml" adds one;
 *   - anything else: the XML of the first sheet in the default workbook.
 * Every row of every sheet (up to three) is read; the first sheet is then
 * read again with expat, and when both tokenizers read it to the end
 * without error their rows must be the same, cell by cell (the reader's
 * design promises they agree).
 */
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "fuzz/fuzz.h"
#include "formats/xlsx_reader.h"

#define FUZZ_MAX_ROWS  100000
#define FUZZ_MAX_PARTS 16

typedef struct part {
    const char *name;
    const char *data;
    size_t len;
} part;

/* The default workbook: two sheets, shared strings, a date style. */
static const struct {
    const char *name, *data;
} default_parts[] = {
    {"[Content_Types].xml", "<?xml version=\"1.0\"?><Types "
                            "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"},
    {"_rels/.rels",
     "<?xml version=\"1.0\"?><Relationships "
     "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" "
     "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
     "Target=\"xl/workbook.xml\"/></Relationships>"},
    {"xl/workbook.xml",
     "<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
     "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"
     "<sheet name=\"readings\" sheetId=\"1\" r:id=\"rId1\"/><sheet name=\"Other\" sheetId=\"2\" "
     "r:id=\"rId2\"/></sheets></workbook>"},
    {"xl/_rels/workbook.xml.rels",
     "<?xml version=\"1.0\"?><Relationships "
     "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
     "<Relationship Id=\"rId1\" "
     "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
     "Target=\"worksheets/sheet1.xml\"/>"
     "<Relationship Id=\"rId2\" "
     "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
     "Target=\"/xl/worksheets/sheet2.xml\"/>"
     "<Relationship Id=\"rId3\" "
     "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" "
     "Target=\"sharedStrings.xml\"/>"
     "<Relationship Id=\"rId4\" "
     "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" "
     "Target=\"styles.xml\"/></Relationships>"},
    {"xl/sharedStrings.xml",
     "<?xml version=\"1.0\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
     "count=\"3\" uniqueCount=\"3\"><si><t>station</t></si><si><t xml:space=\"preserve\"> north </t></si>"
     "<si><r><t>ri</t></r><r><t>ch</t></r><rPh><t>x</t></rPh></si></sst>"},
    {"xl/styles.xml",
     "<?xml version=\"1.0\"?><styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
     "<numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"yyyy-mm-dd hh:mm:ss.000\"/></numFmts>"
     "<cellXfs count=\"3\"><xf numFmtId=\"0\"/><xf numFmtId=\"164\" applyNumberFormat=\"1\"/>"
     "<xf numFmtId=\"14\"/></cellXfs></styleSheet>"},
    {"xl/worksheets/sheet1.xml",
     "<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
     "<sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"inlineStr\"><is><t>ph</t></is>"
     "</c></row><row r=\"2\"><c r=\"A2\" s=\"1\"><v>45352.5</v></c><c r=\"B2\"><v>7.25</v></c>"
     "<c r=\"C2\" t=\"b\"><v>1</v></c><c r=\"D2\" t=\"e\"><v>#N/A</v></c></row></sheetData></worksheet>"},
    {"xl/worksheets/sheet2.xml",
     "<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
     "<sheetData><row><c t=\"s\"><v>2</v></c><c s=\"2\"><v>1</v></c></row></sheetData></worksheet>"},
};
#define NDEFAULT ((int)(sizeof(default_parts) / sizeof(default_parts[0])))

static char tmp_path[4096];

static void remove_tmp(void)
{
    if (tmp_path[0] != '\0')
        unlink(tmp_path);
}

/* The file every input is written to (one per process: inputs run one at a time). */
static const char *tmp_file(void)
{
    if (tmp_path[0] == '\0') {
        const char *dir = getenv("TMPDIR");
        int fd;

        snprintf(tmp_path, sizeof(tmp_path), "%s/sl_fuzz_xlsx_XXXXXX", dir && *dir ? dir : "/tmp");
        fd = mkstemp(tmp_path);
        if (fd < 0) {
            perror("mkstemp");
            abort();
        }
        close(fd);
        atexit(remove_tmp);
    }
    return tmp_path;
}

static bool write_raw(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    bool ok = f != NULL && fwrite(data, 1, size, f) == size;

    if (f != NULL && fclose(f) != 0)
        ok = false;
    return ok;
}

/* Splits "== name\n" sections into parts over the defaults; false when the zip cannot be written. */
static bool write_parts(const char *path, const uint8_t *data, size_t size)
{
    part parts[NDEFAULT + FUZZ_MAX_PARTS];
    int nparts = NDEFAULT;
    char names[FUZZ_MAX_PARTS][256];
    const char *p = (const char *)data, *end = p + size;
    zip_t *zip;
    int zerr;

    for (int i = 0; i < NDEFAULT; i++) {
        parts[i].name = default_parts[i].name;
        parts[i].data = default_parts[i].data;
        parts[i].len = strlen(default_parts[i].data);
    }
    if (size < 3 || memcmp(p, "== ", 3) != 0) {
        parts[NDEFAULT - 2].data = p; /* the first sheet */
        parts[NDEFAULT - 2].len = size;
    } else {
        int nnew = 0;
        while (p < end && end - p >= 3 && memcmp(p, "== ", 3) == 0) {
            const char *nl = memchr(p, '\n', (size_t)(end - p)), *body, *next;
            size_t nlen;
            int k;

            if (nl == NULL)
                break;
            nlen = (size_t)(nl - p - 3);
            body = nl + 1;
            for (next = body; next < end; next++)
                if (*next == '\n' && end - next >= 4 && memcmp(next + 1, "== ", 3) == 0)
                    break;
            if (nlen == 0 || nlen >= sizeof(names[0]) || nnew == FUZZ_MAX_PARTS)
                break;
            memcpy(names[nnew], p + 3, nlen);
            names[nnew][nlen] = '\0';
            for (k = 0; k < nparts; k++)
                if (strcmp(parts[k].name, names[nnew]) == 0)
                    break;
            if (k == nparts)
                nparts++;
            parts[k].name = names[nnew++];
            parts[k].data = body;
            parts[k].len = (size_t)(next - body);
            p = next < end ? next + 1 : end;
        }
    }
    zip = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (zip == NULL)
        return false;
    for (int i = 0; i < nparts; i++) {
        zip_source_t *src = zip_source_buffer(zip, parts[i].data, parts[i].len, 0);
        zip_int64_t idx;

        if (src == NULL)
            break;
        idx = zip_file_add(zip, parts[i].name, src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
        if (idx < 0) {
            zip_source_free(src); /* a name libzip refuses: that part is left out */
            continue;
        }
        zip_set_file_compression(zip, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
    }
    if (zip_close(zip) != 0) {
        zip_discard(zip);
        return false;
    }
    return true;
}

/* A running digest of rows; the text bytes are all read (ASan checks their bounds). */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

/* Reads every row; true when the sheet was read to its end. */
static bool read_all(sl_xlsx *x, uint64_t *digest, int64_t *nrows)
{
    const sl_xlsx_row *row;
    sl_error err;
    uint64_t h = 14695981039346656037ULL;
    int64_t n = 0;

    for (;;) {
        if (sl_xlsx_next(x, &row, &err) != SL_OK) {
            if (!sl_error_is_set(&err))
                sl_fuzz_fail("sl_xlsx_next failed without an error");
            return false;
        }
        if (row == NULL)
            break;
        if (row->ncells < 0 || row->ncells > 16384 || (row->ncells > 0 && row->cells == NULL))
            sl_fuzz_fail("a row of %d cells", row->ncells);
        if (row->number < 1)
            sl_fuzz_fail("row number %lld", (long long)row->number);
        h = mix(h, &row->number, sizeof(row->number));
        for (int i = 0; i < row->ncells; i++) {
            const sl_xlsx_cell *c = &row->cells[i];
            h = mix(h, &c->kind, sizeof(c->kind));
            switch (c->kind) {
            case SL_XLSX_TEXT:
            case SL_XLSX_ERROR:
                if (c->len < 0 || (c->len > 0 && c->text == NULL))
                    sl_fuzz_fail("a text cell of %d bytes", c->len);
                h = mix(h, c->text, (size_t)c->len);
                break;
            case SL_XLSX_DATE:
                h = mix(h, &c->ts, sizeof(c->ts));
                /* fall through */
            case SL_XLSX_NUMBER:
            case SL_XLSX_BOOL:
                h = mix(h, &c->num, sizeof(c->num));
                break;
            default:
                break;
            }
        }
        if (++n == FUZZ_MAX_ROWS)
            return false;
    }
    *digest = h;
    *nrows = n;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = tmp_file();
    sl_mcxt *cx;
    sl_xlsx *x = NULL;
    sl_error err;
    bool zipped = size >= 2 && data[0] == 'P' && data[1] == 'K';

    if (!(zipped ? write_raw(path, data, size) : write_parts(path, data, size)))
        return 0;
    cx = sl_mcxt_create(NULL, "fuzz xlsx");
    sl_error_clear(&err);
    if (sl_xlsx_open(cx, path, "fuzz.xlsx", NULL, &x, &err) == SL_OK) {
        uint64_t h1 = 0, h2 = 0;
        int64_t n1 = 0, n2 = 0;
        int nsheets = sl_xlsx_sheet_count(x);
        bool ok1 = read_all(x, &h1, &n1), ok2;

        if (sl_xlsx_use_expat(x, true, &err) == SL_OK) {
            ok2 = read_all(x, &h2, &n2);
            if (ok1 && ok2 && (n1 != n2 || h1 != h2))
                sl_fuzz_fail("the scanner and expat read the sheet differently (%lld and %lld rows)",
                             (long long)n1, (long long)n2);
        }
        if (sl_xlsx_rewind(x, &err) == SL_OK)
            (void)read_all(x, &h1, &n1);
        sl_xlsx_close(x);
        for (int i = 1; i < nsheets && i < 3; i++) {
            char sheet[16];
            snprintf(sheet, sizeof(sheet), "%d", i + 1);
            if (sl_xlsx_open(cx, path, "fuzz.xlsx", sheet, &x, &err) == SL_OK) {
                (void)read_all(x, &h1, &n1);
                sl_xlsx_close(x);
            }
        }
    } else if (!sl_error_is_set(&err))
        sl_fuzz_fail("sl_xlsx_open failed without an error");
    sl_mcxt_delete(cx);
    return 0;
}
