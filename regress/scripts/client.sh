#!/bin/bash
# regress/scripts/client.sh - the sluice shell's own behaviour: exit
# statuses (0 ok, 1 a statement failed, 2 no connection), several -c in
# order, SLUICE_PORT, the backslash commands \d, \d NAME, \x, and the
# default socket directory when no host is given.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
sl_server_start || exit 1
fail=0
expect_rc() { # expect_rc NAME WANT GOT
    if [ "$2" -eq "$3" ]; then echo "ok - $1"; else echo "not ok - $1: exit status $3, want $2"; fail=1; fi
}
expect_out() { # expect_out NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then echo "ok - $1"; else
        echo "not ok - $1"; echo "--- expected"; echo "$2"; echo "--- got"; echo "$3"; fail=1; fi
}

out=$(sl_sluice -c "CREATE SINK s TO FILE WITH (path = 'x.jsonl')" -c "CREATE SOURCE g FROM GENERATOR WITH (rows = 1)" 2>&1)
expect_rc "two -c succeed" 0 $?
expect_out "two -c print their tags in order" "CREATE SINK
CREATE SOURCE" "$out"

out=$(sl_sluice -c "SHOW nosuch" 2>&1)
expect_rc "failed statement with -c exits 1" 1 $?
expect_out "error text" 'ERROR:  unrecognized configuration parameter "nosuch"' "$out"

printf 'SHOW SINKS;\nSHOW nosuch;\n' >"$SL_TMP/f.sql"
sl_sluice -q -f "$SL_TMP/f.sql" >/dev/null 2>&1
expect_rc "failed statement with -f exits 1" 1 $?

"$SLUICE" -h 127.0.0.1 -p "$(sl_free_port)" -c 'SHOW ALL' >"$SL_TMP/out" 2>"$SL_TMP/err"
expect_rc "no server exits 2" 2 $?
grep -q 'connection to server' "$SL_TMP/err" && echo "ok - connection error on stderr" ||
    { echo "not ok - connection error on stderr: $(cat "$SL_TMP/err")"; fail=1; }

out=$(SLUICE_HOST=127.0.0.1 SLUICE_PORT=$SL_PORT SLUICE_USER=sluice "$SLUICE" -c 'SHOW port' 2>&1)
expect_out "SLUICE_PORT" " port  
-------
 $SL_PORT
(1 row)
" "$out
"

out=$(printf '\\d\n' | sl_sluice -q 2>&1)
echo "$out" | grep -q '^ s  *| file' && echo "$out" | grep -q '^ g  *| generator' &&
    echo "$out" | grep -q 'rows_in' && echo "ok - \\d lists sources, sinks and queries" ||
    { echo "not ok - \\d: $out"; fail=1; }

out=$(printf '\\d s\n' | sl_sluice -q 2>&1)
echo "$out" | grep -q '^ option  *| path  *| x.jsonl' && echo "ok - \\d NAME describes" ||
    { echo "not ok - \\d s: $out"; fail=1; }

out=$(printf '\\x\nSHOW SINKS;\n' | sl_sluice -q 2>&1)
expect_out "\\x expanded output" "-[ RECORD 1 ]-+-----------------
name          | s
kind          | file
options       | path = 'x.jsonl'
state         | ok
rows          | 0
batches       | 0
retries       | 0
last_error    | 
last_error_at | 
" "$out
"

sl_server_stop || fail=1

# Neither -h nor PGHOST (nor SLUICE_HOST): the shell looks in sluiced's default
# socket directory, /tmp, not libpq's (/var/run/postgresql on Debian).  The
# server listens there on a port of its own, so no other server is reached;
# peer authentication lets the OS user in as the role of its name.
SL_SOCKDIR=/tmp sl_server_start || exit 1
out=$(env -u PGHOST -u SLUICE_HOST -u PGPORT -u PGUSER -u SLUICE_USER SLUICE_PORT=$SL_PORT \
    "$SLUICE" -q -c 'SHOW unix_socket_directories' 2>&1)
expect_out "no -h: the server's default socket directory" " unix_socket_directories 
-------------------------
 /tmp
(1 row)
" "$out
"
out=$(env -u PGHOST -u SLUICE_HOST -u PGPORT "$SLUICE" -p "$SL_PORT" -q -c 'SELECT 42 AS n' 2>&1)
echo "$out" | grep -q '^ *42$' && echo "ok - no -h, -p given: the same directory" ||
    { echo "not ok - no -h, -p given: $out"; fail=1; }
sl_server_stop || fail=1
exit $fail
