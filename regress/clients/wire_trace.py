#!/usr/bin/python3
"""regress/clients/wire_trace.py - a logging proxy of the PostgreSQL
protocol, to see what a client sends and what the server answers.

    wire_trace.py LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT [LOG]

Listens on 127.0.0.1:LISTEN_PORT, forwards each connection to the upstream
server and writes one line per message to LOG (default stdout):
"C>" client to server, "S<" server to client, with the fields that matter
(statement and portal names, query text, parameter OIDs and formats,
result formats, row limits, RowDescription's columns, error fields).  It
answers SSLRequest and GSSENCRequest with "N" itself, so the rest stays
readable: a client that insists on TLS (lib/pq's default sslmode=require)
must be given sslmode=disable for a trace.  A diagnostic, not a test.
"""
import socket
import struct
import sys
import threading

lock = threading.Lock()
out = open(sys.argv[4], "a", buffering=1) if len(sys.argv) > 4 else sys.stdout
conn_ids = iter(range(1, 1 << 30))


def log(cid, line):
    with lock:
        out.write("[%d] %s\n" % (cid, line))


def cstr(b, i):
    j = b.index(b"\0", i)
    return b[i:j].decode("utf-8", "replace"), j + 1


def short(s, n=8000):
    s = " ".join(s.split())
    return s if len(s) <= n else s[:n] + "..."


def describe_client(t, b):
    if t == "Q":
        return "Query %r" % short(cstr(b, 0)[0])
    if t == "P":
        name, i = cstr(b, 0)
        q, i = cstr(b, i)
        n, = struct.unpack_from("!h", b, i)
        oids = struct.unpack_from("!%dI" % n, b, i + 2)
        return "Parse stmt=%r query=%r param_oids=%s" % (name, short(q), list(oids))
    if t == "B":
        portal, i = cstr(b, 0)
        stmt, i = cstr(b, i)
        nf, = struct.unpack_from("!h", b, i); i += 2
        fmts = struct.unpack_from("!%dh" % nf, b, i); i += 2 * nf
        np, = struct.unpack_from("!h", b, i); i += 2
        vals = []
        for _ in range(np):
            ln, = struct.unpack_from("!i", b, i); i += 4
            vals.append(None if ln < 0 else b[i:i + ln]); i += max(ln, 0)
        nr, = struct.unpack_from("!h", b, i); i += 2
        rf = struct.unpack_from("!%dh" % nr, b, i)
        return "Bind portal=%r stmt=%r param_formats=%s params=%s result_formats=%s" % (
            portal, stmt, list(fmts), [v if v is None else bytes(v) for v in vals], list(rf))
    if t == "D":
        return "Describe %s %r" % (chr(b[0]), cstr(b, 1)[0])
    if t == "E":
        portal, i = cstr(b, 0)
        return "Execute portal=%r max_rows=%d" % (portal, struct.unpack_from("!i", b, i)[0])
    if t == "C":
        return "Close %s %r" % (chr(b[0]), cstr(b, 1)[0])
    names = {"S": "Sync", "H": "Flush", "X": "Terminate", "p": "Password/SASL", "d": "CopyData",
             "c": "CopyDone", "f": "CopyFail", "F": "FunctionCall"}
    return names.get(t, "msg %r" % t) + " (%d bytes)" % len(b)


def describe_server(t, b):
    if t == "R":
        return "Authentication %d" % struct.unpack_from("!i", b, 0)[0]
    if t == "S":
        k, i = cstr(b, 0)
        return "ParameterStatus %s=%s" % (k, cstr(b, i)[0])
    if t == "Z":
        return "ReadyForQuery %s" % chr(b[0])
    if t == "T":
        n, = struct.unpack_from("!h", b, 0)
        i, cols = 2, []
        for _ in range(n):
            name, i = cstr(b, i)
            _tab, _att, oid, _len, _mod, fmt = struct.unpack_from("!IhIhih", b, i)
            i += 18
            cols.append("%s:%d%s" % (name, oid, "/bin" if fmt else ""))
        return "RowDescription " + " ".join(cols)
    if t == "t":
        n, = struct.unpack_from("!h", b, 0)
        return "ParameterDescription %s" % list(struct.unpack_from("!%dI" % n, b, 2))
    if t in "EN":
        fields, i = {}, 0
        while b[i] != 0:
            code = chr(b[i])
            v, i = cstr(b, i + 1)
            fields[code] = v
        return "%s %s %s %r" % ("ErrorResponse" if t == "E" else "NoticeResponse",
                                fields.get("S", ""), fields.get("C", ""), fields.get("M", ""))
    if t == "C":
        return "CommandComplete %r" % cstr(b, 0)[0]
    if t == "D":
        n, = struct.unpack_from("!h", b, 0)
        return "DataRow (%d columns)" % n
    names = {"1": "ParseComplete", "2": "BindComplete", "3": "CloseComplete", "n": "NoData",
             "s": "PortalSuspended", "I": "EmptyQueryResponse", "K": "BackendKeyData",
             "A": "NotificationResponse"}
    return names.get(t, "msg %r" % t)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def pump(cid, src, dst, from_client):
    """Forwards typed messages; collapses runs of DataRow into one line."""
    rows = 0
    try:
        while True:
            head = recv_exact(src, 5)
            t = chr(head[0])
            ln, = struct.unpack("!i", head[1:])
            body = recv_exact(src, ln - 4)
            if not from_client and t == "D":
                rows += 1
                dst.sendall(head + body)
                continue
            if rows:
                log(cid, "S< DataRow x%d" % rows)
                rows = 0
            try:
                d = describe_client(t, body) if from_client else describe_server(t, body)
            except Exception as e:  # noqa: BLE001 - a trace must not stop the traffic
                d = "msg %r (undecoded: %s)" % (t, e)
            # Logged before it is passed on, so the answer comes after it.
            log(cid, ("C> " if from_client else "S< ") + d)
            dst.sendall(head + body)
    except (EOFError, OSError):
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(client, up_host, up_port):
    cid = next(conn_ids)
    try:
        while True:  # startup packets: SSLRequest/GSSENCRequest first, maybe
            ln, = struct.unpack("!i", recv_exact(client, 4))
            body = recv_exact(client, ln - 4)
            code, = struct.unpack_from("!i", body, 0)
            if code in (80877103, 80877104):
                log(cid, "C> %s -> answered N by the proxy" %
                    ("SSLRequest" if code == 80877103 else "GSSENCRequest"))
                client.sendall(b"N")
                continue
            break
        server = socket.create_connection((up_host, up_port))
        server.sendall(struct.pack("!i", ln) + body)
        if code == 80877102:
            log(cid, "C> CancelRequest")
            client.close(); server.close()
            return
        parts = body[4:].split(b"\0")
        params = dict(zip(parts[0::2], parts[1::2]))
        log(cid, "C> StartupMessage %s" % {k.decode(): v.decode() for k, v in params.items() if k})
    except (EOFError, OSError):
        client.close()
        return
    threading.Thread(target=pump, args=(cid, server, client, False), daemon=True).start()
    pump(cid, client, server, True)


def main():
    listen_port, up_host, up_port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen_port))
    ls.listen(16)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c, up_host, up_port), daemon=True).start()


if __name__ == "__main__":
    main()
