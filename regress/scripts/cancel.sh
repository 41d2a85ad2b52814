#!/bin/bash
# regress/scripts/cancel.sh - a push query over an unbounded source runs
# until the client cancels it: psql, sent SIGINT as by Ctrl-C, sends a
# CancelRequest on a new connection; the server ends the statement with
# 57014 and the session (and server) go on answering.  Also: a running
# continuous query does not keep SIGTERM from stopping the server cleanly.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
sl_server_start || exit 1
fail=0
check() { # check NAME EXPECTED ACTUAL
    if [ "$2" != "$3" ]; then
        echo "not ok - $1"; echo "--- expected"; echo "$2"; echo "--- got"; echo "$3"; fail=1
    else
        echo "ok - $1"
    fi
}

out=$(sl_psql -q -c "CREATE SOURCE forever FROM GENERATOR WITH (seed = 1, rate = 1000)" 2>&1)
check "create unbounded source" "" "$out"

# psql buffers a result until it completes, so it prints only the error.
# psql itself is the background job (not a function's subshell), so the
# signal reaches it.
PGCONNECT_TIMEOUT=5 psql -X -h 127.0.0.1 -p "$SL_PORT" -U sluice -d sluice \
    -c "SELECT station, ph FROM forever" >"$SL_TMP/push.out" 2>"$SL_TMP/push.err" &
psql_pid=$!
sleep 1
if kill -0 "$psql_pid" 2>/dev/null; then
    echo "ok - push query still running after 1 s"
else
    echo "not ok - push query ended by itself"; cat "$SL_TMP/push.err"; fail=1
fi
kill -INT "$psql_pid"
for _ in $(seq 100); do kill -0 "$psql_pid" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$psql_pid" 2>/dev/null; then
    echo "not ok - psql still waiting 5 s after the cancel"; kill -KILL "$psql_pid"; fail=1
fi
wait "$psql_pid" 2>/dev/null
check "psql prints the cancel error" "ERROR:  canceling statement due to user request" \
    "$(grep -v '^Cancel request sent$' "$SL_TMP/push.err")"

out=$(sl_psql -At -c "SELECT 42" 2>&1)
check "server answers after the cancel" "42" "$out"

# LIMIT ends a push query over an unbounded source.
out=$(sl_psql -At -c "SELECT station FROM forever LIMIT 3" 2>&1 | wc -l)
check "LIMIT ends a push query over an unbounded source" "3" "$out"

# A Kafka source whose broker never answers: its open() waits for metadata
# (up to 10 s) but gives up at a cancel, here statement_timeout's, for a
# push query and for CREATE QUERY alike.
sl_psql -q -c "CREATE SOURCE dead (station text, ph double) FROM KAFKA WITH (brokers = '127.0.0.1:1', topic = 't', format = 'json')" \
    -c "CREATE SINK dead_out TO FILE WITH (path = 'dead.jsonl')" >/dev/null 2>&1
for stmt in "SELECT * FROM dead" "CREATE QUERY dead_q AS SELECT * FROM dead INTO dead_out"; do
    start=$(date +%s%N)
    out=$(PGOPTIONS="-c statement_timeout=1s" sl_psql -q -c "$stmt" 2>&1)
    ms=$((($(date +%s%N) - start) / 1000000))
    check "$stmt waiting for a dead broker: statement_timeout ends it" \
        "ERROR:  canceling statement due to statement timeout" "$(echo "$out" | head -1)"
    if [ "$ms" -lt 5000 ]; then echo "ok - ... within 5 s ($ms ms)"; else echo "not ok - ... took $ms ms"; fail=1; fi
done
out=$(sl_psql -At -c "SHOW QUERIES" 2>&1 | grep -c dead_q)
check "the cancelled CREATE QUERY left no query" "0" "$out"

# A continuous query on a worker thread is stopped and joined at SIGTERM.
sl_psql -q -c "CREATE SINK out TO FILE WITH (path = 'forever.jsonl')" \
    -c "CREATE QUERY keep_going AS SELECT station, ph FROM forever INTO out" >/dev/null 2>&1
sleep 0.3
sl_server_stop && echo "ok - clean stop with a running query" || { echo "not ok - stop"; fail=1; }
exit $fail
