#!/bin/bash
# regress/scripts/load.sh - 64 concurrent clients for 30 s: no crash, no
# deadlock, no slow statement, a consistent catalog afterwards.
#
# Four continuous queries run the whole time (GENERATOR sources with a rate
# into FILE sinks: two windowed, two plain).  Meanwhile 64 clients, threads
# of one Python process each holding a real PostgreSQL-protocol session
# (reconnecting every few dozen statements, so session start and end are
# loaded too), run statements one at a time, back to back:
#   CREATE/DROP SOURCE and SINK with names unique to the client, ALTER SINK,
#   ALTER SOURCE, CREATE/DROP QUERY of a client's own finite source into its
#   own sink, SHOW SOURCES/SINKS/QUERIES/ALL, DESCRIBE of its own objects and
#   of other clients' (which may be dropped meanwhile: 42P01 is the one error
#   allowed there), and push queries (SELECT ... FROM a GENERATOR LIMIT n, and
#   a grouped one over a finite one).
# Every statement is timed from the Query message to ReadyForQuery.  The test
# fails when one takes over 5 s (a socket timeout of 10 s catches a hang),
# when any statement gets an error (each client only changes names it owns,
# so none is expected but that one), when the server dies, when SELECT 1
# does not answer afterwards, when the continuous queries stopped making
# progress, or when the catalog disagrees with what the clients left behind:
# SHOW SOURCES/SINKS/QUERIES before a clean stop and after a restart, and
# `PRAGMA integrity_check` of catalog.db in between.
# Prints statements executed, per-kind counts and latencies.
#
# Bounded: 30 s of load, about 10 s of setup and checks (LOAD_SECONDS and
# LOAD_CLIENTS override the figures, for a quick run by hand).
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/lib/check.sh"
# Every psql is bounded, so a deadlocked server fails the test instead of hanging it.
sl_psql() { PGCONNECT_TIMEOUT=5 timeout 20 psql -X -h 127.0.0.1 -p "$SL_PORT" -U sluice -d sluice "$@"; }

LOAD_SECONDS=${LOAD_SECONDS:-30}
LOAD_CLIENTS=${LOAD_CLIENTS:-64}

sl_server_start || exit 1
mkdir -p "$SL_DATADIR/files/load"

# The four continuous queries, and the shared sources of the push queries.
out=$(sl_psql -v ON_ERROR_STOP=1 -q \
    -c "CREATE SOURCE cq_gen1 FROM GENERATOR WITH (rate = 500, stations = 20, seed = 1) EVENT TIME ts" \
    -c "CREATE SOURCE cq_gen2 FROM GENERATOR WITH (rate = 500, stations = 5, seed = 2) EVENT TIME ts" \
    -c "CREATE SOURCE cq_gen3 FROM GENERATOR WITH (rate = 500, seed = 3)" \
    -c "CREATE SOURCE cq_gen4 FROM GENERATOR WITH (rate = 500, seed = 4)" \
    -c "CREATE SINK cq_out1 TO FILE WITH (path = 'load/cq1.jsonl')" \
    -c "CREATE SINK cq_out2 TO FILE WITH (path = 'load/cq2.jsonl')" \
    -c "CREATE SINK cq_out3 TO FILE WITH (path = 'load/cq3.csv', format = 'csv')" \
    -c "CREATE SINK cq_out4 TO FILE WITH (path = 'load/cq4.jsonl')" \
    -c "CREATE QUERY cq1 AS SELECT window_start, station, count(*) AS n, avg(ph) AS ph FROM cq_gen1 WINDOW TUMBLING (1 SECOND) GROUP BY station INTO cq_out1" \
    -c "CREATE QUERY cq2 AS SELECT window_start, station, max(turbidity) AS t FROM cq_gen2 WINDOW HOPPING (2 SECONDS, 1 SECOND) GROUP BY station INTO cq_out2" \
    -c "CREATE QUERY cq3 AS SELECT ts, station, ph FROM cq_gen3 WHERE ph > 7 INTO cq_out3" \
    -c "CREATE QUERY cq4 AS SELECT * FROM cq_gen4 INTO cq_out4" \
    -c "CREATE SOURCE push_gen FROM GENERATOR WITH (seed = 5, stations = 50)" \
    -c "CREATE SOURCE push_small FROM GENERATOR WITH (rows = 500, seed = 6, stations = 7)" 2>&1)
check "setup: 4 continuous queries and the push sources" "" "$out"
wait_until 5 '[ "$(query_field cq4 5)" -gt 0 ] 2>/dev/null' || notok "continuous queries start reading"
before=$(for q in cq1 cq2 cq3 cq4; do query_field $q 5; done | tr '\n' ' ')

# The clients use the Unix socket, as the OS user (peer authentication):
# the load is on statements, not on password hashing.
/usr/bin/python3 - "$SL_PORT" "$LOAD_SECONDS" "$LOAD_CLIENTS" "$SL_TMP" "$SL_SOCKDIR" <<'EOF' || fail=1
import collections, getpass, random, socket, struct, sys, threading, time

PORT, SECONDS, CLIENTS, TMP = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
SOCKET, USER = "%s/.s.PGSQL.%d" % (sys.argv[5], PORT), getpass.getuser()
LIMIT = 5.0           # the longest a statement may take
RECONNECT_EVERY = 40  # statements per session before a client reconnects

class PgError(Exception):
    pass

class Conn:
    """A session's socket with a buffered reader: one recv() serves many
    small messages, which keeps this client's own CPU use (and so the
    latencies it measures) low with 64 of them."""
    def __init__(self, sock):
        self.sock, self.r = sock, sock.makefile("rb")

    def read(self, n):
        data = self.r.read(n)
        if len(data) < n:
            raise EOFError("server closed the connection")
        return data

    def send(self, data):
        self.sock.sendall(data)

    def close(self):
        self.r.close()
        self.sock.close()

def read_msg(c):
    t = c.read(1)
    (n,) = struct.unpack("!I", c.read(4))
    return t, c.read(n - 4)

def error_text(body):
    f = {chr(p[0]): p[1:].decode() for p in body.split(b"\0") if p}
    return "%s %s" % (f.get("C"), f.get("M"))

def until_ready(c):
    """Reads up to ReadyForQuery; returns (rows, error or None)."""
    rows, err = 0, None
    while True:
        t, b = read_msg(c)
        if t == b"D":
            rows += 1
        elif t == b"E":
            err = error_text(b)
            if b"SFATAL" in b:
                raise PgError(err)
        elif t == b"Z":
            return rows, err

def connect(name):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(SOCKET)
    body = struct.pack("!I", 3 << 16)
    for k, v in (("user", USER), ("database", "sluice"), ("application_name", name)):
        body += k.encode() + b"\0" + v.encode() + b"\0"
    body += b"\0"
    c = Conn(s)
    c.send(struct.pack("!I", len(body) + 4) + body)
    _, err = until_ready(c)
    if err:
        raise PgError("startup: " + err)
    return c

def query(c, sql):
    data = sql.encode() + b"\0"
    c.send(b"Q" + struct.pack("!I", len(data) + 4) + data)
    return until_ready(c)

lock = threading.Lock()
counts, lat_max, lat_sum = {}, {}, {}
failures, slow = [], []
latencies = []
final = {"sources": set(), "sinks": set(), "queries": set()}
recent = collections.deque(maxlen=256)  # names any client created lately
gone = [0]  # DESCRIBEs of another client's object that was dropped meanwhile

class Client:
    def __init__(self, i):
        self.i, self.n = i, 0
        self.rnd = random.Random(1000 + i)
        self.sources, self.sinks = [], []
        self.queries = {}  # query -> (source, sink): neither may be dropped while it exists
        self.inflight = None  # (kind, start, sql) of the statement waiting for its answer

    def name(self, kind):
        self.n += 1
        return "ld_%s_c%d_%d" % (kind, self.i, self.n)

    def free_sources(self):
        used = {q[0] for q in self.queries.values()}
        return [x for x in self.sources if x not in used]

    def free_sinks(self):
        used = {q[1] for q in self.queries.values()}
        return [x for x in self.sinks if x not in used]

    def pick(self):
        """The next statement: (kind, sql, what to do once it succeeded)."""
        r = self.rnd
        while True:
            k = r.choice(("create_source", "create_source", "drop_source", "create_sink", "create_sink",
                          "drop_sink", "alter_sink", "alter_source", "create_query", "drop_query",
                          "show", "show", "show", "describe", "describe", "describe_other", "push", "push",
                          "push_grouped"))
            if k == "create_source" and len(self.sources) < 6:
                n = self.name("src")
                return k, "CREATE SOURCE %s FROM GENERATOR WITH (rows = %d, seed = %d)" % (
                    n, r.randint(1, 50), self.i), lambda: (self.sources.append(n), recent.append(n))
            if k == "drop_source" and self.free_sources():
                n = r.choice(self.free_sources())
                return k, "DROP SOURCE %s" % n, lambda: self.sources.remove(n)
            if k == "create_sink" and len(self.sinks) < 6:
                n = self.name("snk")
                return k, "CREATE SINK %s TO FILE WITH (path = 'load/%s.jsonl')" % (n, n), \
                    lambda: (self.sinks.append(n), recent.append(n))
            if k == "drop_sink" and self.free_sinks():
                n = r.choice(self.free_sinks())
                return k, "DROP SINK %s" % n, lambda: self.sinks.remove(n)
            if k == "alter_sink" and self.sinks:
                return k, "ALTER SINK %s SET (format = '%s')" % (r.choice(self.sinks), r.choice(("csv", "json"))), None
            if k == "alter_source" and self.sources:
                return k, "ALTER SOURCE %s SET (rows = %d)" % (r.choice(self.sources), r.randint(1, 50)), None
            # At most one query per client: 64 of them and the 4 stay under max_queries (100).
            if k == "create_query" and not self.queries and self.sources and self.sinks:
                n, src, snk = self.name("q"), r.choice(self.sources), r.choice(self.sinks)
                return k, "CREATE QUERY %s AS SELECT station, ph FROM %s INTO %s" % (n, src, snk), \
                    lambda: self.queries.__setitem__(n, (src, snk))
            if k == "drop_query" and self.queries:
                n = r.choice(list(self.queries))
                return k, "DROP QUERY %s" % n, lambda: self.queries.pop(n)
            if k == "show":
                return k, "SHOW " + r.choice(("SOURCES", "SINKS", "QUERIES", "ALL")), None
            if k == "describe":
                mine = self.sources + self.sinks
                return k, "DESCRIBE " + (r.choice(mine) if mine and r.random() < 0.7 else
                                         r.choice(("cq_gen1", "cq_out2", "push_gen"))), None
            if k == "describe_other" and recent:
                return k, "DESCRIBE " + r.choice(recent), None
            if k == "push":
                return k, "SELECT station, ph FROM push_gen LIMIT %d" % r.randint(1, 200), None
            if k == "push_grouped":
                return k, "SELECT station, count(*) AS n, avg(ph) FROM push_small GROUP BY station", None

    def run(self, deadline):
        s = None
        done = self.done = 0
        try:
            while time.monotonic() < deadline:
                if s is None or done % RECONNECT_EVERY == 0:
                    if s is not None:
                        s.send(b"X\0\0\0\4")
                        s.close()
                    t0 = time.monotonic()
                    s = connect("load-%d" % self.i)
                    self.record("connect", time.monotonic() - t0, "connect")
                kind, sql, then = self.pick()
                t0 = time.monotonic()
                self.inflight = (kind, t0, sql)
                rows, err = query(s, sql)
                self.inflight = None
                self.record(kind, time.monotonic() - t0, sql)
                if err and kind == "describe_other" and err.startswith("42P01 "):
                    with lock:
                        gone[0] += 1
                elif err:
                    with lock:
                        failures.append("%s: %s" % (sql, err))
                elif then:
                    then()
                done += 1
                self.done = done
        except Exception as e:  # a hang (socket timeout), a lost connection, a FATAL
            with lock:
                failures.append("client %d: %s: %s" % (self.i, type(e).__name__, e))
            if self.inflight:  # the statement that never finished counts as slow
                kind, t0, sql = self.inflight
                self.record(kind, time.monotonic() - t0, sql)
        if s is not None:
            s.close()
        with lock:
            final["sources"].update(self.sources)
            final["sinks"].update(self.sinks)
            final["queries"].update(self.queries)

    def record(self, kind, dt, sql):
        with lock:
            counts[kind] = counts.get(kind, 0) + 1
            lat_max[kind] = max(lat_max.get(kind, 0.0), dt)
            lat_sum[kind] = lat_sum.get(kind, 0.0) + dt
            latencies.append(dt)
            if dt > LIMIT:
                slow.append("%.2f s: %s" % (dt, sql))

t0 = time.monotonic()
deadline = t0 + SECONDS
clients = [Client(i) for i in range(CLIENTS)]
threads = [threading.Thread(target=c.run, args=(deadline,)) for c in clients]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.monotonic() - t0

total = sum(v for k, v in counts.items() if k != "connect")
latencies.sort()
p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0.0
print("# %d clients, %.1f s: %d statements (%.0f/s), %d sessions" % (
    CLIENTS, elapsed, total, total / elapsed, counts.get("connect", 0)))
print("# latency: median %.1f ms, p99 %.1f ms, max %.1f ms" % (p(0.5) * 1e3, p(0.99) * 1e3, p(1.0) * 1e3))
for k in sorted(counts):
    print("#   %-14s %6d  avg %7.1f ms  max %7.1f ms" % (k, counts[k], lat_sum[k] / counts[k] * 1e3, lat_max[k] * 1e3))
print("# describe_other: %d found the object already dropped (42P01)" % gone[0])

def result(name, good, info=()):
    print(("ok - " if good else "not ok - ") + name)
    for line in list(info)[:20]:
        print("#   " + line)
    return good

fewest = min(c.done for c in clients)
good = result("the load lasted %g s, every client ran statements (fewest: %d)" % (SECONDS, fewest),
              elapsed >= SECONDS and fewest >= 10)
good &= result("no statement failed", not failures, failures)
good &= result("no statement took over %g s (max %.2f s)" % (LIMIT, p(1.0)), not slow, slow)
# Every kind of statement was exercised.
kinds = {"create_source", "drop_source", "create_sink", "drop_sink", "alter_sink", "alter_source",
         "create_query", "drop_query", "show", "describe", "describe_other", "push", "push_grouped"}
good &= result("every kind of statement ran", kinds <= set(counts), sorted(kinds - set(counts)))
for what in ("sources", "sinks", "queries"):
    with open("%s/expected_%s" % (TMP, what), "w") as f:
        f.write("".join(n + "\n" for n in sorted(final[what])))
sys.exit(0 if good else 1)
EOF

# The server is alive and answers, and the continuous queries went on.
if kill -0 "$SL_PID" 2>/dev/null; then ok "server alive after the load"; else notok "server died under load"; fi
out=$(PGCONNECT_TIMEOUT=5 timeout 5 psql -X -h 127.0.0.1 -p "$SL_PORT" -U sluice -d sluice -At -c 'SELECT 1' 2>&1)
check "SELECT 1 answers within 5 s" "1" "$out"
[ "$out" = 1 ] || exit 1 # a hung server: the rest would only time out
states=$(for q in cq1 cq2 cq3 cq4; do query_field $q 2; done | tr '\n' ' ')
check "the 4 continuous queries still run" "running running running running " "$states"
after=$(for q in cq1 cq2 cq3 cq4; do query_field $q 5; done | tr '\n' ' ')
progress=1
read -r -a b <<<"$before"
read -r -a a <<<"$after"
for i in 0 1 2 3; do [ "${a[$i]:-0}" -gt "${b[$i]:-0}" ] 2>/dev/null || progress=0; done
[ $progress -eq 1 ] && ok "the continuous queries kept reading (rows_in $before-> $after)" ||
    notok "the continuous queries kept reading (rows_in $before-> $after)"
echo "# continuous query files: $(cd "$SL_DATADIR/files/load" && wc -l cq1.jsonl cq2.jsonl cq3.csv cq4.jsonl | tr '\n' ' ')"

# names NOUN: the names of SHOW NOUN, the load clients' ones only, sorted.
names() { sl_psql -At -F'|' -c "SHOW $1" 2>&1 | awk -F'|' '$1 ~ /^ld_/ { print $1 }' | sort; }
compare_catalog() { # compare_catalog WHEN
    for what in sources sinks queries; do
        expected=$(sort "$SL_TMP/expected_$what" 2>/dev/null)
        check "$1: SHOW ${what^^} lists what the clients left ($(echo -n "$expected" | grep -c .))" \
            "$expected" "$(names "${what^^}")"
    done
    check "$1: the shared objects are all there" "14" \
        "$(sl_psql -At -F'|' -c 'SHOW SOURCES' -c 'SHOW SINKS' -c 'SHOW QUERIES' |
            awk -F'|' '$1 ~ /^(cq|push)_|^cq[1-4]$/' | wc -l)"
}
compare_catalog "before restart"

if sl_server_stop; then ok "clean stop after the load"; else notok "clean stop after the load"; fi
check "PRAGMA integrity_check" "ok" "$(sqlite3 "$SL_DATADIR/catalog.db" 'PRAGMA integrity_check' 2>&1)"
sl_server_start || { notok "restart"; exit 1; }
compare_catalog "after restart"
states=$(for q in cq1 cq2 cq3 cq4; do query_field $q 2; done | tr '\n' ' ')
check "the continuous queries resume after the restart" "running running running running " "$states"
if sl_server_stop; then ok "clean stop after the restart"; else notok "clean stop after the restart"; fi
exit $fail
