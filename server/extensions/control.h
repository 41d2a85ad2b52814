/*
 * control.h - an extension's NAME.control file: what it is before any of
 * its code runs.
 *
 * The file is lines of `key = value`; a value may be 'single-quoted' (''
 * is a quote inside).  Blank lines and lines starting with # are skipped.
 * Keys: version (required), api_version (required, a whole number),
 * description (optional).  Anything else (an unknown or repeated key, a
 * line without '=', an unterminated quote, text after a quoted value) is an
 * error naming the file and the line.
 *
 * Entry point: sl_extension_control_parse.
 */
#ifndef SLUICE_EXTENSION_CONTROL_H
#define SLUICE_EXTENSION_CONTROL_H

#include "sluice/error.h"
#include "sluice/mcxt.h"

typedef struct sl_extension_control {
    const char *version;
    const char *description; /* "" when absent */
    int api_version;
} sl_extension_control;

/* The longest control file read; longer is an error. */
#define SL_EXTENSION_CONTROL_MAX 8192

/*
 * Parses text (the contents of the file at path, which names it in
 * messages) into *out, its strings allocated in cx.  Errors: F0000 with
 * "PATH, line N: ..." as the message.
 */
sl_status sl_extension_control_parse(const char *path, const char *text, sl_mcxt *cx,
                                     sl_extension_control *out, sl_error *err);

#endif
