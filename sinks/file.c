/*
 * file.c - the FILE sink: rows appended to one file as JSON lines or CSV.
 *
 * Declares the options; the writer arrives with the engine issue.
 *
 * Entry point: sl_sink_file.
 */
#include "sluice/connector.h"

static const sl_option_decl file_options[] = {
    {.name = "path",
     .type = SL_OPT_STRING,
     .required = true,
     .help = "file to append to, relative to the data directory unless absolute"},
    {.name = "format",
     .type = SL_OPT_ENUM,
     .default_value = "json",
     .choices = SL_CHOICES("json", "csv"),
     .help = "JSON lines (one object per row) or CSV"},
    {.name = "header",
     .type = SL_OPT_BOOL,
     .default_value = "true",
     .help = "format csv: write a header line when the file is new"},
    {0},
};

const sl_sink_kind sl_sink_file = {
    .api_version = SL_SINK_API_VERSION,
    .name = "file",
    .description = "JSON lines or CSV appended to a file",
    .options = file_options,
};
