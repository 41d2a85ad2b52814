#!/bin/bash
# regress/scripts/kafka_event_time.sh - windows over multi-partition Kafka
# topics are exact (issue 11): however the readings are spread over the
# partitions, no row is late and every window equals sqlite3's.
#
# The readings (regress/lib/make_readings.py: 3000, 7 s apart, 5 stations,
# ISO timestamps) go to 8-partition topics in 6 chunks of 500 lines by
# `kcat -P`, with 0.1-0.9 s pauses between chunks, as a user would send them:
#   keyless   no message key: librdkafka's sticky partitioner puts runs of
#             consecutive readings on one partition, then moves on
#   keyed     the station as the key: each station in one partition, three
#             (or more) of the 8 partitions stay empty
# The query is a 10-minute tumbling window per station into a FILE sink,
# EVENT TIME ts WATERMARK 1 MINUTE, idle_timeout 3s; it is created before
# the first chunk (keyless) or after it (keyed).  A second server reads two
# more topics (keyless and keyed) and is killed with SIGKILL three times,
# twice while it reads a chunk and once between chunks, and started again
# on its data directory each time (checkpoints every 500 ms).  A third
# server with the embedded broker reads a keyless topic written by three
# kcat calls (1500 readings, two garbage lines, 1500 readings).  Finally
# one reading per station a day later closes every window.
#
# Checked: late_rows = 0 for every query; every window equals the sqlite3
# oracle (regress/oracle/window_oracle.py); the killed server's windows
# written twice are identical rewrites.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/scripts/kafka_common.sh"
. "$SL_SRCDIR/regress/lib/servers.sh"
cleanup() {
    local rc=$?
    srv__cleanup
    (exit $rc)
    kafka__cleanup
    sl__cleanup
}
trap cleanup EXIT

rd=$SL_TMP/readings
/usr/bin/python3 "$SL_SRCDIR/regress/lib/make_readings.py" "$rd" || { echo "not ok - readings"; exit 1; }
kafka_broker_start et_keyless:8 et_keyed:8 et_kill_keyless:8 et_kill_keyed:8 || { echo "not ok - broker starts"; exit 1; }

AGGS=$ORACLE_AGGS
field() { q "$1" -F'|' -c 'SHOW QUERIES' | awk -F'|' -v n="$2" -v c="$3" '$1 == n { print $c }'; }

# setup SERVER NAME TOPIC [BROKERS]: a source on TOPIC, a FILE sink NAME.jsonl, query NAME
setup() {
    local brokers=""
    [ -n "${4:-}" ] && brokers="brokers = '$4', "
    q "$1" <<SQL
CREATE SOURCE src_$2 (ts TIMESTAMP, station TEXT, ph DOUBLE, turbidity DOUBLE, temperature DOUBLE,
                      dissolved_oxygen DOUBLE, conductivity BIGINT)
  FROM KAFKA WITH (${brokers}topic = '$3', format = 'json', start = 'earliest', idle_timeout = '3s')
  EVENT TIME ts WATERMARK 1 MINUTE;
CREATE SINK out_$2 TO FILE WITH (path = '$2.jsonl', batch_rows = 5, flush_interval = '100 milliseconds');
CREATE QUERY $2 AS SELECT $AGGS FROM src_$2 WINDOW TUMBLING (10 MINUTES) GROUP BY station INTO out_$2;
SQL
}

# produce FILE TOPIC BROKER FIRST COUNT: COUNT lines of FILE from line FIRST
# to TOPIC by kcat -P (keyed, "key|value", for keyed*.txt)
produce() {
    local keyopt=""
    case $1 in *keyed*) keyopt="-K|" ;; esac
    tail -n +"$4" "$1" | head -n "$5" | timeout 20 "$KCAT" -P -b "$3" -t "$2" ${keyopt:+"$keyopt"} ||
        notok "kcat produces to $2"
}

srv_start ref || exit 1
srv_start crash -c checkpoint_interval=500ms || exit 1
srv_start emb --embedded-kafka || exit 1
EMB_ADDR=$(q emb -c 'SHOW kafka_bootstrap')
check "keyless, created before the first chunk" "" "$(setup ref keyless et_keyless "$KAFKA_ADDR" 2>&1)"
check "crash server: keyless query" "" "$(setup crash kill_keyless et_kill_keyless "$KAFKA_ADDR" 2>&1)"
check "crash server: keyed query" "" "$(setup crash kill_keyed et_kill_keyed "$KAFKA_ADDR" 2>&1)"

# ---- the embedded broker: 1500 readings, two garbage lines, 1500 ----
produce "$rd/readings.jsonl" et_emb "$EMB_ADDR" 1 1500
check "embedded: keyless, created after the first 1500" "" "$(setup emb emb_keyless et_emb 2>&1)"
sleep 0.5
printf 'garbage\n{"ts": "not a time"\n' | timeout 20 "$KCAT" -P -b "$EMB_ADDR" -t et_emb || notok "kcat garbage"
sleep 0.3
produce "$rd/readings.jsonl" et_emb "$EMB_ADDR" 1501 1500

# ---- six chunks with pauses; the crash server killed after chunks 2, 3 and 4 ----
kills=0
for k in 0 1 2 3 4 5; do
    first=$((k * 500 + 1))
    produce "$rd/readings.jsonl" et_keyless "$KAFKA_ADDR" $first 500
    produce "$rd/keyed.txt" et_keyed "$KAFKA_ADDR" $first 500
    produce "$rd/readings.jsonl" et_kill_keyless "$KAFKA_ADDR" $first 500
    produce "$rd/keyed.txt" et_kill_keyed "$KAFKA_ADDR" $first 500
    if [ $k -eq 0 ]; then
        check "keyed, created after the first chunk" "" "$(setup ref keyed et_keyed "$KAFKA_ADDR" 2>&1)"
    fi
    # Killed while it reads the chunk (k = 1, 3) or after it (k = 2).
    [ $k -eq 2 ] && sleep "0.$((1 + RANDOM % 9))"
    if [ $k -ge 1 ] && [ $k -le 3 ]; then
        srv_kill crash
        kills=$((kills + 1))
        srv_start crash -c checkpoint_interval=500ms || notok "crash restarts after kill $kills"
    fi
    [ $k -ne 2 ] && sleep "0.$((1 + RANDOM % 9))"
done
for t in et_keyless et_kill_keyless; do produce "$rd/tail.jsonl" $t "$KAFKA_ADDR" 1 5; done
for t in et_keyed et_kill_keyed; do produce "$rd/tail_keyed.txt" $t "$KAFKA_ADDR" 1 5; done
produce "$rd/tail.jsonl" et_emb "$EMB_ADDR" 1 5
check "crash server killed 3 times during the chunks" "3" "$kills"

# 175 windows = 350 minutes of readings in 10-minute windows x 5 stations.
windows() { [ -f "$SL_TMP/$1/files/$2.jsonl" ] && cut -d, -f1,3 "$SL_TMP/$1/files/$2.jsonl" | sort -u | wc -l || echo 0; }
for sq in ref:keyless ref:keyed crash:kill_keyless crash:kill_keyed emb:emb_keyless; do
    s=${sq%%:*} n=${sq#*:}
    wait_until 30 "[ \"\$(windows $s $n)\" -ge 175 ]" || true
    check "$n: late rows, decode errors" "0|$([ $n = emb_keyless ] && echo 2 || echo 0)" \
        "$(field $s $n 7)|$(field $s $n 8)"
    rw=""
    [ $s = crash ] && rw=--rewrites
    out=$(/usr/bin/python3 "$SL_SRCDIR/regress/oracle/window_oracle.py" $rw "$rd/readings.csv" \
        "$SL_TMP/$s/files/$n.jsonl" tumbling 600 2>&1)
    rc=$?
    echo "# $n: $(echo "$out" | tail -1)"
    [ $rc -eq 0 ] && ok "$n: every window equals sqlite3's" || { notok "$n: every window equals sqlite3's"; echo "$out" | head -20; }
done
check "crash resumed from a checkpoint after each kill (2 queries)" "$((2 * kills))" \
    "$(grep -c 'resumed from checkpoint' "$SL_TMP/crash.log")"

for n in ref crash emb; do srv_stop $n || notok "$n stops with status 0"; done
kafka_broker_stop || notok "broker stops"
exit $fail
