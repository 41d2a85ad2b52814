/*
 * counter.c - the COUNTER source kind: rows 1..N, then the end.
 *
 * The smallest useful sluice extension, built outside the server's tree
 * against the installed headers only (docs/extensions.md walks through
 * it); the extension tests load it (regress/scripts/extensions.sh).
 *
 *   CREATE EXTENSION counter;
 *   CREATE SOURCE c FROM COUNTER WITH (rows = 5);
 *   SELECT n FROM c;            -- 1, 2, 3, 4, 5
 *
 * Entry point: sl_extension_init.
 */
#include <sluice/extension.h>

/* The server's services; set once by sl_extension_init, before any callback can run. */
static const sl_host *host;

typedef struct counter_state {
    int64_t next, last;
} counter_state;

static const sl_option_decl counter_options[] = {
    {.name = "rows",
     .type = SL_OPT_INT,
     .default_value = "10",
     .min = 0,
     .max = 1e12,
     .help = "how many rows: 1 to rows, in column n"},
    {.name = "start",
     .type = SL_OPT_INT,
     .default_value = "1",
     .min = -1e12,
     .max = 1e12,
     .help = "the first value of n"},
    {0},
};

static sl_status counter_open(const sl_source_open_args *args, void **state, sl_error *err)
{
    static const char *const names[] = {"n"};
    static const sl_type types[] = {SL_TYPE_BIGINT};
    counter_state *st = host->pzalloc(args->cx, sizeof(*st));
    int64_t start = host->options_get_int(args->options, "start", 1);

    (void)err;
    st->next = start;
    st->last = start + host->options_get_int(args->options, "rows", 10) - 1;
    *args->schema_out = host->schema_new(args->cx, 1, names, types);
    *args->bounded_out = true;
    *state = st;
    return SL_OK;
}

static sl_status counter_read(void *state, sl_batch *batch, bool *eof, int64_t *decode_errors, sl_error *err)
{
    counter_state *st = state;
    sl_vector *n = &batch->cols[0];

    (void)decode_errors;
    (void)err;
    while (batch->nrows < batch->capacity && st->next <= st->last) {
        n->v.i64[batch->nrows] = st->next++;
        n->nulls[batch->nrows] = 0;
        batch->nrows++;
    }
    *eof = st->next > st->last;
    return SL_OK;
}

static void counter_close(void *state)
{
    (void)state; /* its memory is the query's context */
}

static const sl_source_kind counter_kind = {
    .api_version = SL_SOURCE_API_VERSION,
    .name = "counter",
    .description = "rows 1..N in one BIGINT column n (the example extension)",
    .options = counter_options,
    .open = counter_open,
    .read = counter_read,
    .close = counter_close,
};

SL_EXTENSION_EXPORT sl_status sl_extension_init(const sl_host *h, sl_extension *ext, sl_error *err)
{
    if (sl_extension_begin(h, ext, err) != SL_OK)
        return SL_ERROR;
    host = h;
    host->log(SL_LOG_LOG, "registering source kind counter");
    return host->source_kind_register(ext, &counter_kind, err);
}
