#!/bin/bash
# regress/scripts/checkpoint_delta.sh - a large window state is not
# rewritten whole at every checkpoint (issue 14): after the first
# checkpoint holds it whole, a checkpoint after a few rows adds a delta
# of the groups they touched, a small fraction of the whole; a restart
# after SIGKILL restores base + deltas and the results stay exact.
#
# A FILE source followed like tail -F: 20000 stations' readings in one
# day-long window (20000 groups), then a trickle for one station; the
# window closes when a reading of the next day arrives.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/lib/check.sh"
sl_server_start -c checkpoint_interval=200ms || exit 1
fail=0
data=$SL_DATADIR/files/readings.jsonl
/usr/bin/python3 - "$data" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(20000):
        # in event-time order (a reading behind the watermark is late), 10 a second
        f.write('{"ts": "2026-01-01 00:%02d:%02d.%d", "station": "s%05d", "ph": 7}\n' % (i // 600, i // 10 % 60, i % 10, i))
PY
out=$(sl_psql -q <<'SQL' 2>&1
CREATE SOURCE readings (ts TIMESTAMP, station TEXT, ph DOUBLE)
  FROM FILE WITH (path = 'readings.jsonl', follow = true) EVENT TIME ts;
CREATE SINK days TO FILE WITH (path = 'days.jsonl', batch_rows = 5000, flush_interval = '100 milliseconds');
CREATE QUERY per_day AS SELECT station, count(*) AS n, sum(ph) AS ph
  FROM readings WINDOW TUMBLING (1 DAY) GROUP BY station INTO days;
SQL
)
check "query created" "" "$out"

db=$SL_DATADIR/catalog.db
rows_in() { sl_psql -At -F'|' -c 'SHOW QUERIES' | awk -F'|' '$1 == "per_day" { print $5 }'; }
base_len() { sqlite3 "file:$db?mode=ro" "SELECT coalesce((SELECT length(state) FROM checkpoints WHERE query = 'per_day'), 0)" 2>/dev/null || echo 0; }
deltas() { sqlite3 "file:$db?mode=ro" "SELECT count(*) || '|' || coalesce(max(length(state)), 0) FROM checkpoint_deltas WHERE query = 'per_day'" 2>/dev/null; }

wait_until 30 '[ "$(rows_in)" = 20000 ] && [ "$(base_len)" -gt 100000 ]' || { echo "not ok - 20000 rows read and checkpointed (rows $(rows_in), state $(base_len) bytes)"; fail=1; }
base=$(base_len)
echo "# whole window state: $base bytes"

# A trickle: 6 readings of one station, in two appends, each followed by a checkpoint.
for k in 1 2; do
    for j in 1 2 3; do echo '{"ts": "2026-01-01 12:00:00", "station": "s00042", "ph": 8}'; done >>"$data"
    wait_until 30 "[ \"\$(deltas | cut -d'|' -f1)\" -ge $k ]" || { echo "not ok - delta $k saved ($(deltas))"; fail=1; }
done
d=$(deltas)
echo "# deltas: ${d%%|*}, the largest ${d##*|} bytes"
if [ "${d%%|*}" -ge 2 ] && [ "${d##*|}" -lt $((base / 100)) ]; then
    echo "ok - each delta is under 1% of the whole state"
else
    echo "not ok - deltas $d against a whole state of $base bytes"; fail=1
fi
check "the whole state was not rewritten" "$base" "$(base_len)"

# SIGKILL, then the restart restores base + deltas and goes on.
sl_server_kill
sl_server_start -c checkpoint_interval=200ms || { echo "not ok - restart"; exit 1; }
if grep -q 'query "per_day" resumed from checkpoint' "$SL_TMP/server.log"; then
    echo "ok - resumed from the checkpoint with its deltas"
else
    echo "not ok - no resume in the log"; fail=1
fi
echo '{"ts": "2026-01-01 13:00:00", "station": "s00042", "ph": 8}' >>"$data"
echo '{"ts": "2026-01-03 00:00:00", "station": "s00001", "ph": 7}' >>"$data"
sink=$SL_DATADIR/files/days.jsonl
wait_until 30 "[ -f '$sink' ] && [ \"\$(wc -l <'$sink')\" -ge 20000 ]" || { echo "not ok - the day's 20000 groups written"; fail=1; }
check "the day's window: 20000 groups, once each" "20000|20000" "$(wc -l <"$sink")|$(cut -d, -f1 "$sink" | sort -u | wc -l)"
check "the station with the trickle: 1 + 7 readings, none lost or counted twice" \
    '"n":8,"ph":63' "$(grep '"station":"s00042"' "$sink" | grep -o '"n":[0-9]*,"ph":[0-9.]*')"
check "another station: 1 reading" '"n":1,"ph":7' "$(grep '"station":"s00043"' "$sink" | grep -o '"n":[0-9]*,"ph":[0-9.]*')"
sl_server_stop || fail=1
exit $fail
