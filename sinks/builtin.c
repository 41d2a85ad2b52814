/*
 * builtin.c - registers the sink kinds compiled into sluiced.
 *
 * Each built-in sink is one file in this folder defining a const
 * sl_sink_kind; this file only lists them and registers each through
 * the host table's sink_kind_register, the call an extension's entry point makes, so
 * the built-ins get no privileges an extension lacks.
 *
 * Entry point: sl_sinks_builtin_init (run by server/connectors/builtin.c).
 */
#include "sinks/sinks.h"

sl_status sl_sinks_builtin_init(const sl_host *host, sl_extension *ext, sl_error *err)
{
    static const sl_sink_kind *const kinds[] = {&sl_sink_influxdb, &sl_sink_dynamodb, &sl_sink_avro,
                                                &sl_sink_kafka,    &sl_sink_webhook,  &sl_sink_file};

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (host->sink_kind_register(ext, kinds[i], err) != SL_OK)
            return SL_ERROR;
    return SL_OK;
}
