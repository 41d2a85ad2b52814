#!/bin/bash
# regress/scripts/http_metrics.sh - sluiced's HTTP listener (issue 17):
# /metrics in Prometheus' text format (promtool finds nothing to complain
# about; the counters equal SHOW QUERIES and SHOW SINKS), logins with
# roles (HTTP Basic against the SCRAM verifier, the login form's cookie),
# sluice_monitor, the limits (huge headers and bodies, 200 clients at
# once), a clean stop with a client holding a connection, HTTPS with the
# protocol's certificate and plain HTTP with ssl = off, http_port = 0.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/lib/check.sh"

command -v promtool >/dev/null || { echo "promtool not found: run scripts/deps.sh (Debian prometheus)" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl not found: run scripts/deps.sh" >&2; exit 1; }

# A free HTTP port; one taken meanwhile is only a WARNING to sluiced, so
# look at its log and try another.
for attempt in 1 2 3; do
    HP=$(sl_free_port)
    sl_server_start -c http_port="$HP" -c checkpoint_interval=300ms || exit 1
    wait_until 5 'grep -q "HTTP listener (/metrics, /login) on https://127.0.0.1:$HP/\|could not listen for HTTP" "$SL_TMP/server.log"'
    grep -q "could not listen for HTTP" "$SL_TMP/server.log" || break
    sl_server_stop || exit 1
    mv "$SL_TMP/server.log" "$SL_TMP/server.log.$attempt"
done
U=https://127.0.0.1:$HP
# The protocol's certificate (a new data directory's self-signed one, for 127.0.0.1).
C() { curl -sS --cacert "$SL_DATADIR/server.crt" -m 10 "$@"; }
code() { C -o /dev/null -w '%{http_code}' "$@" 2>/dev/null; }

wait_until 5 'grep -q "HTTP listener (/metrics, /login) on https://127.0.0.1:$HP/" "$SL_TMP/server.log"' &&
    ok "the listener serves HTTPS with the protocol's certificate" || notok "the listener serves HTTPS"

sl_psql -q -v ON_ERROR_STOP=1 >/dev/null <<'EOF' || notok "setup"
CREATE ROLE mon LOGIN PASSWORD 'mon-pw';
GRANT sluice_monitor TO mon;
CREATE ROLE alice LOGIN PASSWORD 'alice-pw';
CREATE ROLE shut NOLOGIN PASSWORD 'shut-pw';
GRANT sluice_monitor TO shut;
CREATE ROLE nopw LOGIN;
GRANT sluice_monitor TO nopw;
CREATE SOURCE gen FROM GENERATOR WITH (rows = 3000, rate = 3000, stations = 5, seed = 3) EVENT TIME ts;
CREATE SINK out TO FILE WITH (path = 'out.jsonl');
CREATE QUERY q1 AS SELECT * FROM gen INTO out;
CREATE QUERY q2 AS SELECT window_start, station, count(*) AS n FROM gen WINDOW TUMBLING (1 SECOND) GROUP BY station INTO out;
CREATE SOURCE slow FROM GENERATOR WITH (rows = 1000000, rate = 500, stations = 5, seed = 4) EVENT TIME ts;
CREATE SINK out3 TO FILE WITH (path = 'out3.jsonl');
CREATE QUERY q3 AS SELECT window_start, station, avg(ph) AS ph FROM slow WINDOW TUMBLING (1 SECOND) GROUP BY station INTO out3;
EOF
wait_until 30 '[ "$(query_field q1 2)" = finished ] && [ "$(query_field q2 2)" = finished ]' ||
    notok "the queries finish"
check "sluice_monitor is a predefined role that cannot log in" "sluice_monitor|f|f" \
    "$(sl_psql -At -F'|' -c "SHOW ROLES" | awk -F'|' '$1 == "sluice_monitor" { print $1 "|" $2 "|" $3 }')"

# ---- /metrics ----
# Once psql's sessions have ended (a session ends a little after psql exits).
wait_until 5 'C -u mon:mon-pw "$U/metrics" >"$SL_TMP/metrics.txt" && grep -q "^sluice_connections 0$" "$SL_TMP/metrics.txt"' &&
    ok "the server's connections (psql has hung up)" || notok "the server's connections"
if out=$(promtool check metrics <"$SL_TMP/metrics.txt" 2>&1); then ok "promtool check metrics: nothing to complain about"
else notok "promtool check metrics"; echo "$out"; fi
metric() { # metric NAME LABELS: the sample's value
    awk -v k="$1{$2}" '$1 == k { print $2 }' "$SL_TMP/metrics.txt"
}
for q in q1 q2; do
    show=$(sl_psql -At -F' ' -c "SHOW QUERIES" | awk -v n="$q" '$1 == n { print $5, $6, $7, $8 }')
    got="$(metric sluice_query_rows_in_total "query=\"$q\"") $(metric sluice_query_rows_out_total "query=\"$q\"") \
$(metric sluice_query_late_rows_total "query=\"$q\"") $(metric sluice_query_errors_total "query=\"$q\"")"
    check "$q: rows in, out, late and errors equal SHOW QUERIES" "$show" "$got"
    check "$q: state finished" "1" "$(metric sluice_query_state "query=\"$q\",state=\"finished\"")"
done
check "q1 read every row" "3000" "$(metric sluice_query_rows_in_total 'query="q1"')"
check "sink rows equal SHOW SINKS" "$(sink_field out 5)" "$(metric sluice_sink_rows_total 'sink="out"')"
check "sink state ok" "1" "$(metric sluice_sink_state 'sink="out",state="ok"')"
grep -q '^sluice_sink_last_success_timestamp_seconds{sink="out"} [0-9]' "$SL_TMP/metrics.txt" &&
    ok "the sink's last success" || notok "the sink's last success"
grep -q '^sluice_uptime_seconds [0-9]' "$SL_TMP/metrics.txt" && grep -q '^sluice_resident_memory_bytes [1-9]' "$SL_TMP/metrics.txt" &&
    ok "uptime and memory" || notok "uptime and memory"
# q3 runs on: its checkpoints (every 300 ms) and its watermark show.
wait_until 10 'C -u mon:mon-pw "$U/metrics" >"$SL_TMP/metrics3.txt" && grep -q "^sluice_query_checkpoint_age_seconds{query=\"q3\"} [0-9]" "$SL_TMP/metrics3.txt"' &&
    ok "a running query's checkpoint age" || notok "a running query's checkpoint age"
for m in sluice_query_last_checkpoint_timestamp_seconds sluice_query_checkpoint_duration_seconds \
    sluice_query_watermark_timestamp_seconds sluice_query_watermark_age_seconds; do
    grep -q "^$m{query=\"q3\"} [0-9]" "$SL_TMP/metrics3.txt" && ok "q3: $m" || notok "q3: $m"
done
grep -q '^sluice_query_state{query="q3",state="running"} 1$' "$SL_TMP/metrics3.txt" && ok "q3 is running" || notok "q3 is running"
out=$(promtool check metrics <"$SL_TMP/metrics3.txt" 2>&1) && ok "promtool: a running query's metrics" ||
    { notok "promtool: a running query's metrics"; echo "$out"; }
out=$(C -u mon:mon-pw -D - -o /dev/null "$U/metrics" | tr -d '\r' | grep -i '^content-type:')
check "the exposition format's content type" "Content-Type: text/plain; version=0.0.4; charset=utf-8" "$out"

# A query name that needs escaping in a label value (a quoted identifier).
sl_psql -q -c 'CREATE QUERY "we""ird\q" AS SELECT * FROM gen INTO out' >/dev/null 2>&1
wait_until 10 'C -u mon:mon-pw "$U/metrics" >"$SL_TMP/metrics2.txt" && grep -q "^sluice_query_rows_in_total{query=\"we\\\\\"ird\\\\\\\\q\"} [0-9]" "$SL_TMP/metrics2.txt"' &&
    ok "label values are escaped" || { notok "label values are escaped"; grep 'ird' "$SL_TMP/metrics2.txt"; }
out=$(promtool check metrics <"$SL_TMP/metrics2.txt" 2>&1) && ok "promtool: escaped labels" || { notok "promtool: escaped labels"; echo "$out"; }

# ---- who may look ----
check "no credentials: 401" "401" "$(code "$U/metrics")"
out=$(C -D - -o /dev/null "$U/metrics" | tr -d '\r' | grep -i '^www-authenticate:')
check "401 asks for Basic credentials" 'WWW-Authenticate: Basic realm="sluice", charset="UTF-8"' "$out"
t0=$(date +%s%N)
check "a wrong password: 401" "401" "$(code -u mon:wrong "$U/metrics")"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -ge 450 ] && ok "a refusal waits authentication_failure_delay (${ms} ms)" || notok "the failure delay (${ms} ms)"
check "an unknown role: 401" "401" "$(code -u nobody:x "$U/metrics")"
check "a role without LOGIN: 401" "401" "$(code -u shut:shut-pw "$U/metrics")"
check "a role without a password: 401" "401" "$(code -u nopw: "$U/metrics")"
check "garbage credentials: 401" "401" "$(code -H 'Authorization: Basic %%%' "$U/metrics")"
check "a role without sluice_monitor: 403" "403" "$(code -u alice:alice-pw "$U/metrics")"
check "a superuser may look" "200" "$(code -u "sluice:$SL_TEST_PASSWORD" "$U/metrics")"
grep -q 'http authentication refused from 127.0.0.1: password authentication failed for user "mon": The password does not match.' "$SL_TMP/server.log" &&
    ok "the log says why" || notok "the log says why"
grep -q 'wrong\|mon-pw\|alice-pw' "$SL_TMP/server.log" && notok "no password in the log" || ok "no password in the log"

# ---- the login form and its cookie ----
check "GET /login: the form" "200" "$(code "$U/login")"
check "GET / without a login goes to /login" "303" "$(code "$U/")"
hdr=$(C -D - -o /dev/null -c "$SL_TMP/jar" --data-urlencode user=mon --data-urlencode password=mon-pw "$U/login" | tr -d '\r')
case $hdr in
*"HTTP/1.1 303"*"Set-Cookie: sluice_session="*"; HttpOnly; SameSite=Strict; Secure"*) ok "a login sets a HttpOnly, SameSite=Strict, Secure cookie" ;;
*) notok "the login's cookie"; echo "$hdr" ;;
esac
check "the cookie reads /metrics" "200" "$(code -b "$SL_TMP/jar" "$U/metrics")"
C -b "$SL_TMP/jar" "$U/" | grep -q 'Logged in as <b>mon</b>' && ok "the home page knows who" || notok "the home page"
check "a wrong form password: 401" "401" "$(code --data-urlencode user=mon --data-urlencode password=nope "$U/login")"
check "a forged cookie: 401" "401" "$(code -b "sluice_session=$(printf '%064d' 0)" "$U/metrics")"
C -X POST -b "$SL_TMP/jar" -o /dev/null "$U/logout"
check "after logout the cookie is worth nothing" "401" "$(code -b "$SL_TMP/jar" "$U/metrics")"
C -o /dev/null -c "$SL_TMP/jar" --data-urlencode user=mon --data-urlencode password=mon-pw "$U/login"
sl_psql -q -c "REVOKE sluice_monitor FROM mon" >/dev/null
check "REVOKE takes effect on an open session: 403" "403" "$(code -b "$SL_TMP/jar" "$U/metrics")"
sl_psql -q -c "GRANT sluice_monitor TO mon" >/dev/null
check "a monitor changes nothing: no such route" "405" "$(code -X DELETE -u mon:mon-pw "$U/metrics")"

# ---- limits ----
big=$(head -c 40000 /dev/zero | tr '\0' a)
check "a huge header: 431" "431" "$(code -H "X-Big: $big" "$U/metrics")"
head -c 1000000 /dev/zero | tr '\0' a >"$SL_TMP/big.txt"
# With Expect: 100-continue the 413 comes before the body is sent; without
# it, curl may still be sending when the server answers and closes, and
# then sees the connection reset instead of the answer.
check "a huge body: 413" "413" "$(code -H 'Expect: 100-continue' --data-binary @"$SL_TMP/big.txt" "$U/login")"
out=$(code -H 'Transfer-Encoding: chunked' --data-binary @"$SL_TMP/big.txt" "$U/login")
[ "$out" != 200 ] && ok "a huge chunked body is cut off ($out)" || notok "a huge chunked body"
check "still serving after them" "200" "$(code -u mon:mon-pw "$U/metrics")"

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$SL_PID/status"; }
rss0=$(rss)
in0=$(query_field q3 5)
end=$(($(date +%s) + 3))
pids=()
for i in $(seq 200); do
    (while [ "$(date +%s)" -lt "$end" ]; do
        curl -s --cacert "$SL_DATADIR/server.crt" -m 5 -b "$SL_TMP/jar" -o /dev/null -w '%{http_code}\n' "$U/metrics"
    done >"$SL_TMP/load.$i" 2>&1) &
    pids+=($!)
done
wait "${pids[@]}" # not a bare wait: the server is a child of this shell too
served=$(cat "$SL_TMP"/load.* | grep -c '^200$')
[ "$served" -gt 0 ] && ok "200 clients at once for 3 s: $served requests served, the rest turned away" ||
    notok "200 clients at once: none served"
in1=$(query_field q3 5)
[ "$in1" -gt "$in0" ] && ok "q3 went on reading meanwhile ($in0 -> $in1 rows)" || notok "q3 stalled ($in0 -> $in1)"
t0=$(date +%s%N)
check "responsive afterwards: /metrics" "200" "$(code -u mon:mon-pw "$U/metrics")"
check "responsive afterwards: psql" "1" "$(sl_psql -At -c "SELECT 1")"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 3000 ] && ok "answers within 3 s after the load (${ms} ms)" || notok "slow after the load (${ms} ms)"
rss1=$(rss)
[ $((rss1 - rss0)) -lt 200000 ] && ok "memory bounded under load (${rss0} kB -> ${rss1} kB)" ||
    notok "memory grew under load (${rss0} kB -> ${rss1} kB)"

# ---- a clean stop with a client holding a connection ----
exec 7<>"/dev/tcp/127.0.0.1/$HP"
t0=$(date +%s%N)
sl_server_stop && ok "a clean stop with an idle HTTP connection open" || notok "a clean stop"
ms=$((($(date +%s%N) - t0) / 1000000))
exec 7>&-
[ "$ms" -lt 5000 ] && ok "it stopped in ${ms} ms" || notok "stop took ${ms} ms"

# ---- ssl = off: plain HTTP ----
sl_server_start -c http_port="$HP" -c ssl=off || exit 1
check "ssl = off: plain HTTP" "200" "$(curl -s -m 10 -o /dev/null -w '%{http_code}' -u mon:mon-pw "http://127.0.0.1:$HP/metrics")"
hdr=$(curl -s -m 10 -D - -o /dev/null --data-urlencode user=mon --data-urlencode password=mon-pw "http://127.0.0.1:$HP/login" | tr -d '\r' | grep -i '^set-cookie')
case $hdr in *Secure*) notok "no Secure cookie on plain HTTP" ;; *HttpOnly*) ok "no Secure cookie on plain HTTP" ;; *) notok "cookie on plain HTTP: $hdr" ;; esac
sl_server_stop || notok "stop"

# ---- http_port = 0 ----
sl_server_start || exit 1 # server.sh starts with http_port = 0
grep -q 'HTTP listener off (http_port = 0)' "$SL_TMP/server.log" && ok "http_port = 0: the log says so" || notok "http_port = 0 log"
if (exec 3<>"/dev/tcp/127.0.0.1/$HP") 2>/dev/null; then notok "http_port = 0: nothing listens"; else ok "http_port = 0: nothing listens"; fi
check "http_port shows" "0" "$(sl_psql -At -c "SHOW http_port")"
sl_server_stop || notok "stop"
exit $fail
