/*
 * mcxt.h - memory contexts.
 *
 * Memory lives in contexts that form a tree (server -> session -> statement
 * -> batch).  Allocation is a pointer bump in the context's current block;
 * nothing is freed one by one.  Deleting a context frees it, everything
 * allocated in it and all of its children, so error paths do not leak;
 * resetting one keeps the context (and its first block) for reuse.
 *
 * A context is used by one thread at a time; the tree itself is not locked,
 * so create and delete children of a context only from the thread that owns
 * it.  Allocation failure aborts the process: a server that cannot get a few
 * kilobytes cannot report anything useful either.
 */
#ifndef SLUICE_MCXT_H
#define SLUICE_MCXT_H

#include <stdarg.h>
#include <stddef.h>

typedef struct sl_mcxt sl_mcxt;

/* Creates a context under parent (NULL for a root).  name is kept, not copied. */
sl_mcxt *sl_mcxt_create(sl_mcxt *parent, const char *name);

/* Frees the context, its memory and its children. NULL is allowed. */
void sl_mcxt_delete(sl_mcxt *cx);

/* Frees everything allocated in the context and deletes its children. */
void sl_mcxt_reset(sl_mcxt *cx);

/* Bytes currently held from the system by this context alone. */
size_t sl_mcxt_bytes(const sl_mcxt *cx);

/* Allocation in cx, aligned for any type; sl_pzalloc zero-fills. */
void *sl_palloc(sl_mcxt *cx, size_t size);
void *sl_pzalloc(sl_mcxt *cx, size_t size);

/* Copies of strings, owned by cx. sl_pstrdup(cx, NULL) returns NULL. */
char *sl_pstrdup(sl_mcxt *cx, const char *s);
char *sl_pstrndup(sl_mcxt *cx, const char *s, size_t n);
char *sl_psprintf(sl_mcxt *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *sl_pvsprintf(sl_mcxt *cx, const char *fmt, va_list ap);

/* Grows a block previously returned by sl_palloc(cx, old_size). */
void *sl_prealloc(sl_mcxt *cx, void *ptr, size_t old_size, size_t new_size);

#define sl_pnew(cx, type) ((type *)sl_pzalloc((cx), sizeof(type)))

#endif
