#!/bin/bash
# regress/pg_regress.sh [test ...] - the SQL regression suite, in the spirit
# of pg_regress.
#
# For each test in regress/schedule (or the names given), starts a fresh
# sluiced (own temp data dir and port), feeds regress/sql/NAME.sql to
# `sluice -a -q -f`, and compares the output with regress/expected/NAME.out.
# A line `-- @restart` in a test stops the server cleanly (SIGTERM) and starts
# it again on the same data dir before the rest of the file runs, so a test
# can check what survives a restart.  The files of regress/data are copied
# into the data dir first, so tests read them by relative path.  A failing test prints its diff and
# leaves its output in regress/results/ (under the build dir).
set -u
. "$SL_SRCDIR/regress/lib/server.sh"

results=$SL_BUILDDIR/regress/results
mkdir -p "$results"

if [ $# -gt 0 ]; then
    tests="$*"
else
    tests=$(sed -n 's/^test:[[:space:]]*//p' "$SL_SRCDIR/regress/schedule")
fi

run_part() { # run_part SQLFILE OUTFILE
    (cd "$SL_TMP" && PGAPPNAME=pg_regress "$SLUICE" -h 127.0.0.1 -p "$SL_PORT" -U sluice -X -a -q -f "$1" >>"$2" 2>&1)
    return 0 # statements that fail are part of the expected output
}

pass=0
fail=0
for t in $tests; do
    sql=$SL_SRCDIR/regress/sql/$t.sql
    out=$results/$t.out
    : >"$out"
    SL_DATADIR=$SL_TMP/data-$t
    export SL_TEST_DATADIR=$SL_DATADIR
    if ! sl_server_start; then
        echo "not ok - $t (server did not start)"; fail=$((fail + 1)); SL_DATADIR=; continue
    fi
    # Small input files (regress/data) sit in the first file root (DATADIR/files),
    # where relative paths resolve.
    cp "$SL_SRCDIR"/regress/data/* "$SL_DATADIR"/files/
    # Split the file at -- @restart lines; each part runs against one server life.
    rm -f "$SL_TMP"/part.*
    awk -v dir="$SL_TMP" 'BEGIN{n=0; f=dir "/part." n} /^-- @restart[[:space:]]*$/{n++; f=dir "/part." n} {print > f}' "$sql"
    i=0
    while [ -f "$SL_TMP/part.$i" ]; do
        if [ "$i" -gt 0 ]; then
            sl_server_stop || echo "!! server did not stop cleanly" >>"$out"
            sl_server_start || { echo "!! server did not restart" >>"$out"; break; }
        fi
        run_part "$SL_TMP/part.$i" "$out"
        i=$((i + 1))
    done
    if [ -n "${SL_PID:-}" ]; then
        kill -0 "$SL_PID" 2>/dev/null || echo "!! server died during the test" >>"$out"
        sl_server_stop || echo "!! server did not stop cleanly" >>"$out"
    fi
    SL_DATADIR=
    # The bootstrap role is the OS user running the tests (root here and in
    # CI); another user's name is written as root so that the expected
    # output holds (psql's \du lists it).
    os_user=$(id -un)
    if [ "$os_user" != root ]; then sed -i "s/\b$os_user\b/root/g" "$out"; fi
    if diff -u "$SL_SRCDIR/regress/expected/$t.out" "$out" >"$results/$t.diff" 2>&1; then
        echo "ok - $t"; pass=$((pass + 1)); rm -f "$results/$t.diff"
    else
        echo "not ok - $t"; cat "$results/$t.diff"; fail=$((fail + 1))
    fi
done
echo "regress: $pass passed, $fail failed"
if [ "$fail" -ne 0 ]; then SL_KEEP_TMP=1; exit 1; fi
exit 0
