/*
 * error.h - errors as values.
 *
 * A function that can fail returns an sl_status and fills the sl_error its
 * caller passed in.  Only the protocol layer turns an sl_error into an
 * ErrorResponse; only the top of a thread logs one.  Messages are lower case,
 * without a trailing period, and name the thing; detail and hint are
 * sentences.
 */
#ifndef SLUICE_ERROR_H
#define SLUICE_ERROR_H

#include <stdbool.h>
#include <stddef.h>

#include "sluice/errcodes.h"

typedef enum sl_status {
    SL_OK = 0,
    SL_ERROR = -1, /* permanent: report it */
    SL_RETRY = -2, /* transient: the caller may try again later */
} sl_status;

#define SL_ERROR_MSG_MAX 1024

typedef struct sl_error {
    char sqlstate[6]; /* five characters + NUL */
    char message[SL_ERROR_MSG_MAX];
    char detail[SL_ERROR_MSG_MAX]; /* empty when absent */
    char hint[SL_ERROR_MSG_MAX];   /* empty when absent */
    int position;                  /* 1-based character position, 0 = none */
    bool retriable;
} sl_error;

/* Resets err to "no error". */
void sl_error_clear(sl_error *err);

/* True when err holds an error. */
bool sl_error_is_set(const sl_error *err);

/*
 * Fills err with a SQLSTATE and a printf-style message; clears detail,
 * hint and position.  Always returns SL_ERROR so callers can write
 * `return sl_error_set(err, ...)`.
 */
sl_status sl_error_set(sl_error *err, const char *sqlstate, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets the detail or hint sentence of an error already set. */
void sl_error_detail(sl_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sl_error_hint(sl_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
