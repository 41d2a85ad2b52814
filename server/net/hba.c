/*
 * hba.c - parsing and matching sluice_hba.conf (see server/net/hba.h).
 */
#include "server/net/hba.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sluice/log.h"

#define SL_HBA_MAX_LINE  1024
#define SL_HBA_MAX_RULES 1000

typedef enum { HBA_LOCAL, HBA_HOST, HBA_HOSTSSL, HBA_HOSTNOSSL } sl_hba_conn;

typedef struct sl_hba_rule {
    int line;
    sl_hba_conn conn;
    char *databases; /* "all" or comma-separated names */
    char *users;
    bool any_addr;
    int family; /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    int prefix; /* bits */
    sl_hba_method method;
} sl_hba_rule;

typedef struct sl_hba_set {
    int n;
    sl_hba_rule *rules;
} sl_hba_set;

static pthread_mutex_t hba_lock = PTHREAD_MUTEX_INITIALIZER;
static sl_hba_set *hba_current;

static const char *const hba_methods[] = {
    [SL_HBA_TRUST] = "trust",
    [SL_HBA_REJECT] = "reject",
    [SL_HBA_PEER] = "peer",
    [SL_HBA_SCRAM] = "scram-sha-256",
};

const char *sl_hba_method_name(sl_hba_method m)
{
    return hba_methods[m];
}

static void hba_free(sl_hba_set *set)
{
    if (set == NULL)
        return;
    for (int i = 0; i < set->n; i++) {
        free(set->rules[i].databases);
        free(set->rules[i].users);
    }
    free(set->rules);
    free(set);
}

/* ADDRESS: all, or addr/prefix. */
static bool hba_parse_address(const char *text, sl_hba_rule *r)
{
    char host[64];
    const char *slash = strchr(text, '/');
    char *end;
    long prefix;
    int maxbits;

    if (strcmp(text, "all") == 0) {
        r->any_addr = true;
        return true;
    }
    if (slash == NULL || (size_t)(slash - text) >= sizeof(host))
        return false;
    memcpy(host, text, (size_t)(slash - text));
    host[slash - text] = '\0';
    if (inet_pton(AF_INET, host, r->addr) == 1)
        r->family = AF_INET, maxbits = 32;
    else if (inet_pton(AF_INET6, host, r->addr) == 1)
        r->family = AF_INET6, maxbits = 128;
    else
        return false;
    errno = 0;
    prefix = strtol(slash + 1, &end, 10);
    if (slash[1] == '\0' || *end != '\0' || errno != 0 || prefix < 0 || prefix > maxbits)
        return false;
    r->prefix = (int)prefix;
    return true;
}

/* One rule from its fields; false with err (naming path:line) when it is not one. */
static bool hba_parse_rule(char **f, int nf, const char *path, int line, sl_hba_rule *r, sl_error *err)
{
    static const char *const conns[] = {"local", "host", "hostssl", "hostnossl"};
    int k = -1, mfield;

    memset(r, 0, sizeof(*r));
    r->line = line;
    for (int i = 0; i < 4; i++)
        if (strcmp(f[0], conns[i]) == 0)
            k = i;
    if (k < 0) {
        sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR,
                     "invalid connection type \"%s\" in file \"%s\" line %d", f[0], path, line);
        sl_error_hint(err, "Use local, host, hostssl or hostnossl.");
        return false;
    }
    r->conn = (sl_hba_conn)k;
    mfield = r->conn == HBA_LOCAL ? 3 : 4;
    if (nf != mfield + 1) {
        sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR, "expected %d fields in file \"%s\" line %d, found %d",
                     mfield + 1, path, line, nf);
        sl_error_hint(err, "A line is: %s DATABASE USER%s METHOD.", f[0],
                      r->conn == HBA_LOCAL ? "" : " ADDRESS");
        return false;
    }
    if (r->conn != HBA_LOCAL && !hba_parse_address(f[3], r)) {
        sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR, "invalid address \"%s\" in file \"%s\" line %d", f[3],
                     path, line);
        sl_error_hint(err, "Use all, or an IP address with a prefix length such as 127.0.0.1/32 or ::1/128.");
        return false;
    }
    r->method = (sl_hba_method)-1;
    for (int i = 0; i < 4; i++)
        if (strcmp(f[mfield], hba_methods[i]) == 0)
            r->method = (sl_hba_method)i;
    if ((int)r->method < 0) {
        sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR,
                     "invalid authentication method \"%s\" in file \"%s\" line %d", f[mfield], path, line);
        sl_error_hint(err, "Use trust, reject, peer or scram-sha-256.");
        return false;
    }
    if (r->method == SL_HBA_PEER && r->conn != HBA_LOCAL) {
        sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR,
                     "authentication method \"peer\" only works on local connections (file \"%s\" line %d)",
                     path, line);
        return false;
    }
    r->databases = strdup(f[1]);
    r->users = strdup(f[2]);
    return true;
}

sl_status sl_hba_load(const char *path, sl_error *err)
{
    FILE *fp = fopen(path, "r");
    char buf[SL_HBA_MAX_LINE + 2];
    sl_hba_set *set;
    int line = 0;

    if (fp == NULL)
        return sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR, "could not open file \"%s\": %s", path,
                            strerror(errno));
    set = calloc(1, sizeof(*set));
    set->rules = calloc(SL_HBA_MAX_RULES, sizeof(sl_hba_rule));
    while (fgets(buf, sizeof(buf), fp) != NULL) {
        char *f[8], *save = NULL, *tok, *hash;
        int nf = 0;

        line++;
        if (strlen(buf) > SL_HBA_MAX_LINE) {
            sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR, "line %d of file \"%s\" is too long", line, path);
            goto fail;
        }
        hash = strchr(buf, '#');
        if (hash != NULL)
            *hash = '\0';
        for (tok = strtok_r(buf, " \t\r\n", &save); tok != NULL; tok = strtok_r(NULL, " \t\r\n", &save)) {
            if (nf == 8) {
                sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR, "too many fields in file \"%s\" line %d",
                             path, line);
                goto fail;
            }
            f[nf++] = tok;
        }
        if (nf == 0)
            continue;
        if (set->n == SL_HBA_MAX_RULES) {
            sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR, "file \"%s\" has more than %d rules", path,
                         SL_HBA_MAX_RULES);
            goto fail;
        }
        if (!hba_parse_rule(f, nf, path, line, &set->rules[set->n], err))
            goto fail;
        set->n++;
    }
    fclose(fp);
    if (set->n == 0)
        sl_log(SL_LOG_WARNING, "file \"%s\" has no rules: every connection will be refused", path);
    pthread_mutex_lock(&hba_lock);
    sl_hba_set *old = hba_current;
    hba_current = set;
    pthread_mutex_unlock(&hba_lock);
    hba_free(old);
    return SL_OK;
fail:
    fclose(fp);
    hba_free(set);
    return SL_ERROR;
}

/* True when name is in the comma-separated list, or the list is "all". */
static bool hba_name_in(const char *list, const char *name)
{
    size_t n = strlen(name);

    if (strcmp(list, "all") == 0)
        return true;
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return true;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return false;
}

static bool hba_addr_in(const sl_hba_rule *r, const struct sockaddr *sa)
{
    const unsigned char *a;
    unsigned char mapped[16];

    if (r->any_addr)
        return true;
    if (sa->sa_family == AF_INET && r->family == AF_INET)
        a = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
    else if (sa->sa_family == AF_INET6 && r->family == AF_INET6)
        a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
    else if (sa->sa_family == AF_INET6 && r->family == AF_INET &&
             IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)sa)->sin6_addr)) {
        memcpy(mapped, ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr + 12, 4);
        a = mapped;
    } else
        return false;
    for (int bit = 0; bit < r->prefix; bit++) {
        unsigned mask = 0x80u >> (bit % 8);
        if ((a[bit / 8] & mask) != (r->addr[bit / 8] & mask))
            return false;
    }
    return true;
}

sl_status sl_hba_match(const struct sockaddr *addr, bool ssl, const char *database, const char *user,
                       sl_hba_method *method, int *line, sl_error *err)
{
    char host[64] = "[local]";

    pthread_mutex_lock(&hba_lock);
    for (int i = 0; hba_current != NULL && i < hba_current->n; i++) {
        const sl_hba_rule *r = &hba_current->rules[i];

        if ((r->conn == HBA_LOCAL) != (addr == NULL))
            continue;
        if ((r->conn == HBA_HOSTSSL && !ssl) || (r->conn == HBA_HOSTNOSSL && ssl))
            continue;
        if (addr != NULL && !hba_addr_in(r, addr))
            continue;
        if (!hba_name_in(r->databases, database) || !hba_name_in(r->users, user))
            continue;
        *method = r->method;
        *line = r->line;
        pthread_mutex_unlock(&hba_lock);
        return SL_OK;
    }
    pthread_mutex_unlock(&hba_lock);
    if (addr != NULL && addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->sin_addr, host, sizeof(host));
    else if (addr != NULL && addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)addr)->sin6_addr, host, sizeof(host));
    return sl_error_set(err, SL_ERRCODE_INVALID_AUTHORIZATION,
                        "no " SL_HBA_FILE " entry for host \"%s\", user \"%s\", database \"%s\", %s", host,
                        user, database, ssl ? "SSL encryption" : "no encryption");
}

bool sl_hba_trusts_tcp(void)
{
    bool found = false;

    pthread_mutex_lock(&hba_lock);
    for (int i = 0; hba_current != NULL && i < hba_current->n; i++)
        if (hba_current->rules[i].conn != HBA_LOCAL && hba_current->rules[i].method == SL_HBA_TRUST)
            found = true;
    pthread_mutex_unlock(&hba_lock);
    return found;
}

sl_status sl_hba_write_default(const char *path, sl_error *err)
{
    FILE *fp = fopen(path, "wx");

    if (fp == NULL)
        return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not create file \"%s\": %s", path,
                            strerror(errno));
    fputs("# sluice_hba.conf - who may connect, and how they prove who they are.\n"
          "#\n"
          "# One rule a line; the first rule that matches a connection decides:\n"
          "#\n"
          "#   local      DATABASE  USER            METHOD\n"
          "#   host       DATABASE  USER  ADDRESS   METHOD   (TCP, with or without TLS)\n"
          "#   hostssl    DATABASE  USER  ADDRESS   METHOD   (TCP with TLS only)\n"
          "#   hostnossl  DATABASE  USER  ADDRESS   METHOD   (TCP without TLS only)\n"
          "#\n"
          "# DATABASE, USER: all, or comma-separated names (sluice has one database;\n"
          "# any name reaches it).  ADDRESS: all, or an address with a prefix length\n"
          "# (192.168.1.0/24, ::1/128).  METHOD:\n"
          "#   peer           Unix socket only: the OS user must be the role of that name\n"
          "#   scram-sha-256  the role's password, never sent in the clear\n"
          "#   reject         refuse\n"
          "#   trust          no check at all; never use it where others can connect\n"
          "#\n"
          "# No rule matches: the connection is refused.  The file is read at start\n"
          "# and again on SIGHUP (kill -HUP the server's pid); a file with an error\n"
          "# keeps the old rules and logs why.  docs/security.md explains the model.\n"
          "\n"
          "# TYPE  DATABASE  USER  ADDRESS       METHOD\n"
          "local   all       all                 peer\n"
          "host    all       all   127.0.0.1/32  scram-sha-256\n"
          "host    all       all   ::1/128       scram-sha-256\n",
          fp);
    if (fclose(fp) != 0)
        return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not write file \"%s\": %s", path,
                            strerror(errno));
    return SL_OK;
}
