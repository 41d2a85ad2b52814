# regress/scripts/kafka_common.sh - helpers of the Kafka script tests
# (sourced after regress/lib/server.sh; not a test itself).
#
#   kafka_broker_start [TOPIC[:PARTITIONS] ...]  starts regress/kafka-broker,
#                                                 sets KAFKA_ADDR, KAFKA_PID
#   kafka_broker_stop                             SIGTERM by PID, waits, checks status 0
#   kafka_count TOPIC                             messages in TOPIC (all partitions)
#   kafka_read TOPIC                              the values, one per line
# and the checks of regress/lib/check.sh (ok, check, wait_until, query_field...).
# Every wait is bounded; the broker listens on 127.0.0.1 only.

KCAT=$(command -v kcat || command -v kafkacat)
: "${KCAT:?kcat (Debian package kafkacat) is needed}"
KAFKA_BROKER=${SL_BUILDDIR:?}/regress/kafka-broker

kafka__cleanup() {
    rc=$?
    if [ -n "${KAFKA_PID:-}" ] && kill -0 "$KAFKA_PID" 2>/dev/null; then
        kill -TERM "$KAFKA_PID" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$KAFKA_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$KAFKA_PID" 2>/dev/null
    fi
    return $rc
}
trap 'kafka__cleanup; sl__cleanup' EXIT

kafka_broker_start() {
    "$KAFKA_BROKER" "$@" >"$SL_TMP/kafka-broker.addr" 2>"$SL_TMP/kafka-broker.log" &
    KAFKA_PID=$!
    for _ in $(seq 100); do
        KAFKA_ADDR=$(head -1 "$SL_TMP/kafka-broker.addr")
        [ -n "$KAFKA_ADDR" ] && return 0
        kill -0 "$KAFKA_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "kafka-broker did not start" >&2; cat "$SL_TMP/kafka-broker.log" >&2
    return 1
}

kafka_broker_stop() { # fails unless the broker exits with status 0 (sanitizer builds: no report)
    local rc
    kill -TERM "$KAFKA_PID"
    wait "$KAFKA_PID"
    rc=$?
    KAFKA_PID=
    [ "$rc" -eq 0 ] || { echo "kafka-broker exited with status $rc" >&2; cat "$SL_TMP/kafka-broker.log" >&2; return 1; }
}

kafka_read() { # kafka_read TOPIC [BROKER]: every value, one per line
    timeout 20 "$KCAT" -C -b "${2:-$KAFKA_ADDR}" -t "$1" -e -q -o beginning -f '%s\n' 2>/dev/null
}

kafka_count() {
    kafka_read "$@" | wc -l
}


. "$SL_SRCDIR/regress/lib/check.sh"
