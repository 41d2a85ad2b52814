#!/bin/bash
# regress/scripts/kafka_embedded.sh - sluiced --embedded-kafka: SHOW
# kafka_bootstrap, external clients (kcat, Python's confluent-kafka)
# producing to and consuming from the in-process broker, and queries whose
# Kafka sources and sinks omit brokers.  Event time from the Kafka message
# timestamp (no EVENT TIME column).
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/scripts/kafka_common.sh"
PY=/usr/bin/python3

# A server without it reports no address.
sl_server_start || exit 1
check "no embedded broker: kafka_bootstrap is empty" "" "$(sl_psql -At -c 'SHOW kafka_bootstrap' 2>&1)"
sl_server_stop || notok "server stops"

sl_server_start --embedded-kafka || exit 1
KAFKA_ADDR=$(sl_psql -At -c 'SHOW kafka_bootstrap' 2>&1)
case $KAFKA_ADDR in 127.0.0.1:[0-9]*) ok "SHOW kafka_bootstrap: $KAFKA_ADDR" ;;
    *) notok "SHOW kafka_bootstrap: $KAFKA_ADDR"; exit 1 ;; esac
grep -q "embedded kafka broker (in memory, for demos and tests) listening on $KAFKA_ADDR" "$SL_TMP/server.log" &&
    ok "the log names the address" || notok "the log names the address"

# ---- kcat produces, a query without brokers consumes ----
seq 1 250 | awk '{ printf "{\"n\":%d}\n", $1 }' | timeout 20 "$KCAT" -P -b "$KAFKA_ADDR" -t kc ||
    notok "kcat produces to the embedded broker"
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SOURCE kc (n BIGINT) FROM KAFKA WITH (topic = 'kc')" \
    -c "CREATE SINK kc_file TO FILE WITH (path = 'kc.jsonl')" \
    -c "CREATE QUERY kc_copy AS SELECT n FROM kc INTO kc_file" 2>&1)
check "create a query on the embedded broker" "" "$out"
wait_until 20 '[ "$(wc -l <"$SL_DATADIR/files/kc.jsonl" 2>/dev/null || echo 0)" -ge 250 ]' || notok "250 lines"
check "every kcat message read once" "250 31375" \
    "$(wc -l <"$SL_DATADIR/files/kc.jsonl") $(grep -o '[0-9]*' "$SL_DATADIR/files/kc.jsonl" | awk '{ s += $1 } END { print s }')"

# ---- CSV messages: by position, and with a header line in each message ----
printf 's1,7.5|s2,8|bad,high|station,ph\ns3,6.25|ph,station\n6.5,s4\n7,s5' |
    timeout 20 "$KCAT" -P -b "$KAFKA_ADDR" -t csv -D '|' -p 0 || notok "kcat produces CSV"
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SOURCE csv_pos (station TEXT, ph DOUBLE) FROM KAFKA WITH (topic = 'csv', format = 'csv')" \
    -c "CREATE SOURCE csv_hdr (ph DOUBLE, station TEXT) FROM KAFKA WITH (topic = 'csv', format = 'csv', header = true)" \
    -c "CREATE SINK pos_file TO FILE WITH (path = 'pos.csv', format = 'csv', header = false)" \
    -c "CREATE SINK hdr_file TO FILE WITH (path = 'hdr.csv', format = 'csv', header = false)" \
    -c "CREATE QUERY csv_by_position AS SELECT station, ph FROM csv_pos INTO pos_file" \
    -c "CREATE QUERY csv_by_header AS SELECT station, ph FROM csv_hdr INTO hdr_file" 2>&1)
check "create the CSV queries" "" "$out"
wait_until 20 '[ "$(query_field csv_by_position 5)" = 3 ] && [ "$(query_field csv_by_header 5)" = 3 ]' ||
    notok "CSV rows read: $(query_field csv_by_position 5) $(query_field csv_by_header 5)"
sleep 0.3
# By position every line is a row: the header lines and lines with a
# text where ph is are the 5 errors.  With header = true the first line of
# each message names the columns (the first three messages are only that).
check "CSV by position: rows, decode errors" "s1,7.5
s2,8
s3,6.25|5" "$(cat "$SL_DATADIR/files/pos.csv")|$(query_field csv_by_position 8)"
check "CSV with a header per message: rows, decode errors" "s3,6.25
s4,6.5
s5,7|0" "$(cat "$SL_DATADIR/files/hdr.csv")|$(query_field csv_by_header 8)"

# ---- a confluent-kafka producer; the query's Kafka sink read back by confluent-kafka ----
cat >"$SL_TMP/clients.py" <<'PYEOF'
# produce: 1800 readings, 100 ms apart from 2026-01-01 00:00:00 UTC, the
# event time in the message timestamp, spread over the 4 partitions of an
# auto-created topic (the source merges partitions by timestamp, so with
# no lateness allowed no row is late); prints the expected per-minute,
# per-station aggregates.
# consume TOPIC N: prints N messages of TOPIC in the same form.
import json, sys
from confluent_kafka import Consumer, Producer, TopicPartition

addr, mode = sys.argv[1], sys.argv[2]
T0 = 1767225600000  # 2026-01-01T00:00:00Z in ms
if mode == "produce":
    p = Producer({"bootstrap.servers": addr, "enable.idempotence": True})
    groups = {}
    for i in range(1800):
        st = "st%d" % (i * 11 % 3)
        v = (i * 7919) % 1000 / 10.0
        p.produce("py", json.dumps({"station": st, "v": v}).encode(), key=st.encode(),
                  partition=(i * 5 + i // 7) % 4, timestamp=T0 + i * 100)
        groups.setdefault((i * 100 // 60000, st), []).append(v)
    left = p.flush(20)
    assert left == 0, "%d messages not delivered" % left
    for (m, st), vs in sorted(groups.items()):
        print("2026-01-01T00:%02d:00Z %s %d %.6f %.1f" % (m, st, len(vs), sum(vs), min(vs)))
else:
    topic, n = sys.argv[3], int(sys.argv[4])
    c = Consumer({"bootstrap.servers": addr, "group.id": "check", "enable.auto.commit": False})
    parts = c.list_topics(topic, timeout=10).topics[topic].partitions
    c.assign([TopicPartition(topic, p, 0) for p in parts])  # from offset 0: nothing was deleted
    rows = []
    while len(rows) < n:
        msgs = c.consume(1000, timeout=10)
        if not msgs:
            break
        rows += [json.loads(m.value()) for m in msgs if m.error() is None]
    c.close()
    for r in sorted(rows, key=lambda r: (r["window_start"], r["station"])):
        print("%s %s %d %.6f %.1f" % (r["window_start"], r["station"], r["n"], r["total"], r["low"]))
PYEOF
expected=$(timeout 60 $PY "$SL_TMP/clients.py" "$KAFKA_ADDR" produce 2>&1)
check "confluent-kafka produced 9 groups" "9" "$(wc -l <<<"$expected")"
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SOURCE py (station TEXT, v DOUBLE) FROM KAFKA WITH (topic = 'py', idle_timeout = '1 second')" \
    -c "CREATE SINK py_out TO KAFKA WITH (topic = 'py-out', key = 'station')" \
    -c "CREATE QUERY py_agg AS SELECT window_start, station, count(*) AS n, sum(v) AS total, min(v) AS low
          FROM py WINDOW TUMBLING (1 MINUTE) GROUP BY station INTO py_out" 2>&1)
check "create the aggregate on the Kafka timestamps" "" "$out"
wait_until 30 '[ "$(kafka_count py-out)" -ge 9 ]' || notok "9 rows in py-out"
got=$(timeout 60 $PY "$SL_TMP/clients.py" "$KAFKA_ADDR" consume py-out 9 2>&1)
check "aggregates read by confluent-kafka equal the producer's" "$expected" "$got"
check "py_agg: rows_in, late, errors" "1800|0|0" "$(query_field py_agg 5)|$(query_field py_agg 7)|$(query_field py_agg 8)"

# ---- a producer queue much smaller than a batch: write() waits for room ----
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SOURCE gen FROM GENERATOR WITH (rows = 3000)" \
    -c "CREATE SINK small_queue TO KAFKA WITH (topic = 'gen', format = 'csv',
          properties = 'queue.buffering.max.messages=10; linger.ms=0')" \
    -c "CREATE QUERY gen_copy AS SELECT * FROM gen INTO small_queue" 2>&1)
check "create a query into a sink with a tiny queue" "" "$out"
check "it finishes" "finished" "$(sl_psql -At -c "SELECT wait_query('gen_copy', 60)" 2>&1)"
check "every row delivered once" "3000 3000" "$(kafka_count gen) $(kafka_read gen | sort -u | wc -l)"

# ---- the setting does the same as the flag ----
sl_server_stop || notok "server stops"
sl_server_start -c embedded_kafka=on || exit 1
addr2=$(sl_psql -At -c 'SHOW kafka_bootstrap' 2>&1)
case $addr2 in 127.0.0.1:[0-9]*) ok "embedded_kafka = on starts it too" ;;
    *) notok "embedded_kafka = on: $addr2" ;; esac
out=$(sl_psql -At -c "SET kafka_bootstrap = 'x'" 2>&1)
case $out in ERROR:*) ok "kafka_bootstrap is read-only" ;; *) notok "kafka_bootstrap is read-only: $out" ;; esac
sl_server_stop || notok "server stops"
exit $fail
