/*
 * test_kafka.c - unit tests of the Kafka client settings (kafka/client.c)
 * and the embedded broker (kafka/embedded.c): brokers default to the
 * embedded broker, `properties` pass-through and its errors, secrets never
 * in messages, topics of the embedded broker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "kafka/embedded.h"
#include "kafka/client.h"
#include "sluice/errcodes.h"

static const sl_option_decl test_decls[] = {
    {.name = "brokers", .type = SL_OPT_STRING},
    {.name = "properties", .type = SL_OPT_STRING, .secret = true},
    {.name = "security_protocol", .type = SL_OPT_STRING},
    {.name = "sasl_password", .type = SL_OPT_STRING, .secret = true},
    {0},
};
static const sl_option_decl *const test_decl_list[] = {test_decls, NULL};

/* Options from name, value pairs (n pairs). */
static sl_options make_opts(sl_option_value *vals, int n)
{
    sl_options o = {.decls = test_decl_list, .count = n, .values = vals};
    return o;
}

static char *conf_value(rd_kafka_conf_t *conf, const char *name, char *buf, size_t size)
{
    if (rd_kafka_conf_get(conf, name, buf, &size) != RD_KAFKA_CONF_OK)
        return NULL;
    return buf;
}

static void test_brokers_and_properties(void **state)
{
    sl_option_value vals[] = {
        {"brokers", "127.0.0.1:9999"},
        {"properties", " linger.ms = 7 ;; client.id=mine; "},
        {"security_protocol", "plaintext"},
    };
    sl_options o = make_opts(vals, 3);
    const sl_kafka_setting defaults[] = {{"linger.ms", "1"}, {"fetch.wait.max.ms", "10"}, {NULL, NULL}};
    rd_kafka_conf_t *conf;
    sl_error err;
    char buf[256];

    (void)state;
    assert_int_equal(sl_kafka_conf_new(&o, NULL, "sink \"k\"", "sluice-q", defaults, &conf, &err), SL_OK);
    assert_string_equal(conf_value(conf, "bootstrap.servers", buf, sizeof(buf)), "127.0.0.1:9999");
    /* properties come last and win over sluice's defaults and client.id */
    assert_string_equal(conf_value(conf, "linger.ms", buf, sizeof(buf)), "7");
    assert_string_equal(conf_value(conf, "client.id", buf, sizeof(buf)), "mine");
    assert_string_equal(conf_value(conf, "fetch.wait.max.ms", buf, sizeof(buf)), "10");
    assert_string_equal(conf_value(conf, "security.protocol", buf, sizeof(buf)), "plaintext");
    rd_kafka_conf_destroy(conf);
    assert_int_equal(sl_kafka_properties_check(&o, &err), SL_OK);
}

static void test_no_brokers(void **state)
{
    sl_options o = make_opts(NULL, 0);
    rd_kafka_conf_t *conf = (rd_kafka_conf_t *)&conf;
    sl_error err;

    (void)state;
    assert_null(sl_embedded_kafka_bootstrap());
    assert_int_equal(sl_kafka_conf_new(&o, NULL, "source \"water\"", NULL, NULL, &conf, &err), SL_ERROR);
    assert_null(conf);
    assert_string_equal(err.sqlstate, SL_ERRCODE_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message,
                        "source \"water\": no brokers given and no embedded kafka broker is running");
    assert_string_equal(err.hint, "Give the brokers option, or start sluiced with --embedded-kafka.");
}

static void test_bad_properties(void **state)
{
    sl_option_value syntax[] = {{"brokers", "b:1"}, {"properties", "linger.ms=5;oops"}};
    sl_option_value unknown[] = {{"brokers", "b:1"}, {"properties", "sasl.password=hunter2;no.such=hunter2"}};
    sl_option_value badval[] = {{"brokers", "b:1"}, {"properties", "linger.ms=hunter2"}};
    sl_option_value noname[] = {{"brokers", "b:1"}, {"properties", "=1"}};
    sl_options o;
    rd_kafka_conf_t *conf;
    sl_error err;

    (void)state;
    o = make_opts(syntax, 2);
    assert_int_equal(sl_kafka_conf_new(&o, NULL, "sink \"k\"", NULL, NULL, &conf, &err), SL_ERROR);
    assert_string_equal(err.message, "sink \"k\": option \"properties\" expects 'name=value;name=value'");
    assert_int_equal(sl_kafka_properties_check(&o, &err), SL_ERROR);
    o = make_opts(noname, 2);
    assert_int_equal(sl_kafka_properties_check(&o, &err), SL_ERROR);
    /* An unknown name or a bad value: the message names the setting, and
     * neither message nor detail shows the value (it may be a secret). */
    o = make_opts(unknown, 2);
    assert_int_equal(sl_kafka_conf_new(&o, NULL, "sink \"k\"", NULL, NULL, &conf, &err), SL_ERROR);
    assert_string_equal(err.message,
                        "sink \"k\": kafka setting \"no.such\" is not allowed in \"properties\"");
    assert_string_equal(err.sqlstate, SL_ERRCODE_INSUFFICIENT_PRIVILEGE);
    assert_null(strstr(err.detail, "hunter2"));
    assert_int_equal(sl_kafka_properties_check(&o, &err), SL_ERROR);
    assert_string_equal(err.message,
                        "option \"properties\": kafka setting \"no.such\" is not allowed in \"properties\"");
    /* Settings that run commands, load libraries or read files are refused. */
    {
        static const char *const forbidden[] = {
            "sasl.kerberos.kinit.cmd=id", "plugin.library.paths=/tmp/x.so", "debug=all",
            "sasl.oauthbearer.token.endpoint.url=http://x", "ssl.ca.location=/etc/passwd"};
        for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++) {
            assert_int_equal(sl_kafka_properties_confine(NULL, forbidden[i], &err), SL_ERROR);
            assert_string_equal(err.sqlstate, SL_ERRCODE_INSUFFICIENT_PRIVILEGE);
        }
    }
    o = make_opts(badval, 2);
    assert_int_equal(sl_kafka_conf_new(&o, NULL, "sink \"k\"", NULL, NULL, &conf, &err), SL_ERROR);
    assert_string_equal(err.message, "sink \"k\": invalid kafka setting \"linger.ms\"");
    assert_null(strstr(err.message, "hunter2"));
    assert_null(strstr(err.detail, "hunter2"));
}

static void test_embedded_broker(void **state)
{
    sl_options o = make_opts(NULL, 0);
    rd_kafka_conf_t *conf;
    sl_error err;
    char buf[256];
    const char *addr;

    (void)state;
    assert_int_equal(sl_embedded_kafka_create_topic("t", 2, &err), SL_ERROR);
    assert_int_equal(sl_embedded_kafka_start(&err), SL_OK);
    assert_int_equal(sl_embedded_kafka_start(&err), SL_OK); /* a second start is a no-op */
    addr = sl_embedded_kafka_bootstrap();
    assert_non_null(addr);
    assert_int_equal(strncmp(addr, "127.0.0.1:", 10), 0);
    assert_int_equal(sl_embedded_kafka_create_topic("three", 3, &err), SL_OK);

    /* Without brokers, clients use it; its metadata lists the topic. */
    assert_int_equal(sl_kafka_conf_new(&o, NULL, "source \"s\"", NULL, NULL, &conf, &err), SL_OK);
    assert_string_equal(conf_value(conf, "bootstrap.servers", buf, sizeof(buf)), addr);
    {
        char errstr[256];
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        rd_kafka_topic_t *rkt;
        const struct rd_kafka_metadata *md;

        assert_non_null(rk);
        rkt = rd_kafka_topic_new(rk, "three", NULL);
        assert_int_equal(rd_kafka_metadata(rk, 0, rkt, &md, 5000), RD_KAFKA_RESP_ERR_NO_ERROR);
        assert_int_equal(md->topic_cnt, 1);
        assert_int_equal(md->topics[0].partition_cnt, 3);
        rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(rkt);
        rd_kafka_destroy(rk);
    }
    sl_embedded_kafka_stop();
    assert_null(sl_embedded_kafka_bootstrap());
    sl_embedded_kafka_stop(); /* idempotent */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_brokers_and_properties),
        cmocka_unit_test(test_no_brokers),
        cmocka_unit_test(test_bad_properties),
        cmocka_unit_test(test_embedded_broker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
