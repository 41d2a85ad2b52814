#!/bin/bash
# regress/scripts/kafka_pipeline.sh - Kafka in, SQL, Kafka out, against the
# standalone broker (regress/kafka-broker):
#   - readings produced with kcat, a 1-minute per-station window query into
#     a Kafka sink, the output topic read back with kcat and compared with
#     aggregates computed independently (Python over the produced lines);
#   - two queries on one 4-partition topic each see every message, with the
#     message key as a column and CSV output;
#   - undecodable messages are counted in SHOW QUERIES and do not stop a query;
#     with dead_letter they go to a FILE sink as (raw, error, source, at);
#   - errors: no brokers and no embedded broker, a delivery that fails,
#     format avro.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/scripts/kafka_common.sh"
PY=/usr/bin/python3

kafka_broker_start water:1 multi:4 || exit 1
sl_server_start || exit 1

# 600 readings over 5 minutes, 4 stations, in event-time order; 3 bad messages.
$PY - >"$SL_TMP/readings.jsonl" <<'PYEOF'
import json
for i in range(600):
    sec = i // 2
    r = {"ts": "2026-01-01T00:%02d:%02d%sZ" % (sec // 60, sec % 60, ".5" if i % 2 else ""),
         "station": "s%d" % ((i * 7) % 4), "ph": round(6.0 + ((i * 37) % 30) / 10, 1)}
    print(json.dumps(r))
    if i in (100, 300, 500):
        print(['not json', '{"ts": "2026-01-01T00:00:00Z", "station": 5, "ph": 7}',
               '{"ts": "2026-01-01T00:00:00Z", "station": "s1", "ph": "high"}'][(i // 200)])
PYEOF
# The same readings keyed id<n> (kcat -K: key before the tab).
awk '{ printf "id%d\t%s\n", NR, $0 }' "$SL_TMP/readings.jsonl" >"$SL_TMP/keyed.txt"
timeout 20 "$KCAT" -P -b "$KAFKA_ADDR" -t water <"$SL_TMP/readings.jsonl" || notok "kcat produce water"
timeout 20 "$KCAT" -P -b "$KAFKA_ADDR" -t multi -K $'\t' <"$SL_TMP/keyed.txt" || notok "kcat produce multi"
check "produced" "603 603" "$(kafka_count water) $(kafka_count multi)"

# ---- windows per station, Kafka to Kafka ----
# One partition keeps event time in order, so WATERMARK 0 drops nothing;
# idle_timeout closes the last window soon after the data ends.
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SINK water_dead TO FILE WITH (path = 'water_dead.jsonl')" \
    -c "CREATE SOURCE readings (ts TIMESTAMP, station TEXT, ph DOUBLE) FROM KAFKA
          WITH (brokers = '$KAFKA_ADDR', topic = 'water', idle_timeout = '1 second',
                dead_letter = 'water_dead')
          EVENT TIME ts WATERMARK 0 SECONDS" \
    -c "CREATE SINK processed TO KAFKA WITH (brokers = '$KAFKA_ADDR', topic = 'water-processed', key = 'station')" \
    -c "CREATE QUERY per_station AS SELECT window_start, station, count(*) AS n, avg(ph) AS avg_ph,
          max(ph) AS max_ph FROM readings WINDOW TUMBLING (1 MINUTE) GROUP BY station INTO processed" 2>&1)
check "create the window query" "" "$out"
wait_until 30 '[ "$(kafka_count water-processed)" -ge 20 ]' || notok "20 window rows in water-processed"
expected=$($PY - "$SL_TMP/readings.jsonl" <<'PYEOF'
import json, sys
groups = {}
for line in open(sys.argv[1]):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if not isinstance(r.get("station"), str) or not isinstance(r.get("ph"), (int, float)):
        continue
    key = (r["ts"][:17] + "00Z", r["station"])
    groups.setdefault(key, []).append(r["ph"])
for (w, s), v in sorted(groups.items()):
    print("%s|%s|%d|%.9f|%.1f" % (w, s, len(v), sum(v) / len(v), max(v)))
PYEOF
)
got=$(kafka_read water-processed | $PY -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
for r in sorted(rows, key=lambda r: (r["window_start"], r["station"])):
    print("%s|%s|%d|%.9f|%.1f" % (r["window_start"], r["station"], r["n"], r["avg_ph"], r["max_ph"]))')
check "window aggregates equal Python's over the produced data" "$expected" "$got"
keys=$(timeout 20 "$KCAT" -C -b "$KAFKA_ADDR" -t water-processed -e -q -o beginning -f '%k %s\n' |
    $PY -c 'import json, sys
print(all(l.split(" ", 1)[0] == json.loads(l.split(" ", 1)[1])["station"] for l in sys.stdin))')
check "message keys are the station column" "True" "$keys"
check "per_station: decode errors counted, rows_in" "3|600|0" \
    "$(query_field per_station 8)|$(query_field per_station 5)|$(query_field per_station 7)"
# The dead letters: flushed before the offsets were committed, so already
# there once the window rows are.
wait_until 10 '[ "$(wc -l <"$SL_DATADIR/files/water_dead.jsonl" 2>/dev/null || echo 0)" -ge 3 ]' ||
    notok "3 lines in water_dead.jsonl"
expected=$(grep -v '^{"ts": "[^"]*", "station": "s[0-9]", "ph": [0-9.]*}$' "$SL_TMP/readings.jsonl")
got=$($PY -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    ok = r["source"] == "readings" and r["error"] != "" and r["at"].startswith("20")
    print(r["raw"] if ok else "bad dead letter: " + l.strip())' "$SL_DATADIR/files/water_dead.jsonl")
check "dead letters: the raw messages, with error, source and time" "$expected" "$got"

# ---- two queries on one topic: each sees every message ----
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SOURCE multi (ts TIMESTAMP, station TEXT, id TEXT, ph DOUBLE) FROM KAFKA
          WITH (brokers = '$KAFKA_ADDR', topic = 'multi', key_column = 'id')" \
    -c "CREATE SINK copy_csv TO KAFKA WITH (brokers = '$KAFKA_ADDR', topic = 'copy', format = 'csv', compression = 'lz4')" \
    -c "CREATE SINK copy_file TO FILE WITH (path = 'copy.jsonl')" \
    -c "CREATE QUERY one AS SELECT id, station, ph FROM multi INTO copy_csv" \
    -c "CREATE QUERY two AS SELECT * FROM multi WHERE ph >= 0 INTO copy_file" 2>&1)
check "create two queries on one topic" "" "$out"
wait_until 20 '[ "$(kafka_count copy)" -ge 600 ]' || notok "600 messages in topic copy"
wait_until 20 '[ "$(wc -l <"$SL_DATADIR/files/copy.jsonl" 2>/dev/null || echo 0)" -ge 600 ]' || notok "600 lines in copy.jsonl"
sleep 0.3
check "query one: rows_in, errors" "600|3" "$(query_field one 5)|$(query_field one 8)"
check "query two: rows_in, errors" "600|3" "$(query_field two 5)|$(query_field two 8)"
expected=$($PY - "$SL_TMP/keyed.txt" <<'PYEOF'
import json, sys
for line in open(sys.argv[1]):
    k, v = line.rstrip("\n").split("\t", 1)
    try:
        r = json.loads(v)
    except ValueError:
        continue
    if isinstance(r.get("station"), str) and isinstance(r.get("ph"), (int, float)):
        print("%s,%s,%s" % (k, r["station"], repr(float(r["ph"]))))
PYEOF
)
check "query one: every message once, key column, CSV" "$(sort <<<"$expected")" \
    "$(kafka_read copy | $PY -c 'import sys
for l in sys.stdin:
    k, s, p = l.strip().split(",")
    print("%s,%s,%s" % (k, s, repr(float(p))))' | sort)"
check "query two: every message once" "600 600" \
    "$(wc -l <"$SL_DATADIR/files/copy.jsonl") $(grep -o '"id":"id[0-9]*"' "$SL_DATADIR/files/copy.jsonl" | sort -u | wc -l)"
timestamps=$(grep -c '"ts":"2026-01-01T00:0[0-4]:[0-5][0-9]\(\.5\)\?Z"' "$SL_DATADIR/files/copy.jsonl")
case $timestamps in 600) ok "event column decoded" ;;
    *) notok "event column decoded: $timestamps" ;; esac

# ---- errors ----
out=$(sl_psql -At -c "CREATE SOURCE nob (v DOUBLE) FROM KAFKA WITH (topic = 'x')" \
    -c "CREATE QUERY nob_q AS SELECT * FROM nob INTO copy_file" 2>&1)
check "no brokers and no embedded broker" 'CREATE SOURCE
ERROR:  source "nob": no brokers given and no embedded kafka broker is running
HINT:  Give the brokers option, or start sluiced with --embedded-kafka.' "$out"
out=$(sl_psql -At -c "CREATE SOURCE nokey (v DOUBLE) FROM KAFKA WITH (brokers = '$KAFKA_ADDR', topic = 'multi', key_column = 'k')" \
    -c "SELECT * FROM nokey LIMIT 1" 2>&1)
check "key_column must be declared" 'CREATE SOURCE
ERROR:  source "nokey": key_column "k" is not a declared column
HINT:  Declare it as a TEXT column of the source.' "$out"
out=$(sl_psql -At -c "CREATE SOURCE av (v DOUBLE) FROM KAFKA WITH (topic = 'x', format = 'avro')" 2>&1)
check "format avro needs a schema" 'ERROR:  format avro needs the option "schema"
HINT:  Give the writer schema as JSON text or the name of a file holding it.' "$out"
out=$(sl_psql -At -c "CREATE SINK badprop TO KAFKA WITH (topic = 'x', properties = 'no.such.setting=1')" 2>&1)
case $out in *'kafka setting "no.such.setting" is not allowed in "properties"'*) ok "unknown librdkafka property refused" ;;
    *) notok "unknown librdkafka property refused: $out" ;; esac
# A broker that is not there: librdkafka gives up after message.timeout.ms,
# the query fails with its text.
dead=127.0.0.1:$(sl_free_port)
sl_psql -q -c "CREATE SOURCE gen FROM GENERATOR WITH (rows = 5)" \
    -c "CREATE SINK nowhere TO KAFKA WITH (brokers = '$dead', topic = 't',
          properties = 'message.timeout.ms=1500; socket.connection.setup.timeout.ms=1000')" \
    -c "CREATE QUERY lost AS SELECT * FROM gen INTO nowhere" >/dev/null 2>&1
check "failed delivery fails the query" "failed" "$(sl_psql -At -c "SELECT wait_query('lost', 20)" 2>&1)"
err=$(query_field lost 11)
case $err in *'sink "nowhere": delivery to topic "t" failed: '*) ok "error shown: $err" ;;
    *) notok "delivery error shown: $err" ;; esac

sl_server_stop || notok "server stops"
kafka_broker_stop || notok "kafka-broker exits with status 0"
exit $fail
