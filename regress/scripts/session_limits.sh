#!/bin/bash
# regress/scripts/session_limits.sh - a session's work is bounded (issue 14):
# a push query whose client is killed ends, frees its connection slot and
# leaves the server idle;
# statement_timeout cancels a push query (57014); idle_session_timeout
# closes an idle session (57P05); superuser_reserved_connections keeps
# slots for superusers when other roles have taken the rest, and clients
# stuck in their startup neither take those slots nor stay past
# authentication_timeout.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/lib/check.sh"

sl_server_start -c max_connections=6 -c superuser_reserved_connections=2 -c authentication_timeout=2s \
    -c client_connection_check_interval=200ms || exit 1
tcp() { # tcp USER PASSWORD -- psql args
    local user=$1 pw=$2
    shift 2
    PGPASSWORD=$pw PGCONNECT_TIMEOUT=5 timeout 20 psql -X -At "host=127.0.0.1 port=$SL_PORT dbname=sluice user=$user" "$@" 2>&1
}
sl_psql -q -c "CREATE SOURCE forever FROM GENERATOR WITH (seed = 1, rate = 200)" \
    -c "CREATE SOURCE fast FROM GENERATOR WITH (seed = 2)" \
    -c "CREATE ROLE app LOGIN PASSWORD 'app-pw'" >/dev/null

# ---- push queries whose clients are killed: their slots come back ----
pids=()
for i in 1 2 3 4; do
    PGPASSWORD=$SL_TEST_PASSWORD psql -X -At "host=127.0.0.1 port=$SL_PORT dbname=sluice user=sluice" \
        -c "SELECT station, ph FROM fast WHERE ph > 100 /* no rows: only the hang-up check notices */" \
        >/dev/null 2>&1 &
    pids+=($!)
done
sleep 2
check "the server answers while 4 push queries stream" "1" "$(tcp sluice "$SL_TEST_PASSWORD" -c "SELECT 1")"
kill -KILL "${pids[@]}"
wait "${pids[@]}" 2>/dev/null
wait_until 10 '[ "$(grep -c "stopped: the client closed the connection" "$SL_TMP/server.log")" -ge 4 ]' &&
    ok "the 4 push queries of killed clients stop" ||
    notok "the 4 push queries of killed clients stop ($(grep -c "stopped: the client closed" "$SL_TMP/server.log"))"
# The server is idle again: over 2 s it uses under a tenth of a CPU (the 4
# queries on an unthrottled generator, had they kept running, would keep
# both cores busy).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SL_PID/stat"; }
t0=$(cpu_ticks)
sleep 2
used=$(($(cpu_ticks) - t0))
hz=$(getconf CLK_TCK)
if [ "$used" -lt $((hz / 5)) ]; then ok "the server is idle once the clients are gone ($used ticks in 2 s)"
else notok "the server is idle once the clients are gone ($used ticks of $hz/s in 2 s)"; fi
# All 6 slots are free again: 4 for app (6 - 2 reserved), then 2 more for the superuser.
/usr/bin/python3 - "$SL_PORT" "$SL_TEST_PASSWORD" >"$SL_TMP/slots.out" 2>&1 <<'PY'
import sys, psycopg2
port, pw = sys.argv[1], sys.argv[2]
held, out = [], []
def conn(user, password):
    try:
        c = psycopg2.connect(host="127.0.0.1", port=port, dbname="sluice", user=user, password=password,
                             sslmode="disable")
        c.autocommit = True
        held.append(c)
        return "ok"
    except psycopg2.OperationalError as e:
        return "refused: FATAL:" + str(e).strip().split("FATAL:")[-1]
out += [conn("app", "app-pw") for _ in range(4)]
out.append(conn("app", "app-pw"))
out += [conn("sluice", pw) for _ in range(2)]
out.append(conn("sluice", pw))
print("\n".join(out))
PY
check "slots: 4 for app, the reserved 2 for the superuser, then none" "ok
ok
ok
ok
refused: FATAL:  remaining connection slots are reserved for roles with the SUPERUSER attribute
ok
ok
refused: FATAL:  sorry, too many clients already" "$(cat "$SL_TMP/slots.out")"

# ---- clients stuck in their startup ----
/usr/bin/python3 - "$SL_PORT" "$SL_TEST_PASSWORD" >"$SL_TMP/halfopen.out" 2>&1 <<'PY'
import socket, sys, time, psycopg2
port, pw = int(sys.argv[1]), sys.argv[2]
def superuser():
    try:
        psycopg2.connect(host="127.0.0.1", port=port, dbname="sluice", user="sluice", password=pw,
                         sslmode="disable", connect_timeout=5).close()
        return "ok"
    except psycopg2.OperationalError as e:
        return "refused"
# 6 connections that never send their startup packet: they wait in the
# slots kept for startups, the superuser still gets in.
half = [socket.create_connection(("127.0.0.1", port)) for _ in range(6)]
time.sleep(0.3)
print("superuser beside 6 silent clients:", superuser())
# authentication_timeout (2 s) closes them all.
t0, closed = time.time(), 0
for s in half:
    s.settimeout(10)
    try:
        if s.recv(1) == b"":
            closed += 1
    except OSError:
        closed += 1
print("silent clients closed:", closed, "within 5 s:", time.time() - t0 < 5)
PY
check "silent clients" "superuser beside 6 silent clients: ok
silent clients closed: 6 within 5 s: True" "$(cat "$SL_TMP/halfopen.out")"

# ---- statement_timeout ----
out=$(tcp sluice "$SL_TEST_PASSWORD" -c "SET statement_timeout = '1s'" -c "SELECT station FROM forever")
check "statement_timeout cancels a push query" "SET
ERROR:  canceling statement due to statement timeout" "$out"
check "statement_timeout is a session setting" "0" "$(tcp sluice "$SL_TEST_PASSWORD" -c "SHOW statement_timeout")"

# ---- idle_session_timeout ----
out=$(/usr/bin/python3 - "$SL_PORT" "$SL_TEST_PASSWORD" 2>&1 <<'PY'
import sys, time, psycopg2
c = psycopg2.connect(host="127.0.0.1", port=sys.argv[1], dbname="sluice", user="sluice", password=sys.argv[2])
c.autocommit = True
cur = c.cursor()
cur.execute("SET idle_session_timeout = '1s'")
time.sleep(2.5)
try:
    cur.execute("SELECT 1")
    print("still open")
except psycopg2.Error as e:
    print("closed")
PY
)
check "idle_session_timeout closes an idle session" "closed" "$out"
grep -q "closing the idle session of 127.0.0.1:[0-9]* (idle_session_timeout)" "$SL_TMP/server.log" &&
    ok "the idle close is logged" || notok "the idle close is logged"

sl_server_stop || notok "server stops"
exit $fail
