/*
 * client.c - the librdkafka configuration of Kafka sources and sinks.
 *
 * Order of settings: sluice's own (bootstrap.servers, client.id, log
 * callback), then the security options, then `properties`, so a user who
 * knows librdkafka can override anything.  Values of options may be
 * secrets: messages name the setting, never its value.
 *
 * Entry points: see kafka/client.h.
 */
#include "kafka/client.h"

#include <ctype.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "kafka/embedded.h"
#include "sluice/log.h"
#include "sluice/errcodes.h"

/* The security options of both kinds and the librdkafka setting each sets. */
static const struct {
    const char *option;
    const char *setting;
} kafka_security_map[] = {
    {"security_protocol", "security.protocol"}, {"sasl_mechanism", "sasl.mechanisms"},
    {"sasl_username", "sasl.username"},         {"sasl_password", "sasl.password"},
    {"ssl_ca_location", "ssl.ca.location"},     {"ssl_certificate_location", "ssl.certificate.location"},
    {"ssl_key_location", "ssl.key.location"},   {"ssl_key_password", "ssl.key.password"},
};

/* librdkafka's log lines (from its own threads) into the server log. */
static void kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    sl_log(level <= 4   ? SL_LOG_WARNING
           : level == 5 ? SL_LOG_NOTICE
                        : SL_LOG_DEBUG,
           "kafka %s: %s: %s", rd_kafka_name(rk), fac, buf);
}

sl_status sl_kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value, const char *what,
                            sl_error *err)
{
    char errstr[512];

    if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
        /* errstr may quote the value: keep only librdkafka's first clause
         * when the value could be a secret. */
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "%s: invalid kafka setting \"%s\"", what, name);
        if (strstr(errstr, value) == NULL)
            sl_error_detail(err, "%s.", errstr);
        return SL_ERROR;
    }
    return SL_OK;
}

/* Trims spaces at both ends of [*b, *e). */
static void trim(const char **b, const char **e)
{
    while (*b < *e && isspace((unsigned char)**b))
        (*b)++;
    while (*e > *b && isspace((unsigned char)(*e)[-1]))
        (*e)--;
}

/*
 * The librdkafka settings `properties` may hold: performance, timeouts,
 * batching, compression, delivery and security by value.  Settings are
 * code paths (DESIGN.md): sasl.kerberos.kinit.cmd runs a shell command,
 * plugin.library.paths loads a library, sasl.oauthbearer.* reaches any
 * endpoint, debug floods the log, *.location reads a file.  So nothing
 * outside this list is passed on, and a *.location setting only with a
 * path inside file_roots.  docs/security.md lists them: keep it in step.
 */
static const char *const kafka_allowed_settings[] = {"client.id",
                                                     "client.rack",
                                                     "acks",
                                                     "request.required.acks",
                                                     "linger.ms",
                                                     "queue.buffering.max.ms",
                                                     "queue.buffering.max.messages",
                                                     "queue.buffering.max.kbytes",
                                                     "batch.num.messages",
                                                     "batch.size",
                                                     "compression.type",
                                                     "compression.codec",
                                                     "compression.level",
                                                     "message.max.bytes",
                                                     "receive.message.max.bytes",
                                                     "max.in.flight.requests.per.connection",
                                                     "max.in.flight",
                                                     "message.timeout.ms",
                                                     "delivery.timeout.ms",
                                                     "request.timeout.ms",
                                                     "socket.timeout.ms",
                                                     "socket.keepalive.enable",
                                                     "socket.send.buffer.bytes",
                                                     "socket.receive.buffer.bytes",
                                                     "socket.nagle.disable",
                                                     "socket.connection.setup.timeout.ms",
                                                     "connections.max.idle.ms",
                                                     "reconnect.backoff.ms",
                                                     "reconnect.backoff.max.ms",
                                                     "retry.backoff.ms",
                                                     "retry.backoff.max.ms",
                                                     "retries",
                                                     "message.send.max.retries",
                                                     "metadata.max.age.ms",
                                                     "topic.metadata.refresh.interval.ms",
                                                     "topic.metadata.refresh.fast.interval.ms",
                                                     "topic.metadata.refresh.sparse",
                                                     "api.version.request",
                                                     "api.version.request.timeout.ms",
                                                     "broker.version.fallback",
                                                     "broker.address.family",
                                                     "enable.idempotence",
                                                     "enable.gapless.guarantee",
                                                     "partitioner",
                                                     "sticky.partitioning.linger.ms",
                                                     "fetch.wait.max.ms",
                                                     "fetch.min.bytes",
                                                     "fetch.max.bytes",
                                                     "fetch.message.max.bytes",
                                                     "fetch.error.backoff.ms",
                                                     "queued.min.messages",
                                                     "queued.max.messages.kbytes",
                                                     "max.partition.fetch.bytes",
                                                     "session.timeout.ms",
                                                     "heartbeat.interval.ms",
                                                     "max.poll.interval.ms",
                                                     "auto.offset.reset",
                                                     "enable.auto.commit",
                                                     "auto.commit.interval.ms",
                                                     "enable.auto.offset.store",
                                                     "isolation.level",
                                                     "check.crcs",
                                                     "group.id",
                                                     "partition.assignment.strategy",
                                                     "allow.auto.create.topics",
                                                     "transaction.timeout.ms",
                                                     "security.protocol",
                                                     "sasl.mechanisms",
                                                     "sasl.mechanism",
                                                     "sasl.username",
                                                     "sasl.password",
                                                     "ssl.ca.pem",
                                                     "ssl.certificate.pem",
                                                     "ssl.key.pem",
                                                     "ssl.key.password",
                                                     "ssl.cipher.suites",
                                                     "ssl.curves.list",
                                                     "ssl.sigalgs.list",
                                                     "enable.ssl.certificate.verification",
                                                     "ssl.endpoint.identification.algorithm",
                                                     "ssl.ca.location",
                                                     "ssl.certificate.location",
                                                     "ssl.key.location",
                                                     "ssl.crl.location",
                                                     NULL};

static bool is_location(const char *name)
{
    size_t n = strlen(name);
    return n > 9 && strcmp(name + n - 9, ".location") == 0;
}

static sl_status setting_refused(const char *name, const char *what, sl_error *err)
{
    sl_error_set(err, SL_ERRCODE_INSUFFICIENT_PRIVILEGE,
                 "%s: kafka setting \"%s\" is not allowed in \"properties\"", what, name);
    sl_error_hint(err, "The librdkafka settings \"properties\" may hold are listed in docs/security.md "
                       "(Confinement).");
    return SL_ERROR;
}

/* Checks one setting against the allow-list; a *.location setting's path
 * is resolved in file_roots into value (when paths: else left to the
 * server's check at CREATE). */
static sl_status setting_check(const char *name, char *value, size_t valsize, const sl_confine *confine,
                               bool paths, const char *what, sl_error *err)
{
    bool allowed = false;

    for (const char *const *a = kafka_allowed_settings; *a != NULL && !allowed; a++)
        allowed = strcmp(*a, name) == 0;
    if (!allowed)
        return setting_refused(name, what, err);
    if (paths && is_location(name)) {
        sl_mcxt *cx = sl_mcxt_create(NULL, "kafka location");
        char *real;
        sl_status st = sl_confine_path(confine, name, value, SL_PATH_READ, cx, &real, err);

        if (st == SL_OK && (size_t)snprintf(value, valsize, "%s", real) >= valsize)
            st =
                sl_error_set(err, SL_ERRCODE_NAME_TOO_LONG, "%s: the path of \"%s\" is too long", what, name);
        sl_mcxt_delete(cx);
        return st;
    }
    return SL_OK;
}

/* Applies 'name=value;name=value' to conf (conf NULL: checks only), each
 * setting checked by setting_check. */
static sl_status apply_properties(rd_kafka_conf_t *conf, const char *props, const sl_confine *confine,
                                  bool paths, const char *what, sl_error *err)
{
    const char *p = props;

    while (*p != '\0') {
        const char *end = strchr(p, ';'), *eq, *nb, *ne, *vb, *ve;
        char name[256], value[4096];

        if (end == NULL)
            end = p + strlen(p);
        nb = p;
        ne = end;
        trim(&nb, &ne);
        if (nb == ne) { /* empty item: 'a=1;;b=2' or a trailing ';' */
            p = *end != '\0' ? end + 1 : end;
            continue;
        }
        eq = memchr(nb, '=', (size_t)(ne - nb));
        if (eq == NULL || eq == nb)
            return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                                "%s: option \"properties\" expects 'name=value;name=value'", what);
        vb = eq + 1;
        ve = ne;
        ne = eq;
        trim(&nb, &ne);
        trim(&vb, &ve);
        if ((size_t)(ne - nb) >= sizeof(name) || (size_t)(ve - vb) >= sizeof(value))
            return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                                "%s: a kafka setting in \"properties\" is too long", what);
        memcpy(name, nb, (size_t)(ne - nb));
        name[ne - nb] = '\0';
        memcpy(value, vb, (size_t)(ve - vb));
        value[ve - vb] = '\0';
        if (setting_check(name, value, sizeof(value), confine, paths, what, err) != SL_OK)
            return SL_ERROR;
        if (conf != NULL && sl_kafka_conf_set(conf, name, value, what, err) != SL_OK)
            return SL_ERROR;
        p = *end != '\0' ? end + 1 : end;
    }
    return SL_OK;
}

/*
 * allowed_hosts for brokers.  The bootstrap list is checked by its text at
 * CREATE and at query start; the brokers a cluster then advertises in its
 * metadata are checked here, at each connect, on the address (a listed
 * name's addresses are trusted), as the HTTP client does.  librdkafka
 * gives the callback its own opaque (the connector's), so the policy is
 * this process-wide pointer: the server has one policy, fixed at start.
 */
static _Atomic(const sl_confine *) kafka_confine;

static int kafka_connect_cb(int fd, const struct sockaddr *addr, int addrlen, const char *id, void *opaque)
{
    char host[256];
    const char *b = id != NULL ? id : "", *e;

    (void)opaque;
    if (*b == '[') {
        b++;
        e = strchr(b, ']');
    } else {
        e = strrchr(b, ':');
    }
    if (e == NULL)
        e = b + strlen(b);
    snprintf(host, sizeof(host), "%.*s", (int)(e - b), b);
    if (!sl_confine_addr_allowed(atomic_load(&kafka_confine), host, addr)) {
        sl_log(SL_LOG_WARNING, "kafka: connection to broker %s refused: its address is not in allowed_hosts",
               id);
        return EACCES;
    }
    if (connect(fd, addr, (socklen_t)addrlen) != 0 && errno != EINPROGRESS)
        return errno;
    return 0;
}

sl_status sl_kafka_conf_new(const sl_options *opts, const sl_confine *confine, const char *what,
                            const char *client_id, const sl_kafka_setting *defaults, rd_kafka_conf_t **out,
                            sl_error *err)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *brokers = sl_options_get(opts, "brokers");
    const char *props;
    bool embedded = brokers == NULL || brokers[0] == '\0';

    *out = NULL;
    if (embedded) {
        brokers = sl_embedded_kafka_bootstrap();
        if (brokers == NULL) {
            rd_kafka_conf_destroy(conf);
            sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                         "%s: no brokers given and no embedded kafka broker is running", what);
            sl_error_hint(err, "Give the brokers option, or start sluiced with --embedded-kafka.");
            return SL_ERROR;
        }
    }
    if (sl_kafka_conf_set(conf, "bootstrap.servers", brokers, what, err) != SL_OK ||
        (client_id != NULL && sl_kafka_conf_set(conf, "client.id", client_id, what, err) != SL_OK))
        goto fail;
    rd_kafka_conf_set_log_cb(conf, kafka_log_cb);
    /* The embedded broker is the server's own: only given brokers are checked. */
    if (sl_confine_hosts_limited(confine) && !embedded) {
        atomic_store(&kafka_confine, confine);
        rd_kafka_conf_set_connect_cb(conf, kafka_connect_cb);
    }
    for (const sl_kafka_setting *d = defaults; d != NULL && d->name != NULL; d++)
        if (sl_kafka_conf_set(conf, d->name, d->value, what, err) != SL_OK)
            goto fail;
    for (size_t i = 0; i < sizeof(kafka_security_map) / sizeof(kafka_security_map[0]); i++) {
        const char *v = sl_options_get(opts, kafka_security_map[i].option);
        char value[4096];

        if (v == NULL)
            continue;
        snprintf(value, sizeof(value), "%s", v);
        if (setting_check(kafka_security_map[i].setting, value, sizeof(value), confine, true, what, err) !=
                SL_OK ||
            sl_kafka_conf_set(conf, kafka_security_map[i].setting, value, what, err) != SL_OK)
            goto fail;
    }
    /* Checked again here, not only at CREATE: an older catalog may hold
     * settings that are no longer allowed. */
    props = sl_options_get(opts, "properties");
    if (props != NULL && apply_properties(conf, props, confine, true, what, err) != SL_OK)
        goto fail;
    *out = conf;
    return SL_OK;
fail:
    rd_kafka_conf_destroy(conf);
    return SL_ERROR;
}

sl_status sl_kafka_properties_check(const sl_options *opts, sl_error *err)
{
    const char *props = sl_options_get(opts, "properties");
    rd_kafka_conf_t *conf;
    sl_status st;

    if (props == NULL)
        return SL_OK;
    /* A scratch configuration catches unknown names and bad values at
     * CREATE time rather than when a query starts. */
    conf = rd_kafka_conf_new();
    st = apply_properties(conf, props, NULL, false, "option \"properties\"", err);
    rd_kafka_conf_destroy(conf);
    return st;
}

sl_status sl_kafka_properties_confine(const sl_confine *confine, const char *props, sl_error *err)
{
    return props == NULL ? SL_OK : apply_properties(NULL, props, confine, true, "option \"properties\"", err);
}
