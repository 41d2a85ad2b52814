/*
 * printtup.h - rows of a batch to a destination as text, the form the
 * simple query protocol sends them in (DataRow values, NULL as NULL),
 * spelled as PostgreSQL's output functions spell each type.
 *
 * Entry point: sl_printtup_batch.
 */
#ifndef SLUICE_PRINTTUP_H
#define SLUICE_PRINTTUP_H

#include "server/net/dest.h"
#include "sluice/batch.h"
#include "sluice/error.h"
#include "sluice/mcxt.h"

/* Sends every row of b to dest->row(); text values are made in cx, values
 * has room for b's columns. */
sl_status sl_printtup_batch(sl_dest *dest, const sl_batch *b, sl_mcxt *cx, const char **values,
                            sl_error *err);

#endif
