/*
 * schema_registry.h - a client of a Confluent Schema Registry, for the
 * Confluent wire format of Avro Kafka messages (magic byte 0, the writer
 * schema's id as a big-endian int32, then one Avro binary record).
 *
 *   GET  {url}/schemas/ids/{id}             -> {"schema": "<schema JSON as a string>"}
 *   POST {url}/subjects/{subject}/versions  {"schema": "..."} -> {"id": N}
 *        (Content-Type application/vnd.schemaregistry.v1+json)
 *
 * The URL is http:// or https://, optionally with a path prefix; user and
 * password (basic auth) come from userinfo in the URL or are given apart
 * (the secret options schema_registry_user/_password); messages show the
 * URL without them.
 *
 * Statuses: a transport failure (refused, timeout, DNS), 5xx, 408 and 429
 * are SL_RETRY with 08006; any other non-2xx is SL_ERROR with the
 * registry's own error_code and message: 404 (40401 subject not found,
 * 40403 schema not found) 42704, 401/403 28000, anything else (42201
 * invalid schema, 409 incompatible) 22023.
 *
 * Schemas fetched by id are cached process-wide per (URL, id) under a
 * mutex: a registry never changes what an id names, so entries never
 * expire (at most SL_SCHEMA_REGISTRY_CACHE_MAX entries; past that, schemas
 * are fetched each time they are asked for, which the Kafka source's own
 * per-id decoders make rare).  Schemas registered by the sink are put in
 * the cache too.
 *
 * One sl_schema_registry (one libcurl easy handle, connection reused) is
 * used by one query's thread; the cache is shared by all.
 *
 * Entry points: sl_schema_registry_new, sl_schema_registry_get,
 * sl_schema_registry_register, sl_schema_registry_url,
 * sl_schema_registry_free, sl_schema_registry_check_url; the pure parts,
 * also used by the unit tests: sl_schema_registry_parse_url,
 * sl_schema_registry_reply_id, sl_schema_registry_reply_schema,
 * sl_schema_registry_classify, sl_schema_registry_request_body,
 * sl_schema_registry_subject_url, sl_schema_registry_cache_get,
 * sl_schema_registry_cache_put.
 */
#ifndef SL_SCHEMA_REGISTRY_H
#define SL_SCHEMA_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/connector.h"
#include "sluice/error.h"
#include "sluice/mcxt.h"

#define SL_SCHEMA_REGISTRY_CACHE_MAX 4096

typedef struct sl_schema_registry sl_schema_registry;

/*
 * A client of the registry at url for messages prefixed with what (e.g.
 * 'sink "out"'); user and password (may be NULL) win over userinfo in the
 * URL.  No request is made.  NULL with err (22023) when the URL is not
 * usable, (42501) when its host is not in confine's allowed_hosts, or
 * (XX000) when libcurl cannot start.
 */
sl_schema_registry *sl_schema_registry_new(sl_mcxt *cx, const sl_confine *confine, const char *what,
                                           const char *url, const char *user, const char *password,
                                           sl_error *err);
/* The schema (JSON text, NUL-terminated, in cx) of id: from the cache, else
 * fetched and cached.  SL_RETRY/SL_ERROR with err as described above; a
 * schema whose schemaType is not AVRO is SL_ERROR (22023). */
sl_status sl_schema_registry_get(sl_schema_registry *reg, int32_t id, sl_mcxt *cx, const char **json,
                                 size_t *len, sl_error *err);
/* Registers schema_json under subject (the registry answers with the id
 * the schema already has when it is registered) and sets *id. */
sl_status sl_schema_registry_register(sl_schema_registry *reg, const char *subject, const char *schema_json,
                                      int32_t *id, sl_error *err);
/* The URL as shown in messages (no userinfo, no trailing slash). */
const char *sl_schema_registry_url(const sl_schema_registry *reg);
/* Releases the curl handle; the rest goes with cx.  NULL is fine. */
void sl_schema_registry_free(sl_schema_registry *reg);

/* For validate(): err (22023, naming option) when url is not usable. */
sl_status sl_schema_registry_check_url(const char *option, const char *url, sl_error *err);

/* The checks the Kafka source and sink share at CREATE: schema_registry
 * needs format avro and a good URL; its user and password need it.  22023. */
sl_status sl_schema_registry_check_options(const sl_options *opts, sl_error *err);

/* ---- pure parts ---- */

/* Splits url into the base (scheme://host[:port][/path] without userinfo
 * and trailing slashes) and the percent-decoded "user:password" of its
 * userinfo (*userpwd NULL when none).  22023 when the scheme is not http
 * or https, the host is empty, or there is a query or fragment. */
sl_status sl_schema_registry_parse_url(sl_mcxt *cx, const char *url, char **base, char **userpwd,
                                       sl_error *err);
/* The "id" of a registration reply; false when there is none (or it is
 * not an integer in 0..INT32_MAX). */
bool sl_schema_registry_reply_id(const char *body, size_t len, int32_t *id);
/* The "schema" string of a GET reply, unescaped, in cx; 22023 when there
 * is none or its "schemaType" is not AVRO. */
sl_status sl_schema_registry_reply_schema(sl_mcxt *cx, const char *body, size_t len, const char **json,
                                          size_t *jlen, sl_error *err);
/*
 * The status of a reply: SL_OK for 2xx, else err is set to
 * "<what>: <action> at schema registry <url>: <registry message> (error
 * <error_code>)" (or "HTTP <status>" and the start of the body when the
 * reply is not the registry's JSON error) and SL_RETRY or SL_ERROR is
 * returned as described at the top.
 */
sl_status sl_schema_registry_classify(long status, const char *body, size_t len, const char *what,
                                      const char *action, const char *url, sl_error *err);
/* {"schema": "<schema_json escaped as a JSON string>"} in cx. */
char *sl_schema_registry_request_body(sl_mcxt *cx, const char *schema_json);
/* base + "/subjects/<subject percent-encoded>/versions" in cx. */
char *sl_schema_registry_subject_url(sl_mcxt *cx, const char *base, const char *subject);
/* The process-wide cache: a copy of the schema of (base, id) in cx. */
bool sl_schema_registry_cache_get(const char *base, int32_t id, sl_mcxt *cx, const char **json, size_t *len);
void sl_schema_registry_cache_put(const char *base, int32_t id, const char *json, size_t len);

#endif
