/*
 * allowed_hosts.c - which URLs and hosts sources and sinks may reach.
 *
 * URLs: http and https only (libcurl would also speak file, gopher, dict,
 * and more).  Hosts: with allowed_hosts set, a URL's or broker's host must
 * be a listed name (compared without case), or an address inside a listed
 * address or CIDR block.  The check at CREATE time reads the text; the one
 * at connect (sl_confine_addr_allowed, from the HTTP client's socket
 * callback) reads the address actually connected to, so a name that
 * resolves to something else later (DNS rebinding) gains nothing: only a
 * listed name's own answers are trusted, as the administrator chose to.
 *
 * Entry points: sl_confine_url, sl_confine_hostports,
 * sl_confine_addr_allowed, sl_confine_hosts_limited, and
 * sl_confine_hosts_parse (common/confine.h).
 */
#include "common/confine.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sluice/errcodes.h"

/* Parses an address ("10.0.0.1", "::1") into rule; false when not one. */
static bool parse_addr(const char *text, sl_host_rule *rule)
{
    if (inet_pton(AF_INET, text, rule->addr) == 1) {
        rule->family = AF_INET;
        rule->bits = 32;
        return true;
    }
    if (inet_pton(AF_INET6, text, rule->addr) == 1) {
        rule->family = AF_INET6;
        rule->bits = 128;
        return true;
    }
    return false;
}

static bool valid_name(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.' && *s != '_')
            return false;
    return true;
}

bool sl_confine_list_next(const char **p, const char **b, const char **e)
{
    while (**p != '\0') {
        const char *end = strchr(*p, ',');

        if (end == NULL)
            end = *p + strlen(*p);
        *b = *p;
        *e = end;
        *p = *end != '\0' ? end + 1 : end;
        while (*b < *e && isspace((unsigned char)**b))
            (*b)++;
        while (*e > *b && isspace((unsigned char)(*e)[-1]))
            (*e)--;
        if (*b < *e)
            return true;
    }
    return false;
}

sl_status sl_confine_hosts_parse(sl_confine *c, sl_mcxt *cx, const char *list, sl_error *err)
{
    const char *p = list != NULL ? list : "";
    int cap = 1;

    for (const char *q = p; *q; q++)
        cap += *q == ',';
    c->hosts = sl_palloc(cx, sizeof(sl_host_rule) * (size_t)cap);
    const char *b, *e;

    while (sl_confine_list_next(&p, &b, &e)) {
        char item[256], *slash;
        sl_host_rule *rule = &c->hosts[c->nhosts];

        if ((size_t)(e - b) >= sizeof(item))
            return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                                "allowed_hosts: an entry is too long");
        memcpy(item, b, (size_t)(e - b));
        item[e - b] = '\0';
        memset(rule, 0, sizeof(*rule));
        slash = strchr(item, '/');
        if (slash != NULL) {
            char *end_bits;
            long bits;

            *slash = '\0';
            bits = strtol(slash + 1, &end_bits, 10);
            if (!parse_addr(item, rule) || slash[1] == '\0' || *end_bits != '\0' || bits < 0 ||
                bits > rule->bits)
                return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                                    "allowed_hosts: \"%s/%s\" is not a CIDR block such as 10.0.0.0/8", item,
                                    slash + 1);
            rule->bits = (int)bits;
        } else if (!parse_addr(item, rule)) {
            if (!valid_name(item))
                return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                                    "allowed_hosts: \"%s\" is not a host name, an address or a CIDR block",
                                    item);
            for (char *q = item; *q; q++)
                *q = (char)tolower((unsigned char)*q);
            rule->name = sl_pstrdup(cx, item);
        }
        c->nhosts++;
    }
    return SL_OK;
}

bool sl_confine_hosts_limited(const sl_confine *c)
{
    return c != NULL && c->nhosts > 0;
}

static bool prefix_match(const unsigned char *a, const unsigned char *b, int bits)
{
    int bytes = bits / 8, rest = bits % 8;

    if (memcmp(a, b, (size_t)bytes) != 0)
        return false;
    return rest == 0 || ((a[bytes] ^ b[bytes]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* True when host (a name or an address, without brackets) is allowed by its text. */
static bool host_listed(const sl_confine *c, const char *host)
{
    sl_host_rule a;

    if (c == NULL || c->nhosts == 0)
        return true;
    if (parse_addr(host, &a)) {
        for (int i = 0; i < c->nhosts; i++)
            if (c->hosts[i].name == NULL && c->hosts[i].family == a.family &&
                prefix_match(c->hosts[i].addr, a.addr, c->hosts[i].bits))
                return true;
        return false;
    }
    for (int i = 0; i < c->nhosts; i++)
        if (c->hosts[i].name != NULL && strcasecmp(c->hosts[i].name, host) == 0)
            return true;
    return false;
}

bool sl_confine_addr_allowed(const sl_confine *c, const char *host, const struct sockaddr *sa)
{
    char text[INET6_ADDRSTRLEN];
    const void *addr;
    sl_host_rule literal;

    if (c == NULL || c->nhosts == 0)
        return true;
    /* A listed name: its addresses are what its owner says they are. */
    if (host != NULL && !parse_addr(host, &literal) && host_listed(c, host))
        return true;
    if (sa->sa_family == AF_INET)
        addr = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    else if (sa->sa_family == AF_INET6)
        addr = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    else
        return false;
    if (inet_ntop(sa->sa_family, addr, text, sizeof(text)) == NULL)
        return false;
    return host_listed(c, text);
}

static sl_status host_refused(const sl_confine *c, const char *option, const char *host, sl_error *err)
{
    (void)c;
    sl_error_set(err, SL_ERRCODE_INSUFFICIENT_PRIVILEGE, "option \"%s\": host \"%s\" is not in allowed_hosts",
                 option, host);
    sl_error_hint(err, "The server setting allowed_hosts lists the hosts sources and sinks may reach; only "
                       "sluiced.conf or -c on the server's command line can change it.");
    return SL_ERROR;
}

/* Copies the host of "host", "host:port" or "[v6]:port" (b..e) into out. */
static bool split_host(const char *b, const char *e, char *out, size_t outsize)
{
    const char *colon;

    if (b < e && *b == '[') {
        const char *close = memchr(b, ']', (size_t)(e - b));
        if (close == NULL)
            return false;
        b++;
        e = close;
    } else if ((colon = memchr(b, ':', (size_t)(e - b))) != NULL &&
               memchr(colon + 1, ':', (size_t)(e - colon - 1)) == NULL) {
        e = colon; /* one colon: host:port; more: a bare IPv6 address */
    }
    if (b == e || (size_t)(e - b) >= outsize)
        return false;
    memcpy(out, b, (size_t)(e - b));
    out[e - b] = '\0';
    return true;
}

sl_status sl_confine_url(const sl_confine *c, const char *option, const char *url, sl_error *err)
{
    const char *sep = strstr(url, "://"), *auth, *end, *at;
    char host[256];

    if (sep == NULL || !((sep - url == 4 && strncasecmp(url, "http", 4) == 0) ||
                         (sep - url == 5 && strncasecmp(url, "https", 5) == 0))) {
        int n = sep != NULL && sep - url < 16 ? (int)(sep - url) : 0;
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "option \"%s\" must be an http or https URL",
                     option);
        if (n > 0)
            sl_error_detail(err, "The URL scheme \"%.*s\" is not allowed.", n, url);
        sl_error_hint(err, "Write the URL as http://host:port/path or https://host:port/path.");
        return SL_ERROR;
    }
    auth = sep + 3;
    end = auth + strcspn(auth, "/?#");
    at = NULL;
    for (const char *p = auth; p < end; p++)
        if (*p == '@')
            at = p;
    if (at != NULL)
        auth = at + 1;
    if (!split_host(auth, end, host, sizeof(host)))
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "option \"%s\": the URL has no host",
                            option);
    return host_listed(c, host) ? SL_OK : host_refused(c, option, host, err);
}

sl_status sl_confine_hostports(const sl_confine *c, const char *option, const char *list, sl_error *err)
{
    const char *p = list != NULL ? list : "", *b, *e, *sep;

    while (sl_confine_list_next(&p, &b, &e)) {
        char host[256];

        /* librdkafka also takes "proto://host:port". */
        sep = b;
        while (sep + 3 <= e && memcmp(sep, "://", 3) != 0)
            sep++;
        if (sep + 3 <= e)
            b = sep + 3;
        if (!split_host(b, e, host, sizeof(host)))
            return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                                "option \"%s\": \"%.*s\" is not host:port", option, (int)(e - b), b);
        if (!host_listed(c, host))
            return host_refused(c, option, host, err);
    }
    return SL_OK;
}
