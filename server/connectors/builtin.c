/*
 * builtin.c - registers the built-in kinds (see builtin.h).
 */
#include "server/connectors/builtin.h"

#include "sinks/sinks.h"
#include "sources/sources.h"

void sl_connectors_register_builtin(void)
{
    sl_sources_register_builtin();
    sl_sinks_register_builtin();
}
