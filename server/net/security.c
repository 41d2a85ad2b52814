/*
 * security.c - the data directory's hba file, certificate and first role
 * (see server/net/security.h).
 */
#include "server/net/security.h"

#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "server/catalog/catalog.h"
#include "server/commands/privileges.h"
#include "server/config.h"
#include "server/net/auth.h"
#include "server/net/hba.h"
#include "server/net/tls.h"
#include "sluice/log.h"

static char security_hba_path[PATH_MAX];
static char security_cert_path[PATH_MAX], security_key_path[PATH_MAX]; /* "" until TLS is loaded */

/* A setting that names a file: relative to the data directory. */
static void security_file(const char *datadir, const char *setting, char *out, size_t size)
{
    char value[PATH_MAX];
    int n;

    sl_config_string(setting, value, sizeof(value));
    if (value[0] == '\0' || value[0] == '/')
        n = snprintf(out, size, "%s", value);
    else
        n = snprintf(out, size, "%s/%s", datadir, value);
    if (n < 0 || (size_t)n >= size)
        out[0] = '\0'; /* too long to be a path: treated as not set */
}

/* TCP reachable from other machines while some rule trusts TCP: say so at once. */
static void security_warn_open_trust(void)
{
    char addrs[1024];

    sl_config_string("listen_addresses", addrs, sizeof(addrs));
    if (!sl_hba_trusts_tcp())
        return;
    for (char *tok = strtok(addrs, ", "); tok != NULL; tok = strtok(NULL, ", "))
        if (strcmp(tok, "127.0.0.1") != 0 && strcmp(tok, "::1") != 0 && strcmp(tok, "localhost") != 0) {
            sl_log(SL_LOG_WARNING,
                   "listen_addresses includes \"%s\" and " SL_HBA_FILE " trusts TCP connections: anyone who "
                   "can reach the port logs in as any role without a password",
                   tok);
            return;
        }
}

static sl_status security_tls(const char *datadir, sl_error *err)
{
    char cert[PATH_MAX], key[PATH_MAX], ca[PATH_MAX], setting[PATH_MAX];

    if (!sl_config_bool("ssl"))
        return SL_OK;
    security_file(datadir, "ssl_cert_file", cert, sizeof(cert));
    security_file(datadir, "ssl_key_file", key, sizeof(key));
    security_file(datadir, "ssl_ca_file", ca, sizeof(ca));
    /* Only the defaults are made: a file named by the administrator that is
     * missing is their mistake to hear about, not to paper over. */
    sl_config_string("ssl_cert_file", setting, sizeof(setting));
    if (strcmp(setting, "server.crt") == 0 && access(cert, F_OK) != 0 && access(key, F_OK) != 0) {
        if (sl_tls_make_self_signed(cert, key, err) != SL_OK)
            return SL_ERROR;
        sl_log(SL_LOG_LOG, "created a self-signed TLS certificate \"%s\" and key \"%s\"", cert, key);
    }
    if (sl_tls_init(cert, key, ca, err) != SL_OK)
        return SL_ERROR;
    snprintf(security_cert_path, sizeof(security_cert_path), "%s", cert);
    snprintf(security_key_path, sizeof(security_key_path), "%s", key);
    return SL_OK;
}

bool sl_security_tls_files(char *cert, size_t cert_size, char *key, size_t key_size)
{
    if (security_cert_path[0] == '\0')
        return false;
    snprintf(cert, cert_size, "%s", security_cert_path);
    snprintf(key, key_size, "%s", security_key_path);
    return true;
}

sl_status sl_security_start(const char *datadir, sl_error *err)
{
    struct passwd *pw = getpwuid(geteuid());
    bool created;

    snprintf(security_hba_path, sizeof(security_hba_path), "%s/%s", datadir, SL_HBA_FILE);
    if (access(security_hba_path, F_OK) != 0 && sl_hba_write_default(security_hba_path, err) != SL_OK)
        return SL_ERROR;
    if (sl_hba_load(security_hba_path, err) != SL_OK || security_tls(datadir, err) != SL_OK ||
        sl_auth_init(err) != SL_OK)
        return SL_ERROR;
    if (pw == NULL)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "could not look up the OS user running sluiced");
    if (sl_priv_create_predefined(err) != SL_OK ||
        sl_catalog_bootstrap_role(pw->pw_name, &created, err) != SL_OK)
        return SL_ERROR;
    if (created)
        sl_log(SL_LOG_LOG,
               "created superuser role \"%s\" (the OS user running sluiced; it logs in by peer "
               "authentication on the Unix socket)",
               pw->pw_name);
    security_warn_open_trust();
    return SL_OK;
}

void sl_security_reload(void)
{
    sl_error err;

    if (sl_hba_load(security_hba_path, &err) != SL_OK) {
        sl_log(SL_LOG_LOG, "%s; the previous rules stay in force", err.message);
        return;
    }
    security_warn_open_trust();
}
