#!/bin/bash
# regress/scripts/kafka_oracle.sh - the original pipeline end to end, checked
# against sqlite3: the fixture workbook replayed by an XLSX source into a
# Kafka topic of the embedded broker, a Kafka source on that topic, a
# 1-minute per-station window query with every aggregate into a Kafka sink,
# and the output topic read back with kcat and compared by
# regress/oracle/window_oracle.py with the same GROUP BY in sqlite3 over a CSV
# of the same rows (the engine issue's oracle).
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/scripts/kafka_common.sh"
fx=$SL_TMP/fixtures
/usr/bin/python3 "$SL_SRCDIR/regress/fixtures/make_xlsx.py" "$fx" >/dev/null || { echo "not ok - fixtures"; exit 1; }
sl_server_start -c "file_roots=files,$fx" --embedded-kafka || exit 1
KAFKA_ADDR=$(sl_psql -At -c 'SHOW kafka_bootstrap')

AGGS="window_start, window_end, station, count(*) AS n, count(ph) AS n_ph,
  count(DISTINCT conductivity) AS nd_cond, sum(conductivity) AS sum_cond, sum(ph) AS sum_ph,
  avg(ph) AS avg_ph, min(ph) AS min_ph, max(ph) AS max_ph, min(ts) AS min_ts, max(turbidity) AS max_turb,
  stddev(turbidity) AS sd_t, stddev_pop(turbidity) AS sdp_t, variance(temperature) AS var_temp,
  var_pop(temperature) AS varp_temp, first(ph) AS first_ph, last(ph) AS last_ph"

# The replay is paced (1000 rows/s) because the topic has 4 partitions and
# the Kafka source merges them by message timestamp: rows produced in the
# same millisecond could come out in any order across partitions.
out=$(sl_psql -q -v ON_ERROR_STOP=1 <<SQL 2>&1
CREATE SOURCE sheet FROM XLSX WITH (path = '$fx/water_xlsxwriter.xlsx', sheet = 'readings', rate = 1000);
CREATE SINK raw_kafka TO KAFKA WITH (topic = 'water', format = 'json');
CREATE SOURCE readings (ts TIMESTAMP, station TEXT, ph DOUBLE, turbidity DOUBLE, temperature DOUBLE,
                        dissolved_oxygen DOUBLE, conductivity BIGINT)
  FROM KAFKA WITH (topic = 'water', format = 'json', idle_timeout = '1 second')
  EVENT TIME ts WATERMARK 30 SECONDS;
CREATE SINK processed TO KAFKA WITH (topic = 'water-processed', format = 'json');
CREATE QUERY per_station AS SELECT $AGGS FROM readings WINDOW TUMBLING (1 MINUTE) GROUP BY station
  INTO processed;
CREATE QUERY replay AS SELECT * FROM sheet INTO raw_kafka;
SQL
)
check "pipeline set up" "" "$out"
check "the replay finishes" "finished" "$(sl_psql -At -c "SELECT wait_query('replay', 60)" 2>&1)"
check "3000 readings replayed" "3000" "$(query_field replay 6)"
# The Kafka source never ends: after idle_timeout the watermark follows the
# clock and the last windows close.  500 windows = 100 minutes x 5 stations.
wait_until 60 '[ "$(query_field per_station 6)" = 500 ]' || notok "500 windows emitted (got $(query_field per_station 6))"
check "per_station read every reading" "3000" "$(query_field per_station 5)"
check "no late rows" "0" "$(query_field per_station 7)"
check "no errors" "0" "$(query_field per_station 8)"
wait_until 20 '[ "$(kafka_count water-processed)" -ge 500 ]' || notok "500 messages on water-processed"
kafka_read water-processed >"$SL_TMP/processed.jsonl"
if /usr/bin/python3 "$SL_SRCDIR/regress/oracle/window_oracle.py" "$fx/water.csv" "$SL_TMP/processed.jsonl" tumbling 60; then
    ok "water-processed equals sqlite3's windows"
else
    notok "water-processed differs from sqlite3's windows"
fi
sl_server_stop || notok "server stops"
exit $fail
