#!/bin/bash
# regress/scripts/kafka_registry.sh - Avro in the Confluent wire format with
# a schema registry, on the embedded broker.  The registry is a stand-in
# written here (Python's http.server on a free loopback port, stopped by
# PID): GET /schemas/ids/N and POST /subjects/S/versions over a store kept
# in a JSON file (so a stand-in started later on another port knows the
# same ids), every request logged; it refuses subjects starting with
# "refuse" with 422/42201 as a registry refuses an invalid schema.
#
#   (1) a KAFKA sink with format avro + schema_registry registers the
#       derived schema under "<topic>-value" and every message starts with
#       magic 0 + that id; Python's avro decodes the rest with the schema
#       the stand-in stored, and the values are the input's;
#   (2) the registry down when the sink opens: SHOW SINKS shows the retries
#       with the registry's address in last_error, and the query fails with
#       that error after max_retries; a registry that refuses the schema
#       fails the query at once with its message; a sink whose registry
#       comes up while it retries delivers everything with the new id;
#   (3) a KAFKA source with format avro + schema_registry reads messages
#       framed by Python (avro + 5-byte header), two writer schemas, each
#       fetched once; a message with an unknown id and one without the
#       header are decode errors (dead-lettered); a source whose registry
#       is down waits and reads everything once the registry is up; one
#       whose registry refuses its credentials (401) fails the query with
#       that error and dead-letters nothing, and a query on its consumer
#       group with corrected credentials reads the rest (every row once);
#   and the option checks (22023).
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/scripts/kafka_common.sh"
PY=/usr/bin/python3
$PY -c 'import avro.io, confluent_kafka' || { echo "Bail out! python3-avro and python3-confluent-kafka are needed"; exit 1; }

REG_PIDS=()
reg__cleanup() {
    rc=$?
    for p in "${REG_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    return $rc
}
trap 'reg__cleanup; kafka__cleanup; sl__cleanup' EXIT

# wait_for SECONDS 'CONDITION': like wait_until, but bounded by the clock
# even when one evaluation is slow (kcat waits on a topic that is missing).
wait_for() {
    local end=$((SECONDS + $1))
    while [ $SECONDS -lt $end ]; do
        eval "$2" && return 0
        sleep 0.2
    done
    return 1
}
# count TOPIC: messages in TOPIC (one line per message, whatever the bytes)
count() {
    timeout 5 "$KCAT" -C -b "$KAFKA_ADDR" -t "$1" -e -q -o beginning -f '.\n' 2>/dev/null | wc -l
}

cat >"$SL_TMP/registry.py" <<'PYEOF'
# A stand-in schema registry: registry.py PORT STORE LOG
import json, os, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import avro.schema

port, store_path, log_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
lock = threading.Lock()

def load():
    if os.path.exists(store_path):
        with open(store_path) as f:
            return json.load(f)
    return {"next": 1001, "ids": {}, "subjects": {}}

class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def reply(self, code, obj):
        b = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def log(self, line):
        with open(log_path, "a") as f:
            f.write(line + "\n")
    def do_GET(self):
        self.log("GET " + self.path)
        if self.headers.get("Authorization") == "Basic aW50cnVkZXI6eA==":  # intruder:x
            return self.reply(401, {"error_code": 40101, "message": "Unauthorized"})
        parts = self.path.split("/")
        with lock:
            st = load()
        if len(parts) == 4 and parts[1:3] == ["schemas", "ids"] and parts[3] in st["ids"]:
            return self.reply(200, {"schema": st["ids"][parts[3]]})
        self.reply(404, {"error_code": 40403, "message": "Schema %s not found" % parts[-1]})
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        parts = self.path.split("/")
        self.log("POST %s %s %s" % (self.path, self.headers.get("Content-Type"), body.decode()))
        if len(parts) != 4 or parts[1] != "subjects" or parts[3] != "versions":
            return self.reply(404, {"error_code": 404, "message": "HTTP 404 Not Found"})
        if parts[2].startswith("refuse"):
            return self.reply(422, {"error_code": 42201, "message": "Invalid schema"})
        try:
            text = json.loads(body)["schema"]
            avro.schema.parse(text)
        except Exception as e:
            return self.reply(422, {"error_code": 42201, "message": "Invalid schema: %s" % e})
        with lock:
            st = load()
            ids = [i for i, s in st["ids"].items() if s == text]
            if ids:
                sid = int(ids[0])
            else:
                sid = st["next"]
                st["next"] += 1
                st["ids"][str(sid)] = text
            st["subjects"].setdefault(parts[2], [])
            if sid not in st["subjects"][parts[2]]:
                st["subjects"][parts[2]].append(sid)
            with open(store_path + ".tmp", "w") as f:
                json.dump(st, f)
            os.replace(store_path + ".tmp", store_path)
        self.reply(200, {"id": sid})

srv = ThreadingHTTPServer(("127.0.0.1", port), H)
print("ready", flush=True)
srv.serve_forever()
PYEOF

# reg_start PORT: a stand-in on PORT sharing the one store and log.
reg_start() {
    $PY "$SL_TMP/registry.py" "$1" "$SL_TMP/registry.json" "$SL_TMP/registry.log" \
        >"$SL_TMP/registry-$1.out" 2>&1 &
    REG_PIDS+=($!)
    wait_for 10 "grep -q ready '$SL_TMP/registry-$1.out'" || { cat "$SL_TMP/registry-$1.out"; return 1; }
}

cat >"$SL_TMP/clients.py" <<'PYEOF'
# clients.py ADDR MODE ...
#   register URL SUBJECT SCHEMA_FILE              -> the id
#   produce TOPIC ID SCHEMA_FILE FIRST N          Confluent-framed records n=FIRST..FIRST+N-1
#   raw TOPIC HEX                                 one message of those bytes
#   consume TOPIC N URL                           "id station n ph" per message, decoded
#                                                 with the schema the registry has for its id
import io, json, struct, sys, urllib.request
import avro.io, avro.schema
from confluent_kafka import Consumer, Producer, TopicPartition

addr, mode = sys.argv[1], sys.argv[2]
def row(i):
    return {"station": "st%d" % (i % 3), "n": i, "ph": None if i % 5 == 0 else 6 + i / 8.0}
if mode == "register":
    url, subject, text = sys.argv[3], sys.argv[4], open(sys.argv[5]).read()
    req = urllib.request.Request("%s/subjects/%s/versions" % (url, subject), method="POST",
                                 data=json.dumps({"schema": text}).encode(),
                                 headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
    print(json.load(urllib.request.urlopen(req))["id"])
elif mode == "produce":
    topic, sid, schema = sys.argv[3], int(sys.argv[4]), avro.schema.parse(open(sys.argv[5]).read())
    first, n = int(sys.argv[6]), int(sys.argv[7])
    w = avro.io.DatumWriter(schema)
    p = Producer({"bootstrap.servers": addr})
    for i in range(first, first + n):
        buf = io.BytesIO()
        buf.write(struct.pack(">bI", 0, sid))
        r = row(i)
        if any(f.name == "extra" for f in schema.fields):  # schema v2 only
            r["extra"] = "x" * (i % 4)
        w.write(r, avro.io.BinaryEncoder(buf))
        p.produce(topic, buf.getvalue(), partition=0)
    assert p.flush(20) == 0
elif mode == "raw":
    p = Producer({"bootstrap.servers": addr})
    p.produce(sys.argv[3], bytes.fromhex(sys.argv[4]), partition=0)
    assert p.flush(20) == 0
else:
    topic, n, url = sys.argv[3], int(sys.argv[4]), sys.argv[5]
    c = Consumer({"bootstrap.servers": addr, "group.id": "check", "enable.auto.commit": False})
    parts = c.list_topics(topic, timeout=10).topics[topic].partitions
    c.assign([TopicPartition(topic, p, 0) for p in parts])
    out, readers = [], {}
    while len(out) < n:
        msgs = c.consume(1000, timeout=10)
        if not msgs:
            break
        for m in msgs:
            if m.error() is not None:
                continue
            v = m.value()
            magic, sid = struct.unpack(">bI", v[:5])
            if sid not in readers:
                text = json.load(urllib.request.urlopen("%s/schemas/ids/%d" % (url, sid)))["schema"]
                readers[sid] = avro.io.DatumReader(avro.schema.parse(text))
            x = readers[sid].read(avro.io.BinaryDecoder(io.BytesIO(v[5:])))
            out.append("%d %d %s %d %s" % (magic, sid, x["station"], x["n"], x["ph"]))
    c.close()
    print("\n".join(sorted(out, key=lambda l: int(l.split()[3]))))
PYEOF

sl_server_start --embedded-kafka || exit 1
KAFKA_ADDR=$(sl_psql -At -c 'SHOW kafka_bootstrap' 2>&1)
REG_PORT=$(sl_free_port)
REG="http://127.0.0.1:$REG_PORT"
reg_start "$REG_PORT" || { notok "the stand-in registry starts"; exit 1; }

# --- option checks
sqlstate() { # the SQLSTATE of the error of a statement
    sl_psql -At -v VERBOSITY=verbose -c "$1" 2>&1 | sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\):.*/\1/p' | head -1
}
check "schema_registry with format json is refused" "22023" \
    "$(sqlstate "CREATE SINK j TO KAFKA WITH (topic = 'x', format = 'json', schema_registry = '$REG')")"
check "a schema_registry URL that is not http(s) is refused" "22023" \
    "$(sqlstate "CREATE SINK j TO KAFKA WITH (topic = 'x', format = 'avro', schema_registry = 'ftp://h')")"
check "schema and schema_registry together are refused" "22023" \
    "$(sqlstate "CREATE SOURCE j (a TEXT) FROM KAFKA WITH (topic = 'x', format = 'avro', schema = '{}', schema_registry = '$REG')")"
out=$(sl_psql -At -c "CREATE SOURCE j (a TEXT) FROM KAFKA WITH (topic = 'x', format = 'avro')" 2>&1)
case $out in *'format avro needs the option "schema"'*) ok "format avro needs schema or schema_registry" ;;
    *) notok "format avro needs schema or schema_registry: $out" ;; esac
out=$(sl_psql -At -c "CREATE SINK pw TO KAFKA WITH (topic = 'x', format = 'avro', schema_registry = '$REG',
        schema_registry_user = 'u', schema_registry_password = 'hunter2'); SHOW SINKS; DESCRIBE pw" 2>&1)
case $out in *hunter2*) notok "the registry password is masked: $out" ;; *) ok "the registry password is masked" ;; esac
sl_psql -q -c "DROP SINK pw" >/dev/null 2>&1

# --- (1) the sink registers its schema and frames its messages
for i in $(seq 0 19); do
    ph=$([ $((i % 5)) -eq 0 ] && echo null || $PY -c "print(6 + $i / 8.0)")
    echo "{\"station\": \"st$((i % 3))\", \"n\": $i, \"ph\": $ph}"
done >"$SL_TMP/in.jsonl"
timeout 20 "$KCAT" -P -b "$KAFKA_ADDR" -t reg-in -p 0 <"$SL_TMP/in.jsonl" || notok "kcat produced the input"
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SOURCE jin (station TEXT, n BIGINT, ph DOUBLE) FROM KAFKA WITH (topic = 'reg-in', format = 'json')" \
    -c "CREATE SINK reg_out TO KAFKA WITH (topic = 'reg-out', format = 'avro', schema_registry = '$REG/')" \
    -c "CREATE QUERY q_out AS SELECT station, n, ph FROM jin INTO reg_out" 2>&1)
check "create the registry sink query" "" "$out"
wait_for 30 '[ "$(count reg-out)" -ge 20 ]' || notok "20 messages in reg-out"
post=$(grep '^POST /subjects/reg-out-value/versions ' "$SL_TMP/registry.log" | head -1)
case $post in *' application/vnd.schemaregistry.v1+json {"schema": '*) ok "the sink posted its schema under reg-out-value" ;;
    *) notok "the sink posted its schema under reg-out-value: $post" ;; esac
logged=$(sed -n 's/.*sink "reg_out": avro schema of topic "reg-out": //p' "$SL_TMP/server.log" | head -1)
posted=$($PY -c 'import json, sys; print(json.loads(sys.argv[1].split(" ", 3)[3])["schema"])' "$post")
check "the posted schema is the derived one" "$logged" "$posted"
ID=$($PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["subjects"]["reg-out-value"][0])' "$SL_TMP/registry.json")
grep -q "sink \"reg_out\": schema registry $REG: subject \"reg-out-value\" has schema id $ID" "$SL_TMP/server.log" &&
    ok "the server logged the id" || notok "the server logged the id $ID"
expected=$(for i in $(seq 0 19); do
    ph=$([ $((i % 5)) -eq 0 ] && echo None || $PY -c "print(6 + $i / 8.0)")
    echo "0 $ID st$((i % 3)) $i $ph"; done)
got=$(timeout 60 $PY "$SL_TMP/clients.py" "$KAFKA_ADDR" consume reg-out 20 "$REG" 2>&1)
check "messages are magic 0 + id $ID + the rows in avro" "$expected" "$got"

# --- (2) registry down or refusing when the sink opens
DEAD_PORT=$(sl_free_port)
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SINK down_out TO KAFKA WITH (topic = 'down-out', format = 'avro',
          schema_registry = 'http://127.0.0.1:$DEAD_PORT', max_retries = 3, retry_backoff = '200 milliseconds')" \
    -c "CREATE QUERY q_down AS SELECT station, n, ph FROM jin INTO down_out" 2>&1)
check "create the query whose registry is down" "" "$out"
wait_for 30 '[ "$(query_field q_down 2)" = failed ]' || notok "q_down fails after its retries"
err=$(query_field q_down 11)
case $err in *"could not register the schema under subject \"down-out-value\" at schema registry http://127.0.0.1:$DEAD_PORT: "*)
    ok "q_down shows why: the registry is unreachable" ;;
    *) notok "q_down shows why: the registry is unreachable: $err" ;; esac
check "SHOW SINKS counted the retries" "3" "$(sink_field down_out 7)"
check "nothing was produced without a schema id" "0" "$(count down-out)"

out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SINK refused TO KAFKA WITH (topic = 'refuse-out', format = 'avro', schema_registry = '$REG')" \
    -c "CREATE QUERY q_refused AS SELECT station, n, ph FROM jin INTO refused" 2>&1)
# The sink is opened when the query starts: CREATE QUERY itself fails.
check "q_refused is not running" "" "$(query_field q_refused 2 | grep running)"
err="$out$(query_field q_refused 11)"
case $err in *'could not register the schema under subject "refuse-out-value" at schema registry '"$REG"': Invalid schema (error 42201)'*)
    ok "a refused schema fails the query with the registry's message" ;;
    *) notok "a refused schema fails the query with the registry's message: $err" ;; esac

LATE_PORT=$(sl_free_port)
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SINK late_out TO KAFKA WITH (topic = 'late-out', format = 'avro',
          schema_registry = 'http://127.0.0.1:$LATE_PORT', max_retries = 1000, retry_backoff = '100 milliseconds')" \
    -c "CREATE QUERY q_late AS SELECT station, n, ph FROM jin INTO late_out" 2>&1)
check "create the query whose registry comes later" "" "$out"
wait_for 20 '[ "$(sink_field late_out 7)" -ge 2 ] 2>/dev/null' || notok "late_out retries while the registry is down"
check "late_out: still running, nothing produced" "running 0" "$(query_field q_late 2) $(count late-out)"
reg_start "$LATE_PORT" || notok "the second stand-in starts"
wait_for 30 '[ "$(count late-out)" -ge 20 ]' || notok "20 messages in late-out"
got=$(timeout 60 $PY "$SL_TMP/clients.py" "$KAFKA_ADDR" consume late-out 20 "$REG" 2>&1)
check "late-out: the rows, framed with the same schema's id $ID" "$expected" "$got"

# --- (3) the source: writer schemas by id from the registry
cat >"$SL_TMP/v1.avsc" <<'EOF'
{"type": "record", "name": "reading", "fields": [
  {"name": "station", "type": "string"}, {"name": "n", "type": "long"},
  {"name": "ph", "type": ["null", "double"], "default": null}]}
EOF
cat >"$SL_TMP/v2.avsc" <<'EOF'
{"type": "record", "name": "reading", "fields": [
  {"name": "extra", "type": "string", "default": ""},
  {"name": "ph", "type": ["null", "double"], "default": null},
  {"name": "n", "type": "int"}, {"name": "station", "type": "string"}]}
EOF
V1=$($PY "$SL_TMP/clients.py" "$KAFKA_ADDR" register "$REG" reg-src-value "$SL_TMP/v1.avsc")
V2=$($PY "$SL_TMP/clients.py" "$KAFKA_ADDR" register "$REG" reg-src-value "$SL_TMP/v2.avsc")
[ -n "$V1" ] && [ -n "$V2" ] && [ "$V1" != "$V2" ] && ok "two writer schemas registered ($V1, $V2)" ||
    notok "two writer schemas registered: '$V1' '$V2'"
timeout 30 $PY "$SL_TMP/clients.py" "$KAFKA_ADDR" produce reg-src "$V1" "$SL_TMP/v1.avsc" 0 15 &&
    timeout 30 $PY "$SL_TMP/clients.py" "$KAFKA_ADDR" raw reg-src 000001869f0673743102 &&
    timeout 30 $PY "$SL_TMP/clients.py" "$KAFKA_ADDR" raw reg-src 0673743102 &&
    timeout 30 $PY "$SL_TMP/clients.py" "$KAFKA_ADDR" produce reg-src "$V2" "$SL_TMP/v2.avsc" 15 15 ||
    notok "python produced the source's messages"
: >"$SL_TMP/registry.log"
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SINK src_out TO KAFKA WITH (topic = 'reg-src-out', format = 'json')" \
    -c "CREATE SINK src_dead TO KAFKA WITH (topic = 'reg-src-dead', format = 'json')" \
    -c "CREATE SOURCE rs (station TEXT, n BIGINT, ph DOUBLE) FROM KAFKA
          WITH (topic = 'reg-src', format = 'avro', schema_registry = '$REG', dead_letter = 'src_dead')" \
    -c "CREATE QUERY q_src AS SELECT station, n, ph FROM rs INTO src_out" 2>&1)
check "create the registry source query" "" "$out"
wait_for 30 '[ "$(count reg-src-out)" -ge 30 ]' || notok "30 rows in reg-src-out"
# rows(): JSON messages on stdin as "station n ph" sorted by n (ph a float or None)
rows() {
    $PY -c '
import json, sys
for x in sorted((json.loads(l) for l in sys.stdin if l.strip()), key=lambda x: x["n"]):
    print(x["station"], x["n"], None if x["ph"] is None else float(x["ph"]))'
}
expected=$($PY -c '
for i in range(30):
    print("st%d" % (i % 3), i, None if i % 5 == 0 else 6 + i / 8.0)')
got=$(kafka_read reg-src-out | rows)
check "both writer schemas decoded into the declared columns" "$expected" "$got"
wait_for 10 '[ "$(query_field q_src 8)" = 2 ]'
check "q_src: rows_in, decode errors" "30|2" "$(query_field q_src 5)|$(query_field q_src 8)"
dead=$(kafka_read reg-src-dead)
case $dead in *'Schema 99999 not found (error 40403)'*'confluent avro header'*|*'confluent avro header'*'Schema 99999 not found (error 40403)'*)
    ok "the unknown id and the headerless message are dead-lettered with why" ;;
    *) notok "the unknown id and the headerless message are dead-lettered with why: $dead" ;; esac
check "each schema id was fetched once" "GET /schemas/ids/$V1
GET /schemas/ids/$V2
GET /schemas/ids/99999" "$(grep '^GET' "$SL_TMP/registry.log" | sort)"

# A source whose registry is down waits, and reads everything once it is up.
WAIT_PORT=$(sl_free_port)
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SINK wait_out TO KAFKA WITH (topic = 'reg-wait-out', format = 'json')" \
    -c "CREATE SOURCE rw (station TEXT, n BIGINT, ph DOUBLE) FROM KAFKA
          WITH (topic = 'reg-src', format = 'avro', schema_registry = 'http://127.0.0.1:$WAIT_PORT')" \
    -c "CREATE QUERY q_wait AS SELECT station, n, ph FROM rw INTO wait_out" 2>&1)
check "create the query whose source registry is down" "" "$out"
wait_for 20 "grep -q 'source \"rw\": could not fetch schema $V1 at schema registry http://127.0.0.1:$WAIT_PORT' '$SL_TMP/server.log'" ||
    notok "the source logs that the registry is unreachable"
sleep 1
check "q_wait: running, nothing read, no decode errors" "running|0|0" \
    "$(query_field q_wait 2)|$(query_field q_wait 5)|$(query_field q_wait 8)"
reg_start "$WAIT_PORT" || notok "the third stand-in starts"
wait_for 60 '[ "$(count reg-wait-out)" -ge 30 ]' || notok "30 rows in reg-wait-out"
check "q_wait: every row once after the registry came up" "$expected" "$(kafka_read reg-wait-out | rows)"

# A registry that refuses the source's credentials fails the query at the
# first message it has to ask about, rather than dead-lettering every
# message.  The writer schemas $V1 and $V2 are cached from q_src (the cache
# is the server's), so the 15 rows of $V1 come through and the unknown id
# 99999 is the first question: the query fails there, nothing dead-lettered.
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "CREATE SINK auth_out TO KAFKA WITH (topic = 'reg-auth-out', format = 'json')" \
    -c "CREATE SINK auth_dead TO KAFKA WITH (topic = 'reg-auth-dead', format = 'json')" \
    -c "CREATE SOURCE ra (station TEXT, n BIGINT, ph DOUBLE) FROM KAFKA
          WITH (topic = 'reg-src', format = 'avro', schema_registry = '$REG', dead_letter = 'auth_dead',
                schema_registry_user = 'intruder', schema_registry_password = 'x')" \
    -c "CREATE QUERY q_auth AS SELECT station, n, ph FROM ra INTO auth_out" 2>&1)
check "create the query whose registry refuses its credentials" "" "$out"
wait_for 20 '[ "$(query_field q_auth 2)" = failed ]' || notok "q_auth fails"
check "q_auth: failed after the 15 rows of the cached schema, no decode errors" "failed|15|0" \
    "$(query_field q_auth 2)|$(query_field q_auth 5)|$(query_field q_auth 8)"
case $(query_field q_auth 11) in
*'source "ra"'*'schema 99999'*'Unauthorized (error 40101)'*) ok "q_auth: the error names the source, the id and the registry's refusal" ;;
*) notok "q_auth: the error names the source, the id and the registry's refusal: $(query_field q_auth 11)" ;;
esac
wait_for 10 '[ "$(count reg-auth-out)" -ge 15 ]'
check "q_auth: nothing dead-lettered, 15 rows written" "0|15" "$(count reg-auth-dead)|$(count reg-auth-out)"
# Corrected credentials, a query on q_auth's consumer group: it goes on
# from the group's committed offsets (at-least-once: q_auth failed before
# committing, so its 15 rows may come again), every row at least once and
# the ones from the refused message on exactly once; the two bad messages
# are dead-lettered now.
out=$(sl_psql -q -v ON_ERROR_STOP=1 \
    -c "ALTER SOURCE ra SET (schema_registry_user = 'reader', group = 'sluice-q_auth')" \
    -c "CREATE QUERY q_auth2 AS SELECT station, n, ph FROM ra INTO auth_out" 2>&1)
check "correct the credentials, query again" "" "$out"
wait_for 30 '[ "$(count reg-auth-out)" -ge 30 ] && [ "$(query_field q_auth2 8)" = 2 ]' || notok "30 rows in reg-auth-out"
got=$(kafka_read reg-auth-out | rows)
check "q_auth then q_auth2: every row at least once" "$expected" "$(echo "$got" | uniq)"
check "q_auth then q_auth2: the rows from the refused message on exactly once" \
    "$(echo "$expected" | awk '$2 >= 15')" "$(echo "$got" | awk '$2 >= 15')"
check "q_auth2: decode errors, dead letters" "2|2" "$(query_field q_auth2 8)|$(count reg-auth-dead)"

sl_server_stop || notok "server stops"
exit $fail
