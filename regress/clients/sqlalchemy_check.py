#!/usr/bin/python3
"""regress/clients/sqlalchemy_check.py - SQLAlchemy 1.4 at its default
settings, with the psycopg2 dialect and then the asyncpg one.

At its first connect a dialect asks the server for its version, the hstore
type and the standard_conforming_strings setting; inspect() reads
pg_catalog.  The same checks run on both dialects: on the asyncpg one through
AsyncConnection.run_sync().  SQLAlchemy has no cancel API of its own: the
psycopg2 run cancels through the DBAPI connection's cancel().  Usage and
output: clientcheck.py.
"""
import asyncio

import sqlalchemy
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from clientcheck import (CANCEL_SQL, TS, WANT_A, args, cancel_running, check, expect,
                         expect_error)

HOST, PORT, USER, PASSWORD, DBNAME, TARGET = args()
URL = "postgresql+%%s://%s:%s@%s:%d/%s" % (USER, PASSWORD, HOST, PORT, DBNAME)


def int_literal(c):
    r = c.execute(text("SELECT 1"))
    # The DBAPI's description names the column's type OID (int4: 23).
    expect("the type OID of SELECT 1", 23, r.cursor.description[0][1])
    v = r.scalar()
    expect("SELECT 1", (int, 1), (type(v), v))


def params(c):
    row = c.execute(text("SELECT CAST(:t AS text), CAST(:b AS bigint) + 1, CAST(:f AS float8), "
                         "CAST(:bo AS bool), CAST(:ts AS timestamp)"),
                    {"t": "héllo", "b": 41, "f": 1.5, "bo": True, "ts": TS}).one()
    expect("parameter round trip", ("héllo", 42, 1.5, True, TS), tuple(row))


def error_42p01(c):
    expect_error("SELECT * FROM nosuch", "42P01", c.execute, text("SELECT * FROM nosuch"))


def error_42601(c):
    expect_error("a syntax error", "42601", c.execute, text("SELEC 1"))


def usable(c):
    expect("usable after the errors", 3, c.execute(text("SELECT 3")).scalar())


def bounded_push(c):
    rows = c.execute(text("SELECT ts, station, ph FROM readings WHERE station = :s"),
                     {"s": "a"}).all()
    expect("rows of station a", WANT_A, [tuple(r) for r in rows])


def inspection(c):
    insp = inspect(c)
    names = insp.get_table_names()
    if "readings" not in names:
        raise AssertionError("get_table_names() lacks readings: %r" % names)
    cols = [(col["name"], str(col["type"])) for col in insp.get_columns("readings")]
    expect("get_columns(readings)",
           [("ts", "TIMESTAMP"), ("station", "TEXT"), ("ph", "DOUBLE_PRECISION")], cols)


def cancel_psycopg2(c):
    raw = c.connection.dbapi_connection if hasattr(c.connection, "dbapi_connection") \
        else c.connection.connection
    cancel_running(lambda: c.execute(text(CANCEL_SQL[TARGET])).all(), raw.cancel)


SYNC_CHECKS = [
    ("SELECT 1 is an int4, read as an int", int_literal),
    ("parameter round trip (text, bigint, float, bool, timestamp)", params),
    ("SELECT * FROM nosuch gives 42P01", error_42p01),
    ("a syntax error gives 42601", error_42601),
    ("a pooled connection is usable after the errors", usable),
    ("push query on a bounded source with a parameter, read to the end", bounded_push),
    ("inspect(): get_table_names() and get_columns()", inspection),
]


def run_psycopg2():
    engine = sqlalchemy.create_engine(URL % "psycopg2")
    state = {}

    def connect():
        state["c"] = engine.connect()
        state["c"].close()
    check("psycopg2: connect (the dialect's first-connect queries)", connect)
    for name, fn in SYNC_CHECKS:
        def one(fn=fn):
            with engine.connect() as c:
                fn(c)
        check("psycopg2: " + name, one)

    def begin():
        with engine.begin() as c:
            c.execute(text("SELECT 1"))
    check("psycopg2: engine.begin() commits", begin)

    def cancel():
        with engine.connect() as c:
            cancel_psycopg2(c)
        with engine.connect() as c:
            usable(c)
    check("psycopg2: cancel() of a running query gives 57014, pool usable", cancel)
    engine.dispose()


def run_asyncpg():
    loop = asyncio.new_event_loop()
    engine = create_async_engine(URL % "asyncpg")

    def run(coro):
        return loop.run_until_complete(asyncio.wait_for(coro, 30))

    async def connect():
        async with engine.connect():
            pass
    check("asyncpg: connect (the dialect's first-connect queries)", run, connect())
    for name, fn in SYNC_CHECKS:
        async def one(fn=fn):
            async with engine.connect() as c:
                await c.run_sync(fn)
        check("asyncpg: " + name, run, one())

    async def begin():
        async with engine.begin() as c:
            await c.execute(text("SELECT 1"))
    check("asyncpg: engine.begin() commits", run, begin())
    run(engine.dispose())


run_psycopg2()
run_asyncpg()
