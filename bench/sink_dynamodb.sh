#!/bin/bash
# bench/sink_dynamodb.sh - the DynamoDB figures of `make bench` (issue 5,
# "Performance"): items per second the DYNAMODB sink writes into dynalite,
# against curl posting the same items in the same BatchWriteItem requests.
# Prints figures, asserts none: exits 0 whatever the throughput, non-zero
# only when a run broke (a query failed, the table holds the wrong number
# of items, a process did not start).
#
# The query: SELECT window_start, station, avg(ph), min(ph), max(ph),
# count(*) FROM a GENERATOR source with 200 stations, WINDOW TUMBLING
# (1 MINUTE) GROUP BY station, into a DYNAMODB sink (key station, sort key
# window_start): 600 readings a minute, 3 per station, so N items need
# 3 N readings.  Items, not readings, are what costs: dynalite (node.js)
# stores about 10,000 items/s on the reference machine, so the default N is
# 20,000 (about 30 s in all); BENCH_DYNAMO_ITEMS=100000 (the issue's figure)
# takes about 2.5 minutes, and dynalite slows as its memory fills.
#
# sluice: the wall time of `CREATE QUERY q ...; SELECT wait_query('q')` on a
# running server, into a fresh table.  curl: the same items (the query run
# once into a FILE sink, converted to DynamoDB JSON) as the bodies of
# BatchWriteItem requests of 25 items, posted one after the other by ONE
# curl process (a -K config of requests joined by `next`, so the connection
# is reused and process start-up counts once), signed with --aws-sigv4,
# into a fresh table.  Both runs are checked: every HTTP status 200, and a
# Scan counts N items.  Median of BENCH_DYNAMO_RUNS (3) runs each; the
# ratio is sluice's time over curl's (the issue's target: at most 1.5).
#
# Environment: SLUICED, SLUICE, SL_SRCDIR, SL_BUILDDIR as for bench/run
# (defaults: the current directory is the build directory); SL_DYNALITE
# (default: regress/npm's); BENCH_DYNAMO_ITEMS (20000), BENCH_DYNAMO_RUNS (3).
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

D_ITEMS=${BENCH_DYNAMO_ITEMS:-20000}
D_RUNS=${BENCH_DYNAMO_RUNS:-3}
D_STATIONS=200
D_WINDOWS=$(((D_ITEMS + D_STATIONS - 1) / D_STATIONS))
D_ITEMS=$((D_WINDOWS * D_STATIONS))
D_ROWS=$((D_WINDOWS * 600)) # one reading per 100 ms: 600 a minute, 3 per station

SL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-dynamo.XXXXXX")
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/lib/dynalite.sh"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION
trap 'exit 130' INT TERM

die() { echo "bench: $*" >&2; exit 1; }
now() { date +%s.%N; }
secs_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.6f", b - a }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f items/s", n / s }'; }

SRC="CREATE SOURCE gen FROM GENERATOR WITH (rows = $D_ROWS, stations = $D_STATIONS, seed = 1) EVENT TIME ts"
SELECT="SELECT window_start, station, avg(ph) AS avg_ph, min(ph) AS min_ph, max(ph) AS max_ph, count(*) AS n
  FROM gen WINDOW TUMBLING (1 MINUTE) GROUP BY station"
CREDS="region = '$DDB_REGION', access_key_id = '$DDB_KEY', secret_access_key = '$DDB_SECRET'"

echo "DynamoDB sink benchmark: $D_ITEMS items ($D_WINDOWS windows x $D_STATIONS stations, $D_ROWS readings), $D_RUNS runs"
echo "  load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
dynalite_start || die "dynalite did not start"
echo "  dynalite: $DYNALITE ($DYNALITE_URL, in memory)"
sl_server_start || die "sluiced did not start"
sl_psql -q -v ON_ERROR_STOP=1 -c "$SRC" >/dev/null || die "CREATE SOURCE failed"

# --- the baseline's payload: the same items, prepared once ---------------
sl_psql -q -v ON_ERROR_STOP=1 -c "CREATE SINK items_file TO FILE WITH (path = '$SL_TMP/items.jsonl')" \
    -c "CREATE QUERY prep AS $SELECT INTO items_file" -c "SELECT wait_query('prep', 600)" >/dev/null ||
    die "preparing the items failed"
[ "$(wc -l <"$SL_TMP/items.jsonl")" = "$D_ITEMS" ] ||
    die "the window query wrote $(wc -l <"$SL_TMP/items.jsonl") items, not $D_ITEMS"
/usr/bin/python3 - "$SL_TMP/items.jsonl" "$SL_TMP/bodies" "$D_RUNS" <<'PY' || die "writing the request bodies failed"
import json, os, sys
def av(v):
    if v is None: return {"NULL": True}
    if isinstance(v, bool): return {"BOOL": v}
    if isinstance(v, (int, float)): return {"N": repr(v)}
    return {"S": v}
items = [json.loads(l) for l in open(sys.argv[1])]
for run in range(1, int(sys.argv[3]) + 1):  # a fresh table per run
    table = "bench_c%d" % run
    os.makedirs("%s_%s" % (sys.argv[2], table))
    for i in range(0, len(items), 25):
        body = {"RequestItems": {table: [{"PutRequest": {"Item": {k: av(v) for k, v in it.items()}}}
                                         for it in items[i:i + 25]]}}
        with open("%s_%s/%06d.json" % (sys.argv[2], table, i // 25), "w") as f:
            f.write(json.dumps(body, separators=(",", ":")))
PY
nbodies=$(ls "$SL_TMP/bodies_bench_c1" | wc -l)
echo "  baseline payload: $nbodies BatchWriteItem bodies of 25 items, $(cat "$SL_TMP/bodies_bench_c1"/* | wc -c) bytes"

# curl_config TABLE: one -K config posting every body for TABLE in order.
curl_config() {
    local dir=$SL_TMP/bodies_$1 first=1
    for f in "$dir"/*.json; do
        [ $first = 1 ] || echo "next"
        first=0
        cat <<EOF
url = "$DYNALITE_URL/"
aws-sigv4 = "aws:amz:$DDB_REGION:dynamodb"
user = "$DDB_KEY:$DDB_SECRET"
header = "Content-Type: application/x-amz-json-1.0"
header = "X-Amz-Target: DynamoDB_20120810.BatchWriteItem"
data-binary = "@$f"
output = "$SL_TMP/curl_reply_$1.json"
write-out = "%{http_code}\\n"
EOF
    done >"$SL_TMP/curl_$1.cfg"
}

run_sluice() { # run_sluice N: seconds, on stdout
    local t0 s state count
    ddb_create_table "bench_s$1" station S window_start S || die "CreateTable bench_s$1 failed"
    sl_psql -q -v ON_ERROR_STOP=1 -c "CREATE SINK s$1 TO DYNAMODB WITH (endpoint = '$DYNALITE_URL',
        table = 'bench_s$1', key = 'station', sort_key = 'window_start', $CREDS)" >/dev/null ||
        die "CREATE SINK s$1 failed"
    t0=$(now)
    state=$(sl_psql -At -c "CREATE QUERY q$1 AS $SELECT INTO s$1" -c "SELECT wait_query('q$1', 600)" 2>&1)
    s=$(secs_since "$t0")
    [ "$(tail -n 1 <<<"$state")" = finished ] ||
        die "sluice run $1: $state $(sl_psql -At -c 'SHOW QUERIES' | grep "^q$1|")"
    count=$(ddb_count "bench_s$1")
    [ "$count" = "$D_ITEMS" ] || die "sluice run $1: table bench_s$1 holds $count items, not $D_ITEMS"
    echo "$s"
}

run_curl() { # run_curl N: seconds, on stdout
    local t0 s codes count
    ddb_create_table "bench_c$1" station S window_start S || die "CreateTable bench_c$1 failed"
    curl_config "bench_c$1"
    t0=$(now)
    codes=$(curl -s -K "$SL_TMP/curl_bench_c$1.cfg") || die "curl run $1 failed"
    s=$(secs_since "$t0")
    [ "$(grep -c '^200$' <<<"$codes")" = "$nbodies" ] || die "curl run $1: not every request got 200"
    count=$(ddb_count "bench_c$1")
    [ "$count" = "$D_ITEMS" ] || die "curl run $1: table bench_c$1 holds $count items, not $D_ITEMS"
    echo "$s"
}

: >"$SL_TMP/t_sluice"
: >"$SL_TMP/t_curl"
for r in $(seq "$D_RUNS"); do # interleaved, so that drift in the machine's load hits both alike
    s=$(run_sluice "$r") || exit 1
    echo "$s" >>"$SL_TMP/t_sluice"
    c=$(run_curl "$r") || exit 1
    echo "$c" >>"$SL_TMP/t_curl"
    printf '  run %d: sluice %.3f s, curl %.3f s\n' "$r" "$s" "$c"
done
ts=$(median <"$SL_TMP/t_sluice")
tc=$(median <"$SL_TMP/t_curl")
rss=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SL_PID/status")
sl_server_stop || die "sluiced did not stop cleanly"
dynalite_stop

echo
printf '  %-44s %10s %14s\n' "DynamoDB (dynalite), $D_ITEMS items" "median s" "items/s"
printf '  %-44s %10.3f %14s\n' "sluice DYNAMODB sink (BatchWriteItem x 25)" "$ts" "$(rate "$D_ITEMS" "$ts")"
printf '  %-44s %10.3f %14s\n' "curl -K, same requests, one connection" "$tc" "$(rate "$D_ITEMS" "$tc")"
awk -v a="$ts" -v b="$tc" 'BEGIN { printf "  sluice time / curl time: %.2fx (target: at most 1.5x)\n", a / b }'
echo "  sluiced peak RSS: $((rss / 1024)) MiB; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit 0
