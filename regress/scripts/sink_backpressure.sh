#!/bin/bash
# regress/scripts/sink_backpressure.sh - the sink framework under an outage:
# backpressure, bounded memory, retries in SHOW SINKS, no loss.
#
# An unbounded GENERATOR source (no rate: it reads as fast as it can) feeds
# a WEBHOOK sink whose receiver is not up yet.  While the sink is down:
#   - SHOW SINKS says retrying, counts retries and shows the connection error;
#   - the query stops reading: rows_in does not move between two looks 2 s
#     apart and holds at most one sink batch plus one source batch;
#   - the server's peak memory stays small (printed).
# Then the receiver starts on that port: the sink recovers (state ok), rows
# flow, and after DROP QUERY every row the sink confirmed (SHOW SINKS rows)
# arrived at the receiver exactly once.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/lib/check.sh"
PY=/usr/bin/python3

RECV_PID=""
bp__cleanup() {
    rc=$?
    if [ -n "$RECV_PID" ]; then
        kill -TERM "$RECV_PID" 2>/dev/null
        wait "$RECV_PID" 2>/dev/null
    fi
    return $rc
}
trap 'bp__cleanup; sl__cleanup' EXIT

sl_server_start || exit 1
port=$(sl_free_port)
out=$(sl_psql -q -v ON_ERROR_STOP=1 <<SQL 2>&1
CREATE SOURCE gen FROM GENERATOR WITH (stations = 10, seed = 7);
CREATE SINK hook TO WEBHOOK WITH (url = 'http://127.0.0.1:$port/in', batch_rows = 100,
                                  retry_backoff = '50 milliseconds', max_retries = 1000000);
CREATE QUERY bp AS SELECT ts, station, ph FROM gen INTO hook;
SQL
)
check "set up" "" "$out"

wait_until 20 '[ "$(sink_field hook 4)" = retrying ]' && ok "SHOW SINKS: retrying while the receiver is down" ||
    notok "SHOW SINKS: retrying while the receiver is down ($(sink_field hook 4))"
sleep 1
r1=$(query_field bp 5)
sleep 2
r2=$(query_field bp 5)
check "the query stops reading while its sink is down (rows_in $r1 then $r2)" "$r1" "$r2"
if [ -n "$r2" ] && [ "$r2" -le $((100 + 1024)) ]; then
    ok "rows held back: $r2 (at most one sink batch + one source batch)"
else
    notok "rows held back: $r2 (want at most 1124)"
fi
retries=$(sink_field hook 7)
[ "${retries:-0}" -ge 3 ] && ok "retries counted ($retries)" || notok "retries counted ($retries)"
case "$(sink_field hook 8)" in
*"could not reach http://127.0.0.1:$port/in"*) ok "last_error names the receiver" ;;
*) notok "last_error names the receiver: $(sink_field hook 8)" ;;
esac
[ -n "$(sink_field hook 9)" ] && ok "last_error_at set" || notok "last_error_at set"
check "the query is still running" "running" "$(query_field bp 2)"
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$SL_PID/status")
echo "# sluiced peak RSS during the outage: $((hwm / 1024)) MiB"
[ "$hwm" -lt $((256 * 1024)) ] && ok "memory bounded during the outage" || notok "memory bounded ($hwm kB)"

# The receiver comes up on the same port.
$PY "$SL_SRCDIR/regress/scripts/webhook_receiver.py" --log "$SL_TMP/in.jsonl" --port "$port" \
    --port-file "$SL_TMP/in.port" 2>"$SL_TMP/receiver.log" &
RECV_PID=$!
wait_until 10 '[ -s "$SL_TMP/in.port" ]' || notok "receiver starts"
wait_until 30 '[ "$(sink_field hook 4)" = ok ] && [ "$(sink_field hook 5)" -ge 2000 ]' &&
    ok "the sink recovers and rows flow ($(sink_field hook 5) rows)" ||
    notok "the sink recovers: $(sink_field hook 4), $(sink_field hook 5) rows"
check "drop" "DROP QUERY" "$(sl_psql -c 'DROP QUERY bp' 2>&1)"
confirmed=$(sink_field hook 5)
got=$($PY - "$SL_TMP/in.jsonl" <<'PYEOF'
import json, sys, collections
rows = collections.Counter()
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["status"] == 200:
        for o in json.loads(r["body"]):
            rows[(o["ts"], o["station"], o["ph"])] += 1
dups = sum(n - 1 for n in rows.values() if n > 1)
print(sum(rows.values()), dups)
PYEOF
)
check "every confirmed row arrived once (confirmed $confirmed)" "$confirmed 0" "$got"
check "the sink recovered after its last retry" "ok" "$(sink_field hook 4)"

sl_server_stop || fail=1
exit $fail
