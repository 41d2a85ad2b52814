/*
 * xlsx_sheet_scan.h - a small, strict XML tokenizer for worksheet parts.
 *
 * Sheet XML is the bulk of an .xlsx (tens of bytes of markup per cell) and
 * expat spends most of its time on generality we do not need there.  This
 * scanner pulls bytes through a read callback (zip_fread in the reader),
 * keeps one buffer with the unconsumed tail so that tokens may straddle
 * reads, and reports elements and text to callbacks, SAX style, like expat
 * does: the reader's sheet handlers are shared by both.
 *
 * It checks well-formedness of everything it reads: names, nesting, quoting,
 * entities (the five predefined ones and character references only),
 * UTF-8 and the XML character range, comments, CDATA, processing
 * instructions; document type declarations are refused (OOXML forbids
 * them).  Text is normalised as XML requires (CR LF -> LF, and TAB, CR, LF
 * in attribute values -> space).  Limits: a single token (tag, run of text,
 * comment, CDATA section) of at most SL_XML_SCAN_MAX_TOKEN bytes, element
 * names of at most 256 bytes, 256 nested elements, 256 attributes per tag.
 *
 * Entry points: sl_xml_scan_create, sl_xml_scan_reset, sl_xml_scan_run,
 * sl_xml_scan_stop, sl_xml_scan_error, sl_xml_scan_offset.
 */
#ifndef SL_XLSX_SHEET_SCAN_H
#define SL_XLSX_SHEET_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/mcxt.h"

#define SL_XML_SCAN_MAX_TOKEN (1 << 20)

typedef struct sl_xml_scan sl_xml_scan;

/* An attribute: the name as written (with any prefix), the value decoded.
 * Neither is NUL-terminated; both are valid during the callback only. */
typedef struct sl_xml_attr {
    const char *name;
    const char *value;
    int32_t nlen;
    int32_t vlen;
} sl_xml_attr;

/* Element names are given as written (x:c), not NUL-terminated. */
typedef struct sl_xml_handlers {
    void (*start)(void *ud, const char *name, int32_t nlen, const sl_xml_attr *atts, int natts);
    void (*end)(void *ud, const char *name, int32_t nlen);
    /* character data of an element, decoded; one element's text may come in several pieces */
    void (*text)(void *ud, const char *s, int32_t len);
} sl_xml_handlers;

/* Reads up to cap bytes into buf: the count, 0 at the end, -1 on an error. */
typedef int64_t (*sl_xml_read_fn)(void *ud, char *buf, size_t cap);

typedef enum sl_xml_scan_result {
    SL_XML_SCAN_STOPPED,    /* a handler called sl_xml_scan_stop: run again to go on */
    SL_XML_SCAN_END,        /* the document is complete */
    SL_XML_SCAN_MALFORMED,  /* not well-formed: see sl_xml_scan_error */
    SL_XML_SCAN_READ_ERROR, /* the read callback failed */
} sl_xml_scan_result;

/* A scanner whose buffers live in cx; it reads chunk bytes at a time. */
sl_xml_scan *sl_xml_scan_create(sl_mcxt *cx, size_t chunk);

/* Starts a new document. */
void sl_xml_scan_reset(sl_xml_scan *s, sl_xml_read_fn read, void *read_ud, const sl_xml_handlers *h,
                       void *ud);

/* Scans until a handler stops it, the document ends, or an error. */
sl_xml_scan_result sl_xml_scan_run(sl_xml_scan *s);

/* From a handler: makes sl_xml_scan_run return SL_XML_SCAN_STOPPED after this event. */
void sl_xml_scan_stop(sl_xml_scan *s);

/* Why the document is malformed (lower case, no position). */
const char *sl_xml_scan_error(const sl_xml_scan *s);

/* Byte offset in the document of the error, or of the scanner's position. */
int64_t sl_xml_scan_offset(const sl_xml_scan *s);

#endif
