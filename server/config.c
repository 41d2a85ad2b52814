/*
 * config.c - the settings table, sluiced.conf, -c overrides, SET and SHOW.
 *
 * Every setting is one row of sl_conf_table: name, type, context (when it may
 * change), boot value, range and help.  The same rows write the commented
 * sluiced.conf of a new data directory and answer SHOW ALL.
 *
 * Values are kept as canonical text ("on", "10s", "1MB") plus, for numbers,
 * the parsed value.  The server's values sit behind one mutex (a reload may
 * run while sessions read them); a session keeps only the values it SET, so
 * everything else follows the server (and its reloads).
 *
 * Entry points: see config.h.
 */
#include "server/config.h"
#include "sluice/connector.h"
#include "sluice/types.h"
#include "sluice/version.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sluice/log.h"

typedef enum sl_conf_type {
    SL_CONF_BOOL,
    SL_CONF_INT,
    SL_CONF_BYTES,    /* an int that accepts kB/MB/GB */
    SL_CONF_INTERVAL, /* an int in milliseconds that accepts ms/s/min/h/d */
    SL_CONF_STRING,
} sl_conf_type;

typedef enum sl_conf_context {
    SL_CONF_INTERNAL, /* read-only: reports a fact about the server */
    SL_CONF_RESTART,  /* read at start only */
    SL_CONF_SIGHUP,   /* re-read on SIGHUP */
    SL_CONF_BACKEND,  /* fixed per session when it starts */
    SL_CONF_SESSION,  /* a session may SET it */
} sl_conf_context;

/* Normalizes a string value into out (canonical form) or fails with err. */
typedef sl_status (*sl_conf_check_fn)(const char *name, const char *in, char *out, size_t outsize,
                                      sl_error *err);

typedef struct sl_conf_def {
    const char *name;
    sl_conf_type type;
    sl_conf_context context;
    const char *boot;
    int64_t min, max; /* numeric types */
    sl_conf_check_fn check;
    const char *help;
} sl_conf_def;

static sl_status conf_check_log_level(const char *, const char *, char *, size_t, sl_error *);
static sl_status conf_check_encoding(const char *, const char *, char *, size_t, sl_error *);
static sl_status conf_check_datestyle(const char *, const char *, char *, size_t, sl_error *);
static sl_status conf_check_timezone(const char *, const char *, char *, size_t, sl_error *);
static sl_status conf_check_intervalstyle(const char *, const char *, char *, size_t, sl_error *);
static sl_status conf_check_appname(const char *, const char *, char *, size_t, sl_error *);
static sl_status conf_check_always_on(const char *, const char *, char *, size_t, sl_error *);
static sl_status conf_check_password_encryption(const char *, const char *, char *, size_t, sl_error *);
static sl_status conf_check_isolation(const char *, const char *, char *, size_t, sl_error *);
static sl_status conf_check_bytea_output(const char *, const char *, char *, size_t, sl_error *);

/* The server version reported to clients.  psql and drivers parse the leading
 * number: a 15.x value keeps psql 15 from warning about a major version
 * mismatch, and makes drivers use their modern PostgreSQL code paths. */
#define SL_SERVER_VERSION_NUM "150000"

static const sl_conf_def sl_conf_table[] = {
    /* connections */
    {"port", SL_CONF_INT, SL_CONF_RESTART, "5477", 1, 65535, NULL,
     "TCP port, also the name of the Unix socket .s.PGSQL.<port>"},
    {"listen_addresses", SL_CONF_STRING, SL_CONF_RESTART, "127.0.0.1", 0, 0, NULL,
     "comma-separated IP addresses or host names to listen on; '*' for all, '' for none"},
    {"unix_socket_directories", SL_CONF_STRING, SL_CONF_RESTART, "/tmp", 0, 0, NULL,
     "comma-separated directories for the Unix socket; '' for none"},
    {"max_connections", SL_CONF_INT, SL_CONF_RESTART, "100", 1, 10000, NULL,
     "maximum number of concurrent client sessions"},
    {"superuser_reserved_connections", SL_CONF_INT, SL_CONF_RESTART, "3", 0, 1000, NULL,
     "connections of max_connections kept for superusers, so an administrator can always get in"},
    {"client_connection_check_interval", SL_CONF_INTERVAL, SL_CONF_SIGHUP, "500ms", 0, 60000, NULL,
     "how often a running push query checks that its client is still connected; 0 never"},
    /* the HTTP listener: /metrics, logins, the dashboard (docs/dashboard.md) */
    {"http_port", SL_CONF_INT, SL_CONF_RESTART, "5478", 0, 65535, NULL,
     "TCP port of the HTTP listener (/metrics, the login page, the dashboard); 0 turns it off"},
    {"http_listen_addresses", SL_CONF_STRING, SL_CONF_RESTART, "127.0.0.1", 0, 0, NULL,
     "comma-separated IP addresses or host names the HTTP listener binds; '*' for all, '' for none"},
    {"http_max_connections", SL_CONF_INT, SL_CONF_RESTART, "32", 1, 1000, NULL,
     "maximum number of concurrent HTTP connections per listen address; more are closed at once"},
    {"http_session_lifetime", SL_CONF_INTERVAL, SL_CONF_SIGHUP, "1h", 60000, INT64_C(604800000), NULL,
     "how long a login through the HTTP login page lasts (its cookie)"},
    {"authentication_timeout", SL_CONF_INTERVAL, SL_CONF_SIGHUP, "60s", 1000, 600000, NULL,
     "longest time a client may take to connect and authenticate, start to finish"},
    {"authentication_failure_delay", SL_CONF_INTERVAL, SL_CONF_SIGHUP, "500ms", 0, 10000, NULL,
     "how long a failed login waits before it is answered (the same for every reason)"},
    /* security (docs/security.md) */
    {"ssl", SL_CONF_BOOL, SL_CONF_RESTART, "on", 0, 0, NULL,
     "offer TLS on TCP connections (clients choose: sslmode=require to insist)"},
    {"ssl_cert_file", SL_CONF_STRING, SL_CONF_RESTART, "server.crt", 0, 0, NULL,
     "server certificate (PEM), relative to the data directory; a new data directory gets a self-signed one"},
    {"ssl_key_file", SL_CONF_STRING, SL_CONF_RESTART, "server.key", 0, 0, NULL,
     "private key of the certificate (PEM, mode 0600), relative to the data directory"},
    {"ssl_ca_file", SL_CONF_STRING, SL_CONF_RESTART, "", 0, 0, NULL,
     "certificate authorities for client certificates (PEM); '' for none"},
    {"password_encryption", SL_CONF_STRING, SL_CONF_SESSION, "scram-sha-256", 0, 0,
     conf_check_password_encryption,
     "how new passwords are stored; only scram-sha-256 (a SCRAM verifier, never the password)"},
    {"max_statement_size", SL_CONF_BYTES, SL_CONF_SIGHUP, "1MB", 1024, 1024 * 1024 * 1024, NULL,
     "longest query string a client may send"},
    /* queries */
    {"checkpoint_interval", SL_CONF_INTERVAL, SL_CONF_SIGHUP, "10s", 100, INT64_C(86400000), NULL,
     "how often running queries save their source offsets and window state"},
    {"embedded_kafka", SL_CONF_BOOL, SL_CONF_RESTART, "off", 0, 0, NULL,
     "start an in-process Kafka mock cluster (demos and tests)"},
    {"max_queries", SL_CONF_INT, SL_CONF_SIGHUP, "100", 0, 100000, NULL,
     "maximum number of continuous queries kept (running, paused, finished or failed); DROP QUERY frees one"},
    {"max_sources", SL_CONF_INT, SL_CONF_SIGHUP, "1000", 1, 1000000, NULL,
     "maximum number of sources; CREATE SOURCE beyond it fails (54000)"},
    {"max_sinks", SL_CONF_INT, SL_CONF_SIGHUP, "1000", 1, 1000000, NULL,
     "maximum number of sinks; CREATE SINK beyond it fails (54000)"},
    {"query_memory_limit", SL_CONF_BYTES, SL_CONF_SIGHUP, "0", 0, INT64_C(1) << 50, NULL,
     "memory one query may hold (window state, DISTINCT sets, sink buffers); beyond it the query fails "
     "(53200); 0: a quarter of the machine's memory"},
    {"max_memory", SL_CONF_BYTES, SL_CONF_SIGHUP, "0", 0, INT64_C(1) << 50, NULL,
     "memory all queries together may hold; the query that grows beyond it fails (53200); 0: half of the "
     "machine's memory"},
    {"max_groups_per_query", SL_CONF_INT, SL_CONF_SIGHUP, "1000000", 1, INT64_C(1000000000), NULL,
     "maximum number of groups one query may hold in its open windows"},
    /* confinement: what clients' sources and sinks may reach (docs/security.md) */
    {"file_roots", SL_CONF_STRING, SL_CONF_RESTART, "files", 0, 0, NULL,
     "comma-separated directories whose files sources and sinks may read and write (relative to the data "
     "directory; the first is where relative paths lead, created at start)"},
    {"allowed_hosts", SL_CONF_STRING, SL_CONF_RESTART, "", 0, 0, NULL,
     "comma-separated host names, IP addresses and CIDR blocks (10.0.0.0/8) that HTTP sinks, schema "
     "registries and Kafka brokers may be; '' for any host"},
    /* extensions (docs/extensions.md) */
    {"extension_path", SL_CONF_STRING, SL_CONF_SIGHUP, "extension, $pkglibdir/extension", 0, 0, NULL,
     "comma-separated directories CREATE EXTENSION looks in for NAME.so and NAME.control, first match wins "
     "(relative to the data directory; $pkglibdir is where make install puts extensions)"},
    /* logging */
    {"log_min_messages", SL_CONF_STRING, SL_CONF_SIGHUP, "log", 0, 0, conf_check_log_level,
     "least severe log level written: debug, info, log, notice, warning, error or fatal"},
    /* client defaults a session may SET (PostgreSQL drivers send them) */
    {"client_encoding", SL_CONF_STRING, SL_CONF_SESSION, "UTF8", 0, 0, conf_check_encoding,
     "client character set; only UTF8 (or SQL_ASCII, no conversion) is supported"},
    {"DateStyle", SL_CONF_STRING, SL_CONF_SESSION, "ISO, MDY", 0, 0, conf_check_datestyle,
     "display format of dates; only the ISO output style is supported"},
    {"TimeZone", SL_CONF_STRING, SL_CONF_SESSION, "UTC", 0, 0, conf_check_timezone,
     "time zone name reported to clients; timestamps are always shown in UTC"},
    {"IntervalStyle", SL_CONF_STRING, SL_CONF_SESSION, "postgres", 0, 0, conf_check_intervalstyle,
     "display format of intervals; only postgres is supported"},
    {"extra_float_digits", SL_CONF_INT, SL_CONF_SESSION, "1", -15, 3, NULL,
     "extra digits of floating-point output (accepted for drivers)"},
    {"application_name", SL_CONF_STRING, SL_CONF_SESSION, "", 0, 0, conf_check_appname,
     "name of the client application"},
    {"search_path", SL_CONF_STRING, SL_CONF_SESSION, "\"$user\", public", 0, 0, NULL,
     "accepted for drivers; sluice has a single namespace"},
    {"statement_timeout", SL_CONF_INTERVAL, SL_CONF_SESSION, "0", 0, INT_MAX, NULL,
     "longest a statement (a push query too) may run before it is canceled (57014); 0 means no limit"},
    {"idle_session_timeout", SL_CONF_INTERVAL, SL_CONF_SESSION, "0", 0, INT_MAX, NULL,
     "a session idle (outside a transaction block) this long is closed (57P05); 0 means never"},
    {"standard_conforming_strings", SL_CONF_BOOL, SL_CONF_SESSION, "on", 0, 0, conf_check_always_on,
     "backslashes in string literals are ordinary characters; only on is supported"},
    /* PostgreSQL settings that tools set and sluice has no use for: accepted,
     * checked and shown, with no effect (docs/sql.md) */
    {"client_min_messages", SL_CONF_STRING, SL_CONF_SESSION, "notice", 0, 0, conf_check_log_level,
     "accepted for drivers; no effect: sluice's few notices are always sent"},
    {"lock_timeout", SL_CONF_INTERVAL, SL_CONF_SESSION, "0", 0, INT_MAX, NULL,
     "accepted for drivers; no effect: no statement waits for a lock"},
    {"idle_in_transaction_session_timeout", SL_CONF_INTERVAL, SL_CONF_SESSION, "0", 0, INT_MAX, NULL,
     "accepted for drivers; not enforced (a transaction block holds nothing)"},
    {"bytea_output", SL_CONF_STRING, SL_CONF_SESSION, "hex", 0, 0, conf_check_bytea_output,
     "accepted for drivers; no effect: sluice has no bytea type"},
    {"jit", SL_CONF_BOOL, SL_CONF_SESSION, "off", 0, 0, NULL,
     "accepted for drivers; no effect: no query is compiled"},
    /* transactions: accepted and shown for drivers; sluice has no tables to isolate, so
     * the level and the read-only flag change nothing (docs/sql.md) */
    {"default_transaction_isolation", SL_CONF_STRING, SL_CONF_SESSION, "read committed", 0, 0,
     conf_check_isolation, "isolation level of new transactions (accepted for drivers; no effect)"},
    {"default_transaction_read_only", SL_CONF_BOOL, SL_CONF_SESSION, "off", 0, 0, NULL,
     "whether new transactions are read-only (accepted for drivers; no effect)"},
    {"default_transaction_deferrable", SL_CONF_BOOL, SL_CONF_SESSION, "off", 0, 0, NULL,
     "whether new transactions are deferrable (accepted for drivers; no effect)"},
    {"transaction_isolation", SL_CONF_STRING, SL_CONF_SESSION, "read committed", 0, 0, conf_check_isolation,
     "isolation level of the current transaction (BEGIN ISOLATION LEVEL, SET TRANSACTION; no effect)"},
    {"transaction_read_only", SL_CONF_BOOL, SL_CONF_SESSION, "off", 0, 0, NULL,
     "whether the current transaction is read-only (no effect)"},
    {"transaction_deferrable", SL_CONF_BOOL, SL_CONF_SESSION, "off", 0, 0, NULL,
     "whether the current transaction is deferrable (no effect)"},
    /* read-only facts */
    {"server_version", SL_CONF_STRING, SL_CONF_INTERNAL, SL_SERVER_VERSION, 0, 0, NULL,
     "the PostgreSQL version sluice reports, and its own version"},
    {"server_version_num", SL_CONF_INT, SL_CONF_INTERNAL, SL_SERVER_VERSION_NUM, 0, INT_MAX, NULL,
     "server_version as a number"},
    {"server_encoding", SL_CONF_STRING, SL_CONF_INTERNAL, "UTF8", 0, 0, NULL, "server character set"},
    {"integer_datetimes", SL_CONF_BOOL, SL_CONF_INTERNAL, "on", 0, 0, NULL, "timestamps are 64-bit integers"},
    {"is_superuser", SL_CONF_BOOL, SL_CONF_BACKEND, "off", 0, 0, NULL,
     "whether the session's role is a superuser"},
    {"session_authorization", SL_CONF_STRING, SL_CONF_BACKEND, "", 0, 0, NULL,
     "role the session logged in as"},
    {"kafka_bootstrap", SL_CONF_STRING, SL_CONF_INTERNAL, "", 0, 0, NULL,
     "address of the embedded kafka broker (embedded_kafka = on), '' when none runs"},
};

#define SL_CONF_N ((int)(sizeof(sl_conf_table) / sizeof(sl_conf_table[0])))

typedef struct sl_conf_val {
    char text[SL_CONFIG_VALUE_MAX];
    int64_t num; /* numeric and bool types */
} sl_conf_val;

static pthread_mutex_t conf_lock = PTHREAD_MUTEX_INITIALIZER;
static sl_conf_val conf_cur[SL_CONF_N];
static char *conf_override[SL_CONF_N]; /* -c values, canonical, malloc'd */
static char *conf_datadir;
static bool conf_ready;

/* Each of the session's values is one of SL_CONFIG_VALUE_MAX bytes, allocated
 * on first use and reused, so that a client repeating SET does not grow the
 * session's context. */
typedef struct sl_setting_val {
    char *text;
    bool set; /* false: follows the server's value */
} sl_setting_val;

struct sl_settings {
    sl_mcxt *cx;
    sl_setting_val cur[SL_CONF_N];   /* what the session sees */
    sl_setting_val reset[SL_CONF_N]; /* what RESET returns to: the startup packet's value */
    sl_setting_val saved[SL_CONF_N]; /* the value before the transaction's first SET LOCAL */
    bool saved_any[SL_CONF_N];       /* saved holds a value to restore at the end of the block */
};

/* Settings of the current transaction that show their session default when
 * none was given (PostgreSQL's transaction_isolation and the like). */
static const char *const conf_follows[][2] = {
    {"transaction_isolation", "default_transaction_isolation"},
    {"transaction_read_only", "default_transaction_read_only"},
    {"transaction_deferrable", "default_transaction_deferrable"},
};

/* ---- the table ---- */

static int conf_find(const char *name)
{
    for (int i = 0; i < SL_CONF_N; i++)
        if (strcasecmp(sl_conf_table[i].name, name) == 0)
            return i;
    return -1;
}

static sl_status conf_unknown(const char *name, sl_error *err)
{
    return sl_error_set(err, SL_ERRCODE_UNDEFINED_OBJECT, "unrecognized configuration parameter \"%s\"",
                        name);
}

/* ---- value parsing ---- */

/* The words of sl_bool_word, without blanks around them. */
static bool conf_parse_bool(const char *in, bool *out)
{
    return sl_bool_word(in, strlen(in), out);
}

typedef struct sl_conf_unit {
    const char *name;
    int64_t mult;
} sl_conf_unit;

/* How SHOW spells sizes and durations (as PostgreSQL does: 1MB, 10s). */
static const sl_conf_unit conf_byte_units[] = {
    {"GB", INT64_C(1024) * 1024 * 1024}, {"MB", 1024 * 1024}, {"kB", 1024}, {"B", 1}, {NULL, 0}};
static const sl_conf_unit conf_ms_units[] = {
    {"d", INT64_C(86400000)}, {"h", 3600000}, {"min", 60000}, {"s", 1000}, {"ms", 1}, {NULL, 0}};

/*
 * Parses a value of type: a bare integer (bytes for a size, milliseconds
 * for an interval, as PostgreSQL's settings take them), or for a size or an
 * interval a value with units, read by the parsers options and casts use
 * (sl_size_parse, sl_interval_parse); an interval must be whole
 * milliseconds.  False on junk or overflow.
 */
static bool conf_parse_number(const char *in, sl_conf_type type, int64_t *out)
{
    char *end;
    long long v;
    int64_t us;

    errno = 0;
    v = strtoll(in, &end, 10);
    if (end != in && errno != ERANGE) {
        while (isspace((unsigned char)*end))
            end++;
        if (*end == '\0') {
            *out = v;
            return true;
        }
    }
    if (type == SL_CONF_BYTES)
        return sl_size_parse(in, out);
    if (type == SL_CONF_INTERVAL && sl_interval_parse(in, &us) && us % 1000 == 0) {
        *out = us / 1000;
        return true;
    }
    return false;
}

/* The canonical text of a number: the largest unit that divides it evenly. */
static void conf_format_number(int64_t v, const sl_conf_unit *units, char *out, size_t outsize)
{
    if (units != NULL && v != 0) {
        for (const sl_conf_unit *u = units; u->name != NULL; u++) {
            if (v % u->mult == 0) {
                snprintf(out, outsize, "%lld%s", (long long)(v / u->mult), u->name);
                return;
            }
        }
    }
    snprintf(out, outsize, "%lld", (long long)v);
}

static sl_status conf_invalid(const char *name, const char *in, sl_error *err)
{
    return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"%s\": \"%s\"",
                        name, in);
}

/* Checks and normalizes in for setting i into val. */
static sl_status conf_parse_value(int i, const char *in, sl_conf_val *val, sl_error *err)
{
    const sl_conf_def *def = &sl_conf_table[i];
    const sl_conf_unit *units = NULL;
    bool b;
    int64_t v;

    if (strlen(in) >= SL_CONFIG_VALUE_MAX)
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "value for parameter \"%s\" is too long",
                            def->name);
    switch (def->type) {
    case SL_CONF_BOOL:
        if (!conf_parse_bool(in, &b)) {
            conf_invalid(def->name, in, err);
            sl_error_hint(err, "Use on or off.");
            return SL_ERROR;
        }
        if (def->check != NULL && def->check(def->name, b ? "on" : "off", val->text, sizeof(val->text), err))
            return SL_ERROR;
        snprintf(val->text, sizeof(val->text), "%s", b ? "on" : "off");
        val->num = b;
        return SL_OK;
    case SL_CONF_BYTES:
        units = conf_byte_units;
        /* fallthrough */
    case SL_CONF_INTERVAL:
        if (units == NULL && def->type == SL_CONF_INTERVAL)
            units = conf_ms_units;
        /* fallthrough */
    case SL_CONF_INT:
        if (!conf_parse_number(in, def->type, &v)) {
            conf_invalid(def->name, in, err);
            if (def->type == SL_CONF_BYTES)
                sl_error_hint(err, "Write a number of bytes, or a number with a unit: 512kB, 64MB, 1GB.");
            else if (def->type == SL_CONF_INTERVAL)
                sl_error_hint(err,
                              "Write a number of milliseconds, or a number with a unit: 500ms, 10s, 1min, "
                              "1h, 1d.");
            return SL_ERROR;
        }
        if (v < def->min || v > def->max) {
            char lo[64], hi[64], got[64];
            conf_format_number(def->min, units, lo, sizeof(lo));
            conf_format_number(def->max, units, hi, sizeof(hi));
            conf_format_number(v, units, got, sizeof(got));
            return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                                "%s is outside the valid range for parameter \"%s\" (%s .. %s)", got,
                                def->name, lo, hi);
        }
        conf_format_number(v, units, val->text, sizeof(val->text));
        val->num = v;
        return SL_OK;
    case SL_CONF_STRING:
        if (def->check != NULL)
            return def->check(def->name, in, val->text, sizeof(val->text), err);
        snprintf(val->text, sizeof(val->text), "%s", in);
        val->num = 0;
        return SL_OK;
    }
    return conf_invalid(def->name, in, err);
}

static sl_status conf_check_log_level(const char *name, const char *in, char *out, size_t outsize,
                                      sl_error *err)
{
    sl_log_level level;

    if (!sl_log_level_parse(in, &level)) {
        conf_invalid(name, in, err);
        sl_error_hint(err, "Available values: debug, info, log, notice, warning, error, fatal.");
        return SL_ERROR;
    }
    snprintf(out, outsize, "%s", sl_log_level_name(level));
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return SL_OK;
}

/* Encoding names compare like PostgreSQL's: case and punctuation do not count. */
static sl_status conf_check_encoding(const char *name, const char *in, char *out, size_t outsize,
                                     sl_error *err)
{
    char norm[32];
    size_t n = 0;

    for (const char *p = in; *p && n < sizeof(norm) - 1; p++)
        if (isalnum((unsigned char)*p))
            norm[n++] = (char)tolower((unsigned char)*p);
    norm[n] = '\0';
    /* SQL_ASCII means "no conversion": psql asks for it in the C locale, and
     * passing UTF-8 bytes through unchanged is exactly what such a terminal
     * gets from PostgreSQL too, so it is accepted as well. */
    if (strcmp(norm, "sqlascii") == 0) {
        snprintf(out, outsize, "SQL_ASCII");
        return SL_OK;
    }
    if (strcmp(norm, "utf8") != 0 && strcmp(norm, "unicode") != 0) {
        conf_invalid(name, in, err);
        sl_error_detail(err, "sluice supports only the UTF8 encoding.");
        return SL_ERROR;
    }
    snprintf(out, outsize, "UTF8");
    return SL_OK;
}

/* "ISO", "ISO, DMY", "MDY", "iso,ymd": the output style must be ISO (the only
 * one sluice prints); the field order is kept for clients that read it. */
static sl_status conf_check_datestyle(const char *name, const char *in, char *out, size_t outsize,
                                      sl_error *err)
{
    const char *order = "MDY";
    char buf[SL_CONFIG_VALUE_MAX];
    char *save = NULL;

    snprintf(buf, sizeof(buf), "%s", in);
    for (char *tok = strtok_r(buf, ", \t", &save); tok != NULL; tok = strtok_r(NULL, ", \t", &save)) {
        if (strcasecmp(tok, "iso") == 0)
            continue;
        if (strcasecmp(tok, "mdy") == 0 || strcasecmp(tok, "us") == 0 || strcasecmp(tok, "noneuropean") == 0)
            order = "MDY";
        else if (strcasecmp(tok, "dmy") == 0 || strcasecmp(tok, "euro") == 0 ||
                 strcasecmp(tok, "european") == 0)
            order = "DMY";
        else if (strcasecmp(tok, "ymd") == 0)
            order = "YMD";
        else {
            conf_invalid(name, in, err);
            sl_error_detail(err, "Only the ISO output style is supported.");
            return SL_ERROR;
        }
    }
    snprintf(out, outsize, "ISO, %s", order);
    return SL_OK;
}

/* Any well-formed zone name is accepted (JDBC sends the JVM's zone at connect);
 * sluice shows timestamps in UTC regardless, as the help text says. */
static sl_status conf_check_timezone(const char *name, const char *in, char *out, size_t outsize,
                                     sl_error *err)
{
    size_t n = strlen(in);

    if (n == 0 || n > 64)
        return conf_invalid(name, in, err);
    for (const char *p = in; *p; p++)
        if (!isalnum((unsigned char)*p) && strchr("/_+-:.", *p) == NULL)
            return conf_invalid(name, in, err);
    if (strcasecmp(in, "utc") == 0 || strcasecmp(in, "etc/utc") == 0 || strcasecmp(in, "z") == 0 ||
        strcasecmp(in, "zulu") == 0)
        in = "UTC";
    snprintf(out, outsize, "%s", in);
    return SL_OK;
}

static sl_status conf_check_bytea_output(const char *name, const char *in, char *out, size_t outsize,
                                         sl_error *err)
{
    if (strcasecmp(in, "hex") != 0 && strcasecmp(in, "escape") != 0) {
        conf_invalid(name, in, err);
        sl_error_hint(err, "Available values: escape, hex.");
        return SL_ERROR;
    }
    snprintf(out, outsize, "%s", strcasecmp(in, "hex") == 0 ? "hex" : "escape");
    return SL_OK;
}

/* The four levels of PostgreSQL, in its spelling (any case, blanks or '_' between words). */
static sl_status conf_check_isolation(const char *name, const char *in, char *out, size_t outsize,
                                      sl_error *err)
{
    static const char *const levels[] = {"serializable", "repeatable read", "read committed",
                                         "read uncommitted"};
    char norm[32];
    size_t n = 0;

    for (const char *p = in; *p != '\0' && n + 1 < sizeof(norm); p++)
        norm[n++] = *p == '_' ? ' ' : (char)tolower((unsigned char)*p);
    norm[n] = '\0';
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
        if (strcmp(norm, levels[i]) == 0) {
            snprintf(out, outsize, "%s", levels[i]);
            return SL_OK;
        }
    conf_invalid(name, in, err);
    sl_error_hint(err, "Available values: serializable, repeatable read, read committed, read uncommitted.");
    return SL_ERROR;
}

static sl_status conf_check_intervalstyle(const char *name, const char *in, char *out, size_t outsize,
                                          sl_error *err)
{
    if (strcasecmp(in, "postgres") != 0) {
        conf_invalid(name, in, err);
        sl_error_detail(err, "Only the postgres interval style is supported.");
        return SL_ERROR;
    }
    snprintf(out, outsize, "postgres");
    return SL_OK;
}

/* Like PostgreSQL: at most 63 bytes, non-printable or non-ASCII bytes become '?',
 * so that a name is always safe to log and to send back. */
static sl_status conf_check_appname(const char *name, const char *in, char *out, size_t outsize,
                                    sl_error *err)
{
    size_t n = 0;

    for (const char *p = in; *p && n < 63 && n < outsize - 1; p++)
        out[n++] = (*p >= 32 && *p <= 126) ? *p : '?';
    out[n] = '\0';
    return SL_OK;
}

static sl_status conf_check_always_on(const char *name, const char *in, char *out, size_t outsize,
                                      sl_error *err)
{
    if (strcmp(in, "on") != 0) {
        sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "parameter \"%s\" can only be on", name);
        return SL_ERROR;
    }
    return SL_OK;
}

static sl_status conf_check_password_encryption(const char *name, const char *in, char *out, size_t outsize,
                                                sl_error *err)
{
    if (strcasecmp(in, "scram-sha-256") != 0) {
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"%s\": \"%s\"",
                     name, in);
        sl_error_hint(err, "Only scram-sha-256 is supported (md5 hashes can be replayed).");
        return SL_ERROR;
    }
    snprintf(out, outsize, "scram-sha-256");
    return SL_OK;
}

/* ---- sluiced.conf ---- */

typedef struct sl_conf_file {
    char *value[SL_CONF_N]; /* malloc'd raw values; the last line of a name wins */
} sl_conf_file;

static void conf_file_free(sl_conf_file *f)
{
    for (int i = 0; i < SL_CONF_N; i++)
        free(f->value[i]);
    memset(f, 0, sizeof(*f));
}

static sl_status conf_syntax_error(const char *path, int lineno, sl_error *err)
{
    return sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR, "syntax error in file \"%s\" line %d", path,
                        lineno);
}

/* Parses one line: `name [=] value [# comment]`; value may be quoted with '',
 * inside which '' or \' is a quote. Returns 0 for a blank line, 1 for a
 * setting, -1 on a syntax error. */
static int conf_parse_line(char *line, char **name, char **value)
{
    char *p = line, *w;

    while (isspace((unsigned char)*p))
        p++;
    if (*p == '\0' || *p == '#')
        return 0;
    if (!isalpha((unsigned char)*p) && *p != '_')
        return -1;
    *name = p;
    while (isalnum((unsigned char)*p) || *p == '_' || *p == '.')
        p++;
    char *name_end = p;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '=')
        p++;
    while (isspace((unsigned char)*p))
        p++;
    *name_end = '\0';
    if (*p == '\'') {
        *value = w = ++p;
        for (;;) {
            if (*p == '\0')
                return -1; /* unterminated quote */
            if ((*p == '\'' && p[1] == '\'') || (*p == '\\' && p[1] != '\0')) {
                *w++ = p[1];
                p += 2;
            } else if (*p == '\'') {
                p++;
                break;
            } else
                *w++ = *p++;
        }
        *w = '\0';
    } else {
        *value = p;
        while (*p != '\0' && !isspace((unsigned char)*p) && *p != '#')
            p++;
        if (p == *value)
            return -1; /* no value */
        if (*p != '\0')
            *p++ = '\0';
    }
    while (isspace((unsigned char)*p))
        p++;
    if (*p != '\0' && *p != '#')
        return -1;
    return 1;
}

/* Reads path into f, checking names and values.  A missing file is empty. */
static sl_status conf_file_read(const char *path, sl_conf_file *f, sl_error *err)
{
    FILE *fp;
    char line[SL_CONFIG_VALUE_MAX * 2 + 256];
    int lineno = 0;
    sl_status st = SL_OK;

    memset(f, 0, sizeof(*f));
    fp = fopen(path, "r");
    if (fp == NULL) {
        if (errno == ENOENT)
            return SL_OK;
        return sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR, "could not open configuration file \"%s\": %s",
                            path, strerror(errno));
    }
    while (fgets(line, sizeof(line), fp) != NULL) {
        char *name, *value;
        sl_conf_val val;
        int i, rc;

        lineno++;
        if (strchr(line, '\n') == NULL && !feof(fp)) {
            st = conf_syntax_error(path, lineno, err);
            sl_error_detail(err, "The line is too long.");
            break;
        }
        rc = conf_parse_line(line, &name, &value);
        if (rc == 0)
            continue;
        if (rc < 0) {
            st = conf_syntax_error(path, lineno, err);
            break;
        }
        i = conf_find(name);
        if (i < 0) {
            st = sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR,
                              "unrecognized configuration parameter \"%s\" in file \"%s\" line %d", name,
                              path, lineno);
            break;
        }
        if (sl_conf_table[i].context == SL_CONF_INTERNAL || sl_conf_table[i].context == SL_CONF_BACKEND) {
            st = sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR,
                              "parameter \"%s\" cannot be set in file \"%s\" line %d", sl_conf_table[i].name,
                              path, lineno);
            break;
        }
        if (conf_parse_value(i, value, &val, err) != SL_OK) {
            char msg[SL_ERROR_MSG_MAX];
            snprintf(msg, sizeof(msg), "%s", err->message);
            st = sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR, "%s in file \"%s\" line %d", msg, path,
                              lineno);
            break;
        }
        free(f->value[i]);
        f->value[i] = strdup(value);
        if (f->value[i] == NULL)
            abort();
    }
    fclose(fp);
    if (st != SL_OK)
        conf_file_free(f);
    return st;
}

static char *conf_path(char *buf, size_t size)
{
    snprintf(buf, size, "%s/sluiced.conf", conf_datadir);
    return buf;
}

/* Sets the log level from the current value (call with conf_lock held). */
static void conf_apply_side_effects(int i)
{
    sl_log_level level;

    if (strcmp(sl_conf_table[i].name, "log_min_messages") == 0 &&
        sl_log_level_parse(conf_cur[i].text, &level))
        sl_log_set_min_level(level);
}

/* The value setting i should have: -c override, else the file, else the boot value. */
static sl_status conf_wanted(int i, const sl_conf_file *f, sl_conf_val *val, sl_error *err)
{
    const char *src = conf_override[i] ? conf_override[i] : f->value[i] ? f->value[i] : sl_conf_table[i].boot;
    return conf_parse_value(i, src, val, err);
}

sl_status sl_config_init(const char *datadir, sl_error *err)
{
    char path[PATH_MAX];
    sl_conf_file f;

    pthread_mutex_lock(&conf_lock);
    free(conf_datadir);
    conf_datadir = strdup(datadir);
    if (conf_datadir == NULL)
        abort();
    pthread_mutex_unlock(&conf_lock);
    if (conf_file_read(conf_path(path, sizeof(path)), &f, err) != SL_OK)
        return SL_ERROR;
    pthread_mutex_lock(&conf_lock);
    for (int i = 0; i < SL_CONF_N; i++) {
        if (conf_wanted(i, &f, &conf_cur[i], err) != SL_OK) {
            pthread_mutex_unlock(&conf_lock);
            conf_file_free(&f);
            return SL_ERROR;
        }
        conf_apply_side_effects(i);
    }
    conf_ready = true;
    pthread_mutex_unlock(&conf_lock);
    conf_file_free(&f);
    return SL_OK;
}

sl_status sl_config_override(const char *name, const char *value, sl_error *err)
{
    sl_conf_val val;
    int i = conf_find(name);

    if (i < 0)
        return conf_unknown(name, err);
    if (sl_conf_table[i].context == SL_CONF_INTERNAL || sl_conf_table[i].context == SL_CONF_BACKEND)
        return sl_error_set(err, SL_ERRCODE_CANT_CHANGE_RUNTIME_PARAM, "parameter \"%s\" cannot be changed",
                            sl_conf_table[i].name);
    if (conf_parse_value(i, value, &val, err) != SL_OK)
        return SL_ERROR;
    pthread_mutex_lock(&conf_lock);
    free(conf_override[i]);
    conf_override[i] = strdup(val.text);
    if (conf_override[i] == NULL)
        abort();
    if (conf_ready) {
        conf_cur[i] = val;
        conf_apply_side_effects(i);
    }
    pthread_mutex_unlock(&conf_lock);
    return SL_OK;
}

sl_status sl_config_reload(sl_error *err)
{
    char path[PATH_MAX];
    sl_conf_file f;
    sl_conf_val want[SL_CONF_N];

    if (!conf_ready)
        return sl_error_set(err, SL_ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "settings are not loaded yet");
    if (conf_file_read(conf_path(path, sizeof(path)), &f, err) != SL_OK) {
        sl_log(SL_LOG_ERROR, "%s", err->message);
        sl_log(SL_LOG_LOG, "configuration file \"%s\" contains errors; no changes were applied", path);
        return SL_ERROR;
    }
    /* Check everything before changing anything: a file with one bad line is
     * ignored as a whole, as PostgreSQL does. */
    for (int i = 0; i < SL_CONF_N; i++) {
        if (conf_wanted(i, &f, &want[i], err) != SL_OK) {
            conf_file_free(&f);
            sl_log(SL_LOG_ERROR, "%s", err->message);
            return SL_ERROR;
        }
    }
    pthread_mutex_lock(&conf_lock);
    for (int i = 0; i < SL_CONF_N; i++) {
        const sl_conf_def *def = &sl_conf_table[i];

        /* Read-only facts (kafka_bootstrap) are not the file's to change. */
        if (strcmp(want[i].text, conf_cur[i].text) == 0 || def->context == SL_CONF_INTERNAL)
            continue;
        if (def->context == SL_CONF_RESTART || def->context == SL_CONF_INTERNAL ||
            def->context == SL_CONF_BACKEND) {
            sl_log(SL_LOG_LOG, "parameter \"%s\" cannot be changed without restarting the server", def->name);
            continue;
        }
        conf_cur[i] = want[i];
        conf_apply_side_effects(i);
        sl_log(SL_LOG_LOG, "parameter \"%s\" changed to \"%s\"", def->name, want[i].text);
    }
    pthread_mutex_unlock(&conf_lock);
    conf_file_free(&f);
    return SL_OK;
}

static const char *conf_context_name(sl_conf_context c)
{
    switch (c) {
    case SL_CONF_INTERNAL:
        return "read-only";
    case SL_CONF_RESTART:
        return "change requires restart";
    case SL_CONF_SIGHUP:
        return "reloaded on SIGHUP";
    case SL_CONF_BACKEND:
        return "set per connection";
    case SL_CONF_SESSION:
        return "session default, clients may SET it";
    }
    return "";
}

static const char *conf_type_name(sl_conf_type t)
{
    switch (t) {
    case SL_CONF_BOOL:
        return "boolean";
    case SL_CONF_INT:
        return "integer";
    case SL_CONF_BYTES:
        return "size: B, kB, MB, GB";
    case SL_CONF_INTERVAL:
        return "interval: ms, s, min, h, d";
    case SL_CONF_STRING:
        return "string";
    }
    return "";
}

/* A value as it must be written in the file: quoted unless a plain word. */
static void conf_write_value(FILE *fp, const char *v)
{
    bool plain = *v != '\0';

    for (const char *p = v; *p; p++)
        if (!isalnum((unsigned char)*p) && strchr("._-/:", *p) == NULL)
            plain = false;
    if (plain) {
        fputs(v, fp);
        return;
    }
    fputc('\'', fp);
    for (const char *p = v; *p; p++) {
        if (*p == '\'')
            fputc('\'', fp);
        fputc(*p, fp);
    }
    fputc('\'', fp);
}

sl_status sl_config_write_default(const char *path, sl_error *err)
{
    char tmp[PATH_MAX];
    FILE *fp;
    int fd;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
        sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not create file \"%s\": %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        return SL_ERROR;
    }
    fputs("# sluiced.conf - settings of this sluice server.\n"
          "#\n"
          "# One setting per line: name = value.  '#' starts a comment; quote a value\n"
          "# that holds spaces or commas with single quotes ('a, b').  Every setting is\n"
          "# listed below, commented out, with its default value.  Settings marked\n"
          "# \"reloaded on SIGHUP\" change when the server gets SIGHUP (kill -HUP <pid>);\n"
          "# \"change requires restart\" ones need a restart; session defaults may also\n"
          "# be changed by a client with SET.  `sluiced -c name=value` wins over this file.\n",
          fp);
    for (int i = 0; i < SL_CONF_N; i++) {
        const sl_conf_def *def = &sl_conf_table[i];

        fprintf(fp, "\n# %s (%s; %s)\n", def->help, conf_type_name(def->type),
                conf_context_name(def->context));
        if (def->context == SL_CONF_INTERNAL || def->context == SL_CONF_BACKEND) {
            fprintf(fp, "# %s cannot be set here\n", def->name);
            continue;
        }
        fprintf(fp, "#%s = ", def->name);
        conf_write_value(fp, def->boot);
        fputc('\n', fp);
    }
    if (fflush(fp) != 0 || fsync(fileno(fp)) != 0) {
        sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not write file \"%s\": %s", tmp, strerror(errno));
        fclose(fp);
        unlink(tmp);
        return SL_ERROR;
    }
    fclose(fp);
    if (rename(tmp, path) != 0) {
        sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not rename file \"%s\" to \"%s\": %s", tmp, path,
                     strerror(errno));
        unlink(tmp);
        return SL_ERROR;
    }
    return SL_OK;
}

/* ---- the server's values ---- */

/* Copies setting name's current value; false when unknown (a programming error). */
static bool conf_get(const char *name, sl_conf_val *out)
{
    int i = conf_find(name);

    if (i < 0) {
        sl_log(SL_LOG_WARNING, "internal error: unknown setting \"%s\" read", name);
        return false;
    }
    pthread_mutex_lock(&conf_lock);
    if (conf_ready)
        *out = conf_cur[i];
    else if (conf_parse_value(i, sl_conf_table[i].boot, out, &(sl_error){0}) != SL_OK)
        out->num = 0;
    pthread_mutex_unlock(&conf_lock);
    return true;
}

int64_t sl_config_int(const char *name)
{
    sl_conf_val v;
    return conf_get(name, &v) ? v.num : 0;
}

bool sl_config_bool(const char *name)
{
    sl_conf_val v;
    return conf_get(name, &v) ? v.num != 0 : false;
}

char *sl_config_string(const char *name, char *buf, size_t bufsize)
{
    sl_conf_val v;

    if (!conf_get(name, &v))
        v.text[0] = '\0';
    snprintf(buf, bufsize, "%s", v.text);
    return buf;
}

void sl_config_set_fact(const char *name, const char *value)
{
    int i = conf_find(name);

    if (i < 0 || sl_conf_table[i].context != SL_CONF_INTERNAL)
        return;
    pthread_mutex_lock(&conf_lock);
    snprintf(conf_cur[i].text, sizeof(conf_cur[i].text), "%s", value != NULL ? value : "");
    pthread_mutex_unlock(&conf_lock);
}

const char *sl_config_datadir(void)
{
    return conf_datadir;
}

void sl_config_shutdown(void)
{
    pthread_mutex_lock(&conf_lock);
    for (int i = 0; i < SL_CONF_N; i++) {
        free(conf_override[i]);
        conf_override[i] = NULL;
    }
    free(conf_datadir);
    conf_datadir = NULL;
    conf_ready = false;
    pthread_mutex_unlock(&conf_lock);
}

/* ---- a session's view ---- */

sl_settings *sl_settings_new(sl_mcxt *cx)
{
    sl_settings *s = sl_pnew(cx, sl_settings);
    s->cx = cx;
    return s;
}

const char *sl_settings_show(sl_settings *s, sl_mcxt *cx, const char *name, sl_error *err)
{
    sl_conf_val v;
    int i = conf_find(name);

    if (i < 0) {
        conf_unknown(name, err);
        return NULL;
    }
    if (s != NULL && s->cur[i].set)
        return sl_pstrdup(cx, s->cur[i].text);
    for (size_t f = 0; f < sizeof(conf_follows) / sizeof(conf_follows[0]); f++)
        if (strcmp(sl_conf_table[i].name, conf_follows[f][0]) == 0)
            return sl_settings_show(s, cx, conf_follows[f][1], err);
    conf_get(sl_conf_table[i].name, &v);
    return sl_pstrdup(cx, v.text);
}

/* Copies from into to (to's buffer allocated on first use). */
static void setting_copy(sl_settings *s, sl_setting_val *to, const sl_setting_val *from)
{
    to->set = from->set;
    if (!from->set)
        return;
    if (to->text == NULL)
        to->text = sl_palloc(s->cx, SL_CONFIG_VALUE_MAX);
    snprintf(to->text, SL_CONFIG_VALUE_MAX, "%s", from->text);
}

static sl_status settings_set(sl_settings *s, const char *name, const char *value, bool startup, bool local,
                              sl_error *err)
{
    sl_conf_val val;
    int i = conf_find(name);

    if (i < 0)
        return conf_unknown(name, err);
    switch (sl_conf_table[i].context) {
    case SL_CONF_SESSION:
        break;
    case SL_CONF_BACKEND:
        if (startup)
            break;
        /* fallthrough */
    case SL_CONF_INTERNAL:
        return sl_error_set(err, SL_ERRCODE_CANT_CHANGE_RUNTIME_PARAM, "parameter \"%s\" cannot be changed",
                            sl_conf_table[i].name);
    case SL_CONF_RESTART:
    case SL_CONF_SIGHUP:
        return sl_error_set(err, SL_ERRCODE_CANT_CHANGE_RUNTIME_PARAM,
                            "parameter \"%s\" cannot be changed now", sl_conf_table[i].name);
    }
    if (local && !s->saved_any[i]) {
        setting_copy(s, &s->saved[i], &s->cur[i]);
        s->saved_any[i] = true;
    }
    if (value == NULL) {
        /* SET ... TO DEFAULT, RESET: the startup packet's value, else the server's */
        setting_copy(s, &s->cur[i], &s->reset[i]);
        return SL_OK;
    }
    if (conf_parse_value(i, value, &val, err) != SL_OK)
        return SL_ERROR;
    sl_setting_val v = {.text = val.text, .set = true};
    setting_copy(s, &s->cur[i], &v);
    if (startup)
        setting_copy(s, &s->reset[i], &v);
    return SL_OK;
}

sl_status sl_settings_set_local(sl_settings *s, const char *name, const char *value, sl_error *err)
{
    return settings_set(s, name, value, false, true, err);
}

void sl_settings_end_transaction(sl_settings *s)
{
    for (int i = 0; i < SL_CONF_N; i++)
        if (s->saved_any[i]) {
            setting_copy(s, &s->cur[i], &s->saved[i]);
            s->saved_any[i] = false;
        }
}

void sl_settings_connected(sl_settings *s)
{
    for (int i = 0; i < SL_CONF_N; i++)
        setting_copy(s, &s->reset[i], &s->cur[i]);
}

void sl_settings_reset_all(sl_settings *s)
{
    for (int i = 0; i < SL_CONF_N; i++)
        if (sl_conf_table[i].context == SL_CONF_SESSION)
            setting_copy(s, &s->cur[i], &s->reset[i]);
}

int64_t sl_settings_int(sl_settings *s, const char *name)
{
    sl_conf_val val;
    sl_error err;
    int i = conf_find(name);

    if (i >= 0 && s != NULL && s->cur[i].set && conf_parse_value(i, s->cur[i].text, &val, &err) == SL_OK)
        return val.num;
    return sl_config_int(name);
}

sl_status sl_settings_set(sl_settings *s, const char *name, const char *value, sl_error *err)
{
    return settings_set(s, name, value, false, false, err);
}

sl_status sl_settings_set_startup(sl_settings *s, const char *name, const char *value, sl_error *err)
{
    return settings_set(s, name, value, true, false, err);
}

void sl_settings_foreach(sl_settings *s, sl_mcxt *cx, sl_settings_visit_fn fn, void *arg)
{
    for (int i = 0; i < SL_CONF_N; i++) {
        sl_error err;
        const char *v = sl_settings_show(s, cx, sl_conf_table[i].name, &err);
        fn(arg, sl_conf_table[i].name, v ? v : "", sl_conf_table[i].help);
    }
}
