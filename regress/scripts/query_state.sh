#!/bin/bash
# regress/scripts/query_state.sh - SHOW QUERIES: state, counters, started,
# sql and error of continuous queries (the started column and the counters
# of a running query change from run to run, so this is a script test that
# checks them field by field rather than a regress/sql one).
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
sl_server_start -c "file_roots=files,/dev" || exit 1
fail=0
check() { # check NAME EXPECTED ACTUAL
    if [ "$2" != "$3" ]; then
        echo "not ok - $1"; echo "--- expected"; echo "$2"; echo "--- got"; echo "$3"; fail=1
    else
        echo "ok - $1"
    fi
}
# field NAME COLUMN: one column (1-based) of the SHOW QUERIES row of a query.
field() {
    sl_psql -At -F'|' -c "SHOW QUERIES" 2>&1 | awk -F'|' -v n="$1" -v c="$2" '$1 == n { print $c }'
}

sl_psql -q -c "CREATE SOURCE gen FROM GENERATOR WITH (rows = 2000, seed = 3, start_time = '2026-01-01 00:00:00')" \
    -c "CREATE SOURCE forever FROM GENERATOR WITH (seed = 3, rate = 1000)" \
    -c "CREATE SINK out TO FILE WITH (path = 'state.jsonl')" \
    -c "CREATE SINK full TO FILE WITH (path = '/dev/full')" >/dev/null 2>&1

out=$(sl_psql -A -F'|' -c "SHOW QUERIES" 2>&1 | head -1)
check "columns" "name|state|source|sink|rows_in|rows_out|late_rows|errors|started|sql|error|memory" "$out"

# A finished query: its counters are final.
sl_psql -q -c "CREATE QUERY fin AS SELECT station, ph FROM gen WHERE ph > 7 INTO out" >/dev/null 2>&1
out=$(sl_psql -At -c "SELECT wait_query('fin')" 2>&1)
check "finite query finishes" "finished" "$out"
check "state" "finished" "$(field fin 2)"
check "source and sink" "gen|out" "$(field fin 3)|$(field fin 4)"
check "rows_in" "2000" "$(field fin 5)"
rows_out=$(field fin 6)
if [ "$rows_out" -gt 0 ] && [ "$rows_out" -lt 2000 ]; then echo "ok - rows_out $rows_out"; else
    echo "not ok - rows_out $rows_out"; fail=1; fi
check "late_rows, errors" "0|0" "$(field fin 7)|$(field fin 8)"
field fin 9 | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+$' && echo "ok - started" ||
    { echo "not ok - started: $(field fin 9)"; fail=1; }
check "sql" "SELECT station, ph FROM gen WHERE ph > 7 INTO out" "$(field fin 10)"
check "no error" "" "$(field fin 11)"
lines=$(wc -l <"$SL_DATADIR/files/state.jsonl")
check "the sink got rows_out lines" "$rows_out" "$lines"

# A running query counts up; paused it stops counting.
sl_psql -q -c "CREATE QUERY run AS SELECT station FROM forever INTO out" >/dev/null 2>&1
sleep 0.5
check "running" "running" "$(field run 2)"
n1=$(field run 5)
sl_psql -q -c "PAUSE QUERY run" >/dev/null 2>&1
sleep 0.1
n2=$(field run 5)
sleep 0.3
n3=$(field run 5)
check "paused" "paused" "$(field run 2)"
if [ "$n1" -gt 0 ] && [ "$n2" = "$n3" ]; then echo "ok - counts while running, not while paused"; else
    echo "not ok - rows_in $n1 then $n2 then $n3"; fail=1; fi
sl_psql -q -c "RESUME QUERY run" >/dev/null 2>&1
sleep 0.3
n4=$(field run 5)
if [ "$n4" -gt "$n3" ]; then echo "ok - counts again after RESUME"; else echo "not ok - $n3 then $n4"; fail=1; fi

# A sink that fails puts the query in state failed, with the error; others go on.
sl_psql -q -c "CREATE QUERY bad AS SELECT * FROM gen INTO full" >/dev/null 2>&1
out=$(sl_psql -At -c "SELECT wait_query('bad')" 2>&1)
check "failing sink: failed" "failed" "$out"
err=$(field bad 11)
[ -n "$err" ] && echo "ok - error shown: $err" || { echo "not ok - no error text"; fail=1; }
check "the other query still runs" "running" "$(field run 2)"
out=$(sl_psql -At -c "RESUME QUERY bad" 2>&1)
check "resume of a failed query" 'ERROR:  cannot resume query "bad" because it has failed
HINT:  Drop it and create it again to run it again.' "$out"

# max_queries
sl_server_stop || fail=1
sl_server_start -c "file_roots=files,/dev" -c max_queries=3 || exit 1
out=$(sl_psql -At -c "CREATE QUERY one_more AS SELECT * FROM gen INTO out" 2>&1)
check "max_queries" 'ERROR:  too many queries (max_queries is 3)
HINT:  Drop a query or raise max_queries.' "$out"
# After the restart: fin is finished (not run again), run is running again,
# bad failed at the first attempt and is retried.
check "restart: finished stays finished" "finished|0" "$(field fin 2)|$(field fin 5)"
check "restart: running again" "running" "$(field run 2)"
sl_psql -q -c "DROP QUERY bad" -c "DROP QUERY run" >/dev/null 2>&1
out=$(sl_psql -At -c "SHOW QUERIES" 2>&1 | cut -d'|' -f1,2)
check "after DROP" "fin|finished" "$out"

sl_server_stop || fail=1
exit $fail
