/*
 * connector.h - the public interface of sources and sinks.
 *
 * A connector kind (a sink such as INFLUXDB, a source such as KAFKA) is a
 * versioned struct of callbacks plus a table of the options it accepts,
 * in the spirit of PostgreSQL's FDW API and Fluent Bit's config maps.  The
 * option table is the one truth about a kind's options: CREATE SOURCE/SINK
 * validates against it, SHOW masks its secrets, and docs/options.md is
 * generated from it (sluiced --describe-options).
 *
 * Built-in kinds register through sl_sink_kind_register() and
 * sl_source_kind_register() exactly as an extension does from its entry
 * point, so this header is all an out-of-tree connector compiles against.
 *
 * Entry points: sl_sink_kind_register, sl_source_kind_register,
 * sl_sink_kind_find, sl_source_kind_find, sl_options_get and its typed
 * variants, sl_option_parse.
 */
#ifndef SLUICE_CONNECTOR_H
#define SLUICE_CONNECTOR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sluice/confine.h"
#include "sluice/error.h"
#include "sluice/mcxt.h"

/* Bumped whenever a struct below changes incompatibly; a kind built for
 * another version is refused at registration. */
#define SL_SINK_API_VERSION 2 /* 2: open args carry confine, not datadir; sl_option_decl.destination */
#define SL_SOURCE_API_VERSION                                                                                \
    5 /* 2: position and seek (checkpoints); 3: splits, read_waits; 4: confine, destination; 5: open's       \
         should_stop */

/* ---- declared options ---- */

typedef enum sl_option_type {
    SL_OPT_STRING,   /* any text */
    SL_OPT_INT,      /* a whole number: 42 */
    SL_OPT_NUMBER,   /* a decimal number: 0.01, 100 */
    SL_OPT_BOOL,     /* true/false, on/off, yes/no, 1/0 */
    SL_OPT_INTERVAL, /* a duration with a unit: '5 seconds', 30s, INTERVAL '1 minute' */
    SL_OPT_SIZE,     /* bytes with an optional unit: '64MB', '512kB', 1024 */
    SL_OPT_ENUM,     /* one of .choices, case-insensitive */
} sl_option_type;

/*
 * What an option's value lets the connector reach, so that CREATE and
 * ALTER check it against the server's confinement (file_roots,
 * allowed_hosts, http and https only) before it is stored.  The connector
 * still opens files and URLs only through sluice/confine.h at open.
 */
typedef enum sl_option_reach {
    SL_REACH_NONE = 0,
    SL_REACH_FILE_READ,        /* a file or glob read: inside file_roots */
    SL_REACH_FILE_WRITE,       /* a file written or created: inside file_roots */
    SL_REACH_DIR_WRITE,        /* a directory created and written into: inside file_roots */
    SL_REACH_URL,              /* an http or https URL whose host is in allowed_hosts */
    SL_REACH_HOSTS,            /* host:port list (Kafka brokers) in allowed_hosts */
    SL_REACH_KAFKA_PROPERTIES, /* librdkafka settings: only the allowed keys (docs/security.md) */
    SL_REACH_FILE_OR_TEXT,     /* inline text starting with { or ", else a file read as FILE_READ */
} sl_option_reach;

/*
 * One option a kind accepts.  A table of them ends with an entry whose
 * name is NULL.  default_value is the option's default as it would be
 * written in SQL (NULL = no default).  For INT, NUMBER, SIZE (bytes) and
 * INTERVAL (microseconds) values, min < max limits the value to [min, max];
 * when min == max == 0 INT and SIZE values must not be negative and
 * INTERVAL values must be positive.
 */
typedef struct sl_option_decl {
    const char *name;
    sl_option_type type;
    bool required;
    const char *default_value;
    bool secret; /* shown as ******** and never logged */
    /* Names where the connector connects (a URL, brokers): an ALTER that
     * changes it drops the stored secrets not given again in the same
     * statement, so they never go to a new host (docs/security.md). */
    bool destination;
    const char *help;           /* one line, for docs and errors */
    const char *const *choices; /* SL_OPT_ENUM: NULL-terminated */
    double min, max;
    sl_option_reach reach; /* checked at CREATE/ALTER; SL_REACH_NONE for plain values */
} sl_option_decl;

/* Declares the choices of an enum option in place: SL_CHOICES("json", "csv"). */
#define SL_CHOICES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The mask that replaces a secret's value everywhere it is shown. */
#define SL_SECRET_MASK "********"

/*
 * The validated options of one source or sink: the values given in SQL,
 * normalised (see sl_option_parse), plus the kind's declarations so that
 * defaults resolve.
 */
typedef struct sl_option_value {
    const char *name;
    const char *value;
} sl_option_value;

typedef struct sl_options {
    const sl_option_decl *const *decls; /* NULL-terminated tables searched in order */
    int count;
    sl_option_value *values; /* the given options, in the order given */
} sl_options;

/* The given value or else the declared default; NULL when neither exists. */
const char *sl_options_get(const sl_options *opts, const char *name);
/* True when the option was given (not defaulted). */
bool sl_options_given(const sl_options *opts, const char *name);
/* Typed reads of sl_options_get; return dflt when the option has no value. */
int64_t sl_options_get_int(const sl_options *opts, const char *name, int64_t dflt);
double sl_options_get_number(const sl_options *opts, const char *name, double dflt);
bool sl_options_get_bool(const sl_options *opts, const char *name, bool dflt);
int64_t sl_options_get_interval_us(const sl_options *opts, const char *name, int64_t dflt);
int64_t sl_options_get_size(const sl_options *opts, const char *name, int64_t dflt);

/*
 * Checks text against decl and writes its normalised spelling, allocated in
 * cx, to *out: ints and numbers in shortest decimal form, booleans as
 * true/false, intervals as '<n> <unit>' in the largest exact unit, sizes as
 * '<n><unit>' (B, kB, MB, GB, TB: multiples of 1024), enums as the declared
 * choice.  On a bad value returns SL_ERROR with 22023 and a message naming
 * the option and what it accepts.
 */
sl_status sl_option_parse(const sl_option_decl *decl, const char *text, sl_mcxt *cx, const char **out,
                          sl_error *err);

/* Parses a size ('64MB', '1024', '2 GB') into bytes; false when not one. */
bool sl_size_parse(const char *text, int64_t *bytes);
/* The normalised spelling of an interval ("5 seconds", "1 minute", "250 milliseconds"), in cx. */
char *sl_interval_format(sl_mcxt *cx, int64_t us);

/* ---- sinks ---- */

/* Defined by the engine; connectors see them only through pointers. */
typedef struct sl_batch sl_batch;
typedef struct sl_schema sl_schema;

/* What a sink's open() gets. */
typedef struct sl_sink_open_args {
    const char *sink_name;
    const char *query_name; /* the query writing into it */
    const sl_options *options;
    const sl_schema *schema;   /* the query's output columns */
    const sl_confine *confine; /* open files and check URLs only through it (sluice/confine.h) */
    sl_mcxt *cx;               /* lives as long as the opened sink */
    /* Optional (NULL: never): true once the query is being stopped (DROP,
     * PAUSE, shutdown).  A sink that waits (for acknowledgements, for room
     * in a queue) asks at least every 100 ms and then gives up waiting:
     * write/flush return SL_RETRY, close drops what is still in flight. */
    bool (*should_stop)(void *arg);
    void *stop_arg;
} sl_sink_open_args;

typedef struct sl_sink_kind {
    int api_version;               /* SL_SINK_API_VERSION */
    const char *name;              /* lower case: "influxdb" */
    const char *description;       /* one line, for docs */
    const sl_option_decl *options; /* the kind's own; the framework's are added */
    /* Optional: checks that concern several options at once. */
    sl_status (*validate)(const sl_options *opts, sl_error *err);
    /* Callbacks; NULL until the engine provides the runtime.  write and
     * flush return SL_OK, SL_RETRY (transient: the framework backs off and
     * retries) or SL_ERROR. */
    sl_status (*open)(const sl_sink_open_args *args, void **state, sl_error *err);
    sl_status (*write)(void *state, const sl_batch *batch, sl_error *err);
    sl_status (*flush)(void *state, sl_error *err);
    void (*close)(void *state);
} sl_sink_kind;

/* Options every sink has (batching and retries, handled by the framework). */
extern const sl_option_decl sl_sink_framework_options[];

/* For the option table of a kind that buffers by itself (FILE, KAFKA):
 * batch_rows defaults to 0, so the framework keeps no buffer and each batch
 * of the query reaches write() as the query makes it. */
/* clang-format off */
#define SL_SINK_OPTION_BATCH_ROWS_UNBUFFERED                                                                \
    {.name = "batch_rows", .type = SL_OPT_INT, .default_value = "0", .min = 0, .max = 10000000,            \
     .help = "rows buffered before a batch is written (0: none, rows go out as the query makes them)"}
/* clang-format on */

/* ---- sources ---- */

typedef struct sl_source_open_args {
    const char *source_name;
    const char *query_name;
    const sl_options *options;
    const sl_schema *schema;   /* the declared columns, or NULL */
    const sl_confine *confine; /* open files and check URLs only through it (sluice/confine.h) */
    sl_mcxt *cx;
    /* Filled by open(): the columns read() produces (the declared ones, or
     * inferred from the data, or the kind's fixed columns), allocated in cx,
     * and whether the source ends by itself (a file read once) or not. */
    const sl_schema **schema_out;
    bool *bounded_out;
    /* Optional, NULL when the source has no dead_letter sink (and for push
     * queries): read() calls reject(reject_arg, ...) for each record that
     * does not decode (a Kafka message, a line of a file) with its raw bytes
     * and the decode error, besides counting it in *decode_errors.  The
     * engine copies both before reject returns and writes them to the
     * dead-letter sink, flushed before the source's commit().  Call it only
     * from read(), on the query's thread. */
    void (*reject)(void *arg, const char *raw, size_t len, const sl_error *why);
    void *reject_arg;
    /* Optional (NULL: never): true once whoever waits for open() gives up
     * (a cancel, DROP QUERY, shutdown).  An open() that waits (for a
     * broker's metadata) asks at least every 250 ms and then fails with
     * 57014. */
    bool (*should_stop)(void *arg);
    void *stop_arg;
} sl_source_open_args;

/* Options every source has (event-time bounds, handled by the engine). */
extern const sl_option_decl sl_source_framework_options[];

typedef struct sl_source_kind {
    int api_version; /* SL_SOURCE_API_VERSION */
    const char *name;
    const char *description;
    const sl_option_decl *options;
    sl_status (*validate)(const sl_options *opts, sl_error *err);
    sl_status (*open)(const sl_source_open_args *args, void **state, sl_error *err);
    /* Appends up to batch->capacity - batch->nrows rows to batch (its schema
     * is *schema_out); SL_OK with no rows added means no data yet, *eof marks
     * the end of a finite source.  A source with its own notion of time (the
     * Kafka message timestamp) fills batch->event_time and sets
     * batch->has_event_time; otherwise the engine fills it.  A row that does
     * not decode is not added: the source counts it in *decode_errors. */
    sl_status (*read)(void *state, sl_batch *batch, bool *eof, int64_t *decode_errors, sl_error *err);
    void (*close)(void *state);
    /* Optional: every row read() returned so far has been written and
     * flushed by the query's sink, so the source may record its position
     * (a Kafka source commits its offsets): at-least-once delivery.  An
     * error is logged as a warning; the query goes on and commits again
     * after the next flush.  Not called for push queries.  For a kind with
     * position/seek, called only right after a checkpoint was saved, so
     * what it commits is the checkpoint's position. */
    sl_status (*commit)(void *state, sl_error *err);
    /* Optional, both or neither (registration refuses one without the
     * other): checkpoints.  position() serialises, into *pos (allocated in
     * cx, *len bytes), everything read() has returned so far, in a format
     * of the kind's own choosing (start it with a version byte).  seek() is
     * called after open() and before the first read() of a query resuming
     * from a checkpoint, with a blob position() wrote, and makes read() go
     * on right after that position; a blob it cannot use is an error
     * (XX001), never a crash.  A kind without them starts again from its
     * beginning (or its committed offsets) after a restart, and its
     * queries' window state is not checkpointed. */
    sl_status (*position)(void *state, sl_mcxt *cx, char **pos, size_t *len, sl_error *err);
    sl_status (*seek)(void *state, const char *pos, size_t len, sl_error *err);
    /* Optional, for a kind whose rows carry batch->split (a Kafka source:
     * the partition): after each read(), *nsplits is how many splits the
     * source has and (*pending)[s] tells whether split s has records that
     * read() has not returned yet and will (buffered, in flight, or known
     * to exist from the broker's high watermark).  The array belongs to
     * the source and stays valid until its next call.  The window
     * operator waits for a pending split however long it has been quiet:
     * only a split that is not pending may count as idle. */
    void (*splits)(void *state, int *nsplits, const bool **pending);
    /* True when read() itself waits, briefly (about 10 ms at most), for
     * data when it has none: the engine then reads again at once instead
     * of sleeping between reads that bring no rows, so a row is handed on
     * as soon as it arrives.  False: the engine sleeps about 20 ms. */
    bool read_waits;
} sl_source_kind;

/* ---- registration ---- */

/*
 * Makes a kind known by its name.  The struct must outlive the process (a
 * static const).  Refuses a wrong api_version, a malformed option table or
 * a name already taken by another kind; registering the same struct again
 * is a no-op.  Safe from any thread.
 */
sl_status sl_sink_kind_register(const sl_sink_kind *kind, sl_error *err);
sl_status sl_source_kind_register(const sl_source_kind *kind, sl_error *err);

/* The registered kind of that (case-insensitive) name, or NULL. */
const sl_sink_kind *sl_sink_kind_find(const char *name);
const sl_source_kind *sl_source_kind_find(const char *name);

#endif
