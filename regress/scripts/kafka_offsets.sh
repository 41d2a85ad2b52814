#!/bin/bash
# regress/scripts/kafka_offsets.sh - a Kafka query neither loses nor repeats
# messages across PAUSE/RESUME and across a server restart: the source
# commits its offsets to the query's consumer group only after the sink
# flushed, and a restarted query starts from them.  The broker
# (regress/kafka-broker) outlives the server.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/scripts/kafka_common.sh"
PY=/usr/bin/python3

kafka_broker_start events:4 backlog:4 || exit 1
sl_server_start || exit 1

# produce FIRST LAST MINUTE: events FIRST..LAST, all at MINUTE:59, so that
# the order in which the 4 partitions are read makes no row late
# (WATERMARK 0) and the minute's windows close 1 s after the source went
# quiet (idle_timeout).
produce() {
    seq "$1" "$2" | awk -v m="$3" '{ printf "{\"ts\":\"2026-01-01T00:%02d:59Z\",\"id\":%d,\"station\":\"s%d\"}\n", m, $1, $1 % 5 }' |
        timeout 20 "$KCAT" -P -b "$KAFKA_ADDR" -t events
}
# count_sum: the n of every window row in topic counts, added up
count_sum() {
    kafka_read counts | $PY -c 'import json, sys; print(sum(json.loads(l)["n"] for l in sys.stdin))'
}
# ids_ok N TOPIC: the topic holds ids 1..N, each exactly once
ids_ok() {
    kafka_read "$2" | $PY -c "
import json, sys
ids = sorted(json.loads(l)['id'] for l in sys.stdin)
print('ok' if ids == list(range(1, $1 + 1)) else 'got %d messages, %d distinct, max %s' % (len(ids), len(set(ids)), ids[-1] if ids else None))"
}

produce 1 500 0
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SOURCE events (ts TIMESTAMP, id BIGINT, station TEXT) FROM KAFKA
          WITH (brokers = '$KAFKA_ADDR', topic = 'events', idle_timeout = '1 second')
          EVENT TIME ts WATERMARK 0 SECONDS" \
    -c "CREATE SINK copy TO KAFKA WITH (brokers = '$KAFKA_ADDR', topic = 'copy')" \
    -c "CREATE SINK counts TO KAFKA WITH (brokers = '$KAFKA_ADDR', topic = 'counts')" \
    -c "CREATE QUERY mirror AS SELECT * FROM events INTO copy" \
    -c "CREATE QUERY per_station AS SELECT station, count(*) AS n FROM events
          WINDOW TUMBLING (1 MINUTE) GROUP BY station INTO counts" 2>&1)
check "create the queries" "" "$out"
wait_until 20 '[ "$(query_field mirror 5)" = 500 ] && [ "$(query_field per_station 5)" = 500 ]' ||
    notok "both queries read the first 500"

# ---- PAUSE / RESUME ----
sl_psql -q -c "PAUSE QUERY mirror" -c "PAUSE QUERY per_station" >/dev/null 2>&1
produce 501 800 10
sleep 1
check "paused queries read nothing" "500|500" "$(query_field mirror 5)|$(query_field per_station 5)"
sl_psql -q -c "RESUME QUERY mirror" -c "RESUME QUERY per_station" >/dev/null 2>&1
wait_until 20 '[ "$(kafka_count copy)" -ge 800 ]' || notok "800 messages in copy"
check "after RESUME: every message once" "ok" "$(ids_ok 800 copy)"
# The windows close on idle: their counts add up to exactly what was produced.
wait_until 20 '[ "$(kafka_count counts)" -ge 10 ]' || notok "2 x 5 station counts"
check "after PAUSE/RESUME: counts add up to 800" "800" "$(count_sum)"

# ---- restart: the query goes on from its committed offsets ----
sl_server_stop || notok "server stops"
produce 801 1000 20
sl_server_start || exit 1
wait_until 20 '[ "$(kafka_count copy)" -ge 1000 ]' || notok "1000 messages in copy"
sleep 0.5
check "after a restart: every message once" "ok" "$(ids_ok 1000 copy)"
check "the restarted query read only the new messages" "200" "$(query_field mirror 5)"
wait_until 20 '[ "$(kafka_count counts)" -ge 15 ]' || notok "3 x 5 station counts"
check "after a restart: counts add up to 1000" "1000" "$(count_sum)"

# ---- the group option: a new query on an existing group starts where it is
# (GROUP is a reserved word: the option name is quoted until the grammar
# takes keywords as option names) ----
sl_psql -q -c "CREATE SOURCE events_g (ts TIMESTAMP, id BIGINT, station TEXT) FROM KAFKA
          WITH (brokers = '$KAFKA_ADDR', topic = 'events', \"group\" = 'sluice-mirror')" \
    -c "CREATE SINK gfile TO FILE WITH (path = 'g.jsonl')" \
    -c "CREATE QUERY same_group AS SELECT * FROM events_g INTO gfile" >/dev/null 2>&1
sleep 1.5
check "a query in the group of mirror reads nothing old" "0" "$(query_field same_group 5)"
sl_psql -q -c "CREATE SOURCE events_l (ts TIMESTAMP, id BIGINT, station TEXT) FROM KAFKA
          WITH (brokers = '$KAFKA_ADDR', topic = 'events', start = 'latest')" \
    -c "CREATE QUERY latest AS SELECT * FROM events_l INTO gfile" >/dev/null 2>&1
sleep 1.5
produce 1001 1010 30
wait_until 10 '[ "$(query_field latest 5)" = 10 ]' || notok "start = latest reads only new messages: $(query_field latest 5)"
check "start = latest reads only new messages" "10|10" "$(query_field latest 5)|$(query_field same_group 5)"

# ---- a backlog big enough that the source pauses partitions far ahead
# of the others: still every message exactly once ----
seq 1 100000 | awk '{ printf "{\"id\":%d}\n", $1 }' | timeout 30 "$KCAT" -P -b "$KAFKA_ADDR" -t backlog
sl_psql -q -c "CREATE SOURCE backlog (id BIGINT) FROM KAFKA WITH (brokers = '$KAFKA_ADDR', topic = 'backlog')" \
    -c "CREATE SINK backlog_file TO FILE WITH (path = 'backlog.jsonl')" \
    -c "CREATE QUERY drain AS SELECT id FROM backlog INTO backlog_file" >/dev/null 2>&1
wait_until 30 '[ "$(query_field drain 5)" = 100000 ]' || notok "drain read 100000: $(query_field drain 5)"
sleep 0.3
check "a 100000-message backlog on 4 partitions: every message once" "100000 100000" \
    "$(wc -l <"$SL_DATADIR/files/backlog.jsonl") $(sort -u "$SL_DATADIR/files/backlog.jsonl" | wc -l)"

# ---- a sink that cannot deliver: the query fails and commits nothing ----
seq 1 100 | awk '{ printf "{\"id\":%d}\n", $1 }' | timeout 20 "$KCAT" -P -b "$KAFKA_ADDR" -t fresh
dead=127.0.0.1:$(sl_free_port)
sl_psql -q -c "CREATE SOURCE fresh (id BIGINT) FROM KAFKA WITH (brokers = '$KAFKA_ADDR', topic = 'fresh')" \
    -c "CREATE SINK flaky TO KAFKA WITH (brokers = '$dead', topic = 'fresh-copy',
          properties = 'message.timeout.ms=1500; socket.connection.setup.timeout.ms=1000')" \
    -c "CREATE QUERY relay AS SELECT id FROM fresh INTO flaky" >/dev/null 2>&1
check "undeliverable: the query fails" "failed" "$(sl_psql -At -c "SELECT wait_query('relay', 20)" 2>&1)"
# The same query (so the same consumer group) into a working sink reads
# everything again: nothing was committed past the failed delivery.
sl_psql -q -c "DROP QUERY relay" -c "ALTER SINK flaky SET (brokers = '$KAFKA_ADDR', properties = '')" \
    -c "CREATE QUERY relay AS SELECT id FROM fresh INTO flaky" >/dev/null 2>&1
wait_until 20 '[ "$(kafka_count fresh-copy)" -ge 100 ]' || notok "100 messages in fresh-copy"
check "after the failure, every message is delivered" "ok" "$(ids_ok 100 fresh-copy)"

sl_server_stop || notok "server stops"
kafka_broker_stop || notok "kafka-broker exits with status 0"
exit $fail
