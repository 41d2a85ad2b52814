/*
 * list.h - a growable array of pointers allocated in a memory context.
 *
 * The parser's lists (select targets, options, columns) and the server's
 * small collections use it.  An empty list is NULL, so "no list" and "empty
 * list" are the same and sl_list_length(NULL) is 0.
 */
#ifndef SLUICE_LIST_H
#define SLUICE_LIST_H

#include "sluice/mcxt.h"

typedef struct sl_list {
    int length;
    int capacity;
    void **items;
} sl_list;

/* Appends item to list (NULL = new list) in cx; returns the list. */
sl_list *sl_list_append(sl_mcxt *cx, sl_list *list, void *item);

static inline int sl_list_length(const sl_list *list)
{
    return list == NULL ? 0 : list->length;
}

static inline void *sl_list_nth(const sl_list *list, int n)
{
    return list->items[n];
}

#define sl_list_foreach(var, list)                                                                           \
    for (int var##_i = 0; var##_i < sl_list_length(list) && ((var) = (list)->items[var##_i], 1); var##_i++)

#endif
