"""pqraw.py - the PostgreSQL v3 protocol on a raw socket, for protocol tests.

Tests send exact message sequences (including wrong ones) and read every
message the server answers with; no driver sits in between.  Messages are
(type byte, body bytes) pairs.
"""
import getpass
import socket
import struct

FAILED = [False]


def result(name, good, info=""):
    print(("ok - " if good else "not ok - ") + name + ("" if good else ": " + str(info)), flush=True)
    if not good:
        FAILED[0] = True


def conn_unix(sockdir, port, timeout=10):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect("%s/.s.PGSQL.%d" % (sockdir, port))
    return s


def startup_packet(params=None, version=(3 << 16)):
    params = params or {"user": getpass.getuser(), "database": "x"}
    body = struct.pack("!I", version)
    for k, v in params.items():
        body += k.encode() + b"\0" + v.encode() + b"\0"
    body += b"\0"
    return struct.pack("!I", len(body) + 4) + body


def msg(t, body=b""):
    return t + struct.pack("!I", len(body) + 4) + body


def cstr(s):
    return (s if isinstance(s, bytes) else s.encode()) + b"\0"


def read_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def read_msg(s):
    t = read_exact(s, 1)
    (n,) = struct.unpack("!I", read_exact(s, 4))
    return t, read_exact(s, n - 4)


def fields(body):
    out = {}
    for part in body.split(b"\0"):
        if part:
            out[chr(part[0])] = part[1:].decode()
    return out


def read_until(s, types):
    """Messages up to and including the first whose type is in types; EOF ends early."""
    got = []
    try:
        while True:
            t, b = read_msg(s)
            got.append((t, b))
            if t in types:
                return got
    except (EOFError, ConnectionResetError, socket.timeout):
        got.append((b"EOF", b""))
        return got


def login(s):
    s.sendall(startup_packet())
    got = read_until(s, (b"Z", b"E"))
    key = None
    for t, b in got:
        if t == b"K":
            key = struct.unpack("!II", b)
    return got[-1][0] == b"Z", got, key


def error_of(got):
    for t, b in got:
        if t == b"E":
            return fields(b)
    return None


def types_of(got):
    return b"".join(t for t, b in got)


def data_rows(got):
    """The values of each DataRow: bytes, or None for NULL."""
    rows = []
    for t, b in got:
        if t != b"D":
            continue
        (n,) = struct.unpack("!H", b[:2])
        pos, row = 2, []
        for _ in range(n):
            (ln,) = struct.unpack("!i", b[pos:pos + 4])
            pos += 4
            if ln < 0:
                row.append(None)
            else:
                row.append(b[pos:pos + ln])
                pos += ln
        rows.append(row)
    return rows


class PgConn:
    """A minimal simple-query client over the Unix socket, logged in as the
    OS user (peer authentication): for tests that look at type OIDs and
    error fields themselves, independently of libpq."""

    def __init__(self, sock):
        self.sock = sock

    @classmethod
    def unix(cls, path, user=None, timeout=30):
        """Connects to the socket file path and waits for ReadyForQuery."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(startup_packet({"user": user or getpass.getuser(), "database": "x"}))
        c = cls(s)
        while c.read_msg()[0] != b"Z":
            pass
        return c

    def read_msg(self):
        """(type byte, body) of the next message."""
        return read_msg(self.sock)

    def query(self, sql):
        """(column type OIDs, rows of text or None, error fields or None) of one Query message."""
        self.sock.sendall(msg(b"Q", cstr(sql)))
        oids, rows, error = [], [], None
        while True:
            t, b = self.read_msg()
            if t == b"T":
                (n,) = struct.unpack("!H", b[:2])
                pos = 2
                for _ in range(n):
                    pos = b.index(b"\0", pos) + 1
                    oids.append(struct.unpack("!IhIhih", b[pos:pos + 18])[2])
                    pos += 18
            elif t == b"D":
                rows.extend([None if v is None else v.decode() for v in r] for r in data_rows([(t, b)]))
            elif t == b"E":
                error = fields(b)
            elif t == b"Z":
                return oids, rows, error
