/*
 * list.c - pointer lists in memory contexts (see include/sluice/list.h).
 */
#include "sluice/list.h"

sl_list *sl_list_append(sl_mcxt *cx, sl_list *list, void *item)
{
    if (list == NULL) {
        list = sl_pnew(cx, sl_list);
        list->capacity = 4;
        list->items = sl_palloc(cx, sizeof(void *) * (size_t)list->capacity);
    } else if (list->length == list->capacity) {
        size_t old = sizeof(void *) * (size_t)list->capacity;
        list->capacity *= 2;
        list->items = sl_prealloc(cx, list->items, old, sizeof(void *) * (size_t)list->capacity);
    }
    list->items[list->length++] = item;
    return list;
}
