/*
 * exec.c - sends SQL to the server and streams the results to the screen.
 *
 * Entry points: sl_exec_query (one query string, any number of
 * statements), sl_exec_notice (the libpq notice receiver).
 *
 * Results are read in single-row mode so that a push query, which never
 * ends, still shows its rows: they are buffered until the result ends, or
 * until SL_EXEC_BATCH_ROWS rows (or, when sh->flush_by_time is set,
 * SL_EXEC_BATCH_MS) have piled up, and then printed with the column widths
 * known at that moment.  A result that ends before that prints exactly as
 * psql would print it.
 */
#include "client/exec.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "client/print.h"
#include "sluice/clock.h"

volatile sig_atomic_t sl_shell_query_running;
volatile sig_atomic_t sl_shell_cancel_sent;
PGcancel *volatile sl_shell_cancel;

static double sl_exec_now_ms(void)
{
    return (double)sl_clock_mono_us() / 1e3;
}

/* `Time: 1.234 ms`, with psql's (mm:ss.sss) suffix beyond one second. */
static void sl_exec_print_timing(FILE *out, double ms)
{
    double seconds = ms / 1000.0;
    long minutes, hours, days;

    if (ms < 1000.0) {
        fprintf(out, "Time: %.3f ms\n", ms);
        return;
    }
    minutes = (long)(seconds / 60);
    seconds -= 60.0 * (double)minutes;
    if (minutes < 60) {
        fprintf(out, "Time: %.3f ms (%02ld:%06.3f)\n", ms, minutes, seconds);
        return;
    }
    hours = minutes / 60;
    minutes %= 60;
    if (hours < 24) {
        fprintf(out, "Time: %.3f ms (%02ld:%02ld:%06.3f)\n", ms, hours, minutes, seconds);
        return;
    }
    days = hours / 24;
    hours %= 24;
    fprintf(out, "Time: %.3f ms (%ld d %02ld:%02ld:%06.3f)\n", ms, days, hours, minutes, seconds);
}

/* Errors go to sh->errout; keep them after whatever stdout already holds. */
static void sl_exec_report(sl_shell *sh, const PGresult *res)
{
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

    if (sh->errout != stdout)
        fflush(stdout);
    if (sl_shell_cancel_sent && state != NULL && strcmp(state, "57014") == 0)
        fputs("ERROR:  canceling statement due to user request\n", sh->errout);
    else
        sl_print_message(sh->errout, res, sh->query);
    fflush(sh->errout);
}

void sl_exec_notice(void *arg, const PGresult *res)
{
    sl_shell *sh = arg;

    if (sh->errout != stdout)
        fflush(stdout);
    sl_print_message(sh->errout, res, sh->query);
    fflush(sh->errout);
}

/* COPY TO STDOUT: the data goes to stdout as it comes. */
static void sl_exec_copy_out(sl_shell *sh)
{
    char *buf;
    int n;

    while ((n = PQgetCopyData(sh->conn, &buf, 0)) > 0) {
        fwrite(buf, 1, (size_t)n, stdout);
        PQfreemem(buf);
    }
}

/* psql prints the tag after the rows of INSERT/UPDATE/DELETE/MERGE ... RETURNING. */
static bool sl_exec_tag_after_rows(const char *tag)
{
    return strncmp(tag, "INSERT", 6) == 0 || strncmp(tag, "UPDATE", 6) == 0 ||
           strncmp(tag, "DELETE", 6) == 0 || strncmp(tag, "MERGE", 5) == 0;
}

/*
 * Waits until the server has sent something, flushing the table when its
 * batch deadline passes.  Reading is left to PQgetResult: when the server
 * hangs up, it reports that once (PQconsumeInput here would leave libpq
 * to add a confusing "invalid socket" to the error).
 */
static void sl_exec_wait(sl_shell *sh, sl_table *table, double deadline)
{
    while (PQisBusy(sh->conn)) {
        struct pollfd pfd = {.fd = PQsocket(sh->conn), .events = POLLIN};
        int timeout = -1;
        int r;

        if (pfd.fd < 0)
            return;
        if (table != NULL && sh->flush_by_time && sl_print_table_pending(table) > 0) {
            double left = deadline - sl_exec_now_ms();

            timeout = left <= 0 ? 0 : (int)left + 1;
        }
        r = poll(&pfd, 1, timeout);
        if (r < 0 && errno == EINTR)
            continue; /* Ctrl-C: the handler has sent the cancel request */
        if (r == 0) {
            sl_print_table_flush(table, stdout);
            continue;
        }
        return;
    }
}

/* After a failure: the connection may be gone; try once to get it back. */
static void sl_exec_check_connection(sl_shell *sh)
{
    PGcancel *old;

    if (PQstatus(sh->conn) != CONNECTION_BAD)
        return;
    if (!sh->interactive) {
        fflush(stdout);
        fputs("sluice: error: connection to server was lost\n", stderr);
        sh->conn_lost = true;
        return;
    }
    fputs("The connection to the server was lost. Attempting reset: ", sh->errout);
    old = sl_shell_cancel;
    sl_shell_cancel = NULL;
    PQfreeCancel(old);
    PQreset(sh->conn);
    if (PQstatus(sh->conn) == CONNECTION_OK) {
        sl_shell_cancel = PQgetCancel(sh->conn);
        fputs("Succeeded.\n", sh->errout);
    } else {
        fputs("Failed.\n", sh->errout);
        sh->conn_lost = true;
    }
}

bool sl_exec_query(sl_shell *sh, const char *sql)
{
    sl_table *table = NULL;
    double start, deadline = 0;
    bool ok = true;
    bool copied_out = false;
    PGresult *res;

    fflush(stdout);
    sh->query = sql;
    start = sl_exec_now_ms();
    if (!PQsendQuery(sh->conn, sql)) {
        if (sh->errout != stdout)
            fflush(stdout);
        fputs(PQerrorMessage(sh->conn), sh->errout);
        sl_exec_check_connection(sh);
        sh->query = NULL;
        return false;
    }
    /* Without single-row mode everything still works, only without streaming. */
    (void)PQsetSingleRowMode(sh->conn);
    sl_shell_cancel_sent = 0;
    sl_shell_query_running = 1;

    for (;;) {
        sl_exec_wait(sh, table, deadline);
        res = PQgetResult(sh->conn);
        if (res == NULL)
            break;
        switch (PQresultStatus(res)) {
        case PGRES_SINGLE_TUPLE:
            if (table == NULL)
                table = sl_print_table_begin(res, sh->expanded);
            if (sl_print_table_pending(table) == 0)
                deadline = sl_exec_now_ms() + SL_EXEC_BATCH_MS;
            sl_print_table_add(table, res);
            if (sl_print_table_pending(table) >= SL_EXEC_BATCH_ROWS)
                sl_print_table_flush(table, stdout);
            break;
        case PGRES_TUPLES_OK:
            /* The end of a result set; without single-row mode it holds all rows. */
            if (table == NULL)
                table = sl_print_table_begin(res, sh->expanded);
            sl_print_table_add(table, res);
            sl_print_table_finish(table, stdout);
            sl_print_table_free(table);
            table = NULL;
            if (!sh->quiet && sl_exec_tag_after_rows(PQcmdStatus(res)))
                printf("%s\n", PQcmdStatus(res));
            break;
        case PGRES_COMMAND_OK:
            /* psql prints no tag after COPY ... TO STDOUT: the data was the output */
            if (!sh->quiet && !copied_out)
                printf("%s\n", PQcmdStatus(res));
            copied_out = false;
            break;
        case PGRES_EMPTY_QUERY:
            break;
        case PGRES_COPY_OUT:
            sl_exec_copy_out(sh);
            copied_out = true;
            break;
        case PGRES_COPY_IN:
            (void)PQputCopyEnd(sh->conn, "COPY FROM STDIN is not supported by sluice");
            break;
        case PGRES_NONFATAL_ERROR:
            sl_exec_notice(sh, res);
            break;
        default:
            /*
             * A failure in the middle of a result set: rows already on the
             * screen stay there, rows still buffered are dropped (psql shows
             * only the error for a query that fails).
             */
            if (table != NULL) {
                if (sl_print_table_started(table))
                    sl_print_table_flush(table, stdout);
                sl_print_table_free(table);
                table = NULL;
            }
            sl_exec_report(sh, res);
            ok = false;
            break;
        }
        PQclear(res);
    }
    sl_shell_query_running = 0;
    sl_print_table_free(table);

    if (sh->timing)
        sl_exec_print_timing(stdout, sl_exec_now_ms() - start);
    fflush(stdout);
    if (!ok)
        sl_exec_check_connection(sh);
    sh->query = NULL;
    return ok;
}
