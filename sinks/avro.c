/*
 * avro.c - the AVRO sink: an archive of Avro object container files.
 *
 * Files get a schema derived from the query's output columns, are written
 * under a temporary name and renamed when complete (rotated by size and
 * time), so a reader never sees half a file.  Declares the options; the
 * writer arrives with the sinks issue.
 *
 * Entry point: sl_sink_avro.
 */
#include "sluice/connector.h"

static const sl_option_decl avro_options[] = {
    {.name = "path",
     .type = SL_OPT_STRING,
     .required = true,
     .help = "directory of the archive, relative to the data directory unless absolute"},
    {.name = "codec",
     .type = SL_OPT_ENUM,
     .default_value = "deflate",
     .choices = SL_CHOICES("deflate", "null"),
     .help = "block compression"},
    {.name = "rotate",
     .type = SL_OPT_SIZE,
     .default_value = "64MB",
     .min = 4096,
     .max = 1099511627776.0,
     .help = "start a new file when the current one reaches this size"},
    {.name = "rotate_interval",
     .type = SL_OPT_INTERVAL,
     .default_value = "1 hour",
     .help = "start a new file after this long even if it is smaller"},
    {0},
};

const sl_sink_kind sl_sink_avro = {
    .api_version = SL_SINK_API_VERSION,
    .name = "avro",
    .description = "Avro object container files, rotated by size and time (readable by FROM AVRO)",
    .options = avro_options,
};
