#!/bin/bash
# regress/scripts/sink_webhook.sh - the WEBHOOK sink against a real HTTP
# receiver (regress/scripts/webhook_receiver.py, Python's http.server on
# 127.0.0.1, recording every request as a JSON line).
#
# The alert query of the brief (readings whose pH leaves 6.5..8.5, read from
# the CSV fixture by a FILE source) posts into webhook sinks; the expected
# alerts are computed independently by Python from the same CSV.  Checked:
#   - every alert arrives exactly once, bodies are JSON arrays of at most
#     batch_rows objects with ISO-8601 timestamps, Content-Type is JSON,
#     custom headers arrive (';' and newline separated), the headers secret
#     is masked in SHOW SINKS;
#   - batch_rows = 1 sends one object per request;
#   - 503 for the first 3 requests: retried, then every row once;
#   - 400: the query fails at once with the status and the reply's text in
#     SHOW QUERIES (and no secret);
#   - a request that times out is sent again (at-least-once: that batch twice);
#   - receiver down at start: retried until it comes up, then delivered;
#     never up: the query fails after max_retries;
#   - bad headers and URLs are refused at CREATE SINK with 22023.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
PY=/usr/bin/python3

. "$SL_SRCDIR/regress/lib/check.sh"
. "$SL_SRCDIR/regress/lib/receiver.sh"
trap 'receivers_stop; sl__cleanup' EXIT

# ---- fixtures and the expected alerts ----
$PY "$SL_SRCDIR/regress/fixtures/make_xlsx.py" "$SL_TMP/fixtures" >/dev/null || notok "make fixtures"
CSV=$SL_TMP/fixtures/water.csv

# The checker: summarises the requests a receiver got on one URL path
# against the alerts computed from the CSV (key=value lines).
cat >"$SL_TMP/summary.py" <<'PYEOF'
import collections, csv, datetime as dt, json, re, sys

log, csv_path, path = sys.argv[1], sys.argv[2], sys.argv[3]

def key(ts, station, ph):
    return (ts.replace(tzinfo=None), station, float(ph))

expected = collections.Counter()
for r in csv.DictReader(open(csv_path)):
    if r["ph"] == "":
        continue  # NULL NOT BETWEEN ... is NULL: no alert
    ph = float(r["ph"])
    if ph < 6.5 or ph > 8.5:
        expected[key(dt.datetime.strptime(r["ts"], "%Y-%m-%d %H:%M:%S.%f"), r["station"], ph)] += 1

reqs = []
try:
    for line in open(log):
        rec = json.loads(line)
        if rec["path"] == path:
            reqs.append(rec)
except FileNotFoundError:
    pass

iso = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")
got = collections.Counter()
shapes, sizes, bad_ts, bad_keys = set(), [], 0, 0
bodies = []
for rec in reqs:
    doc = json.loads(rec["body"])
    bodies.append(doc)
    rows = doc if isinstance(doc, list) else [doc]
    shapes.add("array" if isinstance(doc, list) else "object" if isinstance(doc, dict) else "other")
    sizes.append(len(rows))
    if rec["status"] // 100 != 2:
        continue
    for r in rows:
        if not isinstance(r, dict) or sorted(r) != ["ph", "station", "ts"]:
            bad_keys += 1
            continue
        if not iso.match(r["ts"]):
            bad_ts += 1
        got[key(dt.datetime.fromisoformat(r["ts"]), r["station"], r["ph"])] += 1

statuses = collections.Counter(rec["status"] for rec in reqs)
first_ok = next((i for i, rec in enumerate(reqs) if rec["status"] // 100 == 2), None)
extra = got - expected
first_rows = collections.Counter()
if first_ok is not None:
    doc = bodies[first_ok]
    for r in doc if isinstance(doc, list) else [doc]:
        first_rows[key(dt.datetime.fromisoformat(r["ts"]), r["station"], r["ph"])] += 1
print("expected=%d" % sum(expected.values()))
print("requests=%d" % len(reqs))
print("statuses=%s" % ",".join("%d:%d" % kv for kv in sorted(statuses.items())))
print("status_seq=%s" % ",".join(str(rec["status"]) for rec in reqs))
print("shapes=%s" % ",".join(sorted(shapes)))
print("max_rows=%d" % (max(sizes) if sizes else 0))
print("min_rows=%d" % (min(sizes) if sizes else 0))
print("exactly_once=%s" % (got == expected))
print("all_delivered=%s" % (not (expected - got)))
# Duplicates that are exactly the rows of the first accepted request.
print("extra_is_first_body=%s" % (bool(extra) and extra == first_rows))
print("bad_ts=%d" % bad_ts)
print("bad_keys=%d" % bad_keys)
# Each failed request is followed by the same body again (a resend, not the next rows).
print("failed_then_resent=%s" % all(i + 1 < len(reqs) and bodies[i + 1] == bodies[i]
                                    for i, rec in enumerate(reqs) if rec["status"] // 100 != 2))
print("resent_before_first_ok=%s" % (first_ok is not None and all(b == bodies[first_ok] for b in bodies[:first_ok])))
for h in ("content-type", "x-sluice-test", "authorization", "cookie"):
    print("%s=%s" % (h, "|".join(sorted(set(rec["headers"].get(h, "-") for rec in reqs)))))
PYEOF
summary() { # summary LOGNAME PATH: sets SUM
    SUM=$($PY "$SL_TMP/summary.py" "$SL_TMP/$1.jsonl" "$CSV" "$2" 2>&1)
}
get() { sed -n "s/^$1=//p" <<<"$SUM"; }

EXPECTED=$($PY - "$CSV" <<'PYEOF'
import csv, sys
print(sum(1 for r in csv.DictReader(open(sys.argv[1])) if r["ph"] != "" and not 6.5 <= float(r["ph"]) <= 8.5))
PYEOF
)
[ "$EXPECTED" -gt 200 ] && ok "fixture has $EXPECTED alert readings" || notok "fixture has enough alerts ($EXPECTED)"

receiver_start main || exit 1
MAIN=$RECV_PORT
sl_server_start -c "file_roots=files,$SL_TMP/fixtures" || exit 1

ALERT="SELECT ts, station, ph FROM readings WHERE ph NOT BETWEEN 6.5 AND 8.5"
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SOURCE readings (ts TIMESTAMP, station TEXT, ph DOUBLE, turbidity DOUBLE, temperature DOUBLE,
          dissolved_oxygen DOUBLE, conductivity BIGINT) FROM FILE WITH (path = '$CSV', format = 'csv')" \
    -c "CREATE SINK alerts TO WEBHOOK WITH (url = 'http://127.0.0.1:$MAIN/alerts',
          headers = 'X-Sluice-Test: alerts-1; Authorization: Bearer s3cr3t-token')" \
    -c "CREATE SINK single TO WEBHOOK WITH (url = 'http://127.0.0.1:$MAIN/single', batch_rows = 1,
          headers = 'X-Sluice-Test: single
Cookie: a=1; b=2')" \
    -c "CREATE SINK flaky TO WEBHOOK WITH (url = 'http://127.0.0.1:$MAIN/flaky?fail_first=3&fail_status=503',
          retry_backoff = '50 milliseconds')" \
    -c "CREATE SINK partial TO WEBHOOK WITH (url = 'http://127.0.0.1:$MAIN/partial?fail_at=2,3',
          retry_backoff = '50 milliseconds', headers = 'content-type: application/vnd.test+json')" \
    -c "CREATE SINK rejecting TO WEBHOOK WITH (url = 'http://127.0.0.1:$MAIN/reject?status=400',
          headers = 'Authorization: Bearer s3cr3t-token', retry_backoff = '50 milliseconds')" \
    -c "CREATE SINK slow TO WEBHOOK WITH (url = 'http://127.0.0.1:$MAIN/slow?delay_first=1&delay=2',
          timeout = '300 milliseconds', retry_backoff = '50 milliseconds')" \
    -c "CREATE QUERY q_alerts AS $ALERT INTO alerts" \
    -c "CREATE QUERY q_single AS $ALERT INTO single" \
    -c "CREATE QUERY q_flaky AS $ALERT INTO flaky" \
    -c "CREATE QUERY q_partial AS $ALERT INTO partial" \
    -c "CREATE QUERY q_reject AS $ALERT INTO rejecting" \
    -c "CREATE QUERY q_slow AS $ALERT INTO slow" 2>&1)
check "create the sinks and alert queries" "" "$out"

done_state() { local s; s=$(query_field "$1" 2); [ "$s" = finished ] || [ "$s" = failed ]; }
for q in q_alerts q_single q_flaky q_partial q_reject q_slow; do
    wait_until 60 "done_state $q" || notok "$q ends (state $(query_field $q 2))"
done

# ---- the plain case: arrays of at most 100 rows, every alert once ----
summary main /alerts
check "alerts: query finished with every alert written" "finished|$EXPECTED" \
    "$(query_field q_alerts 2)|$(query_field q_alerts 6)"
check "alerts: every alert arrived exactly once" "True" "$(get exactly_once)"
check "alerts: every request answered 200" "200:$(get requests)" "$(get statuses)"
check "alerts: bodies are JSON arrays" "array" "$(get shapes)"
max=$(get max_rows); min=$(get min_rows)
[ "$max" -le 100 ] && [ "$min" -ge 1 ] && ok "alerts: 1..100 rows per request ($min..$max)" ||
    notok "alerts: 1..100 rows per request ($min..$max)"
check "alerts: row objects are {ts, station, ph} with ISO-8601 timestamps" "0|0" "$(get bad_keys)|$(get bad_ts)"
check "alerts: Content-Type is application/json" "application/json" "$(get content-type)"
check "alerts: custom headers arrive" "alerts-1|Bearer s3cr3t-token" "$(get x-sluice-test)|$(get authorization)"
sinks=$(sl_psql -At -F'|' -c "SHOW SINKS" 2>&1)
check "SHOW SINKS masks the headers secret" \
    "url = 'http://127.0.0.1:$MAIN/alerts', headers = '********'" "$(awk -F'|' '$1 == "alerts" { print $3 }' <<<"$sinks")"
if grep -q "s3cr3t" <<<"$sinks"; then notok "the secret appears nowhere in SHOW SINKS"; else ok "the secret appears nowhere in SHOW SINKS"; fi

# ---- batch_rows = 1: one object per request ----
summary main /single
check "single: one JSON object per request, every alert once" "object|$EXPECTED|1|True" \
    "$(get shapes)|$(get requests)|$(get max_rows)|$(get exactly_once)"
check "single: newline-separated headers, a value with ';'" "single|a=1; b=2|application/json" \
    "$(get x-sluice-test)|$(get cookie)|$(get content-type)"

# ---- 503 for the first 3 requests: retried, no loss ----
summary main "/flaky?fail_first=3&fail_status=503"
check "flaky: 3 requests answered 503, then all 200" "3" "$(sed -n 's/.*503:\([0-9]*\).*/\1/p' <<<"$(get statuses)")"
check "flaky: the failed batch was sent again unchanged" "True|True" \
    "$(get resent_before_first_ok)|$(get failed_then_resent)"
check "flaky: query finished, every alert exactly once" "finished|$EXPECTED|True" \
    "$(query_field q_flaky 2)|$(query_field q_flaky 6)|$(get exactly_once)"

# ---- the 2nd and 3rd requests fail: only the failed rows are sent again ----
# (With batches larger than batch_rows, the resend skips the requests of
# the batch that were already confirmed.)
summary main "/partial?fail_at=2,3"
check "partial: requests 2 and 3 answered 503, the others 200" "200,503,503,200" "$(get status_seq | cut -d, -f1-4)"
check "partial: no other failures" "200:$(($(get requests) - 2)),503:2" "$(get statuses)"
check "partial: each failed request sent again unchanged" "True" "$(get failed_then_resent)"
check "partial: query finished, every alert exactly once" "finished|$EXPECTED|True" \
    "$(query_field q_partial 2)|$(query_field q_partial 6)|$(get exactly_once)"
check "partial: a Content-Type header replaces application/json" "application/vnd.test+json" "$(get content-type)"

# ---- 400: a permanent error fails the query at once ----
summary main "/reject?status=400"
check "reject: the query failed" "failed" "$(query_field q_reject 2)"
err=$(query_field q_reject 11)
case "$err" in
*'webhook sink "rejecting": HTTP 400 from http://127.0.0.1:'*'/reject?status=400: rejected by the test receiver'*)
    ok "reject: the error shows the sink, HTTP status and reply" ;;
*) notok "reject: the error shows the sink, HTTP status and reply: $err" ;;
esac
case "$err" in *s3cr3t*) notok "reject: no secret in the error" ;; *) ok "reject: no secret in the error" ;; esac
check "reject: one request, not retried" "400:1" "$(get statuses)"

# ---- a request that times out is sent again: at-least-once ----
summary main "/slow?delay_first=1&delay=2"
check "slow: query finished, every alert delivered" "finished|True" "$(query_field q_slow 2)|$(get all_delivered)"
check "slow: the timed-out batch arrived twice, nothing else" "True|True" \
    "$(get extra_is_first_body)|$(get resent_before_first_ok)"

# ---- receiver down at start: retries, then delivery once it is up ----
LATE=$(sl_free_port)
NOWHERE=$(sl_free_port)
while [ "$NOWHERE" = "$LATE" ]; do NOWHERE=$(sl_free_port); done
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SINK late TO WEBHOOK WITH (url = 'http://127.0.0.1:$LATE/late', retry_backoff = '50 milliseconds',
          max_retries = 30)" \
    -c "CREATE SINK nowhere TO WEBHOOK WITH (url = 'http://127.0.0.1:$NOWHERE/', retry_backoff = '50 milliseconds',
          max_retries = 2)" \
    -c "CREATE QUERY q_late AS $ALERT INTO late" \
    -c "CREATE QUERY q_nowhere AS $ALERT INTO nowhere" 2>&1)
check "create the queries of an absent receiver" "" "$out"
sleep 1.5
check "late: still running (retrying) while the receiver is down" "running" "$(query_field q_late 2)"
receiver_start late "$LATE" || notok "start the late receiver on port $LATE"
wait_until 60 "done_state q_late" || notok "q_late ends"
summary late /late
check "late: delivered once the receiver came up, every alert once" "finished|$EXPECTED|True" \
    "$(query_field q_late 2)|$(query_field q_late 6)|$(get exactly_once)"
wait_until 30 "done_state q_nowhere" || notok "q_nowhere ends"
check "nowhere: retries are bounded, the query fails" "failed" "$(query_field q_nowhere 2)"
err=$(query_field q_nowhere 11)
case "$err" in
*'webhook sink "nowhere": could not reach http://127.0.0.1:'*) ok "nowhere: the error names the sink and URL" ;;
*) notok "nowhere: the error names the sink and URL: $err" ;;
esac

# ---- CREATE SINK refuses bad headers and URLs (22023), secrets not echoed ----
bad_sink() { # bad_sink NAME WITH-LIST EXPECTED-PREFIX
    local got
    got=$(sl_psql -v VERBOSITY=verbose -c "CREATE SINK $1 TO WEBHOOK WITH ($2)" 2>&1 | head -1)
    case "$got" in
    "ERROR:  22023: $3"*) ok "CREATE SINK refuses $1" ;;
    *) notok "CREATE SINK refuses $1"; echo "--- got"; echo "$got" ;;
    esac
    case "$got" in *s3cr3t*) notok "$1: no secret in the error" ;; esac
}
U="url = 'http://127.0.0.1:$MAIN/x'"
bad_sink no_colon "$U, headers = 'Bearer s3cr3t-token'" \
    'option "headers": header 1 has no '"':'"' between name and value'
bad_sink space_in_name "$U, headers = 'X-Ok: 1; X Bad: s3cr3t'" \
    'option "headers": header 2 has a name with a character'
bad_sink empty_value "$U, headers = 'X-Ok: 1; X-Empty:'" 'option "headers": header 2 has an empty value'
bad_sink framing "$U, headers = 'Content-Length: 5'" \
    'option "headers": header "Content-Length" is set by the webhook sink itself'
bad_sink ftp_url "url = 'ftp://example.com/x'" 'option "url" must be an http:// or https:// URL'
bad_sink no_host "url = 'http:///x'" 'option "url" must be an http:// or https:// URL'
out=$(sl_psql -q -v ON_ERROR_STOP=1 -c "CREATE SINK spare TO WEBHOOK WITH ($U)" 2>&1)
check "a sink without headers is accepted" "" "$out"
got=$(sl_psql -v VERBOSITY=verbose -c "ALTER SINK spare SET (headers = 'nocolon')" 2>&1 | head -1)
case "$got" in
'ERROR:  22023: option "headers": header 1 has no'*) ok "ALTER SINK refuses bad headers" ;;
*) notok "ALTER SINK refuses bad headers"; echo "--- got"; echo "$got" ;;
esac

sl_server_stop || notok "server stops cleanly"
exit $fail
