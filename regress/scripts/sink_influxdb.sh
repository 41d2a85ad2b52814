#!/bin/bash
# regress/scripts/sink_influxdb.sh - the INFLUXDB sink against a real
# InfluxDB 1.x (Debian's influxd, started on loopback with a temp data dir
# by regress/lib/influxd.sh).
#
#   1. The fixture's water readings (workbook) through a 1-minute tumbling
#      window per station into INFLUXDB (tags = station, time = window_end,
#      measurement = the query's name); the points read back with /query
#      equal the windows sqlite3 computes (regress/oracle/window_oracle.py);
#      the influx CLI counts the same points.
#   2. Idempotence: the same windows written again by a second query (same
#      measurement) leave the same number of points with the same values.
#   3. Escapes end to end (gzip on, precision us): a measurement and station
#      names with spaces, commas and equals signs come back as tags; text
#      fields with quotes, backslashes and a newline come back as fields; a
#      row with no non-NULL field is skipped, counted and logged.
#   4. Errors: a missing database fails the query with InfluxDB's 404
#      "database not found"; an unknown tag column (42703) and a time
#      column that is not a TIMESTAMP are refused.
#   5. influxd down when the query starts: the query keeps retrying; once
#      influxd is back (same port and data), every window arrives.
#   6. influxd stopped for 10 s in the middle of a run (rate-limited
#      generator): afterwards InfluxDB holds exactly the windows a FILE sink
#      of the same query got, with the same values.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/lib/influxd.sh"
ORACLE=$SL_SRCDIR/regress/oracle/window_oracle.py
fx=$SL_TMP/fixtures
. "$SL_SRCDIR/regress/lib/check.sh"
sql() { sl_psql -q -v ON_ERROR_STOP=1 "$@"; }
# points MEASUREMENT: number of points (count of the always-present field n)
points() {
    influx_q "SELECT count(\"$2\") FROM \"$1\"" water |
        /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin)["results"][0]; print(r["series"][0]["values"][0][1] if "series" in r else 0)'
}
# to_jsonl MEASUREMENT FILE: the points as the window oracle's JSON lines
# (time = window_end; window_start and min_ts were written as integer
# microseconds, the oracle reads ISO-8601 text).
to_jsonl() {
    influx_q "SELECT * FROM \"$1\"" water >"$SL_TMP/$1.json"
    /usr/bin/python3 - "$SL_TMP/$1.json" "$2" <<'PY'
import datetime as dt, json, sys
def iso(us):
    return (dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=us)).strftime("%Y-%m-%d %H:%M:%S.%f")
res = json.load(open(sys.argv[1]))["results"][0]
with open(sys.argv[2], "w") as out:
    for s in res.get("series", []):
        cols = s["columns"]
        for v in s["values"]:
            o = dict(zip(cols, v))
            o["window_end"] = iso(o.pop("time"))
            o["window_start"] = iso(o["window_start"])
            o["min_ts"] = iso(o["min_ts"]) if o.get("min_ts") is not None else None
            out.write(json.dumps(o) + "\n")
PY
}

/usr/bin/python3 "$SL_SRCDIR/regress/fixtures/make_xlsx.py" "$fx" >/dev/null || { echo "not ok - fixtures"; exit 1; }
influxd_start || { echo "not ok - influxd did not start"; exit 1; }
ok "influxd started on $INFLUX_URL"
[ "$(influx_q 'CREATE DATABASE water')" = '{"results":[{"statement_id":0}]}' ] || notok "CREATE DATABASE"
sl_server_start -c "file_roots=files,$fx,$SL_TMP" || { echo "not ok - sluiced did not start"; exit 1; }

AGGS="window_start, window_end, station, count(*) AS n, count(ph) AS n_ph,
  count(DISTINCT conductivity) AS nd_cond, sum(conductivity) AS sum_cond, sum(ph) AS sum_ph,
  avg(ph) AS avg_ph, min(ph) AS min_ph, max(ph) AS max_ph, min(ts) AS min_ts, max(turbidity) AS max_turb,
  stddev(turbidity) AS sd_t, stddev_pop(turbidity) AS sdp_t, variance(temperature) AS var_temp,
  var_pop(temperature) AS varp_temp, first(ph) AS first_ph, last(ph) AS last_ph"
WQ=$(echo "SELECT $AGGS FROM sheet WINDOW TUMBLING (1 MINUTE) GROUP BY station" | tr -s '\n ' '  ')

# --- 1. windows into InfluxDB, compared with sqlite3 -----------------------
sql <<SQL || notok "setup"
CREATE SOURCE sheet FROM XLSX WITH (path = '$fx/water_openpyxl.xlsx', sheet = 'readings')
  EVENT TIME ts WATERMARK 10 SECONDS;
CREATE SINK influx TO INFLUXDB WITH (url = '$INFLUX_URL/', database = 'water', tags = 'station');
CREATE QUERY wq AS $WQ INTO influx;
SQL
check "windows query finished" "finished" "$(sl_psql -At -c "SELECT wait_query('wq', 60)")"
check "windows query has no error" "" "$(query_field wq 11)"
nwin=$(query_field wq 6)
[ "${nwin:-0}" -gt 100 ] && ok "query wrote $nwin windows" || notok "query wrote ${nwin:-no} windows"
check "measurement defaults to the query's name; one point per window" "$nwin" "$(points wq n)"
to_jsonl wq "$SL_TMP/wq.jsonl"
if /usr/bin/python3 "$ORACLE" "$fx/water.csv" "$SL_TMP/wq.jsonl" tumbling 60; then
    ok "points in InfluxDB equal sqlite3's windows"
else
    notok "points in InfluxDB differ from sqlite3's windows"
fi
# The stations are tags, not fields: InfluxDB lists them as tag values.
check "station is a tag" "east lake north south west" \
    "$(influx_q 'SHOW TAG VALUES FROM wq WITH KEY = "station"' water |
        /usr/bin/python3 -c 'import json,sys; print(" ".join(v[1] for v in json.load(sys.stdin)["results"][0]["series"][0]["values"]))')"
# Types as declared: count(*) BIGINT -> integer, avg DOUBLE -> float, window_start TIMESTAMP -> integer.
check "field types" "avg_ph:float n:integer window_start:integer" \
    "$(influx_q 'SHOW FIELD KEYS FROM wq' water | /usr/bin/python3 -c '
import json,sys
v = dict(json.load(sys.stdin)["results"][0]["series"][0]["values"])
print(" ".join("%s:%s" % (k, v[k]) for k in ("avg_ph", "n", "window_start")))')"
if [ -x /usr/bin/influx ]; then
    cli=$(/usr/bin/influx -host 127.0.0.1 -port "$INFLUX_PORT" -database water -format csv \
        -execute 'SELECT count(n) FROM wq' 2>&1 | tail -1 | cut -d, -f3)
    check "influx CLI counts the same points" "$nwin" "$cli"
    cli=$(/usr/bin/influx -host 127.0.0.1 -port "$INFLUX_PORT" -database water -format csv -precision rfc3339 \
        -execute "SELECT n, min_ph FROM wq WHERE station = 'north' ORDER BY time LIMIT 1" 2>&1 | tail -1)
    want=$(/usr/bin/python3 -c '
import json,sys
rows = [json.loads(l) for l in open(sys.argv[1])]
r = min((r for r in rows if r["station"] == "north"), key=lambda r: r["window_end"])
print("wq,2024-03-01T00:01:00Z,%d,%r" % (r["n"], r["min_ph"]))' "$SL_TMP/wq.jsonl")
    check "influx CLI reads the first north window" "$want" "$cli"
else
    notok "influx CLI (/usr/bin/influx, package influxdb-client) is missing"
fi

# --- 2. idempotence: the same windows again --------------------------------
sql <<SQL || notok "setup of the replay"
CREATE SINK influx_again TO INFLUXDB WITH (url = '$INFLUX_URL', database = 'water', tags = 'station',
  measurement = 'wq', batch_rows = 7);
CREATE QUERY wq_again AS $WQ INTO influx_again;
SQL
check "replay query finished" "finished" "$(sl_psql -At -c "SELECT wait_query('wq_again', 60)")"
check "replay wrote every window again" "$nwin" "$(query_field wq_again 6)"
check "replaying the windows leaves the same number of points" "$nwin" "$(points wq n)"
to_jsonl wq "$SL_TMP/wq2.jsonl"
if /usr/bin/python3 "$ORACLE" "$fx/water.csv" "$SL_TMP/wq2.jsonl" tumbling 60 >/dev/null &&
    [ "$(sort "$SL_TMP/wq.jsonl")" = "$(sort "$SL_TMP/wq2.jsonl")" ]; then
    ok "replaying the windows leaves the same values"
else
    notok "replaying the windows changed the points"; diff "$SL_TMP/wq.jsonl" "$SL_TMP/wq2.jsonl" | head -5
fi

# --- 3. escapes end to end (gzip, precision us) ----------------------------
cat >"$SL_TMP/tricky.jsonl" <<'JSON'
{"ts": "2024-03-01T00:00:00.000001Z", "station": "st 1,a=b", "note": "say \"hi\" \\o/", "v": 1.5, "ok": true, "k": 7}
{"ts": "2024-03-01T00:00:01Z", "station": "plain", "note": "two\nlines", "v": 7, "ok": false, "k": -3}
{"ts": "2024-03-01T00:00:02Z", "station": "", "note": "no tag", "v": null, "ok": null, "k": null}
{"ts": "2024-03-01T00:00:03Z", "station": "empty", "note": null, "v": null, "ok": null, "k": null}
JSON
sql <<SQL || notok "setup of the escape test"
CREATE SOURCE tricky (ts TIMESTAMP, station TEXT, note TEXT, v DOUBLE, ok BOOLEAN, k BIGINT)
  FROM FILE WITH (path = '$SL_TMP/tricky.jsonl', format = 'json') EVENT TIME ts;
CREATE SINK influx_esc TO INFLUXDB WITH (url = '$INFLUX_URL', database = 'water', tags = ' station ',
  time = 'ts', measurement = 'odd, name=x', gzip = true, precision = 'us');
CREATE QUERY esc AS SELECT ts, station, note, v, ok, k FROM tricky INTO influx_esc;
SQL
check "escape query finished" "finished" "$(sl_psql -At -c "SELECT wait_query('esc', 60)")"
check "escape query has no error" "" "$(query_field esc 11)"
got=$(influx_q 'SELECT * FROM "odd, name=x"' water | /usr/bin/python3 -c '
import json,sys
s = json.load(sys.stdin)["results"][0]["series"][0]
for v in s["values"]:
    print(json.dumps(dict(zip(s["columns"], v)), sort_keys=True))')
want='{"k": 7, "note": "say \"hi\" \\o/", "ok": true, "station": "st 1,a=b", "time": 1709251200000001, "v": 1.5}
{"k": -3, "note": "two\nlines", "ok": false, "station": "plain", "time": 1709251201000000, "v": 7}
{"k": null, "note": "no tag", "ok": null, "station": null, "time": 1709251202000000, "v": null}'
check "tags, text fields and the measurement survive escaping (gzip)" "$want" "$got"
check "integral double stays a float" "float" "$(influx_q 'SHOW FIELD KEYS FROM "odd, name=x"' water |
    /usr/bin/python3 -c 'import json,sys; print(dict(json.load(sys.stdin)["results"][0]["series"][0]["values"])["v"])')"
grep -q 'influxdb sink "influx_esc" skipped 1 row(s) with no non-NULL field' "$SL_TMP/server.log" &&
    ok "the row without fields is skipped and logged" || notok "no warning about the skipped row in the log"

# --- 4. errors --------------------------------------------------------------
sql <<SQL || notok "setup of the error cases"
CREATE SINK influx_nodb TO INFLUXDB WITH (url = '$INFLUX_URL', database = 'nope', tags = 'station');
CREATE QUERY nodb AS $WQ INTO influx_nodb;
SQL
check "missing database: query failed" "failed" "$(sl_psql -At -c "SELECT wait_query('nodb', 60)")"
err=$(query_field nodb 11)
case "$err" in
*"HTTP 404"*"database not found"*) ok "missing database: the error shows InfluxDB's 404 ($err)" ;;
*) notok "missing database: error is '$err'" ;;
esac
sql -c "CREATE SINK influx_badtag TO INFLUXDB WITH (url = '$INFLUX_URL', database = 'water', tags = 'station, nosuch')"
out=$(sl_psql -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -c "CREATE QUERY badtag AS $WQ INTO influx_badtag" 2>&1)
st=$(query_field badtag 2)
case "$out|$(query_field badtag 11)" in
*42703*'"nosuch"'* | *'tag column "nosuch"'*) ok "unknown tag column refused (${st:-not created})" ;;
*) notok "unknown tag column: $out / $(query_field badtag 11)" ;;
esac
sql -c "CREATE SINK influx_badtime TO INFLUXDB WITH (url = '$INFLUX_URL', database = 'water', time = 'station')"
out=$(sl_psql -v ON_ERROR_STOP=1 -c "CREATE QUERY badtime AS $WQ INTO influx_badtime" 2>&1)
case "$out|$(query_field badtime 11)" in
*'time column "station"'*'not timestamp'*) ok "time column that is not a TIMESTAMP refused" ;;
*) notok "time column of type text: $out / $(query_field badtime 11)" ;;
esac

# --- 5. influxd down when the query starts -----------------------------------
influxd_stop
sql <<SQL || notok "setup of the outage test"
CREATE SINK influx_later TO INFLUXDB WITH (url = '$INFLUX_URL', database = 'water', tags = 'station',
  measurement = 'later', retry_backoff = '50 milliseconds', max_retries = 100, timeout = '2 seconds');
CREATE QUERY later AS $WQ INTO influx_later;
SQL
sleep 2
check "influxd down: the query keeps running (retrying)" "running" "$(query_field later 2)"
influxd_start || notok "influxd did not restart"
check "influxd back: the query finishes" "finished" "$(sl_psql -At -c "SELECT wait_query('later', 60)")"
check "influxd back: every window arrived" "$nwin" "$(points later n)"
to_jsonl later "$SL_TMP/later.jsonl"
/usr/bin/python3 "$ORACLE" "$fx/water.csv" "$SL_TMP/later.jsonl" tumbling 60 >/dev/null &&
    ok "influxd back: the windows equal sqlite3's" || notok "influxd back: the windows differ from sqlite3's"

# --- 6. influxd stopped for 10 s in the middle of a run -----------------------
# A rate-limited generator (about 12 s of wall time) feeds the same window
# query into INFLUXDB and into a FILE sink; influxd goes away 2 s in and
# comes back 10 s later.  Every window of the file must be in InfluxDB,
# once, with the same values.
sql <<SQL || notok "setup of the mid-run outage test"
CREATE SOURCE gen FROM GENERATOR WITH (rows = 12000, rate = 1000, stations = 10, seed = 7) EVENT TIME ts;
CREATE SINK influx_gen TO INFLUXDB WITH (url = '$INFLUX_URL', database = 'water', tags = 'station',
  measurement = 'gen', retry_backoff = '50 milliseconds', max_retries = 100, timeout = '2 seconds');
CREATE SINK file_gen TO FILE WITH (path = 'gen.jsonl');
CREATE QUERY gen_influx AS SELECT window_start, window_end, station, count(*) AS n, avg(ph) AS avg_ph,
  max(turbidity) AS max_t FROM gen WINDOW TUMBLING (1 MINUTE) GROUP BY station INTO influx_gen;
CREATE QUERY gen_file AS SELECT window_start, window_end, station, count(*) AS n, avg(ph) AS avg_ph,
  max(turbidity) AS max_t FROM gen WINDOW TUMBLING (1 MINUTE) GROUP BY station INTO file_gen;
SQL
sleep 2
before=$(points gen n)
influxd_stop
sleep 10
check "influxd stopped mid-run: the query is still running" "running" "$(query_field gen_influx 2)"
influxd_start || notok "influxd did not restart"
check "mid-run outage: the query finishes" "finished" "$(sl_psql -At -c "SELECT wait_query('gen_influx', 60)")"
check "mid-run outage: the file query finishes" "finished" "$(sl_psql -At -c "SELECT wait_query('gen_file', 60)")"
influx_q 'SELECT * FROM gen' water >"$SL_TMP/gen.json"
if /usr/bin/python3 - "$SL_TMP/gen.json" "$SL_DATADIR/files/gen.jsonl" <<'PY'
import datetime as dt, json, sys
def us(text):  # the FILE sink's ISO-8601 UTC text -> microseconds
    return (dt.datetime.fromisoformat(text.replace("Z", "+00:00")) - EPOCH) // dt.timedelta(microseconds=1)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
s = json.load(open(sys.argv[1]))["results"][0]["series"][0]
got = {}
for v in s["values"]:
    o = dict(zip(s["columns"], v))
    got[(o["time"], o["station"])] = (o["n"], o["avg_ph"], o["max_t"])
want = {}
for line in open(sys.argv[2]):
    o = json.loads(line)
    want[(us(o["window_end"]), o["station"])] = (o["n"], o["avg_ph"], o["max_t"])
print("# %d windows in the file, %d points in InfluxDB" % (len(want), len(got)))
sys.exit(0 if want == got and len(want) > 100 else 1)
PY
then
    ok "mid-run outage: every window arrived once with the file's values (${before:-0} before the stop)"
else
    notok "mid-run outage: InfluxDB's points differ from the file's windows"
fi

sl_server_stop || notok "sluiced did not stop cleanly"
influxd_stop
exit $fail
