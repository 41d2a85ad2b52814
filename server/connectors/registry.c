/*
 * registry.c - the registry of source and sink kinds, and their options.
 *
 * It implements the public sluice/connector.h and knows no kind: the
 * built-in ones are registered from outside (server/connectors/builtin.c)
 * through the same calls an extension makes.
 *
 * Owns: registration and lookup of kinds (sl_sink_kind_register,
 * sl_source_kind_register, sl_*_kind_unregister, sl_*_kind_find, sl_*_kind_names), the parsing and
 * normalisation of option values (sl_option_parse, sl_interval_parse,
 * sl_size_parse, sl_interval_format), the checking of a WITH list against a
 * kind's declarations (sl_options_build), typed reads of validated options
 * (sl_options_get*), the options every sink and every source shares
 * (sl_sink_framework_options, sl_source_framework_options) and the generated reference
 * (sl_connector_write_docs -> docs/options.md).
 */
#include "server/connectors/registry.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/interval.h"
#include "sluice/errcodes.h"
#include "sluice/types.h"

/* ---- the options of every sink and every source ---- */

const sl_option_decl sl_sink_framework_options[] = {
    {.name = "batch_rows",
     .type = SL_OPT_INT,
     .default_value = "1000",
     .min = 0,
     .max = 10000000,
     .help =
         "rows buffered before a batch is written (0: no buffering, rows go out as the query makes them)"},
    {.name = "batch_bytes",
     .type = SL_OPT_SIZE,
     .default_value = "4MB",
     .min = 1024,
     .max = 1073741824.0,
     .help = "bytes buffered before a batch is written"},
    {.name = "flush_interval",
     .type = SL_OPT_INTERVAL,
     .default_value = "1 second",
     .help = "longest time a row waits in the buffer before it is written"},
    {.name = "max_retries",
     .type = SL_OPT_INT,
     .default_value = "10",
     .min = 0,
     .max = 1000000,
     .help = "retries of a failed write before the query fails (0: fail at once)"},
    {.name = "retry_backoff",
     .type = SL_OPT_INTERVAL,
     .default_value = "100 milliseconds",
     .help = "first wait before a retry; doubled each time, with jitter, up to 30 seconds"},
    {0},
};

/* Event-time bounds every source has: see docs/sql.md "Event time". */
const sl_option_decl sl_source_framework_options[] = {
    {.name = "idle_timeout",
     .type = SL_OPT_INTERVAL,
     .default_value = "10 seconds",
     .help = "after this long without rows the watermark advances with processing time"},
    {.name = "max_future",
     .type = SL_OPT_INTERVAL,
     .default_value = "1 hour",
     .help =
         "rows whose event time is further ahead of arrival time are counted and do not move the watermark"},
    {0},
};

/* ---- registry ---- */

#define SL_MAX_KINDS 64

/* Registration happens at start and on LOAD; lookups on every DDL statement.
 * Kinds are kept as void * next to their names so that one routine serves
 * both tables. */
typedef struct sl_kind_table {
    const void *kinds[SL_MAX_KINDS];
    const char *names[SL_MAX_KINDS];
    int count;
} sl_kind_table;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static sl_kind_table sink_table;
static sl_kind_table source_table;

/* Checks a kind's option table: names present and unique, enums with
 * choices, defaults valid for their own declaration. */
static sl_status check_decls(const char *what, const char *kind, const sl_option_decl *decls, sl_error *err)
{
    sl_mcxt *cx;
    sl_status st = SL_OK;

    if (decls == NULL)
        return SL_OK;
    cx = sl_mcxt_create(NULL, "check_decls");
    for (const sl_option_decl *d = decls; d->name != NULL && st == SL_OK; d++) {
        const char *norm;

        for (const sl_option_decl *e = decls; e != d; e++)
            if (strcmp(e->name, d->name) == 0)
                st = sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                                  "%s kind %s declares option \"%s\" twice", what, kind, d->name);
        if (st == SL_OK && d->type == SL_OPT_ENUM && (d->choices == NULL || d->choices[0] == NULL))
            st = sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                              "%s kind %s declares enum option \"%s\" without choices", what, kind, d->name);
        if (st == SL_OK && d->default_value != NULL &&
            sl_option_parse(d, d->default_value, cx, &norm, err) != SL_OK)
            st =
                sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                             "%s kind %s declares an invalid default for option \"%s\"", what, kind, d->name);
    }
    sl_mcxt_delete(cx);
    return st;
}

static bool valid_kind_name(const char *name)
{
    if (name == NULL || name[0] == '\0')
        return false;
    for (const char *p = name; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
            return false;
    return true;
}

static sl_status register_kind(const char *what, sl_kind_table *table, const void *kind, const char *name,
                               int api_version, int want_version, const sl_option_decl *options,
                               sl_error *err)
{
    sl_status st = SL_OK;

    if (kind == NULL)
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "%s kind is NULL", what);
    if (api_version != want_version)
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                            "%s kind \"%s\" was built for API version %d, this server has %d", what,
                            name ? name : "?", api_version, want_version);
    if (!valid_kind_name(name))
        return sl_error_set(err, SL_ERRCODE_INVALID_NAME, "invalid %s kind name \"%s\"", what,
                            name ? name : "");
    if (check_decls(what, name, options, err) != SL_OK)
        return SL_ERROR;

    pthread_mutex_lock(&registry_lock);
    for (int i = 0; i < table->count; i++) {
        if (table->kinds[i] == kind)
            goto out; /* the same struct again: nothing to do */
        if (strcmp(table->names[i], name) == 0) {
            st = sl_error_set(err, SL_ERRCODE_DUPLICATE_OBJECT, "%s kind \"%s\" is already registered", what,
                              name);
            goto out;
        }
    }
    if (table->count == SL_MAX_KINDS) {
        st = sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT_EXCEEDED, "too many %s kinds (at most %d)", what,
                          SL_MAX_KINDS);
        goto out;
    }
    table->kinds[table->count] = kind;
    table->names[table->count] = name;
    table->count++;
out:
    pthread_mutex_unlock(&registry_lock);
    return st;
}

sl_status sl_sink_kind_register(const sl_sink_kind *kind, sl_error *err)
{
    return register_kind("sink", &sink_table, kind, kind ? kind->name : NULL, kind ? kind->api_version : 0,
                         SL_SINK_API_VERSION, kind ? kind->options : NULL, err);
}

sl_status sl_source_kind_register(const sl_source_kind *kind, sl_error *err)
{
    if (kind != NULL && kind->api_version == SL_SOURCE_API_VERSION &&
        (kind->position == NULL) != (kind->seek == NULL))
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                            "source kind \"%s\" has %s but not %s: checkpoints need both",
                            kind->name ? kind->name : "?", kind->position != NULL ? "position" : "seek",
                            kind->position != NULL ? "seek" : "position");
    return register_kind("source", &source_table, kind, kind ? kind->name : NULL,
                         kind ? kind->api_version : 0, SL_SOURCE_API_VERSION, kind ? kind->options : NULL,
                         err);
}

/* Removes kind from table when it is there (the same struct); true when it was. */
static bool unregister_kind(sl_kind_table *table, const void *kind)
{
    bool found = false;

    pthread_mutex_lock(&registry_lock);
    for (int i = 0; i < table->count && !found; i++)
        if (table->kinds[i] == kind) {
            found = true;
            table->count--;
            memmove(&table->kinds[i], &table->kinds[i + 1],
                    sizeof(table->kinds[0]) * (size_t)(table->count - i));
            memmove(&table->names[i], &table->names[i + 1],
                    sizeof(table->names[0]) * (size_t)(table->count - i));
        }
    pthread_mutex_unlock(&registry_lock);
    return found;
}

bool sl_source_kind_unregister(const sl_source_kind *kind)
{
    return unregister_kind(&source_table, kind);
}

bool sl_sink_kind_unregister(const sl_sink_kind *kind)
{
    return unregister_kind(&sink_table, kind);
}

static const void *find_kind(sl_kind_table *table, const char *name)
{
    const void *found = NULL;

    if (name == NULL)
        return NULL;
    pthread_mutex_lock(&registry_lock);
    for (int i = 0; i < table->count && found == NULL; i++)
        if (strcasecmp(table->names[i], name) == 0)
            found = table->kinds[i];
    pthread_mutex_unlock(&registry_lock);
    return found;
}

const sl_sink_kind *sl_sink_kind_find(const char *name)
{
    return find_kind(&sink_table, name);
}

const sl_source_kind *sl_source_kind_find(const char *name)
{
    return find_kind(&source_table, name);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted copy of a table's names, in cx; *n gets the count. */
static const char **sorted_names(sl_mcxt *cx, sl_kind_table *table, int *n)
{
    const char **names;

    pthread_mutex_lock(&registry_lock);
    *n = table->count;
    names = sl_palloc(cx, sizeof(char *) * (size_t)(table->count + 1));
    memcpy(names, table->names, sizeof(char *) * (size_t)table->count);
    pthread_mutex_unlock(&registry_lock);
    qsort(names, (size_t)*n, sizeof(char *), cmp_str);
    return names;
}

static char *join_names(sl_mcxt *cx, const char **names, int n)
{
    size_t len = 1;
    char *out, *p;

    for (int i = 0; i < n; i++)
        len += strlen(names[i]) + 2;
    out = p = sl_palloc(cx, len);
    *p = '\0';
    for (int i = 0; i < n; i++)
        p += sprintf(p, "%s%s", i ? ", " : "", names[i]);
    return out;
}

char *sl_source_kind_names(sl_mcxt *cx)
{
    int n;
    const char **names = sorted_names(cx, &source_table, &n);
    return join_names(cx, names, n);
}

char *sl_sink_kind_names(sl_mcxt *cx)
{
    int n;
    const char **names = sorted_names(cx, &sink_table, &n);
    return join_names(cx, names, n);
}

/* ---- values ---- */

static const char *skip_space(const char *p)
{
    while (isspace((unsigned char)*p))
        p++;
    return p;
}

/* Intervals are read by sl_interval_parse (common/types.c: the same rules as
 * INTERVAL '...' literals and casts), except that a bare number is refused: as an
 * option, '10' could mean seconds or milliseconds, and a wrong guess shows
 * up as a timeout a thousand times off. */
static bool option_interval_parse(const char *text, int64_t *us)
{
    const char *p = skip_space(text);
    bool has_unit = false;

    for (; *p; p++)
        has_unit = has_unit || isalpha((unsigned char)*p) || *p == ':';
    return has_unit && sl_interval_parse(text, us);
}

char *sl_interval_format(sl_mcxt *cx, int64_t us)
{
    char buf[SL_INTERVAL_TEXT_MAX];

    sl_interval_text(us, true, buf, sizeof(buf));
    return sl_pstrdup(cx, buf);
}

static const struct {
    const char *names[4];
    int64_t bytes;
} size_units[] = {
    {{"TB", "TiB", "T", NULL}, INT64_C(1) << 40},
    {{"GB", "GiB", "G", NULL}, INT64_C(1) << 30},
    {{"MB", "MiB", "M", NULL}, INT64_C(1) << 20},
    {{"kB", "KiB", "K", NULL}, INT64_C(1) << 10},
    {{"B", "bytes", NULL, NULL}, 1},
};
#define N_SIZE_UNITS ((int)(sizeof(size_units) / sizeof(size_units[0])))

/* A number (fractions allowed: '1.5GB') and an optional unit, 1024-based as
 * in PostgreSQL's settings; units are case-insensitive because '64mb' is
 * never meant as millibits. */
bool sl_size_parse(const char *text, int64_t *bytes)
{
    const char *p = skip_space(text);
    const char *unit;
    char *end;
    double v;
    int64_t mult = -1;
    size_t len;

    if (!(isdigit((unsigned char)*p) || *p == '.'))
        return false;
    errno = 0;
    v = strtod(p, &end);
    if (end == p || errno != 0 || !isfinite(v))
        return false;
    p = skip_space(end);
    unit = p;
    while (isalpha((unsigned char)*p))
        p++;
    len = (size_t)(p - unit);
    if (*skip_space(p) != '\0')
        return false;
    if (len == 0)
        mult = 1;
    for (int i = 0; i < N_SIZE_UNITS && mult < 0; i++)
        for (int j = 0; size_units[i].names[j] != NULL; j++)
            if (strlen(size_units[i].names[j]) == len && strncasecmp(size_units[i].names[j], unit, len) == 0)
                mult = size_units[i].bytes;
    if (mult < 0 || v * (double)mult >= 9.2e18)
        return false;
    v *= (double)mult;
    if (v != floor(v))
        return false; /* '1.3B': not a whole number of bytes */
    *bytes = (int64_t)v;
    return true;
}

static char *size_format(sl_mcxt *cx, int64_t bytes)
{
    for (int i = 0; i < N_SIZE_UNITS; i++)
        if (bytes != 0 && bytes % size_units[i].bytes == 0)
            return sl_psprintf(cx, "%lld%s", (long long)(bytes / size_units[i].bytes),
                               size_units[i].names[0]);
    return sl_psprintf(cx, "%lldB", (long long)bytes);
}

static bool parse_int(const char *text, int64_t *out)
{
    const char *p = skip_space(text);
    char *end;
    long long v;

    if (!(isdigit((unsigned char)*p) || ((*p == '-' || *p == '+') && isdigit((unsigned char)p[1]))))
        return false;
    errno = 0;
    v = strtoll(p, &end, 10);
    if (errno != 0 || *skip_space(end) != '\0')
        return false;
    *out = v;
    return true;
}

/* Plain decimal numbers only: strtod would also take hex, inf and nan. */
static bool parse_number(const char *text, double *out)
{
    const char *p = skip_space(text);
    char *end;
    double v;

    for (const char *q = p; *q; q++)
        if (!(isdigit((unsigned char)*q) || strchr("+-.eE \t\n", *q)))
            return false;
    errno = 0;
    v = strtod(p, &end);
    if (end == p || errno != 0 || !isfinite(v) || *skip_space(end) != '\0')
        return false;
    *out = v;
    return true;
}

/* Shortest text that reads back as the same double, without an exponent
 * for the numbers people write in options (100, not 1e+02). */
static char *number_format(sl_mcxt *cx, double v)
{
    char buf[64];

    if (fabs(v) >= 1e-4 && fabs(v) < 1e15) {
        for (int prec = 0; prec <= 20; prec++) {
            snprintf(buf, sizeof(buf), "%.*f", prec, v);
            if (strtod(buf, NULL) == v)
                return sl_pstrdup(cx, buf);
        }
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return sl_pstrdup(cx, buf);
}

static bool parse_bool(const char *text, bool *out)
{
    const char *p = skip_space(text);
    size_t len = strlen(p);

    while (len > 0 && isspace((unsigned char)p[len - 1]))
        len--;
    return sl_bool_word(p, len, out);
}

static const char *type_name(const sl_option_decl *d)
{
    switch (d->type) {
    case SL_OPT_STRING:
        return "string";
    case SL_OPT_INT:
        return "integer";
    case SL_OPT_NUMBER:
        return "number";
    case SL_OPT_BOOL:
        return "boolean";
    case SL_OPT_INTERVAL:
        return "interval";
    case SL_OPT_SIZE:
        return "size";
    case SL_OPT_ENUM:
        return "enum";
    }
    return "?";
}

static char *choices_text(sl_mcxt *cx, const sl_option_decl *d)
{
    int n = 0;
    while (d->choices[n] != NULL)
        n++;
    return join_names(cx, (const char **)d->choices, n);
}

/* Fills err for a value of the wrong shape: message names the option and
 * the value, the hint says what it takes. */
static sl_status value_error(sl_error *err, const sl_option_decl *d, const char *text, const char *hint)
{
    sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "invalid value for option \"%s\": \"%s\"", d->name,
                 d->secret ? SL_SECRET_MASK : text);
    sl_error_hint(err, "%s", hint);
    return SL_ERROR;
}

/* Checks v against [min, max] (or the default bound of the type). */
static sl_status check_range(sl_error *err, const sl_option_decl *d, const char *text, double v,
                             const char *shown_min, const char *shown_max)
{
    if (d->min < d->max) {
        if (v < d->min || v > d->max) {
            value_error(err, d, text, "");
            err->hint[0] = '\0';
            sl_error_detail(err, "Option \"%s\" takes values from %s to %s.", d->name, shown_min, shown_max);
            return SL_ERROR;
        }
    } else if (d->type == SL_OPT_INTERVAL ? v <= 0 : v < 0) {
        value_error(err, d, text, "");
        err->hint[0] = '\0';
        sl_error_detail(err, "Option \"%s\" must be %s.", d->name,
                        d->type == SL_OPT_INTERVAL ? "a positive interval" : "zero or more");
        return SL_ERROR;
    }
    return SL_OK;
}

sl_status sl_option_parse(const sl_option_decl *d, const char *text, sl_mcxt *cx, const char **out,
                          sl_error *err)
{
    char lo[64], hi[64];

    switch (d->type) {
    case SL_OPT_STRING:
        if (d->required && *skip_space(text) == '\0') {
            sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "option \"%s\" must not be empty", d->name);
            return SL_ERROR;
        }
        *out = sl_pstrdup(cx, text);
        return SL_OK;
    case SL_OPT_INT: {
        int64_t v;
        if (!parse_int(text, &v))
            return value_error(err, d, text, "Write a whole number, e.g. 100.");
        snprintf(lo, sizeof(lo), "%.0f", d->min);
        snprintf(hi, sizeof(hi), "%.0f", d->max);
        if (check_range(err, d, text, (double)v, lo, hi) != SL_OK)
            return SL_ERROR;
        *out = sl_psprintf(cx, "%lld", (long long)v);
        return SL_OK;
    }
    case SL_OPT_NUMBER: {
        double v;
        if (!parse_number(text, &v))
            return value_error(err, d, text, "Write a number, e.g. 100 or 0.5.");
        snprintf(lo, sizeof(lo), "%g", d->min);
        snprintf(hi, sizeof(hi), "%g", d->max);
        if (check_range(err, d, text, v, lo, hi) != SL_OK)
            return SL_ERROR;
        *out = number_format(cx, v == 0 ? 0 : v); /* no "-0" */
        return SL_OK;
    }
    case SL_OPT_BOOL: {
        bool v;
        if (!parse_bool(text, &v))
            return value_error(err, d, text, "Write true or false.");
        *out = v ? "true" : "false";
        return SL_OK;
    }
    case SL_OPT_INTERVAL: {
        int64_t v;
        sl_mcxt *tmp;
        sl_status st;
        if (!option_interval_parse(text, &v))
            return value_error(err, d, text,
                               "Write a number and a unit, e.g. '30 seconds', 30s or 500ms "
                               "(units: us, ms, s, m, h, d, w, or their names).");
        tmp = sl_mcxt_create(NULL, "interval range");
        st = check_range(err, d, text, (double)v, sl_interval_format(tmp, (int64_t)d->min),
                         sl_interval_format(tmp, (int64_t)d->max));
        sl_mcxt_delete(tmp);
        if (st != SL_OK)
            return SL_ERROR;
        *out = sl_interval_format(cx, v);
        return SL_OK;
    }
    case SL_OPT_SIZE: {
        int64_t v;
        sl_mcxt *tmp;
        sl_status st;
        if (!sl_size_parse(text, &v))
            return value_error(err, d, text,
                               "Write a number of bytes with an optional unit, e.g. '64MB' "
                               "(units: B, kB, MB, GB, TB).");
        tmp = sl_mcxt_create(NULL, "size range");
        st = check_range(err, d, text, (double)v, size_format(tmp, (int64_t)d->min),
                         size_format(tmp, (int64_t)d->max));
        sl_mcxt_delete(tmp);
        if (st != SL_OK)
            return SL_ERROR;
        *out = size_format(cx, v);
        return SL_OK;
    }
    case SL_OPT_ENUM: {
        const char *p = skip_space(text);
        size_t len = strlen(p);
        sl_mcxt *tmp;

        while (len > 0 && isspace((unsigned char)p[len - 1]))
            len--;
        for (int i = 0; d->choices[i] != NULL; i++)
            if (strlen(d->choices[i]) == len && strncasecmp(d->choices[i], p, len) == 0) {
                *out = d->choices[i];
                return SL_OK;
            }
        tmp = sl_mcxt_create(NULL, "choices");
        value_error(err, d, text, "");
        sl_error_hint(err, "Valid values: %s.", choices_text(tmp, d));
        sl_mcxt_delete(tmp);
        return SL_ERROR;
    }
    }
    return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "option \"%s\" has an unknown type", d->name);
}

/* ---- a WITH list against the declarations ---- */

const sl_option_decl *sl_options_find_decl(const sl_option_decl *const *decls, const char *name)
{
    for (int t = 0; decls[t] != NULL; t++)
        for (const sl_option_decl *d = decls[t]; d->name != NULL; d++)
            if (strcmp(d->name, name) == 0)
                return d;
    return NULL;
}

/* Levenshtein distance, for "did you mean" (names are short). */
static int edit_distance(const char *a, const char *b)
{
    int la = (int)strlen(a), lb = (int)strlen(b);
    int row[64];

    if (la >= 63 || lb >= 63)
        return 99;
    for (int j = 0; j <= lb; j++)
        row[j] = j;
    for (int i = 1; i <= la; i++) {
        int prev = row[0];
        row[0] = i;
        for (int j = 1; j <= lb; j++) {
            int cur = row[j];
            int best = prev + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

/* All declared names, sorted and de-duplicated, in cx; *n gets the count. */
static const char **decl_names(sl_mcxt *cx, const sl_option_decl *const *decls, int *n)
{
    int total = 0, k = 0;
    const char **names;

    for (int t = 0; decls[t] != NULL; t++)
        for (const sl_option_decl *d = decls[t]; d->name != NULL; d++)
            total++;
    names = sl_palloc(cx, sizeof(char *) * (size_t)(total + 1));
    for (int t = 0; decls[t] != NULL; t++)
        for (const sl_option_decl *d = decls[t]; d->name != NULL; d++)
            if (sl_options_find_decl(decls, d->name) == d)
                names[k++] = d->name;
    qsort(names, (size_t)k, sizeof(char *), cmp_str);
    *n = k;
    return names;
}

sl_status sl_options_build(const sl_option_decl *const *decls, const char *what, int n,
                           const char *const *names, const char *const *texts, bool check_required,
                           sl_mcxt *cx, sl_options *out, int *bad, bool *bad_value, sl_error *err)
{
    out->decls = decls;
    out->count = 0;
    out->values = sl_palloc(cx, sizeof(sl_option_value) * (size_t)(n > 0 ? n : 1));
    *bad = -1;
    *bad_value = false;

    for (int i = 0; i < n; i++) {
        const sl_option_decl *d = sl_options_find_decl(decls, names[i]);
        const char *norm;

        if (d == NULL) {
            int nn;
            const char **all = decl_names(cx, decls, &nn);
            const char *close = NULL;
            int best = 3;

            for (int j = 0; j < nn; j++) {
                int dist = edit_distance(names[i], all[j]);
                if (dist < best)
                    best = dist, close = all[j];
            }
            *bad = i;
            sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "unknown option \"%s\" for %s", names[i],
                         what);
            if (close != NULL)
                sl_error_hint(err, "Did you mean \"%s\"? Valid options: %s.", close, join_names(cx, all, nn));
            else
                sl_error_hint(err, "Valid options: %s.", join_names(cx, all, nn));
            return SL_ERROR;
        }
        for (int j = 0; j < i; j++)
            if (strcmp(names[j], names[i]) == 0) {
                *bad = i;
                return sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, "option \"%s\" specified more than once",
                                    names[i]);
            }
        if (sl_option_parse(d, texts[i], cx, &norm, err) != SL_OK) {
            *bad = i;
            *bad_value = true;
            return SL_ERROR;
        }
        out->values[out->count].name = d->name;
        out->values[out->count].value = norm;
        out->count++;
    }

    if (check_required)
        for (int t = 0; decls[t] != NULL; t++)
            for (const sl_option_decl *d = decls[t]; d->name != NULL; d++)
                if (d->required && sl_options_find_decl(decls, d->name) == d &&
                    !sl_options_given(out, d->name)) {
                    sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                                 "missing required option \"%s\" for %s", d->name, what);
                    sl_error_detail(err, "Option \"%s\": %s.", d->name, d->help);
                    sl_error_hint(err, "Add %s = '...' to the WITH list.", d->name);
                    return SL_ERROR;
                }
    return SL_OK;
}

/* ---- typed reads ---- */

bool sl_options_given(const sl_options *opts, const char *name)
{
    for (int i = 0; i < opts->count; i++)
        if (strcmp(opts->values[i].name, name) == 0)
            return true;
    return false;
}

const char *sl_options_get(const sl_options *opts, const char *name)
{
    const sl_option_decl *d;

    for (int i = 0; i < opts->count; i++)
        if (strcmp(opts->values[i].name, name) == 0)
            return opts->values[i].value;
    d = opts->decls ? sl_options_find_decl(opts->decls, name) : NULL;
    return d ? d->default_value : NULL;
}

int64_t sl_options_get_int(const sl_options *opts, const char *name, int64_t dflt)
{
    const char *v = sl_options_get(opts, name);
    int64_t r;
    return v && parse_int(v, &r) ? r : dflt;
}

double sl_options_get_number(const sl_options *opts, const char *name, double dflt)
{
    const char *v = sl_options_get(opts, name);
    double r;
    return v && parse_number(v, &r) ? r : dflt;
}

bool sl_options_get_bool(const sl_options *opts, const char *name, bool dflt)
{
    const char *v = sl_options_get(opts, name);
    bool r;
    return v && parse_bool(v, &r) ? r : dflt;
}

int64_t sl_options_get_interval_us(const sl_options *opts, const char *name, int64_t dflt)
{
    const char *v = sl_options_get(opts, name);
    int64_t r;
    return v && option_interval_parse(v, &r) ? r : dflt;
}

int64_t sl_options_get_size(const sl_options *opts, const char *name, int64_t dflt)
{
    const char *v = sl_options_get(opts, name);
    int64_t r;
    return v && sl_size_parse(v, &r) ? r : dflt;
}

/* ---- docs/options.md ---- */

/* Markdown table cells: a '|' would end the cell. */
static void md_cell(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|')
            fputs("\\|", out);
        else
            fputc(*s, out);
    }
}

static void write_table(FILE *out, sl_mcxt *cx, const sl_option_decl *const *decls)
{
    int n;
    const char **names = decl_names(cx, decls, &n);

    fputs("| option | type | required | default | secret | description |\n", out);
    fputs("| --- | --- | --- | --- | --- | --- |\n", out);
    for (int i = 0; i < n; i++) {
        const sl_option_decl *d = sl_options_find_decl(decls, names[i]);

        fprintf(out, "| `%s` | ", d->name);
        if (d->type == SL_OPT_ENUM) {
            fputs("enum: ", out);
            md_cell(out, choices_text(cx, d));
        } else {
            fputs(type_name(d), out);
        }
        fprintf(out, " | %s | ", d->required ? "yes" : "no");
        if (d->default_value != NULL) {
            fputc('`', out);
            md_cell(out, d->default_value);
            fputc('`', out);
        }
        fprintf(out, " | %s | ", d->secret ? "yes" : "no");
        md_cell(out, d->help);
        fputs(" |\n", out);
    }
    for (int i = 0, shown = 0; i < n; i++) {
        const sl_option_decl *d = sl_options_find_decl(decls, names[i]);
        if (d->destination)
            fprintf(out, "%s`%s`",
                    shown++ ? ", "
                            : "\nDestination options (an `ALTER` that changes one drops the stored secrets "
                              "not given again): ",
                    d->name);
        if (i == n - 1 && shown > 0)
            fputs(".\n", out);
    }
}

void sl_connector_write_docs(FILE *out)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "docs");
    int n;
    const char **names;

    fputs("<!-- Generated by `sluiced --describe-options` from the option declarations in\n"
          "     sources/builtin.c and sinks/*.c: do not edit; change the declarations. -->\n\n"
          "# Connector options\n\n"
          "The options each source and sink kind accepts in `WITH (...)` (see\n"
          "[the SQL reference](sql.md)).  `CREATE SOURCE`, `CREATE SINK` and `ALTER`\n"
          "check every option against these tables: an unknown option, a missing\n"
          "required one or a value of the wrong type is an error.  Secret options are\n"
          "shown as `" SL_SECRET_MASK "` by `SHOW` and `DESCRIBE`, never logged, and stored\n"
          "encrypted ([security.md](security.md#secrets)).\n\n"
          "Types: *string* is any text; *integer* a whole number; *number* a decimal\n"
          "number; *boolean* `true`/`false` (also `on`/`off`, `yes`/`no`, `1`/`0`);\n"
          "*interval* a number with a unit (`'30 seconds'`, `30s`, `500ms`, `5 MINUTES`,\n"
          "`INTERVAL '1 hour'`); *size* bytes with an optional unit (`'64MB'`; B, kB,\n"
          "MB, GB, TB are multiples of 1024); *enum* one of the listed values\n"
          "(case-insensitive).  Values are stored in a normalised spelling, which is\n"
          "what `SHOW` prints.\n",
          out);

    names = sorted_names(cx, &source_table, &n);
    fputs("\n## Sources\n\n"
          "Every source has the event-time options `idle_timeout` and `max_future`\n"
          "(see \"Event time and watermarks\" in [the SQL reference](sql.md)).\n",
          out);
    for (int i = 0; i < n; i++) {
        const sl_source_kind *k = sl_source_kind_find(names[i]);
        const sl_option_decl *decls[3] = {k->options ? k->options : sl_source_framework_options,
                                          k->options ? sl_source_framework_options : NULL, NULL};
        char *upper = sl_pstrdup(cx, k->name);

        for (char *p = upper; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        fprintf(out, "\n### %s\n\n`CREATE SOURCE name [(columns)] FROM %s WITH (...)`", upper, upper);
        if (k->description)
            fprintf(out, ": %s", k->description);
        fputs("\n\n", out);
        write_table(out, cx, decls);
    }

    names = sorted_names(cx, &sink_table, &n);
    fputs("\n## Sinks\n\n"
          "Every sink buffers rows and writes them in batches, retrying failed writes\n"
          "with exponential backoff; the options `batch_rows`, `batch_bytes`,\n"
          "`flush_interval`, `max_retries` and `retry_backoff` control that for every\n"
          "sink kind (a kind may have its own defaults for them).\n",
          out);
    for (int i = 0; i < n; i++) {
        const sl_sink_kind *k = sl_sink_kind_find(names[i]);
        const sl_option_decl *decls[3] = {k->options ? k->options : sl_sink_framework_options,
                                          k->options ? sl_sink_framework_options : NULL, NULL};
        char *upper = sl_pstrdup(cx, k->name);

        for (char *p = upper; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        fprintf(out, "\n### %s\n\n`CREATE SINK name TO %s WITH (...)`", upper, upper);
        if (k->description)
            fprintf(out, ": %s", k->description);
        fputs("\n\n", out);
        write_table(out, cx, decls);
    }
    sl_mcxt_delete(cx);
}
