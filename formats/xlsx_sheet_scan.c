/*
 * xlsx_sheet_scan.c - a small, strict XML tokenizer for worksheet parts.
 *
 * The buffer holds buf[pos, end): the bytes not yet consumed.  Each step
 * looks at buf[pos]: '<' starts markup, anything else a run of text up to
 * the next '<' (found with memchr).  A step either consumes a whole token
 * or, when the token runs past end, reports "more" without side effects;
 * the caller then moves the tail to the front of the buffer, reads more and
 * retries.  So callbacks see only complete tokens, tokens straddle reads of
 * any size (even one byte), and a token is bounded by SL_XML_SCAN_MAX_TOKEN.
 *
 * Text and attribute values are handed out in place when they need no
 * decoding (the common case: numbers and short ASCII); otherwise they are
 * decoded into a scratch buffer.  Every byte is checked once: text for
 * markup characters, entities, UTF-8 and the XML character range.
 *
 * Entry points: see formats/xlsx_sheet_scan.h.
 */
#include "formats/xlsx_sheet_scan.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SCAN_MAX_NAME  256
#define SCAN_MAX_DEPTH 256
#define SCAN_MAX_ATTS  256

/* step results */
enum { ST_OK = 0, ST_MORE, ST_ERR };

struct sl_xml_scan {
    sl_mcxt *cx;
    char *buf;
    size_t cap, chunk;
    size_t pos, end; /* unconsumed bytes: buf[pos, end) */
    int64_t base;    /* offset in the document of buf[0] */
    bool eof, stop, failed, read_failed;
    bool at_start;  /* nothing consumed yet: a BOM or an XML declaration may come */
    bool root_seen; /* the root element has started */
    bool root_done; /* ... and ended */

    sl_xml_read_fn read;
    void *read_ud;
    const sl_xml_handlers *h;
    void *ud;

    /* open elements: their names, SCAN_MAX_NAME bytes each */
    char (*stack)[SCAN_MAX_NAME];
    int32_t *stack_len;
    int depth;

    /* the tag being parsed */
    sl_xml_attr *atts;
    size_t *aoff; /* value offset in abuf, or SIZE_MAX when the value is in place */
    char *abuf;
    size_t abuf_len, abuf_cap;

    /* decoded text */
    char *tbuf;
    size_t tbuf_len, tbuf_cap;

    char msg[160];
    int64_t err_off;
};

/* ---- small helpers ---- */

static int fail(sl_xml_scan *s, const char *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
    va_end(ap);
    s->err_off = s->base + (int64_t)(at - s->buf);
    s->failed = true;
    return ST_ERR;
}

static inline bool is_space(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

static inline bool is_name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
}

static inline bool is_name_char(unsigned char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static inline bool is_xml_char(uint32_t cp)
{
    return (cp >= 0x20 && cp <= 0xD7FF) || cp == 0x9 || cp == 0xA || cp == 0xD ||
           (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/*
 * Decodes one UTF-8 sequence starting with a byte >= 0x80 at p (p < e).
 * Returns its length, or 0 when it is not valid UTF-8 (overlong forms,
 * surrogates, beyond U+10FFFF, cut short) or not an XML character.
 */
static int utf8_seq(const unsigned char *p, const unsigned char *e)
{
    uint32_t cp;
    int n;
    unsigned char c = p[0];
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (e - p < n)
        return 0;
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || (cp >= 0xD800 && cp <= 0xDFFF) ||
        !is_xml_char(cp))
        return 0;
    return n;
}

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Makes room for need bytes in a scratch buffer of the context. */
static char *reserve(sl_mcxt *cx, char **buf, size_t *cap, size_t need)
{
    if (need > *cap) {
        size_t ncap = *cap ? *cap : 256;
        while (ncap < need)
            ncap *= 2;
        *buf = *buf ? sl_prealloc(cx, *buf, *cap, ncap) : sl_palloc(cx, ncap);
        *cap = ncap;
    }
    return *buf;
}

/*
 * Decodes the entity at p ('&') that ends before e; writes its UTF-8 to o
 * and returns the bytes written, with *next after the ';'; 0 on an error
 * (reported).
 */
static size_t entity(sl_xml_scan *s, const char *p, const char *e, char *o, const char **next)
{
    const char *semi = memchr(p, ';', (size_t)(e - p));
    if (!semi) {
        fail(s, p, "unterminated entity reference");
        return 0;
    }
    const char *n = p + 1;
    size_t len = (size_t)(semi - n);
    *next = semi + 1;
    if (len >= 2 && n[0] == '#') {
        uint32_t cp = 0;
        bool hex = n[1] == 'x';
        const char *d = n + (hex ? 2 : 1);
        if (d == semi) {
            fail(s, p, "malformed character reference");
            return 0;
        }
        for (; d < semi; d++) {
            int v;
            if (*d >= '0' && *d <= '9')
                v = *d - '0';
            else if (hex && *d >= 'a' && *d <= 'f')
                v = *d - 'a' + 10;
            else if (hex && *d >= 'A' && *d <= 'F')
                v = *d - 'A' + 10;
            else {
                fail(s, p, "malformed character reference");
                return 0;
            }
            cp = cp * (hex ? 16 : 10) + (uint32_t)v;
            if (cp > 0x10FFFF) {
                fail(s, p, "character reference out of range");
                return 0;
            }
        }
        if (!is_xml_char(cp) || (cp >= 0xD800 && cp <= 0xDFFF)) {
            fail(s, p, "reference to invalid character %u", (unsigned)cp);
            return 0;
        }
        return put_utf8(o, cp);
    }
    if (len == 3 && memcmp(n, "amp", 3) == 0)
        *o = '&';
    else if (len == 2 && memcmp(n, "lt", 2) == 0)
        *o = '<';
    else if (len == 2 && memcmp(n, "gt", 2) == 0)
        *o = '>';
    else if (len == 4 && memcmp(n, "quot", 4) == 0)
        *o = '"';
    else if (len == 4 && memcmp(n, "apos", 4) == 0)
        *o = '\'';
    else {
        fail(s, p, "undefined entity \"&%.*s;\"", (int)(len < 40 ? len : 40), n);
        return 0;
    }
    return 1;
}

/*
 * Checks that [p, e) holds only XML characters (comments, processing
 * instructions: nothing is decoded).
 */
static int check_chars(sl_xml_scan *s, const char *p, const char *e)
{
    while (p < e) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c < 0x80) {
            p++;
        } else if (c >= 0x80) {
            int n = utf8_seq((const unsigned char *)p, (const unsigned char *)e);
            if (!n)
                return fail(s, p, "invalid UTF-8 or character");
            p += n;
        } else if (c == '\t' || c == '\n' || c == '\r') {
            p++;
        } else {
            return fail(s, p, "control character 0x%02x", c);
        }
    }
    return ST_OK;
}

/* ---- text ---- */

/* A byte that text can hold as is (no decoding, no check). */
static inline bool text_plain(unsigned char c)
{
    return (c >= 0x20 && c < 0x80 && c != '&' && c != '<' && c != '>') || c == '\n' || c == '\t';
}

/*
 * Delivers the complete text [p, e): a run of character data between
 * markup, or (cdata) the content of a CDATA section.
 */
static int text_run(sl_xml_scan *s, const char *p, const char *e, bool cdata)
{
    const char *r = p;
    while (r < e && text_plain((unsigned char)*r))
        r++;
    if (s->depth == 0) {
        /* outside the root element: white space only */
        for (const char *q = p; q < e; q++)
            if (!is_space((unsigned char)*q))
                return fail(s, q,
                            s->root_done ? "junk after the document element"
                                         : "text before the document element");
        return ST_OK;
    }
    if (r == e) {
        if (e > p)
            s->h->text(s->ud, p, (int32_t)(e - p));
        return ST_OK;
    }
    /* decode: the output is never longer than the input */
    char *o = reserve(s->cx, &s->tbuf, &s->tbuf_cap, (size_t)(e - p) + 4);
    size_t n = (size_t)(r - p);
    memcpy(o, p, n);
    while (r < e) {
        unsigned char c = (unsigned char)*r;
        if (text_plain(c)) {
            o[n++] = (char)c;
            r++;
        } else if (c >= 0x80) {
            int k = utf8_seq((const unsigned char *)r, (const unsigned char *)e);
            if (!k)
                return fail(s, r, "invalid UTF-8 or character");
            memcpy(o + n, r, (size_t)k);
            n += (size_t)k;
            r += k;
        } else if (c == '\r') {
            /* CR LF and lone CR are both LF */
            o[n++] = '\n';
            r++;
            if (r < e && *r == '\n')
                r++;
        } else if (c == '&' && !cdata) {
            const char *next;
            size_t k = entity(s, r, e, o + n, &next);
            if (!k)
                return ST_ERR;
            n += k;
            r = next;
        } else if (c == '>' && !cdata) {
            if (r - p >= 2 && r[-1] == ']' && r[-2] == ']')
                return fail(s, r, "\"]]>\" in text");
            o[n++] = '>';
            r++;
        } else if (cdata && (c == '&' || c == '<' || c == '>')) {
            o[n++] = (char)c;
            r++;
        } else {
            return fail(s, r, "control character 0x%02x in text", c);
        }
    }
    s->h->text(s->ud, o, (int32_t)n);
    return ST_OK;
}

static int step_text(sl_xml_scan *s)
{
    const char *p = s->buf + s->pos, *e = s->buf + s->end;
    const char *q = memchr(p, '<', (size_t)(e - p));
    if (!q) {
        if (!s->eof)
            return ST_MORE;
        q = e;
    }
    s->at_start = false;
    int rc = text_run(s, p, q, false);
    if (rc == ST_OK)
        s->pos = (size_t)(q - s->buf);
    return rc;
}

/* ---- markup ---- */

/* Scans a name at *q; ST_MORE when it runs to e. */
static int scan_name(sl_xml_scan *s, const char **q, const char *e)
{
    const char *p = *q;
    if (p >= e)
        return ST_MORE;
    if (!is_name_start((unsigned char)*p))
        return fail(s, p, "a name was expected");
    p++;
    while (p < e && is_name_char((unsigned char)*p))
        p++;
    if (p >= e)
        return ST_MORE;
    if (p - *q > SCAN_MAX_NAME)
        return fail(s, *q, "name longer than %d bytes", SCAN_MAX_NAME);
    /* names beyond ASCII must still be UTF-8 */
    for (const char *c = *q; c < p;) {
        if ((unsigned char)*c < 0x80) {
            c++;
            continue;
        }
        int n = utf8_seq((const unsigned char *)c, (const unsigned char *)p);
        if (!n)
            return fail(s, c, "invalid UTF-8 in a name");
        c += n;
    }
    *q = p;
    return ST_OK;
}

/* A byte an attribute value can hold as is. */
static inline bool attr_plain(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '&' && c != '<';
}

/* Checks and, when needed, decodes the attribute value [p, e) into abuf. */
static int attr_value(sl_xml_scan *s, const char *p, const char *e, int i)
{
    const char *r = p;
    while (r < e && attr_plain((unsigned char)*r))
        r++;
    s->atts[i].value = p;
    s->atts[i].vlen = (int32_t)(e - p);
    s->aoff[i] = SIZE_MAX;
    if (r == e)
        return ST_OK;
    char *o = reserve(s->cx, &s->abuf, &s->abuf_cap, s->abuf_len + (size_t)(e - p) + 4);
    size_t start = s->abuf_len, n = start;
    memcpy(o + n, p, (size_t)(r - p));
    n += (size_t)(r - p);
    while (r < e) {
        unsigned char c = (unsigned char)*r;
        if (attr_plain(c)) {
            o[n++] = (char)c;
            r++;
        } else if (c >= 0x80) {
            int k = utf8_seq((const unsigned char *)r, (const unsigned char *)e);
            if (!k)
                return fail(s, r, "invalid UTF-8 or character in an attribute value");
            memcpy(o + n, r, (size_t)k);
            n += (size_t)k;
            r += k;
        } else if (c == '\t' || c == '\n' || c == '\r') {
            /* normalised to a space, CR LF to one */
            o[n++] = ' ';
            if (c == '\r' && r + 1 < e && r[1] == '\n')
                r++;
            r++;
        } else if (c == '&') {
            const char *next;
            size_t k = entity(s, r, e, o + n, &next);
            if (!k)
                return ST_ERR;
            n += k;
            r = next;
        } else if (c == '<') {
            return fail(s, r, "\"<\" in an attribute value");
        } else {
            return fail(s, r, "control character 0x%02x in an attribute value", c);
        }
    }
    s->aoff[i] = start;
    s->atts[i].vlen = (int32_t)(n - start);
    s->abuf_len = n;
    return ST_OK;
}

static void push(sl_xml_scan *s, const char *name, int32_t nlen)
{
    memcpy(s->stack[s->depth], name, (size_t)nlen);
    s->stack_len[s->depth] = nlen;
    s->depth++;
    s->root_seen = true;
}

static void pop(sl_xml_scan *s)
{
    if (--s->depth == 0)
        s->root_done = true;
}

static int start_tag(sl_xml_scan *s, const char *p, const char *e)
{
    const char *q = p + 1;
    int rc = scan_name(s, &q, e);
    if (rc != ST_OK)
        return rc;
    const char *name = p + 1;
    int32_t nlen = (int32_t)(q - name);
    int natts = 0;
    bool empty;

    s->abuf_len = 0;
    for (;;) {
        const char *ws = q;
        while (q < e && is_space((unsigned char)*q))
            q++;
        if (q >= e)
            return ST_MORE;
        if (*q == '>') {
            q++;
            empty = false;
            break;
        }
        if (*q == '/') {
            if (q + 1 >= e)
                return ST_MORE;
            if (q[1] != '>')
                return fail(s, q, "\"/\" not followed by \">\" in a tag");
            q += 2;
            empty = true;
            break;
        }
        if (q == ws)
            return fail(s, q, "white space expected before an attribute");
        const char *an = q;
        if ((rc = scan_name(s, &q, e)) != ST_OK)
            return rc;
        int32_t anlen = (int32_t)(q - an);
        while (q < e && is_space((unsigned char)*q))
            q++;
        if (q >= e)
            return ST_MORE;
        if (*q != '=')
            return fail(s, q, "\"=\" expected after attribute \"%.*s\"", (int)anlen, an);
        q++;
        while (q < e && is_space((unsigned char)*q))
            q++;
        if (q >= e)
            return ST_MORE;
        char quote = *q;
        if (quote != '"' && quote != '\'')
            return fail(s, q, "quoted value expected for attribute \"%.*s\"", (int)anlen, an);
        q++;
        const char *ve = memchr(q, quote, (size_t)(e - q));
        if (!ve)
            return ST_MORE;
        if (natts == SCAN_MAX_ATTS)
            return fail(s, an, "more than %d attributes", SCAN_MAX_ATTS);
        for (int i = 0; i < natts; i++)
            if (s->atts[i].nlen == anlen && memcmp(s->atts[i].name, an, (size_t)anlen) == 0)
                return fail(s, an, "duplicate attribute \"%.*s\"", (int)anlen, an);
        s->atts[natts].name = an;
        s->atts[natts].nlen = anlen;
        if ((rc = attr_value(s, q, ve, natts)) != ST_OK)
            return rc;
        natts++;
        q = ve + 1;
    }

    /* the tag is complete */
    if (s->root_done)
        return fail(s, p, "junk after the document element");
    if (s->depth == SCAN_MAX_DEPTH)
        return fail(s, p, "elements nested more than %d deep", SCAN_MAX_DEPTH);
    for (int i = 0; i < natts; i++)
        if (s->aoff[i] != SIZE_MAX)
            s->atts[i].value = s->abuf + s->aoff[i];
    s->pos = (size_t)(q - s->buf);
    s->at_start = false;
    push(s, name, nlen);
    s->h->start(s->ud, name, nlen, s->atts, natts);
    if (empty) {
        pop(s);
        s->h->end(s->ud, name, nlen);
    }
    return ST_OK;
}

static int end_tag(sl_xml_scan *s, const char *p, const char *e)
{
    const char *q = p + 2;
    int rc = scan_name(s, &q, e);
    if (rc != ST_OK)
        return rc;
    const char *name = p + 2;
    int32_t nlen = (int32_t)(q - name);
    while (q < e && is_space((unsigned char)*q))
        q++;
    if (q >= e)
        return ST_MORE;
    if (*q != '>')
        return fail(s, q, "\">\" expected to end tag \"%.*s\"", (int)nlen, name);
    if (s->depth == 0)
        return fail(s, p, "end tag \"%.*s\" without a start tag", (int)nlen, name);
    int d = s->depth - 1;
    if (s->stack_len[d] != nlen || memcmp(s->stack[d], name, (size_t)nlen) != 0)
        return fail(s, p, "mismatched tag: \"%.*s\" closes \"%.*s\"", (int)nlen, name, (int)s->stack_len[d],
                    s->stack[d]);
    s->pos = (size_t)(q + 1 - s->buf);
    pop(s);
    s->h->end(s->ud, name, nlen);
    return ST_OK;
}

/* 1: [p, e) starts with lit; 0: it does not; -1: too short to tell. */
static int has_prefix(const char *p, const char *e, const char *lit, size_t n)
{
    size_t avail = (size_t)(e - p);
    if (avail >= n)
        return memcmp(p, lit, n) == 0;
    return memcmp(p, lit, avail) == 0 ? -1 : 0;
}

/*
 * The XML declaration's pseudo-attributes [p, e) (between "<?xml" and
 * "?>"): version, then optional encoding and standalone, in that order.
 * The encoding is not acted on: parts of an xlsx are UTF-8.
 */
static int xml_decl(sl_xml_scan *s, const char *p, const char *e)
{
    static const char *const names[] = {"version", "encoding", "standalone"};
    int next = 0;
    for (;;) {
        const char *ws = p;
        while (p < e && is_space((unsigned char)*p))
            p++;
        if (p == e)
            break;
        if (p == ws)
            return fail(s, p, "malformed XML declaration");
        int k = -1;
        for (int i = next; i < 3 && k < 0; i++) {
            size_t n = strlen(names[i]);
            if ((size_t)(e - p) > n && memcmp(p, names[i], n) == 0 &&
                (p[n] == '=' || is_space((unsigned char)p[n])))
                k = i;
        }
        if (k < 0 || (next == 0 && k != 0))
            return fail(s, p, "malformed XML declaration");
        p += strlen(names[k]);
        while (p < e && is_space((unsigned char)*p))
            p++;
        if (p == e || *p != '=')
            return fail(s, p, "malformed XML declaration");
        p++;
        while (p < e && is_space((unsigned char)*p))
            p++;
        if (p == e || (*p != '"' && *p != '\''))
            return fail(s, p, "malformed XML declaration");
        const char *v = p + 1, *ve = memchr(v, *p, (size_t)(e - v));
        if (!ve)
            return fail(s, p, "malformed XML declaration");
        size_t vn = (size_t)(ve - v);
        bool ok;
        if (k == 0) {
            /* as lenient as expat: the characters of a version number */
            ok = vn > 0;
            for (size_t i = 0; i < vn && ok; i++)
                ok = ((v[i] | 0x20) >= 'a' && (v[i] | 0x20) <= 'z') || (v[i] >= '0' && v[i] <= '9') ||
                     v[i] == '.' || v[i] == '_' || v[i] == '-' || v[i] == ':';
        } else if (k == 1) {
            ok = vn > 0 && ((v[0] | 0x20) >= 'a' && (v[0] | 0x20) <= 'z');
            for (size_t i = 1; i < vn && ok; i++)
                ok = ((v[i] | 0x20) >= 'a' && (v[i] | 0x20) <= 'z') || (v[i] >= '0' && v[i] <= '9') ||
                     v[i] == '.' || v[i] == '_' || v[i] == '-';
        } else {
            ok = (vn == 3 && memcmp(v, "yes", 3) == 0) || (vn == 2 && memcmp(v, "no", 2) == 0);
        }
        if (!ok)
            return fail(s, v, "malformed XML declaration");
        p = ve + 1;
        next = k + 1;
    }
    if (next == 0)
        return fail(s, p, "XML declaration without a version");
    return ST_OK;
}

static int processing_instruction(sl_xml_scan *s, const char *p, const char *e)
{
    const char *close = NULL;
    for (const char *q = p + 2; q + 1 < e; q++)
        if (q[0] == '?' && q[1] == '>') {
            close = q;
            break;
        }
    if (!close)
        return ST_MORE;
    const char *q = p + 2;
    int rc = scan_name(s, &q, close + 1);
    if (rc == ST_MORE || (rc == ST_OK && q > close))
        return fail(s, p + 2, "malformed processing instruction");
    if (rc != ST_OK)
        return rc;
    if (q < close && !is_space((unsigned char)*q))
        return fail(s, q, "malformed processing instruction");
    bool xml = q - (p + 2) == 3 && (p[2] | 0x20) == 'x' && (p[3] | 0x20) == 'm' && (p[4] | 0x20) == 'l';
    if (xml && memcmp(p + 2, "xml", 3) != 0)
        return fail(s, p, "reserved processing instruction name");
    if (xml && !s->at_start)
        return fail(s, p, "XML declaration not at the start of the document");
    rc = xml ? xml_decl(s, q, close) : check_chars(s, q, close);
    if (rc != ST_OK)
        return rc;
    s->pos = (size_t)(close + 2 - s->buf);
    s->at_start = false;
    return ST_OK;
}

static int bang(sl_xml_scan *s, const char *p, const char *e)
{
    int m = has_prefix(p, e, "<!--", 4);
    if (m < 0)
        return ST_MORE;
    if (m) {
        for (const char *q = p + 4; q + 1 < e; q++) {
            if (q[0] == '-' && q[1] == '-') {
                if (q + 2 >= e)
                    return ST_MORE;
                if (q[2] != '>')
                    return fail(s, q, "\"--\" in a comment");
                int rc = check_chars(s, p + 4, q);
                if (rc != ST_OK)
                    return rc;
                s->pos = (size_t)(q + 3 - s->buf);
                s->at_start = false;
                return ST_OK;
            }
        }
        return ST_MORE;
    }
    m = has_prefix(p, e, "<![CDATA[", 9);
    if (m < 0)
        return ST_MORE;
    if (m) {
        if (s->depth == 0)
            return fail(s, p, "CDATA section outside the document element");
        for (const char *q = p + 9; q + 2 < e; q++) {
            if (q[0] == ']' && q[1] == ']' && q[2] == '>') {
                int rc = text_run(s, p + 9, q, true);
                if (rc != ST_OK)
                    return rc;
                s->pos = (size_t)(q + 3 - s->buf);
                return ST_OK;
            }
        }
        return ST_MORE;
    }
    m = has_prefix(p, e, "<!DOCTYPE", 9);
    if (m < 0)
        return ST_MORE;
    if (m)
        return fail(s, p, "document type declarations are not allowed");
    return fail(s, p, "malformed markup after \"<!\"");
}

static int step_markup(sl_xml_scan *s)
{
    const char *p = s->buf + s->pos, *e = s->buf + s->end;
    if (e - p < 2)
        return ST_MORE;
    switch (p[1]) {
    case '/':
        return end_tag(s, p, e);
    case '?':
        return processing_instruction(s, p, e);
    case '!':
        return bang(s, p, e);
    default:
        return start_tag(s, p, e);
    }
}

/* ---- input ---- */

/* Moves the unconsumed tail to the front and reads more after it. */
static int refill(sl_xml_scan *s)
{
    size_t live = s->end - s->pos;
    if (live >= SL_XML_SCAN_MAX_TOKEN)
        return fail(s, s->buf + s->pos, "a tag, text or comment longer than %d bytes", SL_XML_SCAN_MAX_TOKEN);
    if (s->pos > 0) {
        memmove(s->buf, s->buf + s->pos, live);
        s->base += (int64_t)s->pos;
        s->pos = 0;
        s->end = live;
    }
    /* a partial token is usually a few bytes: the buffer only grows for
     * long ones, and then geometrically */
    if (s->cap - s->end < s->chunk / 2 + 1) {
        size_t ncap = s->end + s->chunk;
        if (ncap < s->cap * 2)
            ncap = s->cap * 2;
        s->buf = s->buf ? sl_prealloc(s->cx, s->buf, s->cap, ncap) : sl_palloc(s->cx, ncap);
        s->cap = ncap;
    }
    int64_t n = s->read(s->read_ud, s->buf + s->end, s->cap - s->end);
    if (n < 0) {
        s->read_failed = true;
        return ST_ERR;
    }
    if (n == 0)
        s->eof = true;
    s->end += (size_t)n;
    return ST_OK;
}

/* ---- entry points ---- */

sl_xml_scan *sl_xml_scan_create(sl_mcxt *cx, size_t chunk)
{
    sl_xml_scan *s = sl_pnew(cx, sl_xml_scan);
    s->cx = cx;
    s->chunk = chunk > 0 ? chunk : 1;
    s->stack = sl_palloc(cx, sizeof(*s->stack) * SCAN_MAX_DEPTH);
    s->stack_len = sl_palloc(cx, sizeof(int32_t) * SCAN_MAX_DEPTH);
    s->atts = sl_palloc(cx, sizeof(sl_xml_attr) * SCAN_MAX_ATTS);
    s->aoff = sl_palloc(cx, sizeof(size_t) * SCAN_MAX_ATTS);
    return s;
}

void sl_xml_scan_reset(sl_xml_scan *s, sl_xml_read_fn read, void *read_ud, const sl_xml_handlers *h, void *ud)
{
    s->read = read;
    s->read_ud = read_ud;
    s->h = h;
    s->ud = ud;
    s->pos = s->end = 0;
    s->base = 0;
    s->eof = s->stop = s->failed = s->read_failed = false;
    s->at_start = true;
    s->root_seen = s->root_done = false;
    s->depth = 0;
    s->msg[0] = '\0';
    s->err_off = 0;
}

void sl_xml_scan_stop(sl_xml_scan *s)
{
    s->stop = true;
}

const char *sl_xml_scan_error(const sl_xml_scan *s)
{
    return s->msg;
}

int64_t sl_xml_scan_offset(const sl_xml_scan *s)
{
    return s->failed ? s->err_off : s->base + (int64_t)s->pos;
}

sl_xml_scan_result sl_xml_scan_run(sl_xml_scan *s)
{
    if (s->failed)
        return SL_XML_SCAN_MALFORMED;
    if (s->read_failed)
        return SL_XML_SCAN_READ_ERROR;
    for (;;) {
        if (s->stop) {
            s->stop = false;
            return SL_XML_SCAN_STOPPED;
        }
        int rc;
        if (s->pos == s->end) {
            if (s->eof) {
                if (!s->root_seen) {
                    fail(s, s->buf + s->pos, "no document element");
                    return SL_XML_SCAN_MALFORMED;
                }
                if (s->depth > 0) {
                    fail(s, s->buf + s->pos, "unexpected end of data: \"%.*s\" is not closed",
                         (int)s->stack_len[s->depth - 1], s->stack[s->depth - 1]);
                    return SL_XML_SCAN_MALFORMED;
                }
                return SL_XML_SCAN_END;
            }
            rc = refill(s);
        } else if (s->at_start && s->base == 0 && s->pos == 0 && (unsigned char)s->buf[0] == 0xEF) {
            /* a UTF-8 byte order mark */
            int m = has_prefix(s->buf, s->buf + s->end, "\xEF\xBB\xBF", 3);
            if (m < 0)
                rc = s->eof ? fail(s, s->buf, "invalid UTF-8 or character") : refill(s);
            else if (m == 0)
                rc = fail(s, s->buf, "text before the document element");
            else {
                s->pos = 3;
                rc = ST_OK;
            }
        } else {
            rc = s->buf[s->pos] == '<' ? step_markup(s) : step_text(s);
            if (rc == ST_MORE)
                rc = s->eof ? fail(s, s->buf + s->pos, "unexpected end of data in markup") : refill(s);
        }
        if (rc == ST_ERR)
            return s->read_failed ? SL_XML_SCAN_READ_ERROR : SL_XML_SCAN_MALFORMED;
    }
}
