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
 *
 * Accounting: a context may charge the blocks it holds to an account
 * (sl_mcxt_set_account), and its children created later charge the same
 * one.  An account passes every charge on to its parent account, so a
 * query's account sums its operators' contexts and the server's account
 * sums the queries'.  Charges are atomic: another thread may read an
 * account's bytes (SHOW QUERIES) while its owner allocates.  Memory that
 * is not in a context can be charged by hand (sl_mem_account_charge).  An
 * account must outlive the memory charged to it, or live in it.
 */
#ifndef SLUICE_MCXT_H
#define SLUICE_MCXT_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sl_mcxt sl_mcxt;

typedef struct sl_mem_account {
    struct sl_mem_account *parent; /* charged too; NULL at the top */
    _Atomic int64_t bytes;
} sl_mem_account;

/* An account with no bytes, charging parent (may be NULL) too. */
void sl_mem_account_init(sl_mem_account *a, sl_mem_account *parent);

/* Adds delta (negative: gives back) to a and every account above it. */
void sl_mem_account_charge(sl_mem_account *a, int64_t delta);

/* Bytes charged to a and not given back. */
int64_t sl_mem_account_bytes(sl_mem_account *a);

/* Creates a context under parent (NULL for a root).  name is kept, not copied. */
sl_mcxt *sl_mcxt_create(sl_mcxt *parent, const char *name);

/* Frees the context, its memory and its children. NULL is allowed. */
void sl_mcxt_delete(sl_mcxt *cx);

/* Frees everything allocated in the context and deletes its children. */
void sl_mcxt_reset(sl_mcxt *cx);

/* Bytes currently held from the system by this context alone. */
size_t sl_mcxt_bytes(const sl_mcxt *cx);

/* Charges cx's blocks, now and later, to account (NULL: none); what cx
 * held is moved from its old account.  Children created afterwards
 * inherit the account; existing children keep theirs. */
void sl_mcxt_set_account(sl_mcxt *cx, sl_mem_account *account);

/* The context in cx's tree (cx included) that holds the most bytes itself:
 * its name, and its bytes in *bytes. */
const char *sl_mcxt_largest(const sl_mcxt *cx, size_t *bytes);

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
