#!/bin/bash
# regress/scripts/confinement.sh - clients are strangers (docs/security.md,
# Confinement): each attack of issue 12 section 4 is tried and must fail
# with a clear error, leaving nothing behind.
#
#   - files: absolute paths and .. outside file_roots, a symbolic link inside
#     the root pointing out (at CREATE, and swapped in after CREATE), the
#     server's own files through a root that contains the data directory,
#     the AVRO sink creating a directory outside; no file appears outside the
#     root, and no byte of a secret file outside shows in a reply or the log;
#   - URLs: file://, gopher://, dict:// refused at CREATE and ALTER; a 302 to
#     file:// or gopher:// is not followed;
#   - allowed_hosts: 127.0.0.1 allowed, 127.0.0.2 refused at CREATE; a Kafka
#     broker advertised at an address that is not listed is refused at
#     connect (bootstrap by the listed name localhost), and delivers once
#     its address is listed;
#   - Kafka properties: sasl.kerberos.kinit.cmd, plugin.library.paths,
#     debug, *.location outside the roots refused; the command never runs;
#   - positives: a file inside the root works, a relative path lands in the
#     first root, file_roots cannot be SET by a client.
# Loopback only; every wait is bounded.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/lib/check.sh"
PY=/usr/bin/python3

REDIR_PID=
confine__cleanup() {
    rc=$?
    [ -n "$REDIR_PID" ] && kill -TERM "$REDIR_PID" 2>/dev/null
    return $rc
}
trap 'confine__cleanup; sl__cleanup' EXIT

OUT=$SL_TMP/outside
mkdir -p "$OUT"
SECRET=SECRET-$RANDOM-$RANDOM-MARKER
printf 'top,%s\nline,two\n' "$SECRET" >"$OUT/secret.csv"
echo "original" >"$OUT/target.txt"

# err SQL: the error line (or "OK") of one statement.
err() { sl_psql -At -v VERBOSITY=default -c "$1" 2>&1 | grep -E '^(ERROR|HINT|DETAIL)' | tr '\n' ' '; }
# refused NAME SQL CODE_PATTERN: the statement fails with a message matching the pattern.
refused() {
    local got
    got=$(sl_psql -At -v VERBOSITY=verbose -c "$2" 2>&1)
    if echo "$got" | grep -qE "^ERROR: +($3)"; then ok "$1"; else
        notok "$1"; echo "--- got"; echo "$got"; fi
    ALL_REPLIES+="$got"
}
ALL_REPLIES=

sl_server_start || exit 1
ROOT=$SL_DATADIR/files
check "default root DATADIR/files is created" yes "$([ -d "$ROOT" ] && echo yes)"

# ---- files ----
refused "absolute path outside the roots (FILE source, /etc/shadow)" \
    "CREATE SOURCE sh (line TEXT) FROM FILE WITH (path = '/etc/shadow', format = 'csv', header = false)" \
    "42501: .*\"/etc/shadow\" is outside the file roots"
refused "absolute path outside the roots (secret marker)" \
    "CREATE SOURCE sec (a TEXT, b TEXT) FROM FILE WITH (path = '$OUT/secret.csv', format = 'csv', header = false)" \
    "42501"
refused ".. out of the root" \
    "CREATE SINK up TO FILE WITH (path = '../../outside/target.txt', format = 'csv')" "42501"
refused "FILE sink writing sluiced.conf by absolute path" \
    "CREATE SINK conf TO FILE WITH (path = '$SL_DATADIR/sluiced.conf')" "42501"
refused "XLSX source outside" "CREATE SOURCE x FROM XLSX WITH (path = '$OUT/a.xlsx')" "42501"
refused "AVRO source glob outside" "CREATE SOURCE a FROM AVRO WITH (path = '$OUT/*.avro')" "42501"
refused "AVRO sink directory outside" "CREATE SINK arch TO AVRO WITH (path = '$OUT/newdir/sub')" "42501"
check "AVRO sink made no directory outside" no "$([ -e "$OUT/newdir" ] && echo yes || echo no)"
refused "avro schema file outside (kafka source)" \
    "CREATE SOURCE k (a BIGINT) FROM KAFKA WITH (brokers = '127.0.0.1:1', topic = 't', format = 'avro', schema = '$OUT/secret.csv')" \
    "42501"
ln -s "$OUT/secret.csv" "$ROOT/link.csv"
refused "symbolic link inside the root pointing outside (CREATE)" \
    "CREATE SOURCE ls (a TEXT, b TEXT) FROM FILE WITH (path = 'link.csv', format = 'csv', header = false)" \
    "42501"
ln -s "$OUT" "$ROOT/outdir"
refused "directory link inside the root pointing outside" \
    "CREATE SINK od TO FILE WITH (path = 'outdir/target.txt')" "42501"

# Swapped after CREATE: a file inside the root, replaced by a link to the
# secret before the query opens it; the open must refuse.
printf 'a,b\n' >"$ROOT/swap.csv"
check "CREATE SOURCE of a file inside the root" "" \
    "$(err "CREATE SOURCE sw (a TEXT, b TEXT) FROM FILE WITH (path = 'swap.csv', format = 'csv', header = false)")"
check "CREATE SINK of a relative path" "" "$(err "CREATE SINK swout TO FILE WITH (path = 'swap_out.csv', format = 'csv')")"
rm "$ROOT/swap.csv"
ln -s "$OUT/secret.csv" "$ROOT/swap.csv"
# (The check when the query starts sees the link; sl_confine_open's
# O_NOFOLLOW and /proc/self/fd checks hold for a swap after that check.)
refused "link swapped in after CREATE is refused at open (push query)" "SELECT a, b FROM sw LIMIT 2" \
    "42501: .*\"swap.csv\" (is outside the file roots|is a symbolic link)"
refused "link swapped in after CREATE is refused at open (continuous query)" \
    "CREATE QUERY swq AS SELECT a, b FROM sw INTO swout" "42501: .*\"swap.csv\""
check "nothing copied from the swapped link" "" "$(cat "$ROOT/swap_out.csv" 2>/dev/null)"
# A directory swapped for a link after CREATE (sink): refused at open.
mkdir "$ROOT/d"
check "CREATE SINK into a directory of the root" "" "$(err "CREATE SINK dsink TO FILE WITH (path = 'd/target.txt')")"
rmdir "$ROOT/d"
ln -s "$OUT" "$ROOT/d"
sl_psql -At -c "CREATE SOURCE gen0 (station TEXT) FROM FILE WITH (path = 'in.jsonl')" >/dev/null 2>&1
echo '{"station":"s1"}' >"$ROOT/in.jsonl"
refused "sink directory swapped for a link fails at open" \
    "CREATE QUERY dq AS SELECT station FROM gen0 INTO dsink" "42501: .*\"d/target.txt\""
check "target outside unchanged" original "$(cat "$OUT/target.txt")"

# Positive: relative paths land in the first root; the data is read back.
sl_psql -At -c "CREATE SINK rel TO FILE WITH (path = 'rel/out.jsonl')" >/dev/null 2>&1
mkdir -p "$ROOT/rel"
sl_psql -At -c "CREATE SINK rel2 TO FILE WITH (path = 'rel/out.jsonl')" >/dev/null 2>&1
sl_psql -At -c "CREATE QUERY rq AS SELECT station FROM gen0 INTO rel2" >/dev/null 2>&1
wait_until 10 '[ -s "$ROOT/rel/out.jsonl" ]' && ok "relative path lands in the first root" ||
    notok "relative path lands in the first root"
check "file inside the root written" '{"station":"s1"}' "$(cat "$ROOT/rel/out.jsonl" 2>/dev/null)"

refused "ALTER SINK to a path outside" "ALTER SINK rel2 SET (path = '$OUT/target.txt')" "42501"
refused "ALTER SOURCE to a path outside" "ALTER SOURCE gen0 SET (path = '/etc/shadow')" "42501"

# file_roots is the server's: no client SET.
refused "SET file_roots refused" "SET file_roots = '/'" "55P02"
refused "SET allowed_hosts refused" "SET allowed_hosts = ''" "55P02"

# ---- URLs ----
refused "INFLUXDB file:// URL" "CREATE SINK i1 TO INFLUXDB WITH (url = 'file:///etc/passwd', database = 'd')" \
    "22023: option \"url\" must be an http or https URL"
refused "INFLUXDB gopher:// URL" "CREATE SINK i2 TO INFLUXDB WITH (url = 'gopher://127.0.0.1:1/_SET%20pwned%201', database = 'd')" "22023"
refused "DYNAMODB dict:// endpoint" \
    "CREATE SINK d1 TO DYNAMODB WITH (endpoint = 'dict://127.0.0.1:1/SET pwned 1', region = 'x', table = 't', key = 'k', access_key_id = 'a', secret_access_key = 'b')" \
    "22023"
refused "WEBHOOK file:// URL" "CREATE SINK w1 TO WEBHOOK WITH (url = 'file:///etc/passwd')" "22023"
refused "schema registry gopher:// URL" \
    "CREATE SINK k1 TO KAFKA WITH (brokers = '127.0.0.1:1', topic = 't', format = 'avro', schema_registry = 'gopher://127.0.0.1:1/')" \
    "22023"
sl_psql -At -c "CREATE SINK ok1 TO INFLUXDB WITH (url = 'http://127.0.0.1:1', database = 'd')" >/dev/null 2>&1
refused "ALTER to a file:// URL" "ALTER SINK ok1 SET (url = 'file:///etc/passwd')" "22023"

# A redirect to file:// or gopher:// is not followed: the reply is the 302.
REDIR_PORT=$(sl_free_port)
$PY - "$REDIR_PORT" "$OUT/secret.csv" >"$SL_TMP/redir.log" 2>&1 <<'EOF' &
import sys, http.server
port, target = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get('Content-Length', 0)); self.rfile.read(n)
        loc = 'file://' + target if 'file' in self.path else 'gopher://127.0.0.1:1/_x'
        self.send_response(302); self.send_header('Location', loc)
        self.send_header('Content-Length', '0'); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(('127.0.0.1', port), H).serve_forever()
EOF
REDIR_PID=$!
wait_until 5 "(exec 3<>/dev/tcp/127.0.0.1/$REDIR_PORT) 2>/dev/null"
for kind in file gopher; do
    sl_psql -At -c "CREATE SINK r_$kind TO WEBHOOK WITH (url = 'http://127.0.0.1:$REDIR_PORT/$kind', max_retries = 0)" >/dev/null 2>&1
    sl_psql -At -c "CREATE QUERY rq_$kind AS SELECT station FROM gen0 INTO r_$kind" >/dev/null 2>&1
    if wait_until 10 '[ "$(query_field rq_$kind 2)" = failed ]' && query_field rq_$kind 11 | grep -q "HTTP 302"; then
        ok "302 to $kind:// is not followed"
    else
        notok "302 to $kind:// is not followed"; query_field rq_$kind 11
    fi
done
ALL_REPLIES+="$(sl_psql -At -c 'SHOW QUERIES' 2>&1)"

# ---- Kafka properties ----
MARK=$SL_TMP/kinit-ran
refused "sasl.kerberos.kinit.cmd refused" \
    "CREATE SINK kk TO KAFKA WITH (brokers = '127.0.0.1:1', topic = 't', properties = 'security.protocol=sasl_plaintext;sasl.mechanisms=GSSAPI;sasl.kerberos.kinit.cmd=touch $MARK')" \
    "42501: .*kafka setting \"sasl.kerberos.kinit.cmd\" is not allowed"
refused "plugin.library.paths refused" \
    "CREATE SOURCE kp (a TEXT) FROM KAFKA WITH (brokers = '127.0.0.1:1', topic = 't', properties = 'plugin.library.paths=$OUT/x.so')" \
    "42501: .*plugin.library.paths"
refused "debug refused" \
    "CREATE SINK kd TO KAFKA WITH (brokers = '127.0.0.1:1', topic = 't', properties = 'debug=all')" "42501"
refused "ssl.ca.location outside the roots refused" \
    "CREATE SINK kl TO KAFKA WITH (brokers = '127.0.0.1:1', topic = 't', properties = 'ssl.ca.location=$OUT/secret.csv')" \
    "42501"
refused "ssl_key_location option outside the roots refused" \
    "CREATE SINK kl2 TO KAFKA WITH (brokers = '127.0.0.1:1', topic = 't', ssl_key_location = '$OUT/secret.csv')" \
    "42501"
check "allowed kafka properties accepted" "" \
    "$(err "CREATE SINK kok TO KAFKA WITH (brokers = '127.0.0.1:1', topic = 't', properties = 'linger.ms=5;acks=all;client.id=x')")"
sl_server_stop || notok "server stops"

# An old catalog holding a forbidden setting: the query fails, the command never runs.
$PY - "$SL_DATADIR/catalog.db" "$MARK" <<'EOF'
import sqlite3, sys, json
db = sqlite3.connect(sys.argv[1])
cols = [r[1] for r in db.execute("PRAGMA table_info(sinks)")]
row = db.execute("SELECT * FROM sinks WHERE name = 'kok'").fetchone()
opts = row[cols.index('options')]
# properties is a secret, stored encrypted: the old catalog holds it in
# plain text (the server encrypts it at start, then refuses it at query start).
new = json.loads(opts)
new["properties"] = ("security.protocol=sasl_plaintext;sasl.mechanisms=GSSAPI;sasl.kerberos.kinit.cmd=touch "
                     + sys.argv[2])
db.execute("UPDATE sinks SET options = ? WHERE name = 'kok'", (json.dumps(new),))
db.commit()
EOF
sl_server_start -c allowed_hosts=127.0.0.1,localhost || exit 1
refused "stored forbidden kafka setting fails the query" "CREATE QUERY kq AS SELECT station FROM gen0 INTO kok" \
    "42501: .*kafka setting \"sasl.kerberos.kinit.cmd\" is not allowed"
sleep 1
check "kinit command never ran" no "$([ -e "$MARK" ] && echo yes || echo no)"

# ---- allowed_hosts ----
check "allowed host at CREATE" "" "$(err "CREATE SINK h1 TO WEBHOOK WITH (url = 'http://127.0.0.1:$REDIR_PORT/file', max_retries = 0)")"
refused "host outside allowed_hosts at CREATE" \
    "CREATE SINK h2 TO WEBHOOK WITH (url = 'http://127.0.0.2:$REDIR_PORT/x')" \
    "42501: .*host \"127.0.0.2\" is not in allowed_hosts"
refused "broker outside allowed_hosts" \
    "CREATE SOURCE hb (a TEXT) FROM KAFKA WITH (brokers = '127.0.0.2:9092', topic = 't')" "42501"
# ok1 was created before allowed_hosts: redirect it to 127.0.0.2 in the catalog
# and the query start refuses it; the HTTP client refuses the address too.
sl_psql -At -c "CREATE QUERY hq AS SELECT station FROM gen0 INTO r_file" >/dev/null 2>&1
wait_until 10 '[ "$(query_field hq 2)" = failed ]'
check "allowed host reached (the 302 came back)" yes "$(query_field hq 11 | grep -q 'HTTP 302' && echo yes)"
ALL_REPLIES+="$(sl_psql -At -c 'SHOW QUERIES' 2>&1)"
sl_server_stop || notok "server stops"

# ---- allowed_hosts at connect, Kafka: the bootstrap name is listed, the
# address the broker advertises in its metadata (127.0.0.1) is not ----
n=0
for hosts in localhost localhost,127.0.0.1; do
    n=$((n + 1))
    sl_server_start --embedded-kafka -c "allowed_hosts=$hosts" || exit 1
    port=$(sl_psql -At -c 'SHOW kafka_bootstrap' 2>&1 | sed 's/.*://')
    sl_psql -At -c "CREATE SINK kout$n TO KAFKA WITH (brokers = 'localhost:$port', topic = 'conf_t', properties = 'message.timeout.ms=5000')" \
        -c "CREATE QUERY kq$n AS SELECT station FROM gen0 INTO kout$n" >/dev/null 2>&1
    if [ "$hosts" = localhost ]; then
        if wait_until 15 'grep -q "connection to broker 127.0.0.1:$port refused: its address is not in allowed_hosts" "$SL_TMP/server.log"'; then
            ok "advertised broker address outside allowed_hosts refused at connect"
        else
            notok "advertised broker address outside allowed_hosts refused at connect"
        fi
        wait_until 20 '[ "$(query_field kq$n 2)" = failed ]'
        check "nothing delivered through the refused broker" "failed|sink \"kout$n\": delivery to topic \"conf_t\" failed: Local: Message timed out" \
            "$(query_field kq$n 2)|$(query_field kq$n 11)"
    else
        if wait_until 20 '[ "$(query_field kq$n 2)" = finished ]'; then
            ok "listed broker address: the query delivers"
        else
            notok "listed broker address: the query delivers ($(query_field kq$n 2): $(query_field kq$n 11))"
        fi
    fi
    sl_psql -At -c "DROP QUERY kq$n" >/dev/null 2>&1
    sl_server_stop || notok "server stops"
done
sl_server_start || exit 1
sl_psql -At -c "DROP QUERY IF EXISTS kq" -c "DROP QUERY IF EXISTS hq" -c "DROP QUERY IF EXISTS rq" \
    -c "DROP QUERY IF EXISTS rq_file" -c "DROP QUERY IF EXISTS rq_gopher" >/dev/null 2>&1
sl_server_stop || notok "server stops"

# ---- the server's own files through a root that contains the data dir ----
sl_server_start -c "file_roots=$SL_DATADIR" || exit 1
for f in catalog.db catalog.db-wal sluiced.conf sluiced.pid secret.key server.crt; do
    refused "server file $f refused" "CREATE SOURCE own (line TEXT) FROM FILE WITH (path = '$f', format = 'csv', header = false)" \
        "42501: .*names a file of the server"
done
refused "sluiced.conf as a sink refused" "CREATE SINK conf2 TO FILE WITH (path = 'sluiced.conf', format = 'csv')" "42501"
check "sluiced.conf not appended to" 0 "$(grep -c 'listen_addresses = \*' "$SL_DATADIR/sluiced.conf")"
sl_server_stop || notok "server stops"

# No byte of the secret anywhere a client or the log could see it.
check "secret in no reply" 0 "$(echo "$ALL_REPLIES" | grep -c "$SECRET")"
check "secret not in the server log" 0 "$(grep -c "$SECRET" "$SL_TMP/server.log")"
check "no file written outside the root" "secret.csv target.txt" "$(ls "$OUT" | tr '\n' ' ' | sed 's/ $//')"
check "target outside unchanged at the end" original "$(cat "$OUT/target.txt")"
exit $fail
