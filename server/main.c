/*
 * main.c - sluiced: command line, data directory, start and stop.
 *
 *   sluiced -D DATADIR [-p PORT] [-k SOCKETDIR] [-c name=value ...] [--embedded-kafka]
 *   sluiced -D DATADIR --rotate-secret-key
 *   sluiced [-D DATADIR] --describe-options [--extension NAME]... | --version | --help
 *
 * Start: create the data directory if needed (with a documented
 * sluiced.conf), lock it, load the settings, open the catalog, prepare client
 * authentication (hba file, TLS certificate, first role), register the
 * built-in kinds and load the catalog's extensions (server/extensions/),
 * load the secret key (secret.key: created, or a plaintext
 * catalog's secrets encrypted), start the embedded Kafka broker (embedded_kafka = on), listen,
 * start the HTTP listener (server/http/), start the catalog's queries, serve.  SIGTERM/SIGINT
 * stop the queries and end it cleanly with status 0;
 * anything that stops the start is logged as FATAL with status 1.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef SL_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#include "server/catalog/catalog.h"
#include "server/catalog/secret_store.h"
#include "server/config.h"
#include "kafka/embedded.h"
#include "sluice/version.h"
#include "server/lockfile.h"
#include "sluice/log.h"
#include "server/net/postmaster.h"
#include "server/net/security.h"
#include "server/http/http.h"
#include "server/engine/query.h"
#include "server/connectors/builtin.h"
#include "server/extensions/loader.h"
#include "server/connectors/confinement.h"
#include "server/connectors/registry.h"

#define SL_MAX_OVERRIDES 256

#ifdef SL_HAVE_JEMALLOC
/* Read by jemalloc when it starts (MALLOC_CONF in the environment still
 * overrides it): a thread of jemalloc's own hands freed pages back to the
 * system a few seconds after they were freed.  Without it a server that
 * read a large Kafka backlog kept about 140 MB resident while idle; with
 * it about 30 MB, ten seconds later (docs/kafka.md, "The allocator"). */
const char *malloc_conf = "background_thread:true";
#endif

/* For the start's log line: which malloc this build uses (configure.ac
 * says why jemalloc). */
static const char *allocator(void)
{
#ifdef SL_HAVE_JEMALLOC
    static char name[80];
    const char *version = NULL;
    size_t len = sizeof(version);

    if (mallctl("version", &version, &len, NULL, 0) == 0 && version != NULL)
        snprintf(name, sizeof(name), "jemalloc %.60s", version);
    else
        snprintf(name, sizeof(name), "jemalloc");
    return name;
#else
    return "glibc malloc";
#endif
}

static void usage(FILE *out)
{
    fprintf(out, "sluiced is the sluice streaming SQL server.\n\n"
                 "Usage:\n"
                 "  sluiced -D DATADIR [OPTION]...\n\n"
                 "Options:\n"
                 "  -D DATADIR          data directory (default: $SLUICE_DATA); created if missing\n"
                 "  -p PORT             TCP port and Unix socket name (default 5477)\n"
                 "  -k SOCKETDIR        directory of the Unix socket (default /tmp)\n"
                 "  -c NAME=VALUE       set a setting, overriding sluiced.conf\n"
                 "  --embedded-kafka    run an in-memory Kafka broker for demos and tests\n"
                 "                      (same as -c embedded_kafka=on; SHOW kafka_bootstrap)\n"
                 "  --rotate-secret-key re-encrypt the catalog's secrets with a new secret.key, then\n"
                 "                      exit (not while a server runs on DATADIR)\n"
                 "  --describe-options  print every source and sink option as markdown, then exit\n"
                 "  --extension=NAME    with --describe-options: load extension NAME first (repeatable)\n"
                 "  -V, --version       print the version, then exit\n"
                 "  -h, --help          show this help, then exit\n\n"
                 "Connect with: psql -h SOCKETDIR -p PORT (as the OS user that started sluiced, by peer\n"
                 "authentication), or psql -h 127.0.0.1 -p PORT -U ROLE with a role's password\n");
}

static int fatal(const sl_error *err)
{
    sl_log_error(SL_LOG_FATAL, err);
    return 1;
}

/* mkdir -p path, mode 0700 for what it creates. */
static sl_status make_dirs(const char *path, sl_error *err)
{
    char buf[PATH_MAX];
    struct stat st;

    if ((size_t)snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf))
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "data directory path is too long");
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not create directory \"%s\": %s", buf,
                                strerror(errno));
        *p = saved;
        if (saved == '\0')
            break;
    }
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return sl_error_set(err, SL_ERRCODE_IO_ERROR, "data directory \"%s\" is not a directory", path);
    return SL_OK;
}

/* sluiced --rotate-secret-key: the data directory locked (no server may
 * run on it), its catalog's secrets re-encrypted with a new key. */
static int rotate_secret_key(const char *datadir)
{
    char old_id[17], new_id[17];
    int count, rc = 0;
    sl_error err;

    if (sl_lockfile_acquire(datadir, &err) != SL_OK)
        return fatal(&err);
    if (sl_catalog_open(datadir, &err) != SL_OK) {
        rc = fatal(&err);
        goto out;
    }
    sl_connectors_register_builtin();
    if (sl_secret_store_start(datadir, &err) != SL_OK ||
        sl_secret_store_rotate(datadir, &count, old_id, new_id, &err) != SL_OK)
        rc = fatal(&err);
    else
        printf("sluiced: rotated the secret key of \"%s\": key id %s -> %s, %d secret%s re-encrypted\n",
               datadir, old_id, new_id, count, count == 1 ? "" : "s");
    sl_secret_store_stop();
    sl_catalog_close();
out:
    sl_lockfile_release();
    return rc;
}

/* --describe-options [--extension NAME]...: the built-in kinds and those of
 * the extensions named, found in extension_path as the data directory's
 * settings give it (with -D), else in the installed directory. */
static int describe_options(const char *datadir, int n, const char *const *names)
{
    sl_mcxt *cx;
    sl_error err;
    int rc = 0;

    sl_connectors_register_builtin();
    if (n > 0 && datadir != NULL && datadir[0] != '\0' && sl_config_init(datadir, &err) != SL_OK)
        return fatal(&err);
    cx = sl_mcxt_create(NULL, "describe");
    sl_extension_lock();
    for (int i = 0; i < n && rc == 0; i++)
        if (sl_extension_load(names[i], NULL, cx, NULL, &err) != SL_OK)
            rc = fatal(&err);
    sl_extension_unlock();
    sl_mcxt_delete(cx);
    if (rc == 0) {
        sl_connector_write_docs(stdout);
        rc = fflush(stdout) == 0 ? 0 : 1;
    }
    sl_config_shutdown();
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"describe-options", no_argument, NULL, 'O'},
        {"extension", required_argument, NULL, 'E'},
        {"rotate-secret-key", no_argument, NULL, 'R'},
        {"embedded-kafka", no_argument, NULL, 'K'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *datadir = getenv("SLUICE_DATA");
    char *names[SL_MAX_OVERRIDES], *values[SL_MAX_OVERRIDES];
    const char *extensions[SL_MAX_OVERRIDES];
    int noverrides = 0, nextensions = 0, opt, rc = 0;
    bool describe = false, rotate = false;
    char path[PATH_MAX + 32], absdir[PATH_MAX];
    sl_error err;

    while ((opt = getopt_long(argc, argv, "D:p:k:c:hV", long_options, NULL)) != -1) {
        const char *name = NULL;
        char *value = optarg;

        switch (opt) {
        case 'D':
            datadir = optarg;
            continue;
        case 'p':
            name = "port";
            break;
        case 'k':
            name = "unix_socket_directories";
            break;
        case 'c': {
            char *eq = strchr(optarg, '=');
            if (eq == NULL || eq == optarg) {
                fprintf(stderr, "sluiced: -c %s: expected name=value\n", optarg);
                return 1;
            }
            *eq = '\0';
            name = optarg;
            value = eq + 1;
            break;
        }
        case 'O':
            describe = true;
            continue;
        case 'E':
            if (nextensions == SL_MAX_OVERRIDES) {
                fprintf(stderr, "sluiced: too many --extension options\n");
                return 1;
            }
            extensions[nextensions++] = optarg;
            continue;
        case 'R':
            rotate = true;
            continue;
        case 'K':
            name = "embedded_kafka";
            value = "on";
            break;
        case 'V':
            printf("sluiced (sluice) %s\n", SL_VERSION);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            fprintf(stderr, "Try \"sluiced --help\" for more information.\n");
            return 1;
        }
        if (noverrides == SL_MAX_OVERRIDES) {
            fprintf(stderr, "sluiced: too many -c options\n");
            return 1;
        }
        names[noverrides] = (char *)name;
        values[noverrides] = value;
        noverrides++;
    }
    if (optind < argc) {
        fprintf(stderr, "sluiced: unexpected argument \"%s\"\nTry \"sluiced --help\" for more information.\n",
                argv[optind]);
        return 1;
    }
    if (describe)
        return describe_options(datadir, nextensions, extensions);
    if (nextensions > 0) {
        fprintf(stderr, "sluiced: --extension goes with --describe-options (CREATE EXTENSION loads one)\n");
        return 1;
    }
    if (datadir == NULL || datadir[0] == '\0') {
        fprintf(stderr, "sluiced: no data directory specified\n"
                        "Use -D DATADIR or set SLUICE_DATA.  Try \"sluiced --help\" for more information.\n");
        return 1;
    }

    if (rotate)
        return rotate_secret_key(datadir);

    /* Overrides first: a bad -c fails before anything is touched. */
    for (int i = 0; i < noverrides; i++)
        if (sl_config_override(names[i], values[i], &err) != SL_OK)
            return fatal(&err);
    if (sl_postmaster_init(&err) != SL_OK)
        return fatal(&err);
    if (make_dirs(datadir, &err) != SL_OK)
        return fatal(&err);
    /* From here on the data directory is absolute, as PostgreSQL makes it:
     * paths derived from it (file_roots, certificates, the lock file's
     * record) must not depend on the directory sluiced was started from. */
    if (realpath(datadir, absdir) == NULL) {
        sl_error_set(&err, SL_ERRCODE_IO_ERROR, "could not resolve data directory \"%s\": %s", datadir,
                     strerror(errno));
        return fatal(&err);
    }
    datadir = absdir;
    if (sl_lockfile_acquire(datadir, &err) != SL_OK) {
        sl_config_shutdown();
        return fatal(&err);
    }
    snprintf(path, sizeof(path), "%s/sluiced.conf", datadir);
    if (access(path, F_OK) != 0) {
        if (sl_config_write_default(path, &err) != SL_OK) {
            rc = fatal(&err);
            goto out_lock;
        }
        sl_log(SL_LOG_LOG, "initialized data directory \"%s\"", datadir);
    }
    if (sl_config_init(datadir, &err) != SL_OK) {
        rc = fatal(&err);
        goto out_lock;
    }
    if (sl_confinement_init(datadir, &err) != SL_OK) {
        rc = fatal(&err);
        goto out_lock;
    }
    sl_log(SL_LOG_LOG, "sluiced %s starting (memory allocator: %s)", SL_VERSION, allocator());
    if (sl_catalog_open(datadir, &err) != SL_OK) {
        rc = fatal(&err);
        goto out_lock;
    }
    if (sl_security_start(datadir, &err) != SL_OK) {
        rc = fatal(&err);
        goto out_catalog;
    }
    sl_connectors_register_builtin();
    /* After the built-in kinds (an extension's may not take their names),
     * before anything can start a query that reads one of its kinds. */
    sl_extension_load_catalog();
    if (sl_secret_store_start(datadir, &err) != SL_OK) {
        rc = fatal(&err);
        goto out_catalog;
    }
    /* Before anything can start a query: Kafka connectors without brokers
     * read the embedded broker's address without a lock. */
    if (sl_config_bool("embedded_kafka")) {
        if (sl_embedded_kafka_start(&err) != SL_OK) {
            rc = fatal(&err);
            goto out_catalog;
        }
        sl_config_set_fact("kafka_bootstrap", sl_embedded_kafka_bootstrap());
        sl_log(SL_LOG_LOG, "embedded kafka broker (in memory, for demos and tests) listening on %s",
               sl_embedded_kafka_bootstrap());
    }
    if (sl_postmaster_listen(&err) != SL_OK) {
        rc = fatal(&err);
        goto out_kafka;
    }
    if (sl_lockfile_set_info((int)sl_config_int("port"), sl_postmaster_first_socket_dir(),
                             sl_postmaster_first_listen_addr(), &err) != SL_OK)
        sl_log_error(SL_LOG_WARNING, &err);
    if (sl_http_start(&err) != SL_OK) {
        rc = fatal(&err);
        sl_postmaster_close();
        goto out_kafka;
    }

    /* The catalog's queries run again; they stop (workers joined, sinks
     * flushed and closed) after the sessions and before the catalog closes,
     * keeping their catalog state so that they start again next time. */
    sl_query_start_all();
    if (sl_postmaster_run(&err) != SL_OK) {
        sl_log_error(SL_LOG_FATAL, &err);
        rc = 1;
    }
    /* The HTTP listener reads the registry and the catalog: it stops
     * first (its threads joined), while both are still there. */
    sl_http_stop();
    sl_postmaster_close();
    sl_query_stop_all();
out_kafka:
    /* After the queries: their consumers and producers are gone. */
    sl_config_set_fact("kafka_bootstrap", "");
    sl_embedded_kafka_stop();
out_catalog:
    sl_secret_store_stop();
    sl_catalog_close();
out_lock:
    sl_confinement_shutdown();
    sl_lockfile_release();
    if (rc == 0)
        sl_log(SL_LOG_LOG, "database system is shut down");
    sl_config_shutdown();
    return rc;
}
