/*
 * registry.h - what the server asks of the registry of source and sink kinds
 * beyond the public API (sluice/connector.h): option lists checked against
 * several tables, the kinds' names, the options reference.
 *
 * Entry points: sl_source_kind_unregister, sl_sink_kind_unregister, sl_options_build, sl_options_find_decl,
 * sl_source_kind_names, sl_sink_kind_names, sl_connector_write_docs.
 */
#ifndef SLUICE_REGISTRY_H
#define SLUICE_REGISTRY_H

#include <stdbool.h>
#include <stdio.h>

#include "sluice/connector.h"

/*
 * Checks n given options (names[i] = texts[i], texts already plain text)
 * against decls (a NULL-terminated list of option tables searched in order;
 * the first declaration of a name wins) and fills *out, allocated in cx,
 * with normalised values.  what names the kind in messages ("sink kind
 * influxdb").  Errors: unknown option (22023, hint listing the valid ones),
 * an option given twice (42601), a bad value (22023); with check_required,
 * a missing required option (22023).  *bad is the index of the offending
 * option, or -1 when the error is not about one of them; *bad_value tells
 * whether its value (rather than its name) is at fault.
 */
sl_status sl_options_build(const sl_option_decl *const *decls, const char *what, int n,
                           const char *const *names, const char *const *texts, bool check_required,
                           sl_mcxt *cx, sl_options *out, int *bad, bool *bad_value, sl_error *err);

/* Removes a registered kind (the same struct given to *_register): DROP
 * EXTENSION.  True when it was registered.  Its memory is the extension's,
 * which stays mapped: a caller that found the kind before keeps a valid
 * pointer. */
bool sl_source_kind_unregister(const sl_source_kind *kind);
bool sl_sink_kind_unregister(const sl_sink_kind *kind);

/* The declaration of name in decls, or NULL. */
const sl_option_decl *sl_options_find_decl(const sl_option_decl *const *decls, const char *name);

/* The registered kinds' names, sorted, comma-separated ("avro, file, kafka"), in cx. */
char *sl_source_kind_names(sl_mcxt *cx);
char *sl_sink_kind_names(sl_mcxt *cx);

/* Writes docs/options.md: per kind, a markdown table of its options. */
void sl_connector_write_docs(FILE *out);

#endif
