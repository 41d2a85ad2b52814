#!/bin/sh
# scripts/run.sh - the README's run command: installs what is missing,
# builds, starts sluiced with the embedded Kafka broker on ./data (created
# on first start), sets up the sample water-quality pipeline
# (examples/water.sql) and shows its per-station results flowing in the
# shell.  The server then keeps running in the foreground: connect with
# `./sluice` or `psql -h 127.0.0.1 -p 5477`; Ctrl-C stops it cleanly.
# Extra arguments go to sluiced (e.g. -p 5480).
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

mkdir -p data
cp examples/water.xlsx data/water.xlsx
# Its own session, so that Ctrl-C on the watching shell below does not reach
# the server; the trap stops it by its PID.
setsid ./sluiced --embedded-kafka -D ./data "$@" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server; exit 0' INT TERM
for _ in $(seq 100); do
    [ -S "/tmp/.s.PGSQL.$port" ] && break
    kill -0 "$server" 2>/dev/null || { echo "sluiced did not start"; exit 1; }
    sleep 0.1
done

export SLUICE_HOST=127.0.0.1 SLUICE_PORT=$port
echo "== setting up the pipeline: examples/water.sql"
./sluice -q -f examples/water.sql
echo
echo "== per-station 1-minute windows as they arrive on the topic water-processed"
echo "   (the replay sends 100 readings a second; Ctrl-C stops watching early)"
./sluice -c "SELECT window_start, station, readings, avg_ph, max_turbidity FROM processed_feed LIMIT 60" || true
echo
./sluice -c "SHOW QUERIES" || true
echo "alerts so far: $(wc -l < data/alerts.jsonl 2>/dev/null || echo 0) (data/alerts.jsonl); raw archive: data/archive.jsonl"
echo "kafka bootstrap (for kcat): $(psql -X -At -h 127.0.0.1 -p "$port" -c "SHOW kafka_bootstrap" 2>/dev/null || true)"
echo
echo "sluiced is running (PID $server): ./sluice or psql -h 127.0.0.1 -p $port; Ctrl-C stops it."
wait $server
