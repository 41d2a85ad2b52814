#!/bin/bash
# regress/valgrind.sh - `make check-valgrind`: the protocol, DDL and query
# regress files, the protocol garbage test, the resource limits test, a
# shortened load test and the extensions test, each against sluiced running under valgrind memcheck
# (regress/valgrind-sluiced.sh).  Passes only when every test passes and
# every server run's report shows no memcheck error and no block definitely
# lost; a report without its HEAP SUMMARY means the server did not reach its
# clean exit, so its leaks went unchecked: that fails too.
#
# Environment (set by regress/valgrind.mk): SL_SRCDIR, SL_BUILDDIR, SLUICE,
# SL_VALGRIND_SLUICED (the real sluiced).  Reports are kept in
# $SL_BUILDDIR/regress/valgrind/sluiced.PID.log; the test logs next to them.
set -u
: "${SL_SRCDIR:?}" "${SL_BUILDDIR:?}" "${SLUICE:?}" "${SL_VALGRIND_SLUICED:?}"
command -v valgrind >/dev/null || { echo "valgrind is not installed (Debian package valgrind)" >&2; exit 1; }

SL_VALGRIND_LOGDIR=$SL_BUILDDIR/regress/valgrind
rm -rf "$SL_VALGRIND_LOGDIR"
mkdir -p "$SL_VALGRIND_LOGDIR"
SLUICED=$SL_SRCDIR/regress/valgrind-sluiced.sh
SL_VALGRIND_SUPP=$SL_SRCDIR/regress/valgrind.supp
export SL_SRCDIR SL_BUILDDIR SLUICE SLUICED SL_VALGRIND_SLUICED SL_VALGRIND_LOGDIR SL_VALGRIND_SUPP

fail=0
start=$(date +%s)
# run NAME TIMEOUT COMMAND...: one test, its output in NAME.log.
run() {
    local name=$1 limit=$2 t0 rc
    t0=$(date +%s)
    shift 2
    timeout -k 10 "$limit" "$@" >"$SL_VALGRIND_LOGDIR/$name.log" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
        echo "ok - $name under valgrind ($(($(date +%s) - t0)) s)"
    else
        echo "not ok - $name under valgrind (status $rc$([ $rc -eq 124 ] && echo ', timed out'))"
        grep -v '^ok' "$SL_VALGRIND_LOGDIR/$name.log" | head -n 60
        fail=1
    fi
}

# All of regress/schedule: the protocol, DDL, settings and query files.
run regress 900 "$SL_SRCDIR/regress/pg_regress.sh"
run protocol_garbage 300 "$SL_SRCDIR/regress/scripts/protocol_garbage.sh"
run limits 300 "$SL_SRCDIR/regress/scripts/limits.sh"
# memcheck runs one thread at a time, so fewer clients for less time.
LOAD_CLIENTS=16 LOAD_SECONDS=10 run load 300 "$SL_SRCDIR/regress/scripts/load.sh"
# Loading, refusing, dropping and reloading extensions (issue 16).
run extensions 600 "$SL_SRCDIR/regress/scripts/extensions.sh"

# The reports of every server run.
runs=0
for f in "$SL_VALGRIND_LOGDIR"/sluiced.*.log; do
    [ -f "$f" ] || continue
    runs=$((runs + 1))
    cmd=$(sed -n 's/^==[0-9]*== Command: //p' "$f" | head -n 1)
    if ! grep -q 'HEAP SUMMARY' "$f"; then
        echo "not ok - no leak check (no clean exit): $f: $cmd"; fail=1
    elif ! grep -q 'ERROR SUMMARY: 0 errors' "$f"; then
        echo "not ok - memcheck errors: $f: $cmd"; grep -A 40 -m 1 -E '^==[0-9]+== [A-Z]' "$f" | head -n 80; fail=1
    elif grep -Eq 'definitely lost: [1-9]' "$f"; then
        echo "not ok - definitely lost: $f: $cmd"; fail=1
    fi
done
[ $runs -gt 0 ] || { echo "not ok - no valgrind report written"; fail=1; }
echo "check-valgrind: $runs server runs checked in $(($(date +%s) - start)) s, reports in $SL_VALGRIND_LOGDIR"
[ $fail -eq 0 ] && echo "check-valgrind: no memcheck error, nothing definitely lost" || echo "check-valgrind: FAILED"
exit $fail
