/*
 * builtin.c - registers the built-in kinds (see builtin.h).
 *
 * The built-in kinds are one compiled-in extension, "builtin": its init
 * gets the host table every loaded extension gets (server/extensions/) and
 * registers each kind through host->source_kind_register and
 * host->sink_kind_register, so no kind has a path an extension lacks.
 */
#include "server/connectors/builtin.h"

#include <stdio.h>
#include <stdlib.h>

#include "server/extensions/loader.h"
#include "sinks/sinks.h"
#include "sources/sources.h"

static sl_status builtin_init(const sl_host *host, sl_extension *ext, sl_error *err)
{
    if (sl_extension_begin(host, ext, err) != SL_OK || sl_sources_builtin_init(host, ext, err) != SL_OK ||
        sl_sinks_builtin_init(host, ext, err) != SL_OK)
        return SL_ERROR;
    return SL_OK;
}

void sl_connectors_register_builtin(void)
{
    sl_error err;

    if (sl_extension_run_builtin("builtin", builtin_init, &err) != SL_OK) {
        /* A built-in table that fails its own checks is a bug caught by
         * the first test run, not something to limp on with. */
        fprintf(stderr, "sluiced: built-in kinds: %s\n", err.message);
        abort();
    }
}
