/*
 * confinement.h - the server's confinement of sources and sinks: the one
 * sl_confine built from the settings file_roots and allowed_hosts, and the
 * check of a connector's options against it (by each option's declared
 * reach), at CREATE, ALTER and when a query opens its source and sinks.
 *
 * Entry points: sl_confinement_init, sl_confinement, sl_confinement_check,
 * sl_confinement_shutdown.
 */
#ifndef SLUICE_CONFINEMENT_H
#define SLUICE_CONFINEMENT_H

#include "sluice/confine.h"
#include "sluice/connector.h"

/* Once at start, after the settings are loaded: relative entries of
 * file_roots are relative to datadir; the first root is created when
 * missing.  F0000 on a bad setting. */
sl_status sl_confinement_init(const char *datadir, sl_error *err);

/* The server's policy (NULL before init: every path refused). */
const sl_confine *sl_confinement(void);

/* Who asks, for the checks (a privilege check of roles will sit beside
 * the confinement one and read the same struct). */
typedef struct sl_confinement_ctx {
    const sl_confine *confine;
    const char *what; /* 'sink "out"', for messages; may be NULL */
} sl_confinement_ctx;

/* Checks every given option whose declaration has a reach (paths inside
 * file_roots, http/https URLs and hosts in allowed_hosts, allowed Kafka
 * settings): 42501 or 22023 naming the option. */
sl_status sl_confinement_check(const sl_confinement_ctx *ctx, const sl_options *opts, sl_error *err);

void sl_confinement_shutdown(void);

#endif
