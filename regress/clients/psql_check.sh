#!/bin/bash
# regress/clients/psql_check.sh - psql (Debian's, the reference client) at
# its default settings: no psqlrc, nothing set but the connection.
#
# psql sends everything as simple Query messages; its backslash commands
# are queries on pg_catalog (\d, \d NAME, \l, \dn, \du, \df), \gdesc
# describes a statement with Parse/Describe, \set FETCH_COUNT reads a
# result through DECLARE ... CURSOR and FETCH, and Ctrl-C (SIGINT) sends a
# CancelRequest.
# Usage: psql_check.sh HOST PORT USER DBNAME [sluice|postgres], password
# from $PGPASSWORD; one line per check, exit status 1 at the first failure.
set -u
if [ $# -lt 4 ]; then echo "usage: $0 HOST PORT USER DBNAME [sluice|postgres]" >&2; exit 2; fi
HOST=$1 PORT=$2 USER_=$3 DB=$4 TARGET=${5:-sluice}
CANCEL_SQL="SELECT station, ph FROM forever"
[ "$TARGET" = postgres ] && CANCEL_SQL="SELECT pg_sleep(60)"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/psql_check.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

p() { PGCONNECT_TIMEOUT=10 timeout 30 psql -X -h "$HOST" -p "$PORT" -U "$USER_" -d "$DB" "$@"; }
ok() { echo "ok - $1"; }
fail() { echo "not ok - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'; exit 1; }
# has NAME OUTPUT REGEX...: every extended regex matches a line of OUTPUT.
has() {
    local name=$1 out=$2; shift 2
    for re in "$@"; do
        printf '%s\n' "$out" | grep -Eq -- "$re" || fail "$name (no line matches /$re/)" "$out"
    done
    ok "$name"
}

out=$(p -At -c "SELECT 1" 2>&1) && [ "$out" = 1 ] && ok "connect, SELECT 1" || fail "connect, SELECT 1" "$out"

# psql interpolates a variable (quoted as a literal) in what it reads, not in -c.
out=$(echo "SELECT ts, station, ph FROM readings WHERE station = :'station';" |
    p -At -v ON_ERROR_STOP=1 -v station=a 2>&1)
[ "$out" = "2026-01-01 00:00:00|a|7.1
2026-01-01 00:00:20|a|7.3" ] && ok "push query on a bounded source with a variable, read to the end" ||
    fail "push query on a bounded source with a variable, read to the end" "$out"

out=$(p -At 2>"$TMP/err" <<'SQL'
SELECT * FROM nosuch;
\echo :LAST_ERROR_SQLSTATE
SELEC 1;
\echo :LAST_ERROR_SQLSTATE
SELECT 3;
SQL
)
[ "$out" = "42P01
42601
3" ] && ok "errors carry SQLSTATE 42P01 and 42601 (LAST_ERROR_SQLSTATE), session usable" ||
    fail "errors carry SQLSTATE 42P01 and 42601 (LAST_ERROR_SQLSTATE), session usable" "$out
$(cat "$TMP/err")"

out=$(p -At -v ON_ERROR_STOP=1 -c "BEGIN" -c "SELECT 1" -c "COMMIT" 2>&1) &&
    ok "BEGIN, SELECT, COMMIT" || fail "BEGIN, SELECT, COMMIT" "$out"

# psql is the background job itself, so SIGINT reaches it (as Ctrl-C would).
PGCONNECT_TIMEOUT=10 psql -X -h "$HOST" -p "$PORT" -U "$USER_" -d "$DB" \
    -c "$CANCEL_SQL" >"$TMP/cancel.out" 2>"$TMP/cancel.err" &
pid=$!
sleep 1
kill -0 "$pid" 2>/dev/null || fail "Ctrl-C cancels a running query" "the query ended before the cancel: $(cat "$TMP/cancel.err")"
kill -INT "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fail "Ctrl-C cancels a running query" "psql still waits 10 s after SIGINT"; fi
wait "$pid"
grep -q 'canceling statement due to user request' "$TMP/cancel.err" && ok "Ctrl-C cancels a running query (57014)" ||
    fail "Ctrl-C cancels a running query (57014)" "$(cat "$TMP/cancel.err")"

out=$(p -c '\d' 2>&1)
has '\d lists the relation' "$out" '^ *[a-z_]+ *\| readings *\|'

out=$(p -c '\d readings' 2>&1)
has '\d readings lists its columns and types' "$out" \
    '^ *ts *\| timestamp without time zone' '^ *station *\| text' '^ *ph *\| double precision'

out=$(p -c '\l' 2>&1)
has '\l lists the database' "$out" "^ *$DB *\|"
out=$(p -c '\dn' 2>&1)
has '\dn lists the schemas' "$out" '^ *public *\|'
out=$(p -c '\du' 2>&1)
has '\du lists the roles' "$out" "^ *$USER_ *\|"
out=$(p -c '\df' 2>&1)
has '\df runs' "$out" 'List of functions'

out=$(printf '%s\n' "SELECT ts, station, ph FROM readings \\gdesc" | p 2>&1)
has '\gdesc describes a statement' "$out" '^ *ts *\| timestamp without time zone' \
    '^ *station *\| text' '^ *ph *\| double precision'

out=$(p -At -v FETCH_COUNT=1 -c "SELECT station FROM readings" 2>&1)
[ "$out" = "a
b
a" ] && ok '\set FETCH_COUNT reads a result through a cursor' ||
    fail '\set FETCH_COUNT reads a result through a cursor' "$out"

# statement_timeout ends a running statement as the cancel does, with its
# own message (SQLSTATE 57014 both).
out=$(printf '%s\n' "SET statement_timeout = 500;" "$CANCEL_SQL;" "\\echo :LAST_ERROR_SQLSTATE" |
    PGCONNECT_TIMEOUT=10 timeout 10 psql -X -At -h "$HOST" -p "$PORT" -U "$USER_" -d "$DB" 2>&1)
[ $? -eq 124 ] && out="$out
(the query still ran 10 s later: the timeout was not enforced)"
[ "$out" = "SET
ERROR:  canceling statement due to statement timeout
57014" ] && ok "SET statement_timeout ends a running query (57014)" ||
    fail "SET statement_timeout ends a running query (57014)" "$out"
