#!/usr/bin/python3
"""window_oracle.py - checks sluice's window aggregates against sqlite3.

    window_oracle.py [--rewrites] CSV SINKFILE KIND [SIZE_S [SLIDE_S]]

CSV is the fixture's readings (regress/fixtures/make_xlsx.py writes it from
the same rows as the workbooks); SINKFILE is the JSON-lines output of the
query in regress/scripts/oracle.sh; KIND is tumbling or hopping.  The oracle
loads the CSV into an in-memory sqlite3 table, assigns each row to its
windows (one for tumbling, size/slide for hopping), computes every aggregate
with GROUP BY in sqlite3 (variances two-pass, first/last by event time), and
compares window by window with a relative tolerance of 1e-9.  Exit status 0
when every window is present exactly once with equal values.  With
--rewrites (a query killed and resumed from a checkpoint may write a window
again) a window may occur more than once if every copy is the same line.
"""
import csv
import datetime as dt
import json
import math
import sqlite3
import sys

COLS = ["ph", "turbidity", "temperature", "dissolved_oxygen", "conductivity"]


def ts_us(text):
    d = dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=dt.timezone.utc)
    return int(round(d.timestamp() * 1_000_000))


def iso_us(text):
    """The sink's ISO-8601 UTC text -> microseconds."""
    t = text.rstrip("Z").replace("T", " ")
    if "." not in t:
        t += ".0"
    return ts_us(t)


def load(db, path):
    db.execute("CREATE TABLE r (ts INTEGER, station TEXT, ph REAL, turbidity REAL, temperature REAL, "
               "dissolved_oxygen REAL, conductivity INTEGER)")
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            vals = [ts_us(row["ts"]), row["station"]]
            for c in COLS:
                v = row[c]
                vals.append(None if v == "" else (int(v) if c == "conductivity" else float(v)))
            db.execute("INSERT INTO r VALUES (?,?,?,?,?,?,?)", vals)


def windows(db, kind, size, slide):
    """Table w(ws, we, ts, station, ...): one row per (window, reading)."""
    db.execute("CREATE TABLE w AS SELECT 0 AS ws, 0 AS we, * FROM r WHERE 0")
    rows = db.execute("SELECT * FROM r").fetchall()
    for row in rows:
        t = row[0]
        if kind == "tumbling":
            starts = [t - t % size]
        else:
            last = t - t % slide
            starts = [s for s in range(last - size + slide, last + 1, slide) if s <= t < s + size]
        for s in starts:
            db.execute("INSERT INTO w VALUES (?,?,?,?,?,?,?,?,?)", (s, s + size) + tuple(row))


ORACLE_SQL = """
WITH g AS (
  SELECT ws, we, station,
         count(*) AS n, count(ph) AS n_ph, count(DISTINCT conductivity) AS nd_cond,
         sum(conductivity) AS sum_cond, sum(ph) AS sum_ph, avg(ph) AS avg_ph,
         min(ph) AS min_ph, max(ph) AS max_ph, min(ts) AS min_ts, max(turbidity) AS max_turb,
         avg(turbidity) AS mean_t, avg(temperature) AS mean_temp
  FROM w GROUP BY ws, we, station)
SELECT g.ws, g.we, g.station, n, n_ph, nd_cond, sum_cond, sum_ph, avg_ph, min_ph, max_ph, min_ts, max_turb,
  (SELECT sum((w.turbidity - g.mean_t) * (w.turbidity - g.mean_t)) FROM w
     WHERE w.ws = g.ws AND w.station = g.station AND w.turbidity IS NOT NULL) AS ss_t,
  (SELECT count(turbidity) FROM w WHERE w.ws = g.ws AND w.station = g.station) AS n_t,
  (SELECT sum((w.temperature - g.mean_temp) * (w.temperature - g.mean_temp)) FROM w
     WHERE w.ws = g.ws AND w.station = g.station AND w.temperature IS NOT NULL) AS ss_temp,
  (SELECT count(temperature) FROM w WHERE w.ws = g.ws AND w.station = g.station) AS n_temp,
  (SELECT ph FROM w WHERE w.ws = g.ws AND w.station = g.station AND ph IS NOT NULL ORDER BY ts LIMIT 1) AS first_ph,
  (SELECT ph FROM w WHERE w.ws = g.ws AND w.station = g.station AND ph IS NOT NULL ORDER BY ts DESC LIMIT 1) AS last_ph
FROM g
"""


def expected(db):
    out = {}
    for r in db.execute(ORACLE_SQL):
        (ws, we, st, n, n_ph, nd, sum_cond, sum_ph, avg_ph, min_ph, max_ph, min_ts, max_turb,
         ss_t, n_t, ss_temp, n_temp, first_ph, last_ph) = r
        out[(ws, st)] = {
            "window_end": we, "n": n, "n_ph": n_ph, "nd_cond": nd, "sum_cond": sum_cond, "sum_ph": sum_ph,
            "avg_ph": avg_ph, "min_ph": min_ph, "max_ph": max_ph, "min_ts": min_ts, "max_turb": max_turb,
            "sd_t": math.sqrt(ss_t / (n_t - 1)) if n_t and n_t > 1 else None,
            "sdp_t": math.sqrt(ss_t / n_t) if n_t else None,
            "var_temp": ss_temp / (n_temp - 1) if n_temp and n_temp > 1 else None,
            "varp_temp": ss_temp / n_temp if n_temp else None,
            "first_ph": first_ph, "last_ph": last_ph,
        }
    return out


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    a, b = float(a), float(b)
    return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))


def main():
    args = sys.argv[1:]
    rewrites = args[:1] == ["--rewrites"]
    if rewrites:
        args = args[1:]
    csv_path, sink_path, kind = args[0], args[1], args[2]
    size = int(float(args[3]) * 1e6) if len(args) > 3 else 60_000_000
    slide = int(float(args[4]) * 1e6) if len(args) > 4 else size
    db = sqlite3.connect(":memory:")
    load(db, csv_path)
    windows(db, kind, size, slide)
    want = expected(db)
    got = {}
    text = {}
    dup = changed = 0
    with open(sink_path) as f:
        for line in f:
            o = json.loads(line)
            key = (iso_us(o["window_start"]), o["station"])
            if key in got:
                dup += 1
                if line != text[key]:
                    print("window %s %s written twice, differently:\n  %s  %s" % (key[0], key[1], text[key], line))
                    changed += 1
            text[key] = line
            o["window_end"] = iso_us(o["window_end"])
            o["min_ts"] = iso_us(o["min_ts"]) if o.get("min_ts") else None
            got[key] = o
    bad = 0
    for key, w in sorted(want.items()):
        g = got.get(key)
        if g is None:
            print("missing window", key)
            bad += 1
            continue
        for name, v in w.items():
            if not close(v, g.get(name)):
                print("window %s %s: %s = %r, sqlite3 says %r" % (key[0], key[1], name, g.get(name), v))
                bad += 1
    extra = set(got) - set(want)
    for key in sorted(extra):
        print("unexpected window", key)
    print("%s: %d windows compared, %d mismatches, %d unexpected, %d duplicates (%d different)"
          % (kind, len(want), bad, len(extra), dup, changed))
    dups_ok = changed == 0 if rewrites else dup == 0
    sys.exit(0 if bad == 0 and not extra and dups_ok and want else 1)


if __name__ == "__main__":
    main()
