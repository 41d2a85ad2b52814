/*
 * buf.c - the growable byte buffer (see sluice/buf.h).
 */
#include "sluice/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sl_buf_init(sl_buf *buf)
{
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
}

void sl_buf_free(sl_buf *buf)
{
    free(buf->data);
    sl_buf_init(buf);
}

void sl_buf_reset(sl_buf *buf, size_t keep)
{
    buf->len = 0;
    if (buf->cap > keep) {
        free(buf->data);
        buf->data = NULL;
        buf->cap = 0;
    }
}

char *sl_buf_reserve(sl_buf *buf, size_t extra)
{
    if (buf->cap - buf->len < extra) {
        size_t cap = buf->cap ? buf->cap : 256;
        while (cap - buf->len < extra)
            cap *= 2;
        char *data = realloc(buf->data, cap);
        if (data == NULL)
            abort(); /* as the memory contexts do: nothing sensible to report */
        buf->data = data;
        buf->cap = cap;
    }
    return buf->data + buf->len;
}

void sl_buf_append(sl_buf *buf, const void *data, size_t n)
{
    if (n == 0)
        return;
    memcpy(sl_buf_reserve(buf, n), data, n);
    buf->len += n;
}

void sl_buf_puts(sl_buf *buf, const char *s)
{
    sl_buf_append(buf, s, strlen(s));
}

void sl_buf_printf(sl_buf *buf, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(small)) {
        sl_buf_append(buf, small, (size_t)n);
        return;
    }
    /* Longer than the stack buffer: format again straight into the buffer. */
    char *dst = sl_buf_reserve(buf, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(dst, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf->len += (size_t)n;
}

char *sl_buf_pstrdup(sl_buf *buf, sl_mcxt *cx)
{
    char *out = sl_pstrndup(cx, buf->data != NULL ? buf->data : "", buf->len);

    sl_buf_free(buf);
    return out;
}
