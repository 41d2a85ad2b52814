#!/bin/bash
# regress/scripts/crash_recovery.sh - checkpoints and crash recovery of a
# continuous query (issue 6): the same window query over the same Kafka
# topic on three servers, into a FILE sink each:
#
#   ref    runs uninterrupted: the reference (also checked against sqlite3
#          with regress/oracle/window_oracle.py);
#   crash  checkpoints every 500 ms and is killed with SIGKILL at random
#          moments, at least 3 times, while the readings arrive, and started
#          again on the same data directory each time;
#   clean  is stopped cleanly (SIGTERM) in the middle and started again.
#
# Then: every reference window is in crash's file with exactly the same
# text (values identical, not merely close); a window written more than
# once is only an identical rewrite (counted and printed); clean's file
# has no duplicate at all and equals the reference.
#
# The topic lives in the standalone broker (regress/kafka-broker), so it
# outlives the servers.  The fixture readings (make_xlsx.py's water.csv,
# 3000 rows over 100 minutes, 5 stations) are produced as JSON by Python's
# confluent-kafka at about 110 messages/s with the station as the key (one
# station, one partition: per-station order is the topic's order) and the
# event time as the message timestamp (the source merges its 4 partitions
# by it).  WATERMARK 5 MINUTES leaves 2-3 s of real time for partitions to
# be read unevenly.  After the readings, one reading per station a day
# later moves the watermark past every window (that day's windows stay
# open and are never written), so the end does not depend on idle_timeout
# (1 hour here: the clock plays no part).
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/scripts/kafka_common.sh"

fx=$SL_TMP/fixtures
/usr/bin/python3 "$SL_SRCDIR/regress/fixtures/make_xlsx.py" "$fx" >/dev/null || { echo "not ok - fixtures"; exit 1; }
kafka_broker_start water:4 || { echo "not ok - broker starts"; exit 1; }

# ---- servers: started by hand (three at once), each with its own log ----

. "$SL_SRCDIR/regress/lib/servers.sh"
cleanup() {
    local rc=$?
    srv__cleanup
    if [ -n "${PRODUCER:-}" ]; then kill "$PRODUCER" 2>/dev/null; fi
    (exit $rc)
    kafka__cleanup
    sl__cleanup
}
trap cleanup EXIT

AGGS=$ORACLE_AGGS
field() { q "$1" -F'|' -c 'SHOW QUERIES' | awk -F'|' -v c="$2" '$1 == "per_station" { print $c }'; }

setup() { # setup NAME: source (own consumer group), FILE sink, the query
    q "$1" <<SQL
CREATE SOURCE readings (ts TIMESTAMP, station TEXT, ph DOUBLE, turbidity DOUBLE, temperature DOUBLE,
                        dissolved_oxygen DOUBLE, conductivity BIGINT)
  FROM KAFKA WITH (brokers = '$KAFKA_ADDR', topic = 'water', format = 'json', group = 'crash-test-$1',
                   idle_timeout = '1 hour')
  EVENT TIME ts WATERMARK 5 MINUTES;
CREATE SINK windows TO FILE WITH (path = 'windows.jsonl', batch_rows = 5, flush_interval = '100 milliseconds');
CREATE QUERY per_station AS SELECT $AGGS FROM readings WINDOW TUMBLING (1 MINUTE) GROUP BY station INTO windows;
SQL
}

srv_start ref || exit 1
srv_start crash -c checkpoint_interval=500ms || exit 1
srv_start clean || exit 1
for n in ref crash clean; do
    check "$n: source, sink and query created" "" "$(setup $n 2>&1)"
done

# ---- the producer ----

start_s=$SECONDS
/usr/bin/python3 "$SL_SRCDIR/regress/lib/produce_water.py" "$KAFKA_ADDR" "$fx/water.csv" 110 >"$SL_TMP/produced" 2>"$SL_TMP/produce.err" &
PRODUCER=$!

# ---- crash: SIGKILL at random moments while the readings arrive ----

kills=0
clean_stopped=0
while kill -0 "$PRODUCER" 2>/dev/null; do
    sleep "$((2 + RANDOM % 4)).$((RANDOM % 10))"
    kill -0 "$PRODUCER" 2>/dev/null || break
    srv_kill crash
    kills=$((kills + 1))
    srv_start crash -c checkpoint_interval=500ms || { notok "crash restarts after kill $kills"; break; }
    if [ "$clean_stopped" -eq 0 ] && [ $((SECONDS - start_s)) -ge 10 ]; then
        srv_stop clean || notok "clean stops with status 0"
        srv_start clean || notok "clean starts again"
        clean_stopped=1
    fi
done
wait "$PRODUCER"
check "3000 readings produced" "3000" "$(cat "$SL_TMP/produced")"
PRODUCER=
if [ "$kills" -ge 3 ]; then ok "crash killed $kills times during the run"; else notok "crash killed only $kills times"; fi
check "clean stopped and restarted mid-run" "1" "$clean_stopped"

# 500 windows = 100 minutes x 5 stations; crash may hold rewrites.
windows() { [ -f "$SL_TMP/$1/files/windows.jsonl" ] && cut -d, -f1,3 "$SL_TMP/$1/files/windows.jsonl" | sort -u | wc -l || echo 0; }
for n in ref crash clean; do
    wait_until 30 "[ \"\$(windows $n)\" -ge 500 ]" || notok "$n: 500 windows written (got $(windows $n))"
done
sleep 1 # a rewrite still in flight would show now

check "crash resumed from a checkpoint after each kill" "$kills" \
    "$(grep -c 'query "per_station" resumed from checkpoint' "$SL_TMP/crash.log")"
check "clean resumed from its shutdown checkpoint" "1" \
    "$(grep -c 'query "per_station" resumed from checkpoint' "$SL_TMP/clean.log")"
for n in ref crash clean; do
    check "$n: no late rows, no errors" "0|0" "$(field $n 7)|$(field $n 8)"
done

# ---- compare ----

cat >"$SL_TMP/compare.py" <<'PY'
import json, sys
ref_path, got_path, allow_dups = sys.argv[1], sys.argv[2], sys.argv[3] == "dups"
def lines(path):
    out = []
    for i, line in enumerate(open(path)):
        o = json.loads(line)  # a torn line fails here
        out.append(((o["window_start"], o["station"]), line.rstrip("\n")))
    return out
ref = {}
for k, text in lines(ref_path):
    if k in ref:
        print("reference has window %s twice" % (k,)); sys.exit(1)
    ref[k] = text
seen, dups, bad = {}, 0, 0
for k, text in lines(got_path):
    if k not in ref:
        print("unexpected window", k); bad += 1; continue
    if text != ref[k]:
        print("window %s differs:\n  got %s\n  ref %s" % (k, text, ref[k])); bad += 1
    if k in seen:
        dups += 1
    seen[k] = text
missing = [k for k in ref if k not in seen]
for k in missing[:10]:
    print("missing window", k)
print("windows compared: %d, missing: %d, different: %d, duplicates rewritten: %d" % (len(ref), len(missing), bad, dups))
sys.exit(0 if not missing and not bad and (allow_dups or dups == 0) else 1)
PY
out=$(/usr/bin/python3 "$SL_TMP/compare.py" "$SL_TMP/ref/files/windows.jsonl" "$SL_TMP/crash/files/windows.jsonl" dups 2>&1)
rc=$?
echo "# crash: kills survived: $kills; $(echo "$out" | tail -1)"
[ $rc -eq 0 ] && ok "crash: every window present, identical; duplicates only identical rewrites" ||
    { notok "crash equals the uninterrupted run"; echo "$out" | head -30; }
out=$(/usr/bin/python3 "$SL_TMP/compare.py" "$SL_TMP/ref/files/windows.jsonl" "$SL_TMP/clean/files/windows.jsonl" nodups 2>&1)
rc=$?
echo "# clean: $(echo "$out" | tail -1)"
[ $rc -eq 0 ] && ok "clean shutdown and restart: no duplicate window, equal to the uninterrupted run" ||
    { notok "clean equals the uninterrupted run without duplicates"; echo "$out" | head -30; }
out=$(/usr/bin/python3 "$SL_SRCDIR/regress/oracle/window_oracle.py" "$fx/water.csv" "$SL_TMP/ref/files/windows.jsonl" tumbling 60 2>&1)
rc=$?
echo "# oracle: $(echo "$out" | tail -1)"
[ $rc -eq 0 ] && ok "reference equals sqlite3's windows" || { notok "reference equals sqlite3's windows"; echo "$out" | head -20; }

# ---- DROP QUERY deletes the checkpoint; a new query starts without one ----

q crash -c "DROP QUERY per_station" >/dev/null
check "DROP QUERY deletes the checkpoint" "0" "$(sqlite3 "$SL_TMP/crash/catalog.db" 'SELECT count(*) FROM checkpoints' 2>&1)"

# ---- a paused query stays paused across a restart ----

q ref -c "PAUSE QUERY per_station" >/dev/null
srv_stop ref || notok "ref stops with status 0"
srv_start ref || exit 1
wait_until 5 '[ "$(field ref 2)" = paused ]'
check "a paused query stays paused after a restart" "paused" "$(field ref 2)"
check "... and resumed from its checkpoint" "1" "$(grep -c 'query "per_station" resumed from checkpoint' "$SL_TMP/ref.log")"

# ---- a corrupt checkpoint: the query fails with an error naming it ----

srv_stop clean || notok "clean stops with status 0"
sqlite3 "$SL_TMP/clean/catalog.db" "UPDATE checkpoints SET state = substr(state, 1, length(state) / 2)"
srv_start clean || exit 1
wait_until 10 '[ "$(field clean 2)" = failed ]'
out="$(field clean 2)|$(field clean 11)"
if echo "$out" | grep -Eq '^failed\|checkpoint [0-9]+ of query "per_station" is unusable: window state is corrupt: [a-z ]+$'; then
    ok "a corrupt checkpoint fails its query (error naming it), not the server"
else
    notok "a corrupt checkpoint fails its query"; echo "$out"
fi

for n in ref crash clean; do srv_stop $n || notok "$n stops with status 0"; done
kafka_broker_stop || notok "broker stops"
echo "# took $((SECONDS - start_s)) s after the producer started"
exit $fail
