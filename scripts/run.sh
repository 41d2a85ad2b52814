#!/bin/sh
# scripts/run.sh - the README's run command: installs what is missing,
# builds, starts sluiced with the embedded Kafka broker on ./data (created
# on first start), sets up the sample water-quality pipeline
# (examples/water.sql) and shows its per-station results flowing in the
# shell.  The server then keeps running in the foreground: connect with
# `./sluice` or `psql -h /tmp -p 5477 -d sluice` (as the same OS user: peer
# authentication); Ctrl-C stops it cleanly.
# Extra arguments go to sluiced (e.g. -p 5480).
#
# When Debian's influxd and dynalite (both installed by scripts/deps.sh) are
# there, the demo also starts them on loopback (InfluxDB 1.x on
# 127.0.0.1:18086 with its data under ./data/influxdb, dynalite in memory
# on 127.0.0.1:18000) and adds the sinks of examples/water_influxdb.sql and
# examples/water_dynamodb.sql; they are stopped with the server.
set -eu
cd "$(dirname "$0")/.."

./scripts/deps.sh
if [ ! -x ./sluiced ] || [ ! -f config.status ]; then
    autoreconf -fi
    ./configure
fi
make -j"$(nproc)"

port=5477
prev=""
for a in "$@"; do
    [ "$prev" = "-p" ] && port=$a
    prev=$a
done

# Sources and sinks reach only files under file_roots, by default
# data/files (docs/security.md): the sheet goes there, and the alerts and
# the archive of examples/water.sql land there.
mkdir -p data/files
cp examples/water.xlsx data/files/water.xlsx
# The stores, each in its own session (Ctrl-C on the shell below must not
# reach them), stopped by PID with the server.
influx_pid="" dyn_pid=""
if command -v influxd >/dev/null 2>&1; then
    mkdir -p data/influxdb
    cat > data/influxdb/influxd.conf <<EOF
reporting-enabled = false
bind-address = "127.0.0.1:18088"
[meta]
  dir = "$PWD/data/influxdb/meta"
[data]
  dir = "$PWD/data/influxdb/data"
  wal-dir = "$PWD/data/influxdb/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:18086"
  log-enabled = false
[monitor]
  store-enabled = false
EOF
    setsid influxd -config data/influxdb/influxd.conf > data/influxdb/influxd.log 2>&1 &
    influx_pid=$!
fi
dynalite=regress/npm/node_modules/.bin/dynalite
if [ -x "$dynalite" ]; then
    # Tables become ACTIVE 20 ms after CreateTable (dynalite's default: 500 ms).
    setsid "$dynalite" --host 127.0.0.1 --port 18000 --createTableMs 20 > data/dynalite.log 2>&1 &
    dyn_pid=$!
fi

# Its own session, so that Ctrl-C on the watching shell below does not reach
# the server; the trap stops it by its PID.
setsid ./sluiced --embedded-kafka -D ./data "$@" &
server=$!
stop_all() {
    kill -TERM $server 2>/dev/null
    wait $server
    for p in $influx_pid $dyn_pid; do
        kill -TERM "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    exit 0
}
trap stop_all INT TERM
for _ in $(seq 100); do
    [ -S "/tmp/.s.PGSQL.$port" ] && break
    kill -0 "$server" 2>/dev/null || { echo "sluiced did not start"; exit 1; }
    sleep 0.1
done

# Through the Unix socket, as the OS user that started the server: peer
# authentication, no password (docs/security.md).
export SLUICE_HOST=/tmp SLUICE_PORT=$port
echo "== setting up the pipeline: examples/water.sql"
./sluice -q -f examples/water.sql

# The stores: InfluxDB needs its database, DynamoDB its table.
if [ -n "$influx_pid" ]; then
    for _ in $(seq 100); do curl -sf http://127.0.0.1:18086/ping >/dev/null && break; sleep 0.1; done
    if curl -sf -XPOST http://127.0.0.1:18086/query --data-urlencode "q=CREATE DATABASE water" >/dev/null; then
        echo "== adding the InfluxDB sink: examples/water_influxdb.sql"
        ./sluice -q -f examples/water_influxdb.sql
    else
        echo "influxd did not start (data/influxdb/influxd.log): the demo goes on without it"
        influx_pid=""
    fi
fi
if [ -n "$dyn_pid" ]; then
    for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:18000/ && break; sleep 0.1; done
    if curl -sf -XPOST http://127.0.0.1:18000/ --aws-sigv4 "aws:amz:us-east-1:dynamodb" --user demo:demo \
        -H 'Content-Type: application/x-amz-json-1.0' -H 'X-Amz-Target: DynamoDB_20120810.CreateTable' \
        -d '{"TableName": "water", "BillingMode": "PAY_PER_REQUEST",
             "AttributeDefinitions": [{"AttributeName": "station", "AttributeType": "S"},
                                      {"AttributeName": "window_start", "AttributeType": "S"}],
             "KeySchema": [{"AttributeName": "station", "KeyType": "HASH"},
                           {"AttributeName": "window_start", "KeyType": "RANGE"}]}' >/dev/null; then
        # Writes before the table is ACTIVE fail (ResourceNotFoundException).
        for _ in $(seq 100); do
            curl -s -XPOST http://127.0.0.1:18000/ --aws-sigv4 "aws:amz:us-east-1:dynamodb" --user demo:demo \
                -H 'Content-Type: application/x-amz-json-1.0' -H 'X-Amz-Target: DynamoDB_20120810.DescribeTable' \
                -d '{"TableName": "water"}' | grep -q '"TableStatus":"ACTIVE"' && break
            sleep 0.1
        done
        echo "== adding the DynamoDB sink: examples/water_dynamodb.sql"
        ./sluice -q -f examples/water_dynamodb.sql
    else
        echo "dynalite did not start (data/dynalite.log): the demo goes on without it"
        dyn_pid=""
    fi
fi
echo
echo "== per-station 1-minute windows as they arrive on the topic water-processed"
echo "   (the replay sends 100 readings a second; Ctrl-C stops watching early)"
./sluice -c "SELECT window_start, station, readings, avg_ph, max_turbidity FROM processed_feed LIMIT 60" || true
echo
./sluice -c "SHOW QUERIES" || true
printf '\\x\nSHOW SINKS;\n' | ./sluice -q || true
echo "alerts so far: $(wc -l < data/files/alerts.jsonl 2>/dev/null || echo 0) (data/files/alerts.jsonl); raw archive: data/files/archive/*.avro"
if [ -n "$influx_pid" ]; then
    echo "InfluxDB points (measurement water_1m): $(curl -s -G http://127.0.0.1:18086/query --data-urlencode db=water \
        --data-urlencode "q=SELECT count(avg_ph) FROM water_1m" | sed -n 's/.*"values":\[\[[^,]*,\([0-9]*\)\]\].*/\1/p')"
fi
if [ -n "$dyn_pid" ]; then
    echo "DynamoDB items (table water): $(curl -s -XPOST http://127.0.0.1:18000/ --aws-sigv4 "aws:amz:us-east-1:dynamodb" \
        --user demo:demo -H 'Content-Type: application/x-amz-json-1.0' -H 'X-Amz-Target: DynamoDB_20120810.Scan' \
        -d '{"TableName": "water", "Select": "COUNT"}' | sed -n 's/.*"Count":\([0-9]*\).*/\1/p')"
fi
echo "kafka bootstrap (for kcat): $(psql -X -At -h /tmp -p "$port" -d sluice -c "SHOW kafka_bootstrap" 2>/dev/null || true)"
echo
echo "sluiced is running (PID $server): ./sluice or psql -h /tmp -p $port -d sluice; Ctrl-C stops it."
wait $server
