#!/bin/bash
# regress/scripts/extended_protocol.sh - the extended query protocol, message by message.
#
# On a raw socket (regress/lib/pqraw.py), every sequence drivers send:
# Parse/Bind/Describe/Execute/Sync with text and binary parameters and
# results, parameter types given and inferred (ParameterDescription), named
# and unnamed statements and portals, Execute with a row limit on a push
# query (PortalSuspended, then the rest), Close, Flush, an empty query,
# errors and the skip to Sync, the pgjdbc sequence of a Close and a simple
# Query without a Sync after an error, transactions through Execute, a
# cancelled push query, and PREPARE/EXECUTE/DEALLOCATE and
# DECLARE/FETCH/MOVE/CLOSE through simple queries.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
sl_server_start || exit 1
fail=0

PYTHONPATH="$SL_SRCDIR/regress/lib" /usr/bin/python3 - "$SL_PORT" "$SL_SOCKDIR" <<'PY' || fail=1
import struct, sys, time
from pqraw import *

PORT, SOCKDIR = int(sys.argv[1]), sys.argv[2]

def P(name, query, oids=()):
    return msg(b"P", cstr(name) + cstr(query) + struct.pack("!H", len(oids)) + b"".join(struct.pack("!I", o) for o in oids))

def B(portal, stmt, params=(), pformats=(), rformats=()):
    body = cstr(portal) + cstr(stmt) + struct.pack("!H", len(pformats)) + b"".join(struct.pack("!H", f) for f in pformats)
    body += struct.pack("!H", len(params))
    for p in params:
        body += struct.pack("!i", -1) if p is None else struct.pack("!I", len(p)) + p
    return msg(b"B", body + struct.pack("!H", len(rformats)) + b"".join(struct.pack("!H", f) for f in rformats))

def D(kind, name):
    return msg(b"D", kind + cstr(name))

def E(portal, max_rows=0):
    return msg(b"E", cstr(portal) + struct.pack("!I", max_rows))

def C(kind, name):
    return msg(b"C", kind + cstr(name))

S, H = msg(b"S"), msg(b"H")

def Q(q):
    return msg(b"Q", cstr(q))

def session():
    s = conn_unix(SOCKDIR, PORT)
    ok, got, key = login(s)
    if not ok:
        raise SystemExit("login failed: %r" % got)
    return s, key

def run(s, data, until=(b"Z",)):
    s.sendall(data)
    return read_until(s, until)

def row_desc(got):
    for t, b in got:
        if t == b"T":
            (n,) = struct.unpack("!H", b[:2]); pos, cols = 2, []
            for _ in range(n):
                end = b.index(b"\0", pos); name = b[pos:end].decode(); pos = end + 1
                _, _, oid, _, _, fmt = struct.unpack("!IHIhih", b[pos:pos + 18]); pos += 18
                cols.append((name, oid, fmt))
            return cols
    return None

def param_desc(got):
    for t, b in got:
        if t == b"t":
            (n,) = struct.unpack("!H", b[:2])
            return list(struct.unpack("!%dI" % n, b[2:2 + 4 * n]))
    return None

s, key = session()
got = run(s, Q("CREATE SOURCE g FROM GENERATOR WITH (seed = 1, rows = 5); CREATE SOURCE forever FROM GENERATOR WITH (seed = 1, rate = 200)"))
result("sources created", error_of(got) is None, got)

# 1. the unnamed statement and portal, a text parameter, psycopg 3's sequence
got = run(s, P("", "SELECT $1::bigint + 1 AS n") + B("", "", [b"41"]) + D(b"P", "") + E("") + S)
result("P/B/D/E/S: 1 2 T D C Z", types_of(got) == b"12TDCZ", got)
result("P/B/D/E/S: the value", data_rows(got) == [[b"42"]], got)
result("P/B/D/E/S: int8 column named n", row_desc(got) == [("n", 20, 0)], row_desc(got))

# 2. a named statement described: parameter types inferred from their context (asyncpg, pgjdbc)
got = run(s, P("s1", "SELECT station, ph FROM g WHERE station = $1 AND ph > $2") + D(b"S", "s1") + S)
result("Describe statement: 1 t T Z", types_of(got) == b"1tTZ", got)
result("Describe statement: $1 text, $2 float8", param_desc(got) == [25, 701], param_desc(got))
result("Describe statement: columns", row_desc(got) == [("station", 25, 0), ("ph", 701, 0)], row_desc(got))
got = run(s, P("s2", "SELECT $1::int + $2", [0, 20]) + D(b"S", "s2") + S)
result("Describe statement: a given type is kept, a cast one inferred", param_desc(got) == [20, 20], param_desc(got))

# 3. binary parameters and results
got = run(s, B("", "s1", [b"station-02", struct.pack("!d", 1.0)], pformats=[0, 1], rformats=[1]) + E("") + S)
rows = data_rows(got)
result("binary: rows of station-02", len(rows) == 1 and rows[0][0] == b"station-02", got)
result("binary: ph as a float8", len(rows) == 1 and abs(struct.unpack("!d", rows[0][1])[0] - 6.79) < 1e-9, rows)
got = run(s, P("", "SELECT $1::bigint * 2, $2::bool, $3::timestamp, $4::interval, $5::text", [20, 16, 1114, 1186, 25])
          + B("", "", [struct.pack("!q", -21), b"\x01", struct.pack("!q", 86400 * 1000000 + 500000),
                       struct.pack("!qii", 90 * 60 * 1000000, 1, 0), "é".encode()], pformats=[1], rformats=[1]) + E("") + S)
rows = data_rows(got)
ok = (len(rows) == 1 and struct.unpack("!q", rows[0][0])[0] == -42 and rows[0][1] == b"\x01"
      and struct.unpack("!q", rows[0][2])[0] == 86400 * 1000000 + 500000
      and struct.unpack("!qii", rows[0][3]) == (90 * 60 * 1000000, 1, 0) and rows[0][4] == "é".encode())
result("binary: int8, bool, timestamp, interval, text round trip", ok, got)
got = run(s, P("", "SELECT 1.5::float8, 7 > 3", []) + B("", "", rformats=[1, 0]) + E("") + S)
rows = data_rows(got)
result("binary and text formats per column", rows == [[struct.pack("!d", 1.5), b"t"]], rows)
got = run(s, P("", "SELECT $1::bigint", [20]) + B("", "", [b"\x00\x01"], pformats=[1]) + E("") + S)
result("binary: a short int8 is 22P03", (error_of(got) or {}).get("C") == "22P03" and types_of(got) == b"1EZ", got)

# 4. a push query a few rows at a time: PortalSuspended, then the rest (asyncpg's cursor)
got = run(s, P("", "SELECT station FROM g") + B("", "") + E("", 2) + H, (b"s", b"E", b"C"))
result("Execute 2 rows: D D s", types_of(got) == b"12DDs", got)
got = run(s, E("", 2) + H, (b"s", b"E", b"C"))
result("Execute 2 more: D D s", types_of(got) == b"DDs", got)
got = run(s, E("", 2) + S)
result("Execute to the end: D C Z", types_of(got) == b"DCZ", got)
result("rows in order", data_rows(got) == [[b"station-05"]], got)
got = run(s, E("") + S)
result("the unnamed portal is gone after Sync: 34000", (error_of(got) or {}).get("C") == "34000", got)

# 5. Close, Flush, the empty query, several commands
got = run(s, C(b"S", "s2") + C(b"S", "never-prepared") + C(b"P", "nope") + S)
result("Close: 3 3 3 Z", types_of(got) == b"333Z", got)
got = run(s, P("", "SELECT 1") + H, (b"1",))
result("Flush sends ParseComplete without Sync", types_of(got) == b"1", got)
got = run(s, S)
result("then Sync", types_of(got) == b"Z", got)
got = run(s, P("", "  ") + B("", "") + D(b"P", "") + E("") + S)
result("empty query: 1 2 n I Z", types_of(got) == b"12nIZ", got)
got = run(s, P("", "SELECT 1; SELECT 2") + S)
result("two commands in Parse: 42601", (error_of(got) or {}).get("C") == "42601", got)

# 6. errors: skip to Sync, then ReadyForQuery
got = run(s, P("", "SELECT nosuch FROM g") + B("", "") + E("") + S)
result("error at Parse: E Z (Bind and Execute skipped)", types_of(got) == b"EZ" and error_of(got)["C"] == "42703", got)
got = run(s, P("x", "SELECT $1::bigint") + B("", "x", [b"1", b"2"]) + E("") + S)
result("wrong parameter count: 08P01", types_of(got) == b"1EZ" and error_of(got)["C"] == "08P01", got)
got = run(s, B("", "x", [b"abc"]) + E("") + S)
result("bad text parameter: 22P02", types_of(got) == b"EZ" and error_of(got)["C"] == "22P02", got)
got = run(s, P("x", "SELECT 2") + S)
result("a named statement twice: 42P05", (error_of(got) or {}).get("C") == "42P05", got)
got = run(s, P("", "SELECT $1") + D(b"S", "") + S)
result("an untyped parameter is text", param_desc(got) == [25], got)

# 7. pgjdbc after a refused statement: Close and a simple Query with no Sync between
got = run(s, P("S_1", "SELECT nosuch()") + B("", "S_1") + E("") + S)
result("refused statement", types_of(got) == b"EZ", got)
got = run(s, P("S_2", "SELEC 1") + C(b"S", "S_2") + Q("SELECT 7"))
result("error, Close, Query without Sync: the Query is answered", types_of(got) == b"ETDCZ" and data_rows(got) == [[b"7"]], got)
got = run(s, S)
result("and the Sync after it", types_of(got) == b"Z", got)

# 8. transactions through Execute
got = run(s, P("", "BEGIN") + B("", "") + E("") + S)
result("BEGIN: ReadyForQuery T", got[-1] == (b"Z", b"T"), got)
got = run(s, P("", "SELECT 1/0") + B("", "") + E("") + S)
result("an error in the block: E", got[-1] == (b"Z", b"E"), got)
got = run(s, P("", "SELECT 1") + B("", "") + E("") + S)
result("then 25P02", (error_of(got) or {}).get("C") == "25P02" and got[-1] == (b"Z", b"E"), got)
got = run(s, P("", "ROLLBACK") + B("", "") + E("") + S)
result("ROLLBACK: idle again", got[-1] == (b"Z", b"I") and error_of(got) is None, got)

# 9. SHOW and SET through Execute
got = run(s, P("", "SHOW server_encoding") + B("", "") + D(b"P", "") + E("") + S)
result("SHOW: T D C", types_of(got) == b"12TDCZ" and data_rows(got) == [[b"UTF8"]], got)
got = run(s, P("", "SET application_name = 'ext'") + B("", "") + D(b"P", "") + E("") + S)
result("SET: n C and ParameterStatus", types_of(got) == b"12nCSZ", got)

# 10. a cancelled push query
s.sendall(P("", "SELECT * FROM forever") + B("", "") + E("") + S)
time.sleep(0.5)
c = conn_unix(SOCKDIR, PORT)
c.sendall(struct.pack("!IIII", 16, (1234 << 16) | 5678, key[0], key[1])); c.close()
got = read_until(s, (b"Z",))
result("cancel: 57014 then ReadyForQuery", (error_of(got) or {}).get("C") == "57014" and got[-1][0] == b"Z", types_of(got)[-3:])
got = run(s, Q("SELECT 1"))
result("usable after the cancel", data_rows(got) == [[b"1"]], got)

# 11. PREPARE / EXECUTE / DEALLOCATE
got = run(s, Q("PREPARE q(bigint, text) AS SELECT $1 + 1, $2"))
result("PREPARE", types_of(got) == b"CZ", got)
got = run(s, Q("EXECUTE q(41, 'x')"))
result("EXECUTE", data_rows(got) == [[b"42", b"x"]] and b"SELECT 1\0" in [b for t, b in got if t == b"C"], got)
got = run(s, Q("EXECUTE q(1)"))
result("EXECUTE with a wrong count: 42601", (error_of(got) or {}).get("C") == "42601", got)
got = run(s, Q("DEALLOCATE q; EXECUTE q(1, 'y')"))
result("DEALLOCATE, then 26000", (error_of(got) or {}).get("C") == "26000", got)
got = run(s, Q("DEALLOCATE ALL"))
result("DEALLOCATE ALL", error_of(got) is None, got)

# 12. cursors over a push query (psycopg's named cursors)
got = run(s, Q("DECLARE c CURSOR FOR SELECT station FROM g"))
result("DECLARE outside a block: 25P01", (error_of(got) or {}).get("C") == "25P01", got)
got = run(s, Q("BEGIN; DECLARE c CURSOR FOR SELECT station FROM g; FETCH 2 FROM c"))
result("FETCH 2", data_rows(got) == [[b"station-01"], [b"station-02"]], got)
got = run(s, Q("MOVE 1 IN c; FETCH FORWARD ALL FROM c"))
result("MOVE 1, FETCH ALL", data_rows(got) == [[b"station-04"], [b"station-05"]], got)
result("FETCH's tag", b"FETCH 2\0" in [b for t, b in got if t == b"C"], got)
got = run(s, Q("FETCH PRIOR FROM c"))
result("backwards: 55000", (error_of(got) or {}).get("C") == "55000", got)
got = run(s, Q("ROLLBACK; BEGIN; DECLARE c CURSOR FOR SELECT station FROM g; CLOSE c; FETCH 1 FROM c"))
result("CLOSE, then 34000", (error_of(got) or {}).get("C") == "34000", got)
got = run(s, Q("ROLLBACK; BEGIN; DECLARE c2 CURSOR FOR SELECT station FROM g; COMMIT; FETCH 1 FROM c2"))
result("a cursor ends with its block", (error_of(got) or {}).get("C") == "34000", got)
decl = "; ".join("DECLARE k%d CURSOR FOR SELECT station FROM forever; FETCH 1 FROM k%d" % (i, i) for i in range(17))
got = run(s, Q("BEGIN; " + decl))
result("the 17th open push query in portals: 54000", (error_of(got) or {}).get("C") == "54000" and len(data_rows(got)) == 16, types_of(got))
got = run(s, Q("ROLLBACK"))
got = run(s, Q("DECLARE h CURSOR WITH HOLD FOR SELECT station FROM g; FETCH 1 FROM h; CLOSE ALL"))
result("WITH HOLD outlives it", data_rows(got) == [[b"station-01"]] and error_of(got) is None, got)

s.sendall(msg(b"X")); s.close()
sys.exit(1 if FAILED[0] else 0)
PY

if kill -0 "$SL_PID" 2>/dev/null; then echo "ok - server alive"; else echo "not ok - server died"; fail=1; fi
sl_server_stop && echo "ok - clean stop" || { echo "not ok - stop"; fail=1; }
exit $fail
