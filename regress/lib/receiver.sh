# regress/lib/receiver.sh - webhook receivers (regress/scripts/webhook_receiver.py)
# for the script tests; sourced after regress/lib/server.sh and check.sh
# (not a test itself).
#
#   receiver_start NAME [PORT]   a receiver logging every request to
#                                $SL_TMP/NAME.jsonl; sets RECV_PORT
#   receivers_stop               stops them all (keeps $?, for an EXIT trap:
#                                trap 'receivers_stop; sl__cleanup' EXIT)
RECEIVER="$SL_SRCDIR/regress/scripts/webhook_receiver.py"
RECV_PIDS=()

receivers_stop() {
    rc=$?
    for p in "${RECV_PIDS[@]}"; do
        kill -TERM "$p" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
    done
    return $rc
}

receiver_start() {
    local pf="$SL_TMP/$1.port"
    rm -f "$pf"
    /usr/bin/python3 "$RECEIVER" --log "$SL_TMP/$1.jsonl" --port "${2:-0}" --port-file "$pf" 2>"$SL_TMP/$1.log" &
    RECV_PIDS+=($!)
    wait_until 10 '[ -s "$pf" ]' || { echo "receiver $1 did not start" >&2; cat "$SL_TMP/$1.log" >&2; return 1; }
    RECV_PORT=$(cat "$pf")
}
