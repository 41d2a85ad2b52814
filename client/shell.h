/*
 * shell.h - the state of one sluice shell session, shared by the input loop
 * (sluice.c), the query runner (exec.c) and the backslash commands
 * (commands.c).
 *
 * There is exactly one shell per process; the SIGINT handler reaches the
 * cancel handle through sl_shell_cancel (a PGcancel is safe to use from a
 * signal handler, the connection itself is not).
 */
#ifndef SLUICE_CLIENT_SHELL_H
#define SLUICE_CLIENT_SHELL_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include <libpq-fe.h>

#include "sluice/version.h"

typedef struct sl_shell {
    PGconn *conn;
    bool interactive;   /* prompts, line editing, history, errors on stderr */
    bool echo_all;      /* -a: echo every input line as read */
    bool quiet;         /* -q: no banner, no command tags, no "is on" lines */
    bool expanded;      /* \x */
    bool timing;        /* \timing */
    bool failed;        /* a statement or command failed (exit status 1) */
    bool conn_lost;     /* the connection died and could not be reset (exit 2) */
    bool flush_by_time; /* print streamed rows after 1 s, not only every 1000 rows */
    FILE *errout;       /* where errors and notices go: stderr interactively, else stdout */
    const char *query;  /* text of the statement being run, for error carets */
} sl_shell;

/* Set while a statement runs: SIGINT then sends a cancel request. */
extern volatile sig_atomic_t sl_shell_query_running;

/* Set by the SIGINT handler once it has sent a cancel request for the running statement. */
extern volatile sig_atomic_t sl_shell_cancel_sent;

/* Cancel handle of the current connection (NULL when not connected). */
extern PGcancel *volatile sl_shell_cancel;

#endif
