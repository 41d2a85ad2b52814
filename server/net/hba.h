/*
 * hba.h - client authentication rules: DATADIR/sluice_hba.conf.
 *
 * The file has PostgreSQL's pg_hba.conf form, one rule a line, the first
 * rule that matches a connection decides how it authenticates:
 *
 *   local      DATABASE  USER            METHOD
 *   host       DATABASE  USER  ADDRESS   METHOD
 *   hostssl    DATABASE  USER  ADDRESS   METHOD
 *   hostnossl  DATABASE  USER  ADDRESS   METHOD
 *
 * DATABASE and USER are `all` or comma-separated names; ADDRESS is `all`
 * or an IPv4/IPv6 address with a /prefix length.  METHOD is trust, reject,
 * peer (Unix socket only: the OS user must be the role) or scram-sha-256.
 * No matching rule: the connection is refused.
 *
 * The rules are read at start (an error stops the start) and on SIGHUP (an
 * error keeps the old rules, with a log line), and swapped in under a lock,
 * so sessions starting meanwhile see either the old or the new set whole.
 *
 * Entry points: sl_hba_load, sl_hba_match, sl_hba_write_default,
 * sl_hba_trusts_tcp, sl_hba_method_name.
 */
#ifndef SLUICE_HBA_H
#define SLUICE_HBA_H

#include <stdbool.h>
#include <sys/socket.h>

#include "sluice/error.h"

#define SL_HBA_FILE "sluice_hba.conf"

typedef enum sl_hba_method {
    SL_HBA_TRUST,
    SL_HBA_REJECT,
    SL_HBA_PEER,
    SL_HBA_SCRAM,
} sl_hba_method;

/* Reads path and, when it parses whole, makes it the rule set. */
sl_status sl_hba_load(const char *path, sl_error *err);

/*
 * The method for a connection: addr NULL for the Unix socket, ssl when the
 * connection is on TLS.  *line = the rule's line number.  No rule: 28000.
 */
sl_status sl_hba_match(const struct sockaddr *addr, bool ssl, const char *database, const char *user,
                       sl_hba_method *method, int *line, sl_error *err);

/* Writes the commented default file (peer on the socket, scram-sha-256 on loopback TCP). */
sl_status sl_hba_write_default(const char *path, sl_error *err);

/* True when a host/hostssl/hostnossl rule admits someone with trust (the start warns). */
bool sl_hba_trusts_tcp(void);

const char *sl_hba_method_name(sl_hba_method m);

#endif
