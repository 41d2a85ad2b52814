#!/bin/bash
# regress/scripts/psql.sh - Debian's psql as a second, independent client:
# it must connect without a warning, print SHOW SOURCES as a table, draw the
# caret of a syntax error from our position field, and work over the Unix
# socket as with PostgreSQL.
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

out=$(sl_psql -c "CREATE SOURCE gen FROM GENERATOR WITH (rows = 100, seed = 7)" 2>&1)
check "psql create source" "CREATE SOURCE" "$out"

out=$(sl_psql -c 'SHOW SOURCES' 2>"$SL_TMP/psql.err")
err=$(cat "$SL_TMP/psql.err")
check "psql show sources: no warning on stderr" "" "$err"
echo "$out" | head -1 | grep -q '^ *name *| *kind' && echo "ok - header" || { echo "not ok - header: $out"; fail=1; }
echo "$out" | grep -q '^ *gen *| *generator' && echo "ok - row" || { echo "not ok - row: $out"; fail=1; }
echo "$out" | tail -2 | grep -q '^(1 row)$' && echo "ok - footer" || { echo "not ok - footer: $out"; fail=1; }

out=$(sl_psql -c 'SHOW SINKS FROM' 2>&1)
check "psql syntax error caret" 'ERROR:  syntax error at or near "FROM"
LINE 1: SHOW SINKS FROM
                   ^' "$out"

# Unix socket, as `psql -h SOCKETDIR -p PORT`.
out=$(PGCONNECT_TIMEOUT=5 psql -X -h "$SL_SOCKDIR" -p "$SL_PORT" -At -c 'SHOW server_encoding' 2>&1)
check "psql over unix socket" "UTF8" "$out"

# Several statements in one simple Query message: psql prints the last result.
out=$(sl_psql -At -q -c "SET application_name = 'x'; SHOW application_name" 2>&1)
check "psql multi-statement" "x" "$out"

# A syntax error anywhere in one Query message runs none of its statements.
out=$(sl_psql -c "CREATE SINK never TO FILE WITH (path = 'n.jsonl'); SHOW SINKS FROM" 2>&1)
check "psql multi-statement syntax error" 'ERROR:  syntax error at or near "FROM"
LINE 1: ... SINK never TO FILE WITH (path = '"'"'n.jsonl'"'"'); SHOW SINKS FROM
                                                                   ^' "$out"
out=$(sl_psql -At -c "SHOW SINKS" 2>&1)
check "psql nothing ran" "" "$out"

sl_server_stop || fail=1
exit $fail
