#!/bin/bash
# regress/scripts/kafka_avro.sh - format avro on the embedded broker: a
# Python producer (Debian python3-avro + confluent-kafka) writes Avro
# readings (with a timestamp-millis field, a nullable double, an extra
# field, and two undecodable messages) to a topic; a windowed query over a
# Kafka source with format avro and the writer schema given as a file
# aggregates them into a Kafka sink with format avro; Python decodes that
# sink's messages with the schema the server logged for it ("avro schema
# of topic ...") and compares them with the producer's own aggregates.
# Also: format avro without a schema is refused with 22023.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/scripts/kafka_common.sh"
PY=/usr/bin/python3
$PY -c 'import avro.io, confluent_kafka' 2>/dev/null || { echo "1..0 # SKIP python3-avro missing"; exit 77; }

sl_server_start -c "file_roots=files,$SL_TMP" --embedded-kafka || exit 1
KAFKA_ADDR=$(sl_psql -At -c 'SHOW kafka_bootstrap' 2>&1)

cat >"$SL_TMP/reading.avsc" <<'EOF'
{"type": "record", "name": "reading", "namespace": "water", "fields": [
  {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
  {"name": "station", "type": "string"},
  {"name": "ph", "type": ["null", "double"], "default": null},
  {"name": "extra", "type": {"type": "array", "items": "string"}},
  {"name": "n", "type": "int"}
]}
EOF

cat >"$SL_TMP/avro_clients.py" <<'PYEOF'
# produce SCHEMA: 1200 readings 100 ms apart from 2026-01-01 00:00 UTC (every
# 7th without ph), then 2 garbage messages; prints the expected
# per-minute, per-station aggregates.
# consume TOPIC N SCHEMA_JSON: decodes N Avro messages of TOPIC, same form.
import datetime, io, json, sys
import avro.io, avro.schema
from confluent_kafka import Consumer, Producer, TopicPartition

addr, mode = sys.argv[1], sys.argv[2]
T0 = 1767225600000  # 2026-01-01T00:00:00Z in ms
def line(ws_us, st, n, cnt_ph, total, last_us):
    print("%d %s %d %d %.6f %d" % (ws_us, st, n, cnt_ph, total, last_us))
if mode == "produce":
    schema = avro.schema.parse(open(sys.argv[3]).read())
    w = avro.io.DatumWriter(schema)
    p = Producer({"bootstrap.servers": addr})
    groups = {}
    for i in range(1200):
        st = "st%d" % (i % 3)
        ph = None if i % 7 == 0 else 6 + (i * 37 % 300) / 100.0
        ts = T0 + i * 100
        buf = io.BytesIO()
        dt = datetime.datetime.fromtimestamp(ts / 1000, datetime.timezone.utc)  # the library wants datetimes
        w.write({"ts": dt, "station": st, "ph": ph, "extra": ["x"] * (i % 3), "n": i}, avro.io.BinaryEncoder(buf))
        p.produce("avro-in", buf.getvalue(), partition=0, timestamp=ts)
        g = groups.setdefault((ts // 60000, st), [0, 0, 0.0, 0])
        g[0] += 1
        if ph is not None:
            g[1] += 1
            g[2] += ph
        g[3] = max(g[3], ts * 1000)
    p.produce("avro-in", b"\x02\xff\xff\xff\xff\xff\xff\xff\x7f", partition=0, timestamp=T0 + 120000)
    p.produce("avro-in", b"", partition=0, timestamp=T0 + 120000)
    assert p.flush(20) == 0
    for (m, st), g in sorted(groups.items()):
        line(m * 60000000, st, g[0], g[1], g[2], g[3])
else:
    topic, n = sys.argv[3], int(sys.argv[4])
    schema = avro.schema.parse(sys.argv[5])
    r = avro.io.DatumReader(schema)
    c = Consumer({"bootstrap.servers": addr, "group.id": "check", "enable.auto.commit": False})
    parts = c.list_topics(topic, timeout=10).topics[topic].partitions
    c.assign([TopicPartition(topic, p, 0) for p in parts])
    rows = []
    while len(rows) < n:
        msgs = c.consume(1000, timeout=10)
        if not msgs:
            break
        rows += [r.read(avro.io.BinaryDecoder(io.BytesIO(m.value()))) for m in msgs if m.error() is None]
    c.close()
    def us(t):  # the python library turns timestamp-micros into datetimes
        return t if isinstance(t, int) else round(t.timestamp() * 1000000)
    for x in sorted(rows, key=lambda x: (us(x["window_start"]), x["station"])):
        line(us(x["window_start"]), x["station"], x["n"], x["n_ph"], x["total"], us(x["last_ts"]))
PYEOF

out=$(sl_psql -At -c "CREATE SOURCE noschema (ph DOUBLE) FROM KAFKA WITH (topic = 'x', format = 'avro')" 2>&1)
case $out in *'format avro needs the option "schema"'*) ok "format avro without schema is refused" ;;
    *) notok "format avro without schema is refused: $out" ;; esac
out=$(sl_psql -At -v VERBOSITY=verbose -c "CREATE SOURCE badschema (ph DOUBLE) FROM KAFKA WITH (topic = 'x', format = 'avro', schema = '{\"type\": \"nope\"}');
    SELECT * FROM badschema LIMIT 1" 2>&1)
case $out in *22023*) ok "an invalid schema is refused with 22023" ;;
    *) notok "an invalid schema is refused with 22023: $out" ;; esac

expected=$(timeout 60 $PY "$SL_TMP/avro_clients.py" "$KAFKA_ADDR" produce "$SL_TMP/reading.avsc" 2>&1)
check "the producer wrote 6 groups" "6" "$(wc -l <<<"$expected")"
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SOURCE av (ts TIMESTAMP, station TEXT, ph DOUBLE, missing TEXT) FROM KAFKA
          WITH (topic = 'avro-in', format = 'avro', schema = '$SL_TMP/reading.avsc', idle_timeout = '1 second')" \
    -c "CREATE SINK av_out TO KAFKA WITH (topic = 'avro-out', format = 'avro')" \
    -c "CREATE QUERY av_agg AS SELECT window_start, station, count(*) AS n, count(ph) AS n_ph, sum(ph) AS total,
          max(ts) AS last_ts, min(missing) AS nothing FROM av WINDOW TUMBLING (1 MINUTE) GROUP BY station INTO av_out" 2>&1)
check "create the avro query" "" "$out"
wait_until 30 '[ "$(kafka_count avro-out)" -ge 6 ]' || notok "6 rows in avro-out"
schema=$(sed -n 's/.*sink "av_out": avro schema of topic "avro-out": //p' "$SL_TMP/server.log" | head -1)
case $schema in *'"logicalType": "timestamp-micros"'*) ok "the sink logged its schema" ;;
    *) notok "the sink logged its schema: $schema" ;; esac
got=$(timeout 60 $PY "$SL_TMP/avro_clients.py" "$KAFKA_ADDR" consume avro-out 6 "$schema" 2>&1)
check "avro aggregates decoded by python equal the producer's" "$expected" "$got"
check "av_agg: rows_in, decode errors" "1200|2" "$(query_field av_agg 5)|$(query_field av_agg 8)"
sl_server_stop || notok "server stops"
exit $fail
