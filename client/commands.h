/*
 * commands.h - the shell's backslash commands (\q, \?, \d, \timing, \x).
 */
#ifndef SLUICE_CLIENT_COMMANDS_H
#define SLUICE_CLIENT_COMMANDS_H

#include "client/shell.h"

typedef enum sl_command_result {
    SL_COMMAND_OK,
    SL_COMMAND_ERROR, /* reported already; counts as a failed statement */
    SL_COMMAND_QUIT,
} sl_command_result;

/*
 * Runs the command in text, which starts at its backslash and runs to the
 * end of the line (arguments are separated by blanks).
 */
sl_command_result sl_command_run(sl_shell *sh, const char *text);

/* Prints the \? help text. */
void sl_command_help(FILE *out);

#endif
