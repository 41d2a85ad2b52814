/*
 * generator.c - the GENERATOR source: synthetic water-quality readings.
 *
 * Columns (fixed): ts TIMESTAMP, station TEXT, ph DOUBLE, turbidity DOUBLE,
 * temperature DOUBLE, dissolved_oxygen DOUBLE, conductivity DOUBLE.
 *
 * Row i (0-based) belongs to station i % stations ('station-01', ...) and
 * has event time start_time + i * 100 ms, so one row per 100 ms across all
 * stations and N rows cover N/10 seconds.  With late_fraction f, that
 * fraction of rows has its event time moved back by a random 1 ms .. 5 s
 * (out-of-order rows for window tests).  Values wander around per-station
 * baselines; pH is 7 +- ~0.5 with about 1% excursions of 1.5-2.5 beyond
 * it, so alerts on NOT BETWEEN 6.5 AND 8.5 fire.  All randomness comes from
 * our own splitmix64/xoshiro256** seeded by `seed`: the same options give
 * the same rows on every machine.
 *
 * It is the benchmark's source, so the loop writes straight into the column
 * vectors: station names are a fixed table of sl_text pointing into the
 * source's memory (no formatting per row), values are rounded to two
 * decimals with one multiply and one divide.
 *
 * Checkpoints: the position is the index of the next row plus the
 * generator's random state, so seek() goes on with exactly the rows an
 * uninterrupted run would have produced (and, with rate, paces them as if
 * reading had started next / rate seconds ago).
 *
 * Entry points: sl_generator_source_open, sl_generator_source_read,
 * sl_generator_source_close, sl_generator_schema,
 * sl_generator_source_position, sl_generator_source_seek.
 */
#include "sources/sources.h"
#include "formats/format.h"

#include "sluice/checkpoint.h"
#include "sluice/clock.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sluice/errcodes.h"

#define GEN_STEP_US       100000                    /* event time between consecutive rows */
#define GEN_MAX_LATE_US   5000000                   /* a late row is moved back by up to this */
#define GEN_DEFAULT_START INT64_C(1767225600000000) /* 2026-01-01 00:00:00 UTC */

enum { GEN_TS, GEN_STATION, GEN_PH, GEN_TURBIDITY, GEN_TEMPERATURE, GEN_DO, GEN_CONDUCTIVITY, GEN_NCOLS };

static const char *const gen_names[GEN_NCOLS] = {
    "ts", "station", "ph", "turbidity", "temperature", "dissolved_oxygen", "conductivity"};
static const sl_type gen_types[GEN_NCOLS] = {SL_TYPE_TIMESTAMP, SL_TYPE_TEXT,   SL_TYPE_DOUBLE,
                                             SL_TYPE_DOUBLE,    SL_TYPE_DOUBLE, SL_TYPE_DOUBLE,
                                             SL_TYPE_DOUBLE};

/* Per-station baselines, drawn once from the seed. */
typedef struct gen_station {
    double ph, turbidity, temperature, oxygen, conductivity;
} gen_station;

typedef struct gen_state {
    uint64_t s[4]; /* xoshiro256** */
    int64_t next;  /* index of the next row */
    int64_t rows;  /* -1: unbounded */
    double rate;   /* rows/s, 0: as fast as possible */
    int nstations;
    int station; /* next % nstations, kept to avoid a division per row */
    sl_text *names;
    gen_station *base;
    int64_t start_us;
    uint64_t late_threshold; /* a row is late when a 64-bit draw is below it */
    bool any_late;
    int64_t t0_us; /* when reading began, monotonic (for rate) */
    bool started;
} gen_state;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));

    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t gen_next(gen_state *g)
{
    uint64_t *s = g->s;
    uint64_t r = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

/* Uniform in [0, 1). */
static inline double gen_unit(gen_state *g)
{
    return (double)(gen_next(g) >> 11) * 0x1.0p-53;
}

/* Roughly normal, mean 0, deviation 1: four uniforms from one draw (a sum
 * of uniforms is close enough for synthetic sensor noise and costs no
 * transcendental function). */
static inline double gen_noise(gen_state *g)
{
    uint64_t r = gen_next(g);
    double sum =
        (double)(r & 0xFFFF) + (double)(r >> 16 & 0xFFFF) + (double)(r >> 32 & 0xFFFF) + (double)(r >> 48);

    return (sum * (1.0 / 65536.0) - 2.0) * 1.7320508075688772; /* sqrt(12/4) */
}

static inline double round2(double x)
{
    return nearbyint(x * 100.0) / 100.0;
}

const sl_schema *sl_generator_schema(sl_mcxt *cx)
{
    return sl_schema_new(cx, GEN_NCOLS, gen_names, gen_types);
}

sl_status sl_generator_source_open(const sl_source_open_args *args, void **state, sl_error *err)
{
    const sl_options *opts = args->options;
    gen_state *g = sl_pnew(args->cx, gen_state);
    uint64_t seed;
    const char *start;
    double late;
    int width = 2;
    char *names;

    if (args->schema != NULL && args->schema->ncols > 0) {
        /* Declared columns must be the fixed ones (a declaration that
         * merely spells them out is fine). */
        bool same = args->schema->ncols == GEN_NCOLS;
        for (int i = 0; same && i < GEN_NCOLS; i++)
            same =
                strcmp(args->schema->names[i], gen_names[i]) == 0 && args->schema->types[i] == gen_types[i];
        if (!same) {
            sl_error_set(err, SL_ERRCODE_DATATYPE_MISMATCH, "source kind generator has fixed columns");
            sl_error_detail(err, "The columns are ts timestamp, station text, ph double, turbidity double, "
                                 "temperature double, dissolved_oxygen double, conductivity double.");
            sl_error_hint(err, "Omit the column list.");
            return SL_ERROR;
        }
    }

    g->rows = sl_options_get(opts, "rows") != NULL ? sl_options_get_int(opts, "rows", -1) : -1;
    if (g->rows < -1)
        g->rows = -1;
    g->rate = sl_options_get_number(opts, "rate", 0);
    if (!(g->rate > 0))
        g->rate = 0;
    g->nstations = (int)sl_options_get_int(opts, "stations", 10);
    if (g->nstations < 1)
        g->nstations = 1;
    if (g->nstations > 1000000)
        g->nstations = 1000000;
    seed = (uint64_t)sl_options_get_int(opts, "seed", 1);
    late = sl_options_get_number(opts, "late_fraction", 0);
    if (!(late > 0))
        late = 0;
    if (late > 1)
        late = 1;
    g->any_late = late > 0;
    g->late_threshold = late >= 1 ? UINT64_MAX : (uint64_t)(late * 18446744073709551616.0);

    start = sl_options_get(opts, "start_time");
    g->start_us = GEN_DEFAULT_START;
    if (start != NULL && start[0] != '\0') {
        size_t len = strlen(start);
        if (sl_parse_timestamp(start, (int32_t)(len > INT32_MAX ? INT32_MAX : len), &g->start_us, err) !=
            SL_OK) {
            char msg[SL_ERROR_MSG_MAX];
            snprintf(msg, sizeof(msg), "%s", err->message);
            sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "option \"start_time\": %s", msg);
            return SL_ERROR;
        }
    }

    /* Seed: splitmix64 spreads any seed (0 included) over the state. */
    {
        uint64_t x = seed;
        for (int i = 0; i < 4; i++)
            g->s[i] = splitmix64(&x);
    }

    /* The names, in one block: "station-01" .. with at least two digits. */
    for (int n = g->nstations; n >= 100; n /= 10)
        width++;
    names = sl_palloc(args->cx, (size_t)g->nstations * (size_t)(width + 9));
    g->names = sl_palloc(args->cx, sizeof(sl_text) * (size_t)g->nstations);
    g->base = sl_palloc(args->cx, sizeof(gen_station) * (size_t)g->nstations);
    for (int i = 0; i < g->nstations; i++) {
        char *p = names + (size_t)i * (size_t)(width + 9);
        int len = snprintf(p, (size_t)(width + 9), "station-%0*d", width, i + 1);
        g->names[i].ptr = p;
        g->names[i].len = len;
        g->base[i].ph = 7.0 + 0.4 * (gen_unit(g) - 0.5);
        g->base[i].turbidity = 0.5 + 4.0 * gen_unit(g);
        g->base[i].temperature = 8.0 + 14.0 * gen_unit(g);
        g->base[i].oxygen = 7.0 + 4.0 * gen_unit(g);
        g->base[i].conductivity = 200.0 + 600.0 * gen_unit(g);
    }

    *args->schema_out = sl_generator_schema(args->cx);
    *args->bounded_out = g->rows >= 0;
    *state = g;
    return SL_OK;
}

sl_status sl_generator_source_read(void *state, sl_batch *batch, bool *eof, int64_t *decode_errors,
                                   sl_error *err)
{
    gen_state *g = state;
    int row0 = batch->nrows;
    int64_t n = batch->capacity - row0;
    int64_t *ts, *et;
    sl_text *station;
    double *ph, *turb, *temp, *oxy, *cond;

    (void)decode_errors;
    (void)err;
    *eof = false;
    if (g->rows >= 0 && g->rows - g->next < n)
        n = g->rows - g->next;
    if (g->rate > 0) {
        /* Pace: rows due by now at rate since the first read.  When none is
         * due, sleep until the next one (at most 50 ms, so the worker stays
         * responsive) rather than spin. */
        int64_t due;
        if (!g->started) {
            g->t0_us = sl_clock_mono_us();
            g->started = true;
        }
        due = (int64_t)((double)(sl_clock_mono_us() - g->t0_us) * g->rate / 1e6) + 1 - g->next;
        if (due <= 0 && n > 0) {
            double wait_us = ((double)g->next / g->rate) * 1e6 - (double)(sl_clock_mono_us() - g->t0_us);
            if (wait_us > 50000)
                wait_us = 50000;
            if (wait_us > 0)
                sl_sleep_us((int64_t)wait_us);
            due = (int64_t)((double)(sl_clock_mono_us() - g->t0_us) * g->rate / 1e6) + 1 - g->next;
        }
        if (due < 0)
            due = 0;
        if (due < n)
            n = due;
    }

    ts = batch->cols[GEN_TS].v.i64 + row0;
    station = batch->cols[GEN_STATION].v.text + row0;
    ph = batch->cols[GEN_PH].v.f64 + row0;
    turb = batch->cols[GEN_TURBIDITY].v.f64 + row0;
    temp = batch->cols[GEN_TEMPERATURE].v.f64 + row0;
    oxy = batch->cols[GEN_DO].v.f64 + row0;
    cond = batch->cols[GEN_CONDUCTIVITY].v.f64 + row0;
    et = batch->event_time + row0;
    for (int c = 0; c < GEN_NCOLS; c++)
        memset(batch->cols[c].nulls + row0, 0, (size_t)n);

    for (int64_t i = 0; i < n; i++) {
        const gen_station *b = &g->base[g->station];
        int64_t t = g->start_us + (g->next + i) * GEN_STEP_US;
        double p;

        if (g->any_late && gen_next(g) < g->late_threshold)
            t -= 1000 + (int64_t)(gen_next(g) % (GEN_MAX_LATE_US - 1000 + 1));
        ts[i] = t;
        et[i] = t;
        station[i] = g->names[g->station];
        p = b->ph + 0.15 * gen_noise(g);
        if ((gen_next(g) & 127) == 0) /* about 0.8% of rows: an excursion out of range */
            p += (p < b->ph ? -1.0 : 1.0) * (1.5 + gen_unit(g));
        ph[i] = round2(p);
        turb[i] = round2(fabs(b->turbidity * (1.0 + 0.2 * gen_noise(g))));
        temp[i] = round2(b->temperature + 0.5 * gen_noise(g));
        oxy[i] = round2(b->oxygen + 0.3 * gen_noise(g));
        cond[i] = round2(b->conductivity + 10.0 * gen_noise(g));
        if (++g->station == g->nstations)
            g->station = 0;
    }
    g->next += n;
    batch->nrows = row0 + (int)n;
    if (row0 == 0 || batch->has_event_time)
        batch->has_event_time = true;
    if (g->rows >= 0 && g->next >= g->rows)
        *eof = true;
    return SL_OK;
}

void sl_generator_source_close(void *state)
{
    (void)state; /* everything lives in the query's context */
}

/* Position format: version byte 1, next (i64), station (u32), s[4] (i64 each). */
#define GEN_POS_VERSION 1

sl_status sl_generator_source_position(void *state, sl_mcxt *cx, char **pos, size_t *len, sl_error *err)
{
    gen_state *g = state;
    sl_ckpt_w w;

    (void)err;
    sl_ckpt_w_init(&w, cx);
    sl_ckpt_w_u8(&w, GEN_POS_VERSION);
    sl_ckpt_w_i64(&w, g->next);
    sl_ckpt_w_u32(&w, (uint32_t)g->station);
    for (int i = 0; i < 4; i++)
        sl_ckpt_w_i64(&w, (int64_t)g->s[i]);
    *pos = w.data;
    *len = w.len;
    return SL_OK;
}

sl_status sl_generator_source_seek(void *state, const char *pos, size_t len, sl_error *err)
{
    gen_state *g = state;
    sl_ckpt_r r;
    int64_t next;
    uint32_t station;
    uint64_t s[4];

    sl_ckpt_r_init(&r, pos, len);
    if (sl_ckpt_r_u8(&r) != GEN_POS_VERSION)
        r.bad = true;
    next = sl_ckpt_r_i64(&r);
    station = sl_ckpt_r_u32(&r);
    for (int i = 0; i < 4; i++)
        s[i] = (uint64_t)sl_ckpt_r_i64(&r);
    if (!sl_ckpt_r_done(&r) || next < 0 || (g->rows >= 0 && next > g->rows) ||
        station >= (uint32_t)g->nstations || (int64_t)station != next % g->nstations ||
        (s[0] | s[1] | s[2] | s[3]) == 0)
        return sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED,
                            "generator position is not valid for this source");
    g->next = next;
    g->station = (int)station;
    memcpy(g->s, s, sizeof(s));
    if (g->rate > 0) {
        /* Pace from here on as if reading had begun next / rate ago. */
        g->t0_us = sl_clock_mono_us() - (int64_t)((double)next / g->rate * 1e6);
        g->started = true;
    }
    return SL_OK;
}

/* ---- the kind ---- */

static const sl_option_decl generator_source_options[] = {
    {.name = "rows", .type = SL_OPT_INT, .help = "number of rows, then the source ends; default: unbounded"},
    {.name = "rate",
     .type = SL_OPT_NUMBER,
     .min = 0.001,
     .max = 1e12,
     .help = "rows per second; default: as fast as possible"},
    {.name = "stations",
     .type = SL_OPT_INT,
     .default_value = "10",
     .min = 1,
     .max = 1000000,
     .help = "number of distinct stations"},
    {.name = "seed",
     .type = SL_OPT_INT,
     .default_value = "1",
     .help = "random seed: the same seed gives the same rows"},
    {.name = "start_time",
     .type = SL_OPT_STRING,
     .help = "event time of the first row, ISO-8601 ('2024-01-01 00:00:00'); default: 2026-01-01 00:00:00 "
             "UTC, so runs repeat exactly"},
    {.name = "late_fraction",
     .type = SL_OPT_NUMBER,
     .default_value = "0",
     .min = 0,
     .max = 1,
     .help = "fraction of rows emitted out of order (for window tests)"},
    {0},
};

const sl_source_kind sl_source_generator = {
    .api_version = SL_SOURCE_API_VERSION,
    .name = "generator",
    .description = "synthetic water-quality readings (ts, station, ph, turbidity, temperature, "
                   "dissolved_oxygen, conductivity), deterministic for a seed",
    .options = generator_source_options,
    .open = sl_generator_source_open,
    .read = sl_generator_source_read,
    .close = sl_generator_source_close,
    .position = sl_generator_source_position,
    .seek = sl_generator_source_seek,
};
