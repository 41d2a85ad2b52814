#!/bin/bash
# regress/scripts/protocol_garbage.sh - bad input never takes the server down.
#
# Sends, on raw sockets, every kind of garbage a client can send (random
# bytes, absurd lengths, truncated packets, a bad protocol version, unknown
# message types, disconnects mid-message, 50 connections dropping at once,
# one client too many), checks each gets the answer the protocol allows
# (an ErrorResponse with the right SQLSTATE, or a silent close), and then
# that psql still works, the server is alive, and it stops with status 0.
# The raw clients use the Unix socket and log in as the OS user (peer
# authentication), so that a login needs no password exchange; the TCP
# listener is checked for its answer to SSLRequest.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
sl_server_start -c max_connections=60 -c max_statement_size=4kB || exit 1
fail=0

PYTHONPATH="$SL_SRCDIR/regress/lib" /usr/bin/python3 - "$SL_PORT" "$SL_SOCKDIR" <<'EOF' || fail=1
import getpass, os, socket, struct, sys, threading, time
from pqraw import FAILED, result, startup_packet, msg, read_exact, read_msg, fields, read_until, error_of

PORT = int(sys.argv[1])
SOCKET, USER = "%s/.s.PGSQL.%d" % (sys.argv[2], PORT), getpass.getuser()

def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(SOCKET)
    return s

def closed_by_server(s):
    """True when the server closes the connection (after any messages)."""
    try:
        while s.recv(4096):
            pass
        return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False

def login(s):
    s.sendall(startup_packet())
    got = read_until(s, (b"Z", b"E"))
    return got[-1][0] == b"Z", got

# 1. random bytes instead of a startup packet
s = conn(); s.sendall(os.urandom(2000)); result("random bytes: connection closed", closed_by_server(s)); s.close()

# 2. a huge startup length, and one just over the limit
for n in (0x7FFFFFFF, 10001, 3, 0):
    s = conn(); s.sendall(struct.pack("!I", n) + b"\0" * 16)
    result("startup length %d: connection closed" % n, closed_by_server(s)); s.close()

# 3. a truncated startup packet, then the client goes away
s = conn(); s.sendall(startup_packet()[:11]); s.close()
s = conn(); s.sendall(struct.pack("!I", 100) + b"\0\3\0\0user\0"); s.shutdown(socket.SHUT_WR)
result("truncated startup: closed", closed_by_server(s)); s.close()

# 4. bad protocol versions: FATAL 08P01, then close
for ver in ((2 << 16), (4 << 16), 0x12345678):
    s = conn(); s.sendall(startup_packet(version=ver))
    got = read_until(s, (b"E",)); e = error_of(got)
    result("protocol %#x: FATAL 08P01" % ver, e is not None and e.get("C") == "08P01" and e.get("S") == "FATAL", got)
    result("protocol %#x: closed" % ver, closed_by_server(s)); s.close()

# 5. startup packet without its terminator, or with a name but no value
body = struct.pack("!I", 3 << 16) + b"user\0x"
s = conn(); s.sendall(struct.pack("!I", len(body) + 4) + body)
got = read_until(s, (b"E",)); e = error_of(got)
result("startup layout: 08P01", e is not None and e.get("C") == "08P01", got); s.close()

# 6. On TCP, SSLRequest is answered S (TLS is on by default); on the Unix
# socket SSLRequest and GSSENCRequest are answered N, then the real startup works
t = socket.create_connection(("127.0.0.1", PORT), timeout=10)
t.sendall(struct.pack("!II", 8, (1234 << 16) | 5679))
result("SSLRequest on TCP answered S", read_exact(t, 1) == b"S")
t.sendall(os.urandom(300))  # not a TLS ClientHello: the server gives up on it
result("garbage instead of a TLS handshake: closed", closed_by_server(t)); t.close()
s = conn(); s.sendall(struct.pack("!II", 8, (1234 << 16) | 5679))
result("SSLRequest on the Unix socket answered N", read_exact(s, 1) == b"N")
s.sendall(struct.pack("!II", 8, (1234 << 16) | 5680))
result("GSSENCRequest answered N", read_exact(s, 1) == b"N")
good, got = login(s); result("startup after SSL/GSS refusals", good, got)
keys = [b for t, b in got if t == b"K"]
result("BackendKeyData sent", len(keys) == 1 and len(keys[0]) == 8, got)
params = dict(b[:-1].split(b"\0", 1) for t, b in got if t == b"S")
result("ParameterStatus server_version 15.x", params.get(b"server_version", b"").startswith(b"15."), params)
result("ParameterStatus client_encoding UTF8", params.get(b"client_encoding") == b"UTF8", params)
s.close()

# 7. a valid session, then messages with bad lengths
for bad in (struct.pack("!cI", b"Q", 2), struct.pack("!cI", b"Q", 0xFFFFFFFF), struct.pack("!cI", b"P", 0x7FFFFFF0)):
    s = conn(); good, _ = login(s)
    s.sendall(bad); got = read_until(s, (b"E",)); e = error_of(got)
    result("bad length %r: FATAL 08P01" % bad, good and e is not None and e.get("C") == "08P01" and e.get("S") == "FATAL", got)
    result("bad length %r: closed" % bad, closed_by_server(s)); s.close()

# 8. disconnect in the middle of a message
s = conn(); login(s); s.sendall(b"Q" + struct.pack("!I", 100) + b"SELECT"); s.close()
s = conn(); login(s); s.sendall(b"Q\0\0"); s.close()

# 9. an unknown message type: FATAL 08P01
s = conn(); login(s); s.sendall(msg(b"z", b"junk"))
got = read_until(s, (b"E",)); e = error_of(got)
result("unknown message type: 08P01", e is not None and e.get("C") == "08P01", got); s.close()

# 10. a query over max_statement_size (4kB): ERROR 54000, the session goes on
s = conn(); login(s)
s.sendall(msg(b"Q", b"SHOW " + b"x" * 8000 + b"\0"))
got = read_until(s, (b"Z",)); e = error_of(got)
result("long query: 54000", e is not None and e.get("C") == "54000" and got[-1][0] == b"Z", got)
s.sendall(msg(b"Q", b"SHOW server_encoding\0")); got = read_until(s, (b"Z",))
result("session alive after long query", any(t == b"D" and b"UTF8" in b for t, b in got), got)

# 11. a query string without its NUL, invalid UTF-8, an empty query
s.sendall(msg(b"Q", b"SHOW server_encoding")); got = read_until(s, (b"Z",)); e = error_of(got)
result("query without NUL: 08P01 error", e is not None and e.get("C") == "08P01" and got[-1][0] == b"Z", got)
s.sendall(msg(b"Q", b"SHOW \xff\xfe\0")); got = read_until(s, (b"Z",)); e = error_of(got)
result("invalid UTF-8: 22021", e is not None and e.get("C") == "22021", got)
s.sendall(msg(b"Q", b"  \0")); got = read_until(s, (b"Z",))
result("empty query: EmptyQueryResponse", [t for t, b in got] == [b"I", b"Z"], got)

# 12. the extended protocol: an error (Bind of a statement nobody prepared), messages skipped until Sync, then ReadyForQuery
s.sendall(msg(b"P", b"\0SELECT 1\0\0\0") + msg(b"B", b"\0nosuch\0\0\0\0\0\0\0") + msg(b"E", b"\0\0\0\0\0") + msg(b"S"))
got = read_until(s, (b"Z",))
types = [t for t, b in got]; e = error_of(got)
result("extended protocol: 26000 then ReadyForQuery", types == [b"1", b"E", b"Z"] and e.get("C") == "26000", got)
s.sendall(msg(b"Q", b"SHOW server_encoding\0")); got = read_until(s, (b"Z",))
result("simple query after extended attempt", any(t == b"D" for t, b in got), got)
s.sendall(msg(b"X")); result("Terminate closes", closed_by_server(s)); s.close()

# 13. a cancel request with a key nobody has: closed without a reply
s = conn(); s.sendall(struct.pack("!IIII", 16, (1234 << 16) | 5678, 1, 2))
try:
    data = s.recv(100)
except ConnectionResetError:
    data = b""
result("bogus cancel: closed without reply", data == b"", data); s.close()

# 14. 50 concurrent connections that all disconnect at once, at various stages
socks = []
for i in range(50):
    c = conn()
    if i % 3 == 0:
        c.sendall(startup_packet())
    elif i % 3 == 1:
        c.sendall(startup_packet()[:7])
    socks.append(c)
time.sleep(0.3)
for c in socks:
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST
    c.close()

# 15. one client more than max_connections (60): FATAL 53300
time.sleep(0.5)
held = []
for i in range(60):
    c = conn(); good, got = login(c)
    if not good:
        result("session %d of 60 starts" % i, False, got)
        break
    held.append(c)
c = conn(); c.sendall(startup_packet()); got = read_until(c, (b"E", b"Z")); e = error_of(got)
result("61st client: FATAL 53300", e is not None and e.get("C") == "53300" and e.get("S") == "FATAL", got)
c.close()
for c in held:
    c.close()
time.sleep(0.5)
c = conn(); good, got = login(c); result("a new client once others left", good, got); c.close()

sys.exit(1 if FAILED[0] else 0)
EOF

out=$(sl_psql -c 'SHOW server_version' 2>&1)
if echo "$out" | grep -q '15\.'; then echo "ok - psql still works"; else echo "not ok - psql after garbage: $out"; fail=1; fi
if kill -0 "$SL_PID" 2>/dev/null; then echo "ok - server alive"; else echo "not ok - server died"; fail=1; fi
sl_server_stop && echo "ok - clean stop" || { echo "not ok - stop"; fail=1; }
exit $fail
