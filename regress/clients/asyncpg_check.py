#!/usr/bin/python3
"""regress/clients/asyncpg_check.py - asyncpg at its default settings.

asyncpg prepares every statement (Parse/Describe, then Bind/Execute with
binary formats), introspects the types it meets through pg_catalog,
cancels a query whose timeout expires with a CancelRequest, and resets a
pooled connection at release (pg_advisory_unlock_all(), CLOSE ALL,
UNLISTEN *, RESET ALL).  Usage and output: clientcheck.py.
"""
import asyncio

import asyncpg

from clientcheck import CANCEL_SQL, TS, WANT_A, args, check, expect, expect_error

HOST, PORT, USER, PASSWORD, DBNAME, TARGET = args()
loop = asyncio.new_event_loop()
state = {}


def run(coro):
    return loop.run_until_complete(asyncio.wait_for(coro, 30))


def connect():
    state["conn"] = run(asyncpg.connect(host=HOST, port=PORT, user=USER, password=PASSWORD,
                                        database=DBNAME, timeout=10))


def int_literal():
    v = run(state["conn"].fetchval("SELECT 1"))
    expect("SELECT 1", (int, 1), (type(v), v))
    stmt = run(state["conn"].prepare("SELECT 1"))
    expect("the type of SELECT 1", "int4", stmt.get_attributes()[0].type.name)


def params():
    row = run(state["conn"].fetchrow(
        "SELECT $1::text, $2::bigint + 1, $3::float8, $4::bool, $5::timestamp",
        "héllo", 41, 1.5, True, TS))
    expect("parameter round trip", ("héllo", 42, 1.5, True, TS), tuple(row))


def transaction():
    conn = state["conn"]

    async def go():
        async with conn.transaction():
            expect("in a transaction", True, conn.is_in_transaction())
            await conn.fetchval("SELECT 1")
        expect("after the block", False, conn.is_in_transaction())
    run(go())


def errors():
    conn = state["conn"]
    expect_error("SELECT * FROM nosuch", "42P01", run, conn.fetch("SELECT * FROM nosuch"))
    expect_error("a syntax error", "42601", run, conn.fetch("SELEC 1"))
    expect("usable after the errors", 3, run(conn.fetchval("SELECT 3")))


def bounded_push():
    rows = run(state["conn"].fetch("SELECT ts, station, ph FROM readings WHERE station = $1", "a"))
    expect("rows of station a", WANT_A, [tuple(r) for r in rows])


def cancel():
    # asyncpg's cancel API is the timeout (or cancelling the task): it
    # sends a CancelRequest, waits for the server to end the statement
    # (57014, which asyncpg consumes) and raises TimeoutError.
    # The TimeoutError comes at once; the connection waits for the server
    # to end the statement before it runs the next one.
    conn = state["conn"]
    try:
        loop.run_until_complete(conn.fetch(CANCEL_SQL[TARGET], timeout=1))
    except asyncio.TimeoutError:
        pass
    else:
        raise AssertionError("the query ended before its timeout")
    try:
        v = loop.run_until_complete(asyncio.wait_for(conn.fetchval("SELECT 4"), 10))
    except asyncio.TimeoutError:
        raise AssertionError("the connection still waits for the cancelled statement to end 10 s later")
    expect("usable after the cancel", 4, v)


def introspection():
    cols = run(state["conn"].fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_name = $1 "
        "ORDER BY ordinal_position", "readings"))
    expect("columns of readings", ["ts", "station", "ph"], [c[0] for c in cols])


def pool():
    async def go():
        p = await asyncpg.create_pool(host=HOST, port=PORT, user=USER, password=PASSWORD,
                                      database=DBNAME, min_size=1, max_size=1, timeout=10)
        for i in range(2):  # the second acquire gets the connection reset at release
            async with p.acquire() as c:
                expect("pooled connection", i, await c.fetchval("SELECT $1::int", i))
        await p.close()
    run(go())


check("connect", connect)
check("SELECT 1 is an int4, read as an int", int_literal)
check("parameter round trip (text, bigint, float, bool, timestamp)", params)
check("async with conn.transaction()", transaction)
check("errors carry SQLSTATE 42P01 and 42601", errors)
check("push query on a bounded source with a parameter, read to the end", bounded_push)
check("timeout cancels a running query, connection usable", cancel)
check("information_schema.columns lists the relation's columns", introspection)
check("Pool acquire/release/acquire (release resets the connection)", pool)
run(state["conn"].close())
