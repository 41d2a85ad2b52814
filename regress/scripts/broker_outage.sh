#!/bin/bash
# regress/scripts/broker_outage.sh - a Kafka broker outage during a run
# (issue 6, "Faults"): the standalone broker (regress/kafka-broker,
# librdkafka 2.0.2's mock cluster) is killed while a Kafka-source query and
# a Kafka-sink query run, stays away for 20 s, and a broker comes back on
# the same address.
#
# What the mock cluster cannot do, and how the test gets around it:
#   - It cannot be told a port (it binds port 0 and reports what it got),
#     so a restarted broker never has the old port.  The test puts a small
#     TCP proxy (Python, written below) on a fixed port in front of it;
#     sluiced only ever sees the proxy's address.  The proxy passes bytes
#     through and rewrites the broker's own address (127.0.0.1 + its port)
#     in the broker's replies (Metadata, FindCoordinator) into the proxy's,
#     so that clients keep connecting through the proxy.  "Broker killed"
#     = the broker and the proxy are SIGKILLed (connections reset, then
#     connection refused on the address); "restarted on the same port" = a
#     new broker and a new proxy on the same proxy port.
#   - It keeps everything in memory, so the restarted broker is empty: the
#     topics, their messages and the consumer group's committed offsets are
#     gone.  Reconnecting to a restarted broker WITH ITS DATA (the real
#     Kafka case: the query continues exactly at its committed offsets on
#     the same log) is therefore NOT covered here; what is covered is that
#     the client side reconnects and continues on the new broker.
#
# Checked:
#   Source (events -> FILE sink, query "mirror"):
#   - before the outage every produced message (1..500) is in the file;
#   - while the broker is gone (20 s, sampled every second): the query stays
#     `running` (never failed), reads nothing, and librdkafka's connection
#     errors are in the server log; memory does not grow;
#   - after the restart the query reconnects by itself: messages 501..800,
#     produced to the new (empty) broker, arrive (its fetch position is
#     past the new log's end, so librdkafka resets it to `start` =
#     earliest); the file holds 1..800, each exactly once.  The new
#     broker's topic has 3 partitions instead of 1 and the messages go to
#     all three: the running query finds the new partitions by itself
#     (issue 11: partitions added while a query runs are read).
#   Sink (GENERATOR -> KAFKA sink, query "gen_out", idempotent producer):
#   - paused before the kill, and the old broker holds every row the sink
#     confirmed (waited for: PAUSE returns before the worker's flush); resumed while the broker is gone: librdkafka queues and
#     retries the messages itself, the framework's flush times out after
#     10 s and retries with backoff: SHOW SINKS state `retrying`,
#     retries > 0, last_error; the query stays `running`;
#   - after the restart the queued messages are delivered to the new
#     broker: the old broker's prefix + the new broker's messages are the
#     generator's rows 0..N-1 without a gap or a duplicate, N = the rows
#     SHOW SINKS says the sink confirmed.
#   Memory: sluiced's peak RSS (VmHWM) printed, under 256 MiB (1 GiB with
#   sanitizers).
# Every wait is bounded (about 60 s in all).
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/scripts/kafka_common.sh"
PY=/usr/bin/python3
OUTAGE=20
PROXY_PID=

bo__cleanup() {
    local rc=$?
    if [ -n "$PROXY_PID" ]; then kill -KILL "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null; fi
    return $rc
}
trap 'bo__cleanup; kafka__cleanup; sl__cleanup' EXIT
if ldd "$SLUICED" 2>/dev/null | grep -q 'libasan'; then HWM_MAX_MB=1024; else HWM_MAX_MB=256; fi
vm() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SL_PID/status"; }

# The proxy: LISTEN_PORT BACKEND_PORT; prints "ready" once it listens.
cat >"$SL_TMP/kproxy.py" <<'PYEOF'
import asyncio, struct, sys
listen, backend = int(sys.argv[1]), int(sys.argv[2])
# Kafka replies name brokers as host (string) + port (int32): the broker's
# own address becomes the proxy's (same length: the frame sizes hold).
old = b"127.0.0.1" + struct.pack(">i", backend)
new = b"127.0.0.1" + struct.pack(">i", listen)

async def to_broker(r, w):
    try:
        while True:
            d = await r.read(65536)
            if not d:
                break
            w.write(d)
            await w.drain()
    except Exception:
        pass
    finally:
        w.close()

async def to_client(r, w):  # whole frames: [int32 size][size bytes]
    try:
        while True:
            h = await r.readexactly(4)
            body = await r.readexactly(struct.unpack(">i", h)[0])
            w.write(h + body.replace(old, new))
            await w.drain()
    except Exception:
        pass
    finally:
        w.close()

async def conn(cr, cw):
    try:
        br, bw = await asyncio.open_connection("127.0.0.1", backend)
    except OSError:
        cw.close()
        return
    await asyncio.gather(to_broker(cr, bw), to_client(br, cw))

async def main():
    srv = await asyncio.start_server(conn, "127.0.0.1", listen, reuse_address=True)
    print("ready", flush=True)
    async with srv:
        await srv.serve_forever()

asyncio.run(main())
PYEOF

PROXY_PORT=$(sl_free_port)
BOOT=127.0.0.1:$PROXY_PORT
proxy_start() { # proxy_start: in front of the broker at KAFKA_ADDR
    rm -f "$SL_TMP/proxy.ready"
    $PY "$SL_TMP/kproxy.py" "$PROXY_PORT" "${KAFKA_ADDR##*:}" >"$SL_TMP/proxy.ready" 2>>"$SL_TMP/proxy.log" &
    PROXY_PID=$!
    wait_until 10 'grep -q ready "$SL_TMP/proxy.ready"'
}
broker_kill() { # the broker and its proxy, SIGKILL: nothing is shut down cleanly
    kill -KILL "$KAFKA_PID" "$PROXY_PID"
    wait "$KAFKA_PID" "$PROXY_PID" 2>/dev/null
    KAFKA_PID=''
    PROXY_PID=''
}
produce() { # produce FIRST LAST [kcat args]: events FIRST..LAST, one a second of event time
    local first=$1 last=$2
    shift 2
    seq "$first" "$last" | awk '{ printf "{\"ts\":\"2026-01-01T00:00:00Z\",\"id\":%d}\n", $1 }' |
        timeout 20 "$KCAT" -P -b "$BOOT" -t events "$@"
}
ids_ok() { # ids_ok N FILE: the file holds ids 1..N, each exactly once
    $PY -c "
import json, sys
ids = sorted(json.loads(l)['id'] for l in open(sys.argv[1]))
print('ok' if ids == list(range(1, $1 + 1)) else 'got %d rows, %d distinct, max %s' % (len(ids), len(set(ids)), ids[-1] if ids else None))" "$2"
}
ts_list() { # ts_list: the ts of the messages of topic sunk (via the proxy), one a line
    timeout 20 "$KCAT" -C -b "$BOOT" -t sunk -e -q -o beginning -f '%s\n' 2>/dev/null |
        $PY -c 'import json, sys
for l in sys.stdin: print(json.loads(l)["ts"])'
}
# pause_settle [BASE]: PAUSE gen_out, then wait until the broker holds every
# row the sink confirmed but BASE (rows that went to the old broker): PAUSE
# returns at once, the worker flushes after.
pause_settle() {
    local prev=-1 c n base=${1:-0}
    check "pause gen_out" "PAUSE QUERY" "$(sl_psql -c 'PAUSE QUERY gen_out' 2>&1)"
    for _ in $(seq 40); do
        c=$(sink_field sunk 5)
        n=$(ts_list | wc -l)
        [ $((c - base)) = "$n" ] && [ "$c" = "$prev" ] && return 0
        prev=$c
        sleep 0.5
    done
    return 1
}

kafka_broker_start events:1 sunk:1 || { echo "not ok - broker did not start"; exit 1; }
proxy_start || { echo "not ok - proxy did not start"; exit 1; }
ok "broker at $KAFKA_ADDR behind the proxy $BOOT"
sl_server_start || { echo "not ok - sluiced did not start"; exit 1; }

produce 1 500
out=$(sl_psql -q -v ON_ERROR_STOP=1 2>&1 <<SQL
CREATE SOURCE events (ts TIMESTAMP, id BIGINT) FROM KAFKA
  WITH (brokers = '$BOOT', topic = 'events', idle_timeout = '1 second') EVENT TIME ts;
CREATE SINK mirror_file TO FILE WITH (path = 'mirror.jsonl');
CREATE QUERY mirror AS SELECT * FROM events INTO mirror_file;
CREATE SOURCE gen FROM GENERATOR WITH (rate = 200, stations = 5, seed = 3);
CREATE SINK sunk TO KAFKA WITH (brokers = '$BOOT', topic = 'sunk',
  retry_backoff = '50 milliseconds', max_retries = 1000);
CREATE QUERY gen_out AS SELECT ts, station, ph FROM gen INTO sunk;
SQL
)
check "set up: a Kafka source query and a Kafka sink query, both through the proxy" "" "$out"
wait_until 20 '[ "$(wc -l <"$SL_DATADIR/files/mirror.jsonl" 2>/dev/null)" -ge 500 ]' || notok "mirror reads 500 messages"
check "before the outage: the file holds messages 1..500 once" "ok" "$(ids_ok 500 "$SL_DATADIR/files/mirror.jsonl")"
wait_until 20 '[ "$(sink_field sunk 5)" -ge 200 ]' || notok "gen_out writes into the broker"
pause_settle && ok "paused gen_out: its sink flushed" || notok "paused gen_out: its sink flushed"
ts_list >"$SL_TMP/sunk1.txt"
n1=$(wc -l <"$SL_TMP/sunk1.txt")
check "every row the sink confirmed is in the first broker ($n1)" "$(sink_field sunk 5)" "$n1"

# --- the broker is gone -------------------------------------------------------
log_before=$(wc -l <"$SL_TMP/server.log")
rss0=$(vm VmRSS)
broker_kill
check "resume gen_out while the broker is gone" "RESUME QUERY" "$(sl_psql -c 'RESUME QUERY gen_out' 2>&1)"
states=""
for i in $(seq "$OUTAGE"); do
    sleep 1
    states="$states $(query_field mirror 2)/$(query_field gen_out 2)"
    [ "$i" -eq 2 ] && in2=$(query_field mirror 5)
done
rss1=$(vm VmRSS)
bad=$(tr ' ' '\n' <<<"$states" | grep -v '^$' | grep -cv '^running/running$')
check "both queries running at each of the $OUTAGE samples while the broker is gone" "0" "$bad"
check "the source query reads nothing while the broker is gone" "500|500" "$in2|$(query_field mirror 5)"
nerr=$(tail -n +"$((log_before + 1))" "$SL_TMP/server.log" | grep -c "127.0.0.1:$PROXY_PORT.*\(Connection refused\|Connect to\|failed\|Disconnected\)")
[ "$nerr" -gt 0 ] && ok "librdkafka's connection errors are logged ($nerr lines, e.g. $(tail -n +"$((log_before + 1))" "$SL_TMP/server.log" |
    grep -m1 "127.0.0.1:$PROXY_PORT" | cut -c1-160))" || notok "librdkafka's connection errors are logged"
check "SHOW SINKS sunk: retrying while the broker is gone" "retrying" "$(sink_field sunk 4)"
r=$(sink_field sunk 7)
[ "${r:-0}" -gt 0 ] && ok "SHOW SINKS sunk: retries counted ($r), last_error: $(sink_field sunk 8)" ||
    notok "SHOW SINKS sunk: retries counted (${r:-?})"
echo "# sluiced VmRSS $((rss0 / 1024)) MiB before the outage, $((rss1 / 1024)) MiB at its end"
[ $(((rss1 - rss0) / 1024)) -lt 32 ] && ok "memory does not grow while the broker is gone" ||
    notok "memory grows while the broker is gone ($(((rss1 - rss0) / 1024)) MiB)"

# --- a new broker on the same address (empty) ---------------------------------
# Its topic "events" has 3 partitions where the old one had 1: the source
# finds the new ones while it runs (a metadata check every 5 s; the mock
# cluster cannot add partitions to a topic, a new broker can have more).
kafka_broker_start events:3 sunk:1 || notok "a new broker starts"
proxy_start || notok "the proxy starts again on port $PROXY_PORT"
ok "new broker at $KAFKA_ADDR behind the same address $BOOT"
produce 501 800 -p -1 -X sticky.partitioning.linger.ms=0 # each message to a random partition
wait_until 40 '[ "$(wc -l <"$SL_DATADIR/files/mirror.jsonl")" -ge 800 ]' &&
    ok "the source query reconnects and reads the new broker's messages" ||
    notok "the source query reconnects and reads the new broker's messages ($(wc -l <"$SL_DATADIR/files/mirror.jsonl") rows)"
check "the file holds messages 1..800, each once" "ok" "$(ids_ok 800 "$SL_DATADIR/files/mirror.jsonl")"
check "messages 501..800 are on all 3 partitions of the new broker" "0 1 2" \
    "$(timeout 20 "$KCAT" -C -b "$BOOT" -t events -e -q -o beginning -f '%p\n' 2>/dev/null | sort -u | xargs)"
grep -q 'source "events": topic "events" has 3 partitions now (1 before): reading the new ones' "$SL_TMP/server.log" &&
    ok "the source logs the partitions it found while running" ||
    notok "the source logs the partitions it found while running"
wait_until 40 '[ "$(sink_field sunk 4)" = ok ]' && ok "SHOW SINKS sunk: ok after the restart" ||
    notok "SHOW SINKS sunk: ok after the restart ($(sink_field sunk 4): $(sink_field sunk 8))"
pause_settle "$n1" && ok "paused gen_out again: its sink flushed" || notok "paused gen_out again: its sink flushed"
ts_list >"$SL_TMP/sunk2.txt"
confirmed=$(sink_field sunk 5)
res=$($PY - "$SL_TMP/sunk1.txt" "$SL_TMP/sunk2.txt" "$confirmed" <<'PYEOF'
import datetime as dt, sys
START = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)  # the generator's first ts, then one a 100 ms
def idx(t):
    return round((dt.datetime.fromisoformat(t.replace("Z", "+00:00")) - START) / dt.timedelta(milliseconds=100))
a = [idx(l.strip()) for l in open(sys.argv[1]) if l.strip()]
b = [idx(l.strip()) for l in open(sys.argv[2]) if l.strip()]
n = int(sys.argv[3])
print("old broker %d, new broker %d, confirmed %d, %s" % (len(a), len(b), n,
      "ok" if sorted(a + b) == list(range(n)) and len(b) > 0 else "MISMATCH"))
PYEOF
)
case "$res" in
*", ok") ok "the sink's rows: $res (rows 0..N-1, no gap, no duplicate)" ;;
*) notok "the sink's rows: $res" ;;
esac
check "mirror still running, gen_out paused" "running|paused" "$(query_field mirror 2)|$(query_field gen_out 2)"
hwm=$(vm VmHWM)
echo "# sluiced peak RSS (VmHWM): $((hwm / 1024)) MiB"
[ "$hwm" -lt $((HWM_MAX_MB * 1024)) ] && ok "peak RSS $((hwm / 1024)) MiB < $HWM_MAX_MB MiB" ||
    notok "peak RSS $((hwm / 1024)) MiB >= $HWM_MAX_MB MiB"

sl_server_stop || notok "sluiced stops cleanly"
kill -TERM "$PROXY_PID" 2>/dev/null
wait "$PROXY_PID" 2>/dev/null
PROXY_PID=
kafka_broker_stop || notok "the broker stops cleanly"
exit $fail
