/*
 * commands.c - the shell's backslash commands.
 *
 * Entry points: sl_command_run (one command line), sl_command_help (\?).
 *
 * Commands are rows of a table (name, arguments, help, handler); \? prints
 * the same table, so a new command is one function and one row.  The
 * handlers that talk to the server only build SQL (SHOW ..., DESCRIBE ...)
 * and run it like any statement typed at the prompt.
 */
#include "client/commands.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "client/exec.h"

typedef sl_command_result (*sl_command_fn)(sl_shell *sh, const char *name, const char *args);

typedef struct sl_command {
    const char *name;
    const char *args;
    const char *help;
    sl_command_fn run;
} sl_command;

static sl_command_result sl_command_help_run(sl_shell *sh, const char *name, const char *args);
static sl_command_result sl_command_describe(sl_shell *sh, const char *name, const char *args);
static sl_command_result sl_command_roles(sl_shell *sh, const char *name, const char *args);
static sl_command_result sl_command_quit(sl_shell *sh, const char *name, const char *args);
static sl_command_result sl_command_timing(sl_shell *sh, const char *name, const char *args);
static sl_command_result sl_command_expanded(sl_shell *sh, const char *name, const char *args);

static const sl_command sl_commands[] = {
    {"?", "", "show this help", sl_command_help_run},
    {"d", "[NAME]", "list sources, sinks and queries, or describe NAME", sl_command_describe},
    {"du", "", "list roles", sl_command_roles},
    {"q", "", "quit sluice", sl_command_quit},
    {"timing", "[on|off]", "toggle printing how long each statement took", sl_command_timing},
    {"x", "[on|off]", "toggle expanded output (one line per column)", sl_command_expanded},
};

#define SL_NCOMMANDS (sizeof(sl_commands) / sizeof(sl_commands[0]))

void sl_command_help(FILE *out)
{
    fputs("Shell commands:\n", out);
    for (size_t i = 0; i < SL_NCOMMANDS; i++) {
        char head[32];

        snprintf(head, sizeof(head), "\\%s %s", sl_commands[i].name, sl_commands[i].args);
        fprintf(out, "  %-20s %s\n", head, sl_commands[i].help);
    }
    fputs("\nSQL statements end with a semicolon and may span several lines, for example:\n"
          "  SHOW SOURCES;\n"
          "  CREATE SINK name TO kind WITH (option = 'value', ...);\n"
          "  SELECT ... FROM source [WINDOW ...] [INTO sink];\n"
          "Ctrl-C cancels the running statement; Ctrl-D or \\q quits.\n",
          out);
}

static sl_command_result sl_command_help_run(sl_shell *sh, const char *name, const char *args)
{
    sl_command_help(stdout);
    fflush(stdout);
    return SL_COMMAND_OK;
}

static sl_command_result sl_command_quit(sl_shell *sh, const char *name, const char *args)
{
    return SL_COMMAND_QUIT;
}

/* \d runs the three SHOW statements; \d NAME runs DESCRIBE NAME (NAME as typed, quotes and all). */
static sl_command_result sl_command_describe(sl_shell *sh, const char *name, const char *args)
{
    static const char *const lists[] = {"SHOW SOURCES", "SHOW SINKS", "SHOW QUERIES"};
    bool ok = true;

    if (*args == '\0') {
        for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]) && !sh->conn_lost; i++)
            ok = sl_exec_query(sh, lists[i]) && ok;
    } else {
        size_t len = strlen(args) + sizeof("DESCRIBE ");
        char *sql = malloc(len);

        if (sql == NULL)
            return SL_COMMAND_ERROR;
        snprintf(sql, len, "DESCRIBE %s", args);
        ok = sl_exec_query(sh, sql);
        free(sql);
    }
    return ok ? SL_COMMAND_OK : SL_COMMAND_ERROR;
}

static sl_command_result sl_command_roles(sl_shell *sh, const char *name, const char *args)
{
    (void)name;
    (void)args;
    return sl_exec_query(sh, "SHOW ROLES") ? SL_COMMAND_OK : SL_COMMAND_ERROR;
}

/*
 * Sets *flag from an on/off argument, or flips it when there is none, and
 * says so (unless quiet) with psql's wording.
 */
static sl_command_result sl_command_toggle(sl_shell *sh, const char *name, const char *args, bool *flag,
                                           const char *what)
{
    if (*args == '\0')
        *flag = !*flag;
    else if (strcmp(args, "on") == 0 || strcmp(args, "true") == 0 || strcmp(args, "1") == 0)
        *flag = true;
    else if (strcmp(args, "off") == 0 || strcmp(args, "false") == 0 || strcmp(args, "0") == 0)
        *flag = false;
    else {
        fflush(stdout);
        fprintf(sh->errout, "\\%s: unrecognized value \"%s\": on or off expected\n", name, args);
        return SL_COMMAND_ERROR;
    }
    if (!sh->quiet) {
        printf("%s is %s.\n", what, *flag ? "on" : "off");
        fflush(stdout);
    }
    return SL_COMMAND_OK;
}

static sl_command_result sl_command_timing(sl_shell *sh, const char *name, const char *args)
{
    return sl_command_toggle(sh, name, args, &sh->timing, "Timing");
}

static sl_command_result sl_command_expanded(sl_shell *sh, const char *name, const char *args)
{
    return sl_command_toggle(sh, name, args, &sh->expanded, "Expanded display");
}

sl_command_result sl_command_run(sl_shell *sh, const char *text)
{
    const char *p = text + (*text == '\\' ? 1 : 0);
    size_t nlen = 0;
    char name[32];
    char *args;
    size_t alen;
    sl_command_result result = SL_COMMAND_ERROR;
    bool found = false;

    while (p[nlen] != '\0' && !isspace((unsigned char)p[nlen]) && p[nlen] != '\\')
        nlen++;
    if (nlen >= sizeof(name))
        nlen = sizeof(name) - 1;
    memcpy(name, p, nlen);
    name[nlen] = '\0';

    /* The arguments: the rest of the line without surrounding blanks. */
    p += nlen;
    while (isspace((unsigned char)*p))
        p++;
    alen = strlen(p);
    while (alen > 0 && isspace((unsigned char)p[alen - 1]))
        alen--;
    args = malloc(alen + 1);
    if (args == NULL)
        return SL_COMMAND_ERROR;
    memcpy(args, p, alen);
    args[alen] = '\0';

    for (size_t i = 0; i < SL_NCOMMANDS; i++) {
        if (strcmp(sl_commands[i].name, name) == 0) {
            if (*sl_commands[i].args == '\0' && *args != '\0') {
                fflush(stdout);
                fprintf(sh->errout, "\\%s: extra argument \"%s\" ignored\n", name, args);
                args[0] = '\0';
            }
            result = sl_commands[i].run(sh, name, args);
            found = true;
            break;
        }
    }
    if (!found) {
        fflush(stdout);
        fprintf(sh->errout, "invalid command \\%s\nTry \\? for help.\n", name);
    }
    fflush(sh->errout);
    free(args);
    return result;
}
