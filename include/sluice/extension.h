/*
 * extension.h - what a sluice extension compiles against: its one entry
 * point and the table of host services it reaches the server through.
 *
 * An extension is a shared library NAME.so with a NAME.control file
 * (docs/extensions.md).  It exports one symbol, sl_extension_init, which
 * the server calls once when the extension is loaded (CREATE EXTENSION, or
 * at start for the extensions in the catalog):
 *
 *     SL_EXTENSION_EXPORT sl_status sl_extension_init(const sl_host *host, sl_extension *ext, sl_error *err)
 *     {
 *         if (sl_extension_begin(host, ext, err) != SL_OK)
 *             return SL_ERROR;
 *         return host->source_kind_register(ext, &my_source, err);
 *     }
 *
 * An extension links against nothing of the server's: every call into it
 * goes through the sl_host table, whose functions are the ones the server
 * itself uses (the built-in kinds register through this very table).  The
 * types it shares with the server (sl_error, sl_options, sl_batch,
 * sl_schema, the kinds of sluice/connector.h) are plain structs declared in
 * the public headers; the functions those headers declare are the server's
 * and are not reachable from a shared library: call them through host.
 *
 * Versions.  SL_EXTENSION_API_VERSION is bumped whenever something an
 * extension sees changes incompatibly (a field moved or removed, a
 * callback's meaning changed, a kind's API version bumped).  An extension
 * built for another version is refused, with a message naming both.
 * Additions that keep the old layout do not bump it: new host services are
 * appended to sl_host, and sl_host.size tells an extension whether the
 * server it runs in has them (SL_HOST_HAS(host, field)).  The first three
 * fields of sl_host (size, api_version, begin) never move, so that an
 * extension of any version can be told that it does not fit.
 */
#ifndef SLUICE_EXTENSION_H
#define SLUICE_EXTENSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/batch.h"
#include "sluice/connector.h"
#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/mcxt.h"

/* 1: the first (source and sink kinds, log, memory, options, errors). */
#define SL_EXTENSION_API_VERSION 1

/* The name of the entry point, as the server looks it up. */
#define SL_EXTENSION_INIT_SYMBOL "sl_extension_init"

/* Marks the entry point exported even when the extension is built with
 * -fvisibility=hidden (extension.mk does: nothing else leaks out). */
#define SL_EXTENSION_EXPORT __attribute__((visibility("default")))

/* The server's record of one loaded extension: opaque, passed back to the
 * host's registration calls so that DROP EXTENSION knows what it added. */
typedef struct sl_extension sl_extension;

/*
 * The host services.  Every pointer is set (none is NULL) in a server whose
 * size covers it.  Unless a comment says otherwise each behaves as the
 * function of the same name in the public headers (sl_log, sl_mcxt_create,
 * sl_options_get, ...), and may be called from any thread the server calls
 * the extension on.
 */
typedef struct sl_host {
    size_t size;     /* sizeof(sl_host) in the server: fields past it do not exist */
    int api_version; /* the server's SL_EXTENSION_API_VERSION */
    /* Called first by sl_extension_init (through sl_extension_begin): the
     * server checks api_version against its own and refuses the extension
     * (0A000, naming both versions) when they differ; host_size is the
     * sizeof(sl_host) the extension was compiled with.  Until it succeeds,
     * the registration calls below fail, and an init that returns without
     * calling it is refused. */
    sl_status (*begin)(sl_extension *ext, int api_version, size_t host_size, sl_error *err);

    const char *server_version; /* "0.1.0" (SL_VERSION) */

    /* ---- what an extension adds ---- */

    /* Registers a kind as sl_source_kind_register / sl_sink_kind_register
     * do for the built-in ones (the kind's own api_version checked, its
     * option table checked, its name unique among the kinds), and records
     * it as the extension's: DROP EXTENSION unregisters it, and is refused
     * while a source or sink uses it.  Only from sl_extension_init.  The
     * kind struct, its option table and every string it points to must
     * live as long as the process (static const data): the code of an
     * extension is never unloaded. */
    sl_status (*source_kind_register)(sl_extension *ext, const sl_source_kind *kind, sl_error *err);
    sl_status (*sink_kind_register)(sl_extension *ext, const sl_sink_kind *kind, sl_error *err);

    /* ---- the log ---- */

    /* One line of the server log at level; the line is prefixed with
     * `extension NAME: ` when called from sl_extension_init. */
    void (*log)(sl_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

    /* ---- memory contexts (sluice/mcxt.h) ---- */

    sl_mcxt *(*mcxt_create)(sl_mcxt *parent, const char *name);
    void (*mcxt_delete)(sl_mcxt *cx);
    void (*mcxt_reset)(sl_mcxt *cx);
    void *(*palloc)(sl_mcxt *cx, size_t size);
    void *(*pzalloc)(sl_mcxt *cx, size_t size);
    char *(*pstrdup)(sl_mcxt *cx, const char *s);
    char *(*psprintf)(sl_mcxt *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

    /* ---- options (sluice/connector.h) ---- */

    const char *(*options_get)(const sl_options *opts, const char *name);
    bool (*options_given)(const sl_options *opts, const char *name);
    int64_t (*options_get_int)(const sl_options *opts, const char *name, int64_t dflt);
    double (*options_get_number)(const sl_options *opts, const char *name, double dflt);
    bool (*options_get_bool)(const sl_options *opts, const char *name, bool dflt);
    int64_t (*options_get_interval_us)(const sl_options *opts, const char *name, int64_t dflt);
    int64_t (*options_get_size)(const sl_options *opts, const char *name, int64_t dflt);
    sl_status (*option_parse)(const sl_option_decl *decl, const char *text, sl_mcxt *cx, const char **out,
                              sl_error *err);

    /* ---- errors (sluice/error.h) ---- */

    sl_status (*error_set)(sl_error *err, const char *sqlstate, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
    void (*error_detail)(sl_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
    void (*error_hint)(sl_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

    /* ---- rows (sluice/batch.h) ---- */

    sl_schema *(*schema_new)(sl_mcxt *cx, int n, const char *const *names, const sl_type *types);
    sl_text (*batch_text)(sl_batch *batch, const char *s, int32_t len);

    /* Later versions append here (scalar and aggregate functions, formats:
     * see docs/extensions.md); test for them with SL_HOST_HAS. */
} sl_host;

/* True when the server's host table has field (it was built with a
 * version of this header that has it). */
#define SL_HOST_HAS(host, field) ((host)->size >= offsetof(sl_host, field) + sizeof((host)->field))

/* The entry point every extension defines. */
SL_EXTENSION_EXPORT sl_status sl_extension_init(const sl_host *host, sl_extension *ext, sl_error *err);

/* The first call of sl_extension_init: tells the server which API version
 * the extension was built for. */
static inline sl_status sl_extension_begin(const sl_host *host, sl_extension *ext, sl_error *err)
{
    return host->begin(ext, SL_EXTENSION_API_VERSION, sizeof(sl_host), err);
}

#endif
