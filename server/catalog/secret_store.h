/*
 * secret_store.h - the secrets of the catalog's sources and sinks: sealed
 * when written, opened only when an object is used (a query opens it, or
 * ALTER checks the options it will store), the key file's life (created,
 * a plaintext catalog migrated, rotated).  docs/security.md, "Secrets".
 *
 * A secret is an option declared .secret by its kind (sluice/connector.h).
 * Stored values are sealed with server/catalog/secret.c under the key in
 * DATADIR/secret.key; which object and option a value belongs to is bound
 * into it.
 *
 * Entry points: sl_secret_store_start, sl_secret_store_rotate,
 * sl_secret_store_stop, sl_secret_store_seal, sl_secret_store_open.
 */
#ifndef SLUICE_SECRET_STORE_H
#define SLUICE_SECRET_STORE_H

#include "sluice/connector.h"
#include "sluice/error.h"
#include "sluice/mcxt.h"

/*
 * Called after sl_catalog_open and the connectors' registration, before
 * anything uses the catalog.  Loads DATADIR/secret.key (creating it, mode
 * 0600, when the data directory has none and the catalog holds no sealed
 * value: a new or older data directory), completes or abandons a rotation
 * that a crash interrupted (secret.key.new), and seals the secrets an
 * older sluice stored in plain text (logged with their count, never their
 * values).  A key file missing while the catalog holds sealed values, or
 * holding another key than the one that sealed them: XX001 naming the file.
 */
sl_status sl_secret_store_start(const char *datadir, sl_error *err);

/*
 * sluiced --rotate-secret-key (the data directory locked, the catalog
 * open, sl_secret_store_start done): a new key written to
 * secret.key.new, every sealed value re-sealed with it in one catalog
 * transaction, then secret.key.new renamed over secret.key.  A crash at
 * any step leaves a catalog that the next start opens (see secret_store.c).
 * *count: how many values were re-sealed; old_id/new_id: the key ids.
 */
sl_status sl_secret_store_rotate(const char *datadir, int *count, char old_id[17], char new_id[17],
                                 sl_error *err);

/* Forgets the keys. */
void sl_secret_store_stop(void);

/*
 * The options to store for object ("source" or "sink") name: a copy of
 * values (n of them, in cx) whose secret options (decls) are sealed.
 * Every given value is plain text: one that looks sealed is sealed again,
 * so a value copied from a catalog never passes for this object's.
 */
sl_status sl_secret_store_seal(sl_mcxt *cx, const char *object, const char *name,
                               const sl_option_decl *const *decls, int n, const sl_option_value *values,
                               sl_option_value **out, sl_error *err);

/*
 * The options to use: a copy of the stored values (in cx) with the sealed
 * values of its secret options (decls) opened.  XX001 when one does not open (another key,
 * another object, changed), naming the object and option.  The plain
 * text lives in cx: delete it as soon as it is not needed.
 */
sl_status sl_secret_store_open(sl_mcxt *cx, const char *object, const char *name,
                               const sl_option_decl *const *decls, int n, const sl_option_value *values,
                               sl_option_value **out, sl_error *err);

#endif
