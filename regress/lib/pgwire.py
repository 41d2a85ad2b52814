# regress/lib/pgwire.py - a minimal PostgreSQL v3 client for tests that
# must see the messages themselves (type OIDs, error fields), independently
# of libpq.  Simple queries only; logs in over the Unix socket as the OS
# user (peer authentication, no password exchange).
import getpass
import socket
import struct


class PgConn:
    def __init__(self, sock):
        self.sock = sock

    @classmethod
    def unix(cls, path, user=None, timeout=30):
        """Connects to the socket file path and waits for ReadyForQuery."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(path)
        c = cls(s)
        body = struct.pack("!I", 3 << 16)
        body += b"user\0" + (user or getpass.getuser()).encode() + b"\0database\0x\0\0"
        s.sendall(struct.pack("!I", len(body) + 4) + body)
        while c.read_msg()[0] != b"Z":
            pass
        return c

    def read_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def read_msg(self):
        """(type byte, body) of the next message."""
        t = self.read_exact(1)
        (n,) = struct.unpack("!I", self.read_exact(4))
        return t, self.read_exact(n - 4)

    def query(self, sql):
        """(column type OIDs, rows of text or None, error fields or None) of one Query message."""
        body = sql.encode() + b"\0"
        self.sock.sendall(b"Q" + struct.pack("!I", len(body) + 4) + body)
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
                (n,) = struct.unpack("!H", b[:2])
                pos, row = 2, []
                for _ in range(n):
                    (ln,) = struct.unpack("!i", b[pos:pos + 4])
                    pos += 4
                    row.append(None if ln < 0 else b[pos:pos + ln].decode())
                    pos += max(ln, 0)
                rows.append(row)
            elif t == b"E":
                error = {chr(p[0]): p[1:].decode() for p in b.split(b"\0") if p}
            elif t == b"Z":
                return oids, rows, error
