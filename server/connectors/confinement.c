/*
 * confinement.c - the server's sl_confine and the options check (see
 * confinement.h).  The rules themselves live in common/file_roots.c and
 * common/allowed_hosts.c (paths, hosts, URLs) and kafka/client.c (the
 * librdkafka settings allowed in `properties`); this file only knows which
 * option needs which rule, from its declared reach.
 */
#include "server/connectors/confinement.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/confine.h"
#include "kafka/client.h"
#include "server/config.h"
#include "server/connectors/registry.h"
#include "sluice/errcodes.h"

static sl_mcxt *confinement_cx;
static const sl_confine *confinement_policy;

sl_status sl_confinement_init(const char *datadir, sl_error *err)
{
    char roots[SL_CONFIG_VALUE_MAX], hosts[SL_CONFIG_VALUE_MAX];
    const char *abs = "";
    const char *p, *b, *e;
    sl_confine *c;
    bool first = true;

    sl_confinement_shutdown();
    confinement_cx = sl_mcxt_create(NULL, "confinement");
    sl_config_string("file_roots", roots, sizeof(roots));
    sl_config_string("allowed_hosts", hosts, sizeof(hosts));
    /* Relative entries are relative to the data directory; the first root
     * is created (the default, DATADIR/files, on a new data directory). */
    p = roots;
    while (sl_confine_list_next(&p, &b, &e)) {
        char *dir;

        dir = *b == '/' ? sl_psprintf(confinement_cx, "%.*s", (int)(e - b), b)
                        : sl_psprintf(confinement_cx, "%s/%.*s", datadir, (int)(e - b), b);
        if (first && mkdir(dir, 0700) != 0 && errno != EEXIST) {
            sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR, "could not create file root \"%s\": %s", dir,
                         strerror(errno));
            return SL_ERROR;
        }
        first = false;
        abs = sl_psprintf(confinement_cx, "%s%s%s", abs, abs[0] ? "," : "", dir);
    }
    c = sl_confine_new(confinement_cx, abs, hosts, err);
    if (c == NULL) {
        char msg[SL_ERROR_MSG_MAX];
        snprintf(msg, sizeof(msg), "%s", err->message);
        sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR, "%.900s", msg);
        return SL_ERROR;
    }
    confinement_policy = c;
    return SL_OK;
}

const sl_confine *sl_confinement(void)
{
    return confinement_policy;
}

/* The inline schema text of a FILE_OR_TEXT option (JSON: { or "). */
static bool inline_text(const char *v)
{
    v += strspn(v, " \t\r\n");
    return *v == '{' || *v == '"';
}

static sl_status check_one(const sl_confinement_ctx *ctx, const sl_option_decl *d, const char *v,
                           sl_error *err)
{
    sl_mcxt *cx;
    char *real;
    sl_status st;

    switch (d->reach) {
    case SL_REACH_NONE:
        return SL_OK;
    case SL_REACH_URL:
        return sl_confine_url(ctx->confine, d->name, v, err);
    case SL_REACH_HOSTS:
        return sl_confine_hostports(ctx->confine, d->name, v, err);
    case SL_REACH_KAFKA_PROPERTIES:
        return sl_kafka_properties_confine(ctx->confine, v, err);
    case SL_REACH_FILE_OR_TEXT:
        if (inline_text(v))
            return SL_OK;
        break;
    case SL_REACH_FILE_READ:
    case SL_REACH_FILE_WRITE:
    case SL_REACH_DIR_WRITE:
        break;
    }
    cx = sl_mcxt_create(NULL, "confinement check");
    st = sl_confine_path(ctx->confine, d->name, v,
                         d->reach == SL_REACH_FILE_WRITE  ? SL_PATH_CREATE
                         : d->reach == SL_REACH_DIR_WRITE ? SL_PATH_DIR
                                                          : SL_PATH_GLOB,
                         cx, &real, err);
    sl_mcxt_delete(cx);
    return st;
}

sl_status sl_confinement_check(const sl_confinement_ctx *ctx, const sl_options *opts, sl_error *err)
{
    for (int i = 0; i < opts->count; i++) {
        const sl_option_decl *d = sl_options_find_decl(opts->decls, opts->values[i].name);

        if (d != NULL && opts->values[i].value != NULL &&
            check_one(ctx, d, opts->values[i].value, err) != SL_OK) {
            if (ctx->what != NULL) {
                char msg[SL_ERROR_MSG_MAX];
                snprintf(msg, sizeof(msg), "%s", err->message);
                snprintf(err->message, sizeof(err->message), "%s: %.900s", ctx->what, msg);
            }
            return SL_ERROR;
        }
    }
    return SL_OK;
}

void sl_confinement_shutdown(void)
{
    if (confinement_cx != NULL)
        sl_mcxt_delete(confinement_cx);
    confinement_cx = NULL;
    confinement_policy = NULL;
}
