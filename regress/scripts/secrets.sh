#!/bin/bash
# regress/scripts/secrets.sh - connector secrets at rest (docs/security.md,
# "Secrets"): encrypted in the catalog under DATADIR/secret.key, opened only
# when a query starts, never shown, re-encrypted by --rotate-secret-key, and
# dropped when ALTER points a connector at a new destination.
#
# Real check of "the secret still works": a WEBHOOK sink with an
# Authorization header (regress/scripts/webhook_receiver.py records every
# request's headers); a GENERATOR source of 3 rows feeds it.  Checked:
#   - a new data directory gets secret.key: 32 bytes, mode 0600;
#   - distinctive secrets of several kinds (webhook headers, influxdb
#     password, dynamodb keys, kafka sasl and schema registry passwords)
#     appear nowhere in catalog.db or its -wal (after a crash, so the WAL
#     is still there), the server log, SHOW, DESCRIBE or EXPLAIN;
#   - after a restart the receiver gets the right Authorization header;
#   - --rotate-secret-key: refused while a server runs, exits 0 with a
#     summary, a new key (mode 0600), the sink still authenticates, the old
#     key no longer opens the catalog (FATAL naming the file);
#   - secret.key missing: FATAL naming the file;
#   - a rotation interrupted after its catalog commit is completed at
#     start; one interrupted before it is abandoned;
#   - ALTER SINK ... SET (url = ...) without the headers: NOTICE, headers
#     dropped, the new receiver never sees the old token; with the headers
#     given again they are used; the same url again keeps them;
#   - a catalog with a plaintext secret (an older sluice's) is encrypted
#     at start, and the secret still works; no plaintext stays in the files,
#     not even that of a sink the older sluice dropped;
#   - credentials in a URL: refused by CREATE and ALTER (22023); one an
#     older catalog holds is masked in SHOW SINKS and in a query's error;
#   - a ciphertext copied to another sink's option does not decrypt: the
#     query fails with XX001 naming the option, ALTER of another option
#     too, ALTER that sets the option again repairs it.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/lib/check.sh"
. "$SL_SRCDIR/regress/lib/receiver.sh"
trap 'receivers_stop; sl__cleanup' EXIT
PY=/usr/bin/python3

# auth LOG PATH: the distinct Authorization headers of the requests to PATH
# ('-' for a request without one), and how many rows they carried.
auth() {
    $PY - "$SL_TMP/$1.jsonl" "$2" <<'PYEOF'
import json, sys
reqs = []
try:
    reqs = [r for r in map(json.loads, open(sys.argv[1])) if r["path"] == sys.argv[2]]
except FileNotFoundError:
    pass
rows = 0
for r in reqs:
    doc = json.loads(r["body"])
    rows += len(doc) if isinstance(doc, list) else 1
print("|".join(sorted(set(r["headers"].get("authorization", "-") for r in reqs))), rows)
PYEOF
}

# run_query NAME SINK: a continuous query of the 3-row generator into SINK, waited for.
run_query() {
    local out
    out=$(sl_psql -q -v ON_ERROR_STOP=1 -c "CREATE QUERY $1 AS SELECT * FROM gen INTO $2" 2>&1)
    [ -z "$out" ] || echo "$out"
    wait_until 30 '[ "$(query_field '"$1"' 2)" = finished ] || [ "$(query_field '"$1"' 2)" = failed ]'
}

# The distinctive secrets; none may appear anywhere on disk or on screen.
HOOK_TOKEN=hook-token-7f3a9c
INFLUX_PW=influx-pw-91c2e8
AWS_KEY=aws-secret-3b7e55
KAFKA_PW=kafka-sasl-55d1aa
REG_PW=registry-pw-0c4d21
ALL_SECRETS="$HOOK_TOKEN|$INFLUX_PW|$AWS_KEY|$KAFKA_PW|$REG_PW"

# leaks WHAT FILE...: ok when no secret is in the files' strings.
no_leak() {
    local what=$1
    shift
    if strings -a "$@" 2>/dev/null | grep -Eq "$ALL_SECRETS|plain-migrated-42|plain-dropped-43"; then
        notok "$what: no secret in $(basename "$1")$([ $# -gt 1 ] && echo ' and others')"
        strings -a "$@" | grep -Eo "$ALL_SECRETS|plain-migrated-42|plain-dropped-43" | sort | uniq -c
    else
        ok "$what: no secret in $*"
    fi
}

receiver_start main || exit 1
MAIN=$RECV_PORT
sl_server_start || exit 1
KEY=$SL_DATADIR/secret.key

# ---- the key file of a new data directory ----
check "secret.key created with mode 0600 and 32 bytes" "600 32" "$(stat -c '%a %s' "$KEY" 2>&1)"

out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SOURCE gen FROM GENERATOR WITH (rows = 3, seed = 1)" \
    -c "CREATE SINK hook TO WEBHOOK WITH (url = 'http://127.0.0.1:$MAIN/hook',
          headers = 'Authorization: Bearer $HOOK_TOKEN', flush_interval = '100 milliseconds')" \
    -c "CREATE SINK influx TO INFLUXDB WITH (url = 'http://127.0.0.1:1', database = 'w', username = 'u',
          password = '$INFLUX_PW')" \
    -c "CREATE SINK dynamo TO DYNAMODB WITH (endpoint = 'http://127.0.0.1:1', region = 'eu-west-1',
          table = 't', key = 'station', access_key_id = 'AKIDEXAMPLE', secret_access_key = '$AWS_KEY')" \
    -c "CREATE SOURCE k (station TEXT) FROM KAFKA WITH (brokers = '127.0.0.1:1', topic = 'water',
          format = 'avro', schema_registry = 'http://127.0.0.1:1', schema_registry_user = 'reader',
          schema_registry_password = '$REG_PW', security_protocol = 'sasl_plaintext',
          sasl_mechanism = 'PLAIN', sasl_username = 'sluice', sasl_password = '$KAFKA_PW')" 2>&1)
check "create sources and sinks with secrets" "" "$out"

out=$(run_query q1 hook)
check "q1 into the webhook finished" "|finished" "$out|$(query_field q1 2)"
check "q1: the receiver got the token" "Bearer $HOOK_TOKEN 3" "$(auth main /hook)"

# ---- nothing on screen shows a secret ----
screen=$(sl_psql -At -c "SHOW SINKS" -c "SHOW SOURCES" -c "SHOW QUERIES" -c "DESCRIBE hook" -c "DESCRIBE influx" \
    -c "DESCRIBE dynamo" -c "DESCRIBE k" -c "EXPLAIN SELECT * FROM gen INTO hook" 2>&1)
if grep -Eq "$ALL_SECRETS|enc1:" <<<"$screen"; then notok "SHOW, DESCRIBE, EXPLAIN show no secret"; else
    ok "SHOW, DESCRIBE, EXPLAIN show no secret"; fi
check "SHOW SINKS masks the headers" "url = 'http://127.0.0.1:$MAIN/hook', headers = '********', flush_interval = '100 milliseconds'" \
    "$(sink_field hook 3)"

# ---- on disk: a crash leaves the WAL; no secret in the catalog files ----
sl_server_kill
[ -s "$SL_DATADIR/catalog.db-wal" ] && ok "the WAL is there after a crash" || notok "the WAL is there after a crash"
no_leak "after a crash" "$SL_DATADIR"/catalog.db*

# catalog_sql SQL: runs SQL on the catalog with Python's sqlite3 (as another
# program, or an older sluice, could), printing the rows.
catalog_sql() {
    $PY - "$SL_DATADIR/catalog.db" "$1" <<'PYEOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for r in c.execute(sys.argv[2]):
    print(*r, sep="|")
c.commit()
c.close()
PYEOF
}

# ---- restart: the stored secret still works ----
sl_server_start || exit 1
out=$(run_query q2 hook)
check "after a restart, q2 finished" "|finished" "$out|$(query_field q2 2)"
check "after a restart, the receiver got the same token" "Bearer $HOOK_TOKEN 6" "$(auth main /hook)"

# ---- rotation ----
out=$("$SLUICED" -D "$SL_DATADIR" --rotate-secret-key 2>&1)
rc=$?
case "$rc|$out" in
1*'is locked by another running sluiced'*) ok "--rotate-secret-key refused while the server runs" ;;
*) notok "--rotate-secret-key refused while the server runs: $rc $out" ;;
esac
sl_server_stop || notok "server stops"
cp -p "$KEY" "$SL_TMP/key.1"
out=$("$SLUICED" -D "$SL_DATADIR" --rotate-secret-key 2>&1)
rc=$?
case "$rc|$out" in
"0|sluiced: rotated the secret key of \"$SL_DATADIR\": key id "*" -> "*", 8 secrets re-encrypted")
    ok "--rotate-secret-key re-encrypts the 8 secrets and exits 0" ;;
*) notok "--rotate-secret-key re-encrypts the 8 secrets and exits 0: $rc $out" ;;
esac
cmp -s "$KEY" "$SL_TMP/key.1" && notok "rotation wrote a new key" || ok "rotation wrote a new key"
check "the new key has mode 0600, no secret.key.new is left" "600 32 none" \
    "$(stat -c '%a %s' "$KEY") $(ls "$SL_DATADIR"/secret.key.* 2>/dev/null || echo none)"
no_leak "after the rotation" "$SL_DATADIR"/catalog.db*
cp -p "$KEY" "$SL_TMP/key.2"
sl_server_start || exit 1
out=$(run_query q3 hook)
check "after the rotation, the receiver got the same token" "|Bearer $HOOK_TOKEN 9" "$out|$(auth main /hook)"
sl_server_stop || notok "server stops"

# ---- the old key no longer opens the catalog; a missing key is fatal ----
start_fails() { # start_fails NAME PATTERN: sluiced exits 1 with a FATAL matching PATTERN
    local out rc
    out=$("$SLUICED" -D "$SL_DATADIR" -p "$(sl_free_port)" -k "$SL_TMP" 2>&1)
    rc=$?
    if [ "$rc" = 1 ] && grep -q "FATAL:  $2" <<<"$out"; then ok "$1"; else notok "$1"; echo "$rc $out"; fi
}
cp -p "$SL_TMP/key.1" "$KEY"
start_fails "the old key: FATAL naming the file and the key ids" \
    "secret key file \"$KEY\" holds key id .*, but the catalog's secrets were encrypted with key id"
rm -f "$KEY"
start_fails "secret.key missing: FATAL naming the file" \
    "secret key file \"$KEY\" is missing, but the catalog holds encrypted secrets"

# ---- rotations interrupted by a crash ----
# After its catalog commit (secret.key still the old key, secret.key.new the new one):
cp -p "$SL_TMP/key.2" "$KEY"
"$SLUICED" -D "$SL_DATADIR" --rotate-secret-key >/dev/null 2>&1 || notok "a third rotation"
cp -p "$KEY" "$SL_DATADIR/secret.key.new"
cp -p "$SL_TMP/key.2" "$KEY"
sl_server_start || exit 1
grep -q "LOG:  completed an interrupted rotation of the secret key" "$SL_TMP/server.log" &&
    ok "a rotation interrupted after its commit is completed at start" ||
    notok "a rotation interrupted after its commit is completed at start"
out=$(run_query q4 hook)
check "... and the token still works" "|Bearer $HOOK_TOKEN 12" "$out|$(auth main /hook)"
sl_server_stop || notok "server stops"
check "... secret.key is the new key, secret.key.new is gone" "600 none" \
    "$(stat -c '%a' "$KEY") $(ls "$SL_DATADIR"/secret.key.* 2>/dev/null || echo none)"
# Before its commit (secret.key.new sealed nothing):
head -c 32 /dev/urandom >"$SL_DATADIR/secret.key.new"
chmod 600 "$SL_DATADIR/secret.key.new"
sl_server_start || exit 1
grep -q "LOG:  removed \"$SL_DATADIR/secret.key.new\" of an interrupted rotation" "$SL_TMP/server.log" &&
    ok "a rotation interrupted before its commit is abandoned at start" ||
    notok "a rotation interrupted before its commit is abandoned at start"
check "... secret.key.new is gone" "none" "$(ls "$SL_DATADIR"/secret.key.* 2>/dev/null || echo none)"

# ---- ALTER of a destination drops the secrets not given again ----
receiver_start moved || exit 1
MOVED=$RECV_PORT
out=$(sl_psql -c "ALTER SINK hook SET (url = 'http://127.0.0.1:$MAIN/hook')" 2>&1)
check "ALTER to the same url keeps the secrets, no notice" "ALTER SINK|headers = '********'" \
    "$out|$(sink_field hook 3 | grep -o "headers = '[*]*'")"
out=$(sl_psql -c "ALTER SINK hook SET (url = 'http://127.0.0.1:$MOVED/moved')" 2>&1)
check "ALTER of the url: NOTICE naming the cleared secret" \
    "NOTICE:  secret option \"headers\" of sink \"hook\" was cleared because \"url\" changed
ALTER SINK" "$out"
check "... SHOW SINKS: headers gone" "url = 'http://127.0.0.1:$MOVED/moved', flush_interval = '100 milliseconds'" \
    "$(sink_field hook 3)"
out=$(run_query q5 hook)
check "... the new receiver got no Authorization header" "|- 3" "$out|$(auth moved /moved)"
out=$(sl_psql -c "ALTER SINK influx SET (url = 'http://127.0.0.1:2', password = 'new-pw')" \
    -c "ALTER SINK dynamo SET (region = 'us-east-1')" -c "ALTER SOURCE k SET (brokers = '127.0.0.1:2')" 2>&1)
check "ALTER: secrets given again are kept; region and brokers are destinations too" \
    "ALTER SINK
NOTICE:  secret options \"access_key_id\", \"secret_access_key\" of sink \"dynamo\" were cleared because \"region\" changed
ALTER SINK
NOTICE:  secret options \"schema_registry_user\", \"schema_registry_password\", \"sasl_username\", \"sasl_password\" of source \"k\" were cleared because \"brokers\" changed
ALTER SOURCE" "$out"
out=$(sl_psql -q -c "ALTER SINK hook SET (url = 'http://127.0.0.1:$MOVED/again', headers = 'Authorization: Bearer moved-token')" 2>&1)
check "ALTER of url and headers together: no notice" "" "$out"
out=$(run_query q6 hook)
check "... the new headers are used" "|Bearer moved-token 3" "$out|$(auth moved /again)"
if grep -q "$HOOK_TOKEN" "$SL_TMP/moved.jsonl"; then notok "the old token never reached the new receiver"; else
    ok "the old token never reached the new receiver"; fi

# ---- credentials in URLs ----
NOWHERE=$(sl_free_port)
refused() { # refused NAME SQL
    local got
    got=$(sl_psql -v VERBOSITY=verbose -c "$2" 2>&1)
    case "$got" in
    'ERROR:  22023: option "'*'" must not hold a user name or password'*) ok "$1" ;;
    *) notok "$1"; echo "$got" ;;
    esac
    # psql shows the statement itself under LINE 1: the server's text must not.
    case "$(grep -v '^LINE 1: ' <<<"$got")" in *url-pass-77*) notok "$1: the password is not echoed" ;; esac
}
refused "CREATE SINK refuses a password in the url" \
    "CREATE SINK bad TO WEBHOOK WITH (url = 'http://user:url-pass-77@127.0.0.1:$NOWHERE/')"
refused "ALTER SINK refuses a password in the endpoint" "ALTER SINK dynamo SET (endpoint = 'http://k:url-pass-77@h/')"
refused "CREATE SOURCE refuses credentials in the schema registry URL" \
    "CREATE SOURCE bad (a TEXT) FROM KAFKA WITH (topic = 't', format = 'avro', schema_registry = 'http://url-pass-77@h:1')"
out=$(sl_psql -q -c "CREATE SINK nowhere TO WEBHOOK WITH (url = 'http://127.0.0.1:$NOWHERE/', max_retries = 0)" 2>&1)
check "create a sink for an older catalog's URL" "" "$out"
sl_server_stop || notok "server stops"

# ---- a plaintext secret of an older sluice is encrypted at start ----
catalog_sql "UPDATE sinks SET options = json_set(options, '\$.url', 'http://127.0.0.1:$MAIN/migrated',
    '\$.headers', 'Authorization: Bearer plain-migrated-42') WHERE name = 'hook'"
catalog_sql "UPDATE sinks SET options = json_set(options, '\$.url', 'http://user:url-pass-77@127.0.0.1:$NOWHERE/')
    WHERE name = 'nowhere'"
# An older sluice's dropped sink leaves its plaintext in the file's free space.
catalog_sql "INSERT INTO sinks (name, kind, options) VALUES ('gone', 'webhook',
    '{\"url\": \"http://127.0.0.1:1/\", \"headers\": \"Authorization: Bearer plain-dropped-43\"}')"
catalog_sql "DELETE FROM sinks WHERE name = 'gone'"
check "the plaintext catalog holds the token" "1" \
    "$(catalog_sql "SELECT count(*) FROM sinks WHERE options LIKE '%plain-migrated-42%'")"
sl_server_start || exit 1
grep -q "LOG:  encrypted 1 secret option that an older sluice stored in plain text" "$SL_TMP/server.log" &&
    ok "start encrypts the plaintext secret" || notok "start encrypts the plaintext secret"
check "... the catalog holds it encrypted" "enc1:" \
    "$(catalog_sql "SELECT substr(json_extract(options, '\$.headers'), 1, 5) FROM sinks WHERE name = 'hook'")"
out=$(run_query q7 hook)
check "... and it still works" "|Bearer plain-migrated-42 3" "$out|$(auth main /migrated)"
check "an older catalog's URL credentials are masked in SHOW SINKS" \
    "url = 'http://********@127.0.0.1:$NOWHERE/', max_retries = '0'" "$(sink_field nowhere 3)"
out=$(run_query q8 nowhere)
err=$(query_field q8 11)
case "$out|$(query_field q8 2)|$err" in
"|failed|"*"could not reach http://********@127.0.0.1:$NOWHERE/"*) ok "... and in a query's error" ;;
*) notok "... and in a query's error: $out $err" ;;
esac
sl_server_stop || notok "server stops"
no_leak "after the migration" "$SL_DATADIR"/catalog.db*

# ---- a ciphertext copied to another object or option ----
catalog_sql "UPDATE sinks SET options = json_set(options, '\$.password',
    (SELECT json_extract(options, '\$.headers') FROM sinks WHERE name = 'hook')) WHERE name = 'influx'"
sl_server_start || exit 1
out=$(run_query q9 influx)
case "$out $(query_field q9 2) $(query_field q9 11)" in
*'could not decrypt option "password" of sink "influx": it does not belong to this option or was changed'*)
    ok "a copied ciphertext does not decrypt: the query fails naming the option" ;;
*) notok "a copied ciphertext does not decrypt: the query fails naming the option: $out $(query_field q9 11)" ;;
esac
out=$(sl_psql -v VERBOSITY=verbose -c "ALTER SINK influx SET (database = 'x')" 2>&1 | head -1)
check "... ALTER of another option fails the same way" \
    'ERROR:  XX001: could not decrypt option "password" of sink "influx": it does not belong to this option or was changed' "$out"
out=$(sl_psql -q -c "ALTER SINK influx SET (password = 'repaired-pw')" 2>&1)
check "... ALTER that sets it again repairs it" "" "$out"
sl_server_stop || notok "server stops"

# ---- the server log ----
if grep -Eq "$ALL_SECRETS|plain-migrated-42|moved-token|url-pass-77" "$SL_TMP/server.log"; then
    notok "no secret in the server log"
else
    ok "no secret in the server log"
fi
exit $fail
