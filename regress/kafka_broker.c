/*
 * kafka_broker.c - regress/kafka-broker: the embedded Kafka broker as a
 * program of its own, for tests and benchmarks whose broker must outlive a
 * sluiced (restarts) or serve several of them.
 *
 *   regress/kafka-broker [TOPIC[:PARTITIONS] ...]
 *
 * Starts librdkafka's mock cluster (kafka/embedded.c, the same one
 * sluiced --embedded-kafka runs) on 127.0.0.1, creates the topics given
 * (PARTITIONS defaults to 4, as auto-created topics have), prints the
 * bootstrap address ("127.0.0.1:PORT") as the only line on stdout and runs
 * until SIGTERM or SIGINT.  In memory: everything is gone when it exits.
 * Exit status 0 after a signal, 1 when it could not start, 2 on bad
 * arguments.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/embedded.h"

int main(int argc, char **argv)
{
    sigset_t set;
    sl_error err;
    int sig;

    /* Block the signals before librdkafka starts its threads, so they
     * inherit the mask and sigwait() below receives them. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-' || argv[i][0] == ':') {
            fprintf(stderr, "usage: kafka-broker [TOPIC[:PARTITIONS] ...]\n");
            return 2;
        }
    if (sl_embedded_kafka_start(&err) != SL_OK) {
        fprintf(stderr, "kafka-broker: %s\n", err.message);
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        char *colon = strchr(argv[i], ':');
        int parts = 4;

        if (colon != NULL) {
            char *end;
            long n = strtol(colon + 1, &end, 10);
            if (*end != '\0' || n < 1 || n > 10000) {
                fprintf(stderr, "kafka-broker: bad partition count in \"%s\"\n", argv[i]);
                sl_embedded_kafka_stop();
                return 2;
            }
            *colon = '\0';
            parts = (int)n;
        }
        if (sl_embedded_kafka_create_topic(argv[i], parts, &err) != SL_OK) {
            fprintf(stderr, "kafka-broker: %s\n", err.message);
            sl_embedded_kafka_stop();
            return 1;
        }
    }
    printf("%s\n", sl_embedded_kafka_bootstrap());
    fflush(stdout);
    sigwait(&set, &sig);
    sl_embedded_kafka_stop();
    return 0;
}
