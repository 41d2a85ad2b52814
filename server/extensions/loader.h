/*
 * loader.h - extensions: finding NAME.so and NAME.control in the
 * directories of extension_path, loading them, the host table they (and the
 * built-in kinds) register through, and what each one added.
 *
 * Code is never unloaded: DROP EXTENSION unregisters the kinds an
 * extension added and forgets it, and the library stays mapped until the
 * server stops, so nothing that found one of its kinds before can call
 * into unmapped memory (docs/extensions.md).
 *
 * sl_extension_load, sl_extension_kinds and sl_extension_forget are called
 * with the loader's lock held (sl_extension_lock), so that a DROP's check
 * of what uses an extension and its forgetting are one step.
 *
 * Entry points: sl_extension_host, sl_extension_run_builtin,
 * sl_extension_lock, sl_extension_unlock, sl_extension_check_name,
 * sl_extension_load, sl_extension_mark_broken, sl_extension_exists,
 * sl_extension_kinds, sl_extension_forget, sl_extension_load_catalog,
 * sl_extension_list.
 */
#ifndef SLUICE_EXTENSION_LOADER_H
#define SLUICE_EXTENSION_LOADER_H

#include <stdbool.h>

#include "sluice/extension.h"
#include "sluice/list.h"

/* The host table given to every extension's sl_extension_init. */
const sl_host *sl_extension_host(void);

/* Runs init as an extension that is compiled in (the built-in kinds):
 * through the same host table, without a library, hidden from SHOW
 * EXTENSIONS and never dropped.  Calling it again with the same init is
 * harmless (registering the same kinds again changes nothing). */
sl_status sl_extension_run_builtin(const char *name,
                                   sl_status (*init)(const sl_host *host, sl_extension *ext, sl_error *err),
                                   sl_error *err);

void sl_extension_lock(void);
void sl_extension_unlock(void);

/* 42602 unless name matches ^[a-z][a-z0-9_]{0,62}$. */
sl_status sl_extension_check_name(const char *name, sl_error *err);

/*
 * Loads extension name from extension_path (lock held): its control file
 * read and checked (version NULL: any; else 22023 when the control file
 * has another), the library opened (RTLD_NOW | RTLD_LOCAL) from inside one
 * of the directories only, and its sl_extension_init run.  *loaded_version
 * (may be NULL) gets the version loaded, in cx.  Errors: 42602 (name),
 * 42710 (already loaded), 58P01 (not available: the hint lists those that
 * are), F0000 (control file), 0A000 (another API version), 58030 (the
 * library does not load), 42883 (no entry point), or what init returned;
 * after an error nothing it registered stays registered.
 */
sl_status sl_extension_load(const char *name, const char *version, sl_mcxt *cx, const char **loaded_version,
                            sl_error *err);

/* Keeps name as broken (lock held): shown by SHOW EXTENSIONS with why,
 * adding nothing; DROP EXTENSION forgets it. */
void sl_extension_mark_broken(const char *name, const char *version, const sl_error *why);

/* True when name is loaded or broken (lock held). */
bool sl_extension_exists(const char *name);

/* The source and sink kinds name added (lock held), their names in cx;
 * NULL-terminated arrays. */
void sl_extension_kinds(const char *name, sl_mcxt *cx, const char ***sources, const char ***sinks);

/* Unregisters what name added and forgets it (lock held); the library
 * stays mapped.  False when there was no such extension. */
bool sl_extension_forget(const char *name);

/* At start, after the built-in kinds: loads the catalog's extensions (takes
 * the lock).  One that does not load is logged (ERROR, with why) and kept
 * as broken; the server starts anyway and the objects that need it fail
 * when used. */
void sl_extension_load_catalog(void);

/* SHOW EXTENSIONS (takes the lock): sl_extension_row *, ordered by name, in cx. */
typedef struct sl_extension_row {
    const char *name;
    const char *version;
    const char *state; /* "loaded" or "broken" */
    const char *adds;  /* "source counter, sink x"; "" for none */
    const char *description;
    const char *error; /* why it is broken; NULL when loaded */
} sl_extension_row;
sl_list *sl_extension_list(sl_mcxt *cx);

#endif
