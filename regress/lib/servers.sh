# regress/lib/servers.sh - several servers in one script test (sourced after
# regress/lib/server.sh; not a test itself), for the crash tests that run a
# reference server next to one they kill.
#
#   srv_start NAME [sluiced args]   starts sluiced on $SL_TMP/NAME (created),
#                                   a free port (retried when taken); PORT[NAME], PID[NAME]
#   srv_kill NAME                   SIGKILL, reaped
#   srv_stop NAME                   SIGTERM; fails unless it exits with status 0
#   q NAME psql-args...             psql against server NAME (-q -At, ON_ERROR_STOP)
#   srv__cleanup                    SIGKILL to every server still running (for the EXIT trap)
#   ORACLE_AGGS                     the window aggregates regress/oracle/window_oracle.py checks

declare -A PORT PID
srv_start() {
    local name=$1
    shift
    mkdir -p "$SL_TMP/$name"
    for _ in 1 2 3 4 5; do
        PORT[$name]=$(sl_free_port)
        "$SLUICED" -D "$SL_TMP/$name" -p "${PORT[$name]}" -k "$SL_TMP/$name" -c http_port=0 "$@" >>"$SL_TMP/$name.log" 2>&1 &
        PID[$name]=$!
        for _ in $(seq 100); do
            kill -0 "${PID[$name]}" 2>/dev/null || break
            [ -S "$SL_TMP/$name/.s.PGSQL.${PORT[$name]}" ] && { sl_bootstrap_role "$SL_TMP/$name" "${PORT[$name]}"; return; }
            sleep 0.05
        done
        kill -0 "${PID[$name]}" 2>/dev/null && { echo "sluiced $name did not start" >&2; return 1; }
        grep -q "in use" "$SL_TMP/$name.log" || { cat "$SL_TMP/$name.log" >&2; return 1; }
    done
    return 1
}
srv_kill() { kill -KILL "${PID[$1]}"; wait "${PID[$1]}" 2>/dev/null; PID[$1]=; }
srv_stop() {
    local rc
    kill -TERM "${PID[$1]}"; wait "${PID[$1]}"; rc=$?; PID[$1]=
    [ "$rc" -eq 0 ] || { echo "sluiced $1 exited with status $rc" >&2; tail -20 "$SL_TMP/$1.log" >&2; return 1; }
}
q() {
    local name=$1
    shift
    PGCONNECT_TIMEOUT=5 psql -X -q -At -h 127.0.0.1 -p "${PORT[$name]}" -U sluice -d sluice -v ON_ERROR_STOP=1 "$@"
}
srv__cleanup() {
    for n in "${!PID[@]}"; do
        if [ -n "${PID[$n]}" ]; then kill -KILL "${PID[$n]}" 2>/dev/null; fi
    done
}

# One line, so that each query is one line of SHOW QUERIES.
ORACLE_AGGS="window_start, window_end, station, count(*) AS n, count(ph) AS n_ph, \
count(DISTINCT conductivity) AS nd_cond, sum(conductivity) AS sum_cond, sum(ph) AS sum_ph, \
avg(ph) AS avg_ph, min(ph) AS min_ph, max(ph) AS max_ph, min(ts) AS min_ts, max(turbidity) AS max_turb, \
stddev(turbidity) AS sd_t, stddev_pop(turbidity) AS sdp_t, variance(temperature) AS var_temp, \
var_pop(temperature) AS varp_temp, first(ph) AS first_ph, last(ph) AS last_ph"
