/*
 * confine.h - the inside of an sl_confine, shared by the two files that
 * implement sluice/confine.h: file_roots.c (paths) and allowed_hosts.c
 * (URLs, hosts and addresses).
 */
#ifndef SLUICE_COMMON_CONFINE_H
#define SLUICE_COMMON_CONFINE_H

#include "sluice/confine.h"

/* One entry of allowed_hosts: a host name, or an address with a prefix length. */
typedef struct sl_host_rule {
    const char *name; /* lower case; NULL for an address or block */
    int family;       /* AF_INET or AF_INET6 when name is NULL */
    unsigned char addr[16];
    int bits; /* prefix length: 32 or 128 for one address */
} sl_host_rule;

struct sl_confine {
    int nroots;
    const char **roots; /* real paths, without a trailing slash (but "/") */
    const char *roots_text;
    int nhosts; /* 0: any host */
    sl_host_rule *hosts;
};

/* The next non-empty item [*b, *e) of a comma-separated list at *p, blanks
 * trimmed; *p moves past it.  False at the end of the list. */
bool sl_confine_list_next(const char **p, const char **b, const char **e);

/* Parses allowed_hosts into c (allowed_hosts.c); 22023 naming a bad entry. */
sl_status sl_confine_hosts_parse(sl_confine *c, sl_mcxt *cx, const char *list, sl_error *err);

#endif
