/*
 * builtin.c - registers the source kinds compiled into sluiced.
 *
 * Each built-in source is one file in this folder defining a const
 * sl_source_kind with its options; this file only lists them and registers
 * each through the host table's source_kind_register, the call an
 * extension's entry point makes, so the built-ins get no privileges an extension lacks.
 *
 * Entry point: sl_sources_builtin_init (run by server/connectors/builtin.c).
 */
#include "sources/sources.h"

sl_status sl_sources_builtin_init(const sl_host *host, sl_extension *ext, sl_error *err)
{
    static const sl_source_kind *const kinds[] = {&sl_source_kafka, &sl_source_xlsx, &sl_source_avro,
                                                  &sl_source_generator, &sl_source_file};

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (host->source_kind_register(ext, kinds[i], err) != SL_OK)
            return SL_ERROR;
    return SL_OK;
}
