/*
 * mcxt.c - arena memory contexts (see include/sluice/mcxt.h).
 *
 * Each context holds a chain of blocks; small requests are carved from the
 * newest block, requests larger than a quarter of the block size get a block
 * of their own so they do not waste the tail of the current one.  Every
 * block taken from or given back to the system is charged to the
 * context's account, if it has one (a few atomic adds per block of 8 KB
 * to 1 MB: nothing on the per-row path).
 */
#include "sluice/mcxt.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SL_MCXT_BLOCK_MIN (8 * 1024)
#define SL_MCXT_BLOCK_MAX (1024 * 1024)
#define SL_MCXT_ALIGN     16

typedef struct sl_mblock {
    struct sl_mblock *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    max_align_t data[]; /* aligned start of the usable bytes */
} sl_mblock;

struct sl_mcxt {
    const char *name;
    sl_mcxt *parent;
    sl_mcxt *first_child;
    sl_mcxt *next_sibling;
    sl_mcxt *prev_sibling;
    sl_mblock *blocks; /* newest first */
    size_t next_block_size;
    size_t bytes;
    sl_mem_account *account; /* NULL: not accounted */
};

static void *sl_mcxt_system_alloc(size_t size)
{
    void *p = malloc(size);
    if (p == NULL) {
        fprintf(stderr, "sluice: out of memory allocating %zu bytes\n", size);
        abort();
    }
    return p;
}

void sl_mem_account_init(sl_mem_account *a, sl_mem_account *parent)
{
    a->parent = parent;
    atomic_init(&a->bytes, 0);
}

void sl_mem_account_charge(sl_mem_account *a, int64_t delta)
{
    for (; a != NULL; a = a->parent)
        atomic_fetch_add_explicit(&a->bytes, delta, memory_order_relaxed);
}

int64_t sl_mem_account_bytes(sl_mem_account *a)
{
    return atomic_load_explicit(&a->bytes, memory_order_relaxed);
}

sl_mcxt *sl_mcxt_create(sl_mcxt *parent, const char *name)
{
    sl_mcxt *cx = sl_mcxt_system_alloc(sizeof(*cx));

    memset(cx, 0, sizeof(*cx));
    cx->name = name;
    cx->parent = parent;
    cx->next_block_size = SL_MCXT_BLOCK_MIN;
    if (parent != NULL) {
        cx->account = parent->account;
        cx->next_sibling = parent->first_child;
        if (parent->first_child != NULL)
            parent->first_child->prev_sibling = cx;
        parent->first_child = cx;
    }
    return cx;
}

static void sl_mcxt_free_blocks(sl_mcxt *cx)
{
    sl_mblock *b = cx->blocks;

    /* Before the blocks go: the account may live in one of them. */
    if (cx->account != NULL && cx->bytes > 0)
        sl_mem_account_charge(cx->account, -(int64_t)cx->bytes);
    while (b != NULL) {
        sl_mblock *next = b->next;
        free(b);
        b = next;
    }
    cx->blocks = NULL;
    cx->bytes = 0;
    cx->next_block_size = SL_MCXT_BLOCK_MIN;
}

void sl_mcxt_reset(sl_mcxt *cx)
{
    while (cx->first_child != NULL)
        sl_mcxt_delete(cx->first_child);
    sl_mcxt_free_blocks(cx);
}

void sl_mcxt_delete(sl_mcxt *cx)
{
    if (cx == NULL)
        return;
    sl_mcxt_reset(cx);
    if (cx->parent != NULL) {
        if (cx->prev_sibling != NULL)
            cx->prev_sibling->next_sibling = cx->next_sibling;
        else
            cx->parent->first_child = cx->next_sibling;
        if (cx->next_sibling != NULL)
            cx->next_sibling->prev_sibling = cx->prev_sibling;
    }
    free(cx);
}

size_t sl_mcxt_bytes(const sl_mcxt *cx)
{
    return cx->bytes;
}

void sl_mcxt_set_account(sl_mcxt *cx, sl_mem_account *account)
{
    if (cx->account != NULL && cx->bytes > 0)
        sl_mem_account_charge(cx->account, -(int64_t)cx->bytes);
    cx->account = account;
    if (account != NULL && cx->bytes > 0)
        sl_mem_account_charge(account, (int64_t)cx->bytes);
}

const char *sl_mcxt_largest(const sl_mcxt *cx, size_t *bytes)
{
    const char *name = cx->name;

    *bytes = cx->bytes;
    for (const sl_mcxt *c = cx->first_child; c != NULL; c = c->next_sibling) {
        size_t n;
        const char *cn = sl_mcxt_largest(c, &n);
        if (n > *bytes) {
            *bytes = n;
            name = cn;
        }
    }
    return name;
}

static sl_mblock *sl_mcxt_new_block(sl_mcxt *cx, size_t size)
{
    sl_mblock *b = sl_mcxt_system_alloc(sizeof(sl_mblock) + size);

    b->size = size;
    b->used = 0;
    cx->bytes += size;
    if (cx->account != NULL)
        sl_mem_account_charge(cx->account, (int64_t)size);
    return b;
}

void *sl_palloc(sl_mcxt *cx, size_t size)
{
    sl_mblock *b = cx->blocks;

    if (size == 0)
        size = 1;
    size = (size + SL_MCXT_ALIGN - 1) & ~(size_t)(SL_MCXT_ALIGN - 1);
    if (b != NULL && b->size - b->used >= size) {
        void *p = (char *)b->data + b->used;
        b->used += size;
        return p;
    }
    if (size > cx->next_block_size / 4) {
        /* A dedicated block, kept behind the current one so its free tail stays usable. */
        sl_mblock *big = sl_mcxt_new_block(cx, size);
        big->used = size;
        if (b != NULL) {
            big->next = b->next;
            b->next = big;
        } else {
            big->next = NULL;
            cx->blocks = big;
        }
        return big->data;
    }
    b = sl_mcxt_new_block(cx, cx->next_block_size);
    if (cx->next_block_size < SL_MCXT_BLOCK_MAX)
        cx->next_block_size *= 2;
    b->next = cx->blocks;
    cx->blocks = b;
    b->used = size;
    return b->data;
}

void *sl_pzalloc(sl_mcxt *cx, size_t size)
{
    void *p = sl_palloc(cx, size);
    memset(p, 0, size);
    return p;
}

char *sl_pstrndup(sl_mcxt *cx, const char *s, size_t n)
{
    char *p = sl_palloc(cx, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *sl_pstrdup(sl_mcxt *cx, const char *s)
{
    if (s == NULL)
        return NULL;
    return sl_pstrndup(cx, s, strlen(s));
}

char *sl_pvsprintf(sl_mcxt *cx, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    char *p;

    /* Measure into a one-byte buffer rather than NULL: gcc -O1 mistakes the
     * NULL destination for a NULL format (-Wformat-truncation). */
    char probe[1];
    va_copy(ap2, ap);
    n = vsnprintf(probe, sizeof(probe), fmt, ap2);
    va_end(ap2);
    if (n < 0)
        n = 0;
    p = sl_palloc(cx, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *sl_psprintf(sl_mcxt *cx, const char *fmt, ...)
{
    va_list ap;
    char *p;

    va_start(ap, fmt);
    p = sl_pvsprintf(cx, fmt, ap);
    va_end(ap);
    return p;
}

void *sl_prealloc(sl_mcxt *cx, void *ptr, size_t old_size, size_t new_size)
{
    void *p;

    if (new_size <= old_size)
        return ptr;
    p = sl_palloc(cx, new_size);
    if (ptr != NULL && old_size > 0)
        memcpy(p, ptr, old_size);
    return p;
}
