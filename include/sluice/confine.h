/*
 * confine.h - what a source or sink may reach: files under the file roots,
 * hosts in allowed_hosts, http and https only.
 *
 * Clients are strangers: a path or URL in a CREATE SOURCE/SINK statement
 * must not let them read or write files of the server, nor make the server
 * talk to any host in any protocol.  The server builds one sl_confine from
 * its settings (file_roots, allowed_hosts) and hands it to connectors in
 * their open arguments; they open files and check URLs only through the
 * functions below, so the rules live in one place (common/file_roots.c for
 * paths, common/allowed_hosts.c for hosts and URLs).
 *
 * Entry points: sl_confine_new, sl_confine_path, sl_confine_open,
 * sl_confine_mkdir, sl_confine_url, sl_confine_hostports,
 * sl_confine_addr_allowed, sl_confine_roots_text.
 */
#ifndef SLUICE_CONFINE_H
#define SLUICE_CONFINE_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "sluice/error.h"
#include "sluice/mcxt.h"

typedef struct sl_confine sl_confine;

/* How a path will be used. */
typedef enum sl_path_use {
    SL_PATH_READ,   /* an existing file, or one that will appear (a source waiting for it) */
    SL_PATH_CREATE, /* a file that may not exist yet: its existing parent must be inside a root */
    SL_PATH_DIR,    /* a directory, created with its parents inside a root */
    SL_PATH_GLOB,   /* a file or a glob: the part before the first wildcard is checked */
} sl_path_use;

/*
 * A policy from two comma-separated lists, allocated in cx: file_roots
 * (directories; each must exist) and allowed_hosts (host names, IPv4 or
 * IPv6 addresses, CIDR blocks such as 10.0.0.0/8; empty: any host).
 * NULL with err (22023) on a bad entry.
 */
sl_confine *sl_confine_new(sl_mcxt *cx, const char *file_roots, const char *allowed_hosts, sl_error *err);

/* The roots as the user wrote them resolved ("/a/files, /b"), for messages. */
const char *sl_confine_roots_text(const sl_confine *c);

/*
 * Resolves path for option (named in errors): a relative path is relative
 * to the first root; the real path (symbolic links and .. resolved; for a
 * file or directory still to be created, the real path of its nearest
 * existing ancestor plus the rest) must be inside a root and must not name
 * the server's own files (catalog.db*, sluiced.conf, sluice_hba.conf, key
 * and certificate files, the lock file).  *out (in cx) is the absolute
 * path to use.  42501 insufficient_privilege otherwise, with a hint.
 * c NULL refuses every path.
 */
sl_status sl_confine_path(const sl_confine *c, const char *option, const char *path, sl_path_use use,
                          sl_mcxt *cx, char **out, sl_error *err);

/*
 * Opens path like open(2) (O_CLOEXEC added), confined: resolves it, opens
 * its directory and checks through /proc/self/fd that the directory really
 * is inside a root, then opens the last component with O_NOFOLLOW relative
 * to it, so a symbolic link or directory swapped in after the check cannot
 * lead outside.  Returns the descriptor, or -1 with err (42501 outside the
 * roots or a symbolic link, 58030 an OS error naming the path).
 */
int sl_confine_open(const sl_confine *c, const char *option, const char *path, int flags, mode_t mode,
                    sl_error *err);

/* Creates directory path and its missing parents, all inside a root;
 * *out (in cx) is its real path. */
sl_status sl_confine_mkdir(const sl_confine *c, const char *option, const char *path, sl_mcxt *cx, char **out,
                           sl_error *err);

/*
 * Checks a URL given as option: its scheme must be http or https (22023
 * otherwise), and with allowed_hosts set its host must be allowed (42501).
 * A host name in the list allows that name; an address or CIDR block
 * allows a URL that names an address in it, and also any name, whose
 * addresses are then checked at connect (sl_confine_addr_allowed).
 */
sl_status sl_confine_url(const sl_confine *c, const char *option, const char *url, sl_error *err);

/* Checks a comma-separated host[:port] list (Kafka brokers) against allowed_hosts. */
sl_status sl_confine_hostports(const sl_confine *c, const char *option, const char *list, sl_error *err);

/*
 * At connect: true when the address sa may be reached by a connection made
 * for host (the name or address the URL or broker list gave): any address
 * of a host name listed in allowed_hosts, else an address inside a listed
 * address or CIDR block.  True when allowed_hosts is empty or c is NULL.
 */
bool sl_confine_addr_allowed(const sl_confine *c, const char *host, const struct sockaddr *sa);

/* True when allowed_hosts is set (connections are checked). */
bool sl_confine_hosts_limited(const sl_confine *c);

#endif
