/*
 * security.h - what a data directory needs before clients may connect:
 * the hba file, the TLS certificate and key, the first role.
 *
 * At start, sl_security_start():
 *   - writes DATADIR/sluice_hba.conf with its defaults when missing (a new
 *     data directory, or one from before roles existed) and loads it;
 *   - with ssl = on, makes a self-signed certificate and key when the
 *     default files are missing, and loads them;
 *   - makes the OS user running sluiced a superuser role when the catalog
 *     has no superuser that can log in (initdb's bootstrap user);
 *   - warns when TCP is open beyond loopback while a rule trusts TCP.
 * On SIGHUP, sl_security_reload() re-reads the hba file.
 *
 * Entry points: sl_security_start, sl_security_reload, sl_security_tls_files.
 */
#ifndef SLUICE_SECURITY_H
#define SLUICE_SECURITY_H

#include <stdbool.h>
#include <stddef.h>

#include "sluice/error.h"

sl_status sl_security_start(const char *datadir, sl_error *err);
/* Re-reads the hba file; an error keeps the old rules and is logged. */
void sl_security_reload(void);
/* With ssl = on, the paths of the certificate and key the protocol's TLS
 * loaded (the HTTP listener serves the same); false with ssl = off. */
bool sl_security_tls_files(char *cert, size_t cert_size, char *key, size_t key_size);

#endif
