/*
 * secret_store.c - the catalog's secrets: sealing, opening, the key file's
 * life (see server/catalog/secret_store.h).
 *
 * Rotation and crashes.  --rotate-secret-key takes three steps, each
 * durable before the next:
 *   1. the new key is written to secret.key.new (temporary file, fsync,
 *      rename, fsync of the directory);
 *   2. one catalog transaction re-seals every value with it;
 *   3. secret.key.new is renamed over secret.key (and the directory synced).
 * Until step 2 commits, the catalog needs the old key, which secret.key
 * still holds; from then on it needs the new one, which secret.key.new (or,
 * after step 3, secret.key) holds.  Every start looks at both files and the
 * key ids the catalog's values name: values sealed with secret.key.new's
 * key mean step 2 committed, so the start completes step 3; otherwise the
 * rotation never happened and secret.key.new is removed.  The old key is
 * gone once step 3 is done.
 *
 * Entry points: see server/catalog/secret_store.h.
 */
#include "server/catalog/secret_store.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "server/catalog/catalog.h"
#include "server/catalog/secret.h"
#include "server/connectors/registry.h"
#include "sluice/errcodes.h"
#include "sluice/log.h"

/* The option tables of a kind (the framework's last), or NULL when the
 * kind is not registered. */
static const sl_option_decl *const *kind_decls(const char *object, const char *kind,
                                               const sl_option_decl *decls[3])
{
    const sl_option_decl *own, *framework;
    int n = 0;

    if (strcmp(object, "source") == 0) {
        const sl_source_kind *k = sl_source_kind_find(kind);
        if (k == NULL)
            return NULL;
        own = k->options, framework = sl_source_framework_options;
    } else {
        const sl_sink_kind *k = sl_sink_kind_find(kind);
        if (k == NULL)
            return NULL;
        own = k->options, framework = sl_sink_framework_options;
    }
    if (own != NULL)
        decls[n++] = own;
    decls[n++] = framework;
    decls[n] = NULL;
    return decls;
}

/* Whether option name is a secret of decls; without decls (a kind not
 * registered) a value that looks sealed counts as one. */
static bool is_secret(const sl_option_decl *const *decls, const sl_option_value *v)
{
    const sl_option_decl *d;

    if (decls == NULL)
        return sl_secret_is_sealed(v->value);
    d = sl_options_find_decl(decls, v->name);
    return d != NULL && d->secret;
}

static sl_option_value *copy_values(sl_mcxt *cx, int n, const sl_option_value *values)
{
    sl_option_value *out = sl_palloc(cx, sizeof(sl_option_value) * (size_t)(n > 0 ? n : 1));

    memcpy(out, values, sizeof(sl_option_value) * (size_t)n);
    return out;
}

sl_status sl_secret_store_seal(sl_mcxt *cx, const char *object, const char *name,
                               const sl_option_decl *const *decls, int n, const sl_option_value *values,
                               sl_option_value **out, sl_error *err)
{
    const sl_secret_key *key = sl_secret_ring_get(NULL);
    sl_option_value *res = copy_values(cx, n, values);

    for (int i = 0; i < n; i++) {
        const sl_option_decl *d = sl_options_find_decl(decls, res[i].name);
        sl_secret_owner owner = {object, name, res[i].name};
        char *sealed;

        if (d == NULL || !d->secret)
            continue;
        if (key == NULL)
            return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "no secret key is loaded");
        if (sl_secret_seal(cx, key, &owner, res[i].value, &sealed, err) != SL_OK)
            return SL_ERROR;
        res[i].value = sealed;
    }
    *out = res;
    return SL_OK;
}

/* Opens one sealed value with the ring's key of its id. */
static sl_status open_value(sl_mcxt *cx, const sl_secret_owner *owner, const char *sealed, char **plain,
                            sl_error *err)
{
    char id[SL_SECRET_KEY_ID_LEN + 1];
    const sl_secret_key *key;

    sl_secret_sealed_key_id(sealed, id);
    if ((key = sl_secret_ring_get(id)) == NULL)
        key = sl_secret_ring_get(NULL);
    if (key == NULL)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "no secret key is loaded");
    return sl_secret_unseal(cx, key, owner, sealed, plain, err);
}

sl_status sl_secret_store_open(sl_mcxt *cx, const char *object, const char *name,
                               const sl_option_decl *const *decls, int n, const sl_option_value *values,
                               sl_option_value **out, sl_error *err)
{
    sl_option_value *res = copy_values(cx, n, values);

    for (int i = 0; i < n; i++) {
        sl_secret_owner owner = {object, name, res[i].name};
        char *plain;

        /* A secret in plain text (a kind registered after the start's
         * migration) is used as it is; the next start seals it. */
        if (!is_secret(decls, &res[i]) || !sl_secret_is_sealed(res[i].value))
            continue;
        if (open_value(cx, &owner, res[i].value, &plain, err) != SL_OK)
            return SL_ERROR;
        res[i].value = plain;
    }
    *out = res;
    return SL_OK;
}

/* ---- the start: what the catalog holds ---- */

typedef struct census {
    const sl_secret_key *current, *next; /* NULL when the file is absent */
    int plain;                           /* secrets stored in plain text */
    int sealed_current, sealed_next, sealed_other;
    char other_id[SL_SECRET_KEY_ID_LEN + 1];
    char other_where[256]; /* 'option "x" of sink "y"' */
} census;

static sl_status count_values(void *arg, sl_mcxt *cx, const char *object, const char *name, const char *kind,
                              int n, const sl_option_value *opts, int *nout, sl_option_value **out,
                              sl_error *err)
{
    census *c = arg;
    const sl_option_decl *decls_buf[3];
    const sl_option_decl *const *decls = kind_decls(object, kind, decls_buf);

    for (int i = 0; i < n; i++) {
        char id[SL_SECRET_KEY_ID_LEN + 1];

        if (!is_secret(decls, &opts[i]))
            continue;
        if (!sl_secret_sealed_key_id(opts[i].value, id))
            c->plain++;
        else if (c->current != NULL && strcmp(id, c->current->id) == 0)
            c->sealed_current++;
        else if (c->next != NULL && strcmp(id, c->next->id) == 0)
            c->sealed_next++;
        else if (c->sealed_other++ == 0) {
            memcpy(c->other_id, id, sizeof(id));
            snprintf(c->other_where, sizeof(c->other_where), "option \"%s\" of %s \"%s\"", opts[i].name,
                     object, name);
        }
    }
    return SL_OK;
}

/* Seals the secrets stored in plain text (an older sluice's catalog). */
static sl_status seal_plain(void *arg, sl_mcxt *cx, const char *object, const char *name, const char *kind,
                            int n, const sl_option_value *opts, int *nout, sl_option_value **out,
                            sl_error *err)
{
    const sl_option_decl *decls_buf[3];
    const sl_option_decl *const *decls = kind_decls(object, kind, decls_buf);
    bool any = false;

    if (decls == NULL)
        return SL_OK;
    for (int i = 0; i < n; i++)
        any = any || (is_secret(decls, &opts[i]) && !sl_secret_is_sealed(opts[i].value));
    if (!any)
        return SL_OK;
    *nout = n;
    *out = copy_values(cx, n, opts);
    for (int i = 0; i < n; i++) {
        sl_secret_owner owner = {object, name, opts[i].name};
        char *sealed;

        if (!is_secret(decls, &opts[i]) || sl_secret_is_sealed(opts[i].value))
            continue;
        if (sl_secret_seal(cx, sl_secret_ring_get(NULL), &owner, opts[i].value, &sealed, err) != SL_OK)
            return SL_ERROR;
        (*out)[i].value = sealed;
    }
    return SL_OK;
}

static void key_paths(const char *datadir, char cur[PATH_MAX], char next[PATH_MAX])
{
    snprintf(cur, PATH_MAX, "%s/secret.key", datadir);
    snprintf(next, PATH_MAX, "%s/secret.key.new", datadir);
}

sl_status sl_secret_store_start(const char *datadir, sl_error *err)
{
    char cur_path[PATH_MAX], next_path[PATH_MAX];
    sl_secret_key cur, next;
    bool have_cur, have_next;
    census c = {0};
    int changed;

    key_paths(datadir, cur_path, next_path);
    sl_secret_ring_clear();
    if (sl_secret_key_read(cur_path, &cur, &have_cur, err) != SL_OK ||
        sl_secret_key_read(next_path, &next, &have_next, err) != SL_OK)
        return SL_ERROR;
    c.current = have_cur ? &cur : NULL;
    c.next = have_next ? &next : NULL;
    if (sl_catalog_rewrite_options(count_values, &c, &changed, err) != SL_OK)
        return SL_ERROR;

    if (have_next && c.sealed_next > 0) {
        /* Step 2 of a rotation committed: finish step 3. */
        if (sl_secret_key_rename(next_path, cur_path, err) != SL_OK)
            return SL_ERROR;
        sl_log(SL_LOG_LOG, "completed an interrupted rotation of the secret key (key id %s)", next.id);
        cur = next, have_cur = true;
        c.sealed_current += c.sealed_next;
    } else if (have_next) {
        /* Step 2 never committed: the new key sealed nothing. */
        if (unlink(next_path) != 0)
            return sl_error_set(err, SL_ERRCODE_IO_ERROR,
                                "could not remove \"%s\" of an interrupted rotation", next_path);
        sl_log(SL_LOG_LOG, "removed \"%s\" of an interrupted rotation of the secret key", next_path);
    }
    if (c.sealed_other > 0) {
        if (!have_cur) {
            sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED,
                         "secret key file \"%s\" is missing, but the catalog holds encrypted secrets",
                         cur_path);
            sl_error_detail(err, "The first is %s, encrypted with key id %s.", c.other_where, c.other_id);
        } else {
            sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED,
                         "secret key file \"%s\" holds key id %s, but the catalog's secrets were encrypted "
                         "with key id %s",
                         cur_path, cur.id, c.other_id);
            sl_error_detail(err, "The first is %s.", c.other_where);
        }
        sl_error_hint(err, "Restore the secret.key that was backed up with this catalog: without it the "
                           "catalog's secrets cannot be decrypted.");
        return SL_ERROR;
    }
    if (!have_cur) {
        if (sl_secret_key_generate(&cur, err) != SL_OK || sl_secret_key_write(cur_path, &cur, err) != SL_OK)
            return SL_ERROR;
        sl_log(SL_LOG_LOG, "created secret key file \"%s\" (key id %s)", cur_path, cur.id);
    }
    sl_secret_ring_set(&cur, NULL);
    if (c.plain > 0) {
        if (sl_catalog_rewrite_options(seal_plain, NULL, &changed, err) != SL_OK)
            return SL_ERROR;
        sl_log(SL_LOG_LOG, "encrypted %d secret option%s that an older sluice stored in plain text", c.plain,
               c.plain == 1 ? "" : "s");
    }
    return SL_OK;
}

/* ---- rotation ---- */

typedef struct rotation {
    const sl_secret_key *to;
    int count;
} rotation;

static sl_status reseal(void *arg, sl_mcxt *cx, const char *object, const char *name, const char *kind, int n,
                        const sl_option_value *opts, int *nout, sl_option_value **out, sl_error *err)
{
    rotation *r = arg;
    const sl_option_decl *decls_buf[3];
    const sl_option_decl *const *decls = kind_decls(object, kind, decls_buf);
    sl_option_value *res = NULL;

    for (int i = 0; i < n; i++) {
        sl_secret_owner owner = {object, name, opts[i].name};
        char *plain, *sealed;

        if (!is_secret(decls, &opts[i]) || !sl_secret_is_sealed(opts[i].value))
            continue;
        if (res == NULL)
            res = copy_values(cx, n, opts);
        if (open_value(cx, &owner, opts[i].value, &plain, err) != SL_OK ||
            sl_secret_seal(cx, r->to, &owner, plain, &sealed, err) != SL_OK)
            return SL_ERROR;
        res[i].value = sealed;
        r->count++;
    }
    *nout = n;
    *out = res;
    return SL_OK;
}

sl_status sl_secret_store_rotate(const char *datadir, int *count, char old_id[17], char new_id[17],
                                 sl_error *err)
{
    char cur_path[PATH_MAX], next_path[PATH_MAX];
    const sl_secret_key *cur = sl_secret_ring_get(NULL);
    sl_secret_key old, next;
    rotation r = {.to = &next};
    int changed;

    *count = 0;
    if (cur == NULL)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "no secret key is loaded");
    old = *cur;
    key_paths(datadir, cur_path, next_path);
    /* Step 1. */
    if (sl_secret_key_generate(&next, err) != SL_OK || sl_secret_key_write(next_path, &next, err) != SL_OK)
        return SL_ERROR;
    /* Step 2. */
    if (sl_catalog_rewrite_options(reseal, &r, &changed, err) != SL_OK) {
        unlink(next_path);
        return SL_ERROR;
    }
    /* Step 3. */
    if (sl_secret_key_rename(next_path, cur_path, err) != SL_OK)
        return SL_ERROR;
    sl_secret_ring_set(&next, NULL);
    *count = r.count;
    snprintf(old_id, 17, "%s", old.id);
    snprintf(new_id, 17, "%s", next.id);
    return SL_OK;
}

void sl_secret_store_stop(void)
{
    sl_secret_ring_clear();
}
