#!/bin/bash
# bench/sink_influxdb.sh - the INFLUXDB sink's figure of `make bench`
# (issue 5, "Performance"): points per second that sluice writes into a
# local InfluxDB 1.x, against curl posting the same points in the same
# batch size, sequentially, in the same run.  Prints figures, asserts none;
# exits non-zero only when a run broke (a query failed, a request was not
# answered 204, InfluxDB holds the wrong number of points, a server did not
# start).
#
# The query: the GENERATOR source (BENCH_INFLUX_STATIONS stations, default
# 10,000; BENCH_INFLUX_ROWS readings, default 360,000, i.e. 10 hours of
# event time) through
#   SELECT window_end, station, avg(ph) AS avg_ph, min(ph) AS min_ph,
#     max(ph) AS max_ph, count(*) AS n FROM gen
#   WINDOW TUMBLING (1 HOUR) GROUP BY station
# into INFLUXDB (tags = station, batch_rows = 5000): about 100,000 points.
# sluice is timed from CREATE QUERY until wait_query() returns; the
# baseline is one curl process POSTing the same points, prepared beforehand
# as line protocol in files of 5000 lines, one request after the other on
# one reused connection.  Each run writes into a fresh database.  Median of
# BENCH_INFLUX_RUNS (3) runs each, and the ratio of the two times.
#
# Environment: SLUICED, SLUICE (default SL_BUILDDIR/sluiced, sluice),
# SL_SRCDIR (default: this script's checkout), SL_BUILDDIR (default: .).
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
for tool in psql curl /usr/bin/python3 /usr/bin/influxd; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 2; }
done

ROWS=${BENCH_INFLUX_ROWS:-360000}
STATIONS=${BENCH_INFLUX_STATIONS:-10000}
RUNS=${BENCH_INFLUX_RUNS:-3}
BATCH=5000

SL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-influx.XXXXXX")
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/lib/influxd.sh"
trap 'exit 130' INT TERM

die() { echo "bench influxdb: $*" >&2; exit 1; }
now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# count DB: points in measurement m of database DB
count() {
    influx_q 'SELECT count(n) FROM m' "$1" |
        /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin)["results"][0]; print(r["series"][0]["values"][0][1] if "series" in r else 0)'
}
# write_requests: InfluxDB's count of /write requests so far (its /debug/vars)
write_requests() {
    curl -s -m 10 "$INFLUX_URL/debug/vars" | /usr/bin/python3 -c '
import json,sys
d = json.load(sys.stdin)
print(sum(v["values"].get("writeReq", 0) for k, v in d.items() if k.startswith("httpd")))'
}
create_db() {
    [ "$(influx_q "CREATE DATABASE $1")" = '{"results":[{"statement_id":0}]}' ] || die "CREATE DATABASE $1 failed"
}

QUERY="SELECT window_end, station, avg(ph) AS avg_ph, min(ph) AS min_ph, max(ph) AS max_ph, count(*) AS n
  FROM gen WINDOW TUMBLING (1 HOUR) GROUP BY station"

echo "InfluxDB sink: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores; $(influxd version 2>/dev/null)"
echo "  load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
influxd_start || die "influxd did not start"
sl_server_start || die "sluiced did not start"
sl_psql -q -v ON_ERROR_STOP=1 >/dev/null <<SQL || die "creating the source failed"
CREATE SOURCE gen FROM GENERATOR WITH (rows = $ROWS, stations = $STATIONS, seed = 1) EVENT TIME ts;
CREATE SINK csv TO FILE WITH (path = '$SL_TMP/points.csv', format = 'csv');
CREATE QUERY prep AS $(echo "$QUERY" | sed 's/window_end,/epoch(window_end) AS t,/') INTO csv;
SELECT wait_query('prep', 600);
SQL

# --- the baseline's payload: the same points as line protocol, 5000 a file ---
mkdir -p "$SL_TMP/lp"
/usr/bin/python3 - "$SL_TMP/points.csv" "$SL_TMP/lp" "$BATCH" <<'PY' || die "preparing line protocol failed"
import csv, sys
from decimal import Decimal
src, outdir, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = []
with open(src, newline="") as f:
    for r in csv.DictReader(f):
        ns = int(Decimal(r["t"]) * 1000000) * 1000
        station = r["station"].replace(",", "\\,").replace(" ", "\\ ").replace("=", "\\=")
        fields = ["%s=%s" % (k, r[k]) for k in ("avg_ph", "min_ph", "max_ph") if r[k] != ""]
        fields.append("n=%si" % r["n"])
        lines.append("m,station=%s %s %d\n" % (station, ",".join(fields), ns))
for i in range(0, len(lines), batch):
    with open("%s/%06d.lp" % (outdir, i // batch), "w") as f:
        f.writelines(lines[i:i + batch])
PY
POINTS=$(ls "$SL_TMP"/lp/*.lp | xargs cat | wc -l)
NREQ=$(ls "$SL_TMP"/lp/*.lp | wc -l)
[ "$POINTS" -gt 0 ] || die "no points prepared"
echo "  $ROWS generated readings, $STATIONS stations -> $POINTS points ($(du -sk "$SL_TMP/lp" | cut -f1) kB of line protocol in $NREQ requests of $BATCH)"

sluice_run() { # sluice_run N: prints "seconds requests"
    local run=$1 db t0 s st req0 req1
    db=s$run
    create_db "$db"
    sl_psql -q -v ON_ERROR_STOP=1 -c "CREATE SINK influx_$run TO INFLUXDB WITH (url = '$INFLUX_URL',
        database = '$db', measurement = 'm', tags = 'station', batch_rows = $BATCH)" >/dev/null ||
        die "CREATE SINK failed"
    req0=$(write_requests)
    t0=$(now)
    sl_psql -q -v ON_ERROR_STOP=1 -c "CREATE QUERY q$run AS $QUERY INTO influx_$run" >/dev/null ||
        die "CREATE QUERY failed"
    st=$(sl_psql -At -c "SELECT wait_query('q$run', 600)")
    s=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.6f", b - a }')
    req1=$(write_requests)
    [ "$st" = finished ] || die "sluice run $run: query $st: $(sl_psql -At -c 'SHOW QUERIES' | grep "^q$run|")"
    [ "$(count "$db")" = "$POINTS" ] || die "sluice run $run: $(count "$db") points in InfluxDB, want $POINTS"
    echo "$s $((req1 - req0))"
}
curl_run() { # curl_run N: prints seconds
    local run=$1 db t0 s args=() f codes
    db=c$run
    create_db "$db"
    for f in "$SL_TMP"/lp/*.lp; do
        [ ${#args[@]} -gt 0 ] && args+=(--next)
        args+=(-s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: text/plain; charset=utf-8'
            --data-binary "@$f" "$INFLUX_URL/write?db=$db&precision=ns")
    done
    t0=$(now)
    codes=$(curl "${args[@]}") || die "curl run $run failed"
    s=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.6f", b - a }')
    [ "$(grep -c '^204$' <<<"$codes")" = "$NREQ" ] || die "curl run $run: statuses $(sort <<<"$codes" | uniq -c | tr '\n' ' ')"
    [ "$(count "$db")" = "$POINTS" ] || die "curl run $run: $(count "$db") points in InfluxDB, want $POINTS"
    echo "$s"
}

: >"$SL_TMP/sluice.times"
: >"$SL_TMP/curl.times"
for i in $(seq "$RUNS"); do
    r=$(sluice_run "$i") || exit 1
    echo "${r% *}" >>"$SL_TMP/sluice.times"
    sreq=${r#* }
    c=$(curl_run "$i") || exit 1
    echo "$c" >>"$SL_TMP/curl.times"
    printf '  run %d: sluice %.3f s (%s requests), curl %.3f s\n' "$i" "${r% *}" "$sreq" "$c"
done
ts=$(median <"$SL_TMP/sluice.times")
tc=$(median <"$SL_TMP/curl.times")
awk -v n="$POINTS" -v ts="$ts" -v tc="$tc" 'BEGIN {
    printf "  sluice -> INFLUXDB:  %8.0f points/s  (median %.3f s)\n", n / ts, ts
    printf "  curl, same batches:  %8.0f points/s  (median %.3f s)\n", n / tc, tc
    printf "  sluice/curl time:    %.2fx  (target: within 1.5x)\n", ts / tc
}'
sl_server_stop || die "sluiced did not stop cleanly"
influxd_stop
exit 0
