"""regress/clients/clientcheck.py - what the Python client checks share.

Each program takes HOST PORT USER DBNAME [sluice|postgres] (the password
comes from $PGPASSWORD, as regress/lib/server.sh exports it) and runs its
checks in order through check(): one line per check ("ok - NAME" or
"not ok - NAME: what the server said"), and exit status 1 at the first
failure.  The target picks the statement the cancel check runs: a push
query over the unbounded source "forever" on sluiced, pg_sleep() on the
PostgreSQL server the programs are validated against.
"""
import datetime
import os
import sys
import threading
import time
import traceback

# The values of the parameter round trip, the same in every client.
TS = datetime.datetime(2026, 1, 2, 3, 4, 5)
CANCEL_SQL = {"sluice": "SELECT station, ph FROM forever",
              "postgres": "SELECT pg_sleep(60)"}
# The bounded push query: readings.csv's rows at station 'a', in file order.
WANT_A = [(datetime.datetime(2026, 1, 1, 0, 0, 0), "a", 7.1),
          (datetime.datetime(2026, 1, 1, 0, 0, 20), "a", 7.3)]


def args():
    """Returns (host, port, user, password, dbname, target) from argv."""
    if len(sys.argv) not in (5, 6) or (len(sys.argv) == 6 and sys.argv[5] not in CANCEL_SQL):
        sys.exit("usage: %s HOST PORT USER DBNAME [sluice|postgres]" % sys.argv[0])
    target = sys.argv[5] if len(sys.argv) == 6 else "sluice"
    return (sys.argv[1], int(sys.argv[2]), sys.argv[3], os.environ.get("PGPASSWORD", ""),
            sys.argv[4], target)


# How long one check may take: a server that stops answering fails the
# check by name instead of hanging the test.
CHECK_SECONDS = 30


def check(name, fn, *a):
    """Runs fn(*a); it returns None or raises.  Prints the result line and
    exits 1 at a failure, naming the check and the error's message, or
    when the check is not done within CHECK_SECONDS."""
    def hung():
        print("not ok - %s: no answer within %d s" % (name, CHECK_SECONDS), flush=True)
        os._exit(1)
    watchdog = threading.Timer(CHECK_SECONDS, hung)
    watchdog.daemon = True
    watchdog.start()
    try:
        fn(*a)
    except Exception as e:  # noqa: BLE001 - any failure ends the run
        code = getattr(e, "sqlstate", None) or getattr(e, "pgcode", None)
        print("not ok - %s: %s%s: %s" % (name, type(e).__name__,
                                         " [%s]" % code if code else "",
                                         str(e).strip()), flush=True)
        if os.environ.get("SL_CLIENT_TRACE"):
            traceback.print_exc()
        sys.exit(1)
    finally:
        watchdog.cancel()
    print("ok - %s" % name, flush=True)


def expect(what, want, got):
    """Raises AssertionError when got != want."""
    if want != got:
        raise AssertionError("%s: expected %r, got %r" % (what, want, got))


def sqlstate_of(e):
    """The SQLSTATE of a driver's exception, from whichever attribute it uses."""
    for attr in ("sqlstate", "pgcode"):
        v = getattr(e, attr, None)
        if v:
            return v
    orig = getattr(e, "orig", None)
    return sqlstate_of(orig) if orig is not None else None


def expect_error(what, sqlstate, fn, *a):
    """Runs fn(*a), which must raise an error carrying SQLSTATE sqlstate."""
    try:
        fn(*a)
    except AssertionError:
        raise
    except Exception as e:  # noqa: BLE001
        got = sqlstate_of(e)
        if got != sqlstate:
            raise AssertionError("%s: expected SQLSTATE %s, got %s (%s: %s)"
                                 % (what, sqlstate, got, type(e).__name__, str(e).strip()))
        return e
    raise AssertionError("%s: expected an error %s, it succeeded" % (what, sqlstate))


def cancel_running(run, cancel):
    """Runs run() (a query read to the end) on a thread, calls cancel()
    after a second and returns the exception run() raised: the caller checks
    it is 57014.  Raises AssertionError when the query ends before the
    cancel or still runs 10 s after it."""
    result = {}

    def go():
        try:
            run()
            result["error"] = None
        except Exception as e:  # noqa: BLE001
            result["error"] = e

    t = threading.Thread(target=go, daemon=True)
    t.start()
    time.sleep(1)
    if "error" in result:
        raise AssertionError("the query ended before the cancel: %r" % result["error"])
    cancel()
    t.join(10)
    if t.is_alive():
        raise AssertionError("the query still runs 10 s after the cancel")
    if sqlstate_of(result["error"]) != "57014":
        raise AssertionError("expected SQLSTATE 57014, got %r" % result["error"])
