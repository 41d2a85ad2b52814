/*
 * buf.h - a growable byte buffer.
 *
 * malloc'd rather than in a memory context: it grows and shrinks as
 * messages and encoded rows come and go, and its owner calls sl_buf_free.
 * The wire protocol builds its messages in one, the formats' encoders
 * append rows to one.
 *
 * Entry points: sl_buf_init, sl_buf_append, sl_buf_puts, sl_buf_printf,
 * sl_buf_reserve, sl_buf_reset, sl_buf_pstrdup, sl_buf_free.
 */
#ifndef SLUICE_BUF_H
#define SLUICE_BUF_H

#include <stddef.h>

#include "sluice/mcxt.h"

typedef struct sl_buf {
    char *data;
    size_t len;
    size_t cap;
} sl_buf;

void sl_buf_init(sl_buf *buf);
void sl_buf_free(sl_buf *buf);
/* Empties buf; gives memory back when it grew beyond keep bytes. */
void sl_buf_reset(sl_buf *buf, size_t keep);
/* Makes room for extra more bytes; returns the position to write them. */
char *sl_buf_reserve(sl_buf *buf, size_t extra);
void sl_buf_append(sl_buf *buf, const void *data, size_t n);
void sl_buf_puts(sl_buf *buf, const char *s);
void sl_buf_printf(sl_buf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text appended so far as a NUL-terminated string in cx; buf is freed. */
char *sl_buf_pstrdup(sl_buf *buf, sl_mcxt *cx);

#endif
