/*
 * builtin.c - registers the sink kinds compiled into sluiced.
 *
 * Each built-in sink is one file in this folder defining a const
 * sl_sink_kind; this file only lists them and registers each through
 * sl_sink_kind_register(), the call an extension's entry point makes, so
 * the built-ins get no privileges an extension lacks.
 *
 * Entry point: sl_sinks_register_builtin.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sinks/sinks.h"

void sl_sinks_register_builtin(void)
{
    static const sl_sink_kind *const kinds[] = {&sl_sink_influxdb, &sl_sink_dynamodb, &sl_sink_avro,
                                                &sl_sink_kafka,    &sl_sink_webhook,  &sl_sink_file};
    sl_error err;

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (sl_sink_kind_register(kinds[i], &err) != SL_OK) {
            /* A built-in table that fails its own checks is a bug caught by
             * the first test run, not something to limp on with. */
            fprintf(stderr, "sluiced: built-in sink kind %s: %s\n", kinds[i]->name, err.message);
            abort();
        }
}
