#!/bin/bash
# regress/scripts/sink_avro.sh - the Avro archive end to end (issue 5):
# the fixture workbook replayed by an XLSX source into a Kafka topic of the
# embedded broker (as in kafka_oracle.sh); a Kafka source on that topic
# archived raw by `SELECT * FROM readings INTO archive` (AVRO sink, codec
# null, rotate 64kB so several files appear) and by a second query into a
# deflate AVRO sink; the 1-minute per-station window query over the Kafka
# source into a FILE sink; then the archive replayed by
# `CREATE SOURCE replay FROM AVRO WITH (path = 'archive/*.avro')` through
# the same window query into another FILE sink.  Checks: both outputs are
# identical (sorted lines) and equal sqlite3's windows
# (regress/oracle/window_oracle.py); Python's avro package (an independent
# reader) reads every archive file of both codecs and finds every fixture
# reading exactly once with its values; no temporary file is left once
# the archiving queries are dropped; file names sort by time.  Errors: a
# path under a regular file fails CREATE QUERY with the OS error, and a
# directory replaced under a running query fails the query with the OS
# error in SHOW QUERIES.  Crash: a server killed (SIGKILL) while a query
# archives leaves a temporary file; the restarted query recovers it, and
# Python reads every row up to the crash from it.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/scripts/kafka_common.sh"
PY=/usr/bin/python3
fx=$SL_TMP/fixtures
$PY "$SL_SRCDIR/regress/fixtures/make_xlsx.py" "$fx" >/dev/null || { echo "not ok - fixtures"; exit 1; }
sl_server_start -c "file_roots=files,$fx" --embedded-kafka || exit 1

AGGS="window_start, window_end, station, count(*) AS n, count(ph) AS n_ph,
  count(DISTINCT conductivity) AS nd_cond, sum(conductivity) AS sum_cond, sum(ph) AS sum_ph,
  avg(ph) AS avg_ph, min(ph) AS min_ph, max(ph) AS max_ph, min(ts) AS min_ts, max(turbidity) AS max_turb,
  stddev(turbidity) AS sd_t, stddev_pop(turbidity) AS sdp_t, variance(temperature) AS var_temp,
  var_pop(temperature) AS varp_temp, first(ph) AS first_ph, last(ph) AS last_ph"

# Paced replay (300 rows/s): the Kafka source merges its 4 partitions by
# message timestamp, which has millisecond resolution, so rows the replay
# produced in the same millisecond on different partitions come out in
# either order, and the watermark is global.  At 300 rows/s a burst of rows
# sharing a millisecond spans well under the 30 s watermark (2 s of event
# time a row) even when the machine is loaded; that merge is
# kafka_oracle.sh's subject, this test's is the archive.
out=$(sl_psql -q -v ON_ERROR_STOP=1 <<SQL 2>&1
CREATE SOURCE sheet FROM XLSX WITH (path = '$fx/water_xlsxwriter.xlsx', sheet = 'readings', rate = 300);
CREATE SINK raw_kafka TO KAFKA WITH (topic = 'water', format = 'json');
CREATE SOURCE readings (ts TIMESTAMP, station TEXT, ph DOUBLE, turbidity DOUBLE, temperature DOUBLE,
                        dissolved_oxygen DOUBLE, conductivity BIGINT)
  FROM KAFKA WITH (topic = 'water', format = 'json', idle_timeout = '1 second')
  EVENT TIME ts WATERMARK 30 SECONDS;
CREATE SINK archive TO AVRO WITH (path = 'archive', codec = 'null', rotate = '64kB');
CREATE SINK archive_z TO AVRO WITH (path = 'archive_z', codec = 'deflate', rotate = '16kB');
CREATE SINK live_out TO FILE WITH (path = 'live.jsonl');
CREATE QUERY archiver AS SELECT * FROM readings INTO archive;
CREATE QUERY archiver_z AS SELECT * FROM readings INTO archive_z;
CREATE QUERY live AS SELECT $AGGS FROM readings WINDOW TUMBLING (1 MINUTE) GROUP BY station INTO live_out;
CREATE QUERY to_kafka AS SELECT * FROM sheet INTO raw_kafka;
SQL
)
check "pipeline set up" "" "$out"
check "the sheet replay finishes" "finished" "$(sl_psql -At -c "SELECT wait_query('to_kafka', 60)" 2>&1)"
wait_until 60 '[ "$(query_field live 6)" = 500 ]' || notok "500 live windows (got $(query_field live 6))"
wait_until 30 '[ "$(query_field archiver 6)" = 3000 ] && [ "$(query_field archiver_z 6)" = 3000 ]' ||
    notok "archivers wrote 3000 rows (got $(query_field archiver 6), $(query_field archiver_z 6))"
check "archiver: no errors" "running|0|" "$(query_field archiver 2)|$(query_field archiver 8)|$(query_field archiver 11)"
# The open file is still hidden; dropping the query completes it.
out=$(sl_psql -q -v ON_ERROR_STOP=1 -c "DROP QUERY archiver" -c "DROP QUERY archiver_z" 2>&1)
check "archivers dropped" "" "$out"
check "no temporary files left" "" "$(cd "$SL_DATADIR/files" && ls -A archive archive_z | grep -E '^\.|\.tmp$')"
nfiles=$(ls "$SL_DATADIR/files/archive" | grep -c '\.avro$')
[ "$nfiles" -ge 3 ] && ok "rotation by size: $nfiles archive files" || notok "rotation by size: $nfiles archive files, want >= 3"
names=$(ls "$SL_DATADIR/files/archive")
check "file names are <query>-<UTC time>-<seq>.avro" "" \
    "$(grep -vE '^archiver-[0-9]{8}T[0-9]{6}\.[0-9]{6}Z-[0-9]{6}\.avro$' <<<"$names")"
check "names sort in creation order" "$(seq -f '%06g' "$nfiles")" "$(sed -E 's/.*-([0-9]{6})\.avro$/\1/' <<<"$names")"

# An independent reader: Python's avro package.
cat >"$SL_TMP/read_archive.py" <<'PYEOF'
"""read_archive.py CSV DIR...: every fixture reading exactly once across
the .avro files of the DIRs, read with Python's avro package; prints one
line of problems or 'ok N FILES'."""
import collections, csv, datetime as dt, glob, sys
import avro.datafile, avro.io

def us(d):
    return int(round(d.timestamp() * 1e6))

want = collections.Counter()
first = []
with open(sys.argv[1], newline="") as f:
    for row in csv.DictReader(f):
        t = dt.datetime.strptime(row["ts"], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=dt.timezone.utc)
        num = lambda c, k: None if row[c] == "" else k(row[c])
        key = (us(t), row["station"], num("ph", float), num("turbidity", float), num("temperature", float),
               num("dissolved_oxygen", float), num("conductivity", int))
        want[key] += 1
        first.append(key)
got = collections.Counter()
nfiles = 0
for d in sys.argv[2:]:
    for path in sorted(glob.glob(d + "/*.avro")):
        nfiles += 1
        with avro.datafile.DataFileReader(open(path, "rb"), avro.io.DatumReader()) as r:
            codec = r.meta.get("avro.codec", b"null").decode()
            for rec in r:
                ts = rec["ts"]
                if not isinstance(ts, dt.datetime):
                    sys.exit("ts is %r, not a timestamp (logicalType lost?)" % (ts,))
                key = (us(ts), rec["station"], rec["ph"], rec["turbidity"], rec["temperature"],
                       rec["dissolved_oxygen"], rec["conductivity"])
                got[key] += 1
if got != want:
    missing = want - got
    extra = got - want
    sys.exit("differs: %d readings missing (e.g. %r), %d extra (e.g. %r)" % (
        sum(missing.values()), next(iter(missing), None), sum(extra.values()), next(iter(extra), None)))
print("ok %d %d %s" % (sum(got.values()), nfiles, codec))
PYEOF
res=$($PY "$SL_TMP/read_archive.py" "$fx/water.csv" "$SL_DATADIR/files/archive" 2>&1)
check "python reads the null-codec archive: every reading once" "ok 3000 $nfiles null" "$res"
res=$($PY "$SL_TMP/read_archive.py" "$fx/water.csv" "$SL_DATADIR/files/archive_z" 2>&1)
nz=$(ls "$SL_DATADIR/files/archive_z" | grep -c '\.avro$')
check "python reads the deflate archive: every reading once" "ok 3000 $nz deflate" "$res"
# A few values of one file, by hand: the first file starts with the first readings.
res=$($PY - "$SL_DATADIR/files/archive" <<'PYEOF' 2>&1
import glob, sys, avro.datafile, avro.io
path = sorted(glob.glob(sys.argv[1] + "/*.avro"))[0]
with avro.datafile.DataFileReader(open(path, "rb"), avro.io.DatumReader()) as r:
    rows = [rec for _, rec in zip(range(10000), r)]
print(len(rows) > 0, sorted((x["ts"].isoformat(), x["station"], x["ph"], x["conductivity"]) for x in rows)[0])
PYEOF
)
check "first archive file's first reading" \
    "True ('2024-03-01T00:00:00+00:00', 'east', $(awk -F, '$1 == "2024-03-01 00:00:00.000" && $2 == "east" { print ($3 == "" ? "None" : $3) ", " $7 }' "$fx/water.csv"))" \
    "$res"

# Replay the archive through the same window query.
out=$(sl_psql -q -v ON_ERROR_STOP=1 <<SQL 2>&1
CREATE SOURCE replay FROM AVRO WITH (path = 'archive/*.avro') EVENT TIME ts WATERMARK 30 SECONDS;
CREATE SINK replay_out TO FILE WITH (path = 'replay.jsonl');
CREATE QUERY replayed AS SELECT $AGGS FROM replay WINDOW TUMBLING (1 MINUTE) GROUP BY station INTO replay_out;
SQL
)
check "replay set up" "" "$out"
check "the replay finishes" "finished" "$(sl_psql -At -c "SELECT wait_query('replayed', 60)" 2>&1)"
check "replay read 3000 readings, wrote 500 windows, no late rows or errors" "3000|500|0|0" \
    "$(query_field replayed 5)|$(query_field replayed 6)|$(query_field replayed 7)|$(query_field replayed 8)"
check "replay columns come from the archive's schema" \
    "ts|station|ph|turbidity|temperature|dissolved_oxygen|conductivity" \
    "$(sl_psql -A -F'|' -c "SELECT * FROM replay LIMIT 1" 2>&1 | head -1)"
if [ -s "$SL_DATADIR/files/live.jsonl" ] && diff <(sort "$SL_DATADIR/files/live.jsonl") <(sort "$SL_DATADIR/files/replay.jsonl") >"$SL_TMP/diff.txt"; then
    ok "replayed windows are identical to the live ones"
else
    notok "replayed windows differ from the live ones"; head -20 "$SL_TMP/diff.txt"
fi
if $PY "$SL_SRCDIR/regress/oracle/window_oracle.py" "$fx/water.csv" "$SL_DATADIR/files/replay.jsonl" tumbling 60; then
    ok "replayed windows equal sqlite3's"
else
    notok "replayed windows differ from sqlite3's"
fi

# Errors.  A path that cannot be a directory: CREATE QUERY fails with the OS error.
echo x >"$SL_DATADIR/files/plain"
out=$(sl_psql -q <<SQL 2>&1
CREATE SINK bad TO AVRO WITH (path = 'plain/archive');
CREATE QUERY bad_q AS SELECT * FROM sheet INTO bad;
SQL
)
case $out in
*'could not create directory'*'plain/archive'*'Not a directory'*) ok "unusable path: CREATE QUERY fails with the OS error" ;;
*) notok "unusable path: CREATE QUERY fails with the OS error"; echo "$out" ;;
esac
# The directory replaced by a file while the query runs: it fails, with the
# OS error in SHOW QUERIES, and the rows of its complete files stay readable.
out=$(sl_psql -q -v ON_ERROR_STOP=1 <<SQL 2>&1
CREATE SOURCE slow FROM GENERATOR WITH (rows = 200000, rate = 4000);
CREATE SINK moving TO AVRO WITH (path = 'moving', codec = 'null', rotate = '4kB');
CREATE QUERY mover AS SELECT * FROM slow INTO moving;
SQL
)
check "moving set up" "" "$out"
wait_until 20 'ls "$SL_DATADIR/files/moving" 2>/dev/null | grep -q "\.avro$"' || notok "a first file appears"
mv "$SL_DATADIR/files/moving" "$SL_DATADIR/files/moving.gone" && echo x >"$SL_DATADIR/files/moving"
wait_until 20 '[ "$(query_field mover 2)" = failed ]' || notok "the query fails (state $(query_field mover 2))"
case $(query_field mover 11) in
*'"'*'/moving/'*'": Not a directory') ok "the OS error is in SHOW QUERIES: $(query_field mover 11)" ;;
*) notok "the OS error is in SHOW QUERIES: $(query_field mover 11)" ;;
esac


# A crash (SIGKILL) while a query archives: at the restart the query's sink
# recovers its temporary file (complete blocks kept, renamed into place).
out=$(sl_psql -q -v ON_ERROR_STOP=1 <<SQL 2>&1
CREATE SOURCE slowgen FROM GENERATOR WITH (rows = 1000000, rate = 5000);
CREATE SINK crash_arch TO AVRO WITH (path = 'crash', codec = 'deflate', flush_interval = '200 milliseconds');
CREATE QUERY crasher AS SELECT * FROM slowgen INTO crash_arch;
SQL
)
check "crasher set up" "" "$out"
wait_until 20 '[ "$(query_field crasher 6)" -ge 3000 ] 2>/dev/null' || notok "crasher writes rows"
sleep 0.5 # a flush or two: blocks on disk
sl_server_kill
check "a temporary file is left by the crash" "1" "$(ls -A "$SL_DATADIR/files/crash" | grep -c '^\.crasher-.*\.avro\.tmp$')"
sl_server_start -c "file_roots=files,$fx" || exit 1
wait_until 20 'grep -q "recovered [0-9]* record(s) of" "$SL_TMP/server.log"' || notok "the restart logs a recovery"
n=$(sed -n 's/.*sink "crash_arch": recovered \([0-9]*\) record(s) of.*/\1/p' "$SL_TMP/server.log" | head -1)
[ "${n:-0}" -ge 1000 ] && ok "recovered $n records" || notok "recovered ${n:-no} records"
res=$($PY - "$SL_DATADIR/files/crash" <<'PYEOF' 2>&1
import glob, sys, avro.datafile, avro.io
path = sorted(glob.glob(sys.argv[1] + "/*.avro"))[0]
with avro.datafile.DataFileReader(open(path, "rb"), avro.io.DatumReader()) as r:
    rows = list(r)
# The generator's rows are 100 ms apart from 2026-01-01 00:00:00 UTC: no gap, no duplicate.
ts = [x["ts"].timestamp() for x in rows]
ok = all(abs(ts[i] - (1767225600 + i * 0.1)) < 1e-6 for i in range(len(ts)))
print(len(rows), ok)
PYEOF
)
check "python reads the recovered file: every row up to the crash, in order" "$n True" "$res"
out=$(sl_psql -q -c "DROP QUERY crasher" 2>&1)
check "crasher dropped" "" "$out"
check "no temporary files after the restart and drop" "" "$(ls -A "$SL_DATADIR/files/crash" | grep -E '^\.|\.tmp$')"

sl_server_stop || notok "server stops"
exit $fail
