#!/bin/bash
# bench/sink_avro.sh - the Avro archive's write rate (issue 5, "Performance":
# rows/s and MB/s of raw readings; target at least 1 million rows/s with
# the null codec).  Prints figures, asserts none: it exits non-zero only
# when a run broke (a query failed, wrote the wrong number of rows, or a
# server did not start or stop cleanly).  Standalone: run it from a build
# directory, or from bench/run.
#
# What it times: one sluiced; per run a fresh sink and
#   CREATE QUERY q AS SELECT ts, station, ph, turbidity, temperature,
#     dissolved_oxygen, conductivity::BIGINT AS conductivity FROM gen INTO s
# with gen a GENERATOR source of N rows (10 stations) and s
#   (1) an AVRO sink, codec null      (2) an AVRO sink, codec deflate
#   (3) baseline: a FILE sink writing the same rows as JSON lines
# from sending CREATE QUERY until wait_query() says finished (so the time
# includes the generator and the final flush: fdatasync and rename).  MB/s
# are the bytes of the files written divided by that time.  Median of
# BENCH_AVRO_RUNS runs; the ratio compares rows/s with the baseline's.
#
# Environment: SLUICED, SLUICE (default SL_BUILDDIR/sluiced, .../sluice;
# SL_BUILDDIR defaults to the current directory), SL_SRCDIR (default: the
# checkout holding this script), BENCH_AVRO_ROWS (5000000), BENCH_AVRO_RUNS (3).
set -u

here=$(cd "$(dirname "$0")" && pwd)
SL_SRCDIR=${SL_SRCDIR:-$(dirname "$here")}
SL_BUILDDIR=${SL_BUILDDIR:-$PWD}
SLUICED=${SLUICED:-$SL_BUILDDIR/sluiced}
SLUICE=${SLUICE:-$SL_BUILDDIR/sluice}
export SL_SRCDIR SL_BUILDDIR SLUICED SLUICE
for b in "$SLUICED" "$SLUICE"; do
    [ -x "$b" ] || { echo "bench: $b is not built (run make first, or set SLUICED and SLUICE)" >&2; exit 2; }
done
command -v psql >/dev/null || { echo "bench: psql is missing" >&2; exit 2; }

ROWS=${BENCH_AVRO_ROWS:-5000000}
RUNS=${BENCH_AVRO_RUNS:-3}

SL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-avro.XXXXXX")
. "$SL_SRCDIR/regress/lib/server.sh"
trap 'exit 130' INT TERM

die() { echo "bench: $*" >&2; exit 1; }
now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

SELECT_LIST="ts, station, ph, turbidity, temperature, dissolved_oxygen, conductivity::BIGINT AS conductivity"

sl_server_start || die "server did not start"
sl_psql -q -v ON_ERROR_STOP=1 >/dev/null <<SQL || die "creating the source failed"
CREATE SOURCE gen FROM GENERATOR WITH (rows = $ROWS, stations = 10, seed = 1);
SQL

# one_run KIND RUN: prints "seconds bytes"
one_run() {
    local kind=$1 run=$2 sink=s_${1}_$2 with t0 t1 show bytes
    case $kind in
    null | deflate) with="TO AVRO WITH (path = 'avro_${kind}_$run', codec = '$kind')" ;;
    json) with="TO FILE WITH (path = 'json_$run.jsonl', format = 'json')" ;;
    esac
    sl_psql -q -v ON_ERROR_STOP=1 -c "CREATE SINK $sink $with" >/dev/null || die "$kind: CREATE SINK failed"
    t0=$(now)
    sl_psql -q -v ON_ERROR_STOP=1 -c "CREATE QUERY q_$sink AS SELECT $SELECT_LIST FROM gen INTO $sink" >/dev/null ||
        die "$kind: CREATE QUERY failed"
    [ "$(sl_psql -At -c "SELECT wait_query('q_$sink', 600)")" = finished ] || die "$kind: the query did not finish"
    t1=$(now)
    show=$(sl_psql -At -F'|' -c "SHOW QUERIES" | awk -F'|' -v n="q_$sink" '$1 == n')
    [ "$(cut -d'|' -f6 <<<"$show")" = "$ROWS" ] || die "$kind: the query wrote $(cut -d'|' -f6 <<<"$show") rows, not $ROWS: $show"
    case $kind in
    json) bytes=$(stat -c %s "$SL_DATADIR/json_$run.jsonl") ;;
    *)
        ls "$SL_DATADIR/avro_${kind}_$run"/.*.tmp >/dev/null 2>&1 && die "$kind: temporary files left"
        bytes=$(cat "$SL_DATADIR/avro_${kind}_$run"/*.avro | wc -c)
        ;;
    esac
    sl_psql -q -c "DROP QUERY q_$sink" >/dev/null 2>&1
    rm -rf "$SL_DATADIR/avro_${kind}_$run" "$SL_DATADIR/json_$run.jsonl"
    awk -v a="$t0" -v b="$t1" -v n="$bytes" 'BEGIN { printf "%.6f %d\n", b - a, n }'
}

echo "Avro archive: $ROWS raw readings (7 columns) from the GENERATOR source, median of $RUNS runs"
declare -A SECS BYTES
for kind in null deflate json; do
    : >"$SL_TMP/$kind.runs"
    for run in $(seq "$RUNS"); do
        one_run "$kind" "$run" >>"$SL_TMP/$kind.runs" || exit 1
    done
    SECS[$kind]=$(awk '{ print $1 }' "$SL_TMP/$kind.runs" | median)
    BYTES[$kind]=$(awk '{ print $2 }' "$SL_TMP/$kind.runs" | median)
done
sl_server_stop || die "server did not stop cleanly"

printf '  %-34s %10s %12s %10s %12s %10s\n' "sink" "seconds" "rows/s" "MB/s" "bytes/row" "vs json"
for kind in null deflate json; do
    case $kind in
    null) label="AVRO codec null" ;;
    deflate) label="AVRO codec deflate" ;;
    json) label="baseline: FILE json lines" ;;
    esac
    awk -v l="$label" -v s="${SECS[$kind]}" -v b="${BYTES[$kind]}" -v n="$ROWS" -v base="${SECS[json]}" 'BEGIN {
        printf "  %-34s %10.3f %12.0f %10.1f %12.1f %9.2fx\n", l, s, n / s, b / s / 1e6, b / n, base / s }'
done
echo "  (rows/s and MB/s over the whole query: generator, encoding, writes, final fdatasync and rename;"
echo "   target for the null codec: >= 1,000,000 rows/s)"
rm -rf "$SL_TMP"
exit 0
