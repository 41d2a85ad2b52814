/*
 * fuzz_sql.c - fuzz harness of the SQL lexer, parser and printer
 * (parser/parse.h).
 *
 * The input is a query string (cut at its first NUL, as the protocol
 * does).  sl_parse must return SL_OK or an error, never crash.  On success
 * the printer's claim is checked: the canonical text of each statement
 * parses again, to a tree that prints the same text.  Reparsing may fail
 * only for a limit the printed text can hit where the input did not (the
 * printer adds parentheses and spaces: 54000 too long, 54001 too deep).
 * The input is also read as interval text (sl_interval_parse).
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "parser/parse.h"
#include "common/interval.h"
#include "sluice/types.h"
#include "sluice/list.h"

static bool reparse_limit(const sl_error *err)
{
    return strcmp(err->sqlstate, "54000") == 0 || strcmp(err->sqlstate, "54001") == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sl_mcxt *cx;
    char *sql;
    sl_list *stmts = NULL;
    sl_error err;
    int64_t us;

    if (size > SL_PARSE_MAX_LENGTH + 16)
        return 0; /* longer is refused before the lexer: nothing to learn */
    cx = sl_mcxt_create(NULL, "fuzz sql");
    sql = sl_palloc(cx, size + 1);
    memcpy(sql, data, size);
    sql[size] = '\0';
    (void)sl_interval_parse(sql, &us);

    sl_error_clear(&err);
    if (sl_parse(sql, cx, &stmts, &err) == SL_OK) {
        for (int i = 0; i < sl_list_length(stmts); i++) {
            const sl_raw_stmt *raw = sl_list_nth(stmts, i);
            char *printed = sl_print_node(cx, raw->stmt);
            sl_list *again = NULL;
            const sl_raw_stmt *raw2;
            char *printed2;

            if (raw->location < 0 || raw->length < 0 ||
                (size_t)raw->location + (size_t)raw->length > strlen(sql))
                sl_fuzz_fail("statement %d spans [%d, +%d) outside the query", i, raw->location, raw->length);
            sl_error_clear(&err);
            if (sl_parse(printed, cx, &again, &err) != SL_OK) {
                if (reparse_limit(&err))
                    continue;
                sl_fuzz_fail("printed statement does not parse\n  printed: %s\n  error: %s %s @%d", printed,
                             err.sqlstate, err.message, err.position);
            }
            if (sl_list_length(again) != 1)
                sl_fuzz_fail("printed statement parses to %d statements\n  printed: %s",
                             sl_list_length(again), printed);
            raw2 = sl_list_nth(again, 0);
            printed2 = sl_print_node(cx, raw2->stmt);
            if (strcmp(printed, printed2) != 0)
                sl_fuzz_fail("printing is not stable\n  printed: %s\n  again:   %s", printed, printed2);
        }
    } else if (!sl_error_is_set(&err))
        sl_fuzz_fail("sl_parse failed without an error");
    sl_mcxt_delete(cx);
    return 0;
}
