#!/bin/bash
# regress/scripts/disk_full.sh - full disk and unwritable directory under
# the FILE and AVRO sinks (issue 6, "Faults"): the query fails visibly with
# the OS error or waits for space, nothing the sink confirmed is silently
# lost, and after the condition is fixed the query is resumed and its rows
# are complete.
#
# Conditions, all real (no fault injection in sluiced):
#   - Disk full = a small tmpfs, ENOSPC "No space left on device".  It is
#     mounted without touching the host: a holder process gets its own
#     mount namespace (`unshare -m`, and `-r` as a user namespace when not
#     root, which Debian allows unprivileged), mounts two 8 MB tmpfs there
#     ($SL_TMP/full1, full2), and sluiced is started inside that namespace
#     (`nsenter -t HOLDER -m`), so the mounts outlive a server restart and
#     vanish with the holder.  Each tmpfs is filled with a `filler` file
#     leaving less room than the query's output; deleting the filler (seen
#     from outside through /proc/HOLDER/root) frees the space.
#   - Unwritable directory = the AVRO sink's directory replaced by a plain
#     file while the query runs: ENOTDIR "Not a directory" (chmod does not
#     stop root, and chattr +i needs a file system that has it: ENOTDIR
#     works as any user on any file system).
#
# 1. FILE sink, disk full: the FILE sink treats a failed write as permanent
#    (SL_ERROR; it cuts the partial batch off again).  Checked: the query
#    is `failed` in SHOW QUERIES with "No space left on device" and the
#    path; SHOW SINKS says failed with the same last_error; the file holds
#    exactly the rows the sink confirmed (SHOW SINKS rows), whole lines,
#    and they are the reference's first rows in order.
# 2. AVRO sink, disk full: ENOSPC is transient (SL_RETRY).  Checked: the
#    query stays `running`, SHOW SINKS `retrying` with retries growing and
#    "No space left on device" in last_error, the query reads nothing; after
#    the filler is deleted the query finishes by itself and the archive
#    (read with Python's avro) holds every reference row exactly once.
# 3. AVRO sink, directory replaced by a file mid-run (rate-limited source,
#    rotate = 4kB so files are started and renamed all the time): the query
#    fails with the OS error and the path: "Not a directory" when a new
#    file is created or the directory is synced after a rename, "No such
#    file or directory" when the open file is renamed into place in the
#    moment between the move and the new file.
#    Every row the sink confirmed is in the moved archive (complete files +
#    the complete blocks of the temporary file, recovered after the
#    restart), or, for rows it had taken into its block buffer but could
#    not write any more, the server log says so (the sink's close warns).
# Resume: RESUME QUERY on a failed query is refused (55000, "Drop it and
# create it again"), and the test checks that.  What resumes a failed query
# is a server restart: its catalog state is still `running`, so it starts
# again (from its source's start until checkpoints land: rows before the
# failure come again).  After the fix (filler deleted, directory put back)
# and a restart both failed queries finish, and every reference row is in
# the FILE sink's file and in the AVRO archive (the leftover temporary
# file recovered at open); rows written twice are counted and printed,
# and only rows written before the failure may be there twice.
# The reference copies are FILE sinks on the normal disk fed by the same
# GENERATOR options.  Every wait is bounded (about 30 s in all).
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/lib/check.sh"
PY=/usr/bin/python3
REAL_SLUICED=$SLUICED
HOLDER_PID=

df__cleanup() {
    local rc=$?
    if [ -n "$HOLDER_PID" ]; then kill -KILL "$HOLDER_PID" 2>/dev/null; wait "$HOLDER_PID" 2>/dev/null; fi
    return $rc
}
# the server goes first (it runs inside the holder's namespace)
trap 'sl__cleanup_server; df__cleanup; sl__cleanup' EXIT
sl__cleanup_server() {
    local rc=$?
    if [ -n "${SL_PID:-}" ] && kill -0 "$SL_PID" 2>/dev/null; then
        kill -TERM "$SL_PID" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$SL_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SL_PID" 2>/dev/null
    fi
    return $rc
}
wait_query() { sl_psql -At -c "SELECT wait_query('$1', ${2:-60})" 2>&1; }
sql() { sl_psql -q -v ON_ERROR_STOP=1 2>&1; } # sql <<SQL

# --- the full file systems ----------------------------------------------------
FULL1=$SL_TMP/full1
FULL2=$SL_TMP/full2
mkdir -p "$FULL1" "$FULL2"
if [ "$(id -u)" = 0 ]; then U=() NSU=(); else U=(-r) NSU=(-U --preserve-credentials); fi
unshare "${U[@]}" -m --propagation private sh -c '
    mount -t tmpfs -o size=8m tmpfs "$1" && mount -t tmpfs -o size=8m tmpfs "$2" &&
    head -c 7340032 /dev/zero >"$1/filler" && head -c 7864320 /dev/zero >"$2/filler" &&
    echo ready && exec sleep 600' sh "$FULL1" "$FULL2" >"$SL_TMP/holder.out" 2>&1 &
HOLDER_PID=$!
if ! wait_until 10 'grep -q ready "$SL_TMP/holder.out"'; then
    echo "not ok - a private mount namespace with a tmpfs (unshare ${U[*]} -m): $(cat "$SL_TMP/holder.out")"
    exit 1
fi
# The same directories as sluiced sees them.
F1=/proc/$HOLDER_PID/root$FULL1
F2=/proc/$HOLDER_PID/root$FULL2
free_kb() { echo $(($(stat -f -c '%a * %S' "$1") / 1024)); } # statfs of the path itself (df looks up the host's mounts)
check "two 8 MB tmpfs in a private mount namespace ($([ ${#U[@]} = 0 ] && echo as root || echo in a user namespace))" "tmpfs tmpfs" "$(stat -f -c %T "$F1") $(stat -f -c %T "$F2")"
echo "# free: $(free_kb "$F1") kB and $(free_kb "$F2") kB"
cat >"$SL_TMP/sluiced-ns" <<EOF
#!/bin/sh
exec nsenter -t $HOLDER_PID ${NSU[*]} -m -- "$REAL_SLUICED" "\$@"
EOF
chmod +x "$SL_TMP/sluiced-ns"
SLUICED=$SL_TMP/sluiced-ns
sl_server_start -c "file_roots=files,$FULL1,$FULL2" || { echo "not ok - sluiced did not start in the namespace"; exit 1; }

out=$(sql <<SQL
CREATE SOURCE gen FROM GENERATOR WITH (rows = 40000, stations = 10, seed = 5);
CREATE SOURCE slow FROM GENERATOR WITH (rows = 20000, rate = 2000, stations = 10, seed = 5);
CREATE SINK ref TO FILE WITH (path = 'ref.jsonl');
CREATE SINK ref_slow TO FILE WITH (path = 'ref_slow.jsonl');
CREATE QUERY q_ref AS SELECT ts, station, ph FROM gen INTO ref;
CREATE QUERY q_ref_slow AS SELECT ts, station, ph FROM slow INTO ref_slow;
SQL
)
check "set up the reference copies" "" "$out"

# --- 1. FILE sink, disk full: fails visibly ------------------------------------
out=$(sql <<SQL
CREATE SINK full_file TO FILE WITH (path = '$FULL1/rows.jsonl');
CREATE QUERY q_file AS SELECT ts, station, ph FROM gen INTO full_file;
SQL
)
check "1. FILE sink on the full tmpfs: query created" "" "$out"
check "1. the query fails" "failed" "$(wait_query q_file 30)"
err=$(query_field q_file 11)
case "$err" in
*"$FULL1/rows.jsonl"*"No space left on device"*) ok "1. SHOW QUERIES error has the path and the OS error: $err" ;;
*) notok "1. SHOW QUERIES error has the path and the OS error: $err" ;;
esac
check "1. SHOW SINKS: failed" "failed" "$(sink_field full_file 4)"
check "1. SHOW SINKS last_error is the query's error" "$err" "$(sink_field full_file 8)"
check "q_ref finishes" "finished" "$(wait_query q_ref 30)"
confirmed=$(sink_field full_file 5)
res=$($PY - "$F1/rows.jsonl" "$SL_DATADIR/files/ref.jsonl" "$confirmed" <<'PYEOF'
import json, sys
raw = open(sys.argv[1], "rb").read()
lines = raw.split(b"\n")
whole = raw.endswith(b"\n") or raw == b""
rows = [json.loads(l) for l in lines if l]
ref = [json.loads(l) for l in open(sys.argv[2])]
n = int(sys.argv[3])
print("%d rows in the file, %d confirmed, %d in the reference, %s" % (len(rows), n, len(ref),
      "ok" if whole and len(rows) == n and 0 < n < len(ref) and rows == ref[:n] else "MISMATCH"))
PYEOF
)
case "$res" in
*", ok") ok "1. nothing silently lost: $res (whole lines, the reference's first rows)" ;;
*) notok "1. nothing silently lost: $res" ;;
esac
file_before=$confirmed

# --- 2. AVRO sink, disk full: waits for space ----------------------------------
out=$(sql <<SQL
CREATE SINK full_avro TO AVRO WITH (path = '$FULL2/archive', codec = 'null', rotate = '1MB',
  retry_backoff = '50 milliseconds', max_retries = 1000);
CREATE QUERY q_avro AS SELECT ts, station, ph FROM gen INTO full_avro;
SQL
)
check "2. AVRO sink on the full tmpfs: query created" "" "$out"
wait_until 20 '[ "$(sink_field full_avro 4)" = retrying ]' && ok "2. SHOW SINKS: retrying" ||
    notok "2. SHOW SINKS: retrying ($(sink_field full_avro 4))"
r1=$(sink_field full_avro 7)
in1=$(query_field q_avro 5)
sleep 3
check "2. the query waits: running" "running" "$(query_field q_avro 2)"
check "2. the query reads nothing while the disk is full" "$in1" "$(query_field q_avro 5)"
r2=$(sink_field full_avro 7)
[ "${r2:-0}" -gt "${r1:-0}" ] && ok "2. retries growing ($r1, then $r2)" || notok "2. retries growing (${r1:-?}, then ${r2:-?})"
e=$(sink_field full_avro 8)
case "$e" in *"$FULL2/archive/"*"No space left on device"*) ok "2. last_error: $e" ;;
*) notok "2. last_error has the path and the OS error: $e" ;; esac
rm -f "$F2/filler"
check "2. space freed: the query finishes by itself" "finished" "$(wait_query q_avro 60)"
check "2. SHOW SINKS: ok" "ok" "$(sink_field full_avro 4)"
# avro_rows DIR...: every record of DIR/*.avro as a JSON line (ts as ISO text)
avro_rows() {
    $PY - "$@" <<'PYEOF'
import glob, json, os, sys, datetime as dt
from avro.datafile import DataFileReader
from avro.io import DatumReader
for d in sys.argv[1:]:
    for f in sorted(glob.glob(os.path.join(d, "*.avro"))):
        with DataFileReader(open(f, "rb"), DatumReader()) as r:
            for rec in r:
                ts = rec["ts"].astimezone(dt.timezone.utc).replace(tzinfo=None)
                print(json.dumps([ts.isoformat(), rec["station"], rec["ph"]]))
PYEOF
}
# compare ROWS REF: "N rows, D distinct, M missing, X unexpected, P written twice"
compare() {
    $PY - "$1" "$2" <<'PYEOF'
import collections, json, sys, datetime as dt
def key(o):
    if isinstance(o, dict):
        t = dt.datetime.fromisoformat(o["ts"].replace("Z", "+00:00")).replace(tzinfo=None)
        return (t.isoformat(), o["station"], o["ph"])
    return tuple(o)
got = collections.Counter(key(json.loads(l)) for l in open(sys.argv[1]) if l.strip())
ref = [key(json.loads(l)) for l in open(sys.argv[2])]
missing = len(set(ref) - set(got))
extra = len(set(got) - set(ref))
twice = sum(n - 1 for n in got.values())
print("%d rows, %d distinct, %d missing, %d unexpected, %d written twice, reference %d" % (
    sum(got.values()), len(got), missing, extra, twice, len(ref)))
PYEOF
}
avro_rows "$F2/archive" >"$SL_TMP/avro2.jsonl"
res=$(compare "$SL_TMP/avro2.jsonl" "$SL_DATADIR/files/ref.jsonl")
case "$res" in
"40000 rows, 40000 distinct, 0 missing, 0 unexpected, 0 written twice, reference 40000") ok "2. archive complete, each row once: $res" ;;
*) notok "2. archive complete, each row once: $res" ;;
esac
tmps() { find "$1" -maxdepth 1 -name '.*.tmp' | wc -l; } # tmps DIR: temporary files of the AVRO sink
check "2. no temporary file left" "0" "$(tmps "$F2/archive")"

# --- 3. AVRO sink, directory replaced by a file: fails visibly -----------------
out=$(sql <<SQL
CREATE SINK gone_avro TO AVRO WITH (path = 'arch3', codec = 'null', rotate = '4kB');
CREATE QUERY q_gone AS SELECT ts, station, ph FROM slow INTO gone_avro;
SQL
)
check "3. AVRO sink into arch3: query created" "" "$out"
sleep 2
# The sink may look between the mv and the new file: then the directory
# is simply gone (ENOENT on "arch3" itself), also an error with the path.
mv "$SL_DATADIR/files/arch3" "$SL_DATADIR/files/arch3.away"
: >"$SL_DATADIR/files/arch3"
check "3. directory replaced by a file: the query fails" "failed" "$(wait_query q_gone 30)"
err3=$(query_field q_gone 11)
case "$err3" in
*"\"$SL_DATADIR/files/arch3"*": Not a directory" | *"\"$SL_DATADIR/files/arch3"*": No such file or directory") ok "3. SHOW QUERIES error has the path and the OS error: $err3" ;;
*) notok "3. SHOW QUERIES error has the path and the OS error: $err3" ;;
esac
check "3. SHOW SINKS: failed" "failed" "$(sink_field gone_avro 4)"
confirmed3=$(sink_field gone_avro 5)
n3=$(avro_rows "$SL_DATADIR/files/arch3.away" | wc -l)
ntmp=$(tmps "$SL_DATADIR/files/arch3.away")
echo "# 3. at the failure: sink confirmed $confirmed3 rows; $n3 rows in complete files, $ntmp temporary file(s)"
# --- resume ---------------------------------------------------------------------
out=$(sl_psql -c "RESUME QUERY q_file" 2>&1)
case "$out" in
*'cannot resume query "q_file" because it has failed'*'Drop it and create it again'*)
    ok "RESUME QUERY of a failed query is refused with a hint" ;;
*) notok "RESUME QUERY of a failed query: $out" ;;
esac
check "q_ref_slow finishes" "finished" "$(wait_query q_ref_slow 30)"
# the fix: space on full1, the directory back
rm -f "$F1/filler"
rm -f "$SL_DATADIR/files/arch3"
mv "$SL_DATADIR/files/arch3.away" "$SL_DATADIR/files/arch3"
sl_server_stop || notok "sluiced stops cleanly"
sl_server_start -c "file_roots=files,$FULL1,$FULL2" || { echo "not ok - sluiced restarts"; exit 1; }
check "after the fix and a restart: q_file runs again and finishes" "finished" "$(wait_query q_file 60)"
check "after the fix and a restart: q_gone runs again and finishes" "finished" "$(wait_query q_gone 60)"
check "q_avro stays finished (not run again)" "finished" "$(query_field q_avro 2)"
res=$(compare "$F1/rows.jsonl" "$SL_DATADIR/files/ref.jsonl")
case "$res" in
*" 0 missing, 0 unexpected, "*) t=${res#*unexpected, }; t=${t%% written*}
    [ "$t" -le "$file_before" ] && ok "FILE sink resumed: every row there: $res (at most the $file_before rows before the failure twice)" ||
        notok "FILE sink resumed: $res (more than the $file_before rows before the failure twice)" ;;
*) notok "FILE sink resumed: every row there: $res" ;;
esac
rec=$(sed -n 's/.*sink "gone_avro": recovered \([0-9]*\) record(s) of .*/\1/p' "$SL_TMP/server.log" | awk '{ n += $1 } END { print n + 0 }')
before3=$((n3 + rec))
echo "# 3. after the restart: $rec row(s) recovered from the temporary file: $before3 rows were in the archive before the restart"
if [ "$before3" -ge "$confirmed3" ]; then
    ok "3. every row the sink confirmed ($confirmed3) was in the archive ($before3)"
elif grep -q 'WARNING:  sink "gone_avro": could not' "$SL_TMP/server.log"; then
    ok "3. rows confirmed but still buffered at the failure ($((confirmed3 - before3))) were reported in the log"
else
    notok "3. $((confirmed3 - before3)) confirmed rows missing from the archive without a log message"
fi
avro_rows "$SL_DATADIR/files/arch3" >"$SL_TMP/avro3.jsonl"
res=$(compare "$SL_TMP/avro3.jsonl" "$SL_DATADIR/files/ref_slow.jsonl")
case "$res" in
*" 0 missing, 0 unexpected, "*) t=${res#*unexpected, }; t=${t%% written*}
    [ "$t" -le "$before3" ] && ok "AVRO sink resumed: every row there: $res (at most the $before3 rows archived before the restart twice)" ||
        notok "AVRO sink resumed: $res (more than the $before3 rows archived before the restart twice)" ;;
*) notok "AVRO sink resumed: every row there: $res" ;;
esac

sl_server_stop || notok "sluiced stops cleanly"
exit $fail
