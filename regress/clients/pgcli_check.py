#!/usr/bin/python3
"""regress/clients/pgcli_check.py - pgcli at its default settings.

pgcli connects through psycopg 3 in autocommit mode and, in a background
thread, fills its completer from the catalog: the search path
(unnest(current_schemas(true))), schemata, tables and views with their
columns, foreign keys, types, databases and functions.  This runs each of
those refreshers in turn (a failing one names its query), then asks the
completer what it offers after "SELECT * FROM " and "SELECT  FROM readings",
then runs statements as the shell does (PGExecute.run).  Usage and output:
clientcheck.py; pgcli has no parameters and cancels through psycopg 3's
conn.cancel(), which psycopg3_check.py covers.
"""
import logging

from pgcli.completion_refresher import CompletionRefresher
from pgcli.pgcompleter import PGCompleter
from pgcli.pgexecute import PGExecute
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from clientcheck import WANT_A, args, check, expect, expect_error

HOST, PORT, USER, PASSWORD, DBNAME, TARGET = args()
logging.disable(logging.CRITICAL)  # pgcli logs each failed statement with its traceback
state = {}


def connect():
    state["ex"] = PGExecute(DBNAME, USER, PASSWORD, HOST, PORT)
    state["completer"] = PGCompleter(smart_completion=True)


def refresh(name):
    CompletionRefresher.refreshers[name](state["completer"], state["ex"])


def completions(text):
    return completions_at(text, len(text))


def complete_tables():
    got = completions("SELECT * FROM ")
    if "readings" not in got:
        raise AssertionError("completions after FROM lack readings: %r" % got[:20])


def complete_columns():
    got = completions_at("SELECT  FROM readings", len("SELECT "))
    for col in ("ts", "station", "ph"):
        if col not in got:
            raise AssertionError("column completions lack %s: %r" % (col, got[:20]))


def completions_at(text, pos):
    doc = Document(text=text, cursor_position=pos)
    return [c.text for c in state["completer"].get_completions(doc, CompleteEvent())]


def run_query():
    # PGExecute.run yields (title, rows, headers, status, sql, success, is_special).
    res = list(state["ex"].run("SELECT ts, station, ph FROM readings WHERE station = 'a'"))
    # pgcli reads timestamps as text (its own typecasters).
    rows = [(str(r[0]), r[1], r[2]) for r in res[0][1]]
    expect("rows of station a", [(str(ts), st, ph) for ts, st, ph in WANT_A], rows)


def run_error():
    def go():
        list(state["ex"].run("SELECT * FROM nosuch"))
    expect_error("SELECT * FROM nosuch", "42P01", go)
    expect("usable after the error", [(3,)],
           [tuple(r) for r in list(state["ex"].run("SELECT 3"))[0][1]])


check("connect (PGExecute)", connect)
for name in ("schemata", "tables", "views", "types", "databases", "functions"):
    check("completion refresher %s" % name, refresh, name)
check("completion after FROM lists the relation", complete_tables)
check("completion of columns lists the relation's columns", complete_columns)
check("a query read to the end", run_query)
check("an error carries SQLSTATE 42P01, shell usable", run_error)
