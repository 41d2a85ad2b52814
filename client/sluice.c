/*
 * sluice.c - `sluice`, the interactive shell: options, connection, and the
 * loop that reads input lines and hands out statements and commands.
 *
 * Entry point: main.  Statements are split by scan.c, run by exec.c,
 * printed by print.c; backslash commands live in commands.c.
 *
 * Input is either the terminal (prompts, libedit line editing, history in
 * ~/.sluice_history, errors on stderr) or a file / pipe / -c string (no
 * prompts, errors on stdout so that `sluice -a -q -f x.sql > x.out` gives
 * one stream in order, like a PostgreSQL regression output file).
 *
 * Ctrl-C: while a statement runs, the SIGINT handler sends a cancel request
 * through a PGcancel made beforehand (PQcancel is safe in a signal handler);
 * at the prompt it jumps back out of readline and clears the statement.
 */
#include <errno.h>
#include <getopt.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <editline/readline.h>
#include <libpq-fe.h>

#include "client/commands.h"
#include "client/exec.h"
#include "client/scan.h"
#include "client/shell.h"

#define SL_DEFAULT_HOST  "/tmp"
#define SL_DEFAULT_PORT  "5477"
#define SL_HISTORY_FILE  ".sluice_history"
#define SL_HISTORY_LINES 1000
#define SL_PROMPT        "sluice=> "
#define SL_PROMPT_MORE   "sluice-> "

/* Exit statuses, as psql's: ok, a statement failed (-c/-f), no connection. */
#define SL_EXIT_OK      0
#define SL_EXIT_FAILED  1
#define SL_EXIT_BADCONN 2

typedef struct sl_action {
    char kind; /* 'c' (SQL or a command) or 'f' (file, "-" for stdin) */
    const char *text;
} sl_action;

typedef struct sl_options {
    const char *host, *port, *user, *dbname;
    sl_action *actions;
    int nactions;
    bool echo_all, quiet;
} sl_options;

/* Armed while readline waits: SIGINT then jumps back to sl_read_interactive. */
static volatile sig_atomic_t sl_prompt_armed;
static sigjmp_buf sl_prompt_jmp;
/* SIGINT outside a statement and outside the prompt: stop reading input. */
static volatile sig_atomic_t sl_interrupted;

static void sl_on_sigint(int signo)
{
    int saved = errno;

    (void)signo;
    if (sl_shell_query_running) {
        PGcancel *cancel = sl_shell_cancel;
        char errbuf[256];

        if (cancel != NULL && PQcancel(cancel, errbuf, sizeof(errbuf)))
            sl_shell_cancel_sent = 1;
    } else if (sl_prompt_armed) {
        sl_prompt_armed = 0;
        errno = saved;
        siglongjmp(sl_prompt_jmp, 1);
    } else {
        sl_interrupted = 1;
    }
    errno = saved;
}

static void sl_usage(FILE *out)
{
    fputs("sluice is the interactive shell of the sluice streaming SQL server.\n\n"
          "Usage:\n"
          "  sluice [OPTION]... [DBNAME [USERNAME]]\n\n"
          "Options:\n"
          "  -h, --host=HOST        server host or socket directory (default: $SLUICE_HOST, $PGHOST,\n"
          "                         else /tmp, sluiced's default socket directory)\n"
          "  -p, --port=PORT        server port (default: $SLUICE_PORT, $PGPORT, else " SL_DEFAULT_PORT ")\n"
          "  -U, --username=USER    user name (default: $SLUICE_USER, $PGUSER, else the login name)\n"
          "  -d, --dbname=DBNAME    database name or connection string (default: $PGDATABASE)\n"
          "  -c, --command=SQL      run SQL (or one backslash command) and exit; may be repeated\n"
          "  -f, --file=FILE        run the statements in FILE (- for stdin) and exit; may be repeated\n"
          "  -a, --echo-all         echo every input line before running it\n"
          "  -q, --quiet            no banner, no command tags, no informational lines\n"
          "  -X, --no-psqlrc        accepted for psql compatibility (sluice reads no startup file)\n"
          "      --help             show this help and exit\n"
          "      --version          show the version and exit\n\n"
          "Exit status: 0 ok, 1 a statement failed (-c, -f or piped input), 2 no connection.\n",
          out);
}

/* Reads a password from the terminal without echo; the result is malloc'd, NULL if none. */
static char *sl_read_password(const char *user)
{
    FILE *tty = fopen("/dev/tty", "r+");
    struct termios old, noecho;
    char buf[256];
    char *pw = NULL;

    if (tty == NULL)
        return NULL;
    fprintf(tty, "Password for user %s: ", user ? user : "");
    fflush(tty);
    if (tcgetattr(fileno(tty), &old) == 0) {
        noecho = old;
        noecho.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fileno(tty), TCSAFLUSH, &noecho);
    }
    if (fgets(buf, sizeof(buf), tty) != NULL) {
        buf[strcspn(buf, "\r\n")] = '\0';
        pw = strdup(buf);
    }
    tcsetattr(fileno(tty), TCSAFLUSH, &old);
    fputc('\n', tty);
    fclose(tty);
    return pw;
}

/*
 * Connects with the options and environment; prints libpq's reason and
 * returns NULL on failure.  The port defaults to sluice's, not PostgreSQL's,
 * unless $PGPORT says otherwise.
 */
static PGconn *sl_connect(const sl_options *o)
{
    const char *keys[10], *vals[10];
    char *password = NULL;
    PGconn *conn;
    int n = 0;

#define SL_PARAM(k, v)                                                                                       \
    do {                                                                                                     \
        if ((v) != NULL) {                                                                                   \
            keys[n] = (k);                                                                                   \
            vals[n] = (v);                                                                                   \
            n++;                                                                                             \
        }                                                                                                    \
    } while (0)

    /* sluiced's socket is in /tmp (libpq would look where Debian's PostgreSQL puts its own). */
    SL_PARAM("host", o->host                 ? o->host
                     : getenv("SLUICE_HOST") ? getenv("SLUICE_HOST")
                     : getenv("PGHOST")      ? NULL
                                             : SL_DEFAULT_HOST);
    SL_PARAM("port", o->port                 ? o->port
                     : getenv("SLUICE_PORT") ? getenv("SLUICE_PORT")
                     : getenv("PGPORT")      ? NULL
                                             : SL_DEFAULT_PORT);
    SL_PARAM("user", o->user ? o->user : getenv("SLUICE_USER"));
    SL_PARAM("dbname", o->dbname);
    SL_PARAM("fallback_application_name", "sluice");
    /* The server speaks UTF-8 and print.c measures widths in UTF-8. */
    SL_PARAM("client_encoding", getenv("PGCLIENTENCODING") ? NULL : "UTF8");
    keys[n] = NULL;
    vals[n] = NULL;

    for (;;) {
        conn = PQconnectdbParams(keys, vals, 1);
        if (PQstatus(conn) == CONNECTION_BAD && PQconnectionNeedsPassword(conn) && password == NULL &&
            isatty(fileno(stdin))) {
            password = sl_read_password(PQuser(conn));
            if (password != NULL) {
                PQfinish(conn);
                keys[n] = "password";
                vals[n] = password;
                keys[n + 1] = NULL;
                vals[n + 1] = NULL;
                continue;
            }
        }
        break;
    }
#undef SL_PARAM
    free(password);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "sluice: error: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

/*
 * Reads one line at the prompt.  Returns it (malloc'd) or NULL at EOF, or
 * NULL with *interrupted set when Ctrl-C jumped out of readline.  Kept in a
 * frame of its own so that nothing the jump could clobber lives here.
 */
static char *sl_read_interactive(const char *prompt, bool *interrupted)
{
    char *line;

    if (sigsetjmp(sl_prompt_jmp, 1) != 0) {
        *interrupted = true;
        return NULL;
    }
    sl_prompt_armed = 1;
    line = readline(prompt);
    sl_prompt_armed = 0;
    return line;
}

static void sl_run_statement(sl_shell *sh, const char *sql)
{
    if (!sl_exec_query(sh, sql))
        sh->failed = true;
}

/*
 * Reads input lines (from the terminal when sh->interactive, else from in)
 * and runs each statement as its ';' arrives and each backslash command as
 * it is read.  At EOF an unfinished statement is run too (as psql does).
 * Returns true when \q was read.
 */
static bool sl_run_input(sl_shell *sh, FILE *in)
{
    sl_scan scan;
    char *buf = NULL;
    size_t cap = 0;
    bool quit = false;

    sl_scan_init(&scan);
    while (!quit && !sh->conn_lost) {
        char *line;

        if (sh->interactive) {
            bool interrupted = false;
            bool more = sl_scan_length(&scan) > 0 || sl_scan_in_quote(&scan);

            sl_interrupted = 0;
            line = sl_read_interactive(more ? SL_PROMPT_MORE : SL_PROMPT, &interrupted);
            if (interrupted) {
                /* Ctrl-C at the prompt: forget the line and the statement so far. */
                fputc('\n', stdout);
                fflush(stdout);
                sl_scan_reset(&scan);
                continue;
            }
            if (line == NULL) {
                fputc('\n', stdout);
                break;
            }
            if (*line != '\0')
                add_history(line);
        } else {
            ssize_t n = getline(&buf, &cap, in);

            if (n < 0 || sl_interrupted) {
                if (sl_interrupted)
                    sh->failed = true;
                break;
            }
            if (n > 0 && buf[n - 1] == '\n')
                buf[--n] = '\0';
            line = buf;
        }

        /* psql skips empty lines (they neither echo nor count) unless inside a string or comment. */
        if (*line != '\0' || sl_scan_in_quote(&scan)) {
            if (sh->echo_all && !sh->interactive) {
                puts(line);
                fflush(stdout);
            }
            sl_scan_line(&scan, line);
            for (;;) {
                sl_scan_result r = sl_scan_next(&scan);

                if (r == SL_SCAN_EOL)
                    break;
                if (r == SL_SCAN_SEMICOLON) {
                    sl_run_statement(sh, sl_scan_text(&scan));
                    sl_scan_clear(&scan);
                } else {
                    sl_command_result cr = sl_command_run(sh, sl_scan_command(&scan));

                    if (cr == SL_COMMAND_QUIT)
                        quit = true;
                    else if (cr == SL_COMMAND_ERROR && !sh->interactive)
                        sh->failed = true;
                }
                if (quit || sh->conn_lost)
                    break;
            }
        }
        if (sh->interactive)
            free(line);
    }
    if (!quit && !sh->conn_lost && !sh->interactive && sl_scan_length(&scan) > 0)
        sl_run_statement(sh, sl_scan_text(&scan));
    free(buf);
    sl_scan_free(&scan);
    return quit;
}

/* Runs one -c argument: a backslash command, or SQL sent as one query string. */
static bool sl_run_command_arg(sl_shell *sh, const char *text)
{
    if (sh->echo_all) {
        puts(text);
        fflush(stdout);
    }
    if (text[0] == '\\') {
        sl_command_result cr = sl_command_run(sh, text);

        if (cr == SL_COMMAND_ERROR)
            sh->failed = true;
        return cr == SL_COMMAND_QUIT;
    }
    sl_run_statement(sh, text);
    return false;
}

/* Runs -f FILE; returns false when the file cannot be opened. */
static bool sl_run_file(sl_shell *sh, const char *path, bool *quit)
{
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");

    if (in == NULL) {
        fprintf(stderr, "sluice: error: %s: %s\n", path, strerror(errno));
        return false;
    }
    *quit = sl_run_input(sh, in);
    if (in != stdin)
        fclose(in);
    return true;
}

static void sl_history_path(char *path, size_t size)
{
    const char *home = getenv("HOME");

    path[0] = '\0';
    if (home != NULL && *home != '\0')
        snprintf(path, size, "%s/%s", home, SL_HISTORY_FILE);
}

/* The interactive session: banner, history, the prompt loop. */
static void sl_run_interactive(sl_shell *sh)
{
    char path[4096];

    if (!sh->quiet) {
        const char *version = PQparameterStatus(sh->conn, "server_version");

        printf("sluice %s (server %s)\nType \"\\?\" for help.\n\n", SL_VERSION,
               version ? version : "unknown");
        fflush(stdout);
    }
    rl_readline_name = "sluice";
    using_history();
    stifle_history(SL_HISTORY_LINES);
    sl_history_path(path, sizeof(path));
    if (path[0] != '\0')
        read_history(path);
    (void)sl_run_input(sh, stdin);
    if (path[0] != '\0')
        write_history(path);
}

static int sl_parse_options(int argc, char **argv, sl_options *o)
{
    static const struct option longopts[] = {
        {"host", required_argument, NULL, 'h'},     {"port", required_argument, NULL, 'p'},
        {"username", required_argument, NULL, 'U'}, {"dbname", required_argument, NULL, 'd'},
        {"command", required_argument, NULL, 'c'},  {"file", required_argument, NULL, 'f'},
        {"echo-all", no_argument, NULL, 'a'},       {"quiet", no_argument, NULL, 'q'},
        {"no-psqlrc", no_argument, NULL, 'X'},      {"help", no_argument, NULL, 1},
        {"version", no_argument, NULL, 'V'},        {NULL, 0, NULL, 0},
    };
    int c;

    memset(o, 0, sizeof(*o));
    o->actions = calloc((size_t)argc + 1, sizeof(sl_action));
    if (o->actions == NULL)
        return SL_EXIT_FAILED;
    while ((c = getopt_long(argc, argv, "h:p:U:d:c:f:aqXV?", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            o->host = optarg;
            break;
        case 'p':
            o->port = optarg;
            break;
        case 'U':
            o->user = optarg;
            break;
        case 'd':
            o->dbname = optarg;
            break;
        case 'c':
        case 'f':
            o->actions[o->nactions].kind = (char)c;
            o->actions[o->nactions].text = optarg;
            o->nactions++;
            break;
        case 'a':
            o->echo_all = true;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'X':
            break;
        case 1:
            sl_usage(stdout);
            return -1;
        case 'V':
            printf("sluice %s\n", SL_VERSION);
            return -1;
        case '?':
            if (optopt == 0 && strcmp(argv[optind - 1], "-?") == 0) {
                sl_usage(stdout);
                return -1;
            }
            fputs("Try \"sluice --help\" for more information.\n", stderr);
            return SL_EXIT_FAILED;
        default:
            return SL_EXIT_FAILED;
        }
    }
    /* psql's positional arguments: [DBNAME [USERNAME]] */
    if (optind < argc && o->dbname == NULL)
        o->dbname = argv[optind++];
    if (optind < argc && o->user == NULL)
        o->user = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "sluice: error: too many command-line arguments (first is \"%s\")\n", argv[optind]);
        fputs("Try \"sluice --help\" for more information.\n", stderr);
        return SL_EXIT_FAILED;
    }
    return SL_EXIT_OK;
}

int main(int argc, char **argv)
{
    sl_options opts;
    sl_shell sh;
    struct sigaction sa;
    bool quit = false;
    int status;

    status = sl_parse_options(argc, argv, &opts);
    if (status != SL_EXIT_OK) {
        free(opts.actions);
        return status < 0 ? SL_EXIT_OK : status;
    }

    memset(&sh, 0, sizeof(sh));
    sh.echo_all = opts.echo_all;
    sh.quiet = opts.quiet;
    sh.interactive = opts.nactions == 0 && isatty(fileno(stdin)) && isatty(fileno(stdout));
    sh.errout = sh.interactive ? stderr : stdout;
    sh.flush_by_time = sh.interactive || isatty(fileno(stdout));

    sh.conn = sl_connect(&opts);
    if (sh.conn == NULL) {
        free(opts.actions);
        return SL_EXIT_BADCONN;
    }
    PQsetNoticeReceiver(sh.conn, sl_exec_notice, &sh);
    sl_shell_cancel = PQgetCancel(sh.conn);

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = sl_on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: a blocked read or poll must see the interrupt */
    sigaction(SIGINT, &sa, NULL);

    if (opts.nactions == 0) {
        if (sh.interactive)
            sl_run_interactive(&sh);
        else
            (void)sl_run_input(&sh, stdin);
    }
    for (int i = 0; i < opts.nactions && !quit && !sh.conn_lost; i++) {
        if (opts.actions[i].kind == 'c') {
            quit = sl_run_command_arg(&sh, opts.actions[i].text);
        } else if (!sl_run_file(&sh, opts.actions[i].text, &quit)) {
            sh.failed = true;
            break;
        }
    }

    signal(SIGINT, SIG_DFL);
    {
        PGcancel *cancel = sl_shell_cancel;

        sl_shell_cancel = NULL;
        PQfreeCancel(cancel);
    }
    PQfinish(sh.conn);
    free(opts.actions);
    fflush(stdout);
    if (sh.conn_lost)
        return SL_EXIT_BADCONN;
    if (sh.failed && !sh.interactive)
        return SL_EXIT_FAILED;
    return SL_EXIT_OK;
}
