#!/bin/bash
# regress/scripts/result_types.sh - the type OIDs a client is told in
# RowDescription are PostgreSQL's for the same query (issue 13): integer
# literals that fit 32 bits and integer arithmetic on them are int4 (23),
# count(*), sum() and bigint columns int8 (20), casts say what they cast to,
# and a value that does not fit int4 is never reported as one (22003).
# A raw protocol client decodes the messages, independently of libpq; the
# expected OIDs are PostgreSQL 15's.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
sl_server_start || exit 1
fail=0
printf '{"station": "a", "v": 1}\n{"station": "b", "v": 5000000000}\n' >"$SL_DATADIR/files/types.jsonl"

/usr/bin/python3 - "$SL_PORT" "$SL_SOCKDIR" <<'PY' || fail=1
import os, sys
sys.path.insert(0, os.path.join(os.environ["SL_SRCDIR"], "regress", "lib"))
from pqraw import PgConn

failed = False

def result(name, good, info=""):
    global failed
    print(("ok - " if good else "not ok - ") + name + ("" if good else ": " + str(info)))
    failed = failed or not good

conn = PgConn.unix("%s/.s.PGSQL.%d" % (sys.argv[2], int(sys.argv[1])))
INT2, INT4, INT8, FLOAT8, TEXT, BOOL, TS, IV = 21, 23, 20, 701, 25, 16, 1114, 1186
cases = [
    # (name, sql, expected OIDs, expected first row or None)
    ("integer literals", "SELECT 1, -2147483648, 2147483647, 2147483648, 0",
     [INT4, INT4, INT4, INT8, INT4], ["1", "-2147483648", "2147483647", "2147483648", "0"]),
    ("integer arithmetic stays integer", "SELECT 1 + 2, 7 / 2, 7 % 3, -(5), 2 * 3 - 1",
     [INT4] * 5, ["3", "3", "1", "-5", "5"]),
    ("integer op bigint is bigint", "SELECT 1 + 2147483648, 2147483647 + 1::bigint, CAST(1 AS bigint), 1::int8",
     [INT8] * 4, ["2147483649", "2147483648", "1", "1"]),
    ("casts to integer", "SELECT '12'::int, 3.7::integer, CAST(4000000000 - 3999999999 AS int4)",
     [INT4] * 3, ["12", "4", "1"]),
    ("other literals", "SELECT 1.5, 'x', true, NULL, INTERVAL '1 minute', TIMESTAMP '2026-01-01'",
     [FLOAT8, TEXT, BOOL, TEXT, IV, TS], None),
    ("CASE and COALESCE over integers", "SELECT CASE WHEN true THEN 1 ELSE NULL END, coalesce(NULL, 2), "
     "CASE WHEN true THEN 1 ELSE 5000000000 END, greatest(1, 2)", [INT4, INT4, INT8, INT4], ["1", "2", "1", "2"]),
    ("push query: literal, bigint column, count, sum",
     "SELECT 1 AS one, v, v + 1 AS w, count(*) AS n, sum(1) AS s FROM types_src GROUP BY v",
     [INT4, INT8, INT8, INT8, INT8], None),
    ("push query: integer arithmetic on literals", "SELECT 2 * 3 AS six, v * 2 AS dbl FROM types_src LIMIT 1",
     [INT4, INT8], ["6", "2"]),
]
o, _, e = conn.query("CREATE SOURCE types_src (station TEXT, v BIGINT) FROM FILE WITH (path = 'types.jsonl')")
result("source created", e is None, e)
for name, sql, want, row in cases:
    oids, rows, error = conn.query(sql)
    good = error is None and oids == want and (row is None or (rows and rows[0] == row))
    result(name, good, "oids %s rows %s error %s, want %s %s" % (oids, rows, error, want, row))

errors = [
    ("integer overflow in a constant", "SELECT 2147483647 + 1", "22003", "integer out of range"),
    ("integer overflow of a product", "SELECT 65536 * 65536", "22003", "integer out of range"),
    ("a cast to integer that does not fit", "SELECT '3000000000'::int", "22003", "integer out of range"),
    ("a bigint column cast to integer does not fit", "SELECT v::int AS i FROM types_src WHERE v > 1", None, None),
]
for name, sql, code, message in errors:
    oids, rows, error = conn.query(sql)
    if code is None:
        # a data error in one row: NULL and counted, the stream goes on (docs/sql.md)
        result(name, error is None and oids == [INT4] and rows == [[None]], (oids, rows, error))
    else:
        result(name, error is not None and error.get("C") == code and error.get("M") == message, error)
sys.exit(1 if failed else 0)
PY

sl_server_stop || fail=1
exit $fail
