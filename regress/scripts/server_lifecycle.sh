#!/bin/bash
# regress/scripts/server_lifecycle.sh - sluiced's life: a new data directory,
# the lock against a second server, a port in use, SIGHUP reload, -c
# overrides, SIGTERM/SIGINT with idle clients, a stale lock taken over,
# --describe-options, --version, and a missing -D.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
fail=0
ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; [ $# -gt 1 ] && echo "$2"; fail=1; }
check() { # check NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "expected [$2], got [$3]"; fi
}
show() { sl_psql -At -c "SHOW $1" 2>&1; }

# Python helper: a session that logs in, idles, and prints the SQLSTATE and
# severity of the ErrorResponse it gets before the server closes it.
idle_client() {
    /usr/bin/python3 - "$SL_PORT" <<'EOF'
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
body = struct.pack("!I", 3 << 16) + b"user\0idle\0\0"
s.sendall(struct.pack("!I", len(body) + 4) + body)
def rd(n):
    d = b""
    while len(d) < n:
        c = s.recv(n - len(d))
        if not c:
            raise EOFError
        d += c
    return d
state = "ready"
try:
    while True:
        t = rd(1); (n,) = struct.unpack("!I", rd(4)); b = rd(n - 4)
        if t == b"Z":
            print("ready", flush=True)
        if t == b"E":
            f = {chr(p[0]): p[1:].decode() for p in b.split(b"\0") if p}
            print(f.get("S"), f.get("C"), f.get("M"), flush=True)
except (EOFError, ConnectionResetError):
    print("closed", flush=True)
EOF
}

# ---- a fresh data directory is initialised ----
sl_server_start || exit 1
conf=$SL_DATADIR/sluiced.conf
[ -f "$conf" ] && ok "sluiced.conf created" || notok "sluiced.conf created"
for name in port listen_addresses unix_socket_directories max_connections max_statement_size \
    checkpoint_interval embedded_kafka max_queries max_sources max_sinks query_memory_limit max_memory \
    max_groups_per_query log_min_messages \
    client_encoding DateStyle TimeZone extra_float_digits application_name search_path \
    statement_timeout IntervalStyle standard_conforming_strings server_version server_encoding \
    integer_datetimes; do
    grep -q "^#* *$name\b" "$conf" || notok "sluiced.conf documents $name"
done
ok "sluiced.conf documents every setting"
lock=$SL_DATADIR/sluiced.pid
check "lock file names the PID" "$SL_PID" "$(head -1 "$lock")"
check "lock file names the port" "$SL_PORT" "$(sed -n 4p "$lock")"
check "default SHOW port" "$SL_PORT" "$(show port)"

# ---- a second server on the same data directory is refused ----
port2=$(sl_free_port)
out=$(timeout 10 "$SLUICED" -D "$SL_DATADIR" -p "$port2" -k "$SL_TMP" 2>&1); rc=$?
[ "$rc" -ne 0 ] && ok "second server exits non-zero" || notok "second server exits non-zero"
echo "$out" | grep -q "FATAL:.*locked by another running sluiced (PID $SL_PID)" && ok "second server says why" ||
    notok "second server says why" "$out"
[ -S "$SL_SOCKDIR/.s.PGSQL.$SL_PORT" ] && ok "first server's socket untouched" || notok "first server's socket untouched"
check "first server still serves" "UTF8" "$(show server_encoding)"

# ---- a port in use is refused ----
out=$(timeout 10 "$SLUICED" -D "$SL_TMP/data2" -p "$SL_PORT" -k "$SL_TMP" 2>&1); rc=$?
[ "$rc" -eq 1 ] && ok "port in use: exit 1" || notok "port in use: exit 1 (got $rc)"
echo "$out" | grep -q "in use" && ok "port in use: says so" || notok "port in use: says so" "$out"
[ -e "$SL_TMP/data2/sluiced.pid" ] && notok "port in use: lock file removed" || ok "port in use: lock file removed"

# ---- SIGHUP reloads sighup settings only ----
echo "checkpoint_interval = 42s   # changed by the test" >>"$conf"
echo "max_connections = 7" >>"$conf"
kill -HUP "$SL_PID"
v=
for _ in $(seq 50); do v=$(show checkpoint_interval); [ "$v" = "42s" ] && break; sleep 0.1; done
check "SIGHUP applies checkpoint_interval" "42s" "$v"
check "SIGHUP keeps max_connections (restart only)" "100" "$(show max_connections)"
grep -q 'parameter "max_connections" cannot be changed without restarting the server' "$SL_TMP/server.log" &&
    ok "restart-only change logged" || notok "restart-only change logged"
# A file with an error is ignored as a whole.
echo "checkpoint_interval = 5s" >>"$conf"
echo "this line is = 'broken" >>"$conf"
kill -HUP "$SL_PID"
for _ in $(seq 50); do grep -q "contains errors" "$SL_TMP/server.log" && break; sleep 0.1; done
grep -q "contains errors" "$SL_TMP/server.log" && ok "broken file reported" || notok "broken file reported"
check "broken file changes nothing" "42s" "$(show checkpoint_interval)"
sed -i '$d' "$conf"
kill -0 "$SL_PID" && ok "server survives a broken reload" || notok "server survives a broken reload"

# ---- SIGTERM with an idle client: FATAL 57P01, exit 0, lock and socket removed ----
idle_client >"$SL_TMP/idle.out" &
ipid=$!
for _ in $(seq 50); do grep -q ready "$SL_TMP/idle.out" && break; sleep 0.1; done
sl_server_stop && ok "SIGTERM: exit status 0" || notok "SIGTERM: exit status 0"
wait "$ipid"
grep -q "^FATAL 57P01 terminating connection due to administrator command" "$SL_TMP/idle.out" &&
    ok "idle client told 57P01" || notok "idle client told 57P01" "$(cat "$SL_TMP/idle.out")"
[ -e "$lock" ] && notok "lock file removed" || ok "lock file removed"
[ -e "$SL_SOCKDIR/.s.PGSQL.$SL_PORT" ] && notok "socket removed" || ok "socket removed"

# ---- a stale lock file (dead PID, nobody holding it) is taken over; -c overrides ----
sh -c 'exit 0' &
dead=$!
wait "$dead"
printf '%s\n%s\n0\n' "$dead" "$SL_DATADIR" >"$lock"
sed -i '/max_connections = 7/d; /checkpoint_interval = 5s/d' "$conf"
echo "max_queries = 5" >>"$conf"
sl_server_start -c max_queries=9 -c 'search_path=from cmdline' || exit 1
grep -q "stale lock file" "$SL_TMP/server.log" && ok "stale lock taken over, logged" || notok "stale lock logged"
check "lock file now names the new PID" "$SL_PID" "$(head -1 "$lock")"
check "-c beats sluiced.conf" "9" "$(show max_queries)"
check "-c with a space" "from cmdline" "$(show search_path)"
check "sluiced.conf setting kept" "42s" "$(show checkpoint_interval)"
kill -INT "$SL_PID"; wait "$SL_PID"; rc=$?; SL_PID=
check "SIGINT: exit status 0" "0" "$rc"
[ -e "$lock" ] && notok "SIGINT: lock file removed" || ok "SIGINT: lock file removed"

# ---- a bad -c, a bad sluiced.conf: FATAL, exit 1 ----
out=$("$SLUICED" -D "$SL_DATADIR" -c nosuch=1 2>&1); rc=$?
[ "$rc" -eq 1 ] && echo "$out" | grep -q 'unrecognized configuration parameter "nosuch"' &&
    ok "unknown -c refused" || notok "unknown -c refused" "$rc $out"
out=$("$SLUICED" -D "$SL_DATADIR" -c port=70000 2>&1); rc=$?
[ "$rc" -eq 1 ] && echo "$out" | grep -q 'outside the valid range' && ok "bad -c value refused" ||
    notok "bad -c value refused" "$rc $out"
echo "max_queries = lots" >>"$conf"
out=$(timeout 10 "$SLUICED" -D "$SL_DATADIR" -p "$(sl_free_port)" -k "$SL_TMP" 2>&1); rc=$?
[ "$rc" -eq 1 ] && echo "$out" | grep -q 'invalid value for parameter "max_queries".*line' &&
    ok "bad sluiced.conf refused with its line" || notok "bad sluiced.conf refused" "$rc $out"
sed -i '$d' "$conf"

# ---- SLUICE_DATA instead of -D; no data directory at all ----
port3=$(sl_free_port)
SLUICE_DATA=$SL_TMP/data3 "$SLUICED" -p "$port3" -k "$SL_TMP" >>"$SL_TMP/server.log" 2>&1 &
p3=$!
for _ in $(seq 100); do [ -S "$SL_TMP/.s.PGSQL.$port3" ] && break; sleep 0.05; done
[ -f "$SL_TMP/data3/sluiced.conf" ] && ok "SLUICE_DATA initialises that directory" || notok "SLUICE_DATA"
kill -TERM "$p3"; wait "$p3"; check "SLUICE_DATA server stops cleanly" "0" "$?"

# ---- a relative data directory (the demo's ./data): made absolute at start ----
port4=$(sl_free_port)
(cd "$SL_TMP" && exec "$SLUICED" -D ./data4 -p "$port4" -k "$SL_TMP" >>"$SL_TMP/server.log" 2>&1) &
p4=$!
for _ in $(seq 100); do [ -S "$SL_TMP/.s.PGSQL.$port4" ] && break; sleep 0.05; done
check "a relative -D starts, its file_roots under it" "$SL_TMP/data4/files" \
    "$( [ -S "$SL_TMP/.s.PGSQL.$port4" ] && [ -d "$SL_TMP/data4/files" ] && echo "$SL_TMP/data4/files")"
kill -TERM "$p4"; wait "$p4"; check "relative -D server stops cleanly" "0" "$?"
out=$(env -u SLUICE_DATA "$SLUICED" 2>&1); rc=$?
[ "$rc" -ne 0 ] && echo "$out" | grep -q "no data directory" && ok "missing -D refused" ||
    notok "missing -D refused" "$out"

# ---- --version, --help, --describe-options ----
"$SLUICED" --version | grep -q '^sluiced (sluice) [0-9]' && ok "--version" || notok "--version"
"$SLUICED" --help | grep -q -- '--describe-options' && ok "--help" || notok "--help"
out=$("$SLUICED" --describe-options 2>&1); rc=$?
[ "$rc" -eq 0 ] && echo "$out" | grep -q '^| ' && ok "--describe-options prints a table" ||
    notok "--describe-options prints a table" "$out"

exit $fail
