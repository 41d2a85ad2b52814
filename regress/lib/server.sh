# regress/lib/server.sh - start and stop a throw-away sluiced for a test.
#
# Source it, then:
#   sl_server_start [extra sluiced args...]   sets SL_PORT SL_DATADIR SL_SOCKDIR SL_PID
#   sl_server_stop                            SIGTERM by PID, waits, checks exit 0
#   sl_server_kill                            SIGKILL by PID (crash tests)
#   sl_psql ARGS...                           Debian's psql against it, no psqlrc
#   sl_sluice ARGS...                         our shell against it
# Each server gets a temporary data dir under $SL_TMP (removed at exit unless
# the test failed, so its log can be read) and a free loopback port.
#
# Logins: a new data dir has one superuser, the OS user running the test,
# who logs in by peer authentication on the Unix socket.  sl_server_start
# uses that to create the superuser role "sluice" with the password
# $SL_TEST_PASSWORD (exported as PGPASSWORD), so tests connect over TCP
# the way remote clients do: SCRAM-SHA-256, on TLS when the client prefers
# it (libpq's default), through the default sluice_hba.conf.
#
# The HTTP listener is off (-c http_port=0, before the test's own args so
# that a test can turn it on): parallel tests would all want port 5478.

: "${SLUICED:?SLUICED must point at the sluiced binary}"
: "${SLUICE:?SLUICE must point at the sluice binary}"
SL_TMP=${SL_TMP:-$(mktemp -d "${TMPDIR:-/tmp}/sluice-test.XXXXXX")}
SL_KEEP_TMP=0
export SL_TEST_PASSWORD=${SL_TEST_PASSWORD:-sluice-test-pw}
export PGPASSWORD=$SL_TEST_PASSWORD
trap 'sl__cleanup' EXIT

sl__cleanup() {
    rc=$?
    if [ -n "${SL_PID:-}" ] && kill -0 "$SL_PID" 2>/dev/null; then
        kill -TERM "$SL_PID" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$SL_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SL_PID" 2>/dev/null
    fi
    if [ "$rc" -eq 0 ] && [ "$SL_KEEP_TMP" -eq 0 ]; then
        rm -rf "$SL_TMP"
    else
        echo "test files kept in $SL_TMP" >&2
    fi
}

# A port nobody listens on, picked at random so parallel runs rarely collide.
# The port comes from below the kernel's ephemeral range: a port in it can
# be taken meanwhile as the local end of any outgoing connection, and a
# client retrying a port nobody listens on yet can even connect to itself
# (both ends the same port: kafka_registry.sh's late registry once found
# its port taken that way).
sl_free_port() {
    local lo=32768 top
    read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo=32768
    top=$((lo > 12000 ? lo - 10000 : 2000))
    while :; do
        p=$(( (RANDOM * 32768 + RANDOM) % top + 10000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"; return
        fi
    done
}

# sl_bootstrap_role SOCKDIR PORT: creates the test role "sluice" through the
# socket (peer authentication as the OS user) unless it exists.
sl_bootstrap_role() {
    local sock=$1 port=$2
    PGCONNECT_TIMEOUT=5 psql -X -q -At -h "$sock" -p "$port" -d sluice -c "SHOW ROLES" 2>&1 | grep -q '^sluice|' && return 0
    PGCONNECT_TIMEOUT=5 psql -X -q -h "$sock" -p "$port" -d sluice -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE sluice LOGIN SUPERUSER PASSWORD '$SL_TEST_PASSWORD'" >/dev/null
}

# sl_server_start [sluiced args]: uses SL_DATADIR if set (restart), else a new one.
sl_server_start() {
    SL_DATADIR=${SL_DATADIR:-$SL_TMP/data}
    SL_SOCKDIR=${SL_SOCKDIR:-$SL_TMP}
    for attempt in 1 2 3 4 5; do
        SL_PORT=${SL_FIXED_PORT:-$(sl_free_port)}
        "$SLUICED" -D "$SL_DATADIR" -p "$SL_PORT" -k "$SL_SOCKDIR" -c http_port=0 "$@" \
            >>"$SL_TMP/server.log" 2>&1 &
        SL_PID=$!
        for _ in $(seq 100); do
            if ! kill -0 "$SL_PID" 2>/dev/null; then break; fi
            if [ -S "$SL_SOCKDIR/.s.PGSQL.$SL_PORT" ]; then sl_bootstrap_role "$SL_SOCKDIR" "$SL_PORT"; return; fi
            sleep 0.05
        done
        if kill -0 "$SL_PID" 2>/dev/null; then
            echo "sluiced did not open its socket in 5 s" >&2; cat "$SL_TMP/server.log" >&2; return 1
        fi
        # Died: retry only when the port was taken meanwhile.
        grep -q "in use" "$SL_TMP/server.log" || { cat "$SL_TMP/server.log" >&2; return 1; }
    done
    return 1
}

sl_server_stop() {
    kill -TERM "$SL_PID"
    wait "$SL_PID"
    rc=$?
    SL_PID=
    if [ "$rc" -ne 0 ]; then echo "sluiced exited with status $rc" >&2; cat "$SL_TMP/server.log" >&2; return 1; fi
}

sl_server_kill() {
    kill -KILL "$SL_PID"
    wait "$SL_PID" 2>/dev/null
    SL_PID=
}

sl_psql() {
    PGCONNECT_TIMEOUT=5 psql -X -h 127.0.0.1 -p "$SL_PORT" -U sluice -d sluice "$@"
}

sl_sluice() {
    "$SLUICE" -h 127.0.0.1 -p "$SL_PORT" -U sluice "$@"
}
