/*
 * embedded.c - librdkafka's mock cluster as an embedded broker.
 *
 * The mock cluster lives inside an rd_kafka_t handle of its own (a
 * producer that never produces); it listens on 127.0.0.1 at a port it
 * picks (librdkafka 2.0 cannot be told one) and speaks enough of the Kafka
 * protocol for producers, assign()-based consumers, offset commits and
 * fetches, and external clients (kcat, confluent-kafka).  In memory only.
 *
 * One per process; start and stop are called from the main thread before
 * queries start and after they stopped.
 *
 * Entry points: see kafka/embedded.h.
 */
#include "kafka/embedded.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stddef.h>

#include "sluice/errcodes.h"

static rd_kafka_t *ek_handle;
static rd_kafka_mock_cluster_t *ek_cluster;
static const char *ek_bootstrap;

sl_status sl_embedded_kafka_start(sl_error *err)
{
    rd_kafka_conf_t *conf;
    char errstr[512];

    if (ek_cluster != NULL)
        return SL_OK;
    conf = rd_kafka_conf_new();
    /* The handle only hosts the mock: without bootstrap.servers librdkafka
     * warns at level 5 that it cannot connect, which is the point here. */
    if (rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "embedded kafka: %s", errstr);
    }
    ek_handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (ek_handle == NULL) {
        rd_kafka_conf_destroy(conf);
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "embedded kafka could not start: %s", errstr);
    }
    ek_cluster = rd_kafka_mock_cluster_new(ek_handle, 1);
    if (ek_cluster == NULL) {
        rd_kafka_destroy(ek_handle);
        ek_handle = NULL;
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR,
                            "embedded kafka could not start its mock cluster");
    }
    ek_bootstrap = rd_kafka_mock_cluster_bootstraps(ek_cluster);
    return SL_OK;
}

const char *sl_embedded_kafka_bootstrap(void)
{
    return ek_bootstrap;
}

sl_status sl_embedded_kafka_create_topic(const char *topic, int partitions, sl_error *err)
{
    rd_kafka_resp_err_t rc;

    if (ek_cluster == NULL)
        return sl_error_set(err, SL_ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                            "embedded kafka is not running");
    rc = rd_kafka_mock_topic_create(ek_cluster, topic, partitions, 1);
    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR)
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "embedded kafka: topic \"%s\": %s",
                            topic, rd_kafka_err2str(rc));
    return SL_OK;
}

void sl_embedded_kafka_stop(void)
{
    if (ek_cluster == NULL)
        return;
    ek_bootstrap = NULL;
    rd_kafka_mock_cluster_destroy(ek_cluster);
    ek_cluster = NULL;
    rd_kafka_destroy(ek_handle);
    ek_handle = NULL;
}
