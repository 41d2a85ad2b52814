#!/bin/bash
# regress/scripts/limits.sh - resource limits end in clear errors, never in
# a crash or a server that eats its memory.
#
#   max_connections (default 100): the 101st session gets FATAL 53300, the
#     100 others go on, and a new client gets in once one left;
#   max_queries (-c max_queries=2): a third CREATE QUERY gets ERROR 54000
#     with a hint, and one fits again after a DROP QUERY;
#   max_statement_size (default 1MB): a 2 MB statement gets ERROR 54000 (over
#     the raw protocol and through psql), the session goes on, and a
#     statement just under the limit runs;
#   max_groups_per_query (-c max_groups_per_query=100): a windowed query
#     over 1000 stations fails with the limit's error in SHOW QUERIES (a
#     push query gets it as ERROR 54000), the server's memory stays bounded,
#     and a query under the limit still runs.
# Then the server stops cleanly (status 0).
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/lib/check.sh"
# Every psql is bounded, so a deadlocked server fails the test instead of hanging it.
sl_psql() { PGCONNECT_TIMEOUT=5 timeout 20 psql -X -h 127.0.0.1 -p "$SL_PORT" -U sluice -d sluice "$@"; }

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$SL_PID/status"; }

# ---- max_connections and max_statement_size, at their defaults
sl_server_start || exit 1
# Raw protocol clients on the Unix socket, as the OS user (peer authentication).
/usr/bin/python3 - "$SL_PORT" "$SL_SOCKDIR" <<'EOF' || fail=1
import getpass, socket, struct, sys, time

PORT = int(sys.argv[1])
SOCKET, USER = "%s/.s.PGSQL.%d" % (sys.argv[2], PORT), getpass.getuser()
failed = False

def result(name, good, info=""):
    global failed
    print(("ok - " if good else "not ok - ") + name + ("" if good else ": " + str(info)[:2000]))
    failed |= not good

def read_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data

def read_until_ready(s):
    """Messages up to ReadyForQuery, or to the server closing the connection."""
    got = []
    try:
        while True:
            t = read_exact(s, 1)
            (n,) = struct.unpack("!I", read_exact(s, 4))
            got.append((t, read_exact(s, n - 4)))
            if t == b"Z":
                return got
    except (EOFError, ConnectionResetError):
        got.append((b"EOF", b""))
        return got

def error_of(got):
    for t, b in got:
        if t == b"E":
            return {chr(p[0]): p[1:].decode() for p in b.split(b"\0") if p}
    return None

def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    s.connect(SOCKET)
    body = struct.pack("!I", 3 << 16) + b"user\0" + USER.encode() + b"\0database\0sluice\0\0"
    s.sendall(struct.pack("!I", len(body) + 4) + body)
    return s, read_until_ready(s)

def query(s, sql):
    data = sql if isinstance(sql, bytes) else sql.encode()
    data += b"\0"
    s.sendall(b"Q" + struct.pack("!I", len(data) + 4) + data)
    return read_until_ready(s)

# max_connections = 100: 100 sessions start, the 101st is refused with 53300.
held = []
for i in range(100):
    s, got = connect()
    if got[-1][0] != b"Z":
        result("session %d of 100 starts" % (i + 1), False, got)
        break
    held.append(s)
result("100 sessions (max_connections) start", len(held) == 100, len(held))
s, got = connect(); e = error_of(got)
result("101st session: FATAL 53300", e is not None and e.get("S") == "FATAL" and e.get("C") == "53300", got)
result("101st session: message says too many clients", e is not None and "too many" in e.get("M", ""), e)
result("101st session: closed", got[-1][0] == b"EOF", got)
s.close()
got = query(held[99], "SELECT 1")
result("the 100 sessions still answer", any(t == b"D" for t, b in got), got)
held.pop().close()
time.sleep(0.3)  # the server frees a slot once that session's thread ended
s, got = connect()
result("a new session once one left", got[-1][0] == b"Z", got)
held.append(s)
for s in held:
    s.close()

# max_statement_size = 1MB: a 2 MB statement is refused, the session goes on.
s, got = connect()
got = query(s, b"SELECT 1 -- " + b"x" * (2 * 1024 * 1024))
e = error_of(got)
result("2 MB statement: ERROR 54000", e is not None and e.get("C") == "54000" and e.get("S") == "ERROR", got)
result("2 MB statement: message and detail name the limit",
       e is not None and "too long" in e.get("M", "") and "max_statement_size" in e.get("D", ""), e)
result("2 MB statement: session goes on", got[-1][0] == b"Z", got)
got = query(s, "SELECT 1 AS one")
result("a statement after the long one", any(t == b"D" for t, b in got), got)
# Just under the limit: 1 MB minus a little, a comment padding a SELECT.
got = query(s, b"SELECT 2 AS two -- " + b"y" * (1024 * 1024 - 100))
result("a statement just under 1 MB runs", error_of(got) is None and any(t == b"D" for t, b in got), got[:3])
s.close()
sys.exit(1 if failed else 0)
EOF

# The same through psql: the user sees the error, the statement is not run.
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'x' | { printf 'SELECT 1 -- '; cat; printf '\n'; } >"$SL_TMP/big.sql"
out=$(sl_psql -f "$SL_TMP/big.sql" 2>&1)
echo "$out" | grep -q 'ERROR:  statement is too long ([0-9]* bytes)' && ok "psql: 2 MB statement refused" ||
    notok "psql: 2 MB statement refused: $(echo "$out" | head -c 300)"
if sl_server_stop; then ok "clean stop"; else notok "clean stop"; fi

# ---- max_queries = 2, max_groups_per_query = 100
sl_server_start -c max_queries=2 -c max_groups_per_query=100 || exit 1
sl_psql -q -c "CREATE SOURCE forever FROM GENERATOR WITH (rate = 200, seed = 1)" \
    -c "CREATE SOURCE many FROM GENERATOR WITH (rate = 20000, stations = 1000, seed = 2) EVENT TIME ts" \
    -c "CREATE SOURCE few FROM GENERATOR WITH (rate = 1000, stations = 50, seed = 3) EVENT TIME ts" \
    -c "CREATE SINK out TO FILE WITH (path = 'out.jsonl')" \
    -c "CREATE SINK wout TO FILE WITH (path = 'wout.jsonl')" >/dev/null 2>&1
out=$(sl_psql -q -c "CREATE QUERY a AS SELECT station FROM forever INTO out" \
    -c "CREATE QUERY b AS SELECT ph FROM forever INTO out" 2>&1)
check "max_queries=2: two queries start" "" "$out"
out=$(sl_psql -q -v VERBOSITY=verbose -c "CREATE QUERY c AS SELECT ts FROM forever INTO out" 2>&1)
check "max_queries=2: the third gets 54000 with a hint" \
    "ERROR:  54000: too many queries (max_queries is 2)
HINT:  Drop a query or raise max_queries." "$(echo "$out" | grep -v '^LOCATION')"
check "max_queries=2: the refused query is not listed" "" "$(query_field c 1)"
check "max_queries=2: SHOW QUERIES has the two" "a b" "$(sl_psql -At -F'|' -c 'SHOW QUERIES' | cut -d'|' -f1 | sort | tr '\n' ' ' | sed 's/ $//')"
out=$(sl_psql -q -c "DROP QUERY b" -c "CREATE QUERY c AS SELECT ts FROM forever INTO out" 2>&1)
check "max_queries=2: a query fits again after DROP QUERY" "" "$out"
sl_psql -q -c "DROP QUERY a" -c "DROP QUERY c" >/dev/null 2>&1

# max_groups_per_query = 100: 1000 stations in one window is too many.
rss0=$(rss_kb)
# (one line: query_field splits SHOW QUERIES by lines)
out=$(sl_psql -q -c "CREATE QUERY wide AS SELECT window_start, station, count(*) AS n FROM many WINDOW TUMBLING (1 MINUTE) GROUP BY station INTO wout" 2>&1)
check "max_groups_per_query=100: the query is created" "" "$out"
wait_until 20 '[ "$(query_field wide 2)" = failed ]' && ok "max_groups_per_query=100: the query fails" ||
    notok "max_groups_per_query=100: the query fails (state $(query_field wide 2))"
check "max_groups_per_query=100: SHOW QUERIES shows the error" \
    "query exceeds max_groups_per_query (100)" "$(query_field wide 11)"
rss1=$(rss_kb)
echo "# RSS before $rss0 kB, after the failed query $rss1 kB"
[ $((rss1 - rss0)) -lt 65536 ] && ok "max_groups_per_query=100: memory stays bounded (+$((rss1 - rss0)) kB)" ||
    notok "max_groups_per_query=100: memory grew by $((rss1 - rss0)) kB"
out=$(sl_psql -q -v VERBOSITY=verbose -c "SELECT station, count(*) FROM many WINDOW TUMBLING (1 MINUTE) GROUP BY station LIMIT 5" 2>&1)
check "max_groups_per_query=100: a push query gets 54000 with a hint" \
    "ERROR:  54000: query exceeds max_groups_per_query (100)
HINT:  Use fewer groups or shorter windows, or raise max_groups_per_query." "$(echo "$out" | grep -v '^LOCATION')"
out=$(sl_psql -q -c "CREATE QUERY narrow AS SELECT window_start, station, count(*) AS n FROM few WINDOW TUMBLING (1 SECOND) GROUP BY station INTO wout" 2>&1)
check "max_groups_per_query=100: a query of 50 groups is created" "" "$out"
sleep 2
check "max_groups_per_query=100: the query of 50 groups runs" "running|" "$(query_field narrow 2)|$(query_field narrow 11)"
if kill -0 "$SL_PID" 2>/dev/null; then ok "server alive"; else notok "server died"; fi
if sl_server_stop; then ok "clean stop"; else notok "clean stop"; fi
exit $fail
