#!/usr/bin/python3
"""regress/clients/psycopg3_check.py - psycopg 3 at its default settings.

psycopg 3 sends every statement with the extended query protocol, opens a
transaction with an implicit BEGIN before the first statement (autocommit
off) and binds %s parameters server-side.  Usage and output: clientcheck.py.
"""
import psycopg
import psycopg.pq

from clientcheck import (CANCEL_SQL, TS, WANT_A, args, cancel_running, check, expect,
                         expect_error)

HOST, PORT, USER, PASSWORD, DBNAME, TARGET = args()
state = {}


def connect():
    state["conn"] = psycopg.connect(host=HOST, port=PORT, user=USER, password=PASSWORD,
                                    dbname=DBNAME, connect_timeout=10)


def int_literal():
    cur = state["conn"].execute("SELECT 1")
    v = cur.fetchone()[0]
    expect("SELECT 1", (int, 1), (type(v), v))
    expect("the type of SELECT 1", "int4", psycopg.adapters.types[cur.description[0].type_code].name)
    state["conn"].commit()


def params():
    row = state["conn"].execute(
        "SELECT %s::text, %s::bigint + 1, %s::float8, %s::bool, %s::timestamp",
        ["héllo", 41, 1.5, True, TS]).fetchone()
    expect("parameter round trip", ("héllo", 42, 1.5, True, TS), tuple(row))
    state["conn"].commit()


def implicit_begin():
    conn = state["conn"]
    conn.execute("SELECT 1")
    expect("status after the first statement", psycopg.pq.TransactionStatus.INTRANS,
           conn.info.transaction_status)
    conn.commit()
    expect("status after commit", psycopg.pq.TransactionStatus.IDLE, conn.info.transaction_status)
    with conn.transaction():
        conn.execute("SELECT 2")
    conn.rollback()


def errors():
    conn = state["conn"]
    expect_error("SELECT * FROM nosuch", "42P01", conn.execute, "SELECT * FROM nosuch")
    conn.rollback()
    expect_error("a syntax error", "42601", conn.execute, "SELEC 1")
    conn.rollback()
    expect("usable after the errors", 3, conn.execute("SELECT 3").fetchone()[0])
    conn.commit()


def bounded_push():
    rows = state["conn"].execute(
        "SELECT ts, station, ph FROM readings WHERE station = %s", ["a"]).fetchall()
    expect("rows of station a", WANT_A, [tuple(r) for r in rows])
    state["conn"].commit()


def cancel():
    conn = state["conn"]
    cancel_running(lambda: conn.execute(CANCEL_SQL[TARGET]).fetchall(), conn.cancel)
    conn.rollback()
    expect("usable after the cancel", 4, conn.execute("SELECT 4").fetchone()[0])
    conn.commit()


def introspection():
    # What an application asks of the catalog through psycopg: the
    # relation and its columns (information_schema, as ORMs do).
    conn = state["conn"]
    cols = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "ORDER BY ordinal_position", ["readings"]).fetchall()
    expect("columns of readings", ["ts", "station", "ph"], [c[0] for c in cols])
    conn.commit()


check("connect", connect)
check("SELECT 1 is an int4, read as an int", int_literal)
check("parameter round trip (text, bigint, float, bool, timestamp)", params)
check("implicit BEGIN, commit, transaction()", implicit_begin)
check("errors carry SQLSTATE 42P01 and 42601", errors)
check("push query on a bounded source with a parameter, read to the end", bounded_push)
check("conn.cancel() of a running query gives 57014, connection usable", cancel)
check("information_schema.columns lists the relation's columns", introspection)
state["conn"].close()
