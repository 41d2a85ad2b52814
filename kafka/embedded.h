/*
 * embedded.h - the embedded broker: librdkafka's mock cluster
 * running inside the process (sluiced --embedded-kafka, or the standalone
 * regress/kafka-broker).
 *
 * It is in memory, loses everything at exit and keeps only a few MB per
 * partition: for demos and tests, never a replacement for a Kafka cluster.
 * Start it before any query runs and stop it after they all stopped: the
 * bootstrap address is read without a lock.
 *
 * Entry points: sl_embedded_kafka_start, sl_embedded_kafka_bootstrap,
 * sl_embedded_kafka_create_topic, sl_embedded_kafka_stop.
 */
#ifndef SLUICE_EMBEDDED_KAFKA_H
#define SLUICE_EMBEDDED_KAFKA_H

#include "sluice/error.h"

/* Starts a one-broker mock cluster on 127.0.0.1 (a port it picks). */
sl_status sl_embedded_kafka_start(sl_error *err);
/* "127.0.0.1:PORT", or NULL when not running. */
const char *sl_embedded_kafka_bootstrap(void);
/* Creates topic with partitions partitions (other topics are created on
 * first use with 4). */
sl_status sl_embedded_kafka_create_topic(const char *topic, int partitions, sl_error *err);
/* Stops it (takes a few seconds: the mock's threads wind down). */
void sl_embedded_kafka_stop(void);

#endif
