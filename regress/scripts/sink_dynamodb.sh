#!/bin/bash
# regress/scripts/sink_dynamodb.sh - the DYNAMODB sink against dynalite.
#
# Starts dynalite (regress/lib/dynalite.sh, a LevelDB store under SL_TMP so
# it can be stopped and started again) and sluiced; creates the tables with
# curl's own --aws-sigv4; runs the oracle's 1-minute per-station window
# query (regress/scripts/oracle.sh: every aggregate) from the XLSX fixture
# into DynamoDB, reads the table back with Scan (paginated) and hands the
# items to regress/oracle/window_oracle.py, which compares them with
# sqlite3's GROUP BY.  Then: replaying the windows overwrites the same items
# (idempotent by key); epoch_millis timestamps as numbers; every type round
# trip (BOOL, NULL, numbers, text with quotes and Unicode), a row with a
# NULL key skipped and logged, duplicate keys in one batch; errors shown in
# SHOW QUERIES (missing table, a key of the wrong type, no credentials, a
# BOOLEAN key column); throttling and UnprocessedItems against a stand-in
# endpoint (dynalite sends neither), which also checks the SigV4
# Authorization header and the session token; dynalite down when the query
# starts (the writes retry until it is back); credentials and region from
# the AWS environment variables.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/lib/dynalite.sh"
PY=/usr/bin/python3
# The server must not pick up credentials from whoever runs the tests.
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE

. "$SL_SRCDIR/regress/lib/check.sh"
wait_query() { # wait_query NAME [SECONDS]: the state once the query stopped running
    sl_psql -At -c "SELECT wait_query('$1', ${2:-60})" 2>&1
}
# plain FILE: Scan items (DynamoDB JSON lines on stdin) as plain JSON lines,
# sorted: N -> int or float, S -> str, BOOL, NULL -> null; with
# EPOCH_MS=col,col those N columns (epoch milliseconds) become ISO-8601 text.
plain() {
    EPOCH_MS=${EPOCH_MS:-} $PY -c '
import datetime as dt, json, os, sys
epoch = set(filter(None, os.environ["EPOCH_MS"].split(",")))
def value(name, av):
    (t, v), = av.items()
    if t == "NULL": return None
    if t == "BOOL" or t == "S": return v
    if t != "N": raise SystemExit("unexpected type %s" % t)
    if name in epoch:
        d = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(milliseconds=float(v))
        return d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return int(v) if all(c in "-0123456789" for c in v) else float(v)
out = [json.dumps({k: value(k, av) for k, av in json.loads(l).items()}, sort_keys=True, ensure_ascii=False)
       for l in sys.stdin]
print("\n".join(sorted(out)))'
}

fx=$SL_TMP/fixtures
$PY "$SL_SRCDIR/regress/fixtures/make_xlsx.py" "$fx" >/dev/null || { echo "not ok - fixtures"; exit 1; }
DBDIR=$SL_TMP/dynalite-db
dynalite_start --path "$DBDIR" || { echo "not ok - dynalite starts"; exit 1; }
ok "dynalite listens on $DYNALITE_URL"
for t in "windows station S window_end S" "windows_ms station S window_end N" "typed id S" \
    "outage station S window_end S" "from_env station S window_end S"; do
    # shellcheck disable=SC2086
    ddb_create_table $t || notok "create table ${t%% *}"
done
sl_server_start -c "file_roots=files,$fx,$SL_TMP" || exit 1

AGGS="window_start, window_end, station, count(*) AS n, count(ph) AS n_ph,
  count(DISTINCT conductivity) AS nd_cond, sum(conductivity) AS sum_cond, sum(ph) AS sum_ph,
  avg(ph) AS avg_ph, min(ph) AS min_ph, max(ph) AS max_ph, min(ts) AS min_ts, max(turbidity) AS max_turb,
  stddev(turbidity) AS sd_t, stddev_pop(turbidity) AS sdp_t, variance(temperature) AS var_temp,
  var_pop(temperature) AS varp_temp, first(ph) AS first_ph, last(ph) AS last_ph"
AGGS=$(tr '\n' ' ' <<<"$AGGS") # one line: SHOW QUERIES prints the query text
WINDOWS="FROM sheet WINDOW TUMBLING (1 MINUTE) GROUP BY station"
CREDS="region = '$DDB_REGION', access_key_id = '$DDB_KEY', secret_access_key = '$DDB_SECRET'"
oracle() { # oracle JSONL: the windows equal sqlite3's
    $PY "$SL_SRCDIR/regress/oracle/window_oracle.py" "$fx/water.csv" "$1" tumbling 60
}

out=$(sl_psql -q -v ON_ERROR_STOP=1 2>&1 <<SQL
CREATE SOURCE sheet FROM XLSX WITH (path = '$fx/water_openpyxl.xlsx', sheet = 'readings')
  EVENT TIME ts WATERMARK 10 SECONDS;
CREATE SINK dyn TO DYNAMODB WITH (endpoint = '$DYNALITE_URL', table = 'windows', key = 'station',
  sort_key = 'window_end', $CREDS);
CREATE QUERY w1 AS SELECT $AGGS $WINDOWS INTO dyn;
SQL
)
check "create source, sink and query" "" "$out"
check "window query into dynamodb finishes" "finished" "$(wait_query w1)"
windows=$(query_field w1 6)
ddb_scan windows 100 >"$SL_TMP/scan1.jsonl" || notok "scan windows"
check "one item per window (Scan, 100 items a page)" "$windows" "$(wc -l <"$SL_TMP/scan1.jsonl")"
[ "$windows" -gt 400 ] && ok "$windows windows" || notok "too few windows: $windows"
plain <"$SL_TMP/scan1.jsonl" >"$SL_TMP/items1.jsonl"
if oracle "$SL_TMP/items1.jsonl"; then ok "items equal sqlite3's windows"; else notok "items differ from sqlite3's windows"; fi
check "window bounds stored as ISO-8601 text (S): the first window of 5 stations" "5" \
    "$(grep -c '"window_end": {"S": "2024-03-01T00:01:00Z"}, "window_start": {"S": "2024-03-01T00:00:00Z"}' \
        "$SL_TMP/scan1.jsonl")"
check "counts stored as numbers (N)" "$windows" "$(grep -c '"n": {"N": "[0-9]*"}' "$SL_TMP/scan1.jsonl")"

# ---- replay: the same windows overwrite the same items ----
out=$(sl_psql -q -v ON_ERROR_STOP=1 -c "CREATE QUERY w2 AS SELECT $AGGS $WINDOWS INTO dyn" 2>&1)
check "replay query" "finished" "$(wait_query w2)"
check "replay wrote every window again" "$windows" "$(query_field w2 6)"
ddb_scan windows >"$SL_TMP/scan2.jsonl" || notok "scan windows again"
plain <"$SL_TMP/scan2.jsonl" >"$SL_TMP/items2.jsonl"
check "replay: same item count" "$windows" "$(wc -l <"$SL_TMP/items2.jsonl")"
if cmp -s "$SL_TMP/items1.jsonl" "$SL_TMP/items2.jsonl"; then ok "replay: same items, same values"; else
    notok "replay: items changed"; diff "$SL_TMP/items1.jsonl" "$SL_TMP/items2.jsonl" | head -5; fi

# ---- timestamps as epoch numbers ----
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SINK dyn_ms TO DYNAMODB WITH (endpoint = '$DYNALITE_URL', table = 'windows_ms', key = 'station',
          sort_key = 'window_end', timestamp_format = 'epoch_millis', $CREDS)" \
    -c "CREATE QUERY w_ms AS SELECT $AGGS $WINDOWS INTO dyn_ms" 2>&1)
check "epoch_millis query" "finished" "$(wait_query w_ms)"
ddb_scan windows_ms >"$SL_TMP/scan_ms.jsonl" || notok "scan windows_ms"
check "epoch_millis: window_end as N" "$windows" "$(grep -c '"window_end": {"N": "17092[0-9]*000"}' "$SL_TMP/scan_ms.jsonl")"
EPOCH_MS=window_start,window_end,min_ts plain <"$SL_TMP/scan_ms.jsonl" >"$SL_TMP/items_ms.jsonl"
if oracle "$SL_TMP/items_ms.jsonl" >/dev/null; then ok "epoch_millis items equal sqlite3's windows"; else
    notok "epoch_millis items differ"; oracle "$SL_TMP/items_ms.jsonl" | tail -3; fi

# ---- types ----
cat >"$SL_TMP/typed.jsonl" <<'EOF'
{"id": "q1", "flag": true, "note": "say \"hi\" \\ back\\slash", "x": 0.1, "n": 42, "t": "2024-03-01T00:00:00.5Z"}
{"id": "u1", "flag": false, "note": "h\u00e9llo w\u00f6rld \u2713 \ud83d\ude00\nnew line\ttab", "x": -1e-7, "n": -9223372036854775808, "t": "2024-03-01T00:00:00Z"}
{"id": "n1", "flag": null, "note": null, "x": null, "n": null, "t": null}
{"id": null, "flag": true, "note": "no key: skipped", "x": 1, "n": 1, "t": null}
{"id": "d1", "flag": true, "note": "first", "x": 1, "n": 1, "t": null}
{"id": "d1", "flag": false, "note": "last wins", "x": 2.5, "n": 2, "t": null}
EOF
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SOURCE typed_src (id TEXT, flag BOOLEAN, note TEXT, x DOUBLE, n BIGINT, t TIMESTAMP)
          FROM FILE WITH (path = '$SL_TMP/typed.jsonl', format = 'json')" \
    -c "CREATE SINK dyn_typed TO DYNAMODB WITH (endpoint = '$DYNALITE_URL', table = 'typed', key = 'id', $CREDS)" \
    -c "CREATE QUERY typed_q AS SELECT * FROM typed_src INTO dyn_typed" 2>&1)
check "types query" "finished" "$(wait_query typed_q)"
got=$(ddb_scan typed | $PY -c '
import json, sys
items = {}
for l in sys.stdin:
    it = json.loads(l)
    items[it["id"]["S"]] = it
want = {
    "q1": {"id": {"S": "q1"}, "flag": {"BOOL": True}, "note": {"S": "say \"hi\" \\ back\\slash"},
           "x": {"N": "0.1"}, "n": {"N": "42"}, "t": {"S": "2024-03-01T00:00:00.5Z"}},
    "u1": {"id": {"S": "u1"}, "flag": {"BOOL": False},
           "note": {"S": "h\u00e9llo w\u00f6rld \u2713 \U0001F600\nnew line\ttab"},
           "x": -1e-7, "n": {"N": "-9223372036854775808"}, "t": {"S": "2024-03-01T00:00:00Z"}},
    "n1": {"id": {"S": "n1"}, "flag": {"NULL": True}, "note": {"NULL": True}, "x": {"NULL": True},
           "n": {"NULL": True}, "t": {"NULL": True}},
    "d1": {"id": {"S": "d1"}, "flag": {"BOOL": False}, "note": {"S": "last wins"}, "x": {"N": "2.5"},
           "n": {"N": "2"}, "t": {"NULL": True}},
}
for k in sorted(set(want) | set(items)):
    w, g = want.get(k), items.get(k)
    if w is not None and g is not None and isinstance(w["x"], float):
        # dynalite stores numbers normalised ("-0.0000001"): compare the value
        ok = float(g["x"]["N"]) == w["x"]
        w = dict(w, x=g["x"]) if ok else w
    print("%s %s" % (k, "same" if w == g else "DIFFERENT: want %r got %r" % (w, g)))')
check "types round-trip: BOOL, NULL, N, S with quotes, backslashes and Unicode; last of a key wins" \
    "d1 same
n1 same
q1 same
u1 same" "$got"
check "a NULL key: the row is skipped by the sink (the query goes on)" "6|0" "$(query_field typed_q 6)|$(query_field typed_q 8)"
wait_until_log() { for _ in $(seq 50); do grep -q "$1" "$SL_TMP/server.log" && return 0; sleep 0.1; done; return 1; }
wait_until_log 'dynamodb sink "dyn_typed": skipped 1 rows whose key' && ok "skipped row logged" ||
    notok "skipped row logged"

# ---- errors ----
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SINK dyn_missing TO DYNAMODB WITH (endpoint = '$DYNALITE_URL', table = 'no_such_table',
          key = 'station', sort_key = 'window_end', $CREDS, max_retries = 3)" \
    -c "CREATE QUERY e_missing AS SELECT $AGGS $WINDOWS INTO dyn_missing" 2>&1)
check "missing table: the query fails" "failed" "$(wait_query e_missing 30)"
err=$(query_field e_missing 11)
case $err in
*'table "no_such_table"'*ResourceNotFoundException*) ok "missing table: ResourceNotFoundException in SHOW QUERIES" ;;
*) notok "missing table: error shown is: $err" ;;
esac
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SINK dyn_badkey TO DYNAMODB WITH (endpoint = '$DYNALITE_URL', table = 'windows_ms',
          key = 'station', sort_key = 'window_end', $CREDS)" \
    -c "CREATE QUERY e_badkey AS SELECT $AGGS $WINDOWS INTO dyn_badkey" 2>&1)
check "sort key of the wrong type: the query fails" "failed" "$(wait_query e_badkey 30)"
case $(query_field e_badkey 11) in
*ValidationException*) ok "wrong key type: ValidationException in SHOW QUERIES" ;;
*) notok "wrong key type: error shown is: $(query_field e_badkey 11)" ;;
esac
# The sink opens when the query is created: these fail CREATE QUERY itself.
out=$(sl_psql -q \
    -c "CREATE SINK dyn_nocreds TO DYNAMODB WITH (endpoint = '$DYNALITE_URL', region = 'us-east-1',
          table = 'windows', key = 'station', sort_key = 'window_end')" \
    -c "CREATE QUERY e_nocreds AS SELECT $AGGS $WINDOWS INTO dyn_nocreds" 2>&1)
check "no credentials: CREATE QUERY fails (28000)" 'ERROR:  dynamodb sink "dyn_nocreds" has no AWS credentials
HINT:  Give access_key_id and secret_access_key, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the server.' "$out"
check "no credentials: SQLSTATE" "28000" \
    "$(sl_psql -At -v VERBOSITY=verbose -c "CREATE QUERY e_nocreds AS SELECT $AGGS $WINDOWS INTO dyn_nocreds" 2>&1 |
        sed -n 's/^ERROR:  \([0-9A-Z]*\):.*/\1/p')"
out=$(sl_psql -q \
    -c "CREATE SINK dyn_noregion TO DYNAMODB WITH (endpoint = '$DYNALITE_URL', table = 'windows', key = 'station',
          access_key_id = 'k', secret_access_key = 's')" \
    -c "CREATE QUERY e_noregion AS SELECT $AGGS $WINDOWS INTO dyn_noregion" 2>&1)
check "no region: CREATE QUERY fails" 'ERROR:  dynamodb sink "dyn_noregion" has no region
HINT:  Add region = '"'...'"' to the sink'"'"'s options or set AWS_REGION for the server.' "$out"
out=$(sl_psql -q \
    -c "CREATE SINK dyn_boolkey TO DYNAMODB WITH (endpoint = '$DYNALITE_URL', table = 'typed', key = 'flag', $CREDS)" \
    -c "CREATE QUERY e_boolkey AS SELECT * FROM typed_src INTO dyn_boolkey" \
    -c "CREATE SINK dyn_nokey TO DYNAMODB WITH (endpoint = '$DYNALITE_URL', table = 'typed', key = 'nope', $CREDS)" \
    -c "CREATE QUERY e_nokey AS SELECT * FROM typed_src INTO dyn_nokey" 2>&1)
check "key columns checked against the query's output" \
    'ERROR:  dynamodb sink "dyn_boolkey": key column "flag" must be of type text, bigint, double, timestamp or interval, not boolean
ERROR:  dynamodb sink "dyn_nokey": key column "nope" is not an output column of the query' "$out"
out=$(sl_psql -At -c "CREATE SINK dyn_same TO DYNAMODB WITH (table = 'windows', key = 'station', sort_key = 'station')" 2>&1)
check "sort_key = key refused at CREATE SINK" \
    'ERROR:  dynamodb sink: sort_key "station" must be a different column than key' "$out"
check "the failed queries left the table alone" "$windows" "$(ddb_scan windows | wc -l)"

# ---- throttling and UnprocessedItems (dynalite never sends either) ----
# A stand-in endpoint: the first request is throttled (HTTP 400
# ProvisionedThroughputExceededException), the second is taken except its
# last two items (UnprocessedItems), the rest are taken; it logs each
# request's headers and body.
FAKE_PORT=$(sl_free_port)
$PY - "$FAKE_PORT" "$SL_TMP/fake.log" <<'PYEOF' >"$SL_TMP/fake.out" 2>&1 &
import http.server, json, sys
port, log = int(sys.argv[1]), sys.argv[2]
n = [0]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        req = json.loads(body)
        n[0] += 1
        with open(log, "a") as f:
            f.write(json.dumps({"n": n[0], "target": self.headers.get("X-Amz-Target"),
                                "auth": self.headers.get("Authorization", ""),
                                "token": self.headers.get("X-Amz-Security-Token"),
                                "items": sum(len(v) for v in req["RequestItems"].values()),
                                "body": body.decode()}) + "\n")
        if n[0] == 1:
            code, reply = 400, {"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                                "message": "slow down"}
        elif n[0] == 2:
            code, reply = 200, {"UnprocessedItems": {t: v[-2:] for t, v in req["RequestItems"].items()}}
        else:
            code, reply = 200, {"UnprocessedItems": {}}
        out = json.dumps(reply).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
PYEOF
FAKE_PID=$!
wait_until_up() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$FAKE_PORT/" -X GET && return 0; sleep 0.1; done; return 1; }
wait_until_up || notok "stand-in endpoint starts"
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SINK dyn_fake TO DYNAMODB WITH (endpoint = 'http://127.0.0.1:$FAKE_PORT/', table = 'typed', key = 'id',
          $CREDS, session_token = 'tok-123', retry_backoff = '50 milliseconds', max_retries = 5)" \
    -c "CREATE QUERY fake_q AS SELECT * FROM typed_src INTO dyn_fake" 2>&1)
check "throttled, then partly processed: the query finishes" "finished" "$(wait_query fake_q 30)"
kill "$FAKE_PID" 2>/dev/null
wait "$FAKE_PID" 2>/dev/null
got=$($PY - "$SL_TMP/fake.log" <<'PYEOF'
import json, re, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
for r in reqs:
    signed = re.match(r"AWS4-HMAC-SHA256 Credential=AKIDSLUICETEST/\d{8}/us-east-1/dynamodb/aws4_request, "
                      r"SignedHeaders=[a-z0-9;-]*, Signature=[0-9a-f]{64}$", r["auth"]) is not None
    print(r["n"], r["target"], r["items"], "signed" if signed else "NOT SIGNED: " + r["auth"], r["token"])
# The third request resends exactly the two unprocessed items.
b2 = json.loads(reqs[1]["body"])["RequestItems"]
print("retry body is the unprocessed items:",
      json.loads(reqs[2]["body"]) == {"RequestItems": {t: v[-2:] for t, v in b2.items()}})
PYEOF
)
check "throttling retried by the framework, UnprocessedItems resent by the sink, SigV4 and session token" \
    "1 DynamoDB_20120810.BatchWriteItem 4 signed tok-123
2 DynamoDB_20120810.BatchWriteItem 4 signed tok-123
3 DynamoDB_20120810.BatchWriteItem 2 signed tok-123
retry body is the unprocessed items: True" "$got"

# ---- dynalite down when the query starts: writes retry until it is back ----
dynalite_stop
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SINK dyn_outage TO DYNAMODB WITH (endpoint = '$DYNALITE_URL', table = 'outage', key = 'station',
          sort_key = 'window_end', $CREDS, retry_backoff = '50 milliseconds', max_retries = 100)" \
    -c "CREATE QUERY w_outage AS SELECT $AGGS $WINDOWS INTO dyn_outage" 2>&1)
check "query created while dynalite is down" "" "$out"
sleep 2
check "dynalite down: the query waits, running" "running" "$(query_field w_outage 2)"
dynalite_start --path "$DBDIR" || notok "dynalite restarts on the same port"
check "dynalite back: the query finishes" "finished" "$(wait_query w_outage 60)"
ddb_scan outage | plain >"$SL_TMP/items_outage.jsonl" || notok "scan outage"
if oracle "$SL_TMP/items_outage.jsonl" >/dev/null; then ok "after the outage: items equal sqlite3's windows"; else
    notok "after the outage: items differ"; oracle "$SL_TMP/items_outage.jsonl" | tail -3; fi
sl_server_stop || notok "server stops"

# ---- credentials and region from the environment ----
SL_DATADIR=$SL_TMP/data-env
export AWS_ACCESS_KEY_ID=$DDB_KEY AWS_SECRET_ACCESS_KEY=$DDB_SECRET AWS_SESSION_TOKEN=test-session-token \
    AWS_REGION=$DDB_REGION
sl_server_start -c "file_roots=files,$fx,$SL_TMP" || exit 1
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_REGION
out=$(sl_psql -q -v ON_ERROR_STOP=1 2>&1 <<SQL
CREATE SOURCE sheet FROM XLSX WITH (path = '$fx/water_xlsxwriter.xlsx', sheet = 'readings')
  EVENT TIME ts WATERMARK 10 SECONDS;
CREATE SINK dyn_env TO DYNAMODB WITH (endpoint = '$DYNALITE_URL', table = 'from_env', key = 'station',
  sort_key = 'window_end');
CREATE QUERY w_env AS SELECT $AGGS $WINDOWS INTO dyn_env;
SQL
)
check "environment credentials: the query finishes" "finished" "$(wait_query w_env)"
ddb_scan from_env | plain >"$SL_TMP/items_env.jsonl" || notok "scan from_env"
if oracle "$SL_TMP/items_env.jsonl" >/dev/null; then ok "environment credentials: items equal sqlite3's windows"; else
    notok "environment credentials: items differ"; fi
sl_server_stop || notok "server stops"
dynalite_stop
exit $fail
