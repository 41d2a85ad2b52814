# regress/lib/influxd.sh - a throw-away InfluxDB 1.x server (Debian's
# influxd, package influxdb) for the INFLUXDB sink's tests and benchmark.
# Source it after regress/lib/server.sh (it needs SL_TMP and sl_free_port).
#
#   influxd_start      starts influxd on 127.0.0.1 with its config, meta, data
#                      and WAL under $SL_TMP/influxd (or $INFLUX_DIR), waits
#                      until /ping answers; sets INFLUX_URL INFLUX_PORT
#                      INFLUX_PID.  Called again after influxd_stop it reuses
#                      the same port and data (a restart).
#   influxd_stop       SIGTERM by PID, waits (10 s, then SIGKILL)
#   influx_q 'Q' [DB]  runs InfluxQL through POST /query (epoch=u), prints the JSON
# Everything listens on 127.0.0.1 only; every wait is bounded.

INFLUXD=${INFLUXD:-/usr/bin/influxd}
INFLUX_PID=

influxd__cleanup() {
    rc=$?
    if [ -n "${INFLUX_PID:-}" ] && kill -0 "$INFLUX_PID" 2>/dev/null; then
        kill -TERM "$INFLUX_PID" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$INFLUX_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$INFLUX_PID" 2>/dev/null
    fi
    return $rc
}
trap 'influxd__cleanup; sl__cleanup' EXIT

influxd_start() {
    [ -x "$INFLUXD" ] || { echo "influxd_start: $INFLUXD is missing (Debian package influxdb)" >&2; return 1; }
    INFLUX_DIR=${INFLUX_DIR:-$SL_TMP/influxd}
    mkdir -p "$INFLUX_DIR"
    local fixed=${INFLUX_PORT:-} attempt
    for attempt in 1 2 3 4 5; do
        INFLUX_PORT=${fixed:-$(sl_free_port)}
        INFLUX_RPC_PORT=${INFLUX_RPC_PORT:-$(sl_free_port)}
        # Only what differs from the defaults: our own directories, loopback
        # ports, no usage reporting, no _internal monitor database (noise),
        # no per-request access log.
        cat >"$INFLUX_DIR/influxdb.conf" <<CONF
reporting-enabled = false
bind-address = "127.0.0.1:$INFLUX_RPC_PORT"
[meta]
  dir = "$INFLUX_DIR/meta"
[data]
  dir = "$INFLUX_DIR/data"
  wal-dir = "$INFLUX_DIR/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:$INFLUX_PORT"
  log-enabled = false
[continuous_queries]
  enabled = false
CONF
        "$INFLUXD" run -config "$INFLUX_DIR/influxdb.conf" >>"$INFLUX_DIR/influxd.log" 2>&1 &
        INFLUX_PID=$!
        INFLUX_URL=http://127.0.0.1:$INFLUX_PORT
        for _ in $(seq 300); do # 30 s: the first start creates its files
            kill -0 "$INFLUX_PID" 2>/dev/null || break
            if [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$INFLUX_URL/ping")" = 204 ]; then
                return 0
            fi
            sleep 0.1
        done
        if kill -0 "$INFLUX_PID" 2>/dev/null; then
            echo "influxd did not answer /ping in 30 s" >&2; tail -20 "$INFLUX_DIR/influxd.log" >&2; return 1
        fi
        wait "$INFLUX_PID" 2>/dev/null
        INFLUX_PID=
        # Died: try other ports only when one was taken meanwhile.
        grep -q "address already in use" "$INFLUX_DIR/influxd.log" && [ -z "$fixed" ] || {
            tail -20 "$INFLUX_DIR/influxd.log" >&2; return 1; }
        INFLUX_RPC_PORT=
    done
    return 1
}

influxd_stop() {
    [ -n "$INFLUX_PID" ] || return 0
    kill -TERM "$INFLUX_PID" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$INFLUX_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$INFLUX_PID" 2>/dev/null
    wait "$INFLUX_PID" 2>/dev/null
    INFLUX_PID=
}

influx_q() { # influx_q 'INFLUXQL' [DB]
    curl -s -m 30 -XPOST "$INFLUX_URL/query" --data-urlencode "q=$1" ${2:+--data-urlencode "db=$2"} \
        --data-urlencode "epoch=u"
}
