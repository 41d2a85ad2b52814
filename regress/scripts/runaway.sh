#!/bin/bash
# regress/scripts/runaway.sh - no runaway work (issue 14): a query that
# passes a limit fails with a clear error, and one that cannot make
# progress can still be stopped.
#
#   max_groups_per_query without WINDOW (-c max_groups_per_query=100): an
#     aggregate over 5000 rows of 1000 stations fails with 54000 and its
#     hint, in SHOW QUERIES and as a push query, and never emits a group
#     (no partial duplicates);
#   a FILE source on a device that never ends a line ($SL_ENDLESS,
#     /dev/zero) fails with the line length limit's error; CREATE QUERY and
#     DROP QUERY of a FILE source reading a fifo nobody writes ($SL_FIFO)
#     and of one reading a device that gives no row at all ($SL_NOISE,
#     /dev/urandom: every line a decode error) return within 5 s; a fifo
#     that is written and closed gives its rows and ends the query; SIGTERM
#     stops a server running such queries within 5 s, and after a restart
#     the dropped queries stay dropped while the others come back;
#   max_sources and max_sinks (-c max_sources=2 -c max_sinks=2): the third
#     CREATE gets 54000 with a hint, and one fits again after a DROP;
#   the catalog gives space back: a query with 200,000 groups makes
#     checkpoints of several MB; after DROP QUERY catalog.db is under 1 MB
#     and its WAL empty, and while it ran the WAL stayed bounded; a catalog
#     without auto_vacuum is converted at start;
#   query_memory_limit (-c query_memory_limit=32MB): a count(DISTINCT) over
#     an endless stream fails with 53200 naming the limit (a push query
#     also gets the hint naming the DISTINCT sets), while a query running
#     beside it goes on and its result is exact; SHOW QUERIES shows each
#     query's memory; with max_memory=32MB instead the same query fails
#     with 53200 naming max_memory;
#   a Kafka sink whose broker is down (nothing listens on its port): SIGTERM
#     stops the server in under 2 s without abandoning the query, and a
#     restart right after is accepted and runs the query again;
#   a webhook sink whose server accepts connections and never answers:
#     DROP QUERY returns in under 2 s, and so does SIGTERM with a second
#     such query running (the request would wait for its 10 s timeout).
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/lib/check.sh"
# Every psql is bounded, so a deadlocked server fails the test instead of hanging it.
sl_psql() { PGCONNECT_TIMEOUT=5 timeout 20 psql -X -h 127.0.0.1 -p "$SL_PORT" -U sluice -d sluice "$@"; }

# Settings every server of this test starts with: the devices and the fifo
# below are outside the default file_roots (DATADIR/files).
SL_EXTRA_ARGS=(-c "file_roots=files,/dev,$SL_TMP")
# The endless device and the fifo the FILE sources read.
SL_ENDLESS=/dev/zero
SL_FIFO=$SL_TMP/fifo
SL_NOISE=/dev/urandom

# Milliseconds since the epoch.
now_ms() { date +%s%3N; }

# fails_with LABEL QUERY SQL ERROR: CREATE QUERY QUERY AS SQL is accepted,
# then the query fails with an error in SHOW QUERIES that matches the
# shell pattern ERROR.
fails_with() {
    local out err
    out=$(sl_psql -q -c "CREATE QUERY $2 AS $3" 2>&1)
    check "$1: the query is created" "" "$out"
    wait_until 20 "[ \"\$(query_field $2 2)\" = failed ]" && ok "$1: the query fails" ||
        notok "$1: the query fails (state $(query_field "$2" 2))"
    err=$(query_field "$2" 11)
    # shellcheck disable=SC2053
    [[ "$err" == $4 ]] && ok "$1: SHOW QUERIES shows the error" ||
        notok "$1: SHOW QUERIES shows the error: got \"$err\", expected \"$4\""
}

# stop_within_5s LABEL [MS]: SIGTERM stops the server with status 0 in
# under MS (default 5000) milliseconds.
stop_within_5s() {
    local t0 t1 rc limit=${2:-5000}
    t0=$(now_ms)
    kill -TERM "$SL_PID"
    wait "$SL_PID"
    rc=$?
    t1=$(now_ms)
    SL_PID=
    [ "$rc" = 0 ] && [ $((t1 - t0)) -lt "$limit" ] && ok "$1: SIGTERM stops the server, status 0, in $((t1 - t0)) ms" ||
        notok "$1: SIGTERM: status $rc after $((t1 - t0)) ms (limit $limit ms)"
}

# ---- max_groups_per_query without WINDOW
sl_server_start "${SL_EXTRA_ARGS[@]}" -c max_groups_per_query=100 || exit 1
sl_psql -q -c "CREATE SOURCE many FROM GENERATOR WITH (rows = 5000, stations = 1000, seed = 2)" \
    -c "CREATE SOURCE few FROM GENERATOR WITH (rows = 5000, stations = 50, seed = 3)" \
    -c "CREATE SINK gout TO FILE WITH (path = 'gout.jsonl')" \
    -c "CREATE SINK fout TO FILE WITH (path = 'fout.jsonl')" >/dev/null 2>&1
fails_with "groups without WINDOW" groups "SELECT station, count(*) AS n FROM many GROUP BY station INTO gout" \
    "query exceeds max_groups_per_query (100)"
rows=$(cat "$SL_DATADIR/files/gout.jsonl" 2>/dev/null | wc -l)
dups=$(cat "$SL_DATADIR/files/gout.jsonl" 2>/dev/null | sed 's/"n":[0-9]*//' | sort | uniq -d | wc -l)
check "groups without WINDOW: no group emitted, none twice" "0 0" "$rows $dups"
out=$(sl_psql -q -v VERBOSITY=verbose -c "SELECT station, count(*) FROM many GROUP BY station" 2>&1)
check "groups without WINDOW: a push query gets 54000 with the hint, and no rows" \
    "ERROR:  54000: query exceeds max_groups_per_query (100)
HINT:  Use fewer groups or shorter windows, or raise max_groups_per_query." "$(echo "$out" | grep -v "^LOCATION" | head -5)"
out=$(sl_psql -q -c "CREATE QUERY fewgroups AS SELECT station, count(*) AS n FROM few GROUP BY station INTO fout" 2>&1)
check "groups without WINDOW: 50 groups are fine" "" "$out"
wait_until 20 '[ "$(query_field fewgroups 2)" = finished ]' && ok "groups without WINDOW: 50 groups finish" ||
    notok "groups without WINDOW: 50 groups finish (state $(query_field fewgroups 2): $(query_field fewgroups 11))"
check "groups without WINDOW: 50 groups, 5000 rows" "50 5000" \
    "$(wc -l <"$SL_DATADIR/files/fout.jsonl") $(grep -o '"n":[0-9]*' "$SL_DATADIR/files/fout.jsonl" | cut -d: -f2 | paste -sd+ | bc)"
if sl_server_stop; then ok "clean stop"; else notok "clean stop"; fi
SL_DATADIR=

# ---- FILE sources that never end a line, never give a row, or block
mkfifo "$SL_FIFO" "$SL_FIFO.2" || exit 1
SL_DATADIR=$SL_TMP/data2
sl_server_start "${SL_EXTRA_ARGS[@]}" || exit 1
sl_psql -q -c "CREATE SOURCE endless (x BIGINT) FROM FILE WITH (path = '$SL_ENDLESS')" \
    -c "CREATE SOURCE noise (x BIGINT) FROM FILE WITH (path = '$SL_NOISE')" \
    -c "CREATE SOURCE fifo (x BIGINT) FROM FILE WITH (path = '$SL_FIFO')" \
    -c "CREATE SOURCE fifo2 (x BIGINT) FROM FILE WITH (path = '$SL_FIFO.2')" \
    -c "CREATE SINK out TO FILE WITH (path = 'out.jsonl')" >/dev/null 2>&1
fails_with "endless line" zeros "SELECT x FROM endless INTO out" \
    "line 1 of file \"$SL_ENDLESS\" is longer than 16777216 bytes"

t0=$(now_ms)
out=$(sl_psql -q -c "CREATE QUERY blocked AS SELECT x FROM fifo INTO out" 2>&1)
t1=$(now_ms)
check "fifo nobody writes: CREATE QUERY returns" "" "$out"
[ $((t1 - t0)) -lt 5000 ] && ok "fifo nobody writes: CREATE QUERY within 5 s ($((t1 - t0)) ms)" ||
    notok "fifo nobody writes: CREATE QUERY took $((t1 - t0)) ms"
sl_psql -q -c "CREATE QUERY kept AS SELECT x FROM fifo2 INTO out" -c "CREATE QUERY noisy AS SELECT x FROM noise INTO out" >/dev/null 2>&1
wait_until 10 '[ "$(query_field noisy 8)" -gt 0 ] 2>/dev/null' && ok "noise: lines are read (decode errors)" ||
    notok "noise: lines are read ($(sl_psql -At -c 'SHOW QUERIES' 2>&1 | grep noisy))"
check "fifo and noise: the queries run" "running running running" \
    "$(query_field blocked 2) $(query_field kept 2) $(query_field noisy 2)"
for q in blocked noisy; do
    t0=$(now_ms)
    out=$(sl_psql -q -c "DROP QUERY $q" 2>&1)
    t1=$(now_ms)
    check "DROP QUERY $q" "" "$out"
    [ $((t1 - t0)) -lt 5000 ] && ok "DROP QUERY $q within 5 s ($((t1 - t0)) ms)" ||
        notok "DROP QUERY $q took $((t1 - t0)) ms"
done
sl_psql -q -c "DROP QUERY zeros" >/dev/null 2>&1
# A fifo that is written and closed: its rows, then the end.
sl_psql -q -c "CREATE QUERY fed AS SELECT x FROM fifo INTO out" >/dev/null 2>&1
printf '{"x": 1}\n{"x": 2}\n' >"$SL_FIFO"
wait_until 10 '[ "$(query_field fed 2)" = finished ]' && ok "fifo written and closed: the query finishes" ||
    notok "fifo written and closed: the query finishes (state $(query_field fed 2))"
check "fifo written and closed: its two rows" "2" "$(query_field fed 5)"
sl_psql -q -c "DROP QUERY fed" -c "CREATE QUERY noisy2 AS SELECT x FROM noise INTO out" >/dev/null 2>&1
stop_within_5s "queries on a fifo and a device"
sl_server_start "${SL_EXTRA_ARGS[@]}" || exit 1
check "after a restart: dropped queries stay dropped, the others come back" "kept|running noisy2|running" \
    "$(sl_psql -At -F'|' -c 'SHOW QUERIES' | cut -d'|' -f1,2 | sort | tr '\n' ' ' | sed 's/ $//')"
stop_within_5s "after the restart"
SL_DATADIR=

# ---- max_sources, max_sinks
SL_DATADIR=$SL_TMP/data3
sl_server_start "${SL_EXTRA_ARGS[@]}" -c max_sources=2 -c max_sinks=2 || exit 1
out=$(sl_psql -q -c "CREATE SOURCE s1 FROM GENERATOR WITH (rows = 1)" -c "CREATE SOURCE s2 FROM GENERATOR WITH (rows = 1)" \
    -c "CREATE SINK k1 TO FILE WITH (path = 'k1.jsonl')" -c "CREATE SINK k2 TO FILE WITH (path = 'k2.jsonl')" 2>&1)
check "max_sources=2, max_sinks=2: two of each are created" "" "$out"
out=$(sl_psql -q -v VERBOSITY=verbose -c "CREATE SOURCE s3 FROM GENERATOR WITH (rows = 1)" 2>&1 | grep -v '^LOCATION')
check "max_sources=2: the third gets 54000 with a hint" "ERROR:  54000: too many sources (max_sources is 2)
HINT:  Drop a source or raise max_sources." "$out"
out=$(sl_psql -q -v VERBOSITY=verbose -c "CREATE SINK k3 TO FILE WITH (path = 'k3.jsonl')" 2>&1 | grep -v '^LOCATION')
check "max_sinks=2: the third gets 54000 with a hint" "ERROR:  54000: too many sinks (max_sinks is 2)
HINT:  Drop a sink or raise max_sinks." "$out"
check "max_sources, max_sinks: the refused ones are not listed" "s1 s2|k1 k2" \
    "$(sl_psql -At -c 'SHOW SOURCES' | cut -d'|' -f1 | sort | tr '\n' ' ' | sed 's/ $//')|$(sl_psql -At -c 'SHOW SINKS' | cut -d'|' -f1 | sort | tr '\n' ' ' | sed 's/ $//')"
out=$(sl_psql -q -c "DROP SOURCE s1" -c "CREATE SOURCE s3 FROM GENERATOR WITH (rows = 1)" \
    -c "DROP SINK k1" -c "CREATE SINK k3 TO FILE WITH (path = 'k3.jsonl')" 2>&1)
check "max_sources, max_sinks: one fits again after a DROP" "" "$out"
if sl_server_stop; then ok "clean stop"; else notok "clean stop"; fi
SL_DATADIR=

# ---- the catalog gives space back
SL_DATADIR=$SL_TMP/data4
sl_server_start "${SL_EXTRA_ARGS[@]}" -c checkpoint_interval=300ms || exit 1
db=$SL_DATADIR/catalog.db
fsize() { stat -c %s "$1" 2>/dev/null || echo 0; }
check "a new catalog has incremental auto_vacuum" "2" "$(sqlite3 "$db" 'PRAGMA auto_vacuum')"
sl_psql -q -c "CREATE SOURCE big FROM GENERATOR WITH (stations = 200000, seed = 5) EVENT TIME ts" \
    -c "CREATE SINK bout TO FILE WITH (path = 'bout.jsonl')" \
    -c "CREATE QUERY wide AS SELECT window_start, station, count(*) AS n, avg(ph) AS ph FROM big WINDOW TUMBLING (3650 DAYS) GROUP BY station INTO bout" >/dev/null 2>&1
wait_until 30 '[ "$(fsize "$db")" -gt 5000000 ]' && ok "a query with 200,000 groups: its checkpoints take $(fsize "$db") bytes" ||
    notok "a query with 200,000 groups: catalog.db is only $(fsize "$db") bytes ($(query_field wide 2) $(query_field wide 11))"
maxwal=0
for _ in $(seq 20); do
    w=$(fsize "$db-wal")
    [ "$w" -gt "$maxwal" ] && maxwal=$w
    sleep 0.1
done
# Between checkpoints the WAL holds at most journal_size_limit (4 MB); one
# being written holds one copy of the state (catalog.db holds up to two).
[ "$maxwal" -le $(($(fsize "$db") / 2 + 4194304)) ] && ok "the WAL stays bounded (at most $maxwal bytes seen)" ||
    notok "the WAL grew to $maxwal bytes (catalog.db $(fsize "$db"))"
sl_psql -q -c "DROP QUERY wide" >/dev/null 2>&1
size=$(fsize "$db") wal=$(fsize "$db-wal")
[ "$size" -lt 1048576 ] && [ "$wal" -lt 1048576 ] && ok "after DROP QUERY: catalog.db $size bytes, WAL $wal bytes" ||
    notok "after DROP QUERY: catalog.db $size bytes, WAL $wal bytes"
if sl_server_stop; then ok "clean stop"; else notok "clean stop"; fi
# A catalog of an older build: no auto_vacuum.
sqlite3 "$db" 'PRAGMA auto_vacuum = NONE; VACUUM' && check "an old catalog without auto_vacuum" "0" "$(sqlite3 "$db" 'PRAGMA auto_vacuum')"
sl_server_start "${SL_EXTRA_ARGS[@]}" || exit 1
check "an old catalog is converted at start" "2" "$(sqlite3 "$db" 'PRAGMA auto_vacuum')"
check "an old catalog keeps its objects" "big|bout" "$(sl_psql -At -c 'SHOW SOURCES' | cut -d'|' -f1)|$(sl_psql -At -c 'SHOW SINKS' | cut -d'|' -f1)"
grep -q 'converted to incremental auto_vacuum' "$SL_TMP/server.log" && ok "the conversion is logged" || notok "the conversion is logged"
if sl_server_stop; then ok "clean stop"; else notok "clean stop"; fi
SL_DATADIR=

# ---- query_memory_limit
SL_DATADIR=$SL_TMP/data5
sl_server_start "${SL_EXTRA_ARGS[@]}" -c query_memory_limit=32MB || exit 1
sl_psql -q -c "CREATE SOURCE endless_gen FROM GENERATOR WITH (seed = 5) EVENT TIME ts" \
    -c "CREATE SOURCE paced FROM GENERATOR WITH (rows = 100000, rate = 25000, stations = 5, seed = 6)" \
    -c "CREATE SOURCE slow FROM GENERATOR WITH (rate = 100, seed = 7) EVENT TIME ts" \
    -c "CREATE SINK hout TO FILE WITH (path = 'hout.jsonl')" \
    -c "CREATE SINK eout TO FILE WITH (path = 'eout.jsonl')" \
    -c "CREATE SINK sout TO FILE WITH (path = 'sout.jsonl')" >/dev/null 2>&1
out=$(sl_psql -q -c "CREATE QUERY exact AS SELECT station, count(*) AS n, count(DISTINCT ts) AS d FROM paced GROUP BY station INTO eout" \
    -c "CREATE QUERY steady AS SELECT window_start, station, count(*) AS n FROM slow WINDOW TUMBLING (1 SECOND) GROUP BY station INTO sout" 2>&1)
check "query_memory_limit: two queries are created" "" "$out"
fails_with "query_memory_limit" hog \
    "SELECT window_start, station, count(DISTINCT ts) AS d FROM endless_gen WINDOW TUMBLING (3650 DAYS) GROUP BY station INTO hout" \
    "query exceeds query_memory_limit (32 MB): it holds [0-9][0-9] MB"
check "query_memory_limit: the other queries go on" "running running" "$(query_field exact 2) $(query_field steady 2)"
mem=$(query_field steady 12)
[ "${mem:-0}" -gt 0 ] && [ "$mem" -lt 33554432 ] && ok "SHOW QUERIES shows a running query's memory ($mem bytes)" ||
    notok "SHOW QUERIES shows a running query's memory ($mem)"
out=$(sl_psql -q -v VERBOSITY=verbose -c "SELECT station, count(DISTINCT ts) FROM endless_gen WINDOW TUMBLING (3650 DAYS) GROUP BY station" 2>&1 | grep -v '^LOCATION')
case "$out" in
"ERROR:  53200: query exceeds query_memory_limit (32 MB): it holds "*"
HINT:  Most of it is held by the DISTINCT sets ("*"raise query_memory_limit.") ok "query_memory_limit: a push query gets 53200, the hint names the DISTINCT sets" ;;
*) notok "query_memory_limit: a push query gets 53200, the hint names the DISTINCT sets: $(echo "$out" | head -5)" ;;
esac
wait_until 30 '[ "$(query_field exact 2)" = finished ]' && ok "query_memory_limit: the query beside it finishes" ||
    notok "query_memory_limit: the query beside it finishes (state $(query_field exact 2): $(query_field exact 11))"
check "query_memory_limit: the result beside it is exact (5 stations, 20000 rows and 20000 distinct times each)" \
    "5 5 5" "$(wc -l <"$SL_DATADIR/files/eout.jsonl") $(grep -c '"n":20000' "$SL_DATADIR/files/eout.jsonl") $(grep -c '"d":20000' "$SL_DATADIR/files/eout.jsonl")"
check "query_memory_limit: steady still runs" "running" "$(query_field steady 2)"
if sl_server_stop; then ok "clean stop"; else notok "clean stop"; fi
sl_server_start "${SL_EXTRA_ARGS[@]}" -c query_memory_limit=1GB -c max_memory=32MB || exit 1
sl_psql -q -c "DROP QUERY hog" >/dev/null 2>&1
fails_with "max_memory" hog \
    "SELECT window_start, station, count(DISTINCT ts) AS d FROM endless_gen WINDOW TUMBLING (3650 DAYS) GROUP BY station INTO hout" \
    "queries together exceed max_memory (32 MB): this one holds [0-9]* MB of [0-9]* MB"
check "max_memory: the other query goes on" "running" "$(query_field steady 2)"
if sl_server_stop; then ok "clean stop"; else notok "clean stop"; fi
SL_DATADIR=

# ---- shutdown with a Kafka sink whose broker is down
SL_DATADIR=$SL_TMP/data6
sl_server_start "${SL_EXTRA_ARGS[@]}" || exit 1
dead_port=$(sl_free_port)
out=$(sl_psql -q -c "CREATE SOURCE tick FROM GENERATOR WITH (rate = 1000)" \
    -c "CREATE SINK down TO KAFKA WITH (brokers = '127.0.0.1:$dead_port', topic = 'nowhere')" \
    -c "CREATE QUERY tok AS SELECT station, ph FROM tick INTO down" 2>&1)
check "Kafka sink, broker down: the query is created" "" "$out"
wait_until 10 '[ "$(query_field tok 5)" -gt 1000 ] 2>/dev/null' && ok "Kafka sink, broker down: rows go to librdkafka's queue" ||
    notok "Kafka sink, broker down: rows go to librdkafka's queue ($(query_field tok 2) $(query_field tok 5))"
log_lines=$(wc -l <"$SL_TMP/server.log")
stop_within_5s "Kafka sink, broker down" 2000
tail -n +"$((log_lines + 1))" "$SL_TMP/server.log" | grep -q abandoned && notok "Kafka sink, broker down: a query was abandoned" ||
    ok "Kafka sink, broker down: the query stopped by itself"
sl_server_start "${SL_EXTRA_ARGS[@]}" && ok "Kafka sink, broker down: a restart right after is accepted" ||
    notok "Kafka sink, broker down: a restart right after is accepted"
check "Kafka sink, broker down: the query runs again" "running" "$(query_field tok 2)"
stop_within_5s "Kafka sink, broker down, after the restart" 2000
SL_DATADIR=

# ---- a webhook sink whose server never answers
SL_DATADIR=$SL_TMP/data7
silent_port=$(sl_free_port)
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
held = []
end = time.time() + 120
s.settimeout(1)
while time.time() < end:
    try:
        held.append(s.accept()[0])  # accepted, never answered
    except socket.timeout:
        pass
' "$silent_port" &
silent_pid=$!
sl_server_start "${SL_EXTRA_ARGS[@]}" || exit 1
out=$(sl_psql -q -c "CREATE SOURCE beat FROM GENERATOR WITH (rate = 100)" \
    -c "CREATE SINK silent TO WEBHOOK WITH (url = 'http://127.0.0.1:$silent_port/hook', batch_rows = 10)" \
    -c "CREATE QUERY hook1 AS SELECT station, ph FROM beat INTO silent" \
    -c "CREATE QUERY hook2 AS SELECT station FROM beat INTO silent" 2>&1)
check "webhook that never answers: the queries are created" "" "$out"
sleep 1.5 # the first requests are sent and wait
t0=$(now_ms)
out=$(sl_psql -q -c "DROP QUERY hook1" 2>&1)
t1=$(now_ms)
[ -z "$out" ] && [ $((t1 - t0)) -lt 2000 ] && ok "webhook that never answers: DROP QUERY in $((t1 - t0)) ms" ||
    notok "webhook that never answers: DROP QUERY took $((t1 - t0)) ms: $out"
stop_within_5s "webhook that never answers" 2000
kill "$silent_pid" 2>/dev/null
wait "$silent_pid" 2>/dev/null
SL_DATADIR=

exit $fail
