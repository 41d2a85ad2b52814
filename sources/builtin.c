/*
 * builtin.c - registers the source kinds compiled into sluiced.
 *
 * Each built-in source is one file in this folder defining a const
 * sl_source_kind with its options; this file only lists them and registers
 * each through sl_source_kind_register(), the call an extension's entry
 * point makes, so the built-ins get no privileges an extension lacks.
 *
 * Entry point: sl_sources_register_builtin.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sources/sources.h"

void sl_sources_register_builtin(void)
{
    static const sl_source_kind *const kinds[] = {&sl_source_kafka, &sl_source_xlsx, &sl_source_avro,
                                                  &sl_source_generator, &sl_source_file};
    sl_error err;

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (sl_source_kind_register(kinds[i], &err) != SL_OK) {
            /* A built-in table that fails its own checks is a bug caught by
             * the first test run, not something to limp on with. */
            fprintf(stderr, "sluiced: built-in source kind %s: %s\n", kinds[i]->name, err.message);
            abort();
        }
}
